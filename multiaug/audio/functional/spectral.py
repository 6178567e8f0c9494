"""Spectrogram kernels: STFT power and mel spectrograms in plain NumPy.

The results match ``librosa.feature.melspectrogram`` with ``center=True,
pad_mode="constant"`` and its default Slaney mel scale and area normalisation
(tested against librosa), without importing librosa (whose numba JIT costs
seconds on first use).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from . import channelwise

__all__ = ["hz_to_mel", "mel_filterbank", "mel_spectrogram", "mel_to_hz", "power_spectrogram"]

# Slaney's Auditory Toolbox mel scale: linear below 1 kHz, logarithmic above.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = math.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Frequencies in Hz to Slaney mels."""
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / _F_SP
    log = hz >= _MIN_LOG_HZ
    return np.where(log, _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOGSTEP, mel)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Slaney mels to frequencies in Hz."""
    mel = np.asarray(mel, dtype=np.float64)
    log = mel >= _MIN_LOG_MEL
    return np.where(log, _MIN_LOG_HZ * np.exp(_LOGSTEP * (mel - _MIN_LOG_MEL)), _F_SP * mel)


@functools.lru_cache(maxsize=32)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """Triangular mel filters ``(n_mels, 1 + n_fft // 2)``, area-normalised (float32, read-only).

    Examples
    --------
    >>> from multiaug.audio.functional.spectral import mel_filterbank
    >>> mel_filterbank(16000, 512, 40, 0.0, 8000.0).shape
    (40, 257)
    """
    fft_freqs = np.linspace(0.0, sample_rate / 2.0, 1 + n_fft // 2)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    out = weights.astype(np.float32)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=32)
def _mel_bands(
    sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float
) -> tuple[np.ndarray, tuple[tuple[int, int], ...]]:
    """The filterbank as float64 and each filter's range of non-zero bins ``(lo, hi)``."""
    mel = mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax).astype(np.float64)
    mel.setflags(write=False)
    ranges = []
    for row in mel != 0:
        nz = np.flatnonzero(row)
        ranges.append((int(nz[0]), int(nz[-1]) + 1) if nz.size else (0, 0))
    return mel, tuple(ranges)


def _apply_mel(
    sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float, spec: np.ndarray
) -> np.ndarray:
    """Mel bands ``(channels, n_mels, frames)`` of a power spectrogram ``(channels, bins, frames)`` (float64).

    Each filter sums only its own bins, with ``np.einsum`` (no ``optimize``): NumPy's own loop,
    not a BLAS matrix product (``np.matmul``), whose threads cost milliseconds per clip on a busy
    machine, for a product that is mostly zeros. The float64 sums may differ from a matrix
    product in the last bit; the float32 results were identical on every clip tested.
    """
    mel, ranges = _mel_bands(sample_rate, n_fft, n_mels, fmin, fmax)
    out = np.zeros((spec.shape[0], n_mels, spec.shape[-1]))
    for m, (lo, hi) in enumerate(ranges):
        if hi > lo:
            np.einsum("f,cft->ct", mel[m, lo:hi], spec[:, lo:hi], out=out[:, m])
    return out


@functools.lru_cache(maxsize=8)
def _window(n_fft: int) -> np.ndarray:
    w = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)
    w.setflags(write=False)
    return w


def power_spectrogram(x: np.ndarray, n_fft: int, hop_length: int, power: float = 2.0) -> np.ndarray:
    """``|STFT| ** power`` of ``x`` (channels, samples): ``(channels, 1 + n_fft // 2, frames)`` float64.

    Frames are centred (``n_fft // 2`` zeros padded on each side), a periodic
    Hann window, ``1 + samples // hop_length`` frames.
    """
    half = n_fft // 2
    padded = np.pad(x.astype(np.float64), ((0, 0), (half, half)))
    frames = 1 + (padded.shape[-1] - n_fft) // hop_length
    seg = np.lib.stride_tricks.sliding_window_view(padded, n_fft, axis=-1)[:, ::hop_length][:, :frames]
    spec = np.abs(np.fft.rfft(seg * _window(n_fft), axis=-1))
    if power != 1.0:
        spec **= power
    return np.swapaxes(spec, -1, -2)


@channelwise
def mel_spectrogram(
    audio: np.ndarray,
    sample_rate: int,
    n_fft: int,
    hop_length: int,
    n_mels: int,
    fmin: float,
    fmax: float | None,
    power: float,
    log: bool,
) -> np.ndarray:
    """Mel spectrogram of ``audio``: ``(n_mels, frames)``, or ``(channels, n_mels, frames)`` (float32).

    The parameters are :class:`~multiaug.audio.MelSpectrogram`'s (its defaults are the documented ones).

    With ``log`` the values are decibels of power, ``10 * log10(max(|X|**2, 1e-10))``
    on the mel bands (librosa's ``power_to_db`` with ``ref=1``, no ``top_db``),
    whatever ``power`` is.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.spectral import mel_spectrogram
    >>> mel_spectrogram(np.zeros(16000, np.float32), 16000, 1024, 256, 64, 0.0, None, 2.0, True).shape
    (64, 63)
    """
    top = sample_rate / 2.0 if fmax is None else fmax
    power_spec = power_spectrogram(audio, n_fft, hop_length, power)
    spec = _apply_mel(sample_rate, n_fft, n_mels, float(fmin), float(top), power_spec)
    if log:
        spec = (20.0 / power) * np.log10(np.maximum(spec, 1e-10 ** (power / 2.0)))
    return spec
