"""Training and eval modes (issue 15): augmentations are the identity in eval mode, deterministic
steps stay; the mode travels with pickles and configs; ``inference()`` is the serving copy."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

import multiaug as ma
from multiaug.testing import assert_samples_equal

IMG = np.random.default_rng(0).integers(0, 256, (24, 32, 3), dtype=np.uint8)


def _pipe() -> ma.Compose:
    return ma.Compose(
        [
            ma.image.HorizontalFlip(p=1.0),
            ma.OneOf([ma.image.Rotate(limit=20), ma.image.GaussianBlur()], weights=[1, 1]),
            ma.SomeOf([ma.image.Invert(), ma.image.Grayscale()], n=2),
            ma.image.ColorJitter(0.3, 0.3, p=1.0),
        ],
        seed=3,
    )


def _audio_pipe() -> ma.Compose:
    return ma.Compose([ma.audio.Gain(db=6, p=1.0), ma.audio.MelSpectrogram(n_fft=256)], seed=1)


def _clip() -> dict:
    t = np.arange(4000, dtype=np.float32) / 8000
    return {"audio": (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), "sample_rate": 8000}


def test_eval_makes_every_augmentation_the_identity_whatever_its_p() -> None:
    pipe = _pipe().eval()
    assert pipe.training is False and all(not t.training for t in pipe.transforms)
    for key in range(5):
        out = pipe(image=IMG, key=key, trace=True)
        assert_samples_equal({"image": out["image"]}, {"image": IMG})
        assert out["trace"] == []


def test_train_restores_the_same_keyed_outputs() -> None:
    pipe = _pipe()
    before = [pipe(image=IMG, key=k)["image"] for k in range(4)]
    pipe.eval().train()
    assert pipe.training
    for k, b in enumerate(before):
        assert np.array_equal(pipe(image=IMG, key=k)["image"], b)


def test_deterministic_steps_stay_in_eval_mode() -> None:
    pipe = _audio_pipe().eval()
    out = pipe(**_clip(), key=0)
    assert np.array_equal(out["audio"], _clip()["audio"])  # Gain is off
    ref = ma.audio.MelSpectrogram(n_fft=256)(**_clip())["spectrogram"]
    assert np.array_equal(out["spectrogram"], ref)  # the features are computed


def test_the_mode_travels_with_pickles_copies_and_configs() -> None:
    pipe = _pipe().eval()
    for clone in (pickle.loads(pickle.dumps(pipe)), copy.deepcopy(pipe)):
        assert not clone.training and not clone.transforms[0].training
        assert_samples_equal(clone(image=IMG, key=1), pipe(image=IMG, key=1))
    cfg = json.loads(json.dumps(pipe.to_config()))
    assert cfg["training"] is False and cfg["params"]["transforms"][0]["training"] is False
    back = ma.from_config(cfg)
    assert not back.training and back.fingerprint == pipe.fingerprint
    assert "training" not in _pipe().to_config()  # training configs keep their fingerprints
    assert _pipe().fingerprint != pipe.fingerprint


def test_a_train_trace_does_not_replay_on_the_eval_pipeline() -> None:
    pipe = _pipe()
    trace = pipe(image=IMG, key=0, trace=True)["trace"]
    with pytest.raises(ma.InvalidInputError, match="fingerprint"):
        pipe.eval().replay(trace, image=IMG)


def test_inference_is_an_eval_copy_of_the_deterministic_steps() -> None:
    pipe = _audio_pipe()
    served = pipe.inference()
    assert pipe.training and len(pipe.transforms) == 2  # the original is untouched
    assert not served.training
    assert [t.name for t in served.transforms] == ["audio.MelSpectrogram"]
    assert_samples_equal(served(**_clip(), key=5), pipe.eval()(**_clip(), key=5))
    # changing the augmentations does not change what serving stores
    other = ma.Compose([ma.audio.Gain(db=1, p=0.2), ma.audio.MelSpectrogram(n_fft=256)], seed=1)
    assert other.inference().fingerprint == served.fingerprint
    assert ma.from_config(served.to_config()).fingerprint == served.fingerprint


def test_inference_of_augmentations_only_is_the_identity() -> None:
    served = _pipe().inference()
    assert served.transforms == [] and not served.training
    assert np.array_equal(served(image=IMG)["image"], IMG)
    alone = ma.image.HorizontalFlip().inference()
    assert np.array_equal(alone(image=IMG)["image"], IMG)


def test_bad_modes_are_refused() -> None:
    with pytest.raises(ma.InvalidInputError, match="mode"):
        _pipe().train("no")  # type: ignore[arg-type]
    cfg = _pipe().to_config()
    cfg["training"] = "no"
    with pytest.raises(ma.ConfigError, match="training"):
        ma.from_config(cfg)
