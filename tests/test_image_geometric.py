"""Geometric image ops: properties, targets, borders, bad input, and keypoints on a real photo."""

from __future__ import annotations

import functools
from typing import Any

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import multiaug as ma
from multiaug.demo import load_sample_photo as photo
from multiaug.image.functional import elastic as FE
from multiaug.image.functional import geometric as F
from multiaug.testing import assert_samples_equal, image_samples, reference_image_sample

im = ma.image
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# Every geometric op, always applied, with ranges wide enough to exercise it.
OPS: dict[str, Any] = {
    "HorizontalFlip": lambda: im.HorizontalFlip(p=1.0),
    "VerticalFlip": lambda: im.VerticalFlip(p=1.0),
    "RandomCrop": lambda: im.RandomCrop(6, 5),
    "RandomResizedCrop": lambda: im.RandomResizedCrop(size=(9, 7)),
    "Rotate": lambda: im.Rotate(limit=45, p=1.0),
    "Affine": lambda: im.Affine(scale=(0.7, 1.3), translate=0.2, rotate=30, shear=15, p=1.0),
    "Perspective": lambda: im.Perspective(scale=(0.05, 0.2), p=1.0),
    "ElasticTransform": lambda: im.ElasticTransform(alpha=10, sigma=3, p=1.0),
}
SAME_SHAPE = {"HorizontalFlip", "VerticalFlip", "Rotate", "Affine", "Perspective", "ElasticTransform"}


def out_shape(name: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    if name == "RandomCrop":
        return (6, 5, *shape[2:])
    if name == "RandomResizedCrop":
        return (9, 7, *shape[2:])
    return shape


# ---------------------------------------------------------------------- properties
@pytest.mark.parametrize("name", sorted(OPS))
def test_properties_of_every_op(name: str) -> None:
    t = OPS[name]()

    @SETTINGS
    @given(sample=image_samples(min_side=6, max_side=20), key=st.integers(0, 2**32))
    def run(sample: dict[str, Any], key: int) -> None:
        out = t(**sample, key=key)
        image = sample["image"]
        # dtype and layout kept (a trailing 1-channel axis included); size as promised
        assert out["image"].dtype == image.dtype
        assert out["image"].shape == out_shape(name, image.shape)
        if image.dtype == np.float32:
            assert out["image"].min() >= 0.0 and out["image"].max() <= 1.0
        h, w = out["image"].shape[:2]
        if "mask" in sample:
            # labels are moved, never blended: only input labels (and the fill label 0) appear
            assert out["mask"].dtype == sample["mask"].dtype and out["mask"].shape == (h, w)
            assert set(np.unique(out["mask"])) <= set(np.unique(sample["mask"])) | {0}
        if "bboxes" in sample:
            b = out["bboxes"]
            assert b.shape[1] == 4 and len(b) == len(out["bbox_labels"]) <= len(sample["bboxes"])
            assert (
                (b[:, 0] >= 0).all()
                and (b[:, 2] <= w).all()
                and (b[:, 1] >= 0).all()
                and (b[:, 3] <= h).all()
            )
            assert ((b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])).all()  # zero-area boxes are dropped
            assert set(out["bbox_labels"]) <= set(sample["bbox_labels"])
        if "keypoints" in sample:
            assert out["keypoints"].shape == np.asarray(sample["keypoints"]).reshape(-1, 2).shape  # kept

    run()


@pytest.mark.parametrize("name", ["HorizontalFlip", "VerticalFlip"])
def test_flips_are_involutions(name: str) -> None:
    flip = OPS[name]()

    @SETTINGS
    @given(sample=image_samples(max_side=16))
    def run(sample: dict[str, Any]) -> None:
        twice = flip(**flip(**sample))
        assert_samples_equal({"image": twice["image"]}, {"image": sample["image"]})
        if "mask" in sample:
            assert np.array_equal(twice["mask"], sample["mask"])
        if "keypoints" in sample:
            assert np.allclose(twice["keypoints"], np.asarray(sample["keypoints"]).reshape(-1, 2))
        if "bboxes" in sample:
            boxes = np.asarray(sample["bboxes"]).reshape(-1, 4)
            kept = [int(label[3:]) for label in twice["bbox_labels"]]  # labels are "obj<i>"
            assert np.allclose(twice["bboxes"], boxes[kept])
            # only boxes of (numerically) no area are dropped
            assert set(
                np.flatnonzero((boxes[:, 2] - boxes[:, 0] > 1e-9) & (boxes[:, 3] - boxes[:, 1] > 1e-9))
            ) <= set(kept)

    run()


@pytest.mark.parametrize(
    "make",
    [
        lambda: im.Rotate(limit=0, p=1.0),
        lambda: im.Affine(p=1.0),
        lambda: im.Affine(scale=(1, 1), translate=0, rotate=0, shear=0, border="reflect", p=1.0),
        lambda: im.ElasticTransform(alpha=0, p=1.0),
    ],
    ids=["Rotate(limit=0)", "Affine()", "Affine(zeros, reflect)", "ElasticTransform(alpha=0)"],
)
def test_identity_parameters_are_exact(make: Any) -> None:
    t = make()

    @SETTINGS
    @given(sample=image_samples(max_side=16), key=st.integers(0, 1000))
    def run(sample: dict[str, Any], key: int) -> None:
        out = t(**sample, key=key)
        assert out["image"].dtype == sample["image"].dtype
        assert np.array_equal(out["image"], sample["image"])  # bit-identical
        if "mask" in sample:
            assert np.array_equal(out["mask"], sample["mask"])
        if "keypoints" in sample:
            assert np.allclose(out["keypoints"], np.asarray(sample["keypoints"]).reshape(-1, 2), atol=1e-4)

    run()


def test_output_channels_beyond_four_and_single_channel_axis() -> None:
    rng = np.random.default_rng(0)
    for channels in (1, 2, 5, 9):
        img = rng.integers(0, 256, (17, 23, channels), dtype=np.uint8)
        for name, make in OPS.items():
            out = make()(image=img, key=3)["image"]
            assert out.shape == out_shape(name, img.shape), (name, channels)
        # many channels go through OpenCV 4 at a time, each chunk with its slice of the fill
        m = F.rotate_matrix(17.0, 17, 23)
        whole = F.warp(img, m, (17, 23), fill=tuple(range(channels)))
        for c in range(0, channels, 4):
            chunk = np.ascontiguousarray(img[..., c : c + 4])
            alone = F.warp(chunk, m, (17, 23), fill=tuple(range(c, c + chunk.shape[2])))
            assert np.array_equal(whole[..., c : c + 4], alone)
        assert whole[0, 0].tolist() == list(range(channels))  # a corner shows the fill


# ---------------------------------------------------------------------- coordinates
def test_rotation_direction_and_pixel_centres_agree_with_opencv() -> None:
    # 90 degrees counter-clockwise on screen: the top-right corner goes to the top-left
    img = np.zeros((8, 8), np.uint8)
    img[0, 7] = 255
    out = im.Rotate(limit=(90, 90), p=1.0)(image=img, keypoints=np.array([[7.5, 0.5]]))
    assert out["image"][0, 0] == 255 and out["image"].sum() == 255
    assert np.allclose(out["keypoints"], [[0.5, 0.5]])
    ref = cv2.warpAffine(img, cv2.getRotationMatrix2D((3.5, 3.5), 90, 1.0), (8, 8))
    assert np.array_equal(out["image"], ref)


def test_boxes_and_keypoints_follow_the_pixels_through_an_affine_map() -> None:
    # a white rectangle on black: the moved box equals the envelope of the moved white pixels
    img = np.zeros((60, 80), np.uint8)
    img[10:30, 20:50] = 255
    t = im.Affine(scale=(0.9, 1.1), translate=0.05, rotate=20, shear=5, p=1.0)
    for key in range(5):
        out = t(image=img, bboxes=np.array([[20.0, 10.0, 50.0, 30.0]]), key=key)
        ys, xs = np.nonzero(out["image"] > 127)
        x0, y0, x1, y1 = out["bboxes"][0]
        assert abs(xs.min() - x0) < 1.5 and abs(xs.max() + 1 - x1) < 1.5
        assert abs(ys.min() - y0) < 1.5 and abs(ys.max() + 1 - y1) < 1.5


def test_random_resized_crop_follows_torchvision() -> None:
    img = np.zeros((100, 200, 3), np.uint8)
    t = im.RandomResizedCrop(size=(32, 32), scale=(0.1, 0.5), ratio=(0.5, 2.0), seed=0)
    for key in range(200):
        p = t(image=img, key=key, trace=True)["trace"][0]["params"]
        area = p["height"] * p["width"] / (100 * 200)
        assert 0.09 <= area <= 0.51 and 0.45 <= p["width"] / p["height"] <= 2.2
        assert 0 <= p["top"] <= 100 - p["height"] and 0 <= p["left"] <= 200 - p["width"]
    # no attempt can fit: the largest centred window within the ratio
    p = im.RandomResizedCrop(size=8, scale=(1.0, 1.0), ratio=(1.0, 1.0), seed=0)(image=img, trace=True)
    assert p["trace"][0]["params"] == {"top": 0, "left": 50, "height": 100, "width": 100}


def test_perspective_never_shows_the_border() -> None:
    img = np.full((40, 60, 3), 200, np.uint8)
    t = im.Perspective(scale=(0.2, 0.3), p=1.0, seed=0)
    for key in range(10):
        out = t(image=img, key=key, trace=True)
        assert (out["image"] == 200).all()
        corners = np.array(out["trace"][0]["params"]["corners"])
        assert (corners >= 0).all() and (corners <= 1).all()


def test_affine_parameter_forms() -> None:
    img = np.zeros((10, 10), np.uint8)

    def params(**kw: Any) -> dict[str, Any]:
        return im.Affine(p=1.0, seed=0, **kw)(image=img, trace=True)["trace"][0]["params"]

    p = params(scale=0.2, translate=0.1, rotate=10, shear=5)
    assert p["scale"][0] == p["scale"][1] and 0.8 <= p["scale"][0] <= 1.2  # one zoom, aspect kept
    assert all(-0.1 <= v <= 0.1 for v in p["translate"]) and p["translate"][0] != p["translate"][1]
    assert -10 <= p["rotate"] <= 10 and -5 <= p["shear"][0] <= 5 and p["shear"][1] == 0.0  # x-shear only
    p = params(scale={"x": (2, 2)}, translate={"y": (0.5, 0.5)}, shear={"y": (7, 7)})
    assert p["scale"] == [2.0, 1.0] and p["translate"] == [0.0, 0.5] and p["shear"] == [0.0, 7.0]


# ---------------------------------------------------------------------- targets
def test_min_visibility_drops_boxes_with_their_labels() -> None:
    img = np.zeros((20, 20), np.uint8)
    boxes = np.array([[0.0, 0.0, 10.0, 10.0], [8.0, 0.0, 12.0, 4.0], [15.0, 15.0, 20.0, 20.0]])
    labels = np.array([7, 8, 9])
    shift = {"x": (0.25, 0.25)}  # 5 px right: box 0 keeps 10/10, box 1 4/4 and box 2 0/5 of its width
    out = im.Affine(translate=shift, p=1.0)(image=img, bboxes=boxes, bbox_labels=labels)
    assert out["bbox_labels"].tolist() == [7, 8] and isinstance(out["bbox_labels"], np.ndarray)
    assert out["bboxes"].tolist() == [[5.0, 0.0, 15.0, 10.0], [13.0, 0.0, 17.0, 4.0]]
    crop = im.RandomCrop(20, 10, min_visibility=0.6)  # the left half: box 1 keeps 2/4 of its area

    def left_half(t: im.RandomCrop) -> list[Any]:
        params = {"top": 0, "left": 0}
        return [{"transform": "image.RandomCrop", "path": [], "params": params, "fingerprint": t.fingerprint}]

    out = crop.replay(left_half(crop), image=img, bboxes=boxes, bbox_labels=["a", "b", "c"])
    assert out["bbox_labels"] == ["a"] and out["bboxes"].tolist() == [[0.0, 0.0, 10.0, 10.0]]
    plain = im.RandomCrop(20, 10)
    out = plain.replay(left_half(plain), image=img, bboxes=boxes, bbox_labels=["a", "b", "c"])
    assert out["bbox_labels"] == ["a", "b"] and out["bboxes"].tolist()[1] == [8.0, 0.0, 10.0, 4.0]


def test_keypoints_are_kept_outside_unless_asked() -> None:
    img = np.zeros((20, 20), np.uint8)
    pts = np.array([[1.0, 1.0], [10.0, 10.0]])
    kw: dict[str, Any] = {"translate": {"x": (-0.25, -0.25)}, "p": 1.0}
    assert im.Affine(**kw)(image=img, keypoints=pts)["keypoints"].tolist() == [[-4.0, 1.0], [5.0, 10.0]]
    dropped = im.Affine(**kw, drop_outside_keypoints=True)(image=img, keypoints=pts)["keypoints"]
    assert dropped.tolist() == [[5.0, 10.0]]


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.int8, np.uint16, np.int32, np.uint32, np.int64])
def test_masks_of_any_integer_dtype_keep_their_labels(dtype: Any) -> None:
    info = np.iinfo(dtype) if dtype is not np.bool_ else None
    big = 1 if info is None else int(info.max)
    mask = np.zeros((16, 16), dtype)
    mask[2:9, 3:12] = big
    mask[10:14, 1:5] = 1
    for name, make in OPS.items():
        out = make()(image=np.zeros((16, 16), np.uint8), mask=mask, key=1)["mask"]
        assert out.dtype == mask.dtype, name
        assert set(np.unique(out).tolist()) <= {0, 1, big}, name


def test_border_modes_and_per_channel_fill() -> None:
    img = np.full((20, 30, 3), 100, np.uint8)
    mask = np.ones((20, 30), np.uint8)
    for border in F.BORDERS:
        out = im.Rotate(limit=(45, 45), border=border, fill=(10, 20, 30), fill_mask=5, p=1.0)(
            image=img, mask=mask
        )
        corner, mcorner = out["image"][0, 0], out["mask"][0, 0]
        if border == "constant":
            assert corner.tolist() == [10, 20, 30] and mcorner == 5
        else:  # the image's own pixels fill the corners
            assert corner.tolist() == [100, 100, 100] and mcorner == 1
    fimg = np.full((20, 30), 0.5, np.float32)
    out = im.Affine(scale=(0.5, 0.5), fill=0.25, p=1.0)(image=fimg)["image"]
    assert out.dtype == np.float32 and out[0, 0] == np.float32(0.25) and out[10, 15] == np.float32(0.5)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("make", "sample", "field"),
    [
        (lambda: im.Rotate(p=1.0), {"image": np.zeros((2, 40_000), np.uint8)}, "image"),
        (lambda: im.Rotate(fill=(1, 2), p=1.0), {"image": np.zeros((4, 4, 3), np.uint8)}, "fill"),
        (lambda: im.Affine(fill=128, p=1.0), {"image": np.zeros((4, 4), np.float32)}, "fill"),
        (
            lambda: im.ElasticTransform(fill_mask=-1, p=1.0),
            {"image": np.zeros((4, 4), np.uint8), "mask": np.zeros((4, 4), np.uint8)},
            "fill_mask",
        ),
        (lambda: im.RandomCrop(5, 5, p=0.0), {"image": np.zeros((4, 8), np.uint8)}, "image"),
        (lambda: im.RandomResizedCrop(size=(4, 4)), {"image": np.zeros((4, 4, 2, 1), np.uint8)}, "image"),
    ],
)
def test_bad_input_is_reported_not_raised_by_opencv(make: Any, sample: dict[str, Any], field: str) -> None:
    with pytest.raises(ma.InvalidInputError, match=f"`{field}`"):
        make()(**sample, key=0)


def test_a_crop_larger_than_the_image_left_by_earlier_ops_is_reported() -> None:
    pipe = ma.Compose([im.RandomResizedCrop(size=(8, 8)), im.RandomCrop(10, 10)], seed=0)
    with pytest.raises(ma.InvalidInputError, match="smaller than the 10x10 crop"):
        pipe(image=np.zeros((32, 32), np.uint8), key=0)


@SETTINGS
@given(
    image=hnp.arrays(
        st.sampled_from([np.uint8, np.float32]),
        hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=9),
        elements=st.integers(0, 1),
    ),
    key=st.integers(0, 100),
)
def test_odd_shapes_and_layouts_never_raise_raw_errors(image: np.ndarray, key: int) -> None:
    views = [image, image[::-1], np.asfortranarray(image)]
    for name, make in OPS.items():
        for view in views:
            try:
                out = make()(image=view, key=key)
            except ma.InvalidInputError:
                continue  # e.g. a crop larger than the image: named and explained
            assert out["image"].shape == out_shape(name, view.shape), name


# ---------------------------------------------------------------------- real photo: keypoints vs pixels
@functools.cache
def _dark_photo() -> np.ndarray:
    return photo().astype(np.float32) * 0.3


def _dot_canvas(shape: tuple[int, ...], point: tuple[float, float]) -> np.ndarray:
    """A darkened copy of the photo with a bright Gaussian dot centred on ``point`` (continuous x, y)."""
    base = _dark_photo()[: shape[0], : shape[1]]
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]] + 0.5  # pixel centres
    dot = 255.0 * np.exp(-((xs - point[0]) ** 2 + (ys - point[1]) ** 2) / (2 * 2.0**2))
    return np.clip(np.maximum(base, dot[..., None]), 0, 255).astype(np.uint8)


def _find_dot(img: np.ndarray) -> tuple[float, float] | None:
    """Intensity-weighted centroid (continuous x, y) of the brightest blob; None if there is no clear dot."""
    gray = img.max(axis=2).astype(np.float64)
    i, j = np.unravel_index(np.argmax(gray), gray.shape)
    peak = gray[i, j]
    if peak < 150:
        return None
    r = 6
    y0, y1, x0, x1 = (
        max(i - r, 0),
        min(i + r + 1, gray.shape[0]),
        max(j - r, 0),
        min(j + r + 1, gray.shape[1]),
    )
    win = np.clip(gray[y0:y1, x0:x1] - 0.5 * peak, 0, None)
    ys, xs = np.mgrid[y0:y1, x0:x1] + 0.5
    return float((win * xs).sum() / win.sum()), float((win * ys).sum() / win.sum())


PHOTO_OPS: dict[str, Any] = {
    "HorizontalFlip": lambda: im.HorizontalFlip(p=1.0),
    "VerticalFlip": lambda: im.VerticalFlip(p=1.0),
    "RandomCrop": lambda: im.RandomCrop(300, 400),
    "RandomResizedCrop": lambda: im.RandomResizedCrop(size=(320, 320), scale=(0.3, 1.0)),
    "Rotate": lambda: im.Rotate(limit=40, p=1.0),
    "Affine": lambda: im.Affine(scale=(0.8, 1.2), translate=0.1, rotate=20, shear=10, p=1.0),
    "Perspective": lambda: im.Perspective(scale=(0.05, 0.12), p=1.0),
    "ElasticTransform": lambda: im.ElasticTransform(alpha=50, sigma=5, p=1.0),
    "fused chain": lambda: ma.Compose(
        [
            im.RandomResizedCrop(size=(360, 360), scale=(0.4, 1.0)),
            im.HorizontalFlip(p=0.5),
            im.Rotate(limit=25, p=1.0),
            im.Perspective(p=1.0),
        ]
    ),
}


def dots_checked(name: str, t: Any, points: list[tuple[float, float]]) -> int:
    """Paint a dot at each point of a photo-sized canvas, move it with ``t`` (key = its index) and
    check the moved keypoint lies within 1.5 px of the dot's centre; returns how many were checked."""
    t.seed = 4
    checked = 0
    for key, point in enumerate(points):
        out = t(image=_dot_canvas((427, 640, 3), point), keypoints=np.array([point]), key=key)
        (x, y), (h, w) = out["keypoints"][0], out["image"].shape[:2]
        if not (8 <= x <= w - 8 and 8 <= y <= h - 8):
            continue  # the op moved the dot out of (or onto the edge of) the picture
        found = _find_dot(out["image"])
        assert found is not None, (name, key)
        assert np.hypot(found[0] - x, found[1] - y) <= 1.5, (name, key, found, (x, y))
        checked += 1
    return checked


@pytest.mark.parametrize("name", sorted(PHOTO_OPS))
def test_keypoints_land_on_the_pixels_they_marked(name: str) -> None:
    points = [(200.0 + 37.3 * key, 150.0 + 21.7 * key) for key in range(6)]
    assert dots_checked(name, PHOTO_OPS[name](), points) >= 3, name


def test_elastic_keypoints_invert_the_displacement_field() -> None:
    fields = FE.elastic_fields(60, 80, 50.0, 5.0, seed=11)
    q = np.array([[10.3, 20.7], [40.0, 30.0], [70.5, 55.5]])
    p = FE.elastic_points(q, fields)
    # the output pixel at p samples the input at p + d(p) = q
    d = np.stack(
        [FE._bilinear(fields[0], p[:, 0], p[:, 1]), FE._bilinear(fields[1], p[:, 0], p[:, 1])], axis=1
    )
    assert np.abs(p + d - q).max() < 1e-3


def test_reference_sample_round_trip_of_every_op_through_the_suite_sample() -> None:
    sample = reference_image_sample()
    for name, make in OPS.items():
        t = make()
        t.seed = 1
        out = t(**sample, key=5, trace=True)
        replayed = t.replay(out.pop("trace"), **sample)
        assert_samples_equal(replayed, out)
        assert len(out["bboxes"]) == len(out["bbox_labels"]), name


def _traced(t: Any, img: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    out = t(image=img, trace=True)
    return out["image"], out["trace"][0]["params"]


def test_each_op_has_a_kernel_named_like_its_class() -> None:
    """The functional kernels give what the classes give on an image alone, from the traced params."""
    img = np.random.default_rng(3).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    out, _ = _traced(im.HorizontalFlip(p=1.0), img)
    assert np.array_equal(out, F.horizontal_flip(img))
    out, _ = _traced(im.VerticalFlip(p=1.0), img)
    assert np.array_equal(out, F.vertical_flip(img))
    out, p = _traced(im.RandomCrop(12, 17, seed=1), img)
    assert np.array_equal(out, F.crop(img, p["top"], p["left"], 12, 17))
    out, p = _traced(im.RandomResizedCrop(size=(21, 13), seed=2), img)
    assert np.array_equal(out, F.resized_crop(img, p["top"], p["left"], p["height"], p["width"], (21, 13)))
    out, p = _traced(im.Rotate(limit=40, border="reflect", p=1.0, seed=3), img)
    assert np.array_equal(out, F.rotate(img, p["angle"], border="reflect"))
    out, p = _traced(
        im.Affine(scale=0.2, translate=0.1, rotate=20, shear=10, fill=(9, 8, 7), p=1.0, seed=4), img
    )
    pixels = (p["translate"][0] * 40, p["translate"][1] * 30)
    assert np.array_equal(out, F.affine(img, p["scale"], pixels, p["rotate"], p["shear"], fill=(9, 8, 7)))
    out, p = _traced(im.Perspective(p=1.0, seed=5), img)
    assert np.array_equal(out, F.perspective(img, p["corners"]))
    out, p = _traced(im.ElasticTransform(p=1.0, seed=6), img)
    assert np.array_equal(out, FE.elastic_transform(img, p["alpha"], p["sigma"], p["noise_seed"]))


@pytest.mark.parametrize("sigma", [5.0, 10.0, 20.0])
def test_coarse_elastic_field_has_the_full_fields_spread_and_smoothness(sigma: float) -> None:
    """``grid="coarse"``: another realisation of the same field statistics, and exact target moves."""
    full = FE.elastic_fields(240, 320, 40.0, sigma, seed=7)
    coarse = FE.elastic_fields_coarse(240, 320, 40.0, sigma, seed=7)
    assert coarse.shape == full.shape and coarse.dtype == np.float32
    assert 0.75 < coarse.std() / full.std() < 1.25

    def roughness(d: np.ndarray) -> float:  # neighbour differences relative to the spread
        return float(np.std(np.diff(d, axis=2)) / np.std(d))

    assert 0.75 < roughness(coarse) / roughness(full) < 1.25
    q = np.array([[10.3, 20.7], [140.0, 130.0], [300.5, 200.5]])
    p = FE.elastic_points(q, coarse)
    d = np.stack([FE._bilinear(coarse[0], p[:, 0], p[:, 1]), FE._bilinear(coarse[1], p[:, 0], p[:, 1])], 1)
    assert np.abs(p + d - q).max() < 1e-3


def test_coarse_elastic_is_keyed_configured_and_leaves_the_default_unchanged() -> None:
    img = np.random.default_rng(4).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    full = im.ElasticTransform(p=1.0, seed=3)
    coarse = im.ElasticTransform(p=1.0, seed=3, grid="coarse")
    assert "grid" not in full.to_config()["params"]  # the default stays out: fingerprints unchanged
    again = ma.from_config(coarse.to_config())
    a, b = coarse(image=img, key=2, trace=True), again(image=img, key=2)
    assert np.array_equal(a["image"], b["image"])
    assert np.array_equal(coarse.replay(a["trace"], image=img)["image"], a["image"])
    assert not np.array_equal(a["image"], full(image=img, key=2)["image"])
    with pytest.raises(ma.InvalidInputError, match="grid"):
        im.ElasticTransform(grid="fine")
