"""Geometric image kernels: plain functions of arrays and numbers (OpenCV + NumPy).

Coordinates are continuous pixel coordinates: pixel ``(i, j)`` covers
``[j, j + 1) x [i, i + 1)``, so its centre is ``(j + 0.5, i + 0.5)`` and an image of
width ``W`` spans ``[0, W]``. A horizontal flip maps ``x -> W - x``.

Every geometric op is a 3x3 matrix in these coordinates mapping input points to
output points (``*_matrix`` builders). :func:`warp` resamples an image (or, with
``nearest=True``, a label mask) through such a matrix; it converts to OpenCV's
pixel-index convention (index = coordinate - 0.5) itself and takes cheap exact
paths (copy, slicing, ``cv2.flip``, ``cv2.resize``) whenever the matrix allows, so a
crop or a flip never goes through an interpolating warp.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from ._opencv import BORDER_CODES, BORDERS, MAX_WARP_SIDE, channel_fills, native_labels, per_chunk
from ._resample import (
    axis_aligned,
    axis_frame,
    axis_whole,
    axis_window,
    flip,
    flip_view,
    pad,
    quarter,
    reindexed,
    swapped,
)

__all__ = [
    "BORDERS",
    "MAX_WARP_SIDE",
    "affine",
    "affine_matrix",
    "axis_aligned",
    "axis_frame",
    "axis_matrix",
    "axis_whole",
    "axis_window",
    "clip_boxes",
    "crop",
    "fill_outside",
    "flip",
    "flip_view",
    "frame",
    "frame_is_exact",
    "horizontal_flip",
    "invert",
    "matmul3",
    "pad",
    "perspective",
    "perspective_matrix",
    "quad_pixels",
    "quarter",
    "quarter_matrix",
    "reindexed",
    "resized_crop",
    "resized_crop_axis",
    "rotate",
    "rotate_matrix",
    "safe_rotate_matrix",
    "samples_outside",
    "swapped",
    "transform_points",
    "translate_matrix",
    "transpose_matrix",
    "vertical_flip",
    "warp",
    "warp_boxes",
    "warp_points",
]

_CORNER_ORDER = [0, 1, 2, 1, 2, 3, 0, 3]  # x0 y0 x1 y0 x1 y1 x0 y1: a box's corners, clockwise
_EPS = 1e-6  # pixels: coordinates closer than this to an integer or an edge are on it
Size = tuple[int, int]
Fill = Sequence[float]


# ---------------------------------------------------------------------- matrices
def axis_matrix(sx: float, tx: float, sy: float, ty: float) -> np.ndarray:
    """``x -> sx x + tx, y -> sy y + ty``: the matrix of a flip, a crop or a resized crop (an axis map)."""
    return np.array([[sx, 0.0, tx], [0.0, sy, ty], [0.0, 0.0, 1.0]])


def quarter_matrix(factor: int, height: int, width: int) -> np.ndarray:
    """``factor`` quarter turns counter-clockwise (``np.rot90(img, factor)``) of an H x W image."""
    k = factor % 4
    if k == 1:  # x -> y, y -> W - x
        return np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, float(width)], [0.0, 0.0, 1.0]])
    if k == 2:
        return axis_matrix(-1.0, float(width), -1.0, float(height))
    if k == 3:  # x -> H - y, y -> x
        return np.array([[0.0, -1.0, float(height)], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    return np.eye(3)


def safe_rotate_matrix(angle: float, height: int, width: int) -> np.ndarray:
    """``angle`` degrees counter-clockwise about the centre, then each axis scaled so that the whole
    rotated frame fits the frame again (Albumentations' ``SafeRotate``: the aspect may change)."""
    t = math.radians(angle)
    c, s = abs(math.cos(t)), abs(math.sin(t))
    sx, sy = width / (width * c + height * s), height / (width * s + height * c)
    cx, cy = width / 2.0, height / 2.0
    scale = axis_matrix(sx, cx - sx * cx, sy, cy - sy * cy)
    return matmul3(scale, rotate_matrix(angle, height, width))


def transpose_matrix() -> np.ndarray:
    """The transpose (``x <-> y``, the main diagonal as mirror)."""
    return np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def translate_matrix(dx: float, dy: float) -> np.ndarray:
    """``(x, y) -> (x + dx, y + dy)``; a crop at ``(top, left)`` is ``translate(-left, -top)``."""
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def affine_matrix(
    height: int,
    width: int,
    scale: tuple[float, float] = (1.0, 1.0),
    translate: tuple[float, float] = (0.0, 0.0),
    rotate: float = 0.0,
    shear: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """Scale, then rotate, then shear about the image centre, then translate (``translate`` in pixels).

    ``rotate`` is in degrees, positive turning the image counter-clockwise on screen
    (as ``cv2.getRotationMatrix2D``); ``shear`` is ``(x, y)`` in degrees, positive x
    moving the top edge to the right and positive y moving the left edge down (as
    Albumentations and torchvision). The linear part is ``Shear @ Rotate @ Scale``
    about ``(width / 2, height / 2)``, Albumentations' order. The neutral values
    give exactly the identity matrix.
    """
    a = math.radians(rotate)
    c, s = math.cos(a), math.sin(a)
    kx, ky = -math.tan(math.radians(shear[0])), -math.tan(math.radians(shear[1]))
    sx, sy = scale
    # L = Shear @ R @ Scale, written out: three tiny matmuls cost more than this arithmetic.
    r00, r01, r10, r11 = c, s, -s, c
    h00, h01, h10, h11 = r00 + kx * r10, r01 + kx * r11, ky * r00 + r10, ky * r01 + r11
    l00, l01, l10, l11 = h00 * sx, h01 * sy, h10 * sx, h11 * sy
    cx, cy = width / 2.0, height / 2.0
    tx = cx + translate[0] - (l00 * cx + l01 * cy)
    ty = cy + translate[1] - (l10 * cx + l11 * cy)
    return np.array([[l00, l01, tx], [l10, l11, ty], [0.0, 0.0, 1.0]])


def rotate_matrix(angle: float, height: int, width: int) -> np.ndarray:
    """Rotation by ``angle`` degrees (counter-clockwise on screen) about the image centre."""
    return affine_matrix(height, width, rotate=angle)


def resized_crop_axis(
    top: int, left: int, height: int, width: int, size: Size
) -> tuple[float, float, float, float]:
    """The axis map (see :func:`axis_matrix`) of cropping the ``height`` x ``width`` window at
    ``(top, left)`` and resizing it to ``size`` (H, W)."""
    sx, sy = size[1] / width, size[0] / height
    return (sx, -left * sx, sy, -top * sy)


def perspective_matrix(src: np.ndarray, height: int, width: int) -> np.ndarray:
    """The homography taking the quadrilateral ``src`` (TL, TR, BR, BL; 4x2) onto the output frame.

    Closed form (Heckbert's unit-square-to-quad map, inverted, then scaled to the
    frame) in float64: ``cv2.getPerspectiveTransform`` takes float32 points and a
    general 8x8 solve costs ten times more.
    """
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = src.tolist()
    dx1, dx2, dx3 = x1 - x2, x3 - x2, x0 - x1 + x2 - x3
    dy1, dy2, dy3 = y1 - y2, y3 - y2, y0 - y1 + y2 - y3
    den = dx1 * dy2 - dx2 * dy1
    g = (dx3 * dy2 - dx2 * dy3) / den
    h = (dx1 * dy3 - dx3 * dy1) / den
    square_to_quad = np.array(
        [
            [x1 - x0 + g * x1, x3 - x0 + h * x3, x0],
            [y1 - y0 + g * y1, y3 - y0 + h * y3, y0],
            [g, h, 1.0],
        ]
    )
    m = invert(square_to_quad)
    m[0] *= width
    m[1] *= height
    return m / m[2, 2]


def matmul3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for 3x3 matrices in plain float arithmetic, the same bits on every CPU.

    NumPy's ``@`` goes through BLAS, whose kernels (and their use of fused multiply-adds)
    differ by CPU: box coordinates moved by 1e-15 px between an AVX-512 and an older core.

    Examples
    --------
    >>> m = np.arange(9.0).reshape(3, 3)
    >>> bool((matmul3(m, m) == m @ m).all())
    True
    """
    (a0, a1, a2), (a3, a4, a5), (a6, a7, a8) = a.tolist()
    (b0, b1, b2), (b3, b4, b5), (b6, b7, b8) = b.tolist()
    return np.array(
        [
            [a0 * b0 + a1 * b3 + a2 * b6, a0 * b1 + a1 * b4 + a2 * b7, a0 * b2 + a1 * b5 + a2 * b8],
            [a3 * b0 + a4 * b3 + a5 * b6, a3 * b1 + a4 * b4 + a5 * b7, a3 * b2 + a4 * b5 + a5 * b8],
            [a6 * b0 + a7 * b3 + a8 * b6, a6 * b1 + a7 * b4 + a8 * b7, a6 * b2 + a7 * b5 + a8 * b8],
        ]
    )


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map ``N x 2`` points through a 3x3 matrix (with the projective division when needed).

    Elementwise arithmetic, not ``@`` (BLAS): the same coordinates on every CPU.
    """
    (a, b, c), (d, e, f), (g, h, k) = matrix.tolist()
    x, y = points[:, 0], points[:, 1]
    out = np.empty((len(points), 2), np.float64)
    out[:, 0] = x * a + y * b + c
    out[:, 1] = x * d + y * e + f
    if g != 0.0 or h != 0.0 or k != 1.0:
        out /= (x * g + y * h + k)[:, None]
    return out


def invert(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a 3x3 matrix by its adjugate (``np.linalg.inv`` costs ~10x more on 3x3)."""
    (a, b, c), (d, e, f), (g, h, k) = matrix.tolist()
    co0, co1, co2 = e * k - f * h, f * g - d * k, d * h - e * g
    det = a * co0 + b * co1 + c * co2
    if det == 0.0:
        raise ValueError("singular geometric matrix")
    r = 1.0 / det
    return np.array(
        [
            [co0 * r, (c * h - b * k) * r, (b * f - c * e) * r],
            [co1 * r, (a * k - c * g) * r, (c * d - a * f) * r],
            [co2 * r, (b * g - a * h) * r, (a * e - b * d) * r],
        ]
    )


def frame(height: float, width: float) -> np.ndarray:
    """The corners (TL, TR, BR, BL) of an image frame, 4x2 continuous coordinates."""
    return np.array([[0.0, 0.0], [width, 0.0], [width, height], [0.0, height]])


def samples_outside(matrix: np.ndarray, in_size: tuple[int, int], out_size: tuple[int, int]) -> bool:
    """Whether the output frame of ``matrix`` pulls back to points outside the input frame.

    Such an op shows border pixels (fill, reflection...); one whose output lies
    inside its input (crops, flips, zooms in) never does, so its border mode is moot.
    """
    (a, b, c), (d, e, f), (g, h, k) = invert(matrix).tolist()
    hi, wi = in_size
    ho, wo = out_size
    for x, y in ((0.0, 0.0), (wo, 0.0), (wo, ho), (0.0, ho)):
        z = g * x + h * y + k
        sx, sy = (a * x + b * y + c) / z, (d * x + e * y + f) / z
        if sx < -_EPS or sy < -_EPS or sx > wi + _EPS or sy > hi + _EPS:
            return True
    return False


def frame_is_exact(matrix: np.ndarray, in_size: tuple[int, int], out_size: tuple[int, int]) -> bool:
    """Whether ``matrix`` maps the input frame exactly onto the output frame (flips, resizes).

    Across such a map, the border of the output is the image of the input's border,
    so an op that samples outside it can be fused without changing what it shows.
    """
    (a, b, _), (d, e, _), (g, h, _) = matrix.tolist()
    if g != 0.0 or h != 0.0 or not ((b == 0.0 and d == 0.0) or (a == 0.0 and e == 0.0)):
        return False
    pts = transform_points(frame(*in_size), matrix)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    oh, ow = out_size
    return bool(np.abs(lo).max() < _EPS and abs(hi[0] - ow) < _EPS and abs(hi[1] - oh) < _EPS)


def horizontal_flip(img: np.ndarray) -> np.ndarray:
    """Mirror left-right (any dtype, any channel count); returns a new array."""
    return flip(img, 1)


def vertical_flip(img: np.ndarray) -> np.ndarray:
    """Mirror top-bottom (any dtype, any channel count); returns a new array."""
    return flip(img, 0)


def crop(img: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """A copy of the ``height`` x ``width`` window at ``(top, left)``."""
    return img[top : top + height, left : left + width].copy()


# ---------------------------------------------------------------------- resampling
def warp(
    img: np.ndarray,
    matrix: np.ndarray,
    size: tuple[int, int],
    *,
    nearest: bool = False,
    border: str = "constant",
    fill: Sequence[float] = (0.0,),
) -> np.ndarray:
    """Resample ``img`` through ``matrix`` (input -> output, continuous coordinates) into ``size``.

    Bilinear, or nearest neighbour for label masks (``nearest=True``, any integer
    dtype). ``fill`` is one value or one per channel (``border="constant"``).
    Identity, flips, integer crops and axis-aligned resized crops take exact
    fast paths (copy, slicing, ``cv2.flip``, ``cv2.resize``; and when the image's frame lands
    on whole output pixels, a resize of the whole image, ``cv2.copyMakeBorder`` and a slice:
    pads and crops after a resize); the rest is one
    ``cv2.warpAffine`` or ``cv2.warpPerspective``. Output dtype and layout equal
    the input's.
    """
    (a, b, c), (d, e, f), (g, h, k) = matrix.tolist()
    if k != 1.0:
        (a, b, c), (d, e, f), (g, h, k) = (matrix / k).tolist()
    projective = g != 0.0 or h != 0.0
    if not projective and abs(b) < 1e-12 and abs(d) < 1e-12:
        out = axis_aligned(img, a, c, e, f, size, nearest)
        if out is None:
            out = axis_whole(img, (a, c, e, f), size, nearest, border, fill)
        if out is not None:
            return out
    if not projective and abs(a) < 1e-12 and abs(e) < 1e-12:  # quarter turns, transposes
        out = swapped(img, b, c, d, f, size, nearest)
        if out is not None:
            return out
    # OpenCV maps output pixel indices to input pixel indices (index = coordinate - 0.5).
    to_index = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    inv = matmul3(invert(matrix), to_index)
    inv[:2] -= 0.5 * inv[2]
    flags = (cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR) | cv2.WARP_INVERSE_MAP
    mode = BORDER_CODES[border]
    dsize = (size[1], size[0])
    if projective:

        def one(chunk: np.ndarray, value: tuple[float, ...]) -> np.ndarray:
            return cv2.warpPerspective(chunk, inv, dsize, flags=flags, borderMode=mode, borderValue=value)

    else:
        inv2 = inv[:2]

        def one(chunk: np.ndarray, value: tuple[float, ...]) -> np.ndarray:
            return cv2.warpAffine(chunk, inv2, dsize, flags=flags, borderMode=mode, borderValue=value)

    if nearest:
        return native_labels(lambda arr, v: per_chunk(one, arr, (v,)), img, float(fill[0]))
    return per_chunk(one, img, fill)


def fill_outside(img: np.ndarray, quads: Sequence[np.ndarray], fill: Sequence[float]) -> np.ndarray:
    """Set the pixels whose centre lies outside any of the convex ``quads`` (4x2, continuous) to ``fill``.

    Used by fused warps to blank what an intermediate crop had cut away: one
    warp of the original would otherwise show it again. Modifies ``img`` in place
    and returns it.
    """
    h, w = img.shape[:2]
    corners = frame(h, w)
    valid: np.ndarray | None = None
    for quad in quads:
        if _contains(quad, corners):
            continue
        layer = np.zeros((h, w), np.uint8)
        # fillConvexPoly works on pixel indices; 8 fractional bits keep sub-pixel corners.
        pts = np.round((quad - 0.5) * 256.0).astype(np.int32)
        cv2.fillConvexPoly(layer, pts, 1, lineType=cv2.LINE_8, shift=8)
        valid = layer if valid is None else cv2.bitwise_and(valid, layer)
    if valid is None:
        return img
    outside = valid == 0
    if img.ndim == 3:
        img[outside] = np.asarray(channel_fills(fill, img.shape[2]), np.float64).astype(img.dtype)
    else:
        img[outside] = np.asarray(fill[0]).astype(img.dtype)
    return img


def _contains(quad: np.ndarray, points: np.ndarray) -> bool:
    """Whether every point lies inside (or on) the convex quadrilateral ``quad``."""
    edges = np.roll(quad, -1, axis=0) - quad
    rel = points[:, None, :] - quad[None, :, :]
    cross = edges[None, :, 0] * rel[..., 1] - edges[None, :, 1] * rel[..., 0]
    return bool((cross >= -_EPS).all() or (cross <= _EPS).all())


# ---------------------------------------------------------------------- boxes and points
def clip_boxes(
    boxes: np.ndarray, height: float, width: float, min_visibility: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Clip ``N x 4`` boxes to ``[0, W] x [0, H]``; returns them and which to keep.

    A box is dropped when nothing of it is left (zero area) or when the kept part
    is less than ``min_visibility`` of its area before clipping.
    """
    clipped = np.empty_like(boxes)
    np.clip(boxes[:, 0::2], 0.0, width, out=clipped[:, 0::2])
    np.clip(boxes[:, 1::2], 0.0, height, out=clipped[:, 1::2])
    cw, ch = clipped[:, 2] - clipped[:, 0], clipped[:, 3] - clipped[:, 1]
    keep = (cw > 0) & (ch > 0)
    if min_visibility > 0.0:
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        keep &= cw * ch >= min_visibility * area
    return clipped, keep


def warp_boxes(
    boxes: np.ndarray, steps: Sequence[tuple[np.ndarray, tuple[int, int], float]]
) -> tuple[np.ndarray, np.ndarray]:
    """Move ``N x 4`` boxes through a chain of ``(matrix, (out_h, out_w), min_visibility)`` steps.

    Each box travels as its four corners (the exact image of the box under affine
    and projective maps). At every step the corners' envelope is clipped to that
    step's frame exactly as the op alone would do it; a box the frame cuts
    continues from its clipped envelope. Returns the final envelopes and the
    indices of the input boxes they come from. One step gives the op's own
    result; for a chain of axis-aligned ops (flips, crops, scales, translations)
    this equals applying the ops one by one, and with rotations the boxes are
    never looser than that (one envelope instead of one per op).
    """
    index = np.arange(len(boxes))
    corners = boxes[:, _CORNER_ORDER].reshape(-1, 4, 2)
    env = boxes
    for matrix, (h, w), min_visibility in steps:
        pts = transform_points(corners.reshape(-1, 2), matrix).reshape(-1, 4, 2)
        env = np.concatenate([pts.min(axis=1), pts.max(axis=1)], axis=1)
        clipped, keep = clip_boxes(env, h, w, min_visibility)
        cut = (clipped != env).any(axis=1)
        if cut.any():
            pts[cut] = clipped[cut][:, _CORNER_ORDER].reshape(-1, 4, 2)
            env = clipped
        if not keep.all():
            pts, env, index = pts[keep], env[keep], index[keep]
        corners = pts
    return env, index


def warp_points(
    points: np.ndarray,
    matrix: np.ndarray,
    steps: Sequence[tuple[np.ndarray, tuple[int, int], bool]],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Move ``N x 2`` points through ``matrix`` (the product of ``steps``).

    ``steps`` holds ``(matrix, (out_h, out_w), drop_outside)``; when any step drops
    points outside its frame, the points go step by step so that one leaving an
    intermediate frame is dropped even if a later step brings it back. Returns the
    points and the indices kept (``None``: all of them).
    """
    if not any(drop for _, _, drop in steps):
        return transform_points(points, matrix), None
    index = np.arange(len(points))
    for m, (h, w), drop in steps:
        points = transform_points(points, m)
        if drop:
            inside = (points[:, 0] >= 0) & (points[:, 0] <= w) & (points[:, 1] >= 0) & (points[:, 1] <= h)
            points, index = points[inside], index[inside]
    return points, index


# ---------------------------------------------------------------------- one op alone
def _alone(img: np.ndarray, m: np.ndarray, size: Size, nearest: bool, border: str, fill: Fill) -> np.ndarray:
    """:func:`warp` as one op applies it (its fused group of one): the border only where it samples outside.

    An op whose output lies inside its input (crops, flips, zooms in) never shows
    its border; its edge pixels are interpolated with the edge replicated, so
    they keep their value instead of blending with the fill.
    """
    if not samples_outside(m, img.shape[:2], size):
        border, fill = "replicate", (0.0,)
    return warp(img, m, size, nearest=nearest, border=border, fill=fill)


def resized_crop(
    img: np.ndarray,
    top: int,
    left: int,
    height: int,
    width: int,
    size: tuple[int, int],
    *,
    nearest: bool = False,
) -> np.ndarray:
    """The kernel of ``RandomResizedCrop``: the ``height`` x ``width`` window at ``(top, left)``, resized."""
    m = axis_matrix(*resized_crop_axis(top, left, height, width, size))
    return _alone(img, m, size, nearest, "constant", (0.0,))


def rotate(
    img: np.ndarray,
    angle: float,
    *,
    nearest: bool = False,
    border: str = "constant",
    fill: Sequence[float] = (0.0,),
) -> np.ndarray:
    """The kernel of ``Rotate``: ``angle`` degrees counter-clockwise about the centre, same size."""
    h, w = img.shape[:2]
    return _alone(img, rotate_matrix(angle, h, w), (h, w), nearest, border, fill)


def affine(
    img: np.ndarray,
    scale: tuple[float, float] = (1.0, 1.0),
    translate: tuple[float, float] = (0.0, 0.0),
    rotate: float = 0.0,
    shear: tuple[float, float] = (0.0, 0.0),
    *,
    nearest: bool = False,
    border: str = "constant",
    fill: Sequence[float] = (0.0,),
) -> np.ndarray:
    """The kernel of ``Affine`` (see :func:`affine_matrix`; ``translate`` in pixels), same size."""
    h, w = img.shape[:2]
    m = affine_matrix(h, w, scale, translate, rotate, shear)
    return _alone(img, m, (h, w), nearest, border, fill)


def perspective(img: np.ndarray, corners: Sequence[Sequence[float]], *, nearest: bool = False) -> np.ndarray:
    """The kernel of ``Perspective``: the quadrilateral ``corners`` (TL, TR, BR, BL, fractions of the
    width and height) stretched onto the whole frame, same size."""
    h, w = img.shape[:2]
    m = perspective_matrix(quad_pixels(corners, h, w), h, w)
    return _alone(img, m, (h, w), nearest, "constant", (0.0,))


def quad_pixels(corners: Sequence[Sequence[float]], height: int, width: int) -> np.ndarray:
    """Corners given as fractions of the width (x) and height (y), in pixels (4x2 float64)."""
    return np.array(corners, dtype=np.float64) * (width, height)
