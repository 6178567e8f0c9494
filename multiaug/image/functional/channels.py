"""Per-channel colour kernels: HSV shifts, RGB shifts, channel shuffles, histogram equalisation, CLAHE.

Plain functions of arrays and numbers. uint8 images go through 256-entry lookup
tables (one ``cv2.LUT`` pass with a table per channel, no split and merge);
float32 images get the same formulas in float. Shifts are given in 8-bit units
(0-255; hue in OpenCV's 8-bit hue units, 180 per turn) whatever the dtype: a
float32 image is shifted by ``shift / 255`` (hue by ``2 * shift`` degrees).

Histogram ops (:func:`equalize`, :func:`clahe`) work on 8-bit histograms: a
float32 image is rounded to uint8 (``round(255 * v)``), processed, and returned
as ``v / 255``.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ._opencv import contiguous
from .colour import n_channels
from .exact_hsv import hsv2rgb_u8
from .quality import from_uint8, to_uint8

__all__ = [
    "channel_luts",
    "channel_shuffle",
    "clahe",
    "equalize",
    "equalize_table",
    "hue_saturation_value",
    "rgb_shift",
]

_LEVELS = np.arange(256, dtype=np.int32)
_IDENTITY = np.arange(256, dtype=np.uint8)


def channel_luts(img: np.ndarray, tables: Sequence[np.ndarray]) -> np.ndarray:
    """``tables[c][img[..., c]]`` for each channel ``c`` of a uint8 image: one ``cv2.LUT`` pass.

    Channels beyond ``len(tables)`` (alpha) keep their values.
    """
    channels = n_channels(img)
    rows = list(tables) + [_IDENTITY] * (channels - len(tables))
    if channels == 1:
        return cv2.LUT(contiguous(img), rows[0]).reshape(img.shape)
    table = np.stack(rows, axis=1).reshape(256, 1, channels)
    return cv2.LUT(contiguous(img), table)


def _shift_table(shift: int) -> np.ndarray:
    return np.clip(_LEVELS + shift, 0, 255).astype(np.uint8)


def rgb_shift(img: np.ndarray, shifts: Sequence[float]) -> np.ndarray:
    """Add ``shifts[c]`` (8-bit units) to colour channel ``c``, saturating; alpha is kept.

    uint8: the shifts are rounded to whole levels and applied as one saturating
    ``cv2.add`` of the positive ones and one ``cv2.subtract`` of the negative ones (a channel
    gets one of the two, so the result is exactly ``clip(v + shift, 0, 255)``); float32:
    ``v + shift / 255`` clipped to [0, 1].

    Examples
    --------
    >>> rgb_shift(np.array([[[10, 100, 250]]], np.uint8), (-20, 5, 10)).tolist()
    [[[0, 105, 255]]]
    """
    if img.dtype == np.uint8:
        whole = [round(s) for s in shifts] + [0] * (4 - len(shifts))
        src = contiguous(img)
        out = np.asarray(cv2.add(src, tuple(float(max(v, 0)) for v in whole)))
        if any(v < 0 for v in whole):
            negative = tuple(float(max(-v, 0)) for v in whole)
            cv2.subtract(out, negative, dst=out)  # type: ignore[call-overload]  # a Scalar, as in cv2.add
        return out
    out = img.copy()
    colour = out[..., : len(shifts)]
    np.add(colour, np.asarray(shifts, np.float32) / np.float32(255.0), out=colour)
    np.clip(colour, 0.0, 1.0, out=colour)
    return out


def hue_saturation_value(img: np.ndarray, hue: float, saturation: float, value: float) -> np.ndarray:
    """Shift hue, saturation and value of an RGB (or RGBA, alpha kept) image in OpenCV's HSV.

    uint8: ``cv2.cvtColor(..., COLOR_RGB2HSV)`` (hue 0-179), then ``(h + hue) mod 180``,
    ``clip(s + saturation)``, ``clip(v + value)`` with the shifts rounded to whole levels (one
    lookup pass), then back with ``COLOR_HSV2RGB`` as OpenCV's vector code computes it on an FMA
    CPU, for every pixel on every CPU (:func:`.exact_hsv.hsv2rgb_u8`). float32: float HSV (hue in
    degrees), hue shifted by ``2 * hue`` degrees, saturation and value by ``shift / 255`` and
    clipped to [0, 1]. All shifts 0 return a copy of the input.

    Examples
    --------
    >>> red = np.array([[[255, 0, 0]]], np.uint8)
    >>> hue_saturation_value(red, 60, 0, 0).tolist()  # 60 units = 120 degrees: red -> green
    [[[0, 255, 0]]]
    """
    if hue == 0 and saturation == 0 and value == 0:
        return img.copy()
    rgba = n_channels(img) == 4
    src = contiguous(img[..., :3]) if rgba else contiguous(img)
    if img.dtype == np.uint8:
        hsv = cv2.cvtColor(src, cv2.COLOR_RGB2HSV)
        hue_table = ((_LEVELS + round(hue)) % 180).astype(np.uint8)
        hsv = channel_luts(hsv, [hue_table, _shift_table(round(saturation)), _shift_table(round(value))])
        rgb = hsv2rgb_u8(hsv)
    else:
        hsv = cv2.cvtColor(src, cv2.COLOR_RGB2HSV)
        h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
        # OpenCV wraps hues >= 360 back but not negative ones: shift by a non-negative angle
        np.add(h, np.float32((2.0 * hue) % 360.0), out=h)
        for channel, shift in ((s, saturation), (v, value)):
            if shift:
                np.add(channel, np.float32(shift / 255.0), out=channel)
                np.clip(channel, 0.0, 1.0, out=channel)
        rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
        np.clip(rgb, 0.0, 1.0, out=rgb)
    if not rgba:
        return rgb
    out = img.copy()
    out[..., :3] = rgb
    return out


#: Permutations that are a red/blue exchange (alpha kept), by (channel count, order).
_SWAPS = {(3, (2, 1, 0)): cv2.COLOR_RGB2BGR, (4, (2, 1, 0, 3)): cv2.COLOR_RGBA2BGRA}


def channel_shuffle(img: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """Output channel ``i`` is input channel ``order[i]`` (a new array; ``img`` itself is not changed).

    Examples
    --------
    >>> channel_shuffle(np.array([[[1, 2, 3]]], np.uint8), [2, 0, 1]).tolist()
    [[[3, 1, 2]]]
    """
    order = [int(c) for c in order]
    if img.ndim == 2 or order == sorted(order):
        return img.copy()
    channels = img.shape[2]
    swap = _SWAPS.get((channels, tuple(order)))
    if swap is not None:  # red and blue exchanged: OpenCV's vectorised conversion, several times faster
        return cv2.cvtColor(contiguous(img), swap)
    if channels <= 4:
        # cv2.mixChannels copies channel to channel in one pass (NumPy's fancy index gathers slower)
        out = np.empty(img.shape, img.dtype)  # C order whatever the input's (empty_like keeps Fortran)
        pairs = [v for i, c in enumerate(order) for v in (int(c), i)]
        cv2.mixChannels([contiguous(img)], [out], pairs)
        return out
    return np.ascontiguousarray(img[..., list(order)])


def equalize_table(hist: np.ndarray) -> np.ndarray:
    """The lookup table of ``cv2.equalizeHist`` for a 256-bin histogram (the same formula, in float32).

    The first occupied level maps to 0 and level ``i`` to ``round(cum(i) * 255 / (n - first))``,
    ``cum`` counting the pixels above the first level up to ``i``; a one-level image maps to itself.
    """
    hist = hist.astype(np.int64).ravel()
    total = int(hist.sum())
    first = int(np.flatnonzero(hist)[0]) if total else 0
    if total == 0 or hist[first] == total:
        return _IDENTITY.copy() if total == 0 else np.full(256, first, np.uint8)
    scale = np.float32(255.0) / np.float32(total - hist[first])
    cum = np.cumsum(hist) - hist[first]
    table = np.rint(cum.astype(np.float32) * scale)
    table[: first + 1] = 0
    return np.clip(table, 0, 255).astype(np.uint8)


def _histogram(img: np.ndarray, channel: int) -> np.ndarray:
    """Exact counts of the 256 levels of one channel (``cv2.calcHist`` counts in float32: exact
    below 2**24 pixels; larger images are counted with ``np.bincount``)."""
    if img.shape[0] * img.shape[1] < 2**24:
        return cv2.calcHist([img], [channel], None, [256], [0, 256])
    plane = img if img.ndim == 2 else img[..., channel]
    return np.bincount(plane.ravel(), minlength=256)


def equalize(img: np.ndarray, by_channels: bool = True) -> np.ndarray:
    """Histogram equalisation: every channel on its own (``cv2.equalizeHist`` per channel), or with
    ``by_channels=False`` the luma of an RGB(A) image (``Y`` of ``COLOR_RGB2YCrCb``; alpha kept).

    One histogram per channel and one lookup pass (no split and merge); the values are
    ``cv2.equalizeHist``'s. float32 images go through uint8.

    Examples
    --------
    >>> img = np.array([[50, 50, 60, 70]], np.uint8)
    >>> equalize(img).tolist()
    [[0, 0, 128, 255]]
    """
    src = contiguous(to_uint8(img))
    channels = n_channels(src)
    if by_channels:
        if channels > 4:
            out = np.stack([equalize(np.ascontiguousarray(src[..., c])) for c in range(channels)], axis=2)
        else:
            out = channel_luts(src, [equalize_table(_histogram(src, c)) for c in range(channels)])
        return from_uint8(out, img.dtype)
    rgb = np.ascontiguousarray(src[..., :3])
    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    ycrcb = channel_luts(ycrcb, [equalize_table(_histogram(ycrcb, 0))])
    out = cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)
    if channels == 4:
        out = np.dstack([out, src[..., 3]])
    return from_uint8(out, img.dtype)


def clahe(img: np.ndarray, clip_limit: float, tile_grid_size: tuple[int, int]) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation (``cv2.createCLAHE``) of the lightness.

    A grey image is equalised directly; an RGB(A) image on the ``L`` channel of
    ``COLOR_RGB2LAB`` (colour kept; alpha too), as Albumentations does. ``tile_grid_size``
    is ``(rows, columns)`` of tiles. float32 images go through uint8.

    Examples
    --------
    >>> img = np.tile(np.arange(100, 132, dtype=np.uint8), (32, 1))
    >>> out = clahe(img, 4.0, (2, 2))
    >>> int(np.ptp(out)) > int(np.ptp(img))  # the narrow range is stretched
    True
    """
    src = contiguous(to_uint8(img))
    op = cv2.createCLAHE(
        clipLimit=float(clip_limit), tileGridSize=(int(tile_grid_size[1]), int(tile_grid_size[0]))
    )
    if src.ndim == 2 or src.shape[2] == 1:
        out = op.apply(src.reshape(src.shape[:2])).reshape(src.shape)
        return from_uint8(out, img.dtype)
    lab = cv2.cvtColor(np.ascontiguousarray(src[..., :3]), cv2.COLOR_RGB2LAB)
    lab[..., 0] = op.apply(np.ascontiguousarray(lab[..., 0]))
    out = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
    if src.shape[2] == 4:
        out = np.dstack([out, src[..., 3]])
    return from_uint8(out, img.dtype)
