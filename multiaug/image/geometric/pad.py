"""``PadIfNeeded``: pad the image up to a minimum size (``cv2.copyMakeBorder``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.errors import InvalidInputError
from ...core.params import Choice, Number, Probability, param
from ..base import current_shape
from ..functional import sizing as S
from ..functional._opencv import MAX_WARP_SIDE
from ..options import BorderOptions
from .engine import Axis, Resampling, Size, WarpTransform

__all__ = ["PadIfNeeded"]

_SIDE = Number(1, MAX_WARP_SIDE, integer=True, optional=True)


class PadIfNeeded(BorderOptions, Resampling, WarpTransform):
    """Pad the image to at least ``min_height`` x ``min_width``; a larger side is left as it is.

    The padding is split as Albumentations does: centred (the odd pixel at the bottom
    or right), all of it on the sides opposite a corner ``position``, or, with
    ``position="random"``, split at a uniformly drawn point on each axis (keyed like
    every draw; the only position that draws; centred in eval mode, so a serving
    pipeline is deterministic). Boxes and
    keypoints shift with the image; the mask is padded with ``fill_mask``. A pad is a
    whole-pixel shift: fused with flips, crops and resizes it never interpolates.

    Parameters
    ----------
    min_height, min_width : int or None
        Minimum output size (None: that axis is padded to a multiple of its divisor instead).
    position : {"center", "top_left", "top_right", "bottom_left", "bottom_right", "random"}, default "center"
        Where the image sits in the padded frame.
    pad_height_divisor, pad_width_divisor : int or None, default None
        Pad that axis up to the next multiple of this instead (a network's stride: 32), as
        Albumentations' options of these names; each axis takes a minimum or a divisor, not both.
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
    min_height: int | None = param(_SIDE, default=None)
    min_width: int | None = param(_SIDE, default=None)
    position: str = param(Choice(*S.PAD_POSITIONS), default="center")
    pad_height_divisor: int | None = param(_SIDE, default=None, kw_only=True, quiet=True)
    pad_width_divisor: int | None = param(_SIDE, default=None, kw_only=True, quiet=True)
    p: float = param(Probability(), default=1.0, kw_only=True)

    def _finalize(self, r: Any) -> None:
        super()._finalize(r)
        for size, divisor in (("min_height", "pad_height_divisor"), ("min_width", "pad_width_divisor")):
            if (getattr(r, size) is None) == (getattr(r, divisor) is None):
                raise InvalidInputError(
                    self.name,
                    size,
                    f"and {divisor} are both {'unset' if getattr(r, size) is None else 'set'}",
                    f"pass exactly one of them: {size}=256 (a minimum) or {divisor}=32 (a multiple)",
                )
        # Only position="random" draws; the instance says so before its plan (stream use) is made.
        self.__dict__["is_random"] = r.position == "random"

    def _target(self, h: int, w: int) -> tuple[int, int]:
        """The output size for an ``h`` x ``w`` input: the minimum, or the next multiple of the divisor."""
        r = self._r
        dh, dw = r.pad_height_divisor, r.pad_width_divisor
        th = r.min_height if dh is None else -(-h // dh) * dh
        tw = r.min_width if dw is None else -(-w // dw) * dw
        return max(th, h), max(tw, w)

    def _room(self, sample: Mapping[str, Any]) -> tuple[int, int]:
        """The padding to add on each axis (height, width) to the image the op is given."""
        h, w = current_shape(sample)[:2]
        th, tw = self._target(h, w)
        return th - h, tw - w

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        if not self.is_random or not self.training:  # eval mode: a random position is the centre
            return {}
        dh, dw = self._room(sample)
        u_top, u_left = rng.random(2).tolist()
        return {"top": int(u_top * (dh + 1)), "left": int(u_left * (dw + 1))}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        dh, dw = self._room(sample)
        for key, room in (("top", dh), ("left", dw)):
            if key in params and not 0 <= params[key] <= room:
                raise InvalidInputError(
                    self.name,
                    f"params.{key}",
                    f"is {params[key]}, outside [0, {room}]",
                    "replay the trace unchanged",
                )

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        r = self._r
        h, w = size
        if "top" in params:
            position: str | tuple[int, int] = (params["top"], params["left"])
        else:
            position = "center" if r.position == "random" else r.position
        top, bottom, left, right = S.pad_if_needed_amounts(h, w, *self._target(h, w), position)
        return (1, left, 1, top), (h + top + bottom, w + left + right)
