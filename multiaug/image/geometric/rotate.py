"""``Rotate``: a rotation about the image centre by a random angle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.params import Range, param
from ..functional import geometric as F
from ..options import BorderOptions, TargetOptions
from .engine import Resampling, Size, WarpTransform

__all__ = ["Rotate"]


class Rotate(BorderOptions, TargetOptions, Resampling, WarpTransform):
    """Rotate about the image centre by an angle drawn uniformly (degrees, counter-clockwise on screen).

    The output keeps the input's size; the corners uncovered are filled as
    ``border`` says. Boxes: the envelope of the rotated corners, clipped;
    keypoints: rotated exactly (kept outside the image unless
    ``drop_outside_keypoints``).

    Parameters
    ----------
    limit : float or (float, float), default 30
        Angle range in degrees; a number ``a`` means ``(-a, a)``.
    @options call image.border image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.Rotate(limit=(90, 90), p=1.0)(image=np.zeros((10, 10), np.uint8),
    ...                                              keypoints=np.array([[8.0, 5.0]]))
    >>> out["keypoints"].round(6).tolist()
    [[5.0, 2.0]]
    """

    samples_inside = False
    limit: float | tuple[float, float] = param(
        Range(-360.0, 360.0, scalar="symmetric", example="(-30, 30)", draw=False), default=30
    )
    _drawn = {"angle": "limit"}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        return {"angle": float(rng.uniform(*self._r.limit))}

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        return F.rotate_matrix(params["angle"], *size), size
