"""Throughput of the batched pixel kernels alone (issue 16): ColorJitter + GaussianNoise + RandomErasing.

A batch of 32 (``--batch``) 224x224 uint8 photos goes through the three kernels the way the
batched executor runs them: per-sample parameter draws on the host (``keyed_params``, timed
too), uint8 -> float32 once, the three kernels, rounding back to uint8 once. The per-sample
CPU path (the same three transforms in a ``Compose``, one keyed call per image) is timed
beside it. One torch thread and one OpenCV thread by default (``--threads``); prints images/s.

    python benchmarks/torch_batch_pixel.py [--batch 32] [--threads 1] [--repeat 5] [--device cpu]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
import torch
from sklearn.datasets import load_sample_image

import multiaug as ma
from multiaug.torch.batch import Batch, kernels


def pipeline() -> list[ma.Transform]:
    return [
        ma.image.ColorJitter(0.4, 0.4, 0.4, 0.1, p=1.0, seed=0),
        ma.image.GaussianNoise(std=(0.01, 0.05), p=1.0, seed=1),
        ma.image.RandomErasing(p=1.0, seed=2),
    ]


def batched(steps: list[ma.Transform], x: torch.Tensor, keys: list[int]) -> torch.Tensor:
    table = kernels("image")
    image = x.to(torch.float32)
    for t in steps:
        probe = {"image": np.zeros((x.shape[2], x.shape[3], x.shape[1]), np.uint8)}
        params = [t.keyed_params(probe, key=k) or {} for k in keys]  # p=1.0: every sample applies
        out = table[(t.name, "image")](t, Batch(fields={"image": image}, params=params, scale=255.0))
        image = out["image"]
    return image.round().clamp(0, 255).to(torch.uint8)


def per_sample(steps: list[ma.Transform], images: list[np.ndarray], keys: list[int]) -> list[np.ndarray]:
    pipe = ma.Compose(steps, seed=0)
    return [pipe(image=img, key=k)["image"] for img, k in zip(images, keys, strict=True)]


def best(fn, repeat: int) -> tuple[float, float]:
    """Best wall time and best process CPU time of ``repeat`` runs (CPU time: steadier on a busy machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    photo = cv2.resize(load_sample_image("china.jpg"), (224, 224), interpolation=cv2.INTER_AREA)
    images = [np.roll(photo, 5 * i, axis=1) for i in range(args.batch)]
    keys = list(range(args.batch))
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous().to(args.device)
    steps = pipeline()
    sync = torch.cuda.synchronize if x.device.type == "cuda" else (lambda: None)

    def run_batched() -> None:
        batched(steps, x, keys)
        sync()

    run_batched()  # warm-up (tables, allocator)
    t_batch = best(run_batched, args.repeat)
    t_cpu = best(lambda: per_sample(steps, images, keys), args.repeat)
    print(f"batch {args.batch} of 224x224 uint8, {args.threads} thread(s), device {args.device}")
    print("  images/s by wall time (by process CPU time, steadier on a busy machine)")
    for label, (wall, cpu) in (
        ("batched kernels (ColorJitter + GaussianNoise + RandomErasing)", t_batch),
        ("per-sample CPU path (the same three transforms)", t_cpu),
    ):
        print(f"  {label:<64} {args.batch / wall:8.1f} ({args.batch / cpu:.1f})")


if __name__ == "__main__":
    main()
