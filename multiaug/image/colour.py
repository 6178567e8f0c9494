"""Colour transforms of the image pixels: :class:`ColorJitter` and :class:`Grayscale`.

The point ops (brightness/contrast, gamma, tone curve, solarize, posterize, invert) and their
lookup-table fusion live in :mod:`multiaug.image.point`; they are re-exported here,
where they were first published. ColorJitter's brightness and contrast steps are
point ops too: on uint8 images they join the pending lookup table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Number, Range, _is_number, param
from ..core.transform import PENDING, Sample, flush_pending
from .base import ImageTransform
from .functional import colour as F
from .point import (
    Invert,
    PendingLUT,
    Posterize,
    RandomBrightnessContrast,
    RandomGamma,
    RandomToneCurve,
    Solarize,
    lut_fuses,
)

__all__ = [
    "ColorJitter",
    "Grayscale",
    "Invert",
    "Posterize",
    "RandomBrightnessContrast",
    "RandomGamma",
    "RandomToneCurve",
    "Solarize",
]


# ---------------------------------------------------------------------- parameter specs
class JitterFactor(Range):
    """torchvision's jitter factor: a scalar ``v`` means ``[max(0, 1 - v), 1 + v]``; pairs are explicit.

    ColorJitter draws its factors itself (one vector draw), so the spec does not draw.
    """

    def __init__(self) -> None:
        super().__init__(0.0, math.inf, scalar="symmetric", center=1.0, example="(0.8, 1.2)", draw=False)

    def resolve(self, owner: str, name: str, value: Any) -> tuple[float, float]:
        if _is_number(value) and math.isfinite(float(value)) and float(value) >= 0:
            value = (max(0.0, 1.0 - float(value)), 1.0 + float(value))
        return super().resolve(owner, name, value)


def _channels_problem(owner: str, image: np.ndarray, what: str, allowed: str, fix: str) -> None:
    raise InvalidInputError(
        owner, "image", f"has {F.n_channels(image)} channels; {what} needs {allowed}", fix
    )


# ---------------------------------------------------------------------- transforms
_BRIGHTNESS, _CONTRAST, _SATURATION, _HUE = range(4)
_IDENTITY_FACTORS = (1.0, 1.0, 1.0, 0.0)
_NAMES = ("brightness", "contrast", "saturation", "hue")


class ColorJitter(ImageTransform):
    """Randomly change brightness, contrast, saturation and hue, in a random order (torchvision).

    Factors are drawn uniformly per call and the four adjustments run in an
    order drawn per call, as in ``torchvision.transforms.ColorJitter``:

    * brightness ``b``: ``v * b``;
    * contrast ``c``: ``c * v + (1 - c) * mean``, ``mean`` the mean luma of the image;
    * saturation ``s``: ``s * v + (1 - s) * luma(v)`` per pixel;
    * hue ``h``: rotate the HSV hue by ``h`` turns;

    each clipped to the valid range. A factor at its identity (1, or 0 for hue)
    skips that adjustment, so all-identity settings return the input bit for
    bit. Luma uses the BT.601 weights (0.299, 0.587, 0.114); uint8 results are
    rounded to nearest (torchvision truncates) and uint8 hue goes through
    OpenCV's 8-bit HSV (hue in 256 steps): on a photo that is 0.1-0.2 grey
    levels from an exact float rotation on average and up to about 9 on a few
    pixels (albumentations' 180-step version: 0.3 and 4). float32 images get
    the float formulas throughout.

    Channels: RGB (3) and RGBA (4, alpha untouched). A one-channel image (HxW or
    HxWx1) is grey: brightness and contrast apply, saturation and hue leave it
    unchanged (as in torchvision). Other channel counts take brightness only
    (contrast, saturation and hue need RGB and raise ``InvalidInputError``).

    Fusion: on uint8 images brightness and contrast are lookup tables and join
    the pending table of neighbouring point ops; saturation and hue apply the
    pending table first and then run directly.

    Parameters
    ----------
    brightness, contrast, saturation : float or (float, float), default 0.2
        A scalar ``v`` draws the factor from ``[max(0, 1 - v), 1 + v]``; a pair
        ``(lo, hi)`` (``lo >= 0``) gives the range itself.
    hue : float or (float, float), default 0.1
        A scalar ``h <= 0.5`` draws the shift from ``[-h, h]`` (in turns).
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    >>> jitter = ma.image.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1, p=1.0, seed=0)
    >>> out = jitter(image=img, key=1, trace=True)
    >>> out["image"].shape, out["image"].dtype, sorted(out["trace"][0]["params"])
    ((8, 8, 3), dtype('uint8'), ['brightness', 'contrast', 'hue', 'order', 'saturation'])
    >>> same = ma.image.ColorJitter(brightness=0, contrast=0, saturation=0, hue=0, p=1.0)(image=img)
    >>> bool((same["image"] == img).all())
    True
    """

    defer_kind = "lut"
    _drawn = {"order": Number(0, 3, integer=True)}
    _lengths = {"order": 4}
    # make_params draws all four factors and the order in one vector draw.
    brightness: float | tuple[float, float] = param(JitterFactor(), default=0.2)
    contrast: float | tuple[float, float] = param(JitterFactor(), default=0.2)
    saturation: float | tuple[float, float] = param(JitterFactor(), default=0.2)
    hue: float | tuple[float, float] = param(
        Range(-0.5, 0.5, scalar="symmetric", center=0.0, example="(-0.1, 0.1)", draw=False), default=0.1
    )

    def check(self, sample: Mapping[str, Any]) -> None:
        image = sample["image"]
        if F.n_channels(image) in (1, 3, 4):
            return
        r = self._r
        for name, identity in zip(_NAMES[1:], _IDENTITY_FACTORS[1:], strict=True):
            if getattr(r, name) != (identity, identity):
                _channels_problem(
                    self.name,
                    image,
                    name,
                    "RGB (3 channels, 4 with alpha) or one grey channel",
                    f"pass an RGB image, or set {name}=0 to leave it out",
                )

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        # One vector draw: four uniforms rank the adjustments (a uniform random order), four set the factors.
        u = rng.random(8).tolist()
        params: dict[str, Any] = {"order": sorted(range(4), key=u.__getitem__)}
        for name, v in zip(_NAMES, u[4:], strict=True):
            lo, hi = getattr(r, name)
            params[name] = lo + (hi - lo) * v
        return params

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        if sorted(params["order"]) != [0, 1, 2, 3]:
            raise InvalidInputError(
                self.name,
                "params.order",
                f"{params['order']} is not an order of the 4 adjustments",
                "replay the trace unchanged",
            )

    def _steps(self, params: Mapping[str, Any]) -> list[tuple[int, float]]:
        """The adjustments to run, in order, without the ones at their identity."""
        steps = []
        for op in params["order"]:
            value = float(params[_NAMES[op]])
            if value != _IDENTITY_FACTORS[op]:
                steps.append((op, value))
        return steps

    @staticmethod
    def _point(op: int, value: float, sums: tuple[float, ...], image: np.ndarray) -> F.PointFn:
        if op == _BRIGHTNESS:
            return F.brightness(value)
        scale = 255.0 if image.dtype == np.uint8 else 1.0
        return F.contrast(value, F.luma_mean(sums, image.shape[0] * image.shape[1], scale))

    @staticmethod
    def _direct(op: int, value: float, image: np.ndarray) -> np.ndarray:
        if op == _SATURATION:
            return F.adjust_saturation(image, value)
        return F.adjust_hue(image, value)

    def _adjust(
        self, image: np.ndarray, params: Mapping[str, Any], pending: PendingLUT | None, fuse: bool
    ) -> tuple[np.ndarray, PendingLUT | None]:
        """Run the adjustments; with ``fuse`` (uint8 only) brightness and contrast join ``pending``.

        Returns the image and the lookup table still to apply to it; saturation and
        hue apply the pending table first. Fused or not, the values are the same:
        contrast takes its mean through the pending table (exact integer sums).
        """
        for op, value in self._steps(params):
            if op not in (_BRIGHTNESS, _CONTRAST):
                if pending is not None:
                    image, pending = pending.apply(image), None
                image = self._direct(op, value, image)
            elif fuse:
                pending = pending or PendingLUT()
                sums = pending.channel_sums(image) if op == _CONTRAST else ()
                pending = pending.then(F.point_table(self._point(op, value, sums, image)))
            else:
                sums = F.channel_sums(image) if op == _CONTRAST else ()
                image = F.apply_point(image, self._point(op, value, sums, image))
        return image, pending

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        out, _ = self._adjust(image, params, None, fuse=False)
        return out.copy() if out is image else out

    def defer(self, sample: Sample, params: Mapping[str, Any]) -> Sample:
        if not lut_fuses(sample):
            return self.apply(flush_pending(sample), params)
        image, pending = self._adjust(sample["image"], params, sample.get(PENDING), fuse=True)
        out = {k: v for k, v in sample.items() if k != PENDING}
        out["image"] = image.copy() if image is sample["image"] and pending is None else image
        if pending is not None:
            out[PENDING] = pending
        return out


class Grayscale(ImageTransform):
    """Convert to grey (BT.601 luma), keeping the layout: RGB in, three equal channels out.

    RGBA keeps its alpha; a one-channel image (HxW or HxWx1) is already grey and
    is returned as a copy. Other channel counts raise ``InvalidInputError``.

    Parameters
    ----------
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[[255, 0, 0], [0, 255, 0]]], np.uint8)
    >>> ma.image.Grayscale(p=1.0)(image=img)["image"].tolist()
    [[[76, 76, 76], [150, 150, 150]]]
    """

    is_random = False

    def check(self, sample: Mapping[str, Any]) -> None:
        image = sample["image"]
        if F.n_channels(image) not in (1, 3, 4):
            _channels_problem(
                self.name,
                image,
                "grayscale conversion",
                "RGB (3 channels), RGBA (4) or one grey channel",
                "pass an RGB or RGBA image",
            )

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        return F.grayscale(image)
