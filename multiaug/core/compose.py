"""Composers: :class:`Compose`, :class:`OneOf`, :class:`SomeOf` (nestable, any modality)."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from . import random as _random
from .errors import InvalidInputError
from .layout import LAYOUTS
from .params import Choice, Flag, Probability, Range, Spec, param
from .targets import BboxFormat, Edge, TargetMap, merge_targets
from .transform import Call, Plan, Sample, Transform

__all__ = ["BaseCompose", "Compose", "OneOf", "SomeOf"]

#: Composers nest at most this deep (a composer of leaves is depth 1): deeper trees would
#: exhaust Python's recursion limit on every call, and a config file holds about this many
#: (``multiaug.core.config.MAX_DEPTH`` levels of lists and mappings).
MAX_NESTING = 32

_CHOICE = _random.TAGS["choice"]
_SUBSET = _random.TAGS["subset"]


class TransformList(Spec):
    doc = "a list of multiaug transforms"

    def __init__(self, min_len: int = 0) -> None:
        self.min_len = min_len

    def resolve(self, owner: str, name: str, value: Any) -> tuple[Transform, ...]:
        if isinstance(value, Transform) or not isinstance(value, Sequence) or isinstance(value, str):
            raise self.fail(owner, name, value, f"pass {name}=[t1, t2, ...]")
        for i, t in enumerate(value):
            if isinstance(t, type) and issubclass(t, Transform):
                raise InvalidInputError(
                    owner,
                    f"{name}[{i}]",
                    f"is the class {t.__name__}, not an instance",
                    f"write {t.__name__}()",
                )
            if not isinstance(t, Transform):
                raise InvalidInputError(
                    owner,
                    f"{name}[{i}]",
                    f"is not a multiaug transform: {t!r:.80}",
                    "wrap custom code in a Transform subclass registered with @multiaug.register",
                )
            if t._dataset_level:
                raise InvalidInputError(
                    owner,
                    f"{name}[{i}]",
                    f"is {t.name}, a dataset-level sampler with no per-sample call",
                    f"call {t.name}(...).fit_resample(X, y) on the whole dataset, outside the pipeline "
                    "(ma.Oversample(pipeline) balances classes with a per-sample pipeline)",
                )
        if len(value) < self.min_len:
            raise InvalidInputError(
                owner, name, f"needs at least {self.min_len} transform(s)", "add transforms to choose from"
            )
        if _depth(value) > MAX_NESTING:
            raise InvalidInputError(
                owner,
                name,
                f"nests composers more than {MAX_NESTING} deep",
                "flatten the pipeline (a Compose of Composes applies the same steps as one Compose)",
            )
        return tuple(value)


def _depth(transforms: Sequence[Transform]) -> int:
    """Nesting depth of a composer holding ``transforms`` (children are already validated)."""
    return 1 + max((t._plan.depth for t in transforms if isinstance(t, BaseCompose)), default=0)


class Weights(Spec):
    doc = "None or a list of non-negative weights, one per transform"

    def resolve(self, owner: str, name: str, value: Any) -> tuple[float, ...] | None:
        if value is None:
            return None
        try:
            w = tuple(float(x) for x in value)
        except (TypeError, ValueError):
            raise self.fail(owner, name, value) from None
        if any(not (x >= 0.0) or x == float("inf") for x in w):
            raise self.fail(owner, name, value)
        return w


class BaseCompose(Transform):
    """Common machinery: children, their stream salts, validation of the union of fields."""

    _abstract = True
    _fuses_children = True
    #: ``Compose`` is a container (its children decide); ``OneOf``/``SomeOf`` choose at random.
    augments: ClassVar[bool] = True
    transforms: Sequence[Transform] = param(TransformList())
    p: float = param(Probability(), default=1.0, kw_only=True)

    def _state(self) -> tuple[Any, Plan]:
        # Also re-resolve when the list was edited in place (pipe.transforms[0] = ...).
        d = self.__dict__
        r = d.get("_r")
        ts = self.transforms
        if r is None or not isinstance(ts, (list, tuple)) or r.transforms != tuple(ts):
            d["_r"], d["_plan"] = self._resolve()
        return d["_r"], d["_plan"]

    @property
    def _r(self) -> Any:
        return self._state()[0]

    @property
    def _plan(self) -> Plan:  # type: ignore[override]
        return self._state()[1]

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        seen: dict[str, None] = {}
        for t in self.transforms:
            seen.update(dict.fromkeys(t.fields))
        return tuple(seen)

    @property
    def required(self) -> tuple[str, ...]:  # type: ignore[override]
        return ()

    @property
    def preserves_shape(self) -> bool:  # type: ignore[override]
        return all(t.preserves_shape for t in self.transforms)

    def _make_plan(self, plan: Plan, r: Any) -> None:
        """The children with their stream salts; each field validated by its first owning leaf."""
        plan.depth = _depth(r.transforms)
        counts: dict[str, int] = {}
        salts = []
        for t in r.transforms:
            n = counts.get(t.name, 0)
            counts[t.name] = n + 1
            salts.append(_random.name_salt(t.name, n))
        plan.salts = tuple(salts)
        owners: dict[str, Transform] = {}
        leaves: list[Transform] = []
        for t in r.transforms:
            child = t._plan
            for f, o in child.field_owners.items():
                owners.setdefault(f, o)
            leaves.extend(child.leaves)
        plan.field_owners = owners
        plan.leaves = tuple(leaves)
        plan.children = tuple(zip(r.transforms, plan.salts, strict=True))
        own: dict[str, str] = getattr(r, "targets", {})
        plan.targets = merge_targets(self.name, [own, *(t._plan.targets for t in r.transforms)])
        for name in plan.targets:
            owners.setdefault(name, self)

    def _node(self, path: list[int] | tuple[int, ...]) -> Transform:
        if not path:
            return self
        return self._r.transforms[path[0]]._node(path[1:])

    def _run_child(
        self, i: int, sample: Sample, stream: int, call: Call, path: tuple[int, ...], force: bool
    ) -> Sample:
        t, salt = self._plan.children[i]
        return t._run(sample, _random.mix(stream, salt), call, (*path, i), force)

    def _skip(self, stream: int, force: bool) -> bool:
        plan = self._plan
        return plan.off or (not force and not _random.applies(plan.p, stream))

    def make_params(self, rng: Any, sample: Mapping[str, Any]) -> dict[str, Any]:
        raise TypeError(f"{self.name} has no parameters of its own; call it or replay its trace")

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        raise TypeError(f"{self.name} has no parameters of its own; call it or replay its trace")

    def __len__(self) -> int:
        return len(self.transforms)

    def __getitem__(self, i: int) -> Transform:
        return self.transforms[i]

    def __repr__(self) -> str:
        inner = ",\n".join("    " + repr(t).replace("\n", "\n    ") for t in self.transforms)
        extra = "".join(
            f", {n}={getattr(self, n)!r}"
            for n in self._param_names()
            if n != "transforms" and getattr(self, n) != _DEFAULTS.get(n, object())
        )
        return f"{type(self).__name__}([\n{inner}\n]{extra})"


_DEFAULTS = {
    "p": 1.0,
    "seed": None,
    "weights": None,
    "fuse": True,
    "layout": "hwc",
    "targets": None,
    "bbox_format": "pascal_voc",
}


class Compose(BaseCompose):
    """Apply transforms in order.

    Each child draws from its own stream, derived from the call's stream and
    the child's position (its registry name and its rank among same-named
    siblings), so editing one child leaves the others' draws unchanged.

    Parameters
    ----------
    transforms : list of Transform
        Transforms (or nested composers) applied in order.
    p : float, default 1.0
        Probability of applying the whole chain.
    seed : int or None
        Seed of keyed and unkeyed calls.
    fuse : bool, default True
        Let consecutive fusable operations collapse into one (geometric ops
        into one matrix and one resampling, uint8 point colour ops into one
        lookup table). Traces still list every op. The outermost composer's
        setting governs the whole call; ``fuse=False`` gives the op-by-op
        reference the fused path is tested against.
    layout : {"hwc", "chw"}, default "hwc"
        How images arrive and leave: ``"hwc"`` (channels last, multiaug's own layout) or ``"chw"``
        (channels first: ``(C, H, W)`` images, ``(B, C, H, W)`` batches). A torch tensor (CPU or
        CUDA) is accepted in either layout and comes back a tensor of the same layout on the same
        device; masks (``HxW``, tensors too) are the same in both. A channels-first image under
        ``"hwc"`` (or a channels-last one under ``"chw"``) raises ``InvalidInputError`` naming
        ``layout``: a layout is never guessed, for tensors neither. The outermost composer's
        setting governs the whole call; a transform called alone takes ``"hwc"``. Left out of
        the config while ``"hwc"``, so earlier fingerprints stay.
    targets : dict or None
        Extra arrays of the image's geometry and what they move like:
        ``{"depth": "mask", "image_prev": "image"}``. A ``"mask"`` target moves with
        every geometric op exactly like ``mask`` (nearest: labels never blended; a
        float map such as depth is accepted); an ``"image"`` target, of the image's
        shape and dtype, gets every op of the image with the same drawn parameters,
        pixel ops (colour, noise, blur) included, as Albumentations'
        ``additional_targets`` does. Call the pipeline with them as keywords
        (``pipe(image=a, depth=d, image_prev=b)``); the output has them moved. Targets
        declared by nested composers count too. An array under any other unknown name
        is refused.
    bbox_format : {"pascal_voc", "coco", "yolo", "albumentations"}, default "pascal_voc"
        Format of ``bboxes`` in the call and in the output (see
        :func:`multiaug.image.convert_bboxes`); the transforms inside see pixel
        ``pascal_voc`` boxes. The outermost composer converts (a nested ``Compose``
        with another format is refused). Normalised boxes given to a pixel format,
        or pixel boxes to a normalised one, are refused with an error naming
        ``bbox_format``.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> pipe = ma.Compose([ma.image.HorizontalFlip(p=0.5), ma.image.VerticalFlip(p=0.5)], seed=42)
    >>> img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    >>> a = pipe(image=img, key=7, epoch=1)["image"]
    >>> b = ma.Compose([ma.image.HorizontalFlip(p=0.5), ma.image.VerticalFlip(p=0.5)],
    ...                seed=42)(image=img, key=7, epoch=1)["image"]
    >>> bool((a == b).all())
    True

    Channels-first images (and torch tensors, which come back as tensors) with ``layout="chw"``:

    >>> chw = ma.Compose([ma.image.HorizontalFlip(p=1.0)], layout="chw")
    >>> chw(image=np.zeros((3, 8, 10), np.uint8))["image"].shape
    (3, 8, 10)

    A depth map that moves like the mask, and COCO boxes in and out:

    >>> flip = ma.Compose([ma.image.HorizontalFlip(p=1.0)], targets={"depth": "mask"}, bbox_format="coco")
    >>> depth = np.arange(8, dtype=np.uint8).reshape(2, 4)
    >>> out = flip(image=np.zeros((2, 4), np.uint8), depth=depth, bboxes=[[0, 0, 1, 2]])
    >>> out["depth"].tolist(), out["bboxes"].tolist()
    ([[3, 2, 1, 0], [7, 6, 5, 4]], [[3.0, 0.0, 1.0, 2.0]])
    """

    augments: ClassVar[bool] = False
    fuse: bool = param(Flag(), default=True, kw_only=True)
    layout: str = param(Choice(*LAYOUTS), default="hwc", kw_only=True, quiet=True)
    targets: Mapping[str, str] | None = param(TargetMap(), default=None, kw_only=True, quiet=True)
    bbox_format: str = param(BboxFormat(), default="pascal_voc", kw_only=True, quiet=True)

    def _make_plan(self, plan: Plan, r: Any) -> None:
        super()._make_plan(plan, r)
        plan.layout = None if r.layout == "hwc" else r.layout
        for fmt in _nested_formats(r.transforms):
            if fmt not in ("pascal_voc", r.bbox_format):
                raise InvalidInputError(
                    self.name,
                    "bbox_format",
                    f"is {r.bbox_format!r} but a nested Compose declares {fmt!r}",
                    "declare bbox_format once, on the outermost Compose (boxes are converted at the "
                    "pipeline's boundary)",
                )
        if plan.targets or r.bbox_format != "pascal_voc":
            plan.edge = Edge(r.bbox_format, plan.targets)

    def _finalize(self, r: Any) -> None:
        check_tensor_order(r.transforms)

    def _run(
        self, sample: Sample, stream: int, call: Call, path: tuple[int, ...], force: bool = False
    ) -> Sample:
        plan = self._state()[1]
        if plan.off or (not force and not _random.applies(plan.p, stream)):
            return sample
        mix = _random.mix
        for i, (t, salt) in enumerate(plan.children):
            sample = t._run(sample, mix(stream, salt), call, (*path, i), False)
        return sample


def check_tensor_order(transforms: Sequence[Transform]) -> None:
    """Refuse a step that reads a field an earlier step turned into a tensor (``image.ToTensor``).

    It would get a torch tensor where a NumPy array is expected; the error names that step.
    """
    made: dict[str, str] = {}  # field -> the step that made it a tensor
    for t in transforms:
        leaves = t._plan.leaves
        for leaf in leaves:
            late = [f for f in leaf.fields if f in made]
            if late and not leaf.takes_tensors:
                f = late[0]
                raise InvalidInputError(
                    leaf.name,
                    f,
                    f"comes after {made[f]}, so it would get a torch tensor {f} where a NumPy array is "
                    f"expected ({made[f]} must be the last step)",
                    f"move {made[f]} to the end of the pipeline, after {leaf.name}",
                )
        for leaf in leaves:
            made.update(dict.fromkeys(leaf.makes_tensors, leaf.name))


def _nested_formats(transforms: Sequence[Transform]) -> list[str]:
    """The ``bbox_format`` of every ``Compose`` under ``transforms`` (the default one says nothing)."""
    out: list[str] = []
    for t in transforms:
        if isinstance(t, BaseCompose):
            if isinstance(t, Compose):
                out.append(t._r.bbox_format)
            out.extend(_nested_formats(t._r.transforms))
    return out


class OneOf(BaseCompose):
    """Apply exactly one of the transforms.

    The child is picked with probability proportional to ``weights`` (default:
    the children's own ``p``, as in albumentations) and is then applied
    unconditionally.

    Parameters
    ----------
    transforms : list of Transform
    weights : list of float or None
        Relative pick weights; ``None`` uses each child's ``p``.
    p : float, default 1.0
        Probability of picking anything at all.
    seed : int or None
    """

    transforms: Sequence[Transform] = param(TransformList(min_len=1))
    weights: Sequence[float] | None = param(Weights(), default=None)

    def _finalize(self, r: Any) -> None:
        if r.weights is not None and len(r.weights) != len(r.transforms):
            raise InvalidInputError(
                self.name,
                "weights",
                f"has {len(r.weights)} entries for {len(r.transforms)} transforms",
                "give one weight per transform",
            )

    def _run(
        self, sample: Sample, stream: int, call: Call, path: tuple[int, ...], force: bool = False
    ) -> Sample:
        i = self._choice(stream, force)
        return sample if i is None else self._run_child(i, sample, stream, call, path, True)

    def _choice(self, stream: int, force: bool = False) -> int | None:
        """The child a call on ``stream`` applies (always, whatever its ``p``), or None if it skips."""
        r = self._r
        # Children's p are read per call (not cached) so that set_params on a child counts.
        weights = r.weights if r.weights is not None else [t._r.p for t in r.transforms]
        cumulative = list(itertools.accumulate(weights))
        total = cumulative[-1]
        if total <= 0.0 or self._skip(stream, force):
            return None
        u = _random.uniform(_random.mix(stream, _CHOICE)) * total
        return min(bisect.bisect_right(cumulative, u), len(cumulative) - 1)


class SomeOf(BaseCompose):
    """Apply ``n`` of the transforms, picked without replacement, in pipeline order.

    Picked children are applied unconditionally. ``n`` may be an int or an
    inclusive ``(lo, hi)`` range drawn uniformly per call.

    Parameters
    ----------
    transforms : list of Transform
    n : int or (int, int)
    p : float, default 1.0
    seed : int or None
    """

    transforms: Sequence[Transform] = param(TransformList(min_len=1))
    n: int | tuple[int, int] = param(Range(0, 10_000, integer=True, example="(1, 2)", draw=False), default=1)

    def _finalize(self, r: Any) -> None:
        if r.n[1] > len(r.transforms):
            raise InvalidInputError(
                self.name,
                "n",
                f"asks for up to {r.n[1]} of {len(r.transforms)} transforms (picked without replacement)",
                f"pass n <= {len(r.transforms)}",
            )

    def _run(
        self, sample: Sample, stream: int, call: Call, path: tuple[int, ...], force: bool = False
    ) -> Sample:
        r = self._r
        if self._skip(stream, force):
            return sample
        salts = self._plan.salts
        lo, hi = r.n
        n = lo if lo == hi else lo + int(_random.uniform(_random.mix(stream, _SUBSET)) * (hi - lo + 1))
        if n <= 0:
            return sample
        # Rank children by a per-child uniform: a uniform subset whose ranks stay put for the
        # other children when one is added or removed.
        ranks = sorted(range(len(r.transforms)), key=lambda i: _random.uniform(_random.mix(stream, salts[i])))
        picks = sorted(ranks[:n])
        for i in picks:
            sample = self._run_child(i, sample, stream, call, path, True)
        return sample
