"""Normalize, ToFloat, FromFloat, ToTensor: against NumPy, torch and Albumentations 2.0.8 references."""

from __future__ import annotations

import pickle
import sys
import warnings

import albumentations as A
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import multiaug as ma
from multiaug.demo import load_sample_photo
from multiaug.image.functional import convert as F

I = ma.image  # noqa: E741
FAST = settings(max_examples=40, deadline=None, database=None)
IMAGENET = {"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225)}


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """scikit-learn's china.jpg cropped, RGB uint8."""
    return load_sample_photo("china.jpg")[:120, :160]


@st.composite
def images(draw: st.DrawFn, channels: tuple[int | None, ...] = (None, 1, 3, 4)) -> np.ndarray:
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    c = draw(st.sampled_from(channels))
    shape = (h, w) if c is None else (h, w, c)
    if draw(st.booleans()):
        return draw(hnp.arrays(np.uint8, shape))
    return draw(hnp.arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))


# ---------------------------------------------------------------------- Normalize
def test_normalize_equals_albumentations_on_a_photo(photo: np.ndarray) -> None:
    ours = I.Normalize(**IMAGENET)(image=photo)["image"]
    theirs = A.Normalize(**IMAGENET)(image=photo)["image"]
    assert ours.dtype == np.float32 and ours.shape == photo.shape
    np.testing.assert_array_equal(ours, theirs)
    as_float = photo.astype(np.float32) / 255
    ours = I.Normalize(**IMAGENET)(image=as_float)["image"]  # max_pixel_value=None: 1.0 for float32
    np.testing.assert_array_equal(ours, A.Normalize(**IMAGENET, max_pixel_value=1.0)(image=as_float)["image"])


@FAST
@given(
    image=images(),
    mean=st.floats(-1, 1),
    std=st.floats(0.05, 2),
    max_value=st.sampled_from([None, 255.0, 7.5]),
)
def test_normalize_is_the_documented_formula(
    image: np.ndarray, mean: float, std: float, max_value: float | None
) -> None:
    out = I.Normalize(mean=mean, std=std, max_pixel_value=max_value)(image=image)["image"]
    full = (255.0 if image.dtype == np.uint8 else 1.0) if max_value is None else max_value
    expected = (image.astype(np.float64) / full - mean) / std
    assert out.dtype == np.float32 and out.shape == image.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5 * (1 + abs(mean) / std))


@pytest.mark.parametrize("channels", [1, 3, 4, 6])
def test_normalize_per_channel_values_match_albumentations(channels: int) -> None:
    rng = np.random.default_rng(channels)
    image = rng.integers(0, 256, (9, 7, channels), dtype=np.uint8)
    mean, std = tuple(rng.uniform(0, 1, channels)), tuple(rng.uniform(0.1, 1, channels))
    ours = I.Normalize(mean=mean, std=std)(image=image)["image"]
    np.testing.assert_allclose(
        ours, A.Normalize(mean=mean, std=std)(image=image)["image"], rtol=1e-6, atol=1e-6
    )
    as_float = image.astype(np.float32) / 255
    ours = I.Normalize(mean=mean, std=std)(image=as_float)["image"]
    theirs = A.Normalize(mean=mean, std=std, max_pixel_value=1.0)(image=as_float)["image"]
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_normalize_checks_channels_at_the_call_and_passes_targets_through() -> None:
    sample = {
        "image": np.zeros((4, 4), np.uint8),
        "mask": np.ones((4, 4), np.uint8),
        "bboxes": np.array([[0.0, 0.0, 2.0, 2.0]]),
        "keypoints": np.array([[1.0, 1.0]]),
    }
    with pytest.raises(ma.InvalidInputError, match="`mean` has 3 values for an image with 1 channel"):
        I.Normalize()(**sample)  # ImageNet's RGB default on a grey image
    with pytest.raises(ma.InvalidInputError, match="`std`"):
        I.Normalize(mean=0.5, std=(0.2, 0.3))(image=np.zeros((4, 4, 3), np.uint8))
    out = I.Normalize(mean=0.5, std=0.5)(**sample)
    for f in ("mask", "bboxes", "keypoints"):
        assert out[f] is sample[f]
    for bad in ({"std": 0}, {"std": (0.2, -0.1, 0.3)}, {"mean": "imagenet"}, {"max_pixel_value": 0}):
        with pytest.raises(ma.InvalidInputError, match=r"image\.Normalize"):
            I.Normalize(**bad)


# ---------------------------------------------------------------------- ToFloat / FromFloat
@FAST
@given(image=images(), max_value=st.sampled_from([None, 255.0, 100.0]))
def test_to_float_equals_albumentations(image: np.ndarray, max_value: float | None) -> None:
    out = I.ToFloat(max_value=max_value)(image=image)["image"]
    theirs = A.ToFloat(max_value=max_value)(image=image)["image"]
    assert out.dtype == np.float32 and out.shape == image.shape
    np.testing.assert_array_equal(out, theirs)
    assert out is not image


@FAST
@given(image=images(), dtype=st.sampled_from(["uint8", "uint16"]), max_value=st.sampled_from([None, 100.0]))
def test_from_float_equals_albumentations(image: np.ndarray, dtype: str, max_value: float | None) -> None:
    out = I.FromFloat(dtype=dtype, max_value=max_value)(image=image)["image"]
    if image.dtype == np.uint8:  # not a float image: unchanged
        np.testing.assert_array_equal(out, image)
        return
    theirs = A.FromFloat(dtype=dtype, max_value=max_value)(image=image)["image"]
    assert out.dtype == np.dtype(dtype) and out.shape == image.shape
    np.testing.assert_array_equal(out, theirs)


def test_to_float_then_from_float_is_the_identity_on_uint8(photo: np.ndarray) -> None:
    pipe = ma.Compose([I.ToFloat(), I.FromFloat()])
    np.testing.assert_array_equal(pipe(image=photo)["image"], photo)


# ---------------------------------------------------------------------- ToTensor
@FAST
@given(image=images(), scale=st.booleans())
def test_to_tensor_matches_torch_references(image: np.ndarray, scale: bool) -> None:
    out = I.ToTensor(scale=scale)(image=image)["image"]
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    chw = (
        torch.from_numpy(image).unsqueeze(0) if image.ndim == 2 else torch.from_numpy(image).permute(2, 0, 1)
    )
    expected = chw.to(torch.float32)
    if scale and image.dtype == np.uint8:  # torchvision ToTensor: uint8 / 255
        expected = expected / 255
    torch.testing.assert_close(out, expected, rtol=1e-6, atol=1e-7)
    if not scale:  # values kept, as Albumentations' ToTensorV2 (which also keeps the dtype)
        from albumentations.pytorch import ToTensorV2

        theirs = ToTensorV2()(image=image)["image"]
        assert torch.equal(out, theirs.to(torch.float32))


def test_to_tensor_copies_no_float_pixel_and_converts_the_mask() -> None:
    image = np.random.default_rng(0).random((5, 6, 3), dtype=np.float32)
    mask = np.arange(30, dtype=np.uint8).reshape(5, 6)
    boxes = np.array([[1.0, 1.0, 3.0, 4.0]])
    out = I.ToTensor()(image=image, mask=mask, bboxes=boxes, bbox_labels=["a"])
    assert np.shares_memory(out["image"].numpy(), image)  # a CHW view, as torch.from_numpy gives
    assert torch.equal(out["image"].contiguous(), torch.from_numpy(image).permute(2, 0, 1).contiguous())
    assert out["mask"].dtype == torch.int64 and tuple(out["mask"].shape) == (5, 6)
    assert torch.equal(out["mask"], torch.from_numpy(mask).long())
    assert out["bboxes"] is boxes and out["bbox_labels"] == ["a"]
    read_only = image.copy()
    read_only.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns when it is handed read-only memory: copied instead
        shared = I.ToTensor()(image=read_only)["image"]
    assert not np.shares_memory(shared.numpy(), read_only)
    as_uint8 = (image * 255).astype(np.uint8)
    assert not np.shares_memory(I.ToTensor()(image=as_uint8)["image"].numpy(), as_uint8)


def test_a_full_pipeline_ends_in_tensors_and_its_config_and_pickle_round_trip(photo: np.ndarray) -> None:
    pipe = ma.Compose(
        [I.HorizontalFlip(), I.ColorJitter(0.2, 0.2), I.Normalize(**IMAGENET), I.ToTensor()], seed=0
    )
    out = pipe(image=photo, mask=(photo[..., 0] > 128).astype(np.uint8), key=3)
    assert tuple(out["image"].shape) == (3, *photo.shape[:2]) and out["image"].dtype == torch.float32
    for clone in (ma.from_config(pipe.to_config()), pickle.loads(pickle.dumps(pipe))):
        again = clone(image=photo, mask=(photo[..., 0] > 128).astype(np.uint8), key=3)
        assert torch.equal(again["image"], out["image"]) and torch.equal(again["mask"], out["mask"])
    assert ma.from_config(pipe.to_config()).fingerprint == pipe.fingerprint


@pytest.mark.parametrize(
    "steps",
    [
        lambda: [I.ToTensor(), I.HorizontalFlip()],
        lambda: [I.ToTensor(), I.Normalize()],
        lambda: [ma.Compose([I.HorizontalFlip(), I.ToTensor()]), I.Normalize()],
        lambda: [ma.OneOf([I.ToTensor(), I.ToFloat()]), I.Normalize()],
    ],
)
def test_a_step_after_to_tensor_is_refused_by_name(steps) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(
        ma.InvalidInputError, match=r"`image` comes after image.ToTensor.*torch tensor"
    ) as exc:
        ma.Compose(steps())
    assert str(exc.value).startswith(steps()[-1].name)


def test_a_registered_function_may_follow_to_tensor() -> None:
    @ma.register_function("test_convert.add_batch_axis")
    def add_batch_axis(image):  # type: ignore[no-untyped-def]
        return image.unsqueeze(0)

    pipe = ma.Compose([I.ToTensor(), ma.Lambda("test_convert.add_batch_axis")])
    assert tuple(pipe(image=np.zeros((4, 5, 3), np.uint8))["image"].shape) == (1, 3, 4, 5)


def test_to_tensor_without_torch_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(ma.InvalidInputError, match=r"image.ToTensor: `torch` needs PyTorch.*pip install"):
        I.ToTensor()


def test_kernels_are_exported_under_the_class_names() -> None:
    assert {"normalize", "to_float", "from_float", "to_tensor"} <= set(F.__all__)


def test_the_conversion_steps_stay_in_eval_mode_and_in_the_inference_pipeline(photo: np.ndarray) -> None:
    @ma.register_function("test_convert.identity")
    def identity(image):  # type: ignore[no-untyped-def]
        return image

    steps = [I.ToFloat(), I.FromFloat(), ma.Lambda("test_convert.identity"), I.Normalize(**IMAGENET)]
    pipe = ma.Compose([I.HorizontalFlip(p=1.0), *steps, I.ToTensor()], seed=0)
    served = pipe.inference()
    assert [t.name for t in served.transforms] == [t.name for t in [*steps, I.ToTensor()]]
    expected = ma.Compose([*steps, I.ToTensor()])(image=photo)["image"]
    assert torch.equal(served(image=photo)["image"], expected)
    assert torch.equal(pipe.eval()(image=photo, key=1)["image"], expected)


def test_a_dataloader_batches_the_tensors_of_a_pipeline_ending_in_to_tensor() -> None:
    from torch.utils.data import DataLoader

    images = [np.full((8, 10, 3), 20 * i, np.uint8) for i in range(6)]
    pipe = ma.Compose([I.HorizontalFlip(), I.Normalize(**IMAGENET), I.ToTensor()], seed=0)
    ds = ma.torch.AugmentedDataset(list(zip(images, range(6), strict=True)), pipe)
    batch, labels = next(iter(DataLoader(ds, batch_size=3)))
    assert tuple(batch.shape) == (3, 3, 8, 10) and batch.dtype == torch.float32
    assert labels.tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    "device",
    [
        "cpu",
        pytest.param(
            "cuda",
            marks=pytest.mark.skipif(
                not torch.cuda.is_available(), reason="needs a CUDA device (run on a GPU)"
            ),
        ),
    ],
)
def test_to_tensor_of_a_tensor_input_comes_back_on_its_device(device: str) -> None:
    image = np.random.default_rng(3).integers(0, 256, (3, 8, 10), dtype=np.uint8)  # CHW
    mask = np.random.default_rng(4).integers(0, 3, (8, 10), dtype=np.uint8)
    x, m = torch.from_numpy(image).to(device), torch.from_numpy(mask).to(device)
    pipe = ma.Compose([I.HorizontalFlip(p=1.0), I.Normalize(**IMAGENET), I.ToTensor()], layout="chw")
    out = pipe(image=x, mask=m)
    assert out["image"].device == x.device and out["mask"].device == m.device
    assert out["image"].dtype == torch.float32 and out["mask"].dtype == torch.int64
    ref = ma.Compose([I.HorizontalFlip(p=1.0), I.Normalize(**IMAGENET), I.ToTensor()])(
        image=np.moveaxis(image, 0, -1), mask=mask
    )
    assert torch.equal(out["image"].cpu(), ref["image"]) and torch.equal(out["mask"].cpu(), ref["mask"])


def test_to_tensor_converts_masks_keeping_the_container() -> None:
    import torch

    img = np.zeros((4, 6, 3), np.uint8)
    stack = np.arange(48, dtype=np.uint8).reshape(2, 4, 6) % 3
    out = ma.image.ToTensor()(image=img, masks=stack)
    assert isinstance(out["masks"], torch.Tensor) and out["masks"].dtype == torch.int64
    assert out["masks"].shape == (2, 4, 6) and np.array_equal(out["masks"].numpy(), stack)
    listed = ma.image.ToTensor()(image=img, masks=[stack[0], stack[1]])["masks"]
    assert isinstance(listed, list) and [m.dtype for m in listed] == [torch.int64, torch.int64]
    assert np.array_equal(listed[1].numpy(), stack[1])


def test_to_tensor_alone_takes_a_normalised_image_and_still_checks_its_shape():
    """ToTensor moves values without reading them: a Normalize output called alone passes (no scan)."""
    img = np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    normalised = ma.image.Normalize()(image=img)["image"]
    assert normalised.min() < 0 or normalised.max() > 1
    out = ma.image.ToTensor()(image=normalised)["image"]
    assert np.array_equal(out.numpy(), np.moveaxis(normalised, -1, 0))
    with pytest.raises(ma.InvalidInputError, match="float64"):
        ma.image.ToTensor()(image=normalised.astype(np.float64))
    with pytest.raises(ma.InvalidInputError, match="layout"):
        ma.image.ToTensor()(image=np.zeros((3, 40, 50), np.float32))
    # inside a pipeline the first owner (a colour op) still checks float values
    with pytest.raises(ma.InvalidInputError, match=r"outside \[0, 1\]"):
        ma.Compose([ma.image.ColorJitter(p=1.0), ma.image.ToTensor()], seed=0)(image=normalised)


def test_all_finite_one_pass_check_agrees_with_numpy():
    """The fast path never hides NaN/inf, and huge finite values are not called infinite."""
    from multiaug.core.validation import all_finite

    rng = np.random.default_rng(0)
    for arr in (
        rng.standard_normal(1000).astype(np.float32),
        np.full(100, 3e30, np.float32),  # huge but finite
        rng.standard_normal((7, 9)).astype(np.float64)[:, ::2],  # not contiguous
    ):
        assert all_finite(arr) == bool(np.isfinite(arr).all()) is True
    for bad in (np.nan, np.inf, -np.inf):
        arr = rng.standard_normal(1000).astype(np.float32)
        arr[417] = bad
        assert not all_finite(arr)
        assert not all_finite(arr.reshape(10, 100)[:, 1::2])  # strided


def test_to_tensor_converts_the_extra_targets_like_what_they_move_like():
    """A depth map declared as a mask becomes an int64 tensor, a second image a float CHW tensor."""
    img = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    depth = np.arange(600, dtype=np.uint16).reshape(20, 30) % 7
    pipe = ma.Compose(
        [ma.image.Resize(10, 16), ma.image.Normalize(), ma.image.ToTensor()],
        targets={"depth": "mask", "prev": "image"},
        seed=0,
    )
    out = pipe(image=img, depth=depth, prev=img[:, ::-1].copy())
    assert out["depth"].dtype == torch.int64 and tuple(out["depth"].shape) == (10, 16)
    assert out["prev"].dtype == torch.float32 and tuple(out["prev"].shape) == (3, 10, 16)
    alone = ma.Compose([ma.image.Resize(10, 16), ma.image.Normalize(), ma.image.ToTensor()], seed=0)
    assert torch.equal(out["prev"], alone(image=img[:, ::-1].copy())["image"])
    assert torch.equal(out["depth"], torch.from_numpy(cv2_nearest(depth, (16, 10)).astype(np.int64)))


def cv2_nearest(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    return cv2.resize(arr, size, interpolation=cv2.INTER_NEAREST_EXACT)
