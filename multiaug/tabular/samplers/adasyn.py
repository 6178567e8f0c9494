"""ADASYN (imbalanced-learn's), seeded, with pandas round trips and provenance."""

from __future__ import annotations

from typing import Any

import numpy as np
from imblearn import over_sampling as _imb

from ...core.params import param
from .base import _neighbors, _Neighbours, _NeighbourSampler

__all__ = ["ADASYN"]


class _RecordingNeighbors:
    """Wraps a fitted-on-demand NearestNeighbors and keeps every ``kneighbors`` answer."""

    def __init__(self, nn: Any) -> None:
        self.nn = nn
        self.calls: list[np.ndarray] = []

    @property
    def n_neighbors(self) -> int:
        return int(self.nn.n_neighbors)

    def fit(self, X: Any, y: Any = None) -> _RecordingNeighbors:
        self.nn.fit(X)
        return self

    def kneighbors(self, X: Any = None, n_neighbors: int | None = None, return_distance: bool = True) -> Any:
        out = self.nn.kneighbors(X, n_neighbors=n_neighbors, return_distance=return_distance)
        self.calls.append(out[1] if return_distance else out)
        return out


class _RecordingRandomState(np.random.RandomState):
    """``RandomState(seed)`` (same draws) that keeps what ``choice`` returned."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.choices: list[np.ndarray] = []

    def choice(self, *args: Any, **kwargs: Any) -> Any:
        out = super().choice(*args, **kwargs)
        self.choices.append(np.asarray(out))
        return out


class ADASYN(_NeighbourSampler, _imb.ADASYN):
    """ADASYN (imbalanced-learn's): more new rows where the minority class is harder to learn.

    Parameters
    ----------
    n_neighbors : int or estimator
        Neighbours used both to weigh rows and to interpolate (or a neighbours estimator,
        as for :class:`SMOTE`'s ``k_neighbors``).
    sampling_strategy, seed, algorithm, n_jobs
        As in :class:`SMOTE`.

    Examples
    --------
    >>> import multiaug as ma
    >>> from sklearn.datasets import load_breast_cancer
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> ada = ma.tabular.ADASYN(seed=0)
    >>> X_res, y_res = ada.fit_resample(X, y)
    >>> type(X_res).__name__, len(ada.provenance_) == len(X_res)
    ('DataFrame', True)
    """

    _imblearn = _imb.ADASYN
    _neighbors_param = "n_neighbors"
    n_neighbors: Any = param(_Neighbours(1), default=5)

    def _validate_estimator(self) -> None:
        self.nn_ = _RecordingNeighbors(_neighbors(self._search("n_neighbors"), 1))

    def _fit_resample(self, X: Any, y: Any, **params: Any) -> Any:
        rs = _RecordingRandomState(int(self.random_state))
        self.__dict__["_random_state_override"] = rs
        self._rs_log = rs
        try:
            return super()._fit_resample(X, y, **params)
        finally:
            self.__dict__.pop("_random_state_override", None)
            if isinstance(self.__dict__.get("nn_"), _RecordingNeighbors):
                self.nn_ = self.nn_.nn

    def _provenance_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        # ADASYN has no hook; rebuild its rows from the recorded neighbours and draws
        # (the same few lines as imblearn.over_sampling.ADASYN._fit_resample).
        n, y = self._n_fit, self._y_fit
        calls = self.nn_.calls
        a, b = [np.arange(n)], [np.arange(n)]
        k = self.nn_.n_neighbors - 1
        active = [(c, m) for c, m in self.sampling_strategy_.items() if m]
        for i, (cls, n_samples) in enumerate(active):
            class_idx = np.flatnonzero(y == cls)
            nns_all, nns_cls = calls[2 * i][:, 1:], calls[2 * i + 1][:, 1:]
            ratio = np.sum(y[nns_all] != cls, axis=1) / k
            ratio /= np.sum(ratio)
            n_gen = np.rint(ratio * n_samples).astype(int)
            rows = np.repeat(np.arange(class_idx.size), n_gen)
            cols = self._rs_log.choices[i]
            a.append(class_idx[rows])
            b.append(class_idx[nns_cls[rows, cols]])
        del self._rs_log
        return np.concatenate(a), np.concatenate(b)
