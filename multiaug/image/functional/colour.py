"""Colour kernels: point lookup tables, luma, saturation, hue and grayscale (OpenCV + NumPy).

Conventions shared by every colour kernel:

* images are ``uint8`` or ``float32`` in ``[0, 1]``, shaped HxW or HxWxC; the
  output has the input's dtype and shape;
* a point operation is a function ``fn`` of values in ``[0, 1]`` (float64 or
  float32 arrays); its result is clipped to ``[0, 1]``. For ``uint8`` images it is
  evaluated once on the 256 grey levels and applied as a lookup table
  (:func:`point_table`), for ``float32`` images on the pixels themselves;
* with 4 channels the last one is alpha: colour kernels leave it untouched.
  Any other channel count is treated as that many colour channels (point ops
  apply to each); luma, saturation and hue need RGB (3, or 4 with alpha) and
  treat 1 channel as already grey.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import cv2
import numpy as np

__all__ = [
    "IDENTITY",
    "LUMA",
    "PointFn",
    "adjust_hue",
    "adjust_saturation",
    "apply_point",
    "apply_table",
    "brightness",
    "brightness_contrast",
    "channel_sums",
    "compose_tables",
    "contrast",
    "fast_lut",
    "gamma",
    "grayscale",
    "histograms",
    "invert",
    "luma_mean",
    "lut",
    "n_channels",
    "point_table",
    "posterize",
    "solarize",
    "table_sums",
    "tone_curve",
]

#: ITU-R BT.601 luma weights, as OpenCV, PIL and torchvision (0.2989) use them.
LUMA = (0.299, 0.587, 0.114)
# Constants of the saturation matrix (built once, not per call; read-only).
_EYE3 = np.eye(3)
_LUMA_ROWS = np.tile(np.asarray(LUMA), (3, 1))
_EYE3.flags.writeable = _LUMA_ROWS.flags.writeable = False

#: The identity lookup table.
IDENTITY = np.arange(256, dtype=np.uint8)
IDENTITY.flags.writeable = False

PointFn = Callable[[np.ndarray], np.ndarray]

_LEVELS = np.arange(256, dtype=np.float64) / 255.0
_LEVELS.flags.writeable = False


def n_channels(img: np.ndarray) -> int:
    """Channel count: 1 for HxW, else the size of the last axis."""
    return 1 if img.ndim == 2 else int(img.shape[2])


# ---------------------------------------------------------------------- point ops and tables
def point_table(fn: PointFn) -> np.ndarray:
    """The ``uint8`` lookup table of a point op: ``fn`` on the 256 levels, clipped, rounded to nearest."""
    levels = np.array(fn(_LEVELS), dtype=np.float64)  # a private copy, clipped and scaled in place
    np.maximum(levels, 0.0, out=levels)  # the bare ufuncs: np.clip's wrapper costs more than 256 values
    np.minimum(levels, 1.0, out=levels)
    np.multiply(levels, 255.0, out=levels)
    return np.rint(levels, out=levels).astype(np.uint8)


def compose_tables(first: np.ndarray, then: np.ndarray) -> np.ndarray:
    """The table applying ``first`` and then ``then``: ``then[first]``.

    Each table already rounds to uint8, so the composition is exactly what the
    two lookups give one after the other: a fused chain equals the op-by-op one
    bit for bit.
    """
    return then[first]


@functools.cache
def _translate() -> Callable[[np.ndarray, np.ndarray, np.ndarray], object] | None:
    """stringzilla's SIMD byte translation when it is installed and behaves, else None (use cv2.LUT).

    ``cv2.LUT`` looks bytes up one at a time; stringzilla (which albumentations
    installs) does the same lookup several times faster. Both give the same
    bytes, so the choice changes speed only; a self-test at first use guards
    against a version with another API.
    """
    try:
        import stringzilla

        def translate(src: np.ndarray, table: np.ndarray, out: np.ndarray) -> object:
            return stringzilla.translate(src.data, table.data, out=out.data)

        probe = np.arange(256, dtype=np.uint8).reshape(16, 16)
        table = np.ascontiguousarray(IDENTITY[::-1])
        out = np.zeros_like(probe)
        translate(probe, table, out)
        return translate if np.array_equal(out.ravel(), table) else None
    except Exception:  # not installed, or an API this code does not know
        return None


def fast_lut() -> bool:
    """Whether lookups use stringzilla's SIMD translation (else ``cv2.LUT``)."""
    return _translate() is not None


def lut(img: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``table[img]`` for a uint8 image and a 256-entry uint8 table, any channel count; a new array."""
    src = img if img.flags.c_contiguous else np.ascontiguousarray(img)
    translate = _translate()
    if translate is not None:
        out = np.empty_like(src)
        translate(src, table, out)
        return out
    # As one 2-D channel (W*C wide): no limit on channels, and no trailing 1-channel axis to lose.
    return cv2.LUT(src.reshape(src.shape[0], -1), table).reshape(img.shape)


def apply_table(img: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Apply a ``uint8`` point table to the colour channels of a ``uint8`` image (alpha untouched)."""
    if n_channels(img) != 4:
        return lut(img, table)
    rows = np.stack([table, table, table, IDENTITY], axis=1).reshape(256, 1, 4)
    src = img if img.flags.c_contiguous else np.ascontiguousarray(img)
    return cv2.LUT(src, rows)


def apply_point(img: np.ndarray, fn: PointFn) -> np.ndarray:
    """Apply the point op ``fn`` to the colour channels of a uint8 or float32 image."""
    if img.dtype == np.uint8:
        return apply_table(img, point_table(fn))
    if n_channels(img) == 4:
        out = img.copy()
        out[..., :3] = np.clip(fn(img[..., :3]), 0.0, 1.0)
        return out
    return np.clip(fn(img), 0.0, 1.0).astype(np.float32, copy=False)


# ---------------------------------------------------------------------- point op formulas
def brightness(factor: float) -> PointFn:
    """torchvision brightness: ``v * factor``."""
    return lambda v: v * factor


def contrast(factor: float, mean: float) -> PointFn:
    """torchvision contrast: blend with the mean luma, ``factor * v + (1 - factor) * mean``."""
    offset = (1.0 - factor) * mean
    return lambda v: v * factor + offset


def brightness_contrast(alpha: float, beta: float) -> PointFn:
    """albumentations brightness/contrast: ``alpha * v + beta`` (``beta`` a fraction of the range)."""
    return lambda v: v * alpha + beta


def gamma(value: float) -> PointFn:
    """Gamma curve ``v ** value``."""
    return lambda v: np.power(v, value)


def tone_curve(low: float | np.ndarray, high: float | np.ndarray) -> PointFn:
    """The cubic Bezier tone curve through (0, 0) and (1, 1) with control points ``(1/3, low)``,
    ``(2/3, high)``: ``3 (1 - v)^2 v low + 3 (1 - v) v^2 high + v^3`` (Albumentations'
    ``move_tone_curve``). ``low`` and ``high`` may be arrays, one per channel (the last axis)."""

    def curve(v: np.ndarray) -> np.ndarray:
        w = 1.0 - v
        return 3.0 * w * w * v * low + 3.0 * w * v * v * high + v * v * v

    return curve


def solarize(threshold: float) -> PointFn:
    """Invert values at or above ``threshold`` (a fraction of the range)."""
    return lambda v: np.where(v >= threshold, 1.0 - v, v).astype(v.dtype, copy=False)


def posterize(bits: int) -> PointFn:
    """Keep the ``bits`` most significant bits of each 8-bit level (float images: of round(v * 255))."""
    mask = (0xFF << (8 - bits)) & 0xFF

    def fn(v: np.ndarray) -> np.ndarray:
        levels = np.rint(v * 255.0).astype(np.uint8) & np.uint8(mask)
        return levels.astype(v.dtype) / v.dtype.type(255.0)

    return fn


def invert(v: np.ndarray) -> np.ndarray:
    """``1 - v``."""
    return 1.0 - v


# ---------------------------------------------------------------------- statistics
def channel_sums(img: np.ndarray) -> tuple[float, ...]:
    """Sum of each channel (at most 4). Exact integers for uint8 images.

    OpenCV accumulates 8-bit data in integers and converts to double (exact
    below 2**53), so these equal the sums a histogram gives; fused and unfused
    contrast therefore see the very same mean.
    """
    channels = n_channels(img)
    src = img if img.flags.c_contiguous else np.ascontiguousarray(img)
    return tuple(cv2.sumElems(src)[:channels])


def table_sums(hists: np.ndarray, table: np.ndarray) -> tuple[float, ...]:
    """Per-channel sums of ``table[img]`` from the per-channel histograms of ``img`` (exact integers)."""
    return tuple(float(v) for v in hists @ table.astype(np.int64))


def histograms(img: np.ndarray, float_limit: int = 2**24) -> np.ndarray:
    """Exact counts of the 256 levels in each of the first (up to 3) channels: ``(k, 256)`` int64.

    ``cv2.calcHist`` counts in float32, exact below ``float_limit`` pixels;
    larger images are counted with ``np.bincount``.
    """
    channels = min(n_channels(img), 3)
    src = img if img.flags.c_contiguous else np.ascontiguousarray(img)
    if img.shape[0] * img.shape[1] < float_limit:
        counts = [cv2.calcHist([src], [c], None, [256], [0, 256]).ravel() for c in range(channels)]
        return np.stack(counts).astype(np.int64)
    flat = src.reshape(-1, n_channels(img))
    return np.stack([np.bincount(flat[:, c], minlength=256) for c in range(channels)]).astype(np.int64)


def luma_mean(sums: tuple[float, ...], n_pixels: int, scale: float) -> float:
    """Mean luma in ``[0, 1]`` from per-channel sums (one channel: its mean); ``scale`` is 255 or 1."""
    if len(sums) < 3:
        return float(sums[0]) / (n_pixels * scale)
    weighted = LUMA[0] * sums[0] + LUMA[1] * sums[1] + LUMA[2] * sums[2]
    return float(weighted) / (n_pixels * scale)


# ---------------------------------------------------------------------- cross-channel ops
def _with_alpha(img: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """``rgb`` as the colour of ``img``: itself for RGB input, with ``img``'s alpha appended for RGBA."""
    if img.ndim == 3 and img.shape[2] == 4:
        out = img.copy()
        out[..., :3] = rgb
        return out
    return rgb


def _rgb(img: np.ndarray) -> np.ndarray:
    """The colour channels of an RGB or RGBA image, C-contiguous (OpenCV's 3-channel paths)."""
    if img.shape[2] == 4:
        return cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGBA2RGB)
    return img if img.flags.c_contiguous else np.ascontiguousarray(img)


def _clip01(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.float32:
        np.clip(img, 0.0, 1.0, out=img)
    return img


def adjust_saturation(img: np.ndarray, factor: float) -> np.ndarray:
    """Blend each pixel with its luma: ``factor * rgb + (1 - factor) * gray`` (torchvision's saturation).

    One ``cv2.transform`` with a 3x3 colour matrix: the luma is not rounded
    before the blend. RGBA keeps its alpha (and gets exactly the RGB result); a
    one-channel image is already grey and comes back unchanged (as in torchvision).
    """
    if n_channels(img) == 1:
        return img.copy()
    matrix = factor * _EYE3 + (1.0 - factor) * _LUMA_ROWS
    return _with_alpha(img, _clip01(cv2.transform(_rgb(img), matrix)))


def adjust_hue(img: np.ndarray, shift: float) -> np.ndarray:
    """Rotate the hue by ``shift`` turns (``[-0.5, 0.5]``), keeping HSV saturation and value.

    ``uint8`` goes through OpenCV's 8-bit full-range HSV (hue in 256 steps, so
    the shift is rounded to 1/256 of a turn; on a photo the result is 0.1-0.2
    grey levels from an exact float rotation on average, up to about 9 on a few
    pixels); ``float32`` through float HSV. A
    one-channel image has no hue and comes back unchanged (as in torchvision).
    """
    if n_channels(img) == 1:
        return img.copy()
    src = _rgb(img)
    if img.dtype == np.uint8:
        hsv = cv2.cvtColor(src, cv2.COLOR_RGB2HSV_FULL)
        hue = hsv[..., 0]
        # uint8 addition wraps modulo 256: exactly one full turn of the 8-bit hue circle.
        np.add(hue, np.uint8(round(shift * 256.0) % 256), out=hue)
        rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)
    else:
        hsv_f = cv2.cvtColor(src, cv2.COLOR_RGB2HSV)
        # OpenCV wraps angles >= 360 back but mishandles negative ones: shift by a non-negative angle.
        np.add(hsv_f[..., 0], np.float32((shift * 360.0) % 360.0), out=hsv_f[..., 0])
        rgb = _clip01(cv2.cvtColor(hsv_f, cv2.COLOR_HSV2RGB))
    return _with_alpha(img, rgb)


def grayscale(img: np.ndarray) -> np.ndarray:
    """Luma in every colour channel, layout kept (RGB -> 3 equal channels, alpha kept, 1 channel copied)."""
    channels = n_channels(img)
    if channels == 1:
        return img.copy()
    src = img if img.flags.c_contiguous else np.ascontiguousarray(img)
    gray = cv2.cvtColor(src, cv2.COLOR_RGB2GRAY if channels == 3 else cv2.COLOR_RGBA2GRAY)
    if channels == 3:
        return cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    out = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGBA)
    out[..., 3] = img[..., 3]
    return out
