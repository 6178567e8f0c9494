"""Lists of samples: new rows are keyed calls of a per-sample pipeline.

A sample is either one item of one modality (an image, a text, an audio array: the field it
fills is inferred or named by ``field=``) or a dict of fields (``{"image": ..., "text": ...}``),
the form a pipeline mixing modalities needs. Copy ``c`` of row ``i`` is the keyed call
``pipeline(**{field: X[i]}, key=copy_key(i, c), epoch=epoch)``, so every new row can be
recomputed alone, on any worker. ``Compose.fit_resample(X, y, copies=N)`` (:class:`Copies`)
and :class:`~multiaug.Oversample` plan different rows and make them the same way.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..core.errors import InvalidInputError
from ..core.fields import FIELDS
from .base import CopiesOf, Data, Resampler, check_samples

if TYPE_CHECKING:
    from ..core.transform import Transform

__all__ = ["Copies", "ListResampler", "augment_copies", "check_item_id", "copy_key", "item_field", "item_key"]

#: One (source row, copy number) pair per new row.
Plan = list[tuple[int, int]]


def check_item_id(owner: str, field: str, value: Any, fix: str) -> str | int:
    """One item identity, the rule of every job, stream and dataset: a non-empty str, or an int
    (NumPy ints as Python ints; at most 100 digits). Anything else is an ``InvalidInputError``."""
    if type(value) is str and value:  # the common case, before the slower ABC check (one per stream item)
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if abs(int(value)) < 10**100:
            return int(value)
        shown = "an int of more than 100 digits"
    elif isinstance(value, str) and value:
        return value
    else:
        shown = f"{value!r:.80}"
    raise InvalidInputError(owner, field, f"must be a non-empty str or an int, got {shown}", fix)


def item_key(item_id: str | int, copy: int) -> str:
    """The key of augmented copy ``copy`` (1-based) of the item whose identity is ``item_id``.

    The one key scheme of every job: a dataset job keys an item by its path relative to the
    input root (POSIX separators) or by its manifest's ``id`` column, a stream by its ``id``,
    an in-memory list by its row (``row{i}``, :func:`copy_key`). The key depends only on the
    item's identity, never on its position, so adding, removing or renaming *other* items
    never changes an item's outputs. An int identity is its decimal text (``7`` and ``"7"``
    are the same item).

    >>> item_key("cats/001.png", 2)
    'cats/001.png/copy2'
    >>> item_key(7, 1)
    '7/copy1'
    """
    fix = "pass the item's identity: its relative path or its 'id'"
    item_id = check_item_id("item_key", "item_id", item_id, fix)
    if isinstance(copy, bool) or not isinstance(copy, numbers.Integral) or copy < 1:
        raise InvalidInputError(
            "item_key",
            "copy",
            f"must be an int >= 1 (copies are 1-based), got {copy!r}",
            "pass copy=1 or more",
        )
    return f"{item_id}/copy{int(copy)}"  # an int identity is its decimal text


def copy_key(row: int, copy: int) -> str:
    """The key of augmented copy ``copy`` (1-based) of row ``row`` of an in-memory list:
    :func:`item_key` of the identity ``row{row}``, stable whatever ``copies`` is."""
    return item_key(f"row{row}", copy)


def _holds(item: Any) -> str | None:
    """What a field must hold to take ``item`` (the field table's ``holds``)."""
    if isinstance(item, str):
        return "str"
    if type(item).__name__ == "DataFrame":
        return "table"
    if hasattr(item, "shape") and hasattr(item, "dtype"):
        return "array"
    return None


def item_field(t: Transform, item: Any) -> str:
    """The sample field one item of a list fills for pipeline ``t``.

    The first signal field of the pipeline that holds such items, as the field table
    (:mod:`multiaug.core.fields`) declares: ``text`` for a string, ``image``, ``audio`` or
    ``spectrogram`` (whichever the pipeline handles first) for an array, ``table`` for a
    DataFrame.
    """
    holds = _holds(item)
    for name in t.fields:
        declared = FIELDS.get(name)
        if declared is not None and declared.kind == "signal" and declared.holds == holds:
            return name
    raise InvalidInputError(
        t.name,
        "X",
        f"holds {type(item).__name__} items but the pipeline handles the fields {list(t.fields)}",
        "pass field='...' naming the sample field each item of X fills",
    )


def _check_dict_samples(owner: str, items: list[Any], field: str | None) -> None:
    """Dict samples: every item a dict with string keys, and no ``field=`` (the keys name the fields)."""
    if field is not None:
        raise InvalidInputError(
            owner,
            "field",
            f"was given ({field!r}) but the samples are dicts",
            "drop field=: the keys name the fields",
        )
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not item or not all(isinstance(k, str) for k in item):
            raise InvalidInputError(
                owner,
                f"X[{i}]",
                f"must be a non-empty dict of fields like X[0], got {type(item).__name__}",
                'give every sample as a dict such as {"image": img, "text": caption}',
            )


class ListResampler(Resampler):
    """Steps for lists of samples; subclasses plan the ``(row, copy)`` pairs.

    ``fit_resample(X, y, *, epoch=0, field=None, **extra)``: extra keyword fields
    (``sample_rate=16000``) go with every call.
    """

    def _pipeline(self) -> Transform:
        raise NotImplementedError

    def _check_X(self, X: Any, options: dict[str, Any]) -> Data:
        items = check_samples(self._owner, X)
        field = options.pop("field", None)
        options.setdefault("epoch", 0)
        data = Data(X=X, rows=items, n=len(items), options=options)
        if not items:
            return data
        if isinstance(items[0], Mapping):
            _check_dict_samples(self._owner, items, field)
            return data
        mixed = next((i for i, item in enumerate(items) if isinstance(item, Mapping)), None)
        if mixed is not None:
            raise InvalidInputError(
                self._owner, f"X[{mixed}]", "is a dict but X[0] is not", "make every sample the same kind"
            )
        data.facts["field"] = field or item_field(self._pipeline(), items[0])
        return data

    def _make_rows(self, data: Data, plan: Plan) -> list[Any]:
        pipe, items, field = self._pipeline(), data.rows, data.facts.get("field")
        extra = dict(data.options)
        epoch = extra.pop("epoch")
        if field == "text" and not extra and any(getattr(t, "batches", False) for t in pipe._plan.leaves):
            from ..text.batch import run_texts  # a model step: its forward passes batched over the rows

            made = run_texts(pipe, [items[i] for i, _ in plan], [copy_key(i, c) for i, c in plan], epoch)
            return [s["text"] for s in made]
        new = []
        for i, c in plan:
            if field is None:  # a dict of fields: the same keys come back
                out = pipe(**items[i], **extra, key=copy_key(i, c), epoch=epoch)
                new.append({k: out[k] for k in items[i]})
            else:
                new.append(pipe(**{field: items[i]}, **extra, key=copy_key(i, c), epoch=epoch)[field])
        return new

    def _restore(self, data: Data, plan: Plan, new: list[Any]) -> tuple[list[Any], list[Any] | None]:
        if data.y is None:
            return data.rows + new, None
        labels = list(data.y)
        return data.rows + new, labels + [labels[i] for i, _ in plan]

    def _provenance(self, data: Data, plan: Plan, new: list[Any]) -> list[Any]:
        return [*range(data.n), *(i for i, _ in plan)]


class Copies(CopiesOf, ListResampler):
    """``copies`` rounds of augmented copies of every row (``Transform.fit_resample`` on a list)."""

    def _pipeline(self) -> Transform:
        return self.t

    def _plan_rows(self, data: Data) -> Plan:
        return [(i, c) for c in range(1, self.copies + 1) for i in range(data.n)]


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
    Returns ``(X_res, y_res, provenance)``.
    """
    op = Copies(t, copies)
    X_res, y_res = op.fit_resample(X, y, epoch=epoch, field=field, **extra)
    return X_res, y_res, op.provenance_
