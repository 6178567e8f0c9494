"""Erasing kernels (RandomErasing, CoarseDropout, GridDropout): fill image rectangles.

Plain functions of arrays and numbers; each returns a new array.
"""

from __future__ import annotations

import numpy as np

__all__ = ["erase", "fill_holes", "grid_runs"]

Fill = float | tuple[float, ...] | str


def erase(
    img: np.ndarray,
    top: int,
    left: int,
    height: int,
    width: int,
    fill: float | tuple[float, ...] | str,
    noise_seed: int = 0,
) -> np.ndarray:
    """A copy of ``img`` with the ``height`` x ``width`` rectangle at ``(top, left)`` filled.

    ``fill`` is a value in the image's units, one value per channel, or
    ``"random"``: uniform noise over the full range from ``noise_seed``.
    """
    out = img.copy()
    region = out[top : top + height, left : left + width]
    if region.size == 0:
        return out
    if isinstance(fill, str):
        rng = np.random.Generator(np.random.SFC64(noise_seed))
        if img.dtype == np.uint8:
            region[...] = rng.integers(0, 256, region.shape, dtype=np.uint8)
        else:
            region[...] = rng.random(region.shape, dtype=np.float32)
    elif isinstance(fill, tuple) and region.ndim == 3:
        region[...] = np.asarray(fill, dtype=img.dtype)
    else:
        value = fill[0] if isinstance(fill, tuple) else fill
        region[...] = value
    return out


def _fill_region(region: np.ndarray, fill: Fill, rng: np.random.Generator | None) -> None:
    if isinstance(fill, str):
        assert rng is not None
        if region.dtype == np.uint8:
            region[...] = rng.integers(0, 256, region.shape, dtype=np.uint8)
        else:
            region[...] = rng.random(region.shape, dtype=np.float32)
    elif isinstance(fill, tuple) and region.ndim == 3 and len(fill) > 1:
        region[...] = np.asarray(fill, dtype=region.dtype)
    else:
        region[...] = fill[0] if isinstance(fill, tuple) else fill


def fill_holes(img: np.ndarray, holes: list[list[int]], fill: Fill, noise_seed: int = 0) -> np.ndarray:
    """A copy of ``img`` with every ``[top, left, height, width]`` rectangle of ``holes`` filled.

    ``fill`` is a value in the image's units, one value per channel, or ``"random"``: uniform
    noise over the full range from one SFC64 generator seeded with ``noise_seed``, drawn hole
    after hole. Also the kernel of a mask's holes (``fill`` a label).

    Examples
    --------
    >>> fill_holes(np.ones((3, 4), np.uint8), [[0, 1, 2, 2]], 0).tolist()
    [[1, 0, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1]]
    """
    out = img.copy()
    rng = np.random.Generator(np.random.SFC64(noise_seed)) if isinstance(fill, str) else None
    for top, left, height, width in holes:
        region = out[top : top + height, left : left + width]
        if region.size:
            _fill_region(region, fill, rng)
    return out


def grid_runs(size: int, unit: int, hole: int, shift: int) -> list[tuple[int, int]]:
    """The ``(start, stop)`` runs of ``range(size)`` with ``(i - shift) mod unit < hole``: a periodic
    grid of holes ``hole`` long every ``unit``, the first starting at ``shift`` (partial ones at the
    edges included).

    Examples
    --------
    >>> grid_runs(10, 4, 2, 1)
    [(1, 3), (5, 7), (9, 10)]
    >>> grid_runs(10, 4, 3, 2)
    [(0, 1), (2, 5), (6, 9)]
    """
    runs = [(max(0, s), min(size, s + hole)) for s in range(shift - unit, size, unit)]
    return [(a, b) for a, b in runs if b > a]
