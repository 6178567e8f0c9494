"""filters (filled in by the image issue)."""

from __future__ import annotations

__all__: list[str] = []
