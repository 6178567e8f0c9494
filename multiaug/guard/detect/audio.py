"""Near-duplicate audio clips: band-energy-difference fingerprints, offset-consistent frame-key
matches and the bit error rate over offsets, band shifts and time scales."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...core.random import TAGS, generator, mix
from .common import KeyIndex, Pair

__all__ = ["AudioPrint", "audio_fingerprint", "audio_pairs"]

_AUDIO_BANDS = 33  # 33 log-spaced bands between 300 and 4000 Hz give 32 band-difference bits a frame
_AUDIO_SHIFTS = (-3, -2, -1, 0, 1, 2, 3)  # band shifts tried (a band is ~1.4 semitones): PitchShift's +-4
# time scales tried, 0.8 to 1.25 in 11 steps of ~4.5 % (TimeStretch's default rates)
_AUDIO_SCALES = tuple(float(r) for r in np.round(np.geomspace(0.8, 1.25, 11), 3))
# the verification's finer time scales: 21 steps of ~2.2 %
_VERIFY_SCALES = tuple(float(r) for r in np.round(np.geomspace(0.8, 1.25, 21), 4))
_AUDIO_SALT = TAGS["audio"]
# a candidate is searched at every scale only when every other scale reaches this share of the
# acceptance bar (see _audio_similarity)
_SCREEN = 0.7


@dataclass(frozen=True)
class AudioPrint:
    """The fingerprint of one clip: band-energy differences, one row per frame.

    ``signs`` is ``(frames, 32)`` int8 in {-1, +1}: the sign of the log-energy difference of
    adjacent bands, centred on its median over the clip (so a clip's spectral tilt, a fixed
    filter's response, a channel's colouring and the gain cancel out); ``loud`` marks the frames
    at or above the clip's median energy, the only ones compared (silence turns to noise under
    additive noise). ``soft`` is the same difference as a value in (-1, 1) (scaled by its median
    magnitude over the loud frames, then ``tanh``: a reliable difference weighs more than one
    near zero, which noise flips); ``half`` is ``soft`` with every band edge moved up by half a
    band, so that band shifts in half-band steps (about 0.7 semitone) can be compared.
    """

    signs: np.ndarray
    loud: np.ndarray
    soft: np.ndarray | None = None
    half: np.ndarray | None = None


def _band_differences(
    power: np.ndarray, freqs: np.ndarray, sample_rate: int, offset: float
) -> tuple[np.ndarray, np.ndarray]:
    """Centred log-energy differences of adjacent bands (edges moved by ``offset`` bands) and
    the loud-frame mask."""
    n_frames = power.shape[0]
    f_hi = min(4000.0, 0.45 * sample_rate)
    edges = np.geomspace(min(300.0, f_hi / 8), f_hi, _AUDIO_BANDS + 1)
    edges = edges * (edges[1] / edges[0]) ** offset
    # band energies from the cumulative spectrum interpolated at the band edges: no band is
    # empty, whatever the rate and FFT size
    cum = np.concatenate([np.zeros((n_frames, 1)), np.cumsum(power, axis=1)], axis=1)
    pos = np.interp(edges, freqs, np.arange(len(freqs))) + 0.5
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    at = cum[:, lo] + frac * (cum[:, np.minimum(lo + 1, len(freqs))] - cum[:, lo])
    energy = np.maximum(np.diff(at, axis=1), 0.0)
    total = energy.sum(axis=1)
    floor = 1e-10 * max(float(energy.max()), 1e-30)
    log_e = np.log(energy + floor)
    diff = log_e[:, :-1] - log_e[:, 1:]
    loud = (total >= np.median(total)) & (total > 0)
    centre = np.median(diff[loud], axis=0) if loud.any() else np.zeros(diff.shape[1])
    return diff - centre, loud


def _soft(diff: np.ndarray, loud: np.ndarray) -> np.ndarray:
    scale = np.median(np.abs(diff[loud]), axis=0) if loud.any() else np.ones(diff.shape[1])
    return np.tanh(diff / np.maximum(scale, 1e-9)).astype(np.float32)


def audio_fingerprint(audio: np.ndarray, sample_rate: int) -> AudioPrint:
    """Band-energy-difference fingerprint of one clip (a Haitsma-Kalker variant, NumPy only).

    The mono mix is cut into Hann-windowed frames of about 64 ms (a power of two of samples)
    with 75 % overlap; the power spectrum is summed into 33 bands spaced evenly in log
    frequency from 300 Hz to 4 kHz (or 0.45 x the rate); bit ``m`` of a frame is the sign of
    ``log E[m] - log E[m + 1]`` minus that difference's median over the clip's loud frames.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(16000) / 16000
    >>> clip = (np.sin(2 * np.pi * 440 * t) * np.sin(2 * np.pi * 3 * t)).astype(np.float32)
    >>> fp = audio_fingerprint(clip, 16000)
    >>> fp.signs.shape, fp.signs.dtype, bool(fp.loud.any()), fp.half.shape
    ((59, 32), dtype('int8'), True, (59, 32))
    """
    x = np.asarray(audio, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=0)
    n_fft = 1 << max(4, round(np.log2(0.064 * sample_rate)))
    hop = n_fft // 4
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    n_frames = 1 + (len(x) - n_fft) // hop
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop][:n_frames]
    power = np.abs(np.fft.rfft(frames * np.hanning(n_fft), axis=1)) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    diff, loud = _band_differences(power, freqs, sample_rate, 0.0)
    half, _ = _band_differences(power, freqs, sample_rate, 0.5)
    signs = np.where(diff > 0, 1, -1).astype(np.int8)
    return AudioPrint(signs, loud, _soft(diff, loud), _soft(half, loud))


def _audio_keys(
    prints: Sequence[AudioPrint], n_tables: int, n_bits: int, seed: int
) -> tuple[np.ndarray, np.ndarray, dict[tuple[int, int], np.ndarray]]:
    """Bit-sampling LSH keys of every loud frame, for each (table, band shift).

    Returns the item and frame number of each loud frame and its keys.
    """
    n_b = _AUDIO_BANDS - 1
    margin = 2  # sampled bits stay inside the frame under shifts of two bands
    rng = generator(mix(seed, _AUDIO_SALT))
    positions = [
        np.sort(rng.choice(np.arange(margin, n_b - margin), n_bits, replace=False)) for _ in range(n_tables)
    ]
    weights = np.left_shift(np.int64(1), np.arange(n_bits, dtype=np.int64))
    # every loud frame twice: its bits, and those of the half-band print (half-band shifts)
    owner = np.concatenate([np.full(int(p.loud.sum()), k, np.int64) for k, p in enumerate(prints)] * 2)
    frame = np.concatenate([np.flatnonzero(p.loud) for p in prints] * 2).astype(np.int64)
    bits = np.concatenate(
        [p.signs[p.loud] > 0 for p in prints] + [_half_bits(p)[p.loud] for p in prints]
    ).astype(np.int64)
    # larger shifts read past the frame's edge bands: those bits are 0 for every frame alike
    pad = max(_AUDIO_SHIFTS) - margin
    bits = np.pad(bits, ((0, 0), (pad, pad)))
    keys = {
        (t, s): (bits[:, positions[t] + s + pad] * weights).sum(axis=1)
        for t in range(n_tables)
        for s in _AUDIO_SHIFTS
    }
    return owner, frame, keys


def _half_bits(p: AudioPrint) -> np.ndarray:
    return p.half > 0 if p.half is not None else p.signs > 0


def _unique_rows(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``(a, b)`` rows of two non-negative int64 columns, in lexicographic order."""
    if not len(a):
        return a, b
    width = int(b.max()) + 1
    if int(a.max()) < np.iinfo(np.int64).max // width:
        # one int64 sort (np.unique may take a slower hash-table path on large inputs)
        packed = np.sort(a * width + b)
        packed = packed[np.r_[True, packed[1:] != packed[:-1]]]
        return packed // width, packed % width
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    keep = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    return a[keep], b[keep]


def _frame_matches(
    owner: np.ndarray,
    frame: np.ndarray,
    keys: dict[tuple[int, int], np.ndarray],
    side: np.ndarray | None,
    n_items: int,
    n_frames: int,
    n_tables: int,
    max_bucket: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Frame-key matches as ``(pair code, where)`` rows (duplicates dropped, sorted).

    ``pair code`` is ``i * n_items + j`` (``i < j``); ``where`` packs the band shift in half
    bands and the time-offset bin (two binnings of 4 frames, staggered by 2; ``n_frames``, the
    longest clip's, bounds the offsets) above bit 24 and the lower item's region of 4 frames
    below it: overlapping frames of one sustained sound match together, so hits count once
    per region.
    """
    n_off = 2 * n_frames // 4 + 2
    pair_parts, where_parts = [], []
    # with sides, training frames are indexed and validation frames look them up
    in_index = np.ones(len(owner), bool) if side is None else side[owner] == 0
    in_query = np.ones(len(owner), bool) if side is None else side[owner] == 1
    half = (np.arange(len(owner)) >= len(owner) // 2).astype(np.int64)  # rows of the half-band prints
    for t in range(n_tables):
        # a run of frames with one key (a sustained sound) is indexed once, at its first frame
        index = keys[(t, 0)]
        first = np.r_[True, (index[1:] != index[:-1]) | (owner[1:] != owner[:-1])]
        rows = np.flatnonzero(first & in_index)
        table = KeyIndex(index[rows])
        query_rows = np.flatnonzero(first & in_query)
        for s in _AUDIO_SHIFTS:
            # very common keys (sustained, spectrally flat frames) say little: skipped
            asked, found = table.matches(keys[(t, s)][query_rows], max_bucket)
            q, hit = query_rows[asked], rows[found]
            a, b = owner[q], owner[hit]
            # without sides, a pair is kept one way round: the other is found at shift -s
            keep = a < b if side is None else np.ones(len(a), bool)
            q, hit, a, b = q[keep], hit[keep], a[keep], b[keep]
            lower = np.where(a < b, frame[q], frame[hit])  # the lower-numbered item's frame
            delta = np.where(a < b, frame[hit], frame[q]) - lower
            pair = np.minimum(a, b) * n_items + np.maximum(a, b)
            # the band shift in half bands (a copy keeps one pitch shift throughout): 0..14
            pitch = 2 * s + half[q] - half[hit]
            pitch = np.where(a < b, pitch, -pitch) + 2 * max(_AUDIO_SHIFTS) + 1
            for stagger in (0, 2):
                pair_parts.append(pair)
                cell = (pitch * n_off + (delta + stagger) // 4 + n_off // 2) * 2 + stagger // 2
                where_parts.append(cell << 24 | lower // 4)
    if not pair_parts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return _unique_rows(np.concatenate(pair_parts), np.concatenate(where_parts))


def _audio_candidates(
    prints: Sequence[AudioPrint],
    side: np.ndarray | None,
    n_tables: int = 16,
    n_bits: int = 18,
    min_hits: int = 7,
    max_bucket: int = 64,
    seed: int = 0,
    top: int = 0,
) -> np.ndarray:
    """Item pairs ``(i, j)``, ``i < j``, with ``min_hits`` frame-key matches at one time offset
    and band shift, and (``top`` > 0) each item's ``top`` best-matching partners.

    As in landmark fingerprinting, matching keys only count together when they agree on the
    time offset between the clips (to within a bin of 4 frames, two binnings staggered by 2),
    and at most once per region of 4 frames: two different utterances of one voice share many
    frame keys, but at scattered offsets.
    """
    if len(prints) < 2:
        return np.empty((0, 2), dtype=np.int64)
    owner, frame, keys = _audio_keys(prints, n_tables, n_bits, seed)
    n = len(prints)
    pair_code, where = _frame_matches(
        owner, frame, keys, side, n, max(len(p.loud) for p in prints), n_tables, max_bucket
    )
    if not len(pair_code):
        return np.empty((0, 2), dtype=np.int64)
    cell = where >> 24  # rows are now one per region: count them per (pair, offset bin)
    starts = np.flatnonzero(np.r_[True, (pair_code[1:] != pair_code[:-1]) | (cell[1:] != cell[:-1]), True])
    per_cell = np.diff(starts)
    code = pair_code[starts[:-1]]
    # short clips have few regions: ask for a quarter of the shorter clip's, at least 2
    regions = np.array([int(p.loud.sum()) // 4 for p in prints])
    need = np.clip(np.ceil(0.25 * np.minimum(regions[code // n], regions[code % n])), 2, min_hits)
    pairs = np.unique(code[per_cell >= need])
    if top:
        pairs = np.union1d(pairs, _best_per_item(code, per_cell, side, n, top))
    return np.stack([pairs // n, pairs % n], axis=1)


def _best_per_item(
    code: np.ndarray, hits: np.ndarray, side: np.ndarray | None, n: int, top: int
) -> np.ndarray:
    """Each item's ``top`` partners by their best count of hits in one cell (at least 3): a
    copy that went through a whole pipeline (pitch, tempo, noise) keeps few exact frame keys,
    but more, in one cell, than the other clips of the set."""
    order = np.lexsort((-hits, code))
    code, hits = code[order], hits[order]
    first = np.r_[True, code[1:] != code[:-1]]
    code, hits = code[first], hits[first]  # one row per pair: its best cell
    keep = hits >= 3
    code, hits = code[keep], hits[keep]
    picked = []
    for item in (
        (code // n, code % n) if side is None else (np.where(side[code // n] == 1, code // n, code % n),)
    ):
        rank_order = np.lexsort((code, -hits, item))
        it = item[rank_order]
        start = np.searchsorted(it, it, "left")
        rank = np.arange(len(it)) - start
        picked.append(code[rank_order][rank < top])
    return np.unique(np.concatenate(picked)) if picked else np.empty(0, np.int64)


def _audio_similarity(
    a: AudioPrint,
    b: AudioPrint,
    enough: float = 1.0,
    min_overlap: float = 0.7,
    min_frames: int = 8,
    screen: float | None = None,
) -> float:
    """Highest correlation of ``b``'s soft fingerprint with ``a``'s over time offsets, band
    shifts in half-band steps (``b``'s print and its half-band print, each shifted by up to three
    bands: pitch shifts up to about 4.7 semitones) and time scales 0.8-1.25 (21 steps).

    The correlation is the sum of products over the frames loud in both clips, divided by the
    number of values compared and the root of the two clips' mean squares (1 for one clip
    against itself, about 0 for unrelated clips). An alignment must overlap at least
    ``min_overlap`` of the smaller clip's loud frames (and ``min_frames``). Correlations over all
    offsets at once come from FFTs along the time axis; the scales are tried from 1 outwards
    and the search stops once ``enough`` is reached. Returns 0 when no alignment qualifies.

    With ``screen``, every other scale (11, 4.5 % apart) is searched first, and the whole search
    runs only when that reaches ``screen``; otherwise the coarse best is returned. A copy's
    correlation falls by little between neighbouring scales (on the speech benchmark's pipeline
    copies the coarse best stayed above 0.45 where the whole search found 0.5 or more, distinct
    clips' coarse best under 0.35 in 99 % of the candidate pairs), and most candidates are
    distinct clips, for which the whole search costs twice as much. The screen runs in single
    precision (twice as fast; its value is only compared with ``screen``); the whole search, whose
    value is the score, in double.
    """
    from scipy.fft import next_fast_len, rfft

    assert a.soft is not None and b.soft is not None and b.half is not None
    need = max(min_frames, min_overlap * min(int(a.loud.sum()), int(b.loud.sum())))
    norm = np.sqrt(float(np.mean(a.soft[a.loud] ** 2)) * float(np.mean(b.soft[b.loud] ** 2)))
    if not a.loud.any() or not b.loud.any() or norm <= 0:
        return 0.0
    # one FFT length for every scale (long enough for the longest stretch): ``a`` is
    # transformed once
    size = next_fast_len(len(a.loud) + max(round(len(b.loud) * r) for r in _VERIFY_SCALES), real=True)
    order = sorted(_VERIFY_SCALES, key=lambda r: abs(r - 1.0))
    if screen is not None:  # in single precision: only its comparison with ``screen`` matters
        coarse = [r for r in order if _VERIFY_SCALES.index(r) % 2 == 0]
        fa = rfft(a.soft.astype(np.float32) * a.loud[:, None], size, axis=0)
        fla = rfft(a.loud.astype(np.float32), size)
        best = _search(fa, fla, b, coarse, screen, size, need, norm)
        if best < screen:
            return best
    fa = rfft(a.soft.astype(np.float64) * a.loud[:, None], size, axis=0)
    fla = rfft(a.loud.astype(np.float64), size)
    return _search(fa, fla, b, order, enough, size, need, norm)


def _search(
    fa: np.ndarray,
    fla: np.ndarray,
    b: AudioPrint,
    scales: Sequence[float],
    enough: float,
    size: int,
    need: float,
    norm: float,
) -> float:
    """The best correlation of ``b``'s prints at ``scales`` (in that order, until ``enough`` is
    reached) with ``a``'s (``fa``, ``fla``: the spectra along time of ``a``'s loud soft print
    and of its loud-frame mask, at FFT length ``size``)."""
    from scipy.fft import irfft, rfft

    assert b.soft is not None and b.half is not None
    n_b = fa.shape[1]
    real: type[np.floating] = np.float32 if fa.dtype == np.complex64 else np.float64
    best = 0.0
    spans = [(max(0, s), n_b + min(0, s), s) for s in _AUDIO_SHIFTS]
    width = np.array([hi - lo for lo, hi, _ in spans], np.float64)[:, None]
    for scale in scales:
        if best >= enough:
            break
        idx = np.minimum(
            (np.arange(max(1, round(len(b.loud) * scale))) / scale).astype(np.int64), len(b.loud) - 1
        )
        lb = b.loud[idx].astype(real)
        frames = irfft(fla * np.conj(rfft(lb, size)), size)
        ok = frames >= need - 0.5
        if not ok.any():
            continue
        for values in (b.soft, b.half):
            fb = np.conj(rfft(values[idx].astype(real) * lb[:, None], size, axis=0))
            # every band shift at once: one batched inverse FFT of the per-shift cross-spectra
            cross = np.stack(
                [np.einsum("fb,fb->f", fa[:, lo:hi], fb[:, lo - s : hi - s]) for lo, hi, s in spans]
            )
            agree = irfft(cross, size, axis=1)[:, ok]
            best = max(best, float((agree / (np.rint(frames[ok])[None] * width * norm)).max()))
    return best


def audio_pairs(
    clips: Sequence[np.ndarray],
    side: np.ndarray | None,
    sample_rate: int,
    max_ber: float = 0.25,
    seed: int = 0,
) -> list[Pair]:
    """Near-duplicate clips: soft band-difference fingerprints correlated at ``1 - 2 * max_ber``
    or more (for sign bits alone, a bit error rate of ``max_ber`` or less).

    Candidates (:func:`_audio_candidates`) share loud-frame keys (16 tables of 14 sampled
    fingerprint bits, looked up under band shifts of up to three bands in half-band steps) at
    one time offset and band shift: in at least 7 distinct 4-frame regions (for short clips, a
    quarter of the shorter clip's, at least 2), or among each clip's 8 partners with the most
    such regions (at least 3), which finds copies that went through a whole pipeline (pitch,
    tempo, noise and a filter). Each is verified by :func:`_audio_similarity`: the highest
    correlation of the soft fingerprints over time offsets, band shifts in half-band steps
    (pitch shifts up to about 4.7 semitones) and time scales 0.8-1.25. The score is that
    correlation (1 for the same clip, about 0 for unrelated ones).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = ((rng.standard_normal(16000) * np.repeat(rng.random(50), 320)).astype(np.float32)
    ...         for _ in "ab")
    >>> louder = 2.0 * np.roll(a, 800)
    >>> [(i, j) for i, j, _ in audio_pairs([a, b, louder], None, 16000)]
    [(0, 2)]
    """
    prints = [audio_fingerprint(c, sample_rate) for c in clips]
    need = 1.0 - 2.0 * max_ber
    out = []
    for i, j in _audio_candidates(prints, side, n_bits=14, top=8, seed=seed).tolist():
        score = _audio_similarity(prints[i], prints[j], need, screen=_SCREEN * need)
        if score >= need:
            out.append((i, j, min(1.0, score)))
    return out
