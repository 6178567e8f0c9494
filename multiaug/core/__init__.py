"""The modality-independent core: transform base, composers, randomness, config, errors."""

from .compose import BaseCompose, Compose, OneOf, SomeOf
from .config import fingerprint, from_config, load, read_config, save, to_config
from .errors import ConfigError, InvalidInputError, LeakageError, MultiaugError
from .oversample import Oversample
from .registry import lookup, register, registered
from .transform import FIELD_CHECKS, Transform, register_field_check

__all__ = [
    "FIELD_CHECKS",
    "BaseCompose",
    "Compose",
    "ConfigError",
    "InvalidInputError",
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
    "registered",
    "save",
    "to_config",
]
