"""Noise kernels: coloured noise from a seed, mixing at an exact signal-to-noise ratio.

Noise is generated from a ``noise_seed`` (a number drawn by the transform's
``make_params``) with NumPy's Philox bit generator, so the parameters of one
application are a few numbers and replaying them reproduces the noise
exactly. Nothing here touches a global RNG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import as_channels, channelwise, restore

__all__ = [
    "COLOURS",
    "add_background_noise",
    "add_noise",
    "add_short_noises",
    "coloured_noise",
    "loop_segment",
    "mix_at_snr",
    "power",
]

#: Noise colours and the exponent ``a`` of their power spectrum ``1 / f**a``.
COLOURS = {"white": 0.0, "pink": 1.0, "brown": 2.0}


def power(x: np.ndarray) -> float:
    """Mean square of ``x`` over all its values (float64).

    ``np.einsum`` (no ``optimize``) sums the squares in NumPy's own loop; ``np.dot`` would go
    through multi-threaded BLAS, whose thread start-up costs milliseconds per clip on a busy machine.
    """
    flat = x.reshape(-1).astype(np.float64)
    return float(np.einsum("i,i->", flat, flat) / max(1, flat.size))


def coloured_noise(shape: tuple[int, int], colour: str, noise_seed: int) -> np.ndarray:
    """Zero-mean noise of ``shape`` (channels, samples) with power spectrum ``1 / f**a`` (float64).

    ``white`` is Gaussian; ``pink`` (``a = 1``, equal power per octave) and
    ``brown`` (``a = 2``, a random walk's spectrum) are white noise shaped in
    the frequency domain, with the DC bin removed. Channels are independent.
    Clips of one sample are always white (there is no spectrum to shape).

    Examples
    --------
    >>> from multiaug.audio.functional.noise import coloured_noise
    >>> n = coloured_noise((2, 4096), "pink", noise_seed=7)
    >>> n.shape, bool(abs(n.mean()) < 1e-9)
    ((2, 4096), True)
    """
    rng = np.random.Generator(np.random.Philox(key=noise_seed))
    white = rng.standard_normal(shape)
    exponent = COLOURS[colour]
    n = shape[-1]
    if exponent == 0.0 or n < 2:
        return white
    spec = np.fft.rfft(white, axis=-1)
    freq = np.arange(spec.shape[-1], dtype=np.float64)
    freq[0] = np.inf  # no DC
    spec *= freq ** (-exponent / 2.0)
    return np.fft.irfft(spec, n=n, axis=-1)


def mix_at_snr(signal: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``signal + g * noise`` with ``g`` such that the signal-to-noise ratio is exactly ``snr_db``.

    Both powers are mean squares over the whole clip (all channels together);
    ``noise`` broadcasts against ``signal``. A silent signal or silent noise
    gets nothing added. Float32 out.
    """
    p_signal = power(signal)
    p_noise = power(np.broadcast_to(noise, signal.shape))
    if p_signal == 0.0 or p_noise == 0.0:
        return signal.astype(np.float32, copy=True)
    gain = np.sqrt(p_signal / (p_noise * 10.0 ** (snr_db / 10.0)))
    return (signal + gain * noise).astype(np.float32)


@channelwise
def add_noise(audio: np.ndarray, snr_db: float, colour: str, noise_seed: int) -> np.ndarray:
    """Add ``colour`` noise to ``audio`` at ``snr_db`` dB SNR against ``audio`` itself.

    Examples
    --------
    >>> import math, numpy as np
    >>> from multiaug.audio.functional.noise import add_noise, power
    >>> x = np.sin(np.arange(16000, dtype=np.float32) / 10)
    >>> y = add_noise(x, 20.0, "white", noise_seed=1)
    >>> round(10 * math.log10(power(x) / power(y - x)), 3)
    20.0
    """
    return mix_at_snr(audio, coloured_noise(audio.shape, colour, noise_seed), snr_db)


@channelwise
def add_background_noise(audio: np.ndarray, sound: np.ndarray, offset: float, snr_db: float) -> np.ndarray:
    """Add the mono ``sound`` to every channel of ``audio`` at ``snr_db`` dB SNR, from ``offset``.

    ``offset`` in [0, 1) is where in ``sound`` the segment starts (a fraction of its length);
    the sound loops when the clip is longer than what is left of it.

    Examples
    --------
    >>> import math, numpy as np
    >>> from multiaug.audio.functional.noise import add_background_noise, power
    >>> x = np.sin(np.arange(1000, dtype=np.float32) / 10)
    >>> hum = np.sin(np.arange(300, dtype=np.float32) / 3)
    >>> y = add_background_noise(x, hum, 0.5, 6.0)
    >>> round(10 * math.log10(power(x) / power(y - x)), 3)
    6.0
    """
    segment = loop_segment(sound, int(offset * sound.shape[-1]), audio.shape[-1])
    return mix_at_snr(audio, segment[np.newaxis], snr_db)


def loop_segment(sound: np.ndarray, start: int, length: int) -> np.ndarray:
    """``length`` samples of ``sound`` (channels, samples) from ``start``, looping it when it ends."""
    n = sound.shape[-1]
    if start + length <= n:
        return sound[..., start : start + length]
    return np.take(sound, (start + np.arange(length)) % n, axis=-1)


def add_short_noises(
    audio: np.ndarray, sounds: Sequence[np.ndarray], events: Sequence[Sequence[float]]
) -> np.ndarray:
    """Add mono ``sounds[i]`` to every channel at each event ``(i, start, snr_db, fade_in, fade_out)``.

    ``start`` (samples, may be negative: the sound began before the clip), ``fade_in`` and
    ``fade_out`` (samples, linear ramps at the sound's ends) are ints; each sound is scaled so that
    the clip's power (mean square over all channels) over the sound's own power (before the fades)
    is ``snr_db``. A silent clip or a silent sound adds nothing; sounds are cut at the clip's end.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.noise import add_short_noises
    >>> x = np.full(8, 0.5, np.float32)
    >>> add_short_noises(x, [np.ones(3, np.float32)], [(0, 4, 0.0, 0, 0)])
    array([0.5, 0.5, 0.5, 0.5, 1. , 1. , 1. , 0.5], dtype=float32)
    """
    x = as_channels(audio)
    n = x.shape[-1]
    clip = power(x)
    added = np.zeros(n, np.float64)
    for index, start, snr_db, fade_in, fade_out in events:
        sound = sounds[int(index)].astype(np.float64)
        level = power(sound)
        if clip == 0.0 or level == 0.0:
            continue
        sound = sound * math.sqrt(clip / (level * 10.0 ** (snr_db / 10.0)))
        m = sound.shape[-1]
        fade_in, fade_out = min(int(fade_in), m), min(int(fade_out), m)
        if fade_in:
            sound[:fade_in] *= np.arange(1, fade_in + 1) / (fade_in + 1)
        if fade_out:
            sound[m - fade_out :] *= np.arange(fade_out, 0, -1) / (fade_out + 1)
        lo, hi = max(int(start), 0), min(int(start) + m, n)
        if lo < hi:
            added[lo:hi] += sound[lo - int(start) : hi - int(start)]
    return restore(x + added[np.newaxis], audio)
