"""Image gallery: every image op applied to a real photo, with its box drawn, saved as one PNG grid.

Run: .venv/bin/python examples/image_gallery.py [--output DIR]
(writes DIR/image_gallery.png only; without --output, DIR is a new temporary folder, printed)
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np

import multiaug as ma
from multiaug.demo import load_sample_photo

# (title, transform) — p=1 so every cell shows the op; parameters a bit stronger than default.
OPS = [
    ("original", None),
    ("HorizontalFlip", ma.image.HorizontalFlip(p=1.0)),
    ("VerticalFlip", ma.image.VerticalFlip(p=1.0)),
    ("Rotate 30", ma.image.Rotate(limit=30, p=1.0)),
    (
        "Affine",
        ma.image.Affine(scale=(0.8, 1.1), translate=(-0.1, 0.1), rotate=(-15, 15), shear=(-10, 10), p=1.0),
    ),
    ("RandomCrop", ma.image.RandomCrop(300, 400)),
    ("RandomResizedCrop", ma.image.RandomResizedCrop(size=(320, 480), scale=(0.3, 1.0))),
    ("Perspective", ma.image.Perspective(scale=(0.08, 0.12), p=1.0)),
    ("ElasticTransform", ma.image.ElasticTransform(alpha=120, sigma=8, p=1.0)),
    ("ColorJitter", ma.image.ColorJitter(0.4, 0.4, 0.4, 0.1, p=1.0)),
    ("Grayscale", ma.image.Grayscale(p=1.0)),
    ("GaussianNoise", ma.image.GaussianNoise(std=(0.08, 0.1), p=1.0)),
    ("SaltPepperNoise", ma.image.SaltPepperNoise(amount=(0.04, 0.05), p=1.0)),
    ("GaussianBlur", ma.image.GaussianBlur(sigma=(2.5, 3.0), p=1.0)),
    ("Sharpen", ma.image.Sharpen(alpha=(0.4, 0.5), p=1.0)),
    ("RandomErasing", ma.image.RandomErasing(scale=(0.1, 0.2), p=1.0)),
]

BOX = np.array([[55.0, 15.0, 360.0, 375.0]])  # the pagoda in china.jpg (pascal_voc pixels)


def cell(image: np.ndarray, boxes: np.ndarray, title: str, size: int = 240, height: int = 180) -> np.ndarray:
    img = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    img = img.copy()
    for x0, y0, x1, y1 in boxes.round().astype(int):
        cv2.rectangle(img, (x0, y0), (x1, y1), (255, 40, 40), 3)
    h, w = img.shape[:2]
    s = min(size / w, height / h)
    img = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    canvas = np.full((height + 24, size, 3), 255, np.uint8)
    canvas[24 : 24 + img.shape[0], : img.shape[1]] = img
    cv2.putText(canvas, title, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, help="folder for image_gallery.png (default: a new temp folder)"
    )
    args = parser.parse_args()
    folder = args.output or Path(tempfile.mkdtemp(prefix="multiaug-example-"))
    photo = load_sample_photo("china.jpg")
    cells = []
    for i, (title, op) in enumerate(OPS):
        if op is None:
            out = {"image": photo, "bboxes": BOX}
        else:
            out = ma.Compose([op], seed=7)(image=photo, bboxes=BOX, bbox_labels=["pagoda"], key=i)
        cells.append(cell(out["image"], np.asarray(out["bboxes"]).reshape(-1, 4), title))
    cols = 4
    rows = [np.concatenate(cells[r : r + cols], axis=1) for r in range(0, len(cells), cols)]
    grid = np.concatenate(rows, axis=0)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "image_gallery.png"
    cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
    print(f"wrote {path} ({len(OPS)} cells)")


if __name__ == "__main__":
    main()
