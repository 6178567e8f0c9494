"""Geometric image transforms (thin classes over :mod:`multiaug.image.functional`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import functional as F
from .base import SpatialTransform

__all__ = ["HorizontalFlip", "VerticalFlip"]


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
