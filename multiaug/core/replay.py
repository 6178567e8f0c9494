"""Replaying a trace: the trace is untrusted input, validated entry by entry before it is applied.

Each entry names the transform, its position and the fingerprint of the pipeline that made it;
its parameters must have the JSON shape of a fresh draw and lie within the ranges they are drawn
from (see :meth:`multiaug.core.transform.Transform.check_params`). Anything wrong raises
:class:`~multiaug.core.errors.InvalidInputError` naming the place, never a raw error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from . import random as _random
from .errors import InvalidInputError
from .fusion import flush_pending
from .params import Number, Spec
from .plan import Params

if TYPE_CHECKING:
    from .transform import Sample, Transform

__all__ = ["check_traced", "check_window", "replay", "stamped", "trace_fingerprint"]


def stamped(t: Transform, trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``trace`` (a call's entries, changed in place) with every entry carrying ``t``'s trace fingerprint."""
    fingerprint = t._trace_fingerprint()
    for entry in trace:
        entry["fingerprint"] = fingerprint
    return trace


def trace_fingerprint(self: Transform) -> str:
    """The fingerprint a trace carries: :attr:`fingerprint` with every ``fuse`` set to True and
    ``Compose``'s ``layout`` left out.

    Fusion never changes an output (fused and op-by-op runs are tested equal), and a layout
    only says how arrays arrive, so a trace replays on either setting (one recorded on CHW
    tensors replays on HWC arrays). Cached until a parameter anywhere in the tree changes.
    """
    plan = self._plan
    token = _resolved_tree(self)
    cached = plan.trace_fingerprint
    if (
        cached is None
        or len(cached[0]) != len(token)
        or any(a is not b for a, b in zip(cached[0], token, strict=True))
    ):
        cached = plan.trace_fingerprint = (token, _fingerprint_fused(self))
    return cached[1]


def replay(self: Transform, trace: Any, sample: Sample) -> Sample:
    """Apply exactly the parameters recorded in ``trace`` (from ``trace=True``) to ``sample``.

    The trace may have gone through JSON. Each entry names the transform, its
    position and the fingerprint of the pipeline that made it; every traced
    parameter is validated like a constructor argument. A trace from another
    pipeline, or a damaged one, raises ``InvalidInputError``.
    """
    if not isinstance(trace, list):
        raise InvalidInputError(
            self.name,
            "trace",
            f"must be a list, got {type(trace).__name__}",
            "pass out['trace'] from a call made with trace=True",
        )
    fuse = self._validate(sample).fuse
    fingerprint = self._trace_fingerprint() if trace else ""
    out: Sample = dict(sample)
    for i, entry in enumerate(trace):
        node, params = _entry(self, i, entry, fingerprint)
        out = _guarded(self.name, f"trace[{i}]", node._settle, out, fuse)
        check_traced(node, self.name, f"trace[{i}].params", params, out)
        out = _guarded(self.name, f"trace[{i}].params", node._act, out, params, fuse)
    return _guarded(self.name, "trace", flush_pending, out)


def _entry(self: Transform, i: int, entry: Any, fingerprint: str) -> tuple[Transform, Mapping[str, Any]]:
    """The node an entry of a trace addresses, after checking its keys, path and fingerprint."""
    where = f"trace[{i}]"
    fix = "replay a trace on the pipeline (or an identical config) that produced it"
    if not isinstance(entry, Mapping):
        raise InvalidInputError(
            self.name, where, f"must be a dict, got {type(entry).__name__}", "pass out['trace'] unchanged"
        )
    keys = set(entry)
    if keys != _ENTRY_KEYS:
        problem = f"has the keys {sorted(map(str, keys))}, expected {sorted(_ENTRY_KEYS)}"
        raise InvalidInputError(self.name, where, problem, "pass out['trace'] unchanged")
    if entry["fingerprint"] != fingerprint:
        raise InvalidInputError(
            self.name,
            f"{where}.fingerprint",
            f"is {entry['fingerprint']!r}, made by another pipeline than this one ({fingerprint})",
            fix,
        )
    path = entry["path"]
    if not isinstance(path, list) or not all(type(k) is int for k in path):
        raise InvalidInputError(
            self.name,
            f"{where}.path",
            f"must be a list of ints, got {path!r}",
            "pass out['trace'] unchanged",
        )
    node: Transform = self
    for k in path:
        children = node._r.transforms if node._fuses_children else ()
        if not 0 <= k < len(children):
            raise InvalidInputError(
                self.name, f"{where}.path", f"{path!r} is not a position in this pipeline", fix
            )
        node = children[k]
    name, params = entry["transform"], entry["params"]
    if node.name != name or node._fuses_children:
        raise InvalidInputError(
            self.name, f"{where}.transform", f"names {name!r} but this position holds {node.name!r}", fix
        )
    if not isinstance(params, Mapping):
        raise InvalidInputError(
            self.name,
            f"{where}.params",
            f"must be a dict, got {type(params).__name__}",
            "pass out['trace'] unchanged",
        )
    return node, params


def check_traced(self: Transform, owner: str, where: str, params: Mapping[str, Any], sample: Sample) -> None:
    """Validate traced ``params`` of this leaf like constructor arguments (see :meth:`check_params`)."""
    fix = f"replay the trace unchanged; {self.name} cannot have drawn this"
    try:
        stream = _random.generator(0) if self.is_random else None
        # a transform whose draw runs a model gives the shape of its draw without running it
        draw = getattr(self, "reference_params", None) or self.make_params
        reference = draw(stream, sample)  # type: ignore[arg-type]
    except InvalidInputError:
        raise
    except Exception as exc:
        raise InvalidInputError(
            owner, where, f"cannot be checked on this sample ({type(exc).__name__}: {exc})", fix
        ) from exc
    _same_structure(owner, where, reference, params, fix)
    for key, n in self._lengths.items():
        if key in params and len(params[key]) != n:
            problem = f"has {len(params[key])} values, {self.name} draws {n}"
            raise InvalidInputError(owner, f"{where}.{key}", problem, fix)
    r = self._r
    specs: dict[str, Spec] = type(self)._all_specs  # type: ignore[attr-defined]
    for key, value in params.items():
        at = f"{where}.{key}"
        drawn: dict[str, Spec | str] = type(self)._all_drawn  # type: ignore[attr-defined]
        bound = drawn.get(key, key if key in specs else None)
        if isinstance(bound, Spec):
            _leaves(value, _resolver(bound, owner, at))
            continue
        if bound is None:
            continue
        allowed = getattr(r, bound)
        if isinstance(allowed, tuple) and allowed and type(allowed[0]) is bool:
            allowed = allowed[1:]  # a per-axis range: (flag, x range, y range)
        if _is_range(allowed) or _is_ranges(allowed):
            _within(owner, at, value, allowed, f"{bound}={allowed} of {self.name}", fix)
        elif isinstance(specs.get(bound), Number) and type(allowed) in (int, float):
            _leaves(value, _resolver(specs[bound], owner, at))
    try:
        self.check_params(params, sample)
    except InvalidInputError as exc:
        field = exc.field[len("params.") :] if exc.field.startswith("params.") else exc.field
        raise InvalidInputError(owner, f"{where}.{field}", exc.problem, exc.fix) from None


_ENTRY_KEYS = frozenset({"transform", "path", "params", "fingerprint"})
#: Traced ints beyond this are no index, size or seed any transform draws.
_MAX_INT = 2**64


def _kind(value: Any) -> str:
    if value is None or isinstance(value, (bool, str)):
        return type(value).__name__
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, Mapping):
        return "dict"
    return type(value).__name__


def _resolver(spec: Spec, owner: str, at: str) -> Callable[[Any, str], Any]:
    """Checks one number of a traced value (at index suffix ``j``) with ``spec``."""

    def resolve(value: Any, j: str) -> Any:
        return spec.resolve(owner, f"{at}{j}", value)

    return resolve


def _same_structure(owner: str, where: str, ref: Any, value: Any, fix: str) -> None:
    """``value`` has the JSON shape of the fresh draw ``ref``: same keys, kinds, finite numbers."""
    kind, want = _kind(value), _kind(ref)
    if want == "float" and kind == "int":
        kind = "float"  # a JSON writer may drop the ".0"
    if kind != want:
        raise InvalidInputError(owner, where, f"must be {want}, got {value!r:.80}", fix)
    if kind == "float":
        try:
            finite = math.isfinite(float(value))
        except OverflowError:
            finite = False
        if not finite:
            raise InvalidInputError(owner, where, f"must be a finite number, got {value!r:.80}", fix)
    elif kind == "int" and not -_MAX_INT < value < _MAX_INT:
        raise InvalidInputError(owner, where, f"is out of range: {value!r:.80}", fix)
    elif kind == "dict":
        if set(value) != set(ref):
            problem = f"has the keys {sorted(map(str, value))}, expected {sorted(map(str, ref))}"
            raise InvalidInputError(owner, where, problem, fix)
        for k in ref:
            _same_structure(owner, f"{where}.{k}", ref[k], value[k], fix)
    elif kind == "list":
        if len(value) == len(ref):
            for j, (a, b) in enumerate(zip(ref, value, strict=True)):
                _same_structure(owner, f"{where}[{j}]", a, b, fix)
        elif ref:  # a variable-length draw (edits, spans...): every item shaped like a drawn one
            for j, b in enumerate(value):
                _same_structure(owner, f"{where}[{j}]", ref[min(j, len(ref) - 1)], b, fix)
        else:  # nothing drawn this time to compare with: plain finite JSON only
            for j, b in enumerate(value):
                _plain(owner, f"{where}[{j}]", b, fix)


def _plain(owner: str, where: str, value: Any, fix: str) -> None:
    kind = _kind(value)
    if kind in ("int", "float"):
        _same_structure(owner, where, value, value, fix)
    elif kind == "list":
        for j, b in enumerate(value):
            _plain(owner, f"{where}[{j}]", b, fix)
    elif kind not in ("str", "bool", "NoneType"):
        raise InvalidInputError(owner, where, f"must be a number, a string or a list, got {value!r:.80}", fix)


def check_window(
    owner: str,
    top: Any,
    left: Any,
    height: Any,
    width: Any,
    shape: tuple[int, ...],
    min_size: int = 1,
) -> None:
    """Raise unless a traced window ``(top, left, height, width)`` lies inside an image of ``shape``.

    For :meth:`Transform.check_params` of crops and erasers (fields ``params.top``...).
    """
    h, w = shape[:2]
    for name, v, lo, hi in (
        ("height", height, min_size, h),
        ("width", width, min_size, w),
        ("top", top, 0, h - height if type(height) is int else h),
        ("left", left, 0, w - width if type(width) is int else w),
    ):
        if type(v) is not int or not lo <= v <= hi:
            raise InvalidInputError(
                owner,
                f"params.{name}",
                f"is {v!r}: the window ({top}, {left}, {height}, {width}) must lie inside the {h}x{w} image",
                "replay the trace unchanged, on the sample that produced it",
            )


def _resolved_tree(t: Transform) -> tuple[Params, ...]:
    """The resolved parameters of every node: a new object appears when any parameter changes."""
    r = t._r
    if not t._fuses_children:
        return (r,)
    return (r, *(ns for child in r.transforms for ns in _resolved_tree(child)))


def _fingerprint_fused(t: Transform) -> str:
    from .config import fingerprint

    def fused(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: fused(v) for k, v in node.items()}
            params = out.get("params")
            if "transform" in out and isinstance(params, dict) and params.get("fuse") is False:
                out["params"] = params = {**params, "fuse": True}
            if out.get("transform") == "Compose" and isinstance(params, dict) and "layout" in params:
                # the layout is how arrays arrive, never what is drawn or applied
                out["params"] = {k: v for k, v in params.items() if k != "layout"}
            return out
        if isinstance(node, list):
            return [fused(v) for v in node]
        return node

    return fingerprint(fused(t.to_config()))


def _is_range(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and all(type(b) in (int, float) for b in value)


def _is_ranges(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) > 0 and all(_is_range(v) for v in value)


def _leaves(value: Any, check: Callable[[Any, str], Any], at: str = "") -> None:
    """Call ``check(number, index_suffix)`` on every number in a (nested) list."""
    if isinstance(value, list):
        for j, v in enumerate(value):
            _leaves(v, check, f"{at}[{j}]")
    elif type(value) in (int, float):
        check(value, at)


def _within(owner: str, where: str, value: Any, allowed: Any, what: str, fix: str) -> None:
    """A drawn number (or list of them, one per range) lies within the range it was drawn from."""
    if _is_ranges(allowed) and isinstance(value, list) and len(value) == len(allowed):
        for j, (v, rng) in enumerate(zip(value, allowed, strict=True)):
            _within(owner, f"{where}[{j}]", v, rng, what, fix)
        return
    if not _is_range(allowed):
        return

    def check(v: Any, at: str) -> None:
        lo, hi = allowed
        slack = 1e-9 * max(1.0, abs(lo), abs(hi))
        if not lo - slack <= v <= hi + slack:
            raise InvalidInputError(owner, f"{where}{at}", f"is {v!r}, outside {what}", fix)

    _leaves(value, check)


def _guarded(owner: str, where: str, step: Callable[..., Sample], *args: Any) -> Sample:
    """Run one replay step; an error other than ours means the traced parameters do not fit."""
    try:
        return step(*args)
    except InvalidInputError:
        raise
    except Exception as exc:
        raise InvalidInputError(
            owner,
            where,
            f"cannot be applied to this sample ({type(exc).__name__}: {exc})",
            "replay a trace unchanged, on the sample and pipeline that produced it",
        ) from exc
