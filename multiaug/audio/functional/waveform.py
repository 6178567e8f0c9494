"""Waveform kernels of level, sign and position: ``gain``, ``polarity_inversion``, ``time_shift``."""

from __future__ import annotations

import numpy as np

__all__ = ["gain", "polarity_inversion", "time_shift"]


def gain(audio: np.ndarray, db: float) -> np.ndarray:
    """``audio`` scaled by ``db`` decibels (amplitude factor ``10 ** (db / 20)``), float32, unclipped.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.waveform import gain
    >>> gain(np.array([0.1, -0.2], np.float32), 20.0)
    array([ 1., -2.], dtype=float32)
    """
    return np.ascontiguousarray(audio * (10.0 ** (db / 20.0)), dtype=np.float32)


def polarity_inversion(audio: np.ndarray) -> np.ndarray:
    """``audio`` multiplied by -1 (every sample's sign flipped), C-contiguous float32.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.waveform import polarity_inversion
    >>> polarity_inversion(np.array([0.5, -0.25, 1.0], np.float32))
    array([-0.5 ,  0.25, -1.  ], dtype=float32)
    """
    return np.ascontiguousarray(np.negative(audio), dtype=np.float32)


def time_shift(audio: np.ndarray, samples: int, rollover: bool) -> np.ndarray:
    """Shift ``audio`` later in time by ``samples`` (negative: earlier) along its last axis.

    With ``rollover`` what leaves one end comes back at the other (``np.roll``);
    otherwise the vacated samples are silence.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.waveform import time_shift
    >>> x = np.arange(1, 6, dtype=np.float32)
    >>> time_shift(x, 2, True), time_shift(x, -2, False)
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
