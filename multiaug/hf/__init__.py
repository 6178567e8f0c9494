"""Hugging Face ``datasets`` integration: a pipeline as a keyed ``set_transform``/``with_transform``.

* :func:`transform` wraps a pipeline as a ``batch dict -> batch dict`` function for
  ``Dataset.set_transform``, ``Dataset.with_transform`` (augmentation on the fly, at each
  ``ds[i]``) and ``Dataset.map(..., batched=True, with_indices=True)`` (augmented copies written
  once). Each row is a keyed call ``pipeline(**sample, key=k, epoch=t.epoch)``: the same row gives
  the same bytes in every run, worker and batch, and a new epoch draws anew.
* :func:`with_index` adds the column :data:`INDEX_COLUMN` (the row's index, 0..n-1) that keys
  rows when ``key=None``: ``datasets`` hands a formatting transform the rows' values, not their
  indices. The column travels with its row through ``shuffle``, ``select`` and ``train_test_split``,
  so a row keeps its key.

Images come as PIL images (the ``Image`` feature) or arrays and leave as numpy arrays (which
``default_collate`` stacks); texts as ``str``; audio as ``{"array", "sampling_rate"}`` dicts, which
leave as dicts with the augmented float32 array. Other columns pass through.

Examples
--------
>>> import datasets, numpy as np, multiaug as ma
>>> ds = datasets.Dataset.from_dict({"text": ["a b c d", "e f g h"], "label": [0, 1]})
>>> pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0)
>>> t = ma.hf.transform(pipe)
>>> train = ma.hf.with_index(ds).with_transform(t)
>>> train[1]["text"] == pipe(text="e f g h", key=1, epoch=0)["text"], train[1]["label"]
(True, 1)
>>> t.epoch = 1                      # before each epoch (also reaches `train`, which holds t)
>>> train[1]["text"] == pipe(text="e f g h", key=1, epoch=1)["text"]
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.errors import InvalidInputError
from ..core.transform import Transform
from .transform import INDEX_COLUMN, OWNER, BatchTransform

__all__ = ["INDEX_COLUMN", "BatchTransform", "transform", "with_index"]


def transform(
    pipeline: Transform, key: str | None = None, epoch: int = 0, *, fields: Mapping[str, str] | None = None
) -> BatchTransform:
    """A keyed ``datasets`` transform of ``pipeline``: ``ds.set_transform(ma.hf.transform(pipe))``.

    Parameters
    ----------
    pipeline : multiaug.Transform
        The augmentation (a seeded ``ma.Compose``). For an evaluation split pass
        ``pipeline.inference()`` (the deterministic steps alone).
    key : str or None
        ``None`` keys each row by its index: the :data:`INDEX_COLUMN` column (add it with
        :func:`with_index`), or the indices ``Dataset.map(t, batched=True, with_indices=True)``
        passes. A column name (``"id"``) keys by that column's values (ints >= 0 or strings).
    epoch : int, default 0
        The epoch of the next batches; set ``t.epoch`` (or ``t.set_epoch(e)``) before each epoch.
    fields : dict, optional
        Dataset column -> sample field, e.g. ``{"img": "image"}``. By default the columns named
        like a field the pipeline handles (``image``, ``text``, ``audio``, ``mask``...) are used,
        and, when no column is named ``image`` (``audio``), the one column of PIL images (of
        audio dicts).

    Returns
    -------
    BatchTransform
        A picklable callable ``t(batch, indices=None) -> batch`` with a settable ``t.epoch``.
    """
    return BatchTransform(pipeline, key, epoch, fields)


def with_index(dataset: Any) -> Any:
    """``dataset`` with the column :data:`INDEX_COLUMN` = 0..n-1 (each split of a ``DatasetDict``).

    Add it once, where the rows have their reference order (before ``shuffle`` or a split): it then
    moves with its row, so the row keeps its key.
    """
    import datasets

    if isinstance(dataset, datasets.DatasetDict):
        return datasets.DatasetDict({name: with_index(split) for name, split in dataset.items()})
    if not isinstance(dataset, datasets.Dataset):
        raise InvalidInputError(
            OWNER,
            "dataset",
            f"must be a datasets.Dataset or DatasetDict, got {type(dataset).__name__}",
            'key an IterableDataset by an id column: ma.hf.transform(pipe, key="id")',
        )
    if INDEX_COLUMN in dataset.column_names:
        raise InvalidInputError(
            OWNER,
            "dataset",
            f"already has the column {INDEX_COLUMN!r}",
            "add the index once, before shuffling or splitting",
        )
    return dataset.add_column(INDEX_COLUMN, list(range(len(dataset))))
