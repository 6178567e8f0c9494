"""Base classes of the image transforms: how image targets travel together."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ..core.fields import TARGETS
from ..core.params import Probability, param
from ..core.transform import PENDING, Sample, Transform
from ._validate import as_boxes, as_points
from .functional.geometric import clip_boxes
from .options import target_policy

__all__ = ["ImageTransform", "SpatialTransform", "current_shape"]

ArrayFn = Callable[[np.ndarray], np.ndarray]


def current_shape(sample: Mapping[str, Any]) -> tuple[int, ...]:
    """The image shape the next transform sees, after any pending fused work.

    Fused geometric ops leave the image untouched until their group is flushed
    (see :class:`~multiaug.image.geometric.engine.PendingWarp`); a geometric op that
    joins the group must draw its parameters for the size the image *will*
    have, e.g. after a pending ``RandomResizedCrop``. Read shapes in
    ``make_params`` and ``check`` through this helper, never from
    ``sample["image"].shape``.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.image import current_shape
    >>> current_shape({"image": np.zeros((4, 6, 3), np.uint8)})
    (4, 6, 3)
    """
    shape: tuple[int, ...] = sample["image"].shape
    size = getattr(sample.get(PENDING), "image_size", None)
    return shape if size is None else (*size, *shape[2:])


def take_rows(values: Any, index: np.ndarray) -> Any:
    """``values`` at the rows ``index`` (labels of kept boxes): arrays stay arrays, the rest lists."""
    if isinstance(values, np.ndarray):
        return values[index]
    return [values[i] for i in index.tolist()]


#: The label field that follows each row field when rows are dropped.
_LABELS = {"bboxes": "bbox_labels", "keypoints": "keypoint_labels"}


def put_rows(
    out: Sample, sample: Mapping[str, Any], field: str, rows: np.ndarray, index: np.ndarray | None
) -> None:
    """Store moved ``bboxes`` or ``keypoints`` in ``out``, with the labels of the kept rows (``index``;
    None: all of them): ``bbox_labels`` / ``keypoint_labels`` stay aligned."""
    out[field] = rows
    name = _LABELS[field]
    labels = sample.get(name)
    if index is not None and labels is not None and len(index) != len(labels):
        out[name] = take_rows(labels, index)


def finish_boxes(
    out: Sample, sample: Mapping[str, Any], boxes: np.ndarray, size: Sequence[int], min_visibility: float
) -> None:
    """Clip moved (unclipped) boxes to an output of ``size`` (H, W), drop the lost ones, store them."""
    clipped, keep = clip_boxes(boxes, size[0], size[1], min_visibility)
    put_rows(out, sample, "bboxes", clipped[keep], None if keep.all() else np.flatnonzero(keep))


def finish_points(
    out: Sample, sample: Mapping[str, Any], points: np.ndarray, size: Sequence[int], drop_outside: bool
) -> None:
    """Store moved keypoints, without those outside ``[0, W] x [0, H]`` when ``drop_outside``."""
    index = None
    if drop_outside:
        h, w = size
        inside = (points[:, 0] >= 0) & (points[:, 0] <= w) & (points[:, 1] >= 0) & (points[:, 1] <= h)
        if not inside.all():
            index = np.flatnonzero(inside)
            points = points[index]
    put_rows(out, sample, "keypoints", points, index)


def moved_arrays(sample: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """``(field, kind)`` of every array that moves with the image, besides it.

    ``kind`` is ``"mask"`` (``mask`` and the extra targets declared as masks: nearest,
    labels never blended), ``"masks"`` (the ``masks`` list or NxHxW array) or
    ``"image"`` (extra targets declared as images: moved, and given the pixel ops,
    like the image).
    """
    if "mask" in sample:
        yield "mask", "mask"
    if "masks" in sample:
        yield "masks", "masks"
    extra = sample.get(TARGETS)
    if extra:
        for name, kind in extra.items():
            if name in sample:
                yield name, kind


def each_mask(fn: ArrayFn, masks: Any) -> Any:
    """``fn`` applied to each of ``masks``: a list stays a list, an NxHxW array stays an array."""
    if not isinstance(masks, np.ndarray):
        return [fn(m) for m in masks]
    if len(masks):
        return np.stack([fn(m) for m in masks])
    probe = fn(np.zeros(masks.shape[1:], masks.dtype))  # the output size of an empty stack
    return np.empty((0, *probe.shape), masks.dtype)


def move_arrays(out: Sample, sample: Mapping[str, Any], image_fn: ArrayFn, mask_fn: ArrayFn) -> None:
    """Move every array of :func:`moved_arrays` into ``out``: images by ``image_fn``, masks by ``mask_fn``."""
    for name, kind in moved_arrays(sample):
        value = sample[name]
        if kind == "image":
            out[name] = image_fn(value)
        elif kind == "mask":
            out[name] = mask_fn(value)
        else:
            out[name] = each_mask(mask_fn, value)


class ImageTransform(Transform):
    """A transform of the image pixels only (colour, noise, blur...).

    The targets (``mask``, ``bboxes``, ``keypoints``) pass through unchanged but
    are still validated, so a mask of the wrong shape is reported wherever it
    enters a pipeline.
    """

    _abstract = True
    modality = "image"
    fields: ClassVar[tuple[str, ...]] = ("image", "mask", "masks", "bboxes", "keypoints")
    required: ClassVar[tuple[str, ...]] = ("image",)

    p: float = param(Probability(), default=0.5, kw_only=True)

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        out = dict(sample)
        out["image"] = self.apply_image(sample["image"], **params)
        extra = sample.get(TARGETS)
        if extra:  # extra images get the pixel op too, with the same parameters
            for name, kind in extra.items():
                if kind == "image" and name in sample:
                    out[name] = self.apply_image(sample[name], **params)
        return out

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError


class SpatialTransform(ImageTransform):
    """A transform that moves pixels: every target moves with the image.

    ``mask``, each of ``masks`` and the extra targets declared as masks
    (``Compose(targets={"depth": "mask"})``) move like the mask, extra images like the
    image; ``bboxes`` and ``keypoints`` move with their ``bbox_labels`` and
    ``keypoint_labels``.

    Subclasses implement ``apply_image``, ``apply_mask`` (nearest neighbour:
    labels are never blended), ``apply_bboxes`` and ``apply_keypoints``; each
    receives the drawn params plus ``shape`` (the input image's shape).
    ``apply_bboxes`` returns the moved boxes unclipped: they are then clipped to
    the output image and dropped, with their ``bbox_labels`` entry, when nothing
    of them is left or when the part left is below the transform's
    ``min_visibility`` (if it has one). Keypoints are kept outside the image
    unless the transform's ``drop_outside_keypoints`` is set.
    """

    _abstract = True

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        out = dict(sample)
        image = sample["image"]
        shape = image.shape
        out["image"] = self.apply_image(image, shape=shape, **params)
        size = out["image"].shape[:2]
        move_arrays(
            out,
            sample,
            lambda a: self.apply_image(a, shape=shape, **params),
            lambda m: self.apply_mask(m, shape=shape, **params),
        )
        min_visibility, drop_outside = target_policy(self._r)
        if "bboxes" in sample:
            boxes = self.apply_bboxes(as_boxes(sample["bboxes"]), shape=shape, **params)
            finish_boxes(out, sample, boxes, size, min_visibility)
        if "keypoints" in sample:
            points = self.apply_keypoints(as_points(sample["keypoints"]), shape=shape, **params)
            finish_points(out, sample, points, size, drop_outside)
        return out

    def apply_mask(self, mask: np.ndarray, **params: Any) -> np.ndarray:
        return self.apply_image(mask, **params)

    def apply_bboxes(self, boxes: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError

    def apply_keypoints(self, points: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError
