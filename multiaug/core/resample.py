"""Dataset-level augmentation: ``fit_resample`` on a list of samples.

A sample is either one item of one modality (an image, a text, an audio array: the field it
fills is inferred or named by ``field=``) or a dict of fields (``{"image": ..., "text": ...}``),
the form a pipeline mixing modalities needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def _check_dict_samples(t: Transform, items: list[Any], field: str | None) -> None:
    """Dict samples: every item a dict with string keys, and no ``field=`` (the keys name the fields)."""
    if field is not None:
        raise InvalidInputError(
            t.name,
            "field",
            f"was given ({field!r}) but the samples are dicts",
            "drop field=: the keys name the fields",
        )
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not item or not all(isinstance(k, str) for k in item):
            raise InvalidInputError(
                t.name,
                f"X[{i}]",
                f"must be a non-empty dict of fields like X[0], got {type(item).__name__}",
                'give every sample as a dict such as {"image": img, "text": caption}',
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
    so any single row can be recomputed alone, on any worker. When the items of ``X`` are dicts
    of fields (a mixed sample such as ``{"image": img, "text": caption}``), copy ``c`` of row ``i``
    is ``t(**X[i], **extra, key=..., epoch=...)`` and comes back as a dict with the same keys.
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
    X_res = list(items)
    prov = list(range(len(items)))
    if isinstance(items[0], Mapping):
        _check_dict_samples(t, items, field)
        for c in range(1, copies + 1):
            for i, item in enumerate(items):
                out = t(**item, **extra, key=copy_key(i, c), epoch=epoch)
                X_res.append({k: out[k] for k in item})
                prov.append(i)
    else:
        mixed = next((i for i, item in enumerate(items) if isinstance(item, Mapping)), None)
        if mixed is not None:
            raise InvalidInputError(
                t.name, f"X[{mixed}]", "is a dict but X[0] is not", "make every sample the same kind"
            )
        name = field or _infer_field(t, items[0])
        for c in range(1, copies + 1):
            for i, item in enumerate(items):
                X_res.append(t(**{name: item}, **extra, key=copy_key(i, c), epoch=epoch)[name])
                prov.append(i)
    y_res = None if y is None else [y[i] for i in prov]
    return X_res, y_res, prov
