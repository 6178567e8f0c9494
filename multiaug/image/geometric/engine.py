"""The fused-warp engine: matrix ops wait in a :class:`PendingWarp` and are resampled once.

Every geometric op except ``ElasticTransform`` is a 3x3 matrix in continuous
pixel coordinates (pixel ``(i, j)`` covers ``[j, j+1) x [i, i+1)``). Inside a
fusing pipeline (``Compose(fuse=True)``, the default, or a transform called
directly) consecutive matrix ops do not touch the pixels: each multiplies its
matrix into a :class:`PendingWarp`, and the group is resampled once when
something else needs the pixels. ``apply`` (what ``fuse=False`` runs) is the
op-by-op reference, built from the same kernels with a group of one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ...core.errors import InvalidInputError
from ...core.fields import TARGETS
from ...core.transform import PENDING, Deferred, Sample, flush_pending
from .._validate import as_boxes, as_points
from ..base import SpatialTransform, current_shape, move_arrays, put_rows
from ..functional import geometric as F
from ..options import check_fill, check_fill_mask, target_policy

__all__ = ["Axis", "PendingWarp", "Resampling", "Size", "WarpTransform"]

Size = tuple[int, int]
Border = tuple[str, tuple[float, ...], int]  # mode, fill, fill_mask
Axis = tuple[float, float, float, float]  # sx, tx, sy, ty of x -> sx x + tx, y -> sy y + ty

#: Fields a warp moves besides the image (and the pending group, which flushes first).
_MOVED_FIELDS = frozenset(("mask", "masks", "bboxes", "keypoints", PENDING, TARGETS))


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
        #: How the image is resized on the exact paths ("linear", or an op's own when it is alone).
        self.interpolation = "linear"
        #: A step resized its whole frame (``Resize``...), and a later one cut part of it away (a
        #: crop): the exact result resizes the whole image first, then cuts (not crop, then resize).
        self.resized = False
        self.cut_after_resize = False
        #: Every op of the group only re-indexes pixels (``WarpTransform.reindexes``): the flush
        #: returns views of its input (slices, negative and swapped strides), no pixel moved.
        self.reindex = True

    @property
    def matrix(self) -> np.ndarray:
        """Product of the ops' matrices: group input -> current frame, continuous coordinates."""
        if self._matrix is None:
            m = np.eye(3)
            for step in self._materialized():
                m = F.matmul3(step[0], m)
            self._matrix = m
        return self._matrix

    def _materialized(self) -> list[list[Any]]:
        for step in self.steps:
            if step[0] is None:
                step[0] = F.axis_matrix(*step[4])
        return self.steps

    def frame_exact(self) -> bool:
        """Whether the current frame is the group input's frame, moved as a whole (flips, resizes)."""
        if self.axis is not None:
            return F.axis_frame(self.axis, self.in_size, self.image_size)[1]
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
            self._matrix = F.matmul3(matrix, self._matrix)
        if axis is not None:
            keeps = F.axis_frame(axis, self.image_size, size)[2]
            self.cut_after_resize = self.cut_after_resize or (self.resized and not keeps)
            self.resized = self.resized or (keeps and (axis[0] not in (1, -1) or axis[2] not in (1, -1)))
        self.image_size = size
        if axis is None or self.axis is None:
            self.axis = None
        else:
            sx, tx, sy, ty = self.axis
            ax, atx, ay, aty = axis
            self.axis = (ax * sx, ax * tx + atx, ay * sy, ay * ty + aty)
        self.steps.append([matrix, size, min_visibility, drop_outside, axis])

    def _resample(self, image: np.ndarray, nearest: bool, mode: str, fill: tuple[float, ...]) -> np.ndarray:
        axis = self.axis
        if axis is not None:
            out = None
            if self.border is not None or self.cut_after_resize:
                # pads, crops after a resize: no warp when the frame lands on whole pixels
                out = F.axis_whole(image, axis, self.image_size, nearest, mode, fill)
            if out is None and self.border is None:  # a window inside the image: slice, flip, resize
                if nearest or self.interpolation == "linear":
                    out = F.axis_window(image, *axis, self.image_size, nearest)
                else:  # an op alone with its own interpolation
                    out = F.axis_aligned(image, *axis, self.image_size, False, self.interpolation)
            if out is not None:
                return out
        elif self.reindex:  # quarter turns, transposes, flips, crops: a view
            out = F.reindexed(image, self.matrix, self.image_size)
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
            m = F.matmul3(self.matrix, F.translate_matrix(x0, y0))
            mode, fill, fill_mask = self.border
            size = self.image_size
            out["image"] = F.warp(sample["image"][y0:y1, x0:x1], m, size, border=mode, fill=fill)
            move_arrays(
                out,
                sample,
                lambda a: F.warp(a[y0:y1, x0:x1], m, size, border=mode, fill=fill),
                lambda a: F.warp(a[y0:y1, x0:x1], m, size, nearest=True, border=mode, fill=(fill_mask,)),
            )
        else:
            if self.edge and self.border is not None:
                mode, fill, fill_mask = self.border
            else:  # the group only samples inside its input: replicate keeps edge pixels un-darkened
                mode, fill, fill_mask = "replicate", (0.0,), 0
            out["image"] = self._resample(sample["image"], False, mode, fill)
            move_arrays(
                out,
                sample,
                lambda a: self._resample(a, False, mode, fill),
                lambda a: self._resample(a, True, mode, (fill_mask,)),
            )
        if window is None and self.clips and self.border is not None:
            self._blank_cut(out)
        self.move_targets(out, sample)
        return out

    def move_targets(self, out: Sample, sample: Mapping[str, Any]) -> None:
        """Move ``bboxes`` and ``keypoints`` (with their labels) through the group, into ``out``.

        Shared with the batched path (:mod:`multiaug.torch.batch`), which moves them on the
        host exactly as here while the pixels are resampled on the batch's device.
        """
        if "bboxes" in sample:
            boxes = as_boxes(sample["bboxes"])
            steps = [(m, size, vis) for m, size, vis, _, _ in self._materialized()]
            moved, index = F.warp_boxes(boxes, steps)
            put_rows(out, sample, "bboxes", moved, None if len(index) == len(boxes) else index)
        if "keypoints" in sample:
            point_steps = [(m, size, drop) for m, size, _, drop, _ in self._materialized()]
            points, kept = F.warp_points(as_points(sample["keypoints"]), self.matrix, point_steps)
            put_rows(out, sample, "keypoints", points, kept)

    def _blank_cut(self, out: Sample) -> None:
        """Fill (in place) what the group's intermediate crops cut away, in the image and its targets."""
        assert self.border is not None
        m = self.matrix
        quads = [F.transform_points(F.frame(*fsize), F.matmul3(m, F.invert(fm))) for fm, fsize in self.clips]
        _, fill, fill_mask = self.border
        F.fill_outside(out["image"], quads, fill)
        move_arrays(
            {},
            out,
            lambda a: F.fill_outside(a, quads, fill),
            lambda a: F.fill_outside(a, quads, (fill_mask,)),
        )


class WarpTransform(SpatialTransform):
    """Base of the geometric ops expressible as one 3x3 matrix; they fuse (``defer_kind = "warp"``).

    Subclasses implement :meth:`warp_matrix`, or, if they only flip, crop or
    scale each axis, set ``axis_aligned`` and implement :meth:`axis_map` instead
    (their groups skip matrices altogether). Ops that may sample outside their
    input (rotations, zooming out) set ``samples_inside = False`` and take the
    ``BORDER`` options of :mod:`multiaug.image.options`. ``apply`` (the unfused
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
    #: The op is a quarter turn or a transpose of the whole frame (never interpolates): an image
    #: alone gets the flush's result (a view with swapped, reversed strides) without the group.
    exact_turn: ClassVar[bool] = False
    #: The op only re-indexes pixels (flips, quarter turns, transposes, crops): a group of such
    #: ops returns views of its input's image and masks (``functional.geometric.reindexed``).
    reindexes: ClassVar[bool] = False

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        """The op's matrix (input -> output, continuous coordinates) for an input of ``size``; output size.

        ``axis_aligned`` ops need not implement it: their matrix is their :meth:`axis_map`'s.
        """
        if not self.axis_aligned:
            raise NotImplementedError
        axis, out_size = self.axis_map(params, size)
        return F.axis_matrix(*axis), out_size

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        """For ``axis_aligned`` ops: ``(sx, tx, sy, ty)`` of ``x -> sx x + tx, y -> sy y + ty``; out size."""
        raise NotImplementedError

    def _signature(self) -> Border:
        r = self._r
        return (r.border, r.fill, r.fill_mask)

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        if self.exact_turn and _MOVED_FIELDS.isdisjoint(sample):
            # what a group of one returns at flush (a view: its axes swapped and reversed), called directly
            image = sample["image"]
            matrix, size = self.warp_matrix(params, image.shape[:2])
            out = F.reindexed(image, matrix, size)
            if out is None:  # never for a whole-frame turn; what the group's flush would do
                out = F.warp(image, matrix, size, border="replicate")
            return {**sample, "image": out}
        if self.axis_aligned and _MOVED_FIELDS.isdisjoint(sample) and self._interpolation() == "linear":
            # An image alone under a flip, a (resized) crop, a resize or a pad: the slice, flip,
            # resize or copyMakeBorder the group's flush would do, without building the group.
            image = sample["image"]
            if self.flip_code is not None:
                return {**sample, "image": F.flip_view(image, self.flip_code)}
            axis, size = self.axis_map(params, image.shape[:2])
            if self.samples_inside:
                out = F.axis_window(image, *axis, size)
            else:
                mode, fill, _ = self._signature()
                out = F.axis_whole(image, axis, size, False, mode, fill)
            if out is not None:
                return {**sample, "image": out}
        return flush_pending(self.defer(flush_pending(dict(sample)), params))

    def defer(self, sample: Sample, params: Mapping[str, Any]) -> Sample:
        pending = sample.get(PENDING)
        interpolation = self._interpolation()
        if interpolation != "linear" and pending is not None:
            # A group resamples once, bilinearly: another interpolation is applied alone.
            sample, pending = pending.flush(sample), None
        if pending is None:
            pending = PendingWarp(sample["image"].shape[:2])
            pending.interpolation = interpolation
        r = self._r
        matrix: np.ndarray | None = None
        axis: Axis | None = None
        if self.axis_aligned:
            axis, size = self.axis_map(params, pending.image_size)
            outside = not self.samples_inside and not F.axis_frame(axis, pending.image_size, size)[0]
        else:
            matrix, size = self.warp_matrix(params, pending.image_size)
            outside = not self.samples_inside and F.samples_outside(matrix, pending.image_size, size)
        if outside:
            if axis is not None and not pending.frame_exact():
                # A pad after a crop: apply the group first (a slice, or one resize) and pad its
                # result, exactly as the ops one by one (blanking the cut-away part would be approximate).
                sample = pending.flush({**sample, PENDING: pending})
                pending = PendingWarp(sample["image"].shape[:2])
            sample, pending = self._join_border(sample, pending)
        visibility, drop = r.targets
        pending.add(matrix, size, visibility, drop, axis)
        if not self.reindexes:
            pending.reindex = False
        if interpolation != "linear":
            return pending.flush({**sample, PENDING: pending})
        return {**sample, PENDING: pending}

    def _join_border(self, sample: Sample, pending: PendingWarp) -> tuple[Sample, PendingWarp]:
        """Before an op that shows its border joins: flush what one resampling could not reproduce."""
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
        return sample, pending

    def _interpolation(self) -> str:
        """The image interpolation of the op's resampling (ops with an ``interpolation`` option)."""
        return getattr(self._r, "interpolation", "linear")

    #: ``(min_visibility, drop_outside_keypoints)``, from :func:`~multiaug.image.options.target_policy`.
    _derived = ("targets",)

    def _finalize(self, r: Any) -> None:
        super()._finalize(r)
        # Read once per configuration, not per call: flips have neither option.
        r.targets = target_policy(r)


class Resampling:
    """Mixin of the ops that interpolate: reject what OpenCV would reject with a raw error.

    Huge images (OpenCV's maps are 16-bit), and fills that do not fit the image or
    mask. (Flips and crops only copy pixels, so they have no such check and cost
    nothing to validate.)
    """

    def check(self, sample: Mapping[str, Any]) -> None:
        super().check(sample)  # type: ignore[misc]
        owner: str = self.name  # type: ignore[attr-defined]
        r = self._r  # type: ignore[attr-defined]
        h, w = current_shape(sample)[:2]
        if max(h, w) > F.MAX_WARP_SIDE:
            raise InvalidInputError(
                owner,
                "image",
                f"is {h}x{w}; OpenCV's warps take at most {F.MAX_WARP_SIDE} pixels a side",
                "downscale or tile the image first",
            )
        fill = getattr(r, "fill", None)
        if fill is not None:
            check_fill(owner, fill, sample["image"])
        mask = sample.get("mask")
        fill_mask = getattr(r, "fill_mask", None)
        if fill_mask is not None and isinstance(mask, np.ndarray):
            check_fill_mask(owner, fill_mask, mask)
