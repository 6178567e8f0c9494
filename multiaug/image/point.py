"""Point ops of the image pixels (one value in, one value out), and their lookup-table fusion on uint8.

Point ops (brightness, contrast, gamma, solarize, posterize, invert) map each
value on its own, so on ``uint8`` images they are 256-entry lookup tables.
Inside a call with fusion on (the default; ``Compose(fuse=False)`` turns it
off), consecutive point ops on a ``uint8`` image do not touch the pixels: they
compose their tables into one :class:`PendingLUT`, and the first op that is
not a point op (or the end of the call) applies it in one lookup pass
(stringzilla's SIMD translation when installed, else ``cv2.LUT``).
Composition is exact: each table already rounds to uint8, so ``T2[T1[x]]`` is
what the two lookups give one after the other. Contrast needs the mean luma of
the image it sees; inside a fused group that image does not exist yet, so the
mean comes from the exact integer channel sums of the original mapped through
the pending table (per-channel histograms dotted with the table, or a scratch
lookup when that is cheaper): the same integers the unfused image gives, hence
the same contrast table, bit for bit.

``float32`` images never join a table: each op applies at once in float.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ..core.errors import InvalidInputError
from ..core.fields import TARGETS
from ..core.params import Flag, Number, Range, param
from ..core.transform import PENDING, Deferred, Sample, flush_pending
from .base import ImageTransform
from .functional import colour as F
from .functional.channels import channel_luts

__all__ = [
    "Invert",
    "PendingLUT",
    "PointTransform",
    "Posterize",
    "RandomBrightnessContrast",
    "RandomGamma",
    "RandomToneCurve",
    "Solarize",
]


# ---------------------------------------------------------------------- the fused lookup table
class PendingLUT(Deferred):
    """A ``uint8`` lookup table waiting to be applied to the sample's image in one pass.

    Every point op maps the colour channels through one 256-entry table and
    leaves alpha alone, so a group of them is one table: ``then[first]``.

    Parameters
    ----------
    table : np.ndarray or None
        The composed 256-entry uint8 table; ``None`` while nothing has joined.
    cache : dict
        Shared by the tables of one group: statistics of the group's original
        image (its per-channel histograms), computed at most once.
    """

    kind = "lut"
    __slots__ = ("cache", "table")

    def __init__(self, table: np.ndarray | None = None, cache: dict[str, Any] | None = None) -> None:
        self.table = table
        self.cache = {} if cache is None else cache

    def then(self, table: np.ndarray) -> PendingLUT:
        """A new pending table: this one, then ``table``."""
        return PendingLUT(table if self.table is None else F.compose_tables(self.table, table), self.cache)

    def channel_sums(self, image: np.ndarray) -> tuple[float, ...]:
        """Per-channel sums of ``image`` as it will be after this table: exact integers.

        The same numbers :func:`~multiaug.image.functional.colour.channel_sums`
        gives on the unfused image, so contrast draws the same table either way.
        """
        if self.table is None:
            return F.channel_sums(image)
        if F.fast_lut():  # a SIMD lookup into a scratch image is cheaper than three histograms
            return F.channel_sums(F.apply_table(image, self.table))
        hists = self.cache.get("hists")
        if hists is None:
            hists = self.cache["hists"] = F.histograms(image)
        return F.table_sums(hists, self.table)

    def apply(self, image: np.ndarray) -> np.ndarray:
        return image.copy() if self.table is None else F.apply_table(image, self.table)

    def flush(self, sample: Sample) -> Sample:
        out = {k: v for k, v in sample.items() if k != PENDING}
        out["image"] = self.apply(sample["image"])
        return out


def lut_fuses(sample: Sample) -> bool:
    """Whether a point op may join the pending lookup table: a uint8 image and no extra images.

    (Extra image targets get every pixel op too; the table only ever changes the image,
    so with them the ops go one by one.)
    """
    return sample["image"].dtype == np.uint8 and TARGETS not in sample


def _join(sample: Sample, table: np.ndarray) -> Sample:
    """Compose ``table`` into the sample's pending lookup table (starting one if needed)."""
    pending = sample.get(PENDING) or PendingLUT()
    return {**sample, PENDING: pending.then(table)}


class PointTransform(ImageTransform):
    """A point op on the colour channels: one value in, one value out (alpha untouched).

    Subclasses implement :meth:`point`, the op as a function of values in
    ``[0, 1]``; ``uint8`` images get it as a lookup table, which joins any
    pending table (fusion), ``float32`` images get it directly.
    """

    _abstract = True
    defer_kind: ClassVar[str | None] = "lut"

    def point(self, **params: Any) -> F.PointFn:
        raise NotImplementedError

    def table(self, **params: Any) -> np.ndarray:
        """The uint8 lookup table of these parameters (ops with few distinct tables cache them)."""
        return F.point_table(self.point(**params))

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        if image.dtype == np.uint8:
            return F.apply_table(image, self.table(**params))
        return F.apply_point(image, self.point(**params))

    def defer(self, sample: Sample, params: Mapping[str, Any]) -> Sample:
        if not lut_fuses(sample):
            return self.apply(flush_pending(sample), params)
        return _join(sample, self.table(**params))


# ---------------------------------------------------------------------- point ops
class RandomBrightnessContrast(PointTransform):
    """albumentations-style brightness and contrast: ``alpha * v + beta``, clipped.

    The drawn ``alpha`` is a gain, ``1 + c`` with ``c`` drawn from ``contrast``,
    and ``beta`` an offset drawn from ``brightness`` as a fraction of the full range
    (255 or 1.0) (albumentations' names). A point op: on uint8 images it joins the
    pending lookup table.

    Parameters
    ----------
    brightness : float or (float, float), default 0.2
        Additive shift range; a scalar ``v`` means ``(-v, v)``.
    contrast : float or (float, float), default 0.2
        Gain offset range; a scalar ``v`` means ``alpha`` in ``[1 - v, 1 + v]``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((2, 2), 100, np.uint8)
    >>> t = ma.image.RandomBrightnessContrast(brightness=(0.2, 0.2), contrast=(0.5, 0.5), p=1.0)
    >>> t(image=img)["image"].tolist()  # 1.5 * 100 + 0.2 * 255
    [[201, 201], [201, 201]]
    """

    # Drawn by make_params as alpha (from contrast, first) and beta (from brightness).
    brightness: float | tuple[float, float] = param(
        Range(-1.0, 1.0, scalar="symmetric", example="(-0.2, 0.2)", draw=False), default=0.2
    )
    contrast: float | tuple[float, float] = param(
        Range(-1.0, 10.0, scalar="symmetric", example="(-0.2, 0.2)", draw=False), default=0.2
    )
    _drawn = {"alpha": Number(0.0, 11.0), "beta": "brightness"}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        return {"alpha": 1.0 + float(rng.uniform(*r.contrast)), "beta": float(rng.uniform(*r.brightness))}

    def point(self, alpha: float, beta: float, **params: Any) -> F.PointFn:
        return F.brightness_contrast(alpha, beta)


class RandomGamma(PointTransform):
    """Gamma curve ``v ** gamma`` on values scaled to ``[0, 1]`` (point op; joins the lookup table).

    Parameters
    ----------
    gamma : float or (float, float), default (0.8, 1.25)
        Exponent range (``> 0``); ``< 1`` brightens, ``> 1`` darkens.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[0, 64, 255]], np.uint8)
    >>> ma.image.RandomGamma(gamma=0.5, p=1.0)(image=img)["image"].tolist()
    [[0, 128, 255]]
    """

    gamma: float | tuple[float, float] = param(
        Range(1e-3, 1e3, scalar="fixed", example="(0.8, 1.25)"), default=(0.8, 1.25)
    )

    def point(self, gamma: float, **params: Any) -> F.PointFn:
        return F.gamma(gamma)


class Solarize(PointTransform):
    """Invert every value at or above a threshold (a fraction of the full range; point op).

    Parameters
    ----------
    threshold : float or (float, float), default 0.5
        Threshold in ``[0, 1]`` (``0.5``: 127.5 on uint8), or a range drawn per call.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[0, 100, 200]], np.uint8)
    >>> ma.image.Solarize(threshold=0.5, p=1.0)(image=img)["image"].tolist()
    [[0, 100, 55]]
    """

    threshold: float | tuple[float, float] = param(
        Range(0.0, 1.0, scalar="fixed", example="(0.4, 0.6)"), default=0.5
    )

    def point(self, threshold: float, **params: Any) -> F.PointFn:
        return F.solarize(threshold)


class Posterize(PointTransform):
    """Keep the ``bits`` most significant bits of each 8-bit level (point op).

    ``float32`` images are posterized on ``round(v * 255)`` and scaled back.

    Parameters
    ----------
    bits : int or (int, int), default (4, 8)
        Bits kept, in ``[1, 8]``; a range is drawn inclusively per call.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[17, 200, 255]], np.uint8)
    >>> ma.image.Posterize(bits=2, p=1.0)(image=img)["image"].tolist()
    [[0, 192, 192]]
    """

    bits: int | tuple[int, int] = param(
        Range(1, 8, scalar="fixed", integer=True, example="(4, 8)"), default=(4, 8)
    )

    def point(self, bits: int, **params: Any) -> F.PointFn:
        return F.posterize(bits)

    def table(self, bits: int, **params: Any) -> np.ndarray:
        return _posterize_table(bits)


class Invert(PointTransform):
    """Invert the colour channels: ``255 - v`` (``1 - v`` for float32); alpha is kept.

    Parameters
    ----------
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ma.image.Invert(p=1.0)(image=np.array([[0, 10, 255]], np.uint8))["image"].tolist()
    [[255, 245, 0]]
    """

    is_random = False

    def point(self, **params: Any) -> F.PointFn:
        return F.invert

    def table(self, **params: Any) -> np.ndarray:
        return _INVERT_TABLE


class RandomToneCurve(PointTransform):
    """A random cubic Bezier tone curve from black to white (Albumentations' ``RandomToneCurve``).

    The curve has control points ``(1/3, low)`` and ``(2/3, high)`` with ``low`` and ``high``
    drawn from normals of means 0.25 and 0.75 and standard deviation ``scale``, clipped to
    ``[0, 1]`` (at exactly 0.25 / 0.75 the curve is a mild S: 64 -> 58, 128 -> 128; 1/3 and
    2/3 would be the identity line); a higher ``low`` lifts the shadows, a lower ``high`` dims
    the highlights. A point op: uint8 images get a
    lookup table (rounded), which joins the pending one; float32 images get the curve
    itself. With ``per_channel`` every colour channel draws its own curve (then no
    fusion). RGBA keeps its alpha; any channel count.

    Parameters
    ----------
    scale : float, default 0.1
        Standard deviation of the control points, in ``[0, 1]``.
    per_channel : bool, default False
        One curve per colour channel instead of one for all.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[0, 64, 128, 255]], np.uint8)
    >>> ma.image.RandomToneCurve(scale=0.0, p=1.0)(image=img)["image"].tolist()  # the mean curve
    [[0, 58, 128, 255]]
    """

    scale: float = param(Number(0.0, 1.0), default=0.1)
    per_channel: bool = param(Flag(), default=False)
    _drawn = {"low_y": Number(0.0, 1.0), "high_y": Number(0.0, 1.0)}

    def _curves(self, image: np.ndarray) -> int:
        """How many curves a call on ``image`` draws: 1, or one per colour channel."""
        channels = F.n_channels(image)
        return (3 if channels == 4 else channels) if self._r.per_channel else 1

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        n, scale = self._curves(sample["image"]), self._r.scale
        z = rng.standard_normal(2 * n)
        low = np.clip(0.25 + scale * z[:n], 0.0, 1.0)
        high = np.clip(0.75 + scale * z[n:], 0.0, 1.0)
        return {"low_y": low.tolist(), "high_y": high.tolist()}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        n = self._curves(sample["image"])
        for name in ("low_y", "high_y"):
            if len(params[name]) != n:
                raise InvalidInputError(
                    self.name,
                    f"params.{name}",
                    f"has {len(params[name])} values, not {n}",
                    "replay the trace unchanged",
                )

    def point(self, low_y: list[float], high_y: list[float], **params: Any) -> F.PointFn:
        if len(low_y) == 1:
            return F.tone_curve(low_y[0], high_y[0])
        return F.tone_curve(np.asarray(low_y, np.float32), np.asarray(high_y, np.float32))

    def apply_image(
        self, image: np.ndarray, low_y: list[float], high_y: list[float], **params: Any
    ) -> np.ndarray:
        if len(low_y) == 1 or image.dtype != np.uint8:
            return super().apply_image(image, low_y=low_y, high_y=high_y)
        tables = [F.point_table(F.tone_curve(lo, hi)) for lo, hi in zip(low_y, high_y, strict=True)]
        return channel_luts(image, tables)  # alpha (channels past the tables) kept

    def defer(self, sample: Sample, params: Mapping[str, Any]) -> Sample:
        if len(params["low_y"]) > 1:  # one table per channel: not a single table to compose
            return self.apply(flush_pending(sample), params)
        return super().defer(sample, params)


# Tables that depend on little or nothing: computed once (read-only, shared).
_INVERT_TABLE = F.point_table(F.invert)
_INVERT_TABLE.flags.writeable = False


@functools.cache
def _posterize_table(bits: int) -> np.ndarray:
    table = F.point_table(F.posterize(bits))
    table.flags.writeable = False
    return table
