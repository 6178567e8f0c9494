"""Room kernels: ``apply_impulse_response`` (FFT convolution) and ``room_simulator`` (shoebox rooms).

Alignment: the impulse response is cut before its peak (its largest ``|value|``, the direct
sound), so the peak sits at t = 0 and the wet clip lines up with the dry one; ``align="start"``
uses the response as given (its pre-delay then delays the clip, as audiomentations does).
"""

from __future__ import annotations

import math

import numpy as np

from . import as_channels, restore
from .dynamics import SMALLEST_NORMAL

__all__ = [
    "SPEED_OF_SOUND",
    "aligned_ir",
    "apply_impulse_response",
    "eyring_rt60",
    "fft_size",
    "ir_spectrum",
    "room_simulator",
    "sabine_rt60",
    "shoebox_rir",
    "spectrum_product",
]

#: Speed of sound in air at 20 degrees C (m/s).
SPEED_OF_SOUND = 343.0
#: End of the image-source part of a simulated response (s); the modelled tail follows.
EARLY = 0.05
#: Simulated responses are cut here (s): a nearly reflecting hall would ring for minutes.
MAX_RIR_SECONDS = 10.0


def aligned_ir(ir: np.ndarray, align: str) -> np.ndarray:
    """``ir`` (mono) from its peak on (``align="peak"``) or as given (``"start"``)."""
    if align == "peak":
        return ir[int(np.argmax(np.abs(ir))) :]
    return ir


def fft_size(n: int, m: int) -> int:
    """The FFT length :func:`apply_impulse_response` uses for ``n`` samples and an ``m``-sample response."""
    from scipy import fft

    return int(fft.next_fast_len(n + m - 1, real=True))


def ir_spectrum(ir: np.ndarray, size: int) -> np.ndarray:
    """``rfft(ir, size)`` in float32 precision (what :func:`apply_impulse_response` multiplies by)."""
    from scipy import fft

    return fft.rfft(ir.astype(np.float32, copy=False), size)


def spectrum_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a * b`` of complex64 spectra (``b`` broadcast over ``a``'s rows), the same bytes on every CPU.

    NumPy's complex multiply takes SIMD code that fuses its multiply-adds on CPUs with AVX-512
    (and not without it), so the product moved in its last bits with the CPU; this computes
    ``(ar br - ai bi) + i (ar bi + ai br)`` with separate float32 multiplies and adds, each
    rounded once by IEEE rules, in that fixed order.
    """
    ar, ai, br, bi = a.real, a.imag, b.real, b.imag
    out = np.empty(np.broadcast_shapes(a.shape, b.shape), np.result_type(a, b))
    np.subtract(ar * br, ai * bi, out=out.real)
    np.add(ar * bi, ai * br, out=out.imag)
    return out


def apply_impulse_response(
    audio: np.ndarray,
    ir: np.ndarray,
    keep_length: bool = True,
    normalize: bool = True,
    spectrum: np.ndarray | None = None,
) -> np.ndarray:
    """Every channel of ``audio`` convolved with the mono ``ir`` (``scipy.signal.fftconvolve``'s result).

    ``keep_length`` cuts the output to the input's length (else ``n + len(ir) - 1`` samples);
    ``normalize`` scales it to the input's RMS (all channels), so the level does not jump with
    the response's gain. A silent result is returned as is. ``spectrum``: ``ir_spectrum(ir,
    fft_size(n, len(ir)))`` when the caller keeps it (the same result, one FFT fewer).

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.room import apply_impulse_response
    >>> x = np.array([1, 0, 0, 0, 0], np.float32)
    >>> apply_impulse_response(x, np.array([0.5, 0.25], np.float32), normalize=False)
    array([0.5 , 0.25, 0.  , 0.  , 0.  ], dtype=float32)
    """
    from scipy import fft

    x = as_channels(audio)
    n, m = x.shape[-1], ir.shape[-1]
    full, size = n + m - 1, fft_size(n, m)
    if spectrum is None:
        spectrum = ir_spectrum(ir, size)
    product = spectrum_product(fft.rfft(x, size, axis=-1), spectrum)
    out = fft.irfft(product, size, axis=-1)[:, : n if keep_length else full]
    if normalize:
        wet = float(np.sqrt(np.mean(np.square(out, dtype=np.float64))))
        dry = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
        if wet >= SMALLEST_NORMAL:  # as Normalize: a numerically silent result has no finite gain
            out *= np.float32(dry / wet)
    return restore(out, audio)


def _area_volume(size: tuple[float, float, float]) -> tuple[float, float]:
    x, y, z = size
    return 2.0 * (x * y + x * z + y * z), x * y * z


def sabine_rt60(size: tuple[float, float, float], absorption: float) -> float:
    """Sabine's reverberation time ``24 ln(10) V / (c S a)`` of a shoebox (one absorption, all walls)."""
    area, volume = _area_volume(size)
    return 24.0 * math.log(10.0) * volume / (SPEED_OF_SOUND * area * absorption)


def eyring_rt60(size: tuple[float, float, float], absorption: float) -> float:
    """Eyring's reverberation time ``24 ln(10) V / (-c S ln(1 - a))`` (below Sabine's; equal as a -> 0)."""
    area, volume = _area_volume(size)
    return 24.0 * math.log(10.0) * volume / (-SPEED_OF_SOUND * area * math.log1p(-absorption))


def _images(
    size: np.ndarray, source: np.ndarray, mic: np.ndarray, reach: float
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and wall-reflection counts of the source's images within ``reach`` metres of the mic."""
    axes = []
    for length, s in zip(size, source, strict=True):
        n = np.arange(-(int(reach / (2 * length)) + 1), int(reach / (2 * length)) + 2)
        pos = np.concatenate([2 * n * length + s, 2 * n * length - s])
        hits = np.concatenate([np.abs(2 * n), np.abs(2 * n - 1)])
        axes.append((pos, hits))
    (px, hx), (py, hy), (pz, hz) = axes
    d2 = (
        ((px - mic[0]) ** 2)[:, None, None]
        + ((py - mic[1]) ** 2)[None, :, None]
        + ((pz - mic[2]) ** 2)[None, None, :]
    )
    hits = hx[:, None, None] + hy[None, :, None] + hz[None, None, :]
    keep = d2 <= reach * reach
    return np.sqrt(d2[keep]), hits[keep]


def shoebox_rir(
    size: tuple[float, float, float],
    source: tuple[float, float, float],
    mic: tuple[float, float, float],
    absorption: float,
    sample_rate: int,
    noise_seed: int,
    *,
    from_direct: bool = False,
) -> np.ndarray:
    """Impulse response (float64) of a shoebox room: image sources, then a modelled diffuse tail.

    Up to ``EARLY`` (50 ms) after the direct sound: every image source of the shoebox (Allen &
    Berkley), amplitude ``sqrt(1 - absorption) ** reflections / (4 pi d)``, each arrival split
    between its two neighbouring samples. After that: Gaussian noise (from ``noise_seed``) under
    the exponential decay of Eyring's RT60, its power matched to the image-source part over its
    last 20 ms (the diffuse late reverberation model of gpuRIR, Diaz-Guerra et al. 2021), to 60 dB
    below. The response starts at t = 0 (the direct sound arrives ``d / c`` later).

    ``from_direct``: the response :func:`room_simulator` convolves with, float32 from the direct
    sound's first sample on (its known time: a peak search could pick a strong early reflection
    landing on one sample over the direct sound split between two).
    """
    size_a, source_a, mic_a = (np.asarray(v, np.float64) for v in (size, source, mic))
    rt60 = eyring_rt60(size, absorption)
    direct = math.dist(source, mic)
    early_end = direct / SPEED_OF_SOUND + EARLY
    total = min(max(early_end, direct / SPEED_OF_SOUND + rt60), MAX_RIR_SECONDS)
    out = np.zeros(math.ceil(total * sample_rate) + 2)
    dist, hits = _images(size_a, source_a, mic_a, early_end * SPEED_OF_SOUND)
    amp = np.sqrt(1.0 - absorption) ** hits / (4.0 * math.pi * np.maximum(dist, 0.01))
    at = dist / SPEED_OF_SOUND * sample_rate
    lo = np.floor(at).astype(np.int64)
    frac = at - lo
    np.add.at(out, lo, amp * (1.0 - frac))
    np.add.at(out, lo + 1, amp * frac)
    start = int(early_end * sample_rate)
    window = out[max(0, start - int(0.02 * sample_rate)) : start]
    level = math.sqrt(float(np.mean(window**2))) if window.size else 0.0
    t = np.arange(out.size - start) / sample_rate
    tail = np.random.default_rng(noise_seed).standard_normal(t.size) * np.exp(
        -3.0 * math.log(10.0) * t / rt60
    )
    out[start:] += level * tail
    if from_direct:
        return out.astype(np.float32)[math.floor(direct / SPEED_OF_SOUND * sample_rate) :]
    return out


def room_simulator(
    audio: np.ndarray,
    sample_rate: int,
    size: tuple[float, float, float],
    source: tuple[float, float, float],
    mic: tuple[float, float, float],
    absorption: float,
    noise_seed: int,
) -> np.ndarray:
    """``audio`` heard at ``mic`` from ``source`` in the room (RMS and length kept; the direct sound
    lands on the dry sound's sample or the next: a path ending between two samples is split between
    them, never moved earlier)."""
    ir = shoebox_rir(size, source, mic, absorption, sample_rate, noise_seed, from_direct=True)
    return apply_impulse_response(audio, ir)
