"""Time-scale and pitch kernels: a phase-locked phase vocoder and soxr resampling.

Time stretching uses a phase vocoder with *identity phase locking* (Laroche &
Dolson, "Improved phase vocoder time-scale modification of audio", IEEE
TSAP 1999): each spectral peak's phase advances with its measured
instantaneous frequency, and every other bin keeps its analysis phase
offset from the peak whose region it lies in. That keeps the bins of one
partial coherent, which is what removes the "phasiness" (metallic, reverberant
smearing) of a plain phase vocoder such as ``librosa.effects.time_stretch``.

All channels share one phase rotation per bin, computed on a reference channel
(the loudest in that bin), so the phase differences between channels, and with
them the stereo image, are kept exactly.

Windows are periodic Hann of about 50 ms (:func:`frame_size`: 1024 samples
at 16 kHz, 2048 at 44.1/48 kHz); the two methods differ only in the overlap:

``"quality"``
    75 % overlap (hop = window / 4), the usual choice for speech and music;
``"fast"``
    50 % overlap: half the frames, so about twice as fast. Phase locking keeps
    it clean, but its hop is twice as long, so fast pitch glides and onsets
    are tracked more coarsely (measured in ``benchmarks/audio.py``).

Phase advances are computed at the peaks only, and the frame-to-frame chain of
rotations is summed by pointer jumping (float64), vectorised over all frames.
The vocoder gives the same bits on every CPU: its phase arithmetic uses
:mod:`._portable` (no NumPy transcendental, complex or FFT loop, whose last
bits depend on the CPU's SIMD features), its FFTs are ``scipy.fft``'s, and
phase chains skip peaks below -50 dB of the loudest bin (:data:`_FLOOR`), so
that a last-bit change of the input cannot reorder near-silent peaks and carry
that into the loud frames after them.

Pitch shifting stretches by ``2 ** (semitones / 12)`` and resamples back to the
input length with soxr (band-limited, "HQ"): the vocoder first, so that soxr's
CPU-dependent last bits reach only the output; speed changes resample only.
Nothing here imports librosa or numba.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from . import _portable as P
from . import channelwise

__all__ = [
    "METHODS",
    "frame_size",
    "phase_vocoder",
    "pitch_shift",
    "resample_length",
    "speed_change",
    "time_stretch",
]

#: Names of the time-scale methods.
METHODS = ("quality", "fast")

_TWO_PI = 2.0 * math.pi
#: Analysis window length in seconds (rounded to a power of two in samples).
_WINDOW_S = 0.05


def frame_size(sample_rate: int) -> int:
    """FFT size of the phase vocoder: about 50 ms, a power of two, at least 32 samples.

    1024 at 16 and 22.05 kHz, 2048 at 44.1 and 48 kHz: long enough to resolve the
    harmonics of a low male voice (~85 Hz), short enough to keep onsets crisp.

    Examples
    --------
    >>> from multiaug.audio.functional.stretch import frame_size
    >>> frame_size(16000), frame_size(44100), frame_size(8000)
    (1024, 2048, 512)
    """
    # At most 65536 samples, the size at the largest rate a transform accepts (1,536,000 Hz), so a
    # direct call with an absurd rate cannot ask for gigabytes.
    return 1 << min(16, max(5, round(math.log2(_WINDOW_S * sample_rate))))


def _hann(n: int) -> np.ndarray:
    """Periodic Hann window (float64, CPU-independent); cached, never written to."""
    return P.hann(n)


def _window_sum(n_fft: int, overlap: int, count: int) -> np.ndarray:
    """Sum of the squared windows of ``count`` overlap-added frames, at each output sample."""
    hop = n_fft // overlap
    squares = (_hann(n_fft) ** 2).reshape(overlap, hop)
    out = np.zeros((count + overlap - 1, hop))
    for r in range(overlap):
        out[r : r + count] += squares[r]
    return out.reshape(-1)


def _peaks(power: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Spectral peaks of ``power`` (frames, bins) and the size of each one's region.

    Peaks are local maxima over +/- 2 bins above ``floor`` (plus each frame's largest
    bin, so no frame is without one); every bin belongs to the nearest peak of its frame
    (ties to the lower one). Returns the peaks' flat indices into ``power`` (in
    order) and the number of bins of each region (consecutive, so that
    ``np.repeat(values, counts)`` spreads one value per peak over its region).
    """
    frames, bins = power.shape
    peak = np.zeros(power.shape, dtype=bool)
    if bins > 4:
        mid = power[:, 2:-2]
        np.greater(mid, power[:, 1:-3], out=peak[:, 2:-2])
        peak[:, 2:-2] &= mid > power[:, :-4]
        peak[:, 2:-2] &= mid >= power[:, 3:-1]
        peak[:, 2:-2] &= mid >= power[:, 4:]
        peak[:, 2:-2] &= mid > floor
    peak[np.arange(frames), np.argmax(power, axis=1)] = True
    pos = np.flatnonzero(peak)
    frame = pos // bins
    start = np.empty_like(pos)
    start[0] = 0
    same = frame[1:] == frame[:-1]
    # a region starts halfway to the previous peak of its frame, or at its frame's first bin
    same = same.astype(np.intp)
    start[1:] = same * ((pos[:-1] + pos[1:]) // 2 + 1) + (1 - same) * frame[1:] * bins
    return pos, np.diff(start, append=peak.size)


#: power (relative to the clip's loudest bin) below which a peak does not carry a phase chain:
#: -50 dB (the quieter bins join the regions of louder peaks, as every non-peak bin does)
_FLOOR = 1e-5


def _wrap(a: np.ndarray) -> np.ndarray:
    """``a`` (radians, float64) reduced to [-pi, pi], in place."""
    a -= _TWO_PI * np.rint(a * (1 / _TWO_PI))
    return a


def _rotations(
    re: np.ndarray, im: np.ndarray, at: np.ndarray, hop: int, n_fft: int
) -> tuple[np.ndarray, np.ndarray]:
    """Phase rotation of each frame's peaks (flat, in :func:`_peaks` order) and the peaks' layout.

    A peak's synthesis phase continues the one synthesised in the previous frame at its
    bin (Laroche-Dolson identity locking): rotation = previous rotation at that bin + the
    advance over one synthesis hop - the analysis phase difference. The advance comes from
    the peak's instantaneous frequency (heterodyned phase difference, one ``atan2`` of the
    cross spectrum of the two frames). The chain of rotations is summed by pointer jumping
    in float64, all frames at once.

    Chains pass only through peaks above :data:`_FLOOR` of the clip's loudest bin: a peak
    whose bin lay in a quieter region one frame back starts afresh (rotation 0: its
    analysis phase, a phase reset at an onset). In near-silence a last-bit change of the
    input reorders the peaks; without the floor that reordering would travel down the
    chains into the loud frames after it.
    """
    frames, bins = re.shape
    power = re * re + im * im
    floor = float(power.max()) * _FLOOR
    pos, counts = _peaks(power, floor)
    frame = pos // bins
    k = (pos - frame * bins).astype(np.float64)
    # the region (index into pos) that each bin of each frame belongs to
    region = np.repeat(np.arange(pos.size, dtype=np.int32), counts)
    later = slice(int(np.searchsorted(pos, bins)), None)  # the peaks after the first frame
    cur, prev = pos[later], pos[later] - bins
    rf, imf = re.reshape(-1), im.reshape(-1)
    a, b, c, d = rf[cur], imf[cur], rf[prev], imf[prev]
    step = np.diff(at).astype(np.float64)[frame[later] - 1]  # analysis hop into each frame
    omega = k[later] * (_TWO_PI / n_fft)
    # deviation of the phase advance from the bin centre's, in [-pi, pi]
    dev = _wrap(P.atan2(b * c - a * d, a * c + b * d) - omega * step)
    # rotation added this frame: (advance over one synthesis hop) - (analysis phase advance)
    add = np.zeros(pos.size)
    add[later] = _wrap(dev * (hop / np.maximum(step, 1.0) - 1.0) + omega * (hop - step))
    parent = np.arange(pos.size)
    above = region[prev]
    loud = (power.reshape(-1)[pos[above]] > floor).astype(np.intp)  # 0/1: continue the chain?
    parent[later] = loud * above + (1 - loud) * parent[later]
    add[later] *= loud
    # rotation of peak i = add[i] + rotation of the region its bin lay in, one frame back
    for _ in range(max(1, frames - 1).bit_length()):
        add += add[parent]
        parent = parent[parent]
    return _wrap(add), counts


def phase_vocoder(
    x: np.ndarray, out_len: int, n_fft: int, overlap: int = 4, hop: int | None = None
) -> np.ndarray:
    """Stretch ``x`` (channels, samples) to exactly ``out_len`` samples, keeping its pitch.

    Synthesis frames sit every ``n_fft / overlap`` output samples (``overlap``
    doubled when compressing by more than 2x, so that the analysis hop stays
    within half a window); analysis frames sit at the proportional input
    positions, so the time map is exactly linear. ``hop`` overrides the synthesis
    hop (any value up to ``n_fft / 2``; the overlap-add normalises for it). Output is float32. Only
    CPU-independent arithmetic is used (:mod:`._portable`): the same bits on every machine.
    """
    import scipy.fft

    channels, n = x.shape
    if n > 2 * out_len:
        overlap *= 2
    hop = n_fft // overlap if hop is None else hop
    frames = -(-out_len // hop) + 1
    half = n_fft // 2
    # analysis frame m is centred on input sample round(m * hop * n / out_len)
    at = np.rint(np.arange(frames) * (hop * n / out_len)).astype(np.intp)
    padded = np.zeros((channels, max(n + half, int(at[-1]) + n_fft)), dtype=np.float32)
    padded[:, half : half + n] = x
    seg = np.lib.stride_tricks.sliding_window_view(padded, n_fft, axis=-1)[:, at, :] * _analysis(n_fft)
    spec = scipy.fft.rfft(seg, axis=-1, workers=1)
    bins = spec.shape[-1]

    # reference spectrum for the phases: per bin, the channel with the most energy
    if channels == 1:
        ref = spec[0]
    else:
        mag = np.sqrt(spec.real * spec.real + spec.imag * spec.imag)
        loudest = np.argmax(np.add.reduce(mag, axis=1), axis=0)
        ref = spec[loudest, :, np.arange(bins)].T
    re, im = np.ascontiguousarray(ref.real), np.ascontiguousarray(ref.imag)
    rot, counts = _rotations(re, im, at, hop, n_fft)
    s, c = P.sincos_pi((rot * (1 / math.pi)).astype(np.float32))
    sin = np.repeat(s, counts).reshape(frames, bins)
    cos = np.repeat(c, counts).reshape(frames, bins)
    turned = np.empty_like(spec)
    turned.real = spec.real * cos - spec.imag * sin
    turned.imag = spec.real * sin + spec.imag * cos

    out = scipy.fft.irfft(turned, n=n_fft, axis=-1, workers=1)
    synth, head, tail = _synthesis(n_fft, hop)
    y = _overlap_add(out, synth, hop)
    if frames >= 2 * (synth.size // hop):
        # the synthesis window already divides by the summed squared windows where every
        # overlapping frame adds up; the first and last few hops have fewer
        y[:, : head.size] *= head
        y[:, y.shape[-1] - tail.size :] *= tail
    else:
        y *= _edge_fix(n_fft, hop, frames)
    return np.ascontiguousarray(y[:, half : half + out_len])


def _overlap_add(frames: np.ndarray, window: np.ndarray, hop: int) -> np.ndarray:
    """Overlap-add ``frames * window`` (channels, count, size) at ``hop`` (float32).

    ``window`` is zero-padded to a multiple of ``hop`` samples, ``overlap`` of them.
    """
    channels, count, size = frames.shape
    overlap = window.size // hop
    buf = np.zeros((channels, count, window.size), dtype=np.float32)
    np.multiply(frames, window[:size], out=buf[..., :size])
    parts = buf.reshape(channels, count, overlap, hop)
    out = np.zeros((channels, count + overlap - 1, hop), dtype=np.float32)
    for r in range(overlap):
        out[:, r : r + count] += parts[:, :, r]
    return out.reshape(channels, -1)


@functools.lru_cache(maxsize=16)
def _analysis(n_fft: int) -> np.ndarray:
    """The analysis window, float32."""
    w = _hann(n_fft).astype(np.float32)
    w.setflags(write=False)
    return w


def _squares(size: int, hop: int) -> np.ndarray:
    """Squared periodic Hann window of ``size``, zero-padded to a multiple of ``hop`` (float64)."""
    w = _hann(size) ** 2
    return np.concatenate([w, np.zeros(-size % hop)])


def _coverage(size: int, hop: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(per-hop periodic window sum tiled, actual window sum) over ``count`` overlap-added frames."""
    sq = _squares(size, hop)
    overlap = sq.size // hop
    parts = sq.reshape(overlap, hop)
    total = np.zeros((count + overlap - 1, hop))
    for r in range(overlap):
        total[r : r + count] += parts[r]
    periodic = np.zeros(hop)
    for r in range(overlap):  # a fixed order of additions (no SIMD reduction)
        periodic += parts[r]
    return np.tile(periodic, count + overlap - 1), total.reshape(-1)


def _edge_fix(size: int, hop: int, count: int) -> np.ndarray:
    """Factor taking a periodic-normalised overlap-add of ``count`` frames to the exact one (float32)."""
    periodic, total = _coverage(size, hop, count)
    return (periodic / np.maximum(total, 1e-3)).astype(np.float32)


@functools.lru_cache(maxsize=16)
def _synthesis(size: int, hop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(synthesis window, head fix, tail fix), float32, for frames of ``size`` at ``hop``.

    The window is Hann divided by the periodic sum of squared windows, padded to a multiple
    of ``hop``; the fixes correct the first and last ``overlap - 1`` hops.
    """
    sq = _squares(size, hop)
    overlap = sq.size // hop
    periodic, _ = _coverage(size, hop, 1)
    window = np.concatenate([_hann(size), np.zeros(sq.size - size)]) / periodic[: sq.size]
    fix = _edge_fix(size, hop, 2 * overlap)
    span = (overlap - 1) * hop
    out = window.astype(np.float32), fix[:span], fix[fix.size - span :]
    for a in out:
        a.setflags(write=False)
    return out


def resample_length(x: np.ndarray, out_len: int, quality: str = "HQ") -> np.ndarray:
    """Resample ``x`` (channels, samples) to exactly ``out_len`` samples with soxr (float32 out).

    The ratio is ``out_len / samples``; soxr's output is trimmed or zero-padded
    by at most a sample or two to the exact length.
    """
    n = x.shape[-1]
    if out_len == n:
        return x.astype(np.float32, copy=True)
    import soxr  # imported on first use: `import multiaug.audio` stays light

    y = soxr.resample(np.ascontiguousarray(x.T, dtype=np.float32), n, out_len, quality=quality).T
    if y.shape[-1] < out_len:
        y = np.pad(y, ((0, 0), (0, out_len - y.shape[-1])))
    return np.ascontiguousarray(y[:, :out_len], dtype=np.float32)


def _overlap(method: str) -> int:
    """Frames per window length: 4 (75 % overlap) for ``"quality"``, 2 (50 %) for ``"fast"``."""
    return 4 if method == "quality" else 2  # "fast"


@channelwise
def time_stretch(audio: np.ndarray, rate: float, sample_rate: int, method: str = "quality") -> np.ndarray:
    """Play ``audio`` ``rate`` times faster without changing its pitch.

    The output has ``max(1, round(samples / rate))`` samples (``rate > 1``:
    shorter); ``rate == 1`` returns a copy. ``audio`` is ``(samples,)`` or ``(channels, samples)``
    float32; the result has the same layout (as for every :func:`~multiaug.audio.functional.channelwise`
    kernel).

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.stretch import time_stretch
    >>> tone = np.sin(2 * np.pi * 220 * np.arange(16000) / 16000).astype(np.float32)
    >>> time_stretch(tone, 1.25, 16000).shape
    (12800,)
    """
    if rate == 1.0:
        return audio.astype(np.float32, copy=True)
    out_len = max(1, round(audio.shape[-1] / rate))
    return phase_vocoder(audio, out_len, frame_size(sample_rate), _overlap(method))


@channelwise
def pitch_shift(audio: np.ndarray, semitones: float, sample_rate: int, method: str = "quality") -> np.ndarray:
    """Shift the pitch of ``audio`` by ``semitones`` and keep its length.

    A shift up by ``s`` semitones raises every frequency by ``2 ** (s / 12)``:
    the phase vocoder changes the duration by that ratio and soxr brings it
    back (upward shifts with the "quality" method use a longer synthesis hop,
    so the vocoder runs on about as many frames as the input has).

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.stretch import pitch_shift
    >>> sr = 16000
    >>> tone = np.sin(2 * np.pi * 220 * np.arange(sr) / sr).astype(np.float32)
    >>> out = pitch_shift(tone, 12.0, sr)
    >>> spectrum = np.abs(np.fft.rfft(out[4000:12000]))
    >>> out.shape, round(float(np.argmax(spectrum)) * sr / 8000)
    ((16000,), 440)
    """
    if semitones == 0.0:
        return audio.astype(np.float32, copy=True)
    n = audio.shape[-1]
    ratio = 2.0 ** (semitones / 12.0)
    # The vocoder runs first, on the input's exact bits (it is CPU-independent); soxr then
    # brings the length back, and its CPU-dependent last bits (SIMD sums, <= 5e-7) reach only
    # the output. (Resampling first, as before, fed them to the vocoder, whose peak decisions
    # amplified them to 7e-4.) Stretching by ``ratio > 1`` with the "quality" method, the
    # synthesis hop grows with the ratio (to at most a third of the window, so at least 3
    # frames overlap): as many frames as the input has, not ``ratio`` times more.
    n_fft, overlap = frame_size(sample_rate), _overlap(method)
    hop = min(round(n_fft / overlap * ratio), n_fft // 3) if ratio > 1 and overlap >= 4 else None
    return resample_length(phase_vocoder(audio, max(1, round(n * ratio)), n_fft, overlap, hop), n)


@channelwise
def speed_change(audio: np.ndarray, factor: float) -> np.ndarray:
    """Play ``audio`` ``factor`` times faster, pitch and tempo together (tape-speed change).

    A resampling to ``max(1, round(samples / factor))`` samples at the same
    nominal rate: ``factor=1.1`` is 10 % faster and 1.65 semitones higher.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.stretch import speed_change
    >>> speed_change(np.zeros(16000, np.float32), 1.25).shape
    (12800,)
    """
    if factor == 1.0:
        return audio.astype(np.float32, copy=True)
    return resample_length(audio, max(1, round(audio.shape[-1] / factor)))
