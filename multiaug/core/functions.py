"""Functions registered by name, and :class:`Lambda`, the transform that applies one.

A raw ``lambda`` cannot go into a config, a fingerprint or (portably) a pickle; a name can.
``@ma.register_function("name")`` files a function under a name, ``ma.Lambda("name")`` applies
it. Only the name is stored: configs stay plain data and a config can only call functions the
program registered itself.

Calling convention: the function's parameters name the sample fields it takes
(``def darken(image): ...``, ``def crop_top(image, mask): ...``); :class:`Lambda` calls it with
those fields as keyword arguments (a parameter with a default is optional: passed only when
the sample has the field). A function of one field returns that field's new value; a function
of several returns a dict of the fields it changes (any of those it takes).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .errors import ConfigError, InvalidInputError
from .fields import FIELD_CHECKS
from .layout import tensor_given
from .params import Probability, Spec, _show, did_you_mean, param
from .plan import Plan
from .transform import Sample, Transform

__all__ = ["Lambda", "register_function", "registered_functions"]

F = TypeVar("F", bound=Callable[..., Any])

_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def register_function(fn: Any = None, *, name: str | None = None) -> Any:
    """File a function under a name, so ``ma.Lambda(name)`` applies it (configs store the name).

    Use as ``@ma.register_function("mylab.darken")``, as a bare decorator
    (``@ma.register_function``: the name is ``user.<function name>``) or as a call
    (``ma.register_function(fn, name="mylab.darken")``). The function's parameters name the
    fields it takes (see :mod:`multiaug.core.functions`). Register it at import time of a
    module every process imports (DataLoader workers rebuild pipelines from pickles and look
    the name up again). A name taken by another function raises ``ConfigError``.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> @ma.register_function("doc.halve")
    ... def halve(image):
    ...     return image // 2
    >>> ma.Lambda("doc.halve")(image=np.full((1, 2), 9, np.uint8))["image"].tolist()
    [[4, 4]]
    """
    if isinstance(fn, str):  # @register_function("name")
        if name is not None:
            raise TypeError(
                "give the name once: register_function('name') or register_function(fn, name=...)"
            )
        return lambda f: register_function(f, name=fn)
    if fn is None:
        return lambda f: register_function(f, name=name)
    if not callable(fn):
        raise TypeError(f"register_function takes a function, got {_show(fn)}")
    if name is None:
        if fn.__name__ == "<lambda>":
            raise ConfigError("a lambda has no name of its own: register_function(fn, name='mylab.my_fn')")
        name = f"user.{fn.__name__}"
    if not isinstance(name, str) or not name:
        raise ConfigError(f"a function name must be a non-empty string, got {_show(name)}")
    _fields_of(fn, name)  # refuse a signature Lambda cannot call now, not at the first call
    old = _FUNCTIONS.get(name)
    if old is not None and old is not fn and _identity(old) != _identity(fn):
        raise ConfigError(
            f"cannot register {_identity(fn)} as {name!r}: that name already belongs to {_identity(old)}; "
            "pick another name"
        )
    _FUNCTIONS[name] = fn
    return fn


def _identity(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def registered_functions() -> dict[str, Callable[..., Any]]:
    """Every registered function by name."""
    return dict(sorted(_FUNCTIONS.items()))


def _fields_of(fn: Callable[..., Any], name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields a registered function takes, and those it requires (parameters without default)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        raise ConfigError(f"function {name!r}: its signature cannot be read; wrap it in a def") from None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    if not params or any(p.kind not in kinds for p in params):
        raise ConfigError(
            f"function {name!r} must name the fields it takes as parameters, e.g. "
            f"def {name.rpartition('.')[2]}(image, mask=None): ... (no *args or **kwargs)"
        )
    required = tuple(p.name for p in params if p.default is inspect.Parameter.empty)
    return tuple(p.name for p in params), required


class FunctionName(Spec):
    """The name of a registered function (resolved to the name; the function is looked up)."""

    doc = "the name of a function registered with ma.register_function"
    value_type = "str"

    def invalid(self) -> list[Any]:
        return ["", None, 3, "multiaug.no-such-function", len]

    def resolve(self, owner: str, name: str, value: Any) -> str:
        if callable(value):
            raise InvalidInputError(
                owner,
                name,
                f"is a function ({_show(value)}), which a config or fingerprint cannot hold",
                "register it and pass its name: @ma.register_function('mylab.my_fn') above its def, "
                "then Lambda('mylab.my_fn')",
            )
        if not isinstance(value, str) or not value:
            raise self.fail(owner, name, value)
        if value not in _FUNCTIONS:
            raise InvalidInputError(
                owner,
                name,
                f"is {value!r}, which no registered function has{did_you_mean(value, _FUNCTIONS)}",
                f"register it with @ma.register_function({value!r}) in a module every process imports, "
                "before building the pipeline",
            )
        return value


class Lambda(Transform):
    """Apply a function registered by name (:func:`register_function`); deterministic.

    The function's parameters name the fields it takes; it is called with those fields of the
    sample as keywords and returns the new value (a function of one field) or a dict of the
    changed fields (a function of several). It must not draw random numbers: ``Lambda`` is
    deterministic, so it stays in eval mode and in ``pipe.inference()`` (write a
    :class:`~multiaug.Transform` with ``make_params`` for a random op). The fields it takes
    are validated by their modality's checks like any transform's; what it returns is not
    (it may return anything, e.g. after ``ToTensor``). Configs, pickles and fingerprints hold
    the name only.

    Parameters
    ----------
    function : str
        The registered name (``ma.register_function``); a raw function or lambda is refused.
    @options call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> @ma.register_function("doc.swap_halves")
    ... def swap_halves(image, mask=None):
    ...     out = {"image": np.roll(image, image.shape[1] // 2, axis=1)}
    ...     if mask is not None:
    ...         out["mask"] = np.roll(mask, mask.shape[1] // 2, axis=1)
    ...     return out
    >>> t = ma.Lambda("doc.swap_halves")
    >>> t(image=np.array([[1, 2, 3, 4]], np.uint8))["image"].tolist()
    [[3, 4, 1, 2]]
    >>> t.to_config()
    {'transform': 'Lambda', 'params': {'function': 'doc.swap_halves', 'p': 1.0, 'seed': None}}
    """

    is_random = False
    augments = False  # a deterministic step: it stays in eval mode and in the inference pipeline
    preserves_shape = False
    takes_tensors = True
    _derived = ("takes", "needs")

    function: str = param(FunctionName())
    p: float = param(Probability(), default=1.0, kw_only=True)

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self._r.takes)

    def _finalize(self, r: Any) -> None:
        r.takes, r.needs = _fields_of(_FUNCTIONS[r.function], r.function)

    def check(self, sample: Mapping[str, Any]) -> None:
        for f in self._r.needs:
            if f not in sample:
                raise InvalidInputError(
                    self.name,
                    f,
                    f"is missing from the sample (function {self._r.function!r} takes it without a default)",
                    f"call it with {f}=... as a keyword, or give that parameter a default",
                )

    def _make_plan(self, plan: Plan, r: Any) -> None:
        plan.field_owners = {f: self for f in r.takes}
        plan.leaves = (self,)

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        r = self._r
        given = {f: sample[f] for f in r.takes if f in sample}
        result = _FUNCTIONS[r.function](**given)
        out = dict(sample)
        if len(r.takes) == 1:
            result = {r.takes[0]: result}
        elif not isinstance(result, Mapping) or not set(result) <= set(r.takes):
            raise InvalidInputError(
                self.name,
                "function",
                f"is {r.function!r}, which takes {list(r.takes)} and returned "
                f"{_show(result if not isinstance(result, Mapping) else list(result))}",
                f"return a dict of the fields it changes, a subset of {list(r.takes)}",
            )
        out.update(result)
        for field in result:  # what the function returned is checked like any input of that field
            check = FIELD_CHECKS.get(field)
            if check is not None and not tensor_given(out, ((field, 0),)):
                try:
                    check(self.name, out[field], out)
                except InvalidInputError as exc:
                    problem = f"returned by {r.function!r} {exc.problem}"
                    fix = f"make {r.function!r} return a valid {field} ({exc.fix})"
                    raise InvalidInputError(self.name, field, problem, fix) from None
        return out
