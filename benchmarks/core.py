"""Core overhead: what a keyed call costs before any pixel is touched.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/core.py``). Compares a
keyed multiaug ``Compose`` of three ``p=0`` transforms with the same pipeline in
albumentations (seeded), in the same process on the same input, and prints the
ratio. Also reports the cost of ``import multiaug`` in fresh processes.

``--pieces`` prints instead the parts of a keyed call of ``audio.Reverse`` (p=0, nothing drawn),
``audio.Padding`` and ``audio.Gain`` (p=1, one value drawn) on 16 samples, and the input checks
(issue 20's floors): CPU microseconds per call, best of interleaved rounds.
"""

from __future__ import annotations

import itertools
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from _util import machine, per_call_us

import multiaug as ma
from multiaug.core import random as R


def import_ms(runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import multiaug"], capture_output=True, text=True
        ).stderr
        last = [line for line in err.splitlines() if re.search(r"\|\s+multiaug$", line)][-1]
        times.append(int(last.split("|")[1]) / 1000)
    return statistics.median(times)


def _best_cpu_us(
    calls: dict[str, Callable[[], object]], rounds: int = 7, budget: float = 0.15
) -> dict[str, float]:
    """CPU microseconds per call of each entry, best of ``rounds`` interleaved rounds."""
    best = dict.fromkeys(calls, float("inf"))
    for call in calls.values():
        call()
    for _ in range(rounds):
        for name, call in calls.items():
            n, t0 = 0, time.process_time()
            while (elapsed := time.process_time() - t0) < budget:
                call()
                n += 1
            best[name] = min(best[name], 1e6 * elapsed / n)
    return best


def pieces() -> None:
    """The parts of a keyed call (see the module docstring)."""
    from multiaug.audio._validate import check_waveform
    from multiaug.core.fusion import _NOT_FUSING
    from multiaug.image._validate import check_image

    rng = np.random.default_rng(0)
    clip = (rng.standard_normal(48000) * 0.1).astype(np.float32)
    tiny, image = clip[:16].copy(), rng.random((256, 256, 3), dtype=np.float32)
    sample: dict[str, Any] = {"audio": tiny, "sample_rate": 16000}
    reverse, padding, gain = ma.audio.Reverse(p=0.0), ma.audio.Padding(p=1.0), ma.audio.Gain(p=1.0)
    keys = itertools.count()
    stream = R.root_key(gain._plan.seed64, 5, 0, 0, "gain")
    drawn = padding.make_params(R.generator(stream), sample)

    def lent_draw() -> None:
        lent = R.borrow(stream)
        gain.make_params(lent[0], sample)
        R.give_back(lent)

    calls: dict[str, Callable[[], object]] = {
        "keyed call, nothing drawn (Reverse p=0)": lambda: reverse(**sample, key=next(keys)),
        "keyed call, one value drawn (Padding p=1)": lambda: padding(**sample, key=next(keys)),
        "keyed call, one declared range (Gain p=1)": lambda: gain(**sample, key=next(keys)),
        "  _validate (field checks, 16 samples)": lambda: gain._validate(sample),
        "  root_key (int key)": lambda: R.root_key(gain._plan.seed64, 123456, 0, 0, "gain"),
        "  applies (p=0.5)": lambda: R.applies(0.5, stream),
        "  borrow + give_back (re-keyed Philox)": lambda: R.give_back(R.borrow(stream)),
        "  Gain make_params on a lent generator": lent_draw,
        "  Padding apply (the op's own work)": lambda: padding.apply(sample, drawn),
        "  Gain _run (after validation)": lambda: gain._run(sample, stream, _NOT_FUSING, ()),
        "check_waveform, 3 s at 16 kHz": lambda: check_waveform("op", clip),
        "check_image, float32 256x256x3": lambda: check_image("op", image),
    }
    print(f"# benchmarks/core.py --pieces on {machine()}, multiaug {ma.__version__}, CPU us per call")
    for name, us in _best_cpu_us(calls).items():
        print(f"{name:<48} {us:8.2f}")


def main() -> None:
    if "--pieces" in sys.argv:
        pieces()
        return
    img = np.zeros((8, 8, 3), np.uint8)
    noop = ma.Compose(
        [ma.image.HorizontalFlip(p=0), ma.image.VerticalFlip(p=0), ma.image.GaussianNoise(p=0)], seed=0
    )
    half = ma.Compose(
        [ma.image.HorizontalFlip(p=0.5), ma.image.VerticalFlip(p=0.5), ma.image.HorizontalFlip(p=0.5)],
        seed=0,
    )
    keys = iter(range(10**9))
    rows = [
        ("keyed Compose of 3 transforms with p=0", per_call_us(lambda: noop(image=img, key=next(keys)))),
        ("  same, str key and epoch", per_call_us(lambda: noop(image=img, key="img_0001.jpg", epoch=3))),
        ("  same, unkeyed", per_call_us(lambda: noop(image=img))),
        ("keyed Compose of 3 flips with p=0.5 (8x8)", per_call_us(lambda: half(image=img, key=next(keys)))),
        ("reference: one fresh Philox Generator", per_call_us(lambda: R.generator(12345))),
        (
            "reference: np.random.default_rng(seed)",
            per_call_us(lambda: np.random.default_rng(12345)),
        ),
    ]
    print(f"# benchmarks/core.py on {machine()}, multiaug {ma.__version__}, numpy {np.__version__}")
    for name, us in rows:
        print(f"{name:<48} {us:8.2f} us/call")
    try:
        import albumentations as A
    except ImportError:
        print("albumentations not installed (make bench installs it): no comparison")
    else:
        albu = A.Compose([A.HorizontalFlip(p=0), A.VerticalFlip(p=0), A.GaussNoise(p=0)], seed=0)
        a_us = per_call_us(lambda: albu(image=img))
        m_us = rows[0][1]
        print(f"albumentations {A.__version__} Compose of 3, p=0       {a_us:8.2f} us/call")
        print(f"ratio albumentations / multiaug (keyed)           {a_us / m_us:8.2f}x")
    print(f"import multiaug (median of 7 fresh processes)     {import_ms():8.1f} ms")


if __name__ == "__main__":
    main()
