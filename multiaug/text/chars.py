"""Character-level noise: one letter edit in each of a fraction of the words (nlpaug's RandomCharAug)."""

from __future__ import annotations

import itertools
import string
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.errors import InvalidInputError
from ..core.params import Choice, Number, Options, param
from .base import _EDIT, _MEMO, _SKIP, _UNIT, MAX_EDITS, WORD_EDIT, TextTransform, WordEdit, pick_distinct
from .functional import CHAR_ACTIONS, char_noise, char_slots
from .params import Alphabet
from .tokens import _pieces, letter_spans, word_is_editable

if TYPE_CHECKING:
    import numpy as np

__all__ = ["CharEdit", "CharNoise"]


#: The option every character op shares (``@options char_edit``).
CHAR_EDIT = Options(
    "char_edit",
    {
        "min_len": (
            Number(1, MAX_EDITS, integer=True),
            """
            min_len : int, default 4
                Keyword only. Words with fewer letters are never edited (nlpaug's ``min_char``).
            """,
        )
    },
)

#: How the declared ``alpha`` is drawn (a finite float range: ``lo + (hi - lo) * rng.random()``).
_ALPHA_DRAW = WORD_EDIT.specs["alpha"].draw


class CharEdit(WordEdit):
    """Base of the character ops: one edit in each of ``alpha * n`` words, drawn place by place.

    A subclass says which places of a word it may edit (:meth:`_slots`; a word with none, or
    with fewer than ``min_len`` letters, is never chosen), what one edit is
    (:meth:`_edit`, from two uniform numbers) and whether a traced edit is one it can draw
    (:meth:`_allowed`). The draw and the trace check are shared: the drawn ``alpha``, then
    ``[word, *edit]`` per edited word, so ``replay`` reproduces the output exactly.
    """

    _abstract = True
    _derived: ClassVar[tuple[str, ...]] = ("slots", "char_kinds", "alpha_draw")
    min_len: int = param(CHAR_EDIT.specs["min_len"], default=4, kw_only=True)

    def _finalize(self, r: Any) -> None:
        super()._finalize(r)
        r.slots = {}  # word -> its places (_slots reads the word alone), bounded like the other memos
        r.char_kinds = {}  # word -> its kind (see _editable), _SKIP also when it is not _eligible_words'
        r.alpha_draw = None  # how make_params draws alpha (_alpha_draw), read from the plan on first use

    def make_params(self, rng: np.random.Generator, sample: Any) -> dict[str, Any]:
        tokens, words, elig = self._char_candidates(sample["text"])  # draws nothing
        alone, lo, hi = self._r.alpha_draw or self._alpha_draw()
        if alone:  # alpha alone: what its Range.draw computes
            if lo == hi and elig:  # lo + 0.0 * u is lo (+ 0.0: -0.0 traced as 0.0, as the sum gives)
                lo += 0.0
                n, u = self._count_and_uniforms(rng, len(words), len(elig), 3, lo, lead=1)
                return self._char_edits(lo, tokens[1::2], elig, n, u, 2)
            alpha = lo + (hi - lo) * rng.random()
        else:
            alpha = super().make_params(rng, sample)["alpha"]  # the declared ranges, in their order
        if not elig:
            return {"alpha": alpha, "edits": []}
        n, u = self._count_and_uniforms(rng, len(words), len(elig), 3, alpha)
        return self._char_edits(alpha, tokens[1::2], elig, n, u, 1)

    def _alpha_draw(self) -> tuple[bool, float, float]:
        """Whether ``alpha`` is the only declared draw (a float ``Range``), and its ``lo, hi`` (kept)."""
        draws = self._plan.draws
        if len(draws) == 1 and draws[0][1] == _ALPHA_DRAW:
            lo, hi = draws[0][2]
            self._r.alpha_draw = (True, float(lo), float(hi))
        else:
            self._r.alpha_draw = (False, 0.0, 0.0)
        return self._r.alpha_draw

    def apply_text(self, text: str, edits: Sequence[Sequence[Any]] = (), **_: Any) -> str:
        """The text with the drawn ``edits`` made (each subclass's kernel)."""
        raise NotImplementedError

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        """``apply_text`` on the ``text`` field, without the keyword round trip (the usual call)."""
        out = dict(sample)
        if "text" in sample:
            out["text"] = self.apply_text(sample["text"], params.get("edits", ()))
        return out

    def _char_edits(
        self, alpha: float, texts: Sequence[str], elig: list[int], n: int, u: list[float], at: int
    ) -> dict[str, Any]:
        """The parameters of ``n`` edits among the words ``elig`` from the uniforms ``u[at:]``."""
        edits: list[list[Any]] = []
        memo = self._r.slots
        edit = self._edit
        m = len(elig)
        # pick_distinct of one number, inlined (the usual sentence)
        picks = [min(int(u[at] * m), m - 1)] if n == 1 else sorted(pick_distinct(u[at : at + n], m))
        for j, pick in enumerate(picks, at + n):
            k = elig[pick]
            word = texts[k]
            slots = memo.get(word)
            if slots is None:
                slots = self._slots(word)
                if len(memo) >= _MEMO:
                    memo.clear()
                memo[word] = slots
            edits.append(edit(k, word, slots, u[j], u[j + n]))
        return {"alpha": alpha, "edits": edits}

    def _char_candidates(self, text: str) -> tuple[tuple[str, ...], range, list[int]]:
        """:meth:`_candidates` filtered by :meth:`_eligible_words`: one pass over one memo of both."""
        tokens = _pieces(text)  # self._split, inlined
        words = range(1, len(tokens), 2)
        texts = tokens[1::2]
        r = self._r
        if r.protected:
            return tokens, words, self._eligible_words(texts, self._editable(text, tokens, words))
        memo = r.char_kinds
        try:
            kinds: Sequence[int] = bytes(map(memo.__getitem__, texts))  # bytes: no GC-tracked list
        except KeyError:  # a word not seen before (no scan for it when every word is known)
            kinds = [memo[w] if w in memo else self._char_kind(w, memo) for w in texts]
        if _UNIT in kinds:  # a unit word is editable unless it follows a number
            edit = [
                k for k, c in enumerate(kinds) if c == _EDIT or (c == _UNIT and word_is_editable(tokens, k))
            ]
            return tokens, words, edit
        return tokens, words, list(itertools.compress(range(len(kinds)), kinds))

    def _char_kind(self, word: str, memo: dict[str, int]) -> int:
        """The kind :meth:`_kind` gives ``word``, ``_SKIP`` if it has too few letters or no place to edit."""
        kinds = self._r.kinds[False]
        kind = kinds.get(word)
        if kind is None:
            kind = self._kind(word, None, kinds)
        if kind != _SKIP and not (_has_letters(word, self._fewest()) and self._eligible(word)):
            kind = _SKIP
        if len(memo) >= _MEMO:
            memo.clear()
        memo[word] = kind
        return kind

    def _eligible_words(self, texts: Sequence[str], candidates: list[int]) -> list[int]:
        """The candidates ``k`` whose word ``texts[k]`` :meth:`_eligible` accepts."""
        memo = self._r.eligible
        get = memo.get
        return [k for k in candidates if get(w := texts[k]) or (w not in memo and self._remember(w, memo))]

    def _remember(self, word: str, memo: dict[str, bool]) -> bool:
        """Whether ``word`` has enough letters and a place to edit, remembered in ``memo`` (bounded)."""
        ok = _has_letters(word, self._fewest()) and self._eligible(word)
        if len(memo) >= _MEMO:
            memo.clear()
        memo[word] = ok
        return ok

    def _fewest(self) -> int:
        return int(self._r.min_len)

    def _eligible(self, word: str) -> bool:
        """Whether ``word`` (with enough letters) has a place to edit."""
        return bool(self._slots(word))

    def _slots(self, word: str) -> Sequence[Any]:
        """The places of ``word`` this op may edit (asked of the chosen words)."""
        raise NotImplementedError

    def _edit(self, k: int, word: str, slots: Sequence[Any], u: float, v: float) -> list[Any]:
        """One edit of ``word``, word ``k`` of the text, from two uniform numbers: ``[k, *edit]``."""
        raise NotImplementedError

    def _allowed(self, word: str, edit: list[Any]) -> bool:
        """Whether ``edit`` (without the word's position) is one :meth:`_edit` can draw for ``word``."""
        raise NotImplementedError

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        """Every traced edit names a word of the text and an edit this op can draw there."""
        tokens, words = self._split(sample["text"])
        for j, edit in enumerate(params.get("edits", ())):
            ok = (
                isinstance(edit, list)
                and len(edit) >= 2
                and type(edit[0]) is int
                and 0 <= edit[0] < len(words)
            )
            if not ok or not self._allowed(tokens[words[edit[0]]], edit[1:]):
                raise InvalidInputError(
                    self.name,
                    f"params.edits[{j}]",
                    f"is not an edit of this text that {self.name} can draw: {edit!r:.80}",
                    "replay the trace unchanged, on the text that produced it",
                )


def _has_letters(word: str, fewest: int) -> bool:
    """``len(letter_spans(word)) >= fewest``, at C speed for a word of letters only (the usual word)."""
    return len(word) >= fewest and (word.isalpha() or len(letter_spans(word)) >= fewest)


def pick(choices: Sequence[Any], u: float) -> Any:
    """The element of ``choices`` a uniform ``u`` in [0, 1) picks."""
    return choices[min(int(u * len(choices)), len(choices) - 1)]


class _Action(TextTransform):
    """The ``action`` of :class:`CharNoise`, declared in a base of its own: declared parameters
    take the order of the bases (the last base's first), so ``action`` comes first."""

    _abstract = True
    action: str = param(Choice(*CHAR_ACTIONS), default="substitute")


class CharNoise(CharEdit, _Action):
    """Character noise: one letter of each of ``alpha * n`` words substituted, inserted, deleted or swapped.

    Picks ``alpha * n`` distinct words (counted as for the EDA edits) with at least
    ``min_len`` letters that are neither stopwords nor protected, and makes one
    ``action`` in each: ``"substitute"`` a letter by another letter of ``alphabet``,
    ``"insert"`` a letter of ``alphabet`` before a letter (or after the last),
    ``"delete"`` a letter, ``"swap"`` a letter with the next one. Only letters are
    edited: digits, whitespace, punctuation (inside words too, as in ``don't``) stay
    where they are, a combining mark goes with its letter, and a lone surrogate is
    never touched. Deletes and swaps edit only words of two letters or more.

    Parameters
    ----------
    action : {"substitute", "insert", "delete", "swap"}, default "substitute"
        The character edit.
    @options word_edit call_p1
    min_len : int, default 4
        Keyword only. Words with fewer letters are never edited (nlpaug's ``min_char``).
    alphabet : str, default string.ascii_letters
        Keyword only. The letters inserted and substituted (drawn uniformly; a
        substitute differs from the letter it replaces when the alphabet allows).

    Notes
    -----
    The traced parameters are the drawn fraction and one ``[word, letter, char]``
    per edited word (``char`` is ``""`` for deletes and swaps), so replay
    reproduces the output exactly; see :func:`multiaug.text.functional.char_noise`.

    Examples
    --------
    >>> import multiaug as ma
    >>> aug = ma.text.CharNoise("swap", alpha=0.5, seed=0)
    >>> out = aug(text="The quick brown fox jumps over the lazy dog.", key=1, trace=True)
    >>> out["text"]
    'The qiuck rbown fox jmups over the lzay dog.'
    >>> out["trace"][0]["params"]
    {'alpha': 0.5, 'edits': [[1, 1, ''], [2, 0, ''], [4, 1, ''], [7, 1, '']]}
    """

    _derived: ClassVar[tuple[str, ...]] = ("choices",)
    alphabet: str = param(Alphabet(), default=string.ascii_letters, kw_only=True)

    def _finalize(self, r: Any) -> None:
        super()._finalize(r)
        r.choices = {}  # letter -> the alphabet without it (what a substitute picks from)

    def _fewest(self) -> int:
        return max(self._r.min_len, 1 if self._r.action in ("substitute", "insert") else 2)

    def _eligible(self, word: str) -> bool:
        return True

    def _slots(self, word: str) -> Sequence[tuple[int, int]]:
        return letter_spans(word)

    def _edit(self, k: int, word: str, letters: Sequence[tuple[int, int]], u: float, v: float) -> list[Any]:
        """Letter ``i`` drawn from ``u``, then the letter ``action`` puts there from ``v`` (``""``: none)."""
        r = self._r
        action = r.action
        if action == "substitute":  # the default: char_slots is the letters, pick inlined
            i = min(int(u * len(letters)), len(letters) - 1)
            start, end = letters[i]
            letter = word[start:end]
            choices = r.choices.get(letter)
            if choices is None:  # a substitute that changes the letter
                choices = r.alphabet.replace(letter, "") or r.alphabet
                if len(r.choices) >= _MEMO:
                    r.choices.clear()
                r.choices[letter] = choices
            return [k, i, choices[min(int(v * len(choices)), len(choices) - 1)]]
        slots = char_slots(action, len(letters))
        i = min(int(u * slots), slots - 1)
        if action in ("delete", "swap"):
            return [k, i, ""]
        return [k, i, pick(r.alphabet, v)]

    def apply_text(self, text: str, edits: Sequence[Sequence[Any]] = (), **_: Any) -> str:
        return char_noise(text, edits, self._r.action)

    def _allowed(self, word: str, edit: list[Any]) -> bool:
        """Whether ``[letter, char]`` is an edit ``make_params`` can draw for ``word``."""
        r = self._r
        if not (len(edit) == 2 and type(edit[0]) is int and isinstance(edit[1], str)):
            return False
        i, char = edit
        if not 0 <= i < char_slots(r.action, len(letter_spans(word))):
            return False
        if r.action in ("delete", "swap"):
            return char == ""
        return len(char) == 1 and char in r.alphabet
