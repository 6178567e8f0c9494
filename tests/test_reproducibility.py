"""Same bytes on another CPU (issue 22): a slice of ``tests/repro_matrix.py`` in the suite.

The whole matrix (every registered transform under ten emulated machines) takes minutes and
runs by hand (``python -m tests.repro_matrix``); here an "AVX-only machine" (OpenCV and NumPy
without AVX2/AVX-512 code, OpenBLAS on a Sandy Bridge core, soxr without SIMD, one OpenCV
thread) recomputes the ops whose exactness this project engineered, plus one op per modality,
in a fresh interpreter, and every output must be byte-identical (float32 images within the
documented ULPs).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import repro_matrix

ROOT = Path(__file__).parent.parent
CASES = ",".join(
    [
        "image.Sharpen",
        "image.Emboss",
        "image.GaussianBlur",
        "image.HueSaturationValue",
        "image.Affine",
        "image.Perspective",
        "image.PlanckianJitter",
        "text.RandomSwap",
        "tabular.GaussianNoise",
        "audio.Gain",
        "audio.ApplyImpulseResponse",
        "audio.Mp3Compression",
    ]
)


@pytest.mark.slow
def test_an_avx_only_machine_gives_the_same_bytes() -> None:
    cmd = [sys.executable, "-m", "tests.repro_matrix", "--configs", "avx-machine", "--only", CASES]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "avx-machine:" in run.stdout and "outside the envelope" not in run.stdout


def test_the_envelope_names_only_registered_transforms_and_demo_pipelines() -> None:
    from multiaug.testing import EXAMPLES

    for prefix in repro_matrix.ENVELOPE:
        assert prefix in EXAMPLES or prefix.startswith("demo."), prefix
    assert repro_matrix.allowed("audio.PitchShift [speech]", 1e-7)
    assert not repro_matrix.allowed("image.ElasticTransform [photo-u8]", 1.0)  # exact fields since session 5
    assert not repro_matrix.allowed("audio.Limiter [speech]", 1e-9)
    assert not repro_matrix.allowed("image.HueSaturationValue [photo-u8]", 1.0)
    assert not repro_matrix.allowed("audio.Mp3Compression [speech]", 1e-7)
    assert not repro_matrix.allowed("image.Sharpen [photo-u8]", 1.0)
    assert repro_matrix.allowed("image.Sharpen [photo-f32]", 1e-7)


def test_the_tested_versions_lock_pins_only_declared_dependencies() -> None:
    import importlib.metadata
    import re

    requires = importlib.metadata.requires("multiaug") or []
    declared = {re.split(r"[<>=\[ ;]", r)[0].lower() for r in requires} | {"distributed"}  # dask[distributed]
    lines = (ROOT / "requirements" / "tested.txt").read_text().splitlines()
    pins = [line for line in lines if line and not line.startswith("#")]
    assert pins and all(re.fullmatch(r"[a-z0-9-]+==[0-9][0-9.]*", p) for p in pins), pins
    assert {p.split("==")[0] for p in pins} <= declared
    assert "numpy" in {p.split("==")[0] for p in pins}
