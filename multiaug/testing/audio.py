"""Shared-suite examples of the audio transforms."""

from __future__ import annotations

from .checks import Example


def examples() -> dict[str, Example]:
    return {}
