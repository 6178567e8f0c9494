"""Validation of the image sample fields (pure NumPy; no OpenCV import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.transform import register_field_check
from ..core.validation import require_ndarray, require_nonempty

__all__ = ["as_boxes", "as_points", "check_bboxes", "check_image", "check_keypoints", "check_mask"]

_IMAGE_FIX = "pass an HxW or HxWxC numpy array of dtype uint8, or float32 scaled to [0, 1]"


_NDARRAY = np.ndarray


def check_image(owner: str, image: Any, sample: Mapping[str, Any] | None = None) -> None:
    if type(image) is _NDARRAY and image.dtype.char == "B" and 2 <= image.ndim <= 3 and image.size:
        return  # the common case (a non-empty uint8 HxW[xC] array), decided in a few attribute reads
    require_ndarray(
        owner, "image", image, "convert it with np.asarray(...) (a PIL image: np.asarray(pil_img))"
    )
    if image.ndim not in (2, 3):
        raise InvalidInputError(
            owner,
            "image",
            f"must have 2 (HxW) or 3 (HxWxC) dimensions, got shape {image.shape}",
            "pass one image; batches go to MixUp/CutMix as images=...",
        )
    require_nonempty(owner, "image", image, "pass an image with at least one pixel")
    if image.dtype == np.uint8:
        return
    if image.dtype != np.float32:
        fix = (
            "convert with image.astype(np.float32)"
            if image.dtype == np.float64
            else "convert to uint8, or to float32 scaled to [0, 1]"
        )
        raise InvalidInputError(owner, "image", f"has dtype {image.dtype}, expected uint8 or float32", fix)
    lo, hi = image.min(), image.max()  # NaN propagates, so this also catches NaN and inf
    if not (lo >= 0.0 and hi <= 1.0):
        problem = (
            "contains NaN or inf"
            if not (np.isfinite(lo) and np.isfinite(hi))
            else f"is float32 with values in [{lo:.4g}, {hi:.4g}], outside [0, 1]"
        )
        raise InvalidInputError(
            owner,
            "image",
            problem,
            "replace non-finite values and scale float images to [0, 1] (e.g. image / 255.0)",
        )


def check_mask(owner: str, mask: Any, sample: Mapping[str, Any]) -> None:
    require_ndarray(owner, "mask", mask, "pass an HxW integer label array")
    if not (np.issubdtype(mask.dtype, np.integer) or mask.dtype == np.bool_):
        raise InvalidInputError(
            owner,
            "mask",
            f"has dtype {mask.dtype}; masks hold integer labels",
            "convert with mask.astype(np.uint8) (or another integer dtype)",
        )
    image = sample.get("image")
    if isinstance(image, np.ndarray) and mask.shape[:2] != image.shape[:2]:
        raise InvalidInputError(
            owner,
            "mask",
            f"has shape {mask.shape} but the image is {image.shape[:2]} (HxW)",
            "pass a mask with the image's height and width",
        )
    if mask.ndim not in (2, 3):
        raise InvalidInputError(
            owner, "mask", f"must be HxW, got shape {mask.shape}", "pass an HxW integer label array"
        )


def as_boxes(value: Any) -> np.ndarray:
    """``bboxes`` as an ``(N, 4)`` float64 array (no validation)."""
    arr = np.asarray(value, dtype=np.float64)
    return arr.reshape(0, 4) if arr.size == 0 else arr


def as_points(value: Any) -> np.ndarray:
    """``keypoints`` as an ``(N, 2)`` float64 array (no validation)."""
    arr = np.asarray(value, dtype=np.float64)
    return arr.reshape(0, 2) if arr.size == 0 else arr


def check_bboxes(owner: str, bboxes: Any, sample: Mapping[str, Any]) -> None:
    fix = "pass an Nx4 array of pixel x_min, y_min, x_max, y_max (pascal_voc)"
    try:
        boxes = as_boxes(bboxes)
    except (TypeError, ValueError):
        raise InvalidInputError(owner, "bboxes", "is not numeric", fix) from None
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise InvalidInputError(owner, "bboxes", f"must have shape (N, 4), got {boxes.shape}", fix)
    if not np.isfinite(boxes).all():
        raise InvalidInputError(owner, "bboxes", "contains NaN or inf", "drop or repair those boxes")
    bad = np.flatnonzero((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1]))
    if bad.size:
        raise InvalidInputError(
            owner,
            "bboxes",
            f"row {int(bad[0])} has x_max < x_min or y_max < y_min: {boxes[bad[0]].tolist()}",
            "use pascal_voc order x_min, y_min, x_max, y_max "
            "(convert coco/yolo with multiaug.image.convert_bboxes)",
        )
    labels = sample.get("bbox_labels")
    if labels is not None and len(labels) != len(boxes):
        raise InvalidInputError(
            owner,
            "bbox_labels",
            f"has {len(labels)} entries for {len(boxes)} boxes",
            "give one label per box",
        )


def check_keypoints(owner: str, keypoints: Any, sample: Mapping[str, Any]) -> None:
    try:
        pts = as_points(keypoints)
    except (TypeError, ValueError):
        raise InvalidInputError(
            owner, "keypoints", "is not numeric", "pass an Nx2 array of pixel x, y"
        ) from None
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise InvalidInputError(
            owner, "keypoints", f"must have shape (N, 2), got {pts.shape}", "pass an Nx2 array of pixel x, y"
        )
    if not np.isfinite(pts).all():
        raise InvalidInputError(owner, "keypoints", "contains NaN or inf", "drop or repair those points")


register_field_check("image", check_image)
register_field_check("mask", check_mask)
register_field_check("bboxes", check_bboxes)
register_field_check("keypoints", check_keypoints)
