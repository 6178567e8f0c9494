"""Exact resampling paths of axis maps (``x -> sx x + tx, y -> sy y + ty``): slice, flip, resize, pad.

:func:`~multiaug.image.functional.geometric.warp` tries these before an interpolating
warp; a fused group of flips, crops, resizes and pads never goes through one.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ._opencv import (
    BORDER_CODES,
    INTERPOLATION_CODES,
    NATIVE_CHARS,
    channel_fills,
    contiguous,
    native_labels,
    per_chunk,
)

__all__ = [
    "axis_aligned",
    "axis_frame",
    "axis_whole",
    "axis_window",
    "flip",
    "flip_view",
    "pad",
    "quarter",
    "reindexed",
    "swapped",
]

_EPS = 1e-6  # pixels: coordinates closer than this to an integer or an edge are on it


def axis_frame(
    axis: tuple[float, float, float, float], in_size: tuple[int, int], out_size: tuple[int, int]
) -> tuple[bool, bool, bool]:
    """Where an axis map puts the input frame in the output: ``(covers, exact, keeps)``.

    ``covers``: the output frame lies within the image of the input frame (the map
    never samples outside its input); ``keeps``: the image of the input frame lies
    within the output frame (nothing is cut away: flips, resizes, pads); ``exact``:
    both (the frames coincide). The axis-map forms of ``samples_outside`` and
    ``frame_is_exact``.
    """
    sx, tx, sy, ty = axis
    h, w = in_size
    ho, wo = out_size
    x0, x1 = (tx, sx * w + tx) if sx >= 0 else (sx * w + tx, tx)
    y0, y1 = (ty, sy * h + ty) if sy >= 0 else (sy * h + ty, ty)
    covers = x0 <= _EPS and y0 <= _EPS and x1 >= wo - _EPS and y1 >= ho - _EPS
    keeps = x0 >= -_EPS and y0 >= -_EPS and x1 <= wo + _EPS and y1 <= ho + _EPS
    return covers, covers and keeps, keeps


def flip(img: np.ndarray, code: int) -> np.ndarray:
    """``cv2.flip`` (1: left-right, 0: top-bottom, -1: both) for any dtype and channel count."""
    # dtype.char is a cheap test (hashing a dtype for a set lookup is not, at this call rate)
    if img.dtype.char not in NATIVE_CHARS or (img.ndim == 3 and img.shape[2] > 512):
        axes: tuple[int, ...] = {1: (1,), 0: (0,), -1: (0, 1)}[code]
        return np.ascontiguousarray(np.flip(img, axes))
    out = cv2.flip(img, code)
    return out if out.ndim == img.ndim else out.reshape(img.shape)


def flip_view(img: np.ndarray, code: int) -> np.ndarray:
    """The flip of :func:`flip` as a view of ``img`` (negative strides): no pixel is moved.

    What a pure re-indexing returns (as AlbumentationsX does); it shares memory with ``img``,
    which multiaug never writes to.
    """
    if code == 1:
        return img[:, ::-1]
    return img[::-1] if code == 0 else img[::-1, ::-1]


#: cv2.rotate codes of the quarter turns by the signs of ``(b, d)`` in ``x -> b y + c, y -> d x + f``
_ROTATE_CODES = {(1, -1): cv2.ROTATE_90_COUNTERCLOCKWISE, (-1, 1): cv2.ROTATE_90_CLOCKWISE}


def quarter(img: np.ndarray, b: int, d: int) -> np.ndarray:
    """The whole image through ``x -> b y + c, y -> d x + f`` (``b, d`` in +-1): a transpose or quarter turn.

    ``(1, 1)`` transposes, ``(1, -1)`` turns counter-clockwise (``np.rot90(img, 1)``), ``(-1, 1)``
    clockwise, ``(-1, -1)`` transposes across the other diagonal. ``cv2.transpose`` /
    ``cv2.rotate`` (about 12x faster than a C-order copy of ``np.rot90``) for OpenCV's dtypes,
    NumPy for the rest; a new C-contiguous array of shape ``(W, H, ...)`` either way.
    """
    if img.dtype.char not in NATIVE_CHARS:
        t = img.swapaxes(0, 1)
        return np.ascontiguousarray(t[:: -1 if d < 0 else 1, :: -1 if b < 0 else 1])

    def one(chunk: np.ndarray, _value: tuple[float, ...]) -> np.ndarray:
        code = _ROTATE_CODES.get((b, d))
        if code is not None:
            return cv2.rotate(chunk, code)
        t = cv2.transpose(chunk)
        return t if b > 0 else cv2.flip(t, -1)

    return per_chunk(one, img, (0.0,))


def swapped(
    img: np.ndarray, b: float, c: float, d: float, f: float, size: tuple[int, int], nearest: bool
) -> np.ndarray | None:
    """``x -> b y + c, y -> d x + f`` (a quarter turn or transpose, then flips, crops, resizes), no warp.

    The whole frame of a turn or a transpose is :func:`quarter`; otherwise the transposed image
    goes through :func:`axis_aligned`. ``None`` when that window is not whole pixels.
    """
    hi, wi = img.shape[:2]
    if (b == 1 or b == -1) and (d == 1 or d == -1) and size == (wi, hi):
        if c == (0 if b > 0 else hi) and f == (0 if d > 0 else wi):
            return quarter(img, int(b), int(d))
    out = axis_aligned(img.swapaxes(0, 1), b, c, d, f, size, nearest)
    return None if out is None else np.ascontiguousarray(out)


def reindexed(img: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray | None:
    """``img`` through a matrix that only re-indexes pixels, as a view; ``None`` for any other matrix.

    Flips, quarter turns, transposes and whole-pixel windows inside the image (and their
    products): the result is ``img`` sliced, reversed and with its axes swapped (negative or
    swapped strides), exactly ``np.rot90`` / ``np.transpose`` / ``np.flip`` of it, no pixel moved.
    """
    (a, b, c), (d, e, f), (g, h, k) = matrix.tolist()
    if g != 0.0 or h != 0.0 or k != 1.0 or not (c.is_integer() and f.is_integer()):
        return None
    if b == 0.0 and d == 0.0 and abs(a) == 1.0 and abs(e) == 1.0:
        return axis_window(img, a, c, e, f, size)
    if a == 0.0 and e == 0.0 and abs(b) == 1.0 and abs(d) == 1.0:
        return axis_window(img.swapaxes(0, 1), b, c, d, f, size)
    return None


def _resize(
    img: np.ndarray, size: tuple[int, int], nearest: bool, interpolation: str = "linear"
) -> np.ndarray:
    dsize = (size[1], size[0])
    # NEAREST_EXACT samples at pixel centres like the warps (plain NEAREST is shifted by half a pixel).
    code = INTERPOLATION_CODES["nearest" if nearest else interpolation]
    if not nearest and (img.ndim == 2 or img.shape[2] <= 4):  # the common case, without the chunking
        out = cv2.resize(contiguous(img), dsize, interpolation=code)
        out = out if out.ndim == img.ndim else out.reshape(*out.shape[:2], img.shape[2])
    else:

        def one(chunk: np.ndarray, _value: tuple[float, ...]) -> np.ndarray:
            return cv2.resize(chunk, dsize, interpolation=code)

        if nearest:
            return native_labels(lambda arr, _f: per_chunk(one, arr, (0.0,)), img, 0.0)
        out = per_chunk(one, img, (0.0,))
    if interpolation in ("cubic", "lanczos") and img.dtype.kind == "f":
        # their kernels overshoot; uint8 saturates, a float image must not leave its own range
        np.clip(out, img.min(), img.max(), out=out)
    return out


def axis_aligned(
    img: np.ndarray,
    a: float,
    c: float,
    e: float,
    f: float,
    size: tuple[int, int],
    nearest: bool,
    interpolation: str = "linear",
) -> np.ndarray | None:
    """Crop + resize + flip for ``x -> a x + c, y -> e y + f`` when its source window is whole pixels.

    Returns ``None`` when the window is not integer-aligned or leaves the image.
    """
    ho, wo = size
    hi, wi = img.shape[:2]
    x0, x1 = -c / a, (wo - c) / a
    y0, y1 = -f / e, (ho - f) / e
    if a < 0:
        x0, x1 = x1, x0
    if e < 0:
        y0, y1 = y1, y0
    bx0, bx1, by0, by1 = round(x0), round(x1), round(y0), round(y1)
    if not (0 <= bx0 < bx1 <= wi and 0 <= by0 < by1 <= hi):
        return None
    if abs(x0 - bx0) > _EPS or abs(x1 - bx1) > _EPS or abs(y0 - by0) > _EPS or abs(y1 - by1) > _EPS:
        return None
    code = (1 if e > 0 else -1) if a < 0 else (0 if e < 0 else None)
    window = img[by0:by1, bx0:bx1]
    if (by1 - by0, bx1 - bx0) == (ho, wo):
        # No copy for a pure crop or identity: like a field the pipeline does not touch, the
        # output may share memory with the input (never written to). A flip here is a copy:
        # only :func:`axis_window` (the flips' own path) returns flipped views.
        return window if code is None else flip(window, code)
    out = _resize(window, size, nearest, interpolation)
    return out if code is None else flip(out, code)


def axis_window(
    img: np.ndarray, sx: float, tx: float, sy: float, ty: float, size: tuple[int, int], nearest: bool = False
) -> np.ndarray | None:
    """``x -> sx x + tx, y -> sy y + ty`` by slicing, flipping and resizing: no warp.

    The flips-and-crops case (unit scales, whole-pixel shifts) is an exact slice (a view,
    not a copy) and ``cv2.flip``. ``None`` when the source window is not whole pixels or leaves the
    image (then the caller warps, to fill the border).
    """
    if (sx == 1 or sx == -1) and (sy == 1 or sy == -1) and float(tx).is_integer() and float(ty).is_integer():
        ho, wo = size
        hi, wi = img.shape[:2]
        x0 = int(-tx if sx > 0 else tx - wo)
        y0 = int(-ty if sy > 0 else ty - ho)
        if x0 < 0 or y0 < 0 or x0 + wo > wi or y0 + ho > hi:
            return None
        window = img if (ho, wo) == (hi, wi) else img[y0 : y0 + ho, x0 : x0 + wo]
        code = (1 if sy > 0 else -1) if sx < 0 else (0 if sy < 0 else None)
        # No copy for a pure re-indexing (crop, flip, identity): like a field the pipeline does
        # not touch, the output may share memory with the input (never written to).
        return window if code is None else flip_view(window, code)
    return axis_aligned(img, sx, tx, sy, ty, size, nearest)


def pad(
    img: np.ndarray,
    top: int,
    bottom: int,
    left: int,
    right: int,
    *,
    border: str = "constant",
    fill: Sequence[float] = (0.0,),
    nearest: bool = False,
) -> np.ndarray:
    """``cv2.copyMakeBorder`` for any channel count, and with ``nearest=True`` any label dtype.

    ``fill`` is one value or one per channel (``border="constant"``; a label mask takes its first).
    """
    mode = BORDER_CODES[border]
    if not nearest and (img.ndim == 2 or img.shape[2] <= 4):  # the common case, without the chunking
        n = 1 if img.ndim == 2 else img.shape[2]
        value = tuple(fill) if len(fill) == n else (float(fill[0]),) * n
        out = cv2.copyMakeBorder(
            contiguous(img), top, bottom, left, right, mode, value=value + (0.0,) * (4 - n)
        )
        return out if out.ndim == img.ndim else out.reshape(*out.shape[:2], n)

    def one(chunk: np.ndarray, value: tuple[float, ...]) -> np.ndarray:
        return cv2.copyMakeBorder(chunk, top, bottom, left, right, mode, value=value)

    if nearest:
        return native_labels(lambda arr, v: per_chunk(one, arr, (v,)), img, float(fill[0]))
    return per_chunk(one, img, fill)


def axis_whole(
    img: np.ndarray,
    axis: tuple[float, float, float, float],
    size: tuple[int, int],
    nearest: bool,
    border: str,
    fill: Sequence[float],
) -> np.ndarray | None:
    """An axis map under which the image's frame lands on whole output pixels: resize, pad, cut; no warp.

    The image is resized or flipped as a whole (as the ops one by one do), padded with
    ``cv2.copyMakeBorder`` and cut to the output frame, so a crop or pad after a resize
    stays the whole-pixel shift it is (a warp would interpolate it again). With a constant
    border only the part inside the output is resized when it is whole input pixels
    (the fill does not depend on the rest). ``None`` when the frame does not land on
    whole pixels.
    """
    a, c, e, f = axis
    ho, wo = size
    hi, wi = img.shape[:2]
    x0, x1 = (c, a * wi + c) if a > 0 else (a * wi + c, c)
    y0, y1 = (f, e * hi + f) if e > 0 else (e * hi + f, f)
    bx0, bx1, by0, by1 = round(x0), round(x1), round(y0), round(y1)
    if abs(x0 - bx0) > _EPS or abs(x1 - bx1) > _EPS or abs(y0 - by0) > _EPS or abs(y1 - by1) > _EPS:
        return None
    # the part of the output the image covers
    vx0, vy0, vx1, vy1 = max(bx0, 0), max(by0, 0), min(bx1, wo), min(by1, ho)
    inner = None
    if border == "constant":  # the fill does not depend on what lies outside: resize only the rest
        if vx1 <= vx0 or vy1 <= vy0:  # nothing of the image shows
            value = channel_fills(fill, img.shape[2] if img.ndim == 3 else 1)
            return np.full((ho, wo, *img.shape[2:]), value if img.ndim == 3 else value[0], img.dtype)
        inner = axis_aligned(img, a, c - vx0, e, f - vy0, (vy1 - vy0, vx1 - vx0), nearest)
    if inner is None:
        inner = axis_aligned(img, a, c - bx0, e, f - by0, (by1 - by0, bx1 - bx0), nearest)
        if inner is None:
            return None
        if border == "constant":
            inner = inner[vy0 - by0 : vy1 - by0, vx0 - bx0 : vx1 - bx0]
        else:  # reflections show the whole image: pad it, then cut
            vx0, vy0, vx1, vy1 = bx0, by0, bx1, by1
    top, bottom, left, right = vy0, ho - vy1, vx0, wo - vx1
    amounts = (max(top, 0), max(bottom, 0), max(left, 0), max(right, 0))
    out = pad(inner, *amounts, border=border, fill=fill, nearest=nearest) if any(amounts) else inner
    if top < 0 or bottom < 0 or left < 0 or right < 0:
        return out[max(-top, 0) : max(-top, 0) + ho, max(-left, 0) : max(-left, 0) + wo]
    return out
