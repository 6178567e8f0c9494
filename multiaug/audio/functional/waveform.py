"""Waveform kernels of level, sign and position: ``gain``, ``polarity_inversion``, ``time_shift``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["gain", "padding", "polarity_inversion", "reverse", "time_shift"]


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


def reverse(audio: np.ndarray) -> np.ndarray:
    """``audio`` played backwards (time axis reversed), C-contiguous float32.

    With OpenCV installed (the ``image`` extra; imported on the first call), a C-contiguous
    float32 clip is reversed by ``cv2.flip``, a vectorised copy at about the speed of a forward
    one; NumPy's negative-stride copy, the fallback, moves one sample at a time (3-4x slower).
    Both move the same bytes.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.waveform import reverse
    >>> reverse(np.array([[1, 2, 3], [4, 5, 6]], np.float32))
    array([[3., 2., 1.],
           [6., 5., 4.]], dtype=float32)
    """
    flip = _FLIP[0] if _FLIP else _opencv_flip()
    if (
        flip is not None
        and audio.dtype is _F32
        and audio.flags.c_contiguous
        and 0 < audio.size
        and 1 <= audio.ndim <= 2
        and audio.shape[-1] < _CV_MAX
    ):
        # a (1, n) or (channels, n) matrix flipped around its vertical axis (flipCode 1)
        return flip(audio.reshape(1, -1) if audio.ndim == 1 else audio, 1).reshape(audio.shape)
    return reverse_numpy(audio)


def reverse_numpy(audio: np.ndarray) -> np.ndarray:
    """:func:`reverse` without OpenCV: a negative-stride copy (any layout, any dimensions)."""
    return np.ascontiguousarray(audio[..., ::-1], dtype=np.float32)


_F32 = np.dtype(np.float32)
#: OpenCV's matrix sizes are ints: longer rows take NumPy's path.
_CV_MAX = 2**31 - 1
#: ``[cv2.flip]`` or ``[None]`` (no OpenCV) once looked up; empty before the first call.
_FLIP: list[Callable[..., np.ndarray] | None] = []


def _opencv_flip() -> Callable[..., np.ndarray] | None:
    try:
        import cv2
    except ImportError:  # the audio extra alone: NumPy's copy
        _FLIP.append(None)
    else:
        _FLIP.append(cv2.flip)
    return _FLIP[0]


def padding(audio: np.ndarray, samples: int, mode: str, section: str) -> np.ndarray:
    """Replace the first (``section="start"``) or last ``samples`` samples by padding; length kept.

    ``mode`` is ``"silence"`` (zeros) or ``"wrap"`` / ``"reflect"`` (``np.pad``'s modes,
    extending the part kept). When nothing is kept, every mode gives silence.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.waveform import padding
    >>> x = np.arange(1, 7, dtype=np.float32)
    >>> padding(x, 2, "silence", "end"), padding(x, 2, "reflect", "start")
    (array([1., 2., 3., 4., 0., 0.], dtype=float32), array([5., 4., 3., 4., 5., 6.], dtype=float32))
    """
    n = audio.shape[-1]
    samples = min(max(samples, 0), n)
    if samples == 0:
        return np.array(audio, np.float32, order="C")
    cut = samples if section == "start" else n - samples
    kept, padded = (
        (slice(cut, None), slice(None, cut)) if section == "start" else (slice(cut), slice(cut, None))
    )
    if mode == "silence" or samples == n:
        out = np.empty(audio.shape, np.float32)  # every sample written once: the kept part, then zeros
        if audio.ndim == 1:  # plain slices: a third cheaper to index than (..., slice)
            out[kept] = audio[kept]
            out[padded] = 0.0
        else:
            out[..., kept] = audio[..., kept]
            out[..., padded] = 0.0
        return out
    width = [(0, 0)] * (audio.ndim - 1) + [(samples, 0) if section == "start" else (0, samples)]
    padded_out = np.pad(audio[..., kept], width, "wrap" if mode == "wrap" else "reflect")
    return np.ascontiguousarray(padded_out, dtype=np.float32)
