"""Butterworth filters (issue 20) against independent references.

References: ``scipy.signal.butter`` for the designed sections and
``scipy.signal.sosfilt`` for the causal output; for the behaviour, the level
of steady sines filtered through the transforms (RMS of the second half, so
the start-up transient is out), measured at the cutoff, one octave past it,
and two octaves further for the slope; the cross-correlation peak for delay.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import butter, sosfilt, sosfilt_zi, sosfiltfilt, sosfreqz

import multiaug as ma
from multiaug.audio.functional import filters as F
from multiaug.core.errors import InvalidInputError

SR = 48000


def sine(freq: float, sr: int = SR, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return np.sin(2 * np.pi * freq * t).astype(np.float32)


def level_db(t: ma.Transform, freq: float, sr: int = SR) -> float:
    """Gain in dB of ``t`` (p=1) for a steady sine at ``freq``, measured on the middle half.

    The middle: the causal filter's start-up and the forward-backward filter's
    transients at both ends are out.
    """
    x = sine(freq, sr)
    y = t(audio=x, sample_rate=sr, key=0)["audio"]
    mid = slice(len(x) // 4, 3 * len(x) // 4)
    return float(
        10 * np.log10(np.mean(y[mid].astype(np.float64) ** 2) / np.mean(x[mid].astype(np.float64) ** 2))
    )


# ---------------------------------------------------------------------- the design
@pytest.mark.parametrize("order", [1, 2, 3, 4, 5, 8])
@pytest.mark.parametrize(
    ("kind", "edges"),
    [
        ("lowpass", (1000.0,)),
        ("highpass", (30.0,)),
        ("bandpass", (300.0, 3400.0)),
        ("bandstop", (900.0, 1100.0)),
        ("lowpass", (7990.0,)),
    ],
)
def test_sections_equal_scipy_butter(kind: str, edges: tuple[float, ...], order: int) -> None:
    # the same filter (complex response); sections may be ordered and scaled differently
    mine = F.butterworth_sos(kind, edges, order, 16000)
    ref = butter(order, edges if len(edges) > 1 else edges[0], kind, fs=16000, output="sos")
    assert mine.shape == ref.shape
    _, h_mine = sosfreqz(mine, 2048, fs=16000)
    _, h_ref = sosfreqz(ref, 2048, fs=16000)
    np.testing.assert_allclose(h_mine, h_ref, rtol=1e-6, atol=1e-9)


def test_causal_output_equals_scipy_sosfilt() -> None:
    x = np.random.default_rng(0).normal(0, 0.3, (2, 4000)).astype(np.float32) + 0.2
    y = F.low_pass_filter(x, 16000, 1200.0, 24, False)
    sos = butter(4, 1200.0, "lowpass", fs=16000, output="sos")
    zi = sosfilt_zi(sos)[:, None, :] * x[:, 0][None, :, None].astype(np.float64)
    ref, _ = sosfilt(sos, x.astype(np.float64), axis=-1, zi=zi)
    np.testing.assert_allclose(y, ref.astype(np.float32), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------- responses
@pytest.mark.parametrize("zero_phase", [False, True])
@pytest.mark.parametrize("rolloff", [12, 24])
def test_low_pass_cutoff_and_slope(rolloff: int, zero_phase: bool) -> None:
    t = ma.audio.LowPassFilter(cutoff_hz=(200, 600), rolloff=rolloff, zero_phase=zero_phase, p=1.0)
    fc = t(audio=sine(100), sample_rate=SR, key=0, trace=True)["trace"][0]["params"]["cutoff_hz"]
    assert 200 <= fc <= 600
    assert abs(level_db(t, fc) + 3.0) <= 1.5
    assert level_db(t, fc / 8) > -0.5  # pass band
    if not zero_phase:  # Butterworth: one octave past the cutoff is down by ~rolloff
        assert abs(level_db(t, 2 * fc) + rolloff) <= 2.0
    # stop band: each further octave falls by the configured slope
    assert abs(level_db(t, 8 * fc) - level_db(t, 4 * fc) + rolloff) <= 2.0


@pytest.mark.parametrize("zero_phase", [False, True])
@pytest.mark.parametrize("rolloff", [12, 24])
def test_high_pass_cutoff_and_slope(rolloff: int, zero_phase: bool) -> None:
    t = ma.audio.HighPassFilter(cutoff_hz=(2000, 4000), rolloff=rolloff, zero_phase=zero_phase, p=1.0)
    fc = t(audio=sine(100), sample_rate=SR, key=0, trace=True)["trace"][0]["params"]["cutoff_hz"]
    assert abs(level_db(t, fc) + 3.0) <= 1.5
    assert level_db(t, fc * 4) > -0.5
    if not zero_phase:
        assert abs(level_db(t, fc / 2) + rolloff) <= 2.0
    assert abs(level_db(t, fc / 8) - level_db(t, fc / 4) + rolloff) <= 2.0


@pytest.mark.parametrize("zero_phase", [False, True])
def test_band_pass_edges_centre_and_slope(zero_phase: bool) -> None:
    rolloff = 24 if zero_phase else 12
    t = ma.audio.BandPassFilter(
        center_hz=2000, bandwidth_fraction=0.5, rolloff=rolloff, zero_phase=zero_phase, p=1.0
    )
    assert abs(level_db(t, 1500) + 3.0) <= 1.5  # edges: centre * (1 -+ 0.25)
    assert abs(level_db(t, 2500) + 3.0) <= 1.5
    assert abs(level_db(t, math.sqrt(1500 * 2500))) <= 0.5  # centre passes
    assert abs(level_db(t, 125) - level_db(t, 250) + rolloff) <= 2.0  # slope below the band


@pytest.mark.parametrize("zero_phase", [False, True])
def test_band_stop_edges_notch_and_pass_band(zero_phase: bool) -> None:
    t = ma.audio.BandStopFilter(
        center_hz=2000, bandwidth_fraction=0.5, rolloff=24, zero_phase=zero_phase, p=1.0
    )
    assert abs(level_db(t, 1500) + 3.0) <= 1.5
    assert abs(level_db(t, 2500) + 3.0) <= 1.5
    assert level_db(t, 1950) < -20  # inside the band
    assert level_db(t, 200) > -0.5 and level_db(t, 12000) > -0.5


# ---------------------------------------------------------------------- phase, layout, dtype
def lag_of_peak(x: np.ndarray, y: np.ndarray) -> int:
    c = np.correlate(y.astype(np.float64), x.astype(np.float64), mode="full")
    return int(np.argmax(c)) - (len(x) - 1)


@pytest.mark.parametrize("cls", ["LowPassFilter", "BandPassFilter"])
def test_zero_phase_has_no_delay(cls: str) -> None:
    x = np.random.default_rng(1).normal(0, 0.3, 8000).astype(np.float32)
    kw = {"cutoff_hz": 800} if cls == "LowPassFilter" else {"center_hz": 800, "bandwidth_fraction": 1.0}

    def run(zero_phase: bool) -> np.ndarray:
        t = getattr(ma.audio, cls)(**kw, rolloff=24, zero_phase=zero_phase, p=1.0)
        return t(audio=x, sample_rate=16000, key=0)["audio"]

    assert lag_of_peak(x, run(True)) == 0
    assert lag_of_peak(x, run(False)) > 0  # the causal filter does delay: the check can fail


@pytest.mark.parametrize("zero_phase", [False, True])
@pytest.mark.parametrize("cls", ["LowPassFilter", "HighPassFilter", "BandPassFilter", "BandStopFilter"])
def test_stereo_channels_filtered_like_mono_float32(cls: str, zero_phase: bool) -> None:
    x = np.random.default_rng(2).normal(0, 0.3, (2, 3000)).astype(np.float32)
    t = getattr(ma.audio, cls)(rolloff=(12, 24), zero_phase=zero_phase, p=1.0)
    both = t(audio=x, sample_rate=16000, key=7)["audio"]
    assert both.dtype == np.float32 and both.shape == x.shape and both.flags.c_contiguous
    for c in range(2):
        mono = t(audio=x[c], sample_rate=16000, key=7)["audio"]
        assert mono.dtype == np.float32 and mono.shape == (3000,)
        np.testing.assert_array_equal(both[c], mono)
    assert not np.allclose(both, x)


def test_edges_at_or_above_nyquist() -> None:
    x = np.random.default_rng(3).normal(0, 0.3, 800).astype(np.float32)
    lp = ma.audio.LowPassFilter(cutoff_hz=5000, p=1.0)(audio=x, sample_rate=8000)["audio"]
    np.testing.assert_array_equal(lp, x)  # nothing to remove below Nyquist
    hp = ma.audio.HighPassFilter(cutoff_hz=4000, p=1.0)(audio=x, sample_rate=8000)["audio"]
    np.testing.assert_array_equal(hp, np.zeros_like(x))
    # a band whose upper edge passes Nyquist is the one-sided filter at its lower edge (3000 Hz)
    bp = F.band_pass_filter(x, 8000, 4000.0, 0.5, 12, False)
    np.testing.assert_array_equal(bp, F.high_pass_filter(x, 8000, 3000.0, 12, False))
    bs = F.band_stop_filter(x, 8000, 4000.0, 0.5, 12, True)
    np.testing.assert_array_equal(bs, F.low_pass_filter(x, 8000, 3000.0, 12, True))


def test_short_clips_zero_phase() -> None:
    for n in (1, 2, 5):
        out = F.low_pass_filter(np.ones(n, np.float32), 16000, 1000.0, 24, True)
        assert out.shape == (n,) and np.isfinite(out).all()


# ---------------------------------------------------------------------- draws and parameters
def test_cutoff_drawn_uniformly_on_the_mel_scale() -> None:
    t = ma.audio.LowPassFilter(cutoff_hz=(150, 7500), rolloff=(12, 24), p=1.0)
    rng = np.random.default_rng(0)
    draws = [t.make_params(rng, {}) for _ in range(4000)]
    hz = np.array([d["cutoff_hz"] for d in draws])
    mel = 2595 * np.log10(1 + hz / 700)
    lo, hi = 2595 * np.log10(1 + 150 / 700), 2595 * np.log10(1 + 7500 / 700)
    assert hz.min() >= 150 and hz.max() <= 7500
    assert abs(np.median(mel) - (lo + hi) / 2) < 0.03 * (hi - lo)
    assert {d["rolloff"] for d in draws} == {12, 18, 24}


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"rolloff": (12, 15)}, "rolloff"),
        ({"rolloff": 18, "zero_phase": True}, "rolloff"),
        ({"cutoff_hz": 0.0}, "cutoff_hz"),
        ({"zero_phase": "yes"}, "zero_phase"),
    ],
)
def test_bad_parameters_name_the_field(kw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError, match=field):
        ma.audio.LowPassFilter(**kw)  # type: ignore[arg-type]


def test_bad_bandwidth_rejected() -> None:
    with pytest.raises(InvalidInputError, match="bandwidth_fraction"):
        ma.audio.BandPassFilter(bandwidth_fraction=2.0)


@pytest.mark.parametrize("n", [1, 2, 7, 4000])
def test_forward_backward_equals_scipy_sosfiltfilt(n: int) -> None:
    x = np.random.default_rng(4).normal(0, 0.3, (2, n)) + 0.1
    sos = butter(3, (400.0, 2000.0), "bandpass", fs=16000, output="sos")
    pad = min(3 * (2 * len(sos) + 1), n - 1)
    ref = sosfiltfilt(sos, x, axis=-1, padlen=pad)
    np.testing.assert_allclose(F._forward_backward(sos, x), ref, rtol=1e-9, atol=1e-12)
