"""The uint8 Gaussian blur whose bytes do not depend on the CPU (issue 22).

References are independent of OpenCV's float code: integer NumPy arithmetic of the same taps
(which shows the float32 sums exact, so any CPU gives these bytes), and the float64 Gaussian
for the accuracy. The emulated CPUs themselves: ``tests/repro_matrix.py`` (GaussianBlur is in
``tests/test_reproducibility.py``'s slice).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from multiaug.demo import load_sample_photo
from multiaug.image.functional import exact as E
from multiaug.image.functional.filters import blur_kernel_size, gaussian_blur

B = cv2.BORDER_REFLECT_101


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return np.ascontiguousarray(load_sample_photo("china.jpg")[100:164, 200:264])  # 64x64, real texture


def _correlate(x: np.ndarray, taps: np.ndarray, axis: int) -> np.ndarray:
    """Integer correlation of int64 ``x`` with integer ``taps`` along ``axis``, reflect-101 border."""
    r = len(taps) // 2
    pad = [(0, 0)] * x.ndim
    pad[axis] = (r, r)
    p = np.pad(x, pad, mode="reflect")  # NumPy's "reflect" is OpenCV's BORDER_REFLECT_101
    n = x.shape[axis]
    return sum(int(t) * np.take(p, range(i, i + n), axis=axis) for i, t in enumerate(taps))


@pytest.mark.parametrize("sigma", [0.3, 0.8, 1.3, 2.0, 2.4])
def test_narrow_kernels_are_opencv_fixed_point_in_integers(photo: np.ndarray, sigma: float) -> None:
    size = blur_kernel_size(sigma)
    assert size <= E.FIXED_POINT_TAPS
    m = E.fixed_point_taps(size, sigma)
    assert m.sum() == 256 and np.array_equal(m, m[::-1]) and m.min() >= 0
    rows = _correlate(photo.astype(np.int64), m, axis=1)
    ref = (_correlate(rows, m, axis=0) + (1 << 15)) >> 16  # 16.16 fixed point, halves up
    assert np.array_equal(gaussian_blur(photo, sigma), ref)


@pytest.mark.parametrize("sigma", [2.6, 4.0, 9.0])
def test_wide_kernels_are_two_exact_passes(photo: np.ndarray, sigma: float) -> None:
    size = blur_kernel_size(sigma)
    assert size > E.FIXED_POINT_TAPS
    kernel = cv2.getGaussianKernel(size, sigma)
    rows = E.grid_taps(kernel, E.ROW_BITS).astype(np.int64)
    cols = E.grid_taps(kernel, E.COL_BITS).astype(np.int64)
    s = _correlate(photo.astype(np.int64), rows, axis=1)  # / 2**11: 1/16 levels, + half a 2**-11 step
    mid = (2 * s + 1 + (1 << 11)) >> 12
    t = _correlate(mid, cols, axis=0)  # / 2**15: levels
    ref = (2 * t + 1 + (1 << 15)) >> 16
    assert np.array_equal(gaussian_blur(photo, sigma), ref)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0, 2.4, 3.0, 6.0, 15.0])
def test_within_one_level_of_the_float64_gaussian(photo: np.ndarray, sigma: float) -> None:
    size = blur_kernel_size(sigma)
    k = cv2.getGaussianKernel(size, sigma, ktype=cv2.CV_64F)
    exact = cv2.sepFilter2D(photo.astype(np.float64), -1, k, k, borderType=B)
    diff = np.abs(gaussian_blur(photo, sigma) - exact)
    assert diff.max() < 1.6 and (diff <= 1).mean() >= 0.99  # measured on a whole photo: >= 99.96 %


def test_the_batched_kernel_gives_the_same_bytes_in_a_mixed_batch(photo: np.ndarray) -> None:
    from multiaug.torch.batch.image_filters import _gaussian_u8

    sigmas = [0.1, 0.4, 2.4, 2.6, 5.0]  # a copy, fixed point at 3 and 15 taps, two passes at 17 and 31
    x = torch.from_numpy(np.stack([photo] * len(sigmas))).permute(0, 3, 1, 2).float()
    out = _gaussian_u8(x, [blur_kernel_size(s) for s in sigmas], sigmas)
    for i, sigma in enumerate(sigmas):
        got = out[i].permute(1, 2, 0).numpy().astype(np.uint8)
        assert np.array_equal(got, gaussian_blur(photo, sigma)), sigma


def test_fixed_point_taps_read_the_centre_from_the_sum() -> None:
    taps = E.fixed_point_taps(3, 0.2)  # a centre tap above 128 comes out one low from the impulse
    assert taps[1] > 128 and taps.sum() == 256
    assert abs(taps[0] / 256 - cv2.getGaussianKernel(3, 0.2)[0, 0]) <= 1 / 256


@pytest.mark.parametrize("sigma", [0.5, 5.0, 13.3, 1000.0])
def test_elastic_fields_are_blurred_exactly(sigma: float) -> None:
    """``ElasticTransform``'s fields: 16-bit noise through taps on a 2**-18 grid, in float64.

    The integer correlation (int64, no rounding at all) scaled back equals OpenCV's float64
    separable filter bit for bit, so the sums are exact and no CPU can order them differently."""
    from multiaug.image.functional.elastic import _TAP_BITS, elastic_fields, exact_taps

    h, w, alpha, seed = 40, 56, 30.0, 9
    taps = exact_taps(sigma)
    assert np.all(taps * 2.0**_TAP_BITS == np.round(taps * 2.0**_TAP_BITS))
    assert taps.sum() == 1.0 and np.all(taps >= 0)
    noise = np.random.Generator(np.random.Philox(key=seed)).integers(0, 65536, (2, h, w), dtype=np.uint16)
    k = (taps[:, 0] * 2.0**_TAP_BITS).astype(np.int64)
    want = []
    for d in noise.astype(np.int64):
        exact = _correlate(_correlate(d, k, 1), k, 0)  # in units of 2**-36: < 2**53, so float64 holds it
        blurred = exact.astype(np.float64) / 2.0 ** (2 * _TAP_BITS)
        want.append(((blurred * (2.0 * alpha / 65535.0)) - alpha).astype(np.float32))
    np.testing.assert_array_equal(elastic_fields(h, w, alpha, sigma, seed), np.stack(want))
