""":class:`AugmentedIterableDataset`: keyed augmentation of a stream, sharded across workers and ranks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch
from torch.utils.data import IterableDataset, get_worker_info

from ..core.errors import InvalidInputError
from ..core.random import check_epoch
from ..streams.core import _CALL_ARGUMENTS, Stream, check_on_error, check_pipeline, units
from ..streams.pool import run_local
from .dataset import _collatable, _to_numpy

_OWNER = "AugmentedIterableDataset"


def current_shard() -> tuple[int, int]:
    """``(index, count)`` of the shard this process reads: one per DataLoader worker of every rank.

    ``index = rank * num_workers + worker_id`` and ``count = world_size * num_workers`` (``(0, 1)``
    in a plain loop). A source that can split its input cheaply (tar shards, files, partitions)
    reads ``files[index::count]`` and is passed with ``shard=False``.

    Examples
    --------
    >>> import multiaug as ma
    >>> ma.torch.current_shard()   # outside a DataLoader worker, without torch.distributed
    (0, 1)
    """
    info = get_worker_info()
    worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
    rank, world = 0, 1
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
    return rank * workers + worker, world * workers


def _shards_itself(source: Any) -> bool:
    """A Hugging Face ``datasets.IterableDataset`` splits its shards across DataLoader workers itself."""
    return any(
        cls.__module__.startswith("datasets.") and cls.__name__ == "IterableDataset"
        for cls in type(source).__mro__
    )


class AugmentedIterableDataset(IterableDataset[dict[str, Any]]):
    """A torch ``IterableDataset`` of keyed augmentations of a stream of sample dicts.

    Every item of ``source`` is augmented as ``pipeline(**item_without_key, key=item[key],
    epoch=epoch)``, its key field kept in the output: the output depends on the item's identity
    and the epoch only, so a ``DataLoader`` yields the same set of ``(id, output)`` pairs with
    ``num_workers=0, 1, 3``, on one rank or eight, in any arrival order.

    Under a ``DataLoader`` with ``num_workers=N`` (and across ranks when ``torch.distributed``
    is initialised), the source is sharded: shard ``s`` of ``n`` (:func:`current_shard`) keeps
    the items at positions ``s, s + n, s + 2n...``, so every item is augmented exactly once.
    Each worker reads the whole source and skips the items of other shards; for a source that
    splits its input itself (files, tar shards), read ``files[index::count]`` of
    :func:`current_shard` and pass ``shard=False``. A Hugging Face ``datasets.IterableDataset``
    already splits its shards across workers (and across ranks after
    ``datasets.distributed.split_dataset_by_node``), so it is not sharded again.

    Parameters
    ----------
    source : iterable of dict, or a callable returning one
        A torch ``IterableDataset``, a list, a Hugging Face ``IterableDataset``... iterated once
        per epoch (a generator cannot restart: pass a function that makes it).
    pipeline : multiaug.Transform
        A per-sample pipeline (dataset-level samplers are refused).
    key : str or None, default "id"
        The field holding each item's identity (str or int). ``None`` keys by position in the
        source, which must then give the same items in the same order on every worker.
    epoch : int, default 0
        Change it with :meth:`set_epoch` before each epoch (shared with the workers).
    shard : bool or None, default None
        ``None`` shards unless the source shards itself (Hugging Face); ``True``/``False`` force it.
    on_error : "stop" or "skip"
        As in :func:`multiaug.stream`; with ``"skip"`` a bad item is left out of the epoch.

    Examples
    --------
    >>> import multiaug as ma
    >>> from torch.utils.data import DataLoader
    >>> pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0)
    >>> rows = [{"id": f"doc{i}", "text": f"w{i} a b c d"} for i in range(4)]
    >>> ds = ma.torch.AugmentedIterableDataset(rows, pipe)
    >>> ds.set_epoch(1)
    >>> outs = list(DataLoader(ds, batch_size=None))
    >>> outs[2] == {"id": "doc2", **pipe(text="w2 a b c d", key="doc2", epoch=1)}
    True
    """

    def __init__(
        self,
        source: Iterable[Any] | Callable[[], Iterable[Any]],
        pipeline: Any,
        key: str | None = "id",
        *,
        epoch: int = 0,
        shard: bool | None = None,
        on_error: str = "stop",
    ) -> None:
        check_pipeline(_OWNER, pipeline)
        if isinstance(source, (str, bytes, Mapping)) or not (
            isinstance(source, Iterable) or callable(source)
        ):
            raise InvalidInputError(
                _OWNER,
                "source",
                f"must be an iterable of sample dicts or a function returning one, "
                f"got {type(source).__name__}",
                "pass a torch IterableDataset, a list of dicts, or a function that opens the stream",
            )
        if key is not None and (not isinstance(key, str) or not key):
            raise InvalidInputError(
                _OWNER, "key", f"must be a field name or None, got {key!r}", "pass key='id' (or key=None)"
            )
        if shard is not None and not isinstance(shard, bool):
            raise InvalidInputError(
                _OWNER, "shard", f"must be None or a bool, got {shard!r}", "pass shard=None"
            )
        self.source = source
        self.pipeline = pipeline
        self.key = key
        self.shard = (not _shards_itself(source)) if shard is None else shard
        self.on_error = check_on_error(_OWNER, on_error)
        # Shared memory: forked workers inherit it, spawned ones receive it (see AugmentedDataset).
        self._epoch = torch.tensor(check_epoch(_OWNER, epoch), dtype=torch.int64).share_memory_()

    @property
    def epoch(self) -> int:
        """The epoch the next items are augmented with."""
        return int(self._epoch.item())

    def set_epoch(self, epoch: int) -> None:
        """Augment the next pass with ``epoch`` (an int >= 0), in this process and all workers.

        Also forwarded to a source that has ``set_epoch`` (a Hugging Face ``IterableDataset``
        reshuffles its shards by epoch).
        """
        self._epoch.fill_(check_epoch(_OWNER, epoch))
        forward = getattr(self.source, "set_epoch", None)
        if callable(forward):
            forward(epoch)

    def _numbered(self) -> Iterator[tuple[int, Any]]:
        items = (
            self.source() if callable(self.source) and not isinstance(self.source, Iterable) else self.source
        )
        index, count = current_shard() if self.shard else (0, 1)
        if self.key is None and not self.shard and count > 1:
            raise InvalidInputError(
                _OWNER,
                "key",
                "is None (keys by position) but the source splits itself across workers, "
                "where positions differ",
                "key the items by an id field (key='id'), or pass shard=True",
            )
        for position, item in enumerate(items):
            if position % count == index:
                yield position, (_numpy_fields(item) if isinstance(item, Mapping) else item)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        results = run_local(self.pipeline, units(self._numbered(), self.key, _CALL_ARGUMENTS), self.epoch)
        for out in Stream(results, self.key, self.on_error, _OWNER):
            yield {k: _collatable(v) for k, v in out.items()}

    def __repr__(self) -> str:
        return f"AugmentedIterableDataset(pipeline={self.pipeline!r}, key={self.key!r}, epoch={self.epoch})"


def _numpy_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """PIL images (a Hugging Face image column) and tensors of fields without a layout as numpy arrays."""
    return {k: _to_numpy(_OWNER, k, v) for k, v in item.items()}
