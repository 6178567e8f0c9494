"""``RandomGridShuffle``: cut the image into a grid of tiles and permute the tiles."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.errors import InvalidInputError
from ...core.params import Number, Spec, param
from ...core.transform import Sample
from .._validate import as_boxes, as_points
from ..base import SpatialTransform, current_shape, finish_boxes, finish_points, move_arrays
from ..functional.tiles import grid_tiles, shuffle_boxes, shuffle_points, shuffle_tiles
from ..options import TargetOptions, target_policy

__all__ = ["RandomGridShuffle"]


class _Grid(Spec):
    """``(rows, columns)``: two ints in [1, 64]."""

    doc = "a pair (rows, columns) of ints in [1, 64]"
    value_type = "tuple[int, int]"

    def invalid(self) -> list[Any]:
        return [3, (0, 3), (3, 65), (2.5, 3), ("3", "3"), (1, 2, 3), None]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[int, int]:
        ok = isinstance(value, (list, tuple)) and len(value) == 2
        ok = ok and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and 1 <= int(v) <= 64 for v in value
        )
        if not ok:
            raise self.fail(owner, name, value, f"pass {name}=(3, 3)")
        return (int(value[0]), int(value[1]))


class RandomGridShuffle(TargetOptions, SpatialTransform):
    """Cut the image into a ``rows x columns`` grid and show the tiles in a random order.

    Tile edges are whole pixels (sizes differ by at most one pixel); only tiles of the same
    shape trade places (as Albumentations), so the output keeps the input's shape. Pixels are
    copied, never interpolated: masks exactly as the image. Keypoints move with their tile;
    a box becomes the envelope of its pieces, each moved with its tile (a box spread over
    tiles that part ways grows). Not a matrix op: never fused.

    Parameters
    ----------
    grid : (int, int), default (3, 3)
        Rows and columns of tiles, each in [1, 64].
    @options call image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.arange(16, dtype=np.uint8).reshape(4, 4)
    >>> out = ma.image.RandomGridShuffle(grid=(2, 2), p=1.0, seed=0)(image=img)["image"]
    >>> sorted(out.ravel().tolist()) == list(range(16))
    True
    """

    grid: tuple[int, int] = param(_Grid(), default=(3, 3))
    _drawn = {"order": Number(0, 64 * 64 - 1, integer=True)}

    def _tiles(self, sample: Mapping[str, Any]) -> np.ndarray:
        h, w = current_shape(sample)[:2]
        return grid_tiles(h, w, self._r.grid)

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        tiles = self._tiles(sample).tolist()
        groups: dict[tuple[int, int], list[int]] = {}
        for i, (x0, y0, x1, y1) in enumerate(tiles):
            groups.setdefault((x1 - x0, y1 - y0), []).append(i)
        order = list(range(len(tiles)))
        for shape in sorted(groups):  # a permutation within each group of equal tiles
            group = groups[shape]
            for i, j in zip(group, rng.permutation(len(group)).tolist(), strict=True):
                order[i] = group[j]
        return {"order": order}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        tiles = self._tiles(sample)
        order = params["order"]
        sizes = tiles[:, 2:] - tiles[:, :2]
        if len(order) != len(tiles) or sorted(order) != list(range(len(tiles))) or (
            (sizes[np.asarray(order)] != sizes).any()
        ):  # fmt: skip
            raise InvalidInputError(
                self.name, "params.order", f"is not a permutation of tiles of equal shape: {order!r:.80}",
                "replay the trace unchanged",
            )  # fmt: skip

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        out = dict(sample)
        image = sample["image"]
        tiles, order = self._tiles(sample), params["order"]
        out["image"] = shuffle_tiles(image, tiles, order)
        move_arrays(
            out, sample, lambda a: shuffle_tiles(a, tiles, order), lambda a: shuffle_tiles(a, tiles, order)
        )
        min_visibility, drop = target_policy(self._r)
        if "bboxes" in sample:
            boxes = shuffle_boxes(as_boxes(sample["bboxes"]), tiles, order)
            finish_boxes(out, sample, boxes, image.shape[:2], min_visibility)
        if "keypoints" in sample:
            points = shuffle_points(as_points(sample["keypoints"]), tiles, order)
            finish_points(out, sample, points, image.shape[:2], drop)
        return out
