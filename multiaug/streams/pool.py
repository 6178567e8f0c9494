"""Keyed calls of one pipeline over a stream of units, in this process or an ordered process pool.

Units and results are those of :mod:`multiaug.streams.calls`: what to do with a failure (stop or
skip) is the caller's choice, so one bad item never takes its batch down.

The pool (worker processes and their pipes: :mod:`multiaug.streams.workers`): units travel in
small batches whose size adapts to the measured cost of a call (about 20 ms of work a batch), so
the round trips stay small next to the work; at most ``2 * workers`` batches are in flight, and
results come back in input order. The large arrays of a batch, both ways, travel through shared
memory (:mod:`multiaug.streams.shm`), one pair of blocks per batch in flight; only references to
them are pickled. Where it helps them (below), while the workers start, the main process
computes the first units itself and hands each over at once (the plain loop); each worker
meanwhile computes a copy of the first unit, whose result is dropped, so that it is warm (its
lazy imports done) when the batches come (elsewhere the main process runs no item: a pipeline
that loads a model on its first call loads it in the workers only). While
the consumer waits for a worker's answer, the main process computes the next units itself
(:func:`call_here`: the same results, failures included), where the workers leave a core idle and
the source is fast next to the work; with one worker on a machine that turns out to have no idle
core, it computes items alone for a while (the plain loop), the worker idle.
"""

from __future__ import annotations

import itertools
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

from ..core.errors import InvalidInputError
from . import shm
from .calls import Result, Unit, Work, call, keyed_call, reason, run_local
from .workers import _cannot_travel, _dumps, _Workers

__all__ = ["Result", "Unit", "Work", "call", "call_here", "keyed_call", "reason", "run_local", "run_pool"]

_TARGET_S = 0.02  # work per batch: pool overhead (about 0.2 ms a round trip) stays near 1 %
_MAX_BATCH = 256  # items a batch holds at most (bounds memory with large items)
_AHEAD = 2  # batches in flight per worker: one computing, one queued behind it

#: Whether this process computes items itself while it waits for a busy worker (run_pool's ``pipe``)
_HELP = True
_HELP_AHEAD = 1  # batches queued per worker, more than _AHEAD, when this process helps
_HELP_BATCHES = 2  # items this process computes between two answers, at most, in batches of the workers' size
_CORE_SHARE = 0.5  # helps only while this process gets at least half a core for it
_STINT_S = 0.002  # a stint of help shorter than this says nothing of the core it ran on
_REST = 16  # answers handed over without help after a stint that found no idle core
#: Answers before a stint of help is judged: while the batches grow (1, 1, 4, 16, 64... items) the
#: worker is still warming up and the resource tracker starting, and a stint that found no idle core
#: there says nothing of the machine (on a quiet one it turned the help off for 16 answers, most
#: of a short stream).
_WARM = 8
#: With one worker on a machine whose cores are all taken (``_STRIKES`` stints of help in a row got
#: under half a core) and items whose arrays cross through shared memory, the stream's process
#: stops sending and, the batches in flight handed over, computes the next ``_ALONE_BATCHES``
#: batches' worth of items itself, as the plain loop: there a worker and this process get a core's
#: share each, and an image that crosses costs ~35% more CPU than one computed here (a text a few
#: µs: text keeps the rest rule, under which its stream ran faster). False: as before session 10.
_ALONE = True
_ALONE_BATCHES = 64  # about 1.3 s of work (batches of ~20 ms): a try of the pool costs ~3 batches
_ALONE_S = _ALONE_BATCHES * _TARGET_S  # and at most this long (seconds), whatever the items cost
_STRIKES = 3  # stints in a row that found no idle core, for one worker (one is a blip: another job's start)
_SOURCE_SHARE = 4  # helps only while the source takes under a quarter of an item's work per item
#: Whether this process computes the first items itself while the workers start (run_pool's
#: ``pipe``), where it helps them afterwards (``_helps``; else the workers alone compute, and a
#: pipeline that loads a model on its first call loads it there only): spawned workers take
#: 0.2-0.3 s to import multiaug, and a stream of 2,000 small images waited that long for its first
#: output, this process idle. False: as before session 11.
_START = True
#: Where ``workers`` would take every core (2 workers on 2 cores) and the items' arrays cross through
#: shared memory (images), the pool starts one worker fewer and this process helps it: the items
#: computed here cost no crossing (~35-45 µs of this process and ~50 µs of a worker per 128x128
#: image), and a third busy process on two cores only moves CPU around. False: ``workers`` as asked.
_SPARE = True
_ASLEEP_SHARE = 0.25  # the share of a stream's time its consumer sleeps that starts a spared worker


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


def _cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def call_here(pipe: Any, unit: Unit, epoch: int, work: Work = keyed_call) -> Result:
    """A unit computed in this process while the workers are busy, with the result a worker
    would give: an item that could not cross to a worker, or an output that could not come back,
    fails by the same reason, and the output's arrays are the consumer's own (copied when they are
    views or the item's own arrays), as those crossing back from a worker are."""
    label, _key, sample = unit
    if sample is not None and not shm.plain(sample):
        try:
            _dumps(shm.stubbed(sample))
        except RecursionError:
            return label, None, f"is {shm._TOO_DEEP}"
        except Exception as exc:  # what would fail to pickle on its way to a worker
            return label, None, _cannot_travel(exc)  # arrays are stubs here: not theirs
    label, out, why = call(pipe, unit, epoch, work)
    if why is None and not shm.plain(out):
        why = _cannot_come_back(out)
    if why is not None:
        return label, None, why
    return label, shm.owned(out, sample), None


def _cannot_come_back(out: Any) -> str | None:
    """Why an output could not come back from a worker (the reasons of :class:`shm.Placer`,
    :func:`_dump_each` and :meth:`_Workers._read`), or None."""
    try:
        data = _dumps(shm.stubbed(out))
    except RecursionError:
        return f"gave an output {shm._TOO_DEEP}"
    except Exception as exc:
        return f"gave an output that does not pickle ({type(exc).__name__}: {exc})"
    try:
        pickle.loads(data)
    except Exception as exc:
        return f"gave an output that could not be rebuilt in the main process ({type(exc).__name__}: {exc})"
    return None


class _Flight:
    """The batches in flight, in input order: ``(worker, ticket, labels)`` for a worker's,
    ``(-1, None, results)`` for the items this process computed itself while it waited."""

    def __init__(self, solo: bool = False) -> None:
        self.entries: deque[tuple[int, Any, list[Any]]] = deque()
        self.solo = solo  # one worker: stints without an idle core lead to running alone, not to rest
        self.strikes = 0  # stints in a row that found no idle core (solo)
        self.source_s = 0.0  # seconds the source took per item, last measured
        self.item_s = 0.0  # seconds a worker took per item, last batch (0 before the first answer)
        self.rest = 0  # answers to hand over before helping again (after help that found no core)
        self.answers = 0  # answers handed over so far
        self.busy = False  # the last stint judged found no idle core (cleared by run_pool)

    def worth_helping(self) -> bool:
        """Whether helping pays: the source gives items quickly next to their work (a slow source,
        such as a queue that waits, would hold finished answers back while it waits), and the last
        stint of help ran on a core of its own (on a machine busy with other jobs it does not)."""
        return self.rest == 0 and _SOURCE_SHARE * self.source_s < self.item_s

    def helped(self, seconds: float, cpu: float) -> None:
        """A stint of help took ``seconds``, of which this process ran ``cpu``: under half a core,
        the machine has no idle core to give, and helping waits ``_REST`` answers, or, with one
        worker, after ``_STRIKES`` such stints in a row, the stream runs alone (``busy``). Judged
        once the stream is past its first ``_WARM`` answers."""
        if self.answers < _WARM or seconds <= _STINT_S:
            return
        if cpu >= _CORE_SHARE * seconds:
            self.strikes = 0
        elif not self.solo:
            self.rest = _REST
        else:
            self.strikes += 1
            self.busy = self.strikes >= _STRIKES

    def started(self, size: int) -> None:
        """The workers warm after the start (``_start``), its first batches of ``size`` items:
        the cost of an item guessed from this process's until the first answer, and the stints of
        help judged at once (the warm-up that ``_WARM`` waits for is over)."""
        self.item_s = _TARGET_S / size
        self.answers = _WARM

    def answered(self, items: int, seconds: float) -> None:
        self.item_s = seconds / max(1, items)
        self.rest = max(0, self.rest - 1)
        self.answers += 1

    def local_tail(self) -> list[Any]:
        """The results list of the last entry, a new local entry when the last one is a worker's."""
        if not self.entries or self.entries[-1][0] >= 0:
            self.entries.append((-1, None, []))
        return self.entries[-1][2]


def run_pool(
    data: bytes,
    units: Iterable[Unit],
    epoch: int,
    workers: int,
    owner: str,
    work: Work = keyed_call,
    ready: Callable[[], bool] | None = None,
    pipe: Any = None,
) -> Iterator[Result]:
    """The units on ``workers`` spawned processes, results in input order, at most ``2 * workers``
    batches pulled ahead of the consumer. ``data`` is the pipeline (:func:`pickled_pipeline`).

    ``ready()``, when given, says whether the source has an item at hand: a batch then takes only
    those (a slow producer, such as a pipe, never waits for a batch to fill up).

    ``pipe``, when given (the pipeline itself): the first unit is read before the workers start
    (where ``workers`` would take every core and its arrays cross, one fewer starts: ``_spare``);
    where the workers then leave a core idle, while they start this process computes the first
    units itself (``_start``), and while the consumer waits for a worker's answer, it computes the
    next units (:func:`call_here`) until the answer is at hand (``_help``), and with one worker and
    no idle core it runs alone for a while (``_alone``); workers spared start where the consumer
    sleeps and still waits for answers (``_Spare``, which needs the consumer's time between two
    results: ``_clocked``).
    """
    clock = _Clock()
    return _clocked(_run_pool(data, units, epoch, workers, owner, work, ready, pipe, clock), clock)


def _run_pool(
    data: bytes,
    units: Iterable[Unit],
    epoch: int,
    workers: int,
    owner: str,
    work: Work,
    ready: Callable[[], bool] | None,
    pipe: Any,
    clock: _Clock,
) -> Generator[Result, None, None]:
    """:func:`run_pool`, the consumer's time measured by ``clock``."""
    source = _Guarded(units)
    arranged = _first(source, workers, pipe)
    if arranged is None:
        return source.rethrow()  # an empty stream (or one whose source failed at once): no worker started
    first, count = arranged
    spare, workers = _Spare(workers - count, clock), count
    pool = _Workers(workers, data, owner)
    helps = _helps(workers, pipe)
    # A process that helps notices an answer only between two of its items (later still when the
    # system runs other jobs): one more batch queued keeps the workers busy meanwhile.
    ahead = (_AHEAD + _HELP_AHEAD if helps else _AHEAD) * workers
    exchange = shm.Exchange(ahead)  # one slot of shared memory per batch in flight
    solo = helps and workers == 1 and _ALONE
    flight = _Flight(solo)
    pending = flight.entries
    size, exhausted, finished = 1, False, False  # the first item goes out alone: its result comes at once
    try:
        if first is not None:
            exhausted, size = yield from _start(pool, exchange, source, first, (pipe, epoch, work))
            flight.started(size)
        while True:
            if solo and flight.busy and not pending:  # no idle core: one worker is the costlier way
                exhausted = yield from _alone(source, _ALONE_BATCHES * size, (pipe, epoch, work))
                flight.strikes, flight.busy = 0, False  # then the pool again, and help judges anew
                continue
            while not exhausted and sum(pool.load) < ahead and not (solo and flight.busy):
                if pending and ready is not None and not ready():
                    break  # nothing at hand: hand over the finished results before waiting for more
                if pending and min(pool.load) > 0 and _head_ready(pool, pending[0][0]):
                    break  # every worker busy: hand over the finished results before reading on
                started = time.perf_counter()
                batch = _take(source, size, ready)
                exhausted = not batch
                if batch:
                    flight.source_s = (time.perf_counter() - started) / len(batch)
                    sent, ticket = exchange.send(batch)
                    flight.solo = solo and ticket.route is not None  # arrays cross: a costly crossing
                    w = pool.send(sent, epoch, work, ticket.route)
                    pending.append((w, ticket, [unit[0] for unit in batch]))
            if not pending:
                finished = True
                return source.rethrow()  # the source's error, once every item before it is out
            w = pending[0][0]
            waited = spare.missing > 0 and w >= 0 and not pool.ready(w)  # the consumer waits for the pool
            if helps and w >= 0 and not exhausted and flight.worth_helping():
                exhausted = _help(pool, w, flight, source, _HELP_BATCHES * size, (pipe, epoch, work), ready)
            entry = pending.popleft()
            if entry[0] < 0:  # computed here while waiting
                yield from entry[2]
            else:
                size = yield from _answer(pool, exchange, flight, entry)
                ahead += spare.step(pool, exchange, (epoch, work), ahead // pool.active, waited)
                solo = solo and pool.active == 1
    finally:
        # At the end the idle workers exit at once; a consumer that stopped early (or failed) does
        # not wait for the running batches. The shared memory goes in every case.
        try:
            pool.close(finished)
        finally:
            exchange.close()


class _Clock:
    """Seconds the consumer spent between two outputs without this process's CPU (asleep: a wait
    on a GPU, a disk, a queue), counted while ``on`` (:func:`_clocked`)."""

    def __init__(self) -> None:
        self.on = False
        self.asleep = 0.0


def _clocked(results: Generator[Result, None, None], clock: _Clock) -> Iterator[Result]:
    try:
        for result in results:
            if not clock.on:
                yield result
                continue
            wall, cpu = time.perf_counter(), time.process_time()
            yield result
            clock.asleep += time.perf_counter() - wall - (time.process_time() - cpu)
    finally:
        results.close()


class _Spare:
    """The workers asked for and not started (``_spare``): one is started when the consumer
    sleeps (a training step waiting on a GPU, a disk) through ``_ASLEEP_SHARE`` of the stream's time
    or more and still waits for the pool's answers, ``_STRIKES`` answers in a row: this process then
    cannot help, and the core that worker would take sits idle. A consumer whose answers are ready
    when it asks (the workers keep up with it) gets none: it would only start a process, and pay a
    pipeline's lazy start-up (a model) in it. It gets batches once it has answered an empty
    warm-up batch."""

    def __init__(self, missing: int, clock: _Clock) -> None:
        self.missing, self.clock = missing, clock
        clock.on = missing > 0
        self.since, self.asleep, self.strikes = time.perf_counter(), 0.0, 0
        self.warming = -1  # the worker started and not yet warm

    def step(
        self, pool: _Workers, exchange: shm.Exchange, how: tuple[int, Work], per_worker: int, waited: bool
    ) -> int:
        """After an answer (``waited``: it was not at hand when the consumer asked): starts a
        worker, or puts a warm one to work; returns the batches in flight that adds
        (``per_worker``, the slots added to ``exchange``), else 0."""
        if self.warming >= 0:
            if not pool.ready(self.warming):
                return 0
            pool.receive(self.warming)
            self.warming, self.missing = -1, self.missing - 1
            pool.active += 1
            self.clock.on = self.missing > 0
            exchange.add_slots(per_worker)
            return per_worker
        if not self.missing:
            return 0
        now, asleep = time.perf_counter(), self.clock.asleep
        share = (asleep - self.asleep) / max(now - self.since, 1e-9)
        self.since, self.asleep = now, asleep
        self.strikes = self.strikes + 1 if share >= _ASLEEP_SHARE and waited else 0
        if self.strikes >= _STRIKES:
            self.warming, self.strikes = pool.grow(), 0
            pool.send([], *how, None, to=self.warming)
        return 0


def _answer(
    pool: _Workers, exchange: shm.Exchange, flight: _Flight, entry: tuple[int, Any, list[Any]]
) -> Generator[Result, None, int]:
    """The results of a worker's batch (``entry``: worker, ticket, labels), handed over; returns
    the next batch's size."""
    w, ticket, labels = entry
    answer = pool.receive(w)
    if isinstance(answer, str):  # the worker could not rebuild the batch: each item fails
        answer = ([(label, None, answer) for label in labels], 0.0, 0)
    results, seconds, needed = answer
    flight.answered(len(results), seconds)
    # Grown from the batch just finished, not from the last size asked for: that would compound
    # (1, 1, 2, 8, 32 items after a slow first item) and read far ahead of a slow consumer.
    size = min(_next_size(len(results), len(results), seconds), exchange.most_items())
    yield from exchange.receive(results, ticket, needed)
    return size


def _first(source: _Guarded, workers: int, pipe: Any) -> tuple[Unit | None, int] | None:
    """With ``pipe``, the first unit for ``_start`` and the workers to start (``_spare``), or None
    for an empty source; the unit is put back first in the source (None for ``_start``) where this
    process does not compute items of the stream anyway (``_START`` off, or no help: the workers
    take every core), so that a pipeline loading heavy state on its first call (a model) loads it
    in the workers only. Without ``pipe``, None and ``workers``."""
    if pipe is None:
        return None, workers
    first = next(source, None)
    if first is None:
        return None
    workers = _spare(workers, first, pipe)
    if not (_START and _helps(workers, pipe)):
        source.it = itertools.chain([first], source.it)  # it goes to a worker, as before session 11
        return None, workers
    return first, workers


def _helps(workers: int, pipe: Any) -> bool:
    """Whether this process computes items while it waits for ``workers`` (``_help``): they leave
    a core idle."""
    return pipe is not None and _HELP and workers < _cores()


def _spare(workers: int, unit: Unit | None, pipe: Any) -> int:
    """The workers to start: one fewer than the cores, this process helping them, where ``workers``
    would take every core and the items' arrays cross through shared memory (judged on the first
    unit); else ``workers``."""
    cores = _cores()
    if not (_SPARE and _HELP and pipe is not None and unit is not None and 2 <= cores <= workers):
        return workers
    sample = unit[2]
    return cores - 1 if sample is not None and shm.crosses(sample) else workers


def _start(
    pool: _Workers, exchange: shm.Exchange, source: Iterator[Unit], unit: Unit, how: tuple[Any, int, Work]
) -> Generator[Result, None, tuple[bool, int]]:
    """While the workers start: ``unit`` (the first) and the next units computed here, each handed
    over at once (the plain loop), until every worker has answered a warm-up batch, a copy of the
    first unit whose result is dropped (its first call pays the pipeline's lazy imports, before the
    first real batch). Returns whether the source is exhausted, and the first batch size
    (``_TARGET_S`` of work at the rate of this process's items)."""
    pipe, epoch, work = how
    warming = {}
    for _ in pool.load:  # one warm-up batch each (a worker is sent one batch at a time here)
        sent, ticket = exchange.send([unit])
        warming[pool.send(sent, epoch, work, ticket.route)] = ticket
    began, done = time.perf_counter(), 0
    while True:
        yield call_here(pipe, unit, epoch, work)
        done += 1
        for w in [w for w in warming if pool.ready(w)]:
            answer = pool.receive(w)
            results, _, needed = ([], 0.0, 0) if isinstance(answer, str) else answer
            for _ in exchange.receive(results, warming.pop(w), needed):  # frees the slot
                pass
        if not warming:
            per_item = (time.perf_counter() - began) / done
            return False, max(1, min(_MAX_BATCH, exchange.most_items(), int(_TARGET_S / per_item)))
        following = next(source, None)
        if following is None:
            return True, 1
        unit = following


def _head_ready(pool: _Workers, w: int) -> bool:
    return w < 0 or pool.ready(w)


def _help(
    pool: _Workers,
    w: int,
    flight: _Flight,
    source: Iterator[Unit],
    most: int,
    how: tuple[Any, int, Work],
    ready: Callable[[], bool] | None,
) -> bool:
    """Computes units here until worker ``w``'s answer is at hand, at most ``most`` of them in
    the local entry at the end of ``flight``; returns whether the source is exhausted."""
    pipe, epoch, work = how
    done = flight.local_tail()
    began, cpu = time.perf_counter(), time.process_time()
    try:
        while len(done) < most and flight.worth_helping() and not pool.ready(w):
            if ready is not None and not ready():
                return False
            started = time.perf_counter()
            unit = next(source, None)
            if unit is None:
                return True
            flight.source_s = max(flight.source_s, time.perf_counter() - started)
            done.append(call_here(pipe, unit, epoch, work))
        return False
    finally:
        flight.helped(time.perf_counter() - began, time.process_time() - cpu)


class _Guarded:
    """The source's iterator, ending where the source raises: the error is kept (``error``) and
    raised once the items already in flight are handed over, as the plain loop would have."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.it = iter(units)
        self.error: Exception | None = None

    def __iter__(self) -> _Guarded:
        return self

    def rethrow(self) -> None:
        """Raise the source's error, if it raised."""
        if self.error is not None:
            raise self.error

    def __next__(self) -> Unit:
        if self.error is not None:
            raise StopIteration
        try:
            return next(self.it)
        except StopIteration:
            raise
        except Exception as exc:
            self.error = exc
            raise StopIteration from None


def _alone(source: Iterator[Unit], most: int, how: tuple[Any, int, Work]) -> Generator[Result, None, bool]:
    """Up to ``most`` units computed here one after the other, each handed over at once (the
    plain loop), for at most ``_ALONE_S`` (items that grow costlier would otherwise keep the
    worker idle for long); returns whether the source is exhausted."""
    pipe, epoch, work = how
    end = time.perf_counter() + _ALONE_S
    for _ in range(most):
        unit = next(source, None)
        if unit is None:
            return True
        yield call_here(pipe, unit, epoch, work)
        if time.perf_counter() >= end:
            break
    return False


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
