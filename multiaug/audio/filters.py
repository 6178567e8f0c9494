"""Filters: Butterworth ``LowPassFilter``, ``HighPassFilter``, ``BandPassFilter``, ``BandStopFilter``;
RBJ biquads ``PeakingFilter``, ``LowShelfFilter``, ``HighShelfFilter``.

Parameters follow audiomentations' filters: frequencies are drawn uniformly on
the mel scale (``2595 * log10(1 + f / 700)``) between the range's ends, the
slope ``rolloff`` in dB/octave uniformly among the multiples of 6 in its range
(12 with ``zero_phase``). Unlike audiomentations, the response at the drawn
cutoff (each band edge) is -3 dB with ``zero_phase`` too. A band edge at or
above the clip's Nyquist frequency is the Nyquist frequency (that side of the
filter does nothing): any sample rate is accepted. The trace records the
drawn frequencies and ``rolloff``.

The biquads are the Audio EQ Cookbook's (R. Bristow-Johnson) with audiomentations' parameters:
centre drawn on the mel scale, ``gain_db`` and ``q`` uniformly; traced as ``center_hz``,
``gain_db``, ``q``. They start in the steady state of the first sample, as the Butterworth ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Flag, Options, Range, param
from .base import AudioTransform
from .functional import filters as F

__all__ = [
    "BandPassFilter",
    "BandStopFilter",
    "HighPassFilter",
    "HighShelfFilter",
    "LowPassFilter",
    "LowShelfFilter",
    "PeakingFilter",
]

_HZ = Range(1.0, 768_000.0, scalar="fixed", example="(150, 7500)", draw=False)
#: ``rolloff`` and ``zero_phase`` of the four filters (``@options butterworth`` in a docstring).
BUTTERWORTH = Options(
    "butterworth",
    {
        "rolloff": (
            Range(6, 96, scalar="fixed", integer=True, example="(12, 24)", draw=False),
            """
            rolloff : int or (int, int), default (12, 24)
                Range of the stop-band slope in dB/octave (at each edge), multiples of 6 (of 12 with
                ``zero_phase``), within [6, 96]; the Butterworth order is ``rolloff / 6``.
            """,
        ),
        "zero_phase": (
            Flag(),
            """
            zero_phase : bool, default False
                Filter forward and backward (``sosfiltfilt``) with half the order: the same slope and
                -3 dB points, no delay, about twice the filtering cost.
            """,
        ),
    },
)
#: ``center_hz`` and ``bandwidth_fraction`` of the band filters (``@options band``).
BAND = Options(
    "band",
    {
        "center_hz": (
            _HZ,
            """
            center_hz : float or (float, float), default (200, 4000)
                Range of the centre in Hz (drawn uniformly on the mel scale), within [1, 768000].
            """,
        ),
        "bandwidth_fraction": (
            Range(0.01, 1.99, scalar="fixed", example="(0.5, 1.99)", draw=False),
            """
            bandwidth_fraction : float or (float, float), default (0.5, 1.99)
                Range of the bandwidth relative to the centre (drawn uniformly), within [0.01, 1.99];
                the band is ``center_hz * (1 -+ bandwidth_fraction / 2)``, -3 dB at both edges.
            """,
        ),
    },
)
_ROLLOFF = BUTTERWORTH.specs["rolloff"]
_FLAG = BUTTERWORTH.specs["zero_phase"]


def _mel(f: float) -> float:
    return 2595.0 * math.log10(1.0 + f / 700.0)


def _draw_hz(rng: np.random.Generator, lo: float, hi: float) -> float:
    """A frequency drawn uniformly on the mel scale in ``[lo, hi]``."""
    hz = 700.0 * (10.0 ** (rng.uniform(_mel(lo), _mel(hi)) / 2595.0) - 1.0)
    return min(max(hz, lo), hi)  # rounding must not leave the range (replay bounds)


class _Butterworth(AudioTransform):
    """Shared ``rolloff`` / ``zero_phase`` options and the rolloff draw."""

    _abstract = True

    def _finalize(self, r: Any) -> None:
        step = 12 if r.zero_phase else 6
        for end in r.rolloff:
            if end % step:
                why = " with zero_phase=True" if r.zero_phase else ""
                raise InvalidInputError(
                    self.name,
                    "rolloff",
                    f"({r.rolloff}) must hold multiples of {step} dB/octave{why}",
                    f"pass rolloff=({step}, {4 * step}) or another range whose ends are multiples of {step}",
                )

    def _draw_rolloff(self, rng: np.random.Generator) -> int:
        step = 12 if self._r.zero_phase else 6
        lo, hi = self._r.rolloff
        return step * int(rng.integers(lo // step, hi // step + 1))


class _OneSided(_Butterworth):
    _abstract = True

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        return {"cutoff_hz": _draw_hz(rng, *self._r.cutoff_hz), "rolloff": self._draw_rolloff(rng)}


class _TwoSided(_Butterworth):
    _abstract = True
    _kind: ClassVar[str]
    center_hz: float | tuple[float, float] = param(BAND.specs["center_hz"], default=(200, 4000))
    bandwidth_fraction: float | tuple[float, float] = param(
        BAND.specs["bandwidth_fraction"], default=(0.5, 1.99)
    )
    rolloff: int | tuple[int, int] = param(_ROLLOFF, default=(12, 24))
    zero_phase: bool = param(_FLAG, default=False)

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        center = _draw_hz(rng, *self._r.center_hz)
        lo, hi = self._r.bandwidth_fraction
        return {
            "center_hz": center,
            "bandwidth_fraction": lo + (hi - lo) * float(rng.random()),
            "rolloff": self._draw_rolloff(rng),
        }

    def apply_audio(
        self,
        audio: np.ndarray,
        sample_rate: int,
        center_hz: float,
        bandwidth_fraction: float,
        rolloff: int,
        **_: Any,
    ) -> np.ndarray:
        kernel = F.band_pass_filter if self._kind == "bandpass" else F.band_stop_filter
        return kernel(audio, sample_rate, center_hz, bandwidth_fraction, rolloff, self._r.zero_phase)


class LowPassFilter(_OneSided):
    """Butterworth low-pass at a cutoff drawn per call (audiomentations' ``LowPassFilter``).

    Parameters
    ----------
    cutoff_hz : float or (float, float), default (150, 7500)
        Range of the cutoff in Hz (drawn uniformly on the mel scale), within
        [1, 768000]; a scalar fixes it. The response there is -3 dB; a cutoff at
        or above the Nyquist frequency leaves the clip unchanged.
    @options butterworth
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> t = np.arange(16000) / 16000
    >>> x = np.sin(2 * np.pi * 4000 * t).astype(np.float32)
    >>> out = ma.audio.LowPassFilter(cutoff_hz=1000, p=1.0)(audio=x, sample_rate=16000, key=0)["audio"]
    >>> bool(np.abs(out[2000:]).max() < 0.05)
    True
    """

    cutoff_hz: float | tuple[float, float] = param(_HZ, default=(150, 7500))
    rolloff: int | tuple[int, int] = param(_ROLLOFF, default=(12, 24))
    zero_phase: bool = param(_FLAG, default=False)

    def apply_audio(
        self, audio: np.ndarray, sample_rate: int, cutoff_hz: float, rolloff: int, **_: Any
    ) -> np.ndarray:
        return F.low_pass_filter(audio, sample_rate, cutoff_hz, rolloff, self._r.zero_phase)


class HighPassFilter(_OneSided):
    """Butterworth high-pass at a cutoff drawn per call (audiomentations' ``HighPassFilter``).

    Parameters
    ----------
    cutoff_hz : float or (float, float), default (20, 2400)
        Range of the cutoff in Hz (drawn uniformly on the mel scale), within
        [1, 768000]; a scalar fixes it. The response there is -3 dB; a cutoff at
        or above the Nyquist frequency gives silence.
    @options butterworth
    @options call
    """

    cutoff_hz: float | tuple[float, float] = param(_HZ, default=(20, 2400))
    rolloff: int | tuple[int, int] = param(_ROLLOFF, default=(12, 24))
    zero_phase: bool = param(_FLAG, default=False)

    def apply_audio(
        self, audio: np.ndarray, sample_rate: int, cutoff_hz: float, rolloff: int, **_: Any
    ) -> np.ndarray:
        return F.high_pass_filter(audio, sample_rate, cutoff_hz, rolloff, self._r.zero_phase)


class BandPassFilter(_TwoSided):
    """Butterworth band-pass around a centre drawn per call (audiomentations' ``BandPassFilter``).

    An upper edge at or above the Nyquist frequency makes it a high-pass at the lower edge.

    Parameters
    ----------
    @options band
    @options butterworth
    @options call
    """

    _kind = "bandpass"


class BandStopFilter(_TwoSided):
    """Butterworth band-stop around a centre drawn per call (audiomentations' ``BandStopFilter``).

    The band is removed; an upper edge at or above the Nyquist frequency makes it a low-pass
    at the lower edge.

    Parameters
    ----------
    @options band
    @options butterworth
    @options call
    """

    _kind = "bandstop"


_GAIN_DOC = "Range of the gain in dB (drawn uniformly), within [-60, 60]; a scalar ``g`` means ``(-g, g)``."
_Q = Range(0.05, 20.0, scalar="fixed", example="(0.5, 5)", draw=False)


class _Biquad(AudioTransform):
    """Shared draw of the RBJ filters: centre on the mel scale, then gain and Q uniformly."""

    _abstract = True
    _kernel: ClassVar[str]

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        center = _draw_hz(rng, *self._r.center_hz)
        (g_lo, g_hi), (q_lo, q_hi) = self._r.gain_db, self._r.q
        return {
            "center_hz": center,
            "gain_db": g_lo + (g_hi - g_lo) * float(rng.random()),
            "q": q_lo + (q_hi - q_lo) * float(rng.random()),
        }

    def apply_audio(
        self, audio: np.ndarray, sample_rate: int, center_hz: float, gain_db: float, q: float, **_: Any
    ) -> np.ndarray:
        return getattr(F, self._kernel)(audio, sample_rate, center_hz, gain_db, q)


_GAIN = Range(-60.0, 60.0, scalar="symmetric", example="(-18, 18)", draw=False)
#: ``gain_db`` and ``q`` of the shelf filters (``@options shelf``).
SHELF = Options(
    "shelf",
    {
        "gain_db": (
            _GAIN,
            """
            gain_db : float or (float, float), default (-18, 18)
                Range of the shelf's gain in dB (drawn uniformly), within [-60, 60]; a scalar ``g``
                means ``(-g, g)``.
            """,
        ),
        "q": (
            _Q,
            """
            q : float or (float, float), default (0.1, 0.999)
                Range of the shelf's slope Q (drawn uniformly), within [0.05, 20]; above 0.707 the
                response overshoots near the corner.
            """,
        ),
    },
)


def _gain(default: tuple[float, float]) -> Any:
    return param(_GAIN, default=default)


class PeakingFilter(_Biquad):
    """Boost or cut a band around a centre drawn per call (RBJ peaking EQ, as audiomentations').

    The response is exactly ``gain_db`` at ``center_hz`` and 0 dB far from it; ``q`` sets the
    width (bandwidth about ``center_hz / q``). A centre at or above the Nyquist frequency
    leaves the clip unchanged.

    Parameters
    ----------
    center_hz : float or (float, float), default (50, 7500)
        Range of the centre in Hz (drawn uniformly on the mel scale), within [1, 768000].
    gain_db : float or (float, float), default (-24, 24)
        Range of the gain in dB (drawn uniformly), within [-60, 60]; a scalar ``g`` means ``(-g, g)``.
    q : float or (float, float), default (0.5, 5)
        Range of the quality factor (drawn uniformly), within [0.05, 20].
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000).astype(np.float32)
    >>> t = ma.audio.PeakingFilter(center_hz=1000, gain_db=(-12, -12), q=2, p=1.0)
    >>> y = t(audio=x, sample_rate=16000)["audio"]
    >>> round(float(20 * np.log10(np.abs(y[8000:]).max())), 1)  # -12 dB at the centre
    -12.0
    """

    _kernel = "peaking_filter"
    center_hz: float | tuple[float, float] = param(_HZ, default=(50, 7500))
    gain_db: float | tuple[float, float] = _gain((-24, 24))
    q: float | tuple[float, float] = param(_Q, default=(0.5, 5))


class _Shelf(_Biquad):
    """The shelves' gain and slope (``@options shelf``); each shelf declares its own ``center_hz`` range."""

    _abstract = True
    center_hz: float | tuple[float, float] = param(_HZ, default=(50, 4000))
    gain_db: float | tuple[float, float] = _gain((-18, 18))
    q: float | tuple[float, float] = param(_Q, default=(0.1, 0.999))


class LowShelfFilter(_Shelf):
    """Boost or cut everything below a corner drawn per call (RBJ low shelf, as audiomentations').

    The response is ``gain_db`` at DC, ``gain_db / 2`` at ``center_hz`` and 0 dB far above it.
    A centre at or above the Nyquist frequency applies ``gain_db`` to the whole clip.

    Parameters
    ----------
    center_hz : float or (float, float), default (50, 4000)
        Range of the corner in Hz (drawn uniformly on the mel scale), within [1, 768000].
    @options shelf
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> hum = np.sin(np.arange(16000) * (2 * np.pi * 50 / 16000)).astype(np.float32)  # 50 Hz
    >>> out = ma.audio.LowShelfFilter(400, (-12, -12), 0.7, p=1.0)(audio=hum, sample_rate=16000)["audio"]
    >>> print(f"{20 * np.log10(np.abs(out[8000:]).max()):.1f} dB")  # the full shelf gain far below 400 Hz
    -12.0 dB
    """

    _kernel = "low_shelf_filter"


class HighShelfFilter(_Shelf):
    """Boost or cut everything above a corner drawn per call (RBJ high shelf, as audiomentations').

    The response is ``gain_db`` at the Nyquist frequency, ``gain_db / 2`` at ``center_hz`` and
    0 dB far below it.

    Parameters
    ----------
    center_hz : float or (float, float), default (300, 7500)
        Range of the corner in Hz (drawn uniformly on the mel scale), within [1, 768000]; a
        corner at or above the Nyquist frequency leaves the clip unchanged.
    @options shelf
    @options call
    """

    _kernel = "high_shelf_filter"
    center_hz: float | tuple[float, float] = param(_HZ, default=(300, 7500))
