"""Unrelated images on one flat background (a small object on black or white, tiles whose bottom
is black) are not near-duplicates: the step between the background and the content dominated
the hash stages' 32x32 thumbnails (``multiaug.guard.detect.image_flat``). A real copy among them
is still found."""

from __future__ import annotations

import numpy as np
import pytest

from multiaug.guard import SplitGuard
from multiaug.guard.detect.image_flat import flat_mask, rest_correlation


@pytest.fixture(scope="module")
def patches() -> list[np.ndarray]:
    """Disjoint 40x40 patches of the sample photos with detail (grey spread >= 20 levels), in a
    fixed order that mixes the two photos."""
    from multiaug.demo import load_sample_photo

    out = []
    for name in ("china.jpg", "flower.jpg"):
        photo = load_sample_photo(name)
        for y in range(0, 380, 40):
            for x in range(0, 600, 40):
                patch = photo[y : y + 40, x : x + 40]
                if patch.max(axis=2).std() >= 20:
                    out.append(patch)
    order = np.random.default_rng(0).permutation(len(out))
    return [out[k] for k in order[:40]]


def _on(background: int, patch: np.ndarray, side: int = 64, at: tuple[int, int] | None = None) -> np.ndarray:
    image = np.full((side, side, 3), background, np.uint8)
    h = patch.shape[0]
    y, x = at if at is not None else ((side - h) // 2, (side - h) // 2)
    image[y : y + h, x : x + h] = patch
    return image


def _small(patch: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.resize(patch, (20, 20), interpolation=cv2.INTER_AREA)


def _false_pairs(report, copies: dict[int, int]) -> list[tuple[int, int, str]]:
    """The leaks other than ``copies`` (val index -> its train source), with their method."""
    return [
        (leak.train_index, leak.val_index, leak.evidence["method"])
        for leak in report.leaks
        if copies.get(leak.val_index) != leak.train_index
    ]


@pytest.mark.parametrize("background", [0, 255])
def test_unrelated_objects_on_one_background_are_not_linked(patches, background) -> None:
    # 64x64 images, a different 20x20 patch of the photos in the middle of each, on black or white:
    # the hash stages linked 11 (black) and 29 (white) of the 144 cross pairs (scores 0.97-1.0,
    # "pose hash" and "same pose hash"); each val image's own copy (flipped, brighter) is found
    images = [_on(background, _small(p)) for p in patches[:24]]
    train, val = images[:12], images[12:]
    copies = {12: 0, 13: 5}
    val = [
        *val,
        np.ascontiguousarray(train[0][:, ::-1]),
        np.clip(train[5] * 0.9 + 12, 0, 255).astype(np.uint8),
    ]
    report = SplitGuard(cache=False).check(train, val)
    assert _false_pairs(report, copies) == []
    assert {(leak.train_index, leak.val_index) for leak in report.leaks} == {(0, 12), (5, 13)}


def test_unrelated_objects_at_random_places_on_black_are_not_linked(patches) -> None:
    rng = np.random.default_rng(3)
    images = [_on(0, _small(p), at=tuple(rng.integers(0, 44, 2))) for p in patches[:24]]
    noisy = np.clip(images[3] + rng.normal(0, 6, images[3].shape), 0, 255).astype(np.uint8)
    report = SplitGuard(cache=False).check(images[:12], [*images[12:], noisy])
    assert _false_pairs(report, {12: 3}) == []
    assert (3, 12) in {(leak.train_index, leak.val_index) for leak in report.leaks}


def test_tiles_whose_bottom_is_black_are_not_linked(patches) -> None:
    import cv2

    # the review's case: photo tiles whose bottom 45 % is black
    tiles = []
    for p in patches[:20]:
        tile = cv2.resize(p, (64, 64), interpolation=cv2.INTER_LINEAR)
        tile[35:] = 0
        tiles.append(tile)
    turned = np.ascontiguousarray(np.rot90(tiles[2]))
    report = SplitGuard(cache=False).check(tiles[:10], [*tiles[10:], turned])
    assert _false_pairs(report, {10: 2}) == []
    assert (2, 10) in {(leak.train_index, leak.val_index) for leak in report.leaks}


def test_the_flat_part_is_left_out_of_the_correlation() -> None:
    rng = np.random.default_rng(0)
    a = np.zeros((32, 32), np.float32)
    b = a.copy()
    a[10:22, 10:22] = rng.uniform(50, 250, (12, 12))
    b[10:22, 10:22] = rng.uniform(50, 250, (12, 12))
    assert flat_mask(a).sum() == 32 * 32 - 144
    # over the disc the step to black carries the correlation; without it, the contents disagree
    full = np.corrcoef(a.ravel(), b.ravel())[0, 1]
    rest = rest_correlation(np.stack([a, a]), b)
    assert full > 0.5 and rest is not None and abs(rest) < 0.3
    assert rest_correlation(np.stack([a, a]), a * 0.8 + 10) == pytest.approx(1.0)
    # nothing flat: nothing to leave out
    c, d = rng.uniform(0, 255, (2, 32, 32)).astype(np.float32)
    assert rest_correlation(np.stack([c, c]), d) is None


def _skies(n: int, seed: int, share: float = 0.7) -> list[np.ndarray]:
    """Synthetic 128x128 skies: one vertical gradient, a smooth glow at a different place in each,
    and a faint texture (2 grey levels) that is ``share`` one field common to all."""
    import cv2

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:128, 0:128].astype(np.float32)

    def field() -> np.ndarray:
        f = cv2.GaussianBlur(rng.normal(0, 1, (128, 128)).astype(np.float32), (0, 0), 1.0)
        return f / f.std()

    common = field()
    out = []
    for _ in range(n):
        cy, cx = rng.uniform(20, 108, 2)
        glow = 40 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * 30.0**2))
        v = 100 + 40 * yy / 128 + glow + 2 * (share * common + (1 - share) * field())
        out.append(np.clip(np.stack([v * 0.7, v * 0.85, v], axis=2), 0, 255).astype(np.uint8))
    return out


def test_distinct_skies_too_flat_to_verify_are_not_linked_by_the_warp_search() -> None:
    # the review's synthetic skies: every one named by report.low_detail, yet the warp search
    # linked 23 of the 36 pairs (robust correlation 0.98-0.999, band-pass 0.70-0.94: the common
    # faint texture; one vouched for by 21 keypoints on it) -- two images that cannot be verified
    # are not linked by a warp. (The hash stages still link 4 pairs of these smooth skies as they
    # are: the known limit of featureless images, docs/guard.md.)
    skies = _skies(12, 0)
    report = SplitGuard(cache=False).check(skies[:6], skies[6:])
    assert report.low_detail == (0, 1, 2, 3, 4, 5)
    assert [leak.evidence["method"] for leak in report.leaks if leak.evidence["method"] == "warp"] == []
    # a flip of one (a single operation the hashes follow) is still found
    flipped = np.ascontiguousarray(skies[2][:, ::-1])
    assert (2, 0) in {
        (leak.train_index, leak.val_index) for leak in SplitGuard().check(skies[:6], [flipped]).leaks
    }


def test_a_background_over_98_percent_of_the_map_is_flat_and_blank_images_are_not_copies() -> None:
    # the 1st and 99th percentiles meet on such a background: it stayed unflagged before the fix
    u = np.zeros((32, 32), np.float32)
    u[15:18, 15:18] = np.arange(1, 10).reshape(3, 3) * 20
    assert flat_mask(u).sum() == 32 * 32 - 9
    assert flat_mask(np.full((32, 32), 0.3, np.float32)).all()
    # two blank images of different levels carry nothing to leak: only an identical one is reported
    black, grey = np.zeros((64, 64, 3), np.uint8), np.full((64, 64, 3), 9, np.uint8)
    report = SplitGuard(cache=False).check([black], [black.copy(), grey])
    assert [tuple(leak) for leak in report.leaks] == [(0, 0, "exact")]


def test_blurred_copies_of_objects_on_black_are_found(patches) -> None:
    # 48-px objects in 128x128 black images and their Gaussian-blurred copies (sigma 2): blur
    # darkens the ring next to the background, which the rest's correlation kept (all 4 missed)
    import cv2

    train = [_on(0, cv2.resize(p, (48, 48), interpolation=cv2.INTER_AREA), side=128) for p in patches[:4]]
    val = [cv2.GaussianBlur(image, (0, 0), 2.0) for image in train]
    report = SplitGuard(cache=False).check(train, val)
    assert {(leak.train_index, leak.val_index) for leak in report.leaks} == {(k, k) for k in range(4)}


@pytest.mark.parametrize("dim", ["dark", "fog"])
def test_warped_copies_of_dark_or_foggy_photos_are_found(dim) -> None:
    # a detailed photo at 0-24 (x0.1) or 118-137 (fog) grey levels and a rotated, zoomed copy:
    # their band-pass spread (1.4-1.8 levels) is under the absolute bar, so both counted as too
    # flat and their verified 1.0 warp match was dropped; next to their own contrast they are not
    import cv2

    from multiaug.demo import load_sample_photo
    from multiaug.guard.detect import low_detail

    photo = cv2.resize(
        load_sample_photo("flower.jpg")[0:300, 0:400], (160, 128), interpolation=cv2.INTER_AREA
    )
    source = (photo * 0.1 if dim == "dark" else 118 + photo * 0.08).astype(np.uint8)
    m = cv2.getRotationMatrix2D((80, 64), -12, 1.2)
    level = (int(source.mean()),) * 3
    copy = cv2.warpAffine(source, m, (160, 128), borderMode=cv2.BORDER_CONSTANT, borderValue=level)
    assert low_detail([source, copy]) == []
    assert [tuple(leak) for leak in SplitGuard(cache=False).check([source], [copy]).leaks] == [
        (0, 0, "near_duplicate")
    ]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ((110, 10, 6.0, 1.0, 0.8), (110, 14, 5.7, 1.1, 1.0)),
        ((122, 12, 3.2, 0.9, 0.6), (128, 14, 4.5, 1.7, 0.7)),
    ],
)
def test_distinct_gradients_saved_at_low_jpeg_quality_are_not_linked(one, other) -> None:
    # two gentle gradients (spread 4-5 levels) JPEG'd at quality 12: the block edges are their
    # only fine detail (band-pass 1.0-1.5 levels, over 0.18 of their spread), alike in both, and
    # the warp search linked them at 0.99; the blocks are flat inside: both are too flat
    import cv2

    from multiaug.guard.detect import low_detail

    def gradient(base, amp, angle, fx, fy):
        yy, xx = np.mgrid[0:96, 0:96] / 96
        g = base + amp * (np.cos(angle) * xx + np.sin(angle) * yy)
        g = g + 3 * np.sin(2 * np.pi * (fx * xx + fy * yy))
        plain = np.repeat(g[:, :, None], 3, 2).astype(np.uint8)
        return cv2.imdecode(cv2.imencode(".jpg", plain, [cv2.IMWRITE_JPEG_QUALITY, 12])[1], 1)

    a, b = gradient(*one), gradient(*other)
    assert low_detail([a, b]) == [0, 1]
    assert SplitGuard(cache=False).check([a], [b]).leaks == []


def test_brightened_copies_with_clipped_highlights_on_black_are_found(patches) -> None:
    # 48-px objects on black and copies brightened x1.15 + 15 (28 % and 74 % of objects 2 and 8
    # clipped at 255): the rest's linear fit broke at the clipped top (2 and 8 missed, before
    # session 11 too); now fitted below the top and clipped there
    import cv2

    train = [_on(0, cv2.resize(p, (48, 48), interpolation=cv2.INTER_AREA), side=128) for p in patches[:16]]
    val = [np.clip(image * 1.15 + 15, 0, 255).astype(np.uint8) for image in train]
    report = SplitGuard(cache=False).check(train, val)
    assert {(leak.train_index, leak.val_index) for leak in report.leaks} == {(k, k) for k in range(16)}
