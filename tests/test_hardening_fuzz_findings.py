"""Regression tests for what the fuzz module (tests/test_fuzz.py) found after the first fixes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import multiaug as ma
from multiaug.testing.text import tiny_marian

IMG = np.zeros((32, 48, 3), np.uint8)


def test_unknown_array_fields_are_refused_by_name() -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip(p=1.0)], seed=0)
    with pytest.raises(ma.InvalidInputError, match="`depth` is an array field multiaug does not know"):
        pipe(image=IMG, depth=np.zeros((32, 48), np.float32))
    with pytest.raises(ma.InvalidInputError, match="did you mean mask=") as info:
        pipe(image=IMG, masks=np.zeros((32, 48), np.uint8))
    assert "Fix:" in str(info.value)
    # metadata and known pass-through fields still pass
    out = pipe(image=IMG, label=np.array([0.0, 1.0]), path="a.png", score=np.float64(0.5))
    assert out["path"] == "a.png" and out["label"].tolist() == [0.0, 1.0]


@pytest.mark.parametrize("dtype", [np.complex128, object])
def test_boxes_and_keypoints_must_hold_real_numbers(dtype: type) -> None:
    flip = ma.image.HorizontalFlip(p=1.0)
    with pytest.raises(ma.InvalidInputError, match="`bboxes` has dtype"):
        flip(image=IMG, bboxes=np.array([[1, 2, 10, 12]], dtype=dtype))
    with pytest.raises(ma.InvalidInputError, match="`keypoints` has dtype"):
        flip(image=IMG, keypoints=np.array([[1, 2]], dtype=dtype))


def test_bbox_labels_must_be_a_sequence() -> None:
    with pytest.raises(ma.InvalidInputError, match="`bbox_labels` must be a sequence"):
        ma.image.HorizontalFlip(p=1.0)(image=IMG, bboxes=np.array([[1.0, 2, 10, 12]]), bbox_labels=5)


@pytest.mark.parametrize(
    ("field", "value", "sample"),
    [
        ("bboxes", np.broadcast_to(np.float64(1), (10**10, 4)), {"image": IMG}),
        ("keypoints", np.broadcast_to(np.float64(1), (10**10, 2)), {"image": IMG}),
    ],
)
def test_huge_annotation_views_are_refused_before_any_pass(
    field: str, value: np.ndarray, sample: dict
) -> None:
    with pytest.raises(ma.InvalidInputError, match=f"`{field}` holds 10,000,000,000"):
        ma.image.HorizontalFlip(p=1.0)(**sample, **{field: value})


def test_huge_audio_views_are_refused_before_any_pass() -> None:
    clip = np.broadcast_to(np.float32(0.1), (2, 10**11))
    with pytest.raises(ma.InvalidInputError, match="samples per channel"):
        ma.audio.Gain(p=1.0)(audio=clip, sample_rate=16000)


def test_edit_counts_are_bounded_at_construction() -> None:
    with pytest.raises(ma.InvalidInputError, match="`min_words`"):
        ma.text.RandomInsert(min_words=1e308)
    with pytest.raises(ma.InvalidInputError, match="`max_words`"):
        ma.text.RandomSwap(max_words=10**7)


def test_audio_fill_fits_float32() -> None:
    with pytest.raises(ma.InvalidInputError, match="`fill`"):
        ma.audio.TimeMask(fill=1e308)
    assert ma.audio.TimeMask(fill=-3e38).validate_params()


@pytest.mark.parametrize("kw", [{"k_neighbors": 10**400}, {"n_jobs": 10**400}, {"k_neighbors": 2**31}])
def test_sampler_ints_are_bounded_at_construction(kw: dict) -> None:
    with pytest.raises(ma.InvalidInputError, match=f"`{next(iter(kw))}`"):
        ma.tabular.SMOTE(**kw)


def test_smotenc_names_an_undeclared_text_column() -> None:
    X = pd.DataFrame({"a": np.arange(12.0), "b": np.arange(12.0) % 5, "band": ["lo", "hi", "mid"] * 4})
    y = [0] * 9 + [1] * 3
    with pytest.raises(ma.InvalidInputError, match="leaves out column 'band'"):
        ma.tabular.SMOTENC(categorical_features=[1], k_neighbors=2, seed=0).fit_resample(X, y)
    with pytest.raises(ma.InvalidInputError, match="is empty"):
        ma.tabular.SMOTENC(categorical_features=[])


@pytest.mark.parametrize(
    ("transform", "sample", "key", "damage"),
    [
        (ma.image.ColorJitter(p=1.0), {"image": IMG}, "order", lambda v: [*v, v[0]]),
        (ma.image.ColorJitter(p=1.0), {"image": IMG}, "order", lambda v: [0, 0, 1, 2]),
        (ma.image.Affine(shear=10, p=1.0), {"image": IMG}, "shear", lambda v: [*v, 0.0]),
        (ma.image.CutMix(num_classes=2, p=1.0), None, "box", lambda v: v[:3]),
    ],
)
def test_fixed_length_traced_lists(transform: ma.Transform, sample: dict | None, key: str, damage) -> None:
    if sample is None:
        sample = {"images": np.zeros((4, 16, 16, 3), np.uint8), "labels": np.array([0, 1, 0, 1])}
    trace = transform(**sample, key=1, trace=True)["trace"]
    trace[0]["params"][key] = damage(trace[0]["params"][key])
    with pytest.raises(ma.InvalidInputError, match=rf"params\.{key}"):
        transform.replay(trace, **sample)


def test_time_mask_target_in_a_trace_must_match_the_sample() -> None:
    t = ma.audio.TimeMask(p=1.0)
    clip = np.zeros(1600, np.float32)
    trace = t(audio=clip, sample_rate=16000, key=1, trace=True)["trace"]
    trace[0]["params"]["target"] = "x"
    with pytest.raises(ma.InvalidInputError, match=r"params\.target"):
        t.replay(trace, audio=clip, sample_rate=16000)


def test_mixup_of_a_fortran_batch_is_c_contiguous() -> None:
    images = np.asfortranarray(np.random.default_rng(0).random((4, 8, 8, 3), dtype=np.float32))
    out = ma.image.MixUp(num_classes=2, p=1.0)(images=images, labels=np.array([0, 1, 0, 1]), key=0)
    assert out["images"].flags.c_contiguous


@pytest.fixture(scope="module")
def back_translate() -> ma.text.BackTranslate:
    return ma.text.BackTranslate(translator=ma.text.MarianTranslator(tiny_marian(), max_new_tokens=5), seed=0)


def test_back_translate_reads_texts_longer_than_the_model_window(
    back_translate: ma.text.BackTranslate,
) -> None:
    # the tiny model reads 128 positions; before, a longer text overflowed its position table
    long = "The cat sat on the mat. " * 200
    out = back_translate(text=long, key=0)["text"]
    assert isinstance(out, str) and out.strip()
    translator = back_translate._r.translator.fn.__self__
    tokenizer, model = translator._load("en", "de")
    from multiaug.text.translate import _input_limit, _pieces

    pieces = _pieces(tokenizer, long.strip(), _input_limit(tokenizer, model))
    assert len(pieces) > 1 and all(len(tokenizer.tokenize(p)) < 128 for p in pieces)
    assert " ".join(pieces).split() == long.split()  # nothing dropped or reordered
    short = "The cat sat on the mat."
    assert _pieces(tokenizer, short, 128) == [short]


def test_back_translate_refuses_lone_surrogates(back_translate: ma.text.BackTranslate) -> None:
    with pytest.raises(ma.InvalidInputError, match="lone surrogate"):
        back_translate(text="the \udcff cat", key=0)
