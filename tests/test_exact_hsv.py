"""The uint8 HSV -> RGB (hue in 180 steps) whose bytes do not depend on the CPU (issue 22).

References: OpenCV itself, given the pixels in another arrangement (a reversed row with a padded
start: every pixel through its vector code), and the exact value ``255 v (1 - s w)`` in integer
arithmetic (the result is that value truncated, the float32 rounding aside). The emulated CPUs:
``tests/repro_matrix.py`` (HueSaturationValue is in ``tests/test_reproducibility.py``'s slice).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import multiaug as ma
from multiaug.demo import load_sample_photo
from multiaug.image.functional import exact_hsv as E


@pytest.fixture(scope="module")
def colours() -> np.ndarray:
    """Every hue, saturation and value in steps of 5, and every colour the FMA changes: (n, 1, 3)."""
    grid = np.stack(np.meshgrid(np.arange(180), np.arange(0, 256, 5), np.arange(0, 256, 5)), -1)
    disputed = E._disputed()[0]
    return np.concatenate([grid.reshape(-1, 3), disputed[disputed[:, 0] < 180]]).astype(np.uint8)[:, None]


def _opencv_vector(hsv: np.ndarray) -> np.ndarray:
    """OpenCV's HSV2RGB of every pixel through its vector code: one long reversed row, start padded."""
    flat = hsv.reshape(-1, 3)[::-1]
    pad = (-flat.shape[0]) % 4096
    row = np.concatenate([np.zeros((pad, 3), np.uint8), flat])[None]
    out = cv2.cvtColor(row, cv2.COLOR_HSV2RGB)[0, pad:][::-1]
    if E.opencv_hsv_model() == "unfused":  # a CPU without FMA: the fused values of the colours it changes
        E.settle_unfused(hsv.reshape(-1, 3), out)
    return out.reshape(hsv.shape)


def test_every_pixel_is_opencv_vector_code_with_fma(colours: np.ndarray) -> None:
    assert E.opencv_hsv_model() in ("fused", "unfused")
    out = E.hsv2rgb_u8(colours)
    np.testing.assert_array_equal(out, _opencv_vector(colours))
    np.testing.assert_array_equal(out, E.hsv2rgb_model(colours))  # the NumPy emulation: the fallback


def test_the_result_is_the_exact_value_truncated(colours: np.ndarray) -> None:
    h, s, v = (colours[:, 0, i].astype(np.int64) for i in range(3))
    sector, rem = h // 30, h % 30  # w = rem / 30, 1, (30 - rem) / 30 or 0 by channel and sector
    weights = np.stack([np.zeros_like(rem), np.full_like(rem, 30), rem, 30 - rem])
    pick = np.array([[0, 3, 1], [2, 0, 1], [1, 0, 3], [1, 2, 0], [3, 1, 0], [0, 1, 2]])[sector]
    w30 = np.take_along_axis(weights.T, pick, axis=1)
    exact = v[:, None] * (7650 - s[:, None] * w30) / 7650.0  # 255 v (1 - (s / 255) (w30 / 30))
    out = E.hsv2rgb_u8(colours)[:, 0].astype(np.float64)
    diff = exact - out
    assert diff.min() > -1e-3 and diff.max() <= 1.0 + 1e-9  # truncated (an exact integer may come 1 low)
    assert (np.floor(exact + 1e-9) == out).mean() > 0.98, (np.floor(exact + 1e-9) == out).mean()


def test_a_pixel_does_not_depend_on_the_width() -> None:
    """OpenCV rounds the last ``W mod L`` columns (its scalar code) and truncates the others."""
    img = np.random.default_rng(3).integers(0, 256, (24, 150, 3), dtype=np.uint8)
    img[..., 0] %= 180
    full = E.hsv2rgb_u8(img)
    for width in (1, 40, 64, 100):
        np.testing.assert_array_equal(E.hsv2rgb_u8(np.ascontiguousarray(img[:, :width])), full[:, :width])
    narrow = np.ascontiguousarray(img[:, :40])
    assert (cv2.cvtColor(narrow, cv2.COLOR_HSV2RGB) != full[:, :40]).mean() > 0.1  # what it fixes


def test_settling_an_unfused_result_gives_the_fused_one(colours: np.ndarray) -> None:
    fused = E.hsv2rgb_model(colours)
    unfused = E.hsv2rgb_model(colours, fused=False)
    assert (fused != unfused).any(axis=-1).sum() >= 1000  # the disputed colours are in the set
    E.settle_unfused(colours, unfused)
    np.testing.assert_array_equal(unfused, fused)


def test_hue_saturation_value_converts_back_as_opencv_vector_code() -> None:
    photo = np.ascontiguousarray(load_sample_photo("china.jpg")[:60, :100])
    t = ma.image.HueSaturationValue(hue_shift_limit=40, sat_shift_limit=60, val_shift_limit=50, p=1.0)
    out = t(image=photo, key=7, trace=True)
    params = out["trace"][0]["params"]
    hsv = cv2.cvtColor(photo, cv2.COLOR_RGB2HSV).astype(np.int32)
    hsv[..., 0] = (hsv[..., 0] + round(params["hue_shift_limit"])) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] + round(params["sat_shift_limit"]), 0, 255)
    hsv[..., 2] = np.clip(hsv[..., 2] + round(params["val_shift_limit"]), 0, 255)
    np.testing.assert_array_equal(out["image"], _opencv_vector(hsv.astype(np.uint8)))


def test_the_probe_follows_cv2_set_use_optimized() -> None:
    rng = np.random.default_rng(0)
    hsv = np.stack([rng.integers(0, 180, (8, 1024)), *rng.integers(0, 256, (2, 8, 1024))], -1).astype(
        np.uint8
    )
    want = E.hsv2rgb_u8(hsv)
    try:
        cv2.setUseOptimized(False)  # OpenCV's plain code: no fused multiply-add
        np.testing.assert_array_equal(E.hsv2rgb_u8(hsv), want)
    finally:
        cv2.setUseOptimized(True)
