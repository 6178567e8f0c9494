"""RandAugment, TrivialAugmentWide, AutoAugment: draws, traces, sub-ops against independent references."""

from __future__ import annotations

import collections
import json
import math

import cv2
import numpy as np
import pytest

import multiaug as ma
from multiaug.core.errors import InvalidInputError
from multiaug.image.policies import IMAGENET_POLICY, OPS, magnitude

POLICIES = [
    lambda: ma.image.RandAugment(n=2, magnitude=9, p=1.0, seed=3),
    lambda: ma.image.TrivialAugmentWide(p=1.0, seed=3),
    lambda: ma.image.AutoAugment(policy="imagenet", p=1.0, seed=3),
]
IDS = ["RandAugment", "TrivialAugmentWide", "AutoAugment"]


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A smooth RGB gradient with a bright square: every channel uses a wide range of levels."""
    y, x = np.mgrid[0:40, 0:48]
    img = np.stack([x * 4 + 20, y * 5 + 10, (x + y) * 2 + 30], axis=2)
    img[10:20, 12:24] = 240
    return np.clip(img, 0, 255).astype(np.uint8)


def _sample(photo: np.ndarray) -> dict:
    mask = np.zeros(photo.shape[:2], np.uint8)
    mask[10:20, 12:24] = 1
    return {
        "image": photo,
        "mask": mask,
        "bboxes": np.array([[12.0, 10.0, 24.0, 20.0]]),
        "bbox_labels": ["square"],
        "keypoints": np.array([[18.0, 15.0]]),
    }


def _apply(t: ma.Transform, sample: dict, ops: list[dict]) -> dict:
    """``t`` applied with explicit sub-operations (the deterministic half)."""
    params = {"ops": ops}
    if isinstance(t, ma.image.AutoAugment):
        raise AssertionError("use RandAugment for explicit single ops")
    return t.apply(sample, params)


def _one(op: str, value: float, image: np.ndarray, **targets: object) -> dict:
    return _apply(ma.image.RandAugment(n=1, p=1.0), {"image": image, **targets}, [{"op": op, "value": value}])


# ---------------------------------------------------------------------- keyed draws, trace, replay
@pytest.mark.parametrize("make", POLICIES, ids=IDS)
def test_keyed_calls_are_deterministic_and_keys_differ(make, photo: np.ndarray) -> None:
    a, b = make(), make()
    outs = [a(**_sample(photo), key=k)["image"] for k in range(12)]
    for k in range(12):
        assert np.array_equal(outs[k], b(**_sample(photo), key=k)["image"])
    assert len({o.tobytes() for o in outs}) > 3


@pytest.mark.parametrize("make", POLICIES, ids=IDS)
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_trace_lists_sub_ops_and_replay_reproduces_them(make, dtype: str, photo: np.ndarray) -> None:
    t = make()
    sample = _sample(photo if dtype == "uint8" else photo.astype(np.float32) / 255)
    names = set(OPS) | {"Invert"}
    for key in range(25):
        out = t(**sample, key=key, trace=True)
        trace = json.loads(json.dumps(out["trace"]))
        assert len(trace) == 1
        ops = trace[0]["params"]["ops"]
        assert ops and all(step["op"] in names and isinstance(step["value"], float) for step in ops)
        again = t.replay(trace, **sample)
        for field in ("image", "mask", "bboxes", "keypoints"):
            assert np.array_equal(again[field], out[field]), (key, field)
        assert out["image"].dtype == sample["image"].dtype
        if dtype == "float32":
            assert 0.0 <= out["image"].min() and out["image"].max() <= 1.0


def test_config_and_fingerprint_round_trip() -> None:
    t = ma.image.RandAugment(n=3, magnitude=5, fill=(1, 2, 3), p=0.7, seed=1)
    back = ma.from_config(t.to_config())
    assert back.to_config() == t.to_config() and back.fingerprint == t.fingerprint
    assert ma.image.RandAugment(n=3, magnitude=6, seed=1).fingerprint != t.fingerprint


# ---------------------------------------------------------------------- frequencies
def _within(count: int, n: int, p: float, sigmas: float = 5.0) -> bool:
    return abs(count - n * p) <= sigmas * math.sqrt(n * p * (1 - p))


def test_randaugment_draws_ops_uniformly_at_the_fixed_magnitude(photo: np.ndarray) -> None:
    t = ma.image.RandAugment(n=2, magnitude=9, p=1.0, seed=0)
    counts: collections.Counter[str] = collections.Counter()
    signs: collections.Counter[bool] = collections.Counter()
    for key in range(1400):
        for step in t.keyed_params({"image": photo}, key=key)["ops"]:
            counts[step["op"]] += 1
            assert abs(step["value"]) == magnitude("standard", step["op"], 9, 31, photo.shape[:2])
            if step["op"] == "Rotate":
                signs[step["value"] > 0] += 1
    assert set(counts) == set(OPS)
    assert all(_within(c, 2800, 1 / 14) for c in counts.values()), counts
    assert _within(signs[True], sum(signs.values()), 0.5)


def test_trivial_augment_draws_op_and_bin_uniformly(photo: np.ndarray) -> None:
    t = ma.image.TrivialAugmentWide(p=1.0, seed=0)
    ops: collections.Counter[str] = collections.Counter()
    angles: collections.Counter[float] = collections.Counter()
    for key in range(2800):
        (step,) = t.keyed_params({"image": photo}, key=key)["ops"]
        ops[step["op"]] += 1
        if step["op"] == "Rotate":
            angles[abs(step["value"])] += 1
    assert all(_within(c, 2800, 1 / 14) for c in ops.values()), ops
    # the Rotate bins: 0, 4.5, ..., 135 degrees, each about equally often
    assert set(angles) <= {135.0 * b / 30 for b in range(31)} and len(angles) >= 25


def test_autoaugment_draws_sub_policies_uniformly_and_applies_with_their_probability(
    photo: np.ndarray,
) -> None:
    t = ma.image.AutoAugment(p=1.0, seed=0)
    counts: collections.Counter[int] = collections.Counter()
    applied = np.zeros((25, 2))
    for key in range(5000):
        params = t.keyed_params({"image": photo}, key=key)
        i = params["subpolicy"]
        counts[i] += 1
        for j, step in enumerate(params["ops"]):
            assert step["op"] == IMAGENET_POLICY[i][j][0]
            applied[i, j] += step["applied"]
    assert sorted(counts) == list(range(25))
    assert all(_within(c, 5000, 1 / 25) for c in counts.values()), counts
    for i, pair in enumerate(IMAGENET_POLICY):
        for j, (_, prob, _) in enumerate(pair):
            assert _within(int(applied[i, j]), counts[i], prob) if 0 < prob < 1 else True
            if prob in (0.0, 1.0):
                assert applied[i, j] == prob * counts[i]


# ---------------------------------------------------------------------- magnitude tables
def test_magnitude_tables_follow_torchvision() -> None:
    size = (331, 662)
    assert magnitude("standard", "Rotate", 9, 31, size) == pytest.approx(9.0)
    assert magnitude("standard", "Rotate", 9, 10, size) == pytest.approx(30.0)
    assert magnitude("wide", "Rotate", 30, 31, size) == pytest.approx(135.0)
    assert [magnitude("standard", "Posterize", b, 31, size) for b in (0, 30)] == [8.0, 4.0]
    assert magnitude("wide", "Posterize", 30, 31, size) == 2.0
    assert [magnitude("standard", "Posterize", b, 10, size) for b in range(10)] == [
        8.0, 8.0, 7.0, 7.0, 6.0, 6.0, 5.0, 5.0, 4.0, 4.0
    ]  # fmt: skip
    assert magnitude("standard", "Solarize", 0, 31, size) == 255.0
    assert magnitude("standard", "Solarize", 30, 31, size) == 0.0
    assert magnitude("standard", "TranslateX", 30, 31, size) == 300.0  # 150/331 of 662 px
    assert magnitude("standard", "TranslateY", 30, 31, size) == 150.0
    assert magnitude("wide", "TranslateX", 30, 31, size) == 32.0
    assert magnitude("standard", "ShearX", 30, 31, size) == pytest.approx(0.3)
    assert magnitude("wide", "Sharpness", 30, 31, size) == pytest.approx(0.99)


# ---------------------------------------------------------------------- sub-ops vs references
def _luma(img: np.ndarray) -> np.ndarray:
    return img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114


@pytest.mark.parametrize("bits", [2, 4, 7])
def test_posterize_keeps_the_top_bits(bits: int, photo: np.ndarray) -> None:
    out = _one("Posterize", float(bits), photo)["image"]
    assert np.array_equal(out, photo & np.uint8((0xFF << (8 - bits)) & 0xFF))


@pytest.mark.parametrize("threshold", [255.0, 178.5, 113.33333333333333, 0.0])
def test_solarize_inverts_at_and_above_the_threshold(threshold: float, photo: np.ndarray) -> None:
    out = _one("Solarize", threshold, photo)["image"]
    assert np.array_equal(out, np.where(photo >= threshold, 255 - photo, photo))


def test_invert_equalize_autocontrast(photo: np.ndarray) -> None:
    assert np.array_equal(_one("Invert", 0.0, photo)["image"], 255 - photo)
    eq = np.stack([cv2.equalizeHist(np.ascontiguousarray(photo[..., c])) for c in range(3)], axis=2)
    assert np.array_equal(_one("Equalize", 0.0, photo)["image"], eq)
    low = (photo // 2 + 40).astype(np.uint8)
    f = low.astype(np.float64)
    lo, hi = f.min(axis=(0, 1)), f.max(axis=(0, 1))
    want = np.clip(np.rint((f - lo) * 255.0 / (hi - lo)), 0, 255).astype(np.uint8)
    assert np.array_equal(_one("AutoContrast", 0.0, low)["image"], want)
    flat = np.full((4, 4, 3), 77, np.uint8)
    assert np.array_equal(_one("AutoContrast", 0.0, flat)["image"], flat)


@pytest.mark.parametrize("value", [-0.9, -0.27, 0.27, 0.9])
def test_enhance_ops_match_the_blend_formulas(value: float, photo: np.ndarray) -> None:
    f, x = 1.0 + value, photo.astype(np.float64)
    gray = _luma(x)[..., None]
    refs = {
        "Brightness": x * f,
        "Color": f * x + (1 - f) * gray,
        "Contrast": f * x + (1 - f) * gray.mean(),
    }
    for op, ref in refs.items():
        got = _one(op, value, photo)["image"].astype(np.int16)
        assert np.abs(got - np.clip(ref, 0, 255)).max() <= 1, op


@pytest.mark.parametrize("value", [-0.9, 0.5, 0.99])
def test_sharpness_is_pil_enhancement(value: float, photo: np.ndarray) -> None:
    x = photo.astype(np.float64)
    smooth = x.copy()
    acc = np.zeros_like(x[1:-1, 1:-1])
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            acc += x[1 + dy : x.shape[0] - 1 + dy, 1 + dx : x.shape[1] - 1 + dx] * (5 if dy == dx == 0 else 1)
    smooth[1:-1, 1:-1] = acc / 13
    f = 1.0 + value
    ref = np.clip(f * x + (1 - f) * smooth, 0, 255)
    got = _one("Sharpness", value, photo)["image"]
    assert np.abs(got.astype(np.int16) - ref).max() <= 1
    assert np.array_equal(got[0], photo[0]) and np.array_equal(got[:, -1], photo[:, -1])


@pytest.mark.parametrize("angle", [9.0, -30.0])
def test_rotate_turns_image_and_targets_by_the_table_angle(angle: float, photo: np.ndarray) -> None:
    h, w = photo.shape[:2]
    out = _one("Rotate", angle, photo, keypoints=np.array([[30.0, 12.0]]))
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0)
    ref = cv2.warpAffine(photo, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    inner = (slice(8, h - 8), slice(8, w - 8))
    assert np.abs(out["image"][inner].astype(np.int16) - ref[inner]).max() <= 1
    a = math.radians(angle)
    dx, dy = 30.0 - w / 2, 12.0 - h / 2  # counter-clockwise on screen (y down)
    want = [w / 2 + dx * math.cos(a) + dy * math.sin(a), h / 2 - dx * math.sin(a) + dy * math.cos(a)]
    assert out["keypoints"][0] == pytest.approx(want, abs=1e-6)


def test_translate_moves_every_target_by_whole_pixels(photo: np.ndarray) -> None:
    s = _sample(photo)
    out = _one("TranslateX", 5.0, **s)
    assert np.array_equal(out["image"][:, 5:], photo[:, :-5]) and not out["image"][:, :5].any()
    assert np.array_equal(out["mask"][:, 5:], s["mask"][:, :-5])
    assert out["bboxes"].tolist() == [[17.0, 10.0, 29.0, 20.0]]
    assert out["keypoints"].tolist() == [[23.0, 15.0]]
    up = _one("TranslateY", -3.0, **s)
    assert np.array_equal(up["mask"][:-3], s["mask"][3:]) and up["keypoints"].tolist() == [[18.0, 12.0]]
    filled = _apply(
        ma.image.RandAugment(n=1, fill=(1, 2, 3), fill_mask=9, p=1.0), s, [{"op": "TranslateX", "value": 4.0}]
    )
    assert filled["image"][0, 0].tolist() == [1, 2, 3] and filled["mask"][0, 0] == 9


@pytest.mark.parametrize("factor", [0.3, -0.99])
def test_shear_moves_keypoints_like_the_matrix(factor: float, photo: np.ndarray) -> None:
    h, w = photo.shape[:2]
    pts = np.array([[18.0, 15.0], [40.0, 35.0]])
    out = _one("ShearX", factor, photo, keypoints=pts)["keypoints"]
    # about the centre; positive factor moves the top edge right (torchvision's sense)
    want = np.stack([pts[:, 0] - factor * (pts[:, 1] - h / 2), pts[:, 1]], axis=1)
    assert out == pytest.approx(want, abs=1e-6)
    out_y = _one("ShearY", factor, photo, keypoints=pts)["keypoints"]
    want_y = np.stack([pts[:, 0], pts[:, 1] - factor * (pts[:, 0] - w / 2)], axis=1)
    assert out_y == pytest.approx(want_y, abs=1e-6)


def test_grey_images_take_every_op_and_color_leaves_them(photo: np.ndarray) -> None:
    grey = photo[..., 0].copy()
    assert np.array_equal(_one("Color", 0.9, grey)["image"], grey)
    t = ma.image.TrivialAugmentWide(p=1.0, seed=0)
    for key in range(40):
        assert t(image=grey, key=key)["image"].shape == grey.shape
    rgba = np.dstack([photo, np.full(photo.shape[:2], 200, np.uint8)])
    for op in ("Equalize", "AutoContrast", "Sharpness", "Color", "Posterize"):
        assert np.array_equal(
            _one(op, 0.5 if op != "Posterize" else 4.0, rgba)["image"][..., 3], rgba[..., 3]
        )


# ---------------------------------------------------------------------- refusals
def _other(op: str) -> str:
    """An op name that is not ``op``."""
    return "Invert" if op != "Invert" else "Equalize"


def _traced(t: ma.Transform, photo: np.ndarray, key: int = 0) -> list:
    return json.loads(json.dumps(t(image=photo, key=key, trace=True)["trace"]))


@pytest.mark.parametrize(
    ("make", "damage", "where"),
    [
        (POLICIES[0], lambda p: p["ops"][0].update(op="Blur"), "ops[0].op"),
        (POLICIES[0], lambda p: p["ops"][1].update(value=7.25), "ops[1].value"),
        (POLICIES[0], lambda p: p["ops"].pop(), "ops"),
        (POLICIES[1], lambda p: p["ops"][0].update(op="Rotate", value=1000.0), "ops[0].value"),
        (POLICIES[2], lambda p: p.update(subpolicy=25), "subpolicy"),
        (POLICIES[2], lambda p: p["ops"][0].update(op=_other(p["ops"][0]["op"])), "ops[0].op"),
    ],
)  # fmt: skip
def test_damaged_traces_are_refused(make, damage, where: str, photo: np.ndarray) -> None:
    t = make()
    trace = _traced(t, photo)
    damage(trace[0]["params"])
    with pytest.raises(InvalidInputError, match=r"params\." + where.replace("[", r"\[").replace("]", r"\]")):
        t.replay(trace, image=photo)


@pytest.mark.parametrize("make", POLICIES, ids=IDS)
def test_other_channel_counts_are_refused_naming_image(make) -> None:
    with pytest.raises(InvalidInputError, match="image") as info:
        make()(image=np.zeros((8, 8, 2), np.uint8), key=0)
    assert "RGB" in str(info.value)


@pytest.mark.parametrize("make", POLICIES, ids=IDS)
def test_batched_refuses_the_policies_by_name(make) -> None:
    t = make()
    with pytest.raises(InvalidInputError, match=t.name):
        ma.torch.batched(ma.Compose([ma.image.HorizontalFlip(), t]))
