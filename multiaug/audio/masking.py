"""Masking (SpecAugment, Park et al. 2019): ``TimeMask`` on a waveform or spectrogram, ``FrequencyMask``.

One ``TimeMask`` class serves both: it masks the ``spectrogram`` when the
sample has one and the waveform ``audio`` otherwise (``target="auto"``), so
``Compose([MelSpectrogram(), FrequencyMask(), TimeMask()])`` is SpecAugment and
``TimeMask()`` on a clip silences a stretch of it. ``target`` forces either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Choice, Number, Options, Probability, Range, param
from ..core.transform import Sample, Transform
from .base import Fill, SpectrogramTransform, c_float32, spectrogram_of
from .functional import masking as F

__all__ = ["FrequencyMask", "TimeMask"]

# drawn by _draw_spans (widths and counts per call, from the sample's length), not by name
_FRACTION = Range(0.0, 1.0, scalar="upper", example="(0.0, 0.1)", draw=False)
#: ``masks`` and ``fill`` of both masks (``@options spec_masks`` in a docstring).
MASKS = Options(
    "spec_masks",
    {
        "masks": (
            Range(0, 64, integer=True, example="(1, 2)", draw=False),
            """
            masks : int or (int, int), default 1
                Number of masks, or an inclusive range drawn per call (0 to 64); masks may overlap.
            """,
        ),
        "fill": (
            Fill(),
            """
            fill : float or "mean", default "mean"
                Value of the masked cells; ``"mean"``: the masked array's mean per channel, which is
                neutral for log-mel features (unlike 0 dB) and silence, up to a DC offset, on a waveform.
            """,
        ),
    },
)


def _draw_spans(
    rng: np.random.Generator, length: int, fraction: tuple[float, float], masks: tuple[int, int]
) -> list[list[int]]:
    """``[start, width]`` of each mask: widths ``round(u * length)``, starts uniform where it fits."""
    count = int(rng.integers(masks[0], masks[1] + 1))
    spans = []
    for _ in range(count):
        width = min(length, round(float(rng.uniform(*fraction)) * length))
        start = int(rng.integers(0, length - width + 1))
        spans.append([start, width])
    return spans


class FrequencyMask(SpectrogramTransform):
    """Set random bands of frequency rows of the ``spectrogram`` to a fill value (SpecAugment).

    Each of the ``masks`` bands is ``round(u * F)`` rows wide for ``u`` drawn
    from ``fraction`` and ``F`` the number of frequency rows, at a uniform
    position; bands may overlap. Multi-channel spectrograms ``(C, F, T)`` get
    the same bands in every channel. SpecAugment's LibriSpeech policy
    (``F = 27`` of 80 mel bands, two masks) is ``fraction=(0, 27 / 80), masks=2``.

    The spectrogram may be made earlier in the same pipeline by
    :class:`MelSpectrogram`; the input must hold a ``spectrogram`` or ``audio``.

    Parameters
    ----------
    fraction : float or (float, float), default (0.0, 0.15)
        Range of each band's width as a fraction of the rows; a scalar ``f`` means ``(0, f)``.
    @options spec_masks
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> spec = np.ones((8, 5), np.float32)
    >>> out = ma.audio.FrequencyMask(fraction=(0.5, 0.5), fill=0.0, p=1.0, seed=1)(spectrogram=spec)
    >>> int((out["spectrogram"] == 0).all(axis=1).sum())
    4
    """

    fraction: float | tuple[float, float] = param(_FRACTION, default=(0.0, 0.15))
    masks: int | tuple[int, int] = param(MASKS.specs["masks"], default=1)
    fill: float | str = param(MASKS.specs["fill"], default="mean")
    _drawn = {"spans": Number(0, 2**62, integer=True)}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        rows = spectrogram_of(self.name, sample).shape[-2]
        return {"spans": _draw_spans(rng, rows, self._r.fraction, self._r.masks)}

    def apply_spectrogram(self, spectrogram: np.ndarray, spans: list[list[int]], **_: Any) -> np.ndarray:
        return F.frequency_mask(spectrogram, spans, self._r.fill)


class TimeMask(Transform):
    """Set random stretches of time to a fill value: spectrogram frames, or waveform samples.

    Each of the ``masks`` stretches is ``round(u * T)`` long for ``u`` drawn from
    ``fraction`` and ``T`` the number of frames (or samples), at a uniform
    position; stretches may overlap. All channels get the same stretches.
    SpecAugment's ``T = 100`` frames is ``fraction=(0, 100 / frames)``.

    Parameters
    ----------
    fraction : float or (float, float), default (0.0, 0.1)
        Range of each stretch's length as a fraction of the whole; a scalar ``f`` means ``(0, f)``.
    @options spec_masks
    target : {"auto", "spectrogram", "audio"}, default "auto"
        What to mask: ``"auto"`` masks the ``spectrogram`` when the sample has one
        (e.g. made by :class:`MelSpectrogram` earlier in the pipeline) and the
        waveform ``audio`` otherwise.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> audio = np.ones(100, np.float32)
    >>> t = ma.audio.TimeMask(fraction=(0.2, 0.2), fill=0.0, p=1.0, seed=3)
    >>> out = t(audio=audio, sample_rate=8000, trace=True)
    >>> int((out["audio"] == 0).sum()), out["trace"][0]["params"]["target"]
    (20, 'audio')
    """

    modality = "audio"
    fields: ClassVar[tuple[str, ...]] = ("audio", "sample_rate", "spectrogram")
    _drawn = {"spans": Number(0, 2**62, integer=True)}
    fraction: float | tuple[float, float] = param(_FRACTION, default=(0.0, 0.1))
    masks: int | tuple[int, int] = param(MASKS.specs["masks"], default=1)
    fill: float | str = param(MASKS.specs["fill"], default="mean")
    target: str = param(Choice("auto", "spectrogram", "audio"), default="auto")
    p: float = param(Probability(), default=0.5, kw_only=True)

    def check(self, sample: Mapping[str, Any]) -> None:
        target = self._r.target
        if target == "audio" and "audio" not in sample:
            raise InvalidInputError(
                self.name, "audio", "is missing from the sample (target='audio')", "call it with audio=..."
            )
        if "spectrogram" not in sample and "audio" not in sample:
            spectrogram_of(self.name, sample)

    def _target(self, sample: Mapping[str, Any]) -> str:
        target: str = self._r.target
        if target == "auto":
            return "spectrogram" if "spectrogram" in sample else "audio"
        return target

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        super().check_params(params, sample)
        if params["target"] != self._target(sample):
            raise InvalidInputError(
                self.name,
                "params.target",
                f"is {params['target']!r:.40}, but this sample's target is {self._target(sample)!r}",
                "replay the trace on a sample with the same fields",
            )

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        target = self._target(sample)
        data = spectrogram_of(self.name, sample) if target == "spectrogram" else sample["audio"]
        return {"target": target, "spans": _draw_spans(rng, data.shape[-1], self._r.fraction, self._r.masks)}

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        target = params["target"]
        data = spectrogram_of(self.name, sample) if target == "spectrogram" else sample["audio"]
        channels = data.ndim == (3 if target == "spectrogram" else 2)
        out = dict(sample)
        out[target] = c_float32(F.time_mask(data, params["spans"], self._r.fill, channels))
        return out
