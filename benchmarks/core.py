"""Core overhead: what a keyed call costs before any pixel is touched.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/core.py``). Compares a
keyed multiaug ``Compose`` of three ``p=0`` transforms with the same pipeline in
albumentations (seeded), in the same process on the same input, and prints the
ratio. Also reports the cost of ``import multiaug`` in fresh processes.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys

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


def main() -> None:
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
