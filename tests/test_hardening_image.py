"""Hardening of the image transforms (issue 13): shear sign, layouts, box formats, PIL modes, kernels."""

from __future__ import annotations

import albumentations as A  # a test reference, installed in the dev venv (NO_ALBUMENTATIONS_UPDATE=1)
import numpy as np
import pytest

import multiaug as ma

# --------------------------------------------------------------------------------------------------
# 1. Affine shear: Albumentations' / torchvision's sign and order (scale, rotate, shear about the centre)


def _fixed_affine(sx: float, sy: float, rot: float, sc: float) -> ma.image.Affine:
    return ma.image.Affine(
        scale=(sc, sc), rotate=(rot, rot), shear={"x": (sx, sx), "y": (sy, sy)}, p=1.0
    )


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


_CASES = [(20, 0, 0, 1.0), (0, 15, 0, 1.0), (10, -12, 25, 1.0), (-15, 8, -40, 0.8), (5, 5, 90, 1.2),
          (30, 0, 10, 1.1)]


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
    pipe = ma.Compose([ma.image.HorizontalFlip(p=0.0), _fixed_affine(sx, sy, rot, sc),
                       ma.image.HorizontalFlip(p=0.0)], seed=0)
    out = pipe(image=img, bboxes=boxes, key=0)
    np.testing.assert_allclose(out["bboxes"], np.asarray(ref["bboxes"]), atol=1e-3)
