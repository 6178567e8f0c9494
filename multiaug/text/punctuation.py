"""AEDA: punctuation marks inserted between words (Karimi, Rossi & Prati, 2021)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..core.errors import InvalidInputError
from ..core.params import param
from .base import WORD_EDIT, WordEdit, pick_distinct
from .functional import punctuation_insert
from .params import Marks

if TYPE_CHECKING:
    import numpy as np

__all__ = ["PunctuationInsert"]

#: AEDA's marks, in the paper's order.
AEDA_MARKS = ".;?:!,"


class PunctuationInsert(WordEdit):
    """Insert punctuation marks before random words (AEDA, "An Easier Data Augmentation").

    AEDA inserts between 1 and a third of the sentence's word count of marks, each drawn
    from ``. ; ? : ! ,``, before distinct random words; no word is changed, moved or
    removed. Here the count is ``alpha * n`` as for every word op, with ``alpha`` drawn
    uniformly from ``(0, 1/3)`` by default and at least ``min_words``: AEDA's count. A mark
    goes with one space after the whitespace before its word (``! (word``), never inside a
    protected phrase, never before a stopword of ``stopwords`` (none by default, as in AEDA).

    Parameters
    ----------
    @options word_edit call_p1
    marks : str, default ".;?:!,"
        Keyword only. The marks drawn from, uniformly.

    Notes
    -----
    The traced parameters are one ``[word, mark]`` per insertion (the mark goes before
    that word), in word order; the kernel is :func:`multiaug.text.functional.punctuation_insert`.

    Examples
    --------
    >>> import multiaug as ma
    >>> ma.text.PunctuationInsert(seed=0)(text="The quick brown fox jumps over the lazy dog.", key=3)["text"]
    '! The quick brown fox jumps over the lazy dog.'
    """

    alpha: float | tuple[float, float] = param(WORD_EDIT.specs["alpha"], default=(0.0, 1 / 3))
    stopwords: str | list[str] | None = param(WORD_EDIT.specs["stopwords"], default=None, kw_only=True)
    marks: str = param(Marks(), default=AEDA_MARKS, kw_only=True)

    def make_params(self, rng: np.random.Generator, sample: Any) -> dict[str, Any]:
        text = sample["text"]
        tokens, words = self._split(text)
        stop = self._r.stopwords
        after = self._insert_gaps(text, tokens, words)  # words after which nothing protected goes on
        ok = {k + 1 for k in after}
        places = [
            k for k in range(len(words)) if (k == 0 or k in ok) and tokens[words[k]].lower() not in stop
        ]
        n = self._count(rng, len(words), len(places)) if places else 0
        u = rng.random(2 * n).tolist()
        marks = self._r.marks
        picked = sorted(places[i] for i in pick_distinct(u[:n], len(places)))
        return {
            "inserts": [
                [k, marks[min(int(v * len(marks)), len(marks) - 1)]]
                for k, v in zip(picked, u[n:], strict=True)
            ]
        }

    def apply_text(self, text: str, inserts: Sequence[Sequence[Any]] = (), **_: Any) -> str:
        return punctuation_insert(text, inserts)

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        """Every traced insertion is ``[word, mark]`` with a word of the text and one of ``marks``."""
        super().check_params(params, sample)
        for j, record in enumerate(params.get("inserts", ())):
            mark = record[1] if isinstance(record, list) and len(record) == 2 else None
            if not (isinstance(mark, str) and len(mark) == 1 and mark in self._r.marks):
                raise InvalidInputError(
                    self.name,
                    f"params.inserts[{j}]",
                    f"is not a [word, mark] insertion with a mark of {self._r.marks!r}: {record!r:.80}",
                    "replay the trace unchanged, on the text that produced it",
                )
