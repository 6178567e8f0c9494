"""``ma.torch.batched``: per-sample draws and traces, outputs vs the per-sample path, targets, errors."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import cv2
import numpy as np
import pytest
import torch
from sklearn.datasets import load_sample_image

import multiaug as ma
from multiaug import InvalidInputError
from multiaug.torch.batch import Batch, registry
from multiaug.torch.batch.module import _load_kernels

B = 8
KEYS = list(range(B))


def _photos() -> torch.Tensor:
    """Eight 80x112 windows of a real photo (scikit-learn's sample image, downsized)."""
    photo = cv2.resize(load_sample_image("china.jpg"), (128, 96), interpolation=cv2.INTER_AREA)
    stack = np.stack([photo[2 * i : 2 * i + 80, 2 * i : 2 * i + 112] for i in range(B)])
    return torch.from_numpy(stack).permute(0, 3, 1, 2).contiguous()


X = _photos()


def hwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(1, 2, 0).numpy()


@contextmanager
def temporary_kernel(
    name: str, kind: str, fn: Callable[[Any, Batch], dict[str, torch.Tensor]]
) -> Iterator[None]:
    """Register ``fn`` as the kernel of ``name`` for the test only (a real one is put back after)."""
    _load_kernels()  # the real kernels first: loading them later (in batched) would clash with fn
    saved = registry.kernels(kind).get((name, kind))
    registry.unregister(name, kind)
    registry.kernel(name, kind)(fn)
    try:
        yield
    finally:
        registry.unregister(name, kind)
        if saved is not None:
            registry.kernel(name, kind)(saved)


def invert(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    return {"image": (batch.scale if batch.dtype == "uint8" else 1.0) - batch.fields["image"]}


def per_sample(pipe: ma.Compose, i: int, epoch: int = 2, **fields: Any) -> dict[str, Any]:
    return pipe(image=hwc(X[i]), key=KEYS[i], epoch=epoch, trace=True, **fields)


def same_labels(a: np.ndarray, b: np.ndarray) -> None:
    """Masks through a rotation: the pixels OpenCV picks, but for a rare rounding tie.

    OpenCV 5.1 warps uint8 labels with float64 coordinates and gives exactly these labels; its
    int32 path, and OpenCV 5.0, round in float32 or fixed point: a pixel may differ at a tie.
    """
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.mean(a == b) >= 0.995


def within(a: np.ndarray, b: np.ndarray, levels: int = 2) -> float:
    assert a.shape == b.shape
    return float((np.abs(a.astype(int) - b.astype(int)) <= levels).mean())


PIPES = {
    "flips+crop": lambda: ma.Compose(
        [ma.image.HorizontalFlip(), ma.image.VerticalFlip(), ma.image.RandomCrop(64, 72)], seed=1
    ),
    "rotate": lambda: ma.Compose([ma.image.Rotate(limit=30, p=1.0)], seed=1),
    "rotate-replicate": lambda: ma.Compose([ma.image.Rotate(p=1.0, border="replicate")], seed=1),
    "affine": lambda: ma.Compose(
        [ma.image.Affine(scale=(0.8, 1.2), translate=0.1, rotate=20, shear=10, p=1.0, fill=(10, 200, 30))],
        seed=1,
    ),
    "perspective": lambda: ma.Compose([ma.image.Perspective(p=1.0)], seed=1),
    "resized-crop": lambda: ma.Compose([ma.image.RandomResizedCrop(size=(64, 64))], seed=1),
    "resized-crop-up": lambda: ma.Compose([ma.image.RandomResizedCrop(size=(150, 160))], seed=1),
    "chain": lambda: ma.Compose(
        [
            ma.image.HorizontalFlip(),
            ma.image.RandomCrop(70, 90),
            ma.image.Rotate(p=0.7),
            ma.image.Resize(64, 64),
        ],
        seed=3,
    ),
    "cut-frames": lambda: ma.Compose(
        [ma.image.Rotate(p=1), ma.image.RandomCrop(60, 60), ma.image.Rotate(p=1)], seed=3
    ),
    "resize+pad": lambda: ma.Compose([ma.image.LongestMaxSize(64), ma.image.PadIfNeeded(64, 64)], seed=3),
    "quarter-turns": lambda: ma.Compose(
        [ma.image.RandomRotate90(p=1.0), ma.image.Transpose(), ma.image.Resize(64, 64)], seed=2
    ),
    "safe-rotate": lambda: ma.Compose([ma.image.SafeRotate(p=1.0), ma.image.ShiftScaleRotate(p=0.5)], seed=2),
    "choices": lambda: ma.Compose(
        [
            ma.OneOf([ma.image.HorizontalFlip(p=1), ma.image.Rotate(p=1), ma.image.Perspective(p=1)]),
            ma.SomeOf(
                [ma.image.VerticalFlip(p=1), ma.image.Affine(rotate=10, p=1), ma.image.RandomCrop(70, 100)],
                n=(1, 2),
            ),
            ma.image.Resize(64, 64),
        ],
        seed=5,
    ),
}


@pytest.mark.parametrize("name", sorted(PIPES))
def test_traces_equal_and_pixels_within_tolerance(name: str) -> None:
    pipe = PIPES[name]()
    out = ma.torch.batched(pipe)(image=X, key=KEYS, epoch=2, trace=True)
    assert out["image"].dtype == torch.uint8
    for i in range(B):
        ref = per_sample(pipe, i)
        assert out["trace"][i] == ref["trace"]  # same draws, same fingerprint
        assert within(hwc(out["image"][i]), ref["image"]) >= 0.99


def test_choices_differ_per_sample() -> None:
    pipe = PIPES["choices"]()
    out = ma.torch.batched(pipe)(image=X, key=KEYS, epoch=2, trace=True)
    picked = {tuple(e["transform"] for e in t) for t in out["trace"]}
    assert len(picked) >= 3  # OneOf/SomeOf chose differently across the batch


def test_channel_ops_and_dropouts_are_exact_with_p() -> None:
    """Issue 17's exact ops in a pipeline with ``p`` < 1: sub-batches, traces and pixels as per sample."""
    pipe = ma.Compose(
        [
            ma.image.HorizontalFlip(),
            ma.image.ChannelShuffle(p=0.5),
            ma.image.RGBShift(p=0.5),
            ma.image.CoarseDropout(num_holes=(1, 4), fill=(0, 128, 255), p=0.5),
            ma.image.GridDropout(p=0.5),
        ],
        seed=4,
    )
    out = ma.torch.batched(pipe)(image=X, key=KEYS, epoch=2, trace=True)
    for i in range(B):
        ref = per_sample(pipe, i)
        assert out["trace"][i] == ref["trace"]
        np.testing.assert_array_equal(hwc(out["image"][i]), ref["image"])


@pytest.mark.parametrize("name", ["flips+crop", "resize+pad"])
def test_flips_crops_pads_are_exact(name: str) -> None:
    pipe = PIPES[name]() if name != "resize+pad" else ma.Compose([ma.image.PadIfNeeded(90, 120)], seed=0)
    out = ma.torch.batched(pipe)(image=X, key=KEYS, epoch=2)
    for i in range(B):
        np.testing.assert_array_equal(hwc(out["image"][i]), per_sample(pipe, i)["image"])


def test_float_input_stays_float_and_is_not_modified() -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(p=0.5)], seed=2)
    x = X.float() / 255.0
    before = x.clone()
    out = ma.torch.batched(pipe)(image=x, key=KEYS)
    assert out["image"].dtype == torch.float32
    assert torch.equal(x, before)
    for i in range(B):
        ref = pipe(image=hwc(x[i]).copy(), key=i)["image"]
        assert np.mean(np.abs(hwc(out["image"][i]) - ref) <= 2 / 255) >= 0.99


def test_pixel_op_between_warps_splits_the_groups() -> None:
    pipe = ma.Compose(
        [
            ma.image.Rotate(p=0.5),
            ma.image.Invert(p=0.5),
            ma.image.HorizontalFlip(),
            ma.image.Affine(rotate=10, p=0.6),
            ma.image.CenterCrop(60, 60),
        ],
        seed=5,
    )
    masks = torch.randint(0, 5, (B, 80, 112), dtype=torch.uint8)
    with temporary_kernel("image.Invert", "image", invert):
        out = ma.torch.batched(pipe)(image=X, key=KEYS, epoch=2, trace=True, mask=masks)
    inverted = 0
    for i in range(B):
        ref = per_sample(pipe, i, mask=masks[i].numpy())
        assert out["trace"][i] == ref["trace"]
        inverted += any(e["transform"] == "image.Invert" for e in ref["trace"])
        assert within(hwc(out["image"][i]), ref["image"]) >= 0.99
        same_labels(out["mask"][i].numpy(), ref["mask"])
    assert 0 < inverted < B  # a sub-batch, not the whole batch


def test_samples_of_different_sizes_mid_pipeline() -> None:
    # half the samples are cropped: the pixel op sees two sizes (two kernel calls), the resize joins them
    pipe = ma.Compose(
        [ma.image.RandomCrop(60, 80, p=0.5), ma.image.Invert(p=1.0), ma.image.Resize(48, 48)], seed=3
    )
    with temporary_kernel("image.Invert", "image", invert):
        out = ma.torch.batched(pipe)(image=X, key=KEYS, epoch=2, trace=True)
    sizes = set()
    for i in range(B):
        ref = per_sample(pipe, i)
        assert out["trace"][i] == ref["trace"]
        sizes.add(len(ref["trace"]))
        assert within(hwc(out["image"][i]), ref["image"]) >= 0.99
    assert sizes == {2, 3}


def test_a_conversion_step_keeps_its_float_output() -> None:
    def normalize(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
        r = t._r
        mean = torch.tensor(r.mean, dtype=torch.float32).view(1, -1, 1, 1)
        std = torch.tensor(r.std, dtype=torch.float32).view(1, -1, 1, 1)
        return {"image": (batch.fields["image"] / batch.scale - mean) / std}

    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(p=0.5), ma.image.Normalize()], seed=0)
    with temporary_kernel("image.Normalize", "image", normalize):
        out = ma.torch.batched(pipe)(image=X, key=KEYS, trace=True)
    assert out["image"].dtype == torch.float32  # as per sample: Normalize's output is float32
    for i in range(B):
        ref = per_sample(pipe, i, epoch=0)
        assert ref["image"].dtype == np.float32 and out["trace"][i] == ref["trace"]
        assert np.mean(np.abs(hwc(out["image"][i]) - ref["image"]) <= 2 / 255 / 0.224) >= 0.99


def test_masks_boxes_keypoints_follow_the_per_sample_path() -> None:
    pipe = ma.Compose(
        [
            ma.image.HorizontalFlip(),
            ma.image.Affine(rotate=(-20, 20), scale=(0.9, 1.1), p=1, min_visibility=0.3),
            ma.image.RandomCrop(64, 64, drop_outside_keypoints=True),
        ],
        seed=1,
        bbox_format="coco",
    )
    masks = torch.randint(0, 5, (B, 80, 112), dtype=torch.uint8)
    boxes = [np.array([[10, 10, 40, 30], [60, 20, 40, 50], [100, 70, 10, 9]], float) for _ in range(B)]
    labels = [["a", "b", "c"] for _ in range(B)]
    points = [np.array([[20.0, 30.0], [100.0, 5.0], [56.0, 40.0]]) for _ in range(B)]
    out = ma.torch.batched(pipe)(
        image=X, key=KEYS, epoch=2, mask=masks, bboxes=boxes, bbox_labels=labels, keypoints=points
    )
    assert out["mask"].shape == (B, 64, 64) and out["mask"].dtype == torch.uint8
    for i in range(B):
        ref = per_sample(
            pipe, i, mask=masks[i].numpy(), bboxes=boxes[i], bbox_labels=labels[i], keypoints=points[i]
        )
        same_labels(out["mask"][i].numpy(), ref["mask"])
        np.testing.assert_allclose(out["bboxes"][i], ref["bboxes"])
        assert list(out["bbox_labels"][i]) == list(ref.get("bbox_labels", labels[i]))
        np.testing.assert_allclose(out["keypoints"][i], ref["keypoints"])


@pytest.mark.parametrize("dtype", [torch.uint8, torch.int64])
def test_stacked_masks_move_like_single_masks(dtype: torch.dtype) -> None:
    pipe = ma.Compose([ma.image.Rotate(p=1), ma.image.RandomResizedCrop(size=(48, 48))], seed=4)
    masks = torch.randint(0, 3, (B, 2, 80, 112), dtype=dtype)
    out = ma.torch.batched(pipe)(image=X, key=KEYS, mask=masks)
    assert out["mask"].shape == (B, 2, 48, 48) and out["mask"].dtype == dtype
    for i in range(B):
        for k in range(2):
            ref = pipe(image=hwc(X[i]), key=i, mask=masks[i, k].numpy())["mask"]
            same_labels(out["mask"][i, k].numpy(), ref)


def test_eval_keeps_only_deterministic_steps() -> None:
    pipe = ma.Compose(
        [ma.image.HorizontalFlip(p=1), ma.image.Rotate(p=1), ma.image.CenterCrop(40, 50)], seed=0
    )
    tp = ma.torch.batched(pipe)
    assert tp.training and tp.pipe.training
    tp.eval()
    assert not tp.training and not tp.pipe.training and pipe.training  # a copy: the caller's stays
    out = tp(image=X, key=KEYS, trace=True)
    np.testing.assert_array_equal(out["image"].numpy(), X[:, :, 20:60, 31:81].numpy())
    assert all([e["transform"] for e in t] == ["image.CenterCrop"] for t in out["trace"])
    tp.train()
    assert tp.pipe.training
    assert tp(image=X, key=KEYS)["image"].shape == (B, 3, 40, 50)


def test_identity_of_the_module() -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate()], seed=7)
    tp = ma.torch.batched(pipe)
    assert isinstance(tp, torch.nn.Module)
    assert tp.seed == 7 and tp.fingerprint == pipe.fingerprint and tp.config == pipe.to_config()
    assert ma.from_config(tp.to_config()).fingerprint == pipe.fingerprint


def test_copies_and_pickles_batch_alike() -> None:
    tp = ma.torch.batched(ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(p=0.5)]))  # seed=None
    want = tp(image=X, key=KEYS)["image"]
    for other in (copy.deepcopy(tp), pickle.loads(pickle.dumps(tp))):
        assert torch.equal(other(image=X, key=KEYS)["image"], want)


def test_sample_outputs_do_not_depend_on_the_batch() -> None:
    pipe = ma.Compose(
        [
            ma.image.HorizontalFlip(),
            ma.image.Affine(rotate=15, p=0.5),
            ma.image.RandomResizedCrop(size=(48, 48)),
        ],
        seed=9,
    )
    tp = ma.torch.batched(pipe)
    whole = tp(image=X, key=KEYS, epoch=1)["image"]
    parts = torch.cat(
        [tp(image=X[:3], key=KEYS[:3], epoch=1)["image"], tp(image=X[3:], key=KEYS[3:], epoch=1)["image"]]
    )
    assert torch.equal(whole, parts)
    alone = tp(image=X[5:6], key=[5], epoch=1)["image"]
    assert torch.equal(whole[5:6], alone)
    assert not torch.equal(whole, tp(image=X, key=KEYS, epoch=2)["image"])  # the epoch counts


def test_audio_batches_draw_per_sample() -> None:
    def gain(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
        factors = torch.tensor([10 ** (p["db"] / 20) for p in batch.params], dtype=torch.float32)
        return {"audio": batch.fields["audio"] * factors.view(-1, 1, 1)}

    pipe = ma.Compose([ma.audio.Gain(p=0.7)], seed=0)
    wave = torch.from_numpy(np.random.default_rng(0).uniform(-0.5, 0.5, (B, 800)).astype(np.float32))
    with temporary_kernel("audio.Gain", "audio", gain):
        tp = ma.torch.batched(pipe)
        out = tp(audio=wave, sample_rate=16000, key=KEYS, trace=True)
        out2 = tp(audio=wave[:, None], sample_rate=16000, key=KEYS)
    assert out["audio"].shape == (B, 800) and out2["audio"].shape == (B, 1, 800)
    for i in range(B):
        ref = pipe(audio=wave[i].numpy(), sample_rate=16000, key=i, trace=True)
        assert out["trace"][i] == ref["trace"]
        np.testing.assert_allclose(out["audio"][i].numpy(), ref["audio"], rtol=1e-6, atol=1e-7)
    with pytest.raises(InvalidInputError, match="up to 3e\\+38 in magnitude"):  # a gain would make inf
        tp(audio=torch.full((B, 800), 3e38), sample_rate=16000, key=KEYS)


# ---------------------------------------------------------------------- errors
def test_leaf_without_kernel_is_named_at_construction() -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.ElasticTransform()], seed=0)
    with pytest.raises(InvalidInputError, match=r"image\.ElasticTransform.*no batched kernel"):
        ma.torch.batched(pipe)


@pytest.mark.parametrize(
    ("step", "match"),
    [
        (lambda: ma.image.Rotate(border="reflect"), r"Rotate.*`border`"),
        (lambda: ma.image.Resize(32, 32, interpolation="area"), r"Resize.*`interpolation`"),
        (lambda: ma.image.CropNonEmptyMaskIfExists(32, 32), r"CropNonEmptyMaskIfExists.*mask values"),
    ],
)
def test_unreproducible_options_are_refused_at_construction(step: Callable[[], Any], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        ma.torch.batched(ma.Compose([step()], seed=0))


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"image": X.int()}, "dtype"),
        ({"image": X[0]}, "dimensions"),
        ({"image": X.numpy()}, "not a torch tensor"),
        ({"image": X, "key": KEYS[:3]}, "3 keys for a batch of 8"),
        ({"image": X, "key": [0.5] * B}, r"key\[0\]"),
        ({"image": X, "key": None}, "one key per sample"),
        ({"image": X, "key": "abc"}, "not a sequence"),
        ({"image": X, "epoch": -1}, "epoch"),
        ({"image": X, "mask": torch.zeros((B, 10, 10), dtype=torch.uint8)}, "mask"),
        ({"image": X, "bboxes": np.zeros((B, 4))}, "bboxes"),
        ({"image": X, "depth": X}, "not a field"),
        ({"image": X.float()}, r"outside \[0, 1\]"),
        ({"image": torch.full((B, 3, 4, 4), float("nan"))}, "NaN"),
    ],
)
def test_bad_calls_raise_invalid_input(fields: dict[str, Any], match: str) -> None:
    tp = ma.torch.batched(ma.Compose([ma.image.HorizontalFlip()], seed=0))
    fields = {"key": KEYS, **fields}
    with pytest.raises(InvalidInputError, match=match):
        tp(**fields)


def test_an_audio_kernel_handed_no_sample_rate_names_itself() -> None:
    batch = Batch(fields={"audio": torch.zeros((2, 1, 8))}, params=[{}, {}])
    with pytest.raises(InvalidInputError, match=r"audio\.LowPassFilter: `sample_rate` is missing"):
        batch.rate("audio.LowPassFilter")
    assert Batch(fields={}, params=[], sample_rate=8000).rate("audio.Gain") == 8000


def test_samples_ending_at_different_sizes_name_the_op() -> None:
    tp = ma.torch.batched(ma.Compose([ma.image.RandomCrop(40, 40, p=0.5)], seed=0))
    with pytest.raises(InvalidInputError, match=r"image\.RandomCrop.*different sizes"):
        tp(image=X, key=KEYS)


def test_torch_compile_runs_the_module_with_graph_breaks() -> None:
    tp = ma.torch.batched(ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(p=1)], seed=0))
    compiled = torch.compile(tp, backend="eager")
    out = compiled(image=X, key=KEYS)
    assert torch.equal(out["image"], tp(image=X, key=KEYS)["image"])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (CI has none; run it on a GPU machine)")
def test_cuda_batches_match_the_cpu_batch() -> None:
    pipe = PIPES["choices"]()
    tp = ma.torch.batched(pipe)
    masks = torch.randint(0, 5, (B, 80, 112), dtype=torch.uint8)
    cpu = tp(image=X, key=KEYS, mask=masks, trace=True)
    gpu = tp(image=X.cuda(), key=KEYS, mask=masks.cuda(), trace=True)
    assert gpu["image"].device.type == "cuda" and gpu["trace"] == cpu["trace"]
    assert within(gpu["image"].cpu().numpy(), cpu["image"].numpy(), 1) >= 0.999
    assert (gpu["mask"].cpu() == cpu["mask"]).float().mean() >= 0.999
