"""Cost of recording a profile while a pipeline runs (issue 24: at most 5 %).

The image benchmark's training pipeline (``image.py``: RandomResizedCrop 224 > HorizontalFlip >
Affine > ColorJitter > GaussianNoise > RandomErasing, on scikit-learn's two sample photos, keyed
calls) timed plainly and through :func:`multiaug.monitor.profiled_call` in alternating rounds
(one process, ratios of medians): with the recorder as ``AugmentedDataset(profile=True)`` and
``multiaug augment --profile`` use it (``stats_every=256``: the pixel-change statistics on one
call in 256), without statistics, and with statistics on every call (``ma.profile``'s default).

A third measure isolates the recorder's own work, which does not grow with the image: the same
six ops with the crop made 16x16 (pixel work nearly gone), plain and recorded without statistics
in alternating rounds; the difference in µs per call, divided by the photo pipeline's plain time,
bounds the recording overhead of the real pipeline.

A second measure, steadier on a busy machine: paired calls. Call ``k`` is made plainly and
recorded back to back (the same photo and key, hence the same work; the order alternates), and
the median of the per-pair time ratios is reported.

Run: ``cd benchmarks && python profile_overhead.py [--smoke] [--repeats N] [--pairs N]``
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable

import numpy as np
from _util import machine, rounds_us
from image import OPS, PIPELINE

import multiaug as ma
from multiaug.demo import load_sample_photo
from multiaug.monitor import Recorder, profiled_call


def calls(pipe: ma.Compose, recorder: Recorder | None) -> Callable[[], object]:
    photos = [load_sample_photo("china.jpg"), load_sample_photo("flower.jpg")]
    keys = itertools.count()

    def plain() -> object:
        k = next(keys)
        return pipe(image=photos[k % 2], key=k)

    def recorded() -> object:
        k = next(keys)
        assert recorder is not None
        return profiled_call(pipe, recorder, {"image": photos[k % 2]}, k)

    return plain if recorder is None else recorded


def paired(pipe: ma.Compose, every: int, n: int) -> list[float]:
    """Per-pair ratios recorded / plain of ``n`` keyed calls made both ways back to back."""
    photos = [load_sample_photo("china.jpg"), load_sample_photo("flower.jpg")]
    recorder = Recorder(pipe, stats_every=every)
    clock = time.perf_counter
    ratios = []
    for k in range(n):
        photo = photos[k % 2]
        t = [0.0, 0.0]
        for side in (k % 2, 1 - k % 2):
            t0 = clock()
            if side == 0:
                pipe(image=photo, key=k)
            else:
                profiled_call(pipe, recorder, {"image": photo}, k)
            t[side] = clock() - t0
        ratios.append(t[1] / t[0])
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few short rounds (checks it runs)")
    parser.add_argument("--repeats", type=int, default=31, help="alternating rounds")
    parser.add_argument("--pairs", type=int, default=3000, help="paired calls per recorder setting")
    args = parser.parse_args()
    pipe = ma.Compose([OPS[name][0](ma.image, p) for name, p in PIPELINE], seed=0)
    modes = {"recorder, stats 1 call in 256": 256, "recorder, no stats": 0, "recorder, stats every call": 1}
    fns = [calls(pipe, None)] + [calls(pipe, Recorder(pipe, stats_every=every)) for every in modes.values()]
    samples = rounds_us(fns, min_time=0.05 if args.smoke else 1.0, repeats=2 if args.smoke else args.repeats)
    plain = samples[0]
    print(f"{machine()}\nplain keyed call: {statistics.median(plain):.0f} us per image (median of rounds)")
    for name, s in zip(modes, samples[1:], strict=True):
        ratios = sorted(b / a for a, b in zip(plain, s, strict=True))
        print(
            f"{name:30} {statistics.median(s):7.0f} us: overhead {statistics.median(ratios) - 1:+.1%} "
            f"(median of per-round ratios; quartiles {ratios[len(ratios) // 4] - 1:+.1%} .. "
            f"{ratios[3 * len(ratios) // 4] - 1:+.1%})"
        )
    tiny_steps = [OPS[name][0](ma.image, p) for name, p in PIPELINE]
    tiny_steps[0] = ma.image.RandomResizedCrop(size=(16, 16), p=1.0)
    tiny = ma.Compose(tiny_steps, seed=0)
    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
    keys = itertools.count()
    rec = Recorder(tiny, stats_every=0)
    fa = lambda: tiny(image=small, key=next(keys))  # noqa: E731
    fb = lambda: profiled_call(tiny, rec, {"image": small}, next(keys))  # noqa: E731
    a, b = rounds_us(
        [fa, fb], min_time=0.05 if args.smoke else 0.5, repeats=2 if args.smoke else args.repeats
    )
    extra = statistics.median(y - x for x, y in zip(a, b, strict=True))
    print(
        f"recorder's own work (same ops, 16x16 crop, no stats): {statistics.median(a):.0f} -> "
        f"{statistics.median(b):.0f} us, +{extra:.1f} us per call = {extra / statistics.median(plain):+.2%} "
        "of the photo pipeline's plain call"
    )
    n = 20 if args.smoke else args.pairs
    print(f"paired calls ({n} pairs per setting, median of per-pair ratios):")
    for name, every in modes.items():
        ratios = sorted(paired(pipe, every, n))
        print(
            f"{name:30} overhead {statistics.median(ratios) - 1:+.1%} "
            f"(quartiles {ratios[len(ratios) // 4] - 1:+.1%} .. {ratios[3 * len(ratios) // 4] - 1:+.1%})"
        )


if __name__ == "__main__":
    main()
