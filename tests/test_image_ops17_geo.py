"""Issue 17's geometric ops against independent references.

``RandomRotate90`` / ``Transpose``: ``np.rot90`` / ``np.transpose`` of the pixels, and boxes and
keypoints against pixels marked in a label image that NumPy turned; the distortions:
keypoints within 1.5 px of dots painted on a real photo, and the camera model against
``cv2.initUndistortRectifyMap``; ``BBoxSafeRandomCrop``: every box whole (hypothesis);
``CropNonEmptyMaskIfExists``: the crop holds labelled pixels (hypothesis).
"""

from __future__ import annotations

import json
from typing import Any

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import multiaug as ma
from multiaug.image.functional import distortion as FD
from multiaug.testing import assert_samples_equal
from tests.test_image_geometric import dots_checked

im = ma.image
_FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------- quarter turns, transpose
def _factor(out: dict[str, Any]) -> int:
    return int(out["trace"][0]["params"]["factor"])


def _marked(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    """A label image with label ``i + 1`` on the pixel under keypoint ``i`` (at pixel centres)."""
    labels = np.zeros(shape, np.int32)
    for i, (x, y) in enumerate(points):
        labels[int(y), int(x)] = i + 1
    return labels


@_FAST
@given(
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    channels=st.sampled_from([None, 1, 3, 4, 5, 7]),
    dtype=st.sampled_from([np.uint8, np.float32]),
    key=st.integers(0, 1000),
)
def test_random_rotate90_is_np_rot90_with_exact_targets(h, w, channels, dtype, key) -> None:
    rng = np.random.default_rng(key)
    if channels is not None and channels > 4:  # (2, 3, 5) would read as a CHW image
        h, w = h + 8, w + 8
    shape = (h, w) if channels is None else (h, w, channels)
    image = rng.random(shape).astype(np.float32)
    image = (image * 255).astype(np.uint8) if dtype == np.uint8 else image
    mask = rng.integers(-(2**40), 2**40, (h, w))  # int64 labels: no OpenCV type holds them
    points = np.stack([rng.integers(0, w, 3), rng.integers(0, h, 3)], axis=1) + 0.5
    box = np.array([[0.0, 0.0, float(rng.integers(1, w + 1)), float(rng.integers(1, h + 1))]])
    t = im.RandomRotate90(p=1.0, seed=3)
    out = t(image=image, mask=mask, keypoints=points, bboxes=box, key=key, trace=True)
    k = _factor(out)
    np.testing.assert_array_equal(out["image"], np.rot90(image, k))
    np.testing.assert_array_equal(out["mask"], np.rot90(mask, k))
    assert out["image"].dtype == image.dtype and out["mask"].dtype == mask.dtype
    # keypoints: the pixel NumPy's turn moved each marked pixel to
    for point, (x, y) in zip(points, out["keypoints"], strict=True):
        turned = np.rot90(_marked((h, w), point[None]), k)
        assert turned[int(y), int(x)] == 1 and x % 1 == 0.5 and y % 1 == 0.5
    # boxes: the bounding rectangle of the turned box region
    region = np.zeros((h, w), bool)
    x0, y0, x1, y1 = box[0].astype(int)
    region[y0:y1, x0:x1] = True
    ys, xs = np.nonzero(np.rot90(region, k))
    np.testing.assert_array_equal(out["bboxes"][0], [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])


@_FAST
@given(
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    channels=st.sampled_from([None, 1, 2, 3, 4, 6]),
    seed=st.integers(0, 1000),
)
def test_transpose_is_np_transpose_with_exact_targets(h, w, channels, seed) -> None:
    if channels is not None and channels > 4:  # (2, 3, 6) would read as a CHW image
        h, w = h + 8, w + 8
    shape = (h, w) if channels is None else (h, w, channels)
    image = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    mask = (np.arange(h * w).reshape(h, w) % 5).astype(bool)
    points = np.array([[0.5, 0.5], [w - 0.5, h - 0.5], [w / 3, h / 4]])
    boxes = np.array([[0.0, 0.0, w / 2, h / 3]])
    out = im.Transpose(p=1.0)(image=image, mask=mask, keypoints=points, bboxes=boxes)
    np.testing.assert_array_equal(out["image"], np.swapaxes(image, 0, 1))
    np.testing.assert_array_equal(out["mask"], mask.T)
    np.testing.assert_array_equal(out["keypoints"], points[:, ::-1])
    np.testing.assert_array_equal(out["bboxes"], boxes[:, [1, 0, 3, 2]])


def test_quarter_turns_and_transposes_return_views_of_the_input() -> None:
    """A pure re-indexing moves no pixel (as AlbumentationsX): the output is a view, the input untouched."""
    image = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    before = image.copy()
    mask = np.arange(5 * 7, dtype=np.int32).reshape(5, 7)
    t = im.RandomRotate90(p=1.0, seed=0)
    seen = set()
    for key in range(12):
        out = t(image=image, key=key, trace=True)
        with_mask = t(image=image, mask=mask, key=key)
        k = _factor(out)
        seen.add(k)
        assert np.shares_memory(out["image"], image) and np.shares_memory(with_mask["image"], image)
        assert np.shares_memory(with_mask["mask"], mask)
        np.testing.assert_array_equal(with_mask["mask"], np.rot90(mask, k))
    assert seen == {0, 1, 2, 3}
    out = im.Transpose(p=1.0)(image=image)["image"]
    assert np.shares_memory(out, image) and out.strides == image.strides[1::-1] + image.strides[2:]
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize("channels", [None, 1, 3, 4, 5, 7])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_an_image_alone_turns_exactly(channels, dtype) -> None:
    """An image without targets takes the direct path (no pending group): still np.rot90 / np.transpose."""
    shape = (11, 9) if channels is None else (11, 9, channels)
    image = np.random.default_rng(channels or 0).integers(0, 256, shape).astype(np.uint8)
    image = image.astype(dtype) / dtype(255) if dtype == np.float32 else image
    t = im.RandomRotate90(p=1.0, seed=1)
    seen = set()
    for key in range(16):
        out = t(image=image, key=key, trace=True)
        k = _factor(out)
        seen.add(k)
        np.testing.assert_array_equal(out["image"], np.rot90(image, k))
        assert out["image"].dtype == image.dtype and np.shares_memory(out["image"], image)
        with_mask = t(image=image, mask=np.zeros(image.shape[:2], np.uint8), key=key)
        np.testing.assert_array_equal(out["image"], with_mask["image"])
    assert seen == {0, 1, 2, 3}
    out = im.Transpose(p=1.0)(image=image)["image"]
    np.testing.assert_array_equal(out, np.swapaxes(image, 0, 1))
    assert out.dtype == image.dtype and np.shares_memory(out, image)


def _right_angle_chain(fuse: bool) -> ma.Compose:
    return ma.Compose(
        [
            im.RandomRotate90(p=1.0),
            im.HorizontalFlip(p=0.5),
            im.Transpose(p=0.5),
            im.RandomCrop(9, 11),
            im.RandomRotate90(p=1.0),
            im.VerticalFlip(p=0.5),
        ],
        seed=5,
        fuse=fuse,
    )


def test_fused_right_angle_chains_equal_the_ops_one_by_one_exactly() -> None:
    rng = np.random.default_rng(0)
    sample = {
        "image": rng.integers(0, 256, (17, 13, 3), dtype=np.uint8),
        "mask": rng.integers(0, 4, (17, 13), dtype=np.uint8),
        "bboxes": np.array([[1.0, 2.0, 7.5, 9.0], [3.0, 3.0, 12.0, 16.0]]),
        "keypoints": np.array([[2.5, 3.5], [10.25, 14.75]]),
    }
    fused, unfused = _right_angle_chain(True), _right_angle_chain(False)
    for key in range(16):
        a, b = fused(**sample, key=key), unfused(**sample, key=key)
        assert_samples_equal(a, b)


# ---------------------------------------------------------------------- painted dots
PHOTO_OPS: dict[str, Any] = {
    "RandomRotate90": lambda: im.RandomRotate90(p=1.0),
    "Transpose": lambda: im.Transpose(p=1.0),
    "GridDistortion": lambda: im.GridDistortion(num_steps=5, distort_limit=0.3, p=1.0),
    "OpticalDistortion camera": lambda: im.OpticalDistortion(distort_limit=0.3, p=1.0),
    "OpticalDistortion fisheye": lambda: im.OpticalDistortion(distort_limit=0.3, mode="fisheye", p=1.0),
    "SafeRotate": lambda: im.SafeRotate(limit=90, p=1.0),
    "ShiftScaleRotate": lambda: im.ShiftScaleRotate(p=1.0),
    "BBoxSafeRandomCrop": lambda: im.BBoxSafeRandomCrop(erosion_rate=0.4),
    "chain": lambda: ma.Compose(
        [im.RandomRotate90(p=1.0), im.GridDistortion(p=1.0), im.Transpose(p=0.5), im.OpticalDistortion(p=1.0)]
    ),
}


@pytest.mark.parametrize("name", sorted(PHOTO_OPS))
def test_keypoints_land_on_the_dots_they_marked(name: str) -> None:
    points = [(150.0 + 37.3 * key, 100.0 + 31.7 * key) for key in range(8)]
    assert dots_checked(name, PHOTO_OPS[name](), points) >= 4, name


def test_camera_distortion_is_opencvs_undistort_map() -> None:
    h, w, k = 48, 64, 0.3
    mx, my = FD.optical_source((h, w), k, "camera")
    # OpenCV's pixel indices: the centre of a W-wide image is at index W / 2 - 0.5
    camera = np.array([[w, 0, w / 2 - 0.5], [0, h, h / 2 - 0.5], [0, 0, 1]], np.float64)
    rx, ry = cv2.initUndistortRectifyMap(
        camera, np.array([k, k, 0, 0, 0], np.float64), None, camera, (w, h), cv2.CV_32FC1
    )
    assert np.abs(mx - rx).max() < 1e-3 and np.abs(my - ry).max() < 1e-3


@pytest.mark.parametrize("mode", ["camera", "fisheye"])
@pytest.mark.parametrize("k", [-0.9, -0.3, 0.05, 0.6])
def test_optical_keypoints_are_read_back_by_the_remap(mode: str, k: float) -> None:
    """The output pixel at a moved point reads the input at the original point.

    With ``k < 0`` the content is pushed outwards, and points near the corners may lie past
    the fold of the radial map: no output pixel reads them, and they go to the fold, where the
    output reads the farthest content it shows.
    """
    h, w = size = (60, 90)
    q = np.array([[3.0, 4.0], [45.0, 30.0], [80.5, 55.25], [10.0, 50.0], [0.0, 0.0], [40.0, 20.0]])
    p = FD.optical_move(q, size, k, mode)
    assert np.isfinite(p).all()
    sx, sy = FD._radial(p[:, 0], p[:, 1], size, k, mode)
    reached = np.abs(np.stack([sx, sy], axis=1) - q).max(axis=1) < 1e-6
    centre = np.array([w / 2, h / 2])
    farther = np.hypot(*(q - centre).T) > np.hypot(sx - centre[0], sy - centre[1])
    assert (reached | farther).all(), (mode, k, p)
    assert reached[[1, 5]].all()  # near the centre the map never folds
    if k > 0:
        assert reached.all()


def test_grid_targets_invert_the_remap_exactly() -> None:
    size, xs, ys = (40, 50), [0.3, -0.2, 0.1, -0.25], [-0.3, 0.25, 0.0, 0.1]
    q = np.array([[0.0, 0.0], [12.3, 7.7], [49.9, 39.0], [25.0, 20.0]])
    p = FD.grid_move(q, size, xs, ys)
    out_x, in_x = FD.grid_edges(size[1], xs)
    out_y, in_y = FD.grid_edges(size[0], ys)
    np.testing.assert_allclose(np.interp(p[:, 0], out_x, in_x), q[:, 0], atol=1e-9)
    np.testing.assert_allclose(np.interp(p[:, 1], out_y, in_y), q[:, 1], atol=1e-9)


# ---------------------------------------------------------------------- data-dependent crops
@st.composite
def _boxes(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    h, w = draw(st.integers(2, 40)), draw(st.integers(2, 40))
    n = draw(st.integers(0, 5))
    xs = np.sort(draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(0, w))), axis=1)
    ys = np.sort(draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(0, h))), axis=1)
    keep = (xs[:, 1] - xs[:, 0] > 1e-3) & (ys[:, 1] - ys[:, 0] > 1e-3)
    boxes = np.stack([xs[:, 0], ys[:, 0], xs[:, 1], ys[:, 1]], axis=1)[keep]
    return np.zeros((h, w, 3), np.uint8), boxes


@_FAST
@given(data=_boxes(), key=st.integers(0, 10_000), erosion=st.floats(0.0, 1.0))
def test_bbox_safe_crop_keeps_every_box_whole(data, key, erosion) -> None:
    image, boxes = data
    # boxes all within [0, 1] are refused as normalised boxes given as pixels (tested elsewhere)
    assume(not (len(boxes) and boxes.max() <= 1.0))
    t = im.BBoxSafeRandomCrop(erosion_rate=erosion, seed=1)
    out = t(image=image, bboxes=boxes, bbox_labels=list(range(len(boxes))), key=key, trace=True)
    win = out["trace"][0]["params"]
    h, w = out["image"].shape[:2]
    assert (h, w) == (win["height"], win["width"]) and h >= 1 and w >= 1
    assert out["bbox_labels"] == list(range(len(boxes)))  # none dropped
    shift = np.array([win["left"], win["top"], win["left"], win["top"]], np.float64)
    np.testing.assert_allclose(out["bboxes"], boxes - shift, atol=1e-9)  # none cut
    if len(boxes):
        assert (out["bboxes"] >= -1e-9).all()
        assert (out["bboxes"][:, [2, 3]] <= [w + 1e-9, h + 1e-9]).all()


@_FAST
@given(
    h=st.integers(8, 30),
    w=st.integers(8, 30),
    n=st.integers(0, 3),
    key=st.integers(0, 10_000),
    seed=st.integers(0, 2**31),
)
def test_crop_non_empty_mask_holds_labelled_pixels(h, w, n, key, seed) -> None:
    rng = np.random.default_rng(seed)
    mask = np.zeros((h, w), np.uint8)
    mask[rng.integers(0, h, n), rng.integers(0, w, n)] = 2
    mask[rng.integers(0, h, 5), rng.integers(0, w, 5)] = 9  # "void": ignored
    t = im.CropNonEmptyMaskIfExists(6, 7, ignore_values=[9], seed=3)
    for sample in ({"mask": mask}, {"masks": [np.zeros_like(mask), mask]}):
        out = t(image=np.zeros((h, w), np.uint8), **sample, key=key)
        crop = out["mask"] if "mask" in sample else out["masks"][1]
        assert crop.shape == (6, 7)
        assert (crop == 2).any() == (mask == 2).any()


def test_crop_non_empty_mask_reads_the_mask_after_pending_ops() -> None:
    mask = np.zeros((40, 60), np.uint8)
    mask[2, 3] = 1  # one labelled pixel, in the top-left corner
    pipe = ma.Compose([im.HorizontalFlip(p=1.0), im.CropNonEmptyMaskIfExists(5, 5)], seed=0)
    for key in range(10):
        assert pipe(image=np.zeros((40, 60), np.uint8), mask=mask, key=key)["mask"].sum() == 1


# ---------------------------------------------------------------------- keyed, trace, replay, errors
def _all_ops() -> ma.Compose:
    return ma.Compose(
        [
            im.BBoxSafeRandomCrop(p=1.0),
            im.RandomRotate90(p=0.7),
            im.Transpose(p=0.5),
            im.SafeRotate(p=0.5),
            im.ShiftScaleRotate(p=0.5),
            im.GridDistortion(p=0.5),
            im.OpticalDistortion(p=0.5),
            im.RandomGridShuffle(p=0.5),
            im.CropNonEmptyMaskIfExists(20, 24),
        ],
        seed=11,
    )


def test_keyed_determinism_and_replay_of_every_new_op() -> None:
    rng = np.random.default_rng(2)
    mask = np.zeros((48, 64), np.uint8)
    mask[30:34, 40:44] = 1
    sample = {
        "image": rng.integers(0, 256, (48, 64, 3), dtype=np.uint8),
        "mask": mask,
        "bboxes": np.array([[5.0, 6.0, 20.0, 30.0]]),
        "keypoints": np.array([[10.0, 12.0]]),
    }
    pipe = _all_ops()
    outs = [pipe(**sample, key=k, trace=True) for k in range(6)]
    for k, out in enumerate(outs):
        trace = json.loads(json.dumps(out.pop("trace")))
        assert_samples_equal(_all_ops()(**sample, key=k), out)
        assert_samples_equal(pipe.replay(trace, **sample), out)
    assert len({o["image"].tobytes() for o in outs}) == len(outs)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: im.GridDistortion(num_steps=0), "num_steps"),
        (lambda: im.GridDistortion(distort_limit=1.5), "distort_limit"),
        (lambda: im.OpticalDistortion(mode="barrel"), "mode"),
        (lambda: im.CropNonEmptyMaskIfExists(4, 4, ignore_values=[0.5]), "ignore_values"),
        (lambda: im.BBoxSafeRandomCrop(erosion_rate=2), "erosion_rate"),
        (lambda: im.ShiftScaleRotate(scale_limit=(-1.5, 0)), "scale_limit"),
        (lambda: im.RandomGridShuffle(grid=(0, 3)), "grid"),
    ],
)
def test_bad_parameters_name_their_field(make, field) -> None:
    with pytest.raises(ma.InvalidInputError, match=field):
        make()


def test_a_replayed_grid_with_the_wrong_step_count_is_refused() -> None:
    t = im.GridDistortion(num_steps=3, p=1.0, seed=0)
    sample = {"image": np.zeros((20, 20), np.uint8)}
    trace = t(**sample, trace=True)["trace"]
    trace[0]["params"]["x_steps"] = trace[0]["params"]["x_steps"][:2]
    with pytest.raises(ma.InvalidInputError, match="x_steps"):
        t.replay(trace, **sample)


def test_a_crop_larger_than_the_image_is_refused() -> None:
    with pytest.raises(ma.InvalidInputError, match="image"):
        im.CropNonEmptyMaskIfExists(30, 30)(image=np.zeros((20, 40), np.uint8))


# ---------------------------------------------------------------------- grid shuffle
def test_grid_shuffle_permutes_whole_tiles_with_their_targets() -> None:
    h, w = 30, 45
    ys, xs = np.mgrid[0:h, 0:w]
    image = np.stack([ys, xs, np.zeros_like(ys)], axis=2).astype(np.uint8)  # each pixel knows where it was
    points = np.array([[2.5, 3.5], [30.5, 25.5], [44.5, 12.5]])
    t = im.RandomGridShuffle(grid=(3, 3), p=1.0, seed=0)
    moved = 0
    for key in range(6):
        out = t(image=image, mask=image[..., 0], keypoints=points, key=key)
        np.testing.assert_array_equal(out["mask"], out["image"][..., 0])
        assert sorted(map(tuple, out["image"].reshape(-1, 3).tolist())) == sorted(
            map(tuple, image.reshape(-1, 3).tolist())
        )
        for (x0, y0), (x, y) in zip(points, out["keypoints"], strict=True):
            assert tuple(out["image"][int(y), int(x), :2]) == (int(y0), int(x0))  # the pixel it marked
            moved += (x, y) != (x0, y0)
    assert moved > 0


def test_grid_shuffle_boxes_hold_their_pieces() -> None:
    image = np.zeros((40, 40), np.uint8)
    box = np.array([[5.0, 5.0, 15.0, 12.0]])  # inside the top-left tile of a 2 x 2 grid
    t = im.RandomGridShuffle(grid=(2, 2), p=1.0, seed=1)
    for key in range(6):
        out = t(image=image, bboxes=box, key=key, trace=True)
        (x0, y0, x1, y1), order = out["bboxes"][0], out["trace"][0]["params"]["order"]
        dest = order.index(0)
        assert (x1 - x0, y1 - y0) == (10.0, 7.0)
        assert (x0 - 5.0, y0 - 5.0) == (20.0 * (dest % 2), 20.0 * (dest // 2))
