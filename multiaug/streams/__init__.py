"""Streams: keyed augmentation of unbounded inputs (iterators, torch IterableDatasets, JSON Lines pipes).

Every output of a stream is a keyed call of the pipeline, keyed by the item's identity (its
``id`` field): it depends on the pipeline's seed, the id, the epoch and the item, never on the
item's position, the worker that computed it or how the stream was split. See ``docs/streams.md``.

The package: :mod:`.core` (:func:`stream` and its checks), :mod:`.pool` (keyed calls in this
process or an ordered process pool) and :mod:`.jsonl` (``multiaug augment --input -``).
"""

from __future__ import annotations

from .core import Stream, stream

__all__ = ["Stream", "stream"]
