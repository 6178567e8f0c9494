"""OpenCV plumbing shared by the image kernels: border codes, channel chunking, label dtypes.

OpenCV's resampling functions take at most 4 channels (and a 4-value border
colour), drop a trailing 1-channel axis and silently convert some dtypes;
:func:`per_chunk` and :func:`native_labels` hide that from the kernels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

__all__ = [
    "BORDERS",
    "BORDER_CODES",
    "MAX_WARP_SIDE",
    "channel_fills",
    "contiguous",
    "native_labels",
    "per_chunk",
]

#: Border modes by name. "reflect" mirrors without repeating the edge pixel (NumPy's
#: "reflect", OpenCV's BORDER_REFLECT_101, the default of torchvision and albumentations).
BORDER_CODES = {
    "constant": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,
    "replicate": cv2.BORDER_REPLICATE,
    "wrap": cv2.BORDER_WRAP,
}
BORDERS: tuple[str, ...] = tuple(BORDER_CODES)

#: Largest side OpenCV's remapping functions accept (their maps are 16-bit).
MAX_WARP_SIDE = 32766

# dtypes OpenCV handles without a silent conversion (the bindings turn int64 into int32).
NATIVE = frozenset(
    np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64)
)
NATIVE_CHARS = "".join(sorted(t.char for t in NATIVE))


def contiguous(a: np.ndarray) -> np.ndarray:
    """``a`` itself when OpenCV can take it without a copy (rows contiguous, e.g. a crop window)."""
    if a.flags.c_contiguous:
        return a
    item = a.itemsize
    inner = a.strides[-1] == item and (a.ndim == 2 or a.strides[1] == item * a.shape[2])
    return a if inner and a.strides[0] > 0 else np.ascontiguousarray(a)


def channel_fills(fill: Sequence[float], channels: int) -> list[float]:
    """``fill`` (one value, or one per channel) as one float per channel."""
    return [float(v) for v in fill] if len(fill) == channels else [float(fill[0])] * channels


def per_chunk(
    fn: Callable[[np.ndarray, tuple[float, ...]], np.ndarray], img: np.ndarray, fill: Sequence[float]
) -> np.ndarray:
    """Run an OpenCV call on at most 4 channels at a time and restore the input's layout.

    OpenCV's warps take at most 4 channels (and a 4-value border colour), and drop a
    trailing 1-channel axis.
    """
    if img.ndim == 2:
        return fn(contiguous(img), (float(fill[0]),) * 4)
    c = img.shape[2]
    values = channel_fills(fill, c)
    if c <= 4:
        out = fn(contiguous(img), tuple(values + [0.0] * (4 - c)))
        return out if out.ndim == 3 else out.reshape(*out.shape[:2], c)
    parts = []
    for i in range(0, c, 4):
        part = values[i : i + 4]
        out = fn(np.ascontiguousarray(img[..., i : i + 4]), tuple(part + [0.0] * (4 - len(part))))
        parts.append(out if out.ndim == 3 else out[..., None])
    return np.concatenate(parts, axis=2)


def native_labels(
    fn: Callable[[np.ndarray, float], np.ndarray], labels: np.ndarray, fill: float
) -> np.ndarray:
    """Run a nearest-neighbour OpenCV call on integer labels of any dtype, losslessly.

    Same-size views keep the bits (nearest sampling only copies values); labels
    that do not fit OpenCV's types are replaced by their index in the sorted label set.
    """
    dt = labels.dtype
    if dt in NATIVE:
        return fn(labels, fill)
    if dt == np.bool_:
        return fn(labels.view(np.uint8), float(bool(fill))).view(np.bool_)
    if dt == np.uint32:
        f = int(np.array(int(fill), np.uint32).view(np.int32))
        return fn(labels.view(np.int32), float(f)).view(np.uint32)
    values, inverse = np.unique(np.append(labels.ravel(), np.array(fill, dt)), return_inverse=True)
    index = inverse[:-1].reshape(labels.shape).astype(np.int32)
    return values[fn(index, float(inverse[-1]))]
