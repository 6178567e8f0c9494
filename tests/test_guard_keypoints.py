"""The split guard's keypoint stage (issue 18): SIFT matches with a RANSAC affine fit propose the
pose of a warped copy, which the pixel checks then verify; the mirroring is searched through
permuted descriptors; the pair's evidence names the keypoints behind it."""

from __future__ import annotations

import numpy as np
import pytest

import multiaug as ma
from multiaug.guard import SplitGuard
from multiaug.guard.detect.image_features import Features, propose


@pytest.fixture(scope="module")
def crops() -> list[np.ndarray]:
    """Six 128x128 crops of the sample photos with detail (roofs, the pagoda, petals)."""
    import cv2

    from multiaug.demo import load_sample_photo

    china, flower = load_sample_photo("china.jpg"), load_sample_photo("flower.jpg")
    boxes = [
        (china, 212, 106),
        (china, 212, 318),
        (china, 318, 424),
        (flower, 106, 212),
        (flower, 212, 318),
        (china, 106, 530),
    ]
    return [
        cv2.resize(p[y : y + 106, x : x + 106], (128, 128), interpolation=cv2.INTER_AREA) for p, y, x in boxes
    ]


def test_mirrored_descriptors_match_those_detected_on_the_mirror_image(crops: list[np.ndarray]) -> None:
    import cv2

    for crop in crops[:3]:
        f = Features(crop)
        points, descriptors = f.mirrored()
        # SIFT's own descriptors of the mirror image
        g = np.ascontiguousarray(f.gray[:, ::-1])
        sift = cv2.SIFT_create(contrastThreshold=0.01)  # type: ignore[attr-defined]
        _, reference = sift.detectAndCompute(g, None)
        assert descriptors is not None and reference is not None and len(points) == len(descriptors)
        # every permuted descriptor has a close partner among the detected ones (ratio of the
        # nearest to a typical distance), which unpermuted descriptors mostly lack
        near = cv2.BFMatcher(cv2.NORM_L2).match(descriptors, reference)
        plain = cv2.BFMatcher(cv2.NORM_L2).match(f.descriptors, reference)
        d_near = np.median([m.distance for m in near])
        d_plain = np.median([m.distance for m in plain])
        assert d_near < 0.6 * d_plain, (d_near, d_plain)


def test_keypoints_propose_the_applied_pose_both_ways(crops: list[np.ndarray]) -> None:
    # a mirrored, rotated, zoomed copy (a crop to ~70 % of the area): the fitted map puts the
    # source's pixels within 2 pixels of where the warp put them, and the backward proposal is
    # its inverse
    import cv2

    src = crops[0]
    angle, zoom = 12.0, 1.2
    m = cv2.getRotationMatrix2D((63.5, 63.5), angle, zoom)
    flip = np.array([[-1.0, 0.0, 127.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    truth = np.vstack([m, [0, 0, 1]]) @ flip  # source -> copy
    copy = cv2.warpAffine(src, truth[:2], (128, 128), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    forward, backward = propose(Features(src), Features(copy))
    assert forward and forward[0].mirrored and forward[0].strong, forward
    grid = np.array([[x, y, 1.0] for x in (40.0, 64.0, 88.0) for y in (40.0, 64.0, 88.0)])
    # the proposal maps the *mirrored* source: fold the mirroring back in
    found = np.vstack([forward[0].matrix, [0, 0, 1]]) @ flip
    assert np.abs(grid @ found[:2].T - grid @ truth[:2].T).max() < 2.0
    back = np.vstack([backward[0].matrix, [0, 0, 1]]) @ flip  # copy -> mirrored copy -> source
    assert np.allclose(back @ found, np.eye(3), atol=1e-6)


def test_a_half_area_crop_of_a_warped_noisy_copy_is_found_with_keypoint_evidence(
    crops: list[np.ndarray],
) -> None:
    # flip + crop to ~half the area + Affine + colour + noise: the keypoints carry the pose
    pipe = ma.Compose(
        [
            ma.image.HorizontalFlip(p=1.0),
            ma.image.RandomResizedCrop(128, scale=(0.5, 0.5), ratio=(1.0, 1.0), p=1.0),
            ma.image.Affine(scale=(1.0, 1.0), rotate=(10, 10), p=1.0),
            ma.image.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.05, p=1.0),
            ma.image.GaussianNoise(std=(0.03, 0.03), p=1.0),
        ],
        seed=0,
    )
    copies = [pipe(image=c, key=k)["image"] for k, c in enumerate(crops[:3])]
    rep = SplitGuard().check(copies, crops)
    assert sorted((t, v) for t, v, _ in rep.leaks) == [(0, 0), (1, 1), (2, 2)], rep.leaks
    vouched = [leak for leak in rep.leaks if leak.evidence.get("keypoint_inliers")]
    assert vouched, [leak.evidence for leak in rep.leaks]
    ev = vouched[0].evidence
    assert ev["method"] == "warp" and ev["keypoint_inliers"] >= 6 and ev["mirrored"] is True
    assert f"{ev['keypoint_inliers']} keypoint inliers" in vouched[0].explain()


def test_distinct_detailed_crops_propose_no_pose_and_stay_apart(crops: list[np.ndarray]) -> None:
    feats = [Features(c) for c in crops]
    for i in range(len(crops)):
        for j in range(i + 1, len(crops)):
            forward, _ = propose(feats[i], feats[j])
            assert not any(p.strong for p in forward), (i, j, forward)
    assert SplitGuard().check(crops[:3], crops[3:]).ok
