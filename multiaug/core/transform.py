"""The :class:`Transform` base class shared by every modality and by the composers.

A transform has two halves (as in torchvision v2 and albumentations):

* :meth:`Transform.make_params` draws the parameters of one application from a
  :class:`numpy.random.Generator` that is handed in (never a global RNG);
* :meth:`Transform.apply` applies given parameters with no randomness at all.

Trace, replay, fusion and the property tests all rest on that split.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from . import random as _random
from .declare import Declared, generated_init, validating_init
from .errors import InvalidInputError
from .fields import FIELD_CHECKS, FIELDS, declare_fields, field_for, register_field_check, unknown_array
from .fusion import _FUSING, _NOT_FUSING, PENDING, Call, Deferred, Sample, flush_pending
from .layout import enter, tensor_given
from .params import Param, Probability, Seed, Spec, expand_options, param
from .plan import Params, Plan, Resolved, forget, params_class, uniform_draws
from .registry import _add, in_doctest
from .replay import check_window, stamped

_borrow, _pool = _random.borrow, _random._POOL

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "FIELD_CHECKS",
    "PENDING",
    "Call",
    "Deferred",
    "Params",
    "Plan",
    "Sample",
    "Transform",
    "check_window",
    "flush_pending",
    "register_field_check",
]

_MAX_EPOCH = 2**63
_modules = sys.modules


class Transform(Declared):
    """Base class of every transform and composer.

    Subclasses write ``__init__`` with explicit keyword parameters that it
    stores unchanged (scikit-learn style), a ``_parameters`` table of
    :class:`~multiaug.core.params.Spec` for them and :meth:`apply` (or
    ``apply_<field>`` methods). The default :meth:`make_params` draws every
    declared range (and every drawing spec of ``_drawn``); a transform writes its
    own only when its draw is special.

    Parameters
    ----------
    p : float
        Probability of applying the transform.
    seed : int or None
        Seed used when this object is called directly. Inside a composer the
        outermost composer's seed governs and nested seeds are not used.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> flip = ma.image.HorizontalFlip(p=1.0, seed=0)
    >>> flip(image=np.arange(6, dtype=np.uint8).reshape(2, 3))["image"]
    array([[2, 1, 0],
           [5, 4, 3]], dtype=uint8)
    """

    #: Registry name, e.g. ``"image.HorizontalFlip"`` (set on registration).
    registry_name: ClassVar[str] = ""
    #: Modality prefix of the registry name (``"core"`` names are unqualified).
    modality: ClassVar[str] = "core"
    #: Sample fields this transform reads or changes.
    fields: ClassVar[tuple[str, ...]] = ()
    #: Fields that must be present in every call.
    required: ClassVar[tuple[str, ...]] = ()
    #: Signal arrays (``image``, ``images``, ``mask``, ``audio``, ``spectrogram``) keep their
    #: dtype and shape; labels and targets may change as documented by each transform.
    preserves_shape: ClassVar[bool] = True
    #: ``make_params`` draws from the generator (False: it is called with ``rng=None``).
    is_random: ClassVar[bool] = True
    #: Fields this step turns into framework tensors (``image.ToTensor``): a ``Compose`` refuses a
    #: later step that reads them, unless it ``takes_tensors`` (a ``Lambda``).
    makes_tensors: ClassVar[tuple[str, ...]] = ()
    #: Its output is a model's input (normalised floats, tensors), not data to store: dataset
    #: jobs (``multiaug augment``) refuse a pipeline holding it.
    model_input: ClassVar[bool] = False
    takes_tensors: ClassVar[bool] = False
    #: Field checks of this transform that replace the generic ones of :data:`FIELD_CHECKS` when
    #: it is the first to own the field (``{"image": check}``; a check is ``check(owner, value, sample)``).
    own_checks: ClassVar[Mapping[str, Any]] = {}
    #: Kind of :class:`Deferred` work this transform can join (``None``: applied at once).
    defer_kind: ClassVar[str | None] = None
    #: ``make_params`` reads pixel or mask values, not only shapes, boxes and points (a crop that
    #: looks for labelled pixels): ``ma.torch.batched``, which draws on shape-only stand-ins, refuses it.
    draws_from_pixels: ClassVar[bool] = False
    #: ``make_params`` reads the targets (boxes, masks) as the op itself would see them, so pending
    #: deferred work (a fused geometric group) is applied before the draw; the op's own work may
    #: still join the new group after it (``BBoxSafeRandomCrop``, ``CropNonEmptyMaskIfExists``).
    draws_from_targets: ClassVar[bool] = False
    #: Composers: a call on this object fuses its children's deferred work by default.
    _fuses_children: ClassVar[bool] = False
    #: Abstract bases set this in their own body; they are not registered.
    _abstract: ClassVar[bool] = True
    #: Works on whole datasets only (``fit_resample``), never inside a composer.
    _dataset_level: ClassVar[bool] = False
    #: Specs of the constructor parameters (filled from the ``param(...)`` declarations; a
    #: subclass with a hand-written ``__init__`` may still give the table itself).
    _parameters: ClassVar[dict[str, Spec]] = {"p": Probability(), "seed": Seed()}
    #: Every transform has a seed; ``p`` is declared by the per-sample bases (samplers have none).
    seed: int | None = param(Seed(), default=None, kw_only=True)
    #: An augmentation: identity in eval mode (False for deterministic steps such as resizing,
    #: cropping to a fixed window, normalising, converting: they stay in eval mode).
    augments: ClassVar[bool] = True
    #: Training mode (``eval()`` sets it False on the whole tree, ``train()`` back).
    training: ClassVar[bool] = True
    #: Names of the values ``_finalize`` derives from the parameters (caches, tables...).
    _derived: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_abstract" not in cls.__dict__:
            cls._abstract = False
        if "__doc__" in cls.__dict__ and cls.__doc__:
            cls.__doc__ = expand_options(cls.__doc__)
        declared = {n: v.spec for n, v in cls.__dict__.items() if isinstance(v, Param)}
        if declared:
            cls._parameters = {**cls.__dict__.get("_parameters", {}), **declared}
            if "__init__" not in cls.__dict__:
                cls.__init__ = generated_init(cls)  # type: ignore[method-assign]
        specs: dict[str, Spec] = {}
        for base in reversed(cls.__mro__):
            specs.update(base.__dict__.get("_parameters", {}))
        cls._all_specs = specs  # type: ignore[attr-defined]
        drawn: dict[str, Spec | str] = {}
        for base in reversed(cls.__mro__):
            drawn.update(base.__dict__.get("_drawn", {}))
        cls._all_drawn = drawn  # type: ignore[attr-defined]
        quiet: dict[str, Any] = {}
        for base in reversed(cls.__mro__):
            quiet.update({n: v.default for n, v in base.__dict__.items() if isinstance(v, Param) and v.quiet})
        #: Parameters left out of configs while they hold this default (see ``param(quiet=True)``).
        cls._quiet_defaults = quiet  # type: ignore[attr-defined]
        cls._draws = tuple(  # type: ignore[attr-defined]
            [(n, s, True) for n, s in specs.items() if s.draws]
            + [(n, s, False) for n, s in drawn.items() if isinstance(s, Spec) and s.draws]
        )
        cls._param_names_cache = None  # type: ignore[attr-defined]
        cls._params_class = None  # type: ignore[attr-defined]
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_validates", False):
            cls.__init__ = validating_init(init)  # type: ignore[method-assign]
        if not cls._abstract and cls.__module__.startswith("multiaug.") and not in_doctest():
            name = cls.__name__ if cls.modality == "core" else f"{cls.modality}.{cls.__name__}"
            _add(name, cls)

    def __init__(self, p: float = 1.0, seed: int | None = None) -> None:
        self.p = p
        self.seed = seed

    def __setattr__(self, name: str, value: Any) -> None:
        # Constructor parameters invalidate the resolved cache; private and fitted (name_) do not.
        if not name.startswith("_") and not name.endswith("_"):
            forget(self)
        object.__setattr__(self, name, value)

    @property
    def name(self) -> str:
        """The registry name (or the class name of an unregistered class)."""
        return self.registry_name or type(self).__name__

    #: The parameters resolved through their specs (a :class:`Params`) and the run-time
    #: :class:`Plan`: built together on first use, then plain attributes of the instance (a
    #: dict lookup on the per-call path) until a parameter changes.
    _r: ClassVar[Any] = Resolved(0)
    _plan: ClassVar[Plan] = Resolved(1)  # type: ignore[assignment]

    @classmethod
    def _params_type(cls) -> type[Params]:
        """This class's :class:`Params` subclass: a slot per parameter and derived value."""
        return params_class(cls)

    def _resolve(self) -> tuple[Any, Plan]:
        specs: dict[str, Spec] = type(self)._all_specs  # type: ignore[attr-defined]
        owner = self.name
        values = {}
        for n in self._param_names():
            spec = specs.get(n)
            if spec is None:
                raise TypeError(f"{owner}: parameter {n!r} has no entry in _parameters")
            values[n] = spec.resolve(owner, n, getattr(self, n))
        r = self._params_type()(**values)
        self._finalize(r)
        seed = values.get("seed")
        seed64 = self._entropy_seed() if seed is None else _random.seed_to_int(seed, owner)
        # Only Compose has the switch and the root's governs; a leaf called alone has nothing to fuse
        # with, so it runs its unfused apply (which fusion is tested to match).
        fuse = bool(values.get("fuse", self._fuses_children))
        p = values.get("p", 1.0)
        # A leaf that always applies and draws nothing never reads its call's stream, nor one that
        # never applies (p = 0: only a parent's pick forces it, and then the parent's stream governs).
        needs_stream = self._fuses_children or (p > 0.0 and (self.is_random or p < 1.0))
        if not self.training:  # eval mode: nothing random happens
            p, needs_stream = (0.0 if self.augments else 1.0), self._fuses_children
        plan = Plan(seed64, fuse, needs_stream, p)
        plan.name = owner
        plan.off = not self.training and self.augments
        plan.draws = tuple(
            (n, spec.draw, getattr(r, n) if is_param else None)
            for n, spec, is_param in type(self)._draws  # type: ignore[attr-defined]
        )
        plan.no_params = not plan.draws and type(self).make_params is Transform.make_params
        plan.uniforms = uniform_draws(plan.draws)
        self._make_plan(plan, r)
        plan.precompute_checks(Transform.check)
        return r, plan

    def _make_plan(self, plan: Plan, r: Any) -> None:
        """Fill in which node owns which field (a leaf: itself); composers add their children."""
        plan.field_owners = {f: self for f in self.fields}
        plan.leaves = (self,)

    def _entropy_seed(self) -> int:
        """Fresh OS entropy for ``seed=None``, drawn once and kept with the object and its copies."""
        seed = self.__dict__.get("_auto_seed")
        if seed is None:
            seed = self.__dict__["_auto_seed"] = _random.seed_to_int(None)
        return seed

    def _finalize(self, r: Any) -> None:
        """Hook for cross-parameter checks and derived values (declared in ``_derived``) on ``r``."""

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> Transform:
        """Training mode (the default) on this transform and all it holds; returns ``self``.

        ``train(False)`` is :meth:`eval`. See :mod:`multiaug.core.modes`.
        """
        from .modes import set_training

        set_training(self, mode)
        return self

    def eval(self) -> Transform:
        """Eval mode: augmentations are the identity, deterministic steps apply; returns ``self``.

        Examples
        --------
        >>> import numpy as np, multiaug as ma
        >>> pipe = ma.Compose([ma.image.HorizontalFlip(p=1.0)], seed=0).eval()
        >>> img = np.arange(4, dtype=np.uint8).reshape(2, 2)
        >>> bool((pipe(image=img)["image"] == img).all()), pipe.training
        (True, False)
        """
        return self.train(False)

    def inference(self) -> Transform:
        """An eval-mode copy holding only the deterministic steps: what to store with a model."""
        from .modes import inference

        return inference(self)

    def validate_params(self) -> Transform:
        """Check every parameter now; returns ``self``.

        Construction and :meth:`set_params` already do it; call it after assigning a
        parameter attribute directly (otherwise checked at the next call).
        """
        forget(self)
        _ = self._r
        return self

    # ------------------------------------------------------------------ the two halves
    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        """Draw the parameters of one application (JSON-able builtins, so traces serialise).

        ``rng`` is lent for this call only (it is re-keyed for the next transform): draw
        everything here, never keep it. A transform with ``is_random = False`` is called
        with ``rng=None`` and draws nothing.

        The default draws, under their own names and in declaration order, every
        parameter whose spec draws (each :class:`~multiaug.core.params.Range`: a uniform
        value in its resolved range), then every drawing spec of ``_drawn`` (e.g. a
        :class:`~multiaug.core.params.NoiseSeed`). Override it only when the draw is
        special (it depends on the sample, or derives values from the draws).
        """
        plan = self._plan
        uniforms = plan.uniforms
        if uniforms is None:
            return {name: draw(rng, value) for name, draw, value in plan.draws}
        if len(uniforms) == 1:  # what Range.draw computes, without its per-call checks
            name, lo, span = uniforms[0]
            return {name: lo + span * rng.random()}
        # rng.random(k) gives the k doubles that k calls of rng.random() give, in the same order
        drawn = rng.random(len(uniforms)).tolist()
        return {n: lo + span * u for (n, lo, span), u in zip(uniforms, drawn, strict=True)}

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        """Apply ``params`` deterministically; returns a new dict, never mutates ``sample``.

        The default calls ``apply_<field>(value, **params)`` for each declared field present.
        """
        out = dict(sample)
        for f in self.fields:
            if f in sample:
                out[f] = getattr(self, f"apply_{f}")(sample[f], **params)
        return out

    def defer(self, sample: Sample, params: Mapping[str, Any]) -> Sample:
        """Add this application to the sample's pending work of kind ``defer_kind``.

        Only transforms that set ``defer_kind`` implement it; ``apply`` stays
        the unfused reference the fused path is tested against.
        """
        raise NotImplementedError(f"{self.name} sets defer_kind but does not implement defer()")

    def _settle(self, sample: Sample, fuse: bool) -> Sample:
        """Flush pending work unless this transform joins it (and its draw does not read the targets)."""
        pending = sample.get(PENDING)
        if pending is not None and (
            self.draws_from_targets or not (fuse and pending.kind == self.defer_kind)
        ):
            return pending.flush(sample)
        return sample

    def _act(self, sample: Sample, params: Mapping[str, Any], fuse: bool) -> Sample:
        if fuse and self.defer_kind is not None:
            return self.defer(sample, params)
        return self.apply(sample, params)

    def check(self, sample: Mapping[str, Any]) -> None:
        """Validate what this transform needs of a sample beyond the field checks.

        Called on every call whether or not the transform ends up applied, after
        the generic field checks and the presence of the ``required`` fields.
        """

    # ------------------------------------------------------------------ calling
    def _validate(self, sample: Mapping[str, Any]) -> Plan:
        r = self._plan
        for f, owner, chk in r.field_checks:
            if f in sample:
                chk(owner, sample[f], sample)
        for f, owner in r.required_fields:
            if f not in sample:
                raise InvalidInputError(
                    owner, f, "is missing from the sample", f"call it with {f}=... as a keyword"
                )
        if not sample.keys() <= r.field_owners.keys():  # a field no leaf reads: known, or metadata?
            for f in sample:
                if f not in r.field_owners and f not in FIELDS:
                    if getattr(sample[f], "ndim", 0):  # arrays and tensors; other values are metadata
                        declare_fields((f,))  # a modality's field, before its module was imported?
                        if f not in FIELDS:
                            unknown_array(self.name, f)
        for custom in r.custom_checks:
            custom(sample)
        return r

    def _run(
        self, sample: Sample, stream: int, call: Call, path: tuple[int, ...], force: bool = False
    ) -> Sample:
        """Apply to an already validated sample with the given stream key."""
        plan = self._plan
        if plan.off or (not force and plan.p < 1.0 and not _random.applies(plan.p, stream)):
            return sample
        if PENDING in sample:
            sample = self._settle(sample, call.fuse)
        if self.is_random:
            lent = _borrow(stream)
            try:
                params = self.make_params(lent[0], sample)
            finally:
                _pool.append(lent)  # random.give_back, inlined (the fixed cost of every random call)
        elif plan.no_params:
            params = {}
        else:
            params = self.make_params(None, sample)  # type: ignore[arg-type]  # is_random=False: no draws
        if call.draw is None:  # self._act, inlined
            if call.fuse and self.defer_kind is not None:
                out = self.defer(sample, params)
            else:
                out = self.apply(sample, params)
        else:  # draw-only (the batched path): record the draw, touch no pixel
            out = call.draw(self, sample, params, path)
        if call.trace is not None:
            call.trace.append({"transform": self.name, "path": list(path), "params": params})
        return out

    def __call__(
        self, *args: Any, key: int | str | None = None, epoch: int = 0, trace: bool = False, **sample: Any
    ) -> Sample:
        """Apply to one sample given as keyword fields; returns a new dict.

        With ``key`` (and ``epoch``) the result depends only on the seed, the
        key, the epoch, the input and the configuration. Without ``key`` a
        seeded object yields a reproducible sequence of draws.
        """
        if self._dataset_level:
            raise InvalidInputError(
                self.name,
                "sample",
                "cannot be resampled alone: it works on a whole dataset",
                "call fit_resample(X, y) on the dataset (ma.Oversample(pipeline) balances by augmenting)",
            )
        if args:
            raise self._positional(args)
        r = self._plan
        if r.layout is None and r.edge is None and "torch" not in _modules:  # _enter's common case
            leave = None
        else:
            sample, leave = self._enter(sample, r)
        self._validate(sample)
        if key is None:
            counter = self.__dict__.get("_calls", 0)
            self.__dict__["_calls"] = counter + 1
        else:
            counter = 0
        if r.needs_stream or type(key) is not int or type(epoch) is not int or not 0 <= epoch < _MAX_EPOCH:
            stream = _random.root_key(r.seed64, key, epoch, counter, r.name)  # also checks key, epoch
        else:
            stream = 0
        call = Call([], r.fuse) if trace else (_FUSING if r.fuse else _NOT_FUSING)
        out = self._run(sample, stream, call, ())
        # out may be sample: no copy, it is this call's own dict (the keywords, or _enter's from them)
        if PENDING in out:
            out = out[PENDING].flush(out)
        if call.trace is not None:
            out["trace"] = stamped(self, call.trace)
        return out if leave is None else leave(out)

    def _enter(self, sample: Mapping[str, Any], plan: Plan) -> tuple[Any, Any]:
        """The sample as the operations read it, and the way back (None when it needs nothing).

        CHW arrays and torch tensors become HWC arrays (:mod:`multiaug.core.layout`); then a
        pipeline's boundary converts ``bboxes`` from its ``bbox_format`` and hands its extra
        targets down (:mod:`multiaug.core.targets`). The way back undoes both, in reverse.
        """
        edge = plan.edge
        leave = None
        if plan.layout is not None or tensor_given(sample, plan.layout_fields):
            sample, leave = enter(self.name, sample, plan.layout or "hwc", plan.layout_fields)
        if edge is None:
            return sample, leave
        sample = edge.enter(self.name, sample)
        if leave is None:
            return sample, edge.leave
        undo = leave
        return sample, lambda out: undo(edge.leave(out))

    def _positional(self, args: tuple[Any, ...]) -> InvalidInputError:
        """The error for fields passed by position: names the field the first one probably is."""
        first = args[0]
        fields = self.fields
        field = field_for(first, fields) or (fields[0] if fields else "field")
        name = "pipe" if self._fuses_children else "t"
        value = {"text": "text", "image": "img", "images": "imgs"}.get(field, "x")
        return InvalidInputError(
            self.name,
            "sample",
            f"got {len(args)} positional argument(s) ({type(first).__name__}); samples are keyword fields",
            f"pass fields by name: {name}({field}={value})",
        )

    def keyed_params(
        self, sample: Mapping[str, Any], key: int | str, epoch: int = 0
    ) -> dict[str, Any] | None:
        """The parameters that ``self(**sample, key=key, epoch=epoch)`` draws, or None if it skips.

        For batching a transform's expensive work over many keyed samples (e.g.
        one translator call for many texts) with results identical to calling it
        on each sample. Leaf transforms only (a composer has no parameters).
        """
        sample = self._enter(sample, self._plan)[0]
        plan = self._validate(sample)
        stream = _random.root_key(plan.seed64, key, epoch, 0, self.name)
        if not _random.applies(self._plan.p, stream):
            return None
        return self.make_params(_random.generator(stream) if self.is_random else None, sample)  # type: ignore[arg-type]

    def _node(self, path: list[int] | tuple[int, ...]) -> Transform:
        if path:
            raise KeyError(tuple(path))
        return self

    #: Bounds of drawn parameters (``make_params`` keys) that ``replay`` enforces on a trace:
    #: a :class:`Spec` (applied to every number of the value), or the name of the constructor
    #: range the value is drawn from. A key named like a constructor parameter needs no entry:
    #: it lies within that parameter's range (or passes its spec). See :meth:`check_params`.
    _drawn: ClassVar[dict[str, Spec | str]] = {}

    #: Drawn lists of a fixed length (``{"shear": 2}``); other lists may vary between draws
    #: (word edits, masked spans) and only need items shaped like drawn ones.
    _lengths: ClassVar[dict[str, int]] = {}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        """Reject drawn parameters this transform could not have drawn for ``sample``.

        ``replay`` calls it on every traced entry after the generic checks (same keys and
        JSON types as a fresh draw, finite numbers, draws from a constructor range within
        it, the ``_drawn`` specs). Override it for cross-checks such as a crop window
        inside the image; raise :class:`InvalidInputError` naming ``params.<name>``.
        """

    def _trace_fingerprint(self) -> str:
        """The fingerprint a trace carries (see :func:`multiaug.core.replay.trace_fingerprint`)."""
        from .replay import trace_fingerprint

        return trace_fingerprint(self)

    def replay(self, trace: list[Mapping[str, Any]], **sample: Any) -> Sample:
        """Apply exactly the parameters recorded in ``trace`` (from ``trace=True``) to ``sample``.

        The trace may have gone through JSON. Each entry names the transform, its
        position and the fingerprint of the pipeline that made it; every traced
        parameter is validated like a constructor argument. A trace from another
        pipeline, or a damaged one, raises ``InvalidInputError``.
        """
        from .replay import replay

        sample, leave = self._enter(sample, self._plan)
        out = replay(self, trace, sample)
        return out if leave is None else leave(out)

    # ------------------------------------------------------------------ datasets
    def fit_resample(
        self,
        X: Sequence[Any],
        y: Sequence[Any] | None = None,
        *,
        copies: int = 1,
        epoch: int = 0,
        field: str | None = None,
        **extra: Any,
    ) -> tuple[list[Any], list[Any] | None]:
        """Originals plus ``copies`` augmented copies of every item of a list of samples.

        ``X`` is a list of images, texts or audio arrays (the field is inferred:
        ``text`` for strings, else the image/audio field the pipeline handles;
        pass ``field=`` to choose). Extra keyword fields go with every item (e.g.
        ``sample_rate=16000``). Output order: the originals in input order, then
        copy 1 of every row, copy 2 of every row, ... Copy ``c`` of row ``i`` is a
        keyed call (key ``"row{i}/copy{c}"``), so the result is reproducible and
        each row can be recomputed alone. After the call ``provenance_`` gives,
        for every output row, the input row it came from.

        Examples
        --------
        >>> import multiaug as ma
        >>> pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0)
        >>> X, y = pipe.fit_resample(["a b c d", "e f g h"], [0, 1], copies=1)
        >>> len(X), y, pipe.provenance_
        (4, [0, 1, 0, 1], [0, 1, 0, 1])
        """
        from ..sampling.lists import augment_copies

        X_res, y_res, prov = augment_copies(self, X, y, copies, epoch, field, extra)
        self.provenance_ = prov
        return X_res, y_res

    # ------------------------------------------------------------------ config & identity
    def to_config(self) -> dict[str, Any]:
        """A plain, JSON-able dict that :func:`multiaug.from_config` turns back into this object."""
        from .config import to_config

        return to_config(self)

    @property
    def fingerprint(self) -> str:
        """Stable hex id of the canonical configuration (same in every process and machine)."""
        from .config import fingerprint

        return fingerprint(self)

    def __getstate__(self) -> dict[str, Any]:
        if self.seed is None:
            self._entropy_seed()
        state = self.__dict__.copy()
        forget(state)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __deepcopy__(self, memo: dict[int, Any]) -> Transform:
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        new.__dict__.update(copy.deepcopy(self.__getstate__(), memo))
        return new
