"""ma.audio on real speech (tests/data, espeak-ng clips), measured with independent estimators.

f0 comes from ``librosa.pyin`` (probabilistic YIN, 10 ms hop). Pitch shifting
keeps the timing, so output frame ``j`` is compared with input frame ``j``; time
stretching by ``r`` maps output frame ``j`` to input frame ``round(j * r)``. The
f0 ratio is the median, over frames voiced in both, of ``f0_out / f0_in``:
the median-f0 ratio, without letting a changed voicing decision at a word
boundary move the median. Durations are the active-speech span (first to last
5 ms frame within 30 dB of the loudest), independent of the array length.

pyin runs under numba: its first call compiles (tens of seconds on a cold
cache, a few seconds after that); the estimates are computed once per module.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

import multiaug as ma

DATA = Path(__file__).parent / "data"
CLIPS = ("speech_en_m_low", "speech_en_f_high", "speech_de_m", "speech_fr_f")
RATE = 16000
HOP = 160

# (clip, transform, method, value): every clip with the quality method, two clips with the fast one
PITCH_CASES = [(c, "quality", s) for c in CLIPS for s in (-4.0, 3.0)] + [
    (c, "fast", 3.0) for c in ("speech_en_m_low", "speech_fr_f")
]
STRETCH_CASES = [(c, "quality", r) for c in CLIPS for r in (0.8, 1.25)] + [
    (c, "fast", 1.25) for c in ("speech_en_m_low", "speech_fr_f")
]


def clip(name: str) -> np.ndarray:
    audio, rate = ma.audio.load(DATA / f"{name}.wav")
    assert rate == RATE and audio.ndim == 1
    return audio


@functools.cache
def f0_track(key: tuple[str, str, str, float]) -> np.ndarray:
    """pyin f0 (Hz, NaN where unvoiced) of a clip, or of a transformed clip (memoised per session)."""
    import librosa

    audio = transformed(*key)
    f0, _, _ = librosa.pyin(audio, fmin=60, fmax=400, sr=RATE, frame_length=1024, hop_length=HOP)
    return np.asarray(f0)


@functools.cache
def transformed(name: str, op: str, method: str, value: float) -> np.ndarray:
    audio = clip(name)
    if op == "none":
        return audio
    if op == "pitch":
        t: ma.Transform = ma.audio.PitchShift(semitones=(value, value), method=method, p=1.0)
    else:
        t = ma.audio.TimeStretch(rate=(value, value), method=method, p=1.0)
    out: np.ndarray = t(audio=audio, sample_rate=RATE, key=0)["audio"]
    return out


def f0_ratio(name: str, op: str, method: str, value: float) -> tuple[float, int]:
    """Median over frames voiced in both of f0(out) / f0(in), and the number of such frames."""
    before = f0_track((name, "none", "", 0.0))
    after = f0_track((name, op, method, value))
    rate = value if op == "stretch" else 1.0
    j = np.arange(len(after))
    i = np.rint(j * rate).astype(int)
    ok = i < len(before)
    ratios = after[j[ok]] / before[i[ok]]
    ratios = ratios[np.isfinite(ratios)]
    return float(np.median(ratios)), int(ratios.size)


def speech_span(audio: np.ndarray) -> float:
    """Seconds from the first to the last 5 ms frame (20 ms window) within 30 dB of the loudest."""
    win, hop = 320, 80
    padded = np.pad(audio.astype(np.float64), (win // 2, win // 2))
    frames = np.lib.stride_tricks.sliding_window_view(padded, win)[::hop]
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    active = np.flatnonzero(level > level.max() - 30)
    return float((active[-1] - active[0]) * hop / RATE)


@pytest.mark.parametrize(("name", "method", "semitones"), PITCH_CASES)
def test_pitch_shift_moves_f0_and_keeps_duration(name: str, method: str, semitones: float) -> None:
    ratio, frames = f0_ratio(name, "pitch", method, semitones)
    assert frames >= 50, f"only {frames} frames voiced in both"
    assert ratio == pytest.approx(2 ** (semitones / 12), rel=0.02)
    out, audio = transformed(name, "pitch", method, semitones), clip(name)
    assert out.shape == audio.shape and out.dtype == np.float32
    assert speech_span(out) == pytest.approx(speech_span(audio), rel=0.01)


@pytest.mark.parametrize(("name", "method", "rate"), STRETCH_CASES)
def test_time_stretch_changes_duration_and_keeps_f0(name: str, method: str, rate: float) -> None:
    ratio, frames = f0_ratio(name, "stretch", method, rate)
    assert frames >= 50, f"only {frames} frames voiced in both"
    assert ratio == pytest.approx(1.0, rel=0.02)
    out, audio = transformed(name, "stretch", method, rate), clip(name)
    assert out.shape == (round(len(audio) / rate),)
    assert speech_span(out) == pytest.approx(speech_span(audio) / rate, rel=0.01)


@pytest.mark.parametrize("name", CLIPS)
@pytest.mark.parametrize("colour", ["white", "pink", "brown"])
def test_add_noise_hits_the_drawn_snr(name: str, colour: str) -> None:
    audio = clip(name)
    t = ma.audio.AddNoise(snr_db=(0, 40), colour=colour, p=1.0, seed=4)
    for key in range(3):
        out = t(audio=audio, sample_rate=RATE, key=key, trace=True)
        drawn = out["trace"][0]["params"]["snr_db"]
        noise = out["audio"].astype(np.float64) - audio
        measured = 10 * np.log10(np.mean(audio.astype(np.float64) ** 2) / np.mean(noise**2))
        assert abs(measured - drawn) < 0.2


@pytest.mark.parametrize("name", CLIPS)
def test_gain_changes_level_by_the_drawn_db(name: str) -> None:
    audio = clip(name)
    t = ma.audio.Gain(db=(-12, 12), p=1.0, seed=8)
    for key in range(5):
        out = t(audio=audio, sample_rate=RATE, key=key, trace=True)
        drawn = out["trace"][0]["params"]["db"]
        rms = np.sqrt(np.mean(out["audio"].astype(np.float64) ** 2) / np.mean(audio.astype(np.float64) ** 2))
        assert abs(20 * np.log10(rms) - drawn) < 0.01


def test_speed_change_moves_pitch_and_tempo_together() -> None:
    audio = clip("speech_fr_f")
    out = ma.audio.SpeedChange(factor=(1.2, 1.2), p=1.0)(audio=audio, sample_rate=RATE)["audio"]
    assert out.shape == (round(len(audio) / 1.2),)
    assert speech_span(out) == pytest.approx(speech_span(audio) / 1.2, rel=0.01)


def test_fixtures_are_small_real_speech() -> None:
    total = sum((DATA / f"{c}.wav").stat().st_size for c in CLIPS)
    assert total < 400_000
    for c in CLIPS:
        audio = clip(c)
        assert 1.0 <= len(audio) / RATE <= 3.0
        assert np.isfinite(f0_track((c, "none", "", 0.0))).mean() > 0.4  # mostly voiced speech
