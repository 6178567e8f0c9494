"""The split guard's memory of verified image pairs (``SplitGuard(cache=True)``): a later check of
the same pairs skips their pixel verification and reports exactly what a fresh guard reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import multiaug as ma
from multiaug.core.errors import InvalidInputError
from multiaug.guard import SplitGuard
from multiaug.guard.detect import VerifiedCache
from multiaug.guard.detect import image as image_module


@pytest.fixture(scope="module")
def split() -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """40 validation images (smooth random 24x24 colour fields), their colour-jittered copies
    (verified on the pixels: under 32 pixels a side) and 60 others."""
    import cv2

    rng = np.random.default_rng(0)
    fields = [cv2.GaussianBlur(rng.normal(size=(24, 24, 3)), (0, 0), 2.0) for _ in range(100)]
    images = [np.clip(128 + 60 * f / f.std(), 0, 255).astype(np.uint8) for f in fields]
    jitter = ma.image.ColorJitter(p=1, seed=0)
    val, rest = images[:40], images[40:]
    return [jitter(image=im, key=k)["image"] for k, im in enumerate(val)], rest, val


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The pixel verifications run (the real function, each pair asked recorded)."""
    calls: list[tuple[Any, ...]] = []
    real: Callable[..., list[tuple[float, bool | None]]] = image_module._verify_poses

    def spy(*args: Any) -> list[tuple[float, bool | None]]:
        calls.extend(args[3])
        return real(*args)

    monkeypatch.setattr(image_module, "_verify_poses", spy)
    return calls


def _same(a: Any, b: Any) -> bool:
    return bool(a.to_json(evidence=True) == b.to_json(evidence=True))


def test_second_and_grown_checks_skip_verification_with_fresh_reports(
    split: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]], verified: list[tuple[Any, ...]]
) -> None:
    copies, rest, val = split
    guard = SplitGuard()
    first = guard.check(copies[:20] + rest, val)
    assert verified and first.counts["near_duplicate"] >= 15  # pairs went through the pixel check
    n_first = len(verified)
    # the same pairs again, as new (equal) arrays: nothing verified again, the report unchanged
    again = guard.check([c.copy() for c in copies[:20]] + [r.copy() for r in rest], val)
    assert len(verified) == n_first and _same(again, first)
    # the data set grows: only the new pairs are verified, the report is a fresh guard's
    grown = guard.check(copies + rest, val)
    n_grown = len(verified) - n_first
    fresh = SplitGuard(cache=False).check(copies + rest, val)
    assert _same(grown, fresh) and n_grown > 0
    assert len(verified) - n_first - n_grown > n_grown  # the fresh guard verified every pair


def test_image_changed_in_place_is_verified_again(
    split: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]], verified: list[tuple[Any, ...]]
) -> None:
    copies, rest, val = split
    train = [c.copy() for c in copies[:10]] + rest
    guard = SplitGuard()
    guard.check(train, val)
    n = len(verified)
    guard.check(train, val)
    assert len(verified) == n
    for image in train[:10]:
        image[0, 0] ^= 1  # one level of one pixel: the same objects, new content
    changed = guard.check(train, val)
    assert len(verified) > n
    assert _same(changed, SplitGuard(cache=False).check(train, val))


def test_cache_is_bounded_and_validated() -> None:
    cache = VerifiedCache(max_pairs=2)
    for k in range(3):
        cache.put(bytes([k]), (0.5, None))
    cache.get(bytes([1]))  # used: kept over the older unused one
    cache.put(bytes([3]), (1.0, True))
    assert len(cache) == 2 and cache.get(bytes([2])) is None and cache.get(bytes([1])) == (0.5, None)
    crops = VerifiedCache(max_pairs=2, max_crops=2)
    crops.put(b"pair", (0.99, None))
    for k in range(5):  # crop scores have a budget of their own: they never evict a pair
        crops.put_crop(bytes([k]), 0.5 + k / 10)
    assert len(crops) == 1 and crops.crops == 2 and crops.get(b"pair") == (0.99, None)
    assert crops.get_crop(bytes([4])) == 0.9 and crops.get_crop(bytes([0])) is None
    with pytest.raises(InvalidInputError, match="cache"):
        SplitGuard(cache="yes")  # type: ignore[arg-type]
    assert "cache=False" in repr(SplitGuard(cache=False))


def test_a_pickled_guard_leaves_its_remembered_pairs_behind() -> None:
    import pickle

    guard = SplitGuard()
    guard._verified.put(b"k" * 40, (0.99, None))
    copy = pickle.loads(pickle.dumps(guard))
    assert len(guard._verified) == 1 and len(copy._verified) == 0 and repr(copy) == repr(guard)


def test_crop_scores_are_remembered_with_fresh_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    import cv2
    from sklearn.datasets import load_digits

    from multiaug.guard.detect import image_crop

    fitted: list[int] = []  # candidate crop pairs whose windows were fitted
    real = image_crop._confirm_crops

    def spy(*args: Any) -> np.ndarray:
        fitted.append(len(args[3]))
        return real(*args)

    monkeypatch.setattr(image_crop, "_confirm_crops", spy)
    digits = [np.clip(d * 16, 0, 255).astype(np.uint8) for d in load_digits().images[:240]]
    big = [cv2.resize(d, (32, 32), interpolation=cv2.INTER_LINEAR) for d in digits]
    val, rest = big[:40], big[40:]
    crop = ma.image.RandomResizedCrop(32, scale=(0.8, 1.0), seed=0)
    copies = [crop(image=im, key=k)["image"] for k, im in enumerate(val)]
    guard = SplitGuard()
    first = guard.check(copies + rest, val)
    n = sum(fitted)
    assert n > 0 and first.counts["near_duplicate"] >= 30
    # the same pairs again: no window fitted again, the report unchanged
    again = guard.check(copies + rest, val)
    assert sum(fitted) == n and _same(again, first)
    # without the copies: the pairs seen before are not fitted again, the report is a fresh guard's
    apart = guard.check(rest, val)
    n_apart = sum(fitted) - n
    assert _same(apart, SplitGuard(cache=False).check(rest, val))
    assert sum(fitted) - n - n_apart > 2 * n_apart  # the guard without a cache fits them all


def test_a_crop_heavy_check_keeps_its_verified_pairs(verified: list[tuple[Any, ...]]) -> None:
    import cv2
    from sklearn.datasets import load_digits

    digits = [np.clip(d * 16, 0, 255).astype(np.uint8) for d in load_digits().images[:60]]
    big = [cv2.resize(d, (32, 32), interpolation=cv2.INTER_LINEAR) for d in digits]
    val, rest = big[:15], big[15:]
    crop = ma.image.RandomResizedCrop(32, scale=(0.8, 1.0), seed=0)
    train = [crop(image=im, key=k)["image"] for k, im in enumerate(val)] + rest
    first = SplitGuard(cache=False).check(train, val)
    n_pairs = len(set(verified))  # the pairs a check verifies
    guard = SplitGuard()
    guard._verified = VerifiedCache(max_pairs=n_pairs)  # room for the pairs, not for the crops too
    guard.check(train, val)
    n = len(verified)
    again = guard.check(train, val)  # nothing verified again: no crop score evicted a pair
    assert len(verified) == n and len(guard._verified) == n_pairs and _same(again, first)
    assert guard._verified.crops > 0  # the crop candidates' scores, kept apart
