"""SplitGuard on photo tiles: augmented copies of validation tiles hidden in training are found.

64x64 tiles of scikit-learn's two sample photos are split into train and validation; each
validation tile gets a rotated, a colour-jittered and a noisy copy (multiaug's default strength)
in training. The guard links every copy it finds to its source; the picture shows each
validation tile with its three copies, framed green when found, red when missed.

Run: .venv/bin/python examples/guard_photo_tiles.py [--output DIR]
(writes DIR/guard_tiles.png only; without --output, DIR is a new temporary folder, printed)
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np

import multiaug as ma
from multiaug.demo import load_sample_photo

OPS = [ma.image.Rotate(p=1.0), ma.image.ColorJitter(p=1.0), ma.image.GaussianNoise(p=1.0)]


def tiles() -> list[np.ndarray]:
    """The 64x64 tiles of both photos with some structure (flat sky tiles cannot be told apart)."""
    out = [
        photo[y : y + 64, x : x + 64].copy()
        for photo in (load_sample_photo("china.jpg"), load_sample_photo("flower.jpg"))
        for y in range(0, 384, 64)
        for x in range(0, 640, 64)
    ]
    return [t for t in out if cv2.resize(t.max(axis=2), (32, 32), interpolation=cv2.INTER_AREA).std() >= 3]


def framed(tile: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    return cv2.copyMakeBorder(tile, 3, 3, 3, 3, cv2.BORDER_CONSTANT, value=colour)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="folder for guard_tiles.png (default: a new temp folder)")
    parser.add_argument("--show", type=int, default=12, help="validation tiles in the picture")
    args = parser.parse_args()
    folder = args.output or Path(tempfile.mkdtemp(prefix="multiaug-example-"))

    items = tiles()
    val, train = items[1::2], items[::2]
    pipe = [ma.Compose([op], seed=0) for op in OPS]
    copies = [[p(image=t, key=k)["image"] for k, t in enumerate(val)] for p in pipe]
    X_train = train + [c for per_op in copies for c in per_op]

    report = ma.SplitGuard().check(X_train, val)
    found = {(t, v) for t, v, reason in report.leaks if reason == "near_duplicate"}
    wrong = [(t, v) for t, v in found if t < len(train) or (t - len(train)) % len(val) != v]
    print(f"{len(train)} distinct training tiles, {len(val)} validation tiles, {len(OPS)} copies each")
    for o, op in enumerate(OPS):
        start = len(train) + o * len(val)
        hits = sum((start + v, v) in found for v in range(len(val)))
        print(f"  {op.name:20s} copies linked to their source: {hits}/{len(val)}")
    print(f"  pairs between distinct tiles: {len(wrong)}")
    assert not wrong

    rows = []
    for v in range(min(args.show, len(val))):
        cells = [framed(cv2.cvtColor(val[v], cv2.COLOR_RGB2BGR), (255, 255, 255))]
        for o in range(len(OPS)):
            hit = (len(train) + o * len(val) + v, v) in found
            cells.append(
                framed(cv2.cvtColor(copies[o][v], cv2.COLOR_RGB2BGR), (60, 180, 60) if hit else (40, 40, 220))
            )
        rows.append(np.hstack(cells))
    # validation tile | Rotate | ColorJitter | GaussianNoise, several rows side by side
    half = (len(rows) + 1) // 2
    left, right = rows[:half], rows[half:] + [np.zeros_like(rows[0])] * (half - len(rows[half:]))
    gap = np.full((left[0].shape[0] * half, 12, 3), 255, np.uint8)
    picture = np.hstack([np.vstack(left), gap, np.vstack(right)])
    picture = cv2.resize(picture, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "guard_tiles.png"
    cv2.imwrite(str(path), picture)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
