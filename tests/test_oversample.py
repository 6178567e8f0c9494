"""``Oversample``: balancing lists of texts, images and audio clips with augmented copies."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler

import multiaug as ma
from multiaug.core.oversample import Oversample
from multiaug.core.resample import copy_key
from multiaug.testing import assert_samples_equal, reference_image_sample

TEXTS = [f"the quick brown fox number {i} jumps over the lazy dog" for i in range(9)]
LABELS = ["spam"] * 6 + ["ham"] * 2 + ["eggs"]


def _pipe(seed: int = 0) -> ma.Compose:
    return ma.Compose([ma.text.RandomSwap(alpha=0.3), ma.text.RandomDelete(alpha=0.1)], seed=seed)


@pytest.mark.parametrize(
    "strategy", ["auto", "minority", "not majority", "all", {"ham": 4, "eggs": 3}, {"eggs": 6}]
)
def test_counts_follow_imblearn_sampling_strategy(strategy) -> None:  # type: ignore[no-untyped-def]
    over = Oversample(_pipe(), sampling_strategy=strategy, seed=0)
    X, y = over.fit_resample(TEXTS, LABELS)
    ref = RandomOverSampler(sampling_strategy=strategy, random_state=0)
    _, y_ref = ref.fit_resample(np.arange(len(TEXTS)).reshape(-1, 1), LABELS)
    assert Counter(y) == Counter(list(y_ref))
    assert X[: len(TEXTS)] == TEXTS and y[: len(TEXTS)] == LABELS
    assert over.sampling_strategy_ == ref.sampling_strategy_


def test_new_rows_are_keyed_copies_of_their_own_class() -> None:
    over = Oversample(_pipe(), seed=3)
    X, y = over.fit_resample(TEXTS, LABELS)
    prov = over.provenance_
    assert len(prov) == len(X) == len(y) and prov[: len(TEXTS)] == list(range(len(TEXTS)))
    copies: Counter[int] = Counter()
    for i in range(len(TEXTS), len(X)):
        src = prov[i]
        copies[src] += 1
        assert y[i] == LABELS[src]
        assert X[i] == _pipe()(text=TEXTS[src], key=copy_key(src, copies[src]))["text"]
    # rows of a class are used evenly: ham (2 rows) needs 4 -> 2 copies each; eggs 5 copies of one row
    assert copies[6] == copies[7] == 2 and copies[8] == 5
    # the same keys as Compose.fit_resample: copy 1 of row 8 is identical
    assert _pipe().fit_resample(TEXTS, copies=1)[0][len(TEXTS) + 8] == X[prov.index(8, len(TEXTS))]


def test_reproducible_and_seed_dependent_choice() -> None:
    a = Oversample(_pipe(), sampling_strategy={"ham": 5}, seed=1)
    b = Oversample(_pipe(), sampling_strategy={"ham": 5}, seed=1)
    assert a.fit_resample(TEXTS, LABELS) == b.fit_resample(TEXTS, LABELS)
    orders = {
        tuple(Oversample(_pipe(), sampling_strategy={"ham": 5}, seed=s).fit_resample(TEXTS, LABELS)[0])
        for s in range(8)
    }
    assert len(orders) > 1


def test_images_and_audio() -> None:
    img = reference_image_sample()["image"]
    imgs = [img, img[::-1].copy(), img[:, ::-1].copy()]
    over = Oversample(ma.Compose([ma.image.HorizontalFlip(p=1.0)], seed=0), seed=0)
    X, y = over.fit_resample(imgs, np.array([0, 0, 1]))
    assert len(X) == 4 and y[-1] == 1 and over.provenance_ == [0, 1, 2, 2]
    assert np.array_equal(X[3], imgs[2][:, ::-1]) and X[3].dtype == np.uint8

    rng = np.random.default_rng(0)
    clips = [rng.standard_normal(4000).astype(np.float32) * 0.1 for _ in range(3)]
    apipe = ma.Compose([ma.audio.Gain(db=(-6, 6), p=1.0)], seed=0)
    A, _ = Oversample(apipe, seed=0).fit_resample(clips, [1, 1, 0], sample_rate=16000)
    assert len(A) == 4
    assert_samples_equal(
        {"audio": A[3]}, {"audio": apipe(audio=clips[2], sample_rate=16000, key=copy_key(2, 1))["audio"]}
    )


def test_config_round_trip_and_clone() -> None:
    from sklearn.base import clone

    over = Oversample(_pipe(), sampling_strategy="not majority", seed=4)
    again = ma.from_config(over.to_config())
    assert again.fingerprint == over.fingerprint
    assert again.fit_resample(TEXTS, LABELS) == over.fit_resample(TEXTS, LABELS)
    assert clone(over).fit_resample(TEXTS, LABELS) == over.fit_resample(TEXTS, LABELS)


@pytest.mark.parametrize(
    "X, y, field",
    [
        (TEXTS, LABELS[:-1], "y"),
        ("one text", ["a"], "X"),
        (TEXTS, ["a"] * 9, "y"),  # one class: nothing to balance
        (TEXTS, None, "y"),
    ],
)
def test_bad_input(X, y, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ma.InvalidInputError, match=f"`{field}`"):
        Oversample(_pipe(), seed=0).fit_resample(X, y)


def test_bad_params_and_per_sample_call() -> None:
    with pytest.raises(ma.InvalidInputError, match="`pipeline`"):
        Oversample("swap").fit_resample(TEXTS, LABELS)  # type: ignore[arg-type]
    with pytest.raises(ma.InvalidInputError, match="`sampling_strategy`"):
        Oversample(_pipe(), sampling_strategy="majority").fit_resample(TEXTS, LABELS)
    with pytest.raises(ma.InvalidInputError, match="fit_resample"):
        Oversample(_pipe())(text="hello")
