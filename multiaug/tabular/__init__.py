"""Tabular augmentation (``ma.tabular``): imbalanced-learn samplers with multiaug seeds, noise."""

from __future__ import annotations

from .noise import GaussianNoise
from .samplers import *  # noqa: F403  # the samplers' own __all__
from .samplers import __all__ as _samplers

__all__ = ["GaussianNoise", *_samplers]
