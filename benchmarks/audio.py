"""Audio ops: multiaug vs audiomentations on 3 s of 16 kHz speech, one thread, one process.

Run with ``cd benchmarks && ../.venv/bin/python audio.py [--quick]`` (needs
``audiomentations`` and ``python-stretch``, bench-only; librosa is multiaug's
``audio`` extra).

Input: the committed espeak-ng clips in ``tests/data`` (16 kHz mono). Speed is
measured on 3.0 s of speech (``speech_fr_f`` followed by ``speech_en_m_low``,
cut to 48000 samples); every call draws new parameters from the same ranges
on both sides (PitchShift ``semitones`` in [-4, 4], TimeStretch ``rate`` in
[0.8, 1.25], output length not fixed). multiaug is called keyed (``key`` =
iteration), as in a dataset; audiomentations draws from its global RNG
(seeded once). Thread pools are limited to one thread before NumPy loads.
The contenders are timed in interleaved rounds and each keeps its best round
(see :func:`speed`), because a shared machine's load drifts within seconds.

Quality, beside the speed: on the four clips, shifts of -4 and +3 semitones
and rates 0.8 and 1.25:

* f0 error: ``librosa.pyin`` f0 (10 ms hop), median over frames voiced in
  both of ``f0_out / f0_in`` (frames aligned through the time map), against the
  intended ratio (``2 ** (s / 12)`` for PitchShift, 1 for TimeStretch);
* duration error: active-speech span (first to last 5 ms frame within 30 dB
  of the loudest) against the intended one (unchanged / divided by ``rate``);
* round trip (PitchShift only): log-spectral distance in dB between a clip and
  the clip shifted by ``+s`` then ``-s`` (bins within 50 dB of the peak); lower
  is closer to the original. Phase-vocoder smearing ("phasiness") shows here.

Filters (``--filters`` runs only these rows): LowPassFilter, HighPassFilter,
BandPassFilter, BandStopFilter (and LowPassFilter with ``zero_phase``) against
audiomentations' filters at its default ranges, on the same clip, interleaved.

Issue 20's ops (``--ops`` runs only these rows, ``--only Reverse,Limiter`` only the rows whose
names start so): each against audiomentations' equivalent at its default parameters (multiaug's
defaults are the same ranges), on the same 3 s clip, interleaved. audiomentations' Reverse returns
a reversed view, multiaug's outputs are C-contiguous copies: a second row makes the view contiguous.
Limiter, LoudnessNormalization and Mp3Compression's default backend need audiomentations'
extras ``numpy-audio-limiter``, ``loudness`` and ``fast-mp3-augment``; a row whose package is
missing is printed as skipped (they are not in the project's venvs: run it from a bench venv
that has them, e.g. one whose ``.pth`` adds ``.venv``'s site-packages). ``--floors`` adds the
parts of a keyed call: the core's fixed cost (16-sample clips, nothing / one value drawn), the
input's check, the kernels alone and the reference calls. ``--cpu`` times CPU seconds
of the process instead of wall time (both contenders run in it, so waiting for a core on a loaded
machine does not count).

``--vocoder`` runs only the PitchShift/TimeStretch table (speed and quality).

Cold start: each multiaug transform's first call on the same 3 s clip in a
fresh interpreter (target: under 1 s; the lazy ``ma.audio`` import counts as
part of it, and the total with ``import numpy, multiaug`` is shown too); then
audiomentations' PitchShift (both methods) the same way, for reference.
"""

from __future__ import annotations

import os

# one thread everywhere, set before NumPy (and its BLAS) load
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"
os.environ["NUMBA_NUM_THREADS"] = "1"

import argparse
import importlib.util
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _util import machine

import multiaug as ma

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CLIPS = ("speech_en_m_low", "speech_en_f_high", "speech_de_m", "speech_fr_f")
RATE = 16000
SEMITONES = (-4.0, 3.0)
RATES = (0.8, 1.25)
AM_METHODS = {"signalsmith": "signalsmith_stretch", "librosa": "librosa_phase_vocoder"}


def speech_3s() -> np.ndarray:
    a, _ = ma.audio.load(DATA / "speech_fr_f.wav")
    b, _ = ma.audio.load(DATA / "speech_en_m_low.wav")
    return np.concatenate([a, b])[: 3 * RATE]


# ---------------------------------------------------------------------- the contenders
def ours(op: str, method: str, value: float | None = None) -> Any:
    """multiaug transform; a fixed ``value`` or the benchmark's range."""
    if op == "pitch":
        rng = (-4.0, 4.0) if value is None else (value, value)
        return ma.audio.PitchShift(semitones=rng, method=method, p=1.0, seed=0)
    rng = (0.8, 1.25) if value is None else (value, value)
    return ma.audio.TimeStretch(rate=rng, method=method, p=1.0, seed=0)


def theirs(op: str, method: str, value: float | None = None) -> Any:
    """audiomentations transform (``method``: "signalsmith" or "librosa")."""
    import audiomentations as A

    if op == "pitch":
        lo, hi = (-4.0, 4.0) if value is None else (value, value)
        return A.PitchShift(min_semitones=lo, max_semitones=hi, method=AM_METHODS[method], p=1.0)
    lo, hi = (0.8, 1.25) if value is None else (value, value)
    return A.TimeStretch(
        min_rate=lo, max_rate=hi, leave_length_unchanged=False, method=AM_METHODS[method], p=1.0
    )


def run(side: str, t: Any, audio: np.ndarray) -> np.ndarray:
    if side == "ours":
        out: np.ndarray = t(audio=audio, sample_rate=RATE, key=0)["audio"]
        return out
    return np.asarray(t(audio, RATE), dtype=np.float32)


CONTENDERS: tuple[tuple[str, str, str], ...] = (
    ("multiaug quality", "ours", "quality"),
    ("multiaug fast", "ours", "fast"),
    ("audiomentations signalsmith (default)", "theirs", "signalsmith"),
    ("audiomentations librosa", "theirs", "librosa"),
)


# ---------------------------------------------------------------------- speed
def keyed(t: Any, audio: np.ndarray) -> Callable[[], object]:
    """multiaug, as in a dataset's ``__getitem__``: key = item index."""
    counter = itertools.count()
    return lambda: t(audio=audio, sample_rate=RATE, key=next(counter))


def plain(t: Any, audio: np.ndarray) -> Callable[[], object]:
    return lambda: t(audio, RATE)


def speed(quick: bool) -> list[tuple[str, str, float]]:
    """Calls per second of each contender: best of interleaved rounds.

    On a shared machine the load changes within seconds; every round times
    every contender back to back (about ``budget`` seconds each, after one
    warm-up call), and each keeps its fastest round, so ratios compare like
    with like.
    """
    audio = speech_3s()
    rounds, budget = (3, 0.3) if quick else (9, 0.6)
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002  (audiomentations draws from NumPy's global RNG)
    calls = {
        (op, label): keyed(ours(op, method), audio) if side == "ours" else plain(theirs(op, method), audio)
        for op in ("pitch", "stretch")
        for label, side, method in CONTENDERS
    }
    best = interleaved(calls, rounds, budget)
    return [(op, label, 1.0 / best[(op, label)]) for op, label in calls]


#: The clock of :func:`interleaved`: wall time, or the process's CPU time with ``--cpu``.
CLOCK: Callable[[], float] = time.perf_counter


def interleaved(calls: dict[Any, Callable[[], object]], rounds: int, budget: float) -> dict[Any, float]:
    """Best seconds per call of each contender over ``rounds`` interleaved rounds of ``budget`` s."""
    clock = CLOCK
    best = dict.fromkeys(calls, float("inf"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in calls.values():
            call()
        for _ in range(rounds):
            for name, call in calls.items():
                n, t0 = 0, clock()
                while (elapsed := clock() - t0) < budget:
                    call()
                    n += 1
                best[name] = min(best[name], elapsed / n)
    return best


# ---------------------------------------------------------------------- filters
#: (row, class, multiaug kwargs, audiomentations kwargs): audiomentations' defaults on both sides
#: (cutoffs drawn uniformly on the mel scale by both, rolloff 12-24 dB/octave, causal unless noted)
_BAND = (
    {"center_hz": (200, 4000), "bandwidth_fraction": (0.5, 1.99)},
    {"min_center_freq": 200, "max_center_freq": 4000},
)
FILTERS: tuple[tuple[str, str, dict[str, Any], dict[str, Any]], ...] = (
    (
        "LowPassFilter",
        "LowPassFilter",
        {"cutoff_hz": (150, 7500)},
        {"min_cutoff_freq": 150, "max_cutoff_freq": 7500},
    ),
    ("LowPassFilter zero_phase", "LowPassFilter", {"zero_phase": True}, {"zero_phase": True}),
    (
        "HighPassFilter",
        "HighPassFilter",
        {"cutoff_hz": (20, 2400)},
        {"min_cutoff_freq": 20, "max_cutoff_freq": 2400},
    ),
    ("BandPassFilter", "BandPassFilter", *_BAND),
    ("BandStopFilter", "BandStopFilter", *_BAND),
)


def filter_speed(quick: bool) -> list[tuple[str, float, float]]:
    """Calls per second of multiaug's and audiomentations' filters on the 3 s clip: (row, ours, theirs)."""
    import audiomentations as A

    audio = speech_3s()
    rounds, budget = (3, 0.3) if quick else (9, 0.6)
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002  (audiomentations draws from NumPy's global RNG)
    calls: dict[Any, Callable[[], object]] = {}
    for row, cls, mine, am in FILTERS:
        ours_t = getattr(ma.audio, cls)(**mine, rolloff=(12, 24), p=1.0, seed=0)
        calls[(row, "ours")] = keyed(ours_t, audio)
        calls[(row, "theirs")] = plain(getattr(A, cls)(**am, min_rolloff=12, max_rolloff=24, p=1.0), audio)
    best = interleaved(calls, rounds, budget)
    return [(row, 1.0 / best[(row, "ours")], 1.0 / best[(row, "theirs")]) for row, *_ in FILTERS]


# ---------------------------------------------------------------------- issue 20's ops
def _op_files(folder: Path) -> tuple[str, str]:
    """A 0.5 s room-like impulse response and a folder of three 0.25 s speech snippets."""
    import soundfile as sf

    rng = np.random.default_rng(0)
    ir = rng.normal(0, 0.2, RATE // 2) * np.exp(-np.arange(RATE // 2) / (RATE / 10))
    ir[0] = 1.0
    sf.write(folder / "ir.wav", ir.astype(np.float32), RATE)
    (folder / "noises").mkdir()
    snippet, _ = ma.audio.load(DATA / "speech_de_m.wav")
    for i in range(3):
        sf.write(folder / "noises" / f"s{i}.wav", snippet[i * 4000 : (i + 1) * 4000], RATE)
    return str(folder / "ir.wav"), str(folder / "noises")


def contiguous(t: Any) -> Callable[[np.ndarray, int], np.ndarray]:
    """``t``'s output as a user needs it for ``torch.from_numpy`` (which refuses negative strides)."""
    return lambda samples, sample_rate: np.ascontiguousarray(t(samples, sample_rate))


def _ops(ir: str, noises: str) -> list[tuple[str, Any, Any, str | None]]:
    """(row, multiaug transform, audiomentations transform, audiomentations extra it needs)."""
    import audiomentations as A

    M = ma.audio
    lame = A.Mp3Compression(backend="lameenc", preserve_delay=True, p=1.0)
    return [
        ("Clipping / ClippingDistortion", M.Clipping(p=1.0, seed=0), A.ClippingDistortion(p=1.0), None),
        ("BitCrush", M.BitCrush(p=1.0, seed=0), A.BitCrush(p=1.0), None),
        ("Normalize", M.Normalize(p=1.0), A.Normalize(p=1.0), None),
        ("Reverse", M.Reverse(p=1.0), A.Reverse(p=1.0), None),
        ("Reverse (audiomentations' view made contiguous)", M.Reverse(p=1.0), contiguous(A.Reverse(p=1.0)),
         None),
        ("Padding", M.Padding(p=1.0, seed=0), A.Padding(p=1.0), None),
        ("Limiter", M.Limiter(p=1.0, seed=0), A.Limiter(p=1.0), "numpy_audio_limiter"),
        ("LoudnessNormalization", M.LoudnessNormalization(p=1.0, seed=0),
         A.LoudnessNormalization(p=1.0), "loudness"),
        ("Mp3Compression (fast-mp3-augment)", M.Mp3Compression(p=1.0, seed=0),
         A.Mp3Compression(p=1.0), "fast_mp3_augment"),
        ("Mp3Compression (lameenc backend)", M.Mp3Compression(p=1.0, seed=0), lame, "lameenc"),
        ("PeakingFilter", M.PeakingFilter(p=1.0, seed=0), A.PeakingFilter(p=1.0), None),
        ("LowShelfFilter", M.LowShelfFilter(p=1.0, seed=0), A.LowShelfFilter(p=1.0), None),
        ("HighShelfFilter", M.HighShelfFilter(p=1.0, seed=0), A.HighShelfFilter(p=1.0), None),
        ("ApplyImpulseResponse", M.ApplyImpulseResponse(ir, p=1.0, seed=0),
         A.ApplyImpulseResponse(ir, p=1.0), None),
        ("AddShortNoises", M.AddShortNoises(noises, p=1.0, seed=0), A.AddShortNoises(noises, p=1.0), None),
        ("RoomSimulator", M.RoomSimulator(p=1.0, seed=0), A.RoomSimulator(p=1.0), "pyroomacoustics"),
    ]  # fmt: skip


def op_speed(quick: bool, only: tuple[str, ...] = ()) -> list[tuple[str, float | None, float | None, str]]:
    """Calls per second of each issue-20 op and its audiomentations equivalent: (row, ours, theirs, note).

    ``only``: the rows whose name starts with one of these (all rows when empty).
    """

    audio = speech_3s()
    rounds, budget = (3, 0.3) if quick else (7, 0.5)
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002  (audiomentations draws from NumPy's global RNG)
    rows: list[tuple[str, float | None, float | None, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        ops = [op for op in _ops(*_op_files(Path(tmp))) if not only or op[0].startswith(only)]
        calls: dict[Any, Callable[[], object]] = {}
        for row, mine, am, needs in ops:
            if needs is not None and importlib.util.find_spec(needs) is None:
                continue
            calls[(row, "ours")] = keyed(mine, audio)
            calls[(row, "theirs")] = plain(am, audio)
        best = interleaved(calls, rounds, budget)
    for row, _, _, needs in ops:
        if (row, "ours") in calls:
            rows.append((row, 1.0 / best[(row, "ours")], 1.0 / best[(row, "theirs")], ""))
        else:
            rows.append((row, None, None, f"skipped: audiomentations needs {needs}"))
    return rows


def op_floors(quick: bool) -> list[tuple[str, float]]:
    """Microseconds per call of the parts of a keyed call (the floor of the cheapest ops), interleaved.

    A keyed call of a transform that draws nothing (Reverse, p = 0) and of one that draws one
    value (Padding, p = 1) on 16 samples: the core's fixed cost; ``check_waveform`` of the 3 s clip:
    the input check; then the kernels alone, and the reference implementations' calls.
    """
    import audiomentations as A
    from scipy.signal import lfilter

    from multiaug.audio._validate import check_waveform
    from multiaug.audio.functional import codecs as C
    from multiaug.audio.functional import dynamics as D
    from multiaug.audio.functional import waveform as W

    audio = speech_3s()
    tiny = audio[:16].copy()
    half = audio[None, ::2].copy()
    b, a = D._k_weighting_ba(RATE)
    calls: dict[Any, Callable[[], object]] = {
        "keyed call, nothing drawn (Reverse p=0), 16 samples": keyed(ma.audio.Reverse(p=0.0), tiny),
        "keyed call, one value drawn (Padding p=1), 16 samples": keyed(ma.audio.Padding(p=1.0), tiny),
        "check_waveform (input check: finite, magnitude <= 1e12), 3 s": lambda: check_waveform("op", audio),
        "kernel reverse (cv2.flip with OpenCV installed), 3 s": lambda: W.reverse(audio),
        "kernel reverse without OpenCV (NumPy's negative-stride copy), 3 s": lambda: W.reverse_numpy(audio),
        "np.copy (a forward copy), 3 s": lambda: np.copy(audio),
        "kernel padding (silence, 35 %), 3 s": lambda: W.padding(audio, 17000, "silence", "end"),
        "kernel bit_crush (7 bits), 3 s": lambda: D.bit_crush(audio, 7),
        "kernel clipping (20 %), 3 s": lambda: D.clipping(audio, 20.0),
        "np.percentile 10, 90 (ClippingDistortion), 3 s": lambda: np.percentile(audio, [10, 90]),
        "resample_rational 8 -> 16 kHz (Mp3, 8 kbps), 1.5 s": lambda: C.resample_rational(half, 8000, 16000),
        "scipy lfilter, K-weighting, 3 s": lambda: lfilter(b, a, audio),
        "audiomentations Reverse call, 3 s": plain(A.Reverse(p=1.0), audio),
        "audiomentations Padding call, 3 s": plain(A.Padding(p=1.0), audio),
        "audiomentations BitCrush call, 3 s": plain(A.BitCrush(p=1.0), audio),
    }
    try:
        import loudness

        calls["loudness.integrated_loudness (audiomentations' meter), 3 s"] = lambda: (
            loudness.integrated_loudness(audio[:, None], RATE)
        )
    except ImportError:
        pass
    best = interleaved(calls, *((3, 0.2) if quick else (9, 0.3)))
    return [(name, 1e6 * best[name]) for name in calls]


def limiter_peaks(draws: int = 40) -> dict[str, tuple[float, float]]:
    """Output peak over the drawn threshold, (median, max) over ``draws`` default draws on the 3 s clip.

    Both limiters at their default ranges (threshold relative to the clip's peak); a value above 1
    is an overshoot. audiomentations' drawn threshold is its ``parameters["threshold"]`` (linear).
    """
    import audiomentations as A

    audio = speech_3s()
    top = float(np.abs(audio).max())
    ours_t, theirs_t = ma.audio.Limiter(p=1.0, seed=0), A.Limiter(p=1.0)
    ratios: dict[str, list[float]] = {"multiaug": [], "audiomentations": []}
    for key in range(draws):
        out = ours_t(audio=audio, sample_rate=RATE, key=key, trace=True)
        threshold = top * 10 ** (out["trace"][0]["params"]["threshold_db"] / 20)
        ratios["multiaug"].append(float(np.abs(out["audio"]).max()) / threshold)
        y = theirs_t(audio, RATE)
        ratios["audiomentations"].append(float(np.abs(y).max()) / theirs_t.parameters["threshold"])
    return {k: (float(np.median(v)), max(v)) for k, v in ratios.items()}


# ---------------------------------------------------------------------- quality
def f0_track(audio: np.ndarray) -> np.ndarray:
    import librosa

    f0, _, _ = librosa.pyin(audio, fmin=60, fmax=400, sr=RATE, frame_length=1024, hop_length=160)
    return np.asarray(f0)


def f0_ratio(before: np.ndarray, after: np.ndarray, rate: float) -> float:
    j = np.arange(len(after))
    i = np.rint(j * rate).astype(int)
    ok = i < len(before)
    ratios = after[j[ok]] / before[i[ok]]
    return float(np.median(ratios[np.isfinite(ratios)]))


def speech_span(audio: np.ndarray) -> float:
    win, hop = 320, 80
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(audio.astype(np.float64), win // 2), win)[::hop]
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    active = np.flatnonzero(level > level.max() - 30)
    return float((active[-1] - active[0]) * hop / RATE)


def log_spectral_distance(a: np.ndarray, b: np.ndarray) -> float:
    def db(x: np.ndarray) -> np.ndarray:
        frames = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), 512)[::128]
        return 20 * np.log10(np.abs(np.fft.rfft(frames * np.hanning(512), axis=-1)) + 1e-9)

    n = min(len(a), len(b))
    da, dbb = db(a[:n]), db(b[:n])
    floor = da.max() - 50
    active = da > floor
    return float(np.sqrt(np.mean((np.maximum(da, floor) - np.maximum(dbb, floor))[active] ** 2)))


def quality(quick: bool) -> dict[tuple[str, str], dict[str, float]]:
    clips = CLIPS[::3] if quick else CLIPS
    audio = {c: ma.audio.load(DATA / f"{c}.wav")[0] for c in clips}
    base = {c: (f0_track(a), speech_span(a)) for c, a in audio.items()}
    out: dict[tuple[str, str], dict[str, float]] = {}
    for label, side, method in CONTENDERS:
        make = ours if side == "ours" else theirs
        f0_err: dict[str, list[float]] = {"pitch": [], "stretch": []}
        dur_err: dict[str, list[float]] = {"pitch": [], "stretch": []}
        lsd: list[float] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for c, a in audio.items():
                f0, span = base[c]
                for s in SEMITONES:
                    y = run(side, make("pitch", method, s), a)
                    f0_err["pitch"].append(abs(f0_ratio(f0, f0_track(y), 1.0) / 2 ** (s / 12) - 1))
                    dur_err["pitch"].append(abs(speech_span(y) / span - 1))
                    back = run(side, make("pitch", method, -s), y)
                    lsd.append(log_spectral_distance(a, back))
                for r in RATES:
                    y = run(side, make("stretch", method, r), a)
                    f0_err["stretch"].append(abs(f0_ratio(f0, f0_track(y), r) - 1))
                    dur_err["stretch"].append(abs(speech_span(y) * r / span - 1))
        for op in ("pitch", "stretch"):
            out[(op, label)] = {
                "f0_mean": 100 * float(np.mean(f0_err[op])),
                "f0_max": 100 * float(np.max(f0_err[op])),
                "dur_mean": 100 * float(np.mean(dur_err[op])),
                "dur_max": 100 * float(np.max(dur_err[op])),
            }
        out[("pitch", label)]["lsd"] = float(np.mean(lsd))
    return out


# ---------------------------------------------------------------------- cold start
COLD = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import multiaug as ma
audio = np.load({clip!r})
t1 = time.perf_counter()
sample = {{"audio": audio, "sample_rate": 16000}}
if {spec!r}:
    sample = {{"spectrogram": np.zeros((64, 188), np.float32)}}
t = {expr}
t(**sample, key=0)
t2 = time.perf_counter()
print(json.dumps({{"first_call_s": t2 - t1, "total_s": t2 - t0, "numba": "numba" in sys.modules}}))
"""

COLD_AM = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import numpy as np
audio = np.load({clip!r})
t1 = time.perf_counter()
import audiomentations as A
A.PitchShift(method={method!r}, p=1.0)(audio, 16000)
t2 = time.perf_counter()
print(json.dumps({{"first_call_s": t2 - t1, "total_s": t2 - t0, "numba": "numba" in sys.modules}}))
"""

COLD_OPS = {
    "PitchShift": "ma.audio.PitchShift(p=1.0)",
    "PitchShift fast": "ma.audio.PitchShift(method='fast', p=1.0)",
    "TimeStretch": "ma.audio.TimeStretch(p=1.0)",
    "TimeStretch fast": "ma.audio.TimeStretch(method='fast', p=1.0)",
    "SpeedChange": "ma.audio.SpeedChange(p=1.0)",
    "AddNoise": "ma.audio.AddNoise(colour='pink', p=1.0)",
    "AddBackgroundNoise": f"ma.audio.AddBackgroundNoise({str(DATA / 'speech_de_m.wav')!r}, p=1.0)",
    "Gain": "ma.audio.Gain(p=1.0)",
    "TimeShift": "ma.audio.TimeShift(p=1.0)",
    "TimeMask": "ma.audio.TimeMask(p=1.0)",
    "MelSpectrogram": "ma.audio.MelSpectrogram()",
    "FrequencyMask": "ma.audio.FrequencyMask(p=1.0)",
    "LowPassFilter": "ma.audio.LowPassFilter(p=1.0)",
}


def cold_start() -> list[tuple[str, dict[str, Any]]]:
    """First calls in fresh interpreters; the 3 s clip is handed over as a .npy file (NumPy only)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        clip = str(Path(tmp) / "speech.npy")
        np.save(clip, speech_3s())
        jobs = [
            (f"multiaug {name}", COLD.format(clip=clip, expr=expr, spec=name == "FrequencyMask"))
            for name, expr in COLD_OPS.items()
        ]
        jobs += [
            (f"audiomentations PitchShift {label}", COLD_AM.format(clip=clip, method=method))
            for label, method in AM_METHODS.items()
        ]
        for name, code in jobs:
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            rows.append((name, json.loads(done.stdout.splitlines()[-1])))
    return rows


# ---------------------------------------------------------------------- main
def vocoder_table(quick: bool) -> None:
    """PitchShift/TimeStretch: speed of every contender and its quality."""
    rates = speed(quick)
    scores = quality(quick)
    reference = {op: r for op, label, r in rates if label.endswith("(default)")}
    print(
        "| op | method | calls/s | vs audiomentations default | f0 error mean / max | "
        "duration error mean / max | round trip LSD |"
    )
    print("|---|---|---|---|---|---|---|")
    for op, label, r in rates:
        q = scores[(op, label)]
        lsd = f"{q['lsd']:.2f} dB" if "lsd" in q else "—"
        name = "PitchShift" if op == "pitch" else "TimeStretch"
        print(
            f"| {name} | {label} | {r:.1f} | {r / reference[op]:.2f}x | "
            f"{q['f0_mean']:.2f} / {q['f0_max']:.2f} % | {q['dur_mean']:.2f} / {q['dur_max']:.2f} % | {lsd} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timings, two clips for quality")
    parser.add_argument("--filters", action="store_true", help="only the filter rows")
    parser.add_argument("--ops", action="store_true", help="only issue 20's op rows")
    parser.add_argument("--vocoder", action="store_true", help="only the PitchShift/TimeStretch rows")
    add = parser.add_argument
    add("--only", default="", help="with --ops: comma-separated row names (prefixes), e.g. Reverse,Limiter")
    add("--floors", action="store_true", help="with --ops: also time the parts of a keyed call (fixed costs)")
    add("--cpu", action="store_true", help="the process's CPU time, not wall time (steadier under load)")
    args = parser.parse_args()
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    import audiomentations

    print(f"# Audio: multiaug {ma.__version__} vs audiomentations {audiomentations.__version__}")
    clock = "CPU" if args.cpu else "wall"
    print(f"# {machine()}, one thread, {clock} time, load average {os.getloadavg()[0]:.1f} at the start\n")
    if args.vocoder:
        vocoder_table(args.quick)
        return
    print("| op (3 s clip) | multiaug calls/s | audiomentations calls/s | ratio |")
    print("|---|---|---|---|")
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    for row, mine, theirs_rate, note in op_speed(args.quick, only):
        if mine is None or theirs_rate is None:
            print(f"| {row} | — | — | {note} |")
        else:
            print(f"| {row} | {mine:.1f} | {theirs_rate:.1f} | {mine / theirs_rate:.2f}x |")
    print(f"\n(load average {os.getloadavg()[0]:.1f} at the end of these rows)\n")
    if args.floors:
        print("| part of a call | µs per call |")
        print("|---|---|")
        for name, us in op_floors(args.quick):
            print(f"| {name} | {us:.1f} |")
        if importlib.util.find_spec("numpy_audio_limiter") is not None:
            print("\n| Limiter, 40 default draws | output peak / threshold: median | max |")
            print("|---|---|---|")
            for side, (median, top) in limiter_peaks().items():
                print(f"| {side} | {median:.4f} | {top:.4f} |")
        print(f"\n(load average {os.getloadavg()[0]:.1f} at the end of these rows)\n")
    if args.ops:
        return
    print("| filter (3 s clip) | multiaug calls/s | audiomentations calls/s | ratio |")
    print("|---|---|---|---|")
    for row, mine, theirs_rate in filter_speed(args.quick):
        print(f"| {row} | {mine:.1f} | {theirs_rate:.1f} | {mine / theirs_rate:.2f}x |")
    print()
    if args.filters:
        return

    vocoder_table(args.quick)
    print("\n| cold start: fresh process, 3 s clip | first call | with `import numpy, multiaug` | numba |")
    print("|---|---|---|---|")
    for name, res in cold_start():
        print(f"| {name} | {res['first_call_s']:.3f} s | {res['total_s']:.3f} s | {res['numba']} |")


if __name__ == "__main__":
    main()
