"""ma.audio: bad inputs and parameters, file I/O, SpecAugment pipelines, features against librosa."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import multiaug as ma
from multiaug.audio.functional.noise import coloured_noise
from multiaug.testing import keyed_digests, sample_digest
from multiaug.testing.audio import waveform

DATA = Path(__file__).parent / "data"
CLIP = waveform(0, (4000,), 16000)


def raises(match: str, fn: Any, *args: Any, **kwargs: Any) -> ma.InvalidInputError:
    with pytest.raises(ma.InvalidInputError) as info:
        fn(*args, **kwargs)
    msg = str(info.value)
    assert "`" in msg and "Fix:" in msg
    for part in match.split("|"):
        assert part in msg, f"{part!r} not in {msg!r}"
    return info.value


# ---------------------------------------------------------------------- bad data
@pytest.mark.parametrize(
    ("audio", "expect"),
    [
        (np.array([0.0, np.nan], np.float32), "NaN or inf"),
        (np.array([np.inf, 0.0], np.float32), "NaN or inf"),
        (np.array([0.0, -3e38], np.float32), "up to 3e+38 in magnitude|into [-1, 1]"),
        (np.full((2, 50), 2e12, np.float32), "up to 2e+12 in magnitude"),
        (np.zeros(0, np.float32), "is empty"),
        (np.zeros((2, 3, 100), np.float32), "3 dimensions"),
        (np.zeros((100, 2), np.float32), "audio.T"),
        (np.zeros(100, np.float64), "astype(np.float32)"),
        ([0.1, 0.2], "numpy array"),
    ],
)
def test_bad_audio_names_op_field_and_fix(audio: Any, expect: str) -> None:
    for p in (1.0, 0.0):  # rejected whether or not the transform would apply
        raises(
            f"audio.PitchShift: `audio`|{expect}", ma.audio.PitchShift(p=p), audio=audio, sample_rate=16000
        )


def test_huge_finite_samples_are_refused_before_a_gain_overflows_them() -> None:
    """A finite clip near float32's limit would come out of a boost as inf (a silently wrong output)."""
    huge = np.array([3e38, -3e38, 0.0], np.float32)
    for op in (ma.audio.Gain(db=(6, 6), p=1.0), ma.audio.PeakingFilter(p=1.0), ma.audio.Reverse(p=1.0)):
        raises(f"{op.name}: `audio`|in magnitude", op, audio=huge, sample_rate=16000, key=0)
    edge = np.array([1e12, -1e12, 0.5], np.float32)  # at the bound: accepted, and finite out of a 6 dB gain
    out = ma.audio.Gain(db=(6, 6), p=1.0)(audio=edge, sample_rate=16000, key=0)["audio"]
    assert np.isfinite(out).all()


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.uint8])
def test_integer_pcm_error_says_how_to_convert(dtype: type) -> None:
    err = raises(
        "audio.Gain: `audio`|integer dtype|/ 32768|ma.audio.load",
        ma.audio.Gain(p=1.0),
        audio=np.zeros(100, dtype),
        sample_rate=16000,
    )
    assert err.field == "audio"


@pytest.mark.parametrize(
    ("sample", "expect"),
    [
        ({"audio": CLIP}, "`sample_rate` is missing"),
        ({"audio": CLIP, "sample_rate": 0}, "must be positive"),
        ({"audio": CLIP, "sample_rate": -8000}, "must be positive"),
        ({"audio": CLIP, "sample_rate": 16000.0}, "must be an int"),
        ({"audio": CLIP, "sample_rate": None}, "must be an int"),
        ({"sample_rate": 16000}, "`audio` is missing"),
    ],
)
def test_bad_sample_rate(sample: dict[str, Any], expect: str) -> None:
    raises(f"audio.TimeStretch|{expect}", ma.audio.TimeStretch(p=0.0), **sample)


@pytest.mark.parametrize(
    ("params", "expect"),
    [
        ({"semitones": (4, -4)}, "`semitones` is an empty range"),
        ({"semitones": (-30, 0)}, "`semitones` range (-30.0, 0.0) leaves the allowed bounds"),
        ({"semitones": "up"}, "`semitones` must be"),
    ],
)
def test_bad_semitones(params: dict[str, Any], expect: str) -> None:
    raises(f"audio.PitchShift: {expect}|Fix:", ma.audio.PitchShift, **params)  # at construction


@pytest.mark.parametrize(
    ("params", "expect"),
    [
        ({"rate": (1.25, 0.8)}, "`rate` is an empty range"),
        ({"rate": (0.0, 1.0)}, "leaves the allowed bounds [0.25, 4.0]"),
        ({"rate": (1.0, 8.0)}, "leaves the allowed bounds"),
        ({"rate": 1.25}, "leaves the allowed bounds"),  # scalar r means (1 - r, 1 + r)
    ],
)
def test_bad_rate(params: dict[str, Any], expect: str) -> None:
    raises(f"audio.TimeStretch: |{expect}", ma.audio.TimeStretch, **params)  # at construction


def test_scalars_mean_the_natural_range() -> None:
    assert ma.audio.PitchShift(semitones=3).validate_params()._r.semitones == (-3.0, 3.0)
    assert ma.audio.TimeStretch(rate=0.2).validate_params()._r.rate == (0.8, 1.2)
    assert ma.audio.SpeedChange(factor=0.1).validate_params()._r.factor == pytest.approx((0.9, 1.1))
    assert ma.audio.Gain(db=6).validate_params()._r.db == (-6.0, 6.0)
    assert ma.audio.TimeShift(fraction=0.2).validate_params()._r.fraction == (-0.2, 0.2)
    assert ma.audio.AddNoise(snr_db=20).validate_params()._r.snr_db == (20.0, 20.0)
    assert ma.audio.TimeMask(fraction=0.2).validate_params()._r.fraction == (0.0, 0.2)


def test_spectrogram_ops_say_how_to_get_a_spectrogram() -> None:
    raises(
        "audio.FrequencyMask: `spectrogram` is missing|MelSpectrogram()",
        ma.audio.FrequencyMask(p=0.0),
        label=1,
    )
    raises(
        "audio.FrequencyMask: `spectrogram` is missing|MelSpectrogram()",
        ma.audio.FrequencyMask(p=1.0),
        audio=CLIP,
        sample_rate=16000,
    )
    raises(
        "`spectrogram` contains NaN or inf|log10",
        ma.audio.FrequencyMask(),
        spectrogram=np.full((2, 2), -np.inf, np.float32),
    )
    raises("`audio` is missing", ma.audio.TimeMask(target="audio"), spectrogram=np.zeros((2, 2), np.float32))


def test_mel_bands_must_fit_below_nyquist() -> None:
    t = ma.audio.MelSpectrogram(fmax=8000.0)
    assert t(audio=CLIP, sample_rate=16000)["spectrogram"].shape == (64, 16)
    raises("audio.MelSpectrogram: `sample_rate` is 8000 Hz|fmax", t, audio=CLIP, sample_rate=8000)


# ---------------------------------------------------------------------- I/O
def test_load_save_roundtrip(tmp_path: Path) -> None:
    stereo = np.stack([CLIP, -0.5 * CLIP])
    path = ma.audio.save(tmp_path / "x.flac", stereo, 16000, subtype="PCM_24")
    audio, rate = ma.audio.load(path)
    assert rate == 16000 and audio.shape == stereo.shape and audio.dtype == np.float32
    np.testing.assert_allclose(audio, stereo, atol=2**-22)
    mono, rate = ma.audio.load(path, sample_rate=8000, mono=True)
    assert rate == 8000 and mono.shape == (2000,) and mono.dtype == np.float32
    speech, rate = ma.audio.load(DATA / "speech_fr_f.wav")
    assert rate == 16000 and speech.ndim == 1 and -1 <= speech.min() and speech.max() <= 1


def test_io_errors(tmp_path: Path) -> None:
    raises("audio.load: `path` cannot be read", ma.audio.load, tmp_path / "missing.wav")
    raises(
        "audio.save: `audio`|audio.T", ma.audio.save, tmp_path / "y.wav", np.zeros((100, 2), np.float32), 8000
    )
    raises("audio.save: `sample_rate` must be positive", ma.audio.save, tmp_path / "y.wav", CLIP, 0)
    raises("audio.load: `sample_rate`", ma.audio.load, DATA / "speech_fr_f.wav", sample_rate=-1)


def test_background_noise_from_a_folder(tmp_path: Path) -> None:
    ma.audio.save(tmp_path / "n0.wav", waveform(0, (8000,), 8000, "noise"), 8000)
    (tmp_path / "sub").mkdir()
    ma.audio.save(tmp_path / "sub" / "n1.wav", waveform(1, (8000,), 8000, "noise"), 8000)
    (tmp_path / "notes.txt").write_text("not audio")
    t = ma.audio.AddBackgroundNoise(tmp_path, snr_db=5, p=1.0, seed=0)
    assert [Path(s).name for s in t.validate_params()._files()] == ["n0.wav", "n1.wav"]
    picks = set()
    for key in range(16):
        out = t(audio=CLIP, sample_rate=16000, key=key, trace=True)
        picks.add(out["trace"][0]["params"]["index"])
        noise = out["audio"].astype(np.float64) - CLIP
        assert 10 * np.log10(np.mean(CLIP.astype(np.float64) ** 2) / np.mean(noise**2)) == pytest.approx(
            5, abs=1e-3
        )
    assert picks == {0, 1}
    cfg = json.loads(json.dumps(t.to_config()))
    assert ma.from_config(cfg).fingerprint == t.fingerprint
    empty = tmp_path / "empty"
    empty.mkdir()
    # folders are searched at the first call, not when the transform is built
    raises(
        "`sounds` folder|holds no audio files",
        ma.audio.AddBackgroundNoise(empty, p=1.0),
        audio=CLIP,
        sample_rate=16000,
    )


def test_background_cache_is_bounded() -> None:
    sounds = [np.full(50, 0.1 * (i + 1), np.float32) for i in range(40)]
    t = ma.audio.AddBackgroundNoise(sounds, p=1.0, seed=1)
    for key in range(200):
        t(audio=CLIP, sample_rate=16000, key=key)
    assert 0 < len(t._r.cache) <= ma.audio.noise.CACHE_SIZE


def test_background_arrays_work_but_are_not_configs() -> None:
    t = ma.audio.AddBackgroundNoise([np.ones(10, np.float32)], snr_db=0, p=1.0)
    out = t(audio=CLIP, sample_rate=16000)["audio"]
    assert out.shape == CLIP.shape
    with pytest.raises(ma.ConfigError):
        t.to_config()


# ---------------------------------------------------------------------- kernels and features
@pytest.mark.parametrize(("colour", "slope"), [("white", 0.0), ("pink", -3.01), ("brown", -6.02)])
def test_noise_colours_have_their_spectral_slope(colour: str, slope: float) -> None:
    """Power falls by 0, 3 or 6 dB per octave (1, 1/f, 1/f**2)."""
    noise = coloured_noise((64, 4096), colour, noise_seed=1)
    power = np.mean(np.abs(np.fft.rfft(noise, axis=-1)) ** 2, axis=0)[1:]
    octaves = np.log2(np.arange(1, power.size + 1))
    fit = np.polyfit(octaves[8:], 10 * np.log10(power[8:]), 1)[0]
    assert fit == pytest.approx(slope, abs=0.3)


@pytest.mark.parametrize(
    "kw",
    [{}, {"n_mels": 40, "n_fft": 512, "hop_length": 160, "fmin": 60.0, "fmax": 7600.0, "power": 1.0}],
)
def test_mel_spectrogram_matches_librosa(kw: dict[str, Any]) -> None:
    import librosa

    audio, rate = ma.audio.load(DATA / "speech_en_m_low.wav")
    ours = ma.audio.MelSpectrogram(**kw)(audio=audio, sample_rate=rate)["spectrogram"]
    opts = {"n_mels": 64, "n_fft": 1024, "hop_length": 256, "power": 2.0, **kw}
    ref = librosa.feature.melspectrogram(y=audio, sr=rate, pad_mode="constant", **opts)
    ref_db = librosa.power_to_db(ref ** (2.0 / opts["power"]), ref=1.0, amin=1e-10, top_db=None)
    assert ours.shape == ref_db.shape
    np.testing.assert_allclose(ours, ref_db, atol=1e-3)


def test_time_stretch_keep_length_and_identity() -> None:
    x = waveform(2, (2, 5000), 22050)
    for rate in (0.8, 1.25):
        out = ma.audio.TimeStretch(rate=(rate, rate), keep_length=True, p=1.0)(audio=x, sample_rate=22050)
        assert out["audio"].shape == x.shape
    same = ma.audio.PitchShift(semitones=(0, 0), p=1.0)(audio=x, sample_rate=22050)["audio"]
    assert np.array_equal(same, x) and same is not x


def test_time_shift_and_masks() -> None:
    x = np.arange(1, 101, dtype=np.float32)
    out = ma.audio.TimeShift(fraction=(-0.25, -0.25), p=1.0)(audio=x, sample_rate=100, trace=True)
    assert out["trace"][0]["params"] == {"shift": -25}
    assert np.array_equal(out["audio"], np.roll(x, -25))
    spec = np.arange(20, dtype=np.float32).reshape(4, 5)
    out = ma.audio.TimeMask(fraction=(0.4, 0.4), fill=-1.0, p=1.0, seed=0)(
        spectrogram=spec, audio=x, sample_rate=100
    )
    assert out["audio"] is x  # target auto: the spectrogram is masked
    assert ((out["spectrogram"] == -1).all(axis=0).sum()) == 2
    out = ma.audio.FrequencyMask(fraction=(0.5, 0.5), p=1.0, seed=0)(spectrogram=spec)
    masked = (out["spectrogram"] != spec).all(axis=1)
    assert masked.sum() == 2 and np.allclose(out["spectrogram"][masked], spec.mean())


def test_specaugment_pipeline_trace_replay_and_config() -> None:
    A = ma.audio
    pipe = ma.Compose(
        [
            A.PitchShift(p=0.5),
            A.TimeStretch(keep_length=True, p=0.5),
            A.AddNoise(colour="pink", p=0.5),
            A.Gain(p=0.5),
            A.TimeShift(p=0.5),
            A.MelSpectrogram(n_mels=40),
            A.FrequencyMask(fraction=27 / 80, masks=2, p=1.0),
            A.TimeMask(fraction=0.1, masks=2, p=1.0),
        ],
        seed=7,
    )
    audio, rate = A.load(DATA / "speech_de_m.wav")
    out = pipe(audio=audio, sample_rate=rate, label="de", key="clip-1", trace=True)
    assert out["spectrogram"].shape == (40, 1 + len(audio) // 256) and out["label"] == "de"
    assert out["audio"].shape == audio.shape
    trace = json.loads(json.dumps(out["trace"]))
    assert {e["transform"] for e in trace} >= {
        "audio.MelSpectrogram",
        "audio.FrequencyMask",
        "audio.TimeMask",
    }
    again = pipe.replay(trace, audio=audio, sample_rate=rate, label="de")
    np.testing.assert_array_equal(again["spectrogram"], out["spectrogram"])
    clone = ma.from_config(json.loads(json.dumps(pipe.to_config())))
    assert clone.fingerprint == pipe.fingerprint
    np.testing.assert_array_equal(
        clone(audio=audio, sample_rate=rate, key="clip-1")["spectrogram"], out["spectrogram"]
    )


def test_keyed_outputs_identical_in_a_spawned_process() -> None:
    A = ma.audio
    pipe = ma.Compose(
        [A.PitchShift(p=1.0), A.TimeStretch(p=1.0), A.AddNoise(p=1.0), A.MelSpectrogram(), A.TimeMask(p=1.0)],
        seed=11,
    )
    sample: dict[str, Any] = {"audio": waveform(5, (2, 6000), 16000), "sample_rate": 16000}
    keys: list[int | str] = [0, 1, "x"]
    local = [sample_digest(pipe(**sample, key=k)) for k in keys]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        remote = pool.apply(keyed_digests, (pipe.to_config(), sample, keys))
    assert remote == local


def test_long_clips_keep_phase_precision() -> None:
    """20 s at 48 kHz: a 12 kHz tone is still pure at the end (phases are wrapped, not accumulated)."""
    rate = 48000
    t = np.arange(20 * rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 12000.7 * t)).astype(np.float32)
    out = ma.audio.TimeStretch(rate=(0.9, 0.9), p=1.0)(audio=tone, sample_rate=rate)["audio"]
    power = np.abs(np.fft.rfft(out[-rate:] * np.hanning(rate))) ** 2
    k = int(np.argmax(power))
    inside = power[k - 3 : k + 4].sum()
    assert 10 * np.log10((power.sum() - inside) / inside) < -40


# ---------------------------------------------------------------------- layout
def test_every_audio_transform_has_a_kernel_named_like_it() -> None:
    """``Gain`` -> ``functional.waveform.gain``...: a reader (and the batched path) finds an op's kernel."""
    import importlib
    import re

    from multiaug import registered

    modules = [
        importlib.import_module(f"multiaug.audio.functional.{m}")
        for m in (
            "waveform",
            "noise",
            "stretch",
            "masking",
            "spectral",
            "filters",
            "dynamics",
            "codecs",
            "room",
        )
    ]
    for name in sorted(n for n in registered() if n.startswith("audio.")):
        kernel = re.sub(r"(?<!^)(?=[A-Z])", "_", name.split(".", 1)[1]).lower()
        homes = [m.__name__ for m in modules if kernel in getattr(m, "__all__", ())]
        assert len(homes) == 1, f"{name}: kernel {kernel!r} found in {homes}"


def test_channelwise_kernels_keep_the_layout() -> None:
    from multiaug.audio.functional import channelwise

    seen = []

    @channelwise
    def kernel(x: np.ndarray, k: float) -> np.ndarray:
        seen.append(x.shape)
        return x[:, ::2] * k

    mono = np.arange(6, dtype=np.float32)
    out = kernel(mono, 2.0)
    assert seen == [(1, 6)] and out.shape == (3,) and out.dtype == np.float32 and out.flags.c_contiguous
    stereo = np.asfortranarray(np.ones((2, 6), np.float64))
    out = kernel(stereo, k=1.0)
    assert out.shape == (2, 3) and out.dtype == np.float32 and out.flags.c_contiguous


def test_every_audio_parameter_declares_invalid_values() -> None:
    """The shared suite's bad parameters are generated from the specs: none of ours may be silent."""
    from multiaug.testing import EXAMPLES
    from multiaug.testing.checks import generated_bad_params

    for name, example in EXAMPLES.items():
        if name.startswith("audio."):
            t = example.make()
            covered = {k for bad in generated_bad_params(t) for k in bad}
            assert covered == set(t._param_names()), (name, set(t._param_names()) - covered)
