"""Contextual word replacement with a local masked language model (nlpaug's ContextualWordEmbsAug)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..core.errors import InvalidInputError
from ..core.params import Number, Spec, param
from .base import MAX_EDITS, TextTransform, WordEdit, pick_distinct
from .eda import replaceable_form
from .functional import synonym_replace
from .masked_lm import check_model, load_masked_lm
from .models import Device
from .params import required
from .tokens import match_case

if TYPE_CHECKING:
    import numpy as np

    from .masked_lm import MaskedLM

__all__ = ["ContextualReplace"]

#: One text's draw before the model runs: ``(word, uniform)`` per chosen word.
Plan = list[tuple[int, float]]


class ModelParam(Spec):
    """A local model folder (path) or a ``transformers`` fill-mask pipeline object."""

    doc = "a local model folder or a transformers fill-mask pipeline"
    value_type = "Any"

    def invalid(self) -> list[Any]:
        return [None, 5, "/nonexistent/multiaug-masked-lm"]

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        if value is None:
            raise required(owner, name, "pass model='/path/to/bert' (a saved folder) or a fill-mask pipeline")
        return check_model(owner, value)


class _Model(TextTransform):
    """``model`` in a base of its own, so that it comes first (the last base's parameters do)."""

    _abstract = True
    model: Any = param(ModelParam(), default=None)


class ContextualReplace(WordEdit, _Model):
    """Replace words by what a local masked language model predicts in their place.

    Picks ``alpha * n`` distinct plain words (counted and chosen as for the EDA edits: never
    stopwords, protected words or tokens of another kind, nor single letters, acronyms and
    capitalised words inside a sentence, as for :class:`SynonymReplace`). Each is masked
    alone, in a window of the text around it, and replaced by a word drawn from the model's
    ``top_k`` predictions with probabilities ``softmax(logit / temperature)``; the word
    itself (in any case) and stopwords are never drawn, and the replacement takes the case
    pattern of the word it replaces. All chosen words of a call, and of every text of
    :func:`~multiaug.text.augment_texts`, go through the model in batches.

    Parameters
    ----------
    model : str, path or pipeline
        A local folder holding a masked language model and its tokenizer (saved with
        ``save_pretrained``; loaded with ``AutoModelForMaskedLM`` and ``AutoTokenizer``,
        ``local_files_only=True``: nothing is downloaded), or a ``transformers``
        fill-mask pipeline object.
    @options word_edit call_p1
    top_k : int, default 20
        Keyword only. Draw among the ``top_k`` most likely candidate words (``0``: all).
    temperature : float, default 1.0
        Keyword only. Sampling temperature; ``0`` takes the most likely word.
    window : int, default 256
        Keyword only. Characters of context on each side of the masked word (then cut to
        the model's input length around the mask): the cost of a call is linear in the
        length of the text.
    batch_size : int, default 32
        Keyword only. Masked words per forward pass.
    device : str, default "cpu"
        Keyword only. Torch device of a model loaded from a folder (a pipeline keeps its own).

    Notes
    -----
    The draw (word positions and one uniform number per word, from this transform's
    generator) comes first; the model then turns each uniform number into a word by the
    inverse of the candidates' cumulative distribution. torch's global RNG is never used and
    the model runs in eval mode, so keyed calls are reproducible. The trace holds the words
    put in (``{"edits": [[word, "replacement"], ...]}``, as :class:`SynonymReplace`'s), so
    ``replay`` reproduces the output without running the model. A model folder is loaded
    once per process and device; ``to_config`` writes a folder as its path, and a pipeline
    object cannot be written to a config (``ConfigError``).

    Examples
    --------
    >>> import multiaug as ma
    >>> from multiaug.testing.text import tiny_bert
    >>> aug = ma.text.ContextualReplace(tiny_bert(), alpha=0.3, seed=0)
    >>> out = aug(text="The function returns a new list of values.", key=1, trace=True)
    >>> out["text"] == aug(text="The function returns a new list of values.", key=1)["text"]
    True
    >>> aug.replay(out["trace"], text="The function returns a new list of values.") == {
    ...     "text": out["text"]}
    True
    """

    batches = True
    top_k: int = param(Number(0, math.inf, integer=True), default=20, kw_only=True)
    temperature: float = param(Number(0, math.inf), default=1.0, kw_only=True)
    window: int = param(Number(16, MAX_EDITS, integer=True), default=256, kw_only=True)
    batch_size: int = param(Number(1, math.inf, integer=True), default=32, kw_only=True)
    device: str = param(Device(), default="cpu", kw_only=True)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = super().get_params(deep=deep)
        if isinstance(params["model"], os.PathLike):
            params["model"] = os.fspath(params["model"])
        return params

    def _lm(self) -> MaskedLM:
        return load_masked_lm(self.name, self._r.model, self._r.device)

    # ------------------------------------------------------------------ the draw, then the model
    def make_params(self, rng: np.random.Generator, sample: Any) -> dict[str, Any]:
        return self._params_from_plans([sample], [self._draw_plan(rng, sample)])[0]

    def reference_params(self, rng: np.random.Generator, sample: Any) -> dict[str, Any]:
        """The shape of a draw, without the model: what ``replay`` checks a trace against."""
        tokens = self._split(sample["text"])[0]
        return {"edits": [[k, tokens[2 * k + 1]] for k, _ in self._draw_plan(rng, sample)]}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        """Every traced edit names a word of the text and puts a word of letters there."""
        super().check_params(params, sample)
        for j, edit in enumerate(params.get("edits", ())):
            new = edit[1] if isinstance(edit, list) and len(edit) == 2 else None
            if not (isinstance(new, str) and new.isalpha()):
                raise InvalidInputError(
                    self.name,
                    f"params.edits[{j}]",
                    f"is not [word, replacement word] with a replacement of letters: {edit!r:.80}",
                    "replay the trace unchanged, on the text that produced it",
                )

    def _draw_plan(self, rng: np.random.Generator, sample: Any) -> Plan:
        """Which words to replace and one uniform number each (no model involved)."""
        tokens, words, elig = self._candidates(sample["text"])
        elig = [k for k in elig if replaceable_form(tokens, words, k)]
        n = self._count(rng, len(words), len(elig)) if elig else 0
        if n == 0:
            return []
        u = rng.random(2 * n).tolist()
        return [(elig[j], u[n + i]) for i, j in enumerate(sorted(pick_distinct(u[:n], len(elig))))]

    def _params_from_plans(self, samples: Sequence[Any], plans: Sequence[Plan]) -> list[dict[str, Any]]:
        """The parameters of each sample from its plan: one batched run of the model for all."""
        rows: list[tuple[str, str, str]] = []
        us: list[float] = []
        w = self._r.window
        for sample, plan in zip(samples, plans, strict=True):
            text = sample["text"]
            tokens = self._split(text)[0]
            starts = _word_starts(tokens, [k for k, _ in plan])
            for (k, u), start in zip(plan, starts, strict=True):
                word = tokens[2 * k + 1]
                end = start + len(word)
                rows.append((_left(text, start, w), word, _right(text, end, w)))
                us.append(u)
        r = self._r
        got = iter(
            self._lm().fill(
                rows,
                us,
                top_k=r.top_k,
                temperature=r.temperature,
                banned=r.stopwords,
                batch_size=r.batch_size,
            )
            if rows
            else ()
        )
        out = []
        for plan, sample in zip(plans, samples, strict=True):
            tokens = self._split(sample["text"])[0]
            edits = []
            for k, _ in plan:
                new = next(got)
                if new is not None:
                    edits.append([k, match_case(tokens[2 * k + 1], new)])
            out.append({"edits": edits})
        return out

    def apply_text(self, text: str, edits: Sequence[Sequence[Any]] = (), **_: Any) -> str:
        return synonym_replace(text, edits)


def _word_starts(tokens: Sequence[str], ks: Sequence[int]) -> list[int]:
    """The character offset of each word ``k`` in ``ks`` (ascending) in the text of ``tokens``."""
    out = []
    pos = 0
    t = 0
    for k in ks:
        target = 2 * k + 1
        pos += sum(map(len, tokens[t:target]))
        t = target
        out.append(pos)
    return out


def _left(text: str, start: int, width: int) -> str:
    """Up to ``width`` characters before ``start``, from a whitespace on (no cut word) when there is one."""
    left = text[max(0, start - width) : start]
    if start > width:
        cut = next((i for i, c in enumerate(left) if c.isspace()), -1)
        left = left[cut + 1 :] if 0 <= cut < len(left) - 1 else left
    return left


def _right(text: str, end: int, width: int) -> str:
    """Up to ``width`` characters after ``end``, up to a whitespace (no cut word) when there is one."""
    right = text[end : end + width]
    if end + width < len(text):
        cut = max(right.rfind(" "), right.rfind("\n"))
        right = right[:cut] if cut > 0 else right
    return right
