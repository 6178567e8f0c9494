"""Level, sign and position: ``Gain``, ``PolarityInversion``, ``TimeShift``, ``Reverse`` and ``Padding``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.params import Choice, Flag, Number, Range, param
from .base import AudioTransform
from .functional import waveform as F

__all__ = ["Gain", "Padding", "PolarityInversion", "Reverse", "TimeShift"]


class Gain(AudioTransform):
    """Multiply the clip by a gain in decibels drawn per call (``10 ** (db / 20)``).

    The output is not clipped: float audio may exceed [-1, 1]; writing it to
    integer PCM with :func:`multiaug.audio.save` clips there.

    Parameters
    ----------
    db : float or (float, float), default (-6, 6)
        Range of the gain in dB, within [-120, 120]; a scalar ``g`` means ``(-g, g)``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.full(4, 0.1, np.float32)
    >>> ma.audio.Gain(db=(-20, -20), p=1.0)(audio=x, sample_rate=8000)["audio"]
    array([0.01, 0.01, 0.01, 0.01], dtype=float32)
    """

    db: float | tuple[float, float] = param(
        Range(-120.0, 120.0, scalar="symmetric", example="(-6, 6)"), default=(-6, 6)
    )

    def apply_audio(self, audio: np.ndarray, sample_rate: int, db: float, **_: Any) -> np.ndarray:
        return F.gain(audio, db)


class PolarityInversion(AudioTransform):
    """Multiply the clip by -1 (flip every sample's sign), as audiomentations' ``PolarityInversion``.

    Nothing is drawn beyond ``p``; the sound is unchanged to the ear, but a model
    sees the other polarity, as from a microphone wired the other way round.

    Parameters
    ----------
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.array([0.5, -0.25, 1.0], np.float32)
    >>> ma.audio.PolarityInversion(p=1.0)(audio=x, sample_rate=8000)["audio"]
    array([-0.5 ,  0.25, -1.  ], dtype=float32)
    """

    is_random = False

    def apply_audio(self, audio: np.ndarray, sample_rate: int, **_: Any) -> np.ndarray:
        return F.polarity_inversion(audio)


class TimeShift(AudioTransform):
    """Shift the clip in time by a fraction of its length drawn per call.

    Positive fractions move the sound later. With ``rollover`` the part pushed
    off one end comes back at the other (a circular shift); otherwise the gap
    is silence. The trace records the shift in samples.

    Parameters
    ----------
    fraction : float or (float, float), default (-0.2, 0.2)
        Range of the shift as a fraction of the clip's length, within [-1, 1];
        a scalar ``f`` means ``(-f, f)``.
    rollover : bool, default True
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.arange(1, 11, dtype=np.float32)
    >>> t = ma.audio.TimeShift(fraction=(0.3, 0.3), rollover=False, p=1.0)
    >>> t(audio=x, sample_rate=8000)["audio"]
    array([0., 0., 0., 1., 2., 3., 4., 5., 6., 7.], dtype=float32)
    """

    fraction: float | tuple[float, float] = param(
        Range(-1.0, 1.0, scalar="symmetric", example="(-0.2, 0.2)", draw=False), default=(-0.2, 0.2)
    )
    rollover: bool = param(Flag(), default=True)

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        # drawn as a fraction, traced in samples: the shift depends on the clip's length
        lo, hi = self._r.fraction
        n = sample["audio"].shape[-1]
        return {"shift": round(float(rng.uniform(lo, hi)) * n)}

    def apply_audio(self, audio: np.ndarray, sample_rate: int, shift: int, **_: Any) -> np.ndarray:
        return F.time_shift(audio, shift, self._r.rollover)


class Reverse(AudioTransform):
    """Play the clip backwards (audiomentations' ``Reverse``; the audio counterpart of a horizontal flip).

    Every channel's time axis is reversed. Nothing is drawn beyond ``p``.

    Parameters
    ----------
    @options call

    See Also
    --------
    TimeShift : moves the clip in time instead.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ma.audio.Reverse(p=1.0)(audio=np.array([1, 2, 3], np.float32), sample_rate=8000)["audio"]
    array([3., 2., 1.], dtype=float32)
    """

    is_random = False

    def apply_audio(self, audio: np.ndarray, sample_rate: int, **_: Any) -> np.ndarray:
        return F.reverse(audio)


class Padding(AudioTransform):
    """Replace a drawn fraction at the start or end of the clip by padding (audiomentations' ``Padding``).

    The length is kept: the padded part replaces audio. The fraction is drawn uniformly and
    traced as a number of samples (``round(fraction * length)``).

    Parameters
    ----------
    fraction : float or (float, float), default (0.01, 0.7)
        Range of the padded fraction of the clip, within [0, 1]; a scalar fixes it.
    mode : {"silence", "wrap", "reflect"}, default "silence"
        Zeros, or the kept part continued by ``np.pad``'s ``"wrap"`` / ``"reflect"``.
    pad_section : {"start", "end"}, default "end"
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.arange(1, 11, dtype=np.float32)
    >>> ma.audio.Padding(fraction=0.3, p=1.0)(audio=x, sample_rate=8000)["audio"]
    array([1., 2., 3., 4., 5., 6., 7., 0., 0., 0.], dtype=float32)
    """

    fraction: float | tuple[float, float] = param(
        Range(0.0, 1.0, scalar="fixed", example="(0.01, 0.7)", draw=False), default=(0.01, 0.7)
    )
    mode: str = param(Choice("silence", "wrap", "reflect"), default="silence")
    pad_section: str = param(Choice("start", "end"), default="end")
    _drawn = {"padding": Number(0, 2**31, integer=True)}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        # drawn as a fraction, traced in samples (like TimeShift); lo + (hi - lo) * u is what
        # rng.uniform(lo, hi) computes, bit for bit (see Range.draw), at a third of its cost
        lo, hi = self._r.fraction
        return {"padding": round((lo + (hi - lo) * rng.random()) * sample["audio"].shape[-1])}

    def apply_audio(self, audio: np.ndarray, sample_rate: int, padding: int, **_: Any) -> np.ndarray:
        return F.padding(audio, padding, self._r.mode, self._r.pad_section)
