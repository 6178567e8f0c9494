"""Core behaviour: streams, keyed calls, composers, errors, parameters."""

from __future__ import annotations

import pickle
from collections import Counter

import numpy as np
import pytest

import multiaug as ma
from multiaug.core import random as R
from multiaug.testing import assert_samples_equal, reference_image_sample, sample_digest

IMG = reference_image_sample()["image"]


def applied(out: dict) -> list[tuple[str, tuple[int, ...], dict]]:
    return [(e["transform"], tuple(e["path"]), e["params"]) for e in out["trace"]]


# ------------------------------------------------------------------ errors
def test_error_family() -> None:
    assert issubclass(ma.InvalidInputError, ma.MultiaugError)
    assert issubclass(ma.InvalidInputError, ValueError)
    assert issubclass(ma.ConfigError, ma.MultiaugError)
    assert issubclass(ma.LeakageError, ma.MultiaugError)
    err = ma.InvalidInputError("image.Rotate", "image", "contains NaN", "replace NaN")
    assert str(err) == "image.Rotate: `image` contains NaN. Fix: replace NaN"
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.field == "image"
    leak = ma.LeakageError({"ok": False})
    assert pickle.loads(pickle.dumps(leak)).report == {"ok": False}


# ------------------------------------------------------------------ stream derivation
def test_stream_keys_are_pinned() -> None:
    """Golden values: stream derivation must never change across versions or machines."""
    seed = R.seed_to_int(42)
    assert R.root_key(seed, 7, 3, 0, "t") == R.root_key(seed, 7, 3, 99, "t")
    assert R.root_key(seed, 7, 3, 0, "t") == 0xF39FCA50DE2CF52A
    assert R.key_to_int("img_0017.jpg") == 0x760F7AF565983D4C
    draws = R.generator(R.root_key(seed, 7, 3, 0, "t")).integers(0, 2**32, 3).tolist()
    assert draws == [3478703918, 2641937076, 1854809533]


def test_keys_of_different_types_and_values_differ() -> None:
    seed = R.seed_to_int(0)
    keys = [0, 1, "1", "0", 2**64, -1, "", "é"]
    roots = {R.root_key(seed, k, 0, 0, "t") for k in keys}
    assert len(roots) == len(keys)
    assert R.root_key(seed, np.int64(5), 0, 0, "t") == R.root_key(seed, 5, 0, 0, "t")
    assert R.root_key(seed, None, 0, 0, "t") != R.root_key(seed, None, 0, 1, "t")


@pytest.mark.parametrize("bad", [1.5, None, b"x", (1,), True])
def test_bad_keys_and_epochs_are_rejected(bad) -> None:
    flip = ma.image.HorizontalFlip(seed=0)
    if bad is not None:
        with pytest.raises(ma.InvalidInputError, match="`key`"):
            flip(image=IMG, key=bad)
    with pytest.raises(ma.InvalidInputError, match="`epoch`"):
        flip(image=IMG, key=1, epoch=bad if bad is not None else "1")


def test_uniform_decisions_are_uniform() -> None:
    u = np.array([R.uniform(R.mix(123, i)) for i in range(20000)])
    assert 0.0 <= u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.01
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    assert counts.min() > 1800 and counts.max() < 2200


# ------------------------------------------------------------------ keyed calls
def make_pipe(seed: int | None = 42) -> ma.Compose:
    return ma.Compose(
        [
            ma.OneOf([ma.image.HorizontalFlip(p=1.0), ma.image.VerticalFlip(p=1.0)]),
            ma.image.RandomCrop(16, 16),
            ma.image.GaussianNoise(p=0.5),
        ],
        seed=seed,
    )


def test_keyed_calls_do_not_depend_on_call_order() -> None:
    pipe = make_pipe()
    forward = {k: pipe(image=IMG, key=k, epoch=1) for k in range(12)}
    fresh = make_pipe()
    for k in reversed(range(12)):
        assert_samples_equal(fresh(image=IMG, key=k, epoch=1), forward[k])
        fresh(image=IMG)  # unkeyed calls in between change nothing for keyed ones


def test_keys_epochs_and_seeds_change_the_draws() -> None:
    digests = {sample_digest(make_pipe()(image=IMG, key=k)) for k in range(10)}
    assert len(digests) == 10
    assert sample_digest(make_pipe()(image=IMG, key=1, epoch=0)) != sample_digest(
        make_pipe()(image=IMG, key=1, epoch=1)
    )
    assert sample_digest(make_pipe(1)(image=IMG, key=1)) != sample_digest(make_pipe(2)(image=IMG, key=1))


def test_unkeyed_calls_are_a_reproducible_sequence() -> None:
    a, b = make_pipe(), make_pipe()
    seq_a = [sample_digest(a(image=IMG)) for _ in range(5)]
    assert seq_a == [sample_digest(b(image=IMG)) for _ in range(5)]
    assert len(set(seq_a)) == 5


def test_seed_none_draws_fresh_entropy_per_object() -> None:
    outs = {sample_digest(make_pipe(None)(image=IMG, key=0)) for _ in range(5)}
    assert len(outs) > 1


def test_editing_one_transform_leaves_the_others_draws_unchanged() -> None:
    base = ma.Compose([ma.image.GaussianNoise(p=0.5), ma.image.RandomCrop(16, 16)], seed=3)
    edited = ma.Compose(
        [ma.image.HorizontalFlip(p=0.5), ma.image.GaussianNoise(p=0.5, std=0.2), ma.image.RandomCrop(16, 16)],
        seed=3,
    )
    removed = ma.Compose([ma.image.RandomCrop(16, 16)], seed=3)
    for k in range(40):
        t_base = {n: p for n, _, p in applied(base(image=IMG, key=k, trace=True))}
        t_edit = {n: p for n, _, p in applied(edited(image=IMG, key=k, trace=True))}
        t_rem = {n: p for n, _, p in applied(removed(image=IMG, key=k, trace=True))}
        assert t_base["image.RandomCrop"] == t_edit["image.RandomCrop"] == t_rem["image.RandomCrop"]
        # the noise's apply decision and its noise seed survive a change of its std
        assert ("image.GaussianNoise" in t_base) == ("image.GaussianNoise" in t_edit)
        if "image.GaussianNoise" in t_base:
            assert t_base["image.GaussianNoise"]["noise_seed"] == t_edit["image.GaussianNoise"]["noise_seed"]


def test_same_named_siblings_draw_independently() -> None:
    pipe = ma.Compose([ma.image.RandomCrop(30, 40), ma.image.RandomCrop(16, 16)], seed=0)
    traces = [pipe(image=IMG, key=k, trace=True)["trace"] for k in range(30)]
    first = [t[0]["params"] for t in traces]
    second = [t[1]["params"] for t in traces]
    assert first != second


def test_nested_seed_is_not_used_inside_a_composer() -> None:
    a = ma.Compose([ma.image.GaussianNoise(p=1.0, seed=1)], seed=5)
    b = ma.Compose([ma.image.GaussianNoise(p=1.0, seed=2)], seed=5)
    assert_samples_equal(a(image=IMG, key=4), b(image=IMG, key=4))


# ------------------------------------------------------------------ composers
def test_oneof_picks_by_weights() -> None:
    pipe = ma.OneOf([ma.image.HorizontalFlip(p=1.0), ma.image.VerticalFlip(p=1.0)], weights=[3, 1], seed=0)
    counts = Counter(pipe(image=IMG, key=k, trace=True)["trace"][0]["transform"] for k in range(4000))
    assert abs(counts["image.HorizontalFlip"] / 4000 - 0.75) < 0.03


def test_oneof_defaults_to_child_p_as_weights_and_forces_the_pick() -> None:
    pipe = ma.OneOf([ma.image.HorizontalFlip(p=0.2), ma.image.VerticalFlip(p=0.6)], seed=0)
    traces = [pipe(image=IMG, key=k, trace=True)["trace"] for k in range(4000)]
    assert all(len(t) == 1 for t in traces)  # exactly one applied every time
    share = sum(t[0]["transform"] == "image.VerticalFlip" for t in traces) / 4000
    assert abs(share - 0.75) < 0.03
    never = ma.OneOf([ma.image.HorizontalFlip(p=0.0)], seed=0)
    assert never(image=IMG, key=1, trace=True)["trace"] == []


def test_someof_applies_n_distinct_in_pipeline_order() -> None:
    kids = [ma.image.GaussianNoise(p=1.0), ma.image.HorizontalFlip(p=1.0), ma.image.VerticalFlip(p=1.0)]
    pipe = ma.SomeOf(kids, n=2, seed=0)
    subsets = Counter()
    for k in range(600):
        paths = [tuple(e["path"]) for e in pipe(image=IMG, key=k, trace=True)["trace"]]
        assert len(paths) == 2 and paths == sorted(paths) and len(set(paths)) == 2
        subsets[tuple(paths)] += 1
    assert len(subsets) == 3 and min(subsets.values()) > 150
    ranged = ma.SomeOf(kids, n=(0, 3), seed=0)
    sizes = Counter(len(ranged(image=IMG, key=k, trace=True)["trace"]) for k in range(800))
    assert set(sizes) == {0, 1, 2, 3}


def test_composer_p_and_nesting() -> None:
    inner = ma.Compose([ma.image.HorizontalFlip(p=1.0)], p=0.0)
    pipe = ma.Compose([inner, ma.OneOf([ma.SomeOf([ma.image.VerticalFlip(p=1.0)], n=1)])], seed=0)
    out = pipe(image=IMG, key=0, trace=True)
    assert applied(out) == [("image.VerticalFlip", (1, 0, 0), {})]
    assert np.array_equal(out["image"], IMG[::-1])
    assert pipe[1][0][0].name == "image.VerticalFlip" and len(pipe) == 2


def test_replay_rejects_a_foreign_trace() -> None:
    pipe = make_pipe()
    out = pipe(image=IMG, key=0, trace=True)
    other = ma.Compose([ma.image.VerticalFlip()], seed=0)
    with pytest.raises(ma.InvalidInputError, match="trace"):
        other.replay(out["trace"], image=IMG)
    with pytest.raises(ma.InvalidInputError, match="trace"):
        pipe.replay("not a trace", image=IMG)


def test_replay_applies_recorded_params_to_other_data() -> None:
    pipe = make_pipe()
    out = pipe(image=IMG, mask=reference_image_sample()["mask"], key=5, trace=True)
    crop = next(e["params"] for e in out["trace"] if e["transform"] == "image.RandomCrop")
    mask_only = pipe.replay(out["trace"], image=IMG, mask=reference_image_sample()["mask"])
    assert np.array_equal(mask_only["mask"], out["mask"])
    assert mask_only["mask"].shape == (16, 16) and set(crop) == {"top", "left"}


# ------------------------------------------------------------------ call form
def test_call_returns_new_dict_and_passes_unknown_fields_through() -> None:
    sample = {"image": IMG, "label": {"cls": 3}, "note": "kept"}
    out = ma.image.HorizontalFlip(p=0.0)(**sample)
    assert out is not sample and out["label"] is sample["label"] and out["note"] == "kept"


def test_missing_required_field_names_transform_field_and_fix() -> None:
    with pytest.raises(ma.InvalidInputError) as info:
        make_pipe()(imgae=IMG)
    msg = str(info.value)
    assert "image" in msg and "Fix:" in msg and msg.startswith("image.")


# ------------------------------------------------------------------ parameters (scikit-learn style)
def test_get_set_params_and_clone() -> None:
    import sklearn.base as sklearn_base  # installed by the image and tabular extras

    t = ma.image.GaussianNoise(std=(0.1, 0.2), p=0.3, seed=1)
    assert t.get_params() == {"std": (0.1, 0.2), "p": 0.3, "seed": 1}
    c = sklearn_base.clone(t)
    assert c.get_params() == t.get_params() and c is not t
    t.set_params(p=1.0)
    assert t(image=IMG, key=0, trace=True)["trace"]
    with pytest.raises(ma.InvalidInputError, match="not a parameter"):
        t.set_params(sigma=1)
    pipe = make_pipe()
    pipe.set_params(transforms__0__p=0.0)
    assert pipe.transforms[0].p == 0.0
    with pytest.raises(ma.InvalidInputError, match="empty range"):
        t.set_params(std=(0.5, 0.1))  # validated at once, and the old value kept
    assert t.std == (0.1, 0.2)
    t.std = (0.5, 0.1)  # a direct assignment is checked at the next use
    with pytest.raises(ma.InvalidInputError, match="empty range"):
        t(image=IMG)


def test_repr_shows_non_default_parameters() -> None:
    assert repr(ma.image.GaussianNoise(std=0.1)) == "GaussianNoise(std=0.1)"
    assert "RandomCrop(height=4, width=4)" in repr(ma.Compose([ma.image.RandomCrop(4, 4)], seed=1))


def test_in_place_edits_of_the_transform_list_are_seen() -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip(p=1.0)], seed=0)
    assert np.array_equal(pipe(image=IMG, key=0)["image"], IMG[:, ::-1])
    pipe.transforms[0] = ma.image.VerticalFlip(p=1.0)
    assert np.array_equal(pipe(image=IMG, key=0)["image"], IMG[::-1])
    pipe.transforms.append(ma.image.HorizontalFlip(p=1.0))
    assert np.array_equal(pipe(image=IMG, key=0)["image"], IMG[::-1, ::-1])


def test_generator_equals_a_plain_philox_with_the_same_key() -> None:
    stream = R.root_key(R.seed_to_int(3), "k", 1, 0, "t")
    key = (R.mix(stream, R._RNG_HI) << 64) | R.mix(stream, R._RNG_LO)
    ours, plain = R.generator(stream), np.random.Generator(np.random.Philox(key=key))
    assert ours.integers(0, 2**63, 8).tolist() == plain.integers(0, 2**63, 8).tolist()
    assert np.array_equal(ours.standard_normal(5), plain.standard_normal(5))
    assert R.generator(stream) is not R.generator(stream)  # a fresh object per use


def test_borrowed_generators_draw_like_fresh_ones_even_when_nested() -> None:
    streams = [R.root_key(R.seed_to_int(s), s, 0, 0, "t") for s in range(4)]
    expected = [R.generator(s).random(6).tolist() for s in streams]
    outer = R.borrow(streams[0])
    first = outer[0].random(3).tolist()
    inner = R.borrow(streams[1])  # a nested borrow gets its own generator
    assert inner[0] is not outer[0]
    assert inner[0].random(6).tolist() == expected[1]
    assert first + outer[0].random(3).tolist() == expected[0]  # outer's draws undisturbed
    R.give_back(inner)
    R.give_back(outer)
    for s, exp in zip(streams, expected, strict=True):  # a re-keyed pooled generator starts afresh
        lent = R.borrow(s)
        lent[0].standard_normal(3)  # leave buffered state behind
        R.give_back(lent)
        lent = R.borrow(s)
        assert lent[0].random(6).tolist() == exp
        R.give_back(lent)
    # 32-bit draws leave half a 64-bit word buffered (has_uint32): a re-keyed generator drops it;
    # streams with the high bit set reach the key words as the full unsigned 64-bit range
    for s in [*streams, (1 << 64) - 1, 1 << 63]:
        fresh = R.generator(s)
        want = fresh.integers(0, 7, 3).tolist() + fresh.random(2).tolist()
        lent = R.borrow(s)
        lent[0].integers(0, 7, 5)
        R.give_back(lent)
        lent = R.borrow(s)
        assert lent[0].integers(0, 7, 3).tolist() + lent[0].random(2).tolist() == want
        R.give_back(lent)


def test_keyed_params_are_what_a_keyed_call_draws() -> None:
    noise = ma.image.GaussianNoise(p=0.5, seed=3)
    for key in range(20):
        out = noise(image=IMG, key=key, epoch=1, trace=True)
        params = noise.keyed_params({"image": IMG}, key, epoch=1)
        assert params == (out["trace"][0]["params"] if out["trace"] else None)


def test_applies_is_the_one_apply_rule() -> None:
    assert R.applies(1.0, 123) and not R.applies(0.0, 123)
    share = np.mean([R.applies(0.3, R.mix(7, i)) for i in range(20000)])
    assert abs(share - 0.3) < 0.01


def test_random_domain_tags_are_distinct_and_live_in_one_table() -> None:
    import pathlib
    import re

    from multiaug.core.random import TAGS

    assert len(set(TAGS.values())) == len(TAGS)
    assert all(0 < v < 2**64 for v in TAGS.values())
    # no module keeps a tag of its own: every 16-digit hex constant outside the mixer is in TAGS
    mixer = {0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB}
    root = pathlib.Path(ma.__file__).parent
    for path in root.rglob("*.py"):
        for literal in re.findall(r"0x[0-9A-Fa-f]{16}\b", path.read_text()):
            value = int(literal, 16)
            assert value in mixer or value in TAGS.values(), f"{path.name}: {literal} is not in TAGS"


@pytest.mark.parametrize("epoch", [-1, 2**63, 1.0, True, "0"])
def test_one_epoch_check_for_calls_and_datasets(epoch: object) -> None:
    flip = ma.image.HorizontalFlip(p=1.0, seed=0)
    with pytest.raises(ma.InvalidInputError, match="epoch"):
        flip(image=np.zeros((2, 2), np.uint8), key=0, epoch=epoch)


def test_every_random_domain_tag_is_used() -> None:
    import pathlib

    from multiaug.core.random import TAGS

    text = "".join(p.read_text() for p in pathlib.Path(ma.__file__).parent.rglob("*.py"))
    unused = [name for name in TAGS if f'TAGS["{name}"]' not in text]
    assert not unused, f"tags no code mixes in: {unused}"
