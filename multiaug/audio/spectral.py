"""Features: ``MelSpectrogram`` (deterministic) writes the ``spectrogram`` field the masks work on."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

from ..core.errors import InvalidInputError
from ..core.params import Flag, Number, Probability, param
from ..core.transform import Sample
from .base import AudioTransform, c_float32
from .functional import spectral as F

__all__ = ["MelSpectrogram"]


class MelSpectrogram(AudioTransform):
    """Compute a (log-)mel spectrogram of ``audio`` into the ``spectrogram`` field; ``audio`` is kept.

    Deterministic (nothing is drawn) and applied with ``p=1`` by default. The
    result is float32 ``(n_mels, frames)`` for mono audio and ``(channels,
    n_mels, frames)`` otherwise, with ``frames = 1 + samples // hop_length``
    (centred frames, zero padding, periodic Hann window, Slaney mel scale and
    area normalisation): the same numbers as ``librosa.feature.melspectrogram(...,
    pad_mode="constant")`` followed by ``librosa.power_to_db(..., ref=1.0,
    top_db=None)``, in plain NumPy.

    Parameters
    ----------
    n_mels : int, default 64
    n_fft : int, default 1024
        Window and FFT length in samples.
    hop_length : int, default 256
    fmin : float, default 0.0
    fmax : float or None, default None
        Highest band edge in Hz; ``None``: half the sample rate (which it may not exceed).
    power : float, default 2.0
        Exponent of the magnitude before the mel projection (1: magnitude, 2: power).
    log : bool, default True
        Decibels of power, ``10 * log10(max(., 1e-10))`` (floored, so never ``-inf``).
    p : float, default 1.0
    seed : int or None
        Unused (nothing is drawn); accepted like every transform's.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> audio = np.zeros((2, 16000), np.float32)
    >>> out = ma.audio.MelSpectrogram(n_mels=40)(audio=audio, sample_rate=16000)
    >>> out["spectrogram"].shape, out["spectrogram"].dtype, out["audio"] is audio
    ((2, 40, 63), dtype('float32'), True)
    """

    is_random = False
    augments = False  # feature extraction: it stays in eval mode
    preserves_shape = False
    fields: ClassVar[tuple[str, ...]] = ("audio", "sample_rate")
    n_mels: int = param(Number(1, 4096, integer=True), default=64)
    n_fft: int = param(Number(2, 1 << 20, integer=True), default=1024)
    hop_length: int = param(Number(1, 1 << 20, integer=True), default=256)
    fmin: float = param(Number(0.0), default=0.0)
    fmax: float | None = param(Number(0.0, low_open=True, optional=True), default=None)
    power: float = param(Number(0.0, 4.0, low_open=True), default=2.0)
    log: bool = param(Flag(), default=True)
    p: float = param(Probability(), default=1.0, kw_only=True)

    def _finalize(self, r: Any) -> None:
        if r.fmax is not None and r.fmin >= r.fmax:
            raise InvalidInputError(
                self.name, "fmin", f"({r.fmin}) must be below fmax ({r.fmax})", "pass fmin < fmax"
            )

    def check(self, sample: Mapping[str, Any]) -> None:
        value = sample.get("sample_rate")
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0:
            return  # reported by the sample_rate field check
        rate = int(value)
        r = self._r
        top = rate / 2.0 if r.fmax is None else r.fmax
        if top > rate / 2.0 or r.fmin >= top:
            raise InvalidInputError(
                self.name,
                "sample_rate",
                f"is {rate} Hz, so the mel bands (fmin={r.fmin}, fmax={top}) do not fit below "
                f"its Nyquist frequency {rate / 2}",
                "lower fmax (or fmin), or leave fmax=None to use half the sample rate",
            )

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        r = self._r
        out = dict(sample)
        out["spectrogram"] = c_float32(
            F.mel_spectrogram(
                sample["audio"],
                sample["sample_rate"],
                r.n_fft,
                r.hop_length,
                r.n_mels,
                r.fmin,
                r.fmax,
                r.power,
                r.log,
            )
        )
        return out
