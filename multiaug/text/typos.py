"""Realistic character errors: keyboard typos (QWERTY neighbours) and OCR confusions.

Both edit one place in each of ``alpha * n`` plain words (counted, protected and
stopword-filtered as for every word op; numbers, abbreviations, URLs, paths and code are
never touched: see :mod:`multiaug.text.tokens`). Their tables are written here from
documented facts, not taken from another library:

* the keyboard is the US QWERTY layout as drawn in ISO/IEC 9995 and on every ANSI keyboard:
  three letter rows, each shifted right of the one above by about a quarter and then half a
  key; two letters are neighbours when their keys touch (same row, next key; next row, keys
  whose horizontal centres are less than one key apart);
* the OCR confusions are the classic glyph-shape confusions of optical character recognition
  (``rn``/``m``, ``cl``/``d``, ``vv``/``w``, ``l``/``1``/``I``, ``O``/``0``, ``S``/``5``,
  ``B``/``8``, ``Z``/``2``, ``g``/``9``, ``e``/``c`` ...), as listed in studies of OCR noise
  (e.g. Rice, Jenkins & Nartker, "The Fifth Annual Test of OCR Accuracy", 1996).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from .chars import CharEdit, _has_letters
from .functional import keyboard_typo, ocr_error
from .tokens import letter_spans

__all__ = ["KEYBOARD_NEIGHBOURS", "OCR_CONFUSIONS", "KeyboardTypo", "OCRError"]

#: The letter rows of the US QWERTY keyboard and each row's offset from the left, in keys.
_ROWS = (("qwertyuiop", 0.0), ("asdfghjkl", 0.25), ("zxcvbnm", 0.75))


def _neighbours() -> dict[str, str]:
    keys = [(ch, r, i + off) for r, (row, off) in enumerate(_ROWS) for i, ch in enumerate(row)]
    out = {}
    for ch, r, x in keys:
        near = [
            c for c, r2, x2 in keys if c != ch and abs(r2 - r) <= 1 and abs(x2 - x) < (1.01 if r2 == r else 1)
        ]
        out[ch] = "".join(sorted(near))
        out[ch.upper()] = out[ch].upper()
    return out


#: Letter -> the letters whose keys touch it on a US QWERTY keyboard (same case).
KEYBOARD_NEIGHBOURS: dict[str, str] = _neighbours()

#: What an OCR engine reads for a glyph or a pair of glyphs (letters and digits only, so a
#: word stays one word).
_OCR_TABLE = """
    rn>m cl>d vv>w m>rn d>cl w>vv l>1,I I>l,1 i>l,1 o>0 O>0,D,Q D>O Q>O S>5 s>5 B>8 Z>2 z>2 g>9,q
    q>g,9 e>c c>e a>o u>v v>u h>b,n b>h,6 n>h t>f f>t G>6 E>F F>E T>7 A>4 U>V V>U C>G P>R R>P
"""
OCR_CONFUSIONS: dict[str, tuple[str, ...]] = {
    source: tuple(targets.split(",")) for source, _, targets in (p.partition(">") for p in _OCR_TABLE.split())
}
_ASCII_LETTER = re.compile("[A-Za-z]")
#: The sources, longest first, read where they start (so "rn" wins over "r" + "n").
_OCR_SOURCE = re.compile("|".join(sorted(map(re.escape, OCR_CONFUSIONS), key=len, reverse=True)))


class KeyboardTypo(CharEdit):
    """Keyboard typos: one letter of each of ``alpha * n`` words replaced by a QWERTY neighbour.

    Picks ``alpha * n`` distinct plain words (counted as for the EDA edits) with at least
    ``min_len`` letters that are neither stopwords nor protected, and replaces one of their
    ASCII letters by a letter whose key touches it on a US QWERTY keyboard, in the same
    case (``s`` by one of ``a d e w x z``), as nlpaug's ``KeyboardAug`` does with one
    character per word. Letters of other scripts, digits and punctuation are never edited.

    Parameters
    ----------
    @options word_edit char_edit call_p1

    Notes
    -----
    The trace holds the drawn fraction and one ``[word, letter, char]`` per edited word
    (letters counted as :func:`~multiaug.text.tokens.letter_spans` does), as for
    :class:`CharNoise`; the kernel is :func:`multiaug.text.functional.keyboard_typo`.

    Examples
    --------
    >>> import multiaug as ma
    >>> aug = ma.text.KeyboardTypo(alpha=0.5, seed=0)
    >>> aug(text="The quick brown fox jumps over the lazy dog.", key=1)["text"]
    'The qyick hrown fox jujps over the laay dog.'
    """

    def _eligible(self, word: str) -> bool:
        # a letter on the keyboard is an ASCII letter, and an ASCII letter always starts a letter span
        return word.isascii() or _ASCII_LETTER.search(word) is not None

    def _slots(self, word: str) -> Sequence[int]:
        if word.isascii() and word.isalpha():  # the usual word: every character is a letter key
            return range(len(word))
        return [i for i, (start, _) in enumerate(letter_spans(word)) if word[start] in KEYBOARD_NEIGHBOURS]

    def _edit(self, k: int, word: str, slots: Sequence[int], u: float, v: float) -> list[Any]:
        i = slots[min(int(u * len(slots)), len(slots) - 1)]  # pick(slots, u) and pick(near, v), inlined
        near = KEYBOARD_NEIGHBOURS[word[i] if type(slots) is range else word[letter_spans(word)[i][0]]]
        return [k, i, near[min(int(v * len(near)), len(near) - 1)]]  # range: letter i is word[i]

    def _allowed(self, word: str, edit: list[Any]) -> bool:
        if not (len(edit) == 2 and type(edit[0]) is int and isinstance(edit[1], str) and len(edit[1]) == 1):
            return False
        i, char = edit
        letters = letter_spans(word)
        return 0 <= i < len(letters) and char in KEYBOARD_NEIGHBOURS.get(word[letters[i][0]], "")

    def apply_text(self, text: str, edits: Sequence[Sequence[Any]] = (), **_: Any) -> str:
        return keyboard_typo(text, edits)


class OCRError(CharEdit):
    """OCR errors: in each of ``alpha * n`` words one glyph (or glyph pair) misread as a look-alike.

    Picks ``alpha * n`` distinct plain words (counted as for the EDA edits) with at least
    ``min_len`` letters that are neither stopwords nor protected, and replaces one place
    that an OCR engine commonly misreads by what it reads there (``rn`` -> ``m``, ``l`` ->
    ``1``, ``O`` -> ``0``, ``e`` -> ``c``: :data:`OCR_CONFUSIONS`), like nlpaug's ``OcrAug``
    with one character per word. The result may hold digits (``He1lo``), as real OCR output
    does; a letter that carries a combining mark is never edited.

    Parameters
    ----------
    @options word_edit char_edit call_p1

    Notes
    -----
    The trace holds the drawn fraction and one ``[word, offset, source, target]`` per
    edited word (``offset``: the position of ``source`` in the word, in characters), so
    replay reproduces the output exactly; the kernel is
    :func:`multiaug.text.functional.ocr_error`.

    Examples
    --------
    >>> import multiaug as ma
    >>> ma.text.OCRError(alpha=0.5, seed=0)(text="The modern scanner reads old letters.", key=2)["text"]
    'The modem sconner reods old letters.'
    """

    def _slots(self, word: str) -> Sequence[tuple[int, str]]:
        return [
            (m.start(), m.group())
            for m in _OCR_SOURCE.finditer(word)
            if m.end() == len(word) or not unicodedata.combining(word[m.end()])
        ]

    def _edit(self, k: int, word: str, slots: Sequence[tuple[int, str]], u: float, v: float) -> list[Any]:
        offset, source = slots[min(int(u * len(slots)), len(slots) - 1)]  # pick, inlined
        targets = OCR_CONFUSIONS[source]
        return [k, offset, source, targets[min(int(v * len(targets)), len(targets) - 1)]]

    def _allowed(self, word: str, edit: list[Any]) -> bool:
        if not (len(edit) == 3 and type(edit[0]) is int and all(isinstance(x, str) for x in edit[1:])):
            return False
        offset, source, target = edit
        slots = self._slots(word) if _has_letters(word, self._r.min_len) else ()
        return (offset, source) in slots and target in OCR_CONFUSIONS[source]

    def apply_text(self, text: str, edits: Sequence[Sequence[Any]] = (), **_: Any) -> str:
        return ocr_error(text, edits)
