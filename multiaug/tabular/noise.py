"""Gaussian jitter of the numeric columns of a table (``tabular.GaussianNoise``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..core import random as _random
from ..core.errors import InvalidInputError
from ..core.fields import Field, register_field
from ..core.params import NoiseSeed, Probability, Range, param
from ..core.transform import Transform
from ..core.validation import all_finite, require_at_most
from . import _frame

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GaussianNoise", "add_column_noise", "check_table"]


#: Cells of one array table (16 GiB of float64): the finite-value check reads every cell.
MAX_CELLS = 2**31


def check_table(owner: str, value: Any, sample: Mapping[str, Any]) -> None:
    """The ``table`` field: a non-empty 2-D numeric array, or a DataFrame, without NaN/inf."""
    if _frame.is_frame(value):
        _frame.column_kinds(owner, value)
        if value.shape[0] == 0:
            raise InvalidInputError(owner, "table", "has no rows", "pass a non-empty table")
        return
    if not isinstance(value, np.ndarray):
        raise InvalidInputError(
            owner,
            "table",
            f"must be a 2-D numpy array or a DataFrame, got {type(value).__name__}",
            "pass np.asarray(rows) or a pandas DataFrame",
        )
    if value.ndim != 2 or value.size == 0:
        raise InvalidInputError(
            owner,
            "table",
            f"must be a non-empty 2-D array, got shape {value.shape}",
            "pass an (n_rows, n_cols) array",
        )
    if value.dtype.kind not in "biuf":
        raise InvalidInputError(
            owner,
            "table",
            f"has dtype {value.dtype}; an array table must be numeric",
            "pass a DataFrame for mixed columns (categorical ones are left alone)",
        )
    require_at_most(owner, "table", value.size, MAX_CELLS, "cells", "process the table in parts")
    if value.dtype.kind == "f" and not all_finite(value):
        raise InvalidInputError(owner, "table", "holds NaN or inf", "impute or drop those values first")


register_field(Field("table", "signal", check_table, "table", modality="tabular"))


def _noisy(col: np.ndarray, kind: str, std: float, rng: np.random.Generator) -> np.ndarray:
    values = col.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        spread = float(values.std())
    peak = float(np.abs(values).max()) if values.size else 0.0
    if not np.isfinite(spread) and np.isfinite(peak) and peak > 0:  # values near float max: std overflowed
        spread = float((values / peak).std()) * peak
    scale = spread * std
    noise = rng.standard_normal(values.shape[0]) * scale
    with np.errstate(over="ignore"):
        out = values + noise
    with np.errstate(over="ignore"):
        overflow = kind == _frame.FLOAT and not np.isfinite(out.astype(col.dtype)).all()
    if overflow and np.isfinite(values).all():
        raise InvalidInputError(
            "tabular.GaussianNoise",
            "table",
            f"has values too large for {col.dtype} once noise is added (up to {peak:.3g})",
            "rescale the column (e.g. standardise it) or store it as float64",
        )
    if kind == _frame.INT:
        info = np.iinfo(col.dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return out.astype(col.dtype)


def add_column_noise(table: Any, std: float, seed: int) -> Any:
    """The kernel: add ``N(0, (std * column std)^2)`` to every numeric column of ``table``.

    Float columns keep their dtype; integer columns are rounded (and clipped to their dtype),
    so they stay integers; boolean, categorical, object and string columns are untouched.
    The noise of each column is drawn in column order from the Philox stream ``seed``.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.tabular.noise import add_column_noise
    >>> t = np.array([[1.0, 10], [2.0, 20], [3.0, 30]])
    >>> np.array_equal(add_column_noise(t, 0.0, seed=1), t)
    True
    """
    rng = _random.generator(seed)
    if _frame.is_frame(table):
        kinds = _frame.column_kinds("tabular.GaussianNoise", table)
        out = table.copy()
        for j, kind in enumerate(kinds):
            if kind == _frame.CATEGORY:
                continue
            col = table.iloc[:, j]
            if not isinstance(col.dtype, np.dtype):  # nullable/sparse dtypes: via float64, back to the dtype
                values = col.to_numpy(dtype=np.float64)
                noisy = _noisy(values if kind == _frame.FLOAT else values.astype(np.int64), kind, std, rng)
                out.isetitem(j, _series_like(noisy, col))
            else:
                out.isetitem(j, _series_like(_noisy(col.to_numpy(), kind, std, rng), col))
        return out
    kind = _frame.INT if table.dtype.kind in "iu" else _frame.FLOAT
    if table.dtype.kind == "b":
        return table.copy()
    cols = [_noisy(table[:, j], kind, std, rng) for j in range(table.shape[1])]
    return np.stack(cols, axis=1).astype(table.dtype, copy=False)


def _series_like(values: np.ndarray, like: pd.Series) -> pd.Series:
    import pandas as pd

    return pd.Series(values, index=like.index, name=like.name).astype(like.dtype)


class _Spread(Range):
    """A range that draws only when it is one: a fixed value (``lo == hi``) is taken as it is."""

    def draw(self, rng: np.random.Generator, value: tuple[float, float]) -> float | int:
        lo, hi = value
        return super().draw(rng, value) if hi > lo else lo


class GaussianNoise(Transform):
    """Gaussian jitter of a table's numeric columns, scaled by each column's std.

    Whole-table transform on the ``table`` field (a 2-D numeric array or a DataFrame): column
    ``j`` gets noise with standard deviation ``std * table[:, j].std()``, so a ``std`` of 0.05
    means 5 % of that column's spread whatever its unit. Integer columns are rounded back (and
    stay integers: with a small ``std`` most values do not move); boolean, categorical, object
    and string columns are left alone. ``fit_resample(X, y, copies=N)`` returns the table plus
    ``N`` jittered copies (copy ``c`` is the keyed call ``key=f"copy{c}"``).

    Parameters
    ----------
    std : float or (float, float), default 0.01
        Fraction of each column's std; a range is drawn once per call (a single value is
        used as it is, without a draw).
    p : float, default 1.0
        Probability of jittering the table (a table transform applies by default).
    seed : int or None
        Seed of direct calls (inside a composer, the outermost composer's seed governs).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> from sklearn.datasets import load_wine
    >>> X, y = load_wine(return_X_y=True, as_frame=True)
    >>> noise = ma.tabular.GaussianNoise(std=0.05, seed=0)
    >>> out = noise(table=X, key=1)["table"]
    >>> out.dtypes.equals(X.dtypes), bool((out["proline"] != X["proline"]).any())
    (True, True)
    >>> X_res, y_res = noise.fit_resample(X, y, copies=2)
    >>> len(X_res) == 3 * len(X), noise.provenance_[len(X)]
    (True, 0)
    """

    modality: ClassVar[str] = "tabular"
    fields: ClassVar[tuple[str, ...]] = ("table",)
    required: ClassVar[tuple[str, ...]] = ("table",)
    std: float | tuple[float, float] = param(_Spread(0.0, 10.0, example="0.05"), default=0.01)
    p: float = param(Probability(), default=1.0, kw_only=True)

    _drawn = {"noise_seed": NoiseSeed()}

    def apply_table(self, table: Any, std: float, noise_seed: int, **_: Any) -> Any:
        return add_column_noise(table, std, noise_seed)

    def fit_resample(
        self, X: Any, y: Sequence[Any] | None = None, *, copies: int = 1, epoch: int = 0, **extra: Any
    ) -> tuple[Any, Any]:
        """The table ``X`` plus ``copies`` jittered copies (one keyed call each); ``provenance_`` per row."""
        from .copies import TableCopies

        op = TableCopies(self, copies)
        out = op.fit_resample(X, y, epoch=epoch)
        self.provenance_ = op.provenance_
        return out
