"""Mp3Compression (issue 20): a real LAME round trip, aligned, length kept.

References: the input itself. The lag of the output against the input is found by
cross-correlation (it must be 0: the codec's 1105-sample delay is removed at every rate),
the error level must fall as the bitrate rises, and an 8 kbps stream (8 kHz) carries nothing
above 4 kHz.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soxr

import multiaug as ma
from multiaug.audio.functional.codecs import MP3_BITRATES, mp3_compression

DATA = Path(__file__).parent / "data"


def speech(rate: int = 16000, seconds: float = 0.5) -> np.ndarray:
    x, sr = ma.audio.load(DATA / "speech_en_m_low.wav")
    x = x[4000 : 4000 + int(sr * seconds)]
    return x if rate == sr else soxr.resample(x, sr, rate).astype(np.float32)


def lag(y: np.ndarray, x: np.ndarray, most: int = 2000) -> int:
    c = np.correlate(np.pad(y, most), x, "valid")
    return int(np.argmax(c)) - most


def snr_db(y: np.ndarray, x: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(x.astype(np.float64) ** 2) / np.sum((y - x).astype(np.float64) ** 2)))


@pytest.mark.parametrize(
    ("rate", "kbps"),
    [(16000, 32), (44100, 64), (22050, 16), (48000, 32), (12345, 48), (8000, 8)],
    ids=["16k", "44k", "22k-resampled-by-lame", "48k-to-22k", "12345-resampled-here", "8k-8kbps"],
)
def test_output_is_aligned_and_keeps_length(rate: int, kbps: int) -> None:
    x = speech(rate)
    y = mp3_compression(x, rate, kbps)
    assert y.shape == x.shape and y.dtype == np.float32 and y.flags.c_contiguous
    assert lag(y, x) == 0
    assert snr_db(y, x) > 5  # a degraded copy of the same speech, not noise


def test_error_falls_as_the_bitrate_rises_and_stereo_stays_aligned() -> None:
    x = np.stack([speech(), 0.5 * speech()[::-1].copy()])
    snrs = [snr_db(mp3_compression(x, 16000, kbps), x) for kbps in (8, 24, 64)]
    assert snrs[0] < snrs[1] < snrs[2]
    y = mp3_compression(x, 16000, 64)
    assert [lag(y[c], x[c]) for c in range(2)] == [0, 0]


def test_eight_kbps_is_an_8k_stream_without_high_frequencies() -> None:
    x = speech(16000) + 0.05 * np.sin(2 * np.pi * 6000 * np.arange(8000) / 16000).astype(np.float32)
    y = mp3_compression(x, 16000, 8)
    spec = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(y.size, 1 / 16000)
    assert spec[freqs > 4200].sum() < 1e-3 * spec.sum()


def test_loud_clips_are_scaled_back_and_draws_are_standard_bitrates() -> None:
    x = speech() * 3 / np.abs(speech()).max()  # peak 3: the 16-bit encoder input would clip
    y = mp3_compression(x, 16000, 64)
    assert 2.4 < np.abs(y).max() < 3.6 and snr_db(y, x) > 10
    t = ma.audio.Mp3Compression(bitrate_kbps=(20, 100), p=1.0)
    drawn = {t(audio=x[:800], sample_rate=16000, key=k, trace=True)["trace"][0]["params"]["bitrate_kbps"]
             for k in range(30)}  # fmt: skip
    assert drawn <= {b for b in MP3_BITRATES if 20 <= b <= 100} and len(drawn) >= 5


def test_a_range_without_a_standard_bitrate_is_refused() -> None:
    with pytest.raises(ma.InvalidInputError, match="bitrate_kbps"):
        ma.audio.Mp3Compression(bitrate_kbps=(9, 15))


def test_mp3_encodes_clips_below_8_khz_sample_for_sample() -> None:
    # an MP3 starts at 8 kHz: a clip at 1 Hz was resampled to 8,000x its samples first (seconds and
    # gigabytes); below 8 kHz the samples are now encoded as 8 kHz audio, the length kept
    t = ma.audio.Mp3Compression(p=1.0, seed=0)
    x = (0.5 * np.sin(np.arange(16000) / 3)).astype(np.float32)
    low = t(audio=x, sample_rate=1, key=0)["audio"]
    assert low.shape == x.shape and np.array_equal(low, t(audio=x, sample_rate=8000, key=0)["audio"])


@pytest.mark.parametrize("rates", [(8000, 16000), (16000, 48000), (32000, 48000), (96000, 48000), (7, 8)])
def test_the_polyphase_einsum_is_resample_poly(rates: tuple[int, int]) -> None:
    """``_polyphase`` (one einsum per phase) against SciPy's ``resample_poly`` with the same taps:
    the same float64 sums in another order, so within one float32 rounding; every length, 2 channels."""
    from scipy.signal import resample_poly

    from multiaug.audio.functional.codecs import _lowpass, _polyphase

    a, b = rates
    g = math.gcd(a, b)
    up, down = b // g, a // g
    rng = np.random.default_rng(a)
    for n in (1, 2, 7, 1001):
        x = rng.normal(0, 0.3, (2, n)).astype(np.float32)
        ref = resample_poly(x.astype(np.float64), up, down, axis=-1, window=_lowpass(up, down))
        y = _polyphase(x, up, down)
        assert y.shape == ref.shape and y.dtype == np.float32 and y.flags.c_contiguous
        np.testing.assert_allclose(y, ref, rtol=0, atol=1e-6)


def test_the_resampler_keeps_a_tone_and_matches_soxr() -> None:
    """``resample_rational`` (polyphase, the same bytes on every CPU) against the exact tone and soxr."""
    from multiaug.audio.functional.codecs import resample_rational

    for a, b in ((22050, 24000), (11025, 8000), (8000, 16000)):
        t = np.arange(a) / a
        x = (0.5 * np.sin(2 * np.pi * 0.35 * min(a, b) * t))[None].astype(np.float32)  # 0.7 of Nyquist
        y = resample_rational(x, a, b)
        assert y.shape == (1, b) and y.dtype == np.float32
        exact = 0.5 * np.sin(2 * np.pi * 0.35 * min(a, b) * np.arange(b) / b)
        assert np.abs(y[0] - exact)[500:-500].max() < 1e-4  # passband: -80 dB
        ref = soxr.resample(x[0], a, b, quality="HQ")
        assert np.abs(y[0] - ref)[500:-500].max() < 1e-3
    # a tone at or above the lower rate's Nyquist is removed (-90 dB), not folded back
    for f in (5513, 7000):
        x = np.sin(2 * np.pi * f * np.arange(16000) / 16000)[None].astype(np.float32)
        assert np.sqrt(np.mean(resample_rational(x, 16000, 11025)[0, 500:-500] ** 2)) < 3e-5


def test_resampling_to_the_same_rate_returns_the_clip() -> None:
    from multiaug.audio.functional.codecs import resample_rational

    x = np.random.default_rng(0).uniform(-1, 1, (2, 1001)).astype(np.float32)
    y = resample_rational(x, 16000, 16000)
    assert y is not x and y.flags.c_contiguous and np.array_equal(y, x)
