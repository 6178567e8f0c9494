"""Host time of one ``ma.torch.batched`` call, phase by phase, and the torch ops it dispatches.

The batched pipeline of ``torch_batch.py`` (flip + affine + colour jitter + noise + erasing) on
uint8 batches. On tiny images (``--size 8``, the default) the pixel work is negligible, so the
time is the host's: what bounds the throughput of a device whose kernels are fast. Printed:

* per phase, the median thread CPU time (``time.thread_time``: robust on a shared machine) and
  wall time per batch: ``draw()`` (the draw phase: keyed parameters, on the host or in DataLoader
  workers), ``forward(draws=)`` (the training step's part when the draws come from the workers)
  and the whole call; with images/s for each;
* the torch ops one ``forward(draws=)`` dispatches, views left out, in total and per kernel:
  on a GPU each is a kernel launch with a fixed host cost, so their count is the part of the
  host time that grows with the device's launch cost.

Run: ``cd benchmarks && ../.venv-bench-torch/bin/python torch_batch_host.py [--size 224] [--device cuda]``.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import time
from typing import Any

import torch
from _util import machine
from torch.utils._python_dispatch import TorchDispatchMode
from torch_batch import multiaug_pipeline

import multiaug as ma
import multiaug.torch.batch.executor as executor

#: Ops that make views (no kernel launch) and the host-tensor wrapping of ``torch.tensor``.
VIEWS = {
    "aten.view.default", "aten.slice.Tensor", "aten.select.int", "aten.unsqueeze.default",
    "aten.alias.default", "aten.expand.default", "aten.view.dtype", "aten.unbind.int",
    "aten.permute.default", "aten.detach.default", "aten.split.Tensor", "aten.squeeze.dim",
    "aten._reshape_alias.default", "aten.lift_fresh.default", "aten.t.default", "aten.as_strided.default",
}  # fmt: skip


class _Count(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.ops: collections.Counter[str] = collections.Counter()

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        self.ops[str(func)] += 1
        return func(*args, **(kwargs or {}))


def op_counts(tp: Any, x: torch.Tensor, draws: list[Any]) -> tuple[float, dict[str, float]]:
    """Non-view ops per ``forward(draws=)``: in total, and per kernel (geometric groups: ``resample``)."""
    per: collections.Counter[str] = collections.Counter()
    find, flush = executor.find_kernel, executor.flush_groups

    def counted(name: str, fn: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            with _Count() as c:
                out = fn(*a, **k)
            per[name] += sum(v for f, v in c.ops.items() if f not in VIEWS)
            return out

        return run

    executor.find_kernel = lambda leaf, kind: counted(leaf.name, find(leaf, kind))
    executor.flush_groups = counted("resample", flush)
    try:
        with _Count() as total:
            for d in draws:
                tp(image=x, draws=d)
    finally:
        executor.find_kernel, executor.flush_groups = find, flush
    n = len(draws)
    return sum(v for f, v in total.ops.items() if f not in VIEWS) / n, {k: v / n for k, v in per.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--smoke", action="store_true", help="a few tiny calls (checks the script)")
    args = ap.parse_args()
    if args.smoke:
        args.batch, args.rounds = 8, 2
    torch.set_num_threads(1)
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    tp = ma.torch.batched(multiaug_pipeline())
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (args.batch, 3, args.size, args.size), dtype=torch.uint8, generator=g).to(dev)
    keys = list(range(args.batch))
    for e in range(2):
        tp(image=x, key=keys, epoch=e)
    times: dict[str, list[tuple[float, float]]] = {"draw()": [], "forward(draws=)": [], "whole call": []}
    for r in range(args.rounds):
        epoch = 10 + r
        c0, w0 = time.thread_time(), time.perf_counter()
        draws = tp.draw(image=x, key=keys, epoch=epoch)
        c1, w1 = time.thread_time(), time.perf_counter()
        tp(image=x, draws=draws)
        sync()
        c2, w2 = time.thread_time(), time.perf_counter()
        tp(image=x, key=keys, epoch=epoch)
        sync()
        c3, w3 = time.thread_time(), time.perf_counter()
        times["draw()"].append((c1 - c0, w1 - w0))
        times["forward(draws=)"].append((c2 - c1, w2 - w1))
        times["whole call"].append((c3 - c2, w3 - w2))
    print(f"# torch_batch_host.py on {machine()}, torch {torch.__version__}, device {dev}")
    print(f"# batch {args.batch} of {args.size}x{args.size} uint8, {args.rounds} rounds, medians per batch")
    print("| phase | thread CPU ms | img/s (CPU time) | wall ms |")
    print("|---|---:|---:|---:|")
    for name, samples in times.items():
        cpu = statistics.median(s[0] for s in samples) * 1e3
        wall = statistics.median(s[1] for s in samples) * 1e3
        print(f"| {name} | {cpu:.2f} | {args.batch / cpu * 1e3:,.0f} | {wall:.2f} |")
    draws = [tp.draw(image=x, key=keys, epoch=100 + i) for i in range(min(args.rounds, 10))]
    total, per = op_counts(tp, x, draws)
    parts = ", ".join(f"{k} {v:.0f}" for k, v in sorted(per.items(), key=lambda kv: -kv[1]))
    print(f"\ntorch ops per forward(draws=) (views left out): {total:.0f} ({parts})")


if __name__ == "__main__":
    main()
