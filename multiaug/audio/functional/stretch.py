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

The frame-to-frame phase propagation is a short Python loop over frames
(two NumPy calls each); everything else is vectorised over frames and bins.

Pitch shifting stretches by ``2 ** (semitones / 12)`` and resamples back to the
input length with soxr (band-limited, "HQ"), or resamples first and stretches
back when that means fewer frames (upward shifts); speed changes resample
only. Nothing here imports librosa or numba.
"""

from __future__ import annotations

import functools
import math

import numpy as np

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


@functools.lru_cache(maxsize=16)
def _hann(n: int) -> np.ndarray:
    """Periodic Hann window (float64); cached, never written to."""
    w = 0.5 - 0.5 * np.cos(_TWO_PI * np.arange(n) / n)
    w.setflags(write=False)
    return w


def _overlap_add(frames: np.ndarray, overlap: int) -> np.ndarray:
    """Overlap-add ``frames`` (channels, count, n_fft) at a hop of ``n_fft / overlap`` (float64 out)."""
    channels, count, n_fft = frames.shape
    hop = n_fft // overlap
    parts = frames.reshape(channels, count, overlap, hop)
    out = np.zeros((channels, count + overlap - 1, hop))
    for r in range(overlap):
        out[:, r : r + count] += parts[:, :, r]
    return out.reshape(channels, -1)


def _window_sum(n_fft: int, overlap: int, count: int) -> np.ndarray:
    """Sum of the squared windows of ``count`` overlap-added frames, at each output sample."""
    hop = n_fft // overlap
    squares = (_hann(n_fft) ** 2).reshape(overlap, hop)
    out = np.zeros((count + overlap - 1, hop))
    for r in range(overlap):
        out[r : r + count] += squares[r]
    return out.reshape(-1)


def _peak_owner(mag: np.ndarray) -> np.ndarray:
    """For each bin of each frame of ``mag`` (frames, bins): the index of its region's peak.

    Peaks are local maxima over +/- 2 bins (plus each frame's largest bin, so no
    frame is without one); every bin belongs to the nearest peak of its frame
    (ties to the lower one). Returned as flat indices into ``mag``, so that
    ``values.reshape(-1)[owner]`` gathers each bin's peak value.
    """
    frames, bins = mag.shape
    peak = np.zeros(mag.shape, dtype=bool)
    if bins > 4:
        mid = mag[:, 2:-2]
        np.greater(mid, mag[:, 1:-3], out=peak[:, 2:-2])
        peak[:, 2:-2] &= mid > mag[:, :-4]
        peak[:, 2:-2] &= mid >= mag[:, 3:-1]
        peak[:, 2:-2] &= mid >= mag[:, 4:]
    peak[np.arange(frames), np.argmax(mag, axis=1)] = True
    pos = np.flatnonzero(peak)
    frame = pos // bins
    start = np.empty_like(pos)
    start[0] = 0
    same = frame[1:] == frame[:-1]
    # a region starts halfway to the previous peak of its frame, or at its frame's first bin
    start[1:] = np.where(same, (pos[:-1] + pos[1:]) // 2 + 1, frame[1:] * bins)
    return np.repeat(pos, np.diff(start, append=peak.size))


def phase_vocoder(x: np.ndarray, out_len: int, n_fft: int, overlap: int = 4) -> np.ndarray:
    """Stretch ``x`` (channels, samples) to exactly ``out_len`` samples, keeping its pitch.

    Synthesis frames sit every ``n_fft / overlap`` output samples (``overlap``
    doubled when compressing by more than 2x, so that the analysis hop stays
    within half a window); analysis frames sit at the proportional input
    positions, so the time map is exactly linear. Output is float32.
    """
    channels, n = x.shape
    if n > 2 * out_len:
        overlap *= 2
    hop = n_fft // overlap
    frames = -(-out_len // hop) + 1
    half = n_fft // 2
    # analysis frame m is centred on input sample round(m * hop * n / out_len)
    at = np.rint(np.arange(frames) * (hop * n / out_len)).astype(np.intp)
    padded = np.zeros((channels, max(n + half, int(at[-1]) + n_fft)))
    padded[:, half : half + n] = x
    win = _hann(n_fft)
    seg = np.lib.stride_tricks.sliding_window_view(padded, n_fft, axis=-1)[:, at, :]
    seg *= win
    # float64 FFT: NumPy's float32 path is several times slower; halve the memory afterwards
    spec = np.fft.rfft(seg, axis=-1).astype(np.complex64)
    bins = spec.shape[-1]

    # reference spectrum for the phases: per bin, the channel with the most energy
    if channels == 1:
        ref = spec[0]
    else:
        loudest = np.argmax(np.abs(spec).sum(axis=1), axis=0)
        ref = spec[loudest, :, np.arange(bins)].T
    phase = np.arctan2(ref.imag, ref.real)
    omega = np.arange(bins, dtype=np.float32) * np.float32(_TWO_PI / n_fft)
    step = np.diff(at).astype(np.float32)[:, None]  # actual analysis hops (rounding may vary them)
    # heterodyned phase advance -> deviation from the bin centre -> advance over one synthesis hop
    adv = phase[1:] - phase[:-1]
    adv -= omega * step
    adv -= np.float32(_TWO_PI) * np.rint(adv * np.float32(1 / _TWO_PI))
    adv *= np.float32(hop) / np.maximum(step, 1)
    adv += omega * np.float32(hop)
    adv -= np.float32(_TWO_PI) * np.rint(adv * np.float32(1 / _TWO_PI))  # keep float32 phases small
    # rotation of each bin, so that synthesis phase = analysis phase + rotation
    rot = np.empty_like(phase)
    rot[0] = 0.0
    if frames > 1:
        adv += phase[:-1]
        adv -= phase[1:]  # adv[m-1] = phase[m-1] + advance[m] - phase[m]
        # Laroche-Dolson identity locking: a peak continues the phase synthesised in the
        # previous frame at its bin; the bins of its region take its rotation.
        own = _peak_owner(np.abs(ref)).reshape(frames, bins) - (np.arange(frames) * bins)[:, None]
        tmp = np.empty(bins, dtype=np.float32)
        for m in range(1, frames):
            np.add(rot[m - 1], adv[m - 1], out=tmp)
            if m % 128 == 0:  # rotations only matter modulo 2 pi; wrap before float32 loses precision
                tmp -= np.float32(_TWO_PI) * np.rint(tmp * np.float32(1 / _TWO_PI))
            np.take(tmp, own[m], out=rot[m])
    turn = np.empty(rot.shape, dtype=np.complex64)
    turn.real = np.cos(rot)
    turn.imag = np.sin(rot)
    spec *= turn

    out = np.fft.irfft(spec, n=n_fft, axis=-1)
    out *= win
    y = _overlap_add(out, overlap)[:, half : half + out_len]
    # divide by the summed squared windows (constant inside, smaller at the ends)
    norm = _window_sum(n_fft, overlap, frames)[half : half + out_len]
    return (y / np.maximum(norm, 1e-3)).astype(np.float32)


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
    the phase vocoder changes the duration by that ratio and the resampler
    brings it back. For upward shifts the signal is resampled first (the
    vocoder then runs on fewer frames); the two orders are the same operation.

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
    n_fft, overlap = frame_size(sample_rate), _overlap(method)
    if ratio > 1.0:
        return phase_vocoder(resample_length(audio, max(1, round(n / ratio))), n, n_fft, overlap)
    return resample_length(phase_vocoder(audio, max(1, round(n * ratio)), n_fft, overlap), n)


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
