"""Tile kernels of ``RandomGridShuffle``: a grid of whole-pixel tiles, permuted with their targets."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

__all__ = ["grid_tiles", "shuffle_boxes", "shuffle_points", "shuffle_tiles"]


@functools.lru_cache(maxsize=64)
def grid_tiles(height: int, width: int, grid: tuple[int, int]) -> np.ndarray:
    """The tiles ``(x0, y0, x1, y1)`` (ints, row-major) of a ``rows x columns`` grid (sizes within 1 px).

    Cached per size (read-only): a pipeline asks for the same grid at every call.
    """
    rows, cols = grid
    ys = [i * height // rows for i in range(rows + 1)]
    xs = [j * width // cols for j in range(cols + 1)]
    tiles = np.array(
        [(xs[j], ys[i], xs[j + 1], ys[i + 1]) for i in range(rows) for j in range(cols)], np.int64
    )
    tiles.flags.writeable = False
    return tiles


def shuffle_tiles(img: np.ndarray, tiles: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """Output tile ``i`` shows input tile ``order[i]`` (same shapes); any dtype and channel count."""
    out = np.empty(img.shape, img.dtype)  # C order whatever the input's layout
    for (x0, y0, x1, y1), src in zip(tiles.tolist(), order, strict=True):
        sx0, sy0, sx1, sy1 = tiles[src].tolist()
        out[y0:y1, x0:x1] = img[sy0:sy1, sx0:sx1]
    return out


def _shifts(tiles: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """Per input tile, the ``(dx, dy)`` that takes it to where it is shown."""
    shift = np.zeros((len(tiles), 2))
    src = np.asarray(order)
    shift[src] = tiles[:, :2] - tiles[src, :2]
    return shift


def shuffle_points(points: np.ndarray, tiles: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """Each point moves with the tile it lies in (points outside the image stay put)."""
    shift = _shifts(tiles, order)
    # the right and bottom edges of the image belong to the last tiles
    w, h = tiles[:, 2].max(), tiles[:, 3].max()
    edge_x = (points[:, :1] == w) & (tiles[None, :, 2] == w)
    edge_y = (points[:, 1:2] == h) & (tiles[None, :, 3] == h)
    within_x = (points[:, :1] >= tiles[None, :, 0]) & ((points[:, :1] < tiles[None, :, 2]) | edge_x)
    within_y = (points[:, 1:2] >= tiles[None, :, 1]) & ((points[:, 1:2] < tiles[None, :, 3]) | edge_y)
    inside = within_x & within_y
    tile = np.where(inside.any(axis=1), inside.argmax(axis=1), -1)
    moved = points.copy()
    hit = tile >= 0
    moved[hit] += shift[tile[hit]]
    return moved


def shuffle_boxes(boxes: np.ndarray, tiles: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """The envelope of the pieces of each box, each moved with its tile (unclipped where no tile holds it)."""
    if len(boxes) == 0:
        return boxes.copy()
    shift = np.tile(_shifts(tiles, order), 2)
    lo = np.maximum(boxes[:, None, :2], tiles[None, :, :2])
    hi = np.minimum(boxes[:, None, 2:], tiles[None, :, 2:])
    pieces = np.concatenate([lo, hi], axis=2) + shift[None]
    real = ((hi - lo) > 0).all(axis=2)
    low = np.where(real[..., None], pieces[..., :2], np.inf).min(axis=1)
    high = np.where(real[..., None], pieces[..., 2:], -np.inf).max(axis=1)
    out = np.concatenate([low, high], axis=1)
    return np.where(real.any(axis=1)[:, None], out, boxes)
