"""Recording what a pipeline does while it runs: the draw hook of a profiled call.

A profiled call is an ordinary keyed call (same draws, same output) whose :class:`Call` carries
a :class:`Recorder` as its ``draw`` callback: every leaf that applies hands it its parameters
and the recorder applies them itself (``leaf._act``), timing the work. Fused work (consecutive
geometric ops resampled once, uint8 colour ops sharing one lookup table) is flushed when the
next op or the end of the call needs it: that one resampling, and the pixel change it makes,
are credited to the group's last op, the others show their (tiny) deferral time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core import random as _random
from ..core.compose import BaseCompose
from ..core.fusion import PENDING, Call
from ..core.replay import stamped
from ..core.transform import Transform

__all__ = ["OpRecord", "Recorder", "leaves", "profiled_call"]

_clock = time.perf_counter
#: Values kept per list (times, drawn values, changes): a long run keeps counts and totals of
#: everything and the first ``KEEP`` values for the distributions (bounded memory).
KEEP = 10_000
_MAIN = ("image", "audio", "text", "table", "spectrogram")


def leaves(t: Transform, path: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], Transform]]:
    """Every leaf of ``t`` with its path (the ``path`` of its trace entries)."""
    if isinstance(t, BaseCompose):
        return [pair for i, child in enumerate(t._r.transforms) for pair in leaves(child, (*path, i))]
    return [(path, t)]


def declared_range(leaf: Transform, name: str) -> tuple[float, float] | None:
    """The declared ``(lo, hi)`` range a drawn parameter comes from, as ``replay`` bounds it: the
    constructor parameter of that name, or the one the transform's ``_drawn`` table names."""
    specs = type(leaf)._all_specs  # type: ignore[attr-defined]
    bound = type(leaf)._all_drawn.get(name, name if name in specs else None)  # type: ignore[attr-defined]
    if not isinstance(bound, str):
        return None
    value = getattr(leaf._r, bound, None)
    if isinstance(value, tuple) and len(value) == 2 and all(type(v) in (int, float) for v in value):
        return (float(value[0]), float(value[1]))
    return None


class OpRecord:
    """What one leaf did over the profiled calls."""

    __slots__ = ("applied", "changes", "leaf", "name", "params", "path", "ranges", "time_total", "times")

    def __init__(self, path: tuple[int, ...], leaf: Transform) -> None:
        self.path = path
        self.leaf = leaf
        self.name = leaf.name
        self.ranges: dict[str, tuple[float, float] | None] = {}
        self.applied = 0
        self.time_total = 0.0
        self.times: list[float] = []
        self.params: dict[str, list[Any]] = {}
        self.changes: list[float] = []

    def add(self, params: Mapping[str, Any], seconds: float) -> None:
        self.applied += 1
        self.time_total += seconds
        if self.applied > KEEP:
            return
        self.times.append(seconds)
        store = self.params
        for name, value in params.items():
            kind = type(value)
            if kind is float:
                if not math.isfinite(value):
                    continue
            elif kind is not int and kind is not bool and kind is not str:
                continue  # lists, matrices, None: not a one-number draw
            seen = store.get(name)
            if seen is None:
                if name.endswith("seed"):
                    continue  # a noise seed says nothing about the augmentation's strength
                seen = store[name] = []
                self.ranges[name] = declared_range(self.leaf, name)
            seen.append(value)


def change(before: Any, after: Any) -> float | None:
    """How much an op changed the main field: the mean absolute change of an array (uint8 as a
    fraction of 255, floats in their own units), of a table's values, or the share of words
    changed for text; None when it cannot be compared (the shape changed).

    Examples
    --------
    >>> import numpy as np
    >>> change(np.zeros(4, np.uint8), np.full(4, 51, np.uint8)), change("a b c d", "a b x d")
    (0.2, 0.25)
    """
    if isinstance(before, str) and isinstance(after, str):
        import difflib

        a, b = before.split(), after.split()
        return 1.0 - difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    if isinstance(before, np.ndarray) and isinstance(after, np.ndarray) and before.shape == after.shape:
        if before.size == 0:
            return 0.0
        diff = np.abs(after.astype(np.float32) - before.astype(np.float32))
        scale = 255.0 if before.dtype == np.uint8 else 1.0
        return float(diff.mean(dtype=np.float64) / scale)
    if hasattr(before, "shape") and hasattr(after, "shape") and hasattr(before, "to_numpy"):
        return change(before.to_numpy(dtype=float), after.to_numpy(dtype=float))
    return None


class Recorder:
    """The ``draw`` callback of profiled calls: applies each leaf and records it."""

    def __init__(self, pipeline: Transform, stats_every: int = 1) -> None:
        self.pipeline = pipeline
        self.ops = {path: OpRecord(path, leaf) for path, leaf in leaves(pipeline)}
        self.calls = 0
        self.call_times: list[float] = []
        self.stats_every = stats_every
        self._stats = False
        self._mark = 0.0
        self._pending: OpRecord | None = None
        self._group_before: Any = None
        self._main = ""
        self._fuse = True
        self._gap = 0.0

    def begin(self, sample: Mapping[str, Any]) -> None:
        self._stats = self.stats_every > 0 and self.calls % self.stats_every == 0
        self._main = next((f for f in _MAIN if f in sample), "")
        self._fuse = self.pipeline._plan.fuse
        self._pending = None
        self._mark = _clock()

    def _settled(self, sample: Mapping[str, Any], now: float) -> None:
        """Credit the time since the last op (and a flush of fused work, if any) to its owner."""
        gap = now - self._mark
        owner = self._pending
        if owner is not None and PENDING not in sample:  # the fused group was flushed
            owner.time_total += gap
            if owner.applied <= KEEP:
                owner.times[-1] += gap
            if self._stats and self._main:
                moved = change(self._group_before, sample.get(self._main))
                if moved is not None and len(owner.changes) < KEEP:
                    owner.changes.append(moved)
            self._pending = None
            gap = 0.0
        self._gap = gap

    def __call__(
        self, leaf: Transform, sample: dict[str, Any], params: Mapping[str, Any], path: tuple[int, ...]
    ) -> dict[str, Any]:
        self._settled(sample, _clock())
        record = self.ops.get(path)
        if record is None:  # a pipeline edited in place since the recorder was made
            record = self.ops[path] = OpRecord(path, leaf)
        stats, main = self._stats, self._main
        before = sample.get(main) if stats and main else None
        t0 = _clock()
        out = leaf._act(sample, params, self._fuse)
        record.add(params, _clock() - t0 + self._gap)
        if PENDING in out:
            if self._pending is None:
                self._group_before = before
            self._pending = record
        elif stats and main:
            moved = change(before, out.get(main))
            if moved is not None and len(record.changes) < KEEP:
                record.changes.append(moved)
        self._mark = _clock()
        return out

    def end(self, out: dict[str, Any], started: float) -> dict[str, Any]:
        if PENDING in out:
            out = out[PENDING].flush(out)
        self._settled(out, _clock())
        self.calls += 1
        if self.calls <= KEEP:
            self.call_times.append(_clock() - started)
        return out

    # ------------------------------------------------------------------ merging (job chunks, workers)
    def state(self) -> dict[str, Any]:
        """What was recorded, as JSON-able data (a job's chunk stores it beside its rows)."""
        ops = [
            {
                "path": list(op.path),
                "transform": op.name,
                "applied": op.applied,
                "time_total": op.time_total,
                "times": op.times,
                "params": op.params,
                "changes": op.changes,
            }
            for op in self.ops.values()
        ]
        return {"calls": self.calls, "call_times": self.call_times, "ops": ops}

    def absorb(self, state: Mapping[str, Any]) -> None:
        """Add the calls another recorder of the same pipeline recorded (see :meth:`state`)."""
        self.calls += int(state["calls"])
        self.call_times.extend(state["call_times"][: max(0, KEEP - len(self.call_times))])
        for entry in state["ops"]:
            op = self.ops.get(tuple(entry["path"]))
            if op is None or op.name != entry["transform"]:
                continue  # recorded with another pipeline: not this profile's
            op.applied += int(entry["applied"])
            op.time_total += float(entry["time_total"])
            room = max(0, KEEP - len(op.times))
            op.times.extend(entry["times"][:room])
            for name, values in entry["params"].items():
                if name not in op.params:
                    op.params[name] = []
                    op.ranges[name] = declared_range(op.leaf, name)
                op.params[name].extend(values[: max(0, KEEP - len(op.params[name]))])
            op.changes.extend(entry["changes"][: max(0, KEEP - len(op.changes))])


def profiled_call(
    pipeline: Transform,
    recorder: Recorder,
    sample: dict[str, Any],
    key: int | str,
    epoch: int = 0,
    trace: bool = False,
) -> dict[str, Any]:
    """``pipeline(**sample, key=key, epoch=epoch, trace=trace)`` (the same output), recorded by
    ``recorder`` (made for this ``pipeline``)."""
    started = _clock()
    sample, leave = pipeline._enter(sample, pipeline._plan)
    plan = pipeline._validate(sample)
    stream = _random.root_key(plan.seed64, key, epoch, 0, pipeline.name)
    recorder.begin(sample)
    call = Call([] if trace else None, plan.fuse, recorder)
    out = pipeline._run(sample, stream, call, ())
    out = recorder.end(dict(out) if out is sample else out, started)
    if call.trace is not None:
        out["trace"] = stamped(pipeline, call.trace)
    return out if leave is None else leave(out)
