"""``PadIfNeeded``: pad the image up to a minimum size (``cv2.copyMakeBorder``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.params import Choice, Number, Probability, param
from ..functional import sizing as S
from ..functional._opencv import MAX_WARP_SIDE
from ..options import BorderOptions
from .engine import Axis, Resampling, Size, WarpTransform

__all__ = ["PadIfNeeded"]


class PadIfNeeded(BorderOptions, Resampling, WarpTransform):
    """Pad the image to at least ``min_height`` x ``min_width``; a larger side is left as it is.

    The padding is split as Albumentations does: centred (the odd pixel at the bottom
    or right), or all of it on the sides opposite a corner ``position``. Boxes and
    keypoints shift with the image; the mask is padded with ``fill_mask``. A pad is a
    whole-pixel shift: fused with flips, crops and resizes it never interpolates.

    Parameters
    ----------
    min_height, min_width : int
        Minimum output size.
    position : {"center", "top_left", "top_right", "bottom_left", "bottom_right"}, default "center"
        Where the image sits in the padded frame.
    @options image.border call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.PadIfNeeded(8, 8, fill=255)(image=np.zeros((4, 10), np.uint8),
    ...                                             bboxes=np.array([[0.0, 0.0, 2.0, 2.0]]))
    >>> out["image"].shape, out["image"][0, 0], out["bboxes"].tolist()
    ((8, 10), np.uint8(255), [[0.0, 2.0, 2.0, 4.0]])
    """

    is_random = False
    augments = False
    axis_aligned = True
    samples_inside = False
    preserves_shape = False
    min_height: int = param(Number(1, MAX_WARP_SIDE, integer=True))
    min_width: int = param(Number(1, MAX_WARP_SIDE, integer=True))
    position: str = param(Choice(*S.PAD_POSITIONS), default="center")
    p: float = param(Probability(), default=1.0, kw_only=True)

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        r = self._r
        h, w = size
        top, bottom, left, right = S.pad_if_needed_amounts(h, w, r.min_height, r.min_width, r.position)
        return (1, left, 1, top), (h + top + bottom, w + left + right)
