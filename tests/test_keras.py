"""``ma.keras.ImageDataset`` with the real Keras 3 (torch backend): split, keying, eval subset, model.fit."""

from __future__ import annotations

import os
import pickle

os.environ.setdefault("KERAS_BACKEND", "torch")  # before the first `import keras` of this process

from pathlib import Path

import cv2
import keras
import numpy as np
import pandas as pd
import pytest
from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter
from keras.src.utils.dataset_utils import index_directory  # what image_dataset_from_directory lists

import multiaug as ma


def write_folder(root: Path, per_class: int = 6, sizes: tuple[tuple[int, int], ...] = ((20, 24),)) -> Path:
    """``root/{cat,dog,owl}/`` of random uint8 PNGs (one in a nested folder), sizes cycling over ``sizes``."""
    rng = np.random.default_rng(0)
    for c, name in enumerate(("cat", "dog", "owl")):
        (root / name / "more").mkdir(parents=True)
        for i in range(per_class):
            h, w = sizes[i % len(sizes)]
            sub = "more/" if i == 0 else ""
            image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            assert cv2.imwrite(str(root / name / f"{sub}{c}_{i}.png"), image)
    return root


def pipeline() -> ma.Compose:
    return ma.Compose(
        [
            ma.image.Resize(16, 16),
            ma.image.HorizontalFlip(p=0.5),
            ma.image.GaussianNoise(std=(0.05, 0.1), p=1.0),
        ],
        seed=3,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "data")


def test_listing_and_labels_are_those_of_keras(folder: Path) -> None:
    paths, labels, names = index_directory(str(folder), "inferred", formats=(".png",), shuffle=False)
    for mode in ("int", "categorical"):
        ds = ma.keras.ImageDataset(folder, pipeline(), batch_size=4, label_mode=mode, shuffle=False)
        assert ds.class_names == names and [str(folder / i) for i in ds.ids] == paths
        got = np.concatenate([ds[b][1] for b in range(len(ds))])
        want = labels if mode == "int" else np.eye(3, dtype=np.float32)[labels]
        assert got.dtype == want.dtype and np.array_equal(got, want)
    binary = ma.keras.ImageDataset(
        folder, pipeline(), batch_size=5, label_mode="binary", class_names=["owl", "cat"]
    )
    _, y = binary[0]
    assert y.shape == (5, 1) and y.dtype == np.float32 and binary.class_names == ["owl", "cat"]
    assert len(binary.ids) == 12 and all(i.split("/")[0] in ("owl", "cat") for i in binary.ids)
    alone = ma.keras.ImageDataset(folder, pipeline(), batch_size=4, label_mode=None)
    assert isinstance(alone[0], np.ndarray) and alone[0].shape == (4, 16, 16, 3)


def test_split_is_disjoint_covering_seeded_and_stable_when_files_are_added(folder: Path) -> None:
    def split(seed: int) -> tuple[list[str], list[str]]:
        kw = {"validation_split": 0.3, "seed": seed}
        t = ma.keras.ImageDataset(folder, pipeline(), subset="training", **kw)
        v = ma.keras.ImageDataset(folder, pipeline(), subset="validation", **kw)
        return t.ids, v.ids

    train, val = split(0)
    assert (
        val
        and not set(train) & set(val)
        and sorted(train + val) == sorted(ma.keras.ImageDataset(folder, pipeline()).ids)
    )
    assert split(0) == (train, val) and split(1) != (train, val)
    cv2.imwrite(str(folder / "dog" / "new.png"), np.zeros((20, 24, 3), np.uint8))
    train2, val2 = split(0)
    assert set(train) <= set(train2) and set(val) <= set(val2)  # no image changed subset


def test_validation_batches_are_the_deterministic_steps_alone_every_epoch(folder: Path) -> None:
    pipe = pipeline()
    val = ma.keras.ImageDataset(folder, pipe, batch_size=3, validation_split=0.5, subset="validation", seed=0)
    served = pipe.inference()
    want = np.stack([served(image=val.read(r))["image"] for r in range(len(val.ids))])
    assert np.array_equal(want, np.stack([cv2.resize(val.read(r), (16, 16)) for r in range(len(val.ids))]))
    first = [val[b] for b in range(len(val))]
    assert np.array_equal(np.concatenate([x for x, _ in first]), want)  # id order, never augmented
    val.on_epoch_end()
    val.on_epoch_end()
    again = [val[b] for b in range(len(val))]
    assert all(
        np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(first, again, strict=True)
    )


def test_training_batches_are_keyed_by_item_id_and_epoch(folder: Path) -> None:
    pipe = pipeline()
    train = ma.keras.ImageDataset(
        folder, pipe, batch_size=4, validation_split=0.25, subset="training", seed=0
    )
    rows = train.order(0)[:4]
    images, labels = train[0]
    for image, r, label in zip(images, rows, labels, strict=True):
        expected = pipe(image=train.read(int(r)), key=train.ids[int(r)], epoch=0)["image"]
        assert np.array_equal(image, expected) and label == train.labels[int(r)]
    assert np.array_equal(train[0][0], images)  # same epoch, same batch
    train.on_epoch_end()
    assert train.epoch == 1 and not np.array_equal(train.order(1), train.order(0))
    for r in rows:  # the same image in the next epoch draws anew
        assert not np.array_equal(train.augment(int(r), 1), train.augment(int(r), 0))
    other = ma.keras.ImageDataset(
        folder, pipe, batch_size=7, validation_split=0.25, subset="training", seed=0
    )
    other.set_epoch(1)
    r = int(other.order(1)[2])
    assert np.array_equal(other[0][0][2], train.augment(r, 1))  # whatever the batch size
    copy = pickle.loads(pickle.dumps(train))  # what use_multiprocessing=True workers receive
    assert copy.epoch == 1 and np.array_equal(copy[1][0], train[1][0])


def test_keras_worker_processes_give_the_same_batches(folder: Path) -> None:
    def one_epoch(**workers: object) -> list[tuple[np.ndarray, np.ndarray]]:
        ds = ma.keras.ImageDataset(folder, pipeline(), batch_size=4, epoch=1, **workers)
        adapter = PyDatasetAdapter(ds)  # what model.fit iterates (its pool of worker processes)
        adapter.on_epoch_begin()
        batches = list(adapter.get_numpy_iterator())
        adapter.on_epoch_end()
        return batches

    alone, pooled = one_epoch(), one_epoch(workers=2, use_multiprocessing=True)
    assert len(alone) == len(pooled) == 5
    assert all(
        np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(alone, pooled, strict=True)
    )


def test_dataframe_input_keys_by_its_path_column(folder: Path) -> None:
    by_folder = ma.keras.ImageDataset(folder, pipeline(), batch_size=4, shuffle=False)
    frame = pd.DataFrame(
        {"filename": by_folder.ids[::-1], "class": [i.split("/")[0] for i in by_folder.ids[::-1]]}
    )
    by_frame = ma.keras.ImageDataset(frame, pipeline(), batch_size=4, directory=folder, shuffle=False)
    assert by_frame.ids == by_folder.ids and by_frame.class_names == by_folder.class_names
    for b in range(len(by_folder)):
        assert all(np.array_equal(a, c) for a, c in zip(by_folder[b], by_frame[b], strict=True))


def test_model_fit_trains_on_it_and_advances_the_epoch(folder: Path) -> None:
    kw = {"batch_size": 6, "validation_split": 0.3, "seed": 0, "label_mode": "categorical"}
    train = ma.keras.ImageDataset(folder, pipeline(), subset="training", **kw)
    val = ma.keras.ImageDataset(folder, pipeline(), subset="validation", **kw)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(3),
        ]
    )
    model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["val_loss"]).all()
    # every epoch of fit ended with on_epoch_end (Keras 3.15 also calls it once as fit starts: epoch 3 here)
    assert train.epoch >= 2


def test_images_of_several_sizes_raise_naming_the_pipeline(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "mixed", per_class=2, sizes=((20, 24), (18, 24)))
    ds = ma.keras.ImageDataset(folder, ma.Compose([ma.image.HorizontalFlip()], seed=0), batch_size=6)
    with pytest.raises(ma.InvalidInputError, match=r"`pipeline` gives images of several sizes.*Resize"):
        ds[0]
    random_size = ma.Compose([ma.image.RandomResizedCrop((8, 8))], seed=0)
    train = ma.keras.ImageDataset(folder, random_size, batch_size=6, validation_split=0.5, subset="training")
    assert train[0][0].shape[1:] == (8, 8, 3)
    val = ma.keras.ImageDataset(folder, random_size, batch_size=6, validation_split=0.5, subset="validation")
    with pytest.raises(
        ma.InvalidInputError, match=r"pipeline\.inference\(\).*several sizes.*Fix: give it a determ"
    ):
        val[0]
    grey = ma.keras.ImageDataset(
        folder, ma.Compose([ma.image.Resize(8, 8)]), batch_size=6, color_mode="grayscale"
    )
    assert grey[0][0].shape == (6, 8, 8, 1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"validation_split": 0.2}, "subset"),
        ({"subset": "training"}, "validation_split"),
        ({"validation_split": 1.0, "subset": "training"}, "validation_split"),
        ({"batch_size": 0}, "batch_size"),
        ({"label_mode": "onehot"}, "label_mode"),
        ({"label_mode": "binary"}, "label_mode"),
        ({"class_names": ["cat", "cow"]}, "class_names"),
        ({"color_mode": "bgr"}, "color_mode"),
        ({"epoch": -1}, "epoch"),
    ],
)
def test_bad_arguments_raise_invalid_input(folder: Path, kwargs: dict, field: str) -> None:
    with pytest.raises(ma.InvalidInputError) as err:
        ma.keras.ImageDataset(folder, pipeline(), **kwargs)
    assert err.value.field == field and err.value.owner == "keras.ImageDataset"


def test_bad_sources_raise_invalid_input(tmp_path: Path, folder: Path) -> None:
    with pytest.raises(ma.InvalidInputError, match=r"`directory`.*no class sub-folders"):
        ma.keras.ImageDataset(folder / "cat" / "more", pipeline())
    with pytest.raises(ma.InvalidInputError, match=r"`directory`.*is not a folder"):
        ma.keras.ImageDataset(tmp_path / "nothing", pipeline())
    with pytest.raises(ma.InvalidInputError, match="`pipeline` must be a multiaug transform"):
        ma.keras.ImageDataset(folder, lambda image: image)  # type: ignore[arg-type]
    frame = pd.DataFrame({"filename": ["cat/missing.png"], "class": ["cat"]})
    with pytest.raises(ma.InvalidInputError, match="`x_col` lists 1 missing files"):
        ma.keras.ImageDataset(frame, pipeline(), directory=folder)
    with pytest.raises(ma.InvalidInputError, match="`y_col` 'label' is not a column"):
        ma.keras.ImageDataset(frame, pipeline(), directory=folder, y_col="label")
    with pytest.raises(IndexError):
        ma.keras.ImageDataset(folder, pipeline(), batch_size=18)[1]
