"""Image targets under every geometric op: masks, keypoint_labels, extra targets, box formats.

The geometric ops are taken from the registry (every registered ``SpatialTransform``, built
by its entry in the shared instance table), so an op added later is covered here without
an edit. Each target is checked against the pixels it belongs to: a keypoint against a dot
painted under it (its own extra image target), boxes against the mask of their object,
every mask against the others (nearest: labels never blended).
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

import multiaug as ma
from multiaug.image.base import SpatialTransform
from multiaug.testing import EXAMPLES, assert_samples_equal

H, W = 40, 56
#: Keypoints at pixel centres, away from the border; each gets a dot in its own extra image.
POINTS = np.array([[14.5, 12.5], [40.5, 10.5], [28.5, 28.5]])
#: The object (label 1 of the mask) and its box.
BOX = np.array([[10.0, 8.0, 30.0, 24.0]])


def geometric_ops() -> list[str]:
    return sorted(
        name
        for name, cls in ma.registered().items()
        if isinstance(cls, type) and issubclass(cls, SpatialTransform) and name in EXAMPLES
    )


def _sample() -> dict[str, Any]:
    rng = np.random.default_rng(5)
    image = (rng.random((H, W)) * 0.2).astype(np.float32)  # dark, so that the dots stand out
    mask = np.zeros((H, W), np.uint8)
    mask[8:24, 10:30] = 1
    mask[28:36, 36:50] = 2
    sample: dict[str, Any] = {
        "image": image,
        "mask": mask,
        "masks": [mask, (mask == 1).astype(np.uint8)],
        "depth": mask.copy(),
        "bboxes": BOX,
        "bbox_labels": ["object"],
        "keypoints": POINTS,
        "keypoint_labels": ["a", "b", "c"],
    }
    for i, (x, y) in enumerate(POINTS):
        dot = np.zeros((H, W), np.float32)
        dot[int(y) - 1 : int(y) + 2, int(x) - 1 : int(x) + 2] = 1.0  # a 3x3 dot centred on the point
        sample[f"dot{i}"] = dot
    return sample


TARGETS = {"depth": "mask", "dot0": "image", "dot1": "image", "dot2": "image"}


#: Where the instance table's configuration does not fit this test: its ElasticTransform
#: (alpha=20, sigma=3) comes close to folding, where a 3x3 dot is smeared over more than a
#: pixel, and its 8x8 RandomCrop would rarely keep a keypoint. The size steps' small sizes, applied
#: twice, would leave no dot whole: here they keep or enlarge the picture.
_OVERRIDES = {
    "image.ElasticTransform": {"alpha": 10, "sigma": 5},
    "image.RandomCrop": {"height": 30, "width": 40},
    "image.CropNonEmptyMaskIfExists": {"height": 30, "width": 40},
    "image.CenterCrop": {"height": 34, "width": 44},
    "image.Resize": {"height": 60, "width": 70},
    "image.SmallestMaxSize": {"max_size": 48},
}


def _pipe(name: str, fuse: bool) -> ma.Compose:
    ops = [EXAMPLES[name].make(p=1.0, **_OVERRIDES.get(name, {})) for _ in range(2)]
    # two ops: a fused pipeline then holds a group of two
    return ma.Compose(ops, seed=3, fuse=fuse, targets=TARGETS)


def _check_targets(sample: dict[str, Any], out: dict[str, Any]) -> int:
    """Check ``out`` against its pixels; returns how many keypoints were checked on their dots."""
    mask = out["mask"]
    h, w = out["image"].shape[:2]
    assert mask.shape == (h, w) and set(np.unique(mask)) <= {0, 1, 2}  # nearest: no blended label
    np.testing.assert_array_equal(out["depth"], mask)
    assert isinstance(out["masks"], list) and len(out["masks"]) == 2
    np.testing.assert_array_equal(out["masks"][0], mask)
    np.testing.assert_array_equal(out["masks"][1], (mask == 1).astype(np.uint8))
    # keypoints and their labels stay aligned; each lies on its own dot (within 1 px)
    labels = out["keypoint_labels"]
    assert len(labels) == len(out["keypoints"])
    checked = 0
    for (x, y), label in zip(out["keypoints"], labels, strict=True):
        dot = out["dot" + str("abc".index(label))]
        if not (3 <= x <= w - 3 and 3 <= y <= h - 3) or dot.sum() < 2.0:
            continue  # at the border: part of its dot is cut away
        ys, xs = np.nonzero(dot > 0.05)
        weights = dot[ys, xs]
        cx, cy = (xs + 0.5) @ weights / weights.sum(), (ys + 0.5) @ weights / weights.sum()
        assert abs(cx - x) <= 1.0 and abs(cy - y) <= 1.0, (label, (x, y), (cx, cy))
        checked += 1
    # the box still encloses its object (with its label)
    ys, xs = np.nonzero(mask == 1)
    if len(out["bboxes"]) and len(xs):
        assert out["bbox_labels"] == ["object"]
        x0, y0, x1, y1 = out["bboxes"][0]
        assert x0 <= xs.min() + 1 and y0 <= ys.min() + 1 and x1 >= xs.max() and y1 >= ys.max()
    return checked


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("name", geometric_ops())
def test_every_target_moves_with_every_geometric_op(name: str, fuse: bool) -> None:
    sample = _sample()
    pipe = _pipe(name, fuse)
    checked = 0
    for key in range(4):
        out = pipe(**sample, key=key)
        checked += _check_targets(sample, out)
        nxhxw = pipe(**{**sample, "masks": np.stack(sample["masks"])}, key=key)["masks"]
        assert isinstance(nxhxw, np.ndarray)
        np.testing.assert_array_equal(nxhxw, np.stack(out["masks"]))
    assert checked >= 2, "too few keypoints stayed inside the image to be checked"


@pytest.mark.parametrize("name", geometric_ops())
def test_targets_survive_configs_and_pickles(name: str) -> None:
    sample = _sample()
    pipe = _pipe(name, True)
    again = ma.from_config(pipe.to_config())
    unpickled = pickle.loads(pickle.dumps(pipe))
    assert again.fingerprint == pipe.fingerprint == unpickled.fingerprint
    for key in range(2):
        out = pipe(**sample, key=key, trace=True)
        trace = out.pop("trace")
        assert_samples_equal(again(**sample, key=key), out)
        assert_samples_equal(unpickled(**sample, key=key), out)
        assert_samples_equal(pipe.replay(trace, **sample), out)


# ---------------------------------------------------------------------- keypoint_labels
@pytest.mark.parametrize("fuse", [True, False])
def test_keypoint_labels_follow_dropped_keypoints(fuse: bool) -> None:
    # Regression: one keypoint came back with three labels.
    image = np.zeros((20, 30), np.uint8)
    crop = ma.image.RandomCrop(10, 10, drop_outside_keypoints=True)
    pipe = ma.Compose([crop, ma.image.HorizontalFlip(p=1.0)], seed=0, fuse=fuse)
    for labels in (["a", "b", "c"], np.array([7, 8, 9])):
        out = pipe(
            image=image, keypoints=[[-5.0, 1.0], [1.0, 1.0], [99.0, 1.0]], keypoint_labels=labels, key=1
        )
        assert len(out["keypoints"]) == len(out["keypoint_labels"])
        assert type(out["keypoint_labels"]) is type(labels)
    top_left = ma.Compose([ma.image.Rotate(limit=(90, 90), p=1.0, drop_outside_keypoints=True)], fuse=fuse)
    out = top_left(image=image, keypoints=[[15.0, 10.0], [500.0, 3.0]], keypoint_labels=["in", "out"])
    assert out["keypoint_labels"] == ["in"] and len(out["keypoints"]) == 1


def test_keypoint_labels_must_match_the_keypoints() -> None:
    with pytest.raises(ma.InvalidInputError, match="`keypoint_labels` has 1 entries for 2 keypoints"):
        ma.image.HorizontalFlip()(
            image=np.zeros((4, 4), np.uint8), keypoints=[[0, 0], [1, 1]], keypoint_labels=[1]
        )


# ---------------------------------------------------------------------- masks
def test_masks_keep_their_container() -> None:
    image = np.zeros((6, 8), np.uint8)
    m = np.arange(48, dtype=np.uint8).reshape(6, 8) % 3
    crop = ma.Compose([ma.image.RandomCrop(4, 5)], seed=0)
    out = crop(image=image, mask=m, masks=[m, m], key=0)
    assert isinstance(out["masks"], list) and all(np.array_equal(x, out["mask"]) for x in out["masks"])
    out = crop(image=image, mask=m, masks=np.stack([m, m, m]), key=0)
    assert out["masks"].shape == (3, 4, 5) and np.array_equal(out["masks"][2], out["mask"])
    empty = crop(image=image, masks=np.zeros((0, 6, 8), np.uint8), key=0)["masks"]
    assert empty.shape == (0, 4, 5)
    assert crop(image=image, masks=[], key=0)["masks"] == []


def test_pixel_ops_leave_masks_alone() -> None:
    image = np.full((6, 8, 3), 100, np.uint8)
    m = np.ones((6, 8), np.uint8)
    out = ma.image.RandomBrightnessContrast(p=1.0, seed=0)(image=image, masks=[m])
    assert out["masks"][0] is m


@pytest.mark.parametrize(
    ("masks", "message"),
    [
        (np.zeros((6, 8), np.uint8), "did you mean mask="),
        ([np.zeros((6, 7), np.uint8)], "`masks\\[0\\]` has shape"),
        ([np.zeros((6, 8), np.float32)], "`masks\\[0\\]` has dtype"),
        (np.zeros((2, 5, 8), np.uint8), "`masks` has shape"),
        ("mask", "must be a list of HxW arrays"),
    ],
)
def test_bad_masks_are_refused_by_name(masks: Any, message: str) -> None:
    with pytest.raises(ma.InvalidInputError, match=message):
        ma.image.HorizontalFlip()(image=np.zeros((6, 8), np.uint8), masks=masks)


# ---------------------------------------------------------------------- named extra targets
def test_extra_images_get_the_pixel_ops_and_extra_masks_do_not() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (16, 20, 3), dtype=np.uint8)
    depth = rng.integers(0, 5, (16, 20), dtype=np.uint8)
    ops = [
        ma.image.HorizontalFlip(p=1.0),
        ma.image.RandomBrightnessContrast(p=1.0),
        ma.image.ColorJitter(0.3, 0.3, p=1.0),
    ]
    for fuse in (True, False):
        pipe = ma.Compose(ops, seed=1, fuse=fuse, targets={"prev": "image", "depth": "mask"})
        out = pipe(image=image, prev=image.copy(), depth=depth, key=4)
        np.testing.assert_array_equal(out["prev"], out["image"])  # the same op, the same parameters
        np.testing.assert_array_equal(out["depth"], depth[:, ::-1])  # flipped, never recoloured
        alone = ma.Compose(ops, seed=1, fuse=fuse)(image=image, key=4)["image"]
        np.testing.assert_array_equal(out["image"], alone)  # declaring targets changes no draw


def test_unknown_arrays_name_the_targets_parameter() -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip(p=1.0)], seed=0)
    with pytest.raises(ma.InvalidInputError, match='targets=\\{"depth": "mask"\\}'):
        pipe(image=np.zeros((4, 4), np.uint8), depth=np.zeros((4, 4), np.float32))


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({"depth": "volume"}, "not a kind an extra target can move like"),
        ({"mask": "mask"}, "a field multiaug already knows"),
        ({"key": "image"}, "a reserved name"),
        ({"2nd": "image"}, "is not a field name"),
        (["depth"], "must be None or a dict"),
    ],
)
def test_bad_target_maps_are_refused(targets: Any, message: str) -> None:
    with pytest.raises(ma.InvalidInputError, match=message):
        ma.Compose([ma.image.HorizontalFlip()], targets=targets)


def test_extra_targets_are_checked_under_their_own_name() -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip()], targets={"depth": "mask", "prev": "image"})
    image = np.zeros((4, 6), np.uint8)
    with pytest.raises(ma.InvalidInputError, match="`depth` has shape"):
        pipe(image=image, depth=np.zeros((4, 5), np.uint8))
    with pytest.raises(ma.InvalidInputError, match="`depth` has dtype complex64"):
        pipe(image=image, depth=np.zeros((4, 6), np.complex64))
    with pytest.raises(ma.InvalidInputError, match="`depth` must be HxW or HxWxC"):
        pipe(image=image, depth=np.zeros((4, 6, 1, 1), np.float32))
    with pytest.raises(ma.InvalidInputError, match="`prev` has dtype float64"):
        pipe(image=image, prev=np.zeros((4, 6), np.float64))
    with pytest.raises(
        ma.InvalidInputError, match="`prev` is uint8 \\(5, 6\\) but the image is uint8 \\(4, 6\\)"
    ):
        pipe(image=image, prev=np.zeros((5, 6), np.uint8))
    with pytest.raises(ma.InvalidInputError, match="has the image's shape and dtype"):
        pipe(image=image, prev=np.zeros((4, 6), np.float32))
    out = pipe(image=image)  # declared targets are optional
    assert set(out) == {"image"}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fuse", [True, False])
def test_a_float_depth_map_moves_nearest(dtype: type, fuse: bool) -> None:
    depth = (np.random.default_rng(0).integers(1, 50, (24, 32)) / 7).astype(dtype)
    ops = [ma.image.RandomCrop(20, 28), ma.image.Rotate(limit=30, p=1.0), ma.image.ElasticTransform(p=1.0)]
    pipe = ma.Compose(ops, seed=0, fuse=fuse, targets={"depth": "mask"})
    out = pipe(image=np.zeros((24, 32, 3), np.uint8), depth=depth, key=2)["depth"]
    assert out.dtype == dtype and out.shape == (20, 28)
    assert set(np.unique(out)) <= set(np.unique(depth)) | {0.0}  # values moved, never blended


def test_nested_composers_declare_targets_for_the_whole_call() -> None:
    inner = ma.Compose([ma.image.HorizontalFlip(p=1.0)], targets={"depth": "mask"})
    pipe = ma.Compose([ma.OneOf([inner]), ma.image.VerticalFlip(p=1.0)], seed=0)
    depth = np.arange(12, dtype=np.uint8).reshape(3, 4)
    out = pipe(image=np.zeros((3, 4), np.uint8), depth=depth)
    np.testing.assert_array_equal(out["depth"], depth[::-1, ::-1])
    with pytest.raises(ma.InvalidInputError, match="declared as 'image' and as 'mask'"):
        ma.Compose([inner], targets={"depth": "image"})(image=np.zeros((3, 4), np.uint8))


def test_new_parameters_stay_out_of_default_configs() -> None:
    plain = ma.Compose([ma.image.HorizontalFlip()], seed=0)
    assert set(plain.to_config()["params"]) == {"transforms", "p", "seed", "fuse"}
    declared = ma.Compose([ma.image.HorizontalFlip()], seed=0, targets={"d": "mask"}, bbox_format="yolo")
    assert declared.to_config()["params"]["targets"] == {"d": "mask"}
    assert declared.fingerprint != plain.fingerprint
    assert ma.from_config(declared.to_config()).to_config() == declared.to_config()


# ---------------------------------------------------------------------- bbox_format
FORMATS = ["pascal_voc", "coco", "yolo", "albumentations"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fuse", [True, False])
def test_boxes_come_out_in_the_format_they_came_in(fmt: str, fuse: bool) -> None:
    image = np.zeros((40, 60, 3), np.uint8)
    voc = np.array([[5.0, 4.0, 25.0, 30.0], [30.0, 10.0, 50.0, 20.0]])
    given = ma.image.convert_bboxes(voc, "pascal_voc", fmt, image.shape)
    ops = [ma.image.RandomResizedCrop(size=(30, 30)), ma.image.HorizontalFlip(p=1.0)]
    reference = ma.Compose(ops, seed=2, fuse=fuse)
    pipe = ma.Compose(ops, seed=2, fuse=fuse, bbox_format=fmt)
    for key in range(3):
        want = reference(image=image, bboxes=voc, bbox_labels=["a", "b"], key=key)
        got = pipe(image=image, bboxes=given, bbox_labels=["a", "b"], key=key, trace=True)
        shape = got["image"].shape
        expected = ma.image.convert_bboxes(want["bboxes"], "pascal_voc", fmt, shape)
        np.testing.assert_allclose(got["bboxes"], expected, atol=1e-9)
        assert got["bbox_labels"] == want["bbox_labels"]
        replayed = pipe.replay(got.pop("trace"), image=image, bboxes=given, bbox_labels=["a", "b"])
        np.testing.assert_allclose(replayed["bboxes"], got["bboxes"])
    identity = ma.Compose([ma.image.HorizontalFlip(p=0.0)], bbox_format=fmt)
    np.testing.assert_allclose(identity(image=image, bboxes=given)["bboxes"], given, atol=1e-12)


@pytest.mark.parametrize("fmt", ["pascal_voc", "coco"])
def test_normalised_boxes_given_as_pixels_name_bbox_format(fmt: str) -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip()], bbox_format=fmt)
    with pytest.raises(ma.InvalidInputError, match="bbox_format"):
        pipe(image=np.zeros((40, 60), np.uint8), bboxes=[[0.1, 0.2, 0.3, 0.4]])


@pytest.mark.parametrize("fmt", ["yolo", "albumentations"])
def test_pixel_boxes_given_as_normalised_name_bbox_format(fmt: str) -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip()], bbox_format=fmt)
    with pytest.raises(ma.InvalidInputError, match=f"bbox_format='{fmt}' is normalised"):
        pipe(image=np.zeros((40, 60), np.uint8), bboxes=[[10.0, 12.0, 20.0, 30.0]])


def test_bad_boxes_in_a_format_are_refused_by_the_pipeline() -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip()], bbox_format="coco")
    with pytest.raises(ma.InvalidInputError, match=r"Compose: `bboxes` .*negative width"):
        pipe(image=np.zeros((40, 60), np.uint8), bboxes=[[10.0, 12.0, -2.0, 3.0]])
    with pytest.raises(ma.InvalidInputError, match="bbox_format"):
        ma.Compose([ma.image.HorizontalFlip()], bbox_format="xyxy")


def test_a_nested_compose_cannot_declare_another_format() -> None:
    inner = ma.Compose([ma.image.HorizontalFlip()], bbox_format="coco")
    assert ma.Compose([inner], bbox_format="coco")(image=np.zeros((4, 4), np.uint8))
    with pytest.raises(ma.InvalidInputError, match="a nested Compose declares 'coco'"):
        ma.Compose([inner])(image=np.zeros((4, 4), np.uint8))


def test_the_inference_copy_keeps_the_boundary() -> None:
    pipe = ma.Compose(
        [ma.image.HorizontalFlip(), ma.image.SanitizeBoxes(min_size=2.0)],
        seed=0,
        bbox_format="coco",
        targets={"depth": "mask"},
    )
    serving = pipe.inference()
    assert serving.to_config()["params"]["bbox_format"] == "coco"
    depth = np.arange(24, dtype=np.uint8).reshape(4, 6)
    out = serving(
        image=np.zeros((4, 6), np.uint8), bboxes=[[1.0, 1.0, 3.0, 2.0], [0.0, 0.0, 1.0, 1.0]], depth=depth
    )
    np.testing.assert_allclose(
        out["bboxes"], [[1.0, 1.0, 3.0, 2.0]]
    )  # coco in, coco out; the thin box dropped
    np.testing.assert_array_equal(out["depth"], depth)
    assert ma.from_config(serving.to_config()).fingerprint == serving.fingerprint


def test_layouts_tensors_formats_and_targets_together() -> None:
    import torch  # the `torch` extra is part of `all`, which the test venv installs

    image = torch.zeros((3, 20, 30), dtype=torch.uint8)
    depth = torch.arange(600, dtype=torch.int64).reshape(20, 30) % 7
    yolo = np.array([[0.25, 0.5, 0.2, 0.4]])
    pipe = ma.Compose(
        [ma.image.RandomCrop(10, 20), ma.image.HorizontalFlip(p=1.0)],
        seed=0,
        layout="chw",
        bbox_format="yolo",
        targets={"depth": "mask"},
    )
    out = pipe(image=image, depth=depth, masks=[depth, depth], bboxes=yolo, key=3, trace=True)
    assert tuple(out["image"].shape) == (3, 10, 20) and isinstance(out["depth"], torch.Tensor)
    assert all(torch.equal(m, out["depth"]) for m in out["masks"])
    hwc = ma.Compose(
        [ma.image.RandomCrop(10, 20), ma.image.HorizontalFlip(p=1.0)], seed=0, targets={"depth": "mask"}
    )
    voc = ma.image.convert_bboxes(yolo, "yolo", "pascal_voc", (20, 30))
    ref = hwc(image=np.zeros((20, 30, 3), np.uint8), depth=depth.numpy(), bboxes=voc, key=3)
    np.testing.assert_array_equal(out["depth"].numpy(), ref["depth"])
    expected = ma.image.convert_bboxes(ref["bboxes"], "pascal_voc", "yolo", (10, 20))
    np.testing.assert_allclose(out["bboxes"], expected)  # normalised by the output's H, W, not C, H
    again = pipe.replay(out["trace"], image=image, depth=depth, masks=[depth, depth], bboxes=yolo)
    np.testing.assert_allclose(again["bboxes"], out["bboxes"])
