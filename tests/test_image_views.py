"""Views of the input: flips, transposes and quarter turns move no pixel, and every consumer takes them.

``HorizontalFlip``, ``VerticalFlip``, ``Transpose`` and ``RandomRotate90`` (alone, or a fused group of
such ops and crops) return NumPy views of the input image and masks: negative or swapped strides,
as AlbumentationsX does. These tests check the views themselves, and that everything downstream
(every registered op, ``ToTensor``, the torch adapters, the jobs writer, the guard) gives the same
result for such a view as for a C-contiguous copy of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import multiaug as ma
from multiaug.testing import EXAMPLES, assert_samples_equal

im = ma.image
ARRAY_FIELDS = ("image", "mask", "images", "masks")


def reversed_strides(a: np.ndarray) -> np.ndarray:
    """``a``'s values in memory laid out backwards on both axes: what a flip returns."""
    return np.flip(np.flip(a, (0, 1)).copy(), (0, 1))


def swapped_strides(a: np.ndarray) -> np.ndarray:
    """``a``'s values with rows and columns swapped in memory: what a transpose returns."""
    return np.ascontiguousarray(a.swapaxes(0, 1)).swapaxes(0, 1)


LAYOUTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "reversed": reversed_strides,
    "swapped": swapped_strides,
}


def _viewed(sample: dict[str, Any], layout: Callable[[np.ndarray], np.ndarray]) -> dict[str, Any]:
    out = dict(sample)
    for f in ARRAY_FIELDS:
        v = sample.get(f)
        if isinstance(v, np.ndarray) and v.ndim >= 2:
            out[f] = layout(v)
        elif isinstance(v, list):
            out[f] = [layout(m) for m in v]
    return out


# ---------------------------------------------------------------------- the ops return views
FLIPS = {
    "HorizontalFlip": (lambda: im.HorizontalFlip(p=1.0), lambda a: a[:, ::-1]),
    "VerticalFlip": (lambda: im.VerticalFlip(p=1.0), lambda a: a[::-1]),
    "Transpose": (lambda: im.Transpose(p=1.0), lambda a: a.swapaxes(0, 1)),
}


@pytest.mark.parametrize("name", sorted(FLIPS))
@pytest.mark.parametrize("channels", [None, 3, 6])
def test_flips_and_transpose_return_views_of_image_and_mask(name: str, channels: int | None) -> None:
    make, reference = FLIPS[name]
    rng = np.random.default_rng(3)
    shape = (7, 9) if channels is None else (7, 9, channels)
    image = rng.integers(0, 256, shape, dtype=np.uint8)
    mask = rng.integers(0, 4, (7, 9), dtype=np.uint8)
    before = image.copy(), mask.copy()
    alone = make()(image=image)["image"]
    both = make()(image=image, mask=mask, masks=[mask], bboxes=np.array([[1.0, 2.0, 4.0, 6.0]]))
    for out, src in ((alone, image), (both["image"], image), (both["mask"], mask), (both["masks"][0], mask)):
        assert np.shares_memory(out, src)
        np.testing.assert_array_equal(out, reference(src))
    np.testing.assert_array_equal(image, before[0])
    np.testing.assert_array_equal(mask, before[1])


def test_a_fused_group_of_reindexing_ops_is_a_view_and_one_that_resamples_is_not() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    mask = rng.integers(0, 3, (12, 16), dtype=np.uint8)
    views = ma.Compose(
        [im.HorizontalFlip(p=1.0), im.RandomRotate90(p=1.0), im.RandomCrop(8, 8), im.Transpose(p=0.5)], seed=1
    )
    unfused = ma.Compose(list(views.transforms), seed=1, fuse=False)
    for key in range(8):
        out = views(image=image, mask=mask, key=key)
        assert np.shares_memory(out["image"], image) and np.shares_memory(out["mask"], mask)
        assert_samples_equal(out, unfused(image=image, mask=mask, key=key))
    boxes = np.array([[2.0, 3.0, 9.0, 8.0]])
    safe = [im.Transpose(p=1.0), im.BBoxSafeRandomCrop(p=1.0), im.RandomRotate90(p=1.0)]
    for fuse in (True, False):
        out = ma.Compose(safe, seed=3, fuse=fuse)(image=image, mask=mask, bboxes=boxes, key=0)
        assert np.shares_memory(out["image"], image) and np.shares_memory(out["mask"], mask)
    resampled = ma.Compose([im.HorizontalFlip(p=1.0), im.Rotate(limit=(10, 20), p=1.0)], seed=0)
    out = resampled(image=image, mask=mask, key=0)
    assert not np.shares_memory(out["image"], image) and out["image"].flags.c_contiguous


# ---------------------------------------------------------------------- every op takes them
IMAGE_OPS = sorted(n for n in EXAMPLES if n.startswith("image."))


def _float(sample: dict[str, Any]) -> dict[str, Any]:
    out = dict(sample)
    for f in ("image", "images"):
        if isinstance(sample.get(f), np.ndarray) and sample[f].dtype == np.uint8:
            out[f] = sample[f].astype(np.float32) / np.float32(255)
    return out


def _call(t: ma.Transform, sample: dict[str, Any], key: int) -> Any:
    try:
        return t(**sample, key=key)
    except ma.InvalidInputError as e:  # a view must be refused exactly as its copy
        return str(e)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("name", IMAGE_OPS)
def test_every_image_op_gives_a_view_the_result_of_its_contiguous_copy(name: str, layout: str) -> None:
    """What a flip (reversed strides) or a transpose (swapped strides) hands the next op changes nothing."""
    ex = EXAMPLES[name]
    t = ex.make(seed=5)
    for sample in (ex.reference(), _float(ex.reference())):
        viewed = _viewed(sample, LAYOUTS[layout])
        for key in range(2):
            got, want = _call(t, viewed, key), _call(t, sample, key)
            if isinstance(want, str):
                assert got == want
            else:
                assert_samples_equal(got, want)


@pytest.mark.parametrize("flip", ["HorizontalFlip", "VerticalFlip", "Transpose", "RandomRotate90"])
def test_a_flip_then_each_op_family_equals_the_ops_on_a_copy(flip: str) -> None:
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    first = getattr(im, flip)(p=1.0)
    families = [
        im.ColorJitter(p=1.0),
        im.GaussianBlur(p=1.0),
        im.MedianBlur(p=1.0),
        im.GaussianNoise(p=1.0),
        im.Normalize(),
        im.ImageCompression(p=1.0),
        im.CLAHE(p=1.0),
        im.Affine(rotate=(-20, 20), p=1.0),
        im.ElasticTransform(p=1.0),
        im.CoarseDropout(p=1.0),
        im.Grayscale(p=1.0),
    ]
    for op in families:
        pipe = ma.Compose([first, op], seed=2)
        ref = ma.Compose([op], seed=2)
        for key in range(2):
            turned = ma.Compose([first], seed=2)(image=image, key=key, trace=True)
            got = pipe(image=image, key=key, trace=True)
            want = ref(image=np.ascontiguousarray(turned["image"]), key=key)
            np.testing.assert_array_equal(got["image"], want["image"], err_msg=type(op).__name__)


def test_to_tensor_after_a_flip() -> None:
    """``torch.from_numpy`` refuses negative strides: ToTensor copies then, and only then."""
    rng = np.random.default_rng(1)
    for dtype in (np.uint8, np.float32):
        image = rng.integers(0, 256, (6, 5, 3)).astype(dtype)
        image = image / dtype(255) if dtype == np.float32 else image
        for flip in (im.HorizontalFlip(p=1.0), im.VerticalFlip(p=1.0), im.Transpose(p=1.0)):
            out = ma.Compose([flip, im.ToTensor()], seed=0)(image=image, key=0)["image"]
            want = np.ascontiguousarray(flip(image=image)["image"]).astype(np.float32)
            np.testing.assert_array_equal(out.numpy(), want.transpose(2, 0, 1))
    mask = rng.integers(0, 3, (6, 5), dtype=np.uint8)
    out = ma.Compose([im.HorizontalFlip(p=1.0), im.ToTensor()], seed=0)(image=image, mask=mask, key=0)
    np.testing.assert_array_equal(out["mask"].numpy(), mask[:, ::-1])


def test_to_tensor_of_a_float_view_is_still_a_view() -> None:
    """A positive-stride float view (a transpose, a crop) is shared with the tensor, as before."""
    image = np.random.default_rng(2).random((6, 5, 3), dtype=np.float32)
    out = ma.Compose([im.Transpose(p=1.0), im.ToTensor()], seed=0)(image=image, key=0)["image"]
    assert np.shares_memory(out.numpy(), image)
    np.testing.assert_array_equal(out.numpy(), image.transpose(2, 1, 0))


# ---------------------------------------------------------------------- consumers outside the ops
def _photos(n: int = 4) -> list[np.ndarray]:
    return [np.random.default_rng(i).integers(0, 256, (6, 8, 3), dtype=np.uint8) for i in range(n)]


def test_dataloader_default_collate_over_a_pipeline_ending_with_a_flip() -> None:
    """``default_collate`` calls ``torch.as_tensor``, which refuses negative strides: the adapter copies."""
    import torch
    from torch.utils.data import DataLoader

    photos = _photos()
    masks = [p[..., 0] % 3 for p in photos]
    for flip, ref in (
        (im.HorizontalFlip(p=1.0), lambda a: a[:, ::-1]),
        (im.VerticalFlip(p=1.0), lambda a: a[::-1]),
    ):
        pipe = ma.Compose([flip], seed=0)
        pairs = ma.torch.AugmentedDataset([(p, i) for i, p in enumerate(photos)], pipe)
        x, y = next(iter(DataLoader(pairs, batch_size=4)))
        torch.testing.assert_close(x, torch.from_numpy(np.stack([ref(p) for p in photos])))
        assert y.tolist() == [0, 1, 2, 3]
        dicts = ma.torch.AugmentedDataset(
            [{"image": p, "mask": m} for p, m in zip(photos, masks, strict=True)], pipe
        )
        batch = next(iter(DataLoader(dicts, batch_size=2)))
        torch.testing.assert_close(batch["mask"], torch.from_numpy(np.stack([ref(m) for m in masks[:2]])))
        as_tensors = ma.torch.AugmentedDataset(photos, pipe, to_tensor=True)
        torch.testing.assert_close(as_tensors[1], torch.from_numpy(ref(photos[1]).transpose(2, 0, 1).copy()))


def test_the_jobs_writer_and_the_report_encode_views_as_their_copies(tmp_path) -> None:
    import cv2

    from multiaug.demo.report import encode_image

    photos = _photos(2)
    data = tmp_path / "data" / "a"
    data.mkdir(parents=True)
    for i, p in enumerate(photos):
        cv2.imwrite(str(data / f"{i}.png"), cv2.cvtColor(p, cv2.COLOR_RGB2BGR))
    ma.jobs.augment(ma.Compose([im.HorizontalFlip(p=1.0)], seed=0), tmp_path / "data", tmp_path / "out")
    written = sorted((tmp_path / "out").rglob("*.png"))
    assert len(written) == 2
    for path, p in zip(written, photos, strict=True):
        np.testing.assert_array_equal(cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB), p[:, ::-1])
    view = im.Transpose(p=1.0)(image=photos[0])["image"]
    assert encode_image(view) == encode_image(np.ascontiguousarray(view))


def test_the_guard_hashes_a_view_as_its_copy() -> None:
    from multiaug.guard import SplitGuard

    photos = _photos()
    views = [im.HorizontalFlip(p=1.0)(image=p)["image"] for p in photos]
    copies = [np.ascontiguousarray(v) for v in views]
    guard = SplitGuard(near_duplicates=False)
    assert guard.check(views[:2], copies[1:]).leaks == guard.check(copies[:2], copies[1:]).leaks != []
    protected = guard.protect(ma.Compose([im.Grayscale(p=1.0)], seed=0), copies)
    with pytest.raises(ma.LeakageError):
        protected(image=views[2], key=0)


def test_tensors_in_give_tensors_out_after_a_flip_or_a_turn() -> None:
    """The layout boundary turns a view back into a tensor (``torch.from_numpy`` needs positive strides)."""
    import torch

    image = torch.arange(5 * 6 * 3, dtype=torch.uint8).reshape(5, 6, 3)
    chw = image.permute(2, 0, 1).contiguous()
    for flip, ref in (
        (im.HorizontalFlip(p=1.0), lambda a: a[:, ::-1]),
        (im.VerticalFlip(p=1.0), lambda a: a[::-1]),
        (im.Transpose(p=1.0), lambda a: a.swapaxes(0, 1)),
    ):
        want = torch.from_numpy(np.ascontiguousarray(ref(image.numpy())))
        out = ma.Compose([flip], seed=0)(image=image, key=0)["image"]
        assert isinstance(out, torch.Tensor) and torch.equal(out, want)
        out = ma.Compose([flip], seed=0, layout="chw")(image=chw, key=0)["image"]
        assert torch.equal(out, want.permute(2, 0, 1))


def test_no_later_step_writes_through_a_flip_into_the_callers_image() -> None:
    """A view is shared with the input, so every step after it must leave it alone (none edits in place)."""
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    mask = rng.integers(0, 3, (24, 32), dtype=np.uint8)
    before = image.copy(), mask.copy()
    later = [EXAMPLES[n].make for n in IMAGE_OPS if n not in ("image.MixUp", "image.CutMix")]
    for flip in (
        im.HorizontalFlip(p=1.0),
        im.VerticalFlip(p=1.0),
        im.Transpose(p=1.0),
        im.RandomRotate90(p=1.0),
    ):
        for make in later:
            pipe = ma.Compose([flip, make()], seed=1)
            for key in range(2):
                try:
                    pipe(image=image, mask=mask, key=key)
                except ma.InvalidInputError:
                    continue  # an op that needs other fields or sizes: its refusal is tested elsewhere
                np.testing.assert_array_equal(image, before[0], err_msg=repr(pipe))
                np.testing.assert_array_equal(mask, before[1], err_msg=repr(pipe))
