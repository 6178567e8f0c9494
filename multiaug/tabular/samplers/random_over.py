"""Random over-sampling (imbalanced-learn's), seeded, with pandas round trips and provenance."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from imblearn import over_sampling as _imb

from ...core.errors import InvalidInputError
from ...core.params import Number, Spec, _show, param
from ...sampling.base import Data
from .. import _frame
from .base import TabularSampler

__all__ = ["RandomOverSampler"]


_FACTOR = Number(0.0, math.inf)


class _Shrinkage(Spec):
    """``None``, a factor >= 0, or a dict ``{class: factor >= 0}`` (imbalanced-learn's ``shrinkage``)."""

    doc = "None, a number >= 0, or a dict {class: number >= 0}"

    def invalid(self) -> list[Any]:
        return [-1.0, "0.5", True, {0: -1.0}, {0: "a"}, [0.5]]

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        if isinstance(value, dict):
            for cls, factor in value.items():
                _FACTOR.resolve(owner, f"{name}[{_show(cls)}]", factor)
            return value
        if isinstance(value, bool):
            raise self.fail(owner, name, value)
        try:
            return Number(0.0, math.inf, optional=True).resolve(owner, name, value)
        except InvalidInputError:
            raise self.fail(owner, name, value) from None


class RandomOverSampler(TabularSampler, _imb.RandomOverSampler):
    """Random over-sampling (imbalanced-learn's): minority rows copied with replacement.

    Rows are copied as they are, so any column type and NaN pass through unchanged.

    Parameters
    ----------
    sampling_strategy, seed
        As in :class:`SMOTE`.
    shrinkage : float, dict or None
        ``None``: exact copies; a float: smoothed bootstrap (numeric tables only); a dict
        ``{class: factor}``: a factor per over-sampled class (a dict with non-string class
        keys is not saved in configs).

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
    shrinkage: float | dict[Any, float] | None = param(_Shrinkage(), default=None)

    def _imblearn_params(self) -> tuple[str, ...]:
        return ("shrinkage",)

    def _plan_rows(self, data: Data) -> dict[Any, int]:
        plan = super()._plan_rows(data)
        shrinkage = self._r.shrinkage
        if isinstance(shrinkage, dict):
            missing = [_plain(c) for c, m in plan.items() if m and c not in shrinkage]
            if missing:
                raise InvalidInputError(
                    self.name,
                    "shrinkage",
                    "should contain a shrinkage factor for each class that will be resampled; "
                    f"missing {missing}",
                    f"add a factor for each of {missing} (0 for exact copies), or pass one number",
                )
            unknown = [_plain(c) for c in shrinkage if c not in plan]
            if unknown:
                raise InvalidInputError(
                    self.name,
                    "shrinkage",
                    f"names class(es) {unknown} that are not resampled "
                    f"(classes: {[_plain(c) for c in plan]})",
                    "give factors only for the classes sampling_strategy resamples",
                )
        return plan

    def _provenance_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        idx = np.asarray(self.sample_indices_)
        return idx, idx

    def _restore(self, data: Data, plan: dict[Any, int], new: tuple[Any, Any]) -> tuple[Any, Any]:
        X_res, y_res = new
        if _frame.is_frame(data.X):  # exact rows, exact dtypes
            X_res = data.X.iloc[self.sample_indices_].reset_index(drop=True)
        return X_res, y_res


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
