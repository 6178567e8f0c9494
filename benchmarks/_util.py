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
    counts = []
    for fn in (fa, fb):
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
    a_samples, b_samples = [], []
    for _ in range(repeats):
        for fn, n, out in ((fa, counts[0], a_samples), (fb, counts[1], b_samples)):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            out.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(a_samples), statistics.median(b_samples)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
