"""Leakage-checking split guard (``ma.SplitGuard``)."""

from __future__ import annotations

__all__: list[str] = []
