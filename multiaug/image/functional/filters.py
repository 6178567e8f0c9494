"""Filter kernels: Gaussian blur, sharpening, median blur (OpenCV); plain functions of arrays and numbers.

Gaussian blur and sharpening reflect at the borders without repeating the edge
pixel (OpenCV's default, ``BORDER_REFLECT_101``); the median blur repeats it
(``BORDER_REPLICATE``, the only border ``cv2.medianBlur`` has). Any channel count
is accepted; dtype and layout are kept.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ._opencv import by_channel_groups

__all__ = [
    "MEDIAN_FLOAT_SIZES",
    "blur_kernel_size",
    "gaussian_blur",
    "median_blur",
    "motion_blur",
    "motion_kernel",
    "sharpen",
    "sharpen_kernel",
]

#: Kernel sides ``cv2.medianBlur`` takes for float32 images (uint8 takes any odd side).
MEDIAN_FLOAT_SIZES = (3, 5)


def _clipped(out: np.ndarray) -> np.ndarray:
    """``out`` with float results clipped to [0, 1] in place (uint8 results saturate in OpenCV)."""
    if out.dtype == np.float32:
        np.clip(out, 0.0, 1.0, out=out)
    return out


def blur_kernel_size(sigma: float) -> int:
    """Odd kernel side covering +/- 3 sigma: ``2 * round(3 * sigma) + 1`` (halves up), as OpenCV for uint8.

    Below ``sigma = 1/6`` that is 1: the kernel's neighbours would weigh less
    than 1e-8, so the image is returned unchanged.
    """
    return 2 * math.floor(3.0 * sigma + 0.5) + 1


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur with ``sigma`` in both directions and a ``blur_kernel_size(sigma)`` kernel.

    The kernel is ``cv2.getGaussianKernel`` in float32, applied with
    ``cv2.sepFilter2D``: for float32 images the same as ``cv2.GaussianBlur``;
    for uint8 images within one grey level of it (``cv2.GaussianBlur`` uses
    8-bit fixed point there, which is slower for wide kernels).
    """
    size = blur_kernel_size(sigma)
    if size == 1:
        return img.copy()
    kernel = cv2.getGaussianKernel(size, sigma, ktype=cv2.CV_32F)
    return _clipped(
        by_channel_groups(
            img, lambda x: cv2.sepFilter2D(x, -1, kernel, kernel, borderType=cv2.BORDER_REFLECT_101)
        )
    )


def sharpen_kernel(alpha: float, lightness: float) -> np.ndarray:
    """albumentations' (imgaug's) 3x3 sharpening kernel blended with the identity by ``alpha``."""
    effect = np.full((3, 3), -1.0, np.float32)
    effect[1, 1] = 8.0 + lightness
    kernel = alpha * effect
    kernel[1, 1] += 1.0 - alpha
    return kernel


def sharpen(img: np.ndarray, alpha: float, lightness: float) -> np.ndarray:
    """Blend with a sharpened copy: ``cv2.filter2D`` with :func:`sharpen_kernel`, saturated/clipped."""
    kernel = sharpen_kernel(alpha, lightness)
    return _clipped(
        by_channel_groups(img, lambda x: cv2.filter2D(x, -1, kernel, borderType=cv2.BORDER_REFLECT_101))
    )


def median_blur(img: np.ndarray, ksize: int) -> np.ndarray:
    """Median of the ``ksize`` x ``ksize`` neighbourhood of every value, per channel (``ksize`` odd, >= 3).

    Edges repeat the border pixel (``BORDER_REPLICATE``). ``cv2.medianBlur`` for
    uint8 images at any ``ksize`` and float32 images at 3 and 5
    (:data:`MEDIAN_FLOAT_SIZES`), in groups of 1, 3 or 4 channels; float32 images
    with a wider kernel, which OpenCV refuses, go to ``scipy.ndimage.median_filter``
    (``mode="nearest"``, the same border). A median picks one of the window's values,
    so both give exactly the same result.

    Examples
    --------
    >>> img = np.zeros((5, 5), np.uint8)
    >>> img[2, 2] = 255  # an isolated bright pixel (salt noise)
    >>> int(median_blur(img, 3).max()), float(median_blur(img.astype(np.float32) / 255, 7).max())
    (0, 0.0)
    """
    if img.dtype == np.float32 and ksize not in MEDIAN_FLOAT_SIZES:
        from scipy import ndimage

        return ndimage.median_filter(img, size=(ksize, ksize, 1)[: img.ndim], mode="nearest")
    return by_channel_groups(img, lambda x: cv2.medianBlur(x, ksize), sizes=(1, 3, 4))


def motion_kernel(ksize: int, angle: float, direction: float) -> np.ndarray:
    """A ``ksize`` x ``ksize`` float32 kernel that averages along a line through the centre (sum 1).

    The line points ``angle`` degrees counter-clockwise from the x axis (image rows grow
    downwards, so 90 points up). ``direction`` in [-1, 1] says which part of the full
    ``ksize - 1`` long segment is kept: 0 the whole segment centred on the pixel, 1 only the
    forward half, -1 only the backward half (a blur trail on one side). ``ksize`` points
    evenly spaced along it are rounded to the nearest kernel cell (a cell hit twice weighs
    twice), so a horizontal line at ``direction = 0`` is exactly a ``ksize`` x 1 box filter.
    At most ``ksize`` cells are non-zero: ``cv2.filter2D`` only visits those, so the cost
    grows with the side, not its square.

    Examples
    --------
    >>> motion_kernel(3, 0.0, 0.0).astype(float).round(3).tolist()
    [[0.0, 0.0, 0.0], [0.333, 0.333, 0.333], [0.0, 0.0, 0.0]]
    """
    half = (ksize - 1) / 2.0
    t = np.linspace(-half * min(1.0, 1.0 - direction), half * min(1.0, 1.0 + direction), ksize)
    rad = math.radians(angle)
    x = np.clip(np.rint(half + t * math.cos(rad)), 0, ksize - 1).astype(np.intp)
    y = np.clip(np.rint(half - t * math.sin(rad)), 0, ksize - 1).astype(np.intp)
    kernel = np.bincount(y * ksize + x, minlength=ksize * ksize).astype(np.float32)
    kernel /= np.float32(ksize)
    return kernel.reshape(ksize, ksize)


def motion_blur(img: np.ndarray, ksize: int, angle: float, direction: float) -> np.ndarray:
    """Average along a line (:func:`motion_kernel`) with ``cv2.filter2D``, borders reflected.

    uint8 results are rounded (OpenCV's saturating cast); the kernel is non-negative with
    sum 1, so float32 results stay in [0, 1] up to rounding and are clipped.
    """
    kernel = motion_kernel(ksize, angle, direction)
    return _clipped(
        by_channel_groups(img, lambda x: cv2.filter2D(x, -1, kernel, borderType=cv2.BORDER_REFLECT_101))
    )
