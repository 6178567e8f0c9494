"""Engines that run the chunks of a job: in this process, a local ``spawn`` process pool, or Dask."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..core.errors import InvalidInputError
from .chunk import run_chunk


def _run_local(
    job: dict[str, Any],
    todo: Iterable[tuple[int, list[dict[str, Any]]]],
    workers: int,
    tick: Callable[[int], None],
) -> dict[int, list[dict[str, Any]]]:
    results: dict[int, list[dict[str, Any]]] = {}
    if workers <= 1:
        for c, units in todo:
            results[c] = run_chunk(job, c, units)
            tick(len(units))
        return results
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    job = {**job, "single_thread": True}
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_ignore_sigint, initargs=(os.getpid(),)
    )
    queue = iter(todo)
    pending: dict[Any, tuple[int, int]] = {}

    def top_up() -> None:  # a few chunks in flight per worker: bounded memory, a quick Ctrl-C
        for c, units in queue:
            pending[pool.submit(run_chunk, job, c, units)] = (c, len(units))
            if len(pending) >= 4 * workers:
                return

    try:
        top_up()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                c, n = pending.pop(fut)
                results[c] = fut.result()
                tick(n)
            top_up()
    finally:
        # On Ctrl-C the chunks already running finish (their records make the re-run skip them).
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def _ignore_sigint(parent: int) -> None:
    """Pool workers leave Ctrl-C to the main process, which stops handing out chunks.

    They also end themselves when the main process (``parent``) is gone: after a ``kill -9`` of
    the job the pool's queues stay open (the workers hold each other's pipe ends), so without this
    watch they would wait for work for ever. The parent's pid is handed in, not read here: a worker
    that starts up after the job was killed would otherwise watch its new parent (init) for ever.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="multiaug-parent-watch", daemon=True).start()


def run_chunks(
    job: dict[str, Any], chunks: list[tuple[int, list[dict[str, Any]]]]
) -> list[list[dict[str, Any]]]:
    """:func:`run_chunk` over several chunks: one Dask task (a scheduler round trip per chunk would idle
    the workers on a slow network)."""
    return [run_chunk(job, c, units) for c, units in chunks]


def _dask_task(
    job: dict[str, Any], chunks: list[tuple[int, list[dict[str, Any]]]]
) -> list[list[dict[str, Any]]] | InvalidInputError:
    """:func:`run_chunks` for Dask: a bad item comes back as a value, which the client raises
    (a raised one would also be logged by the worker as a "Compute Failed" page)."""
    try:
        return run_chunks(job, chunks)
    except InvalidInputError as exc:
        return exc


def _run_dask(
    job: dict[str, Any],
    todo: list[tuple[int, list[dict[str, Any]]]],
    workers: int,
    scheduler: str | None,
    tick: Callable[[int], None],
) -> dict[int, list[dict[str, Any]]]:
    try:
        import dask
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - the dask extra is installed in the tests
        raise ImportError("the Dask engine needs dask.distributed: pip install 'multiaug[dask]'") from exc

    cluster = None
    if scheduler is None:
        # The cluster is the job's own: hand every task to a worker at once (no scheduler-side
        # queue waiting for a thread to free up, which costs a round trip per task).
        with dask.config.set({"distributed.scheduler.worker-saturation": "inf"}), _sigint_ignored():
            # Its worker processes start with Ctrl-C ignored (a disposition they inherit): a
            # terminal's Ctrl-C reaches the whole process group, and a worker that dies of it
            # prints pages of tracebacks. This process catches it and closes the cluster.
            cluster = LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # CRITICAL, not ERROR: a worker whose heartbeat finds the scheduler closing (after
                # Ctrl-C, on a busy machine) logs that "error" with a traceback; the job reports
                # its own failures (a task's error or a lost worker comes back through its future).
                silence_logs=50,
            )
    # One OpenCV thread per task, as Dask already does for BLAS/OpenMP: its threads are the parallelism.
    job = {**job, "single_thread": True}
    results: dict[int, list[dict[str, Any]]] = {}
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or 1
            # About 8 tasks per worker thread: few round trips, still balanced at the end.
            per_task = max(1, -(-len(todo) // (8 * threads)))
            batches = [todo[k : k + per_task] for k in range(0, len(todo), per_task)]
            sizes = {}
            futures = []
            for batch in batches:
                name = f"multiaug-chunks-{job['fingerprint']}-{batch[0][0]}-{batch[-1][0]}"
                fut = client.submit(_dask_task, job, batch, key=name, pure=False)
                sizes[fut.key] = batch
                futures.append(fut)
            for fut in as_completed(futures):
                batch = sizes[fut.key]
                done = fut.result()
                if isinstance(done, InvalidInputError):
                    raise done
                for (c, _), rows in zip(batch, done, strict=True):
                    results[c] = rows
                tick(sum(len(units) for _, units in batch))
    except BaseException:
        # Closing a cluster with tasks running (Ctrl-C, a bad item) logs cancelled tasks and
        # closed connections: nothing the user can act on, so only the command's message is printed.
        _quiet_distributed()
        raise
    finally:
        if cluster is not None:
            cluster.close()
    return results


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _quiet_distributed() -> None:
    import logging

    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
