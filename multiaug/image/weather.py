"""Weather: fog, rain and snow (Albumentations' ``RandomFog``, ``RandomRain``, ``RandomSnow``).

Pixel ops: ``mask``, ``masks``, ``bboxes`` and ``keypoints`` pass through unchanged (extra image
targets get the same weather). The strength (fog coefficient, rain slant, snow point) is drawn
and traced; the fog particles and rain drops come from a drawn ``noise_seed`` (the trace holds
a number, not hundreds of positions, and replays them exactly; the kernels'
:func:`~multiaug.image.functional.weather.fog_particles` and
:func:`~multiaug.image.functional.weather.rain_drops` list them). :class:`RandomFog` takes any
channel count; rain and snow need RGB. RGBA keeps its alpha.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.params import Choice, NoiseSeed, Number, Range, param
from .base import ImageTransform
from .channels import _RGB_FIX, need_channels
from .functional import weather as F
from .lighting import Colour

__all__ = ["RandomFog", "RandomRain", "RandomSnow"]


class RandomFog(ImageTransform):
    """Fog: translucent white particles, denser at the centre, then a blur (Albumentations' ``RandomFog``).

    Per call a fog coefficient ``c`` is drawn from ``fog_coef``; particles are laid out as
    Albumentations does (:func:`~multiaug.image.functional.weather.fog_particles`: about
    ``10 c`` per particle-sized cell in ten nested, shrinking central regions, radius about
    ``c`` tenths of the shorter side), each blending white with weight ``alpha_coef * c``;
    then the whole image is Gaussian-blurred with a kernel of a 30th of its shorter side
    (at least 3). The image only gets lighter before the blur. Any channel count; RGBA keeps
    its alpha.

    Parameters
    ----------
    fog_coef : float or (float, float), default (0.3, 1)
        Range of the fog coefficient in ``[0, 1]``.
    alpha_coef : float, default 0.08
        Opacity of one particle at ``c = 1``, in ``[0, 1]``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((60, 90, 3), 50, np.uint8)
    >>> fog = ma.image.RandomFog(fog_coef=0.8, p=1.0, seed=0)
    >>> foggy = fog(image=img, key=3)["image"]  # lighter, never darker: white blended in, then blurred
    >>> bool(foggy.mean() > 50), bool((foggy >= 50).all())
    (True, True)
    """

    fog_coef: float | tuple[float, float] = param(Range(0.0, 1.0, example="(0.3, 1)"), default=(0.3, 1.0))
    alpha_coef: float = param(Number(0.0, 1.0), default=0.08)

    _drawn = {"noise_seed": NoiseSeed()}

    def apply_image(self, image: np.ndarray, fog_coef: float, noise_seed: int, **params: Any) -> np.ndarray:
        h, w = image.shape[:2]
        centres, radii = F.fog_particles(h, w, fog_coef, noise_seed)
        return F.fog(image, fog_coef, self._r.alpha_coef, centres, radii)


class RandomRain(ImageTransform):
    """Rain streaks over a darker, blurred-streak scene (Albumentations' ``RandomRain``).

    Per call a slant (degrees from vertical; positive leans right going down) is drawn from
    ``slant``; ``n`` drop tops (``rain_type``: ``height // 3`` by default, ``// 4`` drizzle,
    ``x1`` heavy, ``x2`` torrential) are uniform over the image, each the top of a line
    ``drop_length`` pixels tall (None: ``max(1, height // 8)``) and ``drop_width`` wide in
    ``drop_color``. The streak layer is box-blurred by ``blur_value``, added to the image
    and the result multiplied by ``brightness_coefficient``
    (:func:`~multiaug.image.functional.weather.rain`). Albumentations 2.0.8 reads its
    slant as a horizontal offset in pixels; here it is an angle (``length * tan(slant)``
    pixels across). Needs RGB; RGBA keeps its alpha.

    Parameters
    ----------
    slant : float or (float, float), default (-10, 10)
        Range of the slant in degrees, within ``[-80, 80]``; a scalar ``v`` means ``(-v, v)``.
    drop_length : int or None, default None
        Streak height in pixels (``[1, 10000]``); None: an eighth of the image height.
    drop_width : int, default 1
        Streak width in pixels, in ``[1, 100]``.
    drop_color : (float, float, float), default (200, 200, 200)
        Streak colour, 0-255 units whatever the dtype.
    blur_value : int, default 7
        Side of the box blur of the streaks (1: none), in ``[1, 100]``.
    brightness_coefficient : float, default 0.7
        Factor of the final brightness, in ``(0, 1]``.
    rain_type : {"default", "drizzle", "heavy", "torrential"}, default "default"
        Drop count per image row (above).
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((80, 60, 3), 100, np.uint8)
    >>> out = ma.image.RandomRain(blur_value=1, p=1.0, seed=0)(image=img, trace=True)
    >>> sorted(out["trace"][0]["params"]), sorted(np.unique(out["image"]).tolist())
    (['noise_seed', 'slant'], [70, 178])
    """

    slant: float | tuple[float, float] = param(
        Range(-80.0, 80.0, scalar="symmetric", example="(-10, 10)"), default=(-10.0, 10.0)
    )
    drop_length: int | None = param(Number(1, 10000, integer=True, optional=True), default=None)
    drop_width: int = param(Number(1, 100, integer=True), default=1)
    drop_color: tuple[float, float, float] = param(Colour(), default=(200, 200, 200))
    blur_value: int = param(Number(1, 100, integer=True), default=7)
    brightness_coefficient: float = param(Number(0.0, 1.0, low_open=True), default=0.7)
    rain_type: str = param(Choice(*F.RAIN_DROPS), default="default")

    _drawn = {"noise_seed": NoiseSeed()}

    def check(self, sample: Mapping[str, Any]) -> None:
        need_channels(self.name, sample["image"], (3, 4), "RandomRain paints RGB streaks", _RGB_FIX)

    def apply_image(self, image: np.ndarray, slant: float, noise_seed: int, **params: Any) -> np.ndarray:
        r = self._r
        h, w = image.shape[:2]
        length = max(1, h // 8) if r.drop_length is None else r.drop_length
        times, per = F.RAIN_DROPS[r.rain_type]
        drops = F.rain_drops(h, w, h * times // per, length, noise_seed)
        return F.rain(
            image, drops, slant, length, r.drop_width, r.drop_color, r.blur_value, r.brightness_coefficient
        )


class RandomSnow(ImageTransform):
    """Snow by bleaching: lighten the darker pixels (Albumentations' ``RandomSnow``, ``method="bleach"``).

    Per call a snow point ``s`` is drawn from ``snow_point``; in HLS, every pixel whose
    lightness is below ``s / 2 + 1 / 3`` of the range gets its lightness multiplied by
    ``brightness_coeff`` (clipped), hue and saturation kept
    (:func:`~multiaug.image.functional.weather.snow`). Albumentations' ``method="texture"``
    (noise added to HSV values) is not provided. Needs RGB; RGBA keeps its alpha.

    Parameters
    ----------
    snow_point : float or (float, float), default (0.1, 0.3)
        Range of the snow point in ``[0, 1]`` (higher: more pixels bleached).
    brightness_coeff : float, default 2.5
        Lightness factor of the bleached pixels, in ``[0, 100]``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[[40, 40, 40], [230, 230, 230]]], np.uint8)
    >>> ma.image.RandomSnow(snow_point=0.2, p=1.0)(image=img)["image"].tolist()
    [[[100, 100, 100], [230, 230, 230]]]
    """

    snow_point: float | tuple[float, float] = param(Range(0.0, 1.0, example="(0.1, 0.3)"), default=(0.1, 0.3))
    brightness_coeff: float = param(Number(0.0, 100.0), default=2.5)

    def check(self, sample: Mapping[str, Any]) -> None:
        need_channels(self.name, sample["image"], (3, 4), "RandomSnow works in HLS", _RGB_FIX)

    def apply_image(self, image: np.ndarray, snow_point: float, **params: Any) -> np.ndarray:
        return F.snow(image, snow_point, self._r.brightness_coeff)
