"""The one registry of transform classes.

Every multiaug transform joins it once, when its class is defined
(``Transform.__init_subclass__``); user classes join with :func:`register`.
Config loading, the docs tables and the shared check suite enumerate it, and
:func:`~multiaug.core.config.from_config` builds *only* classes found here, so a
configuration file can never import arbitrary code.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, TypeVar

from .errors import ConfigError
from .params import _show, did_you_mean

if TYPE_CHECKING:
    from types import FrameType

    from .transform import Transform

__all__ = ["MODALITIES", "lookup", "register", "registered"]

T = TypeVar("T", bound="type[Transform]")

MODALITIES = ("image", "text", "audio", "tabular")
_REGISTRY: dict[str, type[Transform]] = {}


def _add(name: str, cls: type[Transform]) -> None:
    old = _REGISTRY.get(name)
    if (
        old is not None
        and old is not cls
        and (old.__module__, old.__qualname__)
        != (
            cls.__module__,
            cls.__qualname__,
        )
    ):
        raise ConfigError(
            f"cannot register {cls.__module__}.{cls.__qualname__} as {name!r}: that name already "
            f"belongs to {old.__module__}.{old.__qualname__}; pass register(name='...') to pick another"
        )
    _REGISTRY[name] = cls
    cls.registry_name = name


def register(cls: T | None = None, *, name: str | None = None):
    """Register a user transform class so configs may name it.

    Use as a bare decorator (``@ma.register``) or with a name
    (``@ma.register(name="mylab.Blur")``). The default name is ``user.<ClassName>``.

    Examples
    --------
    >>> import multiaug as ma
    >>> @ma.register
    ... class Identity(ma.Transform):
    ...     is_random = False
    ...     def apply(self, sample, params):
    ...         return dict(sample)
    >>> ma.from_config({"transform": "user.Identity", "params": {}}).registry_name
    'user.Identity'
    """

    def deco(c: T) -> T:
        _add(name or f"user.{c.__name__}", c)
        return c

    return deco(cls) if cls is not None else deco


def registered() -> dict[str, type[Transform]]:
    """All registered transforms by name (importing every installed modality first)."""
    for modality in MODALITIES:
        try:
            importlib.import_module(f"multiaug.{modality}")
        except ImportError:  # modality extra not installed: its transforms are unavailable
            continue
    return dict(sorted(_REGISTRY.items()))


def lookup(name: object) -> type[Transform]:
    """The class registered under ``name``; unqualified names are accepted when unique."""
    if not isinstance(name, str) or not name:
        raise ConfigError(f"a transform name must be a non-empty string, got {_show(name)}")
    cls = _REGISTRY.get(name)
    if cls is not None:
        return cls
    modality, dot, _ = name.partition(".")
    if dot and modality in MODALITIES:
        try:
            importlib.import_module(f"multiaug.{modality}")
        except ImportError as exc:
            raise ConfigError(
                f"transform {name!r} needs the {modality!r} extra: pip install 'multiaug[{modality}]' ({exc})"
            ) from exc
        cls = _REGISTRY.get(name)
    else:
        matches = [c for n, c in registered().items() if n.rpartition(".")[2] == name]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = sorted(c.registry_name for c in matches)
            raise ConfigError(f"transform name {name!r} is ambiguous; use one of {names}")
    if cls is None:
        raise ConfigError(
            f"unknown transform {_show(name)}{_suggest_name(name)}: not in the multiaug registry (user "
            "classes must be registered with @multiaug.register before loading a config that names them)"
        )
    return cls


def _suggest_name(name: str) -> str:
    """`` (did you mean 'image.HorizontalFlip'?)``: qualified names, or the class name alone."""
    names = list(registered())
    return did_you_mean(name, names, {n.rpartition(".")[2]: n for n in names})


def in_doctest() -> bool:
    """Whether the class being made is defined by a doctest (an example in a multiaug docstring):
    such a class names a multiaug module but must not join the registry of built-in transforms."""
    frame: FrameType | None = sys._getframe(2)
    for _ in range(8):
        if frame is None:
            return False
        if frame.f_code.co_filename.startswith("<doctest "):
            return True
        frame = frame.f_back
    return False
