"""Same bytes on other machines? Keyed outputs under emulated CPUs and thread counts (issue 22).

Every registered transform (and the demo pipelines) runs on its reference sample and, for
image and audio transforms, on a real photo crop (uint8 and float32) and a second of speech,
four keys each. Each run happens in a fresh interpreter under one *configuration* of the
environment: OpenCV restricted to AVX (``OPENCV_CPU_DISABLE``), NumPy without its AVX-512 and
AVX2 code paths (``NPY_DISABLE_CPU_FEATURES``), OpenBLAS told it runs on an older core
(``OPENBLAS_CORETYPE``), soxr without SIMD (``SOXR_USE_SIMD=0``), OpenCV on one thread, and all
of them together. Each configuration's outputs are compared with the unrestricted run's:
the drawn parameters (traces), the bytes, and where bytes differ the largest difference and
the share of elements that differ.

Run (about a minute per configuration on 2 cores)::

    .venv/bin/python -m tests.repro_matrix               # the table; exit 1 if a promise breaks
    .venv/bin/python -m tests.repro_matrix --json out.json
    .venv/bin/python -m tests.repro_matrix --configs cv-avx,cv-1-thread --only image.,demo.

What "a promise breaks" means is :data:`ENVELOPE`, the same envelope that
``docs/reproducibility.md`` states: draws equal everywhere; the outputs named there
byte-identical; the rest within the stated tolerance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

KEYS = range(4)

#: name -> environment of the interpreter that computes the outputs
CONFIGS: dict[str, dict[str, str]] = {
    "base": {},
    "cv-1-thread": {"MULTIAUG_REPRO_CV_THREADS": "1"},
    "cv-avx": {"OPENCV_CPU_DISABLE": "AVX512F,AVX512-SKX,AVX512-CLX,AVX_VNNI,AVX2,FMA3,FP16"},
    "cv-sse3": {
        "OPENCV_CPU_DISABLE": "AVX512F,AVX512-SKX,AVX512-CLX,AVX_VNNI,AVX2,FMA3,FP16,"
        "AVX,SSE4.2,POPCNT,SSE4.1,SSSE3"
    },
    "numpy-avx2": {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"},
    "numpy-sse4": {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"},
    "openblas-haswell": {"OPENBLAS_CORETYPE": "Haswell"},
    "openblas-prescott": {"OPENBLAS_CORETYPE": "Prescott"},
    "soxr-no-simd": {"SOXR_USE_SIMD": "0"},
    "avx-machine": {
        "OPENCV_CPU_DISABLE": "AVX512F,AVX512-SKX,AVX512-CLX,AVX_VNNI,AVX2,FMA3,FP16",
        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
        "OPENBLAS_CORETYPE": "Sandybridge",
        "SOXR_USE_SIMD": "0",
        "MULTIAUG_REPRO_CV_THREADS": "1",
    },
}

#: Outputs allowed to differ from the unrestricted run, by at most the tolerance: case-name
#: prefix -> (largest absolute difference, why). Everything else (every uint8 image op not named
#: here, text, tables, every other audio op, all draws) must be byte-identical.
ENVELOPE: dict[str, tuple[float, str]] = {
    "audio.PitchShift": (1e-6, "soxr's SIMD sums, after the (CPU-independent) phase vocoder"),
    "audio.SpeedChange": (1e-6, "soxr's SIMD filter sums"),
    "demo.audio_pipeline": (1e-5, "its PitchShift's soxr step, then a vocoder (TimeStretch)"),
}
#: Samplers whose provenance (not rows) may differ: case-name prefix -> why.
PROVENANCE_ENVELOPE: dict[str, str] = {
    "tabular.SMOTEN": "scikit-learn picks neighbours among rows at equal distance (common on categories) in "
    "the order NumPy's SIMD sort leaves them: another set of equally near rows is named",
}
#: float32 images: OpenCV's and NumPy's float kernels sum in SIMD order (a few ULPs)
FLOAT_IMAGE_TOLERANCE = 1e-6


def _photo() -> np.ndarray:
    from multiaug.demo import load_sample_photo

    return np.ascontiguousarray(load_sample_photo("china.jpg")[100:292, 200:456])  # 192x256, real texture


def _speech() -> tuple[np.ndarray, int]:
    from multiaug.demo import load_demo_speech

    _, audio, rate = load_demo_speech()[0]
    return np.ascontiguousarray(audio[..., :rate]), rate


def _variants(sample: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The reference sample, plus a real photo or a second of speech where the transform takes one."""
    out = {"ref": sample}
    image = sample.get("image")
    if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3:
        photo = _photo()
        out["photo-u8"] = {"image": photo}
        out["photo-f32"] = {"image": photo.astype(np.float32) / np.float32(255.0)}
    if isinstance(sample.get("audio"), np.ndarray):
        audio, rate = _speech()
        out["speech"] = {
            **{k: v for k, v in sample.items() if k not in ("audio", "sample_rate")},
            "audio": audio,
            "sample_rate": rate,
        }
    return out


def _arrays(value: Any, into: list[np.ndarray]) -> None:
    """Every array in an output, in a fixed order (strings and numbers as one array)."""
    if type(value).__module__.startswith("torch") and hasattr(value, "numpy"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        into.append(np.ascontiguousarray(value))
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            _arrays(value[k], into)
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
        for v in value:
            into.append(np.ascontiguousarray(v))
    elif hasattr(value, "to_numpy"):  # pandas
        into.append(np.asarray(value.to_numpy(dtype=object)).astype(str))
    else:
        into.append(np.array(repr(value)))


def _run_one(t: Any, sample: dict[str, Any]) -> tuple[str, list[np.ndarray]]:
    """(draws as JSON, output arrays) of keys 0-3 (a dataset-level sampler: one fit_resample)."""
    arrays: list[np.ndarray] = []
    if getattr(t, "_dataset_level", False):
        _arrays(t.fit_resample(sample["X"], sample["y"]), arrays)
        return json.dumps(list(map(str, t.provenance_))), arrays
    draws = []
    for key in KEYS:
        out = dict(t(**sample, key=key, trace=True))
        draws.append([{k: e[k] for k in ("transform", "path", "params")} for e in out.pop("trace")])
        _arrays(out, arrays)
    return json.dumps(draws, sort_keys=True, default=str), arrays


def _demo_cases() -> dict[str, tuple[Any, dict[str, Any]]]:
    from multiaug import demo

    audio, rate = _speech()
    return {
        "demo.image_pipeline": (demo.image_pipeline(seed=0), {"image": _photo()}),
        "demo.text_pipeline": (
            demo.text_pipeline(seed=0),
            {"text": "The quick brown fox jumps over the lazy dog near the river bank today."},
        ),
        "demo.audio_pipeline": (demo.audio_pipeline(seed=0), {"audio": audio, "sample_rate": rate}),
    }


def _wanted(name: str, prefixes: tuple[str, ...]) -> bool:
    """Whether a case ``"{name} [{variant}]"`` can start with one of ``prefixes``."""
    return any(name.startswith(p) or p.startswith(name) for p in prefixes)


def worker(out_dir: Path, only: str) -> None:
    """Compute every case's draws and outputs in this interpreter; write them under ``out_dir``."""
    import cv2

    from multiaug.core.errors import InvalidInputError
    from multiaug.testing import EXAMPLES

    if "MULTIAUG_REPRO_CV_THREADS" in os.environ:
        cv2.setNumThreads(int(os.environ["MULTIAUG_REPRO_CV_THREADS"]))
    prefixes = tuple(only.split(","))
    cases: dict[str, tuple[Any, dict[str, Any]]] = {}
    for name in sorted(EXAMPLES):
        # only what --only names is built: a transform's example can take seconds to make
        # (BackTranslate's tiny MarianMT, about 4 s), which the suite's slice never uses
        if not _wanted(name, prefixes):
            continue
        ex = EXAMPLES[name]
        for variant, sample in _variants(ex.reference()).items():
            cases[f"{name} [{variant}]"] = (ex.make(seed=9), sample)
    if any(_wanted(f"demo.{kind}_pipeline", prefixes) for kind in ("image", "text", "audio")):
        cases.update({f"{k} [demo]": v for k, v in _demo_cases().items()})
    index: dict[str, str | None] = {}
    for i, (case, (t, sample)) in enumerate(cases.items()):
        if not case.startswith(prefixes):
            continue
        try:
            draws, arrays = _run_one(t, sample)
        except InvalidInputError:  # the transform does not take this variant (e.g. a mask op on a photo)
            index[case] = None
            continue
        np.savez(out_dir / f"{i}.npz", *arrays)
        index[case] = draws
        (out_dir / f"{i}.name").write_text(case)
    (out_dir / "index.json").write_text(json.dumps(index))


def _load(out_dir: Path) -> dict[str, tuple[str, list[np.ndarray]]]:
    index = json.loads((out_dir / "index.json").read_text())
    names = {p.read_text(): p.with_suffix(".npz") for p in out_dir.glob("*.name")}
    out = {}
    for case, draws in index.items():
        if draws is None:
            continue
        with np.load(names[case], allow_pickle=False) as z:
            out[case] = (draws, [z[f"arr_{i}"] for i in range(len(z.files))])
    return out


def _compare(base: list[np.ndarray], other: list[np.ndarray]) -> tuple[bool, float, float]:
    """(bytes equal, largest absolute difference, share of elements that differ)."""
    if len(base) != len(other):
        return False, float("inf"), 1.0
    if any(a.shape != b.shape or a.dtype != b.dtype for a, b in zip(base, other, strict=True)):
        return False, float("inf"), 1.0
    if all(a.tobytes() == b.tobytes() for a, b in zip(base, other, strict=True)):
        return True, 0.0, 0.0
    worst, differing, total = 0.0, 0, 0
    for a, b in zip(base, other, strict=True):
        if a.dtype.kind in "fiub" and a.size:
            d = np.abs(a.astype(np.float64) - b.astype(np.float64))
            d = np.where(np.isnan(a) & np.isnan(b), 0.0, d) if a.dtype.kind == "f" else d
            worst, differing = max(worst, float(np.nanmax(d))), differing + int(np.count_nonzero(d))
        elif a.tobytes() != b.tobytes():
            worst, differing = float("inf"), differing + a.size
        total += a.size
    return False, worst, differing / max(1, total)


def run_config(name: str, only: str, root: Path) -> dict[str, tuple[str, list[np.ndarray]]]:
    out = root / name
    out.mkdir()
    env = {**os.environ, **CONFIGS[name], "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, "-m", "tests.repro_matrix", "--worker", str(out), "--only", only]
    subprocess.run(cmd, env=env, check=True, cwd=Path(__file__).parent.parent)
    return _load(out)


def allowed(case: str, worst: float) -> bool:
    """Whether a difference of ``worst`` in ``case`` is within :data:`ENVELOPE`."""
    if case.endswith("[photo-f32]") and worst <= FLOAT_IMAGE_TOLERANCE:
        return True
    return any(case.startswith(prefix) and worst <= tol for prefix, (tol, _) in ENVELOPE.items())


def main(argv: list[str]) -> int:
    args = dict(zip(argv[::2], argv[1::2], strict=False))
    only = args.get("--only", "")
    if "--worker" in args:
        worker(Path(args["--worker"]), only)
        return 0
    configs = args.get("--configs", ",".join(c for c in CONFIGS if c != "base")).split(",")
    report: dict[str, Any] = {}
    broken = 0
    with tempfile.TemporaryDirectory() as tmp:
        base = run_config("base", only, Path(tmp))
        for config in configs:
            other = run_config(config, only, Path(tmp))
            rows = {}
            for case, (draws, arrays) in base.items():
                o_draws, o_arrays = other.get(case, ("", []))
                same, worst, share = _compare(arrays, o_arrays)
                draws_ok = draws == o_draws or case.startswith(tuple(PROVENANCE_ENVELOPE))
                ok = draws_ok and (same or allowed(case, worst))
                broken += not ok
                if not same or draws != o_draws:
                    rows[case] = {"draws_equal": draws == o_draws, "max_abs": worst, "share": share, "ok": ok}
            report[config] = {"cases": len(base), "differ": rows}
            print(f"{config}: {len(base)} cases, {len(rows)} differ")
            for case, r in sorted(rows.items()):
                flag = "" if r["ok"] else "  <- outside the envelope"
                print(
                    f"    {case}: draws equal {r['draws_equal']}, max |diff| {r['max_abs']:.3g}, "
                    f"{100 * r['share']:.4f} % of elements{flag}"
                )
    if "--json" in args:
        Path(args["--json"]).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
