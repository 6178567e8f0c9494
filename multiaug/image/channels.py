"""Per-channel colour transforms: HSV and RGB shifts, channel shuffles, histogram equalisation, CLAHE.

Targets pass through. The shifts are given in 8-bit units whatever the dtype
(Albumentations' convention): a float32 image is shifted by ``shift / 255``. The
colour ops (:class:`HueSaturationValue`, :class:`RGBShift`) need RGB (RGBA keeps
its alpha); :class:`CLAHE` also takes one grey channel; :class:`Equalize` and
:class:`ChannelShuffle` take any channel count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Flag, Range, Spec, _show, param
from .base import ImageTransform
from .functional import channels as F
from .functional.colour import n_channels

__all__ = ["CLAHE", "ChannelShuffle", "Equalize", "HueSaturationValue", "RGBShift"]


def need_channels(owner: str, image: np.ndarray, allowed: Sequence[int], what: str, fix: str) -> None:
    """Raise :class:`InvalidInputError` naming ``image`` unless its channel count is in ``allowed``."""
    channels = n_channels(image)
    if channels not in allowed:
        raise InvalidInputError(owner, "image", f"has {channels} channel(s); {what}", fix)


_RGB_FIX = "pass an RGB image (HxWx3, or HxWx4 with alpha); convert grey images with cv2.cvtColor(GRAY2RGB)"


class HueSaturationValue(ImageTransform):
    """Shift hue, saturation and value by amounts drawn per call (Albumentations' ``HueSaturationValue``).

    The image goes to OpenCV's HSV and back. Units are OpenCV's 8-bit ones whatever
    the dtype: hue in 180 steps per turn (a shift of 30 is 60 degrees, wrapping
    around), saturation and value in 0-255 (added and clipped). uint8 images round the
    shifts to whole levels and do all three in one lookup pass; float32 images shift the
    float HSV (hue by ``2 * shift`` degrees, saturation and value by ``shift / 255``).
    All three shifts 0 return the input's values. Needs RGB; RGBA keeps its alpha.

    Parameters
    ----------
    hue_shift_limit : float or (float, float), default 20
        Range of the hue shift in ``[-180, 180]`` (180 = a full turn); a scalar ``v``
        means ``(-v, v)``.
    sat_shift_limit : float or (float, float), default 30
        Range of the saturation shift in ``[-255, 255]``; a scalar ``v`` means ``(-v, v)``.
    val_shift_limit : float or (float, float), default 20
        Range of the value (brightness) shift in ``[-255, 255]``; a scalar ``v`` means ``(-v, v)``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> red = np.array([[[255, 0, 0]]], np.uint8)
    >>> t = ma.image.HueSaturationValue(hue_shift_limit=(60, 60), sat_shift_limit=0, val_shift_limit=0, p=1.0)
    >>> t(image=red)["image"].tolist()  # 60 units = 120 degrees: red becomes green
    [[[0, 255, 0]]]
    """

    hue_shift_limit: float | tuple[float, float] = param(
        Range(-180.0, 180.0, scalar="symmetric", example="(-20, 20)"), default=20
    )
    sat_shift_limit: float | tuple[float, float] = param(
        Range(-255.0, 255.0, scalar="symmetric", example="(-30, 30)"), default=30
    )
    val_shift_limit: float | tuple[float, float] = param(
        Range(-255.0, 255.0, scalar="symmetric", example="(-20, 20)"), default=20
    )

    def check(self, sample: Mapping[str, Any]) -> None:
        need_channels(self.name, sample["image"], (3, 4), "HSV shifts need RGB or RGBA", _RGB_FIX)

    def apply_image(
        self,
        image: np.ndarray,
        hue_shift_limit: float,
        sat_shift_limit: float,
        val_shift_limit: float,
        **params: Any,
    ) -> np.ndarray:
        return F.hue_saturation_value(image, hue_shift_limit, sat_shift_limit, val_shift_limit)


class RGBShift(ImageTransform):
    """Add a shift drawn per call to each of the red, green and blue channels (Albumentations' ``RGBShift``).

    Shifts are in 8-bit units: uint8 images add them rounded to whole levels and
    saturate (one lookup pass); float32 images add ``shift / 255`` and clip to [0, 1].
    Needs RGB; RGBA keeps its alpha.

    Parameters
    ----------
    r_shift_limit, g_shift_limit, b_shift_limit : float or (float, float), default 20
        Range of each channel's shift in ``[-255, 255]``; a scalar ``v`` means ``(-v, v)``.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.full((2, 2, 3), 100, np.uint8)
    >>> t = ma.image.RGBShift(r_shift_limit=(10, 10), g_shift_limit=0, b_shift_limit=(-5, -5), p=1.0)
    >>> t(image=img)["image"][0, 0].tolist()
    [110, 100, 95]
    """

    r_shift_limit: float | tuple[float, float] = param(
        Range(-255.0, 255.0, scalar="symmetric", example="(-20, 20)"), default=20
    )
    g_shift_limit: float | tuple[float, float] = param(
        Range(-255.0, 255.0, scalar="symmetric", example="(-20, 20)"), default=20
    )
    b_shift_limit: float | tuple[float, float] = param(
        Range(-255.0, 255.0, scalar="symmetric", example="(-20, 20)"), default=20
    )

    def check(self, sample: Mapping[str, Any]) -> None:
        need_channels(self.name, sample["image"], (3, 4), "RGB shifts need RGB or RGBA", _RGB_FIX)

    def apply_image(
        self,
        image: np.ndarray,
        r_shift_limit: float,
        g_shift_limit: float,
        b_shift_limit: float,
        **params: Any,
    ) -> np.ndarray:
        return F.rgb_shift(image, (r_shift_limit, g_shift_limit, b_shift_limit))


class ChannelShuffle(ImageTransform):
    """Reorder the channels by a permutation drawn per call (all of them, alpha included; any count).

    Output channel ``i`` is input channel ``order[i]``; the trace holds ``order``. A
    one-channel image is returned as a copy.

    Parameters
    ----------
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[[1, 2, 3]]], np.uint8)
    >>> out = ma.image.ChannelShuffle(p=1.0, seed=0)(image=img, trace=True)
    >>> sorted(out["image"].ravel().tolist()), sorted(out["trace"][0]["params"]["order"])
    ([1, 2, 3], [0, 1, 2])
    """

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        return {"order": rng.permutation(n_channels(sample["image"])).tolist()}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        order = params["order"]
        channels = n_channels(sample["image"])
        ok = isinstance(order, list) and all(type(c) is int for c in order)
        if not ok or sorted(order) != list(range(channels)):
            raise InvalidInputError(
                self.name,
                "params.order",
                f"{_show(order)} is not a permutation of the image's {channels} channel(s)",
                "replay the trace on an image with as many channels as the traced one",
            )

    def apply_image(self, image: np.ndarray, order: list[int], **params: Any) -> np.ndarray:
        return F.channel_shuffle(image, order)


class GridSize(Spec):
    """A ``(rows, columns)`` pair of whole numbers in ``[1, 256]``; a scalar ``n`` means ``(n, n)``."""

    doc = "an int or a (rows, columns) pair of ints in [1, 256]"
    value_type = "tuple[int, int]"

    def invalid(self) -> list[Any]:
        return [0, (8, 0), (8, 8, 8), 2.5, "8", None, 257]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[int, int]:
        pair = (value, value) if isinstance(value, int) else value
        if (
            not isinstance(pair, Sequence)
            or isinstance(pair, str)
            or len(pair) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 256 for v in pair)
        ):
            raise self.fail(owner, name, value, f"pass {name}=(8, 8)")
        return (int(pair[0]), int(pair[1]))


class CLAHE(ImageTransform):
    """Contrast-limited adaptive histogram equalisation (``cv2.createCLAHE``), clip limit drawn per call.

    RGB images are equalised on the lightness (``L`` of ``cv2.COLOR_RGB2LAB``), keeping
    the colour, as Albumentations does; a grey image directly; RGBA keeps its alpha.
    Other channel counts are refused. float32 images are rounded to uint8 and come back
    as ``v / 255``.

    Parameters
    ----------
    clip_limit : float or (float, float), default (1, 4)
        Range of the contrast limit in ``[1, 100]`` (higher: stronger), drawn uniformly per
        call; a scalar ``v`` means ``(1, v)``.
    tile_grid_size : int or (int, int), default (8, 8)
        Tiles as ``(rows, columns)``; the histogram is equalised per tile and interpolated.
        (Albumentations 2.0.8 hands its pair to OpenCV unchanged, which reads it as
        ``(columns, rows)``: the same for square grids.)
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.tile(np.arange(100, 132, dtype=np.uint8), (32, 1))
    >>> out = ma.image.CLAHE(clip_limit=4.0, tile_grid_size=(2, 2), p=1.0)(image=img)["image"]
    >>> int(np.ptp(out)) > int(np.ptp(img))
    True
    """

    clip_limit: float | tuple[float, float] = param(
        Range(1.0, 100.0, scalar="upper", example="(1, 4)"), default=(1.0, 4.0)
    )
    tile_grid_size: int | tuple[int, int] = param(GridSize(), default=(8, 8))

    def check(self, sample: Mapping[str, Any]) -> None:
        need_channels(
            self.name,
            sample["image"],
            (1, 3, 4),
            "CLAHE needs one grey channel, RGB or RGBA",
            "pass a grey or RGB image (or equalise other channels with ma.image.Equalize)",
        )

    def apply_image(self, image: np.ndarray, clip_limit: float, **params: Any) -> np.ndarray:
        return F.clahe(image, clip_limit, self._r.tile_grid_size)


class Equalize(ImageTransform):
    """Histogram equalisation (``cv2.equalizeHist``), the same every call.

    With ``by_channels=True`` every channel is equalised on its own (any channel
    count); with ``False`` only the luma of an RGB(A) image (``Y`` of
    ``cv2.COLOR_RGB2YCrCb``), which keeps the colour balance. float32 images are
    rounded to uint8 and come back as ``v / 255``.

    Parameters
    ----------
    by_channels : bool, default True
        Equalise each channel (True) or the luma of an RGB image (False).
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[50, 50, 60, 70]], np.uint8)
    >>> ma.image.Equalize(p=1.0)(image=img)["image"].tolist()
    [[0, 0, 128, 255]]
    """

    is_random = False

    by_channels: bool = param(Flag(), default=True)

    def check(self, sample: Mapping[str, Any]) -> None:
        if not self._r.by_channels:
            need_channels(
                self.name,
                sample["image"],
                (3, 4),
                "by_channels=False equalises the luma of an RGB image",
                "pass an RGB image, or by_channels=True to equalise each channel",
            )

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        return F.equalize(image, self._r.by_channels)
