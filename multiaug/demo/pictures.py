"""Pictures of the tour: boxes drawn on photos, titled cells in a grid, spectrograms, PNG files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .report import encode_image


def draw_boxes(image: np.ndarray, boxes: Any) -> np.ndarray:
    import cv2

    img = image.copy()
    for x0, y0, x1, y1 in np.asarray(boxes, dtype=float).reshape(-1, 4).round().astype(int):
        cv2.rectangle(img, (x0, y0), (x1, y1), (255, 40, 40), 3)
    return img


def cell(image: np.ndarray, title: str, width: int = 240, height: int = 170) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    s = min(width / w, height / h)
    img = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    canvas = np.full((height + 24, width, 3), 255, np.uint8)
    canvas[24 : 24 + img.shape[0], : img.shape[1]] = img
    cv2.putText(canvas, title, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return canvas


def grid(cells: list[np.ndarray], cols: int) -> np.ndarray:
    cells = cells + [np.full_like(cells[0], 255)] * (-len(cells) % cols)
    rows = [np.concatenate(cells[i : i + cols], axis=1) for i in range(0, len(cells), cols)]
    return np.concatenate(rows, axis=0)


def spectrogram_picture(spec: np.ndarray, top: float, title: str) -> np.ndarray:
    """A log-mel spectrogram as an RGB picture (magma colour map over the top 80 dB), low bands down."""
    import cv2

    grey = np.clip((spec - (top - 80.0)) / 80.0 * 255.0, 0, 255).astype(np.uint8)[::-1]
    big = cv2.resize(grey, (grey.shape[1] * 2, grey.shape[0] * 2), interpolation=cv2.INTER_NEAREST)
    img = cv2.applyColorMap(big, cv2.COLORMAP_MAGMA)
    cv2.putText(img, title, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def save_png(path: Path, image: np.ndarray) -> None:
    path.write_bytes(encode_image(image))
