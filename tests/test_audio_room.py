"""ApplyImpulseResponse and AddShortNoises (issue 20) against independent references.

References: ``scipy.signal.fftconvolve`` (the convolution), soxr (the response resampled to the
clip's rate), the sounds placed by hand at the traced times (AddShortNoises), and the SNR of each
placed sound measured on the difference between output and input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
from scipy.signal import fftconvolve

import multiaug as ma
from multiaug.audio.functional import room

SR = 16000
DATA = Path(__file__).parent / "data"


def speech() -> np.ndarray:
    return ma.audio.load(DATA / "speech_de_m.wav")[0][: SR // 2]


def room_ir(rate: int, predelay: int = 40, tail: float = 0.2) -> np.ndarray:
    rng = np.random.default_rng(3)
    ir = rng.normal(0, tail, rate // 10) * np.exp(-np.arange(rate // 10) / (rate / 50))
    ir[:predelay] = 0.0
    ir[predelay] = 1.0
    return ir.astype(np.float32)


def params_of(t: ma.Transform, x: np.ndarray, key: int = 0) -> tuple[np.ndarray, dict]:
    out = t(audio=x, sample_rate=SR, key=key, trace=True)
    return out["audio"], out["trace"][0]["params"]


# ---------------------------------------------------------------------- ApplyImpulseResponse
def test_convolution_equals_fftconvolve_with_the_resampled_file(tmp_path: Path) -> None:
    ir8k = room_ir(8000)
    path = tmp_path / "ir.wav"
    sf.write(path, ir8k, 8000, subtype="FLOAT")
    x = np.stack([speech(), speech()[::-1].copy()])
    t = ma.audio.ApplyImpulseResponse(str(path), align="start", normalize=False, p=1.0)
    y = t(audio=x, sample_rate=SR)["audio"]
    ir = soxr.resample(ir8k, 8000, SR, quality="HQ")
    ref = np.stack([fftconvolve(c.astype(np.float64), ir)[: x.shape[-1]] for c in x])
    np.testing.assert_allclose(y, ref, atol=2e-5 * np.abs(ref).max())
    full = ma.audio.ApplyImpulseResponse(str(path), align="start", keep_length=False, normalize=False, p=1.0)
    assert full(audio=x, sample_rate=SR)["audio"].shape == (2, x.shape[-1] + ir.size - 1)


def test_peak_alignment_keeps_the_direct_sound_in_place_and_normalize_keeps_rms() -> None:
    x = speech()
    ir = room_ir(SR, predelay=160, tail=0.02)  # 10 ms before the direct sound
    for align, lag in (("peak", 0), ("start", 160)):
        y = ma.audio.ApplyImpulseResponse([ir], align=align, p=1.0)(audio=x, sample_rate=SR)["audio"]
        corr = np.correlate(np.pad(y, 400), x, "valid")
        assert int(np.argmax(corr)) - 400 == lag
        assert np.sqrt(np.mean(y.astype(np.float64) ** 2)) == pytest.approx(np.sqrt(np.mean(x**2)), rel=1e-4)
    y = ma.audio.ApplyImpulseResponse([ir], normalize=False, p=1.0)(audio=x, sample_rate=SR)["audio"]
    np.testing.assert_allclose(y, fftconvolve(x.astype(np.float64), ir[160:])[: x.size], atol=1e-5)


def test_a_response_is_picked_per_call_and_replayed(tmp_path: Path) -> None:
    irs = [tmp_path / "a.wav", tmp_path / "b.wav"]
    sf.write(irs[0], room_ir(SR), SR, subtype="FLOAT")
    sf.write(irs[1], np.array([1.0, 0.0, 0.5], np.float32), SR, subtype="FLOAT")
    t = ma.audio.ApplyImpulseResponse(tmp_path, normalize=False, p=1.0, seed=0)  # a folder
    picked = {params_of(t, speech(), k)[1]["index"] for k in range(20)}
    assert picked == {0, 1}
    with pytest.raises(ma.InvalidInputError, match=r"params\.index"):
        trace = t(audio=speech(), sample_rate=SR, key=0, trace=True)["trace"]
        trace[0]["params"]["index"] = 5
        t.replay(trace, audio=speech(), sample_rate=SR)


# ---------------------------------------------------------------------- AddShortNoises
def test_short_noises_are_the_sounds_at_the_traced_times_and_snrs() -> None:
    sounds = [np.hanning(400).astype(np.float32), np.sin(np.arange(800) / 3).astype(np.float32)]
    x = np.stack([speech(), 0.5 * speech()])
    t = ma.audio.AddShortNoises(sounds, snr_db=(0, 12), gap=(0.05, 0.1), fade_in=0, fade_out=0, p=1.0, seed=0)
    out = t(audio=x, sample_rate=SR, key=1)
    params = t.keyed_params({"audio": x, "sample_rate": SR}, 1)
    events = params["events"]
    assert len(events) >= 3
    clip_power = np.mean(x.astype(np.float64) ** 2)
    expected = np.zeros(x.shape[-1])
    end = None
    for index, start, snr, _, _ in events:
        sound = sounds[index].astype(np.float64)
        assert 0 <= snr - 0 <= 12
        if end is None:
            assert 0 <= start <= 0.1 * SR
        else:
            assert 0.05 * SR - 1 <= start - end <= 0.1 * SR + 1  # the drawn silence between sounds
        end = start + sound.size
        scaled = sound * np.sqrt(clip_power / (np.mean(sound**2) * 10 ** (snr / 10)))
        stop = min(end, x.shape[-1])
        expected[start:stop] += scaled[: stop - start]
    np.testing.assert_allclose(out["audio"] - x, np.broadcast_to(expected, x.shape), atol=1e-5)


def test_short_noises_fade_and_leave_silence_silent() -> None:
    t = ma.audio.AddShortNoises(
        [np.ones(800, np.float32)], gap=(0.01, 0.02), fade_in=0.01, fade_out=0.01, p=1.0, seed=0
    )
    x = speech()
    added = t(audio=x, sample_rate=SR, key=0)["audio"] - x
    start = t.keyed_params({"audio": x, "sample_rate": SR}, 0)["events"][0][1]
    ramp = added[start : start + 160]
    assert (np.diff(ramp) > 0).all()  # a linear fade-in over 10 ms
    silent = np.zeros(4000, np.float32)
    np.testing.assert_array_equal(t(audio=silent, sample_rate=SR)["audio"], silent)


# ---------------------------------------------------------------------- RoomSimulator
def schroeder_t20(h: np.ndarray, rate: int) -> float:
    """RT60 from the Schroeder decay curve's slope between -5 and -25 dB (T20)."""
    energy = np.cumsum((h**2)[::-1])[::-1]
    db = 10 * np.log10(energy / energy[0] + 1e-30)
    lo, hi = int(np.argmax(db <= -5)), int(np.argmax(db <= -25))
    slope = np.polyfit(np.arange(lo, hi) / rate, db[lo:hi], 1)[0]
    return float(-60 / slope)


@pytest.mark.parametrize(
    ("size", "absorption"), [((4.6, 3.7, 2.7), 0.075), ((6.0, 4.0, 3.0), 0.2), ((3.6, 3.6, 2.4), 0.4)]
)
def test_room_rt60_lies_between_eyrings_and_sabines(size: tuple, absorption: float) -> None:
    # T20 by Schroeder integration: within [0.9 Eyring, 1.05 Sabine]. Reverberant rooms follow
    # Eyring (the modelled tail dominates the fit); in absorbing ones the 50 ms of image sources
    # decay more slowly than Eyring says (3.6 x 3.6 x 2.4 m at 0.4: T20 0.19 s, Eyring 0.16, Sabine 0.21)
    h = room.shoebox_rir(size, (1.0, 1.0, 1.5), (3.0, 2.5, 1.2), absorption, SR, noise_seed=1)
    measured = schroeder_t20(h[int(np.argmax(np.abs(h))) :], SR)
    eyring, sabine = room.eyring_rt60(size, absorption), room.sabine_rt60(size, absorption)
    assert 0.9 * eyring <= measured <= 1.05 * sabine
    if absorption < 0.3:
        assert measured == pytest.approx(eyring, rel=0.05)


def test_room_direct_sound_and_floor_reflection_are_the_image_sources() -> None:
    size, source, mic, absorption = (5.0, 4.0, 3.0), (1.0, 1.0, 1.5), (4.0, 3.0, 1.0), 0.3
    h = room.shoebox_rir(size, source, mic, absorption, SR, noise_seed=0)
    c = room.SPEED_OF_SOUND
    for image, gain in (((1.0, 1.0, 1.5), 1.0), ((1.0, 1.0, -1.5), np.sqrt(1 - absorption))):
        d = float(np.linalg.norm(np.subtract(image, mic)))
        at = d / c * SR
        k = int(np.floor(at))
        # the arrival split between its two samples (no other image arrives within them here)
        assert h[k] + h[k + 1] == pytest.approx(gain / (4 * np.pi * d), rel=1e-9)
        assert h[k + 1] / (h[k] + h[k + 1]) == pytest.approx(at - k, abs=1e-9)
    assert not h[
        : int(np.linalg.norm(np.subtract(source, mic)) / c * SR)
    ].any()  # nothing before the direct sound


def test_room_simulator_keeps_length_rms_and_timing() -> None:
    x = speech()
    t = ma.audio.RoomSimulator(absorption=0.4, p=1.0, seed=0)
    y, params = params_of(t, x, key=3)
    size = [params["size_x"], params["size_y"], params["size_z"]]
    assert all(
        0.1 <= v <= s - 0.1 for name in ("source", "mic") for v, s in zip(params[name], size, strict=True)
    )
    assert y.shape == x.shape
    assert np.sqrt(np.mean(y.astype(np.float64) ** 2)) == pytest.approx(np.sqrt(np.mean(x**2)), rel=1e-4)
    click = np.zeros(4000, np.float32)
    click[1000] = 1.0
    for key in range(12):  # rooms whose direct path ends anywhere between two samples
        wet = t(audio=click, sample_rate=SR, key=key)["audio"]
        top = np.abs(wet).max()
        # the direct sound stays where the dry sound was: nothing before it (FFT rounding aside),
        # and it lands on that sample or the next (a path ending between two samples is split
        # between them, never moved earlier)
        assert np.abs(wet[:1000]).max() < 1e-6 * top
        assert max(abs(wet[1000]), abs(wet[1001])) > 0.1 * top


def test_the_spectra_are_multiplied_in_ieee_float32_steps() -> None:
    """The same bytes on every CPU: each element as scalar float32 arithmetic computes it (no SIMD,
    no fused multiply-add), and within float32 rounding of the complex product."""
    rng = np.random.default_rng(5)
    a = (rng.standard_normal((2, 150)) + 1j * rng.standard_normal((2, 150))).astype(np.complex64)
    b = (rng.standard_normal(150) + 1j * rng.standard_normal(150)).astype(np.complex64)
    out = room.spectrum_product(a, b)
    assert out.dtype == np.complex64 and out.shape == a.shape
    for (i, j), z in np.ndenumerate(out):
        ar, ai, br, bi = a[i, j].real, a[i, j].imag, b[j].real, b[j].imag  # np.float32 scalars
        assert z.real == ar * br - ai * bi and z.imag == ar * bi + ai * br
    np.testing.assert_allclose(out, a.astype(np.complex128) * b, rtol=1e-6, atol=1e-6)
