"""Albumentations' names for rotations and affine maps: ``SafeRotate``, ``ShiftScaleRotate``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.errors import InvalidInputError
from ...core.params import Number, Range, param
from ..functional import geometric as F
from ..options import BorderOptions, TargetOptions
from .engine import Resampling, Size, WarpTransform
from .rotate import Rotate

__all__ = ["SafeRotate", "ShiftScaleRotate"]


class SafeRotate(Rotate):
    """Rotate about the centre, then shrink each axis so that nothing of the image is cut off.

    After the rotation the axes are scaled by ``W / w'`` and ``H / h'`` (``w' x h'``: the rotated
    frame's envelope), so the whole rotated image fits the output (Albumentations' ``SafeRotate``;
    like it, the aspect of the content changes unless the image is square). The output keeps the
    input's size; the corners are filled as ``border`` says. Boxes and keypoints as for
    :class:`Rotate`.

    Parameters
    ----------
    limit : float or (float, float), default 90
        Angle range in degrees; a number ``a`` means ``(-a, a)``.
    @options call image.border image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.SafeRotate(limit=(90, 90), p=1.0)(image=np.zeros((10, 20), np.uint8),
    ...                                                  keypoints=np.array([[20.0, 0.0]]))
    >>> out["keypoints"].round(6).tolist()  # the top-right corner goes to the top-left one
    [[0.0, 0.0]]
    """

    limit: float | tuple[float, float] = param(
        Range(-360.0, 360.0, scalar="symmetric", example="(-90, 90)", draw=False), default=90
    )

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        return F.safe_rotate_matrix(params["angle"], *size), size


class ShiftScaleRotate(BorderOptions, TargetOptions, Resampling, WarpTransform):
    """Albumentations' ``ShiftScaleRotate``: an :class:`Affine` under its parameter names.

    Scale by ``1 + s`` (``s`` drawn from ``scale_limit``), rotate by an angle drawn from
    ``rotate_limit``, both about the centre, then shift by fractions of the width and height
    drawn from ``shift_limit`` (each axis its own draw). Same matrix, fusion, targets and border
    as ``Affine(scale=(1 + lo, 1 + hi), translate=shift_limit, rotate=rotate_limit)``; for
    per-axis shifts or shear use :class:`Affine`.

    Parameters
    ----------
    shift_limit : float or (float, float), default 0.0625
        Shift as a fraction of the size, within [-1, 1]; a number ``t`` means ``(-t, t)``.
    scale_limit : float or (float, float), default 0.1
        Scale change: the factor is ``1 + s``, ``s`` within (-1, 99]; a number ``s`` means ``(-s, s)``.
    rotate_limit : float or (float, float), default 45
        Angle in degrees, counter-clockwise on screen; a number ``a`` means ``(-a, a)``.
    @options call image.border image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> t = ma.image.ShiftScaleRotate(shift_limit=0, scale_limit=(1, 1), rotate_limit=0, p=1.0)
    >>> t(image=np.zeros((10, 10), np.uint8), keypoints=np.array([[7.0, 5.0]]))["keypoints"].tolist()
    [[9.0, 5.0]]
    """

    samples_inside = False
    shift_limit: float | tuple[float, float] = param(
        Range(-1.0, 1.0, scalar="symmetric", example="(-0.0625, 0.0625)", draw=False), default=0.0625
    )
    scale_limit: float | tuple[float, float] = param(
        Range(-0.99, 99.0, scalar="symmetric", example="(-0.1, 0.1)", draw=False), default=0.1
    )
    rotate_limit: float | tuple[float, float] = param(
        Range(-360.0, 360.0, scalar="symmetric", example="(-45, 45)", draw=False), default=45
    )
    _drawn = {"translate": "shift_limit", "rotate": "rotate_limit", "scale": Number(0.01, 100.0)}
    _lengths = {"translate": 2}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        s = 1.0 + float(rng.uniform(*r.scale_limit))
        lo, hi = r.shift_limit
        tx, ty = rng.uniform(lo, hi, 2).tolist()
        angle = float(rng.uniform(*r.rotate_limit))
        return {"scale": s, "translate": [tx, ty], "rotate": angle}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        lo, hi = self._r.scale_limit
        if not 1.0 + lo - 1e-9 <= params["scale"] <= 1.0 + hi + 1e-9:
            raise InvalidInputError(
                self.name, "params.scale", f"is {params['scale']}, outside 1 + scale_limit",
                "replay the trace unchanged",
            )  # fmt: skip

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        h, w = size
        tx, ty = params["translate"]
        s = params["scale"]
        return F.affine_matrix(h, w, (s, s), (tx * w, ty * h), params["rotate"]), size
