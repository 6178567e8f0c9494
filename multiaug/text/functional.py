"""Pure kernels of the word edits: plain functions of a text and explicit edits.

Word positions index the words of the text (see
:func:`multiaug.text.tokens.split_words`); every character that is not part of an
edited word stays where it was. Positions past the last word are ignored, so a
trace replayed on a shorter text edits what it can. No randomness here.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

from .tokens import move_case, opens_sentence, split_words

__all__ = ["delete_words", "insert_words", "replace_words", "swap_words"]


def replace_words(text: str, edits: Sequence[Sequence[int | str]]) -> str:
    """Replace word ``i`` by ``new`` for each ``(i, new)`` in ``edits``.

    Examples
    --------
    >>> from multiaug.text.functional import replace_words
    >>> replace_words("A big, old cat.", [(1, "large"), (3, "true cat")])
    'A large, old true cat.'
    """
    if not edits:
        return text
    tokens, words = split_words(text)
    for i, new in edits:
        if int(i) < len(words):
            tokens[words[int(i)]] = str(new)
    return "".join(tokens)


def insert_words(text: str, inserts: Sequence[Sequence[int | str]]) -> str:
    """Insert ``phrase`` after word ``i``, separated by a space, for each ``(i, phrase)``.

    Examples
    --------
    >>> from multiaug.text.functional import insert_words
    >>> insert_words("A big cat.", [(2, "true cat"), (0, "large")])
    'A large big cat true cat.'
    """
    if not inserts:
        return text
    tokens, words = split_words(text)
    added: dict[int, list[str]] = {}  # joined once per word: repeated += on one word is quadratic
    for i, phrase in inserts:
        if int(i) < len(words):
            added.setdefault(int(i), [tokens[words[int(i)]]]).append(str(phrase))
    for i, parts in added.items():
        tokens[words[i]] = " ".join(parts)
    return "".join(tokens)


def swap_words(text: str, swaps: Sequence[Sequence[int]], common: Container[str] = frozenset()) -> str:
    """Exchange words ``i`` and ``j`` for each ``(i, j)``, in order.

    Punctuation and spacing stay in place. A capital that a word had only for
    opening a sentence moves with the position when the word is in ``common``
    (see :func:`multiaug.text.tokens.move_case`).

    Examples
    --------
    >>> from multiaug.text.functional import swap_words
    >>> swap_words("The cat sat, quietly.", [(0, 2)], common={"the", "sat"})
    'Sat cat the, quietly.'
    """
    if not swaps:
        return text
    tokens, words = split_words(text)
    n = len(words)
    order: dict[int, int] = {}  # slot -> original word now in it (only slots that were touched)
    for i, j in swaps:
        i, j = int(i), int(j)
        if i < n and j < n:
            order[i], order[j] = order.get(j, j), order.get(i, i)
    originals = {k: tokens[words[k]] for k in order}
    for slot, src in order.items():
        if src == slot:
            continue
        word, capital = originals[src], originals[slot][:1].isupper()
        if capital or word[:1].isupper():  # otherwise sentence starts cannot matter
            was, now = opens_sentence(tokens, words, src), opens_sentence(tokens, words, slot)
            word = move_case(word, was, now, common, capital)
        tokens[words[slot]] = word
    return "".join(tokens)


def delete_words(text: str, indices: Sequence[int], common: Container[str] = frozenset()) -> str:
    """Delete the given words with one adjoining whitespace run each.

    The whitespace before a word goes with it (the one after, for a word that
    opens the text or follows punctuation). A word that comes to open a
    sentence gets a capital if the deleted opener had one. Deleting every word is refused: the last word is
    kept.

    Examples
    --------
    >>> from multiaug.text.functional import delete_words
    >>> delete_words("The old cat sat.", [0, 2])
    'Old sat.'
    """
    if not indices:
        return text
    tokens, words = split_words(text)
    n = len(words)
    drop = sorted({int(i) for i in indices if int(i) < n})
    if len(drop) >= n:
        drop = drop[:-1]  # never delete the last word
    dropped = set(drop)
    # A word that comes to open a sentence takes the capital of the opener deleted before it.
    for k in drop:
        if not tokens[words[k]][:1].isupper() or not opens_sentence(tokens, words, k):
            continue  # only a capitalised opener passes its capital on
        j = k + 1
        while j < n and j in dropped and not opens_sentence(tokens, words, j):
            j += 1
        if j < n and j not in dropped and not opens_sentence(tokens, words, j):
            tokens[words[j]] = move_case(tokens[words[j]], False, True, common, True)
    # Right to left; `after` holds the parts of the text after word k, last part first, so
    # joining a deleted word's neighbours is an append, not a copy of a growing string.
    out: list[str] = []  # the result, last part first
    after = [tokens[-1]] if tokens[-1] else []
    for k in range(n - 1, -1, -1):
        i = words[k]
        if k not in dropped:
            out += after
            out.append(tokens[i])
            after = [tokens[i - 1]] if tokens[i - 1] else []
            continue
        before = tokens[i - 1]
        if before[-1:].isspace():
            before = before.rstrip()  # the whitespace before a word goes with it...
        elif after and after[-1][:1].isspace():
            # ...or, at the start or after punctuation, the whitespace after it
            while after and not after[-1].lstrip():
                after.pop()
            if after:
                after[-1] = after[-1].lstrip()
        if before:
            after.append(before)
    out += after
    return "".join(reversed(out))
