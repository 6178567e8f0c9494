"""Filter transforms of the image pixels: Gaussian, median and motion blur, sharpening (targets pass through).

Filters treat every channel alike (alpha included) and take any channel count.
Gaussian blur, motion blur and sharpening reflect at the borders (``BORDER_REFLECT_101``), the
median blur repeats the edge pixel (``BORDER_REPLICATE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Range, _show, param
from .base import ImageTransform
from .functional import filters as F

__all__ = ["Defocus", "Emboss", "GaussianBlur", "MedianBlur", "MotionBlur", "Sharpen", "ZoomBlur"]


class GaussianBlur(ImageTransform):
    """Gaussian blur with a random ``sigma`` (pixels); the kernel covers +/- 3 sigma.

    The kernel side is ``k = 2 * round(3 * sigma) + 1`` and the same sigma is
    used in both directions: the result is ``cv2.GaussianBlur(image, (k, k),
    sigma)`` (float32 the same; uint8 the same up to ``k = 15``, wider kernels two exact
    float32 passes, faster there: the same bytes on every CPU, see
    :func:`~multiaug.image.functional.exact.gaussian_blur_u8`).
    ``sigma < 1/6`` (``k = 1``) leaves the image unchanged.

    Parameters
    ----------
    sigma : float or (float, float), default (0.1, 2.0)
        Standard deviation range in pixels, in ``[0, 100]``, drawn uniformly per call.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.zeros((9, 9), np.uint8)
    >>> img[4, 4] = 255
    >>> out = ma.image.GaussianBlur(sigma=1.0, p=1.0)(image=img)["image"]
    >>> int(out[4, 4]), 245 <= int(out.sum()) <= 265  # a spread-out spot of about the same total
    (40, True)
    """

    sigma: float | tuple[float, float] = param(
        Range(0.0, 100.0, scalar="fixed", example="(0.1, 2.0)"), default=(0.1, 2.0)
    )

    def apply_image(self, image: np.ndarray, sigma: float, **params: Any) -> np.ndarray:
        return F.gaussian_blur(image, sigma)


class KernelBlend(ImageTransform):
    """Base of the 3x3 filters blended with the identity by a drawn ``alpha`` (Sharpen, Emboss)."""

    _abstract = True

    alpha: float | tuple[float, float] = param(
        Range(0.0, 1.0, scalar="fixed", example="(0.2, 0.5)"), default=(0.2, 0.5)
    )


class Sharpen(KernelBlend):
    """Blend the image with a sharpened copy (albumentations' ``Sharpen``, imgaug's kernel).

    The 3x3 kernel is ``(1 - alpha) * identity + alpha * K`` with ``K`` a
    Laplacian-style kernel of centre ``8 + lightness`` and -1 around it, so
    ``alpha = 0`` leaves the image unchanged and ``alpha = 1`` is full
    sharpening; ``lightness < 1`` also darkens a little. Results are saturated
    (uint8) or clipped to ``[0, 1]`` (float32).

    Parameters
    ----------
    alpha : float or (float, float), default (0.2, 0.5)
        Blend weight of the sharpened copy (0: the image unchanged, 1: fully
        sharpened), a range in ``[0, 1]`` drawn uniformly per call.
    lightness : float or (float, float), default (0.5, 1.0)
        Lightness range (``>= 0``), drawn uniformly per call.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[10, 10, 10], [10, 50, 10], [10, 10, 10]], np.uint8)
    >>> int(ma.image.Sharpen(alpha=1.0, lightness=1.0, p=1.0)(image=img)["image"][1, 1])
    255
    """

    lightness: float | tuple[float, float] = param(
        Range(0.0, 100.0, scalar="fixed", example="(0.5, 1.0)"), default=(0.5, 1.0)
    )

    def apply_image(self, image: np.ndarray, alpha: float, lightness: float, **params: Any) -> np.ndarray:
        return F.sharpen(image, alpha, lightness)


class Emboss(KernelBlend):
    """Blend the image with an embossed copy (Albumentations' ``Emboss``, imgaug's kernel).

    The 3x3 kernel is ``(1 - alpha) * identity + alpha * E`` with the relief kernel
    ``E = [[-1 - s, -s, 0], [-s, 1, s], [0, s, 1 + s]]`` of strength ``s``
    (:func:`~multiaug.image.functional.filters.emboss_kernel`); ``cv2.filter2D`` with
    reflected borders, saturated (uint8) or clipped to ``[0, 1]`` (float32); any channel count.
    Flat regions keep their value; edges get a light and a dark side.

    Parameters
    ----------
    alpha : float or (float, float), default (0.2, 0.5)
        Blend weight of the embossed copy, a range in ``[0, 1]`` drawn uniformly per call.
    strength : float or (float, float), default (0.2, 0.7)
        Relief strength range in ``[0, 100]``, drawn uniformly per call.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> flat = np.full((4, 4), 90, np.uint8)
    >>> bool((ma.image.Emboss(p=1.0)(image=flat)["image"] == 90).all())
    True
    """

    strength: float | tuple[float, float] = param(
        Range(0.0, 100.0, scalar="fixed", example="(0.2, 0.7)"), default=(0.2, 0.7)
    )

    def apply_image(self, image: np.ndarray, alpha: float, strength: float, **params: Any) -> np.ndarray:
        return F.emboss(image, alpha, strength)


class KernelSize(Range):
    """A range ``(lo, hi)`` of odd kernel sides, drawn uniformly among the odd sides in it.

    A scalar ``v`` means ``(low, v)`` (albumentations' ``blur_limit``: ``7`` is ``(3, 7)``).
    """

    def __init__(self, low: int = 3, high: int = 255, example: str = "(3, 7)") -> None:
        super().__init__(low, high, scalar="upper", integer=True, example=example)
        self.doc = f"an odd int or a (lo, hi) pair of odd ints with {low} <= lo <= hi <= {high}"

    def resolve(self, owner: str, name: str, value: Any) -> tuple[int, int]:
        lo, hi = super().resolve(owner, name, value)
        if lo % 2 == 0 or hi % 2 == 0:
            raise InvalidInputError(
                owner, name, f"must hold odd kernel sides, got {_show(value)}", f"pass {name}={self.example}"
            )
        return (int(lo), int(hi))

    def draw(self, rng: np.random.Generator, value: tuple[float, float]) -> int:
        lo, hi = int(value[0]), int(value[1])
        return lo + 2 * int(rng.integers(0, (hi - lo) // 2 + 1))

    def invalid(self) -> list[Any]:
        return [*super().invalid(), 4, (3, 6), (4, 7)]


def check_odd_side(owner: str, params: Mapping[str, Any]) -> None:
    """A replayed ``blur_limit`` must be an odd kernel side."""
    if params["blur_limit"] % 2 == 0:
        raise InvalidInputError(
            owner,
            "params.blur_limit",
            f"{params['blur_limit']} is not an odd kernel side",
            "replay the trace unchanged",
        )


class MedianBlur(ImageTransform):
    """Replace every value by the median of its ``k x k`` neighbourhood (``k`` odd, drawn per call).

    Removes salt-and-pepper noise while keeping edges. Each channel is filtered
    alone; edges repeat the border pixel. The result is ``cv2.medianBlur(image,
    k)`` (albumentations' ``MedianBlur``) for uint8 images at any ``k`` and for
    float32 images at ``k`` 3 and 5; float32 images with a wider kernel, which
    OpenCV refuses, get ``scipy.ndimage.median_filter`` with the same border: the
    same exact median, but tens of times slower than on uint8 (pass uint8 images
    where speed matters).

    Parameters
    ----------
    blur_limit : int or (int, int), default (3, 7)
        Range of the odd kernel side ``k``, in ``[3, 255]``, drawn uniformly among
        the odd values in it per call; a scalar ``v`` means ``(3, v)``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((5, 5), 100, np.uint8)
    >>> img[2, 2] = 255  # a salt pixel
    >>> out = ma.image.MedianBlur(blur_limit=3, p=1.0)(image=img, trace=True)
    >>> int(out["image"].max()), out["trace"][0]["params"]
    (100, {'blur_limit': 3})
    """

    blur_limit: int | tuple[int, int] = param(KernelSize(), default=(3, 7))

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        check_odd_side(self.name, params)

    def apply_image(self, image: np.ndarray, blur_limit: int, **params: Any) -> np.ndarray:
        return F.median_blur(image, blur_limit)


class MotionBlur(ImageTransform):
    """Blur along a line, as a moving camera does: the kernel side, angle and direction are drawn per call.

    The kernel averages ``k`` points evenly spaced along a segment through the pixel
    (each rounded to the nearest cell of the ``k x k`` grid, as Albumentations does),
    applied with ``cv2.filter2D`` (borders reflected): a horizontal line centred on the
    pixel is exactly a ``k x 1`` box blur.
    ``angle`` is counter-clockwise from the x axis (90 = vertical); ``direction`` 0
    centres the segment (``k - 1`` pixels long), 1 keeps only its forward half and -1
    only its backward half (a trail on one side). Any channel count; uint8 results are
    rounded.

    Parameters
    ----------
    blur_limit : int or (int, int), default (3, 7)
        Range of the odd kernel side ``k``, in ``[3, 255]``, drawn uniformly among the odd
        values in it per call; a scalar ``v`` means ``(3, v)``.
    angle : float or (float, float), default (0, 360)
        Range of the line's angle in degrees, within ``[-360, 360]``.
    direction : float or (float, float), default (-1, 1)
        Range of the direction in ``[-1, 1]`` (see above).
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.zeros((5, 5), np.uint8)
    >>> img[2, 2] = 90
    >>> t = ma.image.MotionBlur(blur_limit=3, angle=(0, 0), direction=(0, 0), p=1.0)
    >>> t(image=img)["image"][2].tolist()  # spread along the row only
    [0, 30, 30, 30, 0]
    """

    blur_limit: int | tuple[int, int] = param(KernelSize(), default=(3, 7))
    angle: float | tuple[float, float] = param(
        Range(-360.0, 360.0, scalar="fixed", example="(0, 360)"), default=(0.0, 360.0)
    )
    direction: float | tuple[float, float] = param(
        Range(-1.0, 1.0, scalar="fixed", example="(-1, 1)"), default=(-1.0, 1.0)
    )

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        check_odd_side(self.name, params)

    def apply_image(
        self, image: np.ndarray, blur_limit: int, angle: float, direction: float, **params: Any
    ) -> np.ndarray:
        return F.motion_blur(image, blur_limit, angle, direction)


class Defocus(ImageTransform):
    """Out-of-focus blur: the mean over a disc of a radius drawn per call (Albumentations' ``Defocus``).

    The kernel is a disc of ``radius`` pixels smoothed at its edge by a Gaussian of
    ``alias_blur`` sigma (3 taps, 5 above radius 8), applied with ``cv2.filter2D``
    (borders reflected). Any channel count; uint8 results are rounded.

    Parameters
    ----------
    radius : int or (int, int), default (3, 10)
        Range of the disc radius in pixels, whole numbers in ``[1, 100]``; a scalar ``v``
        means ``(1, v)``.
    alias_blur : float or (float, float), default (0.1, 0.5)
        Range of the edge smoothing sigma in ``[0, 10]``; a scalar ``v`` means ``(0, v)``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.zeros((21, 21), np.uint8)
    >>> img[10, 10] = 255
    >>> out = ma.image.Defocus(radius=(3, 3), alias_blur=(0, 0), p=1.0)(image=img)["image"]
    >>> int((out > 0).sum())  # the point spreads into a disc of radius 3 (29 pixels)
    29
    """

    radius: int | tuple[int, int] = param(
        Range(1, 100, scalar="upper", integer=True, example="(3, 10)"), default=(3, 10)
    )
    alias_blur: float | tuple[float, float] = param(
        Range(0.0, 10.0, scalar="upper", example="(0.1, 0.5)"), default=(0.1, 0.5)
    )

    def apply_image(self, image: np.ndarray, radius: int, alias_blur: float, **params: Any) -> np.ndarray:
        return F.defocus(image, radius, alias_blur)


class ZoomBlur(ImageTransform):
    """Zoom blur: the mean of the image and its zooms about the centre (Albumentations' ``ZoomBlur``).

    With ``max_factor`` and ``step_factor`` drawn per call, the zooms are ``1 + k *
    step_factor`` for ``k = 1, 2, ...`` below ``max_factor``; each is one bilinear
    ``cv2.warpAffine`` to the image size, and the image and its zooms are averaged with
    equal weights (Albumentations also counts a zoom of 1, weighing the image twice). No
    zoom below ``max_factor`` leaves the image unchanged. Any channel count; uint8 results
    are rounded. The cost grows with the number of zooms, ``(max_factor - 1) / step_factor``.

    Parameters
    ----------
    max_factor : float or (float, float), default (1, 1.31)
        Range of the largest zoom (exclusive), in ``[1, 4]``; a scalar ``v`` means ``(1, v)``.
    step_factor : float or (float, float), default (0.01, 0.03)
        Range of the step between zooms, in ``[0.005, 1]``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.zeros((9, 9), np.uint8)
    >>> img[:, 6] = 210
    >>> t = ma.image.ZoomBlur(max_factor=(1.5, 1.5), step_factor=(0.2, 0.2), p=1.0)
    >>> t(image=img)["image"][4].tolist()  # the image and zooms 1.2 and 1.4, averaged
    [0, 0, 0, 0, 0, 0, 147, 95, 10]
    """

    max_factor: float | tuple[float, float] = param(
        Range(1.0, 4.0, scalar="upper", example="(1, 1.31)"), default=(1.0, 1.31)
    )
    step_factor: float | tuple[float, float] = param(
        Range(0.005, 1.0, example="(0.01, 0.03)"), default=(0.01, 0.03)
    )

    def apply_image(
        self, image: np.ndarray, max_factor: float, step_factor: float, **params: Any
    ) -> np.ndarray:
        return F.zoom_blur(image, max_factor, step_factor)
