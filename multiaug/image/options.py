"""Option groups shared by image transforms: the border and its fills, the target policy.

Several transforms take the same group of constructor parameters; each group is
declared once here (its specs, its checks against a sample, its documentation):

* ``BORDER`` (``@options image.border``): ``fill``, ``border``, ``fill_mask``: what
  the pixels an op samples from outside its input show (ops that may: rotations,
  affine maps, elastic);
* ``TARGETS`` (``@options image.targets``): ``min_visibility``,
  ``drop_outside_keypoints``: which boxes and keypoints survive an op that moves
  them (:func:`target_policy` reads them).

A transform takes a group by deriving from its base class (``class Rotate(BorderOptions,
TargetOptions, Resampling, WarpTransform)``: the parameters are keyword-only) and writes the
line ``@options image.border`` in its docstring's Parameters section.

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
from ..core.params import Choice, Flag, Number, Options, Spec, param
from ..core.transform import Transform
from .functional._opencv import BORDERS

__all__ = [
    "BORDER",
    "TARGETS",
    "BorderOptions",
    "ChannelValues",
    "Fill",
    "TargetOptions",
    "check_channels",
    "check_fill",
    "check_fill_mask",
    "target_policy",
]


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class Fill(Spec):
    """A fill colour: one number for every channel, or one per channel, in the image's units.

    Resolves to a tuple of floats; :func:`check_fill` checks it against the image of a call.
    """

    doc = "a number in [0, 255] or a sequence of them (one per channel)"
    value_type = "tuple[float, ...]"

    def invalid(self) -> list[Any]:
        return [-1, 256, "black", (), (0, math.nan), None, True]

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
BORDER = Options(
    "image.border",
    {
        "fill": (
            Fill(),
            """
            fill : float or sequence of float, default 0
                Border colour for ``border="constant"``, in the image's units (0-255 for
                uint8, 0-1 for float32); one value, or one per channel.
            """,
        ),
        "border": (
            Choice(*BORDERS),
            """
            border : {"constant", "reflect", "replicate", "wrap"}
                What the pixels the op samples from outside the image show: ``fill``, a
                mirror image without repeating the edge pixel, the edge pixel, or the
                opposite side. Default ``"constant"`` (``ElasticTransform``: ``"reflect"``).
            """,
        ),
        "fill_mask": (
            Number(-(2**63), 2**64 - 1, integer=True),
            """
            fill_mask : int, default 0
                Label of the mask pixels sampled from outside the image (``border="constant"``).
            """,
        ),
    },
)

#: ``min_visibility``, ``drop_outside_keypoints``: which moved boxes and keypoints are kept.
TARGETS = Options(
    "image.targets",
    {
        "min_visibility": (
            Number(0.0, 1.0),
            """
            min_visibility : float, default 0.0
                Drop boxes (with their ``bbox_labels`` entry) of which a smaller fraction
                of the area than this stays inside the output image; a box with nothing
                left is always dropped.
            """,
        ),
        "drop_outside_keypoints": (
            Flag(),
            """
            drop_outside_keypoints : bool, default False
                Drop keypoints that leave the output image (the array gets shorter); by
                default they are kept, outside the frame.
            """,
        ),
    },
)


class BorderOptions(Transform):
    """Base class of the transforms that take the ``image.border`` options (keyword-only)."""

    _abstract = True
    border: str = param(BORDER.specs["border"], default="constant", kw_only=True)
    fill: float | Sequence[float] = param(BORDER.specs["fill"], default=0, kw_only=True)
    fill_mask: int = param(BORDER.specs["fill_mask"], default=0, kw_only=True)


class TargetOptions(Transform):
    """Base class of the transforms that take the ``image.targets`` options (keyword-only)."""

    _abstract = True
    min_visibility: float = param(TARGETS.specs["min_visibility"], default=0.0, kw_only=True)
    drop_outside_keypoints: bool = param(TARGETS.specs["drop_outside_keypoints"], default=False, kw_only=True)


def target_policy(r: Any) -> tuple[float, bool]:
    """``(min_visibility, drop_outside_keypoints)`` of resolved parameters ``r``; a transform without
    the ``TARGETS`` options keeps every box with something left and every keypoint."""
    return (getattr(r, "min_visibility", 0.0), getattr(r, "drop_outside_keypoints", False))


class ChannelValues(Spec):
    """One number for every channel, or one per channel, each in ``[low, high]`` (``(low, high]``
    with ``low_open``); resolves to a tuple of floats, checked against an image by
    :func:`check_channels`."""

    value_type = "tuple[float, ...]"

    def __init__(self, low: float = -math.inf, high: float = math.inf, *, low_open: bool = False) -> None:
        self.low, self.high, self.low_open = low, high, low_open
        bounds = f"{'(' if low_open else '['}{low}, {high}]"
        self.doc = f"a number in {bounds} or a sequence of them (one per channel)"

    def invalid(self) -> list[Any]:
        out: list[Any] = ["x", (), (0.5, math.nan), None, True]
        if math.isfinite(self.low):
            out.append(self.low if self.low_open else self.low - 1)
        return out

    def _ok(self, v: Any) -> bool:
        if not _is_number(v) or not math.isfinite(float(v)):
            return False
        return (v > self.low if self.low_open else v >= self.low) and v <= self.high

    def resolve(self, owner: str, name: str, value: Any) -> tuple[float, ...]:
        values = (value,) if _is_number(value) else value
        if (
            not isinstance(values, Sequence)
            or isinstance(values, str)
            or not values
            or not all(self._ok(v) for v in values)
        ):
            raise self.fail(
                owner, name, value, f"pass {name}=0.5 or one value per channel, e.g. (0.5, 0.5, 0.5)"
            )
        return tuple(float(v) for v in values)


def check_channels(owner: str, name: str, values: Sequence[float], image: np.ndarray) -> None:
    """Per-channel ``values`` against the call's image: one value, or one per channel."""
    channels = image.shape[2] if image.ndim == 3 else 1
    if len(values) not in (1, channels):
        raise InvalidInputError(
            owner,
            name,
            f"has {len(values)} values for an image with {channels} channel(s)",
            "give one value, or one per channel",
        )


def check_fill(owner: str, fill: tuple[float, ...], image: np.ndarray) -> None:
    """A resolved ``fill`` against the call's image: one value or one per channel, in its units."""
    check_channels(owner, "fill", fill, image)
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
