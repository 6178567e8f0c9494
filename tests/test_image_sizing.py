"""The deterministic size steps: Resize, LongestMaxSize, SmallestMaxSize, CenterCrop, PadIfNeeded.

Against OpenCV (the kernels), Albumentations 2.0.8 (sizes, pixels, target coordinates), painted
targets on a real photo (keypoints, masks, boxes), and the op-by-op reference for fused groups.
"""

from __future__ import annotations

import functools
from typing import Any

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_image_fusion import count_calls

import multiaug as ma
from multiaug.demo import load_sample_photo as photo
from multiaug.image import geometric as G
from multiaug.image.functional import sizing as S
from multiaug.image.functional._opencv import BORDER_CODES, INTERPOLATION_CODES
from multiaug.testing import assert_samples_equal

im = ma.image
SHAPES = [(427, 640), (640, 427), (300, 300), (31, 17), (17, 31), (1, 50), (99, 100), (5, 3)]


def rng_image(shape: tuple[int, ...], dtype: Any = np.uint8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    return rng.random(shape, dtype=np.float32)


# ---------------------------------------------------------------------- kernels vs OpenCV
@pytest.mark.parametrize("interpolation", sorted(INTERPOLATION_CODES))
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_resize_is_cv2_resize(interpolation: str, dtype: Any) -> None:
    for channels in (None, 1, 3, 4):
        shape = (37, 53) if channels is None else (37, 53, channels)
        img = rng_image(shape, dtype)
        for height, width in [(20, 31), (80, 101), (37, 90), (1, 1)]:
            ours = S.resize(img, height, width, interpolation=interpolation)
            ref = cv2.resize(img, (width, height), interpolation=INTERPOLATION_CODES[interpolation])
            ref = ref.reshape(ours.shape)
            if interpolation in ("cubic", "lanczos") and dtype == np.float32:
                ref = np.clip(ref, img.min(), img.max())  # overshoot kept within the input's range
            assert ours.dtype == img.dtype and ours.shape == (height, width, *shape[2:])
            assert np.array_equal(ours, ref), (interpolation, dtype, channels, height, width)


def test_resize_of_many_channels_and_masks_of_any_dtype() -> None:
    img = rng_image((20, 30, 7))
    ours = S.resize(img, 13, 41)
    for c in range(7):
        assert np.array_equal(ours[..., c], cv2.resize(img[..., c], (41, 13)))
    for dtype in (np.bool_, np.int64, np.uint32, np.uint8):
        labels = (np.arange(600).reshape(20, 30) % 5 == 0).astype(dtype) * (1 if dtype is np.bool_ else 7)
        out = S.resize(labels, 13, 41, nearest=True)
        ref = cv2.resize(labels.astype(np.uint8), (41, 13), interpolation=cv2.INTER_NEAREST_EXACT)
        assert out.dtype == labels.dtype and np.array_equal(out.astype(np.uint8), ref)


@pytest.mark.parametrize("border", sorted(BORDER_CODES))
def test_pad_if_needed_is_copy_make_border(border: str) -> None:
    for channels in (None, 3, 6):
        shape = (9, 14) if channels is None else (9, 14, channels)
        img = rng_image(shape)
        fill = (10.0, 20.0, 30.0, 40.0, 50.0, 60.0)[: channels or 1]
        for position in [*S.PAD_POSITIONS[:-1], (4, 1)]:
            out = S.pad_if_needed(img, 30, 17, position, border=border, fill=fill)
            t, b, lf, r = S.pad_if_needed_amounts(9, 14, 30, 17, position)
            assert (t + b, lf + r) == (21, 3) and (position != (4, 1) or (t, lf) == (4, 1))
            parts = [img] if channels is None else [img[..., i : i + 4] for i in range(0, channels, 4)]
            ref = [
                cv2.copyMakeBorder(
                    np.ascontiguousarray(p), t, b, lf, r, BORDER_CODES[border], value=fill[i * 4 : i * 4 + 4]
                ).reshape(30, 17, *p.shape[2:])
                for i, p in enumerate(parts)
            ]
            assert np.array_equal(out, ref[0] if len(ref) == 1 else np.concatenate(ref, axis=2))
    assert S.pad_if_needed(img, 5, 5) is img  # large enough: untouched


def test_center_crop_is_a_centred_slice() -> None:
    img = rng_image((11, 20, 3))
    assert np.array_equal(S.center_crop(img, 4, 7), img[3:7, 6:13])
    assert S.center_crop_window(11, 20, 4, 7) == (3, 6)


# ---------------------------------------------------------------------- against Albumentations 2.0.8
@functools.cache
def _albumentations() -> Any:
    import albumentations as A

    assert A.__version__ == "2.0.8"
    return A


def _pairs() -> list[tuple[str, Any, Any]]:
    A = _albumentations()
    return [
        ("Resize", im.Resize(120, 90), A.Resize(120, 90)),
        ("LongestMaxSize", im.LongestMaxSize(256), A.LongestMaxSize(max_size=256)),
        ("LongestMaxSize up", im.LongestMaxSize(701), A.LongestMaxSize(max_size=701)),
        ("SmallestMaxSize", im.SmallestMaxSize(199), A.SmallestMaxSize(max_size=199)),
        ("CenterCrop", im.CenterCrop(15, 16), A.CenterCrop(15, 16)),
        (
            "PadIfNeeded",
            im.PadIfNeeded(700, 701, fill=9, fill_mask=3),
            A.PadIfNeeded(700, 701, border_mode=cv2.BORDER_CONSTANT, fill=9, fill_mask=3),
        ),
        (
            "PadIfNeeded reflect bottom_left",
            im.PadIfNeeded(650, 651, position="bottom_left", border="reflect"),
            A.PadIfNeeded(650, 651, position="bottom_left", border_mode=cv2.BORDER_REFLECT_101),
        ),
    ]


@pytest.mark.parametrize("index", range(7))
def test_sizes_pixels_and_targets_match_albumentations(index: int) -> None:
    A = _albumentations()
    name, ours, theirs = _pairs()[index]
    pipe = A.Compose(
        [theirs],
        bbox_params=A.BboxParams(format="pascal_voc", label_fields=["labels"], min_visibility=0.0),
        keypoint_params=A.KeypointParams(format="xy", remove_invisible=False),
        strict=True,
    )
    for h, w in SHAPES:
        if name == "CenterCrop" and (h < 15 or w < 16):
            continue
        img = rng_image((h, w, 3), seed=h * w)
        mask = (rng_image((h, w), seed=1) > 128).astype(np.uint8)
        boxes = np.array([[0.0, 0.0, w / 2, h / 2], [w / 3, h / 4, w, h]])
        points = np.array([[w / 2, h / 2], [0.25 * w, 0.75 * h], [w - 0.5, 0.5]])
        a = pipe(image=img, mask=mask, bboxes=boxes, labels=[1, 2], keypoints=points)
        o = ours(image=img, mask=mask, bboxes=boxes, bbox_labels=[1, 2], keypoints=points)
        assert o["image"].shape == a["image"].shape, (name, h, w)
        if name not in ("Resize", "LongestMaxSize", "LongestMaxSize up", "SmallestMaxSize"):
            # crops and pads: the same slices and copyMakeBorder, pixel for pixel (masks too)
            assert np.array_equal(o["image"], a["image"]) and np.array_equal(o["mask"], a["mask"]), name
        else:  # the same cv2.resize call (INTER_LINEAR) on the image; masks: we sample pixel centres
            assert np.array_equal(o["image"], a["image"]), (name, h, w)
        theirs_boxes, theirs_points = np.asarray(a["bboxes"]), np.asarray(a["keypoints"])[:, :2]
        if "reflect" in name:
            # Albumentations adds mirrored copies of boxes and keypoints in reflected padding;
            # we keep one per object: ours are among theirs
            for box in o["bboxes"]:
                assert np.abs(theirs_boxes - box).max(axis=1).min() < 1e-3, (name, h, w)
            for point in o["keypoints"]:
                assert np.abs(theirs_points - point).max(axis=1).min() < 1e-3, (name, h, w)
            continue
        assert o["bbox_labels"] == [int(v) for v in a["labels"]]
        assert np.allclose(o["bboxes"], theirs_boxes, atol=1e-3), (name, h, w)
        # Albumentations scales keypoints by the unrounded factor, we by the actual one: sub-pixel
        assert np.abs(o["keypoints"] - theirs_points).max() < 0.5, (name, h, w)


# ---------------------------------------------------------------------- painted targets on a photo
def _painted(
    shape: tuple[int, int], point: tuple[float, float], rect: tuple[int, int, int, int]
) -> dict[str, Any]:
    """A darkened photo with a bright dot at ``point`` and a coloured rectangle; mask label 2 under it."""
    h, w = shape
    base = (cv2.resize(photo(), (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) * 0.3).astype(
        np.uint8
    )
    ys, xs = np.mgrid[0:h, 0:w] + 0.5
    dot = 255.0 * np.exp(-((xs - point[0]) ** 2 + (ys - point[1]) ** 2) / (2 * 3.0**2))
    img = base.copy()
    img[..., 0] = np.maximum(base[..., 0], dot).astype(np.uint8)
    x0, y0, x1, y1 = rect
    img[y0:y1, x0:x1, 2] = 255
    mask = np.zeros((h, w), np.uint8)
    mask[y0:y1, x0:x1] = 2
    return {
        "image": img,
        "mask": mask,
        "bboxes": np.array([[float(x0), float(y0), float(x1), float(y1)]]),
        "bbox_labels": ["rect"],
        "keypoints": np.array([point]),
    }


def _dot(img: np.ndarray) -> tuple[float, float]:
    red = img[..., 0].astype(np.float64) * (img[..., 2] < 200)  # the dot's channel, off the rectangle
    i, j = np.unravel_index(np.argmax(red), red.shape)
    r = 7
    y0, y1, x0, x1 = max(i - r, 0), min(i + r + 1, red.shape[0]), max(j - r, 0), min(j + r + 1, red.shape[1])
    win = np.clip(red[y0:y1, x0:x1] - 0.5 * red[i, j], 0, None)
    ys, xs = np.mgrid[y0:y1, x0:x1] + 0.5
    return float((win * xs).sum() / win.sum()), float((win * ys).sum() / win.sum())


STEPS: dict[str, Any] = {
    "Resize": lambda: im.Resize(300, 500),
    "Resize area": lambda: im.Resize(200, 250, interpolation="area"),
    "LongestMaxSize": lambda: im.LongestMaxSize(333),
    "SmallestMaxSize": lambda: im.SmallestMaxSize(500, interpolation="cubic"),
    "CenterCrop": lambda: im.CenterCrop(301, 402),
    "PadIfNeeded": lambda: im.PadIfNeeded(600, 700, position="bottom_right", fill=(0, 0, 0)),
    "pipeline": lambda: ma.Compose(
        [im.LongestMaxSize(320), im.PadIfNeeded(320, 320), im.CenterCrop(300, 280), im.HorizontalFlip(p=1.0)]
    ),
}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_painted_keypoints_masks_and_boxes_follow_the_pixels(name: str) -> None:
    for k, (point, rect) in enumerate(
        [((230.3, 200.7), (300, 120, 380, 170)), ((310.0, 240.5), (150, 250, 260, 300))]
    ):
        data = _painted((427, 640), point, rect)
        out = STEPS[name]()(**data, key=k)
        x, y = out["keypoints"][0]
        fx, fy = _dot(out["image"])
        assert np.hypot(fx - x, fy - y) <= 1.0, (name, (fx, fy), (x, y))
        # the mask is moved nearest: still only labels 0 and 2, and on the painted rectangle
        assert set(np.unique(out["mask"]).tolist()) <= {0, 2}
        painted = out["image"][..., 2] > 127
        assert ((out["mask"] == 2) == painted).mean() > 0.995, name
        # the box encloses the painted rectangle (within the pixel it may blend into)
        ys, xs = np.nonzero(painted)
        bx0, by0, bx1, by1 = out["bboxes"][0]
        assert (
            bx0 - 1 <= xs.min()
            and xs.max() + 1 <= bx1 + 1
            and by0 - 1 <= ys.min()
            and ys.max() + 1 <= by1 + 1
        )
        assert abs(xs.min() - bx0) <= 1 and abs(xs.max() + 1 - bx1) <= 1, name
        assert abs(ys.min() - by0) <= 1 and abs(ys.max() + 1 - by1) <= 1, name


# ---------------------------------------------------------------------- fusion
def both(transforms: list[Any], key: int = 0, **data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    fused = ma.Compose(transforms, seed=1)(**data, key=key, trace=True)
    plain = ma.Compose(transforms, seed=1, fuse=False)(**data, key=key, trace=True)
    assert fused.pop("trace") == plain.pop("trace")
    return fused, plain


def _sample(h: int = 427, w: int = 640) -> dict[str, Any]:
    return _painted((h, w), (230.3, 200.7), (300, 120, 380, 170))


EXACT_CHAINS: dict[str, list[Any]] = {
    "resize, pad, centre crop, flip": [
        im.LongestMaxSize(320),
        im.PadIfNeeded(320, 320, fill=(1, 2, 3), fill_mask=5),
        im.CenterCrop(300, 280),
        im.HorizontalFlip(p=1.0),
    ],
    "resize, centre crop": [im.SmallestMaxSize(256), im.CenterCrop(224, 224)],
    "pad reflect, crop, pad": [
        im.PadIfNeeded(500, 700, border="reflect"),
        im.RandomCrop(450, 690),
        im.VerticalFlip(p=1.0),
        im.PadIfNeeded(460, 700, position="top_left", fill=4),
    ],
    "crop, pad wrap": [im.CenterCrop(400, 600), im.PadIfNeeded(420, 640, border="wrap")],
    "area resize, flip, pad": [
        im.Resize(200, 300, interpolation="area"),
        im.HorizontalFlip(p=1.0),
        im.PadIfNeeded(256, 320, border="replicate"),
    ],
}


@pytest.mark.parametrize("name", sorted(EXACT_CHAINS))
def test_whole_pixel_chains_fuse_exactly(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    warps = count_calls(monkeypatch, cv2, "warpAffine")
    fused, plain = both(EXACT_CHAINS[name], **_sample())
    assert_samples_equal(fused, plain)
    assert warps[0] == 0


def test_the_typical_training_chain_resamples_once(monkeypatch: pytest.MonkeyPatch) -> None:
    chain = [
        im.LongestMaxSize(256),
        im.PadIfNeeded(256, 256),
        im.RandomResizedCrop(size=(224, 224), scale=(0.3, 1.0)),
        im.HorizontalFlip(p=1.0),
    ]
    for key in range(4):
        flushes = count_calls(monkeypatch, G.PendingWarp, "flush")
        fused, plain = both(chain, key, **_sample())
        assert flushes[0] == 1 + 4  # one group fused; one per op unfused
        monkeypatch.undo()
        assert np.abs(fused["keypoints"] - plain["keypoints"]).max() < 1e-6
        assert (
            np.allclose(fused["bboxes"], plain["bboxes"], atol=1e-9)
            and fused["bbox_labels"] == plain["bbox_labels"]
        )
        # one interpolation instead of two: close on the photo (its texture aliases differently
        # when the chain downscales), within a grey level on a smooth picture
        diff = np.abs(fused["image"].astype(np.int16) - plain["image"]).mean()
        assert diff < 4.0, (key, diff)
        assert (fused["mask"] == plain["mask"]).mean() > 0.995
        smooth = cv2.GaussianBlur(photo(), (0, 0), 3)
        f2, p2 = both(chain, key, image=smooth)
        assert np.abs(f2["image"].astype(np.int16) - p2["image"]).mean() < 1.0


def test_another_interpolation_is_applied_alone_and_equals_its_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chain = [im.HorizontalFlip(p=1.0), im.Resize(100, 150, interpolation="area"), im.Rotate(limit=10, p=1.0)]
    flushes = count_calls(monkeypatch, G.PendingWarp, "flush")
    fused, plain = both(chain, 3, **_sample())
    assert flushes[0] == 3 + 3  # flip; resize alone; rotate
    assert_samples_equal(fused, plain)
    img = _sample()["image"]
    out = im.Resize(100, 150, interpolation="area")(image=img)["image"]
    assert np.array_equal(out, cv2.resize(img, (150, 100), interpolation=cv2.INTER_AREA))


def test_a_pad_and_a_rotation_with_the_same_fill_fuse() -> None:
    chain = [im.LongestMaxSize(200), im.PadIfNeeded(220, 220, fill=7), im.Rotate(limit=20, fill=7, p=1.0)]
    smooth = cv2.GaussianBlur(photo(), (0, 0), 3)
    for key in range(3):
        fused, plain = both(chain, key, image=smooth)
        assert np.abs(fused["image"].astype(np.int16) - plain["image"]).mean() < 1.5
        assert fused["image"][0, 0].tolist() == [7, 7, 7]


# ---------------------------------------------------------------------- classes, kernels, errors
def test_each_step_equals_its_kernel() -> None:
    img = rng_image((30, 41, 3))
    assert np.array_equal(
        im.Resize(17, 9, interpolation="cubic")(image=img)["image"],
        S.resize(img, 17, 9, interpolation="cubic"),
    )
    assert np.array_equal(im.LongestMaxSize(64)(image=img)["image"], S.longest_max_size(img, 64))
    assert np.array_equal(im.SmallestMaxSize(11)(image=img)["image"], S.smallest_max_size(img, 11))
    assert np.array_equal(im.CenterCrop(9, 10)(image=img)["image"], S.center_crop(img, 9, 10))
    out = im.PadIfNeeded(40, 41, position="top_right", border="wrap")(image=img)["image"]
    assert np.array_equal(out, S.pad_if_needed(img, 40, 41, "top_right", border="wrap"))


def test_sizes_follow_albumentations_rounding() -> None:
    assert S.longest_max_size_shape(1500, 800, 1024) == (1024, 546)
    assert S.longest_max_size_shape(3, 1, 2) == (2, 1)  # 0.667 -> 1 (and never 0)
    assert S.longest_max_size_shape(100, 1, 10) == (10, 1)
    assert S.longest_max_size_shape(4, 10, 5) == (2, 5)  # 2.0
    assert S.longest_max_size_shape(5, 10, 5) == (2, 5)  # 2.5 rounds half to even
    assert S.smallest_max_size_shape(5, 10, 7) == (7, 14)


def test_deterministic_steps_draw_nothing_and_trace() -> None:
    pipe = ma.Compose([im.LongestMaxSize(50), im.PadIfNeeded(50, 50), im.CenterCrop(40, 40)], seed=0)
    img = rng_image((80, 120, 3))
    outs = [pipe(image=img, key=k, trace=True) for k in range(3)]
    assert all(np.array_equal(outs[0]["image"], o["image"]) for o in outs)
    assert [e["params"] for e in outs[0]["trace"]] == [{}, {}, {"top": 5, "left": 5}]
    assert not any(t.is_random for t in pipe.transforms)
    restored = ma.from_config(pipe.to_config())
    assert_samples_equal(restored(image=img, key=0), pipe(image=img, key=0))


@pytest.mark.parametrize(
    ("make", "sample", "field"),
    [
        (lambda: im.CenterCrop(10, 10), {"image": np.zeros((9, 20), np.uint8)}, "image"),
        (lambda: im.PadIfNeeded(10, 10, fill=(1, 2)), {"image": np.zeros((4, 4, 3), np.uint8)}, "fill"),
        (lambda: im.PadIfNeeded(10, 10, fill=200), {"image": np.zeros((4, 4), np.float32)}, "fill"),
        (lambda: im.Resize(10, 10), {"image": np.zeros((2, 40_000), np.uint8)}, "image"),
    ],
)
def test_bad_input_is_reported(make: Any, sample: dict[str, Any], field: str) -> None:
    with pytest.raises(ma.InvalidInputError, match=f"`{field}`"):
        make()(**sample, key=0)


def test_bad_parameters_are_reported() -> None:
    for make in (
        lambda: im.Resize(0, 10),
        lambda: im.Resize(10, 10, interpolation="bilinear"),
        lambda: im.LongestMaxSize(2.5),
        lambda: im.PadIfNeeded(10, 10, position="middle"),
        lambda: im.PadIfNeeded(10, 10, border="mirror"),
    ):
        with pytest.raises(ma.InvalidInputError):
            make()


def test_a_crop_after_a_pad_is_checked_against_the_padded_size() -> None:
    # the classic "pad to at least N, then crop N" on an image smaller than N
    pipe = ma.Compose([im.PadIfNeeded(64, 64), im.RandomCrop(64, 64), im.CenterCrop(60, 60)], seed=0)
    out = pipe(image=np.zeros((40, 50, 3), np.uint8), key=0)
    assert out["image"].shape == (60, 60, 3)
    with pytest.raises(ma.InvalidInputError, match="smaller than the 64x64 crop"):
        ma.Compose([im.PadIfNeeded(32, 32), im.RandomCrop(64, 64)], seed=0)(
            image=np.zeros((40, 50), np.uint8)
        )
    with pytest.raises(ma.InvalidInputError, match="the output would be 40000x500"):
        im.SmallestMaxSize(500)(image=np.zeros((80, 1), np.uint8))
    with pytest.raises(ma.InvalidInputError, match="smaller than the 64x64 crop"):  # checked even if skipped
        ma.Compose([im.RandomCrop(64, 64, p=0.0)])(image=np.zeros((40, 50), np.uint8))


def test_a_random_pad_position_is_keyed_traced_and_replayed() -> None:
    t = im.PadIfNeeded(20, 30, position="random", fill=255, seed=3)
    assert t.is_random and not im.PadIfNeeded(20, 30).is_random
    img = rng_image((5, 10))
    outs = [t(image=img, keypoints=np.array([[0.0, 0.0]]), key=k, trace=True) for k in range(12)]
    tops_lefts = {(o["trace"][0]["params"]["top"], o["trace"][0]["params"]["left"]) for o in outs}
    assert len(tops_lefts) > 6 and all(0 <= a <= 15 and 0 <= b <= 20 for a, b in tops_lefts)
    for o in outs:
        top, left = o["trace"][0]["params"]["top"], o["trace"][0]["params"]["left"]
        assert np.array_equal(o["image"][top : top + 5, left : left + 10], img)
        assert o["keypoints"].tolist() == [[left, top]]
        assert_samples_equal(t.replay(o.pop("trace"), image=img, keypoints=np.array([[0.0, 0.0]])), o)
    assert_samples_equal(t(image=img, key=4), {"image": outs[4]["image"]})
    trace = t(image=img, key=0, trace=True)["trace"]
    trace[0]["params"]["top"] = 16
    with pytest.raises(ma.InvalidInputError, match="outside"):
        t.replay(trace, image=img)
    t.set_params(position="center")
    assert not t.is_random


@pytest.mark.parametrize("name", sorted(STEPS))
def test_odd_shapes_and_layouts(name: str) -> None:
    rng = np.random.default_rng(0)
    for shape in [(1, 1), (1, 7), (7, 1, 3), (2, 3, 5), (40, 1)]:
        img = rng.integers(0, 256, shape, dtype=np.uint8)
        for view in (img, img[::-1], np.asfortranarray(img)):
            try:
                out = STEPS[name]()(image=view, mask=np.zeros(view.shape[:2], np.int64), key=1)
            except ma.InvalidInputError:
                continue  # a crop larger than the image: named and explained
            assert out["image"].dtype == np.uint8 and out["image"].shape[2:] == view.shape[2:]
            assert out["mask"].shape == out["image"].shape[:2] and out["mask"].dtype == np.int64


def test_size_steps_stay_in_eval_mode_and_a_random_pad_is_centred() -> None:
    steps = [
        im.SmallestMaxSize(40),
        im.HorizontalFlip(),
        im.PadIfNeeded(64, 64, position="random"),
        im.Rotate(limit=30),
        im.CenterCrop(60, 50),
        im.Resize(30, 30, interpolation="area"),
    ]
    pipe = ma.Compose(steps, seed=2)
    img = rng_image((50, 80, 3))
    serving = pipe.inference()
    ref = S.resize(
        S.center_crop(S.pad_if_needed(S.smallest_max_size(img, 40), 64, 64), 60, 50),
        30,
        30,
        interpolation="area",
    )
    for key in range(3):
        out = serving(image=img, key=key, trace=True)
        assert np.array_equal(out["image"], ref)
        assert [e["transform"] for e in out["trace"]] == [
            "image.SmallestMaxSize",
            "image.PadIfNeeded",
            "image.CenterCrop",
            "image.Resize",
        ]
        assert out["trace"][1]["params"] == {}
    traces = [pipe(image=img, key=k, trace=True)["trace"] for k in range(8)]
    trained = {e["params"]["top"] for t in traces for e in t if e["transform"] == "image.PadIfNeeded"}
    assert len(trained) > 1


# ------------------------------------------------------------ property: whole-pixel chains are exact
_SIDE = st.integers(1, 40)
_RESIZES = st.one_of(
    st.builds(im.LongestMaxSize, st.integers(4, 40)),
    st.builds(im.SmallestMaxSize, st.integers(4, 40)),
    st.builds(im.Resize, _SIDE, _SIDE),
)


@st.composite
def _shift_steps(draw: st.DrawFn) -> list[Any]:
    """Whole-pixel steps: flips, pads (any position and border), crops after a pad that makes them fit."""
    kind = draw(st.sampled_from(["hflip", "vflip", "pad", "pad+centre", "pad+random"]))
    if kind == "hflip":
        return [im.HorizontalFlip(p=1.0)]
    if kind == "vflip":
        return [im.VerticalFlip(p=1.0)]
    h, w = draw(_SIDE), draw(_SIDE)
    position = draw(st.sampled_from(S.PAD_POSITIONS))
    border = draw(st.sampled_from(sorted(BORDER_CODES)))
    pad = im.PadIfNeeded(h, w, position=position, border=border, fill=draw(st.integers(0, 255)), fill_mask=9)
    if kind == "pad":
        return [pad]
    return [pad, im.CenterCrop(h, w) if kind == "pad+centre" else im.RandomCrop(h, w)]


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    resize=_RESIZES,
    steps=st.lists(_shift_steps(), max_size=4),
    shape=st.tuples(st.integers(1, 30), st.integers(1, 30)),
    key=st.integers(0, 1000),
)
def test_a_resize_then_whole_pixel_steps_fuse_exactly(
    resize: Any, steps: list[list[Any]], shape: tuple[int, int], key: int
) -> None:
    h, w = shape
    rng = np.random.default_rng(key)
    data = {
        "image": rng.integers(0, 256, (h, w, 3), dtype=np.uint8),
        "mask": rng.integers(0, 4, (h, w), dtype=np.uint8),
        "bboxes": np.array([[0.0, 0.0, w / 2, h / 2], [w / 4, h / 3, w, h]]),
        "bbox_labels": ["a", "b"],
        "keypoints": rng.random((3, 2)) * (w, h),
    }
    fused, plain = both([resize, *(t for group in steps for t in group)], key, **data)
    assert fused["image"].shape == plain["image"].shape
    assert np.array_equal(fused["image"], plain["image"]) and np.array_equal(fused["mask"], plain["mask"])
    assert fused["bbox_labels"] == plain["bbox_labels"]
    assert np.allclose(fused["bboxes"], plain["bboxes"], rtol=0, atol=1e-9)
    assert np.allclose(fused["keypoints"], plain["keypoints"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("cls", [im.LongestMaxSize, im.SmallestMaxSize])
def test_a_list_of_max_sizes_draws_one_per_call_keyed_traced_and_the_largest_in_eval(cls: Any) -> None:
    """Albumentations' multi-scale form: each call resizes exactly as the one-size op of the drawn size."""
    img = rng_image((60, 90, 3))
    t = cls([24, 40, 56], seed=5)
    assert t.is_random and not cls(40).is_random and not cls([40, 40]).is_random
    seen = set()
    for k in range(40):
        out = t(image=img, keypoints=np.array([[30.0, 20.0]]), key=k, trace=True)
        chosen = out["trace"][0]["params"]["max_size"]
        seen.add(chosen)
        alone = cls(chosen)(image=img, keypoints=np.array([[30.0, 20.0]]))
        assert_samples_equal({k_: v for k_, v in out.items() if k_ != "trace"}, alone)
        assert_samples_equal(t.replay(out.pop("trace"), image=img, keypoints=np.array([[30.0, 20.0]])), out)
    assert seen == {24, 40, 56}
    assert_samples_equal(t.inference()(image=img, key=3), cls(56)(image=img))
    trace = t(image=img, key=0, trace=True)["trace"]
    trace[0]["params"]["max_size"] = 41
    with pytest.raises(ma.InvalidInputError, match="not one of max_size"):
        t.replay(trace, image=img)
    for bad in ([], [24, 0], [24, 2.5], "24"):
        with pytest.raises(ma.InvalidInputError, match="max_size"):
            cls(bad)


def test_pad_to_a_multiple_of_a_divisor_matches_albumentations() -> None:
    import albumentations as A

    img = rng_image((100, 203, 3))
    for kw in (
        {"pad_height_divisor": 32, "pad_width_divisor": 32},
        {"min_height": 128, "pad_width_divisor": 64},
        {"pad_height_divisor": 7, "min_width": 50, "position": "top_left"},
    ):
        ours = im.PadIfNeeded(**kw, fill=9)(image=img, bboxes=np.array([[1.0, 2.0, 30.0, 40.0]]))
        theirs = A.PadIfNeeded(
            **{"min_height": None, "min_width": None, **kw},
            border_mode=cv2.BORDER_CONSTANT,
            fill=9,
            p=1.0,
        )(image=img)["image"]
        assert np.array_equal(ours["image"], theirs), kw
    out = im.PadIfNeeded(pad_height_divisor=32, pad_width_divisor=32)(image=rng_image((64, 96)))
    assert out["image"].shape == (64, 96)  # already a multiple: untouched
    with pytest.raises(ma.InvalidInputError, match="exactly one"):
        im.PadIfNeeded(min_width=10)
    with pytest.raises(ma.InvalidInputError, match="exactly one"):
        im.PadIfNeeded(10, 10, pad_width_divisor=8)
