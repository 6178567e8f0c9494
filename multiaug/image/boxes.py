"""Bounding-box formats: convert between them and clip to the image.

multiaug's ``bboxes`` field is ``pascal_voc``. The other common formats:

=================  ===============================  ==========
format             columns                          units
=================  ===============================  ==========
``pascal_voc``     ``x_min, y_min, x_max, y_max``   pixels
``coco``           ``x_min, y_min, width, height``  pixels
``yolo``           ``x_centre, y_centre, w, h``     normalised
``albumentations`` ``x_min, y_min, x_max, y_max``   normalised
=================  ===============================  ==========

Normalised coordinates are pixel coordinates divided by the image width (x) and
height (y). Pixel coordinates are continuous: an image of width ``W`` spans
``[0, W]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.targets import BBOX_FORMATS  # the box formats convert_bboxes and Compose(bbox_format=) know

__all__ = ["BBOX_FORMATS", "clip_bboxes", "convert_bboxes"]


# format -> (column layout, normalised?)
_LAYOUT: dict[str, tuple[str, bool]] = {
    "pascal_voc": ("corners", False),
    "coco": ("xywh", False),
    "yolo": ("cxcywh", True),
    "albumentations": ("corners", True),
}


def convert_bboxes(
    boxes: Any, source: str, target: str, image_shape: Sequence[int] | None = None
) -> np.ndarray:
    """Convert ``N x 4`` boxes from one format to another.

    Parameters
    ----------
    boxes : array-like, shape (N, 4)
        Boxes in the ``source`` format (``N`` may be 0).
    source, target : {"pascal_voc", "coco", "yolo", "albumentations"}
        Formats of the input and of the output (see the module docstring).
    image_shape : sequence of int or None
        ``(height, width, ...)`` of the image, e.g. ``image.shape``. Needed only
        between a pixel format (``pascal_voc``, ``coco``) and a normalised one
        (``yolo``, ``albumentations``).

    Returns
    -------
    numpy.ndarray
        ``(N, 4)`` float64 boxes in the ``target`` format (a new array).

    Raises
    ------
    InvalidInputError
        Unknown format, boxes that are not ``N x 4`` finite numbers, boxes of
        negative width or height, or a missing or malformed ``image_shape``.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> voc = np.array([[10.0, 20.0, 50.0, 60.0]])
    >>> ma.image.convert_bboxes(voc, "pascal_voc", "coco").tolist()
    [[10.0, 20.0, 40.0, 40.0]]
    >>> ma.image.convert_bboxes(voc, "pascal_voc", "yolo", image_shape=(100, 200, 3)).round(6).tolist()
    [[0.15, 0.4, 0.2, 0.4]]
    >>> ma.image.convert_bboxes([[0.15, 0.4, 0.2, 0.4]], "yolo", "albumentations").round(6).tolist()
    [[0.05, 0.2, 0.25, 0.6]]
    """
    owner = "image.convert_bboxes"
    src_layout, src_norm = _format(owner, "source", source)
    tgt_layout, tgt_norm = _format(owner, "target", target)
    arr = _as_boxes(owner, boxes, source)
    corners = _to_corners(arr, src_layout)
    if src_norm != tgt_norm:
        h, w = _shape(owner, image_shape, f"converting {source} to {target}")
        scale = np.array([w, h, w, h], np.float64)
        corners = corners * scale if src_norm else corners / scale
    return _from_corners(corners, tgt_layout)


def clip_bboxes(
    boxes: Any, image_shape: Sequence[int] | None = None, format: str = "pascal_voc"
) -> np.ndarray:
    """Clip boxes to the image; boxes entirely outside end up with zero width or height.

    Parameters
    ----------
    boxes : array-like, shape (N, 4)
        Boxes in ``format``.
    image_shape : sequence of int or None
        ``(height, width, ...)`` of the image; needed for the pixel formats
        (``pascal_voc``, ``coco``), ignored by the normalised ones (clipped to ``[0, 1]``).
    format : {"pascal_voc", "coco", "yolo", "albumentations"}, default "pascal_voc"
        Format of ``boxes`` and of the result.

    Returns
    -------
    numpy.ndarray
        ``(N, 4)`` float64 boxes in ``format``. Keep the non-empty ones (and their
        labels) with ``keep = (out[:, 2] > out[:, 0]) & (out[:, 3] > out[:, 1])`` in
        ``pascal_voc``, or ``(out[:, 2] > 0) & (out[:, 3] > 0)`` in the others.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ma.image.clip_bboxes([[-5.0, 10.0, 30.0, 90.0]], image_shape=(50, 20)).tolist()
    [[0.0, 10.0, 20.0, 50.0]]
    >>> ma.image.clip_bboxes([[0.9, 0.5, 0.4, 0.2]], format="yolo").round(6).tolist()
    [[0.85, 0.5, 0.3, 0.2]]
    """
    owner = "image.clip_bboxes"
    layout, norm = _format(owner, "format", format)
    corners = _to_corners(_as_boxes(owner, boxes, format), layout)
    if norm:
        h = w = 1.0
    else:
        h, w = _shape(owner, image_shape, f"clipping {format} boxes")
    corners[:, 0::2] = np.clip(corners[:, 0::2], 0.0, w)
    corners[:, 1::2] = np.clip(corners[:, 1::2], 0.0, h)
    return _from_corners(corners, layout)


# ---------------------------------------------------------------------- a pipeline's boundary
def boxes_to_pixels(owner: str, boxes: Any, fmt: str, image: Any) -> Any:
    """``bboxes`` given to a pipeline in ``fmt``, as the pixel ``pascal_voc`` boxes its transforms see.

    Refuses, naming ``bbox_format``, boxes that cannot be in ``fmt``: every coordinate
    in [0, 1] for a pixel format (normalised boxes), any coordinate above 1 for a
    normalised one (pixel boxes). Returns ``boxes`` unchanged when the image is not a
    valid array yet (the field checks then report it).
    """
    if not isinstance(image, np.ndarray) or image.ndim < 2 or min(image.shape[:2]) < 1:
        return boxes
    h, w = size = image.shape[:2]
    try:
        voc = convert_bboxes(boxes, fmt, "pascal_voc", size)
    except InvalidInputError as exc:
        raise InvalidInputError(
            owner, "bboxes", f"({fmt}, bbox_format={fmt!r}) {exc.problem}", exc.fix
        ) from None
    from ._validate import looks_normalised

    norm = _LAYOUT[fmt][1]
    if not norm and looks_normalised(voc, size):
        raise InvalidInputError(
            owner,
            "bboxes",
            f"has every coordinate in [0, 1] on a {h}x{w} image, but bbox_format={fmt!r} is in pixels",
            'declare the normalised format: Compose(..., bbox_format="albumentations") for x_min, y_min, '
            'x_max, y_max or "yolo" for centre, width, height',
        )
    raw = np.asarray(boxes, np.float64)
    if norm and raw.size and raw.max() > 1.0 + 1e-6:
        raise InvalidInputError(
            owner,
            "bboxes",
            f"has coordinates up to {raw.max():.4g}, but bbox_format={fmt!r} is normalised to [0, 1]",
            'declare the pixel format: Compose(..., bbox_format="pascal_voc") for x_min, y_min, x_max, '
            'y_max or "coco" for x_min, y_min, width, height',
        )
    return voc


def boxes_from_pixels(boxes: Any, fmt: str, image: Any) -> np.ndarray:
    """A pipeline's pixel ``pascal_voc`` output boxes in ``fmt``, for its output ``image``.

    The image's height and width are its first two axes, or the last two of a
    channels-first tensor (``ToTensor``'s output).
    """
    shape = tuple(getattr(image, "shape", ()))
    size = shape[:2] if isinstance(image, np.ndarray) or len(shape) != 3 else shape[1:]
    return convert_bboxes(boxes, "pascal_voc", fmt, size if len(size) == 2 else None)


# ---------------------------------------------------------------------- helpers
def _format(owner: str, name: str, value: Any) -> tuple[str, bool]:
    try:
        return _LAYOUT[value]
    except (KeyError, TypeError):
        raise InvalidInputError(
            owner, name, f"is {value!r}, not a known box format", f"use one of {list(BBOX_FORMATS)}"
        ) from None


def _as_boxes(owner: str, boxes: Any, fmt: str) -> np.ndarray:
    fix = f"pass an N x 4 array of {fmt} boxes (labels go in a separate list)"
    try:
        arr = np.array(boxes, dtype=np.float64)  # a copy: the caller's array is never changed
    except (TypeError, ValueError):
        raise InvalidInputError(owner, "boxes", "is not numeric", fix) from None
    if arr.size == 0:
        return arr.reshape(0, 4)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise InvalidInputError(owner, "boxes", f"must have shape (N, 4), got {arr.shape}", fix)
    if not np.isfinite(arr).all():
        raise InvalidInputError(owner, "boxes", "contains NaN or inf", "drop or repair those boxes")
    if _LAYOUT[fmt][0] == "corners":
        bad = np.flatnonzero((arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1]))
        what = "x_max < x_min or y_max < y_min"
    else:
        bad = np.flatnonzero((arr[:, 2] < 0) | (arr[:, 3] < 0))
        what = "a negative width or height"
    if bad.size:
        raise InvalidInputError(
            owner,
            "boxes",
            f"row {int(bad[0])} has {what} for {fmt}: {arr[bad[0]].tolist()}",
            "check the column order of the source format",
        )
    return arr


def _shape(owner: str, image_shape: Any, why: str) -> tuple[float, float]:
    fix = "pass image_shape=image.shape (height, width[, channels])"
    if image_shape is None:
        raise InvalidInputError(owner, "image_shape", f"is needed for {why}", fix)
    try:
        h, w = (int(v) for v in tuple(image_shape)[:2])
        ok = len(image_shape) >= 2 and h > 0 and w > 0 and h == image_shape[0] and w == image_shape[1]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InvalidInputError(
            owner, "image_shape", f"must be (height, width, ...) of positive ints, got {image_shape!r}", fix
        )
    return float(h), float(w)


def _to_corners(b: np.ndarray, layout: str) -> np.ndarray:
    if layout == "corners":
        return b.copy()
    out = np.empty_like(b)
    if layout == "xywh":
        out[:, :2] = b[:, :2]
        out[:, 2:] = b[:, :2] + b[:, 2:]
    else:  # cxcywh
        half = b[:, 2:] / 2
        out[:, :2] = b[:, :2] - half
        out[:, 2:] = b[:, :2] + half
    return out


def _from_corners(c: np.ndarray, layout: str) -> np.ndarray:
    if layout == "corners":
        return c
    out = np.empty_like(c)
    if layout == "xywh":
        out[:, :2] = c[:, :2]
        out[:, 2:] = c[:, 2:] - c[:, :2]
    else:  # cxcywh
        out[:, :2] = (c[:, :2] + c[:, 2:]) / 2
        out[:, 2:] = c[:, 2:] - c[:, :2]
    return out
