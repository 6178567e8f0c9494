"""multiaug: one seeded augmentation API across images, text, audio and tables.

``import multiaug as ma`` is cheap: the modality namespaces ``ma.image``,
``ma.text``, ``ma.audio`` and ``ma.tabular`` (and their heavy dependencies such
as OpenCV or librosa) are imported on first attribute access, as are the
integrations ``ma.torch``, ``ma.keras`` and ``ma.hf``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .core import (
    Compose,
    ConfigError,
    InvalidInputError,
    Lambda,
    LeakageError,
    MultiaugError,
    OneOf,
    Oversample,
    SomeOf,
    Transform,
    fingerprint,
    from_config,
    load,
    register,
    register_function,
    registered,
    registered_functions,
    save,
)

if TYPE_CHECKING:
    from . import audio as audio
    from . import evaluate as evaluate
    from . import hf as hf
    from . import image as image
    from . import keras as keras
    from . import tabular as tabular
    from . import text as text
    from . import torch as torch
    from .guard import Leak as Leak
    from .guard import LeakageReport as LeakageReport
    from .guard import SplitGuard as SplitGuard
    from .monitor import Profile as Profile
    from .monitor import profile as profile
    from .streams import stream as stream

__all__ = [
    "Compose",
    "ConfigError",
    "InvalidInputError",
    "Lambda",
    "Leak",
    "LeakageError",
    "LeakageReport",
    "MultiaugError",
    "OneOf",
    "Oversample",
    "Profile",
    "SomeOf",
    "SplitGuard",
    "Transform",
    "__version__",
    "audio",
    "evaluate",
    "fingerprint",
    "from_config",
    "hf",
    "image",
    "keras",
    "load",
    "profile",
    "register",
    "register_function",
    "registered",
    "registered_functions",
    "save",
    "stream",
    "tabular",
    "text",
    "torch",
]

_LAZY_MODULES = {
    *("audio", "evaluate", "image", "tabular", "text", "testing"),
    *("cli", "jobs", "torch", "keras", "hf"),
}


# Names imported on first use (they need NumPy, which `import multiaug` does not load).
_LAZY_NAMES = {
    "Leak": "guard",
    "LeakageReport": "guard",
    "SplitGuard": "guard",
    "Profile": "monitor",
    "profile": "monitor",
    "stream": "streams",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    if name in _LAZY_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'multiaug' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))
