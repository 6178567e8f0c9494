"""Tables in and out: column kinds, input checks, and rebuilding a DataFrame with its dtypes.

A column is one of four kinds:

* ``"float"``: real-valued (any float dtype, pandas ``Float*`` and sparse float columns);
* ``"int"``: integer (numpy or pandas nullable integer); interpolated values are rounded back;
* ``"category"``: ``category``, ``object``, ``string`` and ``bool`` columns (never interpolated);
* anything else (datetime, timedelta, complex, period, interval...) is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_array_input", "column_kinds", "frame_to_array", "is_frame", "rebuild_frame"]

FLOAT, INT, CATEGORY = "float", "int", "category"


def is_frame(X: Any) -> bool:
    """True for a pandas DataFrame (without importing pandas when it is not loaded)."""
    return type(X).__name__ == "DataFrame" and hasattr(X, "dtypes") and hasattr(X, "iloc")


def _kind(dtype: Any) -> str | None:
    import pandas as pd
    from pandas.api import types as pt

    if isinstance(dtype, pd.SparseDtype):
        dtype = dtype.subtype
    if pt.is_bool_dtype(dtype):
        return CATEGORY
    if isinstance(dtype, pd.CategoricalDtype) or pt.is_object_dtype(dtype) or pt.is_string_dtype(dtype):
        return CATEGORY
    if pt.is_integer_dtype(dtype):
        return INT
    if pt.is_float_dtype(dtype):
        return FLOAT
    return None


def column_kinds(owner: str, X: pd.DataFrame, allow_nan: bool = False) -> list[str]:
    """Kind of every column of ``X``; unsupported dtypes and (unless allowed) missing values raise."""
    kinds = []
    for name, dtype in zip(X.columns, X.dtypes, strict=True):
        kind = _kind(dtype)
        if kind is None:
            raise InvalidInputError(
                owner,
                f"X[{name!r}]",
                f"has dtype {dtype}, which cannot be oversampled",
                "convert it to numbers (e.g. seconds since an epoch) or to a 'category' column, or drop it",
            )
        kinds.append(kind)
    if not allow_nan:
        missing = X.isna().sum()
        bad = [(c, int(n)) for c, n in zip(X.columns, missing, strict=True) if n]
        if bad:
            name, count = bad[0]
            raise InvalidInputError(
                owner,
                f"X[{name!r}]",
                f"has {count} missing value(s) (NaN/None/NA)",
                "impute them first (e.g. sklearn.impute.SimpleImputer as a pipeline step before the sampler) "
                "or drop those rows",
            )
        values = [X.iloc[:, j] for j, k in enumerate(kinds) if k == FLOAT]
        for s in values:
            arr = s.to_numpy(dtype=np.float64)
            if not all_finite(arr):
                raise InvalidInputError(
                    owner, f"X[{s.name!r}]", "holds inf", "replace infinite values or drop those rows"
                )
    return kinds


def frame_to_array(X: pd.DataFrame, kinds: Sequence[str]) -> np.ndarray:
    """float64 array of a numeric frame; an object array (numbers and categories) otherwise."""
    if CATEGORY not in kinds:
        return X.to_numpy(dtype=np.float64)
    out = np.empty(X.shape, dtype=object)
    for j, kind in enumerate(kinds):
        col = X.iloc[:, j]
        out[:, j] = col.to_numpy(dtype=np.float64) if kind != CATEGORY else col.to_numpy(dtype=object)
    return out


def rebuild_frame(values: np.ndarray, X: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with ``X``'s columns, order and dtypes from resampled ``values`` (a new RangeIndex).

    Integer columns are rounded to the nearest integer (an interpolated count stays a count);
    categorical columns get back their exact dtype (categories and order included).
    """
    import pandas as pd

    columns = []
    for j, (kind, dtype) in enumerate(zip(kinds, X.dtypes, strict=True)):
        v = values[:, j]
        if kind == INT:
            s = pd.Series(np.rint(v.astype(np.float64))).astype(dtype)
        elif kind == FLOAT:
            s = pd.Series(v.astype(np.float64)).astype(dtype)
        else:
            s = pd.Series(v, dtype=object).astype(dtype)
        columns.append(s)
    out = pd.concat(columns, axis=1, ignore_index=True) if columns else pd.DataFrame(index=range(len(values)))
    out.columns = X.columns
    return out


def _column_is_categorical(col: np.ndarray) -> bool:
    import numbers

    return any(not isinstance(v, numbers.Real) or isinstance(v, bool) for v in col)


def categorical_columns_of_array(X: Any) -> list[int]:
    """Columns of an object array holding anything but real numbers (strings, booleans...)."""
    if not isinstance(X, np.ndarray) or X.dtype != object:
        return []
    return [j for j in range(X.shape[1]) if _column_is_categorical(X[:, j])]


def all_finite(arr: np.ndarray) -> bool:
    """``np.isfinite(arr).all()`` without a boolean copy of the table in the usual case.

    A finite sum means every value is finite (NaN and inf carry through a sum); only when the
    sum is not finite (a bad value, or finite values whose sum overflows) are the values
    checked one by one (scikit-learn's ``_assert_all_finite`` does the same).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(arr.sum()):
            return True
    return bool(np.isfinite(arr).all())


def check_array_input(owner: str, X: Any, allow_nan: bool) -> tuple[Any, int]:
    """Validate a non-DataFrame ``X`` enough to give clear errors; returns (X as array or sparse, n)."""
    from scipy import sparse

    if sparse.issparse(X):
        if X.ndim != 2:
            raise InvalidInputError(
                owner, "X", f"must be 2-D, got shape {X.shape}", "pass an (n_rows, n_cols) table"
            )
        data = X.data
        if not allow_nan and data.dtype.kind in "fc" and not all_finite(data):
            raise InvalidInputError(
                owner,
                "X",
                "holds NaN or inf",
                "impute missing values first (e.g. SimpleImputer) or drop those rows",
            )
        return X, X.shape[0]
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise InvalidInputError(
            owner, "X", f"is not a table ({exc})", "pass a 2-D array or a DataFrame"
        ) from exc
    if arr.ndim != 2:
        raise InvalidInputError(
            owner,
            "X",
            f"must be 2-D (rows x columns), got shape {arr.shape}",
            "pass X.reshape(-1, 1) for one column",
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InvalidInputError(
            owner, "X", f"is empty (shape {arr.shape})", "pass at least one row and one column"
        )
    if arr.dtype.kind in "US":
        arr = arr.astype(object)
    if arr.dtype.kind not in "biufO":
        raise InvalidInputError(
            owner, "X", f"has dtype {arr.dtype}, which cannot be oversampled", "pass numbers or categories"
        )
    if not allow_nan:
        if arr.dtype.kind == "f":
            bad = None if all_finite(arr) else ~np.isfinite(arr)
        elif arr.dtype.kind == "O":
            import pandas as pd

            bad = np.asarray(pd.isna(arr), dtype=bool)
            for j in range(arr.shape[1]):
                col = arr[:, j]
                if not _column_is_categorical(col):
                    bad[:, j] |= ~np.isfinite(col.astype(np.float64))
        else:
            bad = None
        if bad is not None and bad.any():
            rows, cols = np.nonzero(bad)
            raise InvalidInputError(
                owner,
                "X",
                f"holds {int(bad.sum())} NaN/inf/missing value(s), "
                f"first at row {int(rows[0])}, column {int(cols[0])}",
                "impute them first (e.g. sklearn.impute.SimpleImputer as a pipeline step before the sampler) "
                "or drop those rows",
            )
    return arr, arr.shape[0]
