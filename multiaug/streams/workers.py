"""The worker processes of :func:`multiaug.stream`'s pool and the main process's side of their pipes.

``spawn`` worker processes that ignore Ctrl-C, end when the parent is gone and run OpenCV on one
thread (as the jobs' workers, :mod:`multiaug.jobs.engines`), each with a pipe of its own and no
thread in the main process: a batch is one message each way, pickled and unpickled in the main
thread, so an item that cannot travel fails alone. The large arrays of a batch travel through
shared memory (:mod:`multiaug.streams.shm`); only references to them are pickled.
"""

from __future__ import annotations

import os
import pickle
import time
from collections import deque
from typing import Any

from ..core.errors import MultiaugError
from . import shm
from .calls import Result, Unit, Work, call
from .shm import Route

_PIPE_ROOM = 32 * 1024  # bytes in flight to a worker without reading its answers, at least (see _room)
_SOCKET_BUFFER = 1 << 20  # asked of the pipes' sockets, each way (the system may give less)

_PIPELINE: list[Any] = []  # the worker's pipeline, set once by _init_worker
_HELD, _SENT = (
    b"H",
    b"S",
)  # the first byte of a worker's first message: its pipeline held in shared memory, or sent


def _init_worker(conn: Any, parent: int) -> None:
    """The worker's setup, and its pipeline: the first message on its pipe, the pickled pipeline
    itself or where it lies in shared memory (``_Workers._hand``)."""
    from ..jobs.chunk import _single_thread
    from ..jobs.engines import _ignore_sigint

    _ignore_sigint(parent)
    _single_thread()
    message = conn.recv_bytes()
    if message[:1] == _HELD:
        name, size = pickle.loads(message[1:])
        message = shm.read_held(name, size)
    else:
        message = message[1:]
    _PIPELINE[:] = [pickle.loads(message)]


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


def _dumps(obj: Any) -> bytes:
    return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


def _dump_each(results: list[Result], what: str) -> list[Result]:
    """The results that pickle; the others replaced by their failure (one bad item, not the batch)."""
    kept = []
    for label, out, why in results:
        try:
            _dumps(out)
        except Exception as exc:  # any failure to pickle is that item's
            out, why = None, f"{what} ({type(exc).__name__}: {exc})"
        kept.append((label, out, why))
    return kept


def _serve(conn: Any, parent: int) -> None:
    """A worker process: batches in, results out, in order, on its own pipe; ends when the pipe
    closes (the stream is done, or the main process is gone).

    The pipe is read between batches, on the worker's only thread (a reader thread cost about
    20 µs of the worker's CPU per text item, in GIL hand-overs). Two large messages cannot cross
    and block each other: the main process sends a worker a message that would not fit in the
    pipe's buffer only once it has read that worker's answers (:meth:`_Workers.send`)."""
    try:
        _init_worker(conn, parent)
    except (EOFError, OSError):  # the stream ended while this process started
        return
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            batch, epoch, work, route = pickle.loads(message)
        except Exception as exc:  # a batch this process cannot rebuild: every item of it fails
            answer: Any = f"could not be rebuilt in a worker process ({type(exc).__name__}: {exc})"
        else:
            results, seconds, needed = _work(batch, epoch, work, route)
            try:
                payload = _dumps((results, seconds, needed))
            except Exception:
                answer = (_dump_each(results, "gave an output that does not pickle"), seconds, needed)
            else:
                answer = None
        try:
            conn.send_bytes(payload if answer is None else _dumps(answer))
        except OSError:  # the main process is gone or closed the stream
            return


class _Workers:
    """``n`` spawned worker processes, each with its own pipe: no thread in the main process,
    a batch is one message each way (its arrays in shared memory, :mod:`multiaug.streams.shm`)."""

    def __init__(self, n: int, pickled: bytes, owner: str) -> None:
        self.owner, self.pickled = owner, pickled
        self.load: list[int] = []  # batches sent to each worker and not yet answered
        self.procs: list[Any] = []
        self.conns: list[Any] = []
        self.unread: list[deque[int]] = []  # sizes sent, answers not read
        self.early: list[deque[Any]] = []  # answers read before asked for
        self.room = _PIPE_ROOM
        self.held: shm._Block | None = None  # the pipeline in shared memory, when too large for a pipe
        self.active = n  # the first ``active`` workers get the batches (a worker added later: once warm)
        try:
            for _ in range(n):
                self.grow()
        except BaseException:  # a spawn that failed: the workers already started are stopped
            self.close(False)
            raise

    def grow(self) -> int:
        """Starts one more worker, which gets batches once :attr:`active` counts it; its index."""
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        buffer = min(_room(ours), _room(theirs))
        self.room = max(_PIPE_ROOM, buffer)
        # The pipeline is not one of the Process's args: spawn writes those into a pipe the child
        # reads once up (0.2-1 s: its imports), and start() waited that long for a pipeline over
        # the pipe's 64 KiB. It goes on the worker's own pipe, after the start, where it fits in
        # half the buffer (the warm-up batch follows it), else in shared memory (``_hand``).
        proc = ctx.Process(target=_serve, args=(theirs, os.getpid()), name="multiaug-stream", daemon=True)
        proc.start()
        theirs.close()
        self.procs.append(proc)
        self.conns.append(ours)
        self.load.append(0)
        self.unread.append(deque())
        self.early.append(deque())
        self._hand(ours, buffer // 2)
        return len(self.procs) - 1

    def _hand(self, conn: Any, fits: int) -> None:
        """Sends a started worker its pipeline without waiting for it to read: the bytes themselves
        where they fit in ``fits`` bytes of its pipe's buffer, else the name of a block of shared
        memory that holds them (one for every worker; where ``/dev/shm`` has no room, the bytes
        after all: this send then waits for the worker to read them)."""
        size = len(self.pickled)
        if size > fits and self.held is None:
            self.held = shm.hold(self.pickled)
        if size <= fits or self.held is None:
            message = _SENT + self.pickled
        else:
            message = _HELD + _dumps((self.held.name, size))
        try:
            conn.send_bytes(message)
        except OSError:
            self._died()

    def send(self, batch: list[Unit], epoch: int, work: Work, route: Route | None, to: int = -1) -> int:
        """Hands the batch to worker ``to``, by default the least loaded of the active ones;
        returns that worker's index."""
        load = self.load[: self.active]
        w = to if to >= 0 else load.index(min(load))
        try:
            message = _dumps((batch, epoch, work, route))
        except Exception:  # some item does not pickle: it alone fails
            message = _dumps((_unpicklable(batch), epoch, work, route))
        unread = self.unread[w]
        if unread and sum(unread) + len(message) > self.room:
            # the worker may be writing an answer as large: read its answers first (kept in
            # order for receive), so this send finds it reading and the two cannot block each other
            while unread:
                self.early[w].append(self._read(w))
        try:
            self.conns[w].send_bytes(message)
        except OSError:
            self._died()
        unread.append(len(message))
        self.load[w] += 1
        return w

    def ready(self, w: int) -> bool:
        """Whether worker ``w``'s oldest answer is at hand (read early by :meth:`send`, or waiting)."""
        return bool(self.early[w]) or bool(self.conns[w].poll())

    def receive(self, w: int) -> Any:
        """The answer to the oldest batch sent to worker ``w`` (waits for it)."""
        early = self.early[w]
        answer = early.popleft() if early else self._read(w)
        self.load[w] -= 1
        return answer

    def _read(self, w: int) -> Any:
        """The next answer on worker ``w``'s pipe; one that cannot be rebuilt here fails its batch."""
        from multiprocessing.connection import wait

        conn = self.conns[w]
        wait([conn, self.procs[w].sentinel])
        try:
            if not conn.poll():
                self._died()
            data = conn.recv_bytes()
        except (EOFError, OSError):
            self._died()
        self.unread[w].popleft()
        try:
            return pickle.loads(data)
        except Exception as exc:  # an output that does not unpickle in the main process
            return (
                f"gave an output that could not be rebuilt in the main process ({type(exc).__name__}: {exc})"
            )

    def _died(self) -> None:
        raise MultiaugError(
            f"{self.owner}: a worker process died (killed, out of memory, or started from a script "
            "without an `if __name__ == '__main__':` guard, which spawned workers need, "
            "or the pipeline could not be rebuilt there); "
            "the items after the last output were not augmented"
        ) from None

    def close(self, finished: bool) -> None:
        """Closes the pipes: idle workers end at once. After an early stop the workers still
        computing are not waited for: they are terminated, as are those still starting or on a
        warm-up batch whose answer nobody reads (a stream that ended while its workers started)."""
        for conn in self.conns:
            conn.close()
        for proc, load in zip(self.procs, self.load, strict=True):
            if not finished or load:  # still computing (a warm-up batch: its result is not wanted)
                proc.terminate()
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():  # pragma: no cover - a worker stuck in a C call
                proc.kill()
                proc.join()
        if self.held is not None:
            self.held.release(unlink=True)
            self.held = None


def _room(conn: Any) -> int:
    """Bytes that surely fit in a pipe end's buffer: half its socket's send buffer, asked to grow to
    ``_SOCKET_BUFFER`` (Linux reports twice what data may take; its default, 208 KiB, holds 176 KiB).
    A text batch of 256 items is about 30 KB: two of them then travel without a wait. 0 where the
    pipe is not a socket (Windows)."""
    import socket

    try:
        sock = socket.socket(fileno=os.dup(conn.fileno()))
    except (OSError, AttributeError):  # pragma: no cover - not a socket
        return 0
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SOCKET_BUFFER)
        return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)) // 2
    except OSError:  # pragma: no cover - a system that refuses the option
        return 0
    finally:
        sock.close()


def _unpicklable(batch: list[Unit]) -> list[Unit]:
    """The batch with each unit that does not pickle replaced by its failure."""
    kept: list[Unit] = []
    for unit in batch:
        try:
            _dumps(unit)
        except Exception as exc:  # any failure to pickle is that item's
            unit = (unit[0], _cannot_travel(exc, unit[2]), None)
        kept.append(unit)
    return kept


def _cannot_travel(exc: BaseException, sample: dict[str, Any] | None = None) -> str:
    if isinstance(exc, MemoryError) and sample:
        where, size = _largest_array(sample)
        if size >= _HUGE:  # a view far larger than its memory (np.broadcast_to) is copied to be sent
            return (
                f"is too large to send to a worker process: its field {where} holds {size:,} bytes "
                "once copied; pass a smaller array (downscale or tile it)"
            )
    return (
        f"cannot travel to a worker process ({type(exc).__name__}: {exc}); "
        "pass workers=0, or give the item plain values"
    )


#: An array this large (bytes) named as the cause of a MemoryError in sending an item.
_HUGE = 2**30


def _largest_array(value: Any, where: str = "", depth: int = 0) -> tuple[str, int]:
    """The path (``'image'``, ``'extras'[0]``) and size in bytes of the largest NumPy array in an
    item's fields, lists, tuples and dicts (at most 8 levels and 1,000 entries a level looked at)."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return where, int(value.nbytes)
    best = ("", 0)
    if depth < 8 and isinstance(value, (dict, list, tuple)):
        entries = value.items() if isinstance(value, dict) else enumerate(value)
        for n, (k, v) in enumerate(entries):
            if n >= 1000:
                break
            path = repr(k) if depth == 0 else f"{where}[{k!r}]"
            found = _largest_array(v, path, depth + 1)
            if found[1] > best[1]:
                best = found
    return best
