"""Lens and grid distortions: remap kernels with their exact or solved target moves.

Same coordinates as :mod:`multiaug.image.functional.geometric` (pixel ``(i, j)`` covers
``[j, j + 1) x [i, i + 1)``). Each distortion says, per output point, where the input is
read (``cv2.remap`` through :func:`~multiaug.image.functional.elastic.remap_maps`); a
target point ``q`` of the input goes to the output point that reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .elastic import outline_envelopes, remap_fixed, remap_maps

__all__ = [
    "grid_distortion",
    "grid_edges",
    "grid_move",
    "optical_boxes",
    "optical_distortion",
    "optical_move",
    "optical_source",
]


# ---------------------------------------------------------------------- grid
def grid_edges(length: int, steps: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Cell edges of one axis: ``(output, input)``, both from 0 to ``length``.

    The output edges are evenly spaced (``len(steps)`` cells); input cell ``k`` is
    ``1 + steps[k]`` times as wide as the rest on average (the widths are normalised to
    fill the axis, Albumentations' ``normalized=True``: nothing leaves the image), so a
    positive step shrinks that cell's content on screen and a negative one stretches it.
    """
    n = len(steps)
    widths = np.maximum(1.0 + np.asarray(steps, np.float64), 1e-3)
    inner = np.concatenate([[0.0], np.cumsum(widths)]) * (length / widths.sum())
    inner[-1] = float(length)
    return np.linspace(0.0, float(length), n + 1), inner


def _axis_map(length: int, steps: Sequence[float]) -> np.ndarray:
    """Input pixel index read by each output pixel index of one axis (piecewise linear)."""
    out_edges, in_edges = grid_edges(length, steps)
    centres = np.arange(length, dtype=np.float64) + 0.5
    return (np.interp(centres, out_edges, in_edges) - 0.5).astype(np.float32)


def grid_distortion(
    img: np.ndarray,
    x_steps: Sequence[float],
    y_steps: Sequence[float],
    *,
    nearest: bool = False,
    border: str = "reflect",
    fill: Sequence[float] = (0.0,),
) -> np.ndarray:
    """The kernel of ``GridDistortion``: each axis cut into cells scaled by ``1 + step`` (:func:`grid_edges`).

    Separable: column ``j`` of the output reads input column ``mx[j]``, row ``i`` reads row ``my[i]``.
    """
    h, w = img.shape[:2]
    mx = np.broadcast_to(_axis_map(w, x_steps), (h, w))
    my = np.broadcast_to(_axis_map(h, y_steps)[:, None], (h, w))
    return remap_maps(
        img, np.ascontiguousarray(mx), np.ascontiguousarray(my), nearest=nearest, border=border, fill=fill
    )


def grid_move(
    points: np.ndarray, size: tuple[int, int], x_steps: Sequence[float], y_steps: Sequence[float]
) -> np.ndarray:
    """Where ``GridDistortion`` moves ``N x 2`` points: the exact inverse of its monotone per-axis maps.

    Works for boxes too (``N x 4``: ``x0, y0, x1, y1``), as each axis moves monotonically.
    """
    h, w = size
    x_out, x_in = grid_edges(w, x_steps)
    y_out, y_in = grid_edges(h, y_steps)
    moved = np.array(points, dtype=np.float64, copy=True)
    # outside the image the map is the identity (the edges stay put)
    for col, (lo, hi) in enumerate(((x_in, x_out), (y_in, y_out)) * (moved.shape[1] // 2)):
        v = moved[:, col]
        inside = (v >= 0) & (v <= lo[-1])
        v[inside] = np.interp(v[inside], lo, hi)
    return moved


# ---------------------------------------------------------------------- optical
def _radial(
    x: np.ndarray, y: np.ndarray, size: tuple[int, int], k: float, mode: str
) -> tuple[np.ndarray, np.ndarray]:
    """The source point of each output point ``(x, y)`` (continuous coordinates, broadcastable)."""
    h, w = size
    cx, cy = w / 2.0, h / 2.0
    u, v = x - cx, y - cy
    if mode == "camera":  # OpenCV's camera model, k1 = k2 = k, focal lengths W and H (as Albumentations)
        r2 = (u / w) ** 2 + (v / h) ** 2
        factor = 1.0 + k * r2 * (1.0 + r2)
    else:  # fisheye: radius normalised by the half diagonal
        r2 = (u * u + v * v) / (cx * cx + cy * cy)
        factor = 1.0 + k * r2
    return cx + u * factor, cy + v * factor


def optical_source(size: tuple[int, int], k: float, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """``(mx, my)``: the input pixel index read by each output pixel (``H x W`` float32 each)."""
    h, w = size
    xs = np.arange(w, dtype=np.float32) + np.float32(0.5)
    ys = (np.arange(h, dtype=np.float32) + np.float32(0.5))[:, None]
    mx, my = _radial(xs[None, :], ys, size, float(k), mode)
    half = np.float32(0.5)
    return np.ascontiguousarray(mx - half, np.float32), np.ascontiguousarray(my - half, np.float32)


def optical_distortion(
    img: np.ndarray,
    k: float,
    mode: str = "camera",
    *,
    nearest: bool = False,
    border: str = "constant",
    fill: Sequence[float] = (0.0,),
) -> np.ndarray:
    """The kernel of ``OpticalDistortion``: radial distortion about the centre.

    Output point ``p`` reads the input at ``c + (p - c) f(r)``: ``k > 0`` draws the content towards
    the centre (the corners show what lay outside: ``border``), ``k < 0`` pushes it outwards.
    """
    h, w = img.shape[:2]
    if mode == "camera" and not nearest:
        # OpenCV's own map builder, straight into fixed-point maps: the same map as
        # optical_source (pixel indices: the centre of a W-wide image is at W / 2 - 0.5), faster
        camera = np.array([[w, 0.0, w / 2 - 0.5], [0.0, h, h / 2 - 0.5], [0.0, 0.0, 1.0]])
        dist = np.array([k, k, 0.0, 0.0, 0.0])
        m1, m2 = cv2.initUndistortRectifyMap(camera, dist, None, camera, (w, h), cv2.CV_16SC2)
        return remap_fixed(img, m1, m2, border=border, fill=fill)
    mx, my = optical_source((h, w), k, mode)
    return remap_maps(img, mx, my, nearest=nearest, border=border, fill=fill)


def optical_move(points: np.ndarray, size: tuple[int, int], k: float, mode: str) -> np.ndarray:
    """Where ``OpticalDistortion`` moves ``N x 2`` points: the output point that reads each.

    The map is radial, so a point at ``c + u`` goes to ``c + s u`` with ``s f(s r) = 1``
    (``r``: its normalised radius); ``s`` is found by bisection (60 halvings: exact to float
    precision) on the part of the map that is still monotone. Past a fold (strong ``k < 0``),
    where no output pixel reads the point, it goes to the fold, the farthest the map reaches.
    """
    h, w = size
    cx, cy = w / 2.0, h / 2.0
    q = np.asarray(points, np.float64)
    u, v = q[:, 0] - cx, q[:, 1] - cy
    if mode == "camera":
        a = (u / w) ** 2 + (v / h) ** 2

        def g(s: np.ndarray) -> np.ndarray:
            t = s * s * a
            return s * (1.0 + k * t * (1.0 + t)) - 1.0

    else:
        a = (u * u + v * v) / (cx * cx + cy * cy)

        def g(s: np.ndarray) -> np.ndarray:
            return s * (1.0 + k * s * s * a) - 1.0

    hi = np.ones_like(a) if k >= 0 else _fold(a, k, mode)
    lo = np.zeros_like(a)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        below = g(mid) < 0
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    s = 0.5 * (lo + hi)
    return np.stack([cx + s * u, cy + s * v], axis=1)


def _fold(a: np.ndarray, k: float, mode: str) -> np.ndarray:
    """For ``k < 0``: the scale ``s`` where ``s f(s r)`` stops growing (``inf``-safe upper bound)."""
    a = np.where(a > 0, a, 1.0)  # the centre does not move: any bound will do
    if mode == "camera":  # 1 + 3 k a t + 5 k a^2 t^2 = 0, t = s^2
        t = (-3.0 * k * a - np.sqrt(9.0 * k * k * a * a - 20.0 * k * a * a)) / (10.0 * k * a * a)
    else:  # 1 + 3 k a t = 0
        t = -1.0 / (3.0 * k * a)
    return np.sqrt(np.minimum(t, 1e12))


def optical_boxes(boxes: np.ndarray, size: tuple[int, int], k: float, mode: str) -> np.ndarray:
    """Envelopes of the distorted box outlines (sampled every 1/64 of the longer side)."""
    return outline_envelopes(boxes, lambda p: optical_move(p, size, k, mode), max(size) / 32.0)
