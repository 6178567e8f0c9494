"""Random erasing (cutout) of an image rectangle (targets pass through)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import NoiseSeed, Range, param
from ..core.transform import check_window
from .base import ImageTransform
from .functional import erasing as F
from .options import Fill, check_fill

__all__ = ["RandomErasing"]


_NOISE_SEED = NoiseSeed()
_FILL_FIX = 'pass {name}=0, {name}=(124, 116, 104) or {name}="random"'


class EraseFill(Fill):
    """The border :class:`~multiaug.image.options.Fill` (one number, or one per channel), or ``"random"``."""

    doc = 'a number in [0, 255], a sequence of them (one per channel) or "random"'
    value_type = "tuple[float, ...] | str"

    def invalid(self) -> list[Any]:
        return [*super().invalid(), "noise"]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[float, ...] | str:
        if isinstance(value, str) and value == "random":
            return "random"
        try:
            return super().resolve(owner, name, value)
        except InvalidInputError:
            raise self.fail(owner, name, value, _FILL_FIX.format(name=name)) from None


class RandomErasing(ImageTransform):
    """Erase a random rectangle (torchvision's ``RandomErasing``, Zhong et al. 2017).

    The rectangle's area is a fraction of the image drawn from ``scale``, its
    aspect ratio (height / width) is drawn log-uniformly from ``ratio``; up to
    ten draws are tried until it fits inside the image, then its position is
    drawn uniformly. If none fits the image is left unchanged (as in
    torchvision; the trace then shows a zero-sized rectangle). Targets are not
    changed.

    Parameters
    ----------
    scale : (float, float), default (0.02, 0.33)
        Range of the erased area as a fraction of the image area.
    ratio : (float, float), default (0.3, 3.3)
        Range of the aspect ratio, drawn on a log scale.
    fill : float, tuple of float or "random", default 0
        In the image's units (0..255 whole numbers for uint8, 0..1 for float32):
        one value, one value per channel, or ``"random"`` for uniform noise over
        the full range drawn from the seeded generator (replays exactly).
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((20, 30, 3), 200, np.uint8)
    >>> out = ma.image.RandomErasing(fill=(255, 0, 0), p=1.0, seed=1)(image=img, trace=True)
    >>> b = out["trace"][0]["params"]
    >>> region = out["image"][b["top"] : b["top"] + b["height"], b["left"] : b["left"] + b["width"]]
    >>> changed = (out["image"] != img).any(axis=2)
    >>> bool((region == (255, 0, 0)).all()), int(changed.sum()) == b["height"] * b["width"]
    (True, True)
    """

    # make_params draws the rectangle from both (torchvision's attempts), not each alone.
    scale: tuple[float, float] = param(
        Range(0.0, 1.0, example="(0.02, 0.33)", draw=False), default=(0.02, 0.33)
    )
    ratio: tuple[float, float] = param(Range(1e-6, 1e6, example="(0.3, 3.3)", draw=False), default=(0.3, 3.3))
    fill: float | tuple[float, ...] | str = param(EraseFill(), default=0)

    _drawn = {"noise_seed": _NOISE_SEED}

    def check(self, sample: Mapping[str, Any]) -> None:
        fill = self._r.fill
        if isinstance(fill, str):
            return
        image = sample["image"]
        check_fill(self.name, fill, image)
        if image.dtype == np.uint8 and any(v != int(v) for v in fill):
            raise InvalidInputError(
                self.name,
                "fill",
                f"is {self.fill!r}, not whole numbers as a uint8 image needs",
                "give fill in the image's units: 0..255 for uint8 (e.g. fill=127)",
            )

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        p = params
        check_window(self.name, p["top"], p["left"], p["height"], p["width"], sample["image"].shape, 0)

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        h, w = sample["image"].shape[:2]
        log_lo, log_hi = math.log(r.ratio[0]), math.log(r.ratio[1])
        params: dict[str, Any] = {"top": 0, "left": 0, "height": 0, "width": 0}
        # torchvision's ten attempts; all uniforms come from one vector draw (plain floats are cheap).
        u = rng.random(22).tolist()
        scale_lo, scale_span = r.scale[0], r.scale[1] - r.scale[0]
        for i in range(10):
            area = h * w * (scale_lo + scale_span * u[i])
            aspect = math.exp(log_lo + (log_hi - log_lo) * u[10 + i])
            eh = round(math.sqrt(area * aspect))
            ew = round(math.sqrt(area / aspect))
            if eh < h and ew < w:
                top = int(u[20] * (h - eh + 1))  # uniform over the h - eh + 1 positions
                left = int(u[21] * (w - ew + 1))
                params = {"top": top, "left": left, "height": eh, "width": ew}
                break
        if isinstance(r.fill, str):
            params["noise_seed"] = _NOISE_SEED.draw(rng)
        return params

    def apply_image(
        self,
        image: np.ndarray,
        top: int,
        left: int,
        height: int,
        width: int,
        noise_seed: int = 0,
        **params: Any,
    ) -> np.ndarray:
        return F.erase(image, top, left, height, width, self._r.fill, noise_seed)
