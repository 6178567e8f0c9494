"""Elastic deformation kernels (Simard et al. 2003): displacement fields, remapping, moved targets.

Same coordinates as :mod:`multiaug.image.functional.geometric`: pixel ``(i, j)``
covers ``[j, j + 1) x [i, i + 1)``. A field holds, per output pixel ``p``, the
displacement ``d(p)``: the output at ``p`` shows the input at ``p + d(p)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from ._opencv import BORDER_CODES, native_labels, per_chunk

__all__ = [
    "elastic_boxes",
    "elastic_fields",
    "elastic_points",
    "elastic_transform",
    "exact_taps",
    "invert_displacement",
    "outline_envelopes",
    "remap",
    "remap_fixed",
    "remap_maps",
]


def elastic_fields(height: int, width: int, alpha: float, sigma: float, seed: int) -> np.ndarray:
    """Simard et al.'s displacement field, ``2 x H x W`` float32 pixels (``dx``, ``dy``).

    Uniform noise in [-1, 1] per pixel from a Philox stream keyed by ``seed``,
    smoothed by a Gaussian of ``sigma`` pixels and scaled by ``alpha``. The noise
    is drawn as 16-bit integers (a quarter of the random bits of float32 draws, and
    far finer than what survives the smoothing); blurring is linear, so the
    scaling to [-alpha, alpha] happens once, after it. The blur is exact in float64
    (:func:`exact_taps`), so the field is the same on every CPU.
    """
    rng = np.random.Generator(np.random.Philox(key=seed))
    d = rng.integers(0, 65536, (2, height, width), dtype=np.uint16).astype(np.float64)
    taps = exact_taps(sigma)
    for i in range(2):
        cv2.sepFilter2D(d[i], cv2.CV_64F, taps, taps, dst=d[i], borderType=cv2.BORDER_REFLECT_101)
    d *= 2.0 * alpha / 65535.0
    d -= alpha
    return d.astype(np.float32)


#: Grid of :func:`exact_taps` (``2**-18``): 16-bit noise times two passes of taps needs
#: ``16 + 2 * 18 = 52`` bits, within float64's 53, so every product and sum is exact.
_TAP_BITS = 18


def exact_taps(sigma: float) -> np.ndarray:
    """The Gaussian taps OpenCV's float ``GaussianBlur`` uses for ``sigma`` (``8 sigma + 1`` of
    them), rounded to multiples of ``2**-18`` (float64 column).

    With 16-bit integer noise, both passes of a separable filter by these taps in float64 are
    exact: no product or partial sum rounds, so the blurred field is the same whatever the order
    of the sums (SIMD width, FMA, threads) on any CPU. The rounding moves each tap by at most
    ``2**-19``; what the rounding adds or drops in all is given back to the centre tap, so the
    taps sum to 1 exactly and the field keeps its mean (at sigma 1000 the tails that round to 0
    would otherwise shift it by 0.13 % of alpha).
    """
    size = max(1, round(sigma * 8 + 1) | 1)
    taps = np.round(cv2.getGaussianKernel(size, sigma, cv2.CV_64F) * 2.0**_TAP_BITS) / 2.0**_TAP_BITS
    taps[size // 2] += 1.0 - math.fsum(taps[:, 0].tolist())  # a multiple of 2**-18: the sum is 1 exactly
    return taps


def elastic_fields_coarse(height: int, width: int, alpha: float, sigma: float, seed: int) -> np.ndarray:
    """An approximation of :func:`elastic_fields` from a coarse grid: ``2 x H x W`` float32 pixels.

    The noise is drawn on a grid ``f = max(1, floor(sigma / 2))`` times coarser, smoothed there by
    ``sigma / f`` and upsampled bilinearly: a field of the same smoothness at a fraction of the
    cost (the full-size blur is most of :func:`elastic_fields`'s time). Smoothing ``f`` times
    fewer samples leaves ``f`` times more amplitude, so the field is scaled by ``1 / f``: its
    spread is close to the full-resolution field's (a different realisation, not the same field).
    """
    f = max(1, int(sigma // 2))
    hc, wc = -(-height // f) + 1, -(-width // f) + 1
    rng = np.random.Generator(np.random.Philox(key=seed))
    d = rng.integers(0, 65536, (2, hc, wc), dtype=np.uint16).astype(np.float32)
    for i in range(2):
        cv2.GaussianBlur(d[i], (0, 0), sigma / f, dst=d[i], borderType=cv2.BORDER_REFLECT_101)
    d *= np.float32(2.0 / 65535.0)
    d -= np.float32(1.0)
    d *= np.float32(alpha / f)
    out = np.empty((2, height, width), np.float32)
    for i in range(2):  # grid node j sits at pixel j * f: resize to (wc * f, hc * f) and keep H x W
        out[i] = cv2.resize(d[i], (wc * f, hc * f), interpolation=cv2.INTER_LINEAR)[:height, :width]
    return out


def remap(
    img: np.ndarray,
    fields: np.ndarray,
    *,
    nearest: bool = False,
    border: str = "reflect",
    fill: Sequence[float] = (0.0,),
) -> np.ndarray:
    """Output pixel ``p`` takes the input at ``p + d(p)`` (``fields`` from :func:`elastic_fields`)."""
    h, w = img.shape[:2]
    mx = fields[0] + np.arange(w, dtype=np.float32)
    my = fields[1] + np.arange(h, dtype=np.float32)[:, None]
    return remap_maps(img, mx, my, nearest=nearest, border=border, fill=fill)


def remap_maps(
    img: np.ndarray,
    mx: np.ndarray,
    my: np.ndarray,
    *,
    nearest: bool = False,
    border: str = "reflect",
    fill: Sequence[float] = (0.0,),
) -> np.ndarray:
    """``cv2.remap``: output pixel ``(i, j)`` takes the input at pixel index ``(my[i, j], mx[i, j])``.

    Any channel count; ``nearest=True`` for label masks of any integer dtype.
    """
    mode = BORDER_CODES[border]
    if nearest:

        def near(chunk: np.ndarray, value: tuple[float, ...]) -> np.ndarray:
            return cv2.remap(chunk, mx, my, cv2.INTER_NEAREST, borderMode=mode, borderValue=value)

        return native_labels(lambda arr, v: per_chunk(near, arr, (v,)), img, float(fill[0]))
    # Fixed-point maps make the bilinear remap about a third faster than float maps.
    m1, m2 = cv2.convertMaps(mx, my, cv2.CV_16SC2)
    return remap_fixed(img, m1, m2, border=border, fill=fill)


def remap_fixed(
    img: np.ndarray,
    m1: np.ndarray,
    m2: np.ndarray,
    *,
    border: str = "reflect",
    fill: Sequence[float] = (0.0,),
) -> np.ndarray:
    """Bilinear ``cv2.remap`` through OpenCV's fixed-point maps (``CV_16SC2``), any channel count."""
    mode = BORDER_CODES[border]

    def lin(chunk: np.ndarray, value: tuple[float, ...]) -> np.ndarray:
        return cv2.remap(chunk, m1, m2, cv2.INTER_LINEAR, borderMode=mode, borderValue=value)

    return per_chunk(lin, img, fill)


def _bilinear(field: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``field`` (H x W, values at pixel centres) at continuous points, clamped at the edges."""
    h, w = field.shape
    xi = np.clip(x - 0.5, 0.0, w - 1.0)
    yi = np.clip(y - 0.5, 0.0, h - 1.0)
    x0 = np.minimum(xi.astype(np.intp), max(w - 2, 0))
    y0 = np.minimum(yi.astype(np.intp), max(h - 2, 0))
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = xi - x0, yi - y0
    top = field[y0, x0] * (1 - fx) + field[y0, x1] * fx
    bottom = field[y1, x0] * (1 - fx) + field[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def elastic_points(points: np.ndarray, fields: np.ndarray, iterations: int = 30) -> np.ndarray:
    """Where the elastic warp moves ``N x 2`` points: solve ``p + d(p) = q`` for each ``q``.

    The output samples the input at ``p + d(p)``, so a point ``q`` of the input
    lands where that map hits it (:func:`invert_displacement`, with ``d`` read
    bilinearly from the fields).
    """
    dx, dy = fields

    def displace(p: np.ndarray) -> np.ndarray:
        return np.stack([_bilinear(dx, p[:, 0], p[:, 1]), _bilinear(dy, p[:, 0], p[:, 1])], axis=1)

    return invert_displacement(points, displace, iterations)


def invert_displacement(
    points: np.ndarray, displace: Callable[[np.ndarray], np.ndarray], iterations: int = 30
) -> np.ndarray:
    """Solve ``p + displace(p) = q`` for each of ``N x 2`` points ``q``: where a remap moves them.

    Fixed-point iteration ``p <- q - d(p)`` (a contraction wherever the
    displacement's slope is below 1, which holds for smooth fields), keeping per
    point the iterate with the smallest residual so that folds, where the
    iteration may cycle, still give the best candidate found.
    """
    if len(points) == 0:
        return points.copy()
    q = points
    p = q.copy()
    best, best_err = p.copy(), np.full(len(q), np.inf)
    for _ in range(iterations):
        d = displace(p)
        err = np.abs(p + d - q).max(axis=1)
        better = err < best_err
        best[better], best_err[better] = p[better], err[better]
        if best_err.max() < 1e-4:
            break
        p = q - d
    return best


def elastic_boxes(boxes: np.ndarray, fields: np.ndarray, sigma: float) -> np.ndarray:
    """Envelopes of the deformed box outlines, sampled finer than the field varies (sigma / 2)."""
    return outline_envelopes(boxes, lambda pts: elastic_points(pts, fields), sigma)


def outline_envelopes(
    boxes: np.ndarray, move: Callable[[np.ndarray], np.ndarray], spacing: float
) -> np.ndarray:
    """Envelopes of box outlines moved by ``move`` (``N x 2`` points), sampled every ``spacing / 2`` px."""
    if len(boxes) == 0:
        return boxes.copy()
    longest = float(max((boxes[:, 2] - boxes[:, 0]).max(), (boxes[:, 3] - boxes[:, 1]).max()))
    n = int(min(max(math.ceil(2.0 * longest / max(spacing, 1e-3)), 2), 256)) + 1
    t = np.linspace(0.0, 1.0, n)
    x0, y0, x1, y1 = (boxes[:, i : i + 1] for i in range(4))
    xs = np.concatenate([x0 + (x1 - x0) * t, np.broadcast_to(x1, (len(boxes), n)),
                         x1 - (x1 - x0) * t, np.broadcast_to(x0, (len(boxes), n))], axis=1)  # fmt: skip
    ys = np.concatenate([np.broadcast_to(y0, (len(boxes), n)), y0 + (y1 - y0) * t,
                         np.broadcast_to(y1, (len(boxes), n)), y1 - (y1 - y0) * t], axis=1)  # fmt: skip
    moved = move(np.stack([xs.ravel(), ys.ravel()], axis=1)).reshape(len(boxes), -1, 2)
    return np.concatenate([moved.min(axis=1), moved.max(axis=1)], axis=1)


def elastic_transform(
    img: np.ndarray,
    alpha: float,
    sigma: float,
    noise_seed: int,
    *,
    nearest: bool = False,
    border: str = "reflect",
    fill: Sequence[float] = (0.0,),
) -> np.ndarray:
    """The kernel of :class:`~multiaug.image.ElasticTransform`: :func:`remap` through :func:`elastic_fields`.

    ``nearest=True`` for label masks. A transform moving several targets builds
    the fields once and calls :func:`remap`, :func:`elastic_points` and
    :func:`elastic_boxes` with them.
    """
    h, w = img.shape[:2]
    fields = elastic_fields(h, w, alpha, sigma, noise_seed)
    return remap(img, fields, nearest=nearest, border=border, fill=fill)
