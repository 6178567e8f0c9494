"""OpenCV's 8-bit HSV -> RGB (hue in 180 steps) with the same bytes on every CPU (issue 22).

``cv2.cvtColor(hsv, COLOR_HSV2RGB)`` on uint8 computes each channel in float32 as
``v * (1 - s * w) * 255`` (``s``, ``v`` the levels over 255, ``w`` a weight of the hue), and
its result depends on the machine in two ways:

* a row is converted in blocks of ``L`` pixels by vector code that *truncates* ``255 * value``,
  and its last ``W mod L`` pixels by scalar code that *rounds* it; ``L`` is the CPU's vector
  width (64 pixels with AVX-512, fewer with AVX2 or SSE), so the same pixel came out one level
  apart on 30 % of the values of those columns, depending on the CPU and the image's width;
* ``1 - s * w`` is fused into one multiply-add (one rounding) on CPUs with FMA, not on older
  ones (two roundings): 1,758 of the 11.8 million (h, s, v) colours come out one level apart.

:func:`hsv2rgb_u8` fixes one result for every pixel, *OpenCV's vector code with the fused
multiply-add* (what an AVX2 or AVX-512 CPU computes for all but the last columns):

* the pixels go to OpenCV as rows of ``ROW`` (1024) pixels, a multiple of every vector block, so
  every pixel takes the vector code whatever the image's width (the conversion is per pixel: the
  rows' shape does not matter otherwise); the cost is OpenCV's, plus a copy when the pixel count
  is not a multiple of 1024;
* on a CPU without FMA the few pixels whose saturation and value can make the two differ (952 of
  the 65,536 pairs) are recomputed by :func:`hsv2rgb_model`, the same formulas emulated in
  NumPy (every NumPy float operation is correctly rounded, the fused one computed in float64
  and rounded once);
* which of the two OpenCV computes is probed once per process on colours that tell them apart
  (:func:`opencv_hsv_model`); an OpenCV that computes neither (another version or build) is not
  used: :func:`hsv2rgb_model` converts the whole image (about 10x slower, the same bytes).

Against the exact value ``255 v (1 - s w)`` the result is truncated (up to 1 level low, as
OpenCV's vector code); against ``cv2.cvtColor`` on an FMA CPU it is identical on every pixel of
an image whose width is a multiple of that CPU's block (64 pixels with AVX-512), and differs by
one level on about 30 % of the values of the last ``W mod L`` columns otherwise (OpenCV rounds
those).

Examples
--------
>>> hsv = np.array([[[107, 57, 255], [0, 255, 255], [60, 255, 128]]], np.uint8)
>>> hsv2rgb_u8(hsv).tolist()  # OpenCV's scalar code rounds the first pixel's green to 223
[[[197, 222, 255], [255, 0, 0], [0, 128, 0]]]
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

__all__ = ["ROW", "hsv2rgb_model", "hsv2rgb_u8", "hue_weights", "opencv_hsv_model", "settle_unfused"]

#: pixels per row handed to OpenCV: a multiple of the vector block of every CPU (16 to 64 pixels)
ROW = 1024
_INV255 = np.float32(1.0 / 255.0)
#: per channel offset ``K = (sector + n_c) mod 6`` (``n`` = 5, 3, 1 for r, g, b), the weight of ``s``
#: is ``A[K] + B[K] * frac``: frac, 1, 1 - frac or 0, OpenCV's ``tab`` entries bit for bit
_W_A = np.array((0.0, 1.0, 1.0, 1.0, 0.0, 0.0), np.float32)
_W_B = np.array((1.0, 0.0, 0.0, -1.0, 0.0, 0.0), np.float32)


@functools.cache
def hue_weights(scale: float = 6.0 / 180.0) -> np.ndarray:
    """``w`` of r, g and b for each 8-bit hue, ``(256, 3)`` float32, as OpenCV computes it in float32
    (hue times ``scale``, sectors per hue step: 6/180 for ``HSV2RGB``; one wrap, sector, fraction)."""
    h6 = np.arange(256, dtype=np.float32) * np.float32(scale)
    h6 = np.where(h6 >= 6.0, h6 - np.float32(6.0), h6)
    sector = np.floor(h6)
    frac = h6 - sector
    cols = []
    for n in (5, 3, 1):
        k = (sector.astype(np.int64).clip(0, 5) + n) % 6
        cols.append(_W_A[k] + _W_B[k] * frac)
    return np.stack(cols, axis=1).astype(np.float32)


def _values(h: np.ndarray, s: np.ndarray, v: np.ndarray, fused: bool) -> np.ndarray:
    """``trunc(255 * v * (1 - s * w))`` in OpenCV's float32 steps for integer levels: ``(n, 3)`` uint8."""
    w = hue_weights()[h]
    levels = np.arange(256, dtype=np.float32) * _INV255
    sf, vf = levels[s][:, None], levels[v][:, None]
    if fused:  # s * w is exact in float64 (24 + 24 bits); 1 - s * w rounded once to float32
        k = (1.0 - sf.astype(np.float64) * w.astype(np.float64)).astype(np.float32)
    else:
        k = np.float32(1.0) - sf * w
    return np.trunc((vf * k) * np.float32(255.0)).clip(0, 255).astype(np.uint8)


def hsv2rgb_model(hsv: np.ndarray, fused: bool = True) -> np.ndarray:
    """OpenCV's 8-bit vector ``HSV2RGB`` (``fused``: with the FMA) of ``(..., 3)`` uint8, in NumPy."""
    flat = hsv.reshape(-1, 3)
    out = _values(flat[:, 0], flat[:, 1], flat[:, 2], fused)
    return out.reshape(hsv.shape)


@functools.cache
def _disputed() -> tuple[np.ndarray, np.ndarray]:
    """The (h, s, v) colours whose fused and unfused results differ ``(m, 3)``, and a table of 65,536
    flags, one per ``s + 256 * v``: whether some hue makes that pair one of them."""
    weights = hue_weights()
    w = np.unique(weights)
    sf = (np.arange(256, dtype=np.float32) * _INV255)[:, None]
    fused = (1.0 - sf.astype(np.float64) * w.astype(np.float64)).astype(np.float32)
    two = np.float32(1.0) - sf * w
    s, j = np.nonzero(fused != two)  # where 1 - s * w rounds apart (elsewhere the two agree for any v)
    vf = np.arange(256, dtype=np.float32) * _INV255
    apart = np.trunc((vf * fused[s, j][:, None]) * np.float32(255.0)) != np.trunc(
        (vf * two[s, j][:, None]) * np.float32(255.0)
    )
    row, v = np.nonzero(apart)  # (s, w, v) triples whose levels differ
    table = np.zeros(65536, bool)
    table[s[row] + 256 * v] = True
    uses = (weights[:, :, None] == w).any(axis=1)  # (hue, weight index): the hue has that weight
    h, k = np.nonzero(uses[:, j[row]])
    colours = np.stack([h, s[row[k]], v[k]], axis=1)
    return colours.astype(np.uint8), table


@functools.cache
def _fused_values() -> tuple[np.ndarray, np.ndarray]:
    """Row of each ``s + 256 * v`` in the table of fused results (-1: the two agree for any hue), and
    that table ``(pairs, 256 hues, 3)`` for the pairs flagged by :func:`_disputed`."""
    pairs = np.flatnonzero(_disputed()[1])
    row = np.full(65536, -1, np.int32)
    row[pairs] = np.arange(pairs.size)
    h = np.tile(np.arange(256), pairs.size)
    values = _values(h, np.repeat(pairs % 256, 256), np.repeat(pairs // 256, 256), fused=True)
    return row, values.reshape(pairs.size, 256, 3)


def settle_unfused(hsv: np.ndarray, rgb: np.ndarray) -> None:
    """Turn OpenCV's unfused vector result ``rgb`` of ``hsv`` into the fused one, in place: the pixels
    whose saturation and value can make the two differ (1.5 % of the colours) get the fused values."""
    flat, out = hsv.reshape(-1, 3), rgb.reshape(-1, 3)
    sv = np.empty((flat.shape[0], 1, 2), np.uint8)
    cv2.mixChannels([flat.reshape(-1, 1, 3)], [sv], [1, 0, 2, 1])  # (s, v) bytes: s + 256 v as '<u2'
    row, values = _fused_values()
    code = np.take(row, sv.view("<u2").reshape(-1))
    fix = np.flatnonzero(code >= 0)
    if fix.size:
        out[fix] = values[code[fix], flat[fix, 0]]


def _opencv_rows(hsv: np.ndarray) -> np.ndarray:
    """``cv2.cvtColor(COLOR_HSV2RGB)`` of ``(..., 3)`` uint8 with the pixels in rows of :data:`ROW`."""
    flat = hsv.reshape(-1, 3)
    n = flat.shape[0]
    if n % ROW:
        padded = np.zeros((n + ROW - n % ROW, 3), np.uint8)
        padded[:n] = flat
        flat = padded
    out = cv2.cvtColor(flat.reshape(-1, ROW, 3), cv2.COLOR_HSV2RGB).reshape(-1, 3)
    return (out if out.shape[0] == n else out[:n]).reshape(hsv.shape)


def opencv_hsv_model() -> str | None:
    """What the installed OpenCV's vector code computes: ``"fused"``, ``"unfused"`` or None (neither).

    Probed once per state of ``cv2.useOptimized()`` (``cv2.setUseOptimized(False)`` turns the
    optimised code paths off, and with them the fused multiply-add): on every colour that tells
    the two apart, and on a grid of 180 x 37 x 37 others.
    """
    return _probe(cv2.useOptimized())


@functools.cache
def _probe(optimized: bool) -> str | None:
    colours, _ = _disputed()
    grid = np.stack(np.meshgrid(np.arange(180), np.arange(0, 256, 7), np.arange(0, 256, 7)), -1)
    probe = np.concatenate([colours, grid.reshape(-1, 3).astype(np.uint8)])
    got = _opencv_rows(probe)
    for model, fused in (("fused", True), ("unfused", False)):
        if np.array_equal(got, hsv2rgb_model(probe, fused)):
            return model
    return None


def hsv2rgb_u8(hsv: np.ndarray) -> np.ndarray:
    """``cv2.cvtColor(hsv, COLOR_HSV2RGB)`` of a uint8 ``(H, W, 3)`` HSV image (hue 0-179), the same
    bytes on every CPU: every pixel as OpenCV's vector code computes it with a fused multiply-add."""
    hsv = np.ascontiguousarray(hsv)
    model = opencv_hsv_model()
    if model is None:
        return hsv2rgb_model(hsv)
    out = _opencv_rows(hsv)
    if model == "unfused":
        settle_unfused(hsv, out)
    return out
