"""Quality-loss kernels: lossy compression (JPEG, WebP) and downscaling; plain functions of arrays.

Both work in 8 bits where the codec does: a float32 image is rounded to uint8
(``round(255 * v)``), processed, and divided by 255 again, so float results are
always multiples of 1/255. Colour is handled as a codec expects it: RGB is
encoded as the BGR OpenCV's codecs take (the channels are swapped on the way in
and out, so the luma/chroma split weighs red and blue correctly), RGBA keeps its
alpha untouched, a grey image is encoded as grey, and any other channel count is
encoded one channel at a time as grey images.
"""

from __future__ import annotations

import math
import threading

import cv2
import numpy as np

from ._opencv import INTERPOLATION_CODES, by_channel_groups, contiguous

__all__ = [
    "COMPRESSION_FORMATS",
    "downscale",
    "downscaled_shape",
    "from_uint8",
    "image_compression",
    "to_uint8",
]

#: Codecs of :func:`image_compression`: file extension and OpenCV's quality flag.
COMPRESSION_FORMATS = {
    "jpeg": (".jpg", cv2.IMWRITE_JPEG_QUALITY),
    "webp": (".webp", cv2.IMWRITE_WEBP_QUALITY),
}


#: Decode straight to RGB where OpenCV can (4.10 and later): no second conversion pass.
_IMREAD_RGB: int | None = getattr(cv2, "IMREAD_COLOR_RGB", None)
_SCRATCH = threading.local()


def _scratch(shape: tuple[int, ...]) -> np.ndarray:
    """A uint8 work buffer of ``shape``, reused per thread (only the codec reads it).

    A fresh image-sized array costs page faults on every call (large allocations are
    fresh memory from the OS), as much as a third of a JPEG round trip on a photo.
    """
    n = math.prod(shape)
    buf = getattr(_SCRATCH, "buf", None)
    if buf is None or buf.size < n:
        buf = _SCRATCH.buf = np.empty(n, np.uint8)
    return buf[:n].reshape(shape)


def to_uint8(img: np.ndarray) -> np.ndarray:
    """``img`` as uint8: itself when it is, else ``round(255 * v)`` of a float image in [0, 1]."""
    if img.dtype == np.uint8:
        return img
    # rounds to nearest and saturates in one pass (OpenCV drops a trailing 1-channel axis: restore it)
    return cv2.convertScaleAbs(img, alpha=255.0).reshape(img.shape)


def from_uint8(img: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The uint8 result ``img`` back in ``dtype``: itself for uint8, ``v / 255`` for float32."""
    if dtype == np.uint8:
        return img
    return img.astype(np.float32) / np.float32(255.0)


def _codec(img: np.ndarray, ext: str, flags: list[int], read: int) -> np.ndarray:
    """Encode one uint8 grey (HxW) or BGR image (HxWx3) with OpenCV, decode it with ``read``."""
    ok, buf = cv2.imencode(ext, img, flags)
    if not ok:  # pragma: no cover - OpenCV encodes every non-empty uint8 grey or BGR image
        raise RuntimeError(f"OpenCV could not encode a {img.shape} image as {ext}")
    out = cv2.imdecode(buf, read)
    assert out is not None  # OpenCV decodes what it has just encoded
    return np.asarray(out)


def _rgb_codec(src: np.ndarray, ext: str, flags: list[int]) -> np.ndarray:
    """RGB (the first 3 channels of ``src``) through the codec as BGR, back as RGB."""
    bgr = _scratch((*src.shape[:2], 3))
    cv2.cvtColor(contiguous(src), cv2.COLOR_RGB2BGR if src.shape[2] == 3 else cv2.COLOR_RGBA2BGR, dst=bgr)
    if _IMREAD_RGB is not None:
        return _codec(bgr, ext, flags, _IMREAD_RGB)
    return cv2.cvtColor(_codec(bgr, ext, flags, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)  # pragma: no cover


def image_compression(img: np.ndarray, quality: int, fmt: str = "jpeg") -> np.ndarray:
    """``img`` encoded with ``fmt`` (``"jpeg"`` or ``"webp"``) at ``quality`` (1-100) and decoded again.

    RGB goes through the codec as BGR (``cv2.imencode`` reads BGR), so the result
    equals ``cv2.imdecode(cv2.imencode(ext, rgb[..., ::-1], [flag, quality]))[..., ::-1]``.
    Alpha is kept; other channel counts are compressed channel by channel as grey.
    float32 images are rounded to uint8 first and come back as ``v / 255``.

    Examples
    --------
    >>> img = np.tile(np.arange(0, 256, 4, dtype=np.uint8), (64, 1))
    >>> out = image_compression(img, 90)
    >>> out.shape, out.dtype, int(np.abs(out.astype(int) - img).max()) <= 4
    ((64, 64), dtype('uint8'), True)
    """
    ext, flag = COMPRESSION_FORMATS[fmt]
    flags = [int(flag), int(quality)]
    src = to_uint8(img)
    channels = 1 if src.ndim == 2 else src.shape[2]
    grey = cv2.IMREAD_GRAYSCALE  # WebP has no grey mode: OpenCV stores grey as colour; read it as grey
    if channels == 3:
        out = _rgb_codec(src, ext, flags)
    elif channels == 4:
        out = np.dstack([_rgb_codec(src, ext, flags), src[..., 3]])
    elif src.ndim == 2:
        out = _codec(contiguous(src), ext, flags, grey)
    else:
        out = np.stack(
            [_codec(np.ascontiguousarray(src[..., c]), ext, flags, grey) for c in range(channels)], axis=2
        )
    return from_uint8(out, img.dtype)


def downscaled_shape(height: int, width: int, scale: float) -> tuple[int, int]:
    """The low-resolution size of :func:`downscale`: each side times ``scale``, rounded, at least 1."""
    return max(1, round(height * scale)), max(1, round(width * scale))


def downscale(img: np.ndarray, scale: float, down: str = "area", up: str = "linear") -> np.ndarray:
    """Resize ``img`` to ``scale`` times its size with ``down`` and back to its size with ``up``.

    ``cv2.resize`` both ways (the interpolation names of
    :data:`~multiaug.image.functional._opencv.INTERPOLATION_CODES`); dtype, channel
    count and layout are kept. The shrink is given to OpenCV as the factor ``scale``
    (``fx = fy = scale``, as Albumentations does), not as a size: OpenCV then samples at
    exactly that factor, and an "area" shrink by a whole factor (``scale`` 1/2, 1/4...)
    takes its fast path, twice as fast on a photo. Sides that would round to 0 become 1.

    Examples
    --------
    >>> img = np.zeros((8, 8), np.uint8)
    >>> img[::2] = 255  # stripes one pixel high vanish at half the resolution
    >>> sorted(set(downscale(img, 0.5).ravel().tolist()))
    [128]
    """
    h, w = img.shape[:2]
    sh, sw = downscaled_shape(h, w, scale)
    code_down, code_up = INTERPOLATION_CODES[down], INTERPOLATION_CODES[up]
    # OpenCV rounds h * scale and w * scale as round() does; below 1 pixel give the size instead
    by_factor = (sh, sw) == (round(h * scale), round(w * scale))

    def both(x: np.ndarray) -> np.ndarray:
        if by_factor:
            small = cv2.resize(x, None, fx=scale, fy=scale, interpolation=code_down)
        else:
            small = cv2.resize(x, (sw, sh), interpolation=code_down)
        return cv2.resize(small, (w, h), interpolation=code_up)

    out = by_channel_groups(img, both)
    if out.dtype == np.float32 and up in ("cubic", "lanczos"):  # these overshoot at edges
        np.clip(out, 0.0, 1.0, out=out)
    return out
