"""Pixel-level image ops: properties (hypothesis), references on a real photo, LUT fusion, errors.

References are written here independently of the library: torchvision's ColorJitter
formulas in float64, OpenCV's own GaussianBlur, albumentations' Sharpen kernel.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import multiaug as ma
from multiaug.core.transform import PENDING
from multiaug.demo import load_sample_photo
from multiaug.image import point as point_module
from multiaug.image.colour import PendingLUT
from multiaug.image.functional import colour as FC
from multiaug.image.functional import filters as FF
from multiaug.image.functional import noise as FN
from multiaug.testing import assert_samples_equal

I = ma.image  # noqa: E741
FAST = settings(max_examples=30, deadline=None, database=None)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """scikit-learn's china.jpg, 427x640 RGB uint8."""
    return load_sample_photo("china.jpg")


@st.composite
def images(draw: st.DrawFn, channels: tuple[int | None, ...] = (None, 1, 2, 3, 4, 5, 8)) -> np.ndarray:
    """uint8 or float32 [0, 1] images, HxW or HxWxC, sometimes a non-contiguous view."""
    h, w = draw(st.integers(1, 20)), draw(st.integers(1, 20))
    c = draw(st.sampled_from(channels))
    if c is not None and c > 4 and h in (1, 3, 4):
        h += 4  # 1, 3 or 4 rows of more than 4 channels reads as a CHW array, which raises
    shape = (h, w) if c is None else (h, w, c)
    if draw(st.booleans()):
        img = draw(hnp.arrays(np.uint8, shape))
    else:
        img = draw(hnp.arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))
    if draw(st.booleans()) and w > 1:
        img = img[:, ::2]  # a strided view: kernels must not assume contiguity
    return img


COLOUR = (None, 1, 3, 4)  # channel counts every colour op accepts


def _ops(colour_only: bool) -> list[Callable[[], ma.Transform]]:
    pixel_any = [
        lambda: I.GaussianNoise(std=(0.0, 0.3), p=1.0),
        lambda: I.SaltPepperNoise(amount=(0.0, 0.5), p=1.0),
        lambda: I.GaussianBlur(sigma=(0.0, 3.0), p=1.0),
        lambda: I.Sharpen(alpha=(0.0, 1.0), lightness=(0.0, 2.0), p=1.0),
        lambda: I.MedianBlur(blur_limit=(3, 9), p=1.0),
        lambda: I.RandomErasing(scale=(0.02, 0.5), fill="random", p=1.0),
        lambda: I.RandomBrightnessContrast(brightness=0.5, contrast=0.5, p=1.0),
        lambda: I.RandomGamma(gamma=(0.3, 3.0), p=1.0),
        lambda: I.Solarize(threshold=(0.0, 1.0), p=1.0),
        lambda: I.Posterize(bits=(1, 8), p=1.0),
        lambda: I.Invert(p=1.0),
        lambda: I.ColorJitter(brightness=0.5, contrast=0, saturation=0, hue=0, p=1.0),
    ]
    colour = [
        lambda: I.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.5, p=1.0),
        lambda: I.Grayscale(p=1.0),
    ]
    return colour if colour_only else pixel_any


# ---------------------------------------------------------------------- properties
@pytest.mark.parametrize("make", _ops(colour_only=False), ids=lambda m: m().name)
def test_any_channel_count_keeps_dtype_shape_and_range(make: Callable[[], ma.Transform]) -> None:
    t = make()

    @FAST
    @given(img=images(), key=st.integers(0, 2**32))
    def run(img: np.ndarray, key: int) -> None:
        out = t(image=img, key=key)["image"]
        assert out.dtype == img.dtype and out.shape == img.shape
        if img.dtype == np.float32:
            assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0

    run()


@pytest.mark.parametrize("make", _ops(colour_only=True), ids=lambda m: m().name)
def test_colour_ops_keep_dtype_shape_range_and_alpha(make: Callable[[], ma.Transform]) -> None:
    t = make()

    @FAST
    @given(img=images(channels=COLOUR), key=st.integers(0, 2**32))
    def run(img: np.ndarray, key: int) -> None:
        out = t(image=img, key=key)["image"]
        assert out.dtype == img.dtype and out.shape == img.shape
        if img.dtype == np.float32:
            assert out.min() >= 0.0 and out.max() <= 1.0
        if img.ndim == 3 and img.shape[2] == 4:
            assert np.array_equal(out[..., 3], img[..., 3])  # alpha untouched

    run()


IDENTITIES = [
    lambda: I.ColorJitter(brightness=0, contrast=0, saturation=0, hue=0, p=1.0),
    lambda: I.ColorJitter(brightness=(1, 1), contrast=(1, 1), saturation=(1, 1), hue=(0, 0), p=1.0),
    lambda: I.RandomBrightnessContrast(brightness=0, contrast=0, p=1.0),
    lambda: I.RandomGamma(gamma=1.0, p=1.0),
    lambda: I.GaussianNoise(std=0.0, p=1.0),
    lambda: I.SaltPepperNoise(amount=0.0, p=1.0),
    lambda: I.GaussianBlur(sigma=0.0, p=1.0),
    lambda: I.GaussianBlur(sigma=0.1, p=1.0),  # kernel side 1
    lambda: I.Sharpen(alpha=0.0, p=1.0),
    lambda: I.RandomErasing(scale=(0.0, 0.0), p=1.0),
]


@pytest.mark.parametrize("make", IDENTITIES, ids=lambda m: repr(m()).split("(")[0] + str(IDENTITIES.index(m)))
def test_identity_parameters_return_the_input_bit_for_bit(make: Callable[[], ma.Transform]) -> None:
    t = make()

    @FAST
    @given(img=images(channels=COLOUR), key=st.integers(0, 2**32))
    def run(img: np.ndarray, key: int) -> None:
        out = t(image=img, key=key)["image"]
        assert out.dtype == img.dtype and out.shape == img.shape
        assert np.array_equal(out, img)
        assert out is not img  # a new array, never the caller's

    run()


@FAST
@given(img=images(channels=COLOUR))
def test_uint8_only_identities(img: np.ndarray) -> None:
    """Posterize(8) and a double Invert are identities on uint8 (float: 256 levels, and 1 - (1 - v))."""
    posterized = I.Posterize(bits=8, p=1.0)(image=img)["image"]
    twice = ma.Compose([I.Invert(p=1.0), I.Invert(p=1.0)])(image=img)["image"]
    if img.dtype == np.uint8:
        assert np.array_equal(posterized, img) and np.array_equal(twice, img)
        return
    colour = (slice(None),) * 2 + ((slice(0, 3),) if img.ndim == 3 and img.shape[2] == 4 else ())
    assert np.array_equal(posterized[colour], np.rint(img[colour] * 255) / np.float32(255))
    assert np.abs(twice - img).max() <= 1e-7


@FAST
@given(img=images(channels=COLOUR))
def test_grayscale_channels_are_equal_and_alpha_kept(img: np.ndarray) -> None:
    out = I.Grayscale(p=1.0)(image=img)["image"]
    if img.ndim == 2 or img.shape[2] == 1:
        assert np.array_equal(out, img)
        return
    assert np.array_equal(out[..., 0], out[..., 1]) and np.array_equal(out[..., 0], out[..., 2])
    if img.shape[2] == 4:
        assert np.array_equal(out[..., 3], img[..., 3])
    # luma of each pixel, BT.601
    luma = np.asarray(img[..., :3], np.float64) @ np.array(FC.LUMA)
    tol = 0.51 if img.dtype == np.uint8 else 1e-5
    assert np.abs(out[..., 0] - luma).max() <= tol


@FAST
@given(img=images(), fill=st.sampled_from([0, 1, "random"]), key=st.integers(0, 2**32))
def test_random_erasing_changes_only_its_rectangle(img: np.ndarray, fill: Any, key: int) -> None:
    t = I.RandomErasing(scale=(0.02, 0.5), fill=fill, p=1.0, seed=3)
    out = t(image=img, key=key, trace=True)
    box = out["trace"][0]["params"]
    top, left, h, w = box["top"], box["left"], box["height"], box["width"]
    inside = np.zeros(img.shape[:2], bool)
    inside[top : top + h, left : left + w] = True
    assert np.array_equal(out["image"][~inside], img[~inside])
    if h and w:
        assert top + h <= img.shape[0] and left + w <= img.shape[1]
        assert h < img.shape[0] and w < img.shape[1]  # torchvision: strictly smaller than the image
        if fill != "random":
            assert (out["image"][inside] == fill).all()


def test_random_erasing_fill_is_the_border_fill_or_random() -> None:
    # one fill spec (image.options.Fill) with "random" added: out-of-range values fail at construction
    assert I.RandomErasing(fill=3)._r.fill == (3.0,) and I.RandomErasing(fill="random")._r.fill == "random"
    for bad in (300, -1, "noise", (0, float("nan"))):
        with pytest.raises(ma.InvalidInputError, match='"random"'):
            I.RandomErasing(fill=bad)


def test_random_erasing_fill_per_channel_and_random_fill_replays(photo: np.ndarray) -> None:
    out = I.RandomErasing(fill=(255, 0, 10), p=1.0, seed=0)(image=photo, key=4, trace=True)
    b = out["trace"][0]["params"]
    region = out["image"][b["top"] : b["top"] + b["height"], b["left"] : b["left"] + b["width"]]
    assert region.size and (region == (255, 0, 10)).all()
    t = I.RandomErasing(fill="random", p=1.0, seed=0)
    a = t(image=photo, key=5, trace=True)
    assert "noise_seed" in a["trace"][0]["params"]
    assert np.array_equal(t.replay(json.loads(json.dumps(a["trace"])), image=photo)["image"], a["image"])
    fp = t(image=photo.astype(np.float32) / 255, key=5)["image"]
    assert fp.dtype == np.float32 and fp.max() <= 1.0


def test_random_erasing_follows_torchvision_area_and_ratio() -> None:
    img = np.zeros((200, 300), np.uint8)
    t = I.RandomErasing(scale=(0.1, 0.2), ratio=(0.5, 2.0), p=1.0, seed=0)
    for key in range(200):
        b = t(image=img, key=key, trace=True)["trace"][0]["params"]
        area = b["height"] * b["width"] / (200 * 300)
        assert 0.09 <= area <= 0.21
        assert 0.45 <= b["height"] / b["width"] <= 2.2


# ---------------------------------------------------------------------- ColorJitter vs torchvision's formulas
_TV_LUMA = np.array([0.2989, 0.587, 0.114])  # torchvision's weights (multiaug: 0.299)


def _tv_gray(x: np.ndarray) -> np.ndarray:
    return x[..., :3] @ _TV_LUMA


def _tv_rgb_to_hsv(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    maxc, minc = x.max(-1), x.min(-1)
    eqc = maxc == minc
    cr = maxc - minc
    s = cr / np.where(eqc, 1.0, maxc)
    crd = np.where(eqc, 1.0, cr)
    rc, gc, bc = (maxc - r) / crd, (maxc - g) / crd, (maxc - b) / crd
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return h, s, maxc


def _tv_hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(int) % 6
    p = np.clip(v * (1.0 - s), 0, 1)
    q = np.clip(v * (1.0 - s * f), 0, 1)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0, 1)
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack([r, g, b], -1)


def torchvision_jitter(x: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """torchvision.transforms.v2.ColorJitter on a float64 RGB image in [0, 1], given drawn factors."""
    for op in params["order"]:
        if op == 0:
            x = np.clip(x * params["brightness"], 0, 1)
        elif op == 1:
            c = params["contrast"]
            x = np.clip(c * x + (1 - c) * _tv_gray(x).mean(), 0, 1)
        elif op == 2:
            s = params["saturation"]
            x = np.clip(s * x + (1 - s) * _tv_gray(x)[..., None], 0, 1)
        else:
            h, s, v = _tv_rgb_to_hsv(x)
            x = _tv_hsv_to_rgb(np.fmod(h + params["hue"] + 1.0, 1.0), s, v)
    return x


def test_color_jitter_matches_torchvision_formulas_on_a_photo(photo: np.ndarray) -> None:
    t = I.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.3, p=1.0, seed=0)
    ref_in = photo.astype(np.float64) / 255
    worst_float, worst_uint8, mean_uint8, p999 = 0.0, 0, [], []
    for key in range(12):
        out8 = t(image=photo, key=key, trace=True)
        params = out8["trace"][0]["params"]
        ref = torchvision_jitter(ref_in, params)
        out32 = t(image=photo.astype(np.float32) / 255, key=key)["image"]
        worst_float = max(worst_float, float(np.abs(out32 - ref).max()))
        err8 = np.abs(out8["image"].astype(np.float64) - ref * 255)
        worst_uint8 = max(worst_uint8, int(np.ceil(err8.max())))
        mean_uint8.append(err8.mean())
        p999.append(np.percentile(err8, 99.9))
    # float32: the same formulas (BT.601 0.299 vs torchvision's 0.2989, float32 arithmetic)
    assert worst_float < 2e-3
    # uint8: each step rounds to a grey level, and hue goes through OpenCV's 8-bit HSV (hue in
    # 256 steps; about 5 levels at worst alone, as albumentations' 180-step version), which later
    # contrast and saturation factors (up to 1.5 each) can amplify: a fraction of a level on average,
    # a few levels for one pixel in a thousand, about 10 at the very worst.
    assert np.mean(mean_uint8) < 0.6
    assert max(p999) <= 6
    assert worst_uint8 <= 12


def test_color_jitter_brightness_contrast_saturation_within_rounding(photo: np.ndarray) -> None:
    t = I.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0, p=1.0, seed=1)
    for key in range(8):
        out = t(image=photo, key=key, trace=True)
        ref = torchvision_jitter(photo / 255.0, out["trace"][0]["params"]) * 255
        # one rounding per step (at most 3), each carried through later factors <= 1.5
        assert np.abs(out["image"] - ref).max() <= 3.0


def test_color_jitter_on_grey_and_rgba(photo: np.ndarray) -> None:
    gray = photo[..., 0]
    t = I.ColorJitter(brightness=0, contrast=0, saturation=0.8, hue=0.4, p=1.0)
    for key in range(5):  # saturation and hue leave grey images unchanged
        assert np.array_equal(t(image=gray, key=key)["image"], gray)
        assert np.array_equal(t(image=gray[..., None], key=key)["image"], gray[..., None])
    rgba = np.dstack([photo, np.arange(photo.shape[1], dtype=np.uint8)[None].repeat(photo.shape[0], 0)])
    full = I.ColorJitter(0.5, 0.5, 0.5, 0.3, p=1.0)
    for key in range(5):
        a = full(image=rgba, key=key)["image"]
        b = full(image=photo, key=key)["image"]
        assert np.array_equal(a[..., 3], rgba[..., 3])
        assert np.array_equal(a[..., :3], b)  # RGBA colour = RGB colour


def test_float_hue_wraps_a_full_turn(photo: np.ndarray) -> None:
    img = photo.astype(np.float32) / 255
    plus = FC.adjust_hue(img, 0.5)
    minus = FC.adjust_hue(img, -0.5)
    assert np.abs(plus - minus).max() < 1e-5
    assert np.abs(FC.adjust_hue(img, 0.25) - FC.adjust_hue(img, -0.75 + 1.0)).max() < 1e-5


# ---------------------------------------------------------------------- noise, blur, sharpen on the photo
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_gaussian_noise_measured_std_matches_drawn_std(dtype: type) -> None:
    scale = 255.0 if dtype == np.uint8 else 1.0
    img = np.full((300, 400, 3), 0.5 * scale, dtype)
    t = I.GaussianNoise(std=(0.01, 0.15), p=1.0, seed=0)  # both int8 and int16 noise tables
    for key in range(6):
        out = t(image=img, key=key, trace=True)
        std = out["trace"][0]["params"]["std"]
        noise = out["image"].astype(np.float64) - img
        measured = noise.std() / scale
        assert abs(measured - std) / std < 0.02, (measured, std)
        assert abs(noise.mean() / scale) < 0.002
        if dtype == np.float32:  # a normal: 68.3% within one sigma (uint8 noise is rounded to integers)
            assert 0.67 < np.mean(np.abs(noise) <= std * scale) < 0.70


def test_gaussian_noise_on_the_photo_is_reproducible_and_clipped(photo: np.ndarray) -> None:
    t = I.GaussianNoise(std=0.3, p=1.0, seed=1)
    a, b = t(image=photo, key=1)["image"], t(image=photo, key=1)["image"]
    assert np.array_equal(a, b)
    assert not np.array_equal(a, t(image=photo, key=2)["image"])
    # strong noise saturates: both ends of the range are reached, never wrapped around
    assert a.min() == 0 and a.max() == 255
    dark = np.zeros((50, 50), np.uint8)
    assert (t(image=dark, key=0)["image"] >= 0).all() and t(image=dark, key=0)["image"].mean() > 20


def test_noise_tables_are_normal_quantiles() -> None:
    z = FN.normal_quantiles()
    assert z.shape == (65536,) and np.all(np.diff(z) > 0)
    assert np.allclose(z, -z[::-1])
    assert abs(z.std() - 1.0) < 1e-3
    for sigma in (0.3, 3.0, 20.0, 60.0):
        table = FN._integer_table(sigma)
        assert table.dtype == (np.int8 if sigma * z[-1] < 127 else np.int16)
        assert np.array_equal(table, np.floor(z * sigma + 0.5).astype(table.dtype))


def test_salt_pepper_rates(photo: np.ndarray) -> None:
    t = I.SaltPepperNoise(amount=0.2, salt_vs_pepper=0.25, p=1.0, seed=0)
    out = t(image=photo, key=0)["image"]
    changed = (out != photo).any(axis=2)
    salt = (out == 255).all(axis=2) & changed
    pepper = (out == 0).all(axis=2) & changed
    assert np.array_equal(changed, salt | pepper)  # a hit pixel gets one value in all channels
    hit = (salt | pepper).mean()
    assert 0.18 < hit < 0.21  # a few hits land on pixels that were already 0 or 255
    assert 0.22 < salt.mean() / hit < 0.28
    f = t(image=photo.astype(np.float32) / 255, key=0)["image"]
    assert set(np.unique(f[(f != photo / np.float32(255)).any(axis=2)]).tolist()) <= {0.0, 1.0}


def test_gaussian_blur_matches_opencv_with_the_drawn_sigma(photo: np.ndarray) -> None:
    t = I.GaussianBlur(sigma=(0.2, 3.0), p=1.0, seed=0)
    fphoto = photo.astype(np.float32) / 255
    for key in range(6):
        out = t(image=photo, key=key, trace=True)
        sigma = out["trace"][0]["params"]["sigma"]
        k = 2 * int(3 * sigma + 0.5) + 1
        ref = cv2.GaussianBlur(photo, (k, k), sigma, sigmaY=sigma)
        # cv2.GaussianBlur rounds its 8-bit fixed-point kernel; multiaug filters in float
        diff = np.abs(out["image"].astype(int) - ref)
        assert diff.max() <= 2 and diff.mean() < 0.15
        ref32 = cv2.GaussianBlur(fphoto, (k, k), sigma, sigmaY=sigma)
        assert np.abs(t(image=fphoto, key=key)["image"] - ref32).max() < 1e-5


@pytest.mark.parametrize("channels", [2, 7, 300])
def test_blur_and_sharpen_treat_many_channels_like_one(channels: int) -> None:
    # OpenCV filters stop at 128 channels (OpenCV 5): wider images must still work
    img = np.random.default_rng(0).integers(0, 256, (15, 17, channels), dtype=np.uint8)
    for fn in (lambda x: FF.gaussian_blur(x, 1.3), lambda x: FF.sharpen(x, 0.4, 0.8)):
        whole = fn(img)
        assert whole.shape == img.shape
        for c in (0, 1, channels - 1):
            assert np.array_equal(whole[..., c], fn(np.ascontiguousarray(img[..., c])))


def test_every_op_takes_hundreds_of_channels() -> None:
    img = np.random.default_rng(0).integers(0, 256, (6, 5, 600), dtype=np.uint8)
    for make in _ops(colour_only=False):
        for image in (img, img.astype(np.float32) / 255):
            out = make()(image=image, key=0)["image"]
            assert out.shape == image.shape and out.dtype == image.dtype


def test_sharpen_matches_albumentations(photo: np.ndarray) -> None:
    # the same kernel; on uint8 the exact filter (issue 22: the same bytes on every CPU) rounds
    # where Albumentations' float32 sums land on a half level: at most one level, on few pixels
    import albumentations as A  # the dev extra installs it as a reference implementation

    for alpha, lightness in [(0.2, 0.5), (0.5, 1.0), (1.0, 0.7)]:
        theirs = A.Sharpen(alpha=(alpha, alpha), lightness=(lightness, lightness), p=1.0)
        np.testing.assert_array_equal(
            FF.sharpen_kernel(alpha, lightness), theirs.get_params()["sharpening_matrix"]
        )
        ours = I.Sharpen(alpha=alpha, lightness=lightness, p=1.0)
        a, b = ours(image=photo)["image"].astype(int), theirs(image=photo)["image"].astype(int)
        exact = cv2.filter2D(
            photo.astype(np.float64),
            cv2.CV_64F,
            FF.sharpen_kernel(alpha, lightness).astype(np.float64),
            borderType=cv2.BORDER_REFLECT_101,
        )
        tie = np.abs(exact - np.floor(exact) - 0.5) < 1e-3  # a half level: the two round either way
        assert np.abs(a - b).max() <= 1 and not np.any((a != b) & ~tie & (exact > 0) & (exact < 255))
        f = photo.astype(np.float32) / 255
        assert np.array_equal(ours(image=f)["image"], theirs(image=f)["image"])


@pytest.mark.parametrize("op", ["sharpen", "emboss"])
def test_uint8_3x3_filters_are_the_exact_filter_rounded_half_up(photo: np.ndarray, op: str) -> None:
    # independent of OpenCV's float32 summation order and FMA use: float64 sums of the kernel on its
    # grid (exactly representable), ties rounded up
    from multiaug.image.functional.exact import fixed_kernel

    rng = np.random.default_rng(3)
    for _ in range(4):
        a, b = float(rng.uniform(0.1, 1.0)), float(rng.uniform(0.2, 2.0))
        kernel = getattr(FF, f"{op}_kernel")(a, b)
        q, _ = fixed_kernel(kernel)
        grid = q.astype(np.float64)
        want = cv2.filter2D(photo.astype(np.float64), cv2.CV_64F, grid, borderType=cv2.BORDER_REFLECT_101)
        want = np.clip(np.floor(want + 0.5), 0, 255).astype(np.uint8)
        assert np.array_equal(getattr(FF, op)(photo, a, b), want)


@pytest.mark.parametrize(
    "cls", [I.GaussianBlur, I.Sharpen, I.MedianBlur, I.GaussianNoise, I.RandomGamma, I.Solarize, I.Posterize]
)
def test_ops_that_only_draw_their_ranges_use_the_default_make_params(cls: type[ma.Transform]) -> None:
    # the declarations draw (issue 14): a class that writes make_params again repeats its _parameters
    assert "make_params" not in cls.__dict__


def _median_reference(img: np.ndarray, k: int) -> np.ndarray:
    """The median of every k x k window, edges repeated (OpenCV's median border), by sorting: NumPy only.

    Independent of both routes of the kernel (OpenCV, and SciPy for float32 above 5x5).
    """
    r = k // 2
    padded = np.pad(img, ((r, r), (r, r)) + ((0, 0),) * (img.ndim - 2), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(0, 1))
    return np.sort(windows.reshape(*img.shape, k * k), axis=-1)[..., k * k // 2]


def _scipy_median(img: np.ndarray, k: int) -> np.ndarray:
    """SciPy's median filter per channel with ``mode="nearest"`` (OpenCV's BORDER_REPLICATE)."""
    from scipy import ndimage

    return ndimage.median_filter(img, size=(k, k, 1)[: img.ndim], mode="nearest")


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("channels", [None, 1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("k", [3, 5, 7, 11])
def test_median_blur_equals_reference_medians(dtype: type, channels: int | None, k: int) -> None:
    # cv2.medianBlur refuses 2 or 5+ channels above k = 5, and float32 above k = 5: both must still work
    rng = np.random.default_rng(k)
    shape = (19, 23) if channels is None else (19, 23, channels)
    img = rng.integers(0, 256, shape, dtype=np.uint8)
    if dtype == np.float32:
        img = img.astype(np.float32) / 255
    out = FF.median_blur(img[:, ::-1], k)  # a negative-stride view
    assert out.dtype == img.dtype and out.shape == img.shape
    assert np.array_equal(out, _median_reference(img[:, ::-1], k))
    assert np.array_equal(out, _scipy_median(img[:, ::-1], k))


@given(img=images(), k=st.sampled_from([3, 5, 7, 9, 15]))
@FAST
def test_median_blur_equals_the_sorted_window_median_on_any_image(img: np.ndarray, k: int) -> None:
    assert np.array_equal(FF.median_blur(img, k), _median_reference(img, k))


def test_median_blur_draws_odd_sizes_uniformly_and_replays(photo: np.ndarray) -> None:
    t = I.MedianBlur(blur_limit=(3, 9), p=1.0, seed=0)
    drawn = [t(image=photo[:40, :40], key=key, trace=True) for key in range(400)]
    sizes = [out["trace"][0]["params"]["blur_limit"] for out in drawn]
    counts = np.bincount(sizes, minlength=10)
    assert set(sizes) == {3, 5, 7, 9} and counts[[3, 5, 7, 9]].min() > 70
    out = drawn[0]
    assert np.array_equal(out["image"], _median_reference(photo[:40, :40], sizes[0]))
    assert np.array_equal(t.replay(out["trace"], image=photo[:40, :40])["image"], out["image"])
    bad = [{**out["trace"][0], "params": {"blur_limit": 4}}]
    with pytest.raises(ma.InvalidInputError, match="odd"):
        t.replay(bad, image=photo[:40, :40])


def test_median_blur_limit_reads_like_albumentations(photo: np.ndarray) -> None:
    import albumentations as A  # the dev extra installs it as a reference implementation

    assert I.MedianBlur(blur_limit=7)._r.blur_limit == (3, 7)
    assert I.MedianBlur(blur_limit=(5, 5))._r.blur_limit == (5, 5)
    for k in (3, 5, 7, 31):
        theirs = A.MedianBlur(blur_limit=(k, k), p=1.0)(image=photo)["image"]
        assert np.array_equal(
            I.MedianBlur(blur_limit=k if k == 3 else (k, k), p=1.0)(image=photo)["image"], theirs
        )
    with pytest.raises(ma.InvalidInputError, match="odd"):
        I.MedianBlur(blur_limit=(3, 8))


# ---------------------------------------------------------------------- point ops
def test_point_ops_on_known_values() -> None:
    x = np.array([[0, 1, 64, 127, 128, 200, 255]], np.uint8)
    assert I.Invert(p=1.0)(image=x)["image"].tolist() == [[255, 254, 191, 128, 127, 55, 0]]
    assert I.Posterize(bits=3, p=1.0)(image=x)["image"].tolist() == [[0, 0, 64, 96, 128, 192, 224]]
    assert I.Solarize(threshold=0.5, p=1.0)(image=x)["image"].tolist() == [[0, 1, 64, 127, 127, 55, 0]]
    gamma = I.RandomGamma(gamma=2.0, p=1.0)(image=x)["image"]
    assert np.array_equal(gamma, np.rint((x / 255.0) ** 2 * 255).astype(np.uint8))
    rbc = I.RandomBrightnessContrast(brightness=(-0.1, -0.1), contrast=(0.2, 0.2), p=1.0)(image=x)["image"]
    assert np.array_equal(rbc, np.clip(np.rint(1.2 * x - 25.5), 0, 255).astype(np.uint8))
    f = x.astype(np.float32) / 255
    assert np.allclose(I.Invert(p=1.0)(image=f)["image"], 1 - f)
    assert np.allclose(I.Posterize(bits=3, p=1.0)(image=f)["image"] * 255, [[0, 0, 64, 96, 128, 192, 224]])


def test_lookup_backends_agree() -> None:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (31, 33, 3), dtype=np.uint8)
    table = rng.integers(0, 256, 256, dtype=np.uint8)
    expected = table[img]
    assert np.array_equal(FC.lut(img, table), expected)
    assert np.array_equal(cv2.LUT(img, table), expected)
    assert np.array_equal(FC.lut(img[:, ::3], table), table[img[:, ::3]])
    assert FC.lut(img[..., :1], table).shape == (31, 33, 1)
    saved = FC._translate
    FC._translate = lambda: None  # type: ignore[assignment]
    try:  # the cv2.LUT fallback
        assert np.array_equal(FC.lut(img[:, ::3], table), table[img[:, ::3]])
        assert FC.lut(img[..., :1], table).shape == (31, 33, 1)
    finally:
        FC._translate = saved


def test_histograms_exact_in_both_counters() -> None:
    img = np.random.default_rng(1).integers(0, 256, (40, 50, 4), dtype=np.uint8)
    ref = np.stack([np.bincount(img[..., c].ravel(), minlength=256) for c in range(3)])
    assert np.array_equal(FC.histograms(img), ref)
    assert np.array_equal(FC.histograms(img, float_limit=1), ref)  # the np.bincount branch


# ---------------------------------------------------------------------- fusion
POINT_OPS = [
    lambda: I.RandomBrightnessContrast(brightness=0.3, contrast=0.5, p=0.8),
    lambda: I.RandomGamma(gamma=(0.5, 2.0), p=0.8),
    lambda: I.Solarize(threshold=(0.5, 1.0), p=0.5),
    lambda: I.Posterize(bits=(3, 8), p=0.5),
    lambda: I.Invert(p=0.3),
    lambda: I.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.2, p=0.9),
    lambda: I.ColorJitter(brightness=0.5, contrast=0.8, saturation=0, hue=0, p=0.9),  # all point parts
]
BREAKERS = [
    lambda: I.GaussianBlur(sigma=(0.5, 1.5), p=0.5),
    lambda: I.GaussianNoise(std=0.05, p=0.5),
    lambda: I.Grayscale(p=0.3),
    lambda: I.HorizontalFlip(p=0.5),
]


@st.composite
def pipelines(draw: st.DrawFn) -> list[ma.Transform]:
    """Random chains of point ops, some broken by ops that cannot join a lookup table."""
    n = draw(st.integers(1, 7))
    pool = POINT_OPS * 3 + BREAKERS
    return [draw(st.sampled_from(pool))() for _ in range(n)]


@settings(max_examples=60, deadline=None, database=None)
@given(
    ts=pipelines(),
    img=images(channels=COLOUR),
    key=st.integers(0, 2**32),
    seed=st.integers(0, 99),
    histogram_path=st.booleans(),
)
def test_fused_equals_unfused_exactly(
    ts: list[ma.Transform], img: np.ndarray, key: int, seed: int, histogram_path: bool
) -> None:
    fused = ma.Compose(ts, seed=seed)
    plain = ma.Compose(ts, seed=seed, fuse=False)
    saved = FC._translate
    if histogram_path:  # contrast statistics from histograms (no SIMD lookup available)
        FC._translate = lambda: None  # type: ignore[assignment]
    try:
        a = fused(image=img, key=key, trace=True)
        b = plain(image=img, key=key, trace=True)
        assert a["trace"] == b["trace"]  # every op reported, same parameters
        assert_samples_equal(a, b)
        trace = json.loads(json.dumps(a["trace"]))
        assert_samples_equal(fused.replay(trace, image=img), {"image": a["image"]})
        assert_samples_equal(plain.replay(trace, image=img), {"image": a["image"]})
    finally:
        FC._translate = saved


@pytest.mark.parametrize("histogram_path", [False, True])
def test_fused_equals_unfused_on_the_photo(
    photo: np.ndarray, histogram_path: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if histogram_path:
        monkeypatch.setattr(FC, "_translate", lambda: None)
    rgba = np.dstack([photo, photo[..., 1]])
    ts = [make() for make in POINT_OPS]
    for image in (photo, rgba, photo[..., 0]):
        for key in range(15):
            a = ma.Compose(ts, seed=4)(image=image, key=key, trace=True)
            b = ma.Compose(ts, seed=4, fuse=False)(image=image, key=key, trace=True)
            assert_samples_equal(a, b)


def _count_lookups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = FC.apply_table

    def counting(img: np.ndarray, table: np.ndarray) -> np.ndarray:
        calls[0] += 1
        return real(img, table)

    monkeypatch.setattr(FC, "apply_table", counting)
    return calls


def test_consecutive_point_ops_make_one_lookup(photo: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = [
        I.RandomBrightnessContrast(p=1.0),
        I.RandomGamma(p=1.0),
        I.ColorJitter(brightness=0.3, contrast=0.3, saturation=0, hue=0, p=1.0),
        I.Solarize(threshold=0.9, p=1.0),
        I.Posterize(bits=5, p=1.0),
        I.Invert(p=1.0),
    ]
    calls = _count_lookups(monkeypatch)
    # contrast statistics from histograms, not from a scratch lookup (which would count as one)
    monkeypatch.setattr(FC, "_translate", lambda: None)
    fused = ma.Compose(chain, seed=0)(image=photo, key=1, trace=True)
    n_fused = calls[0]
    calls[0] = 0
    plain = ma.Compose(chain, seed=0, fuse=False)(image=photo, key=1, trace=True)
    assert n_fused == 1 and calls[0] == 7  # ColorJitter's brightness and contrast are two lookups
    assert [e["transform"] for e in fused["trace"]] == [t.name for t in chain]
    assert_samples_equal(fused, plain)
    assert PENDING not in fused


def test_non_point_ops_flush_the_table(photo: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = [
        I.RandomGamma(p=1.0),
        I.Invert(p=1.0),
        I.GaussianBlur(p=1.0),
        I.Posterize(p=1.0),
        I.Invert(p=1.0),
    ]
    calls = _count_lookups(monkeypatch)
    a = ma.Compose(chain, seed=2)(image=photo, key=0)
    assert calls[0] == 2  # [Gamma, Invert] | Blur | [Posterize, Invert]
    assert_samples_equal(a, ma.Compose(chain, seed=2, fuse=False)(image=photo, key=0))


def test_contrast_sees_the_pending_table(photo: np.ndarray) -> None:
    # Invert changes the mean luma a lot: contrast must read it through the pending table.
    chain = [I.Invert(p=1.0), I.ColorJitter(brightness=0, contrast=(0.3, 0.3), saturation=0, hue=0, p=1.0)]
    fused = ma.Compose(chain)(image=photo)["image"]
    inverted = 255 - photo
    mean = float((inverted.astype(np.float64) @ np.array(FC.LUMA)).mean()) / 255
    expected = np.clip(np.rint((0.3 * inverted / 255 + 0.7 * mean) * 255), 0, 255).astype(np.uint8)
    assert np.array_equal(fused, expected)


def test_pending_lut_statistics_match_the_image(photo: np.ndarray) -> None:
    table = FC.point_table(FC.gamma(0.7))
    pending = PendingLUT().then(table)
    assert pending.channel_sums(photo) == FC.channel_sums(table[photo])
    saved = FC._translate
    FC._translate = lambda: None  # type: ignore[assignment]
    try:
        assert PendingLUT(None, {}).then(table).channel_sums(photo) == FC.channel_sums(table[photo])
    finally:
        FC._translate = saved


def test_float_images_never_defer(photo: np.ndarray) -> None:
    img = photo.astype(np.float32) / 255
    t = I.RandomGamma(p=1.0)
    out = t.defer({"image": img}, {"gamma": 0.8})
    assert PENDING not in out
    chain = [I.RandomGamma(p=1.0), I.Solarize(p=1.0), I.ColorJitter(p=1.0)]
    assert_samples_equal(
        ma.Compose(chain, seed=1)(image=img, key=2), ma.Compose(chain, seed=1, fuse=False)(image=img, key=2)
    )


def test_point_table_module_constants_are_read_only() -> None:
    with pytest.raises(ValueError):
        point_module._INVERT_TABLE[0] = 1
    with pytest.raises(ValueError):
        FC.IDENTITY[0] = 1


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("make", "image", "field"),
    [
        (lambda: I.ColorJitter(hue=0.1, p=1.0), np.zeros((4, 4, 2), np.uint8), "image"),
        (
            lambda: I.ColorJitter(brightness=0, contrast=0.2, saturation=0, hue=0),
            np.zeros((4, 4, 5), np.uint8),
            "image",
        ),
        (lambda: I.Grayscale(p=0.0), np.zeros((4, 4, 2), np.float32), "image"),
        (lambda: I.RandomErasing(fill=(1, 2), p=1.0), np.zeros((8, 8, 3), np.uint8), "fill"),
        (lambda: I.RandomErasing(fill=0.5, p=1.0), np.zeros((8, 8, 3), np.uint8), "fill"),
        (lambda: I.RandomErasing(fill=2, p=1.0), np.zeros((8, 8, 3), np.float32), "fill"),
    ],
)
def test_bad_inputs_raise_invalid_input_error(
    make: Callable[[], ma.Transform], image: np.ndarray, field: str
) -> None:
    t = make()
    with pytest.raises(ma.InvalidInputError) as err:
        t(image=image)
    assert err.value.owner == t.name and err.value.field == field
    assert "Fix:" in str(err.value)


def test_brightness_only_jitter_takes_any_channel_count() -> None:
    img = np.full((4, 4, 2), 100, np.uint8)
    out = I.ColorJitter(brightness=(1.5, 1.5), contrast=0, saturation=0, hue=0, p=1.0)(image=img)["image"]
    assert (out == 150).all()


def test_jitter_factor_scalars_follow_torchvision() -> None:
    r = I.ColorJitter(brightness=1.5, contrast=0.3, saturation=0, hue=0.5).validate_params()._r
    assert r.brightness == (0.0, 2.5) and r.contrast == (0.7, 1.3) and r.saturation == (1.0, 1.0)
    assert r.hue == (-0.5, 0.5)
    with pytest.raises(ma.InvalidInputError):
        I.ColorJitter(hue=0.51).validate_params()
