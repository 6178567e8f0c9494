"""The rows an ablation splits, augments and hands to the estimator, whatever their modality."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError

__all__ = ["Items", "as_items", "features_of", "take"]


@dataclass
class Items:
    """Rows of one modality: ``data`` is a list of items (texts, images, clips) or a table."""

    data: Any
    kind: str  # "table", "text", "image", "audio"
    field: str

    def __len__(self) -> int:
        return len(self.data)

    def wrap(self, data: Any) -> Items:
        return Items(data if self.kind == "table" else list(data), self.kind, self.field)

    def concat(self, parts: list[Items]) -> Items:
        if self.kind != "table":
            return self.wrap([item for p in parts for item in p.data])
        if hasattr(parts[0].data, "iloc"):
            import pandas as pd

            return self.wrap(pd.concat([p.data for p in parts], ignore_index=True))
        return self.wrap(np.concatenate([np.asarray(p.data) for p in parts]))

    def mapped(self, fn: Callable[[Any, str], Any]) -> Items:
        if self.kind == "table":
            return self.wrap(fn(self.data, "table"))
        return self.wrap([fn(item, self.field) for item in self.data])

    def augmented(
        self,
        call: Callable[..., Any],
        X_tr: Items,
        tr: np.ndarray,
        fold: int,
        copies: int,
        extra: dict[str, Any],
    ) -> Items:
        """``copies`` augmented copies of the training rows, copy by copy (``provenance`` order).

        Copy ``c`` of row ``i`` (``i`` its index in the whole ``X``) is keyed ``"row{i}/copy{c}"``,
        as in ``Compose.fit_resample``: a row's copies are the same in every fold that trains on
        it. A table pipeline gets the fold's whole training table, keyed by fold and copy.
        """
        from ..sampling.lists import copy_key

        f = self.field
        if self.kind == "table":
            parts = [
                call(table=X_tr.data, key=f"fold{fold}/copy{c}", **extra)["table"]
                for c in range(1, copies + 1)
            ]
            return self.concat([self.wrap(p) for p in parts])
        out = [
            call(**{f: item}, key=copy_key(int(i), c), **extra)[f]
            for c in range(1, copies + 1)
            for i, item in zip(tr, X_tr.data, strict=True)
        ]
        return self.wrap(out)


def take(items: Items, idx: np.ndarray) -> Items:
    data = items.data
    if items.kind == "table":
        return items.wrap(
            data.iloc[idx].reset_index(drop=True) if hasattr(data, "iloc") else np.asarray(data)[idx]
        )
    return items.wrap([data[int(i)] for i in idx])


def as_items(owner: str, X: Any, pipeline: Any, field: str | None) -> Items:
    """Check ``X`` (a list of one modality, an image stack or a table) and name its field."""
    from ..guard.inputs import collection_kind

    kind = collection_kind(owner, "X", X)
    if kind == "table":
        return Items(X, "table", "table")
    data = list(X)
    if field is None and pipeline is not None:
        from ..sampling.lists import item_field

        field = "table" if "table" in pipeline.fields else item_field(pipeline, data[0])
    return Items(data, kind, field or kind)


def features_of(owner: str, X: Items, features: Callable[[Any], Any] | None, flatten: bool) -> Any:
    """What the estimator gets: ``features(rows)``, else flattened images (an estimator) or an
    ``(N, ...)`` stack (a training function), texts as a list, a table as it is."""
    if features is not None:
        return features(X.data)
    if X.kind in ("table", "text"):
        return X.data
    shapes = {np.shape(item) for item in X.data}
    if len(shapes) > 1:
        raise InvalidInputError(
            owner,
            "features",
            f"is needed: the {X.kind} items have {len(shapes)} different shapes, e.g. {sorted(shapes)[:2]}",
            "pass features=lambda items: 2-D array (or resize every item to one shape)",
        )
    stack = np.stack(X.data)
    return stack.reshape(len(stack), -1).astype(np.float32) if flatten else stack
