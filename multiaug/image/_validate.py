"""Validation of the image sample fields (pure NumPy; no OpenCV import)."""

from __future__ import annotations

from collections.abc import Mapping, Sized
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.fields import Field, register_field
from ..core.layout import looks_chw
from ..core.validation import (
    all_finite,
    require_at_most,
    require_ndarray,
    require_ndim,
    require_nonempty,
    require_real,
)

__all__ = [
    "as_boxes",
    "as_points",
    "check_bboxes",
    "check_image",
    "check_image_shape",
    "check_keypoints",
    "check_labels",
    "check_mask",
    "check_masks",
    "looks_chw",
    "looks_normalised",
    "pil_to_array",
]

_IMAGE_FIX = "pass an HxW or HxWxC numpy array of dtype uint8, or float32 scaled to [0, 1]"


_NDARRAY = np.ndarray
_F32, _U32, _umax = np.dtype(np.float32), np.dtype(np.uint32), np.maximum.reduce
_ONE_BITS = 0x3F800000  # 1.0 as float32 bits


#: PIL modes that are not pixel values as multiaug reads them, and what to convert them to.
_PIL_FIXES = {
    "P": 'pil_img.convert("RGB") (or "RGBA" when it has transparency); palette indices are not colours',
    "1": 'pil_img.convert("L")',
    "LA": 'pil_img.convert("RGBA") (or "L" to drop the alpha)',
    "PA": 'pil_img.convert("RGBA")',
    "CMYK": 'pil_img.convert("RGB")',
    "YCbCr": 'pil_img.convert("RGB")',
    "LAB": 'pil_img.convert("RGB")',
    "HSV": 'pil_img.convert("RGB")',
}


def pil_to_array(owner: str, field: str, image: Any) -> np.ndarray:
    """A PIL image as the HxW[xC] uint8 array multiaug reads: palette images become RGB/RGBA colours.

    ``"L"``, ``"RGB"`` and ``"RGBA"`` are taken as they are, ``"P"`` (palette) is
    converted to ``"RGBA"`` when it has transparency and to ``"RGB"`` otherwise,
    ``"1"`` to ``"L"``. Other modes (``"LA"``, ``"CMYK"``, ``"YCbCr"``, 16/32-bit
    ``"I;16"``, ``"I"``, ``"F"``, ...) raise ``InvalidInputError`` naming the
    conversion: their values are not 8-bit RGB(A)/grey pixels.
    """
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode == "1":
        image = image.convert("L")
    elif mode not in ("L", "RGB", "RGBA"):
        fix = _PIL_FIXES.get(
            mode,
            "scale it to 8 bits and pass a uint8 array (or float32 in [0, 1]), "
            'e.g. np.asarray(pil_img, np.float32) / 65535 for "I;16"',
        )
        raise InvalidInputError(
            owner,
            field,
            f"is a PIL image of mode {mode!r}, which is not 8-bit grey/RGB/RGBA",
            f"convert with {fix}",
        )
    return np.asarray(image)


def _is_pil(value: Any) -> bool:
    return type(value).__module__.startswith("PIL.") and hasattr(value, "mode")


def _dtype_fix(image: np.ndarray) -> str:
    """How to bring a numeric image of another dtype to uint8 or float32 in [0, 1], from its values."""
    finite = image[np.isfinite(image)] if image.dtype.kind == "f" else image
    hi = float(finite.max()) if finite.size else 0.0
    lo = float(finite.min()) if finite.size else 0.0
    if image.dtype.kind in "iu" and lo >= 0.0 and hi <= 255.0:
        return "convert with image.astype(np.uint8) (its values are in 0..255)"
    if image.dtype == np.uint16:
        return "convert to float32 scaled to [0, 1]: image.astype(np.float32) / 65535 (16-bit data)"
    if lo >= 0.0 and hi <= 1.0:
        return "convert with image.astype(np.float32) (its values are already in [0, 1])"
    if lo >= 0.0 and hi <= 255.0:
        return "convert to float32 scaled to [0, 1]: image.astype(np.float32) / 255 (0..255 data)"
    return (
        "convert to float32 scaled to [0, 1]: "
        "((image - image.min()) / (image.max() - image.min())).astype(np.float32), or to uint8"
    )


def _chw_error(owner: str, image: np.ndarray, field: str = "image") -> InvalidInputError:
    return InvalidInputError(
        owner,
        field,
        f"has shape {image.shape}, which looks like a CHW (channels-first) array, but the layout is "
        '"hwc" (channels last)',
        'declare the layout on the pipeline: ma.Compose([...], layout="chw") (the output comes back CHW), '
        "or move the channels last with np.moveaxis(image, 0, -1)",
    )


def check_image(
    owner: str,
    image: Any,
    sample: Mapping[str, Any] | None = None,
    field: str = "image",
    values: bool = True,
) -> None:
    """Refuse anything but a non-empty HxW[xC] uint8 or float32 array (float: values in [0, 1]).

    ``values=False`` skips the value scan of a float image (a step that only moves or relabels
    values, such as ``ToTensor`` after ``Normalize``, accepts any float32 values).
    """
    if (
        type(image) is _NDARRAY
        and (image.ndim == 2 or (image.ndim == 3 and image.shape[2] <= 4))
        and 0 < image.size <= MAX_IMAGE_VALUES
    ):
        char = image.dtype.char
        if char == "B" or (char == "f" and not values):
            # the common cases (a non-empty uint8 HxW[xC] array; float32 with no value scan asked),
            # decided in a few attribute reads
            return
        # a float32 image's values in [0, 1] in one pass instead of min and max: read as unsigned
        # ints, floats with the sign bit clear order as their values (+inf and NaN above every
        # finite one) and the sign bit makes the rest larger still, so the largest is at most
        # 1.0's bits exactly when every value is in [+0, 1] (-0.0 takes the long way, which accepts it)
        if image.dtype is _F32 and _umax(image.view(_U32), axis=None) <= _ONE_BITS:
            return
    if _is_pil(image):
        if image.mode in ("L", "RGB", "RGBA"):
            fix = "convert it with np.asarray(pil_img)"
        else:
            fix = "convert it with np.asarray(" + _PIL_FIXES.get(image.mode, 'pil_img.convert("RGB")') + ")"
        raise InvalidInputError(
            owner, field, f"must be a numpy array, got a PIL image (mode {image.mode!r})", fix
        )
    require_ndarray(owner, field, image, "convert it with np.asarray(...)")
    rule, fix = (
        "must have 2 (HxW) or 3 (HxWxC) dimensions",
        "pass one image; batches go to MixUp/CutMix as images=...",
    )
    require_ndim(owner, field, image, (2, 3), rule, fix)
    require_nonempty(owner, field, image, "pass an image with at least one pixel")
    fix = "downscale or tile the image first"
    require_at_most(owner, field, image.size, MAX_IMAGE_VALUES, "values (pixels x channels)", fix)
    if looks_chw(image.shape):
        raise _chw_error(owner, image, field)
    if image.dtype == np.uint8:
        return
    if image.dtype != np.float32:
        if image.dtype.kind in "fiub" and image.dtype != np.bool_:
            fix = _dtype_fix(image)
        elif image.dtype == np.bool_:
            fix = "convert with image.astype(np.uint8) * 255"
        else:
            fix = "convert to uint8, or to float32 scaled to [0, 1]"
        raise InvalidInputError(owner, field, f"has dtype {image.dtype}, expected uint8 or float32", fix)
    if not values:
        return
    lo, hi = image.min(), image.max()  # NaN propagates, so this also catches NaN and inf
    if not (lo >= 0.0 and hi <= 1.0):
        problem = (
            "contains NaN or inf"
            if not (np.isfinite(lo) and np.isfinite(hi))
            else f"is float32 with values in [{lo:.4g}, {hi:.4g}], outside [0, 1]"
        )
        raise InvalidInputError(
            owner,
            field,
            problem,
            "replace non-finite values and scale float images to [0, 1] (e.g. image / 255.0)",
        )


def check_mask(owner: str, mask: Any, sample: Mapping[str, Any], field: str = "mask") -> None:
    fix = "pass an HxW integer label array"
    require_ndarray(owner, field, mask, fix)
    if not (np.issubdtype(mask.dtype, np.integer) or mask.dtype == np.bool_):
        raise InvalidInputError(
            owner,
            field,
            f"has dtype {mask.dtype}; masks hold integer labels",
            "convert with mask.astype(np.uint8) (or another integer dtype)",
        )
    _same_size(owner, field, mask, sample, "a mask")
    if mask.ndim not in (2, 3):
        raise InvalidInputError(owner, field, f"must be HxW, got shape {mask.shape}", fix)


def _same_size(owner: str, field: str, value: np.ndarray, sample: Mapping[str, Any], what: str) -> None:
    image = sample.get("image")
    if isinstance(image, np.ndarray) and value.shape[:2] != image.shape[:2]:
        raise InvalidInputError(
            owner,
            field,
            f"has shape {value.shape} but the image is {image.shape[:2]} (HxW)",
            f"pass {what} with the image's height and width",
        )


def check_masks(owner: str, masks: Any, sample: Mapping[str, Any]) -> None:
    """``masks``: a list of HxW label arrays, or one NxHxW array (each checked like ``mask``)."""
    if isinstance(masks, np.ndarray):
        if masks.ndim == 2:
            raise InvalidInputError(
                owner,
                "masks",
                f"is one HxW array {masks.shape}; masks holds several",
                "did you mean mask=...? Otherwise pass masks=[m1, m2] or an NxHxW array",
            )
        if masks.ndim != 3:
            raise InvalidInputError(
                owner, "masks", f"must be NxHxW, got shape {masks.shape}", "pass a list of HxW label arrays"
            )
        check_mask(owner, np.moveaxis(masks, 0, -1), sample, "masks")
        return
    if not isinstance(masks, (list, tuple)):
        raise InvalidInputError(
            owner,
            "masks",
            f"must be a list of HxW arrays or an NxHxW array, got {type(masks).__name__}",
            "pass masks=[m1, m2] or np.stack(masks)",
        )
    for i, m in enumerate(masks):
        check_mask(owner, m, sample, f"masks[{i}]")
        if m.ndim != 2:
            raise InvalidInputError(
                owner, f"masks[{i}]", f"must be HxW, got shape {m.shape}", "pass HxW masks"
            )


def check_extra_image(owner: str, name: str, value: Any, sample: Mapping[str, Any]) -> None:
    """An extra target that moves like the image (``Compose(targets={name: "image"})``).

    It gets every op of the image, pixel ops included, validated on the image: so it has
    the image's shape and dtype.
    """
    check_image(owner, value, sample, name)
    image = sample.get("image")
    if isinstance(image, np.ndarray) and (value.shape != image.shape or value.dtype != image.dtype):
        raise InvalidInputError(
            owner,
            name,
            f"is {value.dtype} {value.shape} but the image is {image.dtype} {image.shape}; an extra image "
            "gets the image's ops with the same parameters, so it has the image's shape and dtype",
            f'convert it like the image, or declare it targets={{"{name}": "mask"}} (moved nearest, '
            "no pixel ops; float maps such as depth are accepted there)",
        )


def check_extra_mask(owner: str, name: str, value: Any, sample: Mapping[str, Any]) -> None:
    """An extra target that moves like the mask (``Compose(targets={name: "mask"})``).

    Integer labels as ``mask``, or a float map (depth, a heat map): moved nearest, its
    values are never blended.
    """
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        require_ndim(owner, name, value, (2, 3), "must be HxW or HxWxC", "pass an HxW map")
        _same_size(owner, name, value, sample, "a map")
        return
    check_mask(owner, value, sample, name)


def as_boxes(value: Any) -> np.ndarray:
    """``bboxes`` as an ``(N, 4)`` float64 array (no validation)."""
    arr = np.asarray(value, dtype=np.float64)
    return arr.reshape(0, 4) if arr.size == 0 else arr


def as_points(value: Any) -> np.ndarray:
    """``keypoints`` as an ``(N, 2)`` float64 array (no validation)."""
    arr = np.asarray(value, dtype=np.float64)
    return arr.reshape(0, 2) if arr.size == 0 else arr


#: Boxes or keypoints per sample: far above any annotation, low enough that checking them is instant.
MAX_POINTS = 10_000_000
#: Values (pixels x channels) of one image: 2**31, about 46341 x 46341 x 1 (a 16 GiB view of
#: 10**11 values, e.g. a broadcast, is refused before any pass over it).
MAX_IMAGE_VALUES = 2**31


def check_bboxes(owner: str, bboxes: Any, sample: Mapping[str, Any]) -> None:
    fix = "pass an Nx4 array of pixel x_min, y_min, x_max, y_max (pascal_voc)"
    if isinstance(bboxes, np.ndarray):
        require_real(owner, "bboxes", bboxes, fix)
    try:
        boxes = as_boxes(bboxes)
    except (TypeError, ValueError):
        raise InvalidInputError(owner, "bboxes", "is not numeric", fix) from None
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise InvalidInputError(owner, "bboxes", f"must have shape (N, 4), got {boxes.shape}", fix)
    require_at_most(owner, "bboxes", len(boxes), MAX_POINTS, "boxes", "split the annotations")
    if not all_finite(boxes):
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
    image = sample.get("image")
    if isinstance(image, np.ndarray) and image.ndim >= 2 and looks_normalised(boxes, image.shape[:2]):
        h, w = image.shape[:2]
        raise InvalidInputError(
            owner,
            "bboxes",
            f"has every coordinate in [0, 1] on a {h}x{w} image: normalised boxes given as pixel "
            "boxes (bbox_format is pixel pascal_voc)",
            'declare the format on the pipeline: Compose([...], bbox_format="albumentations") (or "yolo"), '
            f"or pass pixel boxes: multiply by (W, H, W, H) = ({w}, {h}, {w}, {h}), or convert with "
            'multiaug.image.convert_bboxes(boxes, "albumentations", "pascal_voc", image.shape)',
        )
    check_labels(owner, "bbox_labels", sample.get("bbox_labels"), len(boxes), "box")


def check_labels(owner: str, field: str, labels: Any, n: int, what: str) -> None:
    """``bbox_labels`` / ``keypoint_labels``: a sequence with one label per box or keypoint."""
    if labels is None:
        return
    if not isinstance(labels, Sized) or isinstance(labels, (str, bytes)):
        raise InvalidInputError(
            owner,
            field,
            f"must be a sequence with one label per {what}, got {type(labels).__name__}",
            f"pass a list (or array) of labels, e.g. {field}=['cat', 'dog']",
        )
    if len(labels) != n:
        plural = "boxes" if what == "box" else f"{what}s"
        raise InvalidInputError(
            owner, field, f"has {len(labels)} entries for {n} {plural}", f"give one label per {what}"
        )


def looks_normalised(boxes: np.ndarray, size: tuple[int, ...]) -> bool:
    """Pixel boxes that can only be normalised ones: every coordinate in [0, 1], at least one of them
    fractional, at least one box of positive area, on an image larger than 2x2.

    Integer boxes in [0, 1] (one-pixel boxes at the corner) and anything on a 1- or 2-pixel-wide
    image stay pixel boxes.
    """
    if boxes.size == 0 or min(size) <= 2 or boxes.min() < 0.0 or boxes.max() > 1.0:
        return False
    if np.array_equal(boxes, np.round(boxes)):
        return False
    return bool(((boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])).any())


def check_keypoints(owner: str, keypoints: Any, sample: Mapping[str, Any]) -> None:
    if isinstance(keypoints, np.ndarray):
        require_real(owner, "keypoints", keypoints, "pass an Nx2 array of pixel x, y")
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
    require_at_most(owner, "keypoints", len(pts), MAX_POINTS, "keypoints", "split the annotations")
    if not all_finite(pts):
        raise InvalidInputError(owner, "keypoints", "contains NaN or inf", "drop or repair those points")
    check_labels(owner, "keypoint_labels", sample.get("keypoint_labels"), len(pts), "keypoint")


# layout_ndim: a 3-D image has a channel axis that Compose(layout=...) places; masks have none
register_field(
    Field(
        "image",
        "signal",
        check_image,
        "array",
        keeps_shape=True,
        suffix=".png",
        modality="image",
        as_target=check_extra_image,
        layout_ndim=3,
    )
)
register_field(
    Field(
        "mask",
        "spatial",
        check_mask,
        "array",
        keeps_shape=True,
        modality="image",
        as_target=check_extra_mask,
        layout_ndim=0,
    )
)
register_field(
    Field("masks", "spatial", check_masks, "masks", keeps_shape=True, modality="image", layout_ndim=0)
)
register_field(Field("bboxes", "spatial", check_bboxes, "boxes", modality="image"))
register_field(Field("keypoints", "spatial", check_keypoints, "points", modality="image"))
register_field(Field("bbox_labels", "label", holds="labels", modality="image"))
register_field(Field("keypoint_labels", "label", holds="labels", modality="image"))


def check_image_shape(owner: str, image: Any, sample: Mapping[str, Any] | None = None) -> None:
    """:func:`check_image` without the value scan of float images (any float32 values pass)."""
    check_image(owner, image, sample, values=False)
