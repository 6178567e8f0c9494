"""Kernels of the automatic augmentation policies' pixel operations that no other op provides.

``auto_contrast`` (PIL's and torchvision's ``autocontrast``) and ``adjust_sharpness``
(PIL's ``ImageEnhance.Sharpness``, torchvision's ``adjust_sharpness``). The other
sub-operations of ``RandAugment``, ``TrivialAugmentWide`` and ``AutoAugment`` reuse the
kernels of ``colour``, ``channels`` and the geometric ops.
"""

from __future__ import annotations

import cv2
import numpy as np

from ._opencv import contiguous
from .channels import channel_luts
from .colour import n_channels
from .exact import filter2d_u8

__all__ = ["adjust_sharpness", "auto_contrast"]

#: PIL's smoothing kernel (``ImageFilter.SMOOTH``): 5 in the centre, 1 around, over 13.
_SMOOTH = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], np.float64) / 13.0
_IDENTITY3 = np.zeros((3, 3), np.float64)
_IDENTITY3[1, 1] = 1.0


def _colour(img: np.ndarray) -> int:
    """How many leading channels are colour (alpha, the fourth of RGBA, is kept)."""
    channels = n_channels(img)
    return 3 if channels == 4 else channels


def auto_contrast(img: np.ndarray) -> np.ndarray:
    """Stretch each colour channel to the full range: ``(v - lo) / (hi - lo)``, per channel.

    ``lo`` and ``hi`` are the channel's minimum and maximum; a flat channel
    (``lo == hi``) is kept. uint8 images go through one lookup table per channel,
    ``round((v - lo) * 255 / (hi - lo))``; float32 images are computed in float and
    stay in ``[0, 1]``. RGBA keeps its alpha.

    Examples
    --------
    >>> auto_contrast(np.array([[50, 100, 150]], np.uint8)).tolist()
    [[0, 128, 255]]
    """
    k = _colour(img)
    flat = img.reshape(-1, n_channels(img))[:, :k]
    lo, hi = flat.min(axis=0).astype(np.float64), flat.max(axis=0).astype(np.float64)
    if img.dtype == np.uint8:
        levels = np.arange(256, dtype=np.float64)
        tables = []
        for c in range(k):
            if hi[c] > lo[c]:
                row = np.rint((levels - lo[c]) * 255.0 / (hi[c] - lo[c]))
                tables.append(np.clip(row, 0, 255).astype(np.uint8))
            else:
                tables.append(levels.astype(np.uint8))
        return channel_luts(img, tables)
    out = img.astype(np.float32, copy=True)
    colour = (out if out.ndim == 3 else out[..., None])[..., :k]
    span = np.where(hi > lo, hi - lo, 1.0)
    base = np.where(hi > lo, lo, 0.0)
    colour[...] = np.clip((colour - base.astype(np.float32)) / span.astype(np.float32), 0.0, 1.0)
    return out


def adjust_sharpness(img: np.ndarray, factor: float) -> np.ndarray:
    """PIL's sharpness enhancement: blend with a smoothed copy, ``factor * img + (1 - factor) * smooth``.

    ``smooth`` is the image filtered with PIL's 3x3 smoothing kernel (5 in the
    centre, 1 around, over 13); the one-pixel border is kept as it is (PIL and
    torchvision do not filter it). ``factor = 1`` is the identity, ``> 1`` sharpens,
    ``< 1`` blurs. One ``cv2.filter2D`` with the blended kernel; uint8 results
    are rounded and saturated, float32 ones clipped to ``[0, 1]``. RGBA keeps its alpha.

    Examples
    --------
    >>> img = np.full((5, 5), 10, np.uint8)
    >>> img[2, 2] = 100
    >>> int(adjust_sharpness(img, 2.0)[2, 2]), int(adjust_sharpness(img, 0.0)[2, 2])
    (155, 45)
    """
    kernel = factor * _IDENTITY3 + (1.0 - factor) * _SMOOTH
    k = _colour(img)
    src = contiguous(img if k == n_channels(img) else img[..., :k])
    if src.dtype == np.uint8:  # the same bytes on every CPU (see exact.filter2d_u8)
        filtered = filter2d_u8(src, kernel, cv2.BORDER_REPLICATE).reshape(src.shape)
    else:
        filtered = cv2.filter2D(src, -1, kernel, borderType=cv2.BORDER_REPLICATE).reshape(src.shape)
    if img.dtype == np.float32:
        np.clip(filtered, 0.0, 1.0, out=filtered)
    filtered[0], filtered[-1] = src[0], src[-1]
    filtered[:, 0], filtered[:, -1] = src[:, 0], src[:, -1]
    if k == n_channels(img):
        return filtered
    out = img.copy()
    out[..., :k] = filtered
    return out
