"""Base classes of the audio transforms: the ``audio`` + ``sample_rate`` and ``spectrogram`` fields."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Probability, Spec, param
from ..core.transform import Sample, Transform
from . import _validate  # noqa: F401  (registers the audio field checks)

__all__ = ["AudioTransform", "SpectrogramTransform", "first_integer", "spectrogram_of"]


class AudioTransform(Transform):
    """A transform of the waveform ``audio`` (with its ``sample_rate``); other fields pass through.

    ``audio`` is float32 ``(samples,)`` or ``(channels, samples)``; one drawn set
    of parameters applies to every channel. Subclasses declare ``_parameters``
    (the default ``make_params`` draws every declared range under its name) and
    implement ``apply_audio(audio, sample_rate, **params)`` over a kernel of
    :mod:`multiaug.audio.functional`; ``p`` defaults to 0.5 for every audio op.
    """

    _abstract = True
    modality = "audio"
    fields: ClassVar[tuple[str, ...]] = ("audio", "sample_rate")
    required: ClassVar[tuple[str, ...]] = ("audio", "sample_rate")
    p: float = param(Probability(), default=0.5, kw_only=True)

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        out = dict(sample)
        out["audio"] = c_float32(self.apply_audio(sample["audio"], sample["sample_rate"], **params))
        return out

    def apply_audio(self, audio: np.ndarray, sample_rate: int, **params: Any) -> np.ndarray:
        raise NotImplementedError


def c_float32(array: np.ndarray) -> np.ndarray:
    """``array`` as C-contiguous float32: what every audio transform returns, whatever the input layout.

    A no-op (the same object) for an array that already is; a copy for Fortran-ordered,
    reversed or strided views.
    """
    return np.ascontiguousarray(array, dtype=np.float32)


def first_integer(rng: np.random.Generator, lo: int, hi: int) -> int:
    """``int(rng.integers(lo, hi + 1))`` as the first draw of a freshly keyed generator, 3x faster.

    NumPy draws a range of ``span = hi - lo + 1 <= 2**32 - 1`` values by Lemire's method on 32-bit
    words: the low then the high half of each raw 64-bit output (``next_uint32``). Written out
    over ``random_raw`` it skips ``integers``' argument handling. Valid only where no draw
    precedes it on ``rng`` (``make_params`` of a lent generator: a half word left over by an
    earlier 32-bit draw would come first in NumPy), and for ``0 <= hi - lo < 2**32 - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> first_integer(np.random.default_rng(3), 5, 10), int(np.random.default_rng(3).integers(5, 11))
    (9, 9)
    """
    lo, hi = int(lo), int(hi)
    span = hi - lo + 1
    if span == 1:  # NumPy draws nothing for a single value
        return lo
    if not 1 < span < 0xFFFFFFFF:  # outside Lemire's 32-bit branch: NumPy decides (and refuses)
        return int(rng.integers(lo, hi + 1))
    raw = rng.bit_generator.random_raw()
    m = (raw & 0xFFFFFFFF) * span
    if (m & 0xFFFFFFFF) < span:  # maybe in the biased zone: Lemire's rejection
        threshold = (0x100000000 - span) % span
        words = [raw >> 32]
        while (m & 0xFFFFFFFF) < threshold:
            if not words:
                raw = rng.bit_generator.random_raw()
                words = [raw >> 32, raw & 0xFFFFFFFF]
            m = words.pop() * span
    return lo + (m >> 32)


def spectrogram_of(owner: str, sample: Mapping[str, Any]) -> np.ndarray:
    """The sample's ``spectrogram``, or an error saying how to make one."""
    spec = sample.get("spectrogram")
    if spec is None:
        raise InvalidInputError(
            owner,
            "spectrogram",
            "is missing from the sample",
            "put ma.audio.MelSpectrogram() before it in the pipeline, or pass spectrogram=... "
            "(float32, (freq, time))",
        )
    return spec


class SpectrogramTransform(Transform):
    """A transform of the ``spectrogram`` field: ``(freq, time)`` or ``(channels, freq, time)`` float32.

    The spectrogram may come with the input or be computed earlier in the same
    pipeline by :class:`~multiaug.audio.MelSpectrogram`. Composers validate the
    fields of the *input* sample up front, so the input must hold a
    ``spectrogram`` or the ``audio`` it will be computed from (checked on every
    call); a spectrogram still missing when the transform runs raises then.
    """

    _abstract = True
    modality = "audio"
    fields: ClassVar[tuple[str, ...]] = ("spectrogram",)
    p: float = param(Probability(), default=0.5, kw_only=True)

    def check(self, sample: Mapping[str, Any]) -> None:
        if "spectrogram" not in sample and "audio" not in sample:
            spectrogram_of(self.name, sample)

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        out = dict(sample)
        out["spectrogram"] = c_float32(self.apply_spectrogram(spectrogram_of(self.name, sample), **params))
        return out

    def apply_spectrogram(self, spectrogram: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError


_FLOAT32_MAX = float(np.finfo(np.float32).max)


class Fill(Spec):
    """A fill value for masked regions: a finite number, or ``"mean"`` (the mean of the masked array)."""

    doc = 'a number a float32 can hold (|fill| <= 3.4e38) or "mean"'
    value_type = "float | str"

    def invalid(self) -> list[Any]:
        return ["median", float("inf"), -1e39, None, True]

    def resolve(self, owner: str, name: str, value: Any) -> float | str:
        if isinstance(value, str) and value == "mean":
            return "mean"
        # float32 output: a larger magnitude would become inf in the masked samples
        real = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if real and abs(float(value)) <= _FLOAT32_MAX:
            return float(value)
        raise self.fail(owner, name, value, f'pass {name}="mean" or a number such as {name}=0.0')
