"""Weather kernels: fog, rain and snow (OpenCV + NumPy).

Plain functions of an image and drawn numbers. The many particles of fog and rain come from a
``noise_seed`` (NumPy's SFC64 generator seeded with it, as the noise kernels do), so one
application's parameters are a few numbers and replaying them redraws the same particles:
:func:`fog_particles` and :func:`rain_drops` give them, :func:`fog` and :func:`rain` paint them.
Images are ``uint8`` or ``float32`` in ``[0, 1]``; the output keeps dtype and shape; with four
channels the last is alpha and is left untouched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from ._opencv import by_channel_groups, contiguous
from .channels import channel_luts
from .colour import IDENTITY, lut, n_channels

__all__ = ["RAIN_DROPS", "fog", "fog_particles", "rain", "rain_drops", "snow"]

#: Drops per image row of each rain type (Albumentations' counts: height // 3, // 4, x1, x2).
RAIN_DROPS = {"default": (1, 3), "drizzle": (1, 4), "heavy": (1, 1), "torrential": (2, 1)}


def _generator(noise_seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.SFC64(noise_seed))


def _colour(img: np.ndarray) -> np.ndarray:
    """The colour channels of ``img`` (all but an RGBA image's alpha): a new C-contiguous array."""
    return img[..., :3].copy() if n_channels(img) == 4 else img.copy()


def _finish(img: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """``colour`` as the result for ``img``: with ``img``'s alpha restored, in ``img``'s shape."""
    if n_channels(img) == 4:
        out = img.copy()
        out[..., :3] = colour
        return out
    return colour.reshape(img.shape)


def _full(img: np.ndarray) -> float:
    """The top of ``img``'s range: 255 or 1.0."""
    return 255.0 if img.dtype == np.uint8 else 1.0


# ---------------------------------------------------------------------- fog
def fog_particles(height: int, width: int, fog_coef: float, noise_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fog particle centres ``(N, 2)`` as ``(x, y)`` and radii ``(N,)`` (Albumentations' layout).

    Up to ten nested regions centred on the image, each 10% smaller than the last, while
    they are wider and taller than ``max(1, width // 3 * fog_coef)`` (the particle scale
    ``s``); region ``i`` of area ``A`` gets ``int(A / s**2 * fog_coef * 10)`` centres, uniform
    over its integer positions. Radii are uniform integers in
    ``[max(1, r // 2), r)``, ``r = max(2, int(min(height, width) * 0.1 * fog_coef))``.
    """
    rng = _generator(noise_seed)
    size = max(1, int(width // 3 * fog_coef))
    cx, cy = width // 2, height // 2
    cur_w, cur_h = width, height
    chunks = []
    for _ in range(10):
        if cur_w <= size or cur_h <= size:
            break
        n = int(cur_w * cur_h / (size * size) * fog_coef * 10)
        lo = np.array([cx - cur_w // 2, cy - cur_h // 2])
        hi = np.array([cx + cur_w // 2, cy + cur_h // 2]) + 1
        chunks.append(rng.integers(lo, hi, size=(n, 2)))
        cur_w, cur_h = int(cur_w * 0.9), int(cur_h * 0.9)
    centres = np.concatenate(chunks) if chunks else np.zeros((0, 2), np.int64)
    r_max = max(2, int(min(height, width) * 0.1 * fog_coef))
    radii = rng.integers(max(1, r_max // 2), r_max, size=len(centres))
    return centres, radii


def _coverage(height: int, width: int, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """How many particle disks (``|p - c| <= r``) hold each pixel (int32, ``height x width``)."""
    count = np.zeros((height, width), np.int32)
    stamps: dict[int, np.ndarray] = {}
    for (x, y), r in zip(centres.tolist(), radii.tolist(), strict=True):
        stamp = stamps.get(r)
        if stamp is None:
            d = np.arange(-r, r + 1)
            stamp = stamps[r] = (d[:, None] ** 2 + d[None, :] ** 2 <= r * r).astype(np.int32)
        top, left = y - r, x - r
        t0, l0 = max(0, top), max(0, left)
        t1, l1 = min(height, top + 2 * r + 1), min(width, left + 2 * r + 1)
        if t0 < t1 and l0 < l1:
            count[t0:t1, l0:l1] += stamp[t0 - top : t1 - top, l0 - left : l1 - left]
    return count


def fog(
    img: np.ndarray, fog_coef: float, alpha_coef: float, centres: np.ndarray, radii: np.ndarray
) -> np.ndarray:
    """Whiten the image under translucent particles, then blur it (Albumentations' ``add_fog``).

    Each particle blends white into its disk with weight ``a = alpha_coef * fog_coef``; a
    pixel under ``k`` particles becomes ``v * f + white * (1 - f)`` with ``f = (1 - a) ** k``
    (the same as blending them one by one; ``cv2.blendLinear``, uint8 rounded once). The
    whole image is then blurred with ``cv2.GaussianBlur`` of an odd kernel
    ``max(3, min(height, width) // 30)`` (sigma from the kernel size, reflected borders).
    Any channel count; RGBA keeps its alpha.
    """
    h, w = img.shape[:2]
    work = _colour(img)
    if len(centres):
        count = _coverage(h, w, centres, radii)
        keep = np.power(1.0 - alpha_coef * fog_coef, np.arange(int(count.max()) + 1)).astype(np.float32)
        factor = keep[count]
        white = np.full_like(work, _full(img))
        work = cv2.blendLinear(work, white, factor, np.float32(1.0) - factor).reshape(work.shape)
    k = max(3, min(h, w) // 30)
    k += 1 - k % 2
    work = by_channel_groups(work, lambda x: cv2.GaussianBlur(x, (k, k), 0))
    return _finish(img, work)


# ---------------------------------------------------------------------- rain
def rain_drops(height: int, width: int, n: int, length: int, noise_seed: int) -> np.ndarray:
    """``n`` drop tops ``(x, y)``: x uniform in ``[0, width)``, y in ``[0, max(1, height - length))``."""
    rng = _generator(noise_seed)
    return rng.integers([0, 0], [width, max(1, height - length)], size=(n, 2))


def rain(
    img: np.ndarray,
    drops: np.ndarray,
    slant: float,
    length: int,
    width: int,
    colour: Sequence[float],
    blur: int,
    brightness: float,
) -> np.ndarray:
    """Rain streaks over a darkened image (Albumentations' ``add_rain``, slant in degrees).

    Each drop is a line of ``width`` pixels (``cv2.LINE_4``) from its top ``(x, y)`` to
    ``(x + length * tan(slant), y + length)``, drawn in ``colour`` (0-255 units; uint8 rounds
    it) on a black layer in the image's dtype; the layer is box-blurred (``cv2.blur``,
    ``blur x blur``, when ``blur > 1``), added to the image (saturating), and the sum
    multiplied by ``brightness`` (uint8: rounded), as Albumentations does. RGB; RGBA keeps alpha.
    """
    work = _colour(img)
    layer = np.zeros_like(work)
    if len(drops):
        dx = length * math.tan(math.radians(slant))
        ends = drops + np.array([dx, length])
        lines = np.rint(np.stack([drops, ends], axis=1)).astype(np.int32)
        scale = 1.0 if img.dtype == np.uint8 else 1.0 / 255.0
        paint = tuple(float(round(c)) if scale == 1.0 else float(c) * scale for c in colour)
        cv2.polylines(layer, list(lines), False, paint, int(width), lineType=cv2.LINE_4)
        if blur > 1:
            layer = cv2.blur(layer, (blur, blur))
    cv2.add(work, layer, dst=work)  # uint8 saturates
    if img.dtype == np.float32:
        np.minimum(work, np.float32(1.0), out=work)
        if brightness != 1.0:
            work *= np.float32(brightness)
    elif brightness != 1.0:  # a rounded table: cv2.multiply by a per-channel scalar is 10x slower
        work = lut(work, np.rint(np.arange(256) * brightness).astype(np.uint8))
    return _finish(img, work)


# ---------------------------------------------------------------------- snow
def snow(img: np.ndarray, snow_point: float, brightness_coeff: float) -> np.ndarray:
    """Bleach the darker pixels (Albumentations' ``add_snow_bleach``).

    In HLS, a pixel whose lightness is below ``snow_point / 2 + 1 / 3`` of the range has
    its lightness multiplied by ``brightness_coeff`` (clipped); hue and saturation stay.
    uint8 works in OpenCV's 8-bit HLS with the lightness rounded (a lookup table), float32
    in float HLS. RGB; RGBA keeps its alpha.
    """
    src = img[..., :3] if n_channels(img) == 4 else img
    src = contiguous(src)
    threshold = snow_point / 2.0 + 1.0 / 3.0
    hls = cv2.cvtColor(src, cv2.COLOR_RGB2HLS)
    if img.dtype == np.uint8:
        levels = np.arange(256, dtype=np.float64)
        bright = np.minimum(np.rint(levels * brightness_coeff), 255)
        table = np.where(levels < threshold * 255.0, bright, levels).astype(np.uint8)
        hls = channel_luts(hls, [IDENTITY, table])  # the lightness only
    else:
        light = hls[..., 1]
        dark = light < np.float32(threshold)
        light[dark] = np.minimum(light[dark] * np.float32(brightness_coeff), np.float32(1.0))
    rgb = cv2.cvtColor(hls, cv2.COLOR_HLS2RGB)
    if img.dtype == np.float32:
        np.clip(rgb, 0.0, 1.0, out=rgb)
    if n_channels(img) == 4:
        out = img.copy()
        out[..., :3] = rgb
        return out
    return rgb
