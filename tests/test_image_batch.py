"""MixUp and CutMix: the maths against independent computations, labels, determinism."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import multiaug as ma
from multiaug.image.functional import mix as F
from multiaug.testing import assert_samples_equal
from multiaug.testing.image_batch import NUM_CLASSES, batch_samples

K = NUM_CLASSES
FAST = settings(max_examples=40, deadline=None, database=None)


def _soft(labels: np.ndarray) -> np.ndarray:
    return np.eye(K, dtype=np.float64)[labels] if labels.dtype.kind in "iu" else labels.astype(np.float64)


def _params(out: dict[str, Any]) -> dict[str, Any]:
    (entry,) = out["trace"]
    return entry["params"]


@pytest.fixture(scope="module")
def photos() -> np.ndarray:
    """Four 64x96 crops of scikit-learn's sample photos (real image statistics)."""
    from multiaug.demo import load_sample_photo

    china, flower = load_sample_photo("china.jpg"), load_sample_photo("flower.jpg")
    return np.stack(
        [china[100:164, 200:296], flower[100:164, 200:296], china[300:364, :96], flower[:64, -96:]]
    )


@pytest.mark.parametrize("cls", [ma.image.MixUp, ma.image.CutMix])
@FAST
@given(sample=batch_samples(), key=st.integers(0, 2**32))
def test_outputs_are_soft_labels_and_same_images_layout(cls: type, sample: dict[str, Any], key: int) -> None:
    out = cls(num_classes=K, seed=1)(**sample, key=key)
    images, labels = out["images"], out["labels"]
    assert images.dtype == sample["images"].dtype and images.shape == sample["images"].shape
    assert labels.dtype == np.float32 and labels.shape == (len(sample["images"]), K)
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, atol=1e-5)
    assert labels.min() >= 0.0
    if images.dtype == np.float32:
        assert images.min() >= 0.0 and images.max() <= 1.0


@FAST
@given(sample=batch_samples(), key=st.integers(0, 2**32))
def test_mixup_equals_independent_blend(sample: dict[str, Any], key: int) -> None:
    out = ma.image.MixUp(alpha=0.4, num_classes=K, seed=3)(**sample, key=key, trace=True)
    params = _params(out)
    lam, perm = params["lam"], np.array(params["perm"])
    assert sorted(perm.tolist()) == list(range(len(perm)))
    x = sample["images"].astype(np.float32)
    blend = np.float32(lam) * x + np.float32(1 - lam) * x[perm]
    if sample["images"].dtype == np.uint8:
        expected = np.rint(blend).astype(np.uint8)
    else:
        expected = np.clip(blend, 0, 1)
    np.testing.assert_array_equal(out["images"], expected)
    y = _soft(sample["labels"])
    np.testing.assert_allclose(out["labels"], lam * y + (1 - lam) * y[perm], atol=1e-6)


def test_mixup_on_photos_matches_float64_blend(photos: np.ndarray) -> None:
    t = ma.image.MixUp(alpha=1.0, num_classes=K, seed=0)
    for key in range(5):
        out = t(images=photos, labels=np.arange(4), key=key, trace=True)
        params = _params(out)
        exact = params["lam"] * photos + (1 - params["lam"]) * photos[params["perm"]].astype(np.float64)
        # rounded once: never more than half a level from the exact blend (plus float32 error)
        assert np.abs(out["images"] - exact).max() <= 0.5 + 1e-3


def test_cutmix_pastes_exactly_the_weighted_area() -> None:
    b, h, w = 6, 13, 17
    images = np.stack([np.full((h, w, 3), 10 * (i + 1), np.uint8) for i in range(b)])
    labels = np.arange(b) % K
    t = ma.image.CutMix(alpha=1.0, num_classes=K, seed=4)
    clipped = 0
    for key in range(60):
        out = t(images=images, labels=labels, key=key, trace=True)
        params = _params(out)
        perm, (x1, y1, x2, y2) = params["perm"], params["box"]
        assert 0 <= x1 <= x2 <= w and 0 <= y1 <= y2 <= h
        weight = 1 - (x2 - x1) * (y2 - y1) / (h * w)
        unclipped = F.cutmix_box(h, w, params["lam"], h / 2, w / 2)
        clipped += (x2 - x1) * (y2 - y1) < (unclipped[2] - unclipped[0]) * (unclipped[3] - unclipped[1])
        y = _soft(labels)
        np.testing.assert_allclose(out["labels"], weight * y + (1 - weight) * y[perm], atol=1e-6)
        for i, j in enumerate(perm):
            changed = (out["images"][i] != images[i]).any(axis=-1)
            pasted = int(changed.sum())
            assert pasted == (round((1 - weight) * h * w) if j != i else 0)
            if j != i:
                assert changed[y1:y2, x1:x2].all()
                assert (out["images"][i][changed] == 10 * (j + 1)).all()
    assert clipped > 0, "no box was clipped by the image border in 60 draws"


@pytest.mark.parametrize("cls", [ma.image.MixUp, ma.image.CutMix])
def test_integer_labels_equal_one_hot_path(cls: type, photos: np.ndarray) -> None:
    ids = np.array([1, 0, 4, 1])
    t = cls(num_classes=K, seed=8)
    for key in ("a", 1, 2):
        a = t(images=photos, labels=ids, key=key)
        b = t(images=photos, labels=np.eye(K, dtype=np.float32)[ids], key=key)
        assert_samples_equal({**a, "labels": None}, {**b, "labels": None})
        np.testing.assert_array_equal(a["labels"], b["labels"])


@pytest.mark.parametrize("cls", [ma.image.MixUp, ma.image.CutMix])
def test_determinism_per_key_and_replay(cls: type, photos: np.ndarray) -> None:
    sample = {"images": photos, "labels": np.array([0, 1, 2, 3])}
    a, b = cls(num_classes=K, seed=5), cls(num_classes=K, seed=5)
    outs = {}
    for key in (0, 1, "img-9"):
        first = a(**sample, key=key, epoch=1, trace=True)
        assert_samples_equal(first, b(**sample, key=key, epoch=1, trace=True))
        replayed = a.replay(json.loads(json.dumps(first["trace"])), **sample)
        assert_samples_equal(replayed, {k: v for k, v in first.items() if k != "trace"})
        outs[key] = first
    assert json.dumps(_params(outs[0])) != json.dumps(_params(outs[1]))
    assert _params(a(**sample, key=0, epoch=2, trace=True)) != _params(outs[0])  # epochs differ too


def test_inside_compose_and_config_roundtrip(photos: np.ndarray) -> None:
    pipe = ma.Compose([ma.image.MixUp(num_classes=K), ma.image.CutMix(num_classes=K)], seed=0)
    out = pipe(images=photos, labels=np.arange(4), key=3, trace=True)
    assert [e["transform"] for e in out["trace"]] == ["image.MixUp", "image.CutMix"]
    np.testing.assert_allclose(out["labels"].sum(axis=1), 1.0, atol=1e-5)
    clone = ma.from_config(json.loads(json.dumps(pipe.to_config())))
    assert clone.fingerprint == pipe.fingerprint
    assert_samples_equal(
        clone(images=photos, labels=np.arange(4), key=3), pipe(images=photos, labels=np.arange(4), key=3)
    )


def test_lambda_follows_beta() -> None:
    images = np.zeros((2, 1, 1), np.uint8)
    onehot = np.eye(2, dtype=np.float32)
    t = ma.image.MixUp(alpha=2.0, seed=0)
    lams = np.array([_params(t(images=images, labels=onehot, key=k, trace=True))["lam"] for k in range(400)])
    # Beta(2, 2): mean 1/2, variance 1/20
    assert abs(lams.mean() - 0.5) < 0.05 and abs(lams.var() - 0.05) < 0.015


def test_not_applied_passes_the_batch_through() -> None:
    sample: dict[str, Any] = {"images": np.zeros((3, 2, 2), np.uint8), "labels": np.array([0, 1, 2])}
    out = ma.image.MixUp(num_classes=K, p=0.0)(**sample, key=0)
    assert out["images"] is sample["images"] and out["labels"] is sample["labels"]


def test_replay_on_another_batch_size_is_refused(photos: np.ndarray) -> None:
    t = ma.image.CutMix(num_classes=K, seed=0)
    trace = t(images=photos, labels=np.arange(4), key=0, trace=True)["trace"]
    with pytest.raises(ma.InvalidInputError, match=r"image\.CutMix: `images` has batch size 3"):
        t.replay(trace, images=photos[:3], labels=np.arange(3))


def test_errors_name_transform_field_and_fix() -> None:
    images = np.zeros((2, 4, 4), np.uint8)
    with pytest.raises(ma.InvalidInputError, match=r"image\.MixUp: `labels` .*num_classes is not set.*Fix:"):
        ma.image.MixUp()(images=images, labels=[0, 1])
    with pytest.raises(ma.InvalidInputError, match=r"image\.CutMix: `images` holds 1 image"):
        ma.image.CutMix()(images=images[:1], labels=np.eye(2, dtype=np.float32)[:1])
    with pytest.raises(ma.InvalidInputError, match=r"image\.CutMix: `alpha`"):
        ma.image.CutMix(alpha=0)(images=images, labels=np.eye(2, dtype=np.float32))


@given(
    h=st.integers(1, 300),
    w=st.integers(1, 300),
    lam=st.floats(0, 1),
    cy=st.floats(0, 1, exclude_max=True),
    cx=st.floats(0, 1, exclude_max=True),
)
@settings(max_examples=200, deadline=None, database=None)
def test_cutmix_box_kernel(h: int, w: int, lam: float, cy: float, cx: float) -> None:
    x1, y1, x2, y2 = F.cutmix_box(h, w, lam, cy * h, cx * w)
    assert 0 <= x1 <= x2 <= w and 0 <= y1 <= y2 <= h
    r = np.sqrt(1 - lam)
    assert x2 - x1 <= round(w * r) and y2 - y1 <= round(h * r)
    # an unclipped box (centred) keeps the rounded size: area fraction 1 - lam up to rounding
    cx1, cy1, cx2, cy2 = F.cutmix_box(h, w, lam, h / 2, w / 2)
    assert (cx2 - cx1, cy2 - cy1) == (round(w * r), round(h * r))
    assert F.pasted_fraction((x1, y1, x2, y2), h, w) == (x2 - x1) * (y2 - y1) / (h * w)
