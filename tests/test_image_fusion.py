"""Fused geometric groups against the op-by-op reference (``Compose(..., fuse=False)``).

What fusion promises (and these tests hold it to):

* keypoints: equal to ~1e-6 px (one matrix product instead of a chain);
* boxes: equal for axis-aligned chains (flips, crops, resized crops, scales, translations);
  with rotations, shears or perspective never looser than the reference, which takes one
  envelope per op where fusion takes one for the chain;
* images: one interpolation instead of several, so close but sharper; what an op alone would
  show as border (fill) stays border even when an earlier crop of the group had cut the
  content away;
* masks: agree on nearly all pixels (differences only along borders);
* one resampling per group, and cheap exact paths (copy, slicing, flips, resize) when the
  chain allows them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import pytest

import multiaug as ma
from multiaug.demo import load_sample_photo as photo
from multiaug.image import geometric as G
from multiaug.image.functional import geometric as F
from multiaug.testing import assert_samples_equal

im = ma.image


def sample() -> dict[str, Any]:
    img = photo()
    mask = np.zeros(img.shape[:2], np.uint8)
    mask[100:300, 150:400] = 1
    mask[200:420, 350:600] = 2
    return {
        "image": img,
        "mask": mask,
        "bboxes": np.array(
            [[150.0, 100, 400, 300], [350, 200, 600, 420], [10, 10, 60, 50], [600, 5, 639, 40]]
        ),
        "bbox_labels": ["a", "b", "c", "d"],
        "keypoints": np.array([[200.5, 150.25], [500.0, 300.0], [5.0, 5.0], [630.0, 420.0]]),
    }


AXIS_ALIGNED: dict[str, list[ma.Transform]] = {
    "flips and crop": [im.HorizontalFlip(p=1.0), im.RandomCrop(300, 400), im.VerticalFlip(p=1.0)],
    "resized crop, flip": [im.RandomResizedCrop(size=(224, 224)), im.HorizontalFlip(p=1.0)],
    "flip, resized crop": [im.HorizontalFlip(p=1.0), im.RandomResizedCrop(size=(256, 200))],
    "crop, zoom out and shift": [
        im.RandomCrop(300, 300),
        im.Affine(scale=(0.6, 0.9), translate=0.2, p=1.0),
        im.VerticalFlip(p=1.0),
    ],
    "shift out and back": [
        im.Affine(translate={"x": (0.3, 0.3)}, p=1.0),
        im.Affine(translate={"x": (-0.3, -0.3)}, p=1.0),
    ],
}
ROTATING: dict[str, list[ma.Transform]] = {
    "rotate, flip": [im.Rotate(limit=30, p=1.0), im.HorizontalFlip(p=1.0)],
    "resized crop, rotate": [
        im.RandomResizedCrop(size=(300, 300), scale=(0.3, 0.6)),
        im.Rotate(limit=30, p=1.0),
    ],
    "crop, rotate, affine": [
        im.RandomCrop(300, 400),
        im.Rotate(limit=30, p=1.0),
        im.Affine(scale=(0.8, 1.2), translate=0.1, rotate=10, shear=5, p=1.0),
    ],
    "affine, perspective": [im.Affine(scale=(0.9, 1.1), rotate=10, p=1.0), im.Perspective(p=1.0)],
    "typical training chain": [
        im.RandomResizedCrop(size=(224, 224), scale=(0.3, 1.0)),
        im.HorizontalFlip(p=0.5),
        im.Affine(scale=(0.9, 1.1), rotate=15, shear=5, p=1.0),
        im.Perspective(p=0.5),
    ],
}


def both(transforms: Sequence[ma.Transform], key: int, **data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    fused = ma.Compose(transforms, seed=1)(**data, key=key, trace=True)
    plain = ma.Compose(transforms, seed=1, fuse=False)(**data, key=key, trace=True)
    assert fused.pop("trace") == plain.pop("trace")  # same ops, same parameters
    return fused, plain


def mask_agreement(a: np.ndarray, b: np.ndarray) -> float:
    return float((a == b).mean())


@pytest.mark.parametrize("name", sorted(AXIS_ALIGNED))
def test_axis_aligned_chains_match_the_reference(name: str) -> None:
    for key in range(4):
        fused, plain = both(AXIS_ALIGNED[name], key, **sample())
        assert np.abs(fused["keypoints"] - plain["keypoints"]).max() < 1e-6
        assert fused["bbox_labels"] == plain["bbox_labels"]
        assert np.allclose(fused["bboxes"], plain["bboxes"], rtol=0, atol=1e-9)
        assert fused["image"].shape == plain["image"].shape and fused["image"].dtype == plain["image"].dtype
        diff = np.abs(fused["image"].astype(np.int16) - plain["image"]).mean()
        assert diff < 1.5, (name, key, diff)
        assert mask_agreement(fused["mask"], plain["mask"]) > 0.995


@pytest.mark.parametrize("name", sorted(ROTATING))
def test_rotating_chains_match_the_reference_with_tighter_boxes(name: str) -> None:
    smooth = cv2.GaussianBlur(photo(), (0, 0), 3)
    for key in range(4):
        fused, plain = both(ROTATING[name], key, **sample())
        assert np.abs(fused["keypoints"] - plain["keypoints"]).max() < 1e-6
        # each fused box lies within its reference box (same boxes survive here)
        assert fused["bbox_labels"] == plain["bbox_labels"]
        fb, pb = fused["bboxes"], plain["bboxes"]
        assert (fb[:, :2] >= pb[:, :2] - 1e-9).all() and (fb[:, 2:] <= pb[:, 2:] + 1e-9).all()
        # one interpolation instead of several: close on the photo (whose fine texture aliases
        # differently when a chain downscales), closer still on a smooth picture
        diff = np.abs(fused["image"].astype(np.int16) - plain["image"]).mean()
        assert diff < 10.0, (name, key, diff)
        assert mask_agreement(fused["mask"], plain["mask"]) > 0.99
        f2, p2 = both(ROTATING[name], key, image=smooth)
        assert np.abs(f2["image"].astype(np.int16) - p2["image"]).mean() < 1.5


def test_what_an_intermediate_crop_cut_away_stays_fill() -> None:
    # crop a window of a white picture, then rotate it: the corners must show the fill (as the
    # ops one by one do), not the white beyond the window that one warp of the original could see
    white = np.full((200, 300), 255, np.uint8)
    pipe = [im.RandomCrop(100, 100), im.Rotate(limit=(30, 30), fill=7, fill_mask=3, p=1.0)]
    fused, plain = both(pipe, 0, image=white, mask=np.ones((200, 300), np.uint8))
    for out in (fused, plain):
        assert out["image"][0, 0] == 7 and out["mask"][0, 0] == 3 and out["image"][50, 50] == 255
    assert abs((fused["image"] == 7).mean() - (plain["image"] == 7).mean()) < 0.02
    assert mask_agreement(fused["mask"], plain["mask"]) > 0.98


def test_keypoints_leaving_an_intermediate_frame_are_dropped_when_asked() -> None:
    out_and_back = [
        im.Affine(translate={"x": (-0.5, -0.5)}, drop_outside_keypoints=True, p=1.0),
        im.Affine(translate={"x": (0.5, 0.5)}, p=1.0),
    ]
    pts = np.array([[10.0, 10.0], [90.0, 10.0]])
    fused, plain = both(out_and_back, 0, image=np.zeros((20, 100), np.uint8), keypoints=pts)
    assert fused["keypoints"].tolist() == plain["keypoints"].tolist() == [[90.0, 10.0]]


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    calls = [0]
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


@pytest.mark.parametrize(
    ("transforms", "groups"),
    [
        (
            [
                im.RandomResizedCrop(size=(64, 64)),
                im.HorizontalFlip(p=1.0),
                im.Rotate(p=1.0),
                im.Perspective(p=1.0),
            ],
            1,
        ),
        ([im.Rotate(p=1.0), im.RandomCrop(40, 40), im.Rotate(p=1.0)], 1),  # constant border: blanked
        ([im.Rotate(border="reflect", p=1.0), im.RandomCrop(40, 40), im.Rotate(border="reflect", p=1.0)], 2),
        ([im.Rotate(p=1.0), im.Rotate(fill=255, p=1.0)], 2),  # another fill: another group
        ([im.HorizontalFlip(p=1.0), im.Rotate(border="wrap", p=1.0)], 1),  # a flip moves the whole frame
        ([im.HorizontalFlip(p=1.0), im.ElasticTransform(p=1.0), im.VerticalFlip(p=1.0)], 2),
    ],
)
def test_one_resampling_per_group(
    monkeypatch: pytest.MonkeyPatch, transforms: list[Any], groups: int
) -> None:
    flushes = count_calls(monkeypatch, G.PendingWarp, "flush")
    data = {"image": np.zeros((60, 80, 3), np.uint8), "mask": np.zeros((60, 80), np.uint8)}
    fused, plain = both(transforms, 3, **data)
    warps = sum(isinstance(t, G.WarpTransform) for t in transforms)
    assert flushes[0] == groups + warps  # the fused groups, then one per geometric op unfused
    assert fused["image"].shape == plain["image"].shape


@pytest.mark.parametrize(
    ("transforms", "exact"),
    [
        ([im.HorizontalFlip(p=1.0), im.RandomCrop(30, 40), im.VerticalFlip(p=1.0)], True),
        (
            [im.Rotate(limit=0, p=1.0), im.RandomCrop(50, 50), im.Affine(p=1.0), im.HorizontalFlip(p=1.0)],
            True,
        ),
        ([im.HorizontalFlip(p=1.0), im.HorizontalFlip(p=1.0)], True),
        ([im.RandomResizedCrop(size=(32, 32)), im.HorizontalFlip(p=1.0)], False),  # a resize, not a warp
    ],
)
def test_chains_without_rotation_never_warp(
    monkeypatch: pytest.MonkeyPatch, transforms: list[Any], exact: bool
) -> None:
    warps = count_calls(monkeypatch, cv2, "warpAffine")
    img = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    fused, plain = both(transforms, 1, image=img)
    assert warps[0] == 0
    if exact:
        assert_samples_equal(fused, plain)


def test_integer_shifts_inside_and_flips_are_exact_copies() -> None:
    img = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    shifted = F.warp(img, F.translate_matrix(-5, -7), (40, 50))
    assert np.array_equal(shifted, img[7:47, 5:55])
    both_flips = F.axis_matrix(-1, 80, -1, 60)
    assert np.array_equal(F.warp(img, both_flips, (60, 80)), img[::-1, ::-1])
    assert np.array_equal(F.warp(img, np.eye(3), (60, 80)), img)


def test_pixel_ops_between_geometric_ops_flush_the_group() -> None:
    pipe = [
        im.HorizontalFlip(p=1.0),
        im.GaussianNoise(std=0.05, p=1.0),
        im.RandomCrop(30, 30),
        im.VerticalFlip(p=1.0),
    ]
    img = np.random.default_rng(1).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    for key in range(3):
        fused, plain = both(pipe, key, image=img, keypoints=np.array([[3.0, 4.0]]))
        assert_samples_equal(fused, plain)


def test_a_geometric_op_draws_for_the_size_left_by_pending_ops() -> None:
    # RandomCrop after a pending RandomResizedCrop must crop within the 50x60 output, not the input
    pipe = ma.Compose([im.RandomResizedCrop(size=(50, 60)), im.RandomCrop(50, 60)], seed=0)
    for key in range(5):
        out = pipe(image=np.zeros((300, 400), np.uint8), key=key, trace=True)
        assert out["image"].shape == (50, 60) and out["trace"][1]["params"] == {"top": 0, "left": 0}
    assert ma.image.current_shape({"image": np.zeros((300, 400, 3), np.uint8)}) == (300, 400, 3)


def test_fused_traces_replay_exactly() -> None:
    pipe = ma.Compose(
        ROTATING["typical training chain"] + [im.GaussianNoise(p=0.5), im.VerticalFlip()], seed=5
    )
    data = sample()
    for key in range(6):
        out = pipe(**data, key=key, trace=True)
        trace = json.loads(json.dumps(out.pop("trace")))
        assert_samples_equal(pipe.replay(trace, **data), out)
