"""``RandomResizedCrop``: a random window of random area and aspect, resized (torchvision)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...core.params import Probability, Range, Spec, param
from ...core.transform import check_window
from ..base import current_shape
from ..functional import geometric as F
from ..options import TargetOptions
from .engine import Axis, Resampling, Size, WarpTransform

__all__ = ["RandomResizedCrop"]


class _Size(Spec):
    doc = f"an int or a (height, width) pair of ints in [1, {F.MAX_WARP_SIDE}]"
    value_type = "tuple[int, int]"

    def invalid(self) -> list[Any]:
        return [0, (10, 0), "224", (1.5, 2), (1, 2, 3), F.MAX_WARP_SIDE + 1, None]

    def resolve(self, owner: str, name: str, value: Any) -> Size:
        pair = (value, value) if isinstance(value, numbers.Integral) else value
        if (
            isinstance(pair, Sequence)
            and not isinstance(pair, str)
            and len(pair) == 2
            and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in pair)
            and all(1 <= int(v) <= F.MAX_WARP_SIDE for v in pair)
        ):
            return (int(pair[0]), int(pair[1]))
        raise self.fail(owner, name, value, f"pass {name}=(224, 224) (height, width)")


class RandomResizedCrop(TargetOptions, Resampling, WarpTransform):
    """Crop a random window of random area and aspect ratio and resize it to ``size`` (torchvision).

    The window's area is a fraction ``scale`` of the image's and its aspect
    ratio (width / height) is drawn log-uniformly from ``ratio``; after 10
    attempts that do not fit, the largest centred window within ``ratio`` is
    used. Bilinear resize; masks nearest.

    Parameters
    ----------
    size : int or (int, int)
        Output ``(height, width)`` (an int: square).
    scale : (float, float), default (0.08, 1.0)
        Range of the window's area as a fraction of the image's (a number: fixed).
    ratio : (float, float), default (3/4, 4/3)
        Range of the window's aspect ratio (a number: fixed).
    @options call_p1 image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> t = ma.image.RandomResizedCrop(size=(32, 48), seed=0)
    >>> t(image=np.zeros((100, 80, 3), np.uint8))["image"].shape
    (32, 48, 3)
    """

    preserves_shape = False
    axis_aligned = True
    size: int | tuple[int, int] = param(_Size())
    scale: float | tuple[float, float] = param(
        Range(0.0, 1.0, scalar="fixed", example="(0.08, 1.0)", draw=False), default=(0.08, 1.0)
    )
    ratio: float | tuple[float, float] = param(
        Range(1e-3, 1e3, scalar="fixed", example="(0.75, 1.333)", draw=False), default=(3 / 4, 4 / 3)
    )
    p: float = param(Probability(), default=1.0, kw_only=True)

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        h, w = current_shape(sample)[:2]
        area = h * w
        (s_lo, s_hi), (r_lo, r_hi) = r.scale, r.ratio
        log_lo, log_hi = math.log(r_lo), math.log(r_hi)
        # The draws of all 10 attempts at once: one generator call instead of up to 40.
        for u_area, u_ratio, u_top, u_left in rng.random((10, 4)).tolist():
            target = area * (s_lo + (s_hi - s_lo) * u_area)
            aspect = math.exp(log_lo + (log_hi - log_lo) * u_ratio)
            cw = round(math.sqrt(target * aspect))
            ch = round(math.sqrt(target / aspect))
            if 0 < cw <= w and 0 < ch <= h:
                top, left = int(u_top * (h - ch + 1)), int(u_left * (w - cw + 1))
                return {"top": top, "left": left, "height": ch, "width": cw}
        in_ratio = w / h
        if in_ratio < r_lo:
            cw, ch = w, max(1, min(h, round(w / r_lo)))
        elif in_ratio > r_hi:
            cw, ch = max(1, min(w, round(h * r_hi))), h
        else:
            cw, ch = w, h
        return {"top": (h - ch) // 2, "left": (w - cw) // 2, "height": ch, "width": cw}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        p = params
        check_window(self.name, p["top"], p["left"], p["height"], p["width"], current_shape(sample))

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        p, out_size = params, self._r.size
        return F.resized_crop_axis(p["top"], p["left"], p["height"], p["width"], out_size), out_size
