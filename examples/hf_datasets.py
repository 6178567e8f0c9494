"""Hugging Face datasets: keyed on-the-fly augmentation with ma.hf.transform and a torch DataLoader.

Builds a datasets.Dataset of scikit-learn's digits (PIL images, as the Image feature decodes them),
adds the row index (ma.hf.with_index), splits it, augments the training split on the fly
(set_transform, a new epoch each pass) and runs the test split through pipe.inference() only.
Checks that a row is a keyed call (recomputable alone, whatever the shuffle and the batch) and that
the test split is the same in every epoch. Writes nothing.

Run: .venv/bin/python examples/hf_datasets.py
"""

from __future__ import annotations

import datasets
import numpy as np
import PIL.Image
import torch
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader

import multiaug as ma


def digits(n: int = 200) -> datasets.Dataset:
    data = load_digits()
    scans = (data.images[:n] * (255 / 16)).astype(np.uint8)
    pics = [PIL.Image.fromarray(np.kron(s, np.ones((2, 2), np.uint8))) for s in scans]  # 16x16 grey
    return datasets.Dataset.from_dict({"image": pics, "label": data.target[:n].tolist()})


def collate(rows: list[dict]) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    images = torch.from_numpy(np.stack([r["image"] for r in rows]))
    return images, torch.tensor([r["label"] for r in rows]), [r[ma.hf.INDEX_COLUMN] for r in rows]


def main() -> None:
    pipe = ma.Compose(
        [ma.image.Affine(rotate=(-10, 10), translate=(-0.1, 0.1), p=0.8), ma.image.Resize(12, 12)], seed=42
    )
    # the index first (the reference order), then the split: every row keeps its key
    split = ma.hf.with_index(digits()).train_test_split(test_size=0.25, seed=0)
    train_t = ma.hf.transform(pipe)  # key=None: the multiaug_index column
    test_t = ma.hf.transform(pipe.inference())  # the deterministic steps alone
    train = split["train"].with_transform(train_t)
    test = split["test"].with_transform(test_t)
    print(f"{len(train)} training rows, {len(test)} test rows; columns {train.column_names}")

    loader = DataLoader(train, batch_size=32, shuffle=True, collate_fn=collate,
                        generator=torch.Generator().manual_seed(0))  # fmt: skip
    originals = split["train"]
    for epoch in range(2):
        train_t.epoch = epoch  # before iterating: the loader's workers copy the transform
        images, labels, keys = next(iter(loader))
        j = 5  # any image of any batch is the keyed call of its row
        row = originals[int(np.flatnonzero(np.array(originals[ma.hf.INDEX_COLUMN]) == keys[j])[0])]
        alone = pipe(image=np.asarray(row["image"]), key=keys[j], epoch=epoch)["image"]
        assert np.array_equal(images[j].numpy(), alone) and labels[j] == row["label"]
        print(f"epoch {epoch}: batch {tuple(images.shape)} {images.dtype}; row {keys[j]} recomputed alone")

    first = test[:]["image"]
    test_t.epoch = 1
    assert all(np.array_equal(a, b) for a, b in zip(first, test[:]["image"], strict=True))
    print("test split: never augmented, identical in every epoch")


if __name__ == "__main__":
    main()
