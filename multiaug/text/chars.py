"""Character-level noise: one letter edit in each of a fraction of the words (nlpaug's RandomCharAug)."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..core.errors import InvalidInputError
from ..core.params import Choice, Number, param
from .base import MAX_EDITS, TextTransform, WordEdit, pick_distinct
from .functional import CHAR_ACTIONS, char_noise, char_slots
from .params import Alphabet
from .tokens import letter_spans

if TYPE_CHECKING:
    import numpy as np

__all__ = ["CharNoise"]


class _Action(TextTransform):
    """The ``action`` of :class:`CharNoise`, declared in a base of its own: declared parameters
    take the order of the bases (the last base's first), so ``action`` comes first."""

    _abstract = True
    action: str = param(Choice(*CHAR_ACTIONS), default="substitute")


class CharNoise(WordEdit, _Action):
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

    min_len: int = param(Number(1, MAX_EDITS, integer=True), default=4, kw_only=True)
    alphabet: str = param(Alphabet(), default=string.ascii_letters, kw_only=True)

    def make_params(self, rng: np.random.Generator, sample: Any) -> dict[str, Any]:
        alpha = super().make_params(rng, sample)["alpha"]  # the declared range, drawn by default
        r = self._r
        tokens, words, elig = self._candidates(sample["text"])
        fewest = max(r.min_len, 1 if r.action in ("substitute", "insert") else 2)
        letters = {k: letter_spans(tokens[words[k]]) for k in elig}
        elig = [k for k in elig if len(letters[k]) >= fewest]
        n = self._how_many(alpha, float(rng.random()), len(words), len(elig)) if elig else 0
        u = rng.random(3 * n).tolist()
        edits: list[list[Any]] = []
        for j, pick in enumerate(sorted(pick_distinct(u[:n], len(elig)))):
            k = elig[pick]
            slots = char_slots(r.action, len(letters[k]))
            i = min(int(u[n + j] * slots), slots - 1)
            edits.append([k, i, self._char(tokens[words[k]], letters[k], i, u[2 * n + j])])
        return {"alpha": alpha, "edits": edits}

    def _char(self, word: str, letters: Sequence[tuple[int, int]], i: int, u: float) -> str:
        """The letter ``action`` puts at letter ``i`` of ``word`` (``""`` for a delete or a swap)."""
        action, choices = self._r.action, self._r.alphabet
        if action in ("delete", "swap"):
            return ""
        if action == "substitute":
            start, end = letters[i]
            choices = choices.replace(word[start:end], "") or choices  # a substitute that changes the letter
        return choices[min(int(u * len(choices)), len(choices) - 1)]

    def apply_text(self, text: str, edits: Sequence[Sequence[Any]] = (), **_: Any) -> str:
        return char_noise(text, edits, self._r.action)

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        """Every traced edit names a letter of a word of the text and a letter of ``alphabet``."""
        tokens, words = self._split(sample["text"])
        for j, edit in enumerate(params.get("edits", ())):
            if not self._drawable(edit, tokens, words):
                raise InvalidInputError(
                    self.name,
                    f"params.edits[{j}]",
                    f"is not an edit of this text that {self.name} can draw: {edit!r:.80}",
                    "replay the trace unchanged, on the text that produced it",
                )

    def _drawable(self, edit: Any, tokens: Sequence[str], words: Sequence[int]) -> bool:
        """Whether ``edit`` is a ``[word, letter, char]`` that ``make_params`` can draw for these words."""
        r = self._r
        if not (isinstance(edit, list) and len(edit) == 3 and type(edit[0]) is type(edit[1]) is int):
            return False
        k, i, char = edit
        if not (0 <= k < len(words) and isinstance(char, str)):
            return False
        if not 0 <= i < char_slots(r.action, len(letter_spans(tokens[words[k]]))):
            return False
        if r.action in ("delete", "swap"):
            return char == ""
        return len(char) == 1 and char in r.alphabet
