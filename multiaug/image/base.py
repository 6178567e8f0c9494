"""Base classes of the image transforms: how image targets travel together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ..core.transform import Sample, Transform
from ._validate import as_boxes, as_points

__all__ = ["ImageTransform", "SpatialTransform"]


class ImageTransform(Transform):
    """A transform of the image pixels only (colour, noise, blur...).

    The targets (``mask``, ``bboxes``, ``keypoints``) pass through unchanged but
    are still validated, so a mask of the wrong shape is reported wherever it
    enters a pipeline.
    """

    _abstract = True
    modality = "image"
    fields: ClassVar[tuple[str, ...]] = ("image", "mask", "bboxes", "keypoints")
    required: ClassVar[tuple[str, ...]] = ("image",)

    def __init__(self, p: float = 0.5, seed: int | None = None) -> None:
        super().__init__(p=p, seed=seed)

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        out = dict(sample)
        out["image"] = self.apply_image(sample["image"], **params)
        return out

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError


class SpatialTransform(ImageTransform):
    """A transform that moves pixels: ``mask``, ``bboxes`` and ``keypoints`` move with the image.

    Subclasses implement ``apply_image``, ``apply_mask`` (nearest neighbour:
    labels are never blended), ``apply_bboxes`` and ``apply_keypoints``; each
    receives the drawn params plus ``shape`` (the input image's shape). Boxes
    are clipped to the output image and dropped, with their ``bbox_labels``
    entry, when nothing of them is left inside.
    """

    _abstract = True

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        out = dict(sample)
        image = sample["image"]
        shape = image.shape
        out["image"] = self.apply_image(image, shape=shape, **params)
        if "mask" in sample:
            out["mask"] = self.apply_mask(sample["mask"], shape=shape, **params)
        if "bboxes" in sample:
            boxes = self.apply_bboxes(as_boxes(sample["bboxes"]), shape=shape, **params)
            h, w = out["image"].shape[:2]
            boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, w)
            boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, h)
            keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
            out["bboxes"] = boxes[keep]
            if "bbox_labels" in sample and not keep.all():
                labels = sample["bbox_labels"]
                kept = [labels[i] for i in np.flatnonzero(keep)]
                out["bbox_labels"] = np.asarray(kept) if isinstance(labels, np.ndarray) else kept
        if "keypoints" in sample:
            out["keypoints"] = self.apply_keypoints(as_points(sample["keypoints"]), shape=shape, **params)
        return out

    def apply_mask(self, mask: np.ndarray, **params: Any) -> np.ndarray:
        return self.apply_image(mask, **params)

    def apply_bboxes(self, boxes: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError

    def apply_keypoints(self, points: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError
