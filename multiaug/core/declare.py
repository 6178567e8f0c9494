"""Constructors written from declarations: ``name: type = param(spec, default=...)``.

A transform's class body declares its parameters (see :func:`multiaug.core.params.param`);
:func:`generated_init` writes the ``__init__`` that stores them unchanged (scikit-learn style)
with the real signature, and :class:`Declared` tells type checkers so (PEP 681). A transform
that writes its own ``__init__`` gets it wrapped by :func:`validating_init` instead: either way
every parameter is validated when the outermost constructor returns.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError
from .params import REQUIRED, Param, did_you_mean, param

if TYPE_CHECKING:
    from .transform import Transform

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # the decorator only informs type checkers

    def dataclass_transform(**kwargs: Any) -> Callable[[type], type]:
        return lambda cls: cls


__all__ = ["Declared", "declared_fields", "generated_init", "validating_init"]


@dataclass_transform(eq_default=False, field_specifiers=(param,))
class Declared:
    """Marker base: subclasses declare their constructor parameters with :func:`param`.

    It tells type checkers (PEP 681) that the base class writes the ``__init__`` of the
    declared parameters, so ``ma.image.Rotate(limit=30, fill=0)`` is checked like a call of
    a hand-written constructor. It also gives the scikit-learn parameter API over the
    constructor's signature: ``get_params``, ``set_params`` and the ``repr``.
    """

    __slots__ = ()

    def validate_params(self) -> Any:
        """Check every parameter now (the transform base resolves them through their specs)."""
        raise NotImplementedError

    @classmethod
    def _param_names(cls) -> tuple[str, ...]:
        names = cls.__dict__.get("_param_names_cache")
        if names is None:
            sig = inspect.signature(cls.__init__)
            names = tuple(
                n
                for n, prm in sig.parameters.items()
                if n != "self" and prm.kind not in (prm.VAR_POSITIONAL, prm.VAR_KEYWORD)
            )
            cls._param_names_cache = names  # type: ignore[attr-defined]
        return names

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn convention)."""
        out = {n: getattr(self, n) for n in self._param_names()}
        if deep:
            for n, v in list(out.items()):
                if hasattr(v, "get_params") and not isinstance(v, type):
                    out.update({f"{n}__{k}": val for k, val in v.get_params(deep=True).items()})
        return out

    def set_params(self, **params: Any) -> Any:
        """Set constructor parameters (scikit-learn convention), validated at once.

        A bad value raises :class:`InvalidInputError` and leaves the object as it was.
        """
        names = self._param_names()
        before = {n: getattr(self, n) for n in names}
        try:
            self._set_params(names, params)
            self.validate_params()
        except InvalidInputError:
            for n, v in before.items():
                if getattr(self, n) is not v:
                    setattr(self, n, v)
            raise
        return self

    def _set_params(self, names: tuple[str, ...], params: dict[str, Any]) -> None:
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in names:
                raise InvalidInputError(
                    getattr(self, "registry_name", "") or type(self).__name__,
                    name,
                    "is not a parameter of this transform",
                    f"use one of {list(names)}",
                )
            if sub:
                target = getattr(self, name)
                index, _, rest = sub.partition("__")
                if isinstance(target, (list, tuple)) and index.isdigit() and rest:
                    target, sub = target[int(index)], rest  # e.g. transforms__0__p
                target.set_params(**{sub: value})
            else:
                setattr(self, name, value)

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__).parameters
        parts = []
        for n in self._param_names():
            v = getattr(self, n)
            default = sig[n].default
            if default is inspect.Parameter.empty or not _same(v, default):
                parts.append(f"{n}={v!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


def declared_fields(cls: type) -> dict[str, Param]:
    """Every declared parameter of ``cls``: first declaration's position, latest declaration wins."""
    fields: dict[str, Param] = {}
    for base in reversed(cls.__mro__):
        for name, value in base.__dict__.items():
            if isinstance(value, Param):
                fields[name] = value
    return fields


def generated_init(cls: type[Transform]) -> Callable[..., None]:
    """The ``__init__`` of declared parameters: stores the arguments unchanged, then validates.

    Parameters without ``kw_only`` may be passed by position in declaration order; the rest by
    name (``p`` and ``seed`` first among them). A wrong argument is an :class:`InvalidInputError`
    naming it.
    """
    fields = declared_fields(cls)
    last = [n for n in ("p", "seed") if n in fields]
    positional = [n for n, f in fields.items() if not f.kw_only and n not in last]
    keyword = last + [n for n, f in fields.items() if f.kw_only and n not in last]
    names = (*positional, *keyword)
    defaults = {n: fields[n].default for n in names}
    kind = inspect.Parameter
    signature = inspect.Signature(
        [kind("self", kind.POSITIONAL_OR_KEYWORD)]
        + [
            kind(
                n,
                kind.POSITIONAL_OR_KEYWORD if n in positional else kind.KEYWORD_ONLY,
                default=kind.empty if defaults[n] is REQUIRED else defaults[n],
            )
            for n in names
        ]
    )  # raises at class creation for a required positional parameter after one with a default

    def __init__(self: Transform, *args: Any, **kwargs: Any) -> None:
        owner = self.name
        if len(args) > len(positional):
            raise InvalidInputError(
                owner,
                "arguments",
                f"got {len(args)} positional arguments; it takes at most {len(positional)} "
                f"({', '.join(positional) or 'none'})",
                f"pass the others by name, e.g. {keyword[0]}=..." if keyword else "drop the extra ones",
            )
        values = dict(zip(positional, args, strict=False))
        for name, value in kwargs.items():
            if name not in defaults:
                problem = "is not a parameter of this transform" + did_you_mean(name, names)
                raise InvalidInputError(owner, name, problem, f"use one of {list(names)}")
            if name in values:
                problem = "is given twice (by position and by name)"
                raise InvalidInputError(owner, name, problem, "pass it once")
            values[name] = value
        for name in names:
            value = values.get(name, defaults[name])
            if value is REQUIRED:
                raise InvalidInputError(owner, name, "is required", f"pass {name}=...")
            setattr(self, name, value)
        if type(self).__init__ is __init__:  # the outermost constructor of this object
            self.validate_params()

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__  # where help() and documentation tools look it up
    __init__._validates = True  # type: ignore[attr-defined]
    return __init__


def validating_init(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap a subclass ``__init__`` so the outermost one validates every parameter when it returns."""

    @functools.wraps(init)
    def __init__(self: Transform, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if type(self).__init__ is __init__:  # the outermost constructor of this object
            self.validate_params()

    __init__._validates = True  # type: ignore[attr-defined]
    return __init__


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False
