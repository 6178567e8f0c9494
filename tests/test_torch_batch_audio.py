"""Batched audio kernels (multiaug.torch.batch.audio) against the per-sample transforms, on real speech.

The reference of every kernel is the transform itself: for several keys, the kernel runs on a
:class:`Batch` built from ``t.keyed_params(sample, key)`` and is compared with
``t.apply(sample, params)`` per sample. The clips are the espeak-ng recordings in ``tests/data``
(16 kHz), cut into 1 s pieces so that every row of a batch is different speech; stereo rows pair
two pieces. ``AddNoise`` draws another noise stream than the per-sample path (see
``multiaug.torch.batch.keyed_noise``): its SNR, colour, distribution and independence are tested.

Devices: every test runs on the CPU, and on CUDA as well where torch sees a GPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from scipy import stats

import multiaug as ma
from multiaug.core.registry import registered
from multiaug.torch.batch import Batch, kernels, vocoder
from multiaug.torch.batch import audio as batch_audio
from multiaug.torch.batch.keyed_noise import keyed_normal, noise_keys, words

DATA = Path(__file__).parent / "data"
RATE = 16000
KEYS = range(12)
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def pieces() -> list[np.ndarray]:
    """1 s pieces of the four espeak-ng clips (mono float32), loudest first."""
    out = []
    for path in sorted(DATA.glob("speech_*.wav")):
        audio, rate = ma.audio.load(path)
        assert rate == RATE
        out += [audio[i : i + RATE] for i in range(0, audio.shape[-1] - RATE + 1, RATE // 2)]
    return out


PIECES = pieces()


def clips(channels: int, count: int = len(KEYS)) -> list[np.ndarray]:
    """``count`` different clips: mono ``(T,)`` or ``(channels, T)`` (channel c: a later piece)."""
    if channels == 0:
        return [PIECES[i % len(PIECES)] for i in range(count)]
    return [np.stack([PIECES[(i + 5 * c) % len(PIECES)] for c in range(channels)]) for i in range(count)]


def with_channels(a: np.ndarray, mono: bool) -> np.ndarray:
    return a[np.newaxis] if mono else a


def run(
    t: Any, samples: Sequence[dict[str, Any]], keys: Sequence[int], field: str = "audio", device: str = "cpu"
) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """(kernel output, per-sample output, params) over the samples the transform applies to."""
    rows, params, refs = [], [], []
    for sample, key in zip(samples, keys, strict=True):
        p = t.keyed_params(sample, key)
        if p is not None:
            rows.append(sample)
            params.append(p)
            refs.append(t.apply(sample, p)[field])
    assert len(rows) >= 3, "too few samples drawn: pick other keys"
    mono = rows[0]["audio"].ndim == 1
    fields = {"audio": torch.from_numpy(np.stack([with_channels(s["audio"], mono) for s in rows]))}
    if "spectrogram" in rows[0]:
        spec_mono = rows[0]["spectrogram"].ndim == 2
        fields["spectrogram"] = torch.from_numpy(
            np.stack([with_channels(s["spectrogram"], spec_mono) for s in rows])
        )
    fields = {k: v.to(device) for k, v in fields.items()}
    before = {k: v.clone() for k, v in fields.items()}
    out = kernels("audio")[(t.name, "audio")](t, Batch(fields=fields, params=params, sample_rate=RATE))
    for k, v in fields.items():  # the kernel never writes to its input
        assert torch.equal(v, before[k]), k
    got = out[field].cpu().numpy()
    ref = np.stack([with_channels(r, r.ndim == got.ndim - 2) for r in refs])
    assert got.shape == ref.shape and got.dtype == np.float32
    return got, ref, params


def audio_samples(channels: int) -> list[dict[str, Any]]:
    return [{"audio": a, "sample_rate": RATE} for a in clips(channels)]


EXACT = [
    ma.audio.Gain(db=(-20, 20), p=0.8, seed=1),
    ma.audio.PolarityInversion(p=0.7),
    ma.audio.TimeShift(fraction=(-0.5, 0.5), p=0.9, seed=2),
    ma.audio.TimeShift(fraction=(-0.5, 0.5), rollover=False, p=0.9, seed=3),
    ma.audio.TimeShift(fraction=1.0, p=1.0, seed=15),  # up to a whole clip either way
    ma.audio.TimeMask(fraction=(0.0, 0.2), masks=(0, 4), fill=0.25, p=0.9, seed=4),
    ma.audio.Reverse(p=0.7),
    ma.audio.BitCrush(bits=(1, 16), p=0.9, seed=5),
    ma.audio.Normalize(p=0.8),
    ma.audio.Clipping(percentile=(0, 60), p=0.9, seed=6),
    ma.audio.Padding(mode="silence", fraction=(0, 1), p=0.9, seed=7),
    ma.audio.Padding(mode="wrap", pad_section="start", fraction=(0, 1), p=0.9, seed=8),
    ma.audio.Padding(mode="reflect", fraction=(0, 1), p=0.9, seed=9),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("channels", [0, 1, 2])
@pytest.mark.parametrize("t", EXACT, ids=lambda t: t.name)
def test_exact_kernels_equal_the_per_sample_path(t: Any, channels: int, device: str) -> None:
    got, ref, _ = run(t, audio_samples(channels), KEYS, device=device)
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("rollover", [True, False])
@pytest.mark.parametrize("shift", [batch_audio.shift_by_slices, batch_audio.shift_by_gather])
def test_both_time_shift_paths(shift: Any, rollover: bool, device: str) -> None:
    # the kernel slices rows on a CPU and gathers elsewhere: both are checked on every device
    t = ma.audio.TimeShift(fraction=1.0, rollover=rollover, p=1.0, seed=16)
    samples = audio_samples(2)
    params = [t.keyed_params(s, k) for s, k in zip(samples, KEYS, strict=True)]
    x = torch.from_numpy(np.stack([s["audio"] for s in samples])).to(device)
    got = shift(x, [p["shift"] for p in params if p], rollover).cpu().numpy()
    ref = np.stack([t.apply(s, p)["audio"] for s, p in zip(samples, params, strict=True) if p])
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("channels", [0, 2])
def test_time_mask_mean_fill_on_audio(channels: int, device: str) -> None:
    t = ma.audio.TimeMask(fraction=(0.05, 0.3), masks=(1, 3), p=1.0, seed=5)
    got, ref, params = run(t, audio_samples(channels), KEYS, device=device)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-7)  # the fill: a float32 mean
    assert all(p["target"] == "audio" for p in params)


def spectrogram_samples(channels: int) -> list[dict[str, Any]]:
    mel = ma.audio.MelSpectrogram(n_mels=40)
    return [dict(s, spectrogram=mel(**s)["spectrogram"]) for s in audio_samples(channels)]


SPEC = [
    ma.audio.FrequencyMask(fraction=(0.0, 0.3), masks=(0, 3), p=0.9, seed=6),
    ma.audio.FrequencyMask(fraction=0.4, masks=2, fill=-80.0, p=0.9, seed=7),
    ma.audio.TimeMask(fraction=(0.0, 0.3), masks=(1, 2), p=0.9, seed=8),
    ma.audio.TimeMask(fraction=0.2, fill=0.0, target="spectrogram", p=0.9, seed=9),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("channels", [0, 2])
@pytest.mark.parametrize("t", SPEC, ids=lambda t: f"{t.name}-{t._r.fill}")
def test_spectrogram_masks(t: Any, channels: int, device: str) -> None:
    got, ref, _ = run(t, spectrogram_samples(channels), KEYS, "spectrogram", device)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-4)  # dB; the "mean" fill in float32
    if not isinstance(t._r.fill, str):
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("channels", [0, 2])
@pytest.mark.parametrize(
    "options", [{}, {"n_mels": 80, "n_fft": 512, "hop_length": 160, "fmin": 50.0, "fmax": 7600.0}]
)
def test_mel_spectrogram(options: dict[str, Any], channels: int, device: str) -> None:
    got, ref, _ = run(
        ma.audio.MelSpectrogram(**options), audio_samples(channels), KEYS, "spectrogram", device
    )
    np.testing.assert_allclose(got, ref, rtol=0, atol=0.01)  # dB: float32 STFT vs the float64 path


@pytest.mark.parametrize("device", DEVICES)
def test_mel_spectrogram_magnitude_unlogged(device: str) -> None:
    t = ma.audio.MelSpectrogram(power=1.0, log=False)
    got, ref, _ = run(t, audio_samples(1), KEYS, "spectrogram", device)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4 * float(ref.max()))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("channels", [0, 2])
def test_background_noise_mixes_the_same_segments(channels: int, device: str) -> None:
    hum = (0.3 * np.sin(2 * np.pi * 50 * np.arange(3000) / RATE)).astype(np.float32)
    t = ma.audio.AddBackgroundNoise([hum, PIECES[3], PIECES[7][:5000]], snr_db=(0, 20), p=0.9, seed=10)
    got, ref, _ = run(t, audio_samples(channels), KEYS, device=device)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> np.ndarray:
    """SNR of each row (mean squares over all but the first axis, float64)."""
    axes = tuple(range(1, clean.ndim))
    noise = noisy.astype(np.float64) - clean
    return 10 * np.log10(
        np.mean(np.square(clean, dtype=np.float64), axis=axes) / np.mean(noise**2, axis=axes)
    )


def slope(noise: np.ndarray) -> float:
    """Log-log slope of the mean power spectrum of rows of ``noise`` (20 Hz .. 7 kHz)."""
    power = np.mean(np.abs(np.fft.rfft(noise.reshape(-1, noise.shape[-1]), axis=-1)) ** 2, axis=0)
    freq = np.fft.rfftfreq(noise.shape[-1], 1 / RATE)
    sel = (freq > 20) & (freq < 7000)
    return float(np.polyfit(np.log(freq[sel]), np.log(power[sel]), 1)[0])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("channels", [0, 2])
@pytest.mark.parametrize("colour", ["white", "pink", "brown"])
def test_add_noise_snr_and_colour(colour: str, channels: int, device: str) -> None:
    t = ma.audio.AddNoise(snr_db=(-5, 30), colour=colour, p=1.0, seed=11)
    samples = audio_samples(channels)
    got, ref, params = run(t, samples, KEYS, device=device)
    clean = np.stack([with_channels(s["audio"], channels == 0) for s in samples])
    drawn = np.array([p["snr_db"] for p in params])
    np.testing.assert_allclose(snr_db(clean, got), drawn, atol=1e-3)  # exact, as the per-sample path
    np.testing.assert_allclose(snr_db(clean, ref), drawn, atol=1e-3)
    expected = {"white": 0.0, "pink": -1.0, "brown": -2.0}[colour]
    assert abs(slope(got - clean) - expected) < 0.05
    assert abs(slope(got - clean) - slope(ref - clean)) < 0.05
    assert not np.allclose(got, ref)  # another stream: the same distribution, not the same values


def test_keyed_normal_is_standard_normal_and_uncorrelated() -> None:
    keys = noise_keys([3, 2**63 + 5, 12345678901234567890, 0], 2, "cpu")
    z = keyed_normal(keys, 50_001).numpy().astype(np.float64)
    assert z.shape == (4, 2, 50_001)
    flat = z.reshape(8, -1)
    for row in flat:
        assert stats.kstest(row, "norm").pvalue > 1e-3
        assert abs(row.mean()) < 0.02 and abs(row.std() - 1) < 0.02
        for lag in (1, 2, 3, 17):
            assert abs(np.corrcoef(row[:-lag], row[lag:])[0, 1]) < 0.02
    corr = np.corrcoef(flat)  # rows: samples x channels
    assert np.abs(corr - np.eye(8)).max() < 0.02
    assert stats.kstest(flat.ravel(), "norm").pvalue > 1e-3
    # tails: the 23-bit uniforms reach about 5.8 sigma
    assert np.abs(flat).max() > 4.0


def lowbias32(x: int) -> int:
    """The documented hash on Python integers (the independent reference of the tensor version)."""
    mask = 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x7FEB352D) & mask
    x ^= x >> 15
    x = (x * 0x846CA68B) & mask
    return x ^ (x >> 16)


@pytest.mark.parametrize("device", DEVICES)
def test_noise_words_are_the_documented_integer_stream(device: str) -> None:
    seeds = [0, 1, 2**64 - 1, 987654321]
    keys = noise_keys(seeds, 3, device)
    w = words(keys, 300).cpu().numpy().astype(np.int64) & 0xFFFFFFFF
    k = keys.cpu().numpy().astype(np.int64) & 0xFFFFFFFF
    for i in range(len(seeds)):
        for c in range(3):
            ka, kb = int(k[i, c, 0]), int(k[i, c, 1])
            expect = [lowbias32(lowbias32(n ^ ka) ^ kb) for n in range(300)]
            assert w[i, c].tolist() == expect
    assert len({tuple(r) for r in k.reshape(-1, 2).tolist()}) == 12  # every row its own keys


def test_noise_keys_are_fixed() -> None:
    # pinned: a change of the key derivation changes every batched AddNoise output
    assert noise_keys([0, 2**64 - 1], 2, "cpu").tolist() == [
        [[2065550767, -501176263], [-1581685260, 1853398634]],
        [[459615264, -455511689], [-221528709, -1261414916]],
    ]


@pytest.mark.parametrize("device", DEVICES)
def test_add_noise_row_does_not_depend_on_the_batch(device: str) -> None:
    t = ma.audio.AddNoise(snr_db=(0, 20), p=1.0, seed=12)
    samples = audio_samples(2)
    params = []
    for s, k in zip(samples, KEYS, strict=True):
        p = t.keyed_params(s, k)
        assert p is not None
        params.append(p)
    fn = kernels("audio")[("audio.AddNoise", "audio")]

    def batch_of(rows: list[int]) -> np.ndarray:
        x = torch.from_numpy(np.stack([samples[i]["audio"] for i in rows])).to(device)
        out = fn(t, Batch(fields={"audio": x}, params=[params[i] for i in rows], sample_rate=RATE))
        return out["audio"].cpu().numpy()

    full = batch_of(list(range(len(samples))))
    alone = batch_of([5])
    shuffled = batch_of([9, 5, 0, 3])
    np.testing.assert_array_equal(full[5], alone[0])
    np.testing.assert_array_equal(full[5], shuffled[1])
    np.testing.assert_array_equal(full[9], shuffled[0])
    noise = full - np.stack([s["audio"] for s in samples])
    corr = np.corrcoef(noise.reshape(-1, noise.shape[-1]))
    assert np.abs(corr - np.eye(corr.shape[0])).max() < 0.1  # rows and channels: independent noise


@pytest.mark.parametrize("level", [1e-25, 1e-3, 1e12])
def test_noise_snr_holds_at_extreme_levels(level: float) -> None:
    # float32 squares of 1e-25 underflow; 1e12 is the largest magnitude accepted (MAX_AMPLITUDE),
    # whose squares summed over a clip need float64 too; the per-sample path works in float64
    loud = [(c * level).astype(np.float32) for c in clips(2, 4)]
    samples: list[dict[str, Any]] = [{"audio": a, "sample_rate": RATE} for a in loud]
    clean = np.stack(loud)
    for t in (
        ma.audio.AddNoise(snr_db=(-10, 40), colour="brown", p=1.0, seed=17),
        ma.audio.AddBackgroundNoise([PIECES[2] * 3], snr_db=(-10, 40), p=1.0, seed=18),
    ):
        got, ref, params = run(t, samples, range(4))
        drawn = np.array([p["snr_db"] for p in params])
        np.testing.assert_allclose(snr_db(clean, got), drawn, atol=1e-3)
        np.testing.assert_allclose(snr_db(clean, ref), drawn, atol=1e-3)


def test_add_noise_leaves_silence_silent() -> None:
    t = ma.audio.AddNoise(p=1.0, seed=13)
    silent = [{"audio": np.zeros((2, 4000), np.float32), "sample_rate": RATE}] * 4
    got, ref, _ = run(t, silent, range(4))
    np.testing.assert_array_equal(got, ref)
    assert not got.any()


@pytest.mark.parametrize("device", DEVICES)
def test_add_noise_is_the_same_on_every_device(device: str) -> None:
    t = ma.audio.AddNoise(colour="brown", p=1.0, seed=14)
    cpu, _, _ = run(t, audio_samples(2), KEYS, device="cpu")
    other, _, _ = run(t, audio_samples(2), KEYS, device=device)
    np.testing.assert_allclose(other, cpu, rtol=1e-4, atol=1e-6)  # log/sin/cos round per device


def test_every_audio_transform_has_a_kernel_or_a_documented_reason() -> None:
    audio_ops = {name for name, cls in registered().items() if cls.modality == "audio"}
    with_kernel = {name for name, _ in kernels("audio")}
    assert with_kernel == {
        "audio.AddBackgroundNoise",
        "audio.AddNoise",
        "audio.AddShortNoises",
        "audio.ApplyImpulseResponse",
        "audio.BandPassFilter",
        "audio.BandStopFilter",
        "audio.BitCrush",
        "audio.Clipping",
        "audio.FrequencyMask",
        "audio.Gain",
        "audio.HighPassFilter",
        "audio.HighShelfFilter",
        "audio.Limiter",
        "audio.LowPassFilter",
        "audio.LoudnessNormalization",
        "audio.LowShelfFilter",
        "audio.MelSpectrogram",
        "audio.Normalize",
        "audio.Padding",
        "audio.PeakingFilter",
        "audio.PitchShift",
        "audio.PolarityInversion",
        "audio.Reverse",
        "audio.RoomSimulator",
        "audio.TimeMask",
        "audio.TimeShift",
    }
    assert set(batch_audio.NO_KERNEL) == {"audio.TimeStretch", "audio.SpeedChange", "audio.Mp3Compression"}
    assert with_kernel.isdisjoint(batch_audio.NO_KERNEL)
    assert with_kernel | set(batch_audio.NO_KERNEL) == audio_ops
    assert all(len(why) > 40 for why in batch_audio.NO_KERNEL.values())


# ---------------------------------------------------------------- Butterworth filters
FILTERS = {
    "LowPassFilter": {},
    "HighPassFilter": {},
    "BandPassFilter": {},
    "BandStopFilter": {},
    "LowPassFilter-nyquist": {"cutoff_hz": (6000, 9000)},  # rows at/above Nyquist: unchanged
    "HighPassFilter-nyquist": {"cutoff_hz": (6500, 9000)},  # rows at/above Nyquist: silence
    "BandPassFilter-nyquist": {"center_hz": (3000, 7000)},  # upper edge at Nyquist: a high-pass
    "BandStopFilter-nyquist": {"center_hz": (3000, 7000)},  # ... a low-pass
    "HighPassFilter-low": {"cutoff_hz": (1, 30)},  # long impulse responses
}


def half_second(channels: int) -> list[dict[str, Any]]:
    return [{"audio": s["audio"][..., : RATE // 2], "sample_rate": RATE} for s in audio_samples(channels)[:6]]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("zero_phase", [False, True])
@pytest.mark.parametrize("case", list(FILTERS))
def test_filters_match_the_per_sample_path(case: str, zero_phase: bool, device: str) -> None:
    name = case.split("-")[0]
    rolloff = (12, 48) if zero_phase else (6, 48)
    t = getattr(ma.audio, name)(rolloff=rolloff, zero_phase=zero_phase, p=1.0, seed=20, **FILTERS[case])
    channels = 2 if zero_phase == (len(case) % 2 == 0) else 0  # mono and stereo rows for every filter
    got, ref, params = run(t, half_second(channels), range(6), device=device)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5)  # float64 sosfilt vs float32 FFTs
    assert len({p["rolloff"] for p in params}) > 1
    if case.endswith("nyquist") and name != "BandStopFilter":
        edge = [
            p["cutoff_hz"] if "cutoff_hz" in p else p["center_hz"] * (1 + p["bandwidth_fraction"] / 2)
            for p in params
        ]
        assert min(edge) < RATE / 2 <= max(edge), "the keys must draw edges on both sides of Nyquist"
        for e, g, r in zip(edge, got, ref, strict=True):
            if e >= RATE / 2 and name != "BandPassFilter":
                np.testing.assert_array_equal(g, r)  # a copy, or silence: exact


def test_filter_row_does_not_depend_on_its_batch() -> None:
    t = ma.audio.BandStopFilter(rolloff=(12, 48), zero_phase=True, p=1.0, seed=21)
    samples = half_second(2)
    params = [t.keyed_params(s, k) for k, s in enumerate(samples)]
    x = torch.from_numpy(np.stack([s["audio"] for s in samples]))
    kern = kernels("audio")[(t.name, "audio")]
    whole = kern(t, Batch({"audio": x}, params, sample_rate=RATE))["audio"]
    for i in (0, 5):
        alone = kern(t, Batch({"audio": x[i : i + 1]}, params[i : i + 1], sample_rate=RATE))["audio"]
        # the same FFT lengths, sections and steps; pocketfft may round a batch of rows differently
        np.testing.assert_allclose(alone[0].numpy(), whole[i].numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize(("centre", "channels"), [((50, 4000), 0), ((5000, 12000), 2)])
@pytest.mark.parametrize("name", ["PeakingFilter", "LowShelfFilter", "HighShelfFilter"])
def test_biquad_filters_match_the_per_sample_path(name: str, centre: tuple[int, int], channels: int) -> None:
    from scipy.signal import sosfilt

    from multiaug.audio.functional.filters import rbj_sos

    kind = {"PeakingFilter": "peaking", "LowShelfFilter": "lowshelf", "HighShelfFilter": "highshelf"}[name]
    t = getattr(ma.audio, name)(center_hz=centre, p=1.0, seed=23)
    samples = half_second(channels)
    got, ref, params = run(t, samples, range(6))
    np.testing.assert_allclose(got, ref, rtol=0, atol=5e-5)  # the per-sample biquad runs in float32
    if centre[1] > RATE / 2:  # some centres above Nyquist: unchanged, or the low shelf's gain
        assert min(p["center_hz"] for p in params) < RATE / 2 <= max(p["center_hz"] for p in params)
    for g, s, p in zip(got, samples, params, strict=True):  # and this kernel is float64's to 2e-6
        if p["center_hz"] < RATE / 2:
            x = np.atleast_2d(s["audio"]).astype(np.float64)
            sos = rbj_sos(kind, p["center_hz"], p["gain_db"], p["q"], RATE)
            # the steady state of the first sample, by a 4 s lead-in at its level
            lead = np.concatenate([np.repeat(x[:, :1], RATE * 4, axis=1), x], axis=1)
            r64 = sosfilt(sos, lead, axis=-1)[:, RATE * 4 :]
            np.testing.assert_allclose(g.reshape(r64.shape), r64, rtol=0, atol=2e-6)


@pytest.mark.parametrize("zero_phase", [False, True])
def test_filters_on_short_clips(zero_phase: bool) -> None:
    # sosfiltfilt's extension shrinks to n - 1 samples; the impulse response to the clip's length
    for n in (1, 5, 200):
        samples = [{"audio": c[:n], "sample_rate": RATE} for c in clips(0, 4)]
        t = ma.audio.BandStopFilter(zero_phase=zero_phase, p=1.0, seed=22)
        got, ref, _ = run(t, samples, range(4))
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5)


@pytest.mark.parametrize("zero_phase", [False, True])
def test_filters_through_batched_pipeline(zero_phase: bool) -> None:
    """``ma.torch.batched`` runs the filters: traces equal the per-sample ones, outputs within 1e-5."""
    pipe = ma.Compose(
        [
            ma.audio.LowPassFilter(zero_phase=zero_phase, p=0.7),
            ma.audio.BandStopFilter(zero_phase=zero_phase, p=0.7),
            ma.audio.HighPassFilter(zero_phase=zero_phase, p=0.5),
        ],
        seed=8,
    )
    batched_equals_per_sample(pipe, half_second(0), atol=1e-5)


def batched_equals_per_sample(pipe: Any, samples: list[dict[str, Any]], atol: float) -> dict[str, Any]:
    """``ma.torch.batched(pipe)`` on the samples (keys 0, 1, ...): each row's trace equals the keyed
    per-sample call's, its audio within ``atol``; returns the batched output."""
    wave = torch.from_numpy(np.stack([s["audio"] for s in samples]))
    keys = list(range(len(samples)))
    out = ma.torch.batched(pipe)(audio=wave, sample_rate=samples[0]["sample_rate"], key=keys, trace=True)
    for i, sample in enumerate(samples):
        ref = pipe(**sample, key=i, trace=True)
        assert out["trace"][i] == ref["trace"]
        np.testing.assert_allclose(out["audio"][i].numpy(), ref["audio"], rtol=0, atol=atol)
    return out


# ---------------------------------------------------------------- PitchShift (phase vocoder)
def log_spectral_distance(a: np.ndarray, b: np.ndarray) -> float:
    """dB distance of the short-time spectra of two clips (bins within 50 dB of ``a``'s peak)."""

    def db(x: np.ndarray) -> np.ndarray:
        frames = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), 512)[::128]
        return 20 * np.log10(np.abs(np.fft.rfft(frames * np.hanning(512), axis=-1)) + 1e-9)

    da, dbb = db(a), db(b)
    floor = da.max() - 50
    return float(np.sqrt(np.mean((np.maximum(da, floor) - np.maximum(dbb, floor))[da > floor] ** 2)))


def shift_rows(x: np.ndarray, semitones: Sequence[float], method: str = "quality") -> np.ndarray:
    t = ma.audio.PitchShift(method=method, p=1.0)
    params = [{"semitones": s} for s in semitones]
    rows = torch.from_numpy(x if x.ndim == 3 else x[:, None])
    out = kernels("audio")[("audio.PitchShift", "audio")](t, Batch({"audio": rows}, params, sample_rate=RATE))
    return out["audio"].numpy()


@pytest.mark.parametrize("method", ["quality", "fast"])
def test_pitch_shift_moves_the_harmonics(method: str) -> None:
    time = np.arange(RATE) / RATE
    tone = np.sum([np.sin(2 * np.pi * 150 * k * time) / k for k in range(1, 11)], axis=0).astype(np.float32)
    semitones = [-7.0, -4.0, -0.5, 2.0, 5.0, 12.0]
    out = shift_rows(np.stack([tone] * len(semitones)), semitones, method)[:, 0]
    assert out.shape == (len(semitones), RATE) and out.dtype == np.float32
    for s, y in zip(semitones, out, strict=True):
        cpu = ma.audio.PitchShift(method=method, p=1.0).apply(
            {"audio": tone, "sample_rate": RATE}, {"semitones": s}
        )
        for clip in (y, cpu["audio"]):
            spectrum = np.abs(np.fft.rfft(clip[2000:14000] * np.hanning(12000), n=1 << 18))
            hz = np.fft.rfftfreq(1 << 18, 1 / RATE)
            near = (hz > 0.7 * 150 * 2 ** (s / 12)) & (hz < 1.4 * 150 * 2 ** (s / 12))  # the fundamental
            peak = hz[near][np.argmax(spectrum[near])]
            assert peak == pytest.approx(150 * 2 ** (s / 12), rel=0.003)
        assert abs(np.sqrt(np.mean(y**2)) / np.sqrt(np.mean(cpu["audio"] ** 2)) - 1) < 0.05


def test_pitch_shift_round_trip_is_as_clean_as_the_cpu_path() -> None:
    clips_ = [ma.audio.load(p)[0] for p in sorted(DATA.glob("speech_*.wav"))]
    n = min(c.shape[-1] for c in clips_)
    x = np.stack([c[:n] for c in clips_])
    for s in (-4.0, 3.0):
        back = shift_rows(shift_rows(x, [s] * len(x))[:, 0], [-s] * len(x))[:, 0]
        t = ma.audio.PitchShift(p=1.0)
        for clip, ours in zip(x, back, strict=True):
            there = t.apply({"audio": clip, "sample_rate": RATE}, {"semitones": s})["audio"]
            cpu = t.apply({"audio": there, "sample_rate": RATE}, {"semitones": -s})["audio"]
            assert log_spectral_distance(clip, ours) < log_spectral_distance(clip, cpu) + 0.3


def test_pitch_shift_keeps_stereo_phase_relations_and_rows_independent() -> None:
    mono = np.stack(clips(0, 5))
    stereo = np.stack([mono, 0.5 * mono], axis=1)  # channel 1: channel 0 at half the level
    semitones = [-4.0, 3.0, 0.0, 1.5, -12.5]
    out = shift_rows(stereo, semitones)
    np.testing.assert_allclose(out[:, 1], 0.5 * out[:, 0], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(out[2], stereo[2])  # no shift: a copy
    alone = shift_rows(stereo[3:4], semitones[3:4])
    np.testing.assert_allclose(alone[0], out[3], rtol=0, atol=1e-6)


def test_pitch_shift_on_short_clips() -> None:
    for n in (1, 7, 100, 1500):
        x = np.stack(clips(2, 3))[..., :n]
        out = shift_rows(x, [-3.0, 0.0, 4.0])
        assert out.shape == x.shape and np.isfinite(out).all()


def test_resample_rows_is_scipy_resample() -> None:
    from scipy import signal

    x = np.stack(clips(2, 3))[..., :4001]
    lengths = [3000, 4001, 5432]
    got = vocoder.resample_rows(torch.from_numpy(x), lengths).numpy()
    for i, m in enumerate(lengths):
        np.testing.assert_allclose(got[i, :, :m], signal.resample(x[i], m, axis=-1), rtol=0, atol=2e-6)
        assert not got[i, :, m:].any()


@pytest.mark.parametrize("channels", [0, 2])
def test_spectrogram_pipeline_through_batched(channels: int) -> None:
    """MelSpectrogram makes the batch's ``spectrogram`` field; the masks after it draw from its shape
    (traces equal the per-sample ones) and mask the same cells; values within 0.01 dB."""
    pipe = ma.Compose(
        [
            ma.audio.Gain(db=(-6, 6), p=0.5),
            ma.audio.MelSpectrogram(n_mels=40),
            ma.audio.FrequencyMask(fraction=(0.1, 0.3), fill=0.0, p=0.7),
            ma.audio.TimeMask(fraction=(0.05, 0.2), fill=-100.0, target="spectrogram", p=0.7),
        ],
        seed=5,
    )
    samples = audio_samples(channels)
    keys = list(KEYS)
    wave = torch.from_numpy(np.stack([s["audio"] for s in samples]))
    tp = ma.torch.batched(pipe)
    out = tp(audio=wave, sample_rate=RATE, key=keys, epoch=1, trace=True)
    apart = tp(audio=wave, sample_rate=RATE, draws=tp.draw(audio=wave, sample_rate=RATE, key=keys, epoch=1))
    assert torch.equal(apart["spectrogram"], out["spectrogram"])
    masked = set()
    for i, (sample, key) in enumerate(zip(samples, keys, strict=True)):
        ref = pipe(**sample, key=key, epoch=1, trace=True)
        assert out["trace"][i] == ref["trace"]
        masked |= {e["transform"] for e in ref["trace"] if e["transform"].endswith("Mask")}
        got = out["spectrogram"][i].numpy()
        assert got.shape == ref["spectrogram"].shape
        np.testing.assert_array_equal(got == 0.0, ref["spectrogram"] == 0.0)
        np.testing.assert_array_equal(got == -100.0, ref["spectrogram"] == -100.0)
        np.testing.assert_allclose(got, ref["spectrogram"], rtol=0, atol=0.01)
        np.testing.assert_allclose(out["audio"][i].numpy(), ref["audio"], rtol=1e-6, atol=1e-7)
    assert masked == {"audio.FrequencyMask", "audio.TimeMask"}
