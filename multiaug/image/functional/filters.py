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
from .exact import filter2d_u8, gaussian_blur_u8

__all__ = [
    "MEDIAN_FLOAT_SIZES",
    "blur_kernel_size",
    "defocus",
    "defocus_kernel",
    "emboss",
    "emboss_kernel",
    "gaussian_blur",
    "median_blur",
    "motion_blur",
    "motion_kernel",
    "sharpen",
    "sharpen_kernel",
    "zoom_blur",
    "zoom_factors",
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

    float32 images: ``cv2.sepFilter2D`` with ``cv2.getGaussianKernel`` in float32, the same as
    ``cv2.GaussianBlur``. uint8 images: :func:`~multiaug.image.functional.exact.gaussian_blur_u8`,
    the same bytes on every CPU: ``cv2.GaussianBlur``'s 8-bit fixed point up to 15 taps
    (sigma < 2.5), two exact float32 passes for wider kernels; within 1 level of the exact
    Gaussian on 99.9 % of a photo's values (at most 1.6).
    """
    size = blur_kernel_size(sigma)
    if size == 1:
        return img.copy()
    if img.dtype == np.uint8:
        return by_channel_groups(img, lambda x: gaussian_blur_u8(x, size, sigma, cv2.BORDER_REFLECT_101))
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


def _filter3x3(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``cv2.filter2D`` (correlation, reflected borders) of every channel, saturated (uint8) or clipped.

    uint8 images go through :func:`~multiaug.image.functional.exact.filter2d_u8`: the same bytes
    on every CPU (the kernel on a 2**-13 grid, ties rounded up).
    """
    if img.dtype == np.uint8:
        return by_channel_groups(img, lambda x: filter2d_u8(x, kernel, cv2.BORDER_REFLECT_101))
    return _clipped(
        by_channel_groups(img, lambda x: cv2.filter2D(x, -1, kernel, borderType=cv2.BORDER_REFLECT_101))
    )


def sharpen(img: np.ndarray, alpha: float, lightness: float) -> np.ndarray:
    """Blend with a sharpened copy: ``cv2.filter2D`` with :func:`sharpen_kernel`, saturated/clipped."""
    return _filter3x3(img, sharpen_kernel(alpha, lightness))


def emboss_kernel(alpha: float, strength: float) -> np.ndarray:
    """Albumentations' (imgaug's) 3x3 emboss kernel blended with the identity by ``alpha``.

    The effect kernel is ``[[-1 - s, -s, 0], [-s, 1, s], [0, s, 1 + s]]``: a relief lit from
    the top left (its weights sum to 1, so flat regions keep their value).
    """
    effect = np.array([[-1 - strength, -strength, 0], [-strength, 1, strength], [0, strength, 1 + strength]])
    kernel = alpha * effect
    kernel[1, 1] += 1.0 - alpha
    return kernel.astype(np.float32)


def emboss(img: np.ndarray, alpha: float, strength: float) -> np.ndarray:
    """Blend with an embossed copy: ``cv2.filter2D`` with :func:`emboss_kernel`, saturated/clipped."""
    return _filter3x3(img, emboss_kernel(alpha, strength))


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


def defocus_kernel(radius: int, alias_blur: float) -> np.ndarray:
    """A disc of ``radius`` pixels (``x**2 + y**2 <= radius**2``) smoothed by a Gaussian of ``alias_blur``
    sigma, normalised to sum 1 (float32).

    The Gaussian is 3 taps wide (5 above radius 8, as Albumentations' ``Defocus``); the disc is
    padded with zeros so the smoothing spreads past its edge. Taps below 1/1000 of the peak are
    dropped (``cv2.filter2D`` costs in proportion to the non-zero taps).

    Examples
    --------
    >>> k = defocus_kernel(2, 0.0)
    >>> k.shape, int((k > 0).sum())  # a 5x5 disc (13 cells) with a zero border
    ((7, 7), 13)
    """
    ksize = 3 if radius <= 8 else 5
    pad = ksize // 2
    side = np.arange(-radius - pad, radius + pad + 1)
    disc = ((side[:, None] ** 2 + side[None, :] ** 2) <= radius**2).astype(np.float32)
    if alias_blur > 0:
        disc = np.asarray(cv2.GaussianBlur(disc, (ksize, ksize), alias_blur, borderType=cv2.BORDER_CONSTANT))
        # cv2.filter2D visits only the non-zero taps: drop the faint ones the blur spreads into corners
        disc[disc < disc.max() * np.float32(1e-3)] = 0.0
    return disc / disc.sum()


def defocus(img: np.ndarray, radius: int, alias_blur: float) -> np.ndarray:
    """Out-of-focus blur: ``cv2.filter2D`` with :func:`defocus_kernel`, borders reflected; any channels."""
    kernel = defocus_kernel(radius, alias_blur)
    return _clipped(
        by_channel_groups(img, lambda x: cv2.filter2D(x, -1, kernel, borderType=cv2.BORDER_REFLECT_101))
    )


def zoom_factors(max_factor: float, step_factor: float) -> list[float]:
    """The zooms of :func:`zoom_blur`: ``1 + k * step_factor`` for ``k = 1, 2, ...`` below ``max_factor``.

    (A step that divides the span evenly stops one short of ``max_factor``, despite rounding.)

    Examples
    --------
    >>> zoom_factors(1.3, 0.1), len(zoom_factors(1.31, 0.01))
    ([1.1, 1.2], 30)
    """
    count = math.ceil((max_factor - 1.0) / step_factor - 1e-9) - 1 if step_factor > 0 else 0
    return [1.0 + k * step_factor for k in range(1, max(count, 0) + 1)]


def zoom_blur(img: np.ndarray, max_factor: float, step_factor: float) -> np.ndarray:
    """The mean of the image and its zooms about the centre by each of :func:`zoom_factors`.

    Each zoom is one ``cv2.warpAffine`` (bilinear) straight to the image size, summed in
    float32 (``cv2.accumulate``); uint8 results are rounded. No zoom (``max_factor`` within one
    step of 1) returns a copy. Any channel count.

    Examples
    --------
    >>> img = np.zeros((9, 9), np.uint8)
    >>> img[:, 6] = 210  # a line right of the centre: the zooms (1.2, 1.4) move it outwards
    >>> zoom_blur(img, 1.5, 0.2)[4].tolist()
    [0, 0, 0, 0, 0, 0, 147, 95, 10]
    """
    factors = zoom_factors(max_factor, step_factor)
    if not factors:
        return img.copy()
    h, w = img.shape[:2]
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0

    def blur(x: np.ndarray) -> np.ndarray:
        acc = x.astype(np.float32)
        for z in factors:
            m = np.array([[z, 0.0, (1.0 - z) * cx], [0.0, z, (1.0 - z) * cy]])
            zoomed = cv2.warpAffine(x, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            cv2.accumulate(zoomed, acc)
        scale = 1.0 / (len(factors) + 1)
        if x.dtype == np.uint8:
            return cv2.convertScaleAbs(acc, alpha=scale).reshape(x.shape)
        acc *= np.float32(scale)
        return acc.reshape(x.shape)

    return _clipped(by_channel_groups(img, blur))
