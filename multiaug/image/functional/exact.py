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

__all__ = ["filter2d_u8", "fixed_kernel"]

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
