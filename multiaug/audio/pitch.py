"""Pitch and tempo: ``PitchShift``, ``TimeStretch`` (phase-locked vocoder), ``SpeedChange`` (resampling)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.params import Choice, Flag, Range, param
from .base import AudioTransform
from .functional import fit_length
from .functional import stretch as F

__all__ = ["PitchShift", "SpeedChange", "TimeStretch"]


class PitchShift(AudioTransform):
    """Shift the pitch by a number of semitones drawn per call; duration unchanged.

    A phase vocoder with identity phase locking stretches the clip by
    ``2 ** (semitones / 12)`` and soxr resamples it back to its length (see
    :mod:`multiaug.audio.functional.stretch`). Formants move with the pitch, as
    in audiomentations and librosa. All channels get the same shift and keep
    their phase relations.

    Parameters
    ----------
    semitones : float or (float, float), default (-4, 4)
        Range of the shift in semitones, within [-24, 24]; a scalar ``s`` means ``(-s, s)``.
    method : {"quality", "fast"}, default "quality"
        ``"quality"``: 75 % window overlap. ``"fast"``: 50 % overlap, half the
        frames and about twice as fast; fast glides and onsets are tracked more
        coarsely. Both lock phases around spectral peaks.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> sr = 16000
    >>> tone = np.sin(2 * np.pi * 200 * np.arange(sr) / sr).astype(np.float32)
    >>> t = ma.audio.PitchShift(semitones=(12, 12), p=1.0, seed=0)
    >>> out = t(audio=tone, sample_rate=sr)["audio"]
    >>> peak = np.argmax(np.abs(np.fft.rfft(out[4000:12000]))) * sr / 8000
    >>> out.shape, out.dtype, round(float(peak))
    ((16000,), dtype('float32'), 400)
    """

    semitones: float | tuple[float, float] = param(
        Range(-24.0, 24.0, scalar="symmetric", example="(-4, 4)"), default=(-4, 4)
    )
    method: str = param(Choice(*F.METHODS), default="quality")

    def apply_audio(self, audio: np.ndarray, sample_rate: int, semitones: float, **_: Any) -> np.ndarray:
        return F.pitch_shift(audio, semitones, sample_rate, self._r.method)


class TimeStretch(AudioTransform):
    """Change the tempo by a rate drawn per call; pitch unchanged.

    ``rate > 1`` is faster (shorter), ``rate < 1`` slower. The output has
    ``round(samples / rate)`` samples, or the input's length with
    ``keep_length=True`` (cut, or padded with silence at the end).

    Parameters
    ----------
    rate : float or (float, float), default (0.8, 1.25)
        Range of the speed-up factor, within [0.25, 4]; a scalar ``r`` means ``(1 - r, 1 + r)``.
    keep_length : bool, default False
    method : {"quality", "fast"}, default "quality"
        As in :class:`PitchShift`.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> audio = np.zeros((2, 16000), np.float32)
    >>> ma.audio.TimeStretch(rate=(1.25, 1.25), p=1.0)(audio=audio, sample_rate=16000)["audio"].shape
    (2, 12800)
    """

    preserves_shape = False
    rate: float | tuple[float, float] = param(
        Range(0.25, 4.0, scalar="symmetric", center=1.0, example="(0.8, 1.25)"), default=(0.8, 1.25)
    )
    keep_length: bool = param(Flag(), default=False)
    method: str = param(Choice(*F.METHODS), default="quality")

    def apply_audio(self, audio: np.ndarray, sample_rate: int, rate: float, **_: Any) -> np.ndarray:
        out = F.time_stretch(audio, rate, sample_rate, self._r.method)
        return fit_length(out, audio.shape[-1]) if self._r.keep_length else out


class SpeedChange(AudioTransform):
    """Play faster or slower by resampling: pitch and tempo change together (like tape speed).

    ``factor=1.1`` is 10 % shorter and about 1.65 semitones higher. The output
    has ``round(samples / factor)`` samples, or the input's length with
    ``keep_length=True``. Resampling is soxr's (band-limited, high quality).

    Parameters
    ----------
    factor : float or (float, float), default (0.9, 1.1)
        Range of the speed factor, within [0.25, 4]; a scalar ``f`` means ``(1 - f, 1 + f)``.
    keep_length : bool, default False
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> t = ma.audio.SpeedChange(factor=(0.8, 0.8), p=1.0)
    >>> t(audio=np.zeros(16000, np.float32), sample_rate=16000)["audio"].shape
    (20000,)
    """

    preserves_shape = False
    factor: float | tuple[float, float] = param(
        Range(0.25, 4.0, scalar="symmetric", center=1.0, example="(0.9, 1.1)"), default=(0.9, 1.1)
    )
    keep_length: bool = param(Flag(), default=False)

    def apply_audio(self, audio: np.ndarray, sample_rate: int, factor: float, **_: Any) -> np.ndarray:
        out = F.speed_change(audio, factor)
        return fit_length(out, audio.shape[-1]) if self._r.keep_length else out
