"""Dataset jobs: ``multiaug augment`` throughput on an image folder, 1 vs 2 workers, local vs Dask.

Run with ``make bench`` or ``cd benchmarks && ../.venv/bin/python jobs.py [--images N]``.

The input is a folder of ``N`` JPEG crops (320x240) of scikit-learn's two sample photos in two
class folders; every image gets 2 augmented copies through a standard training pipeline
(RandomResizedCrop -> HorizontalFlip -> Affine -> ColorJitter -> GaussianNoise), written as PNG
with the manifest. Each job runs from scratch into a fresh folder; wall time includes starting
the workers (and, for Dask, the ``LocalCluster``). The rows:

* ``local, 1 worker``: in this process, OpenCV limited to one thread (so the row measures one
  core; ``--workers 1`` normally leaves OpenCV's own threads on);
* ``local, 2 workers``: a spawn process pool, one OpenCV thread per worker;
* ``dask, 2 workers``: a ``LocalCluster`` of 2 single-threaded worker processes started by the
  job (the same chunks as the local engine, several chunks per task), and the same with a
  cluster started beforehand (``--scheduler``), which isolates the per-task overhead from the
  cluster start-up (importing dask.distributed, starting and closing the workers: 1-2.5 s).

The four configurations run in ``--rounds`` interleaved rounds (default 3) and the table gives
the median (each round's time in brackets): single timings on a shared 2-core VM move by 20 %.
Every run's outputs are checked byte-identical to the first.

``--text-memory 10000,100000,1000000`` instead measures the peak memory of text-manifest jobs:
a CSV manifest of that many short sentences (about 60 characters, an ``id`` and a ``label``
column) is augmented once (``RandomSwap``, one worker) into ``texts.parquet`` by
``multiaug augment`` in a process of its own, whose peak RSS (``ru_maxrss``) is reported with
the wall time; the memory of a job is bounded by its chunk, not by the data set.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import cv2
from _util import machine

import multiaug as ma
from multiaug.demo import load_sample_photo
from multiaug.jobs import augment


def make_folder(root: Path, n: int) -> Path:
    data = root / "images"
    for cls in ("china", "flower"):
        photo = load_sample_photo(f"{cls}.jpg")
        h, w = photo.shape[:2]
        folder = data / cls
        folder.mkdir(parents=True)
        for k in range(n // 2):
            y, x = (37 * k) % (h - 240), (53 * k) % (w - 320)
            crop = cv2.cvtColor(photo[y : y + 240, x : x + 320], cv2.COLOR_RGB2BGR)
            cv2.imwrite(str(folder / f"{k:05d}.jpg"), crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return data


def pipeline() -> ma.Compose:
    return ma.Compose(
        [
            ma.image.RandomResizedCrop((224, 224)),
            ma.image.HorizontalFlip(),
            ma.image.Affine(scale=(0.9, 1.1), translate=0.05, rotate=10),
            ma.image.ColorJitter(0.2, 0.2, 0.2, 0.05),
            ma.image.GaussianNoise(),
        ],
        seed=0,
    )


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "run.json"
    }


_CHILD = """
import resource, sys, time
from multiaug.cli import main
t0 = time.perf_counter()
code = main(sys.argv[1:])
print(code, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def text_memory(sizes: list[int]) -> None:
    """Peak RSS of ``multiaug augment`` on text manifests of ``sizes`` rows (a process each)."""
    import csv
    import os
    import subprocess
    import sys

    words = "the quick brown fox jumps over a lazy dog near the quiet old town at dusk".split()
    root = Path(tempfile.mkdtemp(prefix="multiaug-text-memory-"))
    try:
        config = ma.save(ma.Compose([ma.text.RandomSwap(alpha=0.2)], seed=0), root / "text.yaml")
        print(f"{'rows':>9} {'peak RSS':>10} {'wall':>9} {'rows/s':>8}  output")
        for n in sizes:
            manifest = root / f"texts{n}.csv"
            with open(manifest, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["id", "text", "label"])
                for i in range(n):
                    text = " ".join(words[(i * 7 + k) % len(words)] for k in range(10))
                    w.writerow([f"s{i:07d}", f"{text} {i}", i % 5])
            out = root / f"out{n}"
            argv = ["augment", str(config), "--input", str(manifest), "--output", str(out), "--quiet"]
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, *argv],
                capture_output=True,
                text=True,
                env=os.environ,
                check=True,
            )
            code, wall, rss_kib = done.stdout.split()[-3:]
            assert code == "0", done.stderr
            size = (out / "texts.parquet").stat().st_size
            rate, mib = n / float(wall), int(rss_kib) / 1024
            print(f"{n:>9} {mib:>7.0f} MB {float(wall):>7.1f} s {rate:>8.0f}  {size / 1e6:.1f} MB")
            shutil.rmtree(out)
            manifest.unlink()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1500)
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--text-memory", default=None, help="e.g. 10000,100000,1000000: peak RSS of text jobs"
    )
    args = parser.parse_args()
    print(machine())
    if args.text_memory:
        text_memory([int(v) for v in args.text_memory.split(",")])
        return
    root = Path(tempfile.mkdtemp(prefix="multiaug-jobs-bench-"))
    try:
        data = make_folder(root, args.images)
        config = ma.save(pipeline(), root / "pipe.yaml")
        units = args.images * args.copies
        print(f"{args.images} images x {args.copies} copies = {units} PNG outputs, 224x224\n")
        reference = None
        times: dict[str, list[float]] = {}

        def job(name: str, **kw: object) -> None:
            nonlocal reference
            out = root / name.replace(" ", "_").replace(",", "").replace("(", "").replace(")", "")
            t0 = time.perf_counter()
            augment(config, data, out, copies=args.copies, **kw)  # type: ignore[arg-type]
            times.setdefault(name, []).append(time.perf_counter() - t0)
            got = outputs(out)
            if reference is None:
                reference = got
            assert got == reference, f"{name}: outputs differ from the first run"
            shutil.rmtree(out)

        from dask.distributed import LocalCluster

        default_threads = cv2.getNumThreads()
        for _ in range(args.rounds):  # interleaved rounds: every row sees the same machine state
            cv2.setNumThreads(1)
            job("local, 1 worker")
            cv2.setNumThreads(default_threads)
            job("local, 2 workers", workers=2)
            job("dask, 2 workers (cluster started)", engine="dask", workers=2)
            # a running cluster (started untimed, only for its row: idle workers still cost CPU)
            with LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
            ) as cluster:
                job("dask, 2 workers (--scheduler)", scheduler=cluster.scheduler_address)
        med = {name: statistics.median(ts) for name, ts in times.items()}
        for name, t in med.items():
            spread = ", ".join(f"{x:.2f}" for x in times[name])
            print(f"{name:<36} {t:7.2f} s  {units / t:8.1f} items/s   (rounds: {spread} s)")

        one, two = med["local, 1 worker"], med["local, 2 workers"]
        print(f"\nspeed-up 2 workers vs 1: {one / two:.2f}x (target >= 1.7x)")
        for name in ("dask, 2 workers (cluster started)", "dask, 2 workers (--scheduler)"):
            print(f"{name} overhead vs local 2 workers: {med[name] / two - 1:+.1%} (target <= 15%)")
        print("outputs byte-identical across all runs: True")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
