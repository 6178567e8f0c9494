"""Elementary functions whose results do not depend on the CPU.

NumPy picks its ``sin``, ``cos``, ``arctan2``, ``exp``, complex and FFT loops at run time by
CPU feature (AVX-512, AVX2, baseline), and their last bits differ between those paths (checked
with ``NPY_DISABLE_CPU_FEATURES``). The phase vocoder makes discrete decisions (spectral peaks),
so a last-bit change can flip one and move its output by far more than the change. Everything
here uses only IEEE add, subtract, multiply, divide, ``rint``, integer ops and comparisons,
elementwise: the same bits on every CPU for the same NumPy build. (``scipy.fft``, pocketfft
without run-time dispatch, is the vocoder's FFT for the same reason.)
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

__all__ = ["atan2", "hann", "sincos_pi"]

_PI = math.pi


def sincos_pi(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sin(pi * t), cos(pi * t))`` in ``t``'s float dtype, from arithmetic only (float64: to 3e-14).

    Examples
    --------
    >>> import numpy as np
    >>> s, c = sincos_pi(np.array([0.0, 0.25, 0.5, 1.0, -1.5]))
    >>> (np.round(s, 12) + 0.0).tolist(), (np.round(c, 12) + 0.0).tolist()
    ([0.0, 0.707106781187, 1.0, 0.0, 1.0], [1.0, 0.707106781187, 0.0, -1.0, 0.0])
    """
    t = np.asarray(t)
    if t.dtype != np.float32:
        t = t.astype(np.float64)
    k = np.rint(2 * t)
    r = (t - 0.5 * k) * _PI  # t - k/2 is exact: |r| <= pi/4
    z = r * r
    # Taylor series to r**13 and r**14: within 3e-14 for |r| <= pi/4
    s = r * (
        1
        + z
        * (-1 / 6 + z * (1 / 120 + z * (-1 / 5040 + z * (1 / 362880 + z * (-1 / 39916800 + z / 6227020800)))))
    )
    c = 1 + z * (
        -1 / 2
        + z
        * (
            1 / 24
            + z * (-1 / 720 + z * (1 / 40320 + z * (-1 / 3628800 + z * (1 / 479001600 - z / 87178291200))))
        )
    )
    q = k.astype(np.int64)
    # quadrant selection by arithmetic on 0/1 masks (exact; no branchy np.where)
    odd = (q & 1).astype(t.dtype)
    sin = s * (1 - odd) + c * odd
    cos = c * (1 - odd) + s * odd
    sin *= 1 - 2 * ((q >> 1) & 1).astype(t.dtype)
    cos *= 1 - 2 * (((q + 1) >> 1) & 1).astype(t.dtype)
    return sin, cos


def atan2(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``arctan2(y, x)`` in [-pi, pi] (float32 for float32 input, else float64), to about 1e-7 rad.

    Cephes' ``atanf`` polynomial after reducing to [0, tan(pi / 8)].

    Examples
    --------
    >>> import numpy as np
    >>> y, x = np.array([0.0, 1.0, 1.0, -1.0, -2.0]), np.array([1.0, 1.0, -1.0, -1.0, 0.0])
    >>> bool(np.abs(atan2(y, x) - np.arctan2(y, x)).max() < 3e-7)
    True
    """
    y, x = np.asarray(y), np.asarray(x)
    dtype: Any = np.float32 if y.dtype == x.dtype == np.float32 else np.float64
    y, x = y.astype(dtype, copy=False), x.astype(dtype, copy=False)
    ax, ay = np.abs(x), np.abs(y)
    big, small = np.maximum(ax, ay), np.minimum(ax, ay)
    t = small / (big + (big == 0).astype(dtype))  # in [0, 1]; 0 / 1 where both are 0
    # above tan(pi / 8), reduce with atan(t) = pi/4 + atan((t - 1) / (t + 1)); selections are
    # products with 0/1 masks (exact), not branchy np.where
    high = (t > 0.4142135623730950).astype(dtype)
    u = t * (1 - high) + ((t - 1) / (t + 1)) * high
    z = u * u
    r = ((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1
    r = r * z * u + u
    r += high * (_PI / 4)
    swap = (ay > ax).astype(dtype)  # r = pi/2 - r
    r = r * (1 - 2 * swap) + swap * (_PI / 2)
    left = (x < 0).astype(dtype)  # r = pi - r
    r = r * (1 - 2 * left) + left * _PI
    return np.copysign(r, y)


@functools.lru_cache(maxsize=16)
def hann(n: int) -> np.ndarray:
    """Periodic Hann window ``sin(pi * i / n) ** 2`` (float64); cached, never written to."""
    s, _ = sincos_pi(np.arange(n) / n)
    w = s * s
    w.setflags(write=False)
    return w
