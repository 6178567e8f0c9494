"""Arrays to and from :func:`multiaug.stream`'s worker processes through shared memory, not pickles.

Pickling a batch of images copies every array twice on each side (into the pickle, out of it,
into fresh memory), which cost the pool more than the augmentation of a small image. Instead the
main process owns a few blocks of ``multiprocessing.shared_memory``: one *slot* (an input block
and an output block) per batch in flight, reused batch after batch and grown on demand.

* Main process, sending a batch: every large array of the samples (a plain ``numpy.ndarray``
  of at least ``_MIN_BYTES``, without Python objects) is copied into the slot's input block and
  replaced by a :class:`Shared` reference (offset, shape, dtype): only those references are
  pickled. One array object met twice (under two keys, in two items) is copied once and comes
  back as one array; a container that holds itself is left whole, to the pickle.
* Worker: the references become arrays viewing the input block: the pipeline reads them in
  place, without a copy. The lifetime rule: the slot's input block is refilled only after the
  batch's results are back in the main process, so an input stays valid for its call (and its
  batch); a pipeline that keeps an input after its call must copy it. The output arrays are
  copied into the slot's output block, again replaced by references. An output that does not
  fit travels as a pickle, as before, and the worker says how many bytes the batch needed, so
  the next output block is large enough.
* Main process, receiving: each output array is **copied out** of the block into memory of its
  own, so the slot is free for the next batch at once and the consumer owns what it is given.

The main process creates, and alone unlinks, every block (``close``: on every way out of the
stream, including a worker that died); a block the main process could not unlink because it was
killed is unlinked by ``multiprocessing``'s resource tracker. Workers attach without registering
(they never unlink) and drop the blocks the main process has retired. A block that cannot be
reserved (``/dev/shm`` full, as in a container with a small ``--shm-size``) is not an error: that
batch travels as pickles.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any, NamedTuple

import numpy as np

_MIN_BYTES = 4096  # smaller arrays pickle as cheaply as they travel here
_ALIGN = 64
_MIN_BLOCK = 1 << 20  # blocks grow by powers of two from 1 MiB: a few sizes for a whole stream
_ENABLED = True  # False: every batch as pickles (benchmarks/stream.py --pickles compares)
#: The per-item size estimates decay by this factor per batch, so that one large item does not
#: keep every later batch at one item; a slot's block is replaced by a smaller one when it is
#: ``_SHRINK`` times larger than a batch needs (its pages are reserved).
_DECAY = 0.5
_SHRINK = 8
_PLAIN = frozenset({str, int, float, bool, bytes, type(None)})  # values that hold no array
_BATCH_BYTES = 64 << 20  # array bytes a batch carries at most, each way (a batch is still one item or more)


class Shared(NamedTuple):
    """Where an array lies in a block: what travels in place of the array."""

    offset: int
    nbytes: int
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    fortran: bool


class Route(NamedTuple):
    """A batch's blocks, as the worker sees them: names (``None``: no block), the output block's
    size, and the names of every block still alive (the worker drops the others)."""

    inputs: str | None
    outputs: str | None
    out_size: int
    live: tuple[str, ...]


def _eligible(value: Any) -> bool:
    return type(value) is np.ndarray and value.nbytes >= _MIN_BYTES and not value.dtype.hasobject


class _Cycle(Exception):
    """A container met again inside itself (its id): it is kept whole, as a pickle keeps it."""


_INSIDE = object()  # the memo's mark of a container being walked


def _walk(obj: Any, test: Callable[[Any], bool], fn: Callable[[Any], Any], memo: dict[int, Any]) -> Any:
    """``obj`` with every value that passes ``test`` (in dicts, lists and tuples) replaced by
    ``fn(value)``; containers without one are returned as they are.

    A container met twice becomes one new container (``memo``, by identity), as a pickle keeps
    it; a container that holds itself (a dict in its own values) is kept whole, cycle and arrays
    included: it travels as a pickle, which rebuilds the cycle."""
    if test(obj):
        return fn(obj)
    kind = type(obj)
    if kind is not dict and kind is not list and kind is not tuple:
        return obj
    seen = memo.get(id(obj))
    if seen is _INSIDE:
        raise _Cycle(id(obj))
    if seen is not None:
        return seen
    memo[id(obj)] = _INSIDE
    try:
        if kind is dict:
            new = None
            for k, v in obj.items():
                w = _walk(v, test, fn, memo)
                if w is not v:
                    new = dict(obj) if new is None else new
                    new[k] = w
            out = obj if new is None else new
        else:
            items = [_walk(v, test, fn, memo) for v in obj]
            out = obj if all(a is b for a, b in zip(items, obj, strict=True)) else kind(items)
    except _Cycle as cycle:
        if cycle.args[0] != id(obj):
            memo.pop(id(obj))
            raise  # a container inside the cycle: the one it closes on is kept whole
        out = obj
    memo[id(obj)] = out
    return out


def _swap(obj: Any, fn: Callable[[np.ndarray], Any]) -> Any:
    """``obj`` with every eligible array replaced by ``fn(array)`` (see :func:`_walk`)."""
    return _walk(obj, _eligible, fn, {})


def _restore(obj: Any, fn: Callable[[Shared], Any]) -> Any:
    """The inverse of :func:`_swap`: every :class:`Shared` reference replaced by ``fn(ref)``; the
    same reference twice gives the same array, as the item held the same array twice."""
    arrays: dict[int, Any] = {}

    def one(ref: Shared) -> Any:
        array = arrays.get(ref.offset)
        if array is None:
            array = arrays[ref.offset] = fn(ref)
        return array

    return _walk(obj, _is_ref, one, {})


def _is_ref(value: Any) -> bool:
    return type(value) is Shared


def _is_array(value: Any) -> bool:
    return type(value) is np.ndarray


def plain(obj: Any) -> bool:
    """Whether ``obj`` is a dict of plain values and arrays of numbers, which always cross to a
    worker and back (a text's sample, an image's)."""
    if type(obj) is not dict:
        return False
    for v in obj.values():
        if type(v) not in _PLAIN and (type(v) is not np.ndarray or v.dtype.hasobject):
            return False
    return True


def holds_no_array(obj: Any) -> bool:
    """Whether ``obj`` is a dict of plain values only (a text's sample or output)."""
    return type(obj) is dict and all(type(v) in _PLAIN for v in obj.values())


def crosses(sample: Any) -> bool:
    """Whether ``sample`` holds an array that would cross to a worker through shared memory."""
    if not _ENABLED or holds_no_array(sample):
        return False
    layout = _Layout(0)  # counts only
    try:
        _swap(sample, layout)
    except RecursionError:
        return False
    return layout.needed > 0


def stubbed(obj: Any) -> Any:
    """``obj`` with its large arrays replaced by ``None``: what must pickle for it to cross to a
    worker (the arrays go through shared memory). Raises RecursionError as :func:`_swap` does."""
    return _swap(obj, lambda _array: None)


def owned(out: Any, given: Any) -> Any:
    """``out`` as it would come back from a worker: every array in it that is not memory of its
    own (a view, read-only, or an array of the input ``given``) copied, one copy per array."""
    if holds_no_array(out):
        return out  # a text's output
    if plain(out) and plain(given):  # flat dicts (an image's): no walk (~3 µs of this process)
        arrays = {id(v) for v in given.values() if type(v) is np.ndarray}
        if all(type(v) is not np.ndarray or _own(v, arrays) for v in out.values()):
            return out
    inputs: set[int] = set()

    def seen(array: np.ndarray) -> np.ndarray:
        inputs.add(id(array))
        return array

    _walk(given, _is_array, seen, {})
    copies: dict[int, np.ndarray] = {}

    def own(array: np.ndarray) -> np.ndarray:
        if _own(array, inputs):
            return array
        copy = copies.get(id(array))
        if copy is None:
            copy = copies[id(array)] = array.copy(order="K")
        return copy

    return _walk(out, _is_array, own, {})


def _own(array: np.ndarray, inputs: set[int]) -> bool:
    """Whether ``array`` is memory of its own: not a view, writeable, not one of the ``inputs`` (ids)."""
    return array.base is None and bool(array.flags.writeable) and id(array) not in inputs


class _Block:
    """A block of shared memory; arrays are views of its bytes (each holds the buffer while alive)."""

    def __init__(self, memory: shared_memory.SharedMemory) -> None:
        self.memory, self.name, self.size = memory, memory.name, memory.size

    def _bytes(self, ref: Shared) -> np.ndarray:
        return np.frombuffer(self.memory.buf, np.uint8, ref.nbytes, ref.offset)  # type: ignore[arg-type]

    def view(self, ref: Shared) -> np.ndarray:
        return self._bytes(ref).view(ref.dtype).reshape(ref.shape, order="F" if ref.fortran else "C")

    def write(self, array: np.ndarray, ref: Shared) -> None:
        flat = array.ravel(order="F") if ref.fortran else array.ravel()  # a view when contiguous
        self._bytes(ref)[...] = flat.view(np.uint8)

    def release(self, unlink: bool) -> None:
        """Unmap it (and remove it, in the main process); a view still alive keeps its mapping."""
        try:
            self.memory.close()
        except BufferError:  # pragma: no cover - a view kept by a pipeline: the mapping goes with it
            pass
        if unlink:
            try:
                self.memory.unlink()
            except FileNotFoundError:  # pragma: no cover - already gone
                pass


class _Layout:
    """Offsets for arrays packed one after the other into a block of ``size`` bytes (those past the
    end are left as they are); ``needed`` is what all of them would have taken."""

    def __init__(self, size: int) -> None:
        self.size, self.needed = size, 0
        self.placed: list[tuple[np.ndarray, Shared]] = []
        self.seen: dict[int, Any] = {}  # id of an array -> what it became: one array travels once

    def __call__(self, array: np.ndarray) -> Any:
        seen = self.seen.get(id(array))  # the arrays stay alive while they are laid out
        if seen is None:
            seen = self.seen[id(array)] = self._place(array)
        return seen

    def clear(self) -> None:
        self.placed.clear()
        self.seen.clear()

    def _place(self, array: np.ndarray) -> Any:
        if self.size == 0:  # no block: only count
            self.needed = -(-self.needed // _ALIGN) * _ALIGN + array.nbytes
            return array
        offset = -(-self.needed // _ALIGN) * _ALIGN
        self.needed = offset + array.nbytes
        if self.needed > self.size:
            return array
        fortran = array.flags.f_contiguous and not array.flags.c_contiguous
        ref = Shared(offset, array.nbytes, array.shape, array.dtype, fortran)
        self.placed.append((array, ref))
        return ref

    def write(self, block: _Block) -> None:
        for array, ref in self.placed:
            block.write(array, ref)


# -- main process ---------------------------------------------------------------------------------


def _create(size: int) -> _Block | None:
    """A new block of ``size`` bytes with its pages reserved, or None when there is no room."""
    name = f"ma{os.getpid()}_{secrets.token_hex(4)}"  # short: macOS allows 31 characters
    try:
        memory = shared_memory.SharedMemory(name, create=True, size=size)
    except OSError:
        return None
    fd = getattr(memory, "_fd", -1)
    if fd >= 0 and hasattr(os, "posix_fallocate"):
        try:  # reserve the pages now: a full /dev/shm is refused here, never a SIGBUS later
            os.posix_fallocate(fd, 0, size)
        except OSError:
            memory.close()
            memory.unlink()
            return None
    return _Block(memory)


_TOO_DEEP = "nested too deeply to cross to a worker process (RecursionError); pass workers=0, or flatten it"


def _send_one(unit: Any, layout: _Layout) -> Any:
    """A unit with its large arrays laid out; one nested too deeply for that fails alone."""
    label, key, sample = unit
    if holds_no_array(sample):
        return unit  # a text's sample: nothing to lay out (the walk cost ~1 µs of the main process a text)
    try:
        return label, key, _swap(sample, layout)
    except RecursionError:
        return label, f"is {_TOO_DEEP}", None


@dataclass
class Ticket:
    """The slot a batch went out with, and what the worker must know of it."""

    slot: int
    route: Route | None
    sent_bytes: int = 0


class Exchange:
    """The main process's side: ``slots`` pairs of blocks, one per batch in flight."""

    def __init__(self, slots: int) -> None:
        self._slots = slots
        self._free = list(range(slots))[::-1]
        self._blocks: dict[tuple[int, str], _Block] = {}
        self._out_per_byte = 1.0  # output bytes per input byte (grows as batches tell)
        self._out_per_item = 0.0
        self._in_per_item = 0.0

    def add_slots(self, n: int) -> None:
        """``n`` more slots: more batches in flight (a worker added)."""
        self._slots += n
        self._free[:0] = range(self._slots - 1, self._slots - n - 1, -1)

    def most_items(self) -> int:
        """Items a batch may hold so that its arrays, in or out, stay under ``_BATCH_BYTES``."""
        largest = max(self._in_per_item, self._out_per_item, self._in_per_item * self._out_per_byte)
        return max(1, int(_BATCH_BYTES // largest)) if largest else sys.maxsize

    def _block(self, slot: int, kind: str, size: int) -> _Block | None:
        """The slot's block of that kind, grown (replaced) when smaller than ``size``."""
        block = self._blocks.get((slot, kind))
        if block is not None and size <= block.size < _SHRINK * max(size, _MIN_BLOCK):
            return block  # big enough, and not many times too big (one large item passed)
        if block is not None:
            del self._blocks[slot, kind]
            block.release(unlink=True)
        block = _create(max(_MIN_BLOCK, 1 << (size - 1).bit_length()))
        if block is not None:
            self._blocks[slot, kind] = block
        return block

    def send(self, batch: list[Any]) -> tuple[list[Any], Ticket]:
        """The batch with its large input arrays in the slot's input block (units are
        ``(label, key, sample)``; only samples are searched)."""
        slot = self._free.pop()
        if not _ENABLED:
            return batch, Ticket(slot, None)
        layout = _Layout(sys.maxsize)
        sent = [_send_one(unit, layout) for unit in batch]
        self._in_per_item = max(layout.needed / len(batch), self._in_per_item * _DECAY)
        inputs = self._block(slot, "in", layout.needed) if layout.placed else None
        if inputs is None:
            # no arrays, or no room: pickles (an item that failed to be laid out stays failed)
            sent = [unit if out[2] is not None else out for unit, out in zip(batch, sent, strict=True)]
        else:
            layout.write(inputs)
        wanted = int(max(self._out_per_byte * layout.needed, self._out_per_item * len(batch)))
        outputs = self._block(slot, "out", wanted) if wanted else None
        if inputs is None and outputs is None:
            return sent, Ticket(slot, None)
        sent_bytes = layout.needed if inputs is not None else 0
        live = tuple(block.name for block in self._blocks.values())
        route = Route(
            None if inputs is None else inputs.name,
            None if outputs is None else outputs.name,
            0 if outputs is None else outputs.size,
            live,
        )
        return sent, Ticket(slot, route, sent_bytes)

    def receive(self, results: list[Any], ticket: Ticket, needed: int) -> Iterator[Any]:
        """The batch's results, each with its arrays copied out of the output block as it is
        taken (so a consumer that drops each output reuses the same memory); the slot is free
        once the last one is taken."""
        if needed:
            self._out_per_item = max(needed / max(1, len(results)), self._out_per_item * _DECAY)
            if ticket.sent_bytes:
                self._out_per_byte = max(needed / ticket.sent_bytes, self._out_per_byte * _DECAY, 1.0)
        try:
            if ticket.route is None or ticket.route.outputs is None:
                yield from results
                return
            block = self._blocks[ticket.slot, "out"]
            for label, out, why in results:
                yield label, _restore(out, lambda ref: block.view(ref).copy(order="K")), why
        finally:
            self._free.append(ticket.slot)

    def close(self) -> None:
        """Unlink every block (the workers' mappings of them end with the workers)."""
        blocks, self._blocks = list(self._blocks.values()), {}
        for block in blocks:
            block.release(unlink=True)


# -- worker process -------------------------------------------------------------------------------

_ATTACHED: dict[str, _Block] = {}


def _attach(name: str) -> _Block:
    block = _ATTACHED.get(name)
    if block is not None:
        return block
    if sys.version_info >= (3, 13):
        memory = shared_memory.SharedMemory(name, track=False)
    else:  # older Pythons register an attached block with the resource tracker as if this process
        # had created it (cpython#82300): the main process alone owns, and unlinks, the blocks.
        from multiprocessing import resource_tracker

        register = resource_tracker.register
        resource_tracker.register = lambda *args, **kwargs: None
        try:
            memory = shared_memory.SharedMemory(name)
        finally:
            resource_tracker.register = register
    block = _ATTACHED[name] = _Block(memory)
    return block


def open_inputs(batch: list[Any], route: Route) -> list[Any]:
    """In a worker: the batch's references as arrays viewing the input block (and the mappings of
    retired blocks closed)."""
    for name in [n for n in _ATTACHED if n not in route.live]:
        _ATTACHED.pop(name).release(unlink=False)
    if route.inputs is None:
        return batch
    block = _attach(route.inputs)
    # views, not copies: the pipeline reads the input in place. The block is refilled only after
    # the batch's results are back, so an input is valid during its call; a pipeline that keeps
    # an input after its call (none of multiaug's do) must copy it.
    return [(label, key, _restore(sample, block.view)) for label, key, sample in batch]


class Placer:
    """In a worker: puts each result's large arrays in the output block as soon as it is made (so
    the array's memory is reused by the next item's, as in a plain loop); those that do not fit
    stay arrays. ``needed``: the bytes all of the batch's output arrays would take."""

    def __init__(self, route: Route | None) -> None:
        self._name = None if route is None else route.outputs
        self._layout = _Layout(0 if route is None or route.outputs is None else route.out_size)

    @property
    def needed(self) -> int:
        return self._layout.needed

    def __call__(self, result: Any) -> Any:
        label, out, why = result
        if holds_no_array(out):
            return result  # nothing to place or count (a text's output)
        layout = self._layout
        try:
            placed = _swap(out, layout)
        except RecursionError:
            layout.clear()
            return label, None, f"gave an output {_TOO_DEEP}"
        if layout.placed:
            assert self._name is not None
            layout.write(_attach(self._name))
            result = label, placed, why
        layout.clear()
        return result
