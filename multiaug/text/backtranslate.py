"""Back-translation: source -> pivot -> source through a pluggable translator."""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.errors import InvalidInputError
from ..core.params import Number, Spec, param
from .base import TextTransform
from .params import LanguageCode, TranslatorParam

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BackTranslate"]


class BackTranslate(TextTransform):
    """Paraphrase by translating to a pivot language and back (``en -> de -> en``).

    Parameters
    ----------
    pivot : str, default "de"
        Pivot language code.
    translator : translator, callable, folder or mapping
        Anything with ``translate(texts: list[str], src: str, tgt: str) -> list[str]``
        or such a callable; a local folder path (a :class:`MarianTranslator` over
        ``opus-mt-{src}-{tgt}`` subfolders); or the ``to_config()`` mapping of
        multiaug's translators (``{"backend": "marian", "models": ...}``).
        Translators that accept ``seeds=`` get one seed per text and direction,
        drawn from this transform's generator: keyed calls are reproducible.
    source : str, default "en"
        Language of the input texts.
    @options call_p1
    cache_size : int, default 1024
        Keyword only. Translations kept per transform (least recently used
        dropped): a keyed call repeated, or replayed, does not translate
        again. ``0`` disables it.

    Notes
    -----
    The drawn parameters are the two sampling seeds (``{"seeds": [s1, s2]}``);
    replay translates again with them. Empty and whitespace-only texts are
    returned unchanged without calling the translator, and the input's leading
    and trailing whitespace is kept. A translator that returns the wrong number
    of texts, or anything but strings, raises :class:`~multiaug.InvalidInputError`.
    ``to_config`` works for multiaug's translators and folder paths; an
    arbitrary callable cannot be written to a config (``ConfigError``).

    Examples
    --------
    >>> import multiaug as ma
    >>> def shout(texts, src, tgt):
    ...     return [t.upper() if tgt == "de" else t.capitalize() + "!" for t in texts]
    >>> ma.text.BackTranslate(pivot="de", translator=shout, seed=0)(text="hello there")["text"]
    'Hello there!'
    """

    pivot: str = param(LanguageCode(), default="de")
    translator: Any = param(TranslatorParam(), default=None)
    source: str = param(LanguageCode(), default="en")
    cache_size: int = param(Number(0, math.inf, integer=True), default=1024, kw_only=True)
    #: Replay bounds of the two drawn sampling seeds (drawn by ``make_params``: none for a blank text).
    _drawn: ClassVar[dict[str, Spec | str]] = {"seeds": Number(0, 2**32 - 1, integer=True)}
    _derived = ("cache", "cache_lock")
    batches = True

    def _finalize(self, r: Any) -> None:
        if r.pivot == r.source:
            raise InvalidInputError(
                self.name, "pivot", f"equals source ({r.source!r})", "pick another language, e.g. pivot='de'"
            )
        r.cache = OrderedDict()
        r.cache_lock = threading.Lock()

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = super().get_params(deep=False)
        t = params["translator"]
        if isinstance(t, os.PathLike):
            params["translator"] = os.fspath(t)
        elif hasattr(t, "to_config") and not isinstance(t, Mapping):
            params["translator"] = t.to_config()
        return params

    def make_params(self, rng: np.random.Generator, sample: Any) -> dict[str, Any]:
        if not sample["text"].strip():
            return {"seeds": []}
        return {"seeds": [int(s) for s in rng.integers(0, 2**32, size=2)]}

    def apply_text(self, text: str, seeds: list[int] | None = None, **_: Any) -> str:
        return self._back_translate([text], [seeds or [0, 0]])[0]

    def augment_texts(self, texts: Sequence[str], keys: Sequence[int | str], epoch: int = 0) -> list[str]:
        """Back-translate many texts in two batched translator calls (:func:`~multiaug.text.augment_texts`).

        Returns exactly ``[self(text=t, key=k, epoch=epoch)["text"] for t, k in zip(texts, keys)]``
        (same ``p`` decisions, same seeds, same cache), but the translator sees
        all texts of a direction at once, in batches of its own ``batch_size``.

        Examples
        --------
        >>> import multiaug as ma
        >>> calls = []
        >>> def upper(texts, src, tgt):
        ...     calls.append(len(texts))
        ...     return [t.upper() for t in texts]
        >>> bt = ma.text.BackTranslate(translator=upper, seed=0)
        >>> bt.augment_texts(["one", "two", ""], keys=[0, 1, 2]), calls
        (['ONE', 'TWO', ''], [2, 2])
        """
        from .batch import augment_texts

        if isinstance(texts, str) or len(texts) != len(keys):
            raise InvalidInputError(
                self.name,
                "texts",
                "must be a list of str with one key per text",
                "pass augment_texts(texts, keys=range(len(texts)))",
            )
        return augment_texts(self, texts, keys, epoch=epoch)  # type: ignore[return-value]

    def _apply_batch(
        self, samples: Sequence[Any], params: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Back-translate all texts in two batched translator calls (one per direction)."""
        texts = [s["text"] for s in samples]
        done = self._back_translate(texts, [p.get("seeds") or [0, 0] for p in params])
        return [{**s, "text": t} for s, t in zip(samples, done, strict=True)]

    def _back_translate(self, texts: Sequence[str], seeds: Sequence[Sequence[int]]) -> list[str]:
        """Round trip of each text with its two seeds; blank texts are returned as they are."""
        for text in texts:
            if not text.isascii():
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError as exc:  # bytes decoded with errors="surrogateescape"
                    raise InvalidInputError(
                        self.name,
                        "text",
                        f"holds the lone surrogate {text[exc.start]!r} at position {exc.start}, which no "
                        "translation model can read",
                        "decode the source bytes with errors='replace' (or fix their encoding) first",
                    ) from None
        r = self._r
        live = [i for i, t in enumerate(texts) if t.strip()]
        middle = self._translate(
            [texts[i].strip() for i in live], r.source, r.pivot, [seeds[i][0] for i in live]
        )
        back_in = [j for j, m in enumerate(middle) if m.strip()]
        back = self._translate(
            [middle[j] for j in back_in], r.pivot, r.source, [seeds[live[j]][1] for j in back_in]
        )
        for j, b in zip(back_in, back, strict=True):
            middle[j] = b
        out = list(texts)
        for j, i in enumerate(live):
            text = texts[i]
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()) :]
            out[i] = lead + middle[j].strip() + trail
        return out

    def _translate(self, texts: list[str], src: str, tgt: str, seeds: list[int]) -> list[str]:
        """Translate through the cache: one translator call for all the texts not cached."""
        r = self._r
        out: list[str | None] = [None] * len(texts)
        if r.cache_size:
            with r.cache_lock:
                for i, (text, seed) in enumerate(zip(texts, seeds, strict=True)):
                    hit = r.cache.get((src, tgt, seed, text))
                    if hit is not None:
                        r.cache.move_to_end((src, tgt, seed, text))
                        out[i] = hit
        missing = [i for i, o in enumerate(out) if o is None]
        if missing:
            batch = [texts[i] for i in missing]
            batch_seeds = [int(seeds[i]) for i in missing]
            t = r.translator
            got = t.fn(batch, src, tgt, seeds=batch_seeds) if t.seeds else t.fn(batch, src, tgt)
            self._check_output(got, len(batch), src, tgt)
            for i, result in zip(missing, got, strict=True):
                out[i] = result
            if r.cache_size:
                with r.cache_lock:
                    for i in missing:
                        r.cache[(src, tgt, int(seeds[i]), texts[i])] = out[i]
                    while len(r.cache) > r.cache_size:
                        r.cache.popitem(last=False)
        return [o for o in out if o is not None]

    def _check_output(self, out: Any, n: int, src: str, tgt: str) -> None:
        if isinstance(out, (list, tuple)) and len(out) == n and all(isinstance(o, str) for o in out):
            return
        if not isinstance(out, (list, tuple)):
            got = f"a {type(out).__name__}"
        elif len(out) != n:
            got = f"{len(out)} texts"
        else:
            bad = next(o for o in out if not isinstance(o, str))
            got = f"a {type(bad).__name__} instead of a str"
        raise InvalidInputError(
            self.name,
            "translator",
            f"{self._r.translator.label} returned {got} for {n} input text(s) ({src} -> {tgt})",
            "make translate(texts, src, tgt) return a list with one str per input text, in order",
        )
