"""Retrieval candidates for the warp search in a large check (``retrieval_pairs``).

Above ``_WARP_EXHAUSTIVE`` cross-side group pairs the warp search cannot visit every pair, and the
pose-hash bands rarely propose a warped copy (its thumbnail hash is another image's). A global
colour descriptor survives a training pipeline's warps, crops and noise far better: the hue and
saturation histogram. Each image ranks the other side's images by it; its ``_POOL_K`` best
partners (a pool of up to ``_POOL`` times the budget, most similar first) are then ranked again by
the warp search's own coarse score (``rerank``: a copy's window found in its source at some pose),
and each image's ``_TOP_K`` best by that score are visited, best first, up to a budget. The colour
histogram alone ranks a crop of the same photo above a copy's source too often (a copy's source is
among its 4 nearest val crops by colour for 95 % of the benchmark's copies, among its 4 best of the
6 nearest by coarse score for 98-100 %).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .image_hash import _LUMA, _gray
from .image_warp import _MARGIN, _MIN_STD, WarpStore, _levels

__all__ = ["coarse_scores", "rerank", "reranked_pairs", "retrieval_pairs", "tone"]

_SIDE = 64  # pixels: the image is reduced to this before its histogram (area interpolation)
_BINS = (16, 8)  # hue (over [0, 180)) by saturation (over [0, 256)) bins
_GREY_CHROMA = 8.0  # levels: an image whose channels differ less (``_chroma``) is grey to retrieval
_TONE_BINS = 16  # grey levels' and gradient magnitudes' bins of a grey image's descriptor (``tone``)
_LEVELS = 127  # the unit descriptor is rounded to integers of at most this size (exact dot products)
_TOP_K = 4  # partners on the other side each image proposes (after the coarse re-ranking)
_POOL_K = 6  # partners by colour each image proposes to the coarse re-ranking
_POOL = 1.5  # the pool re-ranked: at most this many times the budget, most similar by colour first
_BLOCK = 2**23  # similarities computed at a time (rows of the other side's size: 32 MB float32)
_NONE = -(2.0**20)  # the similarity of an image with itself (an image on both sides): never kept
RETRIEVAL_BUDGET = 600  # retrieval pairs the warp search visits at most (12-30 ms each; see docs/guard.md)


def descriptor(image: np.ndarray) -> np.ndarray | None:
    """The image's hue-saturation histogram (square roots, mean-centred, unit length, rounded to
    integers of at most ``_LEVELS``), or ``None`` for a grey image (no hue beyond noise: ranked by
    :func:`tone`).

    >>> import numpy as np
    >>> red = np.zeros((96, 96, 3), np.uint8); red[..., 0] = 200
    >>> int(descriptor(red) @ descriptor(red)) > 0.99 * 127**2, descriptor(red[..., 0])
    (True, None)
    """
    import cv2

    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] < 3:
        return None
    a = a[..., :3]
    if a.dtype != np.uint8:  # floats within [0, 1] on the 0-255 scale, as the warp search puts them
        # uint16, or floats beyond 255: one gain for all channels keeps hue and saturation
        a = np.clip(_within_255(a.astype(np.float32) * np.float32(_levels(a, a))), 0, 255).astype(np.uint8)
    small = cv2.resize(np.ascontiguousarray(a), (_SIDE, _SIDE), interpolation=cv2.INTER_AREA)
    if _chroma(small) < _GREY_CHROMA:
        return None
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    h = _unit(cv2.calcHist([hsv], [0, 1], None, list(_BINS), [0, 180, 0, 256]).ravel())
    return np.rint(h * _LEVELS).astype(np.float32)


def _chroma(small: np.ndarray) -> float:
    """The third largest spread between an RGB image's channels over its 8x8 block means: 0 for a
    grey image, under 4 levels for a grey image with noise added to each channel (a pipeline's
    ``GaussianNoise``, whose hue histogram is the noise's), 17 or more for the benchmark's colour
    photo crops."""
    import cv2

    blocks = cv2.resize(small.astype(np.float32), (8, 8), interpolation=cv2.INTER_AREA)
    return float(np.partition((blocks.max(axis=2) - blocks.min(axis=2)).ravel(), -3)[-3])


def _within_255(f: np.ndarray) -> np.ndarray:
    """``f`` (float32, a new array) scaled by one gain so that its largest value is at most 255."""
    top = float(f.max()) if f.size else 0.0
    if top > 255.0:
        f *= np.float32(255.0 / top)
    return f


def tone(image: np.ndarray) -> np.ndarray | None:
    """A grey image's retrieval descriptor: the histograms of its standardised luma levels and of
    its gradient magnitudes (over the levels' spread), pure-black fill (a warp's border, an erased
    rectangle) left out, each with ``_TONE_BINS`` bins, and its local binary patterns at radii 1
    and 2 (``_patterns``), each part square-rooted, mean-centred and of unit length (the patterns
    weighted by ``sqrt(2)``), the whole rounded to integers of at most ``_LEVELS``; ``None`` for an
    image mostly fill or flat. All survive flips, turns, zooms, brightness and contrast; on the
    benchmark's grey photo crops a typical-pipeline copy's source is among its 6 nearest val crops
    for 0.97-1.0 of the copies (0.97-1.0 with a crop to half the area; three draws of the val
    crops), against 0.92-0.97 (0.83-0.91) with the levels and gradients alone.

    >>> import numpy as np
    >>> ramp = np.tile(np.arange(96, dtype=np.uint8), (96, 1)) + 40
    >>> d = tone(ramp); int(d @ d) > 0.99 * 127**2, tone(np.zeros((96, 96), np.uint8))
    (True, None)
    """
    import cv2

    a = np.asarray(image)
    # luma, as a grey copy (ToGray, OpenCV's RGB2GRAY) holds it; the value itself for a grey image
    g = a[..., :3].astype(np.float32) @ _LUMA if a.ndim == 3 and a.shape[2] >= 3 else _gray(a)
    g = _within_255(g * np.float32(_levels(image, g)))
    small = cv2.resize(np.ascontiguousarray(g), (_SIDE, _SIDE), interpolation=cv2.INTER_AREA)
    content = small > 0.5
    v = small[content]
    if v.size < small.size // 4 or float(v.std()) < 2.0:
        return None
    spread = float(v.std())
    blurred = cv2.GaussianBlur(small, (0, 0), 1.0)
    edges = np.hypot(cv2.Sobel(blurred, cv2.CV_32F, 1, 0), cv2.Sobel(blurred, cv2.CV_32F, 0, 1))
    parts = [
        _unit(_counts(values, lo, hi))
        for values, lo, hi in (((v - v.mean()) / spread, -3.0, 3.0), (edges[content] / spread, 0.0, 4.0))
    ]
    parts += [np.sqrt(2.0) * _unit(_patterns(blurred, content, r)) for r in (1, 2)]
    d = np.concatenate(parts) / np.sqrt(6.0)
    return np.rint(d * _LEVELS).astype(np.float32)


def _counts(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The histogram of ``values`` clipped to ``[lo, hi]`` in ``_TONE_BINS`` equal bins."""
    bins = ((values - np.float32(lo)) * np.float32(_TONE_BINS / (hi - lo))).astype(np.intp)
    return np.bincount(np.clip(bins, 0, _TONE_BINS - 1), minlength=_TONE_BINS)


def _unit(counts: np.ndarray) -> np.ndarray:
    """A histogram's square roots, mean-centred, of unit length (zeros as they are)."""
    h = np.sqrt(counts.astype(np.float64))
    h -= h.mean()
    norm = float(np.linalg.norm(h))
    return h / norm if norm else h


def _uniform_classes() -> np.ndarray:
    """Each 8-bit neighbour pattern's rotation-invariant uniform class: its number of set bits when
    they form at most one circular run (0-8), else 9."""
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1
    runs = (bits != np.roll(bits, 1, axis=1)).sum(axis=1)
    return np.where(runs <= 2, bits.sum(axis=1), 9).astype(np.intp)


_CLASSES = _uniform_classes()


def _patterns(g: np.ndarray, content: np.ndarray, r: int) -> np.ndarray:
    """The counts of rotation-invariant uniform local binary patterns of ``g`` at radius ``r`` (the
    8 neighbours at least 1 grey level above the centre: 0-8 of them set in one run, or 9 for any
    other pattern), over the pixels of ``content`` at least ``r`` from the border."""
    h, w = g.shape
    centre = g[r : h - r, r : w - r] + np.float32(1.0)
    ring = ((-r, -r), (-r, 0), (-r, r), (0, r), (r, r), (r, 0), (r, -r), (0, -r))
    code = np.zeros(centre.shape, np.uint8)
    for k, (dy, dx) in enumerate(ring):
        code |= (g[r + dy : h - r + dy, r + dx : w - r + dx] >= centre).view(np.uint8) << np.uint8(k)
    counts = np.bincount(code[content[r : h - r, r : w - r]], minlength=256)
    return np.bincount(_CLASSES, weights=counts, minlength=10)


def _nearest(
    dq: np.ndarray, dc: np.ndarray, q_ids: np.ndarray, c_ids: np.ndarray, top_k: int = _TOP_K
) -> np.ndarray:
    """Each query's ``top_k`` most similar candidates (ties: the lower id) as ``(3, n)`` rows of
    query ids, candidate ids and similarities; ``q_ids`` and ``c_ids`` sorted."""
    k, rows = min(top_k, len(c_ids)), max(1, _BLOCK // len(c_ids))
    out = []
    for s in range(0, len(dq), rows):
        q = q_ids[s : s + rows]
        block = dq[s : s + rows] @ dc.T  # exact: integers, sums below 2**24
        pos = np.minimum(np.searchsorted(c_ids, q), len(c_ids) - 1)
        both = np.flatnonzero(c_ids[pos] == q)  # an image on both sides is not its own partner
        block[both, pos[both]] = _NONE
        top = np.argpartition(block, len(c_ids) - k, axis=1)[:, -k:]
        least = np.take_along_axis(block, top, 1).min(axis=1)
        for r in np.flatnonzero((block >= least[:, None]).sum(axis=1) > k).tolist():
            near = np.flatnonzero(block[r] >= least[r])  # a tie across the k-th place: lower ids
            top[r] = near[np.argsort(-block[r, near], kind="stable")[:k]]
        out.append(np.stack([np.repeat(q, k), c_ids[top].ravel(), np.take_along_axis(block, top, 1).ravel()]))
    return np.concatenate(out, axis=1)


def retrieval_pairs(
    images: Sequence[np.ndarray],
    left: np.ndarray,
    right: np.ndarray,
    allowed: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    budget: int = RETRIEVAL_BUDGET,
    top_k: int = _TOP_K,
) -> list[tuple[int, int]]:
    """Pairs ``(a, b)``, ``a < b``, of ``left`` and ``right`` images (indices into ``images``) for the
    warp search: each image's ``top_k`` most similar images on the other side by :func:`descriptor`,
    the most similar first (ties: by index), at most ``budget``. ``allowed(a, b)``, vectorised, drops
    pairs (already found, same side). Grey images propose their nearest among every image of the
    other side by :func:`tone` instead. The similarity matrix is computed
    in row blocks; integer descriptors make it exact, whatever the blocking and thread count.
    """
    if budget <= 0:
        return []
    every = np.union1d(left, right).tolist()
    colour = {int(k): d for k in every if (d := descriptor(images[k])) is not None}
    grey = set(every) - set(colour)
    # tones only where a grey image asks: the grey images and every image of the side facing one
    facing = [s for mine, s in ((left, right), (right, left)) if grey.intersection(mine.tolist())]
    wanted = grey.union(*(s.tolist() for s in facing))
    tones = {int(k): d for k in sorted(wanted) if (d := tone(images[k])) is not None}
    lists = []
    for kind, queries in ((colour, set(colour)), (tones, grey)):
        # colour images query colour images; grey ones query every image by tone
        found = []
        for mine, other in ((left, right), (right, left)):
            q = np.array([k for k in np.unique(mine).tolist() if k in queries and k in kind], np.int64)
            c = np.array([k for k in np.unique(other).tolist() if k in kind], np.int64)
            if len(q) and len(c):
                dq = np.stack([kind[k] for k in q.tolist()])
                found.append(_nearest(dq, np.stack([kind[k] for k in c.tolist()]), q, c, top_k))
        lists.append(_ranked(found, allowed) if found else [])
    # the two kinds' scores do not compare (tone tells copies apart less well than colour): each
    # kind gets a share of the budget by its number of querying images, interleaved
    asking = [len(colour), len(grey)]
    return _shared(lists, asking, budget)


def _ranked(
    found: list[np.ndarray], allowed: Callable[[np.ndarray, np.ndarray], np.ndarray] | None
) -> list[tuple[int, int]]:
    """The pairs of ``_nearest``'s rows ``found``, each once, most similar first (ties: by index)."""
    a, b, score = np.concatenate(found, axis=1)
    a, b = a.astype(np.int64), b.astype(np.int64)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = score > _NONE
    if allowed is not None:
        keep &= allowed(lo, hi)
    lo, hi, score = lo[keep], hi[keep], score[keep]
    order = np.lexsort((hi, lo, -score))
    lo, hi = lo[order], hi[order]
    first = np.sort(np.unique(lo * (int(hi.max(initial=0)) + 1) + hi, return_index=True)[1])
    return list(zip(lo[first].tolist(), hi[first].tolist(), strict=True))


def _shared(lists: list[list[tuple[int, int]]], asking: list[int], budget: int) -> list[tuple[int, int]]:
    """At most ``budget`` pairs of ``lists``, each list's share by its ``asking`` count (a share a
    list cannot fill goes to the others), interleaved by their place in their own list; a pair in
    several lists once.

    >>> _shared([[(0, 9), (1, 9), (2, 9)], [(5, 8), (6, 8)]], [3, 1], 3)  # shares of 2 and 1
    [(0, 9), (5, 8), (1, 9)]
    """
    total = sum(asking) or 1
    shares = [min(len(pairs), round(budget * n / total)) for pairs, n in zip(lists, asking, strict=True)]
    spare = budget - sum(shares)
    for k, pairs in enumerate(lists):  # what one list cannot use, the others may
        more = max(0, min(spare, len(pairs) - shares[k]))
        shares[k] += more
        spare -= more
    keyed = [
        (n / max(1, shares[k]), k, pair)
        for k, pairs in enumerate(lists)
        for n, pair in enumerate(pairs[: shares[k]])
    ]
    out, seen = [], set()
    for _, _, pair in sorted(keyed):
        if pair not in seen:
            seen.add(pair)
            out.append(pair)
    return out[:budget]


def rerank(
    pairs: Sequence[tuple[int, int]], scores: Sequence[float], budget: int = RETRIEVAL_BUDGET
) -> list[tuple[int, int]]:
    """The pairs among ``pairs`` (the colour pool, most similar first) that are among the ``_TOP_K``
    best of either of their images by ``scores`` (ties: the earlier in the pool) or by colour (its
    first ``_TOP_K`` in the pool: the coarse score of an erased or letterboxed copy, its window
    mostly fill, can rank its source below look-alikes), best first by ``scores``, at most ``budget``.

    >>> rerank([(0, 5), (0, 6), (1, 5)], [0.5, 0.9, 0.7], budget=2)
    [(0, 6), (1, 5)]
    """
    mine: dict[int, list[int]] = {}  # image -> its pairs' positions in the pool
    for n, pair in enumerate(pairs):
        for k in pair:
            mine.setdefault(k, []).append(n)
    keep = set()
    for ns in mine.values():
        keep.update(sorted(ns, key=lambda n: (-scores[n], n))[:_TOP_K])
        keep.update(ns[:_TOP_K])  # the pool's order: by colour
    return [pairs[n] for n in sorted(keep, key=lambda n: (-scores[n], n))[: max(0, budget)]]


def coarse_scores(store: WarpStore, pairs: Sequence[tuple[int, int]]) -> list[float]:
    """Each pair's coarse score (the warp search's first step: the best normalised
    cross-correlation of the copy's central window over the source's 98 poses), the higher of
    its two images as the copy; -1 where neither image's window has ``_MIN_STD`` of contrast
    (nothing to search for). Searched through ``store``, which the warp search then reuses."""
    out = []
    for i, j in pairs:
        best = -1.0
        for source, copy in ((i, j), (j, i)):
            window = store.prep(copy).coarse[_MARGIN:-_MARGIN, _MARGIN:-_MARGIN]
            if float(window.std()) >= _MIN_STD:
                best = max(best, store.coarse(source, copy)[0])
        out.append(best)
    return out


def reranked_pairs(
    rep: np.ndarray,
    reps: Sequence[np.ndarray],
    sides: tuple[
        np.ndarray, np.ndarray, Callable[[np.ndarray, np.ndarray], np.ndarray], set[tuple[int, int]]
    ],
    store: WarpStore,
    budget: int,
    pool: int,
) -> list[tuple[int, int]]:
    """The retrieval candidates of a large check, as group pairs: ``sides`` is ``(left, right,
    allowed, skip)`` (see :func:`retrieval_pairs`; ``skip``: pairs visited already), ``reps`` the
    groups' images (``rep``: their positions in ``store``'s images). Each image's ``_POOL_K``
    nearest by colour, at most ``pool`` pairs, re-ranked by :func:`coarse_scores` (:func:`rerank`)."""
    left, right, allowed, skip = sides
    more = retrieval_pairs(reps, left, right, allowed, pool + len(skip), _POOL_K)
    candidates = [pair for pair in more if pair not in skip][:pool]
    scores = coarse_scores(store, [(int(rep[g]), int(rep[h])) for g, h in candidates])
    return rerank(candidates, scores, budget)
