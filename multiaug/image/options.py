"""Option groups shared by image transforms: the border and its fills, the target policy.

Several transforms take the same group of constructor parameters; each group is
declared once here (its specs, its checks against a sample) and unpacked into a
transform's ``_parameters``:

* ``BORDER``: ``fill``, ``border``, ``fill_mask``: what the pixels an op samples
  from outside its input show (ops that may: rotations, affine maps, elastic);
* ``TARGETS``: ``min_visibility``, ``drop_outside_keypoints``: which boxes and
  keypoints survive an op that moves them.

Boxes are always ``pascal_voc`` pixels inside a transform (convert others with
:func:`~multiaug.image.convert_bboxes`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Choice, Flag, Number, Spec
from .functional._opencv import BORDERS

__all__ = ["BORDER", "TARGETS", "Fill", "check_fill", "check_fill_mask", "target_policy"]


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class Fill(Spec):
    """A fill colour: one number for every channel, or one per channel, in the image's units.

    Resolves to a tuple of floats; :func:`check_fill` checks it against the image of a call.
    """

    doc = "a number in [0, 255] or a sequence of them (one per channel)"

    def resolve(self, owner: str, name: str, value: Any) -> tuple[float, ...]:
        if _is_number(value):
            values: Sequence[Any] = (value,)
        elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) > 0:
            values = value
        else:
            raise self.fail(owner, name, value, f"pass {name}=0 or one value per channel, e.g. (0, 0, 0)")
        if not all(_is_number(v) and math.isfinite(float(v)) and 0.0 <= float(v) <= 255.0 for v in values):
            raise self.fail(owner, name, value, f"pass {name}=0 or one value per channel, e.g. (0, 0, 0)")
        return tuple(float(v) for v in values)


#: ``fill``, ``border``, ``fill_mask``: what an op shows where it samples outside its input.
BORDER: dict[str, Spec] = {
    "fill": Fill(),
    "border": Choice(*BORDERS),
    "fill_mask": Number(-(2**63), 2**64 - 1, integer=True),
}

#: ``min_visibility``, ``drop_outside_keypoints``: which moved boxes and keypoints are kept.
TARGETS: dict[str, Spec] = {
    "min_visibility": Number(0.0, 1.0),
    "drop_outside_keypoints": Flag(),
}


def target_policy(r: Any) -> tuple[float, bool]:
    """``(min_visibility, drop_outside_keypoints)`` of resolved parameters ``r``; a transform without
    the ``TARGETS`` options keeps every box with something left and every keypoint."""
    return (getattr(r, "min_visibility", 0.0), getattr(r, "drop_outside_keypoints", False))


def check_fill(owner: str, fill: tuple[float, ...], image: np.ndarray) -> None:
    """A resolved ``fill`` against the call's image: one value or one per channel, in its units."""
    channels = image.shape[2] if image.ndim == 3 else 1
    if len(fill) not in (1, channels):
        raise InvalidInputError(
            owner,
            "fill",
            f"has {len(fill)} values for an image with {channels} channel(s)",
            "give one value, or one per channel",
        )
    if image.dtype == np.float32 and max(fill) > 1.0:
        raise InvalidInputError(
            owner,
            "fill",
            f"is {fill} but the image is float32 in [0, 1]",
            "give fill in the image's units: 0-1 for float32 images, 0-255 for uint8",
        )


def check_fill_mask(owner: str, fill_mask: int, mask: np.ndarray) -> None:
    """A ``fill_mask`` label against the call's mask: its dtype must hold it."""
    lo, hi = (0, 1) if mask.dtype == np.bool_ else (np.iinfo(mask.dtype).min, np.iinfo(mask.dtype).max)
    if not lo <= fill_mask <= hi:
        raise InvalidInputError(
            owner,
            "fill_mask",
            f"is {fill_mask}, which a {mask.dtype} mask cannot hold",
            f"pass fill_mask in [{lo}, {hi}] or use a wider mask dtype",
        )
