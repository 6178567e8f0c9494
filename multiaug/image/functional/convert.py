"""Conversion kernels of a pipeline's first and last steps: normalisation, dtypes, torch tensors.

``normalize``, ``to_float`` and ``from_float`` follow Albumentations' arithmetic (float32
``mean * max`` and ``1 / (std * max)``, a 256-entry lookup table per channel for ``uint8``),
so their outputs match Albumentations 2.0.8's. ``to_tensor`` needs PyTorch, imported when
it is first called.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = ["from_float", "mask_to_tensor", "normalize", "to_float", "to_tensor"]

#: Largest value of each integer dtype ``from_float`` converts to.
INT_MAX = {"uint8": 255.0, "uint16": 65535.0}


def _per_channel(values: Sequence[float], channels: int) -> np.ndarray:
    """``values`` (one, or one per channel) as a float32 vector of ``channels`` entries."""
    arr = np.asarray(values, dtype=np.float32)
    return np.broadcast_to(arr, (channels,)) if arr.size == 1 else arr


def _table_lookup(image: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``table[image[..., c], c]`` for a uint8 image and a float32 ``(256, C)`` table."""
    src = image if image.flags.c_contiguous else np.ascontiguousarray(image)
    channels = table.shape[1]
    if channels == 1 or (table == table[:, :1]).all():  # one table for every channel
        return cv2.LUT(src.reshape(src.shape[0], -1), table[:, 0].copy()).reshape(image.shape)
    if channels <= 4:
        return cv2.LUT(src, np.ascontiguousarray(table).reshape(256, 1, channels))
    return table[src, np.arange(channels)]


def normalize(
    image: np.ndarray, mean: Sequence[float], std: Sequence[float], max_pixel_value: float
) -> np.ndarray:
    """``(image / max_pixel_value - mean) / std`` per channel, as a new float32 array.

    Computed as Albumentations does: ``(image - mean * max) * (1 / (std * max))`` in float32,
    through a lookup table for uint8 images.
    """
    channels = image.shape[2] if image.ndim == 3 else 1
    if image.dtype == np.uint8:
        return _table_lookup(image, normalize_table(tuple(mean), tuple(std), max_pixel_value, channels))
    scale = np.float32(max_pixel_value)
    shift = _per_channel(mean, channels) * scale
    factor = np.reciprocal(_per_channel(std, channels) * scale)
    if image.ndim == 2:
        return (image - shift[0]) * factor[0]
    out = image - shift
    out *= factor
    return out


@functools.lru_cache(maxsize=64)
def normalize_table(
    mean: tuple[float, ...], std: tuple[float, ...], max_pixel_value: float, channels: int
) -> np.ndarray:
    """The ``(256, channels)`` float32 table of :func:`normalize` for uint8 images (cached, read-only)."""
    scale = np.float32(max_pixel_value)
    shift = _per_channel(mean, channels) * scale
    factor = np.reciprocal(_per_channel(std, channels) * scale)
    table = (np.arange(256, dtype=np.float32)[:, None] - shift) * factor
    table.flags.writeable = False
    return table


def to_float(image: np.ndarray, max_value: float) -> np.ndarray:
    """``image / max_value`` as float32 for a uint8 image; a float32 image is copied unchanged."""
    if image.dtype == np.float32:
        return image.copy()
    table = np.arange(256, dtype=np.float32) / np.float32(max_value)
    return _table_lookup(image, table[:, None])


def from_float(image: np.ndarray, dtype: str, max_value: float) -> np.ndarray:
    """``round(image * max_value)`` clipped to ``dtype``'s range, for a float32 image.

    An integer image is returned as a copy, unchanged (it is not a float image).
    """
    if image.dtype != np.float32:
        return image.copy()
    scaled = np.rint(image * np.float32(max_value))
    return np.clip(scaled, 0, INT_MAX[dtype]).astype(dtype)


def _torch() -> Any:
    torch = sys.modules.get("torch")  # imported once: a dict read per call, not an import statement
    if torch is None:
        import torch
    return torch


def to_tensor(image: np.ndarray, scale: bool) -> torch.Tensor:
    """A float32 CHW tensor of an HxW[xC] image (HxW -> 1xHxW).

    uint8 values are kept (0..255) unless ``scale``, which divides them by 255; float32
    values are kept. As ``torch.from_numpy`` and Albumentations' ``ToTensorV2``, no pixel is
    copied that need not be: a float32 image is shared with the tensor, which is its CHW view
    (channels-last strides; ``.contiguous()`` makes a packed copy), unless it is read-only or
    has negative strides (a flip's view, which torch refuses): then a copy; a uint8 image is
    cast in its own layout (positive strides), then viewed as CHW.
    """
    if image.dtype.char == "B":  # uint8 (a char test: comparing dtypes costs more than the view)
        hwc = to_float(image, 255.0) if scale else image.astype(np.float32)
    else:
        # torch warns on read-only memory and refuses negative strides (a flip's view): copy those only
        hwc = image if image.flags.writeable and min(image.strides) >= 0 else image.copy()
    tensor = _torch().from_numpy(hwc)
    return tensor.unsqueeze(0) if hwc.ndim == 2 else tensor.permute(2, 0, 1)


def mask_to_tensor(mask: np.ndarray) -> torch.Tensor:
    """An int64 tensor of a mask, same shape (a new tensor)."""
    return _torch().from_numpy(mask.astype(np.int64))
