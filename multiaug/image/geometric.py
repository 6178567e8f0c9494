"""Geometric image transforms (thin classes over :mod:`multiaug.image.functional.geometric`).

Every op here except :class:`ElasticTransform` is a 3x3 matrix in continuous
pixel coordinates (pixel ``(i, j)`` covers ``[j, j+1) x [i, i+1)``). Inside a
fusing pipeline (``Compose(fuse=True)``, the default, or a transform called
directly) consecutive matrix ops do not touch the pixels: each multiplies its
matrix into a :class:`PendingWarp`, and the group is resampled once when
something else needs the pixels. ``apply`` (what ``fuse=False`` runs) is the
op-by-op reference, built from the same kernels with a group of one.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Choice, Flag, NoiseSeed, Number, Range, Spec
from ..core.transform import PENDING, Deferred, Sample, check_window, flush_pending
from ._validate import as_boxes, as_points
from .base import SpatialTransform, current_shape, finish_boxes, finish_points, put_boxes
from .functional import geometric as F

__all__ = [
    "Affine",
    "ElasticTransform",
    "HorizontalFlip",
    "Perspective",
    "RandomCrop",
    "RandomResizedCrop",
    "Rotate",
    "VerticalFlip",
    "WarpTransform",
]

Size = tuple[int, int]
Border = tuple[str, tuple[float, ...], int]  # mode, fill, fill_mask
Axis = tuple[float, float, float, float]  # sx, tx, sy, ty of x -> sx x + tx, y -> sy y + ty


# ---------------------------------------------------------------------- parameter specs
def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class _Fill(Spec):
    """A border colour: one number for every channel, or one per channel, in the image's units."""

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


class _Size(Spec):
    doc = f"an int or a (height, width) pair of ints in [1, {F.MAX_WARP_SIDE}]"

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


class _AxisRange(Spec):
    """A :class:`Range` for both axes, or ``{"x": range, "y": range}`` (a missing axis stays neutral).

    Resolves to ``(per_axis, x_range, y_range)``.
    """

    def __init__(self, base: Range, neutral: float) -> None:
        self.base = base
        self.neutral = neutral
        self.doc = base.doc + ', or a mapping {"x": ..., "y": ...} of those'

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


_MIN_VISIBILITY = Number(0.0, 1.0)
_FILL_MASK = Number(-(2**63), 2**64 - 1, integer=True)


# ---------------------------------------------------------------------- fused work
#: Fields a warp moves besides the image (and the pending group, which flushes first).
_TARGETS = frozenset(("mask", "bboxes", "keypoints", PENDING))


class PendingWarp(Deferred):
    """Consecutive geometric ops waiting to be applied as one resampling.

    Holds the product of their matrices (input -> current, continuous
    coordinates), the current output size, and each op's own matrix for the
    targets. :meth:`flush` resamples the image once (``cv2.warpAffine``, or
    ``cv2.warpPerspective`` when the product is projective; cheap exact paths for
    identity, flips, integer crops and axis-aligned resized crops) and the mask
    once (nearest), and moves boxes and keypoints through the chain.

    Fusing never shows what the ops one by one would not: where an op samples
    outside its input frame (a rotation's corners) and that frame was cut out of
    the original by an earlier op of the group (a crop), the flush blanks those
    pixels with the fill instead of showing the original's pixels there. Only a
    constant border can be reproduced that way, so with another border mode, or
    a different fill, the group is flushed first and a new one starts.
    """

    kind = "warp"

    def __init__(self, in_size: Size) -> None:
        self.in_size = in_size
        #: Output size (H, W) so far; read by :func:`~multiaug.image.current_shape`.
        self.image_size = in_size
        #: Per op: [matrix, output size, min_visibility, drop_outside_keypoints, axis map].
        #: Flips and (resized) crops give an axis map (below) and no matrix until one is needed.
        self.steps: list[list[Any]] = []
        #: While every op is a flip or a (resized) crop, the group is ``x -> sx x + tx``,
        #: ``y -> sy y + ty``: four numbers instead of matrices, and at flush a slice, plus
        #: ``cv2.flip`` or ``cv2.resize`` as needed. None once another op joins.
        self.axis: Axis | None = (1, 0, 1, 0)
        self._matrix: np.ndarray | None = None
        #: (mode, fill, fill_mask) of the ops of the group that sample outside their input.
        self.border: Border | None = None
        #: Whether the resampling shows the border of the group's input (else it never samples outside).
        self.edge = False
        #: Intermediate frames (input -> frame matrix, frame size) whose outside the flush must blank.
        self.clips: list[tuple[np.ndarray, Size]] = []

    @property
    def matrix(self) -> np.ndarray:
        """Product of the ops' matrices: group input -> current frame, continuous coordinates."""
        if self._matrix is None:
            m = np.eye(3)
            for step in self._materialized():
                m = step[0] @ m
            self._matrix = m
        return self._matrix

    def _materialized(self) -> list[list[Any]]:
        for step in self.steps:
            if step[0] is None:
                sx, tx, sy, ty = step[4]
                step[0] = np.array([[sx, 0.0, tx], [0.0, sy, ty], [0.0, 0.0, 1.0]])
        return self.steps

    def frame_exact(self) -> bool:
        """Whether the current frame is the group input's frame, moved as a whole (flips, resizes)."""
        return F.frame_is_exact(self.matrix, self.in_size, self.image_size)

    def add(
        self,
        matrix: np.ndarray | None,
        size: Size,
        min_visibility: float = 0.0,
        drop_outside: bool = False,
        axis: Axis | None = None,
    ) -> None:
        """Append one op: its matrix (or, for flips and crops, its axis map), output size, options."""
        if matrix is None:
            self._matrix = None  # built from the axis maps when needed
        elif not self.steps:
            self._matrix = matrix
        elif self._matrix is not None:
            self._matrix = matrix @ self._matrix
        self.image_size = size
        if axis is None or self.axis is None:
            self.axis = None
        else:
            sx, tx, sy, ty = self.axis
            ax, atx, ay, aty = axis
            self.axis = (ax * sx, ax * tx + atx, ay * sy, ay * ty + aty)
        self.steps.append([matrix, size, min_visibility, drop_outside, axis])

    def _resample(self, image: np.ndarray, nearest: bool, mode: str, fill: tuple[float, ...]) -> np.ndarray:
        if self.axis is not None:
            out = F.axis_window(image, *self.axis, self.image_size, nearest)
            if out is not None:
                return out
        return F.warp(image, self.matrix, self.image_size, nearest=nearest, border=mode, fill=fill)

    def _clip_window(self) -> tuple[int, int, int, int] | None:
        """The part of the group's input that its intermediate crops leave visible, if a pixel rectangle.

        When every intermediate frame is an axis-aligned window of the input (resized
        crops, crops, flips before a rotation), warping from a view of that window with
        the group's constant border shows the fill exactly where the op-by-op chain
        would, with the same soft edge, and costs nothing extra.
        """
        h, w = self.in_size
        x0, y0, x1, y1 = 0.0, 0.0, float(w), float(h)
        for fm, fsize in self.clips:
            (_, b, _), (d, _, _), (g, hh, _) = fm.tolist()
            if b != 0.0 or d != 0.0 or g != 0.0 or hh != 0.0:
                return None
            pts = F.transform_points(F.frame(*fsize), F.invert(fm))
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            x0, y0 = max(x0, float(lo[0])), max(y0, float(lo[1]))
            x1, y1 = min(x1, float(hi[0])), min(y1, float(hi[1]))
        bounds = [round(v) for v in (x0, y0, x1, y1)]
        if any(abs(v - r) > 1e-6 for v, r in zip((x0, y0, x1, y1), bounds, strict=True)):
            return None
        if bounds[2] <= bounds[0] or bounds[3] <= bounds[1]:
            return None
        return bounds[0], bounds[1], bounds[2], bounds[3]

    def flush(self, sample: Sample) -> Sample:
        out = {k: v for k, v in sample.items() if k != PENDING}
        window = self._clip_window() if self.clips and self.border is not None else None
        if window is not None and self.border is not None:
            x0, y0, x1, y1 = window
            m = self.matrix @ np.array([[1.0, 0.0, x0], [0.0, 1.0, y0], [0.0, 0.0, 1.0]])
            mode, fill, fill_mask = self.border
            out["image"] = F.warp(sample["image"][y0:y1, x0:x1], m, self.image_size, border=mode, fill=fill)
            if "mask" in sample:
                out["mask"] = F.warp(
                    sample["mask"][y0:y1, x0:x1],
                    m,
                    self.image_size,
                    nearest=True,
                    border=mode,
                    fill=(fill_mask,),
                )
        else:
            if self.edge and self.border is not None:
                mode, fill, fill_mask = self.border
            else:  # the group only samples inside its input: replicate keeps edge pixels un-darkened
                mode, fill, fill_mask = "replicate", (0.0,), 0
            out["image"] = self._resample(sample["image"], False, mode, fill)
            if "mask" in sample:
                out["mask"] = self._resample(sample["mask"], True, mode, (fill_mask,))
        if window is None and self.clips and self.border is not None:
            m = self.matrix
            quads = [F.transform_points(F.frame(*fsize), m @ F.invert(fm)) for fm, fsize in self.clips]
            F.fill_outside(out["image"], quads, self.border[1])
            if "mask" in out:
                F.fill_outside(out["mask"], quads, (self.border[2],))
        if "bboxes" in sample:
            boxes = as_boxes(sample["bboxes"])
            steps = [(m, size, vis) for m, size, vis, _, _ in self._materialized()]
            moved, index = F.warp_boxes(boxes, steps)
            put_boxes(out, sample, moved, None if len(index) == len(boxes) else index)
        if "keypoints" in sample:
            point_steps = [(m, size, drop) for m, size, _, drop, _ in self._materialized()]
            out["keypoints"], _ = F.warp_points(as_points(sample["keypoints"]), self.matrix, point_steps)
        return out


class WarpTransform(SpatialTransform):
    """Base of the geometric ops expressible as one 3x3 matrix; they fuse (``defer_kind = "warp"``).

    Subclasses implement :meth:`warp_matrix` (and, if they only flip, crop or
    scale each axis, set ``axis_aligned`` and implement :meth:`axis_map`, which
    lets their groups skip matrices altogether). Ops that may sample outside
    their input (rotations, zooming out) set ``samples_inside = False`` and have
    ``fill``, ``border`` and ``fill_mask`` parameters. ``apply`` (the unfused
    path) is a group of one, so both paths share every kernel.

    Examples
    --------
    >>> import multiaug as ma
    >>> matrix, size = ma.image.Rotate().warp_matrix({"angle": 90.0}, (4, 6))
    >>> matrix.round(6).tolist(), size
    ([[0.0, 1.0, 1.0], [-1.0, 0.0, 5.0], [0.0, 0.0, 1.0]], (4, 6))
    """

    _abstract = True
    defer_kind = "warp"
    #: The op's output always lies inside its input frame (crops, flips), so its border never shows.
    samples_inside: ClassVar[bool] = True
    #: The op scales and shifts each axis alone (flips, crops): it implements :meth:`axis_map`.
    axis_aligned: ClassVar[bool] = False
    #: ``cv2.flip`` code of a whole-image flip (the image-only fast path), else None.
    flip_code: ClassVar[int | None] = None

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        """The op's matrix (input -> output, continuous coordinates) for an input of ``size``; output size."""
        raise NotImplementedError

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        """For ``axis_aligned`` ops: ``(sx, tx, sy, ty)`` of ``x -> sx x + tx, y -> sy y + ty``; out size."""
        raise NotImplementedError

    def _signature(self) -> Border:
        r = self._r
        return (r.border, r.fill, r.fill_mask)

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        if self.axis_aligned and _TARGETS.isdisjoint(sample):
            # An image alone under a flip or a (resized) crop: the slice/flip/resize the group's
            # flush would do, without building the group.
            image = sample["image"]
            if self.flip_code is not None:
                return {**sample, "image": F.flip(image, self.flip_code)}
            axis, size = self.axis_map(params, image.shape[:2])
            out = F.axis_window(image, *axis, size)
            if out is not None:
                return {**sample, "image": out}
        return flush_pending(self.defer(flush_pending(dict(sample)), params))

    def defer(self, sample: Sample, params: Mapping[str, Any]) -> Sample:
        pending = sample.get(PENDING)
        if pending is None:
            pending = PendingWarp(sample["image"].shape[:2])
        r = self._r
        if self.axis_aligned:
            axis, size = self.axis_map(params, pending.image_size)
            visibility, drop = r.targets
            pending.add(None, size, visibility, drop, axis)
            return {**sample, PENDING: pending}
        matrix, size = self.warp_matrix(params, pending.image_size)
        if not self.samples_inside and F.samples_outside(matrix, pending.image_size, size):
            border = self._signature()
            exact = pending.frame_exact()
            if (pending.border is not None and pending.border != border) or (
                not exact and border[0] != "constant"
            ):
                # Not reproducible by one resampling: apply the group so far and start anew.
                sample = pending.flush(sample)
                pending = PendingWarp(sample["image"].shape[:2])
                exact = True
            pending.border = border
            if exact:
                pending.edge = True
            else:
                pending.clips.append((pending.matrix, pending.image_size))
        pending.add(matrix, size, *r.targets)
        return {**sample, PENDING: pending}

    _derived = ("targets",)

    def _finalize(self, r: SimpleNamespace) -> None:
        super()._finalize(r)
        # Read once per configuration, not per call: flips have neither option.
        r.targets = (getattr(r, "min_visibility", 0.0), getattr(r, "drop_outside_keypoints", False))


class _Resampling:
    """Mixin of the ops that interpolate: reject what OpenCV would reject with a raw error.

    (Flips and crops only copy pixels, so they have no such check and cost nothing to validate.)
    """

    def check(self, sample: Mapping[str, Any]) -> None:
        super().check(sample)  # type: ignore[misc]
        _check_warp_input(self, sample)  # type: ignore[arg-type]


def _check_warp_input(t: SpatialTransform, sample: Mapping[str, Any]) -> None:
    """Huge images (OpenCV's maps are 16-bit) and fills that do not fit the image or mask."""
    r = t._r
    h, w = current_shape(sample)[:2]
    if max(h, w) > F.MAX_WARP_SIDE:
        raise InvalidInputError(
            t.name,
            "image",
            f"is {h}x{w}; OpenCV's warps take at most {F.MAX_WARP_SIDE} pixels a side",
            "downscale or tile the image first",
        )
    fill = getattr(r, "fill", None)
    if fill is not None:
        image = sample["image"]
        channels = image.shape[2] if image.ndim == 3 else 1
        if len(fill) not in (1, channels):
            raise InvalidInputError(
                t.name,
                "fill",
                f"has {len(fill)} values for an image with {channels} channel(s)",
                "give one value, or one per channel",
            )
        if image.dtype == np.float32 and max(fill) > 1.0:
            raise InvalidInputError(
                t.name,
                "fill",
                f"is {fill} but the image is float32 in [0, 1]",
                "give fill in the image's units: 0-1 for float32 images, 0-255 for uint8",
            )
    mask = sample.get("mask")
    fill_mask = getattr(r, "fill_mask", None)
    if fill_mask is not None and isinstance(mask, np.ndarray):
        lo, hi = (0, 1) if mask.dtype == np.bool_ else (np.iinfo(mask.dtype).min, np.iinfo(mask.dtype).max)
        if not lo <= fill_mask <= hi:
            raise InvalidInputError(
                t.name,
                "fill_mask",
                f"is {fill_mask}, which a {mask.dtype} mask cannot hold",
                f"pass fill_mask in [{lo}, {hi}] or use a wider mask dtype",
            )


# ---------------------------------------------------------------------- flips and crops
class HorizontalFlip(WarpTransform):
    """Mirror the image left-right (``x -> W - x``), with its mask, boxes and keypoints.

    Parameters
    ----------
    p : float, default 0.5
        Probability of flipping.
    seed : int or None
        Seed used when called directly (inside a composer, the composer's seed governs).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.HorizontalFlip(p=1.0)(image=np.zeros((4, 10), np.uint8),
    ...                                      bboxes=np.array([[1.0, 0.0, 3.0, 2.0]]))
    >>> out["bboxes"].tolist()
    [[7.0, 0.0, 9.0, 2.0]]
    """

    is_random = False
    axis_aligned = True
    flip_code = 1

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        return F.hflip_matrix(size[1]), size

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        return (-1, size[1], 1, 0), size


class VerticalFlip(WarpTransform):
    """Mirror the image top-bottom (``y -> H - y``), with its mask, boxes and keypoints.

    Parameters
    ----------
    p : float, default 0.5
        Probability of flipping.
    seed : int or None
        Seed used when called directly.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ma.image.VerticalFlip(p=1.0)(image=np.zeros((4, 4), np.uint8),
    ...                              keypoints=np.array([[1.0, 0.5]]))["keypoints"].tolist()
    [[1.0, 3.5]]
    """

    is_random = False
    axis_aligned = True
    flip_code = 0

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        return F.vflip_matrix(size[0]), size

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        return (1, 0, -1, size[0]), size


class RandomCrop(WarpTransform):
    """Crop a random ``height`` x ``width`` window (uniform over all positions).

    Boxes are shifted, clipped to the window and dropped (with their label)
    when nothing of them is left, or less than ``min_visibility`` of their area;
    keypoints are shifted and kept even when they fall outside the window
    (``drop_outside_keypoints=True`` drops them).

    Parameters
    ----------
    height, width : int
        Size of the crop; the image must be at least this large.
    p : float, default 1.0
    seed : int or None
    min_visibility : float, default 0.0
        Drop boxes of which a smaller fraction than this stays inside the crop.
    drop_outside_keypoints : bool, default False
        Drop keypoints that leave the image (the array gets shorter).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ma.image.RandomCrop(2, 3, seed=0)(image=np.zeros((5, 5), np.uint8))["image"].shape
    (2, 3)
    """

    preserves_shape = False
    axis_aligned = True
    _parameters = {
        "height": Number(1, 1 << 20, integer=True),
        "width": Number(1, 1 << 20, integer=True),
        "min_visibility": _MIN_VISIBILITY,
        "drop_outside_keypoints": Flag(),
    }

    def __init__(
        self,
        height: int,
        width: int,
        p: float = 1.0,
        seed: int | None = None,
        *,
        min_visibility: float = 0.0,
        drop_outside_keypoints: bool = False,
    ) -> None:
        super().__init__(p=p, seed=seed)
        self.height = height
        self.width = width
        self.min_visibility = min_visibility
        self.drop_outside_keypoints = drop_outside_keypoints

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

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
        r = self._r
        h, w = self._fits(sample)  # again: an earlier op of the pipeline may have shrunk the image
        u_top, u_left = rng.random(2).tolist()
        return {"top": int(u_top * (h - r.height + 1)), "left": int(u_left * (w - r.width + 1))}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        r = self._r
        check_window(self.name, params["top"], params["left"], r.height, r.width, current_shape(sample))

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        r = self._r
        return F.translate_matrix(-params["left"], -params["top"]), (r.height, r.width)

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        r = self._r
        return (1, -params["left"], 1, -params["top"]), (r.height, r.width)


class RandomResizedCrop(_Resampling, WarpTransform):
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
    p : float, default 1.0
    seed : int or None
    min_visibility : float, default 0.0
        Drop boxes of which a smaller fraction than this stays inside the window.
    drop_outside_keypoints : bool, default False
        Drop keypoints that fall outside the window (the array gets shorter).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> t = ma.image.RandomResizedCrop(size=(32, 48), seed=0)
    >>> t(image=np.zeros((100, 80, 3), np.uint8))["image"].shape
    (32, 48, 3)
    """

    preserves_shape = False
    axis_aligned = True
    _parameters = {
        "size": _Size(),
        "scale": Range(0.0, 1.0, scalar="fixed", example="(0.08, 1.0)"),
        "ratio": Range(1e-3, 1e3, scalar="fixed", example="(0.75, 1.333)"),
        "min_visibility": _MIN_VISIBILITY,
        "drop_outside_keypoints": Flag(),
    }

    def __init__(
        self,
        size: int | tuple[int, int],
        scale: float | tuple[float, float] = (0.08, 1.0),
        ratio: float | tuple[float, float] = (3 / 4, 4 / 3),
        p: float = 1.0,
        seed: int | None = None,
        *,
        min_visibility: float = 0.0,
        drop_outside_keypoints: bool = False,
    ) -> None:
        super().__init__(p=p, seed=seed)
        self.size = size
        self.scale = scale
        self.ratio = ratio
        self.min_visibility = min_visibility
        self.drop_outside_keypoints = drop_outside_keypoints

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
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

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        oh, ow = self._r.size
        m = F.resized_crop_matrix(params["top"], params["left"], params["height"], params["width"], oh, ow)
        return m, (oh, ow)

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        oh, ow = self._r.size
        sx, sy = ow / params["width"], oh / params["height"]
        return (sx, -params["left"] * sx, sy, -params["top"] * sy), (oh, ow)


# ---------------------------------------------------------------------- rotations and affine maps
_WARP_PARAMETERS: dict[str, Spec] = {
    "fill": _Fill(),
    "border": Choice(*F.BORDERS),
    "fill_mask": _FILL_MASK,
    "min_visibility": _MIN_VISIBILITY,
    "drop_outside_keypoints": Flag(),
}


class Rotate(_Resampling, WarpTransform):
    """Rotate about the image centre by an angle drawn uniformly (degrees, counter-clockwise on screen).

    The output keeps the input's size; the corners uncovered are filled as
    ``border`` says. Boxes: the envelope of the rotated corners, clipped;
    keypoints: rotated exactly (kept outside the image unless
    ``drop_outside_keypoints``).

    Parameters
    ----------
    limit : float or (float, float), default 30
        Angle range in degrees; a number ``a`` means ``(-a, a)``.
    fill : float or sequence of float, default 0
        Border colour for ``border="constant"``, in the image's units (0-255 for
        uint8, 0-1 for float32); one value or one per channel.
    border : {"constant", "reflect", "replicate", "wrap"}, default "constant"
        How the uncovered area is filled ("reflect" mirrors without repeating the edge pixel).
    p : float, default 0.5
    seed : int or None
    fill_mask : int, default 0
        Label given to uncovered mask pixels (``border="constant"``).
    min_visibility : float, default 0.0
        Drop boxes of which a smaller fraction than this stays inside the image.
    drop_outside_keypoints : bool, default False
        Drop keypoints that leave the image (the array gets shorter).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.Rotate(limit=(90, 90), p=1.0)(image=np.zeros((10, 10), np.uint8),
    ...                                              keypoints=np.array([[8.0, 5.0]]))
    >>> out["keypoints"].round(6).tolist()
    [[5.0, 2.0]]
    """

    samples_inside = False
    _parameters = {"limit": Range(-360.0, 360.0, scalar="symmetric", example="(-30, 30)"), **_WARP_PARAMETERS}
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

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
        return {"angle": float(rng.uniform(*self._r.limit))}

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        return F.rotate_matrix(params["angle"], *size), size


class Affine(_Resampling, WarpTransform):
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
    fill : float or sequence of float, default 0
        Border colour for ``border="constant"`` in the image's units.
    border : {"constant", "reflect", "replicate", "wrap"}, default "constant"
    p : float, default 0.5
    seed : int or None
    fill_mask : int, default 0
        Label given to uncovered mask pixels.
    min_visibility : float, default 0.0
        Drop boxes of which a smaller fraction than this stays inside the image.
    drop_outside_keypoints : bool, default False
        Drop keypoints that leave the image (the array gets shorter).

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
    _parameters = {
        "scale": _AxisRange(Range(0.01, 100.0, scalar="symmetric", center=1.0, example="(0.9, 1.1)"), 1.0),
        "translate": _AxisRange(Range(-1.0, 1.0, scalar="symmetric", example="(-0.1, 0.1)"), 0.0),
        "rotate": Range(-360.0, 360.0, scalar="symmetric", example="(-15, 15)"),
        "shear": _AxisRange(Range(-85.0, 85.0, scalar="symmetric", example="(-10, 10)"), 0.0),
        **_WARP_PARAMETERS,
    }

    def __init__(
        self,
        scale: float | tuple[float, float] | Mapping[str, Any] = (1, 1),
        translate: float | tuple[float, float] | Mapping[str, Any] = (0, 0),
        rotate: float | tuple[float, float] = (0, 0),
        shear: float | tuple[float, float] | Mapping[str, Any] = (0, 0),
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
        self.scale = scale
        self.translate = translate
        self.rotate = rotate
        self.shear = shear
        self.fill = fill
        self.border = border
        self.fill_mask = fill_mask
        self.min_visibility = min_visibility
        self.drop_outside_keypoints = drop_outside_keypoints

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
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


class Perspective(_Resampling, WarpTransform):
    """A random perspective distortion: a quadrilateral inside the image is stretched onto the frame.

    Each corner of the image moves inward by ``|N(0, s)|`` of the width and of
    the height (capped at 0.45, which keeps the quadrilateral convex), ``s``
    drawn uniformly from ``scale`` (albumentations' meaning); the quadrilateral
    is then mapped onto the whole output, which keeps the input's size. The
    output never shows anything from outside the image.

    Parameters
    ----------
    scale : float or (float, float), default (0.05, 0.1)
        Range of the corner jitter's standard deviation, as a fraction of the
        size (a number ``s`` means ``(0, s)``).
    p : float, default 0.5
    seed : int or None
    min_visibility : float, default 0.0
        Drop boxes of which a smaller fraction than this stays inside the image.
    drop_outside_keypoints : bool, default False
        Drop keypoints that leave the image (the array gets shorter).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.Perspective(p=1.0, seed=1)(image=np.zeros((20, 30, 3), np.uint8))
    >>> out["image"].shape
    (20, 30, 3)
    """

    _parameters = {
        "scale": Range(0.0, 1.0, scalar="upper", example="(0.05, 0.1)"),
        "min_visibility": _MIN_VISIBILITY,
        "drop_outside_keypoints": Flag(),
    }
    _drawn = {"corners": Number(-1.0, 2.0)}

    def __init__(
        self,
        scale: float | tuple[float, float] = (0.05, 0.1),
        p: float = 0.5,
        seed: int | None = None,
        *,
        min_visibility: float = 0.0,
        drop_outside_keypoints: bool = False,
    ) -> None:
        super().__init__(p=p, seed=seed)
        self.scale = scale
        self.min_visibility = min_visibility
        self.drop_outside_keypoints = drop_outside_keypoints

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
        s = rng.uniform(*self._r.scale)
        jitter = np.minimum(np.abs(rng.normal(0.0, 1.0, (4, 2))) * s, 0.45)
        corners = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
        corners += jitter * np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]])
        return {"corners": corners.tolist()}

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        h, w = size
        src = np.array(params["corners"], dtype=np.float64) * (w, h)
        return F.perspective_matrix(src, h, w), size


# ---------------------------------------------------------------------- elastic
class ElasticTransform(_Resampling, SpatialTransform):
    """Elastic deformation (Simard et al. 2003): each pixel moves by a smooth random displacement.

    The displacement field is uniform noise in [-1, 1] per pixel, smoothed by a
    Gaussian of ``sigma`` pixels and scaled by ``alpha`` pixels; it is generated
    from a seed drawn per call (the trace holds the seed, not the field). Masks
    are resampled nearest. Keypoints move where the deformation takes them: the
    output pixel ``p`` shows the input at ``p + d(p)``, so a point ``q`` goes to
    the solution of ``p + d(p) = q``, found by fixed-point iteration (exact to
    about 1e-4 px wherever the field is smoother than a fold). Boxes: the
    envelope of points along their edges, moved the same way, clipped. Not a
    matrix op: it is never fused, and a pipeline applies any pending geometric
    work before it.

    Parameters
    ----------
    alpha : float or (float, float), default 50
        Scale of the displacement in pixels (a range: drawn per call).
    sigma : float or (float, float), default 5
        Smoothness: standard deviation of the Gaussian in pixels (a range: drawn per call).
    p : float, default 0.5
    seed : int or None
    fill : float or sequence of float, default 0
        Border colour for ``border="constant"`` in the image's units.
    border : {"reflect", "constant", "replicate", "wrap"}, default "reflect"
        What pixels displaced from outside the image show; reflection (the
        albumentations default) avoids dark seams along the edges.
    fill_mask : int, default 0
        Label of mask pixels displaced from outside (``border="constant"``).
    min_visibility : float, default 0.0
        Drop boxes of which a smaller fraction than this stays inside the image.
    drop_outside_keypoints : bool, default False
        Drop keypoints that leave the image (the array gets shorter).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.random.default_rng(0).integers(0, 256, (32, 32), dtype=np.uint8)
    >>> out = ma.image.ElasticTransform(p=1.0, seed=0)(image=img)["image"]
    >>> out.shape, out.dtype, bool((out != img).any())
    ((32, 32), dtype('uint8'), True)
    """

    _parameters = {
        "alpha": Range(0.0, 10_000.0, scalar="fixed", example="(30, 60)"),
        "sigma": Range(0.01, 1_000.0, scalar="fixed", example="(4, 6)"),
        **_WARP_PARAMETERS,
    }

    _drawn = {"noise_seed": NoiseSeed()}

    def __init__(
        self,
        alpha: float | tuple[float, float] = 50,
        sigma: float | tuple[float, float] = 5,
        p: float = 0.5,
        seed: int | None = None,
        *,
        fill: float | Sequence[float] = 0,
        border: str = "reflect",
        fill_mask: int = 0,
        min_visibility: float = 0.0,
        drop_outside_keypoints: bool = False,
    ) -> None:
        super().__init__(p=p, seed=seed)
        self.alpha = alpha
        self.sigma = sigma
        self.fill = fill
        self.border = border
        self.fill_mask = fill_mask
        self.min_visibility = min_visibility
        self.drop_outside_keypoints = drop_outside_keypoints

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
        r = self._r
        return {
            "alpha": float(rng.uniform(*r.alpha)),
            "sigma": float(rng.uniform(*r.sigma)),
            "noise_seed": int(rng.integers(0, 2**63)),
        }

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        r = self._r
        out = dict(sample)
        image = sample["image"]
        h, w = image.shape[:2]
        fields = F.elastic_fields(h, w, params["alpha"], params["sigma"], params["noise_seed"])
        out["image"] = F.remap(image, fields, border=r.border, fill=r.fill)
        if "mask" in sample:
            out["mask"] = F.remap(sample["mask"], fields, nearest=True, border=r.border, fill=(r.fill_mask,))
        if "bboxes" in sample:
            boxes = _elastic_boxes(as_boxes(sample["bboxes"]), fields, params["sigma"])
            finish_boxes(out, sample, boxes, (h, w), r.min_visibility)
        if "keypoints" in sample:
            points = F.elastic_points(as_points(sample["keypoints"]), fields)
            finish_points(out, points, (h, w), r.drop_outside_keypoints)
        return out


def _elastic_boxes(boxes: np.ndarray, fields: np.ndarray, sigma: float) -> np.ndarray:
    """Envelopes of the deformed box outlines, sampled finer than the field varies (sigma / 2)."""
    if len(boxes) == 0:
        return boxes.copy()
    longest = float(max((boxes[:, 2] - boxes[:, 0]).max(), (boxes[:, 3] - boxes[:, 1]).max()))
    n = int(min(max(math.ceil(2.0 * longest / max(sigma, 1e-3)), 2), 256)) + 1
    t = np.linspace(0.0, 1.0, n)
    x0, y0, x1, y1 = (boxes[:, i : i + 1] for i in range(4))
    xs = np.concatenate([x0 + (x1 - x0) * t, np.broadcast_to(x1, (len(boxes), n)),
                         x1 - (x1 - x0) * t, np.broadcast_to(x0, (len(boxes), n))], axis=1)  # fmt: skip
    ys = np.concatenate([np.broadcast_to(y0, (len(boxes), n)), y0 + (y1 - y0) * t,
                         np.broadcast_to(y1, (len(boxes), n)), y1 - (y1 - y0) * t], axis=1)  # fmt: skip
    moved = F.elastic_points(np.stack([xs.ravel(), ys.ravel()], axis=1), fields).reshape(len(boxes), -1, 2)
    return np.concatenate([moved.min(axis=1), moved.max(axis=1)], axis=1)
