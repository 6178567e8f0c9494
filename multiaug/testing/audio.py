"""Shared-suite examples of the audio transforms and their sample strategies.

Waveforms in the strategies are drawn from a seed (speech-like harmonic
tones, noise, silence, clipped squares) rather than value by value, so that
hypothesis explores lengths, channel counts and sample rates quickly and the
pitch/tempo kernels see realistic signals.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .checks import Example, with_defaults

__all__ = [
    "BAD_AUDIO_SAMPLES",
    "BAD_MIXED_SAMPLES",
    "BAD_SPECTROGRAM_SAMPLES",
    "audio_example",
    "audio_samples",
    "background_noise_file",
    "impulse_response_file",
    "masking_samples",
    "reference_audio_sample",
    "reference_spectrogram_sample",
    "spectrogram_samples",
    "waveform",
]

Sample = dict[str, Any]

#: Sample rates the strategies draw from (plus arbitrary ones in [8, 96000]).
RATES = (8000, 16000, 22050, 44100, 48000)


def waveform(seed: int, shape: tuple[int, ...], sample_rate: int, kind: str = "tone") -> np.ndarray:
    """A deterministic float32 test signal of ``shape``: ``tone``, ``noise``, ``silence`` or ``square``.

    ``tone`` is a harmonic voice-like tone (f0 90-250 Hz gliding, decaying
    harmonics) with a little noise; channels differ in phase and level.
    """
    rng = np.random.default_rng(seed)
    n = shape[-1]
    channels = 1 if len(shape) == 1 else shape[0]
    if kind == "silence":
        return np.zeros(shape, np.float32)
    if kind == "noise":
        return (rng.uniform(-0.5, 0.5, (channels, n))).astype(np.float32).reshape(shape)
    t = np.arange(n) / sample_rate
    f0 = rng.uniform(90, 250) * (1 + 0.1 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    out = np.zeros((channels, n))
    for c in range(channels):
        shift = rng.uniform(0, 2 * np.pi)
        for h in range(1, 8):
            if h * f0.max() < sample_rate / 2:
                out[c] += np.sin(h * phase + shift * h) / h
        out[c] *= rng.uniform(0.2, 0.6) / max(1.0, np.abs(out[c]).max())
        out[c] += rng.normal(0, 0.01, n)
    if kind == "square":
        out = np.clip(out * 50, -1, 1)
    return out.astype(np.float32).reshape(shape)


@st.composite
def audio_samples(draw: st.DrawFn, max_samples: int = 3000, spectrogram: bool = False) -> Sample:
    """Valid audio samples: mono or 1-4 channels, 1..max_samples samples, any rate, optional label."""
    rate = draw(st.sampled_from(RATES) | st.integers(8, 96000))
    n = draw(st.integers(1, max_samples) | st.sampled_from([1, 2, 3, 31, 32, 33, 1024]))
    channels = draw(st.sampled_from([None, 1, 2, 3, 4]).filter(lambda c: c is None or c <= n))
    shape = (n,) if channels is None else (channels, n)
    kind = draw(st.sampled_from(["tone", "tone", "noise", "silence", "square"]))
    sample: Sample = {
        "audio": waveform(draw(st.integers(0, 2**32 - 1)), shape, rate, kind),
        "sample_rate": rate,
    }
    if spectrogram:
        sample["spectrogram"] = draw(spectrogram_samples())["spectrogram"]
    if draw(st.booleans()):
        sample["label"] = draw(st.integers(0, 3))
    return sample


@st.composite
def spectrogram_samples(draw: st.DrawFn) -> Sample:
    """Valid spectrogram samples: float32 ``(F, T)`` or ``(C, F, T)``, dB-like values."""
    f = draw(st.integers(1, 40))
    t = draw(st.integers(1, 60))
    channels = draw(st.sampled_from([None, 1, 2]))
    shape = (f, t) if channels is None else (channels, f, t)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sample: Sample = {"spectrogram": rng.uniform(-100, 20, shape).astype(np.float32)}
    if draw(st.booleans()):
        sample["label"] = "yes"
    return sample


@st.composite
def masking_samples(draw: st.DrawFn) -> Sample:
    """Samples for TimeMask: audio only, spectrogram only, or both."""
    which = draw(st.sampled_from(["audio", "spectrogram", "both"]))
    if which == "spectrogram":
        return draw(spectrogram_samples())
    return draw(audio_samples(spectrogram=which == "both"))


def reference_audio_sample() -> Sample:
    """A fixed 0.25 s stereo voice-like clip at 16 kHz with a label."""
    return {"audio": waveform(1234, (2, 4000), 16000), "sample_rate": 16000, "label": "speech"}


def reference_spectrogram_sample() -> Sample:
    """A fixed log-mel-like ``(32, 48)`` spectrogram with a label."""
    rng = np.random.default_rng(99)
    spec = (rng.uniform(-80, 0, (32, 48)) + np.linspace(10, -10, 32)[:, None]).astype(np.float32)
    return {"spectrogram": spec, "label": 3}


_CLIP = np.zeros(64, np.float32)

BAD_AUDIO_SAMPLES: tuple[Sample, ...] = (
    {"audio": np.full(64, np.nan, np.float32), "sample_rate": 16000},
    {"audio": np.array([0.0, np.inf, 0.0], np.float32), "sample_rate": 16000},
    {"audio": np.zeros(64, np.int16), "sample_rate": 16000},
    {"audio": np.zeros(64, np.float64), "sample_rate": 16000},
    {"audio": np.zeros((2, 2, 64), np.float32), "sample_rate": 16000},
    {"audio": np.zeros(0, np.float32), "sample_rate": 16000},
    {"audio": np.zeros((2, 0), np.float32), "sample_rate": 16000},
    {"audio": np.zeros((64, 2), np.float32), "sample_rate": 16000},
    {"audio": [0.0, 0.1], "sample_rate": 16000},
    {"audio": _CLIP},
    {"audio": _CLIP, "sample_rate": 0},
    {"audio": _CLIP, "sample_rate": -16000},
    {"audio": _CLIP, "sample_rate": 16000.0},
    {"audio": _CLIP, "sample_rate": "16k"},
    {"sample_rate": 16000},
)

BAD_SPECTROGRAM_SAMPLES: tuple[Sample, ...] = (
    {"spectrogram": np.full((4, 4), np.nan, np.float32)},
    {"spectrogram": np.full((4, 4), -np.inf, np.float32)},
    {"spectrogram": np.zeros((4, 4), np.float64)},
    {"spectrogram": np.zeros(4, np.float32)},
    {"spectrogram": np.zeros((1, 2, 4, 4), np.float32)},
    {"spectrogram": np.zeros((0, 4), np.float32)},
    {"spectrogram": [[0.0]]},
    {"label": 1},
)

#: Bad samples for transforms that read both ``audio`` and ``spectrogram`` (TimeMask).
BAD_MIXED_SAMPLES: tuple[Sample, ...] = (
    {"spectrogram": np.zeros((4, 4), np.float32), "audio": np.zeros(8, np.int16), "sample_rate": 8000},
    {"spectrogram": np.zeros((4, 4), np.float32), "sample_rate": 0},
    {"spectrogram": np.zeros((4, 4), np.float32), "audio": np.zeros(8, np.float32)},
    {"audio": _CLIP, "sample_rate": 16000, "spectrogram": np.full((4, 4), -np.inf, np.float32)},
)


@functools.cache
def background_noise_file() -> str:
    """Path of a 0.5 s pink-ish noise WAV at 16 kHz in a temporary folder (removed at exit)."""
    import soundfile as sf

    folder = Path(tempfile.mkdtemp(prefix="multiaug-noise-"))
    atexit.register(shutil.rmtree, folder, True)
    rng = np.random.default_rng(5)
    noise = np.cumsum(rng.normal(0, 0.02, 8000))
    noise = (noise - noise.mean()) / (np.abs(noise - noise.mean()).max() * 2)
    path = folder / "noise.wav"
    sf.write(path, noise.astype(np.float32), 16000, subtype="FLOAT")
    return str(path)


@functools.cache
def impulse_response_file() -> str:
    """Path of a 0.1 s room-like impulse response WAV at 16 kHz (5 ms pre-delay, exponential tail)."""
    import soundfile as sf

    folder = Path(tempfile.mkdtemp(prefix="multiaug-ir-"))
    atexit.register(shutil.rmtree, folder, True)
    rng = np.random.default_rng(6)
    ir = rng.normal(0, 0.3, 1600) * np.exp(-np.arange(1600) / 300)
    ir[:80] = 0.0
    ir[80] = 1.0  # the direct sound
    path = folder / "ir.wav"
    sf.write(path, ir.astype(np.float32), 16000, subtype="FLOAT")
    return str(path)


def audio_example(factory: Any, **kw: Any) -> Example:
    """An :class:`Example` on waveform samples (hypothesis strategy, reference clip, bad clips)."""
    kw.setdefault("bad_samples", BAD_AUDIO_SAMPLES)
    kw.setdefault("samples", audio_samples)
    kw.setdefault("reference", reference_audio_sample)
    return Example(make=factory, **kw)


def examples() -> dict[str, Example]:
    from .. import audio as A

    def background(**kw: Any) -> Any:
        return A.AddBackgroundNoise(**{"sounds": [background_noise_file()], **kw})

    return {
        "audio.PitchShift": audio_example(with_defaults(A.PitchShift, p=1.0), max_examples=20),
        "audio.TimeStretch": audio_example(with_defaults(A.TimeStretch, p=1.0), max_examples=20),
        "audio.SpeedChange": audio_example(with_defaults(A.SpeedChange, p=1.0)),
        "audio.AddNoise": audio_example(with_defaults(A.AddNoise, p=1.0)),
        "audio.AddBackgroundNoise": audio_example(background),
        "audio.AddShortNoises": audio_example(
            lambda **kw: A.AddShortNoises(
                **{"sounds": [background_noise_file()], "gap": (0.0, 0.05), "p": 1.0, **kw}
            )
        ),
        "audio.RoomSimulator": audio_example(with_defaults(A.RoomSimulator, p=1.0), max_examples=10),
        "audio.ApplyImpulseResponse": audio_example(
            lambda **kw: A.ApplyImpulseResponse(**{"ir": [impulse_response_file()], **kw})
        ),
        "audio.Gain": audio_example(with_defaults(A.Gain, p=1.0)),
        "audio.PolarityInversion": audio_example(with_defaults(A.PolarityInversion)),
        "audio.TimeShift": audio_example(with_defaults(A.TimeShift, p=1.0)),
        "audio.Clipping": audio_example(with_defaults(A.Clipping, p=1.0)),
        "audio.BitCrush": audio_example(with_defaults(A.BitCrush, p=1.0)),
        "audio.Normalize": audio_example(with_defaults(A.Normalize)),
        "audio.Limiter": audio_example(with_defaults(A.Limiter, p=1.0)),
        "audio.LoudnessNormalization": audio_example(with_defaults(A.LoudnessNormalization, p=1.0)),
        "audio.Reverse": audio_example(with_defaults(A.Reverse)),
        "audio.Mp3Compression": audio_example(
            with_defaults(A.Mp3Compression, p=1.0),
            max_examples=6,  # a LAME round trip per example
            bad_params=({"bitrate_kbps": (9, 15)},),  # no MP3 bitrate in the range
        ),
        "audio.Padding": audio_example(with_defaults(A.Padding, p=1.0, mode="reflect")),
        **{
            f"audio.{name}": audio_example(
                with_defaults(getattr(A, name), p=1.0),
                # rolloff ends must be multiples of 6 (12 with zero_phase)
                bad_params=({"rolloff": (12, 15)}, {"rolloff": (6, 24), "zero_phase": True}),
            )
            for name in ("LowPassFilter", "HighPassFilter", "BandPassFilter", "BandStopFilter")
        },
        **{
            f"audio.{name}": audio_example(with_defaults(getattr(A, name), p=1.0))
            for name in ("PeakingFilter", "LowShelfFilter", "HighShelfFilter")
        },
        "audio.TimeMask": Example(
            make=with_defaults(A.TimeMask, p=1.0, masks=(1, 3)),
            samples=masking_samples,
            reference=reference_audio_sample,
            bad_samples=(*BAD_AUDIO_SAMPLES, *BAD_SPECTROGRAM_SAMPLES, *BAD_MIXED_SAMPLES),
        ),
        "audio.FrequencyMask": Example(
            make=with_defaults(A.FrequencyMask, p=1.0, masks=(1, 2)),
            samples=spectrogram_samples,
            reference=reference_spectrogram_sample,
            bad_samples=BAD_SPECTROGRAM_SAMPLES,
        ),
        "audio.MelSpectrogram": audio_example(
            with_defaults(A.MelSpectrogram, n_mels=16, n_fft=256, hop_length=64),
            random=False,
            bad_params=({"fmin": 900.0, "fmax": 800.0}, {"fmax": 1e6}),  # fmin < fmax; fmax <= Nyquist
        ),
    }
