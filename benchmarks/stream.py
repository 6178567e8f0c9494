"""Streams: ``ma.stream`` items/s with 1 and 2 workers against a plain loop of keyed calls, and peak memory.

Run with ``cd benchmarks && ../.venv/bin/python stream.py [--items N] [--rounds R] [--rss-items ...]
[--workloads text image] [--no-help] [--pickles] [--thread]``.

Throughput. Items come from a generator (as from a file or a queue); four contenders augment
the same ``N`` items in interleaved rounds (the table gives the median, each round in brackets):

* ``loop``: ``for item in items: pipe(text=..., key=item["id"])`` in this process;
* ``stream, 1 worker`` / ``stream, 2 workers``: ``ma.stream(pipe, items, workers=W)`` (arrays
  travel through shared memory);
* ``2 loops at once (ceiling)``: the same loop split in two halves, run by two spawned processes
  started together (OpenCV on one thread, as in the workers; nothing crosses between processes):
  the most a 2-worker pool could give on this machine. ``x 2 loops`` gives every rate as a share
  of it, ``cores`` the cores a contender kept busy (items/s times the main process's and the
  workers' CPU per item): a stream near 2 is CPU-bound, one well under 2 waits somewhere;
* with ``--no-help``, ``stream, 1 worker, no help``: the main process never computes items itself
  while it waits (``pool._HELP = False``, the pool before session 7);
* with ``--pickles``, the same streams with every array pickled (as before shared memory);
* with ``--thread``, ``1 thread (not used)``: the keyed calls on one thread of this process, the
  design ``workers=1`` did not take (the GIL serialises the pipeline's Python with the reader's).

Two workloads: ``text`` (a word and character pipeline, about 75 µs an item) and ``image``
(flip, affine, colour jitter and noise on a 128x128 image, about 0.35 ms an item). A pool's time
counts from its first output to its last ("steady"); starting the spawned workers (importing
multiaug in each) is given apart ("start"), as it is paid once per stream, not per item. The
workers' CPU is read from ``/proc`` at the first output and at the last (their start-up and exit
left out; elsewhere, an estimate of the start-up is subtracted). In these rows the main process
waits for the workers' first answers (``pool._START = False``), so that they measure the pool at
work; ``end to end`` then times the same streams start-up included, the main process computing
the first items itself while the workers start (the default since session 11) and waiting: the
time to the first output and to the last.

Memory. ``ma.stream`` over ``M`` generated text items, in a fresh process per ``M`` and per
worker count, keeping nothing: the peak RSS of the main process (``ru_maxrss``) and of the
largest worker. Flat from 10k to 1M items means the stream never holds the whole input.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from _util import machine

import multiaug as ma


def text_pipeline() -> ma.Compose:
    return ma.Compose(
        [ma.text.RandomSwap(alpha=0.2), ma.text.RandomDelete(alpha=0.1), ma.text.CharNoise(alpha=0.05)],
        seed=0,
    )


def image_pipeline() -> ma.Compose:
    return ma.Compose(
        [
            ma.image.HorizontalFlip(),
            ma.image.Affine(scale=(0.9, 1.1), translate=0.05, rotate=10),
            ma.image.ColorJitter(0.2, 0.2, 0.2, 0.05),
            ma.image.GaussianNoise(),
        ],
        seed=0,
    )


def text_items(n: int, start: int = 0) -> Iterator[dict[str, Any]]:
    words = "the quick brown fox jumps over the lazy dog while rain falls on the quiet town".split()
    for i in range(start, n):
        k = i % len(words)
        yield {"id": f"doc{i}", "text": " ".join(words[k:] + words[:k])}


def image_items(n: int, start: int = 0) -> Iterator[dict[str, Any]]:
    base = np.random.default_rng(0).integers(0, 255, (128, 128, 3), np.uint8)
    for i in range(start, n):
        yield {"id": i, "image": np.roll(base, i, axis=1)}


def run_loop(pipe: ma.Compose, items: Iterator[dict[str, Any]]) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    n = 0
    for item in items:
        sample = {k: v for k, v in item.items() if k != "id"}
        pipe(**sample, key=item["id"])
        n += 1
    return 0.0, time.perf_counter() - t0, n


def run_stream(
    pipe: ma.Compose,
    items: Iterator[dict[str, Any]],
    workers: int,
    total: int,
    shared: bool = True,
    help: bool = True,
    start: bool = False,
) -> tuple[float, float, int, float | None]:
    """(start-up seconds, steady seconds, items, CPU seconds of the workers from the first output
    to the last): start-up is the wait for the first output; ``total``, the items. ``shared=False``:
    arrays as pickles, as before shared memory; ``help=False``: the main process never computes
    items itself (the pool before session 7); ``start=False`` (the default here): the main process
    does not compute the first items while the workers start, so that the steady rate and the
    workers' CPU leave their start-up out, as before session 11 (:func:`first_output` times it)."""
    from multiaug.streams import pool, shm

    shm._ENABLED, pool._HELP, pool._START = shared, help, start  # _START: none before session 11
    try:
        t0 = time.perf_counter()
        with ma.stream(pipe, items, workers=workers) as outs:
            next(outs)
            t1 = time.perf_counter()
            first, last, n = workers_cpu(), None, 1
            for _ in outs:
                n += 1
                if n == total:  # the workers still alive: what they used, start-up and exit left out
                    t2, last = time.perf_counter(), workers_cpu()
    finally:
        shm._ENABLED, pool._HELP, pool._START = True, True, True
    used = None if first is None or last is None else last - first
    return t1 - t0, (t2 if last is not None else time.perf_counter()) - t1, n, used


def workers_cpu() -> float | None:
    """CPU seconds used so far by this process's live child processes (the stream's workers), read
    from ``/proc`` (None where it is missing). Read at the first output and at the last, it gives
    the workers' CPU for the items exactly; before session 9 the column took the children's
    total after they ended less an estimate of one worker's start-up times the workers, which
    counted their exit and misjudged their start-up by a good share of a short round's work."""
    import multiprocessing

    total = 0.0
    for child in multiprocessing.active_children():
        try:
            with open(f"/proc/{child.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return total


Make = Callable[..., Iterator[dict[str, Any]]]  # make(n, start=0): items start..n-1


def _half_loop(pipeline: Callable[[], ma.Compose], make: Make, n: int, half: int, go: Any, back: Any) -> None:
    """One of the ceiling's two processes: the loop over its half of the items (made by the same
    generator), started with the other one once both are ready."""
    from multiaug.jobs.chunk import _single_thread

    _single_thread()  # as the stream's workers (OpenCV on one thread)
    pipe = pipeline()
    items = make(n // 2) if half == 0 else make(n, n // 2)
    back.put(None)  # ready
    go.wait()
    cpu0, t0 = time.process_time(), time.perf_counter()
    _, _, done = run_loop(pipe, items)
    back.put((t0, time.perf_counter(), done, time.process_time() - cpu0))


def run_ceiling(pipeline: Callable[[], ma.Compose], make: Make, n: int) -> tuple[float, float, int, float]:
    """The machine's ceiling for a 2-worker pool: the plain loop split in two halves run by two
    processes at once (no stream, nothing crosses); seconds from the first start to the last end.
    Returns (0, seconds, items, CPU seconds of the two processes)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    go, back = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_half_loop, args=(pipeline, make, n, h, go, back)) for h in (0, 1)]
    for proc in procs:
        proc.start()
    for _ in procs:
        back.get()  # each one ready (multiaug imported, its pipeline built)
    go.set()
    ends = [back.get() for _ in procs]
    for proc in procs:
        proc.join()
    seconds = max(e[1] for e in ends) - min(e[0] for e in ends)
    return 0.0, seconds, sum(e[2] for e in ends), sum(e[3] for e in ends)


def run_thread(pipe: ma.Compose, items: Iterator[dict[str, Any]]) -> tuple[float, float, int]:
    """The design ``ma.stream`` did not take for ``workers=1``: one thread of this process computing
    the keyed calls in input order, 4 items ahead (what a thread would give, for the docs)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    from multiaug.streams import core, pool

    t0 = time.perf_counter()
    n = 0
    with ThreadPoolExecutor(1) as executor:
        pending: deque[Any] = deque()
        for unit in core.units(enumerate(items), "id"):
            pending.append(executor.submit(pool.call, pipe, unit, 0))
            if len(pending) == 4:
                pending.popleft().result()
                n += 1
        for future in pending:
            future.result()
            n += 1
    return 0.0, time.perf_counter() - t0, n


def cpu() -> tuple[float, float]:
    """CPU seconds so far: this process (all its threads), and its finished child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), children.ru_utime + children.ru_stime


def throughput(
    name: str,
    pipeline: Callable[[], ma.Compose],
    make: Make,
    n: int,
    rounds: int,
    thread: bool = False,
    pickles: bool = False,
    no_help: bool = False,
) -> None:
    """Wall-clock items/s, and the CPU each item costs the main process and the workers.

    On a machine shared with other jobs the wall-clock rates move with the load; the CPU per item
    does not, and says what a quiet machine would give: a stream is as fast as its busiest side.
    ``2 loops at once`` is the machine's ceiling for two workers (:func:`run_ceiling`); ``x 2
    loops`` gives each rate as a share of it, and ``cores`` the cores a contender kept busy
    (items/s times its CPU per item, main and workers): under 2 for a 2-worker stream, the pool waits.
    """
    pipe = pipeline()
    contenders: dict[str, Callable[[], tuple[Any, ...]]] = {
        "loop": lambda: run_loop(pipe, make(n)),
        "stream, 1 worker": lambda: run_stream(pipe, make(n), 1, n),
        "stream, 2 workers": lambda: run_stream(pipe, make(n), 2, n),
        "2 loops at once (ceiling)": lambda: run_ceiling(pipeline, make, n),
    }
    if no_help:
        contenders["stream, 1 worker, no help"] = lambda: run_stream(pipe, make(n), 1, n, help=False)
    if pickles:
        contenders["stream, 1 worker, pickles"] = lambda: run_stream(pipe, make(n), 1, n, shared=False)
        contenders["stream, 2 workers, pickles"] = lambda: run_stream(pipe, make(n), 2, n, shared=False)
    if thread:
        contenders["1 thread (not used)"] = lambda: run_thread(pipe, make(n))
    # CPU of starting a worker (importing multiaug, building the pipeline), where /proc cannot say
    # what the workers had used at the first output: an estimate, paid once per stream.
    from multiaug.streams import pool

    before = cpu()
    pool._START = False  # else the one item is computed here and the starting worker stopped
    try:
        list(ma.stream(pipe, make(1), workers=1))
    finally:
        pool._START = True
    startup = cpu()[1] - before[1]
    rates: dict[str, list[float]] = {k: [] for k in contenders}
    starts: dict[str, list[float]] = {k: [] for k in contenders}
    costs: dict[str, list[tuple[float, float]]] = {k: [] for k in contenders}
    for _ in range(rounds):
        for label, fn in contenders.items():
            before = cpu()
            got = fn()
            after = cpu()
            start, steady, done = float(got[0]), float(got[1]), int(got[2])
            child: float | None = got[3] if len(got) > 3 else None
            rates[label].append((done - (1 if label.startswith("stream") else 0)) / steady)
            starts[label].append(start)
            if child is not None:  # measured: the stream's workers, or the ceiling's two processes
                worker_cpu = child
            elif label.startswith("stream"):  # no /proc: an estimate
                worker_cpu = after[1] - before[1] - startup * int(label[8])
            else:
                worker_cpu = 0.0
            costs[label].append(((after[0] - before[0]) / done * 1e6, worker_cpu / done * 1e6))
    loop = statistics.median(rates["loop"])
    ceiling = statistics.median(rates["2 loops at once (ceiling)"])
    print(f"\n{name}: {n} items, {rounds} interleaved rounds; CPU per item in µs")
    header = (
        f"{'contender':<26} {'items/s':>8} {'x loop':>6} {'x 2 loops':>9} {'start s':>7} {'main CPU':>8}"
        f" {'worker CPU':>10} {'cores':>5}"
    )
    print(f"{header}  rounds (items/s)")
    for label in contenders:
        r = statistics.median(rates[label])
        each = ", ".join(f"{v:.0f}" for v in rates[label])
        main_us = statistics.median(c[0] for c in costs[label])
        worker_us = statistics.median(c[1] for c in costs[label])
        shown = f"{worker_us:10.0f}" if label != "loop" and "thread" not in label else f"{'-':>10}"
        start = statistics.median(starts[label])
        cores = r * (main_us + worker_us) / 1e6
        print(
            f"{label:<26} {r:8.0f} {r / loop:6.2f} {r / ceiling:9.2f} {start:7.2f} {main_us:8.0f} {shown}"
            f" {cores:5.2f}  [{each}]"
        )
    print(f"(worker CPU from the first output to the last; starting a worker: {startup:.2f} s CPU)")
    overhead(pipe, make)
    first_output(pipe, make, n, rounds)


def first_output(pipe: ma.Compose, make: Make, n: int, rounds: int) -> None:
    """A short stream end to end, start-up included: the time to its first output and to its last,
    for the loop and for 1 and 2 workers, with the main process computing the first items itself
    while the workers start (the default since session 11) and without (``pool._START = False``),
    in interleaved rounds (medians)."""
    from multiaug.streams import pool

    def run(workers: int, start: bool) -> tuple[float, float]:
        pool._START = start
        try:
            t0 = time.perf_counter()
            with ma.stream(pipe, make(n), workers=workers) as outs:
                next(outs)
                first = time.perf_counter() - t0
                for _ in outs:
                    pass
            return first, time.perf_counter() - t0
        finally:
            pool._START = True

    times: dict[str, list[tuple[float, float]]] = {}
    for _ in range(rounds):
        times.setdefault("loop", []).append((0.0, run_loop(pipe, make(n))[1]))
        for workers in (1, 2):
            for start in (False, True):
                label = f"{workers} worker{'s' * (workers > 1)}, {'first items here' if start else 'waiting'}"
                times.setdefault(label, []).append(run(workers, start))
    loop = statistics.median(t[1] for t in times["loop"])
    print(f"  {n} items end to end (start-up included), median of {rounds} interleaved rounds:")
    for label, got in times.items():
        first, total = (statistics.median(t[i] for t in got) for i in (0, 1))
        shown = "" if label == "loop" else f"first output {first * 1e3:6.1f} ms, "
        print(f"    {label:<30} {shown}all {total * 1e3:6.0f} ms ({loop / total:.2f}x the loop)")


def overhead(pipe: ma.Compose, make: Callable[[int], Iterator[dict[str, Any]]], rounds: int = 7) -> None:
    """What a worker does per item, in this process (no scheduler in the way): CPU µs per item of the
    plain loop, of the worker's batch function, of the batch function with the batch and its
    results pickled and unpickled (arrays inside the pickles), and with the arrays through shared
    memory as the pool sends them (only references pickled): what crossing the process boundary
    adds on both sides."""
    import pickle

    from multiaug.streams import core, pool, shm

    try:  # the worker's side (multiaug.streams.pool before session 11)
        from multiaug.streams import workers as side
    except ImportError:
        side = pool  # type: ignore[assignment]
    items = list(make(256))
    units = list(core.units(enumerate(items), "id"))
    side._PIPELINE[:] = [pipe]
    exchange = shm.Exchange(1)

    def loop() -> None:
        for item in items:
            pipe(**{k: v for k, v in item.items() if k != "id"}, key=item["id"])

    def work() -> None:
        side._work(units, 0, pool.keyed_call)

    def work_pickled() -> None:
        results, _, _ = side._work(pickle.loads(pickle.dumps(units)), 0, pool.keyed_call)
        pickle.loads(pickle.dumps(results))

    def work_shared() -> None:
        sent, ticket = exchange.send(units)
        results, _, needed = side._work(pickle.loads(pickle.dumps(sent)), 0, pool.keyed_call, ticket.route)
        for _ in exchange.receive(pickle.loads(pickle.dumps(results)), ticket, needed):
            pass

    samples: dict[str, list[float]] = {
        "loop": [],
        "batch": [],
        "batch + pickling": [],
        "batch + shared memory": [],
    }
    try:
        for _ in range(rounds):
            for label, fn in zip(samples, (loop, work, work_pickled, work_shared), strict=True):
                t0 = time.process_time()
                fn()
                samples[label].append((time.process_time() - t0) / len(items) * 1e6)
    finally:
        exchange.close()
    shown = ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in samples.items())
    print(f"  in one process, CPU µs per item (median of {rounds} interleaved rounds): {shown}")


RSS_CHILD = """
import json, resource, sys
sys.path.insert(0, ".")
import stream as bench, multiaug as ma
n, workers = int(sys.argv[1]), int(sys.argv[2])
count = 0
pipe = ma.Compose([ma.text.RandomSwap(alpha=0.2)], seed=0)
for out in ma.stream(pipe, bench.text_items(n), workers=workers):
    count += 1
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"items": count, "main_mb": self_kb / 1024, "worker_mb": child_kb / 1024}))
"""


def rss(sizes: list[int], workers: list[int]) -> None:
    print("\npeak RSS of ma.stream over generated text items (a fresh process each)")
    print(f"{'items':>9} {'workers':>7} {'main MB':>8} {'worker MB':>9} {'seconds':>8}")
    for w in workers:
        for n in sizes:
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", RSS_CHILD, str(n), str(w)], capture_output=True, text=True
            )
            if done.returncode:
                raise SystemExit(done.stderr[-2000:])
            r = json.loads(done.stdout.strip().splitlines()[-1])
            assert r["items"] == n
            worker = f"{r['worker_mb']:9.0f}" if w else f"{'-':>9}"
            print(f"{n:>9} {w:>7} {r['main_mb']:8.0f} {worker} {time.perf_counter() - t0:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20000, help="text items per round (images: items / 20)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rss-items", type=int, nargs="*", default=[10_000, 1_000_000])
    parser.add_argument("--rss-workers", type=int, nargs="*", default=[0, 2])
    parser.add_argument("--workloads", nargs="*", choices=["text", "image"], default=["text", "image"])
    parser.add_argument("--thread", action="store_true", help="also time one thread (the design not taken)")
    parser.add_argument(
        "--pickles", action="store_true", help="also time image workers with arrays as pickles"
    )
    parser.add_argument(
        "--no-help", action="store_true", help="also time 1 worker with the main process never computing"
    )
    args = parser.parse_args()
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"multiaug {ma.__version__}; {machine()}; load average {load} (1, 5, 15 min)")
    if "text" in args.workloads:
        throughput(  # no arrays
            "text", text_pipeline, text_items, args.items, args.rounds, args.thread, no_help=args.no_help
        )
    if "image" in args.workloads:
        images = max(100, args.items // 20)
        throughput(
            "image 128x128",
            image_pipeline,
            image_items,
            images,
            args.rounds,
            args.thread,
            args.pickles,
            args.no_help,
        )
    if args.rss_items:
        rss(args.rss_items, args.rss_workers)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmain process peak RSS of this run: {peak:.0f} MB")


if __name__ == "__main__":
    main()
