"""Near-duplicate images: pose-tolerant pHash candidates verified on the pixels (``image_pairs``)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .common import Pair
from .image_crop import _crop_pairs
from .image_flat import split_flat_groups
from .image_hash import (
    _DIHEDRAL_INVERSE,
    _band,
    _BandIndex,
    _dct_blocks,
    _disc,
    _gray,
    _phash,
    _phash_bits,
    _popcount,
    _thumbnails,
    _turned_blocks,
    _variants,
)
from .image_retrieval import _POOL, RETRIEVAL_BUDGET, reranked_pairs
from .image_source import _one_source
from .image_verify import (
    PoseRenderer,
    VerifiedCache,
    _content_key,
    _low_correlation,
    _middle_pose,
    _variant_blocks,
    _verify,
)
from .image_warp import _MIN_SIDE, WarpMatch, WarpStore, _levels, inverted_evidence, too_flat, warp_pairs

__all__ = ["image_pairs"]

_IMAGE_ANGLES = tuple(float(a) for a in range(-30, 31, 5) if a)  # rotations looked up besides the dihedral 8
_LOW_FILTER = 0.8  # low-band correlation (at the hashed pose) below which no candidate is verified
_RICH_STRUCTURE = 8.0  # participation ratio of the low frequencies from which thresholds hold as given
_PROBE_BITS = 2  # weak bits a band flipped in lookups: 2 for the hash as it is, 1 for the other variants
_WARP_EXHAUSTIVE = 2_000  # cross-side group pairs up to which the warp search visits every one
_WARP_CANDIDATES = 300  # band candidates the warp search visits at most in a larger check


@dataclass(frozen=True)
class _Groups:
    """The items grouped by their canonical pHash, and what the search needs of each group.

    Items with one pHash (exact or brightness-shifted copies) are searched once, as a group,
    through its largest item (``rep``; ties: the first). Per item: ``thumbs`` (normalised 32x32 thumbnails),
    ``scales`` (their standard deviations in the image's units) and ``group``. Per group: ``has``
    (``(2, m)``: whether it holds an item of side 0, of side 1), its ``discs`` and their DCT
    ``blocks``, ``structure`` (the participation ratio of the low frequencies: ~2 for a smooth
    gradient, tens for texture) and ``sharp`` (at least 32 pixels a side: its hash and high
    frequencies are its own, where an upscaled 8x8 image's are interpolation, and two such
    images a few pixels apart look like one with noise added).
    """

    images: Sequence[np.ndarray]
    thumbs: np.ndarray
    scales: np.ndarray
    group: np.ndarray
    rep: np.ndarray
    has: np.ndarray
    discs: np.ndarray
    blocks: np.ndarray
    structure: np.ndarray
    sharp: np.ndarray

    def crosses(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether group pairs ``(a[k], b[k])`` can leak across the sides."""
        return (self.has[0, a] & self.has[1, b]) | (self.has[1, a] & self.has[0, b])


@dataclass(frozen=True)
class _Poses:
    """Every group's hash in each pose looked up: the 8 dihedral variants of the thumbnail as given,
    then the rotations by ``_IMAGE_ANGLES``, each hashed over the inscribed disc. ``hashes`` is
    ``(m, n_poses)``, ``flips`` the probes of its least reliable bits ``(m, n_poses, 4, probes)``;
    ``angles`` and ``dihedral`` say what each pose is."""

    hashes: np.ndarray
    flips: np.ndarray
    angles: np.ndarray
    dihedral: np.ndarray


def _group_items(
    images: Sequence[np.ndarray], side: np.ndarray | None, min_correlation: float = 0.985
) -> _Groups:
    """Thumbnails and canonical pHashes of the items, grouped by hash (see :class:`_Groups`)."""
    scales = np.empty(len(images), np.float32)
    thumbs = _thumbnails(images, scales=scales)
    discs = _disc(thumbs)
    all_blocks = _dct_blocks(discs)
    canonical = _phash_bits(all_blocks)
    _, group = np.unique(canonical, return_inverse=True)
    # one hash on one flat background is no proof of one image: such items apart unless alike
    group = split_flat_groups(thumbs, group.reshape(-1), min_correlation)
    # each group searched through its largest item (by the shorter side; ties: the first), so a
    # small rendition listed before its full-size original does not hide the group from the search
    sides = np.array([min(np.shape(image)[:2]) for image in images], np.int64)
    order = np.lexsort((np.arange(len(group)), -sides, group))
    rep = order[np.r_[True, group[order][1:] != group[order][:-1]]] if len(order) else order
    m = len(rep)
    if side is None:
        has = np.ones((2, m), bool)
    else:
        has = np.stack([np.bincount(group, side == s, minlength=m) > 0 for s in (0, 1)])
    blocks = all_blocks[rep]  # each block its own matrix product: the same as recomputed
    # chance correlations between distinct images with few degrees of freedom run high
    power = (blocks**2).reshape(m, 64)[:, 1:]
    structure = power.sum(axis=1) ** 2 / ((power**2).sum(axis=1) + 1e-12)
    sharp = np.array([min(np.shape(images[r])[:2]) >= 32 for r in rep.tolist()])
    return _Groups(images, thumbs, scales, group, rep, has, discs[rep], blocks, structure, sharp)


def _pose_hashes(groups: _Groups) -> _Poses:
    """Each group's pHash in every pose looked up, with its probes (see :class:`_Poses`)."""
    # the rotations: one matrix product per block of groups (a few hundred MB at a time at most)
    turned = [
        _phash(_turned_blocks(groups.discs[s : s + 8192], _IMAGE_ANGLES), _PROBE_BITS)
        for s in range(0, len(groups.discs), 8192)
    ]
    hashed = [
        _phash(_variants(groups.blocks), _PROBE_BITS),
        (np.concatenate([h for h, _ in turned]), np.concatenate([f for _, f in turned])),
    ]
    return _Poses(
        hashes=np.concatenate([h for h, _ in hashed], axis=1),
        flips=np.concatenate([f for _, f in hashed], axis=1),
        angles=np.r_[np.zeros(8), _IMAGE_ANGLES],
        dihedral=np.r_[np.arange(8), np.zeros(len(_IMAGE_ANGLES), np.int64)],
    )


def _band_candidates(groups: _Groups, poses: _Poses) -> tuple[np.ndarray, np.ndarray]:
    """Group pairs ``(first, second)``, ``first < second``, that can leak across the sides and share
    a 16-bit band: one group's canonical hash with another's in some pose (multi-index hashing)."""
    hashes, flips = poses.hashes, poses.flips
    m = len(hashes)
    codes = []
    for k in range(4):
        keys = _band(hashes, k)
        # every pose's band as it is, and the identity's with its weak bits flipped (noise and
        # colour changes keep the pose; rotated poses are found without probes)
        probes = [hashes[:, :1, None] ^ flips[:, :1, k, 1:], hashes[:, 1:, None] ^ flips[:, 1:, k, 1:2]]
        query = np.concatenate([keys, *(_band(p, k).reshape(m, -1) for p in probes)], axis=1)
        asked, found = _BandIndex(keys[:, 0]).matches(query.ravel())
        asker = asked // query.shape[1]
        keep = (found != asker) & groups.crosses(found, asker)
        codes.append(np.minimum(found[keep], asker[keep]) * m + np.maximum(found[keep], asker[keep]))
    cand = np.sort(np.concatenate(codes))
    cand = cand[np.r_[True, cand[1:] != cand[:-1]]] if len(cand) else cand
    return cand // m, cand % m


Ask = tuple[int, int, int, int]  # (copy, source, pose, as_is): groups, the hash bits differing as they are


def _verify_poses(
    groups: _Groups,
    poses: _Poses,
    renderer: PoseRenderer,
    asks: Sequence[Ask],
    min_correlation: float,
    loose_distance: int,
) -> list[tuple[float, bool | None]]:
    """Pixel score of group ``copy`` as ``source`` seen in pose ``v`` (``as_is``: the bits the two
    hashes differ by as they are), with whether ``copy`` is the noisier one when the noisy-copy
    test gave the score (else ``None``), for each ask ``(copy, source, v, as_is)``; see
    :func:`.image_verify._verify`, which runs each stage below on all the asks still open."""
    rep = groups.rep.tolist()
    out: list[tuple[float, bool | None]] = [(0.0, None)] * len(asks)
    opened: list[tuple[bool, float, bool, float, int]] = []  # full, floor, noise_ok, angle, turn
    for copy, source, v, _ in asks:
        full = bool(groups.sharp[copy] and groups.sharp[source])
        # a pose (flip, turn, rotation) searched for lets distinct smooth images match by chance:
        # with one, the fewer the degrees of freedom, the closer the match must be
        rich = min(1.0, min(groups.structure[copy], groups.structure[source]) / _RICH_STRUCTURE)
        floor = 1 - (1 - min_correlation) * (1.0 if v == 0 else rich)
        # the noisy-copy test is loose: with a pose searched for, only on structured images
        noise_ok = full and (v == 0 or rich == 1)
        opened.append((full, floor, noise_ok, float(poses.angles[v]), int(poses.dihedral[v])))
    # as they are first, when that is close enough too
    todo = [n for n, (_, _, v, as_is) in enumerate(asks) if v and as_is <= loose_distance]
    found = _verify(
        renderer, [(rep[asks[n][1]], rep[asks[n][0]], 0.0, 0, min_correlation, opened[n][0]) for n in todo]
    )
    done = set()
    for n, result in zip(todo, found, strict=True):
        if result[0]:
            out[n] = result
            done.add(n)
    # at the matched pose
    todo = [n for n in range(len(asks)) if n not in done]
    asked = [(rep[asks[n][1]], rep[asks[n][0]], *opened[n][3:], *opened[n][1:3]) for n in todo]
    found = _verify(renderer, asked)
    back = []
    for n, result in zip(todo, found, strict=True):
        if result[0] or not asks[n][2]:
            out[n] = result
        else:
            back.append(n)
    # the other way round: rendering the copy back resamples it twice (and brings its filled
    # corners in), rendering the source forward does what the copy saw; a copy at a time
    back.sort(key=lambda n: asks[n][0])
    asked = [
        (
            rep[asks[n][0]],
            rep[asks[n][1]],
            -opened[n][3],
            _DIHEDRAL_INVERSE[opened[n][4]],
            opened[n][1],
            opened[n][2],
        )
        for n in back
    ]
    for n, (score, noisier) in zip(back, _verify(renderer, asked), strict=True):
        out[n] = (score, None if noisier is None else not noisier)
    return out


class _CachedVerify:
    """:func:`_verify_poses` through a :class:`VerifiedCache`: an outcome depends only on the two
    groups' first images (their thumbnails, scales, structure and size are theirs), the pose, the
    bits the hashes differ by and the settings, so the key is those images' content digests
    (each computed once a check) with the rest."""

    def __init__(self, groups: _Groups, poses: _Poses, cache: VerifiedCache | None, settings: bytes) -> None:
        self.groups, self.poses, self.cache, self.settings = groups, poses, cache, settings
        self.keys: dict[int, bytes] = {}
        self.renderer = PoseRenderer(groups.images, groups.thumbs, groups.scales)

    def key(self, g: int) -> bytes:
        found = self.keys.get(g)
        if found is None:
            found = self.keys[g] = _content_key(self.groups.images[int(self.groups.rep[g])])
        return found

    def __call__(
        self, asks: Sequence[Ask], min_correlation: float, loose_distance: int
    ) -> list[tuple[float, bool | None]]:
        """The outcome of each ask (see :func:`_verify_poses`), those remembered taken from the cache."""
        settings = (min_correlation, loose_distance)
        if self.cache is None:
            return _verify_poses(self.groups, self.poses, self.renderer, asks, *settings)
        keys = [
            self.key(c) + self.key(s) + struct.pack("<HH", v, as_is) + self.settings
            for c, s, v, as_is in asks
        ]
        out = [self.cache.get(key) for key in keys]
        todo: dict[bytes, int] = {}  # each key verified once
        for n, result in enumerate(out):
            if result is None:
                todo.setdefault(keys[n], n)
        found = _verify_poses(
            self.groups, self.poses, self.renderer, [asks[n] for n in todo.values()], *settings
        )
        for key, result in zip(todo, found, strict=True):
            self.cache.put(key, result)
        outcome = dict(zip(todo, found, strict=True))
        return [outcome[key] if result is None else result for key, result in zip(keys, out, strict=True)]

    def crop_score(self, g: int, h: int, v: int) -> float | None:
        """The remembered score of the crop candidate ``(g, h, v)`` (see :func:`._crop_pairs`)."""
        return None if self.cache is None else self.cache.get_crop(self._crop_key(g, h, v))

    def remember_crop(self, g: int, h: int, v: int, score: float) -> None:
        if self.cache is not None:  # kept apart from the verified pairs (never evicts one)
            self.cache.put_crop(self._crop_key(g, h, v), score)

    def _crop_key(self, g: int, h: int, v: int) -> bytes:
        # the crop check depends on the two images and the variant only (no setting)
        return b"crop" + self.key(g) + self.key(h) + struct.pack("<H", v)


def _close_candidates(
    groups: _Groups, poses: _Poses, candidates: tuple[np.ndarray, np.ndarray], loose_distance: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The candidate pairs within ``loose_distance`` bits at some pose, either way round, that can
    leak across the sides: ``(first, second, d12, d21)``, ``d12`` the Hamming distances of
    ``first``'s canonical hash to each pose of ``second`` ``(k, n_poses)``, ``d21`` the converse.
    Computed a block of candidates at a time: nearly all are chance band collisions, dropped."""
    first, second = candidates
    canon = poses.hashes[:, 0]
    kept: list[tuple[np.ndarray, ...]] = []
    for s in range(0, len(first), 1 << 18):
        f, g = first[s : s + (1 << 18)], second[s : s + (1 << 18)]
        d12 = _popcount(poses.hashes[g] ^ canon[f][:, None])
        d21 = _popcount(poses.hashes[f] ^ canon[g][:, None])
        dist = np.minimum(d12.min(axis=1), d21.min(axis=1))
        sel = (dist <= loose_distance) & groups.crosses(f, g)
        kept.append((f[sel], g[sel], d12[sel], d21[sel]))
    if not kept:
        n_poses = poses.hashes.shape[1]
        return first, second, np.zeros((0, n_poses), np.int64), np.zeros((0, n_poses), np.int64)
    f, g, d12, d21 = (np.concatenate(parts) for parts in zip(*kept, strict=True))
    return f, g, d12, d21


def _verified_pairs(
    groups: _Groups,
    poses: _Poses,
    max_distance: int,
    min_correlation: float,
    loose_distance: int,
    candidates: tuple[np.ndarray, np.ndarray],
    verify: _CachedVerify,
) -> list[tuple[int, int, float]]:
    """Group pairs ``(g, h, score)`` among the band candidates that the hashes or the pixels confirm.

    Within ``max_distance`` bits as they are (both sharp) a pair is confirmed by its hashes;
    else, within ``loose_distance`` bits at its best pose and past a cheap low-frequency filter,
    by :func:`_verify_poses` through ``verify`` (its outcomes remembered in its cache). A noisy
    copy explained by several sources is kept with the best one.
    """
    first, second, d12, d21 = _close_candidates(groups, poses, candidates, loose_distance)
    # either may be the copy: the one whose pose is closest to the other's hash
    ones = d12.min(axis=1) <= d21.min(axis=1)
    var_a, var_b = np.where(ones, first, second), np.where(ones, second, first)
    var_v = _middle_pose(np.where(ones[:, None], d12, d21), poses.angles)
    # cheap filter: every copy verified below correlates with its source at low frequencies
    blocks = groups.blocks
    low = np.maximum(
        _low_correlation(blocks[var_a], blocks[var_b]),
        _low_correlation(blocks[var_a], _variant_blocks(blocks, groups.discs, var_b, var_v, poses.angles)),
    )
    passed = low >= _LOW_FILTER
    pairs: list[tuple[int, int, float]] = []
    asked: list[tuple[int, int, int, int, int, int]] = []  # (i, j, copy, source, pose, as_is)
    for k, ga, gb, v in zip(
        np.flatnonzero(passed).tolist(),
        var_a[passed].tolist(),
        var_b[passed].tolist(),
        var_v[passed].tolist(),
        strict=True,
    ):
        i, j = int(first[k]), int(second[k])
        as_is = int(min(d12[k, 0], d21[k, 0]))
        if (
            as_is <= max_distance
            and groups.sharp[i]
            and groups.sharp[j]
            and verify.renderer.rest_holds(int(groups.rep[i]), int(groups.rep[j]), 0, 0.0, min_correlation)
        ):
            # a photometric change: the hash as it is nearly unchanged (and, on a flat background
            # both share, the rest of the images alike: else verified below)
            pairs.append((i, j, 1.0 - as_is / 64))
        else:
            asked.append((i, j, ga, gb, v, as_is))
            pairs.append((-1, len(asked) - 1, 0.0))  # its place in the order of the pairs
    # verified a source at a time (its renders are reused: see PoseRenderer), read in turn below
    order = sorted(range(len(asked)), key=lambda n: asked[n][3])
    outcomes: list[tuple[float, bool | None]] = [(0.0, None)] * len(asked)
    for n, outcome in zip(
        order, verify([asked[n][2:] for n in order], min_correlation, loose_distance), strict=True
    ):
        outcomes[n] = outcome
    noisy: dict[int, tuple[float, int, int]] = {}  # noisy copy's group -> its best (score, i, j)
    out = []
    for pair in pairs:
        if pair[0] >= 0:
            out.append(pair)
            continue
        (i, j, ga, gb, _, _), (score, noisier) = asked[pair[1]], outcomes[pair[1]]
        if noisier is None:
            if score:
                out.append((i, j, score))
            continue
        copy = ga if noisier else gb
        if score > noisy.get(copy, (0.0,))[0]:
            noisy[copy] = (score, i, j)
    return out + [(i, j, score) for score, i, j in noisy.values()]


def _item_pairs(
    group_pairs: list[tuple[int, int, float]],
    group: np.ndarray,
    side: np.ndarray | None,
    group_evidence: dict[tuple[int, int], dict[str, Any]] | None = None,
    evidence: dict[tuple[int, int], dict[str, Any]] | None = None,
) -> list[Pair]:
    """Group pairs expanded to the pairs of their items (cross-side ones only with ``side``); each
    group pair's evidence, if any, is written to ``evidence`` under its item pairs."""
    m = int(group.max()) + 1
    members = np.argsort(group, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(group, minlength=m))]
    out: list[Pair] = []
    for g, h, score in group_pairs:
        mg, mh = members[bounds[g] : bounds[g + 1]], members[bounds[h] : bounds[h + 1]]
        if g == h and len(mg) < 2:
            continue
        ii, jj = np.repeat(mg, len(mh)), np.tile(mh, len(mg))
        keep = ii < jj if g == h else np.ones(len(ii), bool)  # each pair once
        if side is not None:
            keep &= side[ii] != side[jj]
        lo, hi = np.minimum(ii[keep], jj[keep]).tolist(), np.maximum(ii[keep], jj[keep]).tolist()
        out.extend(zip(lo, hi, [score] * len(lo), strict=True))
        found = None if group_evidence is None else group_evidence.get((g, h))
        if found is not None and evidence is not None:
            for i, j in zip(ii[keep].tolist(), jj[keep].tolist(), strict=True):
                # the matrix maps g's item to h's: the pair is keyed low index first
                evidence[(min(i, j), max(i, j))] = found if i < j else inverted_evidence(found)
    return sorted(set(out))


def _warp_candidates(
    groups: _Groups, candidates: tuple[np.ndarray, np.ndarray], done: np.ndarray, store: WarpStore
) -> tuple[list[tuple[int, int]], set[tuple[int, int]]]:
    """Group pairs the warp search visits: every cross-side pair not found yet when there are at
    most ``_WARP_EXHAUSTIVE`` of them, else the pose-hash band candidates not found yet (at most
    ``_WARP_CANDIDATES``, sub-quadratic), then the retrieval candidates (:mod:`.image_retrieval`:
    each image's nearest on the other side by its hue-saturation histogram, re-ranked by the warp
    search's coarse score, at most ``RETRIEVAL_BUDGET`` pairs; images under the warp search's
    ``_MIN_SIDE`` and grey images propose none). Returns the pairs and the set of those whose
    matches are judged against each other (``_one_source``): none when every pair is visited,
    else all of them (band and retrieval candidates alike)."""
    m = len(groups.rep)
    n_cross = int(groups.has[0].sum()) * int(groups.has[1].sum())
    exhaustive = n_cross <= _WARP_EXHAUSTIVE

    def allowed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return groups.crosses(a, b) & ~np.isin(a * m + b, done) & groups.sharp[a] & groups.sharp[b]

    a, b = np.triu_indices(m, 1) if exhaustive else candidates
    keep = allowed(a, b)
    a, b = a[keep], b[keep]
    if exhaustive:
        return list(zip(a.tolist(), b.tolist(), strict=True)), set()
    visit = list(zip(a[:_WARP_CANDIDATES].tolist(), b[:_WARP_CANDIDATES].tolist(), strict=True))
    reps = [groups.images[r] for r in groups.rep.tolist()]
    big = np.array([min(np.shape(image)[:2]) >= _MIN_SIDE for image in reps])
    left, right = np.flatnonzero(groups.has[0] & big), np.flatnonzero(groups.has[1] & big)
    sides = (left, right, allowed, set(visit))
    ranked = reranked_pairs(groups.rep, reps, sides, store, RETRIEVAL_BUDGET, int(_POOL * RETRIEVAL_BUDGET))
    return visit + ranked, set(visit + ranked)


def _warped(
    images: Sequence[np.ndarray],
    groups: _Groups,
    candidates: tuple[np.ndarray, np.ndarray],
    found: list[tuple[int, int, float]],
) -> list[tuple[int, int, WarpMatch]]:
    """The group pairs the warp search matches among those not ``found`` yet, with their match:
    the candidates of ``_warp_candidates``, searched by ``image_warp.warp_pairs`` (a large check's
    pairs both ways when matched) and judged by ``_one_source``; none between two images too flat
    to verify (``image_warp.low_detail``'s, whatever the keypoints on a faint texture say)."""
    m = len(groups.rep)
    done = np.array([i * m + j for i, j, _ in found], dtype=np.int64)
    store = WarpStore(images)  # the search inputs of the images both stages look at
    visit, judged = _warp_candidates(groups, candidates, done, store)
    reps = [(int(groups.rep[g]), int(groups.rep[h])) for g, h in visit]
    both = {(int(groups.rep[g]), int(groups.rep[h])) for g, h in judged}  # their best fit compared
    warped = warp_pairs(images, reps, _matched(groups, found), store=store, both_ways=both)
    # two images too flat to verify a warp (low_detail) are not linked by one (nor by keypoints)
    preps = {k: store.prep(k) for pair in warped for k in pair}
    plain = {
        k
        for k, p in preps.items()
        if too_flat(float(p.band.std()), float(p.fine.std()), _levels_gray(images[k]))
    }
    warped = {p: w for p, w in warped.items() if not (p[0] in plain and p[1] in plain)}
    warped = _one_source(warped, groups, judged, found, store)
    return [(g, h, warped[pair]) for (g, h), pair in zip(visit, reps, strict=True) if pair in warped]


def _levels_gray(image: np.ndarray) -> np.ndarray:
    """An image's grey values on the 0-255 scale (``image_warp._levels``) at its resolution."""
    g = _gray(image)
    return g * np.float32(_levels(image, g))


def _matched(groups: _Groups, found: list[tuple[int, int, float]]) -> set[int]:
    """The representatives of the groups paired by an earlier stage or whose own items are copies
    of one another (exact copies among them) across the sides."""
    m = len(groups.rep)
    every = np.arange(m)
    mixed = groups.crosses(every, every) & (np.bincount(groups.group, minlength=m) > 1)
    return {int(groups.rep[g]) for pair in found for g in pair[:2]} | {
        int(groups.rep[g]) for g in np.flatnonzero(mixed)
    }


def image_pairs(
    images: Sequence[np.ndarray],
    side: np.ndarray | None,
    max_distance: int = 2,
    min_correlation: float = 0.985,
    loose_distance: int = 14,
    evidence: dict[tuple[int, int], dict[str, Any]] | None = None,
    cache: VerifiedCache | None = None,
) -> list[Pair]:
    """Near-duplicate images: pose-tolerant pHash candidates, verified on the pixels.

    Each item is indexed under the 64-bit pHash of its 32x32 grayscale thumbnail (the HSV
    value, which a hue rotation keeps) normalised over the inscribed disc (which a rotation
    keeps, whatever fills its corners). Candidates come from multi-index hashing, 4 bands of 16
    bits: a pair is one when a band of one item's hash equals the other's in any of its 8
    dihedral variants (flips, 90-degree turns) or rotations by +-5 ... +-30 degrees, the variant
    as it is also looked up with its 2 least reliable bits of the band flipped (noise and colour
    changes flip those first), the others with 1. Within ``max_distance`` bits as they are (both
    images at least 32 pixels a side) a candidate is a near-duplicate; within ``loose_distance``
    bits (best variant) it is verified, as it is and then at the matched pose: the source is
    turned and rotated at full resolution at 2-degree steps (+-6) about the matched angle and
    reduced to 32x32 as the thumbnail was; the copy's thumbnail must correlate over the disc with
    the best mix of the source's value and luma (``ColorJitter``'s saturation mixes them) at
    ``min_correlation`` -- closer for smooth images matched under a pose (few degrees of freedom,
    many poses: chance matches) -- or pass the noisy-copy test (:func:`_noisy_copy`; a noisy
    copy explained by several sources is kept with the best one).

    Crops resized back (a ``RandomResizedCrop`` keeping >= ~80 % of the area) are searched among
    the remaining cross-side pairs: each item is also hashed zoomed into 64 windows (8 an axis,
    down to 86 % of it), a variant within 12 bits of another item's hash through one band is a
    candidate, its window is refined by a Gauss-Newton fit (blurred, then sharp thumbnails), and
    the pair is kept when the other item's thumbnail correlates at >= 0.997 with the source
    cropped to that window at full resolution and resized to the other item's size.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 256, (2, 24, 24, 3), dtype=np.uint8)
    >>> [(i, j) for i, j, _ in image_pairs([a, b, a[:, ::-1] // 2 + 40], None)]
    [(0, 2)]
    """
    if len(images) < 2:
        return []
    groups = _group_items(images, side, min_correlation)
    m = len(groups.rep)
    poses = _pose_hashes(groups)
    candidates = _band_candidates(groups, poses)
    verify = _CachedVerify(groups, poses, cache, struct.pack("<dH", min_correlation, loose_distance))
    found = _verified_pairs(groups, poses, max_distance, min_correlation, loose_distance, candidates, verify)
    # crops resized back: searched among the pairs not found above that can leak across the sides
    done = np.array([i * m + j for i, j, _ in found], dtype=np.int64)

    def wanted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return groups.crosses(a, b) & ~np.isin(np.minimum(a, b) * m + np.maximum(a, b), done)

    cropped = _crop_pairs(images, groups.thumbs, groups.rep, wanted, verify)
    group_evidence: dict[tuple[int, int], dict[str, Any]] = {}
    for g, h, _ in found:
        group_evidence[(g, h)] = {"method": "pose hash"}
    for g, h, _ in cropped:
        group_evidence[(g, h)] = {"method": "crop"}
    found += cropped
    # warped copies (a training pipeline's flips, affine warps, crops, then colour and noise)
    for g, h, match in _warped(images, groups, candidates, found):
        found.append((g, h, match.score))
        group_evidence[(g, h)] = match.evidence()
    # every group's items are copies of one another
    same = [(g, g, 1.0) for g in range(m)]
    for g in range(m):
        group_evidence[(g, g)] = {"method": "same pose hash"}
    return _item_pairs(same + found, groups.group, side, group_evidence, evidence)
