"""Small timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


def per_call_us(fn: Callable[[], object], min_time: float = 0.2, repeats: int = 7) -> float:
    """Median over ``repeats`` of the mean time of one call, in microseconds."""
    fn()
    n = 1
    while True:  # calibrate so one repeat lasts about min_time
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / 4:
            break
        n *= 4
    n = max(1, int(n * min_time / max(dt, 1e-9)))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(samples)


def compare_us(
    fa: Callable[[], object], fb: Callable[[], object], min_time: float = 0.2, repeats: int = 7
) -> tuple[float, float]:
    """Per-call µs of ``fa`` and ``fb`` measured in alternating rounds (medians).

    Interleaving puts both contenders under the same machine state in every round,
    so their ratio is far steadier on a shared machine than two separate timings.
    """
    a_samples, b_samples = rounds_us([fa, fb], min_time=min_time, repeats=repeats)
    return statistics.median(a_samples), statistics.median(b_samples)


def rounds_us(fns: list[Callable[[], object]], min_time: float = 0.2, repeats: int = 7) -> list[list[float]]:
    """Per-call µs of every function in ``fns``, one sample per round and function.

    Each round runs every function in turn (about ``min_time / 2`` seconds each), so all of
    them see the same machine state; the spread of a function's samples shows the noise.
    """
    counts = []
    for fn in fns:
        fn()
        n = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            dt = time.perf_counter() - t0
            if dt >= min_time / 8:
                break
            n *= 4
        counts.append(max(1, int(n * (min_time / 2) / max(dt, 1e-9))))
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, n, out in zip(fns, counts, samples, strict=True):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            out.append((time.perf_counter() - t0) / n * 1e6)
    return samples


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
