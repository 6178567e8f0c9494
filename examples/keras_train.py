"""Keras 3: train a tiny model on a folder of class sub-folders with ma.keras.ImageDataset.

Writes scikit-learn's digits 0, 1 and 2 as 24x24 PNGs into DIR/digits/<class>/, splits them 80/20 by
seed, trains a small dense network with model.fit for 3 epochs on the augmented training subset
and checks that the validation subset was never augmented (the same batches every epoch, equal to
pipe.inference()). Keras' backend: KERAS_BACKEND, torch when unset.

Run: .venv/bin/python examples/keras_train.py [--output DIR]
(without --output, DIR is a new temporary folder, printed)
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 reads it at its first import

import cv2
import keras
import numpy as np
from sklearn.datasets import load_digits

import multiaug as ma


def write_digits(folder: Path, per_class: int = 60) -> Path:
    """DIR/digits/{0,1,2}/NNN.png: the first ``per_class`` scans of each digit, 24x24 grey PNGs."""
    data = load_digits()
    root = folder / "digits"
    for digit in (0, 1, 2):
        (root / str(digit)).mkdir(parents=True, exist_ok=True)
        scans = data.images[data.target == digit][:per_class]
        for i, scan in enumerate(scans):
            image = cv2.resize(
                (scan * (255 / 16)).astype(np.uint8), (24, 24), interpolation=cv2.INTER_NEAREST
            )
            cv2.imwrite(str(root / str(digit) / f"{i:03d}.png"), image)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="folder for the images (default: a new temp folder)")
    folder = parser.parse_args().output or Path(tempfile.mkdtemp(prefix="multiaug-example-"))
    root = write_digits(folder)

    pipe = ma.Compose(
        [
            ma.image.Affine(scale=(0.9, 1.1), rotate=(-10, 10), translate=(-0.08, 0.08), p=0.8),
            ma.image.RandomBrightnessContrast(p=0.5),
            ma.image.Resize(16, 16),  # the fixed size the model takes (kept by pipe.inference())
        ],
        seed=42,
    )
    split = {"batch_size": 16, "validation_split": 0.2, "seed": 0, "color_mode": "grayscale"}
    train = ma.keras.ImageDataset(root, pipe, subset="training", **split)
    val = ma.keras.ImageDataset(root, pipe, subset="validation", **split)
    assert not set(train.ids) & set(val.ids)
    print(f"{len(train.ids)} training and {len(val.ids)} validation images, classes {train.class_names}")

    val_before = [val[b] for b in range(len(val))]
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((16, 16, 1)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(len(train.class_names or ())),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(train, validation_data=val, epochs=3, verbose=0)
    for epoch, (loss, acc) in enumerate(
        zip(history.history["loss"], history.history["val_accuracy"], strict=True)
    ):
        print(f"epoch {epoch}: training loss {loss:.3f}, validation accuracy {acc:.2f}")

    # The validation subset ran the deterministic steps alone, identically in every epoch.
    served = pipe.inference()
    for b, (images, labels) in enumerate(val_before):
        again = val[b]
        assert np.array_equal(images, again[0]) and np.array_equal(labels, again[1])
        rows = range(b * val.batch_size, b * val.batch_size + len(images))
        expected = np.stack([served(image=val.read(r))["image"][..., None] for r in rows])
        assert np.array_equal(images, expected)
    print("validation batches: never augmented, identical in every epoch")
    # A training image is a keyed call: recomputable alone from its id and the epoch.
    first = train.ids[0]
    out = pipe(image=train.read(0), key=first, epoch=1)["image"]
    assert np.array_equal(out[..., None], train.augment(0, 1))
    print(f"training image {first!r} of epoch 1 recomputed alone: same bytes")
    assert history.history["val_accuracy"][-1] > 0.6, history.history
    print(f"wrote {root}")


if __name__ == "__main__":
    main()
