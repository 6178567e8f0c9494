"""Noise transforms of the image pixels (targets pass through)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.params import Range
from .base import ImageTransform
from .functional import noise as F

__all__ = ["GaussianNoise"]


class GaussianNoise(ImageTransform):
    """Add zero-mean Gaussian noise; ``std`` is a fraction of the full range (255 or 1.0).

    Parameters
    ----------
    std : float or (float, float), default (0.01, 0.05)
        Standard deviation range, drawn uniformly per call.
    p : float, default 0.5
    seed : int or None

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((4, 4), 128, np.uint8)
    >>> out = ma.image.GaussianNoise(std=0.1, p=1.0, seed=0)(image=img)["image"]
    >>> out.dtype, out.shape, bool((out != img).any())
    (dtype('uint8'), (4, 4), True)
    """

    _parameters = {"std": Range(0.0, 1.0, scalar="fixed", example="(0.01, 0.05)")}

    def __init__(
        self, std: float | tuple[float, float] = (0.01, 0.05), p: float = 0.5, seed: int | None = None
    ) -> None:
        super().__init__(p=p, seed=seed)
        self.std = std

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
        lo, hi = self._r.std
        return {"std": float(rng.uniform(lo, hi)), "noise_seed": int(rng.integers(0, 2**63))}

    def apply_image(self, image: np.ndarray, std: float, noise_seed: int, **params: Any) -> np.ndarray:
        return F.add_gaussian_noise(image, std, noise_seed)
