"""``BatchTransform``: a multiaug pipeline as a Hugging Face ``datasets`` formatting transform."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.random import check_epoch
from ..core.transform import Transform
from ..core.validation import require_transform

OWNER = "hf.transform"
#: The column :func:`with_index` adds: each row's index in the dataset it was added to (the key).
INDEX_COLUMN = "multiaug_index"


class BatchTransform:
    """``batch dict -> augmented batch dict``, for ``Dataset.set_transform``/``with_transform``/``map``.

    Row ``j`` of a batch becomes the sample ``{field: value}`` of its mapped columns and is
    augmented by the keyed call ``pipeline(**sample, key=k, epoch=self.epoch)``, where ``k`` is
    the row's index (the :data:`INDEX_COLUMN` that :func:`with_index` adds, or the indices
    ``Dataset.map(..., with_indices=True)`` passes) or, with ``key="id"``, its ``id`` column. Built
    by :func:`multiaug.hf.transform`, which documents the parameters.
    """

    def __init__(
        self, pipeline: Transform, key: str | None, epoch: int, fields: Mapping[str, str] | None
    ) -> None:
        require_transform(
            OWNER, pipeline, "pass e.g. ma.Compose([ma.image.HorizontalFlip()], seed=0)", per_sample=True
        )
        if key is not None and not isinstance(key, str):
            raise InvalidInputError(
                OWNER, "key", f"must be a column name or None, got {key!r:.80}", 'pass key="id" or key=None'
            )
        if fields is not None and (
            not isinstance(fields, Mapping)
            or not all(isinstance(v, str) for v in [*fields, *fields.values()])
        ):
            raise InvalidInputError(
                OWNER, "fields", f"must map column names to field names, got {fields!r:.80}",
                'pass fields={"img": "image"}',
            )  # fmt: skip
        self.pipeline = pipeline
        self.key = key
        self.fields = dict(fields or {})
        self._epoch = check_epoch(OWNER, epoch)

    @property
    def epoch(self) -> int:
        """The epoch the next batches are augmented with (set it before each epoch)."""
        return self._epoch

    @epoch.setter
    def epoch(self, epoch: int) -> None:
        self._epoch = check_epoch(OWNER, epoch)

    def set_epoch(self, epoch: int) -> None:
        """Same as ``self.epoch = epoch``."""
        self.epoch = epoch

    def __repr__(self) -> str:
        return f"hf.transform({self.pipeline!r}, key={self.key!r}, epoch={self._epoch})"

    def __call__(
        self, batch: Mapping[str, Sequence[Any]], indices: Sequence[int] | None = None
    ) -> dict[str, list]:
        if not isinstance(batch, Mapping) or not batch:
            raise InvalidInputError(
                OWNER, "batch", f"must be a non-empty dict of columns, got {type(batch).__name__}",
                "use it as ds.set_transform(t), ds.with_transform(t) or ds.map(t, batched=True)",
            )  # fmt: skip
        n = len(next(iter(batch.values())))
        keys = self._keys(batch, indices, n)
        mapping = self._mapping(batch)
        out: dict[str, list] = {c: list(v) for c, v in batch.items()}  # other columns pass through
        epoch = self._epoch
        samples = [_row(batch, mapping, j) for j in range(n)]
        if list(mapping.values()) == ["text"] and all(isinstance(s["text"], str) for s in samples):
            from ..text.batch import run_texts  # the rows' texts step by step: models run batched

            results = run_texts(self.pipeline, [s["text"] for s in samples], keys, epoch)
        else:
            results = [self.pipeline(**s, key=k, epoch=epoch) for s, k in zip(samples, keys, strict=True)]
        for j, (sample, result) in enumerate(zip(samples, results, strict=True)):
            for column, field in mapping.items():
                out[column][j] = _from_sample(field, result, batch[column][j])
            for name in result.keys() - sample.keys():  # fields the pipeline adds (a spectrogram)
                out.setdefault(name, [None] * n)[j] = result[name]
        return out

    def _keys(
        self, batch: Mapping[str, Sequence[Any]], indices: Sequence[int] | None, n: int
    ) -> list[int | str]:
        column = self.key or INDEX_COLUMN
        if self.key is None and indices is not None:
            values: Sequence[Any] = indices
        elif column in batch:
            values = batch[column]
        else:
            fix = (
                f"add the column {column!r} (and keep it in set_transform(columns=...))"
                if self.key
                else "add the row indices once: ds = ma.hf.with_index(ds) (datasets gives a transform no row "
                'indices), or key by an id column: ma.hf.transform(pipe, key="id")'
            )
            raise InvalidInputError(OWNER, "key", f"needs the column {column!r}, which the batch lacks", fix)
        keys: list[int | str] = []
        for value in values:
            if isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) >= 0:
                keys.append(int(value))
            elif isinstance(value, str):
                keys.append(value)
            else:
                raise InvalidInputError(
                    OWNER, "key", f"column {column!r} holds {type(value).__name__} {value!r:.40}",
                    "key by a column of ints >= 0 or of strings (one per row, stable across runs)",
                )  # fmt: skip
        if len(keys) != n:
            raise InvalidInputError(
                OWNER, "key", f"got {len(keys)} indices for {n} rows", "pass one index per row"
            )
        return keys

    def _mapping(self, batch: Mapping[str, Sequence[Any]]) -> dict[str, str]:
        """Dataset column -> sample field: ``fields``, else the columns named as a field the pipeline
        handles, else the one column of PIL images (for ``image``) or of audio dicts (for ``audio``)."""
        missing = [c for c in self.fields if c not in batch]
        if missing:
            raise InvalidInputError(
                OWNER, "fields", f"names columns {missing} the batch lacks (it has {sorted(batch)[:10]})",
                "map existing columns, and keep them in set_transform(columns=...)",
            )  # fmt: skip
        handled = set(self.pipeline.fields)
        mapping = dict(self.fields) or {c: c for c in batch if c in handled and c != "label"}
        for field, test in (("image", _is_pil), ("audio", _is_audio)):
            if field in handled and field not in mapping.values():
                found = [c for c, v in batch.items() if len(v) and test(v[0])]
                if len(found) == 1:
                    mapping[found[0]] = field
        if not mapping:
            raise InvalidInputError(
                OWNER, "fields", f"none of the columns {sorted(batch)[:10]} is a field the pipeline handles "
                f"({sorted(handled)[:8]})", 'name them: ma.hf.transform(pipe, fields={"img": "image"})',
            )  # fmt: skip
        return mapping


def _is_pil(value: Any) -> bool:
    return type(value).__module__.startswith("PIL.") and hasattr(value, "mode")


def _is_audio(value: Any) -> bool:
    return (isinstance(value, Mapping) and "array" in value and "sampling_rate" in value) or hasattr(
        value, "get_all_samples"
    )


def _row(batch: Mapping[str, Sequence[Any]], mapping: Mapping[str, str], j: int) -> dict[str, Any]:
    """Row ``j`` of a batch as a sample: its mapped columns' cells as fields."""
    sample: dict[str, Any] = {}
    for column, field in mapping.items():
        sample.update(_to_sample(column, field, batch[column][j]))
    return sample


def _to_sample(column: str, field: str, value: Any) -> dict[str, Any]:
    """The sample fields of one cell: PIL images and nested lists as arrays, audio dicts unpacked."""
    if field == "audio" and _is_audio(value):
        if hasattr(value, "get_all_samples"):  # torchcodec's AudioDecoder (datasets >= 4 with torchcodec)
            samples = value.get_all_samples()
            array, rate = samples.data.numpy(), samples.sample_rate
        else:
            array, rate = value["array"], value["sampling_rate"]
        array = np.asarray(array, dtype=np.float32)
        return {
            "audio": array[0] if array.ndim == 2 and array.shape[0] == 1 else array,
            "sample_rate": int(rate),
        }
    if _is_pil(value):
        if "mask" in field:  # a palette mask's indices are its labels
            return {field: np.array(value)}
        from ..image._validate import pil_to_array

        return {field: pil_to_array(OWNER, column, value)}
    if isinstance(value, list) and field != "text":
        return {field: np.asarray(value)}
    return {field: value}


def _from_sample(field: str, result: Mapping[str, Any], original: Any) -> Any:
    """The cell of ``field`` after the pipeline: arrays stay arrays, audio goes back into its dict."""
    if field == "audio" and _is_audio(original):
        cell = dict(original) if isinstance(original, Mapping) else {}
        cell.update(array=result["audio"], sampling_rate=result.get("sample_rate"))
        return cell
    return result[field]
