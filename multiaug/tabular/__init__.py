"""Tabular augmentation (``ma.tabular``): imbalanced-learn samplers with multiaug seeds, noise."""

from __future__ import annotations

from .noise import GaussianNoise
from .samplers import (
    ADASYN,
    SMOTE,
    SMOTEENN,
    SMOTEN,
    SMOTENC,
    SVMSMOTE,
    BorderlineSMOTE,
    KMeansSMOTE,
    RandomOverSampler,
    SMOTETomek,
    TabularSampler,
    random_state,
)

__all__ = [
    "ADASYN",
    "SMOTE",
    "SMOTEENN",
    "SMOTEN",
    "SMOTENC",
    "SVMSMOTE",
    "BorderlineSMOTE",
    "GaussianNoise",
    "KMeansSMOTE",
    "RandomOverSampler",
    "SMOTETomek",
    "TabularSampler",
    "random_state",
]
