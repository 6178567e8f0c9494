"""Codec kernels: ``mp3_compression`` (LAME through ``lameenc``, decoded back by libsndfile's mpg123).

Alignment: a LAME-encoded stream decoded by mpg123 starts ``MP3_DELAY`` = 1105 samples late at
the stream's rate (LAME's 576-sample encoder delay plus the decoder's 529; ``lameenc`` writes no
LAME/Xing tag that a decoder could use to remove it). The kernel removes exactly those samples
and cuts the end, so the output has the input's length and timing (measured by
cross-correlation in ``tests/test_audio_codecs.py`` at 8-48 kHz and 8-320 kbps).

Sample rates: LAME encodes at the MP3 rates (8 to 48 kHz); a clip at another rate is resampled
to the next MP3 rate up (48 kHz above it) and back by :func:`resample_rational`, a polyphase
Kaiser-windowed sinc whose arithmetic is the same on every CPU (soxr's SIMD filter sums were not:
4.5e-7 apart without its SIMD). At low bitrates LAME itself
resamples down (44.1 kHz at 32 kbps becomes a 22.05 kHz stream, any rate at 8 kbps an 8 kHz one),
as every LAME-based tool does; the decoded stream is resampled back to the clip's rate.
"""

from __future__ import annotations

import functools
import io
import math

import numpy as np

from . import as_channels, fit_length, restore
from .dynamics import peak

__all__ = ["MP3_BITRATES", "MP3_DELAY", "MP3_RATES", "mp3_compression", "resample_rational"]

#: Sample rates LAME encodes at.
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
#: Bitrates (kbps) the MPEG-1/2/2.5 layer III formats define (as audiomentations' list).
MP3_BITRATES = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 320)
#: Samples (at the decoded stream's rate) by which a LAME stream decoded by mpg123 lags the input.
MP3_DELAY = 1105


#: :func:`resample_rational`'s filter: Kaiser beta, taps per side per unit of the larger rate factor, and
#: the sinc's cutoff over the lower Nyquist (flat to 0.8 of it, below -90 dB from it up: no aliasing)
_KAISER_BETA, _HALF_TAPS, _CUTOFF = 8.6, 32, 0.9


#: The largest rate factor :func:`resample_rational` builds a polyphase filter for (64 taps
#: per unit): every pair of common rates has factors under 500 (44100 -> 32000: 320 / 441).
#: Rates that share no large factor (96001 Hz -> 48000 Hz) would need millions of taps; soxr
#: resamples those (the same result to ~1e-7, its last bits depend on the CPU's SIMD).
_MAX_FACTOR = 1000


@functools.lru_cache(maxsize=8)
def _lowpass(up: int, down: int) -> np.ndarray:
    """Anti-aliasing taps (float64, summing to 1) of :func:`resample_rational`: the sinc of cutoff
    ``0.9 / max(up, down)`` (of the upsampled Nyquist) under a Kaiser window.

    Built from scalar arithmetic (``math.sin``, SciPy's scalar ``i0``, ``math.fsum``): NumPy's
    float64 ``sin``/``exp`` take other SIMD code paths on other CPUs.
    """
    from scipy.special import i0

    rate = max(up, down)
    half = _HALF_TAPS * rate
    taps = np.empty(2 * half + 1)
    for n in range(-half, half + 1):
        x = math.pi * n * _CUTOFF / rate
        taps[n + half] = 1.0 if n == 0 else math.sin(x) / x
    ramp = np.arange(-half, half + 1) / half
    taps *= i0(_KAISER_BETA * np.sqrt(1.0 - ramp * ramp)) / float(i0(_KAISER_BETA))
    return taps / math.fsum(taps.tolist())


def resample_rational(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """``x`` (float32 ``(channels, n)``) resampled from ``rate_in`` to ``rate_out`` Hz: float32, the
    same bytes on every CPU (the polyphase sums of :func:`_polyphase` for upsampling factors up to
    8, SciPy's ``resample_poly``, whose ``upfirdn`` is scalar code, beyond; the taps of
    :func:`_lowpass`): flat (0.1 dB) to 0.8 of the lower rate's Nyquist, -90 dB and below from it up.

    Examples
    --------
    >>> import numpy as np
    >>> tone = lambda rate: np.sin(2 * np.pi * 1000 * np.arange(rate) / rate)[None].astype(np.float32)
    >>> y = resample_rational(tone(22050), 22050, 24000)
    >>> y.shape, bool(np.abs(y - tone(24000))[:, 2000:-2000].max() < 1e-3)
    ((1, 24000), True)
    """
    from scipy.signal import resample_poly

    g = math.gcd(rate_in, rate_out)
    up, down = rate_out // g, rate_in // g
    if up == down:  # the same rate: the clip itself (as resample_poly returns it), no low-pass
        return np.array(x, dtype=np.float32, order="C")
    if max(up, down) > _MAX_FACTOR:
        import soxr

        y = soxr.resample(np.ascontiguousarray(x.T, dtype=np.float32), rate_in, rate_out, quality="HQ").T
        length = -(-x.shape[-1] * up // down)  # resample_poly's length: a few samples never become none
        return fit_length(np.ascontiguousarray(y, dtype=np.float32), length)
    if up > _EINSUM_MAX_UP:
        out = resample_poly(x.astype(np.float64), up, down, axis=-1, window=_lowpass(up, down))
        return np.ascontiguousarray(out, dtype=np.float32)
    return _polyphase(x, up, down)


#: :func:`resample_rational` filters by ``np.einsum`` up to this upsampling factor (every factor of
#: the MP3 path's common pairs: 8 -> 16 kHz is 2/1, 16 -> 48 kHz 3/1): one call per phase; beyond
#: it, SciPy's ``resample_poly``.
_EINSUM_MAX_UP = 8


def _polyphase(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """``resample_poly(x, up, down, window=_lowpass(up, down))`` computed phase by phase.

    Output ``m`` is ``sum_j h[m * down + half - j * up] * x[j]`` (the taps centred on the
    upsampled position ``m * down``), ``h`` the taps times ``up``. The outputs of one phase
    (``m`` modulo ``up``) share their taps and start ``down`` inputs apart: one ``np.einsum``
    over a strided window view each. 2x faster than ``upfirdn``'s scalar loop at 8 -> 16 kHz;
    ``einsum``'s sums are NumPy's baseline code, not the CPU-dispatched kernels: the same bytes
    with NumPy's AVX2/AVX-512 paths disabled (``tests/repro_matrix.py``), unlike BLAS.
    """
    h = _lowpass(up, down) * up
    half = (h.size - 1) // 2
    n = x.shape[-1]
    n_out = -(-n * up // down)
    width = -(-h.size // up)  # taps per phase, at most
    pad = np.zeros((x.shape[0], width + n + width + down + 2))
    pad[:, width : width + n] = x
    out = np.empty((x.shape[0], n_out), np.float32)
    for m0 in range(min(up, n_out)):
        t0 = m0 * down + half
        # h[p + i * up] for the input j = t0 // up - i, reversed; contiguous for einsum's fast loop
        taps = h[t0 % up :: up][::-1].copy()
        count = -(-(n_out - m0) // up)
        first = t0 // up - taps.size + 1 + width  # window start in `pad` of output m0
        windows = np.lib.stride_tricks.sliding_window_view(pad, taps.size, axis=-1)
        rows = windows[:, first : first + (count - 1) * down + 1 : down]
        out[:, m0::up] = np.einsum("cij,j->ci", rows, taps)
    return out


def _encoding_rate(sample_rate: int) -> int:
    return next((r for r in MP3_RATES if r >= sample_rate), MP3_RATES[-1])


def _round_trip(pcm: np.ndarray, rate: int, bitrate_kbps: int, quality: int) -> tuple[np.ndarray, int]:
    """int16 ``(channels <= 2, n)`` through LAME and back: float32 ``(channels, m)`` and its rate."""
    import lameenc
    import soundfile as sf

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(pcm.shape[0])
    encoder.set_quality(quality)
    encoder.silence()
    data = bytes(encoder.encode(np.ascontiguousarray(pcm.T).tobytes()) + encoder.flush())
    decoded, stream_rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return decoded.T[:, MP3_DELAY:], int(stream_rate)


def mp3_compression(audio: np.ndarray, sample_rate: int, bitrate_kbps: int, quality: int = 7) -> np.ndarray:
    """``audio`` encoded to MP3 at ``bitrate_kbps`` and decoded back: same length and timing, float32.

    Stereo is encoded as one (joint) stereo stream; mono and other channel counts channel by
    channel. A clip peaking above 1 is scaled down for the 16-bit encoder input and back up after.
    ``quality`` is LAME's algorithm quality (0 best and slowest, 9 fastest).

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.codecs import mp3_compression
    >>> x = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32) * 0.5
    >>> y = mp3_compression(x, 16000, 64)
    >>> y.shape, bool(np.abs(y - x)[2000:-2000].max() < 0.05)  # aligned: no delay left
    ((16000,), True)
    """
    x = as_channels(audio)
    n = x.shape[-1]
    top = peak(x)
    gain = top if top > 1.0 else 1.0
    # a clip below MP3's lowest rate (8 kHz) is encoded as 8 kHz audio, sample for sample: resampled
    # up, a 1 Hz clip would become 8,000 times longer
    sample_rate = max(sample_rate, MP3_RATES[0])
    rate = _encoding_rate(sample_rate)
    if rate != sample_rate:
        x = resample_rational(x, sample_rate, rate)
    pcm = np.rint(np.clip(x / gain, -1.0, 1.0) * 32767.0).astype(np.int16)
    groups = [pcm] if pcm.shape[0] == 2 else [pcm[c : c + 1] for c in range(pcm.shape[0])]
    outs = []
    for group in groups:
        decoded, stream_rate = _round_trip(group, rate, bitrate_kbps, quality)
        if stream_rate != sample_rate:
            decoded = resample_rational(decoded, stream_rate, sample_rate)
        outs.append(fit_length(decoded, n))
    out = np.concatenate(outs)
    if gain != 1.0:
        out *= np.float32(gain)
    return restore(out, audio)
