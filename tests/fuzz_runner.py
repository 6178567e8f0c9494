"""The case runner of the fuzz suite (``tests/fuzz_cases.py`` generates the cases).

A case is a callable plus what it must do:

* ``raise``: the input is invalid; the call must raise a :class:`multiaug.MultiaugError`.
* ``work``: the input is valid; the call must succeed with an output that honours the field contracts.
* ``any``: either a :class:`multiaug.MultiaugError` or an output that honours the field contracts.

Whatever the expectation, the runner fails a case on a raw (non-multiaug) exception, on an error message
that does not name its owner and a fix, on a hang and on an output that breaks its contract.

Hangs, in three layers:

* the per-case ``SIGALRM`` :func:`watchdog` raises :class:`Hang` in Python code once the case has
  had its timeout in CPU time (never inside an import, see there), and fires again every
  ``REFIRE_S`` while the case does not come back;
* in script mode, :class:`StallGuard` (a thread) sees a case under which the process has used no CPU
  for ``IDLE_S`` seconds (blocked where no signal reaches: a lock, a C wait with the signal masked),
  prints every thread's stack into the case's failure line and ends the process;
* under it, ``faulthandler.dump_traceback_later`` (a C thread, needs no GIL) dumps every thread's
  stack and exits if a case is still running ``BACKSTOP_S`` after the watchdog's last word (a C
  call that holds the GIL and never returns).

After a ``Hang`` or a stall, the process is suspect (the case was stopped half way): script mode stops
and says where to go on (``"next"``), and the caller runs the rest of the family in a fresh process
(:func:`run_family`, used by ``tests/test_fuzz.py``).
"""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import multiaug as ma

#: A hang is a case that does not come back: the limit is far above any case's cost (a busy machine
#: never trips it; the one-time model builds run before the cases, see ``fuzz_cases.warm_up``).
CASE_TIMEOUT_S = 60.0
MAX_MESSAGE = 2000
#: A case that gets little CPU (a loaded machine) is stopped at this many times its timeout of wall time.
LOADED_WALL_FACTOR = 5.0
#: While an import runs, the watchdog waits this long and looks again instead of raising.
IMPORT_RETRY_S = 0.25
#: After it fired, the watchdog fires again this often while the case has not come back (a ``Hang``
#: raised inside a ``__del__`` or a weakref callback is printed and dropped: the case would run on).
REFIRE_S = 5.0
#: A case under which the whole process used under ``IDLE_CPU_S`` of CPU in ``IDLE_S`` seconds is stuck.
IDLE_S = 30.0
IDLE_CPU_S = 0.05
#: The C-level last resort: a case still running this long after its timeout ends the process.
BACKSTOP_S = 60.0
#: At most this many fresh processes per family run; then the rest runs on after a ``Hang``.
MAX_RESTARTS = 10
MEMORY_CAP = 4 * 1024**3
HANG_MARK = ": HANG (over "


# ---------------------------------------------------------------------- the case and its runner
@dataclass(frozen=True)
class Case:
    id: str
    run: Callable[[], Any]
    expect: str = "any"  # "raise" | "work" | "any"
    check: Callable[[Any], str | None] | None = None  # the output's contract: a problem or None
    timeout: float = CASE_TIMEOUT_S


class LateRejection(Exception):
    """A bad parameter accepted by the constructor and refused only later (at call or config time)."""


class Hang(BaseException):
    """Raised by the watchdog in the main thread (a BaseException so no ``except Exception`` eats it)."""


def importing(frame: Any) -> bool:
    """Whether ``frame`` (or a caller) runs inside the import machinery (a module body included)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


@contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread once the case has had ``seconds`` of CPU time.

    CPU time, not wall time: on a loaded machine (a CI run next to other jobs) a heavy case gets a
    small share of a core, and 60 s of wall time is no hang. The case still stops at
    ``LOADED_WALL_FACTOR * seconds`` of wall time whatever its CPU; a case that uses no CPU at all
    is the stall guard's (script mode).

    Never inside an import: an exception that stops a module body half way leaves the C extensions
    it loaded half registered, and the next import of the module crashes or refuses (torch: a
    segfault, or ``RuntimeError: Only a single TORCH_LIBRARY can be used to register the namespace
    prims``). The ``Hang`` waits until the import is done (a stuck import is the guards' to catch).
    """
    wall0, cpu0 = time.monotonic(), time.process_time()
    fired = False

    def _fire(signum: int, frame: Any) -> None:
        nonlocal fired
        if importing(frame):
            signal.setitimer(signal.ITIMER_REAL, IMPORT_RETRY_S, REFIRE_S)
            return
        wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
        if not fired and cpu < seconds and wall < LOADED_WALL_FACTOR * seconds:
            # the machine is busy: look again when the case could have had its CPU time
            wait = min(seconds - cpu, LOADED_WALL_FACTOR * seconds - wall)
            signal.setitimer(signal.ITIMER_REAL, max(wait, IMPORT_RETRY_S / 10), REFIRE_S)
            return
        fired = True
        raise Hang

    old = signal.signal(signal.SIGALRM, _fire)
    signal.setitimer(signal.ITIMER_REAL, seconds, REFIRE_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _short(text: Any, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def where(exc: BaseException) -> str:
    """``multiaug/x.py:12 (func) -> raw origin`` : the last multiaug frame and the deepest frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/multiaug/" in f.filename and "/tests/" not in f.filename]
    parts = []
    if ours:
        f = ours[-1]
        parts.append(f"multiaug/{f.filename.rsplit('/multiaug/', 1)[1]}:{f.lineno} ({f.name})")
    if frames and (not ours or frames[-1] is not ours[-1]):
        f = frames[-1]
        parts.append(f"raised in {Path(f.filename).name}:{f.lineno} ({f.name})")
    return " -> ".join(parts) or "?"


def message_problem(exc: ma.MultiaugError) -> str | None:
    """What is wrong with a multiaug error's message (owner, fix, size), or None."""
    msg = str(exc)
    if not msg.strip():
        return "empty message"
    if len(msg) > MAX_MESSAGE:
        return f"message of {len(msg)} characters (echoes its input?)"
    if isinstance(exc, ma.InvalidInputError):
        if not exc.owner or not msg.startswith(str(exc.owner)):
            return "message does not start with the owner"
        if "Fix:" not in msg:
            return "message has no 'Fix:'"
    return None


def run_case(case: Case) -> str | None:
    """Run one case under the watchdog: its failure line, or None."""
    try:
        with watchdog(case.timeout):
            out = case.run()
    except Hang:
        return f"{case.id}{HANG_MARK}{case.timeout:g}s)"
    except LateRejection as exc:
        return f"{case.id}: {exc}"
    except ma.MultiaugError as exc:
        if case.expect == "work":
            return f"{case.id}: refused a valid input: {type(exc).__name__}: {_short(exc)}"
        problem = message_problem(exc)
        return f"{case.id}: {type(exc).__name__} with {problem}: {_short(exc)}" if problem else None
    except Exception as exc:
        return f"{case.id}: raw {type(exc).__name__} at {where(exc)}: {_short(exc)}"
    if case.expect == "raise":
        return f"{case.id}: accepted silently (no error raised)"
    if case.check is None:
        return None
    try:
        problem = case.check(out)
    except Exception as exc:
        problem = f"output unreadable: {type(exc).__name__}: {_short(exc)}"
    return f"{case.id}: silent wrong output: {problem}" if problem else None


def run_cases(cases: list[Case]) -> list[str]:
    """Run every case in this process; one readable line per failing case."""
    return [line for line in map(run_case, cases) if line is not None]


def report(family: str, cases: list[Case], failures: list[str]) -> str:
    lines = [f"fuzz family {family!r}: {len(failures)} of {len(cases)} cases fail"]
    return "\n".join(lines + [f"  {f}" for f in failures])


def address_space() -> int:
    """The bytes of address space this process has mapped (``VmSize``; 0 where ``/proc`` is missing)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(ln.split()[1]) * 1024 for ln in f if ln.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return 0


def cap_memory(above: int = 0) -> None:
    """At most 4 GiB of address space (on top of ``above``): a runaway allocation fails (MemoryError)
    instead of swapping.

    Script mode caps 4 GiB on top of what the warmed-up process has mapped: torch, transformers, the
    tiny models and every thread's stack and malloc arena already take about 3.3 GiB of address space
    (not of memory), and an absolute 4 GiB left the heaviest case (ContextualReplace on a 200k
    character text, about 1 GiB) at the limit: the Rust tokenizer then failed an allocation, panicked
    ("PyObject pointer is null") and left the process stuck without CPU.
    """
    import resource

    limit = above + MEMORY_CAP
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# ---------------------------------------------------------------------- script mode: stall guard
def all_stacks() -> str:
    """Every thread's Python stack, as ``faulthandler`` writes it."""
    with tempfile.TemporaryFile("w+") as f:
        faulthandler.dump_traceback(f, all_threads=True)
        f.seek(0)
        return f.read()


class StallGuard:
    """A thread that ends the process when the running case has used no CPU for ``idle_s`` seconds.

    ``on_stall(label, stacks)`` reports (it runs in the guard's thread and must not return: it ends
    the process). Each :meth:`case` also arms the C-level ``faulthandler`` backstop.
    """

    def __init__(self, on_stall: Callable[[Any, str], None], idle_s: float, backstop_s: float) -> None:
        self.on_stall, self.idle_s, self.backstop_s = on_stall, idle_s, backstop_s
        self._label: Any = None
        self._serial = 0
        threading.Thread(target=self._watch, name="fuzz-stall-guard", daemon=True).start()

    @contextmanager
    def case(self, label: Any, timeout: float) -> Iterator[None]:
        faulthandler.dump_traceback_later(LOADED_WALL_FACTOR * timeout + self.backstop_s, exit=True)
        self._label, self._serial = label, self._serial + 1
        try:
            yield
        finally:
            self._label = None
            faulthandler.cancel_dump_traceback_later()

    def _watch(self) -> None:
        serial, since, cpu = -1, 0.0, 0.0
        while True:
            time.sleep(min(1.0, self.idle_s / 4))
            now, used, label = time.monotonic(), time.process_time(), self._label
            if label is None or self._serial != serial or used - cpu >= IDLE_CPU_S:
                serial, since, cpu = self._serial, now, used  # a new case, or this one is working
            elif now - since >= self.idle_s:
                self.on_stall(label, all_stacks())


def script(families: Mapping[str, Callable[..., list[Case]]], argv: list[str], warm: Any = None) -> None:
    """``FAMILY [ARG...] [--start N] [--keep-going] [--idle S] [--backstop S]``: run one family.

    ``FAMILY`` may join several with ``+`` (``data+params``): their cases, in that order, run in one
    process, which pays its imports and first calls once. Prints one JSON line ``{count, counts,
    failures, next}`` (``counts``: the cases of each id prefix): ``next`` is the index to go on from in
    a fresh process after a ``Hang`` or a stall (None: the family is done). ``warm(cases)`` runs first.
    """
    opts = {"--start": "0", "--idle": str(IDLE_S), "--backstop": str(BACKSTOP_S)}
    keep_going = "--keep-going" in argv
    args = [a for a in argv if a != "--keep-going"]
    for key in opts:
        if key in args:
            i = args.index(key)
            opts[key] = args[i + 1]
            del args[i : i + 2]
    start = int(opts["--start"])
    cases = [case for family in args[0].split("+") for case in families[family](*args[1:])]
    counts: dict[str, int] = {}
    for case in cases:
        counts[case.id.split("/")[0]] = counts.get(case.id.split("/")[0], 0) + 1
    failures: list[str] = []
    printed = threading.Lock()

    def finish(next_index: int | None) -> None:
        result = {"count": len(cases), "counts": counts, "failures": failures, "next": next_index}
        with printed:
            print(json.dumps(result), flush=True)

    def on_stall(label: Any, stacks: str) -> None:
        name = f"{cases[label].id}" if isinstance(label, int) else str(label)
        failures.append(f"{name}: STUCK (no CPU for {opts['--idle']}s); every thread:\n{stacks}")
        sys.stderr.write(failures[-1] + "\n")
        finish(label + 1 if isinstance(label, int) else None)
        os._exit(0)

    guard = StallGuard(on_stall, float(opts["--idle"]), float(opts["--backstop"]))
    if warm is not None:
        with guard.case("warm-up", 10 * CASE_TIMEOUT_S):
            warm(cases[start:])
    cap_memory(above=address_space())
    for i in range(start, len(cases)):
        with guard.case(i, cases[i].timeout):
            line = run_case(cases[i])
        if line is not None:
            failures.append(line)
            if HANG_MARK in line and not keep_going and i + 1 < len(cases):
                finish(i + 1)  # the case was stopped half way: go on in a fresh process
                return
    finish(None)


def run_family(
    script_path: Path,
    family: str,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    counts: dict[str, int] | None = None,
) -> tuple[int, list[str]]:
    """Run ``script_path FAMILY ARGS`` in child processes, a fresh one after each ``Hang`` or stall.

    Returns (case count, failure lines); ``counts``, when given, receives the case count of each id
    prefix (each family of a ``data+params`` run). A child that dies (a crash, the C backstop) fails
    with the end of its stderr, where ``faulthandler`` wrote every thread's stack.
    """
    failures: list[str] = []
    start, runs = 0, 0
    while True:
        extra = ["--start", str(start)] + (["--keep-going"] if runs >= MAX_RESTARTS else [])
        proc = subprocess.run(
            [sys.executable, str(script_path), family, *args, *extra],
            capture_output=True,
            text=True,
            errors="replace",
            cwd=Path(script_path).resolve().parents[1],
            env=None if env is None else dict(env),
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise AssertionError(
                f"the {family!r} run (from case {start}) died (rc={proc.returncode}):\n{proc.stderr[-6000:]}"
            )
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        failures += result["failures"]
        runs += 1
        if result["next"] is None:
            if counts is not None:
                counts.update(result["counts"])
            return result["count"], failures
        start = result["next"]


# ---------------------------------------------------------------------- self-tests (tests/test_fuzz.py)
def _raw_pid() -> None:
    raise KeyError(f"pid {os.getpid()}")


def _spin() -> None:
    while True:
        pass


def _asleep_with_the_alarm_masked() -> None:
    """Blocked without CPU where the watchdog cannot reach (the main thread masks SIGALRM)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(600)


def _in_c_holding_the_gil() -> None:
    """Blocked in a C call that keeps the GIL: no Python thread runs, only the C backstop."""
    import ctypes

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    ctypes.PyDLL(None).sleep(600)


_RESERVED: list[Any] = []


def _mapped(gib: float) -> Callable[[], None]:
    def case() -> None:
        import mmap

        mmap.mmap(-1, int(gib * 1024**3), prot=mmap.PROT_READ).close()  # address space, no memory

    return case


def _cap_cases() -> list[Case]:
    import mmap

    _RESERVED.append(mmap.mmap(-1, 7 * 1024**3, prot=mmap.PROT_READ))  # a loaded process's mappings
    return [Case("self/map-3GiB", _mapped(3)), Case("self/map-5GiB", _mapped(5))]


SELFTESTS: dict[str, Callable[..., list[Case]]] = {
    "cap": _cap_cases,
    "restart": lambda: [
        Case("self/pid-a", _raw_pid),
        Case("self/spin", _spin, timeout=0.1),
        Case("self/pid-b", _raw_pid),
        Case("self/idle", _asleep_with_the_alarm_masked, timeout=0.3),
        Case("self/pid-c", _raw_pid),
    ],
    "gil": lambda: [Case("self/gil", _in_c_holding_the_gil, timeout=0.2)],
}

if __name__ == "__main__":
    script(SELFTESTS, sys.argv[1:])
