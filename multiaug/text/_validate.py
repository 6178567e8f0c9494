"""Validation of the ``text`` sample field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.errors import InvalidInputError
from ..core.fields import Field, register_field

__all__ = ["check_text"]


def check_text(owner: str, text: Any, sample: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`~multiaug.InvalidInputError` unless ``text`` is a ``str``."""
    if isinstance(text, str):
        return
    if isinstance(text, (bytes, bytearray, memoryview)):
        fix = "decode it first, e.g. text=data.decode('utf-8')"
    elif text is None:
        fix = "pass a string (an empty string '' is returned unchanged)"
    elif isinstance(text, (list, tuple)):
        fix = (
            "call the transform once per text, or pass the list to "
            "ma.text.augment_texts(pipe, texts, keys=...) (batched, one key per text)"
        )
    else:
        fix = "pass a str (convert with str(...) if that is what you mean)"
    raise InvalidInputError(owner, "text", f"must be a str, got {type(text).__name__}", fix)


register_field(Field("text", "signal", check_text, "str", suffix=".txt", modality="text"))
