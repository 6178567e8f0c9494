"""SMOTE and its variants (imbalanced-learn's), seeded, with pandas round trips and provenance."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from imblearn import over_sampling as _imb

from ...core.errors import InvalidInputError
from ...core.params import Choice, Spec, _show, param
from ...sampling.base import Data
from .. import _frame
from .base import TabularSampler, _Estimator, _neighbors, _Neighbours, _NeighbourSampler

__all__ = ["SMOTE", "SMOTENC", "BorderlineSMOTE"]


_COLUMN = (numbers.Integral, str)  # an index (or a bool of a mask) or a name


class _Columns(Spec):
    """SMOTE-NC's ``categorical_features``: ``"auto"`` or a non-empty list of columns."""

    doc = "'auto' or a non-empty list of column indices, names or booleans"

    def invalid(self) -> list[Any]:
        return [3, "some", None, [], [1.5]]

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        if isinstance(value, str):
            ok = value == "auto"
        else:
            ok = isinstance(value, (list, tuple)) and all(isinstance(v, _COLUMN) for v in value)
        if not ok:
            raise InvalidInputError(
                owner,
                name,
                f"must be 'auto' or a list of column indices, names or booleans, got {_show(value)}",
                "pass categorical_features='auto' or e.g. [0, 3]",
            )
        if not isinstance(value, str) and not value:
            raise InvalidInputError(
                owner,
                name,
                "is empty; SMOTE-NC needs at least one categorical column",
                "name the categorical columns, or use ma.tabular.SMOTE for an all-numeric table",
            )
        return value


class _SMOTEFamily(_NeighbourSampler):
    """SMOTE's family: new rows interpolate from a base row towards one of its ``k_neighbors``.

    imbalanced-learn's ``_generate_samples`` hook records which rows each new row lies
    between; :meth:`_provenance_arrays` turns the records into the two parents of every row.
    """

    _abstract: ClassVar[bool] = True
    _neighbors_param = "k_neighbors"

    def _validate_estimator(self) -> None:
        self.nn_k_ = _neighbors(self._search("k_neighbors"), 1)

    def _generate_samples(
        self,
        X: Any,
        nn_data: Any,
        nn_num: np.ndarray,
        rows: np.ndarray,
        cols: np.ndarray,
        steps: Any,
        y_type: Any = None,
        y: Any = None,
    ) -> Any:
        # SMOTE-family hook: remember which input rows each new sample lies between.
        base, pool = self._sources(X, nn_data, y_type)
        self._records.append((base[np.asarray(rows)], pool[np.asarray(nn_num[rows, cols])]))
        method: Callable[..., Any] = super()._generate_samples  # type: ignore[misc]
        if y_type is None and y is None:
            return method(X, nn_data, nn_num, rows, cols, steps)
        return method(X, nn_data, nn_num, rows, cols, steps, y_type, y)

    def _sources(self, X: Any, nn_data: Any, cls: Any) -> tuple[np.ndarray, np.ndarray]:
        """Input rows behind ``X`` (the base rows) and ``nn_data`` (their neighbours) of class ``cls``."""
        class_idx = np.flatnonzero(self._y_fit == cls)
        danger = self.__dict__.get("in_danger_indices")
        base = danger[cls] if danger is not None else class_idx
        pool = class_idx if nn_data.shape[0] == class_idx.size else np.arange(self._n_fit)
        return base, pool

    def _provenance_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        a, b = [np.arange(self._n_fit)], [np.arange(self._n_fit)]
        for base, neighbour in self._records:
            a.append(base)
            b.append(neighbour)
        return np.concatenate(a), np.concatenate(b)


class SMOTE(_SMOTEFamily, _imb.SMOTE):
    """SMOTE over-sampling (imbalanced-learn's), seeded, with pandas round trip and provenance.

    A table with categorical columns (``category``, ``object``, ``string``, ``bool``) is routed
    to :class:`SMOTENC` automatically (``routed_to_`` says so).

    Parameters
    ----------
    k_neighbors : int or estimator
        Neighbours each new row may be interpolated towards (each oversampled class needs at
        least ``k_neighbors + 1`` rows); or, as in imbalanced-learn, a neighbours estimator
        such as ``NearestNeighbors(n_neighbors=k + 1)`` (it counts the row itself; an object
        is not saved in configs).
    sampling_strategy : str, float, dict or callable
        imbalanced-learn's over-sampling ``sampling_strategy``.
    seed : int or None
        multiaug seed; imbalanced-learn gets ``random_state=ma.tabular.random_state(seed)``.
    algorithm : {"auto", "brute", "kd_tree", "ball_tree"}
        Neighbour search. ``"auto"`` with ``n_jobs=None`` is imbalanced-learn's default (the
        identical estimator); anything else hands imbalanced-learn a
        ``NearestNeighbors(algorithm=..., n_jobs=...)``: the same neighbours, faster on large
        tables of low intrinsic dimension (``"kd_tree"``; see ``benchmarks/tabular.py``).
    n_jobs : int or None
        Threads of the neighbour search (``-1``: all cores).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> from sklearn.datasets import load_wine
    >>> X, y = load_wine(return_X_y=True)
    >>> sm = ma.tabular.SMOTE(seed=0)
    >>> X_res, y_res = sm.fit_resample(X, y)
    >>> np.bincount(y), np.bincount(y_res)
    (array([59, 71, 48]), array([71, 71, 71]))
    >>> sm.provenance_[0], sm.provenance_[-1]
    (0, (149, 131))
    """

    _imblearn = _imb.SMOTE
    k_neighbors: Any = param(_Neighbours(1), default=5)

    def _route(self, categorical: list[int]) -> TabularSampler:
        if not categorical:
            return self
        return self._spawn(SMOTENC, categorical_features=categorical, **self.get_params(deep=False))


class SMOTENC(SMOTE, _imb.SMOTENC):
    """SMOTE-NC: SMOTE for tables mixing numeric and categorical columns (imbalanced-learn's).

    Numeric columns are interpolated; each categorical column takes the most frequent value
    among the neighbours.

    Parameters
    ----------
    categorical_features : "auto" or list of int or list of str or list of bool
        ``"auto"``: the DataFrame's ``category``, ``object``, ``string`` and ``bool`` columns
        (or the non-numeric columns of an object array); else column indices, names or a mask.
    categorical_encoder : estimator or None
        Encoder of the categorical columns (``fit_transform``/``inverse_transform``); ``None``:
        imbalanced-learn's ``OneHotEncoder(handle_unknown="ignore")``. Not saved in configs.
    k_neighbors, sampling_strategy, seed, algorithm, n_jobs
        As in :class:`SMOTE`.

    Examples
    --------
    >>> import pandas as pd, multiaug as ma
    >>> from sklearn.datasets import load_wine
    >>> X, y = load_wine(return_X_y=True, as_frame=True)
    >>> X["band"] = pd.cut(X["alcohol"], 3, labels=["low", "mid", "high"])
    >>> X_res, y_res = ma.tabular.SMOTENC(seed=0).fit_resample(X, y)
    >>> X_res.dtypes["band"] == X.dtypes["band"], list(X_res.columns) == list(X.columns)
    (True, True)
    """

    _imblearn = _imb.SMOTENC
    categorical_features: Any = param(_Columns(), default="auto")
    k_neighbors: Any = param(_Neighbours(1), default=5, kw_only=True)  # categorical_features comes first

    categorical_encoder: Any = param(
        _Estimator("fit_transform", "inverse_transform"), default=None, quiet=True
    )

    def _imblearn_params(self) -> tuple[str, ...]:
        return ("categorical_features", "categorical_encoder")

    def _route(self, categorical: list[int]) -> TabularSampler:
        return self

    def _validate_column_types(self, X: Any) -> None:
        n = X.shape[1]
        cf = self.categorical_features
        if isinstance(cf, str):  # "auto": what fit_resample detected
            cats = np.asarray(self._categorical or [], dtype=int)
        elif all(isinstance(v, bool) for v in cf):
            cats = np.flatnonzero(np.asarray(cf, dtype=bool))
        elif all(isinstance(v, numbers.Integral) for v in cf):
            cats = np.asarray(cf, dtype=int)
        else:
            names = list(self.__dict__.get("_columns", []))
            missing = [v for v in cf if v not in names]
            if missing:
                raise InvalidInputError(
                    self.name,
                    "categorical_features",
                    f"names unknown column(s) {missing}",
                    "name columns of the DataFrame, or pass column indices",
                )
            cats = np.asarray([names.index(v) for v in cf], dtype=int)
        if cats.size and (cats.min() < 0 or cats.max() >= n):
            raise InvalidInputError(
                self.name,
                "categorical_features",
                f"has indices outside [0, {n})",
                "pass valid column indices",
            )
        if cats.size == 0 or cats.size == n:
            what = "no categorical" if cats.size == 0 else "only categorical"
            raise InvalidInputError(
                self.name,
                "X",
                f"has {what} columns; SMOTE-NC needs both numeric and categorical columns",
                "use ma.tabular.SMOTE for all-numeric tables, or one-hot encode / use RandomOverSampler "
                "for all-categorical ones",
            )
        self.categorical_features_ = np.sort(cats)
        self.continuous_features_ = np.setdiff1d(np.arange(n), self.categorical_features_)
        if hasattr(X, "tocsc"):  # a sparse matrix is numeric throughout
            return
        for j in self.continuous_features_:
            column = X.iloc[:, j] if _frame.is_frame(X) else np.asarray(X)[:, j]
            try:
                np.asarray(column, dtype=np.float64)
            except (TypeError, ValueError):
                columns = self.__dict__.get("_frame_columns") or self.__dict__.get("_columns")
                name = columns[j] if columns else int(j)
                raise InvalidInputError(
                    self.name,
                    "categorical_features",
                    f"leaves out column {name!r}, which is not numeric; SMOTE-NC interpolates every "
                    "column not listed",
                    f"add {name!r} to categorical_features (or pass categorical_features='auto')",
                ) from None

    def _check_X(self, X: Any, options: dict[str, Any]) -> Data:
        self.__dict__["_columns"] = list(X.columns) if _frame.is_frame(X) else []
        return super()._check_X(X, options)

    def _run_template(
        self, X: Any, y: Any, params: dict[str, Any], categorical: Any, planned: tuple[Any, dict[Any, int]]
    ) -> tuple[Any, Any]:
        if isinstance(self.categorical_features, str) and not categorical:
            raise InvalidInputError(
                self.name,
                "X",
                "has no categorical columns to detect (categorical_features='auto')",
                "pass a DataFrame with 'category'/object/bool columns, an object array with strings, "
                "or categorical_features=[column indices]; use ma.tabular.SMOTE for all-numeric tables",
            )
        return super()._run_template(X, y, params, categorical, planned)


class BorderlineSMOTE(_SMOTEFamily, _imb.BorderlineSMOTE):
    """Borderline-SMOTE (imbalanced-learn's): interpolates only from minority rows in danger.

    Parameters
    ----------
    k_neighbors : int or estimator
        Neighbours used to build new rows.
    m_neighbors : int or estimator
        Neighbours used to decide whether a row is in danger.
    kind : {"borderline-1", "borderline-2"}
        Borderline-2 may also interpolate towards rows of other classes (provenance then
        names a row of another class as the neighbour).
    sampling_strategy, seed, algorithm, n_jobs
        As in :class:`SMOTE`.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> from sklearn.datasets import load_breast_cancer
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_res, y_res = ma.tabular.BorderlineSMOTE(seed=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([357, 357])
    """

    _imblearn = _imb.BorderlineSMOTE
    _table_neighbors_params = ("m_neighbors",)
    k_neighbors: Any = param(_Neighbours(1), default=5)
    m_neighbors: Any = param(_Neighbours(1), default=10)
    kind: str = param(Choice("borderline-1", "borderline-2"), default="borderline-1")

    def _imblearn_params(self) -> tuple[str, ...]:
        return ("m_neighbors", "kind")

    def _validate_estimator(self) -> None:
        super()._validate_estimator()
        self.nn_m_ = _neighbors(self._search("m_neighbors"), 1)
