"""Hardening (issue 13), docs and tests area: mixed-sample ``fit_resample`` and lazy WordNet."""

from __future__ import annotations

import numpy as np
import pytest

import multiaug as ma


def _img(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (24, 32, 3), dtype=np.uint8)


def test_fit_resample_takes_dict_samples_for_a_mixed_pipeline() -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip(p=1.0), ma.text.RandomSwap(alpha=0.5)], seed=0)
    X = [{"image": _img(0), "text": "a b c d"}, {"image": _img(1), "text": "e f g h"}]
    X_res, y_res = pipe.fit_resample(X, ["x", "y"], copies=2)
    assert len(X_res) == 6 and y_res == ["x", "y"] * 3 and pipe.provenance_ == [0, 1] * 3
    assert X_res[:2] == X  # the originals, untouched
    for out, src in zip(X_res[2:], X * 2, strict=True):
        assert set(out) == {"image", "text"}
        assert np.array_equal(out["image"], src["image"][:, ::-1])
        assert sorted(out["text"].split()) == sorted(src["text"].split())
    # copy c of row i is the keyed call pipe(**X[i], key="row{i}/copy{c}")
    again = pipe(**X[1], key="row1/copy2")
    assert again["text"] == X_res[5]["text"] and np.array_equal(again["image"], X_res[5]["image"])


def test_fit_resample_dict_samples_keep_extra_fields() -> None:
    pipe = ma.Compose([ma.audio.Gain()], seed=0)
    clip = np.zeros(1600, np.float32)
    X_res, _ = pipe.fit_resample([{"audio": clip, "sample_rate": 16000}], None, copies=1)
    assert set(X_res[1]) == {"audio", "sample_rate"} and X_res[1]["sample_rate"] == 16000


@pytest.mark.parametrize(
    ("X", "kwargs", "field"),
    [
        ([{"image": _img(0), "text": "a b"}, "c d"], {}, "X[1]"),
        ([{"image": _img(0), "text": "a b"}], {"field": "text"}, "field"),
        ([{}], {}, "X[0]"),
        (["a b", {"image": _img(0), "text": "c d"}], {}, "X[1]"),
    ],
)
def test_fit_resample_mixed_kinds_of_samples_are_refused(X: list, kwargs: dict, field: str) -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip(p=1.0), ma.text.RandomSwap(alpha=0.5)], seed=0)
    with pytest.raises(ma.InvalidInputError) as err:
        pipe.fit_resample(X, None, copies=1, **kwargs)
    assert err.value.field == field
