"""Cost of recording a profile while a pipeline runs (issue 24: at most 5 %).

The image benchmark's training pipeline (``image.py``: RandomResizedCrop 224 > HorizontalFlip >
Affine > ColorJitter > GaussianNoise > RandomErasing, on scikit-learn's two sample photos, keyed
calls) timed plainly and through :func:`multiaug.monitor.profiled_call` in alternating rounds
(one process, ratios of medians): with the recorder as ``AugmentedDataset(profile=True)`` and
``multiaug augment --profile`` use it (``stats_every=256``: the pixel-change statistics on one
call in 256), without statistics, and with statistics on every call (``ma.profile``'s default).

Run: ``cd benchmarks && python profile_overhead.py [--smoke]``
"""

from __future__ import annotations

import argparse
import itertools
import statistics
from collections.abc import Callable

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few short rounds (checks it runs)")
    parser.add_argument("--repeats", type=int, default=31, help="alternating rounds")
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


if __name__ == "__main__":
    main()
