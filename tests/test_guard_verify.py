"""The split guard's batched pixel verification of image pairs (``image_verify._verify``): every
ask's outcome is exactly the one the single-pair algorithm gives, whatever the batch and however
few renders the ``PoseRenderer`` keeps."""

from __future__ import annotations

import numpy as np

import multiaug as ma
from multiaug.guard.detect.image_flat import rest_holds
from multiaug.guard.detect.image_hash import _DISC, _thumbnails
from multiaug.guard.detect.image_verify import PoseRenderer, _noisy_copy, _render, _verify


def _fit_correlation(sources: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The single-pair fit as it was before the batching (86128c0), written out here: the batched
    code must give its very bits (the layout of ``x`` decides how the matrix-vector product rounds;
    a C-contiguous gather of the disc's pixels changed 65 of 122 scores in their last bits)."""
    x = sources.reshape(len(sources), 2, -1)[..., _DISC].astype(np.float64)
    y = target.ravel()[_DISC].astype(np.float64)
    x = x - x.mean(axis=2, keepdims=True)
    y = y - y.mean()
    gram = x @ x.transpose(0, 2, 1) + 1e-9 * np.eye(2)
    proj = x @ y
    a, b, d = gram[:, 0, 0], gram[:, 0, 1], gram[:, 1, 1]
    p, q = proj[:, 0], proj[:, 1]
    det = a * d - b * b
    grey = det <= 1e-9 * a * d
    explained = np.where(
        grey, p * p / np.maximum(a, 1e-12), (d * p * p - 2 * b * p * q + a * q * q) / np.where(grey, 1.0, det)
    )
    return np.sqrt(np.clip(explained / (float(y @ y) + 1e-12), 0.0, 1.0))


def _single(
    images: list[np.ndarray],
    thumbs: np.ndarray,
    scales: np.ndarray,
    ask: tuple[int, int, float, int, float, bool],
) -> tuple[float, bool | None]:
    """One ask by the single-pair algorithm: render, fit, refine about the best angle (2-degree
    steps, then 1, then 0.5), then the noisy-copy test, each step on its own."""
    source, target, angle, v, min_correlation, noisy = ask
    angles = angle + np.arange(-6.0, 6.5, 2.0)
    rendered = _render(images[source], v, angles)
    scores = _fit_correlation(rendered, thumbs[target])
    for step in (1.0, 0.5):
        if scores.max() < min_correlation - 0.05:
            break
        centre = angles[int(np.argmax(scores))]
        more = _render(images[source], v, np.array([centre - step, centre + step]))
        angles, rendered = np.r_[angles, centre - step, centre + step], np.concatenate([rendered, more])
        scores = np.r_[scores, _fit_correlation(more, thumbs[target])]
    best = int(np.argmax(scores))
    if scores[best] >= min_correlation or not noisy:
        found = (float(scores[best]) if scores[best] >= min_correlation else 0.0), None
    else:
        found = _noisy_copy(rendered[best][0], thumbs[target] * scales[target])
    # on a flat background both share (the digits' black), the rest must reach the bar too
    held = not found[0] or rest_holds(rendered[best], thumbs[target], min_correlation)
    return found if held else (0.0, None)


def test_batched_verification_equals_the_single_pair_algorithm() -> None:
    import cv2
    from sklearn.datasets import load_digits

    digits = [np.clip(d * 16, 0, 255).astype(np.uint8) for d in load_digits().images[:8]]
    # 32x32 sources skip the reduction to 32x32 (a copy), 40x40 ones do not
    images = [
        cv2.resize(d, (32 + 8 * (k % 2),) * 2, interpolation=cv2.INTER_LINEAR) for k, d in enumerate(digits)
    ]
    rotate = ma.image.Rotate(limit=20, p=1, seed=0)
    noise = ma.image.GaussianNoise(p=1, seed=0)
    images += [rotate(image=im, key=k)["image"] for k, im in enumerate(images[:4])]
    images += [noise(image=im, key=k)["image"] for k, im in enumerate(images[4:8])]
    scales = np.empty(len(images), np.float32)
    thumbs = _thumbnails(images, scales=scales)
    asks = [
        (source, target, angle, v, min_correlation, noisy)
        for source, target in [
            (0, 8),
            (1, 9),
            (2, 10),
            (3, 11),
            (4, 12),
            (5, 13),
            (6, 14),
            (7, 15),
            (0, 5),
            (9, 2),
        ]
        for angle, v in [(0.0, 0), (10.0, 0), (-15.0, 0), (0.0, 3), (5.0, 6)]
        for min_correlation, noisy in [(0.985, True), (0.9, False)]
    ]
    expected = [_single(images, thumbs, scales, ask) for ask in asks]
    assert any(score and noisier is None for score, noisier in expected)  # fits found
    assert any(noisier is not None for _, noisier in expected)  # and noisy-copy tests run
    for size, batch in ((2048, 256), (8, 1), (32, 3)):  # renders evicted between and within asks
        found = _verify(PoseRenderer(images, thumbs, scales, size=size), asks, batch=batch)
        assert found == expected, (size, batch)
