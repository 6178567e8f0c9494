"""SVM-SMOTE, k-means SMOTE and SMOTE-N (imbalanced-learn's), seeded, with pandas and provenance."""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
from imblearn import over_sampling as _imb

from ...core.errors import InvalidInputError
from ...core.params import Number, Spec, _show, param
from .adasyn import _RecordingRandomState
from .base import TabularSampler, _Estimator, _Lineage, _neighbors, _Neighbours
from .smote import _SMOTEFamily

__all__ = ["SMOTEN", "SVMSMOTE", "KMeansSMOTE"]


class _AutoOr(Spec):
    """``"auto"`` or a real number within ``[low, high]`` (k-means SMOTE's threshold and exponent)."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        self.doc = f"'auto' or a number in [{low:g}, {high:g}]"

    def invalid(self) -> list[Any]:
        return ["some", None, True, [0.5], self.high * 2 + 1]

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        if value == "auto" and isinstance(value, str):
            return value
        if (
            isinstance(value, numbers.Real)
            and not isinstance(value, bool)
            and np.isfinite(float(value))
            and self.low <= float(value) <= self.high
        ):
            return value
        raise InvalidInputError(owner, name, f"must be {self.doc}, got {_show(value)}", f"pass {name}='auto'")


class SVMSMOTE(_SMOTEFamily, _imb.SVMSMOTE):
    """SVM-SMOTE (imbalanced-learn's): new rows around the support vectors of an SVM.

    Support vectors of the class in danger (most neighbours of another class) interpolate
    towards a class neighbour; safe ones *extrapolate* away from it (by up to ``out_step``
    times the distance), so such a row lies on the line through its two provenance rows,
    beyond the base row, not between them.

    Parameters
    ----------
    k_neighbors : int or estimator
        Neighbours used to build new rows.
    m_neighbors : int or estimator
        Neighbours (among all rows) that decide whether a support vector is noise or in danger.
    svm_estimator : estimator or None
        The SVM whose ``support_`` is used; ``None``: ``SVC(gamma="scale")`` seeded like the
        sampler. An object is not saved in configs.
    sampling_strategy, seed, algorithm, n_jobs
        As in :class:`SMOTE`.
    out_step : float
        Extrapolation step of safe support vectors, in [0, 1].

    Examples
    --------
    >>> import multiaug as ma
    >>> from sklearn.datasets import load_wine
    >>> wine = load_wine(as_frame=True)
    >>> svm = ma.tabular.SVMSMOTE(out_step=0.3, seed=0)
    >>> table, labels = svm.fit_resample(wine.data, wine.target)
    >>> labels.value_counts().tolist(), all(len(p) == 2 for p in svm.provenance_[178:])
    ([71, 71, 71], True)
    """

    _imblearn = _imb.SVMSMOTE
    _table_neighbors_params = ("m_neighbors",)
    k_neighbors: Any = param(_Neighbours(1), default=5)
    m_neighbors: Any = param(_Neighbours(1), default=10)
    svm_estimator: Any = param(_Estimator("fit", "predict"), default=None)
    out_step: float = param(Number(0.0, 1.0), default=0.5)
    _known_failures = {
        "support_": ("svm_estimator", "pass a support vector machine such as sklearn.svm.SVC()"),
        "All support vectors are considered as noise": (
            "m_neighbors",
            "use another SMOTE variant (ma.tabular.SMOTE, BorderlineSMOTE) for this table",
        ),
    }

    def _imblearn_params(self) -> tuple[str, ...]:
        return ("svm_estimator", "out_step")

    def _validate_estimator(self) -> None:
        _imb.SVMSMOTE._validate_estimator(self)  # the SVM (seeded with random_state)
        self.nn_k_ = _neighbors(self._search("k_neighbors"), 1)
        self.nn_m_ = _neighbors(self._search("m_neighbors"), 1)

    def _in_danger_noise(
        self, nn_estimator: Any, samples: Any, target_class: Any, y: Any, kind: str = "danger"
    ) -> Any:
        out = super()._in_danger_noise(nn_estimator, samples, target_class, y, kind=kind)
        if kind == "noise":  # the class's support vectors, as input rows, less the noisy ones
            support = np.asarray(self.svm_estimator_.support_)
            self._support = support[y[support] == target_class][~out]
        else:  # imbalanced-learn samples from the rows in danger first, then from the safe ones
            self._bases = [rows for rows in (self._support[out], self._support[~out]) if rows.size]
        return out

    def _sources(self, X: Any, nn_data: Any, cls: Any) -> tuple[np.ndarray, np.ndarray]:
        return self._bases.pop(0), np.flatnonzero(self._y_fit == cls)


class KMeansSMOTE(_SMOTEFamily, _imb.KMeansSMOTE):
    """k-means SMOTE (imbalanced-learn's): SMOTE inside the clusters where the class is frequent.

    Parameters
    ----------
    k_neighbors : int or estimator
        Neighbours (within a cluster) used to build new rows.
    kmeans_estimator : int, estimator or None
        ``None``: ``MiniBatchKMeans`` seeded like the sampler; an int: that many clusters; or a
        clustering estimator (not saved in configs).
    cluster_balance_threshold : "auto" or float in [0, 1]
        Share of the class a cluster needs to be sampled from.
    density_exponent : "auto" or float in [0, 1000]
        Exponent of the cluster density that weighs how many rows each cluster gets.
    n_jobs : int or None
        Threads of the distance computations (imbalanced-learn's own ``n_jobs``).
    sampling_strategy, seed, algorithm
        As in :class:`SMOTE`.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> from sklearn.datasets import make_blobs
    >>> X, y = make_blobs([100, 800, 100], centers=[(-10, 0), (0, 0), (10, 0)], random_state=0)
    >>> km = ma.tabular.KMeansSMOTE(kmeans_estimator=3, cluster_balance_threshold=0.1, seed=0)
    >>> X_res, y_res = km.fit_resample(X, y)
    >>> np.bincount(y_res) >= 800
    array([ True,  True,  True])
    """

    _imblearn = _imb.KMeansSMOTE
    _own_n_jobs = True
    k_neighbors: Any = param(_Neighbours(1), default=2)
    kmeans_estimator: Any = param(_Estimator("fit", "predict", also_int=True), default=None)
    # a share of the class; the exponent of a mean distance (imbalanced-learn's "auto": the number
    # of features), beyond which the densities overflow
    cluster_balance_threshold: Any = param(_AutoOr(0.0, 1.0), default="auto")
    density_exponent: Any = param(_AutoOr(0.0, 1000.0), default="auto")
    _known_failures = {
        "No clusters found": (
            "cluster_balance_threshold",
            "lower cluster_balance_threshold or use more clusters (kmeans_estimator=<int>)",
        )
    }

    def _imblearn_params(self) -> tuple[str, ...]:
        return ("kmeans_estimator", "cluster_balance_threshold", "density_exponent", "n_jobs")

    def _validate_estimator(self) -> None:
        _imb.KMeansSMOTE._validate_estimator(self)  # the clustering (seeded with random_state)
        self.nn_k_ = _neighbors(self._search("k_neighbors"), 1)

    def _fit_resample(self, X: Any, y: Any, **params: Any) -> Any:
        self._X_fit = X
        try:
            return super()._fit_resample(X, y, **params)
        finally:
            del self._X_fit

    def _sources(self, X: Any, nn_data: Any, cls: Any) -> tuple[np.ndarray, np.ndarray]:
        # X is one cluster's rows of class ``cls``; clusters split the rows and equal rows share
        # a cluster, so the cluster whose rows of ``cls`` equal X is the one sampled from.
        kmeans = self.kmeans_estimator_
        labels = getattr(kmeans, "labels_", None)
        labels = np.asarray(kmeans.predict(self._X_fit) if labels is None else labels)
        in_class = self._y_fit == cls
        for c in np.unique(labels[in_class]):
            rows = np.flatnonzero((labels == c) & in_class)
            if rows.size == X.shape[0] and _same_rows(self._X_fit[rows], X):
                return rows, rows
        raise AssertionError("k-means SMOTE sampled from rows that are no cluster's")  # pragma: no cover


def _same_rows(a: Any, b: Any) -> bool:
    if hasattr(a, "toarray"):
        return (a != b).nnz == 0
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


class SMOTEN(TabularSampler, _imb.SMOTEN):
    """SMOTE-N (imbalanced-learn's): SMOTE for tables of categories only.

    Every column is categorical (numbers too): a new row takes, column by column, the most
    frequent value among a row's ``k_neighbors`` nearest rows of its class (value difference
    metric) and the row itself; ``provenance_`` names all of them, the base row first, then the others
    in index order.

    Parameters
    ----------
    categorical_encoder : estimator or None
        Encoder of the values (``fit_transform``/``inverse_transform``); ``None``:
        ``OrdinalEncoder``. Not saved in configs.
    k_neighbors : int or estimator
        Neighbours a new row's values are drawn from.
    sampling_strategy, seed
        As in :class:`SMOTE`.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> X = np.array([["a", "x"]] * 10 + [["b", "y"]] * 20 + [["a", "y"]] * 5, dtype=object)
    >>> y = np.array([0] * 10 + [1] * 20 + [0] * 5)
    >>> sm = ma.tabular.SMOTEN(seed=0)
    >>> X_res, y_res = sm.fit_resample(X, y)
    >>> np.bincount(y_res), all(p[0] in range(35) for p in sm.provenance_[35:])
    (array([20, 20]), True)
    """

    _imblearn = _imb.SMOTEN
    _neighbors_param = "k_neighbors"
    _pairs: ClassVar[bool] = False
    categorical_encoder: Any = param(_Estimator("fit_transform", "inverse_transform"), default=None)
    k_neighbors: Any = param(_Neighbours(1), default=5, kw_only=True)

    def _imblearn_params(self) -> tuple[str, ...]:
        return ("categorical_encoder",)

    def _route(self, categorical: list[int]) -> TabularSampler:
        return self  # every column is a category here

    def _make_samples(self, X_class: Any, klass: Any, y_dtype: Any, nn_indices: Any, n_samples: int) -> Any:
        rs = _RecordingRandomState(int(self.random_state))  # the draws imbalanced-learn makes
        self.__dict__["_random_state_override"] = rs
        try:
            out = super()._make_samples(X_class, klass, y_dtype, nn_indices, n_samples)
        finally:
            self.__dict__.pop("_random_state_override", None)
        class_idx = np.flatnonzero(self._y_fit == klass)
        chosen = rs.choices[-1]
        self._records.append((class_idx[chosen], class_idx[np.asarray(nn_indices)[chosen]]))
        return out

    def _provenance_arrays(self) -> Any:
        return self._records

    def _provenance(self, data: Any, plan: Any, new: Any) -> Any:
        return _Neighbourhoods(data.n, self.__dict__.pop("_parents"))


class _Neighbourhoods(_Lineage):
    """SMOTE-N provenance, built when read: per new row its base row, then the others in index order."""

    __slots__ = ("records",)

    def __init__(self, n: int, records: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.n, self.records = n, records

    def to_list(self) -> list[Any]:
        out: list[Any] = list(range(self.n))
        for bases, neighbours in self.records:
            for base, row in zip(bases.tolist(), neighbours.tolist(), strict=True):
                # the others in index order: scikit-learn lists neighbours at equal distance (common
                # on categories) in the order its sort leaves them, which NumPy's SIMD sorts change
                out.append((base, *sorted(set(row) - {base})))
        return out
