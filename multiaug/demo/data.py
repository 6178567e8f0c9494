"""The tour's embedded data: scikit-learn's photos and table, the espeak-ng clips, the text lines."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

import multiaug as ma

from .pictures import save_png

TEXTS: tuple[tuple[str, str], ...] = (
    ("The battery easily lasts a whole day and the screen stays bright in sunlight.", "positive"),
    ("Setup took two minutes and the instructions were clear and friendly.", "positive"),
    ("The sound is warm and rich, and the bass never gets muddy.", "positive"),
    ("Delivery was quick, the box was sturdy and nothing was damaged.", "positive"),
    ("I use this kettle every morning and it still works like new.", "positive"),
    ("Great value for the price; the fabric feels soft and strong.", "positive"),
    ("The charger stopped working after a week and support never answered.", "negative"),
    ("The lid cracked on the first day and the handle feels cheap.", "negative"),
    ("Pages arrived torn and the cover was bent in several places.", "negative"),
    ("The app crashes every time I try to change the settings.", "negative"),
    ("Far too loud at night, and the fan rattles at low speed.", "negative"),
    ("The colour looks nothing like the photos and the seams are crooked.", "negative"),
)


SPEECH: tuple[tuple[str, str], ...] = (
    ("speech_en_f_high.wav", "high_voice"),
    ("speech_en_m_low.wav", "low_voice"),
)


PAGODA_BOX = np.array([[55.0, 15.0, 360.0, 375.0]])


FLOWER_BOX = np.array([[168.0, 85.0, 438.0, 360.0]])


PHOTO_CLASSES: tuple[tuple[str, str], ...] = (("pagoda", "china.jpg"), ("flower", "flower.jpg"))


def load_sample_photo(name: str = "china.jpg") -> np.ndarray:
    """One of scikit-learn's bundled sample photos as an RGB uint8 array (no download)."""
    import cv2

    path = resources.files("sklearn.datasets") / "images" / name
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:  # pragma: no cover - scikit-learn always ships these files
        raise FileNotFoundError(path)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def speech_file(name: str) -> Any:
    return resources.files("multiaug") / "demo_data" / name


def load_demo_speech() -> list[tuple[str, np.ndarray, int]]:
    """The embedded espeak-ng clips as ``(file name, float32 mono audio, sample rate)``."""
    clips = []
    for name, _ in SPEECH:
        with resources.as_file(speech_file(name)) as path:
            audio, sr = ma.audio.load(path)
        clips.append((name, audio, sr))
    return clips


def load_demo_table(n_minority: int = 40) -> tuple[Any, Any]:
    """scikit-learn's breast cancer table, cut to ``n_minority`` malignant rows (all 357 benign kept).

    Returns a DataFrame of the 30 features and a ``label`` Series of class names.
    """
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    y = data.target.to_numpy()
    keep = np.concatenate([np.flatnonzero(y == 0)[:n_minority], np.flatnonzero(y == 1)])
    X = data.data.iloc[keep].reset_index(drop=True)
    labels = pd.Series(np.asarray(data.target_names)[y[keep]], name="label")
    return X, labels


def photo_tiles(photo: np.ndarray, side: int = 96) -> list[np.ndarray]:
    """Six non-overlapping 200x200 tiles of a 427x640 photo (2 rows x 3 columns), resized to ``side``."""
    import cv2

    tiles = []
    for y in (0, 227):
        for x in (0, 220, 440):
            tile = photo[y : y + 200, x : x + 200]
            tiles.append(cv2.resize(tile, (side, side), interpolation=cv2.INTER_AREA))
    return tiles


def write_demo_dataset(root: Path, X: Any, y: Any, tiles: dict[str, list[np.ndarray]]) -> dict[str, int]:
    """``root/data``: class folders of PNG tiles and WAV clips, ``texts.csv`` and ``table.csv``."""
    data = root / "data"
    for label, images in tiles.items():
        folder = data / "images" / label
        folder.mkdir(parents=True, exist_ok=True)
        for i, img in enumerate(images):
            save_png(folder / f"{label}_{i:02d}.png", img)
    for name, label in SPEECH:
        folder = data / "speech" / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(speech_file(name).read_bytes())
    with open(data / "texts.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(TEXTS)
    X.assign(label=y.to_numpy()).to_csv(data / "table.csv", index=False)
    return {
        "images": sum(len(v) for v in tiles.values()),
        "speech": len(SPEECH),
        "texts": len(TEXTS),
        "table_rows": len(y),
    }
