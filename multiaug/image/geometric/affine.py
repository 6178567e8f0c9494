"""``Affine``: scale, rotate, shear about the centre, then translate (albumentations' order)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.errors import InvalidInputError
from ...core.params import Range, Spec, param
from ..functional import geometric as F
from ..options import BorderOptions, TargetOptions
from .engine import Resampling, Size, WarpTransform

__all__ = ["Affine"]


class _AxisRange(Spec):
    """A :class:`Range` for both axes, or ``{"x": range, "y": range}`` (a missing axis stays neutral).

    Resolves to ``(per_axis, x_range, y_range)``.
    """

    value_type = "tuple[bool, tuple[float, float], tuple[float, float]]"

    def __init__(self, base: Range, neutral: float) -> None:
        self.base = base
        self.neutral = neutral
        self.doc = base.doc + ', or a mapping {"x": ..., "y": ...} of those'

    def invalid(self) -> list[Any]:
        return [*self.base.invalid(), {}, {"z": 1.0}, {"x": "0.1"}]

    def resolve(
        self, owner: str, name: str, value: Any
    ) -> tuple[bool, tuple[float, float], tuple[float, float]]:
        if isinstance(value, Mapping):
            if not value or set(value) - {"x", "y"}:
                raise InvalidInputError(
                    owner,
                    name,
                    f"has keys {sorted(map(str, value))}; a per-axis form takes the keys 'x' and 'y'",
                    f'pass {name}={{"x": {self.base.example}, "y": {self.base.example}}}',
                )
            n = (self.neutral, self.neutral)
            x = self.base.resolve(owner, f"{name}['x']", value["x"]) if "x" in value else n
            y = self.base.resolve(owner, f"{name}['y']", value["y"]) if "y" in value else n
            return (True, x, y)
        r = self.base.resolve(owner, name, value)
        return (False, r, r)


class Affine(BorderOptions, TargetOptions, Resampling, WarpTransform):
    """Scale, shear and rotate about the centre, then translate; each amount drawn uniformly.

    The output keeps the input's size. Each of ``scale``, ``translate``,
    ``rotate`` and ``shear`` is a number, a ``(lo, hi)`` range, or a per-axis
    mapping ``{"x": ..., "y": ...}`` (a missing axis stays neutral).

    Order of operations (as Albumentations): about the image centre
    ``(W / 2, H / 2)``, scale first, then rotate, then shear, then translate;
    the matrix is ``T(c + t) @ Shear @ Rotate @ Scale @ T(-c)``.

    Parameters
    ----------
    scale : float or (float, float) or mapping, default (1, 1)
        Zoom factor. A range draws one factor for both axes (aspect kept); a
        number ``s`` means ``(1 - s, 1 + s)``; a mapping draws per axis.
    translate : float or (float, float) or mapping, default (0, 0)
        Shift as a fraction of the width (x) and height (y). A range draws x
        and y independently from it; a number ``t`` means ``(-t, t)``.
    rotate : float or (float, float), default (0, 0)
        Angle in degrees, counter-clockwise on screen; a number ``a`` means ``(-a, a)``.
    shear : float or (float, float) or mapping, default (0, 0)
        Shear angle in degrees. A range or number shears along x only (as
        torchvision); ``{"x": ..., "y": ...}`` shears along both. A positive
        x-shear moves the top edge to the right, a positive y-shear the left
        edge down (Albumentations and torchvision meaning).
    @options call image.border image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> t = ma.image.Affine(translate={"x": (0.5, 0.5)}, p=1.0)
    >>> out = t(image=np.zeros((4, 8), np.uint8), bboxes=np.array([[0.0, 0.0, 4.0, 2.0]]))
    >>> out["bboxes"].tolist()
    [[4.0, 0.0, 8.0, 2.0]]
    """

    samples_inside = False
    _lengths = {"scale": 2, "translate": 2, "shear": 2}
    scale: float | tuple[float, float] | Mapping[str, Any] = param(
        _AxisRange(Range(0.01, 100.0, scalar="symmetric", center=1.0, example="(0.9, 1.1)"), 1.0),
        default=(1, 1),
    )
    translate: float | tuple[float, float] | Mapping[str, Any] = param(
        _AxisRange(Range(-1.0, 1.0, scalar="symmetric", example="(-0.1, 0.1)"), 0.0), default=(0, 0)
    )
    rotate: float | tuple[float, float] = param(
        Range(-360.0, 360.0, scalar="symmetric", example="(-15, 15)", draw=False), default=(0, 0)
    )
    shear: float | tuple[float, float] | Mapping[str, Any] = param(
        _AxisRange(Range(-85.0, 85.0, scalar="symmetric", example="(-10, 10)"), 0.0), default=(0, 0)
    )

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        per_axis, sx_range, sy_range = r.scale
        sx = float(rng.uniform(*sx_range))
        sy = float(rng.uniform(*sy_range)) if per_axis else sx
        _, tx_range, ty_range = r.translate
        tx, ty = float(rng.uniform(*tx_range)), float(rng.uniform(*ty_range))
        angle = float(rng.uniform(*r.rotate))
        per_axis, kx_range, ky_range = r.shear
        kx = float(rng.uniform(*kx_range))
        ky = float(rng.uniform(*ky_range)) if per_axis else 0.0
        return {"scale": [sx, sy], "translate": [tx, ty], "rotate": angle, "shear": [kx, ky]}

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        h, w = size
        tx, ty = params["translate"]
        m = F.affine_matrix(h, w, params["scale"], (tx * w, ty * h), params["rotate"], params["shear"])
        return m, size
