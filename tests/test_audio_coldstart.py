"""The first call of every audio transform in a fresh process: no numba, no librosa, timed.

DataLoader workers and CLIs pay a transform's cold start once per process;
librosa's ``pitch_shift`` pays seconds of numba compilation there. Each
transform's first call runs in a fresh interpreter (one interpreter for all of them, one
after the other: a fresh one each cost the suite 12 Python starts); after each call the
test checks that neither numba nor librosa has been imported, and it reports the time (the
< 1 s target is measured by ``benchmarks/audio.py``; this machine's load makes a unit-test
timing assertion flaky).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import multiaug as ma
t1 = time.perf_counter()
for expr in sys.argv[1:]:
    audio = (np.sin(np.arange(48000) / 9.0) * 0.3).astype(np.float32)
    sample = {"audio": audio, "sample_rate": 16000}
    if "Mask" in expr and "Time" not in expr:
        sample = {"spectrogram": np.zeros((64, 188), np.float32)}
    t = eval(expr, {"ma": ma})
    t2 = time.perf_counter()
    out = t(**sample, key=0)
    t3 = time.perf_counter()
    print(json.dumps({"expr": expr, "import_s": t1 - t0, "first_call_s": t3 - t2, "total_s": t3 - t0,
                      "numba": "numba" in sys.modules, "librosa": "librosa" in sys.modules}))
"""

TRANSFORMS = {
    "PitchShift": "ma.audio.PitchShift(p=1.0)",
    "PitchShift-fast": "ma.audio.PitchShift(method='fast', p=1.0)",
    "TimeStretch": "ma.audio.TimeStretch(p=1.0)",
    "TimeStretch-fast": "ma.audio.TimeStretch(method='fast', p=1.0)",
    "SpeedChange": "ma.audio.SpeedChange(p=1.0)",
    "AddNoise": "ma.audio.AddNoise(colour='pink', p=1.0)",
    "AddBackgroundNoise": f"ma.audio.AddBackgroundNoise({str(DATA / 'speech_de_m.wav')!r}, p=1.0)",
    "Gain": "ma.audio.Gain(p=1.0)",
    "TimeShift": "ma.audio.TimeShift(p=1.0)",
    "TimeMask": "ma.audio.TimeMask(p=1.0)",
    "MelSpectrogram": "ma.audio.MelSpectrogram()",
    "FrequencyMask": "ma.audio.FrequencyMask(p=1.0)",
}


def first_calls(exprs: list[str]) -> dict[str, dict[str, float | bool]]:
    """The first call of each of ``exprs`` on 3 s of 16 kHz audio, in turn in one fresh interpreter.

    Whether numba or librosa had been imported is read after each call, so an import is blamed on
    the first transform whose call made it.
    """
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *exprs], capture_output=True, text=True, check=True, timeout=300
    )
    results = [json.loads(line) for line in done.stdout.strip().splitlines() if line.startswith("{")]
    return {r.pop("expr"): r for r in results}


@pytest.fixture(scope="module")
def cold() -> dict[str, dict[str, float | bool]]:
    return first_calls(list(TRANSFORMS.values()))


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_first_call_compiles_nothing(
    name: str, cold: dict[str, dict[str, float | bool]], record_property: Callable[[str, object], None]
) -> None:
    result = cold[TRANSFORMS[name]]
    record_property("first_call_s", round(float(result["first_call_s"]), 4))
    print(f"{name}: import {result['import_s']:.3f} s, first call {result['first_call_s']:.3f} s")
    assert result["numba"] is False, "the first call imported numba (JIT compilation)"
    assert result["librosa"] is False, "the first call imported librosa"


def test_importing_ma_audio_is_light() -> None:
    code = (
        "import sys, multiaug as ma; ma.audio; "
        "print(sorted(m for m in ('soxr', 'soundfile', 'librosa', 'numba', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
