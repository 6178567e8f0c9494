"""Random over-sampling (imbalanced-learn's), seeded, with pandas round trips and provenance."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from imblearn import over_sampling as _imb

from ...core.params import Number, param
from ...sampling.base import Data
from .. import _frame
from .base import TabularSampler

__all__ = ["RandomOverSampler"]


class RandomOverSampler(TabularSampler, _imb.RandomOverSampler):
    """Random over-sampling (imbalanced-learn's): minority rows copied with replacement.

    Rows are copied as they are, so any column type and NaN pass through unchanged.

    Parameters
    ----------
    sampling_strategy, seed
        As in :class:`SMOTE`.
    shrinkage : float or None
        ``None``: exact copies; a float: smoothed bootstrap (numeric tables only).

    Examples
    --------
    >>> import multiaug as ma
    >>> ros = ma.tabular.RandomOverSampler(seed=0)
    >>> X_res, y_res = ros.fit_resample([[0.0], [1.0], [2.0]], [0, 0, 1])
    >>> y_res, ros.provenance_
    ([0, 0, 1, 1], [0, 1, 2, 2])
    """

    _imblearn = _imb.RandomOverSampler
    _allow_nan = True
    _pairs = False
    shrinkage: float | None = param(Number(0.0, math.inf, optional=True), default=None)

    def _imblearn_params(self) -> tuple[str, ...]:
        return ("shrinkage",)

    def _provenance_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        idx = np.asarray(self.sample_indices_)
        return idx, idx

    def _restore(self, data: Data, plan: dict[Any, int], new: tuple[Any, Any]) -> tuple[Any, Any]:
        X_res, y_res = new
        if _frame.is_frame(data.X):  # exact rows, exact dtypes
            X_res = data.X.iloc[self.sample_indices_].reset_index(drop=True)
        return X_res, y_res
