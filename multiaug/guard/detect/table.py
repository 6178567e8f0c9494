"""Near-duplicate table rows: standardised distances against the median neighbour distance."""

from __future__ import annotations

import numpy as np

from .common import Pair

__all__ = ["table_pairs"]


def table_pairs(values: np.ndarray, side: np.ndarray | None, ratio: float = 0.15) -> tuple[list[Pair], float]:
    """Near-duplicate rows: standardised distance below ``ratio`` x the median neighbour distance.

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
    return [(i, j, s) for (i, j), s in sorted(out.items())], radius
