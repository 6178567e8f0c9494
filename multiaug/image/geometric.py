"""Geometric image transforms (thin classes over :mod:`multiaug.image.functional`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Number
from .base import SpatialTransform
from .functional import geometric as F

__all__ = ["HorizontalFlip", "RandomCrop", "VerticalFlip"]


class HorizontalFlip(SpatialTransform):
    """Mirror the image left-right, with its mask, boxes and keypoints.

    Parameters
    ----------
    p : float, default 0.5
        Probability of flipping.
    seed : int or None
        Seed used when called directly (inside a composer, the composer's seed governs).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.HorizontalFlip(p=1.0)(image=np.zeros((4, 10), np.uint8),
    ...                                      bboxes=np.array([[1.0, 0.0, 3.0, 2.0]]))
    >>> out["bboxes"].tolist()
    [[7.0, 0.0, 9.0, 2.0]]
    """

    is_random = False

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        return F.hflip(image)

    def apply_bboxes(self, boxes: np.ndarray, shape: tuple[int, ...], **params: Any) -> np.ndarray:
        return F.hflip_bboxes(boxes, shape[1])

    def apply_keypoints(self, points: np.ndarray, shape: tuple[int, ...], **params: Any) -> np.ndarray:
        return F.hflip_keypoints(points, shape[1])


class VerticalFlip(SpatialTransform):
    """Mirror the image top-bottom, with its mask, boxes and keypoints.

    Parameters
    ----------
    p : float, default 0.5
        Probability of flipping.
    seed : int or None
        Seed used when called directly.
    """

    is_random = False

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        return F.vflip(image)

    def apply_bboxes(self, boxes: np.ndarray, shape: tuple[int, ...], **params: Any) -> np.ndarray:
        return F.vflip_bboxes(boxes, shape[0])

    def apply_keypoints(self, points: np.ndarray, shape: tuple[int, ...], **params: Any) -> np.ndarray:
        return F.vflip_keypoints(points, shape[0])


class RandomCrop(SpatialTransform):
    """Crop a random ``height`` x ``width`` window (uniform over all positions).

    Boxes are shifted, clipped to the window and dropped (with their label)
    when nothing of them is left; keypoints are shifted and kept even when they
    fall outside the window.

    Parameters
    ----------
    height, width : int
        Size of the crop; the image must be at least this large.
    p : float, default 1.0
    seed : int or None

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ma.image.RandomCrop(2, 3, seed=0)(image=np.zeros((5, 5), np.uint8))["image"].shape
    (2, 3)
    """

    preserves_shape = False
    _parameters = {"height": Number(1, 1 << 20, integer=True), "width": Number(1, 1 << 20, integer=True)}

    def __init__(self, height: int, width: int, p: float = 1.0, seed: int | None = None) -> None:
        super().__init__(p=p, seed=seed)
        self.height = height
        self.width = width

    def check(self, sample: Mapping[str, Any]) -> None:
        super().check(sample)
        r = self._r
        h, w = sample["image"].shape[:2]
        if h < r.height or w < r.width:
            raise InvalidInputError(
                self.name,
                "image",
                f"is {h}x{w}, smaller than the {r.height}x{r.width} crop",
                "pad the image first or ask for a smaller crop",
            )

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
        r = self._r
        h, w = sample["image"].shape[:2]
        return {"top": int(rng.integers(0, h - r.height + 1)), "left": int(rng.integers(0, w - r.width + 1))}

    def apply_image(self, image: np.ndarray, top: int, left: int, **params: Any) -> np.ndarray:
        return F.crop(image, top, left, self._r.height, self._r.width)

    def apply_bboxes(self, boxes: np.ndarray, top: int, left: int, **params: Any) -> np.ndarray:
        return F.shift_bboxes(boxes, -left, -top)

    def apply_keypoints(self, points: np.ndarray, top: int, left: int, **params: Any) -> np.ndarray:
        return F.shift_keypoints(points, -left, -top)
