"""A loss-free tokenizer for technical English and the case rules the word edits follow.

The text is cut into consecutive tokens: *words*, *whitespace* runs and single *other*
characters (punctuation, symbols, each quote and bracket on its own). Every character
belongs to exactly one token, so ``detokenize(tokenize(s)) == s`` for every string, and an
edit that changes one word leaves every other character of the text as it was.

A word is one of these kinds (:func:`token_kind`); only ``"word"`` tokens are ever edited:

* ``"word"``: letters and combining marks, joined across inner apostrophes and hyphens
  (``don't``, ``built-in``, ``rock'n'roll``; any script);
* ``"number"``: anything that starts with a digit, with decimals, separators, an exponent and
  a unit glued on (``3.14``, ``1,000``, ``1e-5``, ``10ms``, ``3.5GHz``, ``1.2.3``);
* ``"abbreviation"``: dotted letters (``e.g.``, ``i.e.``, ``U.S.``) and common abbreviations
  with their dot (``Dr.``, ``etc.``, ``vs.``);
* ``"url"``, ``"email"``, ``"path"`` (``/usr/bin``, ``src/a.py``, ``C:\\x``, ``setup.py``);
* ``"code"``: dotted names and calls (``os.path.join``, ``x.y()``, ``len(s)``,
  ``list[int]``), ``snake_case``, ``CamelCase``, words with digits (``utf8``),
  options (``--help``), ``key=value`` and ``$VAR`` / ``@decorator``.

A unit word after a number (``10 ms``, ``4 GB``) is never edited either. Tokenizing is
linear in the length of the text (every pattern is possessive or bounded, so no input makes
the regular expressions backtrack over the text).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Container, Iterable, Sequence

__all__ = ["detokenize", "is_word", "locked_words", "match_case", "token_kind", "tokenize"]

# \w covers letters and digits of every script; combining marks are added so that a
# decomposed "é" (e + U+0301) stays inside its word.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_ALNUM = rf"[\w{_MARKS}]"
_PLAIN_WORD = rf"{_ALNUM}++(?:['\u2019\-]{_ALNUM}++)*+"
#: A number never fails once it has its first digit (everything after is optional and
#: possessive), so no chain of digits and dots is read twice.
_NUMBER = rf"\d++(?:[.,:]\d++)*+(?:[eE][+\-]\d++)?{_ALNUM}*+(?:['\u2019\-]{_ALNUM}++)*+"

# ---- technical tokens. They may start only at the text's start or after whitespace, an
# opening quote or bracket, a comma, semicolon or "=" (the _START set), and every pattern
# below either succeeds or stops at the first character of that set, so scans from two
# starts never overlap: linear time on any input (tests/test_text_tokens.py times hostile ones).
_STARTERS = "\\s\"'`(\\[{<\u201c\u2018\u00ab,;="
_START = rf"(?<![^{_STARTERS}])"
#: Only a start whose run (up to a starter) holds a dot, a bracket or "=", or one of "@/\\:~" before
#: a letter, digit or path character, can open one of the dotted, bracketed or assigned kinds: plain
#: words skip those patterns after one possessive look-ahead.
_TRIGGER = rf"(?=[^{_STARTERS}.@/\\:~]*+(?:[@/\\:~][\w/\\~.\-]|[(\[=.]))"
_NAME = r"[A-Za-z_]\w*+"
_BRACKETS = r"(?:\([^\s()]*+\)|\[[^\s\[\]]*+\])"
_URL = (
    r"(?:[A-Za-z][A-Za-z0-9+.\-]*+://|www\.)[^\s<>\"'`]*"
    r"[^\s<>\"'`.,;:!?\u2019\u201d)\]}]"  # a URL does not end with the sentence's punctuation
)
_EMAIL = r"[\w.+\-]++@[\w\-]++(?:\.[\w\-]++)++"
_PATH_PART = r"\.?[\w\-]++(?:\.[\w\-]++)*+"
_PATH = (
    rf"(?:[A-Za-z]:[\\/]|\.\.?[\\/]|~[\\/]|[\\/]){_PATH_PART}(?:[\\/]{_PATH_PART})*+[\\/]?"
    rf"|{_PATH_PART}(?:[\\/]{_PATH_PART})++[\\/]?"
)
_ABBREVIATIONS = (
    "etc vs cf al approx esp incl resp viz pp ca Etc Vs Cf Dr Mr Mrs Ms Mx Prof Sr Jr St "
    "Inc Ltd Corp Co Fig Figs Eq Eqs Sec Ch Vol No Nos Ph\\.D"
).split()
_ABBREV = rf"(?:[A-Za-z]\.){{2,}}+(?!\w)|(?:{'|'.join(_ABBREVIATIONS)})\.(?!\w)"
_DOTTED = rf"{_NAME}(?:\.\w++)++{_BRACKETS}*+"  # os.path.join, x.y(), setup.py, v1.2
_CALLED = rf"{_NAME}{_BRACKETS}++"  # len(s), f(), list[int]
_ASSIGN = rf"{_NAME}=-?(?:\w++(?:[.\-]\w++)*+|'[^\s']*+'|\"[^\s\"]*+\")"  # errors='strict', n=10
_OPTION = r"--?[A-Za-z][\w\-]*+"  # --help, -m
_SIGIL = r"[@$][A-Za-z_]\w*+(?:\.\w++)*+"  # @property, $HOME
_TECHNICAL = (
    rf"{_START}(?:{_TRIGGER}(?:{_URL}|{_EMAIL}|{_PATH}|{_ABBREV}|{_DOTTED}|{_CALLED}|{_ASSIGN})"
    rf"|{_OPTION}|{_SIGIL})"
)
_WORD = rf"{_TECHNICAL}|{_NUMBER}|{_PLAIN_WORD}"
_WORD_RE = re.compile(rf"(?:{_WORD})\Z")
_TOKEN_RE = re.compile(rf"{_WORD}|\s+|.", re.DOTALL)
#: Every kind of word starts with one of these: the split skips any other position after one
#: test instead of trying every alternative there (same result, about 10% faster).
_WORD_START = rf"(?=[\w{_MARKS}.+\-~/\\@$])"
#: The usual word: a plain word that starts with a letter and is followed by whitespace, a comma,
#: a quote or the end. Whatever precedes it, no other kind can match there (a technical kind needs
#: a dot, "@", "/", "\\", ":", "~", a bracket or "=" before the next starter, an option "-", a
#: sigil "@$", a number a digit), so it is tried first and read once, not twice (technical look-ahead,
#: then the plain word): the same split, about 10% faster (tests/test_text_candidates.py).
_USUAL_WORD = rf"[^\W\d]{_ALNUM}*+(?:['\u2019\-]{_ALNUM}++)*+(?=[\s\"'`{{<\u201c\u2018\u00ab,;]|\Z)"
_WORD_SPLIT = re.compile(f"({_USUAL_WORD}|{_WORD_START}(?:{_WORD}))").split
#: The fast path of the split (issue 19): in a text where no number and no technical kind
#: can start, every word is a plain word, and the split is that of plain words alone, which costs
#: half as much. A number starts with a digit; a technical kind needs one of these sites (see each
#: pattern above): "@" (email, sigil), "$" (sigil), "/" or "\\" (URL, path), "=" (assignment), "["
#: (call), "." before a word character (dotted name, path, "e.g.") or after "www" (URL) or after
#: one of _ABBREVIATIONS, "(" after a word character (call), and "-" where a word may start,
#: before a letter or a second "-" (option). The scan is a superset of these (no start check for
#: an abbreviation, for instance): a text it flags takes the full split; the reference-split tests
#: in tests/test_text_candidates.py compare both on generated and real text.
_ABBREV_WORDS = [w for w in _ABBREVIATIONS if w.isalpha()]  # "Ph.D" has a "." before a letter
_ABBREV_AFTER = "|".join(  # one look-behind per length (each must have a fixed width)
    rf"(?<=\b(?:{'|'.join(w for w in _ABBREV_WORDS if len(w) == n)})\.)"
    for n in sorted({len(w) for w in _ABBREV_WORDS})
)
_SITE = (
    r"[{digits}@$/\\=\[.(\-](?:(?<=[{digits}@$/\\=\[])"
    rf"|(?<=\.)(?:(?=\w)|(?<=www\.)|{_ABBREV_AFTER})"
    r"|(?<=\w\()"
    rf"|(?<=-)(?<![^{_STARTERS}]-)(?=-?[A-Za-z]))"
)
#: On ASCII text "0-9" is "\d", and a set of ASCII characters alone is scanned three times faster.
_TECHNICAL_SITE = re.compile(_SITE.replace("{digits}", "0-9")).search
_TECHNICAL_SITE_UNICODE = re.compile(_SITE.replace("{digits}", "\\d")).search
#: :data:`_PLAIN_WORD` on ASCII text (no marks, no typographic apostrophe).
_ASCII_WORD_SPLIT = re.compile(r"([A-Za-z0-9_]++(?:['\-][A-Za-z0-9_]++)*+)").split
_PLAIN_WORD_SPLIT = re.compile(f"({_PLAIN_WORD})").split
#: The full split of an ASCII text, a fifth faster: with re.ASCII, \w and \d read every ASCII
#: character as they do without it, and \s (only ever inside a set here) gets back the separators
#: \x1c-\x1f that the Unicode \s (and str.isspace) count.
_WORD_SPLIT_ASCII = re.compile(
    _WORD_SPLIT.__self__.pattern.replace("\\s", "\\s\\x1c-\\x1f"),  # type: ignore[attr-defined]
    re.ASCII,
).split
#: What ends a sentence (the next word takes a capital).
_SENTENCE_END = re.compile(r"[.!?]|\n\s*\n")
#: Inside a word: what makes it no plain word (a digit, "_", a symbol, a camel-case hump).
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]")
_NOT_PLAIN = re.compile(rf"[^\w'\u2019\-{_MARKS}]|[\d_]|^-|{_CAMEL.pattern}")
_EXTENSIONS = frozenset(
    "py pyi pyc pyx ipynb txt md rst json yaml yml toml cfg ini csv tsv xml html htm css js ts c h cc "
    "cpp hpp rs go java sh bat ps1 pdf png jpg jpeg gif svg wav mp3 gz zip tar whl so dll exe log db".split()
)
#: Unit words that, after a number, belong to it ("10 ms"): never edited.
UNITS = frozenset(
    "ns us µs ms sec secs min mins hr hrs kb mb gb tb pb kib mib gib tib kbps mbps gbps hz khz mhz "
    "ghz mm cm km nm px pt dpi fps rpm kg mg lb lbs ft kw mw mah bit bits byte bytes".split()
)


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
    >>> [t for t in tokenize("See e.g. os.path.join() in docs/x.py, mail a@b.org.") if t != " "]
    ['See', 'e.g.', 'os.path.join()', 'in', 'docs/x.py', ',', 'mail', 'a@b.org', '.']
    >>> detokenize(tokenize("  tabs\\tand\\nnewlines ")) == "  tabs\\tand\\nnewlines "
    True
    """
    return _TOKEN_RE.findall(text)


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
    """Whether ``token`` (one token of :func:`tokenize`) is a word of any kind.

    Examples
    --------
    >>> from multiaug.text import is_word
    >>> [is_word(t) for t in ("built-in", " ", ",", "3.14", "e.g.")]
    [True, False, False, True, True]
    """
    return _WORD_RE.match(token) is not None


def _is_plain(word: str) -> bool:
    """Whether a word token is a plain word (letters, marks, inner apostrophes and hyphens)."""
    return (word.isalpha() and word.islower()) or _NOT_PLAIN.search(word) is None


def token_kind(token: str) -> str:
    """The kind of one token of :func:`tokenize` (see the module docstring).

    One of ``"word"``, ``"number"``, ``"abbreviation"``, ``"url"``, ``"email"``, ``"path"``,
    ``"code"``, ``"space"`` and ``"other"``; only ``"word"`` tokens are ever edited.

    Examples
    --------
    >>> from multiaug.text import token_kind
    >>> [token_kind(t) for t in ("don't", "3.5GHz", "e.g.", "a@b.org", "setup.py", "snake_case", "(")]
    ['word', 'number', 'abbreviation', 'email', 'path', 'code', 'other']
    """
    if not is_word(token):
        return "space" if token.isspace() else "other"
    if _is_plain(token):
        return "word"
    if token[0].isdigit():
        return "number"
    if "://" in token or token.startswith("www."):
        return "url"
    if "@" in token[1:] and token[0] not in "@$":
        return "email"
    if re.fullmatch(_ABBREV, token):
        return "abbreviation"
    if "/" in token or "\\" in token:
        return "path"
    name, dot, ext = token.rpartition(".")
    if dot and name and ext.lower() in _EXTENSIONS:
        return "path"
    return "code"


def _split(text: str) -> tuple[str, ...]:
    """The pieces of :func:`split_words`: the plain words' split when the text has no technical site."""
    if text.isascii():
        if _TECHNICAL_SITE(text) is None:
            return tuple(_ASCII_WORD_SPLIT(text))
        return tuple(_WORD_SPLIT_ASCII(text))
    if _TECHNICAL_SITE_UNICODE(text) is None:
        return tuple(_PLAIN_WORD_SPLIT(text))
    return tuple(_WORD_SPLIT(text))


def word_is_editable(pieces: Sequence[str], k: int) -> bool:
    """Whether word ``k`` of the pieces of :func:`split_words` may be edited.

    It may unless its :func:`token_kind` is not ``"word"`` or it is a unit after a number
    (``10 ms``): see :func:`locked_words`.
    """
    word = pieces[2 * k + 1]
    if not _is_plain(word):
        return False
    # "10 ms": a unit word after a number belongs to it (a word starting with a digit is a number)
    return not (k and word.lower() in UNITS and pieces[2 * k].isspace() and pieces[2 * k - 1][:1].isdigit())


#: Texts up to this length share a cache of 256; longer ones a cache of 2, so a stream of
#: distinct 10 MB texts keeps two of them alive (the pieces take several times the text's size).
_LONG_TEXT = 1 << 16
_split_short = functools.lru_cache(maxsize=256)(_split)
_split_long = functools.lru_cache(maxsize=2)(_split)


def _pieces(text: str) -> tuple[str, ...]:
    """The pieces of :func:`split_words`, cached (drawing the parameters and applying them split once)."""
    return (_split_short if len(text) <= _LONG_TEXT else _split_long)(text)


def locked_words(text: str) -> frozenset[int]:
    """Positions (in the words of :func:`split_words`) of the words that are never edited.

    These are the words whose :func:`token_kind` is not ``"word"`` and the unit words that
    follow a number (``10 ms``): every word op and character op leaves them as they are.

    Examples
    --------
    >>> from multiaug.text.tokens import locked_words
    >>> sorted(locked_words("Set n=3 and wait 10 ms, e.g. via time.sleep()."))
    [1, 4, 5, 6, 8]
    """
    pieces = _pieces(text)
    return frozenset(k for k in range(len(pieces) // 2) if not word_is_editable(pieces, k))


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
    start, stop = words[k - 1] + 1, words[k]
    if stop == start + 1:  # one piece between the words (always, in the pieces of split_words)
        return _SENTENCE_END.search(tokens[start]) is not None
    return any(_ends_sentence(t) for t in tokens[start:stop])


def _ends_sentence(gap: str) -> bool:
    return _SENTENCE_END.search(gap) is not None


#: The letter spans of a word of letters only, up to 64 letters (sliced, not built per word).
_SPANS = tuple((i, i + 1) for i in range(64))


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
    if word.isalpha():  # letters only (no marks, which are no letters): one span per character
        if len(word) <= len(_SPANS):
            return list(_SPANS[: len(word)])
        return [(i, i + 1) for i in range(len(word))]
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
    it when it is a common word (in ``common``), so names keep theirs. A word of another kind
    than ``"word"`` (``e.g.``, ``iPhone``) keeps its case wherever it goes.
    """
    if not _is_plain(word):
        return word
    if now_initial and not was_initial and capital and word[:1].islower():
        return _with_first(word, word[:1].upper())
    if was_initial and not now_initial and word != "I" and _is_title(word) and word.lower() in common:
        return _with_first(word, word[:1].lower())
    return word
