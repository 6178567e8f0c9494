"""Simple waveform and spectrogram edits: gain, circular or zero-filled shift, masks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["apply_gain", "mask_spans", "shift"]


def apply_gain(audio: np.ndarray, db: float) -> np.ndarray:
    """``audio`` scaled by ``db`` decibels (amplitude factor ``10 ** (db / 20)``), float32, unclipped.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.waveform import apply_gain
    >>> apply_gain(np.array([0.1, -0.2], np.float32), 20.0)
    array([ 1., -2.], dtype=float32)
    """
    return np.ascontiguousarray(audio * (10.0 ** (db / 20.0)), dtype=np.float32)


def shift(audio: np.ndarray, samples: int, rollover: bool) -> np.ndarray:
    """Shift ``audio`` later in time by ``samples`` (negative: earlier) along its last axis.

    With ``rollover`` what leaves one end comes back at the other (``np.roll``);
    otherwise the vacated samples are silence.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.waveform import shift
    >>> x = np.arange(1, 6, dtype=np.float32)
    >>> shift(x, 2, True), shift(x, -2, False)
    (array([4., 5., 1., 2., 3.], dtype=float32), array([3., 4., 5., 0., 0.], dtype=float32))
    """
    if rollover:
        return np.ascontiguousarray(np.roll(audio, samples, axis=-1))
    out = np.zeros(audio.shape, audio.dtype)  # C order whatever the input's layout
    n = audio.shape[-1]
    if samples >= 0:
        out[..., samples:] = audio[..., : max(0, n - samples)]
    else:
        out[..., : n + samples] = audio[..., -samples:]
    return out


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
    >>> from multiaug.audio.functional.waveform import mask_spans
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
