"""Dataset-level fit_resample on lists of texts, images and audio clips."""

from __future__ import annotations

import numpy as np
import pytest

import multiaug as ma
from multiaug.core.resample import copy_key
from multiaug.testing import assert_samples_equal, reference_image_sample

TEXTS = ["The quick brown fox jumps over the lazy dog.", "Python is a programming language.", "Hi"]


def test_texts_originals_first_then_copies_with_provenance() -> None:
    pipe = ma.Compose([ma.text.SynonymReplace(alpha=0.3), ma.text.RandomSwap(alpha=0.3)], seed=0)
    X, y = pipe.fit_resample(TEXTS, ["a", "b", "c"], copies=2)
    assert X[:3] == TEXTS and y == ["a", "b", "c"] * 3
    assert pipe.provenance_ == [0, 1, 2] * 3
    assert X[3:] != TEXTS * 2  # something was augmented
    again, _ = ma.Compose(
        [ma.text.SynonymReplace(alpha=0.3), ma.text.RandomSwap(alpha=0.3)], seed=0
    ).fit_resample(TEXTS, ["a", "b", "c"], copies=2)
    assert again == X
    # any single copy can be recomputed alone, on any worker
    assert pipe(text=TEXTS[1], key=copy_key(1, 2))["text"] == X[3 * 2 + 1]
    # adding copies keeps the earlier ones
    more, _ = pipe.fit_resample(TEXTS, None, copies=3)
    assert more[:9] == X


def test_images_and_audio() -> None:
    img = reference_image_sample()["image"]
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.GaussianNoise(p=1.0)], seed=1)
    X, y = pipe.fit_resample([img, img[::-1].copy()], np.array([0, 1]), copies=1)
    assert len(X) == 4 and y == [0, 1, 0, 1]
    assert all(x.dtype == np.uint8 and x.shape == img.shape for x in X)
    assert not np.array_equal(X[2], img)

    rng = np.random.default_rng(0)
    clips = [rng.standard_normal(8000).astype(np.float32) * 0.1 for _ in range(2)]
    apipe = ma.Compose([ma.audio.Gain(db=(-6, 6), p=1.0)], seed=0)
    A, _ = apipe.fit_resample(clips, copies=2, sample_rate=16000)
    assert len(A) == 6 and apipe.provenance_ == [0, 1, 0, 1, 0, 1]
    assert_samples_equal(
        {"audio": A[4]}, {"audio": apipe(audio=clips[0], sample_rate=16000, key=copy_key(0, 2))["audio"]}
    )


@pytest.mark.parametrize(
    "X, y, copies, field",
    [
        ("a single string", None, 1, "X"),
        (TEXTS, [0], 1, "y"),
        (TEXTS, None, -1, "copies"),
        (TEXTS, None, 1.5, "copies"),
    ],
)
def test_bad_arguments(X, y, copies, field) -> None:
    pipe = ma.Compose([ma.text.RandomSwap()], seed=0)
    with pytest.raises(ma.InvalidInputError, match=f"`{field}`"):
        pipe.fit_resample(X, y, copies=copies)


def test_bad_items_are_reported_by_the_transform() -> None:
    with pytest.raises(ma.InvalidInputError, match="`text`"):
        ma.Compose([ma.text.RandomSwap()], seed=0).fit_resample(["ok", None], copies=1)
    with pytest.raises(ma.InvalidInputError, match="`X`"):
        ma.Compose([ma.text.RandomSwap()], seed=0).fit_resample([np.zeros(3)], copies=1)
