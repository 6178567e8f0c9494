"""Noise transforms of the image pixels (targets pass through).

Noise fields are generated from a ``noise_seed`` drawn with the other
parameters, so a trace holds two numbers, not an array, and replays exactly.
Gaussian and salt-and-pepper noise treat every channel alike (alpha included) and take
any channel count; ISONoise works in HLS and needs RGB (RGBA keeps its alpha).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.params import NoiseSeed, Number, Range, param
from .base import ImageTransform
from .channels import need_channels
from .functional import noise as F

__all__ = ["GaussianNoise", "ISONoise", "SaltPepperNoise"]


class GaussianNoise(ImageTransform):
    """Add zero-mean Gaussian noise; ``std`` is a fraction of the full range (255 or 1.0).

    Every value (each channel of each pixel) gets its own draw; the result is
    clipped to the range. The noise is sampled by inverse CDF from 16-bit
    uniforms (exact to 1/65536 in probability, tails cut at 4.3 standard
    deviations); on uint8 images it is held as integers, which is the same as
    adding float noise and rounding.

    Parameters
    ----------
    std : float or (float, float), default (0.01, 0.05)
        Standard deviation range, drawn uniformly per call.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((4, 4), 128, np.uint8)
    >>> out = ma.image.GaussianNoise(std=0.1, p=1.0, seed=0)(image=img)["image"]
    >>> out.dtype, out.shape, bool((out != img).any())
    (dtype('uint8'), (4, 4), True)
    """

    std: float | tuple[float, float] = param(
        Range(0.0, 1.0, scalar="fixed", example="(0.01, 0.05)"), default=(0.01, 0.05)
    )

    _drawn = {"noise_seed": NoiseSeed()}

    def apply_image(self, image: np.ndarray, std: float, noise_seed: int, **params: Any) -> np.ndarray:
        return F.gaussian_noise(image, std, noise_seed)


class SaltPepperNoise(ImageTransform):
    """Set a random fraction of the pixels to white (salt) or black (pepper).

    A hit pixel gets the same value in all its channels: the maximum (255 or
    1.0) with probability ``salt_vs_pepper``, else 0.

    Parameters
    ----------
    amount : float or (float, float), default (0.01, 0.05)
        Fraction of pixels hit, drawn uniformly per call.
    salt_vs_pepper : float, default 0.5
        Share of the hit pixels that turn white.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((100, 100, 3), 128, np.uint8)
    >>> out = ma.image.SaltPepperNoise(amount=0.1, p=1.0, seed=0)(image=img)["image"]
    >>> hit = (out != 128).any(axis=2)
    >>> bool(0.08 < hit.mean() < 0.12), sorted(np.unique(out).tolist())
    (True, [0, 128, 255])
    """

    amount: float | tuple[float, float] = param(
        Range(0.0, 1.0, scalar="fixed", example="(0.01, 0.05)"), default=(0.01, 0.05)
    )
    salt_vs_pepper: float = param(Number(0.0, 1.0), default=0.5)

    _drawn = {"noise_seed": NoiseSeed()}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        # The default draws, with the fixed salt_vs_pepper between them (traces have always shown it).
        drawn = super().make_params(rng, sample)
        return {
            "amount": drawn["amount"],
            "salt_vs_pepper": self._r.salt_vs_pepper,
            "noise_seed": drawn["noise_seed"],
        }

    def apply_image(
        self, image: np.ndarray, amount: float, salt_vs_pepper: float, noise_seed: int, **params: Any
    ) -> np.ndarray:
        return F.salt_pepper_noise(image, amount, salt_vs_pepper, noise_seed)


class ISONoise(ImageTransform):
    """Camera sensor noise: hue jitter and Poisson lightness noise (Albumentations' ``ISONoise``).

    In float HLS every pixel's hue moves by a normal draw of standard deviation
    ``color_shift * 360 * intensity`` degrees, and its lightness grows by ``n / 255 * (1 - L)``
    with ``n`` a Poisson draw of mean ``std(L) * intensity * 255``; the result is clipped to the
    range (uint8: rounded). The fields come from a drawn ``noise_seed`` (the trace holds numbers,
    not arrays), sampled by inverse CDF from 16-bit uniforms like :class:`GaussianNoise` (each
    value's probability exact to 1/65536, the far tails cut). Needs RGB; RGBA keeps its alpha.

    Parameters
    ----------
    color_shift : float or (float, float), default (0.01, 0.05)
        Range of the hue noise scale, in ``[0, 1]``.
    intensity : float or (float, float), default (0.1, 0.5)
        Range of the overall strength, in ``[0, 10]``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((16, 16, 3), (120, 60, 30), np.uint8)
    >>> img[:8] = (200, 180, 90)
    >>> out = ma.image.ISONoise(p=1.0, seed=0)(image=img, trace=True)
    >>> out["image"].dtype, sorted(out["trace"][0]["params"])
    (dtype('uint8'), ['color_shift', 'intensity', 'noise_seed'])
    """

    color_shift: float | tuple[float, float] = param(
        Range(0.0, 1.0, example="(0.01, 0.05)"), default=(0.01, 0.05)
    )
    intensity: float | tuple[float, float] = param(Range(0.0, 10.0, example="(0.1, 0.5)"), default=(0.1, 0.5))

    _drawn = {"noise_seed": NoiseSeed()}

    def check(self, sample: Mapping[str, Any]) -> None:
        need_channels(
            self.name,
            sample["image"],
            (3, 4),
            "ISONoise works in HLS and needs RGB or RGBA",
            "pass an RGB image (HxWx3, or HxWx4 with alpha)",
        )

    def apply_image(
        self, image: np.ndarray, color_shift: float, intensity: float, noise_seed: int, **params: Any
    ) -> np.ndarray:
        return F.iso_noise(image, color_shift, intensity, noise_seed)
