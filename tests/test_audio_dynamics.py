"""Level and dynamics ops (issue 20) against independent references.

References: ``np.percentile`` (Clipping's thresholds) and the fraction of samples
changed; integer PCM conversion (BitCrush); pyloudnorm's BS.1770 meter and the
standard's published 48 kHz K-weighting coefficients (LoudnessNormalization);
``np.pad`` (Padding); the peak of the output (Limiter, Normalize).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

import multiaug as ma
from multiaug.audio.functional import dynamics as F

DATA = Path(__file__).parent / "data"
SR = 16000


def speech(name: str = "speech_en_f_high") -> np.ndarray:
    return ma.audio.load(DATA / f"{name}.wav")[0][: SR // 2]


def traced(t: ma.Transform, x: np.ndarray, key: int = 0, sr: int = SR) -> tuple[np.ndarray, dict]:
    out = t(audio=x, sample_rate=sr, key=key, trace=True)
    return out["audio"], out["trace"][0]["params"]


# ---------------------------------------------------------------------- Clipping
@pytest.mark.parametrize("key", range(3))
def test_clipping_thresholds_are_numpy_percentiles_and_fraction_is_drawn(key: int) -> None:
    x = np.random.default_rng(key).normal(0, 0.2, (2, 2000)).astype(np.float32)
    y, params = traced(ma.audio.Clipping(percentile=(5, 40), p=1.0), x, key)
    pct = params["percentile"]
    lo, hi = np.percentile(x, (pct / 2, 100 - pct / 2))
    np.testing.assert_array_equal(y, np.clip(x, np.float32(lo), np.float32(hi)))
    changed = np.mean(y != x)
    assert abs(changed - pct / 100) <= 2 / x.size  # the two threshold samples themselves may be kept


def _order_cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    mostly_silent = np.zeros(9000, np.float32)
    mostly_silent[::50] = rng.normal(0, 0.1, 180)
    return {
        "speech": ma.audio.load(DATA / "speech_de_m.wav")[0][:SR],
        "noise": rng.normal(0, 0.3, 20001).astype(np.float32),
        "period-16": np.tile(np.linspace(-1, 1, 16, dtype=np.float32), 600),  # the sample sees one value
        "ties": rng.integers(-4, 5, 12000).astype(np.float32),
        "mostly-silent": mostly_silent,
        "constant": np.full(5000, 0.25, np.float32),
    }


@pytest.mark.parametrize("case", list(_order_cases()))
def test_order_statistics_are_those_of_a_full_sort(case: str) -> None:
    x = _order_cases()[case]
    ref = np.sort(x)
    n = x.size
    for ks in (
        [0, 1, n - 2, n - 1],
        [n // 40, n // 40 + 1, n - n // 40 - 1, n - n // 40],
        [n // 5, n // 2, 3 * n // 4],
    ):
        assert F.order_statistics(x, ks) == [float(ref[k]) for k in ks]


@pytest.mark.parametrize("key", range(3))
def test_clipping_of_a_second_of_speech_matches_numpy_percentiles(key: int) -> None:
    # 16000 samples: the bracketed selection (the test above uses 4000, below its threshold)
    x = np.stack([speech("speech_de_m"), speech("speech_fr_f")])
    y, params = traced(ma.audio.Clipping(p=1.0), x, key)
    pct = params["percentile"]
    lo, hi = np.percentile(x, (pct / 2, 100 - pct / 2))
    np.testing.assert_array_equal(y, np.clip(x, np.float32(lo), np.float32(hi)))


# ---------------------------------------------------------------------- BitCrush
@pytest.mark.parametrize("bits", [1, 3, 8, 16])
def test_bit_crush_is_integer_pcm_at_the_bit_depth(bits: int) -> None:
    x = np.random.default_rng(bits).uniform(-1, 1, 3000).astype(np.float32)
    y = ma.audio.BitCrush(bits=bits, p=1.0)(audio=x, sample_rate=SR)["audio"]
    codes = np.round(x.astype(np.float64) * 2 ** (bits - 1))  # the PCM integer codes
    np.testing.assert_array_equal(y, (codes / 2 ** (bits - 1)).astype(np.float32))
    assert len(np.unique(y)) <= 2**bits + 1  # -2**(b-1) .. 2**(b-1) (the last one only for +1.0)
    assert np.abs(y - x).max() <= 2.0**-bits + 1e-7


def test_bit_crush_draws_integer_depths_in_range() -> None:
    t = ma.audio.BitCrush(bits=(5, 7), p=1.0)
    depths = {traced(t, np.zeros(8, np.float32), k)[1]["bits"] for k in range(40)}
    assert depths == {5, 6, 7}


# ---------------------------------------------------------------------- Normalize
def test_normalize_peak_is_one_and_shape_kept() -> None:
    x = np.random.default_rng(1).normal(0, 0.1, (2, 500)).astype(np.float32)
    y = ma.audio.Normalize(p=1.0)(audio=x, sample_rate=SR)["audio"]
    assert np.abs(y).max() == pytest.approx(1.0, abs=1e-7)
    np.testing.assert_allclose(y * np.abs(x).max(), x, rtol=1e-6, atol=1e-9)
    quiet = ma.audio.Normalize(apply_to="only_too_loud_sounds", p=1.0)
    np.testing.assert_array_equal(quiet(audio=x, sample_rate=SR)["audio"], x)
    np.testing.assert_allclose(np.abs(quiet(audio=x * 40, sample_rate=SR)["audio"]).max(), 1.0, rtol=1e-6)
    silent = np.zeros(64, np.float32)
    np.testing.assert_array_equal(ma.audio.Normalize(p=1.0)(audio=silent, sample_rate=SR)["audio"], silent)


# ---------------------------------------------------------------------- Limiter
@pytest.mark.parametrize("mode", ["relative_to_signal_peak", "absolute"])
def test_limiter_output_never_exceeds_the_drawn_threshold(mode: str) -> None:
    x = np.stack([speech(), 0.5 * speech("speech_de_m")])
    t = ma.audio.Limiter(threshold_mode=mode, p=1.0)
    for key in range(4):
        y, params = traced(t, x, key)
        base = np.abs(x).max() if mode == "relative_to_signal_peak" else 1.0
        threshold = base * 10 ** (params["threshold_db"] / 20)
        assert np.abs(y).max() <= threshold  # exactly, float32 rounding included
        # linked channels: one gain per sample, never above 1
        loud = np.abs(x[0]) > 1e-2
        gain = y[0, loud] / x[0, loud]
        np.testing.assert_allclose(y[1, loud], gain * x[1, loud], rtol=1e-5, atol=1e-7)
        assert (np.abs(y) <= np.abs(x) + 1e-7).all()


def test_limiter_attack_reads_ahead_and_release_recovers() -> None:
    rate, attack, release = 8000, 0.01, 0.1
    x = np.full(4000, 0.1, np.float32)
    x[2000] = 1.0  # one peak, 20 dB above the rest
    y = F.limiter(x, rate, 0.5, attack, release)
    span = round(attack * rate)
    block = max(span // 8, rate // 4000)  # the gain's resolution
    assert y[2000] == pytest.approx(0.5, rel=1e-6)
    early = 2000 - span - block
    np.testing.assert_array_equal(y[:early], x[:early])  # untouched before the look-ahead
    assert (y[2000 - span + block : 2000] < 0.1).all()  # faded down ahead of the peak
    # 6 dB recovered at 60 / release dB per second: back to unity about 0.01 s after the peak
    back = 2000 + round(6.02 / 60 * release * rate) + span + 2 * block
    np.testing.assert_allclose(y[back:], x[back:], rtol=1e-6)


def test_limiter_leaves_quiet_clips_and_silence_alone() -> None:
    x = speech() * 0.1
    t = ma.audio.Limiter(threshold_db=-1, threshold_mode="absolute", p=1.0)
    np.testing.assert_array_equal(t(audio=x, sample_rate=SR)["audio"], x)
    silent = np.zeros(100, np.float32)
    np.testing.assert_array_equal(ma.audio.Limiter(p=1.0)(audio=silent, sample_rate=SR)["audio"], silent)


@pytest.mark.parametrize("h", [1, 2, 3, 6, 8, 9, 12, 16, 25, 50, 64])
def test_limiter_block_peaks_and_window_minimum_match_loops(h: int) -> None:
    # the vectorised envelope pieces against plain Python loops, a short last block included
    rng = np.random.default_rng(h)
    x = rng.normal(0, 0.3, (2, 20 * h + h // 2 + 1)).astype(np.float32)[:, ::-1]  # a reversed view
    n = x.shape[-1]
    expected = [np.abs(x[:, i : i + h]).max() for i in range(0, n, h)]
    np.testing.assert_array_equal(F._block_peaks(x, h), np.array(expected, np.float32))
    values = rng.uniform(0, 1, 37).astype(np.float32)
    for m in (1, 2, 5, 8, 15):
        loop = [values[c : c + m].min() for c in range(values.size)]
        np.testing.assert_array_equal(F._window_min(values, m), np.array(loop, np.float32))


def test_limiter_kernel_output_layout_for_every_input_layout() -> None:
    x = speech()[:4001]
    ref = F.limiter(x, SR, 0.1, 0.01, 0.2)
    for variant in (x[None], x.astype(np.float64), x[None].astype(np.float64), x[::-1].copy()[::-1]):
        y = F.limiter(variant, SR, 0.1, 0.01, 0.2)
        assert y.dtype == np.float32 and y.flags.c_contiguous and y.shape == variant.shape
        np.testing.assert_allclose(y.reshape(-1), ref, rtol=1e-6, atol=1e-9)  # float64 in: float64 gains


# ---------------------------------------------------------------------- loudness
def test_k_weighting_is_the_standards_48k_table() -> None:
    # ITU-R BS.1770-4, Table 1 (pre-filter) and Table 2 (RLB filter)
    pre = [1.53512485958697, -2.69169618940638, 1.19839281085285, 1.0, -1.69065929318241, 0.73248077421585]
    rlb = [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621]
    np.testing.assert_allclose(F.k_weighting_sos(48000), [pre, rlb], atol=1e-10)


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
def test_loudness_meter_agrees_with_pyloudnorm(rate: int) -> None:
    rng = np.random.default_rng(rate)
    x = rng.normal(0, 0.1, (2, rate))
    x[:, : rate // 4] *= 0.001  # a quiet part the gates drop
    x[0] += 0.3 * np.sin(2 * np.pi * 200 * np.arange(rate) / rate)
    ref = pyloudnorm.Meter(rate).integrated_loudness(x.T)
    assert F.integrated_loudness(x, rate) == pytest.approx(ref, abs=0.25)


def test_gates_on_mean_squares_are_the_standards_gates_in_lufs() -> None:
    # BS.1770-4 section 2.7 written in LUFS per block, as pyloudnorm does, against the kernel's
    # gates on mean squares (no logarithm per block)
    def reference(z: np.ndarray) -> float:
        with np.errstate(divide="ignore"):
            loud = -0.691 + 10 * np.log10(z)
        kept = loud > -70
        if not kept.any():
            return -np.inf
        relative = -0.691 + 10 * np.log10(z[kept].mean()) - 10
        kept &= loud > relative
        return -0.691 + 10 * np.log10(z[kept].mean())

    rng = np.random.default_rng(3)
    for _ in range(300):
        z = np.abs(rng.normal(size=rng.integers(1, 40))) ** rng.uniform(1, 8) * 10 ** rng.uniform(-9, 0)
        assert F.gated_loudness(z) == pytest.approx(reference(z), abs=1e-9)
    assert F.gated_loudness(np.zeros(5)) == -np.inf


@pytest.mark.parametrize("stereo", [False, True])
def test_loudness_normalization_hits_the_drawn_lufs_by_pyloudnorm(stereo: bool) -> None:
    x = speech()
    if stereo:
        x = np.stack([x, 0.3 * speech("speech_fr_f")])
    t = ma.audio.LoudnessNormalization(p=1.0)
    for key in range(3):
        y, params = traced(t, x, key)
        assert -31 <= params["lufs"] <= -13
        measured = pyloudnorm.Meter(SR).integrated_loudness(y.T.astype(np.float64))
        assert measured == pytest.approx(params["lufs"], abs=0.5)
        np.testing.assert_allclose(
            y, x * (y.flat[np.argmax(np.abs(x))] / x.flat[np.argmax(np.abs(x))]), rtol=1e-5
        )


def test_loudness_normalization_leaves_silence_and_short_clips_work() -> None:
    silent = np.zeros(800, np.float32)
    t = ma.audio.LoudnessNormalization(lufs=-20, p=1.0)
    np.testing.assert_array_equal(t(audio=silent, sample_rate=SR)["audio"], silent)
    short = speech()[:1000]  # shorter than one 400 ms block: measured as one block
    y = t(audio=short, sample_rate=SR)["audio"]
    assert F.integrated_loudness(y, SR) == pytest.approx(-20, abs=1e-6)


# ---------------------------------------------------------------------- Reverse, Padding
def test_reverse_is_the_time_flip() -> None:
    x = np.random.default_rng(0).normal(size=(3, 50)).astype(np.float32)
    y = ma.audio.Reverse(p=1.0)(audio=x, sample_rate=SR)["audio"]
    np.testing.assert_array_equal(y, x[:, ::-1])
    assert y.flags.c_contiguous


@pytest.mark.parametrize("mode", ["silence", "wrap", "reflect"])
@pytest.mark.parametrize("section", ["start", "end"])
def test_padding_equals_numpy_pad_of_the_kept_part(mode: str, section: str) -> None:
    x = np.random.default_rng(2).normal(size=(2, 100)).astype(np.float32)
    t = ma.audio.Padding(fraction=(0.1, 0.9), mode=mode, pad_section=section, p=1.0)
    for key in range(3):
        y, params = traced(t, x, key)
        k = params["padding"]
        assert 10 <= k <= 90
        keep = x[:, k:] if section == "start" else x[:, : 100 - k]
        width = ((0, 0), (k, 0) if section == "start" else (0, k))
        ref = np.pad(keep, width, "constant" if mode == "silence" else mode)
        np.testing.assert_array_equal(y, ref)
    full = ma.audio.Padding(fraction=1.0, mode=mode, p=1.0)(audio=x, sample_rate=SR)["audio"]
    assert not full.any()


def test_review_fixes_gates_and_order_statistics_at_their_edges() -> None:
    # a block a few ulps from the relative gate is decided by the standard's rule in LUFS
    assert F.gated_loudness(np.array([1.0, 0.052631578947368425])) == -0.691
    # NaN sorts last, as in np.partition: the ranks below it are the sorted values
    x = np.random.default_rng(0).normal(size=10000).astype(np.float32)
    x[:50] = np.nan
    ranks = [500, 9500]
    assert F.order_statistics(x, ranks) == [float(v) for v in np.sort(x)[ranks]]
