"""A transform's resolved parameters and its run-time plan, kept apart.

:class:`Params` holds what the constructor arguments *mean* once validated (typed, one slot
per declared parameter); :class:`Plan` holds how a call runs the node (its seed, the fusion
switch, which leaf validates which field, a composer's children and their stream salts).
Both are built together on first use and rebuilt when any parameter changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .transform import Transform

__all__ = ["Params", "Plan", "Resolved", "forget", "params_class", "uniform_draws"]


class Params:
    """A transform's constructor parameters, validated and normalised by their specs.

    Each transform class gets its own subclass (``Rotate.Params``...) whose slots are
    exactly its declared parameters (typed by their specs: ``Range`` -> ``tuple[float,
    float]``...) plus the derived values its ``_finalize`` computes, declared in
    ``_derived``. A misspelt or undeclared name is an ``AttributeError``, not a silent new
    attribute. Read it as ``self._r`` inside a transform.
    """

    __slots__ = ()

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)

    def _asdict(self) -> dict[str, Any]:
        names: tuple[str, ...] = self.__slots__
        return {n: getattr(self, n) for n in names if hasattr(self, n)}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._asdict().items())
        return f"{type(self).__qualname__}({inner})"


class Plan:
    """How a call runs this node: the run-time plan, apart from the parameters.

    Built with the parameters (and rebuilt when any changes): the 64-bit seed, the
    fusion switch, which leaf validates which field, the checks a call runs and, for a
    composer, its children with their stream salts.
    """

    __slots__ = (
        "children",
        "custom_checks",
        "depth",
        "draws",
        "edge",
        "field_checks",
        "field_owners",
        "fuse",
        "layout",
        "layout_fields",
        "leaves",
        "name",
        "needs_stream",
        "no_params",
        "off",
        "p",
        "required_fields",
        "salts",
        "seed64",
        "targets",
        "trace_fingerprint",
        "uniforms",
    )

    def __init__(self, seed64: int, fuse: bool, needs_stream: bool, p: float = 1.0) -> None:
        self.seed64 = seed64
        #: The node's name (``Transform.name``), for messages on the per-call path.
        self.name = ""
        #: The probability a call applies this node: the parameter ``p`` in training mode; in
        #: eval mode 0 for an augmentation, 1 for a deterministic step.
        self.p = p
        #: Eval mode and an augmentation: never applied, not even when a OneOf forces it.
        self.off = False
        self.fuse = fuse
        self.needs_stream = needs_stream
        #: ``"chw"`` when the outermost composer declares it, else None (HWC: arrays pass as given).
        self.layout: str | None = None
        #: The fields the layout boundary converts: ``(name, layout_ndim)`` (see core/layout.py).
        self.layout_fields: tuple[tuple[str, int], ...] = ()
        self.field_owners: dict[str, Transform] = {}
        self.leaves: tuple[Transform, ...] = ()
        self.children: tuple[tuple[Transform, int], ...] = ()
        self.salts: tuple[int, ...] = ()
        self.depth = 0
        #: Extra targets declared by this node and the composers under it (``{"depth": "mask"}``).
        self.targets: dict[str, str] = {}
        #: What a call on this node does at the pipeline's boundary (box formats, extra targets):
        #: an object with ``enter(owner, sample)`` and ``leave(out)``; None (the rule): nothing.
        self.edge: Any = None
        self.field_checks: tuple[tuple[str, str, Callable[[str, Any, Mapping[str, Any]], None]], ...] = ()
        self.required_fields: tuple[tuple[str, str], ...] = ()
        self.custom_checks: tuple[Callable[[Mapping[str, Any]], None], ...] = ()
        self.trace_fingerprint: tuple[tuple[Params, ...], str] | None = None
        #: What the default ``make_params`` draws: ``(name, spec.draw, resolved value)``.
        self.draws: tuple[tuple[str, Callable[[Any, Any], Any], Any], ...] = ()
        #: A leaf with nothing to draw and the default ``make_params``: its parameters are ``{}``.
        self.no_params = False
        #: ``(name, lo, hi - lo)`` when every draw is a finite float range (one generator call draws
        #: them all in the default ``make_params``), else None.
        self.uniforms: tuple[tuple[str, float, float], ...] | None = None

    def precompute_checks(self, base_check: Callable[..., None]) -> None:
        """What a call validates: each field once, by its first owner; required fields; custom checks.

        ``base_check`` is ``Transform.check`` (a leaf overriding it adds a custom check). A leaf
        whose check compares the input's size with its own (``checks_size = True``: a fixed-size
        crop) is not checked up front after a leaf that may change the size (``preserves_shape =
        False``: a pad, a resize); it checks the size it is given when it runs.
        """
        from .fields import FIELD_CHECKS, declare_fields
        from .layout import layout_fields

        declare_fields(self.field_owners)

        self.layout_fields = layout_fields()
        if self.targets:  # extra targets convert like what they move like
            from .fields import FIELDS

            extra = ((n, FIELDS[k].layout_ndim) for n, k in self.targets.items())
            self.layout_fields += tuple((n, d) for n, d in extra if d is not None)
        # A field is checked by its first owner, with that owner's own check where it has one
        # (``ToTensor`` only needs a float image's shape and dtype, not its values' range).
        self.field_checks = tuple(
            (f, owner.name, owner.own_checks.get(f) or FIELD_CHECKS[f])
            for f, owner in self.field_owners.items()
            if f in FIELD_CHECKS
        )
        required: dict[str, str] = {}
        for leaf in self.leaves:
            for f in leaf.required:
                required.setdefault(f, leaf.name)
        self.required_fields = tuple(required.items())
        checks = []
        resized = False  # an earlier leaf may change the image size (a pad before a crop)
        for leaf in self.leaves:
            if type(leaf).check is not base_check and not (resized and getattr(leaf, "checks_size", False)):
                checks.append(leaf.check)
            resized = resized or not leaf.preserves_shape
        self.custom_checks = tuple(checks)
        if self.targets:
            self.custom_checks += (self._check_targets,)

    def _check_targets(self, sample: Mapping[str, Any]) -> None:
        """Each extra target present, checked as what it moves like (its kind's ``as_target``)."""
        from .fields import FIELDS

        owner = self.field_owners
        for name, kind in self.targets.items():
            if name in sample:
                check = FIELDS[kind].as_target
                if check is not None:
                    check(owner[name].name, name, sample[name], sample)


#: Instance attributes that cache what the parameters resolve to (dropped when one changes).
_CACHED = ("_r", "_plan")


class Resolved:
    """``_r`` / ``_plan``: the first access resolves both and stores them on the instance.

    A non-data descriptor, so afterwards the instance's own attribute answers (no function
    call per access); assigning a parameter drops them (:func:`forget`).
    """

    def __init__(self, index: int) -> None:
        self.index = index

    def __get__(self, obj: Transform | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        state = obj._resolve()
        obj.__dict__["_r"], obj.__dict__["_plan"] = state
        return state[self.index]


def forget(t: Transform | dict[str, Any]) -> None:
    """Drop the cached parameters and plan of ``t`` (or of a ``__dict__`` copy)."""
    d = t if isinstance(t, dict) else t.__dict__
    for name in _CACHED:
        d.pop(name, None)


def uniform_draws(draws: tuple[tuple[str, Any, Any], ...]) -> tuple[tuple[str, float, float], ...] | None:
    """``(name, lo, hi - lo)`` of each draw when all are finite float :class:`Range` draws, else None.

    For those :meth:`Range.draw` computes ``lo + (hi - lo) * rng.random()``: the default
    ``make_params`` then draws them all with one generator call (the same numbers).
    """
    from .params import Range as _Range

    out = []
    for name, draw, value in draws:
        spec = getattr(draw, "__self__", None)
        if type(spec) is not _Range or spec.integer:
            return None
        lo, hi = float(value[0]), float(value[1])
        span = hi - lo
        if not (span == span and span != math.inf):
            return None
        out.append((name, lo, span))
    return tuple(out) if out else None


def params_class(cls: type[Transform]) -> type[Params]:
    """The :class:`Params` subclass of transform class ``cls`` (made once): a slot per parameter
    and derived value (``Transform._params_type``)."""
    made: type[Params] | None = cls.__dict__.get("_params_class")
    if made is None:
        specs = cls._all_specs  # type: ignore[attr-defined]
        names = cls._param_names()
        derived = tuple(
            dict.fromkeys(d for b in reversed(cls.__mro__) for d in b.__dict__.get("_derived", ()))
        )
        annotations = {n: specs[n].value_type for n in names if n in specs}
        made = type(
            "Params",
            (Params,),
            {
                "__slots__": tuple(dict.fromkeys((*names, *derived))),
                "__annotations__": annotations,
                "__module__": cls.__module__,
                "__qualname__": f"{cls.__qualname__}.Params",
            },
        )
        cls._params_class = made  # type: ignore[attr-defined]
    return made
