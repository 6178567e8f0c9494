"""Property tests of ma.audio over random shapes, lengths, channel counts and sample rates (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import multiaug as ma
from multiaug.testing import assert_samples_equal
from multiaug.testing.audio import audio_samples, background_noise_file, spectrogram_samples


def _waveform_ops() -> dict[str, Any]:
    A = ma.audio
    return {
        "PitchShift": lambda: A.PitchShift(semitones=12, p=1.0),
        "PitchShift-fast": lambda: A.PitchShift(semitones=12, method="fast", p=1.0),
        "TimeStretch": lambda: A.TimeStretch(rate=(0.3, 3.5), p=1.0),
        "TimeStretch-fast-keep": lambda: A.TimeStretch(
            rate=(0.5, 2.0), method="fast", keep_length=True, p=1.0
        ),
        "SpeedChange": lambda: A.SpeedChange(factor=(0.5, 2.0), p=1.0),
        "SpeedChange-keep": lambda: A.SpeedChange(factor=(0.5, 2.0), keep_length=True, p=1.0),
        "AddNoise": lambda: A.AddNoise(snr_db=(-10, 40), colour="pink", p=1.0),
        "AddBackgroundNoise": lambda: A.AddBackgroundNoise(background_noise_file(), p=1.0),
        "Gain": lambda: A.Gain(db=20, p=1.0),
        "PolarityInversion": lambda: A.PolarityInversion(p=1.0),
        "TimeShift": lambda: A.TimeShift(fraction=1.0, rollover=False, p=1.0),
        "TimeMask": lambda: A.TimeMask(fraction=0.5, masks=(0, 3), p=1.0),
        "MelSpectrogram": lambda: A.MelSpectrogram(n_mels=8, n_fft=128, hop_length=32),
    }


OPS = _waveform_ops()
SAME_LENGTH = {
    "PitchShift",
    "PitchShift-fast",
    "AddNoise",
    "AddBackgroundNoise",
    "Gain",
    "PolarityInversion",
    "TimeShift",
    "TimeMask",
}
SETTINGS = settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("op", sorted(OPS))
def test_waveform_properties(op: str) -> None:
    """float32 kept, channel layout kept, no NaN/inf, same seed + key -> identical output, input untouched."""
    a, b = OPS[op](), OPS[op]()
    a.set_params(seed=17)
    b.set_params(seed=17)

    @SETTINGS
    @given(sample=audio_samples(max_samples=4000), key=st.integers(0, 2**64) | st.text(max_size=4))
    def run(sample: dict[str, Any], key: int | str) -> None:
        audio = sample["audio"]
        before = audio.copy()
        out = a(**sample, key=key)
        assert_samples_equal(out, b(**sample, key=key))
        assert np.array_equal(audio, before)
        y = out["spectrogram"] if op == "MelSpectrogram" else out["audio"]
        assert y.dtype == np.float32 and np.isfinite(y).all()
        if op == "MelSpectrogram":
            assert y.shape[:-2] == audio.shape[:-1] and y.shape[-1] == 1 + audio.shape[-1] // 32
            return
        assert y.shape[:-1] == audio.shape[:-1]  # mono stays 1-D, channel count kept
        if op in SAME_LENGTH or op.endswith("-keep"):
            assert y.shape == audio.shape
        assert y.flags.c_contiguous

    run()


@pytest.mark.parametrize("op", sorted(set(OPS) - {"AddNoise", "MelSpectrogram"}))
def test_one_set_of_parameters_for_all_channels(op: str) -> None:
    """Identical channels stay identical: every channel gets the same drawn parameters.

    AddNoise is the exception by design: its channels get independent noise
    (same SNR and colour), as separate microphones would.
    """
    t = OPS[op]()
    t.set_params(seed=3)

    @SETTINGS
    @given(sample=audio_samples(max_samples=3000), key=st.integers(0, 1000))
    def run(sample: dict[str, Any], key: int) -> None:
        mono = sample["audio"] if sample["audio"].ndim == 1 else sample["audio"][0]
        stereo = np.stack([mono, mono, mono])
        if stereo.shape[0] > stereo.shape[1]:
            return
        out = t(audio=stereo, sample_rate=sample["sample_rate"], key=key)["audio"]
        assert np.array_equal(out[0], out[1]) and np.array_equal(out[0], out[2])

    run()


def test_channels_keep_their_phase_relations() -> None:
    """The vocoder shares one phase rotation across channels: anti-phase and scaled copies survive."""
    rng = np.random.default_rng(0)
    left = (rng.standard_normal(8000) * 0.1).astype(np.float32)
    stereo = np.stack([left, -left, 0.5 * left])
    for t in (ma.audio.PitchShift(semitones=5, p=1.0), ma.audio.TimeStretch(rate=(0.7, 0.7), p=1.0)):
        out = t(audio=stereo, sample_rate=16000, key=1)["audio"]
        np.testing.assert_allclose(out[1], -out[0], atol=1e-6)
        np.testing.assert_allclose(out[2], 0.5 * out[0], atol=1e-6)


@pytest.mark.parametrize("op", ["FrequencyMask", "TimeMask"])
def test_spectrogram_mask_properties(op: str) -> None:
    t = getattr(ma.audio, op)(fraction=0.5, masks=(0, 4), fill="mean", p=1.0, seed=2)

    @SETTINGS
    @given(sample=spectrogram_samples(), key=st.integers(0, 10**6))
    def run(sample: dict[str, Any], key: int) -> None:
        spec = sample["spectrogram"]
        out = t(**sample, key=key, trace=True)
        y = out["spectrogram"]
        assert y.dtype == np.float32 and y.shape == spec.shape and np.isfinite(y).all()
        changed = y != spec
        axis = -2 if op == "FrequencyMask" else -1
        # whole rows (FrequencyMask) or columns (TimeMask) change, the same in every channel
        other = -1 if axis == -2 else -2
        lines = changed.any(axis=other)
        assert (changed == np.expand_dims(lines, other)).all() or not changed.any()
        spans = out["trace"][0]["params"]["spans"]
        for start, width in spans:
            assert 0 <= start and 0 <= width <= 0.5 * spec.shape[axis] + 0.5
            assert start + width <= spec.shape[axis]

    run()


def test_polarity_inversion_flips_every_sign_and_undoes_itself() -> None:
    t = ma.audio.PolarityInversion(p=1.0)

    @SETTINGS
    @given(sample=audio_samples(max_samples=2000), key=st.integers(0, 1000))
    def run(sample: dict[str, Any], key: int) -> None:
        once = t(**sample, key=key)
        assert np.array_equal(once["audio"], -sample["audio"])
        assert np.array_equal(t(**once, key=key)["audio"], sample["audio"])

    run()


def test_polarity_inversion_draws_nothing_but_p() -> None:
    t = ma.audio.PolarityInversion(seed=0)
    x = np.linspace(-1, 1, 50, dtype=np.float32)
    outs = [t(audio=x, sample_rate=8000, key=k, trace=True) for k in range(32)]
    flipped = [bool(np.array_equal(o["audio"], -x)) for o in outs]
    assert 0 < sum(flipped) < 32  # p defaults to 0.5, like every random audio op
    assert all(o["trace"][0]["params"] == {} for o, f in zip(outs, flipped, strict=True) if f)
    assert all(np.array_equal(o["audio"], x) for o, f in zip(outs, flipped, strict=True) if not f)
