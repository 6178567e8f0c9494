"""``Perspective``: a random quadrilateral inside the image stretched onto the frame."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.params import Number, Range, param
from ..functional import geometric as F
from ..options import TargetOptions
from .engine import Resampling, Size, WarpTransform

__all__ = ["Perspective"]


class Perspective(TargetOptions, Resampling, WarpTransform):
    """A random perspective distortion: a quadrilateral inside the image is stretched onto the frame.

    Each corner of the image moves inward by ``|N(0, s)|`` of the width and of
    the height (capped at 0.45, which keeps the quadrilateral convex), ``s``
    drawn uniformly from ``scale`` (albumentations' meaning); the quadrilateral
    is then mapped onto the whole output, which keeps the input's size. The
    output never shows anything from outside the image.

    Parameters
    ----------
    scale : float or (float, float), default (0.05, 0.1)
        Range of the corner jitter's standard deviation, as a fraction of the
        size (a number ``s`` means ``(0, s)``).
    @options call image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.Perspective(p=1.0, seed=1)(image=np.zeros((20, 30, 3), np.uint8))
    >>> out["image"].shape
    (20, 30, 3)
    """

    scale: float | tuple[float, float] = param(
        Range(0.0, 1.0, scalar="upper", example="(0.05, 0.1)", draw=False), default=(0.05, 0.1)
    )
    _drawn = {"corners": Number(-1.0, 2.0)}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        s = rng.uniform(*self._r.scale)
        jitter = np.minimum(np.abs(rng.normal(0.0, 1.0, (4, 2))) * s, 0.45)
        corners = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
        corners += jitter * np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]])
        return {"corners": corners.tolist()}

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        h, w = size
        return F.perspective_matrix(F.quad_pixels(params["corners"], h, w), h, w), size
