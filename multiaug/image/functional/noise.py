"""Noise kernels: plain functions of arrays and numbers (NumPy + OpenCV).

Every random field is generated from a ``noise_seed`` (a number drawn by the
transform's ``make_params``), so the parameters of one application are a few
numbers, not an array, and replaying them reproduces the field exactly. The
generator is NumPy's SFC64 bit generator seeded with that number; nothing
here touches a global RNG (``np.random.*`` functions, ``cv2.randn``).
"""

from __future__ import annotations

import functools
import math
import statistics
import sys

import cv2
import numpy as np

__all__ = [
    "gaussian_noise",
    "iso_noise",
    "normal_quantiles",
    "poisson_quantiles",
    "salt_pepper_noise",
    "uniform16",
]

_Q = 65536  # 16-bit uniforms: one quantile of the normal per value


def uniform16(noise_seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform 16-bit integers of ``shape`` from ``noise_seed`` (the same on every platform)."""
    n = int(np.prod(shape))
    raw = np.random.SFC64(noise_seed).random_raw((n + 3) // 4)
    if sys.byteorder != "little":  # pragma: no cover - read the 64-bit words as little-endian everywhere
        raw = raw.byteswap()
    return raw.view(np.uint16)[:n].reshape(shape)


@functools.cache
def normal_quantiles() -> np.ndarray:
    """The standard normal's quantiles at ``(u + 0.5) / 65536`` for ``u`` in ``0..65535`` (float64).

    Looking 16-bit uniforms up in this table is inverse-CDF sampling: each
    value's probability is exact to 1/65536 and the tails stop at +/- 4.3 sigma.
    """
    inv = statistics.NormalDist().inv_cdf
    half = np.array([inv((u + 0.5) / _Q) for u in range(_Q // 2, _Q)])
    return np.concatenate([-half[::-1], half])  # symmetric by construction


def gaussian_noise(img: np.ndarray, std: float, noise_seed: int) -> np.ndarray:
    """Add zero-mean Gaussian noise of ``std`` (a fraction of the full range), clipped to the range.

    Sampled by inverse CDF from 16-bit uniforms (:func:`normal_quantiles`),
    which costs a lookup per value instead of a Ziggurat draw. For ``uint8``
    images the table is rounded to integers first: for an integer pixel ``x``,
    ``round(x + n) == x + round(n)``, so this is the same distribution as adding
    float noise and rounding, with the noise held in 8 or 16 bits.
    """
    if std <= 0.0:
        return img.copy()
    src = np.ascontiguousarray(img)
    flat = src.reshape(src.shape[0], -1)  # one channel of width W*C: no channel limit in OpenCV
    u = uniform16(noise_seed, flat.shape)
    # A 65536-entry lookup by 16-bit index: NumPy's take, because cv2.LUT takes 8-bit indices only
    # before OpenCV 5 (4.10 and 4.12 raise on a uint16 source).
    if img.dtype == np.uint8:
        out = cv2.add(flat, np.take(_integer_table(std * 255.0), u), dtype=cv2.CV_8U)  # saturates
    else:
        out = np.take((normal_quantiles() * std).astype(np.float32), u)
        out += flat
        np.clip(out, 0.0, 1.0, out=out)
    return out.reshape(img.shape)


def _integer_table(sigma: float) -> np.ndarray:
    """``round(sigma * z)`` (halves up) for every quantile ``z``, as int8 when it fits (half the traffic).

    Built from the few rounding edges (a search of about 2 * 4.3 * sigma
    values) instead of 65536 multiplications: the table is a run of each
    integer, as long as the number of quantiles that round to it.
    """
    z = normal_quantiles()
    k_max = math.floor(z[-1] * sigma + 0.5)
    ks = np.arange(-k_max, k_max + 1)
    edges = np.searchsorted(z, (ks[:-1] + 0.5) / sigma)  # quantiles below each rounding edge
    counts = np.diff(edges, prepend=0, append=_Q)
    return np.repeat(ks, counts).astype(np.int8 if k_max <= 127 else np.int16)


def salt_pepper_noise(img: np.ndarray, amount: float, salt_vs_pepper: float, noise_seed: int) -> np.ndarray:
    """Set a fraction ``amount`` of the pixels (all their channels) to the maximum or to 0.

    Each pixel draws one 16-bit uniform ``u``: ``u < amount * salt_vs_pepper * 2**16`` gives
    salt (255 or 1.0), ``u < amount * 2**16`` otherwise gives pepper (0).
    """
    h, w = img.shape[:2]
    u = uniform16(noise_seed, (h * w,))
    hit = np.flatnonzero(u < round(amount * _Q))
    salt = u[hit] < round(amount * salt_vs_pepper * _Q)
    out = img.copy()
    flat = out.reshape(h * w, -1)
    flat[hit[salt]] = 255 if img.dtype == np.uint8 else 1.0
    flat[hit[~salt]] = 0
    return out


def poisson_quantiles(lam: float) -> np.ndarray:
    """The Poisson(``lam``) quantiles at ``(u + 0.5) / 65536`` for ``u`` in ``0..65535`` (int32).

    Looking 16-bit uniforms up in this table samples the distribution by inverse CDF
    (each value's probability exact to 1/65536; the far tail, beyond the last quantile,
    is cut), at the cost of one lookup per value instead of a Poisson draw.
    """
    if lam <= 0.0:
        return np.zeros(_Q, np.int32)
    k_max = int(lam + 12.0 * math.sqrt(lam) + 30.0)
    k = np.arange(k_max + 1)
    log_pmf = k * math.log(lam) - lam - np.array([math.lgamma(v + 1.0) for v in k])
    cdf = np.cumsum(np.exp(log_pmf))
    u = (np.arange(_Q) + 0.5) / _Q
    return np.minimum(np.searchsorted(cdf, u), k_max).astype(np.int32)


def iso_noise(img: np.ndarray, color_shift: float, intensity: float, noise_seed: int) -> np.ndarray:
    """Camera sensor noise on an RGB (or RGBA, alpha kept) image: Albumentations' ``ISONoise`` maths.

    In float HLS (hue in degrees, lightness and saturation in [0, 1]) every pixel gets
    a hue shift drawn from ``N(0, color_shift * 360 * intensity)`` (wrapped to [0, 360)) and a
    lightness gain ``L += n / 255 * (1 - L)`` with ``n`` drawn from
    ``Poisson(std(L) * intensity * 255)``; back in RGB the result is clipped to [0, 1]
    (uint8: rounded). Both fields are sampled by inverse CDF from 16-bit uniforms of
    ``noise_seed`` (:func:`poisson_quantiles`, :func:`normal_quantiles`): a lookup per
    value, several times faster than NumPy's Poisson and normal draws.

    Examples
    --------
    >>> img = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    >>> out = iso_noise(img, 0.05, 0.5, noise_seed=1)
    >>> out.shape, out.dtype, bool((out != img).any())
    ((8, 8, 3), dtype('uint8'), True)
    """
    rgb = img[..., :3]
    x = rgb.astype(np.float32) / np.float32(255.0) if img.dtype == np.uint8 else np.ascontiguousarray(rgb)
    hls = cv2.cvtColor(x, cv2.COLOR_RGB2HLS)
    hue, light = hls[..., 0], hls[..., 1]
    _, std = cv2.meanStdDev(hls)
    u = uniform16(noise_seed, (2, *hue.shape))
    gain = np.take((poisson_quantiles(float(std[1, 0]) * intensity * 255.0) / 255.0).astype(np.float32), u[0])
    np.multiply(gain, np.float32(1.0) - light, out=gain)
    np.add(light, gain, out=light)
    sigma = color_shift * 360.0 * intensity
    if sigma > 0:
        np.add(hue, np.take((normal_quantiles() * sigma).astype(np.float32), u[1]), out=hue)
        outside = (hue < 0) | (hue >= 360.0)
        if outside.any():  # wrap the few hues pushed past a full turn
            hue[outside] = np.mod(hue[outside], np.float32(360.0))
    out = cv2.cvtColor(hls, cv2.COLOR_HLS2RGB)
    np.clip(out, 0.0, 1.0, out=out)
    if img.dtype == np.uint8:
        out = cv2.convertScaleAbs(out, alpha=255.0)
    if img.shape[2] == 4:
        out = np.dstack([out, img[..., 3]])
    return out
