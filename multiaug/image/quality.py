"""Quality-loss transforms of the image pixels: lossy compression and downscaling (targets pass through).

Both take any channel count and both dtypes. Compression works in 8 bits, as the
codecs do: a float32 image is rounded to uint8, compressed, and returned as
``v / 255`` (float32, multiples of 1/255).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.params import Choice, Range, param
from .base import ImageTransform
from .functional import quality as F
from .functional._opencv import INTERPOLATIONS

__all__ = ["Downscale", "ImageCompression"]


class ImageCompression(ImageTransform):
    """Lossy JPEG or WebP compression at a quality drawn per call (Albumentations' ``ImageCompression``).

    The image is encoded with OpenCV at the drawn quality and decoded again: the
    output equals ``cv2.imdecode(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, q]))``
    with the channels in RGB order (the codec sees BGR, so its luma weighs red and
    blue correctly). RGBA keeps its alpha; a grey image is compressed as grey; any
    other channel count one channel at a time, as grey images. float32 images are
    rounded to uint8 first and come back as float32 ``v / 255``.

    Parameters
    ----------
    quality : int or (int, int), default (50, 95)
        Range of the codec quality, whole numbers in ``[1, 100]`` (100: best),
        drawn uniformly (both ends included) per call.
    format : str, default "jpeg"
        ``"jpeg"`` or ``"webp"``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    >>> out = ma.image.ImageCompression(quality=(20, 20), p=1.0)(image=img, trace=True)
    >>> out["image"].shape, out["trace"][0]["params"]
    ((16, 16, 3), {'quality': 20})
    """

    quality: int | tuple[int, int] = param(Range(1, 100, integer=True, example="(50, 95)"), default=(50, 95))
    format: str = param(Choice(*F.COMPRESSION_FORMATS), default="jpeg")

    def apply_image(self, image: np.ndarray, quality: int, **params: Any) -> np.ndarray:
        return F.image_compression(image, quality, self._r.format)


class Downscale(ImageTransform):
    """Lose detail: shrink the image by a scale drawn per call, then resize it back to its size.

    The low-resolution size is each side times ``scale``, rounded (at least 1 pixel);
    both resizes are ``cv2.resize``, with ``interpolation_down`` and
    ``interpolation_up``, the shrink given as the factor ``scale`` (as Albumentations does:
    the same output). Any channel count and dtype; the size is kept.

    Parameters
    ----------
    scale : float or (float, float), default (0.25, 0.5)
        Range of the scale, in ``[0.01, 1]``, drawn uniformly per call (1: unchanged size,
        only the interpolations' blur).
    interpolation_down : str, default "area"
        How to shrink: ``"nearest"``, ``"linear"``, ``"cubic"``, ``"area"`` (averages the
        pixels covered, no aliasing) or ``"lanczos"``.
    interpolation_up : str, default "linear"
        How to enlarge back, the same names (Albumentations' default pair is
        ``"nearest"`` both ways: blocky pixels).
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.zeros((8, 8), np.uint8)
    >>> img[::2] = 255
    >>> out = ma.image.Downscale(scale=0.5, p=1.0)(image=img)["image"]
    >>> out.shape, int(out.min()) > 100  # the one-pixel stripes are gone
    ((8, 8), True)
    """

    scale: float | tuple[float, float] = param(
        Range(0.01, 1.0, scalar="fixed", example="(0.25, 0.5)"), default=(0.25, 0.5)
    )
    interpolation_down: str = param(Choice(*INTERPOLATIONS), default="area")
    interpolation_up: str = param(Choice(*INTERPOLATIONS), default="linear")

    def apply_image(self, image: np.ndarray, scale: float, **params: Any) -> np.ndarray:
        r = self._r
        return F.downscale(image, scale, r.interpolation_down, r.interpolation_up)
