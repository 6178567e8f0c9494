"""Erasing: random erasing (cutout) of one rectangle, coarse and grid dropout of many.

RandomErasing leaves the targets alone. The dropouts fill the same holes in
``mask``, each of ``masks`` and the extra mask targets when ``fill_mask`` is set
(Albumentations' convention; ``None``, the default, leaves masks unchanged); boxes
and keypoints always pass through unchanged (Albumentations 2.0.8 drops the ones a
hole hides: filter them yourself if you need that).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Flag, NoiseSeed, Number, Options, Range, _show, param
from ..core.transform import Sample, check_window
from .base import ImageTransform, each_mask, moved_arrays
from .functional import erasing as F
from .options import Fill, check_fill, check_fill_mask

__all__ = ["CoarseDropout", "GridDropout", "RandomErasing"]


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


def check_erase_fill(owner: str, fill: tuple[float, ...] | str, given: Any, image: np.ndarray) -> None:
    """A resolved :class:`EraseFill` against the call's image (``given``: the value as passed)."""
    if isinstance(fill, str):
        return
    check_fill(owner, fill, image)
    if image.dtype == np.uint8 and any(v != int(v) for v in fill):
        raise InvalidInputError(
            owner,
            "fill",
            f"is {given!r}, not whole numbers as a uint8 image needs",
            "give fill in the image's units: 0..255 for uint8 (e.g. fill=127)",
        )


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
        check_erase_fill(self.name, self._r.fill, self.fill, sample["image"])

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


#: ``fill``, ``fill_mask``: what the dropouts write into their holes (``@options image.dropout``).
DROPOUT = Options(
    "image.dropout",
    {
        "fill": (
            EraseFill(),
            """
            fill : float, tuple of float or "random", default 0
                In the image's units (0..255 whole numbers for uint8, 0..1 for float32): one
                value, one per channel, or ``"random"`` (uniform noise from the seeded generator).
            """,
        ),
        "fill_mask": (
            Number(-(2**63), 2**64 - 1, integer=True, optional=True),
            """
            fill_mask : int or None, default None
                The label written into the holes of ``mask``, ``masks`` and the extra mask
                targets; ``None`` leaves masks unchanged.
            """,
        ),
    },
)


class Dropout(ImageTransform):
    """Base of the dropouts: holes filled in the image (``fill``) and in the masks (``fill_mask``).

    Subclasses draw the holes and say where they are with :meth:`holes`.
    """

    _abstract = True

    fill: float | tuple[float, ...] | str = param(DROPOUT.specs["fill"], default=0, kw_only=True)
    fill_mask: int | None = param(DROPOUT.specs["fill_mask"], default=None, kw_only=True)

    def check(self, sample: Mapping[str, Any]) -> None:
        check_erase_fill(self.name, self._r.fill, self.fill, sample["image"])
        fill_mask = self._r.fill_mask
        if fill_mask is None:
            return
        for name, kind in moved_arrays(sample):
            if kind == "mask":
                check_fill_mask(self.name, fill_mask, sample[name])
            elif kind == "masks":
                for m in sample[name]:
                    check_fill_mask(self.name, fill_mask, m)

    def holes(self, params: Mapping[str, Any], shape: tuple[int, ...]) -> list[list[int]]:
        """The ``[top, left, height, width]`` rectangles of one call."""
        raise NotImplementedError

    def _noise_seed(self, rng: np.random.Generator) -> dict[str, int]:
        return {"noise_seed": _NOISE_SEED.draw(rng)} if isinstance(self._r.fill, str) else {}

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        holes = self.holes(params, sample["image"].shape)
        out = dict(sample)
        seed = params.get("noise_seed", 0)
        out["image"] = F.fill_holes(sample["image"], holes, self._r.fill, seed)
        fill_mask = self._r.fill_mask
        for name, kind in moved_arrays(sample):
            value = sample[name]
            if kind == "image":
                out[name] = F.fill_holes(value, holes, self._r.fill, seed)
            elif fill_mask is not None and kind == "mask":
                out[name] = F.fill_holes(value, holes, fill_mask)
            elif fill_mask is not None:
                out[name] = each_mask(lambda m: F.fill_holes(m, holes, fill_mask), value)
        return out


def _side(fraction: float, size: int) -> int:
    """A hole side in pixels: ``fraction`` of ``size``, rounded, within ``[1, size]``."""
    return min(size, max(1, round(fraction * size)))


class CoarseDropout(Dropout):
    """Fill a random number of random rectangles (Albumentations' ``CoarseDropout``; cutout).

    The number of holes is drawn from ``num_holes``; each hole's height and width are
    fractions of the image's drawn from ``hole_height`` and ``hole_width`` (rounded to
    whole pixels, at least 1) and its position uniformly among those that keep it
    inside the image. Holes may overlap. The trace lists the holes as ``[top, left,
    height, width]``.

    Parameters
    ----------
    num_holes : int or (int, int), default (1, 2)
        Range of the number of holes, whole numbers in ``[0, 10000]`` (both ends drawn).
    hole_height, hole_width : float or (float, float), default (0.1, 0.2)
        Range of a hole's side as a fraction of the image's, in ``[0, 1]``.
    @options image.dropout call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((20, 30, 3), 200, np.uint8)
    >>> t = ma.image.CoarseDropout(num_holes=3, hole_height=0.25, hole_width=0.2, p=1.0, seed=0)
    >>> out = t(image=img, trace=True)
    >>> [hole[2:] for hole in out["trace"][0]["params"]["holes"]]  # height, width in pixels
    [[5, 6], [5, 6], [5, 6]]
    >>> int((out["image"] == 0).all(axis=2).sum()) <= 3 * 5 * 6
    True
    """

    num_holes: int | tuple[int, int] = param(
        Range(0, 10000, integer=True, example="(1, 8)", draw=False), default=(1, 2)
    )
    hole_height: float | tuple[float, float] = param(
        Range(0.0, 1.0, example="(0.1, 0.2)", draw=False), default=(0.1, 0.2)
    )
    hole_width: float | tuple[float, float] = param(
        Range(0.0, 1.0, example="(0.1, 0.2)", draw=False), default=(0.1, 0.2)
    )

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        h, w = sample["image"].shape[:2]
        n = int(rng.integers(r.num_holes[0], r.num_holes[1] + 1))
        u = rng.random((4, n)).tolist()  # one vector draw: heights, widths, tops, lefts
        holes = []
        for fh, fw, ft, fl in zip(*u, strict=True):
            hh = _side(r.hole_height[0] + (r.hole_height[1] - r.hole_height[0]) * fh, h)
            ww = _side(r.hole_width[0] + (r.hole_width[1] - r.hole_width[0]) * fw, w)
            holes.append([int(ft * (h - hh + 1)), int(fl * (w - ww + 1)), hh, ww])
        return {"holes": holes, **self._noise_seed(rng)}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        holes = params["holes"]
        if not isinstance(holes, list) or not all(isinstance(x, list) and len(x) == 4 for x in holes):
            raise InvalidInputError(
                self.name,
                "params.holes",
                f"is {_show(holes)}, not a list of [top, left, height, width] lists",
                "replay the trace unchanged",
            )
        for top, left, height, width in holes:
            check_window(self.name, top, left, height, width, sample["image"].shape)

    def holes(self, params: Mapping[str, Any], shape: tuple[int, ...]) -> list[list[int]]:
        return list(params["holes"])


class UnitSize(Range):
    """A :class:`~multiaug.core.params.Range` of whole grid-unit sides (``>= 2``), or ``None``."""

    def __init__(self) -> None:
        super().__init__(2, 100000, integer=True, example="(10, 40)", draw=False)
        self.doc += " or None"
        self.value_type = "tuple[int, int] | None"

    def invalid(self) -> list[Any]:
        return [v for v in super().invalid() if v is not None]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[int, int] | None:
        if value is None:
            return None
        lo, hi = super().resolve(owner, name, value)
        return (int(lo), int(hi))


class GridDropout(Dropout):
    """Fill a regular grid of square holes (Albumentations' ``GridDropout``, Chen et al.'s GridMask).

    The image is tiled by square units of side ``unit`` pixels (drawn from ``unit_size``
    per call; ``None``: a tenth of the shorter side, at least 2); each unit holds one
    square hole of side ``round(ratio * unit)`` (at least 1) at its top-left corner. With
    ``random_offset`` the whole grid is shifted by ``(shift_y, shift_x)`` drawn in
    ``[0, unit)``, and the holes cut by the top and left edges are kept too, so the
    dropped share of a large image is about ``ratio ** 2``. The trace holds ``unit``,
    ``shift_y`` and ``shift_x``.

    Parameters
    ----------
    ratio : float, default 0.5
        Hole side as a fraction of the unit side, in ``(0, 1]`` (1: everything dropped).
    unit_size : int, (int, int) or None, default None
        Range of the unit side in pixels (whole numbers >= 2), drawn per call; a scalar
        fixes it.
    random_offset : bool, default True
        Shift the grid randomly (else the first hole is at the top-left corner).
    @options image.dropout call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.ones((8, 8), np.uint8)
    >>> t = ma.image.GridDropout(ratio=0.5, unit_size=4, random_offset=False, p=1.0)
    >>> t(image=img)["image"][:4].tolist()
    [[0, 0, 1, 1, 0, 0, 1, 1], [0, 0, 1, 1, 0, 0, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]]
    """

    ratio: float = param(Number(0.0, 1.0, low_open=True), default=0.5)
    unit_size: int | tuple[int, int] | None = param(UnitSize(), default=None)
    random_offset: bool = param(Flag(), default=True)

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        h, w = sample["image"].shape[:2]
        if r.unit_size is None:
            unit = max(2, min(h, w) // 10)
        else:
            unit = int(rng.integers(r.unit_size[0], r.unit_size[1] + 1))
        shift_y, shift_x = rng.integers(0, unit, 2).tolist() if r.random_offset else (0, 0)
        return {"unit": unit, "shift_y": shift_y, "shift_x": shift_x, **self._noise_seed(rng)}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        unit = params["unit"]
        if type(unit) is not int or unit < 1:
            raise InvalidInputError(
                self.name, "params.unit", f"is {_show(unit)}, not a side >= 1", "replay the trace unchanged"
            )
        for name in ("shift_y", "shift_x"):
            v = params[name]
            if type(v) is not int or not 0 <= v < unit:
                raise InvalidInputError(
                    self.name,
                    f"params.{name}",
                    f"is {_show(v)}, outside [0, unit={unit})",
                    "replay the trace unchanged",
                )

    def holes(self, params: Mapping[str, Any], shape: tuple[int, ...]) -> list[list[int]]:
        unit = params["unit"]
        hole = min(unit, max(1, round(self._r.ratio * unit)))
        rows = F.grid_runs(shape[0], unit, hole, params["shift_y"])
        cols = F.grid_runs(shape[1], unit, hole, params["shift_x"])
        return [[top, left, bottom - top, right - left] for top, bottom in rows for left, right in cols]
