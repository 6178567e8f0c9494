"""Windows of a fixed size: ``RandomCrop`` (uniform position), ``CenterCrop`` (centred)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ...core.errors import InvalidInputError
from ...core.params import Number, Probability, param
from ...core.transform import check_window
from ..base import current_shape
from ..functional import sizing as S
from ..options import TargetOptions
from .engine import Axis, Size, WarpTransform

__all__ = ["CenterCrop", "RandomCrop"]


class _Window(TargetOptions, WarpTransform):
    """Base of the fixed-size crops: ``make_params`` gives the window's ``top`` and ``left``."""

    _abstract = True
    #: In a pipeline, checked up front only when no earlier step may resize (then when it runs).
    checks_size: ClassVar[bool] = True
    preserves_shape = False
    axis_aligned = True
    reindexes = True
    height: int = param(Number(1, 1 << 20, integer=True))
    width: int = param(Number(1, 1 << 20, integer=True))
    p: float = param(Probability(), default=1.0, kw_only=True)

    def _fits(self, sample: Mapping[str, Any]) -> tuple[int, int]:
        r = self._r
        h, w = current_shape(sample)[:2]
        if h < r.height or w < r.width:
            raise InvalidInputError(
                self.name,
                "image",
                f"is {h}x{w}, smaller than the {r.height}x{r.width} crop",
                "pad the image first or ask for a smaller crop",
            )
        return h, w

    def check(self, sample: Mapping[str, Any]) -> None:
        super().check(sample)
        self._fits(sample)

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        r = self._r
        check_window(self.name, params["top"], params["left"], r.height, r.width, current_shape(sample))

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        r = self._r
        return (1, -params["left"], 1, -params["top"]), (r.height, r.width)


class RandomCrop(_Window):
    """Crop a random ``height`` x ``width`` window (uniform over all positions).

    Boxes are shifted, clipped to the window and dropped (with their label)
    when nothing of them is left, or less than ``min_visibility`` of their area;
    keypoints are shifted and kept even when they fall outside the window
    (``drop_outside_keypoints=True`` drops them).

    Parameters
    ----------
    height, width : int
        Size of the crop; the image must be at least this large.
    @options call_p1 image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ma.image.RandomCrop(2, 3, seed=0)(image=np.zeros((5, 5), np.uint8))["image"].shape
    (2, 3)
    """

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        h, w = self._fits(sample)  # again: an earlier op of the pipeline may have shrunk the image
        u_top, u_left = rng.random(2).tolist()
        return {"top": int(u_top * (h - r.height + 1)), "left": int(u_left * (w - r.width + 1))}


class CenterCrop(_Window):
    """Crop the centred ``height`` x ``width`` window (an exact slice; never interpolates).

    The window starts at ``((H - height) // 2, (W - width) // 2)`` (Albumentations'
    rule). Boxes are shifted, clipped and dropped as for :class:`RandomCrop`; keypoints
    shifted.

    Parameters
    ----------
    height, width : int
        Size of the window. A smaller image is an error: put a ``PadIfNeeded(height, width)``
        before (in a pipeline the crop checks the size the pad leaves).
    @options image.targets call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.CenterCrop(2, 2)(image=np.arange(16, dtype=np.uint8).reshape(4, 4), trace=True)
    >>> out["image"].tolist(), out["trace"][0]["params"]
    ([[5, 6], [9, 10]], {'top': 1, 'left': 1})
    """

    is_random = False
    augments = False

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        top, left = S.center_crop_window(*self._fits(sample), r.height, r.width)
        return {"top": top, "left": left}
