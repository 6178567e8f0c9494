"""Shared-suite examples of the text transforms."""

from __future__ import annotations

from .checks import Example


def examples() -> dict[str, Example]:
    return {}
