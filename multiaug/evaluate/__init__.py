"""Does augmentation help? Leak-safe, paired cross-validated ablations.

``ma.evaluate.ablation(estimator, X, y, pipeline, cv=5, copies=2, seed=0)`` scores an estimator
trained without and with augmentation on the same folds, augmenting training rows only, and
tests the paired differences (see :mod:`multiaug.evaluate.stats`).
"""

from __future__ import annotations

from .ablation import METRICS, ablation
from .result import Ablation, Fold
from .stats import PairedTest, corrected_ttest

__all__ = ["METRICS", "Ablation", "Fold", "PairedTest", "ablation", "corrected_ttest"]
