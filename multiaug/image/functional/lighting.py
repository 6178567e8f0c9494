"""Lighting kernels: polygon shadows, Planckian colour temperature, sun flares (OpenCV + NumPy).

Plain functions of an image and drawn numbers: no randomness, no validation. Images are
``uint8`` or ``float32`` in ``[0, 1]``; the output has the input's dtype and shape. With
four channels the last one is alpha and is left untouched (the colour-kernel convention of
:mod:`multiaug.image.functional.colour`).

Colour temperature
------------------
:func:`planckian_gains` computes the channel gains from published formulas, not from a table:

* ``"blackbody"``: the chromaticity ``(x, y)`` of the Planckian locus at ``T`` kelvin by the
  cubic-spline approximation of Kim et al. (2002; US patent 7,024,034), valid for
  1667-25000 K and within about 1e-3 of the exact locus;
* ``"cied"``: the CIE daylight locus (CIE 15:2004, eq. 3.3-3.4), valid for 4000-25000 K
  (6504 K gives D65, 5003 K gives D50);
* ``(x, y)`` becomes ``XYZ = (x / y, 1, (1 - x - y) / y)`` and linear sRGB through the
  IEC 61966-2-1 matrix (sRGB's white is D65, so CIE D at 6504 K gives equal channels);
* the gains are ``(R / G, 1, B / G)`` (negative components, which only the reddest
  blackbody temperatures below about 1900 K reach, are clamped to 0). As Albumentations
  does, they multiply the stored (gamma-encoded) values and green is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .colour import n_channels

__all__ = [
    "BLACKBODY_RANGE",
    "CIED_RANGE",
    "channel_gains",
    "daylight_xy",
    "planckian_gains",
    "planckian_xy",
    "shadow",
    "sun_flare",
    "xy_to_linear_srgb",
]

#: Temperatures (kelvin) each formula is published for.
BLACKBODY_RANGE = (1667.0, 25000.0)
CIED_RANGE = (4000.0, 25000.0)

#: XYZ -> linear sRGB (IEC 61966-2-1:1999, D65 white).
_XYZ_TO_SRGB = np.array(
    [[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]],
)


def planckian_xy(temperature: float) -> tuple[float, float]:
    """CIE 1931 ``(x, y)`` of a black body at ``temperature`` K (Kim et al.'s cubic spline)."""
    t = float(temperature)
    if t <= 4000.0:
        x = -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390
    if t <= 2222.0:
        y = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    elif t <= 4000.0:
        y = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    return x, y


def daylight_xy(temperature: float) -> tuple[float, float]:
    """CIE 1931 ``(x, y)`` of CIE daylight (the D series) at correlated temperature ``temperature`` K."""
    t = float(temperature)
    if t <= 7000.0:
        x = 0.244063 + 0.09911e3 / t + 2.9678e6 / t**2 - 4.6070e9 / t**3
    else:
        x = 0.237040 + 0.24748e3 / t + 1.9018e6 / t**2 - 2.0064e9 / t**3
    return x, -3.0 * x * x + 2.870 * x - 0.275


def xy_to_linear_srgb(x: float, y: float) -> np.ndarray:
    """Linear sRGB of the chromaticity ``(x, y)`` at luminance ``Y = 1`` (IEC 61966-2-1 matrix)."""
    xyz = np.array([x / y, 1.0, (1.0 - x - y) / y])
    return _XYZ_TO_SRGB @ xyz


def planckian_gains(temperature: float, mode: str) -> tuple[float, float, float]:
    """The ``(R, G, B)`` gains of light at ``temperature`` K: ``(R / G, 1, B / G)`` (see the module)."""
    x, y = planckian_xy(temperature) if mode == "blackbody" else daylight_xy(temperature)
    r, g, b = np.maximum(xy_to_linear_srgb(x, y), 0.0).tolist()
    return r / g, 1.0, b / g


def channel_gains(img: np.ndarray, gains: Sequence[float]) -> np.ndarray:
    """Multiply the first ``len(gains)`` channels by ``gains``, clipped to the range (alpha untouched).

    ``uint8``: one lookup table per channel (rounded); ``float32``: a multiply and a clip.
    """
    channels = n_channels(img)
    factors = [*gains, *([1.0] * (channels - len(gains)))]
    if img.dtype == np.uint8:
        levels = np.arange(256, dtype=np.float64)[:, None] * np.asarray(factors)[None, :]
        table = np.clip(np.rint(levels), 0, 255).astype(np.uint8).reshape(256, 1, channels)
        src = img if img.flags.c_contiguous else np.ascontiguousarray(img)
        return cv2.LUT(src, table)
    out = img * np.asarray(factors, np.float32)
    return np.clip(out, 0.0, 1.0, out=out)


# ---------------------------------------------------------------------- shadows
def _polygon_mask(points: np.ndarray) -> tuple[np.ndarray, int, int]:
    """``cv2.fillPoly`` of ``points`` on the polygon's bounding box: ``(bool mask, top, left)``."""
    left, top = points.min(axis=0).tolist()
    right, bottom = (points.max(axis=0) + 1).tolist()
    mask = np.zeros((bottom - top, right - left), np.uint8)
    cv2.fillPoly(mask, [points - np.array([left, top], np.int32)], 1)
    return mask.view(bool), top, left


def shadow(
    img: np.ndarray, polygons: Sequence[Sequence[Sequence[int]]], intensities: Sequence[float]
) -> np.ndarray:
    """Darken the pixels inside each polygon by ``1 - intensity`` (Albumentations' ``add_shadow``).

    Each polygon (``[[x, y], ...]`` integer pixel vertices) is rasterised with
    ``cv2.fillPoly``; the pixels inside are multiplied by ``1 - intensity`` (uint8:
    rounded), every channel but an RGBA image's alpha. Overlapping shadows darken twice,
    in order. Pixels outside every polygon keep their values exactly.
    """
    out = img.copy()
    colour = out[..., :3] if n_channels(img) == 4 else out
    for vertices, intensity in zip(polygons, intensities, strict=True):
        points = np.asarray(vertices, np.int32).reshape(-1, 2)
        inside, top, left = _polygon_mask(points)
        region = colour[top : top + inside.shape[0], left : left + inside.shape[1]]
        keep = 1.0 - float(intensity)
        if img.dtype == np.uint8:
            table = np.rint(np.arange(256) * keep).astype(np.uint8)
            region[inside] = table[region[inside]]
        else:
            region[inside] *= np.float32(keep)
    return out


# ---------------------------------------------------------------------- sun flare
def _blend_disk(work: np.ndarray, cx: int, cy: int, radius: int, alpha: float, colour: np.ndarray) -> None:
    """``work = (1 - alpha) * work + alpha * colour`` on the disk ``|p - c| <= radius`` (in place)."""
    h, w = work.shape[:2]
    top, bottom = max(0, cy - radius), min(h, cy + radius + 1)
    left, right = max(0, cx - radius), min(w, cx + radius + 1)
    if top >= bottom or left >= right:
        return
    ys = (np.arange(top, bottom) - cy) ** 2
    xs = (np.arange(left, right) - cx) ** 2
    inside = ys[:, None] + xs[None, :] <= radius * radius
    region = work[top:bottom, left:right]
    region[inside] = region[inside] * np.float32(1.0 - alpha) + colour * np.float32(alpha)


def _sun(work: np.ndarray, cx: int, cy: int, src_radius: int, max_alpha: float, colour: np.ndarray) -> None:
    """The sun: ``src_radius // 10`` concentric disks blended from the inside out (in place).

    Disk ``i`` of ``n`` has radius ``int(linspace(1, src_radius, n)[i])`` and alpha
    ``a[n - 1 - i] ** 3`` with ``a = linspace(0, max_alpha, n)``, as Albumentations' overlay
    method; a pixel at distance ``d`` is blended by every disk that holds it, which is one
    product: ``colour + (v - colour) * prod(1 - alpha_i)`` over those disks.
    """
    n = src_radius // 10
    if n < 1:
        return
    radii = np.linspace(1, src_radius, num=n).astype(np.int64)
    alphas = np.linspace(0.0, max_alpha, num=n)[::-1] ** 3
    # keep[k]: the product over the disks k..n-1 (those a pixel inside disk k is inside too)
    keep = np.append(np.cumprod((1.0 - alphas)[::-1])[::-1], 1.0)
    h, w = work.shape[:2]
    r = int(radii[-1])
    top, bottom = max(0, cy - r), min(h, cy + r + 1)
    left, right = max(0, cx - r), min(w, cx + r + 1)
    if top >= bottom or left >= right:
        return
    d2 = (np.arange(top, bottom)[:, None] - cy) ** 2 + (np.arange(left, right)[None, :] - cx) ** 2
    factor = keep[np.searchsorted(radii * radii, d2, side="left")].astype(np.float32)
    region = work[top:bottom, left:right]
    factor = factor[..., None] if region.ndim == 3 else factor
    region -= colour
    region *= factor
    region += colour


def sun_flare(
    img: np.ndarray,
    center: Sequence[int],
    src_radius: int,
    src_color: Sequence[float],
    circles: Sequence[Sequence[float]],
) -> np.ndarray:
    """A lens flare: translucent circles, then a bright sun at ``center`` (Albumentations' overlay method).

    ``circles`` are ``[x, y, radius, alpha, r, g, b]`` (colours in 0-255 whatever the dtype):
    each blends its colour with weight ``alpha`` into the pixels of its disk, in order. The
    sun (:func:`_sun`) then fades from ``src_color`` at ``center`` to nothing at
    ``src_radius`` pixels, its peak weight 5 times the circles' alpha averaged with weights
    ``radius`` (at most 1). Works on RGB (RGBA keeps its alpha) in float32; uint8 is rounded.
    """
    scale = 1.0 if img.dtype == np.float32 else 255.0
    work = img[..., :3].astype(np.float32) if img.dtype == np.uint8 else img[..., :3].copy()
    if img.dtype == np.uint8:
        work *= np.float32(1.0 / 255.0)
    weighted, total = 0.0, 0.0
    for x, y, radius, alpha, *rgb in circles:
        weighted += alpha * radius
        total += radius
        _blend_disk(work, int(x), int(y), int(radius), float(alpha), np.asarray(rgb, np.float32) / 255.0)
    max_alpha = min(weighted / total * 5.0, 1.0) if total else 0.0
    cx, cy = (int(v) for v in center)
    _sun(work, cx, cy, int(src_radius), max_alpha, np.asarray(src_color, np.float32) / 255.0)
    np.clip(work, 0.0, 1.0, out=work)
    if img.dtype == np.uint8:
        work = np.rint(work * np.float32(scale)).astype(np.uint8)
    if n_channels(img) == 4:
        out = img.copy()
        out[..., :3] = work
        return out
    return work
