"""Filter transforms of the image pixels: Gaussian blur and sharpening (targets pass through).

Filters treat every channel alike (alpha included), take any channel count and
reflect at the borders (``BORDER_REFLECT_101``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.params import Range
from .base import ImageTransform
from .functional import filters as F

__all__ = ["GaussianBlur", "Sharpen"]


class GaussianBlur(ImageTransform):
    """Gaussian blur with a random ``sigma`` (pixels); the kernel covers +/- 3 sigma.

    The kernel side is ``k = 2 * round(3 * sigma) + 1`` and the same sigma is
    used in both directions: the result is ``cv2.GaussianBlur(image, (k, k),
    sigma)`` (float32 the same; uint8 within one grey level, computed as a
    separable float filter, which is faster for wide kernels). ``sigma < 1/6``
    (``k = 1``) leaves the image unchanged.

    Parameters
    ----------
    sigma : float or (float, float), default (0.1, 2.0)
        Standard deviation range in pixels, in ``[0, 100]``, drawn uniformly per call.
    p : float, default 0.5
    seed : int or None

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.zeros((9, 9), np.uint8)
    >>> img[4, 4] = 255
    >>> out = ma.image.GaussianBlur(sigma=1.0, p=1.0)(image=img)["image"]
    >>> int(out[4, 4]), 245 <= int(out.sum()) <= 265  # a spread-out spot of about the same total
    (41, True)
    """

    _parameters = {"sigma": Range(0.0, 100.0, scalar="fixed", example="(0.1, 2.0)")}

    def __init__(
        self, sigma: float | tuple[float, float] = (0.1, 2.0), p: float = 0.5, seed: int | None = None
    ) -> None:
        super().__init__(p=p, seed=seed)
        self.sigma = sigma

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
        return {"sigma": float(rng.uniform(*self._r.sigma))}

    def apply_image(self, image: np.ndarray, sigma: float, **params: Any) -> np.ndarray:
        return F.gaussian_blur(image, sigma)


class Sharpen(ImageTransform):
    """Blend the image with a sharpened copy (albumentations' ``Sharpen``, imgaug's kernel).

    The 3x3 kernel is ``(1 - alpha) * identity + alpha * K`` with ``K`` a
    Laplacian-style kernel of centre ``8 + lightness`` and -1 around it, so
    ``alpha = 0`` leaves the image unchanged and ``alpha = 1`` is full
    sharpening; ``lightness < 1`` also darkens a little. Results are saturated
    (uint8) or clipped to ``[0, 1]`` (float32).

    Parameters
    ----------
    alpha : float or (float, float), default (0.2, 0.5)
        Blend range in ``[0, 1]``, drawn uniformly per call.
    lightness : float or (float, float), default (0.5, 1.0)
        Lightness range (``>= 0``), drawn uniformly per call.
    p : float, default 0.5
    seed : int or None

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[10, 10, 10], [10, 50, 10], [10, 10, 10]], np.uint8)
    >>> int(ma.image.Sharpen(alpha=1.0, lightness=1.0, p=1.0)(image=img)["image"][1, 1])
    255
    """

    _parameters = {
        "alpha": Range(0.0, 1.0, scalar="fixed", example="(0.2, 0.5)"),
        "lightness": Range(0.0, 100.0, scalar="fixed", example="(0.5, 1.0)"),
    }

    def __init__(
        self,
        alpha: float | tuple[float, float] = (0.2, 0.5),
        lightness: float | tuple[float, float] = (0.5, 1.0),
        p: float = 0.5,
        seed: int | None = None,
    ) -> None:
        super().__init__(p=p, seed=seed)
        self.alpha = alpha
        self.lightness = lightness

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
        r = self._r
        return {"alpha": float(rng.uniform(*r.alpha)), "lightness": float(rng.uniform(*r.lightness))}

    def apply_image(self, image: np.ndarray, alpha: float, lightness: float, **params: Any) -> np.ndarray:
        return F.sharpen(image, alpha, lightness)
