"""``GridDistortion`` and ``OpticalDistortion``: remap ops (never fused) over :class:`RemapTransform`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.errors import InvalidInputError
from ...core.params import Choice, Number, Range, param
from ..functional import distortion as FD
from ..options import BORDER
from .elastic import Distortion, RemapTransform

__all__ = ["GridDistortion", "OpticalDistortion"]


class GridDistortion(RemapTransform):
    """Cut each axis into ``num_steps`` cells and stretch or shrink each cell by a random amount.

    Input cell ``k`` of an axis spans ``1 + step_k`` times the mean width (the widths are
    normalised to fill the axis, Albumentations' ``normalized=True``, so nothing leaves the image)
    and is resampled onto the evenly spaced output cell ``k``; each ``step`` is drawn from
    ``distort_limit``, per axis and per cell. Piecewise linear and separable, so keypoints and
    boxes move exactly (the inverse of each axis's map). Masks nearest. Not a matrix op: never
    fused.

    Parameters
    ----------
    num_steps : int, default 5
        Cells per side.
    distort_limit : float or (float, float), default 0.3
        Range of each cell's relative change of width, within [-1, 1]; a number ``d`` means
        ``(-d, d)``.
    @options call image.border image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> t = ma.image.GridDistortion(num_steps=4, p=1.0, seed=0)
    >>> out = t(image=np.zeros((16, 16), np.uint8), keypoints=np.array([[0.0, 16.0]]))
    >>> out["keypoints"].tolist()  # the image's corners stay put
    [[0.0, 16.0]]
    """

    num_steps: int = param(Number(1, 1024, integer=True), default=5)
    distort_limit: float | tuple[float, float] = param(
        Range(-1.0, 1.0, scalar="symmetric", example="(-0.3, 0.3)", draw=False), default=0.3
    )
    border: str = param(BORDER.specs["border"], default="reflect", kw_only=True)
    _drawn = {"x_steps": "distort_limit", "y_steps": "distort_limit"}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        n = self._r.num_steps
        lo, hi = self._r.distort_limit
        steps = rng.uniform(lo, hi, 2 * n).tolist()
        return {"x_steps": steps[:n], "y_steps": steps[n:]}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        n = self._r.num_steps
        for key in ("x_steps", "y_steps"):
            if len(params[key]) != n:
                raise InvalidInputError(
                    self.name, f"params.{key}", f"has {len(params[key])} values, not num_steps={n}",
                    "replay the trace unchanged",
                )  # fmt: skip

    def distortion(self, params: Mapping[str, Any], size: tuple[int, int]) -> Distortion:
        border = self._r.border
        xs, ys = params["x_steps"], params["y_steps"]
        return Distortion(
            lambda a, nearest, fill: FD.grid_distortion(a, xs, ys, nearest=nearest, border=border, fill=fill),
            lambda points: FD.grid_move(points, size, xs, ys),
            lambda boxes: FD.grid_move(boxes, size, xs, ys),
        )


class OpticalDistortion(RemapTransform):
    """Radial lens distortion about the image centre, with a coefficient ``k`` drawn per call.

    Output point ``p`` shows the input at ``c + (p - c) f(r)``: ``mode="camera"`` is OpenCV's
    camera model with ``k1 = k2 = k`` and focal lengths ``W`` and ``H`` (``f = 1 + k r^2 + k r^4``,
    ``r`` normalised by the width and height; Albumentations' default), ``mode="fisheye"``
    ``f = 1 + k r^2`` with ``r`` normalised by the half diagonal. ``k > 0`` draws the content
    towards the centre (the corners then show the ``border``), ``k < 0`` pushes it outwards.
    Keypoints go where the remap takes them (the radial map inverted by bisection, exact to
    float precision; a strong ``k < 0`` folds the outer ring back, and a point past the fold,
    which no output pixel shows, goes to the fold); boxes: the envelope of their moved
    outlines. Masks nearest.

    Parameters
    ----------
    distort_limit : float or (float, float), default 0.05
        Range of ``k``, within [-1, 1]; a number ``d`` means ``(-d, d)``.
    mode : {"camera", "fisheye"}, default "camera"
        Distortion model.
    @options call image.border image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> t = ma.image.OpticalDistortion(distort_limit=(0.2, 0.2), p=1.0)
    >>> out = t(image=np.zeros((20, 30, 3), np.uint8), keypoints=np.array([[15.0, 10.0]]))
    >>> out["image"].shape, out["keypoints"].tolist()  # the centre stays put
    ((20, 30, 3), [[15.0, 10.0]])
    """

    distort_limit: float | tuple[float, float] = param(
        Range(-1.0, 1.0, scalar="symmetric", example="(-0.05, 0.05)"), default=0.05
    )
    mode: str = param(Choice("camera", "fisheye"), default="camera")

    def distortion(self, params: Mapping[str, Any], size: tuple[int, int]) -> Distortion:
        border, mode = self._r.border, self._r.mode
        k = params["distort_limit"]
        return Distortion(
            lambda a, nearest, fill: FD.optical_distortion(
                a, k, mode, nearest=nearest, border=border, fill=fill
            ),
            lambda points: FD.optical_move(points, size, k, mode),
            lambda boxes: FD.optical_boxes(boxes, size, k, mode),
        )
