"""The modality-independent core: transform base, composers, randomness, config, errors."""

from .compose import BaseCompose, Compose, OneOf, SomeOf
from .config import fingerprint, from_config, load, read_config, save, to_config
from .errors import ConfigError, InvalidInputError, LeakageError, MultiaugError
from .functions import Lambda, register_function, registered_functions
from .oversample import Oversample
from .registry import lookup, register, registered
from .transform import FIELD_CHECKS, Transform, register_field_check

__all__ = [
    "FIELD_CHECKS",
    "BaseCompose",
    "Compose",
    "ConfigError",
    "InvalidInputError",
    "Lambda",
    "LeakageError",
    "MultiaugError",
    "OneOf",
    "Oversample",
    "SomeOf",
    "Transform",
    "fingerprint",
    "from_config",
    "load",
    "lookup",
    "read_config",
    "register",
    "register_field_check",
    "register_function",
    "registered",
    "registered_functions",
    "save",
    "to_config",
]
