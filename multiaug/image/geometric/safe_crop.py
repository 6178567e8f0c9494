"""Crops drawn from the targets: ``BBoxSafeRandomCrop`` (every box whole), ``CropNonEmptyMaskIfExists``.

Both read the sample's boxes or masks in ``make_params`` (a data-dependent draw), so inside a
fusing pipeline the geometric ops pending before them are applied first (their draw must see
the moved targets); the crop itself is a slice and fuses with the ops after it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.params import Number, Probability, Spec, param
from ...core.transform import check_window
from .._validate import as_boxes
from ..base import current_shape
from ..options import TargetOptions
from .crop import _Window
from .engine import Axis, Size, WarpTransform

__all__ = ["BBoxSafeRandomCrop", "CropNonEmptyMaskIfExists"]


class _Labels(Spec):
    """A list of integer mask labels, or None."""

    doc = "a list of int mask labels, or None"
    value_type = "tuple[int, ...] | None"

    def invalid(self) -> list[Any]:
        return [1, "0", [0.5], [None], [True]]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[int, ...] | None:
        if value is None:
            return None
        if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value
        ):
            raise self.fail(owner, name, value, f"pass {name}=[0] (labels that are not content) or None")
        return tuple(int(v) for v in value)


def _content(sample: Mapping[str, Any], ignore: tuple[int, ...] | None) -> np.ndarray | None:
    """Flat indices (into H x W) of the pixels labelled in ``mask`` or any of ``masks``; None if none."""
    found: np.ndarray | None = None
    layers = [sample["mask"]] if "mask" in sample else []
    layers += list(sample["masks"]) if "masks" in sample else []
    for m in layers:
        m = np.asarray(m)
        hit = m != 0
        if ignore:
            hit &= ~np.isin(m, ignore)
        if hit.ndim == 3:
            hit = hit.any(axis=2)
        found = hit if found is None else found | hit
    if found is None:
        return None
    index = np.flatnonzero(found)
    return index if len(index) else None


class BBoxSafeRandomCrop(TargetOptions, WarpTransform):
    """Crop a random window that keeps every box whole (Albumentations' ``BBoxSafeRandomCrop``).

    The window's edges are drawn uniformly between the image's edges and the union of the boxes
    (left in ``[0, x0]``, right in ``[x1, W]``..., rounded outwards to whole pixels), so every box
    lies inside it and none is cut or dropped. Without boxes, a window of the image's aspect
    whose height is drawn in ``[(1 - erosion_rate) H, H]``, at a uniform position. The output
    size varies from call to call: a window of the image, never resampled.

    Parameters
    ----------
    erosion_rate : float, default 0.0
        Without boxes, how much smaller than the image the window may be (0: the whole image).
    @options call_p1 image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> t = ma.image.BBoxSafeRandomCrop(seed=0)
    >>> out = t(image=np.zeros((50, 60), np.uint8), bboxes=np.array([[10.0, 10.0, 20.0, 30.0]]))
    >>> x0, y0, x1, y1 = out["bboxes"][0]
    >>> bool(x1 - x0 == 10 and y1 - y0 == 20)
    True
    """

    draws_from_targets = True  # the window is drawn from the boxes / mask as they are now
    preserves_shape = False
    axis_aligned = True
    reindexes = True  # a whole-pixel window: with flips and turns, still a view
    erosion_rate: float = param(Number(0.0, 1.0), default=0.0)
    p: float = param(Probability(), default=1.0, kw_only=True)
    _drawn = {
        "top": Number(0, 1 << 20, integer=True),
        "left": Number(0, 1 << 20, integer=True),
        "height": Number(1, 1 << 20, integer=True),
        "width": Number(1, 1 << 20, integer=True),
    }

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        h, w = current_shape(sample)[:2]
        boxes = as_boxes(sample["bboxes"]) if "bboxes" in sample else np.zeros((0, 4))
        u = rng.random(4).tolist()
        if len(boxes):
            x0 = min(max(float(boxes[:, 0].min()), 0.0), w)
            y0 = min(max(float(boxes[:, 1].min()), 0.0), h)
            x1 = max(min(float(boxes[:, 2].max()), w), x0)
            y1 = max(min(float(boxes[:, 3].max()), h), y0)
            left, top = math.floor(u[0] * x0), math.floor(u[1] * y0)
            right = min(math.ceil(x1 + u[2] * (w - x1)), w)
            bottom = min(math.ceil(y1 + u[3] * (h - y1)), h)
            right, bottom = max(right, left + 1), max(bottom, top + 1)
            return {"top": top, "left": left, "height": bottom - top, "width": right - left}
        low = max(math.ceil((1.0 - self._r.erosion_rate) * h), 1)
        height = min(low + int(u[0] * (h - low + 1)), h)
        width = min(max(round(height * w / h), 1), w)
        top, left = int(u[1] * (h - height + 1)), int(u[2] * (w - width + 1))
        return {"top": top, "left": left, "height": height, "width": width}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        shape = current_shape(sample)
        check_window(self.name, params["top"], params["left"], params["height"], params["width"], shape)

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        return (1, -params["left"], 1, -params["top"]), (params["height"], params["width"])


class CropNonEmptyMaskIfExists(_Window):
    """Crop a ``height`` x ``width`` window around a random labelled mask pixel, when there is one.

    A pixel is drawn uniformly among those where ``mask`` (or any of ``masks``) is non-zero and
    not in ``ignore_values``; the window is placed at a uniform offset around it, shifted to stay
    inside the image, so the crop always contains labelled pixels when the mask has any
    (Albumentations' ``CropNonEmptyMaskIfExists``). With no such pixel, or no mask, a uniform
    random crop. Boxes and keypoints as in :class:`RandomCrop`.

    Parameters
    ----------
    height, width : int
        Size of the crop; the image must be at least this large.
    ignore_values : list of int or None, default None
        Mask labels that do not count as content (e.g. a "background" or "void" label).
    @options call_p1 image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> mask = np.zeros((40, 40), np.uint8); mask[30:32, 5:7] = 1
    >>> out = ma.image.CropNonEmptyMaskIfExists(8, 8, seed=0)(image=np.zeros((40, 40), np.uint8), mask=mask)
    >>> int(out["mask"].sum()) > 0
    True
    """

    draws_from_targets = True  # the window is drawn from the boxes / mask as they are now
    draws_from_pixels = True  # the window is drawn around labelled mask pixels

    ignore_values: list[int] | None = param(_Labels(), default=None)

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        h, w = self._fits(sample)
        content = _content(sample, r.ignore_values)
        u_top, u_left = rng.random(2).tolist()
        if content is None:
            return {"top": int(u_top * (h - r.height + 1)), "left": int(u_left * (w - r.width + 1))}
        y, x = divmod(int(content[rng.integers(len(content))]), w)
        top = min(max(y - int(u_top * r.height), 0), h - r.height)
        left = min(max(x - int(u_left * r.width), 0), w - r.width)
        return {"top": top, "left": left}
