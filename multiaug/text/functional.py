"""Pure kernels of the text transforms: plain functions of a text and explicit edits.

One kernel per transform, named like its class (``SynonymReplace`` ->
:func:`synonym_replace`). Word positions index the words of the text (see
:func:`multiaug.text.tokens.split_words`); every character that is not part of an
edited word stays where it was. Positions past the last word (or, for
:func:`char_noise`, past the last letter of a word) are ignored, so a trace
replayed on a shorter text edits what it can. No randomness here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Sequence
from typing import Any

from .tokens import _pieces, letter_spans, move_case, opens_sentence

__all__ = [
    "CHAR_ACTIONS",
    "char_noise",
    "char_slots",
    "keyboard_typo",
    "ocr_error",
    "punctuation_insert",
    "random_delete",
    "random_insert",
    "random_swap",
    "synonym_replace",
]

_LAST_SPACE = re.compile(r"\s(?=\S*\Z)")

#: The character edits of :func:`char_noise`.
CHAR_ACTIONS = ("substitute", "insert", "delete", "swap")


def _pieces_to_edit(text: str) -> tuple[list[str], range]:
    """A fresh list of the pieces of ``text`` and its word indices (:func:`~.tokens.split_words`, faster)."""
    pieces = _pieces(text)
    return list(pieces), range(1, len(pieces), 2)


def _edit_words(text: str, edits: Sequence[Sequence[Any]], edit: Callable[..., str]) -> str:
    """``text`` with word ``i`` replaced by ``edit(word, *rest)`` for each ``(i, *rest)``, in order."""
    if not edits:
        return text
    tokens, words = _pieces_to_edit(text)
    n = len(words)
    for i, *rest in edits:
        i = int(i)
        if i < n:
            t = words[i]
            tokens[t] = edit(tokens[t], *rest)
    return "".join(tokens)


def synonym_replace(text: str, edits: Sequence[Sequence[int | str]]) -> str:
    """Replace word ``i`` by ``new`` for each ``(i, new)`` in ``edits``.

    Examples
    --------
    >>> from multiaug.text.functional import synonym_replace
    >>> synonym_replace("A big, old cat.", [(1, "large"), (3, "true cat")])
    'A large, old true cat.'
    """
    return _edit_words(text, edits, lambda _, new: str(new))


def random_insert(text: str, inserts: Sequence[Sequence[int | str]]) -> str:
    """Insert ``phrase`` after word ``i``, separated by a space, for each ``(i, phrase)``.

    A word joined to the next one by a character such as ``/`` gets a space after the phrase too
    (``"f(x)/g"`` with ``"large"`` after ``f(x)``: ``"f(x) large /g"``), so the phrase
    never joins the next word; closing punctuation (``.``, ``,``, ``)``...) still follows it directly.

    Examples
    --------
    >>> from multiaug.text.functional import random_insert
    >>> random_insert("A big cat.", [(2, "true cat"), (0, "large")])
    'A large big cat true cat.'
    """
    added: dict[int, list[str]] = {}  # joined once per word: repeated += on one word is quadratic
    for i, phrase in inserts:
        added.setdefault(int(i), []).append(str(phrase))
    if not added:
        return text
    tokens, words = _pieces_to_edit(text)
    for i, parts in added.items():
        if i < len(words):
            t = words[i]
            after = tokens[t + 1] if t + 1 < len(tokens) else ""
            # a word glued to the next by a joiner ("and/or", "x=1"): the phrase must not take its place;
            # nor by a lone "." or "'" ("0.B"): the phrase and the next word would read as one ("x.B")
            glued = after and not after[0].isspace()
            if glued and after[0] in _CLOSERS:
                glued = after in _INNER and t + 2 < len(tokens) and bool(tokens[t + 2])
            tokens[t] = " ".join([tokens[t], *parts]) + (" " if glued else "")
    return "".join(tokens)


#: Characters that end a word's phrase (an inserted phrase may touch them, as its word did).
_CLOSERS = frozenset(".,;:!?)]}>\"'\u2019\u201d\u00bb\u2026")
#: Closers that also join two words into one ("a.b", "don't"), where they stand alone between words.
_INNER = frozenset(".'\u2019")


#: Places per letter count of each action (:func:`char_slots`).
_EXTRA_SLOTS = {"insert": 1, "swap": -1}


def char_slots(action: str, letters: int) -> int:
    """How many places ``action`` can edit in a word of ``letters`` letters (see :func:`char_noise`)."""
    return letters + _EXTRA_SLOTS.get(action, 0)


def _char_edit(word: str, i: int, char: str, action: str) -> str:
    i = int(i)
    if action == "substitute" and word.isalpha():  # the usual edit: letter i is character i
        return word[:i] + char + word[i + 1 :] if 0 <= i < len(word) else word
    spans = letter_spans(word)
    if not 0 <= i < char_slots(action, len(spans)):
        return word
    if action == "insert":
        at = spans[i][0] if i < len(spans) else spans[-1][1]
        return word[:at] + char + word[at:]
    start, end = spans[i]
    if action == "substitute":
        return word[:start] + char + word[end:]
    if action == "delete":
        return word[:start] + word[end:]
    after, stop = spans[i + 1]  # swap letters i and i + 1; what lies between them stays
    return word[:start] + word[after:stop] + word[end:after] + word[start:end] + word[stop:]


def char_noise(text: str, edits: Sequence[Sequence[int | str]], action: str = "substitute") -> str:
    """One character edit ``(i, letter, char)`` per word: ``action`` at letter ``letter`` of word ``i``.

    Letters are counted as :func:`~multiaug.text.tokens.letter_spans` does (a letter with
    its combining marks; digits and inner punctuation are no letters). ``"substitute"``
    replaces the letter by ``char``, ``"insert"`` puts ``char`` before it (``letter`` equal
    to the number of letters: after the last one), ``"delete"`` removes it and ``"swap"``
    exchanges it with the next letter; ``char`` is ignored by the last two.

    Examples
    --------
    >>> from multiaug.text.functional import char_noise
    >>> char_noise("Quick brown foxes.", [(0, 2, "a"), (2, 0, "b")])
    'Quack brown boxes.'
    >>> char_noise("Quick brown foxes.", [(1, 3, "")], action="swap")
    'Quick bronw foxes.'
    >>> char_noise("Don't go", [(0, 2, "")], action="swap")  # the apostrophe stays in place
    "Dot'n go"
    """
    if action == "substitute":  # KeyboardTypo's and CharNoise's default: one call per edit, not two
        return _edit_words(text, edits, _substitute)
    return _edit_words(text, edits, lambda word, i, char: _char_edit(word, i, str(char), action))


def _substitute(word: str, i: int, char: str) -> str:
    """``_char_edit(word, i, str(char), "substitute")``, its usual case inline."""
    i = int(i)
    if word.isalpha():  # letter i is character i
        return word[:i] + str(char) + word[i + 1 :] if 0 <= i < len(word) else word
    return _char_edit(word, i, str(char), "substitute")


def keyboard_typo(text: str, edits: Sequence[Sequence[int | str]]) -> str:
    """Letter ``letter`` of word ``i`` replaced by ``char`` for each ``(i, letter, char)``.

    The substitution of :func:`char_noise` (``KeyboardTypo`` draws ``char`` among the keys
    next to the letter).

    Examples
    --------
    >>> from multiaug.text.functional import keyboard_typo
    >>> keyboard_typo("Quick brown foxes.", [(0, 2, "u"), (2, 0, "d")])
    'Quuck brown doxes.'
    """
    return char_noise(text, edits, "substitute")


def _replace_at(word: str, offset: int, source: str, target: str) -> str:
    offset = int(offset)
    if offset < 0 or word[offset : offset + len(source)] != source:
        return word
    return word[:offset] + target + word[offset + len(source) :]


def ocr_error(text: str, edits: Sequence[Sequence[int | str]]) -> str:
    """One OCR confusion per edit ``(i, offset, source, target)``: ``source`` -> ``target`` in word ``i``.

    ``source`` is the text at character ``offset`` of the word.

    An edit whose ``source`` is not at ``offset`` is ignored.

    Examples
    --------
    >>> from multiaug.text.functional import ocr_error
    >>> ocr_error("The modern hello.", [(1, 3, "e", "c"), (2, 2, "l", "1")])
    'The modcrn he1lo.'
    """
    return _edit_words(text, edits, _replace_at)


def punctuation_insert(text: str, inserts: Sequence[Sequence[int | str]]) -> str:
    """Insert ``mark`` and a space before word ``i`` for each ``(i, mark)`` (AEDA).

    The mark goes after the whitespace that precedes the word, so an opening quote or
    bracket stays with its word (``(word`` -> ``! (word``); everything else stays in place.

    Examples
    --------
    >>> from multiaug.text.functional import punctuation_insert
    >>> punctuation_insert("The cat (sat) down.", [(0, "!"), (2, ";")])
    '! The cat ; (sat) down.'
    """
    if not inserts:
        return text
    tokens, words = _pieces_to_edit(text)
    for i, mark in inserts:
        i = int(i)
        if i < len(words):
            gap = tokens[words[i] - 1]
            space = _LAST_SPACE.search(gap)
            at = space.end() if space else len(gap)  # after the gap's last whitespace, else before the word
            tokens[words[i] - 1] = gap[:at] + f"{mark} " + gap[at:]
    return "".join(tokens)


def random_swap(text: str, swaps: Sequence[Sequence[int]], common: Container[str] = frozenset()) -> str:
    """Exchange words ``i`` and ``j`` for each ``(i, j)``, in order.

    Punctuation and spacing stay in place. A capital that a word had only for
    opening a sentence moves with the position when the word is in ``common``
    (see :func:`multiaug.text.tokens.move_case`).

    Examples
    --------
    >>> from multiaug.text.functional import random_swap
    >>> random_swap("The cat sat, quietly.", [(0, 2)], common={"the", "sat"})
    'Sat cat the, quietly.'
    """
    if not swaps:
        return text
    pieces = _pieces(text)  # read-only: every word is read from it, the edits go to a copy
    words = range(1, len(pieces), 2)
    n = len(words)
    order: dict[int, int] = {}  # slot -> original word now in it (only slots that were touched)
    for i, j in swaps:
        i, j = int(i), int(j)
        if i < n and j < n:
            order[i], order[j] = order.get(j, j), order.get(i, i)
    tokens = list(pieces)
    for slot, src in order.items():
        if src != slot:
            word = pieces[words[src]]
            capital = pieces[words[slot]][:1].isupper()
            if capital or word[:1].isupper():  # otherwise sentence starts cannot matter
                was, now = opens_sentence(pieces, words, src), opens_sentence(pieces, words, slot)
                word = move_case(word, was, now, common, capital)
            tokens[words[slot]] = word
    return "".join(tokens)


def random_delete(text: str, indices: Sequence[int], common: Container[str] = frozenset()) -> str:
    """Delete the given words with one adjoining whitespace run each.

    The whitespace before a word goes with it (the one after, for a word that
    opens the text or follows punctuation). A word that comes to open a
    sentence gets a capital if the deleted opener had one. Deleting every word is refused: the last word is
    kept.

    Examples
    --------
    >>> from multiaug.text.functional import random_delete
    >>> random_delete("The old cat sat.", [0, 2])
    'Old sat.'
    """
    if not indices:
        return text
    pieces = _pieces(text)  # read-only: the edits go to a copy
    words = range(1, len(pieces), 2)
    n = len(words)
    drop = [int(indices[0])] if len(indices) == 1 else sorted(set(map(int, indices)))
    if drop[-1] >= n:
        drop = [i for i in drop if i < n]
    if len(drop) >= n:
        drop = drop[:-1]  # never delete the last word
    tokens = list(pieces)
    dropped: set[int] | None = None  # built once, at the first capitalised opener (linear time)
    # A word that comes to open a sentence takes the capital of the opener deleted before it.
    for k in drop:
        if not pieces[words[k]][:1].isupper() or not opens_sentence(pieces, words, k):
            continue  # only a capitalised opener passes its capital on
        if dropped is None:
            dropped = set(drop)
        j = k + 1
        while j < n and j in dropped and not opens_sentence(pieces, words, j):
            j += 1
        if j < n and j not in dropped and not opens_sentence(pieces, words, j):
            tokens[words[j]] = move_case(tokens[words[j]], False, True, common, True)
    if drop and drop[0] < 0:
        drop = [k for k in drop if k >= 0]
    # What _delete_run makes of each run, edited in place: the whitespace before a deleted word goes
    # with it; a word without whitespace before it (the first, or after a bracket) and with no deleted
    # neighbour takes the whitespace after it instead. Runs of such words take _delete_runs.
    glued = False
    for k in drop:
        before = pieces[2 * k]
        if before[-1:].isspace():
            tokens[2 * k] = before.rstrip()
        else:
            glued = True
            tokens[2 * k + 2] = pieces[2 * k + 2].lstrip()
        tokens[2 * k + 1] = ""
    if glued:
        alone = set(drop)
        if any(not pieces[2 * k][-1:].isspace() and (k - 1 in alone or k + 1 in alone) for k in drop):
            for k in drop:  # undone (the capitals above touched no deleted word and no gap)
                tokens[2 * k : 2 * k + 3] = pieces[2 * k : 2 * k + 3]
            return _delete_runs(tokens, drop)
    return "".join(tokens)


def _delete_runs(tokens: Sequence[str], drop: Sequence[int]) -> str:
    """The pieces joined with the words ``drop`` (sorted, distinct, not all) deleted by :func:`_delete_run`.

    Each run of deleted words and the gaps around it become one string; the rest is copied.
    """
    parts: list[str] = []
    done = 0  # tokens before this index are in `parts`
    start = 0
    while start < len(drop):
        end = start
        while end + 1 < len(drop) and drop[end + 1] == drop[end] + 1:
            end += 1
        a, b = drop[start], drop[end]
        parts += tokens[done : 2 * a]
        parts.append(_delete_run(tokens, a, b))
        done = 2 * b + 3
        start = end + 1
    parts += tokens[done:]
    return "".join(parts)


def _delete_run(tokens: Sequence[str], a: int, b: int) -> str:
    """The text from the gap before word ``a`` to the gap after word ``b``, words ``a..b`` deleted.

    Right to left: ``after`` holds the parts after word k, last part first, so joining a
    deleted word's neighbours is an append, not a copy of a growing string.
    """
    after = [tokens[2 * b + 2]] if tokens[2 * b + 2] else []
    for k in range(b, a - 1, -1):
        before = tokens[2 * k]
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
    return "".join(reversed(after))
