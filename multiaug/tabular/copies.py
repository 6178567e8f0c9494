"""Whole-table copies: ``fit_resample(X, y, copies=N)`` of a table transform (``tabular.GaussianNoise``).

The same template as every dataset-level operation (:class:`multiaug.sampling.Resampler`):
the table and ``copies`` are checked, each copy ``c`` is the keyed call
``t(table=X, key=f"copy{c}", epoch=epoch)``, and the copies are stacked under the originals in
the caller's container (a DataFrame with a new ``RangeIndex``, an array; ``y`` likewise).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..sampling.base import CopiesOf, Data
from . import _frame

__all__ = ["TableCopies"]


class TableCopies(CopiesOf):
    """``copies`` keyed calls of the table transform ``t`` on the whole table, under the originals."""

    def _check_X(self, X: Any, options: dict[str, Any]) -> Data:
        if isinstance(X, list):
            X = np.asarray(X)
        return Data(X=X, rows=X, n=len(X), options=options)

    def _plan_rows(self, data: Data) -> list[int]:
        return list(range(1, self.copies + 1))

    def _make_rows(self, data: Data, plan: list[int]) -> list[Any]:
        epoch = data.options.get("epoch", 0)
        return [self.t(table=data.X, key=f"copy{c}", epoch=epoch)["table"] for c in plan]

    def _restore(self, data: Data, plan: list[int], new: list[Any]) -> tuple[Any, Any]:
        parts, y, rounds = [data.X, *new], data.y, len(plan) + 1
        if _frame.is_frame(data.X):
            import pandas as pd

            X_res: Any = pd.concat(parts, ignore_index=True)
        else:
            X_res = np.concatenate(parts, axis=0)
        if y is None:
            return X_res, None
        if type(y).__name__ == "Series":
            import pandas as pd

            return X_res, pd.concat([y] * rounds, ignore_index=True)
        y_res = np.concatenate([np.asarray(y)] * rounds)
        return X_res, (y_res.tolist() if isinstance(y, list) else y_res)

    def _provenance(self, data: Data, plan: list[int], new: list[Any]) -> list[Any]:
        return list(range(data.n)) * (len(plan) + 1)
