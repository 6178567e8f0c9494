"""Dataset-level augmentation: ``fit_resample`` on a list of samples of one modality."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError

if TYPE_CHECKING:
    from .transform import Transform

__all__ = ["augment_copies", "copy_key"]


def copy_key(row: int, copy: int) -> str:
    """The key of augmented copy ``copy`` (1-based) of row ``row``: stable whatever ``copies`` is."""
    return f"row{row}/copy{copy}"


def _infer_field(t: Transform, item: Any) -> str:
    fields = t.fields
    if isinstance(item, str):
        return "text"
    for field in ("image", "audio", "spectrogram"):
        if field in fields:
            return field
    raise InvalidInputError(
        t.name,
        "X",
        f"holds {type(item).__name__} items but the pipeline handles the fields {list(fields)}",
        "pass field='...' naming the sample field each item of X fills",
    )


def augment_copies(
    t: Transform,
    X: Sequence[Any],
    y: Sequence[Any] | None,
    copies: int,
    epoch: int,
    field: str | None,
    extra: dict[str, Any],
) -> tuple[list[Any], list[Any] | None, list[int]]:
    """Originals first, in input order, then ``copies`` rounds of augmented copies of every row.

    Copy ``c`` of row ``i`` is ``t(**{field: X[i]}, **extra, key=copy_key(i, c), epoch=epoch)``,
    so any single row can be recomputed alone, on any worker.
    """
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__") or not hasattr(X, "__getitem__"):
        raise InvalidInputError(
            t.name,
            "X",
            f"must be a sequence of samples, got {type(X).__name__}",
            "pass a list of images, texts or audio arrays",
        )
    if isinstance(copies, bool) or not isinstance(copies, int) or copies < 0:
        raise InvalidInputError(t.name, "copies", f"must be an int >= 0, got {copies!r}", "pass copies=2")
    if y is not None and len(y) != len(X):
        raise InvalidInputError(
            t.name, "y", f"has {len(y)} labels for {len(X)} samples", "give one label per sample"
        )
    items = list(X)
    if not items:
        return [], (None if y is None else []), []
    name = field or _infer_field(t, items[0])
    X_res = list(items)
    prov = list(range(len(items)))
    for c in range(1, copies + 1):
        for i, item in enumerate(items):
            X_res.append(t(**{name: item}, **extra, key=copy_key(i, c), epoch=epoch)[name])
            prov.append(i)
    y_res = None if y is None else [y[i] for i in prov]
    return X_res, y_res, prov
