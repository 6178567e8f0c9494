"""Batched pixel kernels (issue 16) against the per-sample CPU transforms they stand for.

Reference of every kernel: ``t.apply(sample, params)`` with the params ``t.keyed_params`` draws
for the sample's key, on a real photo (scikit-learn's ``china.jpg`` at 64x96). Tolerances, per op:

* uint8 (scale 255): point ops, Grayscale, ColorJitter, Sharpen, MedianBlur, erasing and the
  dropouts with a constant, ChannelShuffle, RGBShift, HueSaturationValue (also on random colours
  in rows of every layout OpenCV's vector code makes), GaussianBlur (OpenCV's fixed-point
  kernels and the wide kernels' exact two passes), the conversions and the mixers are bit-exact;
* float32 (scale 1): within 1e-5 (ColorJitter with hue: 1e-4; measured 1e-6);
* noise ops draw another (equally distributed) realisation than NumPy's SFC64 stream: tested
  by their distribution, by the CPU/pure-Python agreement of the generator and by independence
  from the rest of the batch.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from sklearn.datasets import load_sample_image

import multiaug as ma
from multiaug.core.errors import InvalidInputError
from multiaug.core.registry import registered
from multiaug.image.base import SpatialTransform
from multiaug.torch.batch import Batch, kernels
from multiaug.torch.batch.image_mix import draw_mix_params, mix_key
from multiaug.torch.batch.image_noise import noise_keys, random_words, uniform16
from multiaug.torch.batch.image_pixel import Conversion, conversion

I = ma.image  # noqa: E741  (the package, as in the docs)
KEYS = [0, 1, 2, 3, 4]


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return cv2.resize(load_sample_image("china.jpg"), (96, 64), interpolation=cv2.INTER_AREA)


def as_float(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float32) / np.float32(255.0)


def to_batch(images: list[np.ndarray]) -> torch.Tensor:
    x = torch.from_numpy(np.stack(images)).to(torch.float32)
    return x.permute(0, 3, 1, 2).contiguous() if images[0].ndim == 3 else x[:, None].contiguous()


def from_row(row: torch.Tensor) -> np.ndarray:
    arr = row.permute(1, 2, 0).numpy()
    return arr[..., 0] if arr.shape[2] == 1 else arr


def run(t, images: list[np.ndarray], params: list[dict], **fields) -> dict[str, torch.Tensor]:
    scale = 255.0 if images[0].dtype == np.uint8 else 1.0
    x = to_batch(images)
    before = x.clone()
    out = kernels("image")[(t.name, "image")](
        t, Batch(fields={"image": x, **fields}, params=params, scale=scale)
    )
    assert torch.equal(x, before), "kernel wrote to its input"
    return out


def make(factory, seed: int = 7):
    """A transform from the table, with a fixed seed (the draws, hence the test, are reproducible)."""
    t = factory()
    t.seed = seed
    return t


def drawn(t, img: np.ndarray, keys=KEYS) -> list[dict]:
    params = [t.keyed_params({"image": img}, key=k) for k in keys]
    assert all(p is not None for p in params)
    return params


# (factory, uint8: (max level difference, fraction allowed to differ), float atol, takes one channel)
CASES = {
    "ColorJitter": (lambda: I.ColorJitter(0.5, 0.5, 0.5, 0.3, p=1.0), (0, 0.0), 1e-4, True),
    "ColorJitter-bc": (lambda: I.ColorJitter(0.6, 0.6, 0, 0, p=1.0), (0, 0.0), 1e-5, True),
    "Grayscale": (lambda: I.Grayscale(p=1.0), (0, 0.0), 1e-5, True),
    "RandomBrightnessContrast": (lambda: I.RandomBrightnessContrast(0.3, 0.3, p=1.0), (0, 0.0), 1e-5, True),
    "RandomGamma": (lambda: I.RandomGamma((0.5, 2.0), p=1.0), (0, 0.0), 1e-5, True),
    "Solarize": (lambda: I.Solarize((0.3, 0.7), p=1.0), (0, 0.0), 1e-5, True),
    "Posterize": (lambda: I.Posterize((1, 7), p=1.0), (0, 0.0), 1e-5, True),
    "Invert": (lambda: I.Invert(p=1.0), (0, 0.0), 1e-5, True),
    "GaussianBlur": (lambda: I.GaussianBlur((0.1, 4.0), p=1.0), (0, 0.0), 1e-5, True),
    "Sharpen": (lambda: I.Sharpen(p=1.0), (0, 0.0), 1e-5, True),
    "MedianBlur": (lambda: I.MedianBlur((3, 9), p=1.0), (0, 0.0), 0.0, True),
    "RandomErasing": (lambda: I.RandomErasing(fill=(0.0,), p=1.0), (0, 0.0), 0.0, True),
    "ChannelShuffle": (lambda: I.ChannelShuffle(p=1.0), (0, 0.0), 0.0, True),
    "HueSaturationValue": (lambda: I.HueSaturationValue(90, 60, 50, p=1.0), (0, 0.0), 1e-5, False),
    "HueSaturationValue-still": (lambda: I.HueSaturationValue(0, 0, 0, p=1.0), (0, 0.0), 0.0, False),
    "RGBShift": (lambda: I.RGBShift(40, (-60, 10), 25.5, p=1.0), (0, 0.0), 0.0, False),
    "CoarseDropout": (
        lambda: I.CoarseDropout(num_holes=(0, 6), hole_height=(0.05, 0.4), hole_width=(0.05, 0.4), p=1.0),
        (0, 0.0),
        0.0,
        True,
    ),
    "GridDropout": (
        lambda: I.GridDropout(ratio=0.4, unit_size=(5, 23), fill=(0.0,), p=1.0),
        (0, 0.0),
        0.0,
        True,
    ),
    "GridDropout-fixed": (lambda: I.GridDropout(random_offset=False, p=1.0), (0, 0.0), 0.0, True),
    "Normalize": (lambda: I.Normalize(), (0, 0.0), 1e-6, False),
    "Normalize-1": (lambda: I.Normalize(mean=0.5, std=0.25), (0, 0.0), 1e-6, True),
    "ToFloat": (lambda: I.ToFloat(), (0, 0.0), 0.0, True),
    "FromFloat": (lambda: I.FromFloat(), (0, 0.0), 0.0, True),
}


def compare(ref: np.ndarray, got: np.ndarray, tol, atol: float, uint8: bool) -> None:
    assert got.shape == ref.shape
    diff = np.abs(ref.astype(np.float64) - got.astype(np.float64))
    if uint8 and ref.dtype == np.uint8:
        max_diff, frac = tol
        assert diff.max() <= max_diff, diff.max()
        assert (diff > 0).mean() <= frac, (diff > 0).mean()
    else:
        assert diff.max() <= atol, diff.max()


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_kernel_matches_the_per_sample_op(name: str, dtype: str, photo: np.ndarray) -> None:
    factory, tol, atol, _ = CASES[name]
    t = make(factory)
    img = photo if dtype == "uint8" else as_float(photo)
    params = drawn(t, img)
    out = run(t, [img] * len(KEYS), params)["image"]
    for i, p in enumerate(params):
        compare(t.apply({"image": img}, p)["image"], from_row(out[i]), tol, atol, dtype == "uint8")


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case[3]])
def test_one_channel_images(name: str, dtype: str, photo: np.ndarray) -> None:
    factory, tol, atol, _ = CASES[name]
    t = make(factory)
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    img = gray if dtype == "uint8" else as_float(gray)
    params = drawn(t, img, keys=[5, 6, 7])
    out = run(t, [img] * 3, params)["image"]
    assert out.shape[1] == 1
    for i, p in enumerate(params):
        compare(t.apply({"image": img}, p)["image"], from_row(out[i]), tol, atol, dtype == "uint8")


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize(
    "name", ["ColorJitter", "Grayscale", "RandomGamma", "Invert", "RGBShift", "HueSaturationValue"]
)
def test_rgba_keeps_alpha(name: str, dtype: str, photo: np.ndarray) -> None:
    factory, tol, atol, _ = CASES[name]
    t = make(factory)
    alpha = np.linspace(0, 255, photo.shape[0] * photo.shape[1]).reshape(photo.shape[:2]).astype(np.uint8)
    rgba = np.dstack([photo, alpha])
    img = rgba if dtype == "uint8" else as_float(rgba)
    params = drawn(t, img, keys=[8, 9])
    out = run(t, [img] * 2, params)["image"]
    for i, p in enumerate(params):
        compare(t.apply({"image": img}, p)["image"], from_row(out[i]), tol, atol, dtype == "uint8")


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_hue_matches_opencv_on_every_kind_of_colour(dtype: str) -> None:
    """Random RGB, greys and primaries, shifts of both signs and half a turn."""
    from multiaug.image.functional.colour import adjust_hue
    from multiaug.torch.batch.image_colour import rotate_hue

    rgb = np.random.default_rng(0).integers(0, 256, (64, 256, 3), dtype=np.uint8)
    rgb[0] = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)  # greys
    rgb[1, :6] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255], [255, 0, 255]]
    img = rgb if dtype == "uint8" else as_float(rgb)
    shifts = [0.0, 0.1, -0.1, 0.5, -0.5, 0.37, -0.49]
    got = rotate_hue(to_batch([img] * len(shifts)), shifts, 255.0 if dtype == "uint8" else 1.0)
    for i, shift in enumerate(shifts):
        ref = adjust_hue(img, shift).astype(np.float64)
        diff = np.abs(ref - from_row(got[i]).astype(np.float64))
        assert diff.max() <= (0 if dtype == "uint8" else 1e-5), (shift, diff.max())


def _variants(photo: np.ndarray) -> list[np.ndarray]:
    """Different images for the rows of a batch (flips and shifts of the photo)."""
    return [photo, photo[::-1].copy(), photo[:, ::-1].copy(), np.roll(photo, 7, axis=1), 255 - photo]


NOISE = {
    "GaussianNoise": lambda: I.GaussianNoise((0.02, 0.2), p=1.0),
    "SaltPepperNoise": lambda: I.SaltPepperNoise((0.02, 0.2), p=1.0),
    "RandomErasing-random": lambda: I.RandomErasing(fill="random", p=1.0),
}


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("name", [*CASES, *NOISE])
def test_sample_does_not_depend_on_the_batch(name: str, dtype: str, photo: np.ndarray) -> None:
    t = make(CASES[name][0] if name in CASES else NOISE[name])
    images = [img if dtype == "uint8" else as_float(img) for img in _variants(photo)]
    params = [t.keyed_params({"image": img}, key=10 + i) for i, img in enumerate(images)]
    whole = run(t, images, params)["image"]
    for i in (0, 3):
        alone = run(t, [images[i]], [params[i]])["image"]
        assert torch.equal(alone[0], whole[i])
    pair = run(t, [images[4], images[1]], [params[4], params[1]])["image"]
    assert torch.equal(pair[0], whole[4]) and torch.equal(pair[1], whole[1])


# ---------------------------------------------------------------------- the counter-based generator
def _lowbias32(x: int) -> int:
    m = (1 << 32) - 1
    x ^= x >> 16
    x = (x * 0x7FEB352D) & m
    x ^= x >> 15
    x = (x * 0x846CA68B) & m
    return x ^ (x >> 16)


def test_generator_is_the_keyed_hash_in_torch_integer_ops() -> None:
    keys = noise_keys([0, 1, 2**63 - 1, 2**64 - 1], torch.device("cpu"))
    words = random_words(keys, 9)
    m = (1 << 32) - 1
    for row, (k0, k1) in zip(words.tolist(), keys.tolist(), strict=True):
        expect = [_lowbias32((_lowbias32(j ^ (k0 & m)) + k1) & m) for j in range(9)]
        assert [w & m for w in row] == expect
    u = uniform16(keys, 17)
    expect16 = [(w & m) >> s & 0xFFFF for w in words[0].tolist() for s in (0, 16)]
    assert u[0].tolist() == expect16[:17]
    assert len({tuple(r) for r in words.tolist()}) == 4


def test_uniform16_is_uniform_and_keyed() -> None:
    u = uniform16(noise_keys([3, 4], torch.device("cpu")), 1 << 18).to(torch.float64)
    assert abs(u.mean().item() / 65535 - 0.5) < 0.005
    assert abs(u.std().item() / 65536 - (1 / 12) ** 0.5) < 0.005
    assert (u[0] != u[1]).float().mean() > 0.99
    hist = torch.bincount((u[0] // 4096).long(), minlength=16).double()
    assert (hist / hist.sum() - 1 / 16).abs().max() < 0.005


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_gaussian_noise_distribution(dtype: str) -> None:
    t = I.GaussianNoise(std=0.08, p=1.0)
    img = np.full((128, 128, 3), 128, np.uint8)
    img = img if dtype == "uint8" else as_float(img)
    params = drawn(t, img, keys=[0, 1])
    out = run(t, [img] * 2, params)["image"]
    scale = 255.0 if dtype == "uint8" else 1.0
    for i, p in enumerate(params):
        noise = (out[i] - to_batch([img])[0]).double() / scale
        cpu = (t.apply({"image": img}, p)["image"].astype(np.float64) - img) / scale
        assert abs(noise.mean().item()) < 0.002
        assert abs(noise.std().item() - 0.08) < 0.002
        assert abs(noise.std().item() - cpu.std()) < 0.002  # same distribution as the per-sample field
        assert not np.array_equal(
            from_row(out[i]), t.apply({"image": img}, p)["image"]
        )  # another realisation
    assert not torch.equal(out[0], out[1])


def test_salt_pepper_fractions(photo: np.ndarray) -> None:
    t = I.SaltPepperNoise(amount=0.1, salt_vs_pepper=0.3, p=1.0, seed=0)  # seeded: reproducible
    img = np.full((128, 128, 3), 100, np.uint8)
    out = run(t, [img], drawn(t, img, keys=[0]))["image"][0]
    white = (out == 255).all(dim=0).double().mean().item()
    black = (out == 0).all(dim=0).double().mean().item()
    assert abs(white - 0.03) < 0.005 and abs(black - 0.07) < 0.005
    assert torch.isin(out, torch.tensor([0.0, 100.0, 255.0])).all()


def _holes(t, p: dict, shape: tuple) -> np.ndarray:
    """Where ``t`` (RandomErasing or a dropout) fills, for its drawn ``p``."""
    rects = t.holes(p, shape) if hasattr(t, "holes") else [[p["top"], p["left"], p["height"], p["width"]]]
    inside = np.zeros(shape[:2], bool)
    for top, left, height, width in rects:
        inside[top : top + height, left : left + width] = True
    return inside


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize(
    "t",
    [
        I.RandomErasing(scale=(0.2, 0.3), fill="random", p=1.0, seed=0),
        I.CoarseDropout(fill="random", p=1.0, seed=0),
        I.GridDropout(fill="random", p=1.0, seed=0),
    ],
    ids=lambda t: t.name,
)
def test_random_fill(t, dtype: str, photo: np.ndarray) -> None:
    """The holes hold uniform noise (keyed per sample; another realisation than SFC64), the rest is kept."""
    img = photo if dtype == "uint8" else as_float(photo)
    params = drawn(t, img, keys=[1, 2, 3])
    out = run(t, [img] * 3, params)["image"]
    for i, p in enumerate(params):
        got, ref = from_row(out[i]), t.apply({"image": img}, p)["image"]
        box = _holes(t, p, img.shape)
        assert box.any() and np.array_equal(got[~box], ref[~box])
        region = got[box].astype(np.float64) / (255.0 if dtype == "uint8" else 1.0)
        # uniform: the mean within 0.05, and within 5 standard errors where the holes are large
        # (seedless, this test drew new holes in each process: a few small ones missed 0.05)
        assert abs(region.mean() - 0.5) < min(0.05, 5 * 0.2887 / np.sqrt(region.size) + 0.005)
        assert region.min() >= 0 and region.max() <= 1
        if dtype == "uint8":
            assert np.array_equal(region * 255, np.rint(region * 255))


@pytest.mark.parametrize("width", [40, 64, 150])
def test_hue_saturation_value_is_exact_on_random_colours_of_any_width(width: int) -> None:
    """OpenCV's 8-bit HSV2RGB converts the first ``(W // L) * L`` columns of a row with vector code
    (truncating, fused multiply-add) and the rest with scalar code (rounding): a row narrower than
    one block, exactly blocks, and blocks and a tail."""
    rng = np.random.default_rng(width)
    img = rng.integers(0, 256, (24, width, 3), dtype=np.uint8)
    t = I.HueSaturationValue(180, 255, 255, p=1.0, seed=1)
    params = drawn(t, img, keys=list(range(6)))
    out = run(t, [img] * len(params), params)["image"]
    for i, p in enumerate(params):
        np.testing.assert_array_equal(from_row(out[i]), t.apply({"image": img}, p)["image"])


@pytest.mark.parametrize(
    "t",
    [
        I.CoarseDropout(
            num_holes=(2, 5), hole_height=0.2, hole_width=0.3, fill=(9, 99, 199), fill_mask=3, p=1.0
        ),
        I.GridDropout(ratio=0.3, unit_size=(7, 15), fill=40, fill_mask=5, p=1.0),
    ],
    ids=["coarse", "grid"],
)
def test_dropouts_fill_the_mask_and_per_channel(t, photo: np.ndarray) -> None:
    t.seed = 3
    mask = (np.arange(photo.shape[0] * photo.shape[1]).reshape(photo.shape[:2]) % 7).astype(np.uint8)
    params = [t.keyed_params({"image": photo, "mask": mask}, key=k) for k in (1, 2, 3)]
    out = run(t, [photo] * 3, params, mask=torch.from_numpy(np.stack([mask] * 3))[:, None])
    for i, p in enumerate(params):
        ref = t.apply({"image": photo, "mask": mask}, p)
        np.testing.assert_array_equal(from_row(out["image"][i]), ref["image"])
        np.testing.assert_array_equal(out["mask"][i, 0].numpy(), ref["mask"])


# ---------------------------------------------------------------------- mixers
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("mixer", [I.MixUp(alpha=0.4, num_classes=4), I.CutMix(num_classes=4)])
def test_mixers_match_the_keyed_batch_call(mixer, dtype: str, photo: np.ndarray) -> None:
    images = [img if dtype == "uint8" else as_float(img) for img in _variants(photo)]
    labels = np.array([0, 3, 1, 2, 3])
    keys = [17, 4, 99, 5, 0]
    ref = mixer(images=np.stack(images), labels=labels, key=mix_key(keys), epoch=2, trace=True)
    params = draw_mix_params(mixer, photo.shape[:2], keys, epoch=2)
    assert params is not None and params == ref["trace"][0]["params"]
    out = run(mixer, images, [params] * 5, labels=torch.from_numpy(labels))
    got = np.stack([from_row(row) for row in out["image"]])
    assert np.array_equal(got, ref["images"])
    assert np.array_equal(out["labels"].numpy(), ref["labels"])


def test_mix_key_is_mixcollates() -> None:
    from multiaug.torch.collate import KeyedBatch, _batch_key

    batch = KeyedBatch([None, None])
    batch.indices, batch.epoch = [3, 8], 1
    assert _batch_key(batch, np.zeros(1), np.zeros(1)) == (mix_key([3, 8]), 1)


def test_mixer_refuses_params_of_another_batch(photo: np.ndarray) -> None:
    t = I.MixUp(num_classes=2)
    params = draw_mix_params(t, photo.shape[:2], [0, 1, 2])
    assert params is not None
    with pytest.raises(InvalidInputError, match="batch size 2"):
        run(t, [photo, photo], [params])
    with pytest.raises(InvalidInputError, match="one batch-level draw"):
        run(t, [photo, photo], [params, {**params, "lam": 0.5}])


# ---------------------------------------------------------------------- conversions, errors
def test_conversions_say_what_follows() -> None:
    assert conversion(I.Normalize(), 255.0) == Conversion(1.0, True)
    assert conversion(I.ToFloat(), 255.0) == Conversion(1.0, True)
    assert conversion(I.FromFloat(), 1.0) == Conversion(255.0, False)
    assert conversion(I.ToTensor(), 255.0) == Conversion(255.0, True)
    assert conversion(I.ToTensor(scale=True), 255.0) == Conversion(1.0, True)
    assert conversion(I.Invert(), 255.0) is None


def test_to_tensor_scales_as_the_per_sample_op(photo: np.ndarray) -> None:
    for t in (I.ToTensor(), I.ToTensor(scale=True)):
        out = run(t, [photo], [{}])["image"][0]
        assert torch.equal(out, t(image=photo)["image"])


@pytest.mark.parametrize(
    ("t", "channels", "match"),
    [
        (I.Grayscale(p=1.0), 2, "2 channels"),
        (I.ColorJitter(brightness=0, contrast=0.3, saturation=0, hue=0, p=1.0), 2, "contrast needs RGB"),
        (I.RandomErasing(fill=(1, 2, 3), p=1.0), 2, "3 values"),
        (I.Normalize(), 2, "3 values"),
        (I.FromFloat(dtype="uint16"), 3, "uint8 or float32"),
    ],
)
def test_bad_inputs_raise_invalid_input(t, channels: int, match: str) -> None:
    img = np.zeros((8, 8, channels), np.uint8)
    params = [t.keyed_params({"image": np.zeros((8, 8, 3), np.uint8)}, key=0) or {}]
    with pytest.raises(InvalidInputError, match=match) as info:
        run(t, [img], params)
    assert t.name in str(info.value)


def test_brightness_alone_takes_any_channel_count() -> None:
    t = I.ColorJitter(brightness=0.5, contrast=0, saturation=0, hue=0, p=1.0)
    img = np.random.default_rng(0).integers(0, 256, (8, 8, 5), dtype=np.uint8)
    params = drawn(t, img, keys=[0])
    out = run(t, [img], params)["image"][0]
    assert np.array_equal(from_row(out), t.apply({"image": img}, params[0])["image"])


# ---------------------------------------------------------------------- coverage
#: Registered image ops of the pixel kinds deliberately without a pixel kernel, and why.
_ISSUE17_LATER = "issue 17 pixel op, per-sample only so far: ma.torch.batched() refuses it by name"
LEFT_OUT = {
    "image.SanitizeBoxes": "moves no pixels: it filters boxes, a target the executor handles per sample",
    "image.ImageCompression": "a JPEG/WebP codec round trip (OpenCV's libjpeg/libwebp), no tensor kernel",
    **{
        f"image.{name}": "a policy: a per-sample list of sub-operations (colour, geometric, histogram), "
        "no single batched kernel; ma.torch.batched() refuses it by name (tests/test_image_policies.py)"
        for name in ("RandAugment", "TrivialAugmentWide", "AutoAugment")
    },
    **{
        f"image.{name}": _ISSUE17_LATER
        for name in (
            "CLAHE",
            "Defocus",
            "Downscale",
            "Emboss",
            "Equalize",
            "ISONoise",
            "MotionBlur",
            "PlanckianJitter",
            "RandomFog",
            "RandomRain",
            "RandomShadow",
            "RandomSnow",
            "RandomSunFlare",
            "RandomToneCurve",
            "ZoomBlur",
        )
    },
}


def test_every_pixel_op_has_a_kernel() -> None:
    have = {name for name, _ in kernels("image")}
    image_ops = {name: cls for name, cls in registered().items() if name.startswith("image.")}
    geometric = {name for name, cls in image_ops.items() if issubclass(cls, SpatialTransform)}
    pixel = set(image_ops) - geometric
    missing = pixel - have - set(LEFT_OUT)
    assert not missing, (
        f"pixel ops without a batched kernel: {sorted(missing)} (add one, or list it in LEFT_OUT)"
    )
    assert set(LEFT_OUT) <= set(image_ops)
    assert not set(LEFT_OUT) & have, "an op listed as left out has a kernel now: drop it from LEFT_OUT"


# ---------------------------------------------------------------------- devices
#: Accelerators present on this machine (CI: none, so the check below compares CPU with itself there).
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
def test_same_results_on_every_device(device: str, photo: np.ndarray) -> None:
    """Noise words bit for bit; kernels within float rounding of the CPU (FMA contraction may differ)."""
    keys = noise_keys([5, 2**64 - 1], torch.device(device))
    assert torch.equal(random_words(keys, 1000).cpu(), random_words(keys.cpu(), 1000))
    for name, (factory, _, _, _) in [*CASES.items(), *((n, (f, 0, 0, 0)) for n, f in NOISE.items())]:
        t = make(factory)
        for img in (photo, as_float(photo)):
            params = drawn(t, img, keys=[1, 2])
            scale = 255.0 if img.dtype == np.uint8 else 1.0
            x = to_batch([img, img[::-1].copy()])
            kernel = kernels("image")[(t.name, "image")]
            here = kernel(t, Batch(fields={"image": x}, params=params, scale=scale))["image"]
            there = kernel(t, Batch(fields={"image": x.to(device)}, params=params, scale=scale))["image"]
            diff = (here - there.cpu()).abs()
            if scale == 255.0:
                assert diff.max() <= 1 and (diff > 0).float().mean() <= 0.001, name
            else:
                assert diff.max() <= 1e-5, name
