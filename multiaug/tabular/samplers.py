"""imbalanced-learn's over-samplers with multiaug seeds, configs, pandas round trips and provenance.

Each class *is* the imbalanced-learn sampler of the same name (it inherits it), so the
algorithm, the ``sampling_strategy`` semantics and the validation are imbalanced-learn's own;
multiaug adds:

* ``seed`` instead of ``random_state``: the sampler hands imbalanced-learn the 32-bit
  ``random_state`` given by :func:`random_state` (``seed=None``: OS entropy drawn once per
  object and kept in its pickles and deep copies), so
  ``SMOTE(seed=s)`` gives exactly ``imblearn.over_sampling.SMOTE(random_state=random_state(s))``;
* registry name, ``to_config``/``from_config`` and ``fingerprint`` like every transform;
* pandas in -> pandas out with column names, order and dtypes kept, integer columns rounded,
  ``category``/``object``/``string``/``bool`` columns routed to SMOTE-NC;
* ``provenance_``: for every output row its source row (an int) or, for an interpolated row,
  the pair ``(base, neighbour)`` of rows it lies between;
* ``trace_``: the JSON-able record of what the call did;
* ``InvalidInputError`` (naming the sampler, the field and the fix) for bad input.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, ClassVar, NoReturn

import numpy as np
from imblearn import over_sampling as _imb
from imblearn.base import SamplerMixin

from ..core import random as _random
from ..core.errors import InvalidInputError
from ..core.oversample import SamplingStrategy
from ..core.params import Choice, Seed, Spec, _show
from ..core.transform import Transform
from . import _frame

__all__ = [
    "ADASYN",
    "SMOTE",
    "SMOTENC",
    "BorderlineSMOTE",
    "RandomOverSampler",
    "TabularSampler",
    "random_state",
]

_RANDOM_STATE_TAG = _random.TAGS["imblearn"]


def random_state(seed: int) -> int:
    """The imbalanced-learn ``random_state`` (a 32-bit int) that multiaug's ``seed`` stands for.

    ``random_state = splitmix64(splitmix64(seed) + tag) >> 32`` (see ``docs/core.md`` for
    ``splitmix64``): a pure integer function, the same on every machine.

    Examples
    --------
    >>> import multiaug as ma
    >>> ma.tabular.random_state(0) == ma.tabular.random_state(0) != ma.tabular.random_state(1)
    True
    >>> 0 <= ma.tabular.random_state(0) < 2**32
    True
    """
    return _derive(_random.seed_to_int(seed, "random_state"))


def _derive(seed64: int) -> int:
    return _random.mix(seed64, _RANDOM_STATE_TAG) >> 32


def _random_state_refused(owner: str) -> InvalidInputError:
    return InvalidInputError(
        owner,
        "random_state",
        "is not a parameter of multiaug's samplers (they take a multiaug `seed`)",
        "pass seed=s instead: seed=s gives imbalanced-learn's random_state=ma.tabular.random_state(s), "
        "so ma.tabular.SMOTE(seed=s) equals imblearn's SMOTE(random_state=ma.tabular.random_state(s))",
    )


# ---------------------------------------------------------------------- parameter specs
#: Neighbour counts and ``n_jobs`` are C ints in scikit-learn; larger values fail deep inside it.
_INT_MAX = 2**31 - 1


class _Int(Spec):
    """An ``int`` (not a float, not a bool) in ``[low, 2**31 - 1]``."""

    def __init__(self, low: int = 1, optional: bool = False) -> None:
        self.low, self.optional = low, optional
        self.doc = f"an int in [{low}, {_INT_MAX}]" + (" or None" if optional else "")

    def resolve(self, owner: str, name: str, value: Any) -> int | None:
        if value is None and self.optional:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Integral)
            or not self.low <= int(value) <= _INT_MAX
        ):
            raise self.fail(owner, name, value, f"pass {name}={max(self.low, 5)}")
        return int(value)


class _Shrinkage(Spec):
    doc = "None or a number >= 0"

    def resolve(self, owner: str, name: str, value: Any) -> float | None:
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not 0 <= float(value) < float("inf")
        ):
            raise self.fail(owner, name, value, "pass shrinkage=None (exact copies) or e.g. shrinkage=0.5")
        return float(value)


class _Jobs(Spec):
    doc = "None, -1 or an int >= 1"

    def resolve(self, owner: str, name: str, value: Any) -> int | None:
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Integral)
            or value == 0
            or not -1 <= int(value) <= _INT_MAX
        ):
            raise self.fail(owner, name, value, "pass n_jobs=None (one core), 2, or -1 (all cores)")
        return int(value)


# ---------------------------------------------------------------------- recording helpers
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


# ---------------------------------------------------------------------- the base
class TabularSampler(Transform):
    """Base of multiaug's tabular samplers (imbalanced-learn samplers with multiaug seeds).

    Subclasses also inherit the imbalanced-learn sampler they wrap, which supplies the
    algorithm and ``fit_resample``'s template (validation, ``sampling_strategy_``, container
    types). Samplers work on whole datasets: calling one on a single sample raises
    :class:`~multiaug.InvalidInputError`.
    """

    modality: ClassVar[str] = "tabular"
    _abstract: ClassVar[bool] = True
    _dataset_level: ClassVar[bool] = True
    #: The imbalanced-learn class this sampler is.
    _imblearn: ClassVar[type] = object
    #: Name of the neighbour-count parameter (``None``: no neighbours).
    _neighbors_param: ClassVar[str | None] = None
    #: Neighbour counts searched among all rows (not within a class), checked against the row count.
    _table_neighbors_params: ClassVar[tuple[str, ...]] = ()
    #: NaN passes through (random over-sampling copies rows and never computes with them).
    _allow_nan: ClassVar[bool] = False
    #: New rows interpolate between two rows (provenance pairs) rather than copy one.
    _pairs: ClassVar[bool] = True
    _parameters: ClassVar[dict[str, Spec]] = {"seed": Seed(), "sampling_strategy": SamplingStrategy()}
    sampling_strategy: Any
    #: Rows added per class by the last ``fit_resample`` (set by imbalanced-learn's template).
    sampling_strategy_: dict[Any, int]

    def __new__(cls, *args: Any, **kwargs: Any) -> TabularSampler:
        if "random_state" in kwargs:
            raise _random_state_refused(cls.registry_name or cls.__name__)
        return super().__new__(cls)

    def set_params(self, **params: Any) -> TabularSampler:
        """Set constructor parameters (``random_state`` is refused: set ``seed``)."""
        if "random_state" in params:
            raise _random_state_refused(self.name)
        super().set_params(**params)
        return self

    # imbalanced-learn reads ``self.random_state``; it is derived from ``seed``, never stored.
    @property
    def random_state(self) -> Any:
        """The imbalanced-learn ``random_state`` this sampler's ``seed`` stands for."""
        override = self.__dict__.get("_random_state_override")
        if override is not None:
            return override
        return _derive(self._plan.seed64)

    def __call__(
        self, *_args: Any, key: int | str | None = None, epoch: int = 0, trace: bool = False, **sample: Any
    ) -> NoReturn:
        raise InvalidInputError(
            self.name,
            "sample",
            "cannot be resampled alone: a sampler works on a whole dataset",
            "call fit_resample(X, y) on the table (or put the sampler in an imblearn.pipeline.Pipeline)",
        )

    def to_imblearn(self) -> Any:
        """The equivalent plain imbalanced-learn sampler (same output for the same data).

        Examples
        --------
        >>> import multiaug as ma
        >>> ma.tabular.SMOTE(k_neighbors=3, seed=0).to_imblearn()  # doctest: +ELLIPSIS
        SMOTE(k_neighbors=3, random_state=...)
        """
        r = self._r
        kwargs: dict[str, Any] = {"sampling_strategy": r.sampling_strategy, "random_state": self.random_state}
        for name in self._imblearn_params():
            kwargs[name] = getattr(r, name)
        if self._neighbors_param is not None:
            kwargs[self._neighbors_param] = self._search(getattr(r, self._neighbors_param))
        if "m_neighbors" in kwargs:
            kwargs["m_neighbors"] = self._search(r.m_neighbors)
        return self._imblearn(**kwargs)

    def _imblearn_params(self) -> tuple[str, ...]:
        return ()

    def _search(self, k: int) -> Any:
        """``k`` (imbalanced-learn's default search) or a NearestNeighbors with the chosen algorithm."""
        r = self._r
        algorithm = getattr(r, "algorithm", "auto")
        n_jobs = getattr(r, "n_jobs", None)
        if algorithm == "auto" and n_jobs is None:
            return k
        from sklearn.neighbors import NearestNeighbors

        return NearestNeighbors(n_neighbors=k + 1, algorithm=algorithm, n_jobs=n_jobs)

    # ------------------------------------------------------------------ fit_resample
    def fit_resample(self, X: Any, y: Any, **params: Any) -> tuple[Any, Any]:
        """Resample ``(X, y)``: the originals in input order, then the new rows.

        ``X`` is a 2-D array, a sparse matrix, a list of rows or a DataFrame (returned as the
        same type; a DataFrame keeps its columns, their order and dtypes, with a new
        ``RangeIndex``). After the call ``provenance_`` names the source row(s) of every output
        row and ``trace_`` records the call.
        """
        _ = self._r  # our parameter checks first, with multiaug's errors
        for name in [n for n in self.__dict__ if n.endswith("_") and not n.startswith("_")]:
            del self.__dict__[name]
        self.__dict__.pop("_parents", None)
        self.__dict__["_frame_columns"] = list(X.columns) if _frame.is_frame(X) else None
        if _frame.is_frame(X):
            if self._allow_nan:  # rows are copied as they are: any dtype, NaN included
                self._precheck(X, y, X.shape[0])
                return self._run_template(X, y, params)
            kinds = _frame.column_kinds(self.name, X)
            n = X.shape[0]
            if n == 0:
                raise InvalidInputError(self.name, "X", "has no rows", "pass a non-empty table")
            categorical = [j for j, k in enumerate(kinds) if k == _frame.CATEGORY]
            runner = self._route(categorical)
            runner._precheck(X, y, n)
            arr = _frame.frame_to_array(X, kinds)
            X_res, y_res = runner._run_template(arr, y, params, categorical=categorical)
            self._adopt(runner)
            if all(isinstance(c, str) for c in X.columns):
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            return _frame.rebuild_frame(np.asarray(X_res), X, kinds), y_res
        arr, n = _frame.check_array_input(self.name, X, self._allow_nan)
        categorical = [] if self._allow_nan else _frame.categorical_columns_of_array(arr)
        runner = self._route(categorical)
        runner._precheck(arr, y, n)
        X_res, y_res = runner._run_template(X, y, params, categorical=categorical)
        self._adopt(runner)
        return X_res, y_res

    def _route(self, categorical: list[int]) -> TabularSampler:
        """The sampler that handles a table with these categorical columns (``self`` by default)."""
        if categorical:
            raise InvalidInputError(
                self.name,
                "X",
                f"has categorical (non-numeric) column(s) {self._column_names(categorical)}, "
                f"which {type(self).__name__} "
                "cannot interpolate",
                "use ma.tabular.SMOTENC (or SMOTE, which routes such tables to SMOTE-NC), "
                "or one-hot encode those columns first",
            )
        return self

    def _column_names(self, columns: list[int]) -> list[Any]:
        """Columns as the caller knows them: a DataFrame's names, else positions."""
        names = self.__dict__.get("_frame_columns")
        return [names[j] for j in columns] if names is not None else list(columns)

    def _adopt(self, runner: TabularSampler) -> None:
        if runner is not self:
            for name, value in runner.__dict__.items():
                if (name.endswith("_") and not name.startswith("_")) or name in ("_parents", "_n_fit"):
                    self.__dict__[name] = value
            self.routed_to_ = runner.name

    def _precheck(self, X: Any, y: Any, n: int) -> None:
        """Clear errors for the bad inputs imbalanced-learn would reject obscurely (or not at all)."""
        from imblearn.utils import check_sampling_strategy, check_target_type
        from sklearn.utils.multiclass import check_classification_targets

        if y is None or not hasattr(y, "__len__"):
            raise InvalidInputError(self.name, "y", f"must be a sequence of labels, got {y!r}", "pass y")
        if len(y) != n:
            raise InvalidInputError(
                self.name, "y", f"has {len(y)} labels for {n} rows of X", "give exactly one label per row"
            )
        if n == 0:
            raise InvalidInputError(self.name, "X", "has no rows", "pass a non-empty table")
        try:
            check_classification_targets(y)
            y1, _ = check_target_type(y, indicate_one_vs_all=True)
            y1 = np.asarray(y1)
            strategy = check_sampling_strategy(self._r.sampling_strategy, y1, "over-sampling")
        except InvalidInputError:
            raise
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(
                self.name,
                "y",
                f"cannot be over-sampled with sampling_strategy={self.sampling_strategy!r}: {exc}",
                "pass class labels (at least two classes) and a sampling_strategy that adds rows "
                "to minority classes, e.g. 'auto'",
            ) from exc
        if self._neighbors_param is None:
            return
        for name in self._table_neighbors_params:  # searched among all rows of X
            m = getattr(self._r, name)
            if n < m + 1:
                raise InvalidInputError(
                    self.name,
                    name,
                    f"is {m}, but X has {n} row(s) and {name}={m} needs at least {m + 1}",
                    f"pass {name}={max(n - 1, 1)} or fewer, or collect more rows",
                )
        k = getattr(self._r, self._neighbors_param)
        for cls, n_new in strategy.items():
            count = int(np.count_nonzero(y1 == cls))
            cls = cls.item() if isinstance(cls, np.generic) else cls
            if n_new > 0 and count < k + 1:
                fix = (
                    f"pass {self._neighbors_param}={count - 1} or fewer"
                    if count > 1
                    else "use ma.tabular.RandomOverSampler (it copies rows)"
                )
                raise InvalidInputError(
                    self.name,
                    "y",
                    f"class {cls!r} has {count} row(s) but {self._neighbors_param}={k} "
                    f"needs at least {k + 1}",
                    f"{fix}, collect more rows of class {cls!r}, or leave it out of sampling_strategy",
                )

    def _run_template(
        self, X: Any, y: Any, params: dict[str, Any], categorical: Any = None
    ) -> tuple[Any, Any]:
        """imbalanced-learn's ``fit_resample`` on ``self``; errors it raises become multiaug's."""
        self._categorical = categorical
        try:
            out = SamplerMixin.fit_resample(self, X, y, **params)
        except MemoryError as exc:
            raise InvalidInputError(
                self.name,
                "sampling_strategy",
                f"asks for more new rows than fit in memory ({self.sampling_strategy!r})",
                "ask for fewer rows per class (e.g. sampling_strategy='auto')",
            ) from exc
        except (ValueError, RuntimeError) as exc:
            if isinstance(exc, InvalidInputError):
                raise
            raise InvalidInputError(
                self.name,
                "X",
                f"could not be resampled: {exc}",
                "check the table and the parameters named above",
            ) from exc
        self.trace_ = {
            "transform": self.name,
            "params": {
                "random_state": int(self.random_state),
                "sampling_strategy": {str(k): int(v) for k, v in self.sampling_strategy_.items()},
                "imblearn": f"{self._imblearn.__module__.split('._')[0]}.{self._imblearn.__name__}",
            },
        }
        return out[0], out[1]

    def _fit_resample(self, X: Any, y: Any, **params: Any) -> Any:
        self._records: list[tuple[Any, np.ndarray, np.ndarray, int]] = []
        self._n_fit = X.shape[0]
        self._y_fit = np.asarray(y)
        out = super()._fit_resample(X, y, **params)  # type: ignore[misc]  # imbalanced-learn's algorithm
        self._parents = self._provenance_arrays()
        return out

    def _provenance_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(first parent, second parent) of every output row; equal for single-source rows."""
        raise NotImplementedError

    @property
    def provenance_(self) -> list[int | tuple[int, int]]:
        """Source row(s) of every output row of the last ``fit_resample``.

        Originals point to themselves (``i``); a copied row names its source (an int); an
        interpolated row names ``(base, neighbour)``, the two rows it lies between.
        """
        parents = self.__dict__.get("_parents")
        if parents is None:
            raise AttributeError("provenance_ exists after fit_resample")
        a, b = parents
        n = self._n_fit
        head: list[int | tuple[int, int]] = list(range(n))
        if not self._pairs:
            return head + a[n:].tolist()
        return head + list(zip(a[n:].tolist(), b[n:].tolist(), strict=True))

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
        # SMOTE-family hook: remember which rows each new sample interpolates between.
        self._records.append(
            (y_type, np.asarray(rows), np.asarray(nn_num[rows, cols]), int(nn_data.shape[0]))
        )
        method: Callable[..., Any] = super()._generate_samples  # type: ignore[misc]
        if y_type is None and y is None:
            return method(X, nn_data, nn_num, rows, cols, steps)
        return method(X, nn_data, nn_num, rows, cols, steps, y_type, y)

    def _smote_parents(self) -> tuple[np.ndarray, np.ndarray]:
        n, y = self._n_fit, self._y_fit
        a, b = [np.arange(n)], [np.arange(n)]
        danger = self.__dict__.get("in_danger_indices")
        for cls, rows, nbrs, n_nn in self._records:
            class_idx = np.flatnonzero(y == cls)
            base = danger[cls] if danger is not None else class_idx
            pool = class_idx if n_nn == class_idx.size else np.arange(n)
            a.append(base[rows])
            b.append(pool[nbrs])
        return np.concatenate(a), np.concatenate(b)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for name in ("_records", "_y_fit", "_categorical", "_random_state_override", "_frame_columns"):
            state.pop(name, None)
        return state


# ---------------------------------------------------------------------- the samplers
_NEIGHBOR_SPECS: dict[str, Spec] = {
    "algorithm": Choice("auto", "brute", "kd_tree", "ball_tree"),
    "n_jobs": _Jobs(),
}


class SMOTE(TabularSampler, _imb.SMOTE):
    """SMOTE over-sampling (imbalanced-learn's), seeded, with pandas round trip and provenance.

    A table with categorical columns (``category``, ``object``, ``string``, ``bool``) is routed
    to :class:`SMOTENC` automatically (``routed_to_`` says so).

    Parameters
    ----------
    k_neighbors : int
        Neighbours each new row may be interpolated towards (each oversampled class needs at
        least ``k_neighbors + 1`` rows).
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
    _neighbors_param = "k_neighbors"
    _parameters: ClassVar[dict[str, Spec]] = {"k_neighbors": _Int(1), **_NEIGHBOR_SPECS}

    def __init__(
        self,
        k_neighbors: int = 5,
        sampling_strategy: Any = "auto",
        seed: int | None = None,
        algorithm: str = "auto",
        n_jobs: int | None = None,
    ) -> None:
        self.k_neighbors = k_neighbors
        self.sampling_strategy = sampling_strategy
        self.seed = seed
        self.algorithm = algorithm
        self.n_jobs = n_jobs

    def _validate_estimator(self) -> None:
        self.nn_k_ = _neighbors(self._search(self._r.k_neighbors), 1)

    def _route(self, categorical: list[int]) -> TabularSampler:
        if not categorical:
            return self
        nc = SMOTENC(
            categorical_features=categorical,
            k_neighbors=self.k_neighbors,
            sampling_strategy=self.sampling_strategy,
            seed=self.seed,
            algorithm=self.algorithm,
            n_jobs=self.n_jobs,
        )
        if self.seed is None:  # the same entropy, so the same draws
            nc.__dict__["_auto_seed"] = self._entropy_seed()
        return nc

    def _provenance_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self._smote_parents()


class SMOTENC(SMOTE, _imb.SMOTENC):
    """SMOTE-NC: SMOTE for tables mixing numeric and categorical columns (imbalanced-learn's).

    Numeric columns are interpolated; each categorical column takes the most frequent value
    among the neighbours.

    Parameters
    ----------
    categorical_features : "auto" or list of int or list of str or list of bool
        ``"auto"``: the DataFrame's ``category``, ``object``, ``string`` and ``bool`` columns
        (or the non-numeric columns of an object array); else column indices, names or a mask.
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
    _parameters: ClassVar[dict[str, Spec]] = {"categorical_features": Spec()}

    def __init__(
        self,
        categorical_features: Any = "auto",
        k_neighbors: int = 5,
        sampling_strategy: Any = "auto",
        seed: int | None = None,
        algorithm: str = "auto",
        n_jobs: int | None = None,
    ) -> None:
        self.categorical_features = categorical_features
        self.k_neighbors = k_neighbors
        self.sampling_strategy = sampling_strategy
        self.seed = seed
        self.algorithm = algorithm
        self.n_jobs = n_jobs

    @property
    def categorical_encoder(self) -> None:
        """imbalanced-learn's default one-hot encoder is always used."""
        return None

    def _imblearn_params(self) -> tuple[str, ...]:
        return ("categorical_features",)

    def _finalize(self, r: Any) -> None:
        cf = r.categorical_features
        ok = (
            cf == "auto"
            if isinstance(cf, str)
            else (isinstance(cf, (list, tuple)) and all(isinstance(v, (numbers.Integral, str)) for v in cf))
        )
        if not ok:
            raise InvalidInputError(
                self.name,
                "categorical_features",
                f"must be 'auto' or a list of column indices, names or booleans, got {_show(cf)}",
                "pass categorical_features='auto' or e.g. [0, 3]",
            )
        if not isinstance(cf, str) and not cf:
            raise InvalidInputError(
                self.name,
                "categorical_features",
                "is empty; SMOTE-NC needs at least one categorical column",
                "name the categorical columns, or use ma.tabular.SMOTE for an all-numeric table",
            )

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

    def _validate_estimator(self) -> None:
        SMOTE._validate_estimator(self)

    def fit_resample(self, X: Any, y: Any, **params: Any) -> tuple[Any, Any]:
        self.__dict__["_columns"] = list(X.columns) if _frame.is_frame(X) else []
        return super().fit_resample(X, y, **params)

    def _run_template(
        self, X: Any, y: Any, params: dict[str, Any], categorical: Any = None
    ) -> tuple[Any, Any]:
        if isinstance(self.categorical_features, str) and not categorical:
            raise InvalidInputError(
                self.name,
                "X",
                "has no categorical columns to detect (categorical_features='auto')",
                "pass a DataFrame with 'category'/object/bool columns, an object array with strings, "
                "or categorical_features=[column indices]; use ma.tabular.SMOTE for all-numeric tables",
            )
        return super()._run_template(X, y, params, categorical)


class BorderlineSMOTE(TabularSampler, _imb.BorderlineSMOTE):
    """Borderline-SMOTE (imbalanced-learn's): interpolates only from minority rows in danger.

    Parameters
    ----------
    k_neighbors : int
        Neighbours used to build new rows.
    m_neighbors : int
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
    _neighbors_param = "k_neighbors"
    _table_neighbors_params = ("m_neighbors",)
    _parameters: ClassVar[dict[str, Spec]] = {
        "k_neighbors": _Int(1),
        "m_neighbors": _Int(1),
        "kind": Choice("borderline-1", "borderline-2"),
        **_NEIGHBOR_SPECS,
    }

    def __init__(
        self,
        k_neighbors: int = 5,
        m_neighbors: int = 10,
        kind: str = "borderline-1",
        sampling_strategy: Any = "auto",
        seed: int | None = None,
        algorithm: str = "auto",
        n_jobs: int | None = None,
    ) -> None:
        self.k_neighbors = k_neighbors
        self.m_neighbors = m_neighbors
        self.kind = kind
        self.sampling_strategy = sampling_strategy
        self.seed = seed
        self.algorithm = algorithm
        self.n_jobs = n_jobs

    def _imblearn_params(self) -> tuple[str, ...]:
        return ("m_neighbors", "kind")

    def _validate_estimator(self) -> None:
        self.nn_k_ = _neighbors(self._search(self._r.k_neighbors), 1)
        self.nn_m_ = _neighbors(self._search(self._r.m_neighbors), 1)

    def _provenance_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self._smote_parents()


class ADASYN(TabularSampler, _imb.ADASYN):
    """ADASYN (imbalanced-learn's): more new rows where the minority class is harder to learn.

    Parameters
    ----------
    n_neighbors : int
        Neighbours used both to weigh rows and to interpolate.
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
    _parameters: ClassVar[dict[str, Spec]] = {"n_neighbors": _Int(1), **_NEIGHBOR_SPECS}

    def __init__(
        self,
        n_neighbors: int = 5,
        sampling_strategy: Any = "auto",
        seed: int | None = None,
        algorithm: str = "auto",
        n_jobs: int | None = None,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.sampling_strategy = sampling_strategy
        self.seed = seed
        self.algorithm = algorithm
        self.n_jobs = n_jobs

    def _validate_estimator(self) -> None:
        self.nn_ = _RecordingNeighbors(_neighbors(self._search(self._r.n_neighbors), 1))

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
    _parameters: ClassVar[dict[str, Spec]] = {"shrinkage": _Shrinkage()}

    def __init__(
        self, sampling_strategy: Any = "auto", seed: int | None = None, shrinkage: float | None = None
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.seed = seed
        self.shrinkage = shrinkage

    def _imblearn_params(self) -> tuple[str, ...]:
        return ("shrinkage",)

    def _provenance_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        idx = np.asarray(self.sample_indices_)
        return idx, idx

    def _run_template(
        self, X: Any, y: Any, params: dict[str, Any], categorical: Any = None
    ) -> tuple[Any, Any]:
        X_res, y_res = super()._run_template(X, y, params, categorical)
        if _frame.is_frame(X):  # exact rows, exact dtypes
            X_res = X.iloc[self.sample_indices_].reset_index(drop=True)
        return X_res, y_res


def _neighbors(obj: Any, extra: int) -> Any:
    from imblearn.utils import check_neighbors_object

    return check_neighbors_object("n_neighbors", obj, additional_neighbor=extra)
