"""Shared-suite examples of the tabular transforms and samplers."""

from __future__ import annotations

from .checks import Example


def examples() -> dict[str, Example]:
    return {}
