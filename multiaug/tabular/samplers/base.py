"""What every tabular sampler shares: the ``seed`` -> ``random_state`` map, parameter specs, the base.

:class:`TabularSampler` runs multiaug's dataset template (:class:`multiaug.sampling.Resampler`)
around imbalanced-learn's own ``fit_resample``; the samplers themselves live one family per
module (:mod:`.smote`, :mod:`.adasyn`, :mod:`.random_over`).
"""

from __future__ import annotations

import numbers
from collections import OrderedDict
from typing import Any, ClassVar

import numpy as np
from imblearn.utils._validation import ArraysTransformer
from sklearn.base import _fit_context
from sklearn.preprocessing import label_binarize

from ...core import random as _random
from ...core.errors import InvalidInputError
from ...core.params import Choice, Spec, param
from ...core.transform import Transform
from ...sampling.base import Data, Resampler
from ...sampling.strategy import SamplingStrategy, rows_to_add
from .. import _frame

__all__ = ["TabularSampler", "random_state"]

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


class SamplerRuntimeError(InvalidInputError, RuntimeError):
    """An :class:`~multiaug.InvalidInputError` where imbalanced-learn raises ``RuntimeError``.

    Code written for imbalanced-learn that catches ``RuntimeError`` (k-means SMOTE finding
    no cluster to sample from, an ``svm_estimator`` without support vectors) still catches it.
    """


# ---------------------------------------------------------------------- parameter specs
#: Neighbour counts and ``n_jobs`` are C ints in scikit-learn; larger values fail deep inside it.
_INT_MAX = 2**31 - 1


class _Int(Spec):
    """An ``int`` (not a float, not a bool) in ``[low, 2**31 - 1]``, or one of the values ``also``."""

    def __init__(self, low: int = 1, also: tuple[int | None, ...] = (), fix: str | None = None) -> None:
        self.low, self.also, self.fix = low, also, fix
        self.doc = "".join(f"{v!r}, " for v in also[:-1]) + "".join(f"{v!r} or " for v in also[-1:])
        self.doc += f"an int in [{low}, {_INT_MAX}]"

    def invalid(self) -> list[Any]:
        out: list[Any] = [2.5, float(self.low), "5", True, _INT_MAX + 1]
        return out + [v for v in (self.low - 1, -2, None) if v not in self.also]

    def resolve(self, owner: str, name: str, value: Any) -> int | None:
        fix = self.fix or f"pass {name}={max(self.low, 5)}"
        if value is None and None in self.also:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.fail(owner, name, value, fix)
        if int(value) not in self.also and not self.low <= int(value) <= _INT_MAX:
            raise self.fail(owner, name, value, fix)
        return int(value)


def _is_neighbors_object(value: Any) -> bool:
    return hasattr(value, "kneighbors") and hasattr(value, "kneighbors_graph") and not isinstance(value, type)


class _Neighbours(_Int):
    """A neighbour count, or (as in imbalanced-learn) a neighbours estimator such as ``NearestNeighbors``."""

    def __init__(self, low: int = 1) -> None:
        super().__init__(low)
        self.doc += " or an estimator with kneighbors/kneighbors_graph (e.g. NearestNeighbors)"

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        if _is_neighbors_object(value):
            return value
        return super().resolve(owner, name, value)


class _Estimator(Spec):
    """``None`` or an object with the given methods (a scikit-learn estimator passed as a parameter)."""

    def __init__(self, *methods: str, also_int: bool = False) -> None:
        self.methods, self.also_int = methods, also_int
        self.doc = (
            "None, " + ("an int >= 1, " if also_int else "") + "or an estimator with " + "/".join(methods)
        )

    def invalid(self) -> list[Any]:
        return ["auto", 1.5, True, [1]] + ([] if self.also_int else [3])

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        if value is None or (not isinstance(value, type) and all(hasattr(value, m) for m in self.methods)):
            return value
        if self.also_int and isinstance(value, numbers.Integral) and not isinstance(value, bool):
            if 1 <= int(value) <= _INT_MAX:
                return int(value)
        raise self.fail(owner, name, value)


# ---------------------------------------------------------------------- the base
class TabularSampler(Resampler, Transform):
    """Base of multiaug's tabular samplers (imbalanced-learn samplers with multiaug seeds).

    Subclasses also inherit the imbalanced-learn sampler they wrap, which supplies the
    algorithm (its own ``fit_resample`` makes the rows). ``fit_resample`` is multiaug's
    dataset template (:class:`~multiaug.sampling.Resampler`): the table is validated and its
    column kinds read, the rows to add per class planned (imbalanced-learn's
    ``sampling_strategy``) and checked against the neighbour counts, the rows made, the
    caller's container restored (a DataFrame keeps its columns and dtypes) and
    ``provenance_`` recorded: originals point to themselves (``i``), a copied row names its
    source (an int), an interpolated row ``(base, neighbour)``, the two rows it lies between.
    Samplers work on whole datasets: calling one on a single
    sample raises :class:`~multiaug.InvalidInputError`.
    """

    modality: ClassVar[str] = "tabular"
    _abstract: ClassVar[bool] = True
    _dataset_level: ClassVar[bool] = True
    #: ``y`` is required; scikit-learn's target checks read the classes when planning.
    _labels = (True, False)
    #: The imbalanced-learn class this sampler is.
    _imblearn: ClassVar[type] = object
    #: Name of the neighbour-count parameter (``None``: no neighbours).
    _neighbors_param: ClassVar[str | None] = None
    #: Neighbour counts searched among all rows (not within a class), checked against the row count.
    _table_neighbors_params: ClassVar[tuple[str, ...]] = ()
    #: ``n_jobs`` is the imbalanced-learn sampler's own parameter (not only the neighbour search's).
    _own_n_jobs: ClassVar[bool] = False
    #: imbalanced-learn errors (by words of their message) that a parameter causes: (field, fix).
    _known_failures: ClassVar[dict[str, tuple[str, str]]] = {}
    #: NaN passes through (random over-sampling copies rows and never computes with them).
    _allow_nan: ClassVar[bool] = False
    #: New rows interpolate between two rows (provenance pairs) rather than copy one.
    _pairs: ClassVar[bool] = True
    sampling_strategy: Any = param(SamplingStrategy(), default="auto", kw_only=True)

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
        for neighbours in (self._neighbors_param, *self._table_neighbors_params):
            if neighbours is not None:
                kwargs[neighbours] = self._search(neighbours)
        return self._imblearn(**kwargs)

    def _imblearn_params(self) -> tuple[str, ...]:
        return ()

    def _search(self, name: str) -> Any:
        """What imbalanced-learn gets for the neighbour parameter ``name``.

        An int with the default search stays an int (imbalanced-learn's own estimator); with
        ``algorithm``/``n_jobs`` it becomes a ``NearestNeighbors`` searching that way; an
        estimator object passes unchanged (imbalanced-learn clones it).
        """
        r = self._r
        k = getattr(r, name)
        algorithm = getattr(r, "algorithm", "auto")
        n_jobs = getattr(r, "n_jobs", None)
        if _is_neighbors_object(k):
            if algorithm != "auto" or (n_jobs is not None and not self._own_n_jobs):
                raise InvalidInputError(
                    self.name,
                    "algorithm" if algorithm != "auto" else "n_jobs",
                    f"applies to an int {name}, but {name} is an estimator object",
                    f"leave it at its default and set the search on the object you pass as {name}",
                )
            return k
        if algorithm == "auto" and (n_jobs is None or self._own_n_jobs):
            return k
        from sklearn.neighbors import NearestNeighbors

        return NearestNeighbors(n_neighbors=k + 1, algorithm=algorithm, n_jobs=n_jobs)

    # ------------------------------------------------------------------ fit_resample's steps
    def _check_X(self, X: Any, options: dict[str, Any]) -> Data:
        """The table's rows and column kinds, and the sampler that handles its categorical columns."""
        _ = self._r  # our parameter checks first, with multiaug's errors
        self.__dict__["_frame_columns"] = list(X.columns) if _frame.is_frame(X) else None
        kinds, categorical = None, None
        if not _frame.is_frame(X):
            arr, n = _frame.check_array_input(self.name, X, self._allow_nan)
            categorical = [] if self._allow_nan else _frame.categorical_columns_of_array(arr)
        elif self._allow_nan:  # rows are copied as they are: any dtype, NaN included
            n = X.shape[0]
        else:
            kinds = _frame.column_kinds(self.name, X)
            n = X.shape[0]
            categorical = [j for j, k in enumerate(kinds) if k == _frame.CATEGORY]
        if n == 0:
            raise InvalidInputError(self.name, "X", "has no rows", "pass a non-empty table")
        runner = self._route(categorical or [])
        rows = X if kinds is None else _frame.frame_to_array(X, kinds)  # imbalanced-learn reads arrays
        facts = {"kinds": kinds, "categorical": categorical, "runner": runner}
        return Data(X=X, rows=rows, n=n, options=options, facts=facts)

    def _plan_rows(self, data: Data) -> dict[Any, int]:
        """Rows to add per class (imbalanced-learn's), checked against the neighbour counts."""
        runner: TabularSampler = data.facts["runner"]
        labels = data.facts["labels"] = _with_classes(data.y)
        strategy, y = rows_to_add(runner.name, runner._r.sampling_strategy, labels, targets=True)
        runner._check_neighbours(strategy, y, data.n)
        return strategy

    def _make_rows(self, data: Data, plan: dict[Any, int]) -> tuple[Any, Any]:
        runner: TabularSampler = data.facts["runner"]
        planned = (data.facts["labels"], plan)
        out = runner._run_template(data.rows, data.y, data.options, data.facts["categorical"], planned)
        if runner is not self:
            for name, value in runner.__dict__.items():
                if (name.endswith("_") and not name.startswith("_")) or name == "_parents":
                    self.__dict__[name] = value
            self.routed_to_ = runner.name
        return out

    def _restore(self, data: Data, plan: dict[Any, int], new: tuple[Any, Any]) -> tuple[Any, Any]:
        X_res, y_res = new
        kinds, X = data.facts["kinds"], data.X
        if kinds is None:  # imbalanced-learn gave back the caller's container
            return X_res, y_res
        if all(isinstance(c, str) for c in X.columns):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return _frame.rebuild_frame(np.asarray(X_res), X, kinds), y_res

    def _provenance(self, data: Data, plan: dict[Any, int], new: tuple[Any, Any]) -> Any:
        a, b = self.__dict__.pop("_parents")
        return _Lineage(data.n, a[data.n :], b[data.n :] if self._pairs else None)

    # ``provenance_`` is kept as NumPy index arrays and becomes the documented list when read:
    # a list of 100k+ Python ints and tuples costs more than imbalanced-learn's copying.
    @property
    def provenance_(self) -> list[Any]:
        """For every output row its source row (an int) or the rows it was made from (a tuple)."""
        value = self.__dict__.get("_provenance_rows")
        if value is None:
            raise AttributeError(f"{type(self).__name__} has no provenance_ before fit_resample")
        if isinstance(value, _Lineage):
            value = self.__dict__["_provenance_rows"] = value.to_list()
        return value

    @provenance_.setter
    def provenance_(self, value: Any) -> None:
        self.__dict__["_provenance_rows"] = value

    def _forget(self) -> None:
        super()._forget()
        self.__dict__.pop("_provenance_rows", None)

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

    def _spawn(self, cls: type[TabularSampler], **params: Any) -> Any:
        """A ``cls`` sampler with ``params`` that draws what this one draws (``seed=None``: same entropy)."""
        from ...core.plan import forget

        other = cls(**params)
        if params.get("seed") is None:
            other.__dict__["_auto_seed"] = self._entropy_seed()
            forget(other)  # constructing it may have resolved a plan with fresh entropy
        return other

    def _column_names(self, columns: list[int]) -> list[Any]:
        """Columns as the caller knows them: a DataFrame's names, else positions."""
        names = self.__dict__.get("_frame_columns")
        return [names[j] for j in columns] if names is not None else list(columns)

    def _check_neighbours(self, strategy: dict[Any, int], y: np.ndarray, n: int) -> None:
        """Clear errors for neighbour counts the table or a class is too small for."""
        if self._neighbors_param is None:
            return
        for name in self._table_neighbors_params:  # searched among all rows of X
            m = self._neighbour_count(name)
            if m is not None and n < m + 1:
                raise InvalidInputError(
                    self.name,
                    name,
                    f"is {m}, but X has {n} row(s) and {name}={m} needs at least {m + 1}",
                    f"pass {name}={max(n - 1, 1)} or fewer, or collect more rows",
                )
        k = self._neighbour_count(self._neighbors_param)
        for cls, n_new in strategy.items():
            if k is None:
                break
            count = int(np.count_nonzero(y == cls))
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

    def _neighbour_count(self, name: str) -> int | None:
        """Neighbours (besides the row itself) that ``name`` asks for; None if an object does not say."""
        value = getattr(self._r, name)
        if not _is_neighbors_object(value):
            return int(value)
        count = getattr(value, "n_neighbors", None)
        return int(count) - 1 if isinstance(count, numbers.Integral) else None

    def _run_template(
        self, X: Any, y: Any, params: dict[str, Any], categorical: Any, planned: tuple[Any, dict[Any, int]]
    ) -> tuple[Any, Any]:
        """imbalanced-learn's ``fit_resample`` on ``self``; errors it raises become multiaug's.

        ``planned`` is ``(labels, rows to add per class)`` from :meth:`_plan_rows`.
        """
        self._categorical = categorical
        try:
            out = self._resample_planned(X, y, *planned, **params)
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
            field, fix = next(
                ((f, x) for words, (f, x) in self._known_failures.items() if words in str(exc)),
                ("X", "check the table and the parameters named above"),
            )
            kind = SamplerRuntimeError if isinstance(exc, RuntimeError) else InvalidInputError
            raise kind(self.name, field, f"could not be resampled: {exc}", fix) from exc
        self.trace_ = {
            "transform": self.name,
            "params": {
                "random_state": int(self.random_state),
                "sampling_strategy": {str(k): int(v) for k, v in self._strategy_done().items()},
                "imblearn": f"{self._imblearn.__module__.split('._')[0]}.{self._imblearn.__name__}",
            },
        }
        return out[0], out[1]

    @_fit_context(prefer_skip_nested_validation=True)
    def _resample_planned(self, X: Any, y: Any, labels: Any, strategy: dict[Any, int], **params: Any) -> Any:
        """imbalanced-learn's ``SamplerMixin.fit_resample``, step for step, with multiaug's class plan.

        imbalanced-learn would check the labels (``check_classification_targets``) and read
        ``sampling_strategy`` (``check_sampling_strategy``) again: :meth:`_plan_rows` did both,
        on the same labels, so their result is used. ``labels`` is ``y`` with its classes
        attached (:func:`_with_classes`), so the target-type check in ``_check_X_y`` reuses
        them; the algorithm itself gets plain labels.
        """
        arrays = ArraysTransformer(X, y)
        X, y, binarize_y = self._check_X_y(X, labels)  # type: ignore[attr-defined]  # imbalanced-learn's
        y = _without_classes(y)
        self.sampling_strategy_ = OrderedDict(strategy)
        X_res, y_res = self._fit_resample(X, y, **params)
        if binarize_y:
            y_res = label_binarize(y_res, classes=np.unique(y))
        return arrays.transform(X_res, y_res)

    def _strategy_done(self) -> dict[Any, int]:
        """Rows added per class by the last call (imbalanced-learn's ``sampling_strategy_``)."""
        return dict(vars(self)["sampling_strategy_"])

    def _fit_resample(self, X: Any, y: Any, **params: Any) -> Any:
        self._records: list[tuple[np.ndarray, np.ndarray]] = []  # (base rows, neighbour rows)
        self._n_fit = X.shape[0]
        self._y_fit = np.asarray(y)
        out = super()._fit_resample(X, y, **params)  # type: ignore[misc]  # imbalanced-learn's algorithm
        self._parents = self._provenance_arrays()
        return out

    def _provenance_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(first parent, second parent) of every output row; equal for single-source rows."""
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for name in ("_records", "_y_fit", "_categorical", "_random_state_override", "_frame_columns"):
            state.pop(name, None)
        return state


# ---------------------------------------------------------------------- samplers with neighbours
_NEIGHBOR_SPECS: dict[str, Spec] = {
    "algorithm": Choice("auto", "brute", "kd_tree", "ball_tree"),
    "n_jobs": _Int(1, also=(None, -1), fix="pass n_jobs=None (one core), 2, or -1 (all cores)"),
}


class _NeighbourSampler(TabularSampler):
    """A sampler that searches neighbours: ``algorithm`` and ``n_jobs`` as well."""

    _abstract: ClassVar[bool] = True
    algorithm: str = param(_NEIGHBOR_SPECS["algorithm"], default="auto", kw_only=True)
    n_jobs: int | None = param(_NEIGHBOR_SPECS["n_jobs"], default=None, kw_only=True)


class _Lineage:
    """Provenance as index arrays: ``n`` originals, then the new rows' first (and second) parents."""

    __slots__ = ("first", "n", "second")

    def __init__(self, n: int, first: np.ndarray, second: np.ndarray | None) -> None:
        self.n, self.first, self.second = n, first, second

    def to_list(self) -> list[Any]:
        head: list[Any] = list(range(self.n))
        if self.second is None:
            return head + self.first.tolist()
        return head + list(zip(self.first.tolist(), self.second.tolist(), strict=True))


class _Picked(_Lineage):
    """The entries ``kept`` (an index array) of another provenance (a list or a :class:`_Lineage`)."""

    __slots__ = ("kept", "source")

    def __init__(self, source: Any, kept: np.ndarray) -> None:
        self.source, self.kept = source, kept

    def to_list(self) -> list[Any]:
        source = self.source.to_list() if isinstance(self.source, _Lineage) else self.source
        return [source[i] for i in self.kept.tolist()]


def _with_classes(y: Any) -> Any:
    """``y`` with its unique values attached (scikit-learn's ``attach_unique``), if it is an array.

    scikit-learn's target checks, which imbalanced-learn runs twice per call, then reuse them
    instead of sorting the labels again. A view: never hand it back to the caller.
    """
    if not isinstance(y, np.ndarray) or y.dtype.kind == "O":  # objects may not sort: the checks say so
        return y
    try:
        from sklearn.utils._unique import attach_unique
    except ImportError:  # pragma: no cover - scikit-learn < 1.6 checks without the cache
        return y
    return attach_unique(y)


def _without_classes(y: Any) -> Any:
    """``y`` without the attached unique values (a view with the plain dtype)."""
    if isinstance(y, np.ndarray) and y.dtype.metadata:
        return y.view(np.dtype(y.dtype.str))
    return y


def _neighbors(obj: Any, extra: int) -> Any:
    from imblearn.utils import check_neighbors_object

    return check_neighbors_object("n_neighbors", obj, additional_neighbor=extra)
