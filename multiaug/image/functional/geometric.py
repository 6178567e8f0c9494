"""Geometric image kernels: plain functions of arrays and numbers (OpenCV + NumPy).

Coordinates are continuous pixel coordinates: pixel ``(i, j)`` covers
``[j, j + 1) x [i, i + 1)``, so its centre is ``(j + 0.5, i + 0.5)`` and an image of
width ``W`` spans ``[0, W]``. A horizontal flip maps ``x -> W - x``.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "crop",
    "hflip",
    "hflip_bboxes",
    "hflip_keypoints",
    "shift_bboxes",
    "shift_keypoints",
    "vflip",
    "vflip_bboxes",
    "vflip_keypoints",
]


def _flip(img: np.ndarray, code: int) -> np.ndarray:
    if img.ndim == 3 and img.shape[2] > 4:
        axis = 1 if code == 1 else 0
        return np.ascontiguousarray(np.flip(img, axis))
    src = img if img.flags.c_contiguous else np.ascontiguousarray(img)
    return cv2.flip(src, code).reshape(img.shape)


def hflip(img: np.ndarray) -> np.ndarray:
    """Mirror left-right (any dtype, any channel count); returns a new array."""
    return _flip(img, 1)


def vflip(img: np.ndarray) -> np.ndarray:
    """Mirror top-bottom (any dtype, any channel count); returns a new array."""
    return _flip(img, 0)


def hflip_bboxes(boxes: np.ndarray, width: int) -> np.ndarray:
    out = boxes.copy()
    out[:, 0] = width - boxes[:, 2]
    out[:, 2] = width - boxes[:, 0]
    return out


def vflip_bboxes(boxes: np.ndarray, height: int) -> np.ndarray:
    out = boxes.copy()
    out[:, 1] = height - boxes[:, 3]
    out[:, 3] = height - boxes[:, 1]
    return out


def hflip_keypoints(points: np.ndarray, width: int) -> np.ndarray:
    out = points.copy()
    out[:, 0] = width - points[:, 0]
    return out


def vflip_keypoints(points: np.ndarray, height: int) -> np.ndarray:
    out = points.copy()
    out[:, 1] = height - points[:, 1]
    return out


def crop(img: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """A copy of the ``height`` x ``width`` window at ``(top, left)``."""
    return img[top : top + height, left : left + width].copy()


def shift_bboxes(boxes: np.ndarray, dx: float, dy: float) -> np.ndarray:
    return boxes + np.array([dx, dy, dx, dy])


def shift_keypoints(points: np.ndarray, dx: float, dy: float) -> np.ndarray:
    return points + np.array([dx, dy])
