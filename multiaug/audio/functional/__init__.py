"""Pure audio kernels, one module per family: ``waveform``, ``noise``, ``stretch``, ``masking``, ``spectral``,
``filters``, ``dynamics``, ``codecs``, ``room``.

Kernels are plain functions of arrays and numbers, named like the transform
they serve (``gain`` for :class:`~multiaug.audio.Gain`, ``time_shift`` for
:class:`~multiaug.audio.TimeShift`...): no randomness beyond a seed they are
handed, no sample dicts, no validation; the transform classes draw parameters
and validate. Kernels that work on whole channels are written for 2-D
``(channels, samples)`` arrays and wrapped by :func:`channelwise`, the one place
that turns mono into one channel and back; every kernel applies the same
operation to all channels. Only NumPy, soxr and SciPy (``filters``) are used: no librosa or numba,
so the first call of a kernel in a fresh process costs milliseconds, not the
seconds of a JIT compilation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec

import numpy as np

__all__ = ["as_channels", "channelwise", "fit_length", "restore"]

P = ParamSpec("P")


def as_channels(audio: np.ndarray) -> np.ndarray:
    """``audio`` as a 2-D ``(channels, samples)`` view (mono becomes one channel)."""
    return audio[np.newaxis] if audio.ndim == 1 else audio


def restore(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``out`` (leading channel axis) back in the layout of ``like`` (mono drops it), C-contiguous float32."""
    out = out[0] if like.ndim == 1 else out
    return np.ascontiguousarray(out, dtype=np.float32)


def channelwise(
    kernel: Callable[Concatenate[np.ndarray, P], np.ndarray],
) -> Callable[Concatenate[np.ndarray, P], np.ndarray]:
    """Let a kernel written for ``(channels, samples)`` take mono ``(samples,)`` audio as well.

    The wrapped kernel receives a 2-D view (mono as one channel) and returns an
    array whose leading axis holds the channels (``(channels, samples)``, or
    ``(channels, ...)`` for features); the result comes back in the input's
    layout (mono: the channel axis dropped) as C-contiguous float32.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional import channelwise
    >>> @channelwise
    ... def first_half(x):
    ...     return x[:, : x.shape[1] // 2]
    >>> first_half(np.arange(4, dtype=np.float32)), first_half(np.zeros((2, 4), np.float32)).shape
    (array([0., 1.], dtype=float32), (2, 2))
    """

    @functools.wraps(kernel)
    def run(audio: np.ndarray, /, *args: P.args, **kwargs: P.kwargs) -> np.ndarray:
        return restore(kernel(as_channels(audio), *args, **kwargs), audio)

    return run


def fit_length(audio: np.ndarray, n: int) -> np.ndarray:
    """``audio`` cut or zero-padded at the end to ``n`` samples (the ``keep_length`` option).

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional import fit_length
    >>> fit_length(np.ones(3, np.float32), 5), fit_length(np.ones((2, 3), np.float32), 2).shape
    (array([1., 1., 1., 0., 0.], dtype=float32), (2, 2))
    """
    have = audio.shape[-1]
    if have >= n:
        return np.ascontiguousarray(audio[..., :n])
    pad = [(0, 0)] * (audio.ndim - 1) + [(0, n - have)]
    return np.pad(audio, pad)
