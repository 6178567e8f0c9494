"""The warp search's second look (``multiaug.guard.detect.image_occlusion``): a half-area crop of a
photo crop, erased, found with its transform; a mirror-symmetric look-alike it must not link."""

from __future__ import annotations

import numpy as np
import pytest

import multiaug as ma
from multiaug.guard import SplitGuard
from multiaug.guard.detect import image_occlusion, image_warp


@pytest.fixture(scope="module")
def roofs() -> list[np.ndarray]:
    """Two 106x106 crops of scikit-learn's china.jpg at 128x128, side by side on the temple's
    roof: the second's roof edge is nearly the mirror image of the first's."""
    import cv2

    from multiaug.demo import load_sample_photo

    china = load_sample_photo("china.jpg")
    return [
        cv2.resize(china[0:106, x : x + 106], (128, 128), interpolation=cv2.INTER_AREA) for x in (106, 212)
    ]


def test_an_erased_half_area_crop_is_found_by_the_second_look_with_its_transform(
    roofs: list[np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    from multiaug.testing.leak_pipelines import image_pipeline

    # benchmarks/guard.py's "val crops with detail, with the crop" row: flipped, cropped to 107x102
    # pixels, turned -9.2 degrees, colour-jittered and erased (53x22 pixels)
    out = image_pipeline(128, True)(image=roofs[0], key=7, trace=True)
    steps = {s["transform"]: s["params"] for s in out["trace"]}
    assert set(steps) >= {"image.RandomResizedCrop", "image.RandomErasing", "image.HorizontalFlip"}
    report = SplitGuard().check([out["image"]], [roofs[0]])
    assert [tuple(leak) for leak in report.leaks] == [(0, 0, "near_duplicate")]
    ev = report.leaks[0].evidence
    assert ev["method"] == "warp" and ev["second_look"] is True and ev["mirrored"] is True
    # the applied map (flip, then the crop resized back, then the affine warp), independent of
    # the guard: the copy's pixels land within 5 pixels (of 128) of where the guard puts them
    flip = np.array([[-1.0, 0.0, 127.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    c = steps["image.RandomResizedCrop"]
    sx, sy = 128 / c["width"], 128 / c["height"]
    crop = np.array([[sx, 0, sx * (0.5 - c["left"]) - 0.5], [0, sy, sy * (0.5 - c["top"]) - 0.5], [0, 0, 1]])
    affine = np.asarray(ma.image.Affine().warp_matrix(steps["image.Affine"], (128, 128))[0])
    truth = affine @ crop @ flip  # val pixels -> copy pixels; the evidence maps the copy (train) to val
    grid = np.array([[x, y, 1.0] for x in (40.0, 64.0, 88.0) for y in (40.0, 64.0, 88.0)])
    moved = grid @ truth.T
    assert np.abs(moved @ np.asarray(ev["matrix"])[:2].T - grid[:, :2]).max() < 5.0  # 3.2 measured
    # the first look alone misses it
    monkeypatch.setattr(image_warp, "_RESCUE_FROM", 2.0)
    assert SplitGuard(cache=False).check([out["image"]], [roofs[0]]).leaks == []


def test_a_mirror_symmetric_look_alike_is_not_linked(
    roofs: list[np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    from multiaug.testing.leak_pipelines import image_pipeline

    # the benchmark's "with the crop" row: a half-area crop (mostly sky, a sliver of roof edge)
    # of the second roof crop, under noise; mirrored, the first crop's roof edge fits it at a
    # robust correlation of 0.989 and a band-pass one of 0.94 -- more than its own source
    # (0.973), which nothing finds: a copy has one source, and here none is clear
    copy = image_pipeline(128, True)(image=roofs[0], key=1008)["image"]
    look_alike, source = roofs[1], roofs[0]
    pairs = [(0, 2), (1, 2)]
    assert image_warp.warp_pairs([look_alike, source, copy], pairs) == {}
    monkeypatch.setattr(image_occlusion, "_MARGIN", -1.0)  # no clear-source rule: linked
    assert set(image_warp.warp_pairs([look_alike, source, copy], pairs)) == {(0, 2)}
