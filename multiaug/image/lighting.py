"""Lighting: polygon shadows, colour temperature (Planckian jitter) and sun flares.

Pixel ops: ``mask``, ``masks``, ``bboxes`` and ``keypoints`` pass through unchanged (extra
image targets get the same lighting). Every drawn value is in the trace (polygon vertices,
temperature, flare circles), so ``replay`` reproduces a call exactly. :class:`RandomShadow`
takes any channel count; the colour ops need RGB. RGBA keeps its alpha everywhere.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Choice, Number, Range, Spec, _show, param
from .base import ImageTransform
from .channels import _RGB_FIX, need_channels
from .functional import lighting as F

__all__ = ["PlanckianJitter", "RandomShadow", "RandomSunFlare"]

_REPLAY_FIX = "replay the trace unchanged"


class Region(Spec):
    """A region ``(x_min, y_min, x_max, y_max)`` in fractions of the image, ``0 <= min <= max <= 1``."""

    doc = "(x_min, y_min, x_max, y_max) fractions with 0 <= x_min <= x_max <= 1 and 0 <= y_min <= y_max <= 1"
    value_type = "tuple[float, float, float, float]"

    def invalid(self) -> list[Any]:
        return [None, 0.5, (0, 0, 1), (0.5, 0, 0.2, 1), (0, 0, 1, 1.5), (-0.1, 0, 1, 1), (0, math.nan, 1, 1)]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[float, float, float, float]:
        ok = (
            isinstance(value, Sequence)
            and not isinstance(value, str)
            and len(value) == 4
            and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
        )
        box = tuple(float(v) for v in value) if ok else ()
        if not ok or not (0.0 <= box[0] <= box[2] <= 1.0 and 0.0 <= box[1] <= box[3] <= 1.0):
            raise self.fail(owner, name, value, f"pass {name}=(0, 0.5, 1, 1) (the lower half)")
        return box  # type: ignore[return-value]


class Colour(Spec):
    """An RGB colour: three numbers in ``[0, 255]`` (8-bit units whatever the image's dtype)."""

    doc = "three numbers in [0, 255] (R, G, B)"
    value_type = "tuple[float, float, float]"

    def invalid(self) -> list[Any]:
        return [None, 255, (255, 255), (0, 0, 256), (0, -1, 0), "white", (0, math.nan, 0)]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[float, float, float]:
        if (
            isinstance(value, Sequence)
            and not isinstance(value, str)
            and len(value) == 3
            and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
            and all(0.0 <= float(v) <= 255.0 for v in value)
        ):
            return (float(value[0]), float(value[1]), float(value[2]))
        raise self.fail(owner, name, value, f"pass {name}=(255, 255, 255)")


def region_pixels(roi: Sequence[float], shape: Sequence[int]) -> tuple[int, int, int, int]:
    """The integer positions a fraction region spans: ``(x_lo, y_lo, x_hi, y_hi)``, both ends included."""
    h, w = shape[:2]
    x_lo, x_hi = min(int(roi[0] * w), w - 1), int(roi[2] * w)
    y_lo, y_hi = min(int(roi[1] * h), h - 1), int(roi[3] * h)
    return x_lo, y_lo, max(x_lo, min(x_hi, w) - 1), max(y_lo, min(y_hi, h) - 1)


def _bad(owner: str, field: str, value: Any, what: str) -> InvalidInputError:
    return InvalidInputError(owner, f"params.{field}", f"is {_show(value)}, {what}", _REPLAY_FIX)


def _int_in(value: Any, lo: int, hi: int) -> bool:
    return type(value) is int and lo <= value <= hi


class RandomShadow(ImageTransform):
    """Darken random polygons (Albumentations' ``RandomShadow``).

    Per call, ``n`` shadows are drawn from ``num_shadows``; each is a polygon of
    ``shadow_dimension`` vertices at integer pixel positions uniform in ``shadow_roi``,
    with an intensity ``a`` uniform in ``shadow_intensity``. The pixels inside the polygon
    (``cv2.fillPoly``; self-intersecting polygons as OpenCV fills them) are multiplied by
    ``1 - a``; overlapping shadows darken twice. Every channel is darkened (any channel
    count), except an RGBA image's alpha. The trace lists the vertices and intensities.

    Parameters
    ----------
    shadow_roi : (float, float, float, float), default (0, 0.5, 1, 1)
        ``(x_min, y_min, x_max, y_max)`` of the region the vertices are drawn in, as
        fractions of the width and height (default: the lower half).
    num_shadows : int or (int, int), default (1, 2)
        Range of the number of shadows, whole numbers in ``[1, 100]`` (both ends drawn).
    shadow_dimension : int, default 5
        Vertices per polygon, in ``[3, 100]``.
    shadow_intensity : float or (float, float), default (0.5, 0.5)
        Range of the darkening ``a`` in ``[0, 1]`` (1: black).
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((40, 60, 3), 200, np.uint8)
    >>> out = ma.image.RandomShadow(num_shadows=1, shadow_intensity=0.5, p=1.0, seed=0)(image=img, trace=True)
    >>> params = out["trace"][0]["params"]
    >>> len(params["vertices"][0]), sorted(np.unique(out["image"]).tolist())
    (5, [100, 200])
    """

    shadow_roi: tuple[float, float, float, float] = param(Region(), default=(0.0, 0.5, 1.0, 1.0))
    num_shadows: int | tuple[int, int] = param(
        Range(1, 100, integer=True, example="(1, 3)", draw=False), default=(1, 2)
    )
    shadow_dimension: int = param(Number(3, 100, integer=True), default=5)
    shadow_intensity: float | tuple[float, float] = param(
        Range(0.0, 1.0, example="(0.3, 0.7)", draw=False), default=(0.5, 0.5)
    )

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        x_lo, y_lo, x_hi, y_hi = region_pixels(r.shadow_roi, sample["image"].shape)
        n = int(rng.integers(r.num_shadows[0], r.num_shadows[1] + 1))
        vertices = rng.integers([x_lo, y_lo], [x_hi + 1, y_hi + 1], size=(n, r.shadow_dimension, 2))
        lo, hi = r.shadow_intensity
        return {"vertices": vertices.tolist(), "shadow_intensity": (lo + (hi - lo) * rng.random(n)).tolist()}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        r = self._r
        polygons, intensity = params["vertices"], params["shadow_intensity"]
        lo, hi = r.num_shadows
        if not isinstance(polygons, list) or not lo <= len(polygons) <= hi:
            raise _bad(self.name, "vertices", polygons, f"not a list of {lo} to {hi} polygons")
        if not isinstance(intensity, list) or len(intensity) != len(polygons):
            raise _bad(
                self.name, "shadow_intensity", intensity, f"not one intensity per polygon ({len(polygons)})"
            )
        x_lo, y_lo, x_hi, y_hi = region_pixels(r.shadow_roi, sample["image"].shape)
        for i, polygon in enumerate(polygons):
            if not (
                isinstance(polygon, list)
                and len(polygon) == r.shadow_dimension
                and all(
                    isinstance(v, list)
                    and len(v) == 2
                    and _int_in(v[0], x_lo, x_hi)
                    and _int_in(v[1], y_lo, y_hi)
                    for v in polygon
                )
            ):
                raise _bad(
                    self.name,
                    f"vertices[{i}]",
                    polygon,
                    f"not {r.shadow_dimension} [x, y] pixels within x {x_lo}-{x_hi}, y {y_lo}-{y_hi}",
                )

    def apply_image(
        self, image: np.ndarray, vertices: list[list[list[int]]], shadow_intensity: list[float], **params: Any
    ) -> np.ndarray:
        return F.shadow(image, vertices, shadow_intensity)


#: Albumentations' split point of the temperature draw (K) and the chance of drawing below it.
_WHITE, _BELOW = 6000.0, 0.4
_BOUNDS = {"blackbody": F.BLACKBODY_RANGE, "cied": F.CIED_RANGE}
_DEFAULTS = {"blackbody": (3000.0, 15000.0), "cied": (4000.0, 15000.0)}


class Temperature(Range):
    """A temperature range in kelvin within ``[1667, 25000]``, or ``None`` (the mode's default)."""

    def __init__(self) -> None:
        super().__init__(1667.0, 25000.0, example="(3000, 15000)", draw=False)
        self.doc += " or None"
        self.value_type = "tuple[float, float] | None"

    def invalid(self) -> list[Any]:
        return [v for v in super().invalid() if v is not None]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[float, float] | None:
        return None if value is None else super().resolve(owner, name, value)


class PlanckianJitter(ImageTransform):
    """Re-light the image at a random colour temperature (Zini et al.'s and Albumentations' PlanckianJitter).

    A temperature ``T`` (kelvin) is drawn per call; red and blue are multiplied by the gains
    ``R(T) / G(T)`` and ``B(T) / G(T)`` of light at ``T`` and green is kept (uint8: rounded and
    saturated, one ``cv2.transform``; float32: clipped to 1). The gains are computed from published maths (the
    Planckian locus or the CIE daylight locus, then XYZ to linear sRGB: see
    :mod:`multiaug.image.functional.lighting`), not read from a table; they differ from
    Albumentations 2.0.8's table, which gives warmer extremes (at 3000 K its blue gain is
    0.003, these maths give 0.32). Low temperatures look warm (red), high ones cool (blue).

    The draw follows Albumentations: with ``sampling_method="uniform"``, below 6000 K with
    probability 0.4 (uniform between the range's low end and 6000 K), else above (uniform
    between 6000 K and the high end); with ``"gaussian"``, the distance from 6000 K is a
    half-normal of standard deviation a third of that side's span (clipped to the range).
    A range that does not hold 6000 K is drawn uniformly (``"gaussian"``: a half-normal from
    its end nearest to 6000 K). Needs RGB; RGBA keeps its alpha.

    Parameters
    ----------
    mode : {"blackbody", "cied"}, default "blackbody"
        Light of a black body (1667-25000 K) or CIE daylight, the D illuminants (4000-25000 K).
    temperature : (float, float) or None, default None
        Range of ``T`` in kelvin within the mode's bounds; ``None``: (3000, 15000) for
        ``"blackbody"``, (4000, 15000) for ``"cied"``.
    sampling_method : {"uniform", "gaussian"}, default "uniform"
        How ``T`` is drawn (above).
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> grey = np.full((2, 2, 3), 128, np.uint8)
    >>> warm = ma.image.PlanckianJitter(temperature=(3000, 3000), p=1.0)(image=grey)["image"]
    >>> warm[0, 0].tolist()  # red up, green kept, blue down
    [255, 128, 41]
    """

    mode: str = param(Choice("blackbody", "cied"), default="blackbody")
    temperature: tuple[float, float] | None = param(Temperature(), default=None)
    sampling_method: str = param(Choice("uniform", "gaussian"), default="uniform")

    def _finalize(self, r: Any) -> None:
        super()._finalize(r)
        lo, hi = _BOUNDS[r.mode]
        if r.temperature is not None and r.temperature[0] < lo:
            raise InvalidInputError(
                self.name,
                "temperature",
                f"starts at {r.temperature[0]:g} K, below the {lo:g} K where the {r.mode!r} formula begins",
                f"pass temperature=({max(lo, 4000.0):g}, {hi:g}) or mode='blackbody'",
            )

    def temperature_range(self) -> tuple[float, float]:
        """The range ``T`` is drawn from (the mode's default when ``temperature`` is None)."""
        r = self._r
        return _DEFAULTS[r.mode] if r.temperature is None else r.temperature

    def check(self, sample: Mapping[str, Any]) -> None:
        need_channels(
            self.name, sample["image"], (3, 4), "PlanckianJitter scales red and blue of RGB", _RGB_FIX
        )

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        lo, hi = self.temperature_range()
        below, u = rng.random(2).tolist()
        if self._r.sampling_method == "uniform":
            if lo < _WHITE < hi:
                t = lo + (_WHITE - lo) * u if below < _BELOW else _WHITE + (hi - _WHITE) * u
            else:
                t = lo + (hi - lo) * u
        else:
            centre = min(max(_WHITE, lo), hi)
            left = below < _BELOW if lo < _WHITE < hi else centre == hi
            span = (centre - lo) if left else (hi - centre)
            shift = abs(float(rng.standard_normal())) * span / 3.0
            t = centre - shift if left else centre + shift
        return {"temperature": min(max(t, lo), hi)}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        lo, hi = self.temperature_range()
        t = params["temperature"]
        if not lo <= t <= hi:
            raise _bad(self.name, "temperature", t, f"outside the drawn range ({lo:g}, {hi:g}) K")

    def apply_image(self, image: np.ndarray, temperature: float, **params: Any) -> np.ndarray:
        return F.channel_gains(image, F.planckian_gains(temperature, self._r.mode))


class RandomSunFlare(ImageTransform):
    """A lens flare: translucent circles along a line and a bright sun (Albumentations' ``RandomSunFlare``).

    Per call: the sun's centre is drawn uniformly in ``flare_roi`` (integer pixels), the
    line's direction ``angle`` (in turns) uniformly in ``angle``, and ``n`` circles from
    ``num_flare_circles``, each centred on one of the line's points (one every 1% of the
    diagonal, for x across the image), with a radius ``k ** 3`` for ``k`` uniform in
    ``[1, max(2, height // 100)]``, an alpha uniform in ``[0.05, 0.2]`` and each channel of
    its colour uniform in ``[src_color - 20% of max(src_color), src_color]``. The circles
    are blended in order, each once (Albumentations re-blends the earlier circles at every
    later one, which brightens their overlaps more), then the sun fades from ``src_color``
    at the centre to nothing at ``src_radius`` pixels (:func:`~multiaug.image.functional.lighting.sun_flare`).
    The trace holds the centre, the angle and every circle as ``[point, radius, alpha, r, g, b]``
    (``point``: its index along the line).
    Albumentations' ``method="physics_based"`` is not provided. Needs RGB; RGBA keeps its alpha.

    Parameters
    ----------
    flare_roi : (float, float, float, float), default (0, 0, 1, 0.5)
        ``(x_min, y_min, x_max, y_max)`` of the region of the sun's centre, as fractions.
    angle : float or (float, float), default (0, 1)
        Range of the line's direction in turns (``[0, 1]``; 1 is 360 degrees).
    num_flare_circles : int or (int, int), default (6, 10)
        Range of the number of circles, whole numbers in ``[0, 100]``.
    src_radius : int, default 400
        Radius of the sun in pixels, in ``[1, 10000]`` (below 10 there is no sun, only circles).
    src_color : (float, float, float), default (255, 255, 255)
        The sun's colour, 0-255 units whatever the image's dtype.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((64, 96, 3), 60, np.uint8)
    >>> out = ma.image.RandomSunFlare(p=1.0, seed=0)(image=img, trace=True)
    >>> x, y = out["trace"][0]["params"]["center"]
    >>> int(out["image"][y, x].mean()) > 200, bool((out["image"] >= 60).all())
    (True, True)
    """

    flare_roi: tuple[float, float, float, float] = param(Region(), default=(0.0, 0.0, 1.0, 0.5))
    angle: float | tuple[float, float] = param(
        Range(0.0, 1.0, example="(0, 1)", draw=False), default=(0.0, 1.0)
    )
    num_flare_circles: int | tuple[int, int] = param(
        Range(0, 100, integer=True, example="(6, 10)", draw=False), default=(6, 10)
    )
    src_radius: int = param(Number(1, 10000, integer=True), default=400)
    src_color: tuple[float, float, float] = param(Colour(), default=(255, 255, 255))

    def check(self, sample: Mapping[str, Any]) -> None:
        need_channels(self.name, sample["image"], (3, 4), "RandomSunFlare paints RGB colours", _RGB_FIX)

    def _limits(self, shape: Sequence[int]) -> tuple[int, int, int]:
        """``(step, max_k, colour_range)`` of the circles on an image of ``shape``."""
        h, w = shape[:2]
        return max(1, int(math.hypot(h, w) * 0.01)), max(2, int(h * 0.01)), int(max(self._r.src_color) * 0.2)

    def _positions(
        self, center: list[int], turns: float, circles: list[list[Any]], shape: Sequence[int]
    ) -> list[list[Any]]:
        """Kernel circles ``[x, y, radius, alpha, r, g, b]`` of traced ``[point, radius, alpha, r, g, b]``.

        Point ``i`` of the line is ``t = -cx + i * step`` pixels from the centre along the
        direction ``turns`` (Albumentations' points, truncated to whole pixels).
        """
        step = self._limits(shape)[0]
        cx, cy = center
        cos, sin = math.cos(2 * math.pi * turns), math.sin(2 * math.pi * turns)
        out = []
        for i, *rest in circles:
            t = -cx + i * step
            out.append([int(cx + t * cos), int(cy + t * sin), *rest])
        return out

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        h, w = sample["image"].shape[:2]
        step, max_k, spread = self._limits((h, w))
        u_angle, u_x, u_y = rng.random(3).tolist()
        turns = r.angle[0] + (r.angle[1] - r.angle[0]) * u_angle
        x_min, y_min, x_max, y_max = r.flare_roi
        cx, cy = int(w * (x_min + (x_max - x_min) * u_x)), int(h * (y_min + (y_max - y_min) * u_y))
        n = int(rng.integers(r.num_flare_circles[0], r.num_flare_circles[1] + 1))
        u = rng.random((n, 2))
        ks = rng.integers(1, max_k + 1, n)
        top = np.array([int(c) for c in r.src_color])
        colours = rng.integers(np.maximum(top - spread, 0), top + 1, size=(n, 3))
        n_points = len(range(-cx, w - cx, step))
        points = (u[:, 1] * n_points).astype(np.int64)
        alphas = 0.05 + 0.15 * u[:, 0]
        circles = [
            [i, k**3, a, *c]
            for i, k, a, c in zip(
                points.tolist(), ks.tolist(), alphas.tolist(), colours.tolist(), strict=True
            )
        ]
        return {"center": [cx, cy], "angle": turns, "circles": circles}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        r = self._r
        h, w = sample["image"].shape[:2]
        step, max_k, spread = self._limits((h, w))
        center, circles = params["center"], params["circles"]
        if not (
            isinstance(center, list)
            and len(center) == 2
            and _int_in(center[0], 0, w)
            and _int_in(center[1], 0, h)
        ):
            raise _bad(self.name, "center", center, f"not an [x, y] pixel within {w}x{h}")
        lo, hi = r.num_flare_circles
        if not isinstance(circles, list) or not lo <= len(circles) <= hi:
            raise _bad(self.name, "circles", circles, f"not a list of {lo} to {hi} circles")
        top = [int(c) for c in r.src_color]
        last = max(0, len(range(-center[0], w - center[0], step)) - 1)
        for i, c in enumerate(circles):
            ok = (
                isinstance(c, list)
                and len(c) == 6
                and _int_in(c[0], 0, last)
                and _int_in(c[1], 1, max_k**3)
                and type(c[2]) in (int, float)
                and 0.05 - 1e-9 <= c[2] <= 0.2 + 1e-9
                and all(_int_in(v, max(t - spread, 0), t) for v, t in zip(c[3:], top, strict=True))
            )
            if not ok:
                raise _bad(self.name, f"circles[{i}]", c, "not a circle this flare can draw")

    def apply_image(
        self, image: np.ndarray, center: list[int], angle: float, circles: list[list[Any]], **params: Any
    ) -> np.ndarray:
        r = self._r
        placed = self._positions(center, angle, circles, image.shape)
        return F.sun_flare(image, center, r.src_radius, r.src_color, placed)
