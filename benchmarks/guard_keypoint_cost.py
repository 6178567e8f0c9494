"""What the split guard's keypoint stage (issue 18) adds to the warp search of a large check.

In a check of 50,000 128x128 images (``guard.py``'s timing row) the warp search visits at most
300 pose-hash candidates; here 300 pairs of distinct 128x128 images (bicubic upscales of random
16x16 colour patterns, as in that row) are searched with the keypoint stage switched off and on,
alternately in one process, two rounds.

Run: ``cd benchmarks && PYTHONPATH=<tree> ../.venv/bin/python guard_keypoint_cost.py``.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

import multiaug.guard.detect.image_warp as warp


class _NoFeatures:
    def __init__(self, image: np.ndarray) -> None:
        pass


def main() -> None:
    patterns = np.random.default_rng(0).integers(0, 256, (600, 16, 16, 3), dtype=np.uint8)
    images = [cv2.resize(p, (128, 128), interpolation=cv2.INTER_CUBIC) for p in patterns]
    pairs = [(i, 300 + i) for i in range(300)]
    real = (warp.propose, warp.Features)
    for r in range(2):
        for on in (False, True):
            warp.propose, warp.Features = real if on else ((lambda a, b: ([], [])), _NoFeatures)  # type: ignore[assignment]
            t0 = time.perf_counter()
            found = warp.warp_pairs(images, pairs)
            dt = time.perf_counter() - t0
            load = " ".join(open("/proc/loadavg").read().split()[:3])
            print(
                f"round {r + 1} keypoints {'on ' if on else 'off'} {dt:6.1f} s, "
                f"{len(found)} pairs, load {load}"
            )
    warp.propose, warp.Features = real  # type: ignore[assignment]


if __name__ == "__main__":
    main()
