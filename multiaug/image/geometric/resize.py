"""Deterministic resizes: ``Resize``, ``LongestMaxSize``, ``SmallestMaxSize``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.errors import InvalidInputError
from ...core.params import Choice, Number, Options, Probability, Spec, param
from ..functional import sizing as S
from ..functional._opencv import INTERPOLATIONS, MAX_WARP_SIDE
from .engine import Axis, Resampling, Size, WarpTransform

__all__ = ["LongestMaxSize", "Resize", "SmallestMaxSize"]

_SIDE = Number(1, MAX_WARP_SIDE, integer=True)


class Sides(Spec):
    """One side length, or a list of them (one is drawn per call: multi-scale training)."""

    doc = f"an int in [1, {MAX_WARP_SIDE}] or a non-empty list of them"
    value_type = "tuple[int, ...]"

    def invalid(self) -> list[Any]:
        return [0, [], [224, 0], [224, 1.5], "224", None, [MAX_WARP_SIDE + 1]]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[int, ...]:
        if isinstance(value, (list, tuple)):
            if not value or len(value) > 4096:
                raise self.fail(owner, name, value)
            return tuple(int(_SIDE.resolve(owner, f"{name}[{i}]", v)) for i, v in enumerate(value))  # type: ignore[arg-type]
        return (int(_SIDE.resolve(owner, name, value)),)  # type: ignore[arg-type]


#: ``interpolation`` (``@options image.interpolation``): how a resize resamples the image.
INTERPOLATION = Options(
    "image.interpolation",
    {
        "interpolation": (
            Choice(*INTERPOLATIONS),
            """
            interpolation : {"linear", "nearest", "cubic", "area", "lanczos"}, default "linear"
                How the image is resampled (OpenCV's ``INTER_LINEAR``, ``INTER_NEAREST_EXACT``,
                ``INTER_CUBIC``, ``INTER_AREA``, ``INTER_LANCZOS4``). ``"area"`` is the sharp,
                alias-free choice for downscaling (Albumentations' ``area_for_downscale``); only
                ``"linear"`` fuses with neighbouring geometric ops. Masks are always nearest.
            """,
        ),
    },
)


class _Rescale(Resampling, WarpTransform):
    """Base of the resizes: an output size computed from the input's; one scale per axis.

    Subclasses implement :meth:`out_size`. With the default ``interpolation="linear"``
    a resize fuses with its neighbouring warps (one resampling for the group); another
    interpolation applies it alone, exactly as the kernel does.
    """

    _abstract = True
    is_random = False
    augments = False
    axis_aligned = True
    preserves_shape = False
    interpolation: str = param(INTERPOLATION.specs["interpolation"], default="linear", kw_only=True)
    p: float = param(Probability(), default=1.0, kw_only=True)

    def out_size(self, height: int, width: int) -> Size:
        raise NotImplementedError

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        return self.scale_to(size, self.out_size(*size))

    def scale_to(self, size: Size, out: Size) -> tuple[Axis, Size]:
        """The axis map from ``size`` to ``out`` (checked against OpenCV's limit)."""
        h, w = size
        oh, ow = out
        if max(oh, ow) > MAX_WARP_SIDE:  # a very elongated image under SmallestMaxSize
            raise InvalidInputError(
                self.name,
                "image",
                f"is {h}x{w}: the output would be {oh}x{ow}, over {MAX_WARP_SIDE} pixels a side",
                "crop the image first or ask for a smaller size",
            )
        return (ow / w, 0.0, oh / h, 0.0), (oh, ow)


class Resize(_Rescale):
    """Resize to ``height`` x ``width`` (``cv2.resize``), with mask, boxes and keypoints.

    Boxes and keypoints scale by ``width / W`` and ``height / H`` (continuous pixel
    coordinates: the image's frame maps onto the output's). Masks: nearest neighbour at
    pixel centres.

    Parameters
    ----------
    height, width : int
        Output size.
    @options image.interpolation call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.Resize(2, 3)(image=np.zeros((4, 6), np.uint8), keypoints=np.array([[3.0, 2.0]]))
    >>> out["image"].shape, out["keypoints"].tolist()
    ((2, 3), [[1.5, 1.0]])
    """

    height: int = param(_SIDE)
    width: int = param(_SIDE)

    def out_size(self, height: int, width: int) -> Size:
        return self._r.height, self._r.width


class _MaxSize(_Rescale):
    """Base of the aspect-keeping resizes: one side (which, the subclass says) becomes ``max_size``.

    ``max_size`` may be a list (Albumentations' multi-scale form): each call draws one of its
    sizes (keyed and traced as ``params["max_size"]``); in eval mode the largest is used, the
    usual test scale of multi-scale training, so a serving pipeline is deterministic.
    """

    _abstract = True
    max_size: int | list[int] = param(Sides())

    def _finalize(self, r: Any) -> None:
        super()._finalize(r)
        # Only a list of sizes draws; the instance says so before its plan (stream use) is made.
        self.__dict__["is_random"] = len(set(r.max_size)) > 1

    def make_params(self, rng: Any, sample: Mapping[str, Any]) -> dict[str, Any]:
        sizes = self._r.max_size
        if not self.is_random:
            return {}
        if not self.training:
            return {"max_size": max(sizes)}
        return {"max_size": sizes[int(rng.integers(len(sizes)))]}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        if "max_size" in params and params["max_size"] not in self._r.max_size:
            raise InvalidInputError(
                self.name,
                "params.max_size",
                f"is {params['max_size']}, not one of max_size {list(self._r.max_size)}",
                "replay the trace unchanged",
            )

    def axis_map(self, params: Mapping[str, Any], size: Size) -> tuple[Axis, Size]:
        chosen = params.get("max_size", self._r.max_size[0])
        return self.scale_to(size, self.out_size(*size, chosen))

    def out_size(self, height: int, width: int, max_size: int | None = None) -> Size:
        raise NotImplementedError


class LongestMaxSize(_MaxSize):
    """Rescale so that the longest side is ``max_size``, keeping the aspect ratio (upscaling too).

    Sizes as Albumentations: ``scale = max_size / max(H, W)``, each side
    ``max(1, round(side * scale))`` (Python's ``round``: halves to even). Boxes and
    keypoints scale by each side's actual ratio (output / input), so they stay on the
    pixels they mark.

    Parameters
    ----------
    max_size : int or list of int
        Length of the longest side after the transform; a list: one of them, drawn per call
        (the largest in eval mode).
    @options image.interpolation call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ma.image.LongestMaxSize(1024)(image=np.zeros((1500, 800), np.uint8))["image"].shape
    (1024, 546)
    """

    def out_size(self, height: int, width: int, max_size: int | None = None) -> Size:
        return S.longest_max_size_shape(height, width, self._r.max_size[0] if max_size is None else max_size)


class SmallestMaxSize(_MaxSize):
    """Rescale so that the shortest side is ``max_size``, keeping the aspect ratio (upscaling too).

    The usual step before a centre crop of ``max_size``. Sizes and targets as
    :class:`LongestMaxSize`, with ``scale = max_size / min(H, W)``. An image so elongated
    that its other side would exceed OpenCV's limit (32766 pixels) is reported.

    Parameters
    ----------
    max_size : int or list of int
        Length of the shortest side after the transform; the other side follows the
        aspect ratio. A list: one of them, drawn per call (the largest in eval mode).
    @options image.interpolation call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> pipe = ma.Compose([ma.image.SmallestMaxSize(256), ma.image.CenterCrop(224, 224)])
    >>> pipe(image=np.zeros((1500, 800, 3), np.uint8))["image"].shape
    (224, 224, 3)
    """

    def out_size(self, height: int, width: int, max_size: int | None = None) -> Size:
        return S.smallest_max_size_shape(height, width, self._r.max_size[0] if max_size is None else max_size)
