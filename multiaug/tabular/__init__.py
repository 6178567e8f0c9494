"""Tabular augmentation (``ma.tabular``): imbalanced-learn samplers with multiaug seeds, noise."""

from __future__ import annotations

from .noise import GaussianNoise
from .samplers import ADASYN, SMOTE, SMOTENC, BorderlineSMOTE, RandomOverSampler, TabularSampler, random_state

__all__ = [
    "ADASYN",
    "SMOTE",
    "SMOTENC",
    "BorderlineSMOTE",
    "GaussianNoise",
    "RandomOverSampler",
    "TabularSampler",
    "random_state",
]
