"""Tabular augmentation (``ma.tabular``): imbalanced-learn samplers with multiaug seeds, noise."""

from __future__ import annotations

__all__: list[str] = []
