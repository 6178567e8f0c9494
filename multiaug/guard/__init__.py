"""Leakage-checking split guard (``ma.SplitGuard``)."""

from __future__ import annotations

from .guard import SplitGuard
from .report import Leak, LeakageReport

__all__ = ["Leak", "LeakageReport", "SplitGuard"]
