"""Hardening of the image transforms (issue 13): shear sign, layouts, box formats, PIL modes, kernels."""

from __future__ import annotations

from typing import Any

import albumentations as A
import cv2  # a test reference, installed in the dev venv (NO_ALBUMENTATIONS_UPDATE=1)
import numpy as np
import pytest

import multiaug as ma
from multiaug.core.errors import InvalidInputError
from multiaug.testing import EXAMPLES, assert_samples_equal

# --------------------------------------------------------------------------------------------------
# 1. Affine shear: Albumentations' / torchvision's sign and order (scale, rotate, shear about the centre)


def _fixed_affine(sx: float, sy: float, rot: float, sc: float) -> ma.image.Affine:
    return ma.image.Affine(scale=(sc, sc), rotate=(rot, rot), shear={"x": (sx, sx), "y": (sy, sy)}, p=1.0)


def test_positive_x_shear_moves_the_top_edge_right() -> None:
    out = _fixed_affine(20, 0, 0, 1)(image=np.zeros((100, 200), np.uint8), keypoints=[[100.0, 0.0]])
    np.testing.assert_allclose(out["keypoints"], [[100 + 50 * np.tan(np.radians(20)), 0.0]], atol=1e-9)
    assert out["keypoints"][0, 0] == pytest.approx(118.2, abs=0.05)


def test_positive_y_shear_moves_the_left_edge_down() -> None:
    out = _fixed_affine(0, 20, 0, 1)(image=np.zeros((100, 200), np.uint8), keypoints=[[0.0, 50.0]])
    assert out["keypoints"][0, 1] == pytest.approx(50 + 100 * np.tan(np.radians(20)), abs=1e-9)


def test_shear_moves_the_image_content_like_the_keypoints() -> None:
    img = np.zeros((100, 200), np.uint8)
    img[2:6, 98:103] = 255  # a blob at the top centre
    out = _fixed_affine(20, 0, 0, 1)(image=img, keypoints=[[100.0, 4.0]])
    _, xs = np.nonzero(out["image"] > 127)
    assert abs(xs.mean() - out["keypoints"][0, 0]) < 1.0
    assert xs.mean() > 110  # moved right, not left


_CASES = [
    (20, 0, 0, 1.0),
    (0, 15, 0, 1.0),
    (10, -12, 25, 1.0),
    (-15, 8, -40, 0.8),
    (5, 5, 90, 1.2),
    (30, 0, 10, 1.1),
]


@pytest.mark.parametrize(("sx", "sy", "rot", "sc"), _CASES)
def test_affine_matches_albumentations_on_boxes_and_keypoints(
    sx: float, sy: float, rot: float, sc: float
) -> None:
    img = np.zeros((100, 200, 3), np.uint8)
    kps = np.array([[100.0, 0.0], [60.0, 30.0], [150.0, 70.0], [20.0, 90.0]])
    boxes = np.array([[80.0, 30.0, 120.0, 60.0], [50.0, 40.0, 70.0, 55.0]])
    ref = A.Compose(
        [A.Affine(scale=(sc, sc), rotate=(rot, rot), shear={"x": (sx, sx), "y": (sy, sy)}, p=1.0)],
        keypoint_params=A.KeypointParams(format="xy", remove_invisible=False),
        bbox_params=A.BboxParams(format="pascal_voc", label_fields=["labels"], clip=False),
    )(image=img, keypoints=kps, bboxes=boxes, labels=[0, 1])
    ours = _fixed_affine(sx, sy, rot, sc)(image=img, keypoints=kps + 0.5, bboxes=boxes)
    # Albumentations maps keypoints about the pixel-centre centre ((W - 1) / 2, (H - 1) / 2), boxes and
    # multiaug about (W / 2, H / 2): half a pixel apart, hence the +0.5 / -0.5 on the keypoints.
    np.testing.assert_allclose(ours["keypoints"] - 0.5, np.asarray(ref["keypoints"])[:, :2], atol=1e-3)
    np.testing.assert_allclose(ours["bboxes"], np.asarray(ref["bboxes"]), atol=1e-3)


@pytest.mark.parametrize(("sx", "sy", "rot", "sc"), _CASES[2:5])
def test_fused_affine_agrees_with_albumentations(sx: float, sy: float, rot: float, sc: float) -> None:
    img = np.zeros((100, 200, 3), np.uint8)
    boxes = np.array([[80.0, 30.0, 120.0, 60.0]])
    ref = A.Compose(
        [A.Affine(scale=(sc, sc), rotate=(rot, rot), shear={"x": (sx, sx), "y": (sy, sy)}, p=1.0)],
        bbox_params=A.BboxParams(format="pascal_voc", label_fields=["labels"], clip=False),
    )(image=img, bboxes=boxes, labels=[0])
    pipe = ma.Compose(
        [ma.image.HorizontalFlip(p=0.0), _fixed_affine(sx, sy, rot, sc), ma.image.HorizontalFlip(p=0.0)],
        seed=0,
    )
    out = pipe(image=img, bboxes=boxes, key=0)
    np.testing.assert_allclose(out["bboxes"], np.asarray(ref["bboxes"]), atol=1e-3)


# --------------------------------------------------------------------------------------------------
# 6. Kernels work on every OpenCV the package allows (>= 4.8): cv2.LUT takes 8-bit indices only there


def _opencv4_lut(real: Any) -> Any:
    """``cv2.LUT`` held to its OpenCV 4 contract (an 8-bit source, a 256-entry table); 4.10/4.12 raise."""

    def lut(src: np.ndarray, table: np.ndarray, *args: Any) -> np.ndarray:
        if src.dtype not in (np.uint8, np.int8) or np.asarray(table).size not in (256, 256 * 3, 256 * 4):
            raise cv2.error(f"OpenCV 4 cv2.LUT refuses a {src.dtype} source / {np.asarray(table).size} table")
        return real(src, table, *args)

    return lut


@pytest.mark.parametrize("name", sorted(n for n in EXAMPLES if n.startswith("image.")))
def test_image_kernels_keep_to_the_opencv4_lut_contract(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ex = EXAMPLES[name]
    expected = ex.make(p=1.0, seed=3)(**ex.reference(), key=1)
    monkeypatch.setattr(cv2, "LUT", _opencv4_lut(cv2.LUT))
    got = ex.make(p=1.0, seed=3)(**ex.reference(), key=1)
    assert_samples_equal(got, expected)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_gaussian_noise_on_the_opencv4_lut_contract(dtype: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    img = np.full((16, 12, 3), 100, np.uint8)
    img = img if dtype == np.uint8 else (img / 255).astype(np.float32)
    monkeypatch.setattr(cv2, "LUT", _opencv4_lut(cv2.LUT))
    out = ma.image.GaussianNoise(std=0.1, p=1.0, seed=0)(image=img)["image"]
    assert out.dtype == img.dtype and out.shape == img.shape and (out != img).any()


# --------------------------------------------------------------------------------------------------
# 2. Layouts and dtypes: CHW arrays and odd dtypes raise, naming the field, the layout and the fix


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("shape", [(3, 32, 32), (1, 32, 40), (4, 16, 16)])
def test_chw_array_raises_naming_layout(shape: tuple[int, ...], dtype: Any) -> None:
    img = np.zeros(shape, dtype)
    with pytest.raises(InvalidInputError) as err:
        ma.image.RandomResizedCrop(16, p=1.0)(image=img)
    msg = str(err.value)
    assert "`image`" in msg and "layout" in msg and "np.moveaxis(image, 0, -1)" in msg
    # following the advice works
    out = ma.image.RandomResizedCrop(16, p=1.0)(image=np.moveaxis(img, 0, -1))["image"]
    assert out.shape == (16, 16, shape[0]) and out.dtype == dtype


@pytest.mark.parametrize(
    "img",
    [
        np.zeros((32, 32, 6), np.uint8),
        np.zeros((32, 32, 6), np.float32),
        np.zeros((2, 2, 5), np.uint8),
        np.zeros((1, 1, 3), np.uint8),
        np.zeros((1, 1), np.float32),
        np.zeros((24, 16, 3), np.uint8)[::-1, ::2],
        np.zeros((16, 8, 3), np.float32)[:, :, ::-1],
    ],
)
@pytest.mark.parametrize(
    "make",
    [
        lambda: ma.image.RandomResizedCrop(8, p=1.0),
        lambda: ma.image.Affine(rotate=20, p=1.0),
        lambda: ma.image.GaussianNoise(p=1.0),
        lambda: ma.image.HorizontalFlip(p=1.0),
    ],
)
def test_unusual_but_valid_images_come_out_right(img: np.ndarray, make: Any) -> None:
    out = make()(image=img, key=0)["image"]
    assert out.dtype == img.dtype and out.ndim == img.ndim and out.shape[2:] == img.shape[2:]


@pytest.mark.parametrize(
    ("img", "needle"),
    [
        (np.zeros((4, 4), bool), "astype(np.uint8) * 255"),
        (np.zeros((4, 4), np.int64), "astype(np.uint8)"),
        (np.zeros((4, 4), np.float16), "astype(np.float32)"),
        (np.zeros((4, 4), np.uint16) + 999, "/ 65535"),
        (np.zeros((1, 4, 4, 3), np.uint8), "dimensions"),
        (np.zeros((0, 4, 3), np.uint8), "empty"),
    ],
)
def test_bad_images_raise_with_a_fix(img: np.ndarray, needle: str) -> None:
    with pytest.raises(InvalidInputError, match="`image`") as err:
        ma.image.RandomResizedCrop(8, p=1.0)(image=img)
    assert needle in str(err.value)


# --------------------------------------------------------------------------------------------------
# 5. float64 images: the fix leads to a valid image, never into the next error


@pytest.mark.parametrize("scale", [1.0, 255.0])
def test_float64_fix_message_works_when_followed(scale: float) -> None:
    image = np.random.default_rng(0).random((8, 8, 3)) * scale
    with pytest.raises(InvalidInputError) as err:
        ma.image.ColorJitter(0.2, 0.2, p=1.0)(image=image)
    msg = str(err.value)
    assert "float32" in msg and "[0, 1]" in msg
    code = msg.split("image.astype", 1)[1].split(" (", 1)[0]  # e.g. "(np.float32) / 255"
    fixed = eval("image.astype" + code, {"np": np, "image": image})
    out = ma.image.ColorJitter(0.2, 0.2, p=1.0)(image=fixed)["image"]
    assert out.dtype == np.float32


# --------------------------------------------------------------------------------------------------
# 3. Normalised boxes given as pixels raise naming bbox_format; tiny pixel boxes stay valid


def test_normalised_boxes_given_as_pixels_raise() -> None:
    with pytest.raises(InvalidInputError) as err:
        ma.image.HorizontalFlip(p=1.0)(image=np.zeros((100, 200), np.uint8), bboxes=[[0.1, 0.2, 0.5, 0.6]])
    msg = str(err.value)
    assert "`bboxes`" in msg and "bbox_format" in msg and "(200, 100, 200, 100)" in msg


@pytest.mark.parametrize(
    ("shape", "boxes"),
    [
        ((2, 2), [[0.1, 0.2, 0.5, 0.6]]),
        ((100, 200), [[0.0, 0.0, 1.0, 1.0]]),
        ((100, 200), [[0.5, 0.5, 0.5, 0.5]]),
        ((100, 200), [[0.5, 0.5, 3.0, 4.0]]),
    ],
)
def test_tiny_pixel_boxes_stay_valid(shape: tuple[int, int], boxes: list[list[float]]) -> None:
    out = ma.image.HorizontalFlip(p=1.0)(image=np.zeros(shape, np.uint8), bboxes=boxes)
    assert out["bboxes"].shape[1] == 4


# --------------------------------------------------------------------------------------------------
# 4. PIL images: palettes become colours (never indices); modes that are not 8-bit pixels are refused

_PALETTE = [255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254  # index 0 red, index 1 blue


def _palette_image(transparency: bool = False) -> Any:
    from PIL import Image  # pillow: a dev dependency (the AugmentedDataset route takes PIL images)

    img = Image.fromarray(np.array([[0, 1, 1], [1, 0, 0]], np.uint8), mode="P")
    img.putpalette(_PALETTE)
    if transparency:
        img.info["transparency"] = 1
    return img


def test_palette_image_becomes_rgb_colours() -> None:
    from multiaug.image._validate import pil_to_array

    arr = pil_to_array("t", "image", _palette_image())
    assert arr.shape == (2, 3, 3) and arr.dtype == np.uint8
    assert arr[0, 0].tolist() == [255, 0, 0] and arr[0, 1].tolist() == [0, 0, 255]
    rgba = pil_to_array("t", "image", _palette_image(transparency=True))
    assert rgba.shape == (2, 3, 4) and rgba[0, 1, 3] == 0 and rgba[0, 0, 3] == 255


def test_bilevel_image_becomes_grey_0_255() -> None:
    from PIL import Image

    from multiaug.image._validate import pil_to_array

    arr = pil_to_array("t", "image", Image.fromarray(np.array([[0, 255]], np.uint8)).convert("1"))
    assert arr.dtype == np.uint8 and arr.tolist() == [[0, 255]]


@pytest.mark.parametrize("mode", ["LA", "CMYK", "I;16", "I", "F", "YCbCr", "HSV"])
def test_pil_modes_that_are_not_pixels_raise(mode: str) -> None:
    from PIL import Image

    from multiaug.image._validate import pil_to_array

    img = Image.new(mode, (4, 3))
    with pytest.raises(InvalidInputError) as err:
        pil_to_array("t", "image", img)
    assert repr(mode) in str(err.value) and "convert" in str(err.value)


def test_pil_palette_given_directly_names_the_rgb_conversion() -> None:
    with pytest.raises(InvalidInputError) as err:
        ma.image.ColorJitter(0.5, p=1.0)(image=_palette_image())
    assert 'pil_img.convert("RGB")' in str(err.value) and "'P'" in str(err.value)


def test_augmented_dataset_jitters_palette_colours_not_indices() -> None:
    from multiaug.torch import AugmentedDataset

    pipe = ma.Compose([ma.image.HorizontalFlip(p=1.0)], seed=0)
    image, label = AugmentedDataset([(_palette_image(), 7)], pipe)[0]
    assert label == 7 and image.shape == (2, 3, 3)
    assert image[0, 2].tolist() == [255, 0, 0] and image[0, 0].tolist() == [0, 0, 255]  # flipped colours


@pytest.mark.parametrize("mix", [ma.image.MixUp, ma.image.CutMix])
def test_channels_first_batch_raises_naming_layout(mix: Any) -> None:
    images = np.zeros((4, 3, 32, 32), np.float32)
    with pytest.raises(InvalidInputError) as err:
        mix(num_classes=3, p=1.0)(images=images, labels=np.array([0, 1, 2, 0]), key=0)
    assert "`images`" in str(err.value) and "layout" in str(err.value)
    out = mix(num_classes=3, p=1.0)(images=np.moveaxis(images, 1, -1), labels=np.array([0, 1, 2, 0]), key=0)
    assert out["images"].shape == (4, 32, 32, 3)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_a_huge_image_view_is_refused_before_any_pass_over_it(dtype: type) -> None:
    # a broadcast view of 1.2e11 values costs nothing to make; scanning it would take minutes
    big = np.broadcast_to(np.zeros((1, 1, 3), dtype), (200_000, 200_000, 3))
    with pytest.raises(ma.InvalidInputError, match="values"):
        ma.image.FromFloat(p=1.0)(image=big)
