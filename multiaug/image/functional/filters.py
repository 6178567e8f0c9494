"""Filter kernels: Gaussian blur and sharpening (OpenCV); plain functions of arrays and numbers.

Borders are reflected without repeating the edge pixel (OpenCV's default,
``BORDER_REFLECT_101``). Any channel count is accepted; dtype and layout are kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

__all__ = ["blur_kernel_size", "gaussian_blur", "sharpen", "sharpen_kernel"]


def blur_kernel_size(sigma: float) -> int:
    """Odd kernel side covering +/- 3 sigma: ``2 * round(3 * sigma) + 1`` (halves up), as OpenCV for uint8.

    Below ``sigma = 1/6`` that is 1: the kernel's neighbours would weigh less
    than 1e-8, so the image is returned unchanged.
    """
    return 2 * math.floor(3.0 * sigma + 0.5) + 1


def _filter(img: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Run an OpenCV filter ``fn`` on ``img`` in the input's layout, clipping float results to [0, 1].

    OpenCV filters take a bounded number of channels (128 in OpenCV 5, 512 in
    4.x); filters act on each channel alone, so wider images are filtered four
    channels at a time, which gives the same values.
    """
    src = img if img.flags.c_contiguous else np.ascontiguousarray(img)
    if img.ndim == 3 and img.shape[2] > 4:
        out = np.concatenate([_filter(src[..., i : i + 4], fn) for i in range(0, img.shape[2], 4)], axis=2)
    else:
        out = fn(src).reshape(img.shape)  # cv2 drops a trailing 1-channel axis
    if img.dtype == np.float32:
        np.clip(out, 0.0, 1.0, out=out)
    return out


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
    return _filter(img, lambda x: cv2.sepFilter2D(x, -1, kernel, kernel, borderType=cv2.BORDER_REFLECT_101))


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
    return _filter(img, lambda x: cv2.filter2D(x, -1, kernel, borderType=cv2.BORDER_REFLECT_101))
