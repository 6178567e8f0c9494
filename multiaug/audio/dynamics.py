"""Level and dynamics: ``Clipping``, ``BitCrush``, ``Normalize``, ``Limiter``, ``LoudnessNormalization``.

Parameters follow audiomentations' transforms of the same names (``Clipping`` is its
``ClippingDistortion``); every drawn value is traced under the parameter's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.params import Choice, Range, param
from .base import AudioTransform, first_integer
from .functional import dynamics as F

__all__ = ["BitCrush", "Clipping", "Limiter", "LoudnessNormalization", "Normalize"]


class Clipping(AudioTransform):
    """Clip a drawn percentage of the samples, half at each end (audiomentations' ``ClippingDistortion``).

    With ``percentile`` 30 drawn, samples below the 15th percentile or above the 85th
    (all channels pooled) are set to those percentiles: a hard-clipping distortion.

    Parameters
    ----------
    percentile : float or (float, float), default (0, 40)
        Range of the percentage of samples clipped, within [0, 100]; a scalar fixes it.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.linspace(-1, 1, 1001, dtype=np.float32)
    >>> y = ma.audio.Clipping(percentile=20, p=1.0)(audio=x, sample_rate=8000)["audio"]
    >>> round(float(np.mean(np.abs(y) >= 0.8)), 2)  # 10 % at each end
    0.2
    """

    percentile: float | tuple[float, float] = param(
        Range(0.0, 100.0, scalar="fixed", example="(0, 40)"), default=(0, 40)
    )

    def apply_audio(self, audio: np.ndarray, sample_rate: int, percentile: float, **_: Any) -> np.ndarray:
        return F.clipping(audio, percentile)


class BitCrush(AudioTransform):
    """Reduce the bit depth to a drawn number of bits (audiomentations' ``BitCrush``), without dither.

    Samples are rounded to the grid of signed ``bits``-bit PCM, multiples of
    ``2 ** (1 - bits)`` (``bits=8``: steps of 1/128). audiomentations uses steps of
    ``1 / (2 ** (bits - 1) + 1)``, slightly finer than the bit depth says.

    Parameters
    ----------
    bits : int or (int, int), default (5, 10)
        Range of the bit depth (both ends included), within [1, 32]; a scalar fixes it.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.array([0.1, 0.3, -0.74], np.float32)
    >>> ma.audio.BitCrush(bits=3, p=1.0)(audio=x, sample_rate=8000)["audio"].tolist()
    [0.0, 0.25, -0.75]
    """

    bits: int | tuple[int, int] = param(
        Range(1, 32, scalar="fixed", integer=True, example="(5, 10)"), default=(5, 10)
    )

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        # the default draw (rng.integers(lo, hi + 1)), written out: the same value, 1 us less per call
        lo, hi = self._r.bits
        return {"bits": first_integer(rng, lo, hi)}

    def apply_audio(self, audio: np.ndarray, sample_rate: int, bits: int, **_: Any) -> np.ndarray:
        return F.bit_crush(audio, bits)


class Normalize(AudioTransform):
    """Peak normalisation: scale the clip so that its largest ``|sample|`` is 1 (0 dBFS).

    As audiomentations' ``Normalize``: one gain for every channel; a silent clip is
    left as it is. Nothing is drawn beyond ``p``.

    Parameters
    ----------
    apply_to : {"all", "only_too_loud_sounds"}, default "all"
        ``"only_too_loud_sounds"`` leaves clips whose peak is below 1 unchanged.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.array([0.25, -0.5], np.float32)
    >>> ma.audio.Normalize(p=1.0)(audio=x, sample_rate=8000)["audio"].tolist()
    [0.5, -1.0]
    """

    is_random = False
    apply_to: str = param(Choice("all", "only_too_loud_sounds"), default="all")

    def apply_audio(self, audio: np.ndarray, sample_rate: int, **_: Any) -> np.ndarray:
        return F.normalize(audio, self._r.apply_to == "only_too_loud_sounds")


class Limiter(AudioTransform):
    """Look-ahead peak limiter at a drawn threshold; no output sample exceeds it (as audiomentations').

    Channels share one gain. The gain fades down over ``attack`` seconds before a
    peak (it reads ahead: nothing is delayed) and recovers at ``60 / release`` dB
    per second after it (``release`` is the time to recover 60 dB); see
    :func:`multiaug.audio.functional.dynamics.limiter` for why the bound is exact.

    Parameters
    ----------
    threshold_db : float or (float, float), default (-24, -2)
        Range of the threshold in dB, within [-100, 0]; relative to the clip's peak or
        to 1.0 (``threshold_mode``).
    attack : float or (float, float), default (0.0005, 0.025)
        Range of the attack (look-ahead) time in seconds, within [0, 1].
    release : float or (float, float), default (0.05, 0.7)
        Range of the release time in seconds, within [0.001, 10].
    threshold_mode : {"relative_to_signal_peak", "absolute"}, default "relative_to_signal_peak"
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.sin(np.arange(8000, dtype=np.float32) / 5)
    >>> t = ma.audio.Limiter(threshold_db=-6, threshold_mode="absolute", p=1.0)
    >>> bool(np.abs(t(audio=x, sample_rate=8000)["audio"]).max() <= 10 ** (-6 / 20))
    True
    """

    threshold_db: float | tuple[float, float] = param(
        Range(-100.0, 0.0, scalar="fixed", example="(-24, -2)"), default=(-24, -2)
    )
    attack: float | tuple[float, float] = param(
        Range(0.0, 1.0, scalar="fixed", example="(0.0005, 0.025)"), default=(0.0005, 0.025)
    )
    release: float | tuple[float, float] = param(
        Range(0.001, 10.0, scalar="fixed", example="(0.05, 0.7)"), default=(0.05, 0.7)
    )
    threshold_mode: str = param(
        Choice("relative_to_signal_peak", "absolute"), default="relative_to_signal_peak"
    )

    def apply_audio(
        self,
        audio: np.ndarray,
        sample_rate: int,
        threshold_db: float,
        attack: float,
        release: float,
        **_: Any,
    ) -> np.ndarray:
        relative = self._r.threshold_mode == "relative_to_signal_peak"
        return F.limiter(audio, sample_rate, 10.0 ** (threshold_db / 20.0), attack, release, relative)


class LoudnessNormalization(AudioTransform):
    """Scale the clip to a drawn integrated loudness in LUFS (ITU-R BS.1770-4), as audiomentations.

    The loudness meter is multiaug's own (K-weighting, 400 ms blocks, -70 LKFS and
    relative gates: :func:`multiaug.audio.functional.dynamics.integrated_loudness`),
    within 0.25 LU of pyloudnorm on the test signals. One gain for every channel;
    the output is not clipped; a clip below the -70 LKFS gate (silence) is left
    unchanged.

    Parameters
    ----------
    lufs : float or (float, float), default (-31, -13)
        Range of the target loudness in LUFS, within [-70, 0]; a scalar fixes it.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> from multiaug.audio.functional.dynamics import integrated_loudness
    >>> x = np.sin(np.arange(16000, dtype=np.float32) / 3) * 0.01
    >>> y = ma.audio.LoudnessNormalization(lufs=-20, p=1.0)(audio=x, sample_rate=16000)["audio"]
    >>> round(integrated_loudness(y, 16000), 2)
    -20.0
    """

    lufs: float | tuple[float, float] = param(
        Range(-70.0, 0.0, scalar="fixed", example="(-31, -13)"), default=(-31, -13)
    )

    def apply_audio(self, audio: np.ndarray, sample_rate: int, lufs: float, **_: Any) -> np.ndarray:
        return F.loudness_normalization(audio, sample_rate, lufs)
