"""SpecAugment mask kernels: ``time_mask`` (waveform or spectrogram) and ``frequency_mask``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["frequency_mask", "mask_spans", "time_mask"]


def mask_spans(
    array: np.ndarray, axis: int, spans: Sequence[Sequence[int]], fill: float | str, channels: bool = False
) -> np.ndarray:
    """A copy of ``array`` with each ``(start, width)`` span along ``axis`` set to ``fill``.

    ``fill="mean"`` uses the mean of the input (before masking): per channel
    when ``channels`` says the leading axis holds channels, over the whole
    array otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.masking import mask_spans
    >>> mask_spans(np.arange(6, dtype=np.float32), -1, [(1, 2)], 0.0)
    array([0., 0., 0., 3., 4., 5.], dtype=float32)
    """
    out = array.copy()
    value: np.ndarray
    if isinstance(fill, str):
        if channels:
            means = array.reshape(array.shape[0], -1).mean(axis=1, dtype=np.float64)
            value = means.reshape((-1,) + (1,) * (array.ndim - 1)).astype(np.float32)
        else:
            value = np.asarray(array.mean(dtype=np.float64), dtype=np.float32)
    else:
        value = np.asarray(fill, dtype=np.float32)
    moved = np.moveaxis(out, axis, -1)  # a view: writing to it writes to out
    for start, width in spans:
        moved[..., start : start + width] = value
    return out


def time_mask(
    array: np.ndarray, spans: Sequence[Sequence[int]], fill: float | str, channels: bool
) -> np.ndarray:
    """Mask ``(start, width)`` stretches of the last (time) axis: spectrogram frames or waveform samples.

    ``channels``: whether the leading axis holds channels (``fill="mean"`` is then per channel).
    """
    return mask_spans(array, -1, spans, fill, channels=channels)


def frequency_mask(spectrogram: np.ndarray, spans: Sequence[Sequence[int]], fill: float | str) -> np.ndarray:
    """Mask ``(start, width)`` bands of frequency rows of a ``(F, T)`` or ``(C, F, T)`` spectrogram."""
    return mask_spans(spectrogram, -2, spans, fill, channels=spectrogram.ndim == 3)
