"""A loss-free word tokenizer and the case rules the word edits follow.

The text is cut into consecutive tokens of three kinds: *words* (letters,
digits and combining marks, joined across inner apostrophes and hyphens, so
``don't``, ``built-in`` and ``rock'n'roll`` are one word; decimal numbers such
as ``3.14`` or ``1,000`` are one word), *whitespace* runs, and single *other*
characters (punctuation, symbols). Every character belongs to exactly one
token, so ``detokenize(tokenize(s)) == s`` for every string, and an edit that
changes one word leaves every other character of the text as it was.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Container, Iterable, Sequence

__all__ = ["detokenize", "is_word", "match_case", "tokenize"]

# \w covers letters and digits of every script; combining marks are added so that a
# decomposed "é" (e + U+0301) stays inside its word.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_ALNUM = rf"[\w{_MARKS}]"
_WORD = rf"\d++(?:[.,:]\d++)++(?!{_ALNUM})|{_ALNUM}++(?:['\u2019\-]{_ALNUM}++)*+"
_WORD_RE = re.compile(rf"(?:{_WORD})\Z")
_TOKEN_RE = re.compile(rf"{_WORD}|\s+|.", re.DOTALL)
#: A whole chain of digit runs joined by separators ("1.2.3") that a letter or digit follows, so it is no
#: number. The tokenizer would try (and fail) the number pattern again from each of its digit runs,
#: re-reading the rest of the chain each time: quadratic in the chain's length. These chains are found
#: once, from a chain's true start only (the look-behinds), and their separators masked before
#: tokenizing. (The first digit comes before the look-behinds so that the search skips to digits.)
_FAILED_NUMBER = re.compile(rf"\d(?<!\d\d)(?<!\d[.,:]\d)\d*+(?:[.,:]\d++)++(?={_ALNUM})")
_SEPARATOR = re.compile("[.,:]")
#: What ends a sentence (the next word takes a capital).
_SENTENCE_END = re.compile(r"[.!?]|\n\s*\n")


def tokenize(text: str) -> list[str]:
    """Cut ``text`` into word, whitespace and other-character tokens (nothing is lost).

    Parameters
    ----------
    text : str
        Any string.

    Returns
    -------
    list of str
        Tokens whose concatenation is ``text``.

    Examples
    --------
    >>> from multiaug.text import tokenize, detokenize
    >>> tokenize("Don't panic: it's built-in (3.14)!")
    ["Don't", ' ', 'panic', ':', ' ', "it's", ' ', 'built-in', ' ', '(', '3.14', ')', '!']
    >>> detokenize(tokenize("  tabs\\tand\\nnewlines ")) == "  tabs\\tand\\nnewlines "
    True
    """
    out: list[str] = []
    last = 0
    for start, end in _failed_number_segments(text):
        out += _TOKEN_RE.findall(text, last, start)  # no look-behind in the pattern: same as a slice
        segment = text[start:end]
        out += [segment[m.start() : m.end()] for m in _TOKEN_RE.finditer(_mask_failed_numbers(segment))]
        last = end
    out += _TOKEN_RE.findall(text, last)
    return out


def detokenize(tokens: Iterable[str]) -> str:
    """Join tokens back into text: the exact inverse of :func:`tokenize`.

    Examples
    --------
    >>> from multiaug.text import detokenize
    >>> detokenize(["Hello", ",", " ", "world"])
    'Hello, world'
    """
    return "".join(tokens)


def is_word(token: str) -> bool:
    """Whether ``token`` (one token of :func:`tokenize`) is a word.

    Examples
    --------
    >>> from multiaug.text import is_word
    >>> [is_word(t) for t in ("built-in", " ", ",", "3.14")]
    [True, False, False, True]
    """
    return _WORD_RE.match(token) is not None


_WORD_ONLY = re.compile(_WORD)
_WORD_SPLIT = re.compile(f"({_WORD})").split


def _failed_number_segments(text: str) -> list[tuple[int, int]]:
    """The whitespace-free stretches of ``text`` that hold a failed number chain, in order.

    Tokens never cross whitespace (a whitespace run is one token), and the patterns look
    behind only inside a chain, so the text before, inside and after such a stretch
    tokenizes on its own exactly as within the whole text.
    """
    out: list[tuple[int, int]] = []
    for m in _FAILED_NUMBER.finditer(text):
        start, end = m.span()
        if out and start < out[-1][1]:
            continue  # in the stretch of the previous chain
        while start > 0 and not text[start - 1].isspace():  # str.isspace is the \s of `re`
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        out.append((start, end))
    return out


def _mask_failed_numbers(text: str) -> str:
    """``text`` with the separators of its failed number chains replaced by NUL.

    A masked separator is a single "other" character exactly like the separator for every
    pattern but the number one, which fails on the chain either way, so the tokens (as spans) agree.
    """
    return _FAILED_NUMBER.sub(lambda m: _SEPARATOR.sub("\0", m.group()), text)


#: Texts up to this length share a cache of 256; longer ones a cache of 2, so a stream of
#: distinct 10 MB texts keeps two of them alive (the pieces take several times the text's size).
_LONG_TEXT = 1 << 16


def _pieces(text: str) -> tuple[str, ...]:
    """The pieces of :func:`split_words`, cached (drawing the parameters and applying them split once)."""
    return (_pieces_short if len(text) <= _LONG_TEXT else _pieces_long)(text)


def _split_pieces(text: str) -> tuple[str, ...]:
    segments = _failed_number_segments(text)
    if not segments:
        return tuple(_WORD_SPLIT(text))
    pieces = [""]  # the text between words, word, ... : a new stretch's first piece joins the last one

    def extend(parts: list[str]) -> None:
        pieces[-1] += parts[0]
        pieces.extend(parts[1:])

    last = 0
    for start, end in segments:
        extend(_WORD_SPLIT(text[last:start]))
        parts: list[str] = []
        segment, at = text[start:end], 0
        for m in _WORD_ONLY.finditer(_mask_failed_numbers(segment)):
            parts += (segment[at : m.start()], segment[m.start() : m.end()])
            at = m.end()
        parts.append(segment[at:])
        extend(parts)
        last = end
    extend(_WORD_SPLIT(text[last:]))
    return tuple(pieces)


_pieces_short = functools.lru_cache(maxsize=256)(_split_pieces)
_pieces_long = functools.lru_cache(maxsize=2)(_split_pieces)


def split_words(text: str) -> tuple[list[str], list[int]]:
    """The pieces of ``text`` (words and the text between them) and the index of each word.

    Pieces alternate: text before the first word, first word, text between the
    first and second words, ... and the text after the last word (possibly
    empty), so words sit at the odd indices and ``"".join(pieces) == text``.
    The last few texts are cached: drawing the parameters and applying them
    split a text once. :func:`tokenize` cuts the in-between text finer.

    Examples
    --------
    >>> from multiaug.text.tokens import split_words
    >>> split_words("Hi, you!")
    (['', 'Hi', ', ', 'you', '!'], [1, 3])
    """
    pieces = _pieces(text)
    return list(pieces), list(range(1, len(pieces), 2))


def opens_sentence(tokens: Sequence[str], words: Sequence[int], k: int) -> bool:
    """Whether word ``k`` opens a sentence: the first word, or after ``.``, ``!``, ``?`` or a blank line."""
    if k == 0:
        return True
    return any(_ends_sentence(t) for t in tokens[words[k - 1] + 1 : words[k]])


def _ends_sentence(gap: str) -> bool:
    return _SENTENCE_END.search(gap) is not None


def letter_spans(word: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each letter of ``word`` with the combining marks that follow it.

    Digits, apostrophes, hyphens and anything else that is not a letter belong to no
    span, so a character edit made span by span never separates a mark from its letter
    and never touches a non-letter (nor a lone surrogate, which is no letter).

    Examples
    --------
    >>> from multiaug.text.tokens import letter_spans
    >>> letter_spans("cafe\u0301s")
    [(0, 1), (1, 2), (2, 3), (3, 5), (5, 6)]
    >>> letter_spans("don't")
    [(0, 1), (1, 2), (2, 3), (4, 5)]
    """
    out: list[tuple[int, int]] = []
    for i, ch in enumerate(word):
        if ch.isalpha():
            out.append((i, i + 1))
        elif out and out[-1][1] == i and unicodedata.category(ch).startswith("M"):
            out[-1] = (out[-1][0], i + 1)
    return out


def _is_title(word: str) -> bool:
    return word[:1].isupper() and not any(c.isupper() for c in word[1:])


def _with_first(word: str, first: str) -> str:
    """``word`` with its first character replaced by ``first``, if that is a true case change.

    Some characters do not survive a round trip (the micro sign U+00B5 upper-cases to the
    Greek capital mu, which lower-cases to the Greek small mu; ``ß`` upper-cases to ``SS``): those
    keep their own case, so an edit never turns one letter into another.
    """
    head = word[:1]
    if len(first) != 1 or first.lower() != head.lower() or first.upper() != head.upper():
        return word
    return first + word[1:]


def match_case(template: str, word: str) -> str:
    """Give ``word`` the case pattern of ``template`` (the word it replaces).

    An all-capitals template (two letters or more) gives capitals, a capitalised
    one a capital first letter; otherwise ``word`` keeps its own case, so proper
    names among WordNet's lemmas (``Associate in Nursing``) stay as written.

    Examples
    --------
    >>> from multiaug.text import match_case
    >>> match_case("BIG", "large"), match_case("Big", "large"), match_case("big", "large")
    ('LARGE', 'Large', 'large')
    """
    if not template[:1].isupper():  # lower case (the usual case), or "iPhone"
        return word
    if template.isupper() and sum(c.isalpha() for c in template) >= 2:
        upper = word.upper()
        return upper if upper.lower() == word.lower() else word
    return _with_first(word, word[:1].upper())


def move_case(
    word: str, was_initial: bool, now_initial: bool, common: Container[str], capital: bool = True
) -> str:
    """Case of a word moved between positions: sentence-initial capitals follow the position.

    A word moving to the start of a sentence gets a capital when the word it
    displaces had one (``capital``); a capitalised word leaving the start loses
    it when it is a common word (in ``common``), so names keep theirs.
    """
    if now_initial and not was_initial and capital and word[:1].islower():
        return _with_first(word, word[:1].upper())
    if was_initial and not now_initial and word != "I" and _is_title(word) and word.lower() in common:
        return _with_first(word, word[:1].lower())
    return word
