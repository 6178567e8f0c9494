"""Level and dynamics kernels: ``clipping``, ``bit_crush``, ``normalize``, ``limiter``, loudness.

``integrated_loudness`` is ITU-R BS.1770-4 written here: the K-weighting filter
(a high shelf and a high pass, in the parametrisation of B. De Man that gives the
standard's 48 kHz coefficients exactly and the same analog response at every
other rate), mean squares of 400 ms blocks every 100 ms, the absolute gate at
-70 LKFS and the relative gate 10 LU below the absolute-gated loudness. Every
channel is weighted 1.0 (the standard's weight of left, right and centre; the
1.41 of surround channels needs a layout that a ``(channels, samples)`` array
does not carry). A clip shorter than one block is measured as one block.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator

import numpy as np

from . import as_channels, restore

__all__ = [
    "SMALLEST_NORMAL",
    "bit_crush",
    "block_size",
    "clip_thresholds",
    "clipping",
    "integrated_loudness",
    "k_weighting_sos",
    "limiter",
    "loudness_normalization",
    "normalize",
    "order_statistics",
    "peak",
]


def peak(audio: np.ndarray) -> float:
    """``max |audio|`` over every channel (without the ``abs`` temporary)."""
    return float(max(audio.max(), -audio.min()))


def clip_thresholds(
    n: int, percentile: float, values_at: Callable[[list[int]], list[float]]
) -> tuple[float, float]:
    """Clipping's thresholds ``np.percentile(x, (percentile / 2, 100 - percentile / 2))`` of ``n`` samples.

    ``values_at(ks)`` gives the ``k``-th smallest samples (a partial sort here, a sort in the
    batched kernel): the same elements and the same float64 interpolation, so the same result.
    """
    pos = [q / 100.0 * (n - 1) for q in (percentile / 2.0, 100.0 - percentile / 2.0)]
    below = [min(math.floor(p), n - 1) for p in pos]
    ks = [k for b in below for k in (b, min(b + 1, n - 1))]
    v = [float(x) for x in values_at(ks)]
    lo = v[0] + (v[1] - v[0]) * (pos[0] - below[0])
    hi = v[2] + (v[3] - v[2]) * (pos[1] - below[1])
    return lo, hi


def clipping(audio: np.ndarray, percentile: float) -> np.ndarray:
    """Clip ``percentile`` percent of the samples: half below, half above (all channels pooled).

    The thresholds are ``np.percentile(audio, (percentile / 2, 100 - percentile / 2))``,
    rounded to float32.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.dynamics import clipping
    >>> clipping(np.linspace(-1, 1, 11), 40.0).astype(float).round(2).tolist()
    [-0.6, -0.6, -0.6, -0.4, -0.2, 0.0, 0.2, 0.4, 0.6, 0.6, 0.6]
    """
    if percentile <= 0.0:
        return np.array(audio, np.float32, order="C")
    flat = audio.reshape(-1)
    lo, hi = clip_thresholds(flat.size, percentile, lambda ks: order_statistics(flat, ks))
    return np.clip(audio, np.float32(lo), np.float32(hi), dtype=np.float32)


#: :func:`order_statistics`: every ``_SAMPLE_STEP``-th value is the sample that brackets the ranks
#: wanted; below ``_SELECT_MIN`` values a partial sort of all of them costs less.
_SAMPLE_STEP, _SELECT_MIN = 16, 4096


def order_statistics(flat: np.ndarray, ks: list[int]) -> list[float]:
    """The ``k``-th smallest values of the 1-D ``flat`` (0-based ranks ``ks``): ``np.partition``'s values.

    A partial sort of all the values costs ~9 ns each; here a strided sample (one value in 16)
    is sorted to bracket each group of neighbouring ranks, the values inside a bracket are
    picked out by two comparisons, and only those (~2-6 % of them) are sorted. The
    brackets are verified by counting (the values below a bracket must not reach its lowest
    rank, those up to its top must pass its highest), so the values are exact whatever the
    signal; a bracket that misses (a signal periodic in 16 samples) falls back to the full sort.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.dynamics import order_statistics
    >>> x = np.random.default_rng(0).normal(size=10_000).astype(np.float32)
    >>> order_statistics(x, [250, 9749]) == np.sort(x)[[250, 9749]].tolist()
    True
    """
    n = flat.size
    if n < _SELECT_MIN:
        return _partitioned(flat, ks)
    sample = flat[::_SAMPLE_STEP]
    m = sample.size
    groups: list[list[int]] = []  # ranks within 64 of each other share a bracket
    for k in sorted(set(ks)):
        if groups and k - groups[-1][-1] <= 64:
            groups[-1].append(k)
        else:
            groups.append([k])
    # sample ranks around each group: k * m / n, widened by 4 standard deviations of a sample
    # quantile's rank (binomial) plus two steps
    bounds = []
    for g in groups:
        q = min(max(g[0] / n, 1.0 / m), 1.0 - 1.0 / m)
        spread = 4.0 * math.sqrt(m * q * (1.0 - q)) + 2.0
        bounds.append((math.floor(g[0] * m / n - spread), math.ceil(g[-1] * m / n + spread)))
    picked = np.sort(sample)  # NumPy's SIMD sort: 5x faster than partitioning the sample at four ranks
    found: dict[int, float] = {}
    for g, (a, c) in zip(groups, bounds, strict=True):
        values = _bracketed(flat, g, picked[a] if a >= 0 else None, picked[c] if c < m else None)
        if values is None:
            return _partitioned(flat, ks)
        found.update(values)
    return [found[k] for k in ks]


def _partitioned(flat: np.ndarray, ks: list[int]) -> list[float]:
    """:func:`order_statistics` by a partial sort of all the values."""
    return [float(v) for v in np.partition(flat, sorted(set(ks)))[ks]]


def _bracketed(
    flat: np.ndarray, ranks: list[int], low: np.floating | None, high: np.floating | None
) -> dict[int, float] | None:
    """The values of ``ranks`` among ``flat``'s values in ``[low, high]`` (``None``: unbounded), or
    ``None`` when they do not all lie there."""
    below, mask = 0, None
    if low is not None:
        mask = flat < low  # NaN is not below: it sorts last, as in np.partition
        below = int(np.count_nonzero(mask))
        np.logical_not(mask, out=mask)
    if high is not None:
        under = flat <= high
        mask = under if mask is None else np.logical_and(mask, under, out=mask)
    inside = flat if mask is None else flat[mask]
    if below > ranks[0] or ranks[-1] >= below + inside.size:
        return None
    part = np.sort(inside)  # a few thousand values: faster than np.partition
    return {k: float(part[k - below]) for k in ranks}


def bit_crush(audio: np.ndarray, bits: int) -> np.ndarray:
    """Round to the grid of ``bits``-bit signed PCM: multiples of ``2 ** (1 - bits)``, no dither.

    Scaling by a power of two is exact in float32, so the output holds exactly the
    grid's values (not clipped: values beyond [-1, 1] stay on the grid).

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.dynamics import bit_crush
    >>> bit_crush(np.array([0.1, 0.3, -0.74], np.float32), 3)
    array([ 0.  ,  0.25, -0.75], dtype=float32)
    """
    scale, step = _PCM_STEPS[bits] if 0 < bits < len(_PCM_STEPS) else _pcm_step(bits)
    # three passes, as few as an exact kernel needs: a float32 magic-number round ((x + M) - M)
    # is two, but gives +0.0 where rint gives -0.0 (negative samples that round to zero), and
    # fixing the sign (np.copysign) is slower than the pass it saves; the int32 round trip of
    # OpenCV's convertTo loses -0.0 too and saturates past 2**31
    out = np.multiply(audio, scale, dtype=np.float32)  # exact: a power of two
    np.rint(out, out)  # half to even, in place (positional out: the cheaper ufunc call)
    np.multiply(out, step, out)
    return out


def _pcm_step(bits: int) -> tuple[np.float32, np.float32]:
    return np.float32(2.0 ** (bits - 1)), np.float32(2.0 ** (1 - bits))


#: (2 ** (bits - 1), 2 ** (1 - bits)) as float32 scalars for bits 1..32 (index 0 unused).
_PCM_STEPS = [_pcm_step(b) for b in range(33)]


#: float32's smallest normal number (1.2e-38): a clip whose peak is below it holds only subnormal
#: values (about -760 dBFS), numerically silence; ``1 / peak`` would not fit in a float32 (inf).
SMALLEST_NORMAL = float(np.finfo(np.float32).tiny)


def normalize(audio: np.ndarray, only_too_loud: bool = False) -> np.ndarray:
    """Peak normalisation: ``audio / max |audio|`` (peak at 0 dBFS); silence is returned as is.

    So is a clip of subnormal values only (peak below 1.2e-38, float32's smallest normal number),
    which has no float32 gain to 0 dBFS.

    With ``only_too_loud`` a clip whose peak is below 1 is returned unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.dynamics import normalize
    >>> normalize(np.array([0.25, -0.5], np.float32))
    array([ 0.5, -1. ], dtype=float32)
    """
    top = peak(audio)
    if top < SMALLEST_NORMAL or (only_too_loud and top < 1.0):
        return np.array(audio, np.float32, order="C")
    return np.multiply(audio, np.float32(1.0 / top), dtype=np.float32)


def limiter_blocks(sample_rate: int, attack: float, release: float) -> tuple[int, int, float]:
    """:func:`limiter`'s ``(h, M, step)``: block size, look-ahead in blocks (at most 15: ``h >=
    L // 8``) and the release's recovery in ln-gain per block (60 dB per ``release``)."""
    span = max(1, round(attack * sample_rate))
    h = max(1, span // 8, sample_rate // 4000)
    return h, max(1, round(span / h)), math.log(1000.0) * h / max(release * sample_rate, 1e-9)


def limiter(
    audio: np.ndarray,
    sample_rate: int,
    threshold: float,
    attack: float,
    release: float,
    relative: bool = False,
) -> np.ndarray:
    """Look-ahead peak limiter: ``|output| <= threshold`` at every sample, channels linked.

    With ``relative`` the threshold is a fraction of the clip's peak. The gain is computed on
    blocks of ``h = max(1, L // 8, sample_rate // 4000)`` samples (an eighth of the attack, at
    least 0.25 ms), ``L = round(attack * sample_rate)``: each block needs ``min(1, threshold /
    its peak over channels)``; that need is held at its minimum over the next ``M = round(L / h)``
    blocks (the look-ahead), recovers at ``60 / release`` dB per second after a peak (``release``
    is the time to recover 60 dB), and is averaged over the last ``M`` blocks, so it fades in over
    the attack time before each peak. Every value in that average is at most the gain the current
    block needs, so the output never exceeds the threshold: a guarantee, not an approximation.
    No delay (the look-ahead reads ahead in the clip instead of delaying it); the gain steps once
    per block.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.dynamics import limiter
    >>> x = np.sin(np.arange(8000) / 5).astype(np.float32) * np.linspace(0, 1, 8000, dtype=np.float32)
    >>> y = limiter(x, 8000, 0.5, 0.005, 0.1)
    >>> bool(np.abs(y).max() <= 0.5), bool(np.allclose(y[:1000], x[:1000]))
    (True, True)
    """
    x = as_channels(audio)
    n = x.shape[-1]
    h, m, step = limiter_blocks(sample_rate, attack, release)
    peaks = _block_peaks(x, h)  # float32 max |x| over channels of each block (the last may be short)
    top = float(peaks.max())
    if relative:
        threshold *= top
    if threshold <= 0.0 or top <= threshold:
        return np.array(audio, np.float32, order="C")
    blocks = peaks.size
    # per block in float32 (dB ramps within 3e-4 dB); the bound is enforced exactly below
    thr = np.float32(threshold)
    need = thr / np.maximum(peaks, thr)  # min(1, threshold / peak)
    held = _window_min(need, m)  # min of need[c : c + m]
    # recovery at a constant rate in ln units: r[c] = min over k <= c of (ln held[k] + rate * (c - k))
    # in float64: the ramp grows with the clip, and float32 would round ln gains by up to 0.1 on
    # clips of minutes (one value per block: negligible cost)
    ramp = np.arange(blocks, dtype=np.float64)
    ramp *= step
    lg = np.log(held, dtype=np.float64)
    lg -= ramp
    np.minimum.accumulate(lg, out=lg)
    lg += ramp
    gain = np.exp(lg, out=lg)
    # the mean of gain[c - m + 1 : c + 1] (the first value repeated before the clip), summed in float64
    # by a sequential cumulative sum (the same digits on every CPU)
    total = np.empty(blocks + m, np.float64)
    total[:m] = gain[0]
    total[m:] = gain
    np.cumsum(total, out=total)
    smooth = np.subtract(total[m:], total[:-m])
    smooth /= m
    smooth = smooth.astype(np.float32)
    np.minimum(smooth, need, out=smooth)  # exact in theory; absorbs rounding
    # gains below 1 shaved by 5e-7 (relative): rounding the gain and the product to float32 cannot
    # cross the threshold; a gain of 1 stays exactly 1 (those samples are at most the threshold)
    shaved = np.where(smooth < 1.0, smooth * np.float32(1.0 - 2.0**-21), np.float32(1.0))
    per_sample = np.repeat(shaved, h)[:n]
    if audio.ndim == 1:  # mono: the gains' buffer becomes the output
        return np.multiply(per_sample, x[0], out=per_sample)
    return restore(x * per_sample, audio)


def _block_peaks(x: np.ndarray, h: int) -> np.ndarray:
    """``max |x|`` over the channels and each block of ``h`` samples of ``x`` ``(channels, n)``.

    The last block holds the ``n % h`` samples left when ``h`` does not divide ``n``. While ``h``
    is even, neighbours are paired (blocks of ``h`` are blocks of ``h / 2`` pairs); then short
    blocks take ``h`` strided maxima (a reduction over a short axis, or ``reduceat``, costs 10x
    more) and longer ones ``log2(h)`` contiguous passes of doubling windows and two strided reads.
    """
    level = np.abs(x[0]) if x.shape[0] == 1 else np.abs(x).max(axis=0)
    while h % 2 == 0:
        half = level.size // 2
        pairs = np.empty(level.size - half, level.dtype)
        np.maximum(level[0 : 2 * half : 2], level[1::2], out=pairs[:half])
        if pairs.size > half:  # an odd count: the last sample has no partner
            pairs[half] = level[-1]
        level, h = pairs, h // 2
    n = level.size
    if h <= 8:
        peaks = level if h == 1 else level[0::h].copy()
        for j in range(1, h):
            part = level[j::h]
            np.maximum(peaks[: part.size], part, out=peaks[: part.size])
        return peaks
    acc, width = level, 1
    while 2 * width <= h:  # acc[c] = max(level[c : c + width])
        acc = np.maximum(acc[:-width], acc[width:])
        width *= 2
    first, last = acc[0::h], acc[h - width :: h]  # two windows of `width` cover each block
    peaks = np.empty(-(-n // h), level.dtype)
    np.maximum(first[: last.size], last, out=peaks[: last.size])
    if last.size < peaks.size:  # the short last block
        peaks[-1] = level[last.size * h :].max()
    return peaks


def _window_min(values: np.ndarray, m: int) -> np.ndarray:
    """``min(values[c : c + m])`` for every ``c`` (the window cut at the end), by doubling windows."""
    if m == 1:
        return values
    padded = np.concatenate([values, np.full(m - 1, values[-1], values.dtype)])
    width, acc = 1, padded
    while 2 * width <= m:  # acc[c] = min(padded[c : c + width])
        acc = np.minimum(acc[:-width], acc[width:])
        width *= 2
    # two windows of `width` cover [c, c + m): overlapping is harmless for a minimum
    return np.minimum(acc[: values.size], acc[m - width : m - width + values.size])


def _biquad(b: list[float], a: list[float]) -> np.ndarray:
    return np.array([[b[0] / a[0], b[1] / a[0], b[2] / a[0], 1.0, a[1] / a[0], a[2] / a[0]]])


#: K-weighting's shelf (centre Hz, gain dB, Q, mid-gain exponent) and high pass (Hz, Q): De Man's values.
_SHELF = (1681.974450955533, 3.999843853973347, 0.7071752369554196, 0.4996667741545416)
_HIGH_PASS = (38.13547087602444, 0.5003270373238773)


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """The sections ``(2, 6)`` of BS.1770's K-weighting filter at ``sample_rate``.

    At 48 kHz these are the standard's coefficients (Tables 1 and 2 of ITU-R BS.1770-4). A
    stage whose frequency is at or above the Nyquist frequency (the shelf at rates up to
    3363 Hz, the high pass up to 76 Hz) cannot be built there and is left out.

    Examples
    --------
    >>> from multiaug.audio.functional.dynamics import k_weighting_sos
    >>> k_weighting_sos(48000).round(8).tolist()[0]
    [1.53512486, -2.69169619, 1.19839281, 1.0, -1.69065929, 0.73248077]
    """
    sections = []
    f0, gain_db, q, mid = _SHELF
    if f0 < sample_rate / 2:
        k = math.tan(math.pi * f0 / sample_rate)
        vh = 10.0 ** (gain_db / 20.0)
        vb = vh**mid
        b = [vh + vb * k / q + k * k, 2.0 * (k * k - vh), vh - vb * k / q + k * k]
        sections.append(_biquad(b, [1.0 + k / q + k * k, 2.0 * (k * k - 1.0), 1.0 - k / q + k * k]))
    f0, q = _HIGH_PASS
    if f0 < sample_rate / 2:
        k = math.tan(math.pi * f0 / sample_rate)
        a0 = 1.0 + k / q + k * k  # the standard leaves the numerator at (1, -2, 1)
        sections.append(
            np.array([[1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]])
        )
    return np.concatenate(sections) if sections else np.array([[1.0, 0, 0, 1.0, 0, 0]])


@functools.lru_cache(maxsize=16)
def _k_weighting_ba(sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """K-weighting as one transfer function ``(b, a)``: one ``lfilter`` pass (within 1e-12 of
    ``sosfilt`` for these stable poles); cached per rate (read-only)."""
    sos = k_weighting_sos(sample_rate)
    if len(sos) == 1:
        b, a = sos[0, :3].copy(), sos[0, 3:].copy()
    else:
        b, a = np.convolve(sos[0, :3], sos[-1, :3]), np.convolve(sos[0, 3:], sos[-1, 3:])
    b.setflags(write=False)
    a.setflags(write=False)
    return b, a


def _k_weighted(
    lfilter: Callable[..., np.ndarray], b: np.ndarray, a: np.ndarray, x: np.ndarray
) -> Iterator[np.ndarray]:
    """Each channel of ``x`` ``(channels, n)`` K-weighted, float64."""
    for channel in x:
        yield lfilter(b, a, channel)


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Gated integrated loudness in LUFS (ITU-R BS.1770-4, see the module's note); ``-inf`` below the gate.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.dynamics import integrated_loudness
    >>> t = np.arange(48000 * 2) / 48000
    >>> round(integrated_loudness(np.sin(2 * np.pi * 997 * t), 48000), 2)  # the standard: -3.01
    -3.01
    """
    from scipy.signal import lfilter

    b, a = _k_weighting_ba(sample_rate)
    x = as_channels(audio)
    n = x.shape[-1]
    block, step = 0.4 * sample_rate, 0.1 * sample_rate
    size = block_size(sample_rate)
    # one lfilter pass per channel, 1-D (scipy's 2-D path costs more), float64 out; energies in float64
    if n < size:
        z = np.array([sum(float(np.mean(y * y)) for y in _k_weighted(lfilter, b, a, x))])
    elif step == int(step):  # 100 ms segments, summed four by four
        k, s = n // int(step), int(step)
        e = np.zeros(k)
        for y in _k_weighted(lfilter, b, a, x):
            seg = y[: k * s].reshape(k, s)
            e += np.einsum("ks,ks->k", seg, seg)  # not a BLAS matmul: no thread pool on a hot path
        z = (e[:-3] + e[1:-2] + e[2:-1] + e[3:]) / block
    else:
        power = np.zeros(n + 1)
        for y in _k_weighted(lfilter, b, a, x):
            power[1:] += y * y
        np.cumsum(power, out=power)
        starts = np.round(np.arange(int((n - size) / step + 1e-9) + 1) * step).astype(np.int64)
        z = (power[starts + size] - power[starts]) / size
    return gated_loudness(z)


def block_size(sample_rate: int) -> int:
    """Samples in a 400 ms loudness block: at least one (at 1 Hz, 0.4 samples would round to none)."""
    return max(1, round(0.4 * sample_rate))


def gated_loudness(z: np.ndarray) -> float:
    """BS.1770's gated loudness (LUFS, ``-inf`` below the absolute gate) of the mean squares ``z``
    of the K-weighted 400 ms blocks (summed over channels); one block for a shorter clip."""
    # the gates compare mean squares, not loudness: -0.691 + 10 log10(z) > -70 is z > _ABSOLUTE_GATE,
    # and 10 LU below the mean loudness is a tenth of the mean square (no logarithm per block)
    kept = z[z > _ABSOLUTE_GATE]
    if not kept.size:
        return -math.inf
    # means as sum / count (np.mean's Python layer costs more than the sums of ~30 blocks)
    mean = float(kept.sum()) / kept.size
    gate = 0.1 * mean
    chosen = kept > gate
    near = np.abs(kept - gate) <= gate * 1e-12  # only there may the two roundings disagree:
    if near.any():  # decide those blocks by the standard's rule in LUFS
        relative = -0.691 + 10.0 * math.log10(mean) - 10.0
        chosen[near] = -0.691 + 10.0 * np.log10(kept[near]) > relative
    kept = kept[chosen]
    return -0.691 + 10.0 * math.log10(float(kept.sum()) / kept.size)


#: The absolute gate, -70 LKFS, as a mean square of the K-weighted signal.
_ABSOLUTE_GATE = 10.0 ** ((-70.0 + 0.691) / 10.0)


def loudness_normalization(audio: np.ndarray, sample_rate: int, lufs: float) -> np.ndarray:
    """``audio`` scaled to an integrated loudness of ``lufs`` (unclipped); below the -70 LKFS gate, unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.dynamics import integrated_loudness, loudness_normalization
    >>> x = np.sin(np.arange(16000) / 3).astype(np.float32) * 0.01
    >>> round(integrated_loudness(loudness_normalization(x, 16000, -23.0), 16000), 2)
    -23.0
    """
    now = integrated_loudness(audio, sample_rate)
    if now == -math.inf:
        return np.array(audio, np.float32, order="C")
    return np.multiply(audio, np.float32(10.0 ** ((lufs - now) / 20.0)), dtype=np.float32)
