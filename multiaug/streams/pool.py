"""Keyed calls of one pipeline over a stream of units, in this process or an ordered process pool.

A *unit* is ``(label, key, sample)``: ``label`` names the item in error messages (its id),
``key`` is the keyed call's key and ``sample`` the fields handed to the pipeline. A result is
``(label, output, None)`` or ``(label, None, reason)`` for a unit that failed: what to do with a
failure (stop or skip) is the caller's choice, so one bad item never takes its batch down.

The pool is the jobs' machinery (:mod:`multiaug.jobs.engines`): ``spawn`` worker processes that
ignore Ctrl-C, end when the parent is gone and run OpenCV on one thread. Units travel in small
batches whose size adapts to the measured cost of a call (about 20 ms of work a batch), so the
pool's round trips stay small next to the work; at most ``2 * workers`` batches are in flight,
and results come back in input order. The large arrays of a batch, both ways, travel through
shared memory (:mod:`multiaug.streams.shm`), one pair of blocks per batch in flight; only
references to them are pickled.
"""

from __future__ import annotations

import pickle
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..core.errors import InvalidInputError, MultiaugError
from . import shm
from .shm import Route

Unit = tuple[Any, Any, dict[str, Any] | None]
Result = tuple[Any, Any, str | None]

_TARGET_S = 0.02  # work per batch: pool overhead (about 0.2 ms a round trip) stays near 1 %
_MAX_BATCH = 256  # items a batch holds at most (bounds memory with large items)
_AHEAD = 2  # batches in flight per worker: one computing, one queued behind it

_PIPELINE: list[Any] = []  # the worker's pipeline, set once by _init_worker


def reason(exc: BaseException) -> str:
    """One line saying why an item failed (an InvalidInputError's problem, else the exception)."""
    from ..jobs.chunk import _reason

    return _reason(exc)


def keyed_call(pipe: Any, key: Any, sample: Any, epoch: int) -> Any:
    """The work of a unit of :func:`multiaug.stream`: the keyed call itself."""
    return pipe(**sample, key=key, epoch=epoch)


#: What a unit's work is: ``work(pipe, key, sample, epoch) -> output`` (a module-level function,
#: so it travels to the workers by name).
Work = Callable[[Any, Any, Any, int], Any]


def call(pipe: Any, unit: Unit, epoch: int, work: Work = keyed_call) -> Result:
    """One unit; a failure comes back as its reason (a unit with no sample failed earlier)."""
    label, key, sample = unit
    if sample is None:
        return label, None, str(key)  # a bad item: ``key`` holds the reason
    try:
        return label, work(pipe, key, sample, epoch), None
    except Exception as exc:  # every failure of one item follows on_error
        return label, None, reason(exc)


def run_local(pipe: Any, units: Iterable[Unit], epoch: int, work: Work = keyed_call) -> Iterator[Result]:
    """The units one after the other, in this process (``workers=0``): the plain loop of keyed calls."""
    for unit in units:
        yield call(pipe, unit, epoch, work)


def _init_worker(pickled: bytes) -> None:
    from ..jobs.chunk import _single_thread
    from ..jobs.engines import _ignore_sigint

    _ignore_sigint()
    _single_thread()
    _PIPELINE[:] = [pickle.loads(pickled)]


def _work(
    batch: list[Unit], epoch: int, work: Work, route: Route | None = None
) -> tuple[list[Result], float, int]:
    """A batch in a worker: its results, the seconds they took and the bytes its output arrays
    need in shared memory (``route``: the batch's blocks, :mod:`multiaug.streams.shm`)."""
    started = time.perf_counter()
    pipe = _PIPELINE[0]
    if route is not None:
        batch = shm.open_inputs(batch, route)
    place = shm.Placer(route)
    results = [place(call(pipe, unit, epoch, work)) for unit in batch]
    return results, time.perf_counter() - started, place.needed


def pickled_pipeline(owner: str, pipe: Any) -> bytes:
    """The pipeline as bytes for the workers, or an error naming ``workers`` when it cannot travel."""
    try:
        return pickle.dumps(pipe)
    except Exception as exc:
        raise InvalidInputError(
            owner,
            "workers",
            f"needs a pipeline that pickles, and this one does not ({type(exc).__name__}: {exc})",
            "pass workers=0, or use registered transforms (a Lambda of a module-level function pickles)",
        ) from None


def run_pool(
    data: bytes,
    units: Iterable[Unit],
    epoch: int,
    workers: int,
    owner: str,
    work: Work = keyed_call,
    ready: Callable[[], bool] | None = None,
) -> Iterator[Result]:
    """The units on ``workers`` spawned processes, results in input order, at most ``2 * workers``
    batches pulled ahead of the consumer. ``data`` is the pipeline (:func:`pickled_pipeline`).

    ``ready()``, when given, says whether the source has an item at hand: a batch then takes only
    those (a slow producer, such as a pipe, never waits for a batch to fill up).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(data,)
    )
    exchange = shm.Exchange(_AHEAD * workers)  # one slot of shared memory per batch in flight
    source = iter(units)
    pending: deque[tuple[Any, shm.Ticket]] = deque()
    size, exhausted, finished = 1, False, False  # the first item goes out alone: its result comes at once
    try:
        while True:
            while not exhausted and len(pending) < _AHEAD * workers:
                if pending and ready is not None and not ready():
                    break  # nothing at hand: hand over the finished results before waiting for more
                if pending and pending[0][0].done() and sum(not f.done() for f, _ in pending) >= workers:
                    break  # every worker busy: hand over the finished results before reading on
                batch = _take(source, size, ready)
                exhausted = not batch
                if batch:
                    sent, ticket = exchange.send(batch)
                    pending.append((pool.submit(_work, sent, epoch, work, ticket.route), ticket))
            if not pending:
                finished = True
                return
            future, ticket = pending.popleft()
            try:
                results, seconds, needed = future.result()
            except BrokenProcessPool:
                raise MultiaugError(
                    f"{owner}: a worker process died (killed, out of memory, or started from a script "
                    "without an `if __name__ == '__main__':` guard, which spawned workers need, "
                    "or the pipeline could not be rebuilt there); "
                    "the items after the last output were not augmented"
                ) from None
            # Grown from the batch just finished, not from the last size asked for: two batches go
            # out before the first result, so growing the last size would compound (1, 1, 2, 8, 32
            # items after a slow first item) and read far ahead of a consumer that took 5 outputs.
            grown = _next_size(len(results), len(results), seconds)
            size = min(grown, exchange.most_items())
            yield from exchange.receive(results, ticket, needed)
    finally:
        # At the end the idle workers exit at once; a consumer that stopped early (or failed) does not
        # wait: the queued batches are dropped and the running ones end on their own. The shared
        # memory goes in every case (a running batch keeps its mapping until it ends).
        try:
            pool.shutdown(wait=finished, cancel_futures=not finished)
        finally:
            exchange.close()


def _take(source: Iterator[Unit], n: int, ready: Callable[[], bool] | None) -> list[Unit]:
    """Up to ``n`` units (the first one waited for; with ``ready``, the others only if at hand)."""
    batch = []
    for unit in source:
        batch.append(unit)
        if len(batch) == n or (ready is not None and not ready()):
            break
    return batch


def _next_size(size: int, done: int, seconds: float) -> int:
    """The next batch size: about ``_TARGET_S`` of work, growing at most fourfold a step."""
    if done == 0:
        return size
    per_item = seconds / done
    wanted = int(_TARGET_S / per_item) if per_item > 0 else _MAX_BATCH
    return max(1, min(_MAX_BATCH, 4 * size, wanted))
