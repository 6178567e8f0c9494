"""Automatic augmentation policies: ``RandAugment``, ``TrivialAugmentWide``, ``AutoAugment``.

Each policy draws a short list of sub-operations (``{"op": name, "value": v}``, the
op's signed parameter in its own units) and applies them one after the other with
the deterministic kernels of multiaug's own ops: geometric ones through ``Affine`` and
``Rotate`` (so masks, boxes and keypoints move), colour ones through the point,
colour, channel and sharpness kernels. The list is the trace's ``params``, so
``replay`` reproduces a call exactly, and a damaged list is refused.

Magnitudes follow torchvision.transforms.v2's documented tables (31 bins for
``RandAugment`` and ``TrivialAugmentWide``, 10 for ``AutoAugment``); the values:

============  =============================  =============================  ======================
op            RandAugment / AutoAugment      TrivialAugmentWide             value (units)
============  =============================  =============================  ======================
ShearX/Y      0 .. 0.3, signed               0 .. 0.99, signed              shear factor
TranslateX/Y  0 .. 150/331 of W / H, signed  0 .. 32, signed                pixels (whole)
Rotate        0 .. 30, signed                0 .. 135, signed               degrees (CCW)
Brightness,   0 .. 0.9, signed               0 .. 0.99, signed              factor ``1 + value``
Color,
Contrast,
Sharpness
Posterize     8 .. 4 bits                    8 .. 2 bits                    bits kept
Solarize      255 .. 0                       255 .. 0                       threshold (0-255)
============  =============================  =============================  ======================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.fields import TARGETS
from ..core.params import Choice, Number, Options, param
from ..core.transform import Sample
from .base import SpatialTransform, current_shape
from .functional import channels as FC
from .functional import colour as F
from .functional import policy as FP
from .geometric.affine import Affine
from .geometric.engine import Resampling, Size
from .geometric.rotate import Rotate
from .options import BORDER, TargetOptions

__all__ = ["AutoAugment", "RandAugment", "TrivialAugmentWide"]

#: RandAugment's and TrivialAugmentWide's operations, in torchvision's order.
OPS = (
    "Identity",
    "ShearX",
    "ShearY",
    "TranslateX",
    "TranslateY",
    "Rotate",
    "Brightness",
    "Color",
    "Contrast",
    "Sharpness",
    "Posterize",
    "Solarize",
    "AutoContrast",
    "Equalize",
)
#: Ops whose magnitude is drawn with a random sign.
SIGNED = frozenset(OPS[1:10])
#: Ops without a magnitude (their value is 0).
PLAIN = frozenset(("Identity", "AutoContrast", "Equalize", "Invert"))

# (op, probability, magnitude bin of 10) pairs: the ImageNet policy of the AutoAugment paper.
# fmt: off
IMAGENET_POLICY: tuple[tuple[tuple[str, float, int], tuple[str, float, int]], ...] = (
    (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
    (("Solarize", 0.6, 5), ("AutoContrast", 0.6, 0)),
    (("Equalize", 0.8, 0), ("Equalize", 0.6, 0)),
    (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
    (("Equalize", 0.4, 0), ("Solarize", 0.2, 4)),
    (("Equalize", 0.4, 0), ("Rotate", 0.8, 8)),
    (("Solarize", 0.6, 3), ("Equalize", 0.6, 0)),
    (("Posterize", 0.8, 5), ("Equalize", 1.0, 0)),
    (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)),
    (("Equalize", 0.6, 0), ("Posterize", 0.4, 6)),
    (("Rotate", 0.8, 8), ("Color", 0.4, 0)),
    (("Rotate", 0.4, 9), ("Equalize", 0.6, 0)),
    (("Equalize", 0.0, 0), ("Equalize", 0.8, 0)),
    (("Invert", 0.6, 0), ("Equalize", 1.0, 0)),
    (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
    (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
    (("Color", 0.8, 8), ("Solarize", 0.8, 7)),
    (("Sharpness", 0.4, 7), ("Invert", 0.6, 0)),
    (("ShearX", 0.6, 5), ("Equalize", 1.0, 0)),
    (("Color", 0.4, 0), ("Equalize", 0.6, 0)),
    (("Equalize", 0.4, 0), ("Solarize", 0.2, 4)),
    (("Solarize", 0.6, 5), ("AutoContrast", 0.6, 0)),
    (("Invert", 0.6, 0), ("Equalize", 1.0, 0)),
    (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
    (("Equalize", 0.8, 0), ("Equalize", 0.6, 0)),
)
# fmt: on

#: Per table: top of the shear, rotate and enhance ranges, bits lost at the top bin, and the
#: translation's top (a fraction of the side, or pixels when ``pixels``).
_TABLES = {
    "standard": {"shear": 0.3, "rotate": 30.0, "enhance": 0.9, "bits": 4, "translate": 150 / 331},
    "wide": {"shear": 0.99, "rotate": 135.0, "enhance": 0.99, "bits": 6, "translate": 32.0},
}


def magnitude(table: str, op: str, b: int, bins: int, size: tuple[int, int]) -> float:
    """The unsigned value of ``op`` at magnitude bin ``b`` of ``bins`` (torchvision's tables).

    ``table`` is ``"standard"`` (RandAugment, AutoAugment) or ``"wide"``
    (TrivialAugmentWide); ``size`` (H, W) scales the standard translations.
    """
    t = _TABLES[table]
    top = bins - 1
    if op in ("ShearX", "ShearY"):
        return t["shear"] * b / top
    if op in ("TranslateX", "TranslateY"):
        side = size[1] if op == "TranslateX" else size[0]
        reach = t["translate"] * (side if table == "standard" else 1.0)
        return float(int(reach * b / top))  # whole pixels, as torchvision
    if op == "Rotate":
        return t["rotate"] * b / top
    if op in ("Brightness", "Color", "Contrast", "Sharpness"):
        return t["enhance"] * b / top
    if op == "Posterize":
        return float(8 - round(b / (top / t["bits"])))
    if op == "Solarize":
        return 255.0 * (1.0 - b / top)
    return 0.0


def _allowed(table: str, op: str, bins_drawn: Sequence[int], bins: int, size: tuple[int, int]) -> set[float]:
    """Every value ``op`` can take at the given bins (both signs for the signed ops)."""
    values = {magnitude(table, op, b, bins, size) for b in bins_drawn}
    return values | {-v for v in values} if op in SIGNED else values


def _size(sample: Mapping[str, Any]) -> tuple[int, int]:
    """(H, W) of the image the policy sees."""
    shape = current_shape(sample)
    return shape[0], shape[1]


def _signed(op: str, value: float, u: float) -> float:
    """``value`` negated with probability 1/2 (``u < 0.5``) for the signed ops."""
    return -value if op in SIGNED and u < 0.5 else value


# ---------------------------------------------------------------------- applying one sub-op
def _pixels(sample: Mapping[str, Any], fn: Callable[[np.ndarray], np.ndarray]) -> Sample:
    """``fn`` on the image and on the extra image targets (masks, boxes, keypoints stay)."""
    out = dict(sample)
    out["image"] = fn(sample["image"])
    extra = sample.get(TARGETS)
    if extra:
        for name, kind in extra.items():
            if kind == "image" and name in sample:
                out[name] = fn(sample[name])
    return out


def _contrast(image: np.ndarray, factor: float) -> np.ndarray:
    scale = 255.0 if image.dtype == np.uint8 else 1.0
    mean = F.luma_mean(F.channel_sums(image), image.shape[0] * image.shape[1], scale)
    return F.apply_point(image, F.contrast(factor, mean))


def _equalize(image: np.ndarray) -> np.ndarray:
    if F.n_channels(image) != 4:
        return FC.equalize(image, True)
    out = image.copy()
    out[..., :3] = FC.equalize(np.ascontiguousarray(image[..., :3]), True)
    return out


def _pixel_op(op: str, value: float) -> Callable[[np.ndarray], np.ndarray]:
    """The kernel of a colour sub-op at ``value`` (see the module table for the units)."""
    if op == "Brightness":
        return lambda im: F.apply_point(im, F.brightness(1.0 + value))
    if op == "Color":
        return lambda im: F.adjust_saturation(im, 1.0 + value)
    if op == "Contrast":
        return lambda im: _contrast(im, 1.0 + value)
    if op == "Sharpness":
        return lambda im: FP.adjust_sharpness(im, 1.0 + value)
    if op == "Posterize":
        return lambda im: F.apply_point(im, F.posterize(int(value)))
    if op == "Solarize":
        return lambda im: F.apply_point(im, F.solarize(value / 255.0))
    if op == "AutoContrast":
        return FP.auto_contrast
    if op == "Equalize":
        return _equalize
    if op == "Invert":
        return lambda im: F.apply_point(im, F.invert)
    return np.copy  # Identity


def _affine(value: float, op: str, size: tuple[int, int]) -> dict[str, Any]:
    """``Affine``'s parameters of a shear (factor ``value``) or a translation (``value`` pixels)."""
    h, w = size
    shear = math.degrees(math.atan(value)) if op.startswith("Shear") else 0.0
    return {
        "scale": [1.0, 1.0],
        "translate": [value / w if op == "TranslateX" else 0.0, value / h if op == "TranslateY" else 0.0],
        "rotate": 0.0,
        "shear": [shear if op == "ShearX" else 0.0, shear if op == "ShearY" else 0.0],
    }


#: ``fill``, ``fill_mask``: what the geometric sub-operations show where they uncover the image.
POLICY_FILL = Options(
    "image.policy_fill",
    {
        "fill": (
            BORDER.specs["fill"],
            """
            fill : float or sequence of float, default 0
                Colour of the area the geometric sub-operations uncover (constant border), in the
                image's units (0-255 for uint8, 0-1 for float32); one value, or one per channel.
            """,
        ),
        "fill_mask": (
            BORDER.specs["fill_mask"],
            """
            fill_mask : int, default 0
                Label of the mask pixels they uncover.
            """,
        ),
    },
)


class _Policy(TargetOptions, Resampling, SpatialTransform):
    """Shared machinery: sub-op application, channel checks, traced-list validation."""

    _abstract = True
    fill: float | Sequence[float] = param(POLICY_FILL.specs["fill"], default=0, kw_only=True)
    fill_mask: int = param(POLICY_FILL.specs["fill_mask"], default=0, kw_only=True)
    #: ``(Affine, Rotate)`` instances with this policy's fill and target options.
    _derived = ("warps",)
    #: Magnitude table ("standard" or "wide") and bin count.
    _table = "standard"
    _bins = 31

    def _finalize(self, r: Any) -> None:
        super()._finalize(r)
        options = {
            "border": "constant",
            "fill": r.fill,
            "fill_mask": r.fill_mask,
            "min_visibility": r.min_visibility,
            "drop_outside_keypoints": r.drop_outside_keypoints,
            "p": 1.0,
        }
        r.warps = (Affine(**options), Rotate(limit=0, **options))

    def check(self, sample: Mapping[str, Any]) -> None:
        super().check(sample)
        image = sample["image"]
        if F.n_channels(image) not in (1, 3, 4):
            raise InvalidInputError(
                self.name,
                "image",
                f"has {F.n_channels(image)} channels; the colour sub-operations take grey (1), RGB or RGBA",
                "pass a grey, RGB or RGBA image (split other channels and augment them separately)",
            )

    def run_op(self, sample: Sample, op: str, value: float) -> Sample:
        """Apply one sub-operation with its traced ``value`` to every target of ``sample``."""
        affine, rotate = self._r.warps
        size = sample["image"].shape[:2]
        if op == "Rotate":
            return rotate.apply(sample, {"angle": value})
        if op in ("ShearX", "ShearY", "TranslateX", "TranslateY"):
            return affine.apply(sample, _affine(value, op, size))
        return _pixels(sample, _pixel_op(op, value))

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        out = dict(sample)
        for step in params["ops"]:
            if step.get("applied", True):
                out = self.run_op(out, step["op"], float(step["value"]))
        return out

    # ------------------------------------------------------------------ replay checks
    def _refuse(self, where: str, problem: str) -> InvalidInputError:
        return InvalidInputError(self.name, f"params.{where}", problem, "replay the trace unchanged")

    def _check_step(
        self, j: int, step: Mapping[str, Any], names: Sequence[str], bins: Sequence[int], size: Size
    ) -> None:
        """``step`` names one of ``names`` with a value its table gives at one of ``bins``."""
        op = step["op"]
        if op not in names:
            raise self._refuse(f"ops[{j}].op", f"is {op!r:.40}, expected one of {sorted(set(names))}")
        value = float(step["value"])
        allowed = _allowed(self._table, op, bins, self._bins, size)
        if not any(abs(value - a) <= 1e-9 * max(1.0, abs(a)) for a in allowed):
            shown = sorted(allowed)
            what = f"{shown}" if len(shown) <= 4 else f"{len(shown)} values in [{shown[0]}, {shown[-1]}]"
            raise self._refuse(f"ops[{j}].value", f"is {value!r}, not a {op} value of {self.name}: {what}")

    def _check_count(self, ops: Sequence[Any], n: int) -> None:
        if len(ops) != n:
            raise self._refuse("ops", f"lists {len(ops)} sub-operations, {self.name} draws {n}")


class RandAugment(_Policy):
    """RandAugment: ``n`` operations drawn uniformly (with replacement), each at one fixed magnitude.

    The operations are torchvision's fourteen (``Identity``, ``ShearX``,
    ``ShearY``, ``TranslateX``, ``TranslateY``, ``Rotate``, ``Brightness``,
    ``Color``, ``Contrast``, ``Sharpness``, ``Posterize``, ``Solarize``,
    ``AutoContrast``, ``Equalize``), at bin ``magnitude`` of 31 of torchvision's
    tables (see :mod:`multiaug.image.policies`); signed ops take a random sign.
    Geometric ones move masks, boxes and keypoints and fill with ``fill``.
    The trace's ``params["ops"]`` lists each applied operation and its value.

    Differences from torchvision: bilinear resampling (torchvision: nearest);
    shears about the image centre (torchvision: about the top-left corner: the
    same shear, shifted by ``factor * H / 2``); uint8 results are rounded where
    torchvision truncates. Grey images are accepted (``Color`` leaves them
    unchanged); RGBA keeps its alpha; other channel counts are refused.

    Parameters
    ----------
    n : int, default 2
        Number of operations applied per call, in ``[1, 16]``.
    magnitude : int, default 9
        Magnitude bin, in ``[0, 30]``.
    @options call image.policy_fill image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> t = ma.image.RandAugment(n=2, magnitude=9, p=1.0, seed=0)
    >>> out = t(image=np.zeros((32, 32, 3), np.uint8), key=0, trace=True)
    >>> [step["op"] for step in out["trace"][0]["params"]["ops"]]
    ['Equalize', 'Sharpness']
    """

    n: int = param(Number(1, 16, integer=True), default=2)
    magnitude: int = param(Number(0, 30, integer=True), default=9)

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        n, b = self._r.n, self._r.magnitude
        picks = rng.integers(0, len(OPS), size=n).tolist()
        signs = rng.random(n).tolist()
        size = _size(sample)
        ops = []
        for k, u in zip(picks, signs, strict=True):
            op = OPS[k]
            ops.append({"op": op, "value": _signed(op, magnitude("standard", op, b, 31, size), u)})
        return {"ops": ops}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        self._check_count(params["ops"], self._r.n)
        size = _size(sample)
        for j, step in enumerate(params["ops"]):
            self._check_step(j, step, OPS, (self._r.magnitude,), size)


class TrivialAugmentWide(_Policy):
    """TrivialAugment (wide): one operation drawn uniformly, at a magnitude bin drawn uniformly of 31.

    The fourteen operations of :class:`RandAugment` with torchvision's "wide"
    ranges (shear up to 0.99, translation up to 32 px, rotation up to 135
    degrees, enhancement factors in ``[0.01, 1.99]``, posterize down to 2 bits;
    see :mod:`multiaug.image.policies`). The trace's ``params["ops"]`` holds the
    operation and its value. Differences from torchvision as in :class:`RandAugment`.

    Parameters
    ----------
    @options call image.policy_fill image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.TrivialAugmentWide(p=1.0, seed=0)(
    ...     image=np.zeros((32, 32, 3), np.uint8), key=1, trace=True)
    >>> len(out["trace"][0]["params"]["ops"])
    1
    """

    _table = "wide"

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        k = int(rng.integers(0, len(OPS)))
        b = int(rng.integers(0, 31))
        u = float(rng.random())
        op = OPS[k]
        value = _signed(op, magnitude("wide", op, b, 31, _size(sample)), u)
        return {"ops": [{"op": op, "value": value}]}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        self._check_count(params["ops"], 1)
        self._check_step(0, params["ops"][0], OPS, range(31), _size(sample))


class AutoAugment(_Policy):
    """AutoAugment: one of 25 learned sub-policies drawn uniformly, each op applied with its probability.

    ``policy="imagenet"`` is the ImageNet policy of Cubuk et al. (2019), as in
    torchvision (``IMAGENET_POLICY`` in :mod:`multiaug.image.policies`): pairs of
    (operation, probability, magnitude bin of 10), the operations those of
    :class:`RandAugment` plus ``Invert``. The trace's params hold the sub-policy
    index and both operations with their values and whether each was applied.
    Differences from torchvision as in :class:`RandAugment`.

    Parameters
    ----------
    policy : {"imagenet"}, default "imagenet"
        The learned policy.
    @options call image.policy_fill image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.AutoAugment(p=1.0, seed=0)(image=np.zeros((8, 8, 3), np.uint8), key=0, trace=True)
    >>> sorted(out["trace"][0]["params"])
    ['ops', 'subpolicy']
    """

    policy: str = param(Choice("imagenet"), default="imagenet")
    _bins = 10

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        i = int(rng.integers(0, len(IMAGENET_POLICY)))
        u = rng.random(4).tolist()  # apply-or-skip of each op, then their signs
        size = _size(sample)
        ops = []
        for j, (op, prob, b) in enumerate(IMAGENET_POLICY[i]):
            value = _signed(op, magnitude("standard", op, b, 10, size), u[2 + j])
            ops.append({"op": op, "value": value, "applied": u[j] < prob})
        return {"subpolicy": i, "ops": ops}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        i = params["subpolicy"]
        if not 0 <= i < len(IMAGENET_POLICY):
            raise self._refuse("subpolicy", f"is {i!r:.40}, the policy has {len(IMAGENET_POLICY)} (0-24)")
        self._check_count(params["ops"], 2)
        size = _size(sample)
        for j, (op, _, b) in enumerate(IMAGENET_POLICY[i]):
            self._check_step(j, params["ops"][j], (op,), (b,), size)
