"""PyTorch DataLoader: keyed augmentation, set_epoch with persistent workers, MixUp/CutMix collate.

Trains a tiny linear classifier on scikit-learn's digits for two epochs with 2 persistent
workers, then checks that a single-process loader gives exactly the same batches.

Run: .venv/bin/python examples/torch_dataloader.py
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, RandomSampler

import multiaug as ma


def digits() -> list[tuple[np.ndarray, int]]:
    """(image, label) pairs: the first 1024 8x8 scans as 16x16 uint8 images."""
    data = load_digits()
    images = np.kron(data.images[:1024] * (255 / 16), np.ones((2, 2))).astype(np.uint8)
    return [(image, int(label)) for image, label in zip(images, data.target[:1024], strict=True)]


def loader(ds: ma.torch.AugmentedDataset, workers: int) -> DataLoader:
    mixer = ma.OneOf([ma.image.MixUp(alpha=0.4, num_classes=10), ma.image.CutMix(num_classes=10)], seed=7)
    return DataLoader(
        ds,
        batch_size=64,
        sampler=RandomSampler(ds, generator=torch.Generator().manual_seed(0)),
        drop_last=True,  # mixing needs batches of at least 2
        collate_fn=ma.torch.MixCollate(mixer),  # batch key = dataset indices + epoch
        num_workers=workers,
        persistent_workers=workers > 0,
        worker_init_fn=ma.torch.worker_init_fn,  # cv2.setNumThreads(0) in every worker
    )


def main() -> None:
    pipe = ma.Compose(
        [
            ma.image.Affine(scale=(0.9, 1.1), translate=(-0.1, 0.1), rotate=(-10, 10), p=0.8),
            ma.image.GaussianNoise(std=(0.01, 0.05), p=0.5),
        ],
        seed=42,
    )
    ds = ma.torch.AugmentedDataset(digits(), pipe, to_tensor=True)  # images as (1, 16, 16) uint8

    torch.manual_seed(0)
    torch.set_num_threads(1)  # the two workers already use both cores of a small machine
    model = torch.nn.Linear(16 * 16, 10)
    seen: list[torch.Tensor] = []
    train = loader(ds, workers=2)
    for epoch in range(2):
        ds.set_epoch(epoch)  # reaches the persistent workers: the epoch lives in shared memory
        total = 0.0
        for images, soft_labels in train:
            seen.append(images)
            logits = model(images.flatten(1).float() / 255)
            loss = torch.nn.functional.cross_entropy(logits, soft_labels)  # soft targets (B, 10)
            model.zero_grad()
            loss.backward()
            with torch.no_grad():  # plain SGD (torch.optim would import torch._dynamo: slow start)
                for param in model.parameters():
                    assert param.grad is not None
                    param.sub_(0.5 * param.grad)
            total += loss.item()
        print(f"epoch {epoch}: {len(train)} batches, mean soft-label loss {total / len(train):.3f}")

    # The same epochs in the main process: byte-identical batches.
    single = loader(ds, workers=0)
    again: list[torch.Tensor] = []
    for epoch in range(2):
        ds.set_epoch(epoch)
        again.extend(images for images, _ in single)
    assert all(torch.equal(a, b) for a, b in zip(seen, again, strict=True)) and len(seen) == len(again)
    print(f"num_workers=2 (persistent) and num_workers=0 gave the same {len(seen)} batches")


if __name__ == "__main__":
    main()
