"""RBJ biquads (issue 20): PeakingFilter, LowShelfFilter, HighShelfFilter.

References: ``scipy.signal.sosfreqz`` of the sections at the drawn parameters (the cookbook's
defining points: ``gain_db`` at the peak's centre, ``gain_db / 2`` at a shelf's corner, the full
gain at DC or Nyquist, 0 dB far away) and the measured level of steady sines filtered by the
transform (middle half of a 0.5 s clip), which must equal that response.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import sosfilt, sosfilt_zi, sosfreqz

import multiaug as ma
from multiaug.audio.functional import filters as F

SR = 16000
KINDS = {"PeakingFilter": "peaking", "LowShelfFilter": "lowshelf", "HighShelfFilter": "highshelf"}


def response_db(sos: np.ndarray, freqs: list[float], sr: int = SR) -> np.ndarray:
    return 20 * np.log10(np.abs(sosfreqz(sos, freqs, fs=sr)[1]))


def measured_db(t: ma.Transform, freq: float, key: int) -> float:
    x = np.sin(2 * np.pi * freq * np.arange(SR // 2) / SR).astype(np.float32)
    y = t(audio=x, sample_rate=SR, key=key)["audio"]
    mid = slice(SR // 8, 3 * SR // 8)
    return float(
        10 * np.log10(np.mean(y[mid].astype(np.float64) ** 2) / np.mean(x[mid].astype(np.float64) ** 2))
    )


@pytest.mark.parametrize("name", list(KINDS))
def test_response_at_the_drawn_parameters(name: str) -> None:
    t = getattr(ma.audio, name)(p=1.0, seed=0)  # seeded: the same draws on every run
    for key in range(5):
        params = t(audio=np.zeros(64, np.float32), sample_rate=SR, key=key, trace=True)["trace"][0]["params"]
        fc, g, q = params["center_hz"], params["gain_db"], params["q"]
        sos = F.rbj_sos(KINDS[name], fc, g, q, SR)
        at_centre, dc, nyquist = response_db(sos, [fc, 1e-3, SR / 2 - 1e-3])
        if name == "PeakingFilter":
            assert at_centre == pytest.approx(g, abs=1e-6)
            assert abs(dc) < 1e-6 and abs(nyquist) < 1e-6
        else:
            assert at_centre == pytest.approx(g / 2, abs=1e-6)
            full, none = (dc, nyquist) if name == "LowShelfFilter" else (nyquist, dc)
            assert full == pytest.approx(g, abs=1e-6) and abs(none) < 1e-6
        # the transform filters with exactly that response (steady sine at the centre)
        assert measured_db(t, fc, key) == pytest.approx(at_centre, abs=0.05)


def test_peaking_bandwidth_follows_q() -> None:
    # the cookbook's bandwidth: the half-gain (in dB) points lie at fc * 2**(+-bw/2), bw from Q
    fc, g = 1000.0, 12.0
    widths = []
    for q in (0.7, 2.0, 6.0):
        freqs = np.linspace(10, 7990, 8000)
        db = response_db(F.rbj_sos("peaking", fc, g, q, SR), list(freqs))
        above = freqs[db >= g / 2]
        widths.append(above.max() - above.min())
    assert widths[0] > widths[1] > widths[2]
    assert widths[1] == pytest.approx(fc / 2.0, rel=0.1)  # about fc / Q


def test_output_equals_sosfilt_from_the_steady_state_stereo() -> None:
    x = np.random.default_rng(0).normal(0, 0.2, (2, 3000)).astype(np.float32) + 0.3
    y = F.low_shelf_filter(x, SR, 300.0, 9.0, 0.7)
    sos = F.rbj_sos("lowshelf", 300.0, 9.0, 0.7, SR)
    zi = sosfilt_zi(sos)[:, None, :] * x[:, 0][None, :, None].astype(np.float64)
    ref, _ = sosfilt(sos, x.astype(np.float64), axis=-1, zi=zi)
    # the kernel filters in float32: within 5e-5 (-86 dB of full scale) of float64 sosfilt
    np.testing.assert_allclose(y, ref.astype(np.float32), rtol=0, atol=5e-5)
    assert y.dtype == np.float32 and y.shape == x.shape


def test_centre_at_or_above_nyquist() -> None:
    x = np.random.default_rng(1).normal(0, 0.2, 500).astype(np.float32)
    np.testing.assert_array_equal(F.peaking_filter(x, 8000, 4000.0, 12.0, 1.0), x)
    np.testing.assert_array_equal(F.high_shelf_filter(x, 8000, 5000.0, 12.0, 0.7), x)
    np.testing.assert_allclose(F.low_shelf_filter(x, 8000, 4000.0, 6.0, 0.7), x * 10 ** (6 / 20), rtol=1e-6)
