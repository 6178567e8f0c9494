"""The warp check's background (``multiaug.guard.detect.image_flat.backdrop``): unrelated objects on
one smooth gradient or vignette, or on one grey level with noise on one image only, are not
linked by the warp check; a real copy on such a background still is."""

from __future__ import annotations

import numpy as np
import pytest

from multiaug.guard.detect import image_warp
from multiaug.guard.detect.image_flat import backdrop


@pytest.fixture(scope="module")
def patches() -> list[np.ndarray]:
    """Disjoint 40x40 patches of the sample photos with detail (as tests/test_guard_flat.py's)."""
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
    return [out[k] for k in order[:24]]


def _background(kind: str) -> np.ndarray:
    yy, xx = np.mgrid[0:128, 0:128].astype(np.float64)
    level = 40 + 50 * yy / 127 if kind == "gradient" else 200 - 120 * np.hypot(yy - 64, xx - 64) / 90
    return np.repeat(level[..., None], 3, 2).astype(np.uint8)


def _on(background: np.ndarray, patch: np.ndarray, side: int = 36) -> np.ndarray:
    import cv2

    image = background.copy()
    y = (image.shape[0] - side) // 2
    image[y : y + side, y : y + side] = cv2.resize(patch, (side, side), interpolation=cv2.INTER_AREA)
    return image


@pytest.mark.parametrize(
    ("kind", "pairs"), [("gradient", [(0, 12), (0, 18)]), ("vignette", [(5, 13), (5, 14)])]
)
def test_unrelated_objects_on_a_gradient_or_vignette_are_not_linked_by_the_warp_check(
    patches, kind, pairs
) -> None:
    # the review's r_grad.py: 36-px objects in the middle of 128x128 images on a smooth gradient
    # (40-90 grey levels) or a vignette; the warp check linked 26 and 20 of the 144 cross pairs
    # (0.98-0.995: the shared background and the object's outline), these among them
    back = _background(kind)
    images = [_on(back, p) for p in patches]
    for i, j in pairs:
        assert image_warp.warp_pairs([images[i], images[j]], [(0, 1)]) == {}
    # the background is found: a smooth surface framing the object
    labels = image_warp._prepare(images[0]).flat64
    assert labels[4, 4] & labels[60, 60] & 2 and labels[32, 32] == 0
    # a real copy on it (flipped; turned by 8 degrees) is still found
    import cv2

    source = images[pairs[0][0]]
    turn = cv2.getRotationMatrix2D((63.5, 63.5), 8, 1.0)
    turned = cv2.warpAffine(source, turn, (128, 128), borderMode=cv2.BORDER_REFLECT)
    for copy in (np.ascontiguousarray(source[:, ::-1]), turned):
        assert set(image_warp.warp_pairs([copy, source], [(0, 1)])) == {(0, 1)}


def _grey_items() -> list[np.ndarray]:
    """The review's r_grey.py: photo patches (120x150, resized to 38x38) on mid-grey 128x128."""
    import cv2

    from multiaug.demo import load_sample_photo

    out = []
    for name in ("china.jpg", "flower.jpg"):
        photo = load_sample_photo(name)
        for y in range(0, 300, 100):
            for x in range(0, 500, 125):
                image = np.full((128, 128, 3), 128, np.uint8)
                image[45:83, 45:83] = cv2.resize(
                    photo[y : y + 120, x : x + 150], (38, 38), interpolation=cv2.INTER_AREA
                )
                out.append(image)
    return out


def test_unrelated_objects_on_grey_with_noise_on_one_are_not_linked_by_the_warp_check() -> None:
    # noise (sigma 4) on one image's background: not flat, so the flat background both share was
    # empty and the step to the object linked unrelated pairs (16-23 of 144, 0.98-0.998)
    items = _grey_items()
    noisy = [
        np.clip(a + np.random.default_rng(k).normal(0, 4, a.shape), 0, 255).astype(np.uint8)
        for k, a in enumerate(items)
    ]
    for i, j in [(0, 18), (0, 22), (1, 18)]:
        assert image_warp.warp_pairs([items[i], noisy[j]], [(0, 1)]) == {}
    # a noisy (and flipped) copy of one is still found
    for k in (1, 18):
        for copy in (noisy[k], np.ascontiguousarray(noisy[k][:, ::-1])):
            assert set(image_warp.warp_pairs([items[k], copy], [(0, 1)])) == {(0, 1)}


def test_a_photos_sky_is_no_background_and_a_flat_one_with_a_gradient_is_not_noise() -> None:
    # a smooth sky reaching one or three sides of a photo does not frame it: only flat parts count
    import cv2

    from multiaug.demo import load_sample_photo

    china = load_sample_photo("china.jpg")
    roof = cv2.resize(china[0:106, 212:318], (128, 128), interpolation=cv2.INTER_AREA)
    assert (backdrop(image_warp._prepare(roof).fine) & 2 == 0).all()
    yy = np.mgrid[0:64, 0:64][0].astype(np.float32)
    flat, ramp = np.full((64, 64), 9.0, np.float32), 100 + yy / 8
    u = ramp.copy()
    u[20:44, 20:44] = np.arange(576).reshape(24, 24) % 5 * 40
    assert (backdrop(u)[:, :16] & 2 == 2).all() and (backdrop(flat) == 3).all()
