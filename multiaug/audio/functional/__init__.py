"""Pure audio kernels, one module per family (``stretch``, ``noise``, ``spectral``, ``waveform``).

Kernels are plain functions of arrays and numbers: no randomness beyond a
seed they are handed, no sample dicts, no validation; the transform classes
draw parameters and validate. Waveforms are handled as 2-D ``(channels,
samples)`` arrays (:func:`as_channels` / :func:`restore`), and every kernel
applies the same operation to all channels. Only NumPy and soxr are used: no
librosa or numba, so the first call of a kernel in a fresh process costs
milliseconds, not the seconds of a JIT compilation.
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_channels", "restore"]


def as_channels(audio: np.ndarray) -> np.ndarray:
    """``audio`` as a 2-D ``(channels, samples)`` view (mono becomes one channel)."""
    return audio[np.newaxis] if audio.ndim == 1 else audio


def restore(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``out`` (2-D) back in the layout of ``like`` (1-D mono stays 1-D), as C-contiguous float32."""
    out = out[0] if like.ndim == 1 else out
    return np.ascontiguousarray(out, dtype=np.float32)
