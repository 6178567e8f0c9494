"""Near-duplicate table rows: standardised distances against the median neighbour distance, and
interpolations (SMOTE rows) between a validation row and a training row."""

from __future__ import annotations

import numpy as np

from .common import Pair

__all__ = ["segment_pairs", "table_pairs"]

#: A row on a segment from a validation row towards a training row must keep at least this
#: share of the validation row (``1 - s`` for ``v + s * (t - v)``) to be flagged: nearer the
#: training end it is a copy of the training row more than of the validation row.
MIN_VAL_SHARE = 0.1


def segment_pairs(
    x: np.ndarray, train: np.ndarray, val: np.ndarray, tolerance: float, k: int = 20, block: int = 512
) -> dict[tuple[int, int], float]:
    """Training rows on a segment between a validation row and another training row (SMOTE rows).

    For each validation row ``v`` (rows ``val`` of the standardised ``x``) and each pair of its
    ``k`` nearest training rows ``r`` and ``t``: ``r`` lies on the segment from ``v`` to ``t``
    when ``r - v = s * (t - v) + e`` with ``0 <= s <= 1 - MIN_VAL_SHARE`` and ``|e| <= tolerance``;
    a row on several such segments names the validation row of the one it fits best (smallest
    ``|e|``). Returns
    ``{(min(r, v), max(r, v)): 1 - s}`` (the validation row's share of ``r``; the best over ``t``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0, 0.0], [4.0, 3.0], [1.2, 0.9], [0.0, 5.0], [-3.0, 1.0]])
    >>> {k: round(v, 3) for k, v in segment_pairs(x, np.array([1, 2, 3, 4]), np.array([0]), 0.1).items()}
    {(0, 2): 0.7}
    """
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(train))
    if k < 2 or not len(val):
        return {}
    _, near = NearestNeighbors(n_neighbors=k).fit(x[train]).kneighbors(x[val])
    best: dict[int, tuple[float, int, float]] = {}  # training row -> (residual^2, val row, share)
    for lo in range(0, len(val), block):
        v = x[val[lo : lo + block]][:, None, :]  # (b, 1, d)
        rows = train[near[lo : lo + block]]  # (b, k)
        d = x[rows] - v  # (b, k, d): r - v and t - v alike
        length2 = np.einsum("bkd,bkd->bk", d, d)
        # s[b, r, t] = (r - v).(t - v) / |t - v|^2, and the rest e = (r - v) - s (t - v)
        dot = np.einsum("brd,btd->brt", d, d)
        s = dot / np.maximum(length2[:, None, :], 1e-300)
        perp2 = length2[:, :, None] - 2 * s * dot + s * s * length2[:, None, :]
        ok = (s >= 0) & (s <= 1 - MIN_VAL_SHARE) & (perp2 <= tolerance**2)
        ok &= rows[:, :, None] != rows[:, None, :]
        b, r, _ = np.nonzero(ok)
        for bb, rr, sh, e2 in zip(
            b.tolist(), r.tolist(), (1.0 - s[ok]).tolist(), perp2[ok].tolist(), strict=True
        ):
            i = int(rows[bb, rr])
            if i not in best or e2 < best[i][0]:
                best[i] = (e2, int(val[lo + bb]), sh)
    # one SMOTE row lies on one segment: each training row names the validation row of its
    # best-fitting segment only
    return {(min(i, j), max(i, j)): sh for i, (_, j, sh) in best.items()}


def table_pairs(
    values: np.ndarray, side: np.ndarray | None, ratio: float = 0.15, segments: bool = True
) -> tuple[list[Pair], float]:
    """Near-duplicate rows: standardised distance below ``ratio`` x the median neighbour distance;
    with ``side`` (and ``segments``), also training rows interpolated between a validation row
    and a training row (:func:`segment_pairs`, the same distance as tolerance).

    The score of a near-duplicate is ``1 - distance / median``; of an interpolated row, the
    validation row's share of it (``1 - s`` for ``v + s * (t - v)``; the higher when both hold).

    The median nearest-neighbour distance is taken within each side (the larger of the two
    medians when ``side`` is given, so an augmented training set does not shrink the yardstick).
    Returns the pairs and the distance threshold used.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0], [0.01, 0.0]])
    >>> pairs, _ = table_pairs(X, None)
    >>> [(i, j) for i, j, _ in pairs]
    [(0, 4)]
    """
    from sklearn.neighbors import NearestNeighbors

    x = np.asarray(values, dtype=np.float64)
    x = np.where(np.isfinite(x), x, np.nanmean(np.where(np.isfinite(x), x, np.nan), axis=0))
    x = np.nan_to_num(x)
    std = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    groups = [np.arange(len(x))] if side is None else [np.flatnonzero(side == 0), np.flatnonzero(side == 1)]
    medians = []
    for idx in groups:
        if len(idx) >= 2:
            dist, _ = NearestNeighbors(n_neighbors=2).fit(x[idx]).kneighbors(x[idx])
            medians.append(float(np.median(dist[:, 1])))
    if not medians or max(medians) == 0:
        return [], 0.0
    radius = ratio * max(medians)
    if side is None:
        base, query = np.arange(len(x)), np.arange(len(x))
    else:
        base, query = groups[0], groups[1]
    if not len(base) or not len(query):
        return [], radius
    nn = NearestNeighbors(radius=radius).fit(x[base])
    dists, neighbours = nn.radius_neighbors(x[query], sort_results=True)
    out: dict[tuple[int, int], float] = {}
    for q, ds, ns in zip(query.tolist(), dists, neighbours, strict=True):
        for d, k in zip(ds.tolist(), base[ns].tolist(), strict=True):
            if k != q:
                out[(min(k, q), max(k, q))] = 1.0 - d / max(medians)
    if side is not None and segments:
        for key, share in segment_pairs(x, base, query, radius).items():
            out[key] = max(out.get(key, 0.0), share)
    return [(i, j, s) for (i, j), s in sorted(out.items())], radius
