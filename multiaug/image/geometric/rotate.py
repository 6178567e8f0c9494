"""``Rotate``: a rotation about the image centre by a random angle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...core.params import Range
from ..functional import geometric as F
from ..options import BORDER, TARGETS
from .engine import Resampling, Size, WarpTransform

__all__ = ["Rotate"]


class Rotate(Resampling, WarpTransform):
    """Rotate about the image centre by an angle drawn uniformly (degrees, counter-clockwise on screen).

    The output keeps the input's size; the corners uncovered are filled as
    ``border`` says. Boxes: the envelope of the rotated corners, clipped;
    keypoints: rotated exactly (kept outside the image unless
    ``drop_outside_keypoints``).

    Parameters
    ----------
    limit : float or (float, float), default 30
        Angle range in degrees; a number ``a`` means ``(-a, a)``.
    p : float, default 0.5
    seed : int or None
    @options image.border
    @options image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.Rotate(limit=(90, 90), p=1.0)(image=np.zeros((10, 10), np.uint8),
    ...                                              keypoints=np.array([[8.0, 5.0]]))
    >>> out["keypoints"].round(6).tolist()
    [[5.0, 2.0]]
    """

    samples_inside = False
    _parameters = {
        "limit": Range(-360.0, 360.0, scalar="symmetric", example="(-30, 30)", draw=False),
        **BORDER.specs,
        **TARGETS.specs,
    }
    _drawn = {"angle": "limit"}

    def __init__(
        self,
        limit: float | tuple[float, float] = 30,
        fill: float | Sequence[float] = 0,
        border: str = "constant",
        p: float = 0.5,
        seed: int | None = None,
        *,
        fill_mask: int = 0,
        min_visibility: float = 0.0,
        drop_outside_keypoints: bool = False,
    ) -> None:
        super().__init__(p=p, seed=seed)
        self.limit = limit
        self.fill = fill
        self.border = border
        self.fill_mask = fill_mask
        self.min_visibility = min_visibility
        self.drop_outside_keypoints = drop_outside_keypoints

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        return {"angle": float(rng.uniform(*self._r.limit))}

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        return F.rotate_matrix(params["angle"], *size), size
