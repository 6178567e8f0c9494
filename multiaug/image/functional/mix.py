"""Batch mixing kernels (MixUp, CutMix): plain functions of arrays and numbers.

A batch is ``(B, H, W)`` or ``(B, H, W, C)``, ``uint8`` or ``float32`` in ``[0, 1]``;
``perm`` pairs image ``i`` with image ``perm[i]``. Boxes are integer pixel
``(x1, y1, x2, y2)`` with ``x2``/``y2`` exclusive, so their area is exactly the
number of pixels they cover.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["cutmix", "cutmix_box", "mix_labels", "mixup", "one_hot", "pasted_fraction"]


def mixup(images: np.ndarray, perm: np.ndarray, lam: float) -> np.ndarray:
    """``lam * images + (1 - lam) * images[perm]``, computed in float32, same dtype out.

    uint8 is rounded once (half to even) after the blend; float32 is clipped
    to ``[0, 1]`` because ``f32(lam) + f32(1 - lam)`` may exceed 1 by an ulp.

    Examples
    --------
    >>> x = np.array([[[0]], [[101]]], np.uint8)
    >>> mixup(x, np.array([1, 0]), 0.5).ravel().tolist()  # 50.5 rounds half to even
    [50, 50]
    """
    a = np.float32(lam)
    b = np.float32(1.0 - lam)
    out = np.empty_like(images)
    # One image at a time into two reused buffers: the float32 temporaries stay in
    # cache (a 224x224x3 image is 600 kB as float32) instead of four batch-sized
    # arrays going through memory. Separate multiply and add (NumPy never fuses
    # them), so the result is the same IEEE float32 arithmetic on every machine.
    x = np.empty(images.shape[1:], np.float32)
    y = np.empty_like(x)
    for i, j in enumerate(perm.tolist()):
        np.multiply(images[i], a, out=x)
        np.multiply(images[j], b, out=y)
        x += y
        if images.dtype == np.uint8:
            np.rint(x, out=x)
            out[i] = x  # in [0, 255]: a convex blend of uint8 values
        else:
            np.clip(x, 0.0, 1.0, out=out[i])
    return out


def cutmix_box(height: int, width: int, lam: float, cy: float, cx: float) -> tuple[int, int, int, int]:
    """The CutMix box ``(x1, y1, x2, y2)`` for a drawn ``lam`` and centre, clipped to the image.

    Before clipping the box covers ``round(H * r) x round(W * r)`` pixels with
    ``r = sqrt(1 - lam)`` (area fraction ``1 - lam``, the image's aspect ratio),
    its corner rounded from the continuous centre ``(cy, cx)``.

    Examples
    --------
    >>> cutmix_box(10, 10, 0.75, 5.0, 5.0)
    (2, 2, 7, 7)
    >>> cutmix_box(10, 10, 0.75, 0.0, 9.9)
    (7, 0, 10, 3)
    """
    r = math.sqrt(max(0.0, 1.0 - lam))
    cut_h, cut_w = round(height * r), round(width * r)
    y1, x1 = round(cy - cut_h / 2), round(cx - cut_w / 2)
    y2, x2 = y1 + cut_h, x1 + cut_w
    return (
        min(max(x1, 0), width),
        min(max(y1, 0), height),
        min(max(x2, 0), width),
        min(max(y2, 0), height),
    )


def pasted_fraction(box: tuple[int, int, int, int] | list[int], height: int, width: int) -> float:
    """Fraction of an ``height x width`` image covered by ``box`` (clipped to the image first).

    Examples
    --------
    >>> pasted_fraction([-2, 0, 3, 4], height=4, width=10)
    0.3
    """
    x1, y1, x2, y2 = (int(v) for v in box)
    w = max(0, min(x2, width) - max(x1, 0))
    h = max(0, min(y2, height) - max(y1, 0))
    return (w * h) / (height * width)


def cutmix(images: np.ndarray, perm: np.ndarray, box: tuple[int, int, int, int] | list[int]) -> np.ndarray:
    """Paste ``images[perm]`` into ``box`` of every image (box clipped to the image).

    Examples
    --------
    >>> x = np.stack([np.zeros((2, 3), np.uint8), np.ones((2, 3), np.uint8)])
    >>> cutmix(x, np.array([1, 0]), (1, 0, 9, 1))[0].tolist()
    [[0, 1, 1], [0, 0, 0]]
    """
    h, w = images.shape[1:3]
    x1, y1, x2, y2 = (int(v) for v in box)
    x1, x2 = min(max(x1, 0), w), min(max(x2, 0), w)
    y1, y2 = min(max(y1, 0), h), min(max(y2, 0), h)
    out = images.copy()
    if x2 > x1 and y2 > y1:
        out[:, y1:y2, x1:x2] = images[perm, y1:y2, x1:x2]
    return out


def one_hot(ids: np.ndarray, num_classes: int) -> np.ndarray:
    """``(B,)`` integer class ids as ``(B, num_classes)`` float32 one-hot rows.

    Examples
    --------
    >>> one_hot(np.array([2, 0]), 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    out = np.zeros((ids.shape[0], num_classes), np.float32)
    out[np.arange(ids.shape[0]), ids] = 1.0
    return out


def mix_labels(labels: np.ndarray, perm: np.ndarray, weight: float) -> np.ndarray:
    """``weight * labels + (1 - weight) * labels[perm]`` as float32 ``(B, K)``.

    Computed in float64 so rows that sum to 1 still do after the cast.

    Examples
    --------
    >>> mix_labels(np.eye(2), np.array([1, 0]), 0.75).tolist()
    [[0.75, 0.25], [0.25, 0.75]]
    """
    y = labels.astype(np.float64)
    return (weight * y + (1.0 - weight) * y[perm]).astype(np.float32)
