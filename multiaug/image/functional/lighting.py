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

from ._opencv import contiguous
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
    xyz = (x / y, 1.0, (1.0 - x - y) / y)
    # plain float arithmetic, not ``@`` (BLAS): the same bits on every CPU
    return np.array([r[0] * xyz[0] + r[1] * xyz[1] + r[2] * xyz[2] for r in _XYZ_TO_SRGB.tolist()])


def planckian_gains(temperature: float, mode: str) -> tuple[float, float, float]:
    """The ``(R, G, B)`` gains of light at ``temperature`` K: ``(R / G, 1, B / G)`` (see the module)."""
    x, y = planckian_xy(temperature) if mode == "blackbody" else daylight_xy(temperature)
    r, g, b = np.maximum(xy_to_linear_srgb(x, y), 0.0).tolist()
    return r / g, 1.0, b / g


def channel_gains(img: np.ndarray, gains: Sequence[float]) -> np.ndarray:
    """Multiply the first ``len(gains)`` channels by ``gains``, clipped to the range (alpha untouched).

    uint8: one ``cv2.transform`` with the diagonal matrix of the gains (saturated, rounded to
    nearest with the gains in float32: a value on an exact half may round the other way than
    in float64; a gain of 1 keeps its channel exactly). About 3x faster on a photo than a
    3-channel ``cv2.LUT`` and 6x faster than a copy plus a lookup per changed channel.
    float32: a multiply, clipped to 1. RGB or RGBA.
    """
    factors = [*gains, *([1.0] * (n_channels(img) - len(gains)))]
    if img.dtype == np.float32:
        out = img * np.asarray(factors, np.float32)
        return np.minimum(out, np.float32(1.0), out=out)
    return cv2.transform(contiguous(img), np.diag(factors).astype(np.float32))


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
def _box(work: np.ndarray, cx: int, cy: int, radius: int) -> tuple[int, int, int, int] | None:
    """``(top, bottom, left, right)`` of the disk's bounding box inside ``work``; None when outside."""
    h, w = work.shape[:2]
    top, bottom = max(0, cy - radius), min(h, cy + radius + 1)
    left, right = max(0, cx - radius), min(w, cx + radius + 1)
    return (top, bottom, left, right) if top < bottom and left < right else None


def _blend(work: np.ndarray, box: tuple[int, int, int, int], keep: np.ndarray, colour: np.ndarray) -> None:
    """``work = keep * work + (1 - keep) * colour`` on ``box``, in place (``keep == 1``: pixel kept).

    uint8: one ``cv2.blendLinear`` (rounded); float32: NumPy (``cv2.blendLinear`` divides by
    the weights' sum, which moves even the kept pixels by a float rounding).
    """
    top, bottom, left, right = box
    if work.dtype == np.float32:
        region = work[top:bottom, left:right]
        k = keep[..., None] if region.ndim == 3 else keep
        region *= k
        region += colour * (np.float32(1.0) - k)
        return
    view = work[top:bottom, left:right]
    region = contiguous(view)  # whole rows of ``work``: the view itself, blended in place
    row = np.empty(region.shape[1:], region.dtype)
    row[...] = colour  # one row, then copied down: much faster than a broadcast fill of the whole box
    light = np.ascontiguousarray(np.broadcast_to(row, region.shape))
    blended = cv2.blendLinear(region, light, keep, np.float32(1.0) - keep, dst=region)
    if not np.shares_memory(region, work):
        view[...] = blended.reshape(view.shape)


def _squared_distances(box: tuple[int, int, int, int], cx: int, cy: int) -> np.ndarray:
    """``(y - cy) ** 2 + (x - cx) ** 2`` over ``box`` (int32)."""
    top, bottom, left, right = box
    dy2 = (np.arange(top, bottom, dtype=np.int32) - cy) ** 2
    dx2 = (np.arange(left, right, dtype=np.int32) - cx) ** 2
    return dy2[:, None] + dx2[None, :]


def _blend_disk(work: np.ndarray, cx: int, cy: int, radius: int, alpha: float, colour: np.ndarray) -> None:
    """``work = (1 - alpha) * work + alpha * colour`` on the disk ``|p - c| <= radius`` (in place)."""
    box = _box(work, cx, cy, radius)
    if box is not None:
        outside = _squared_distances(box, cx, cy) > radius * radius
        _blend(work, box, np.where(outside, np.float32(1.0), np.float32(1.0 - alpha)), colour)


def _sun(work: np.ndarray, cx: int, cy: int, src_radius: int, max_alpha: float, colour: np.ndarray) -> None:
    """The sun: ``src_radius // 10`` concentric disks blended from the inside out (in place).

    Disk ``i`` of ``n`` has radius ``int(linspace(1, src_radius, n)[i])`` and alpha
    ``a[n - 1 - i] ** 3`` with ``a = linspace(0, max_alpha, n)``, as Albumentations' overlay
    method; a pixel at distance ``d`` is blended by every disk that holds it, which is one
    weight: ``v * f + colour * (1 - f)``, ``f = prod(1 - alpha_i)`` over those disks
    (``cv2.blendLinear``, rounded once for uint8).
    """
    n = src_radius // 10
    radii = np.linspace(1, src_radius, num=max(n, 1)).astype(np.int64)
    box = _box(work, cx, cy, int(radii[-1]))
    if n < 1 or box is None:
        return
    alphas = np.linspace(0.0, max_alpha, num=n)[::-1] ** 3
    # keep[k]: the product over the disks k..n-1 (those a pixel inside disk k is inside too)
    keep = np.append(np.cumprod((1.0 - alphas)[::-1])[::-1], 1.0).astype(np.float32)
    d2 = _squared_distances(box, cx, cy)
    # the weight of each squared distance 0..max: keep[k] from just past disk k-1 to disk k
    ends = np.append(radii * radii + 1, int(d2.max()) + 1)
    by_d2 = np.repeat(keep, np.diff(ends, prepend=0).clip(0))
    _blend(work, box, by_d2[d2], colour)


def sun_flare(
    img: np.ndarray,
    center: Sequence[int],
    src_radius: int,
    src_color: Sequence[float],
    circles: Sequence[Sequence[float]],
) -> np.ndarray:
    """A lens flare: translucent circles, then a bright sun at ``center`` (Albumentations' overlay method).

    ``circles`` are ``[x, y, radius, alpha, r, g, b]`` (colours in 0-255 whatever the dtype):
    each blends its colour with weight ``alpha`` into the pixels of its disk, in order
    (``cv2.blendLinear``; uint8: rounded after each). The sun (:func:`_sun`) then fades from ``src_color`` at
    ``center`` to nothing at ``src_radius`` pixels, its peak weight 5 times the circles'
    alpha averaged with weights ``radius`` (at most 1). RGB; RGBA keeps its alpha.
    """
    scale = np.float32(1.0 if img.dtype == np.uint8 else 1.0 / 255.0)
    work = img[..., :3].copy() if n_channels(img) == 4 else img.copy()  # never a view of the input
    weighted, total = 0.0, 0.0
    for x, y, radius, alpha, *rgb in circles:
        weighted += alpha * radius
        total += radius
        _blend_disk(work, int(x), int(y), int(radius), float(alpha), np.asarray(rgb, np.float32) * scale)
    max_alpha = min(weighted / total * 5.0, 1.0) if total else 0.0
    cx, cy = (int(v) for v in center)
    light = (
        np.rint(np.asarray(src_color, np.float32)) if img.dtype == np.uint8 else np.asarray(src_color) * scale
    )
    _sun(work, cx, cy, int(src_radius), max_alpha, np.asarray(light, np.float32))
    if n_channels(img) == 4:
        out = img.copy()
        out[..., :3] = work
        return out
    return work
