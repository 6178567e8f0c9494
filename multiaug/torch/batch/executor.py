"""The executor: applies the drawn events of a batch, position by position in the pipeline.

Every sample's events (see :mod:`.draw`) carry a key that orders them by tree position, and a
pipeline applies its leaves in tree order, so all events of a batch can be merged into one
sequence of keys. At each key, the samples that have an event there form a sub-batch (the
whole batch when all do: no copy), split further by the image size they have at that point:

* a geometric group: :func:`.geometric.flush_groups`, one resampling for all of them;
* a leaf: its registered kernel, called once with a :class:`~.registry.Batch` of those rows
  and their parameters; the fields it returns are written back to those rows.

Rows keep their own size when a step leaves samples at different sizes (then they are held one
by one until a step covering them all brings them back together); at the end every sample must
have the same size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ...core.errors import InvalidInputError
from ...core.transform import Transform
from .draw import Drawn, Event
from .geometric import flush_groups, needs_float
from .registry import Batch, find_kernel

__all__ = ["Rows", "execute"]


class Rows:
    """One field of a batch (``(B, ...)``), whose samples may temporarily differ in size."""

    def __init__(self, x: torch.Tensor, source: torch.Tensor | None) -> None:
        self.full: torch.Tensor | None = x
        self.rows: list[torch.Tensor] | None = None
        self.n = x.shape[0]
        #: The caller's tensor (never written to): a full batch sharing its memory is copied first.
        self.source = source

    def to_float(self) -> None:
        """Hold float32 from now on (uint8 images stay uint8 while only whole pixels move)."""
        if self.full is not None and self.full.dtype != torch.float32:
            self.full = self.full.float()
        elif self.rows is not None and self.rows[0].dtype != torch.float32:
            self.rows = [r.float() for r in self.rows]

    def get(self, idx: Sequence[int]) -> torch.Tensor:
        if self.full is not None:
            return self.full if len(idx) == self.n else self.full.index_select(0, _index(idx, self.full))
        assert self.rows is not None
        return torch.stack([self.rows[i] for i in idx])

    def put(self, idx: Sequence[int], y: torch.Tensor) -> None:
        if len(idx) == self.n:
            self.full, self.rows = y, None
            return
        if self.full is not None:
            full = self.full
            if y.shape[1:] == full.shape[1:] and y.dtype == full.dtype:
                if self.source is not None and full.untyped_storage().data_ptr() == (
                    self.source.untyped_storage().data_ptr()
                ):
                    full = self.full = full.clone()
                full.index_copy_(0, _index(idx, full), y)
                return
            self.rows, self.full = list(full.unbind(0)), None
        assert self.rows is not None
        for j, i in enumerate(idx):
            self.rows[i] = y[j]

    def result(self, owner: Callable[[], str]) -> torch.Tensor:
        if self.full is not None:
            return self.full
        assert self.rows is not None
        shapes = {tuple(r.shape) for r in self.rows}
        if len(shapes) > 1:
            raise InvalidInputError(
                owner(),
                "image",
                f"leaves the samples of the batch at different sizes {sorted(shapes)}",
                "end the pipeline with a fixed-size step (Resize, CenterCrop, RandomResizedCrop) so "
                "every sample has one size, or run it per sample",
            )
        return torch.stack(self.rows)


class RowIndex(list[int]):
    """Row positions of a sub-batch; their device tensor is made once (a sub-batch is read, then written)."""

    tensor: torch.Tensor | None = None


def _index(idx: Sequence[int], like: torch.Tensor) -> torch.Tensor:
    """Row positions on ``like``'s device, copied without waiting for its queued work."""
    made = getattr(idx, "tensor", None)
    if made is not None and made.device == like.device:
        return made
    made = torch.tensor(list(idx)).to(like.device, non_blocking=True)
    if isinstance(idx, RowIndex):
        idx.tensor = made
    return made


def _merge(drawn: Sequence[Drawn]) -> list[tuple[Any, list[tuple[int, Event]]]]:
    """All events of the batch grouped by key, in pipeline order."""
    by_key: dict[Any, list[tuple[int, Event]]] = {}
    for i, d in enumerate(drawn):
        for event in d.events:
            by_key.setdefault(event.key, []).append((i, event))
    return sorted(by_key.items(), key=lambda kv: kv[0])


def _split(items: list[tuple[int, Event]], warp: bool) -> list[list[tuple[int, Event]]]:
    """Items of one key split by input size (and, for groups, output size)."""
    parts: dict[Any, list[tuple[int, Event]]] = {}
    for item in items:
        e = item[1]
        sig = (e.size, e.warp.image_size if (warp and e.warp is not None) else None)
        parts.setdefault(sig, []).append(item)
    return list(parts.values())


def execute(
    drawn: Sequence[Drawn],
    fields: dict[str, Rows],
    main: str,
    batch_info: dict[str, Any],
) -> list[str]:
    """Apply every event of ``drawn`` to ``fields`` (``main``: ``image`` or ``audio``) in place.

    ``batch_info`` holds ``scale``, ``sample_rate``,
    ``dtype`` and the extras (``keys``, ``epoch``). Returns the dtype of every sample at the end.
    """
    dtypes = [batch_info["dtype"]] * len(drawn)
    keys = batch_info["keys"]
    for key, items in _merge(drawn):
        warp = items[0][1].warp is not None
        for part in _split(items, warp):
            idx = RowIndex(i for i, _ in part)
            if warp:
                groups = [e.warp for _, e in part]
                if needs_float(groups):  # type: ignore[arg-type]
                    fields[main].to_float()
                mask = fields.get("mask")
                y, m = flush_groups(
                    fields[main].get(idx),
                    None if mask is None else mask.get(idx),
                    groups,  # type: ignore[arg-type]
                )
                fields[main].put(idx, y)
                if mask is not None and m is not None:
                    mask.put(idx, m)
                continue
            leaf = part[0][1].leaf
            assert leaf is not None
            fields[main].to_float()
            dtype = dtypes[idx[0]]
            before = fields[main].get(idx)
            batch = Batch(
                {name: before if name == main else f.get(idx) for name, f in fields.items()},
                [e.params or {} for _, e in part],
                # a uint8 image is held in 0..255; once a step made it float (ToFloat), in its values
                scale=batch_info["scale"] if dtype == "uint8" else 1.0,
                sample_rate=batch_info.get("sample_rate"),
                extra={
                    "keys": [keys[i] for i in idx],
                    "rows": idx,
                    "epoch": batch_info["epoch"],
                    "path": key[0],
                },
                dtype=dtype,
            )
            changed = find_kernel(leaf, main)(leaf, batch)
            for name, value in changed.items():
                if name not in fields and name in _MADE and main == "audio" and len(idx) == len(drawn):
                    fields[name] = Rows(value, None)  # a field made for every sample (MelSpectrogram)
                    continue
                if name not in fields:
                    raise _bad_field(leaf, name)
                if name == main and value.shape[2:] != before.shape[2:]:
                    raise _bad_field(leaf, name, f"came back {tuple(value.shape)} from {tuple(before.shape)}")
                fields[name].put(idx, value)
            for i, (_, e) in zip(idx, part, strict=True):
                dtypes[i] = e.dtype or batch.dtype
    return dtypes


#: Fields a kernel may add to the batch (made for every sample at once).
_MADE = ("spectrogram",)


def _bad_field(
    leaf: Transform, name: str, problem: str = "is not a field of this batch"
) -> InvalidInputError:
    return InvalidInputError(
        leaf.name,
        name,
        f"was returned by the batched kernel but {problem}",
        "a kernel returns fields of batch.fields, of their size (a bug in the kernel: report it)",
    )
