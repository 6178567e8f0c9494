"""OpenCV plumbing shared by the image kernels: border codes, channel chunking, label dtypes.

OpenCV's resampling functions take at most 4 channels (and a 4-value border
colour), drop a trailing 1-channel axis and silently convert some dtypes;
:func:`per_chunk` (the one channel-chunking helper, :func:`by_channel_groups` for
filters) and :func:`native_labels` hide that from the kernels.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import cv2
import numpy as np

__all__ = [
    "BORDERS",
    "BORDER_CODES",
    "INTERPOLATIONS",
    "INTERPOLATION_CODES",
    "MAX_WARP_SIDE",
    "by_channel_groups",
    "channel_fills",
    "channel_groups",
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

#: Resize interpolations by name. "nearest" is OpenCV's NEAREST_EXACT (pixel centres, like the
#: warps; plain NEAREST is shifted by half a pixel); "area" averages the input pixels an output
#: pixel covers (the choice for downscaling; upscaling it behaves like "linear").
INTERPOLATION_CODES = {
    "nearest": cv2.INTER_NEAREST_EXACT,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos": cv2.INTER_LANCZOS4,
}
INTERPOLATIONS: tuple[str, ...] = tuple(INTERPOLATION_CODES)

#: Largest side OpenCV's remapping functions accept (their maps are 16-bit).
MAX_WARP_SIDE = 32766

# dtypes OpenCV handles without a silent conversion (the bindings turn int64 into int32).
NATIVE = frozenset(
    np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64)
)
NATIVE_CHARS = "".join(sorted(t.char for t in NATIVE))


def contiguous(a: np.ndarray) -> np.ndarray:
    """``a`` itself when OpenCV can take it without a copy (rows contiguous, e.g. a crop window).

    NumPy calls an array with a length-1 axis C-contiguous whatever that axis's stride (a one-row
    window of a wider image keeps the image's row stride); OpenCV refuses such an array as an output
    (``dst=``), so it is copied.
    """
    if a.flags.c_contiguous:
        if 1 in a.shape and a.strides != _c_strides(a):
            return a.copy()
        return a
    item = a.itemsize
    inner = a.strides[-1] == item and (a.ndim == 2 or a.strides[1] == item * a.shape[2])
    return a if inner and a.strides[0] > 0 else np.ascontiguousarray(a)


def _c_strides(a: np.ndarray) -> tuple[int, ...]:
    """The strides of a C-ordered array of ``a``'s shape and dtype."""
    strides, step = [], a.itemsize
    for n in reversed(a.shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def channel_fills(fill: Sequence[float], channels: int) -> list[float]:
    """``fill`` (one value, or one per channel) as one float per channel."""
    return [float(v) for v in fill] if len(fill) == channels else [float(fill[0])] * channels


def channel_groups(channels: int, sizes: Collection[int] = (1, 2, 3, 4)) -> list[slice]:
    """Consecutive slices of ``channels`` whose sizes an OpenCV call takes (``sizes``, all <= 4).

    All channels at once when their count is in ``sizes``; else 4 at a time and
    then the rest, cut into single channels when its size is not in ``sizes``
    (``cv2.medianBlur`` above 5x5 takes 1, 3 or 4 channels, not 2).

    Examples
    --------
    >>> [(g.start, g.stop) for g in channel_groups(7)]
    [(0, 4), (4, 7)]
    >>> [(g.start, g.stop) for g in channel_groups(6, sizes=(1, 3, 4))]
    [(0, 4), (4, 5), (5, 6)]
    """
    if channels in sizes:
        return [slice(0, channels)]
    rest = channels % 4 or 4
    groups = [slice(i, i + 4) for i in range(0, channels - rest, 4)]
    if rest in sizes:
        return [*groups, slice(channels - rest, channels)]
    return groups + [slice(i, i + 1) for i in range(channels - rest, channels)]


def per_chunk(
    fn: Callable[[np.ndarray, tuple[float, ...]], np.ndarray],
    img: np.ndarray,
    fill: Sequence[float],
    sizes: Collection[int] = (1, 2, 3, 4),
) -> np.ndarray:
    """Run an OpenCV call on the :func:`channel_groups` of ``img`` and restore the input's layout.

    OpenCV calls take a bounded number of channels (warps 4, with a 4-value border
    colour: ``fn`` gets the group's ``fill`` values padded to 4) and drop a trailing
    1-channel axis. The output may have another height and width than the input.
    """
    if img.ndim == 2:
        return fn(contiguous(img), (float(fill[0]),) * 4)
    values = channel_fills(fill, img.shape[2])
    groups = channel_groups(img.shape[2], sizes)
    parts = []
    for g in groups:
        part = values[g]
        src = contiguous(img) if len(groups) == 1 else np.ascontiguousarray(img[..., g])
        out = fn(src, tuple(part + [0.0] * (4 - len(part))))
        parts.append(out if out.ndim == 3 else out.reshape(*out.shape[:2], len(part)))
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=2)


def by_channel_groups(
    img: np.ndarray, fn: Callable[[np.ndarray], np.ndarray], sizes: Collection[int] = (1, 2, 3, 4)
) -> np.ndarray:
    """:func:`per_chunk` for a call without a border colour (filters): ``fn(group)`` per channel group."""
    return per_chunk(lambda group, _fill: fn(group), img, (0.0,), sizes)


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
