"""Whole-image flips: ``HorizontalFlip``, ``VerticalFlip``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .engine import Axis, Size, WarpTransform

__all__ = ["HorizontalFlip", "VerticalFlip"]


class HorizontalFlip(WarpTransform):
    """Mirror the image left-right (``x -> W - x``), with its mask, boxes and keypoints.

    The image and masks are views of the input (``image[:, ::-1]``: negative strides, no pixel
    moved); boxes and keypoints are new arrays.

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
    axis_aligned = True
    flip_code = 1
    reindexes = True

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        return (-1, size[1], 1, 0), size


class VerticalFlip(WarpTransform):
    """Mirror the image top-bottom (``y -> H - y``), with its mask, boxes and keypoints.

    The image and masks are views of the input (``image[::-1]``), as :class:`HorizontalFlip`'s.

    Parameters
    ----------
    p : float, default 0.5
        Probability of flipping.
    seed : int or None
        Seed used when called directly.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ma.image.VerticalFlip(p=1.0)(image=np.zeros((4, 4), np.uint8),
    ...                              keypoints=np.array([[1.0, 0.5]]))["keypoints"].tolist()
    [[1.0, 3.5]]
    """

    is_random = False
    axis_aligned = True
    flip_code = 0
    reindexes = True

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        return (1, 0, -1, size[0]), size
