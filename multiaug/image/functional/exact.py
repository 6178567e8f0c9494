"""uint8 linear filters whose bytes do not depend on the CPU (issue 22).

``cv2.filter2D`` filters uint8 images with float32 arithmetic whose rounding depends on the
instruction set OpenCV dispatches to (a fused multiply-add on an AVX2 CPU, two roundings on
an AVX-only one). Where the exact result lies on or next to a half level (a sharpening
kernel of 0.3s puts 4 % of a photo's pixels there), the two round differently, so the same
keyed call gave other bytes on another machine.

:func:`filter2d_u8` removes both causes at no cost: the kernel is rounded to multiples of
``2**-bits`` (``bits`` as large as keeps every partial sum of ``255 * |kernel|``, times two,
below ``2**24``), so every product and partial sum OpenCV forms in float32 is exact whatever
the order, the vector width or the FMA; and ``delta = 2**-(bits + 1)`` (half a step of that
lattice) is added, so the exact result is never a tie. OpenCV's cast then rounds it the same
way on every CPU: the result is the exact filter of the rounded kernel, rounded half up. The
kernel changes by at most ``2**-(bits + 1)`` per tap (about ``2**-13`` for the 3x3 kernels
here), far below the resolution of the drawn parameters.

Examples
--------
>>> img = np.arange(25, dtype=np.uint8).reshape(5, 5) * 10
>>> box = np.full((3, 3), 1 / 9, np.float32)
>>> out = filter2d_u8(img, box, cv2.BORDER_REFLECT_101)
>>> out[2].tolist(), bool((out == cv2.blur(img, (3, 3))).all())
([107, 110, 120, 130, 133], True)
"""

from __future__ import annotations

import math

import cv2
import numpy as np

__all__ = [
    "FIXED_POINT_TAPS",
    "filter2d_u8",
    "fixed_kernel",
    "fixed_point_taps",
    "gaussian_blur_u8",
    "grid_taps",
    "sep_filter_u8",
]

#: float32 represents every integer below 2**24; one bit goes to the half-step delta
_EXACT_SUM = float(1 << 23) / 255.0
_DFT_TAPS = 50  # from this many taps OpenCV may filter through a DFT, which is not exact


def fixed_kernel(kernel: np.ndarray, cap: float = _EXACT_SUM) -> tuple[np.ndarray, int]:
    """``(round(kernel * 2**bits) / 2**bits as float32, bits)`` with ``bits`` the largest (at most
    16) that keeps the rounded taps' magnitudes, times ``2**bits``, summing to at most ``cap``.
    A kernel summing to 1 keeps the sum exactly 1 (its centre tap takes the rounding's remainder).
    """
    k = np.asarray(kernel, np.float64)
    room = (cap - k.size) / max(float(np.abs(k).sum()), 1e-12)  # rounding adds at most 1/2 per tap
    bits = max(0, min(16, math.floor(math.log2(max(room * (1 + 1e-6), 1.0)))))
    q = np.rint(k * (1 << bits))
    if abs(float(k.sum()) - 1.0) < 1e-6:
        q.flat[q.size // 2] += (1 << bits) - q.sum()
    return (q / (1 << bits)).astype(np.float32), bits


def filter2d_u8(x: np.ndarray, kernel: np.ndarray, border: int) -> np.ndarray:
    """``cv2.filter2D(x, -1, kernel, borderType=border)`` for a uint8 ``x``, the same bytes on any CPU.

    Kernels of fewer than 50 taps (OpenCV filters larger ones through a DFT, which is not exact).
    """
    if kernel.size >= _DFT_TAPS:
        raise ValueError(f"filter2d_u8 takes kernels of fewer than {_DFT_TAPS} taps, got {kernel.shape}")
    q, bits = fixed_kernel(kernel)
    return cv2.filter2D(x, -1, q, delta=1.0 / (1 << (bits + 1)), borderType=border)


#: bits of the row kernel (1/16-level intermediate) and of the column kernel in :func:`sep_filter_u8`
ROW_BITS, COL_BITS, SUB_BITS = 15, 11, 4
_ONE = np.ones((1, 1), np.float32)
#: a 3-tap identity: OpenCV's column filter of 3 taps is vectorised, that of 1 tap is scalar (2x slower)
_MIDDLE = np.array([[0.0], [1.0], [0.0]], np.float32)
#: Widest uint8 Gaussian (taps) filtered by OpenCV's fixed-point ``cv2.GaussianBlur``; wider
#: ones by :func:`sep_filter_u8`, which is faster there (slower below).
FIXED_POINT_TAPS = 15


def grid_taps(kernel: np.ndarray, bits: int) -> np.ndarray:
    """Integer taps ``round(kernel * 2**bits)`` of a kernel summing to 1, the centre tap taking the
    remainder so that they sum to exactly ``2**bits`` (float64)."""
    q = np.rint(np.asarray(kernel, np.float64).ravel() * (1 << bits))
    q[q.size // 2] += (1 << bits) - q.sum()
    return q


def sep_filter_u8(x: np.ndarray, kernel: np.ndarray, border: int) -> np.ndarray:
    """``cv2.sepFilter2D(x, -1, kernel, kernel)`` for a uint8 ``x`` and a symmetric non-negative
    ``kernel`` summing to 1 (a Gaussian), the same bytes on any CPU.

    Two passes whose float32 sums are exact in any order (24 bits cannot hold a 2-D kernel's
    grid, the pixel range and a tie-breaking half step at once): the rows with the kernel on a
    ``2**-15`` grid, rounded to 1/16 level into int16 (``4081 * 2**12 < 2**24``), then the
    columns with the kernel on a ``2**-11`` grid (``255 * 2**16 < 2**24``). Each pass adds half
    a step of its grid, so no result is a tie (OpenCV's casts do not round ties alike on every
    CPU). Within 1 level of the exact filter (less than 1 % of values off the rounded one).
    """
    rows = (grid_taps(kernel, ROW_BITS) / (1 << (ROW_BITS - SUB_BITS))).astype(np.float32)
    cols = (grid_taps(kernel, COL_BITS) / (1 << (COL_BITS + SUB_BITS))).astype(np.float32)
    half_row = 1.0 / (1 << (ROW_BITS - SUB_BITS + 1))
    half_col = 1.0 / (1 << (COL_BITS + SUB_BITS + 1))
    mid = cv2.sepFilter2D(x, cv2.CV_16S, rows, _MIDDLE, delta=half_row, borderType=border)
    return cv2.sepFilter2D(mid, cv2.CV_8U, _ONE, cols, delta=half_col, borderType=border)


def gaussian_blur_u8(x: np.ndarray, size: int, sigma: float, border: int) -> np.ndarray:
    """A ``size`` x ``size`` Gaussian blur of a uint8 ``x`` (``sigma`` both ways), the same bytes on any CPU.

    Up to :data:`FIXED_POINT_TAPS` taps OpenCV's ``cv2.GaussianBlur``, whose 8-bit path is
    integer arithmetic (taps :func:`fixed_point_taps`, halves rounded up), bit-exact by
    OpenCV's design; wider kernels :func:`sep_filter_u8` of ``cv2.getGaussianKernel``. Within
    1 level of the exact Gaussian on 99.9 % of a photo's values (at most 1.6 levels off).
    """
    if size <= FIXED_POINT_TAPS:
        return cv2.GaussianBlur(x, (size, size), sigma, sigmaY=sigma, borderType=border)
    return sep_filter_u8(x, cv2.getGaussianKernel(size, sigma, ktype=cv2.CV_32F), border)


def fixed_point_taps(size: int, sigma: float) -> np.ndarray:
    """The integer taps (of 1/256, summing to 256) of OpenCV's fixed-point uint8 ``cv2.GaussianBlur``.

    Read off ``cv2.GaussianBlur`` of an impulse of 255 along a row (a 1-tap column kernel):
    a tap ``m`` comes out as ``floor((255 m + 128) / 256)``, which is ``m`` up to 128; only the
    centre can be larger, and it is 256 minus the others.
    """
    r = size // 2
    row = np.zeros((1, 4 * r + 3), np.uint8)
    row[0, 2 * r + 1] = 255
    out = cv2.GaussianBlur(row, (size, 1), sigma, sigmaY=sigma, borderType=cv2.BORDER_CONSTANT)
    taps = out[0, r + 1 : 3 * r + 2][::-1].astype(np.int64)
    taps[r] = 256 - taps.sum() + taps[r]
    return taps
