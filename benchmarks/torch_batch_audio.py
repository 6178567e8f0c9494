"""Batched audio kernels vs the per-sample path: clips/s for 32 x 1 s of 16 kHz speech, one thread.

Run with ``cd benchmarks && ../.venv/bin/python torch_batch_audio.py [--device cuda] [--batch 32]``
(``--dynamics``: only the Limiter/AddShortNoises table).

Input: 1 s pieces of the committed espeak-ng clips in ``tests/data`` (16 kHz mono), a different
piece per row. Pipeline: ``Gain`` + ``AddNoise`` (white, 10-30 dB) + ``TimeShift`` + ``TimeMask``
(on the waveform), each with its default ``p`` (0.5). The filters have their own table (below).

* per-sample: ``pipe(audio=clip, sample_rate=16000, key=i)`` for each clip (NumPy), the path a
  ``DataLoader`` worker runs;
* batched: for each transform, the parameters drawn per sample on the host
  (``keyed_params``, the executor's draw phase, with its validation), then the kernel on the
  rows it applies to (``index_select`` in, ``index_copy`` out), on ``(B, 1, T)`` tensors;
* kernels only: the batched path with the parameters drawn beforehand.

Both paths draw each transform's parameters from its own keyed stream (the standalone transforms'
seeds), so the work is the same; ``ma.torch.batched`` will run the batched path for a whole
``Compose``. Timing: interleaved rounds (``_util.compare_us``), torch and NumPy on one thread.
A second table times ``PitchShift`` (±4 semitones, p=1) alone the same way, a third the four
Butterworth filters (default ranges, p=1, both ``zero_phase`` values) alone, a fourth ``Limiter``
and ``AddShortNoises`` alone.

``--quality``: the batched ``PitchShift`` kernel (a port of the CPU path's phase vocoder) measured
as ``audio.py`` measures the per-sample one (needs librosa): f0 error, duration error and
round-trip log-spectral distance on the four espeak-ng clips, shifts of -4 and +3 semitones.
"""

from __future__ import annotations

import os

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import argparse
import itertools
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _util import compare_us, machine, per_call_us, rounds_us

import multiaug as ma
from multiaug.torch.batch import Batch, kernels
from multiaug.torch.batch import audio as _audio_kernels  # noqa: F401  (registers them)

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
RATE = 16000


def clips(count: int) -> list[np.ndarray]:
    pieces = []
    for path in sorted(DATA.glob("speech_*.wav")):
        audio, _ = ma.audio.load(path)
        pieces += [audio[i : i + RATE] for i in range(0, audio.shape[-1] - RATE + 1, RATE // 4)]
    return [pieces[i % len(pieces)] for i in range(count)]


def steps() -> list[Any]:
    return [
        ma.audio.Gain(seed=1),
        ma.audio.AddNoise(snr_db=(10, 30), seed=2),
        ma.audio.TimeShift(seed=3),
        ma.audio.TimeMask(seed=4),
    ]


def draw(ts: Sequence[Any], samples: Sequence[dict[str, Any]], keys: Sequence[int]) -> list[Any]:
    """Per transform: the rows it applies to and their parameters (the executor's draw phase)."""
    plan = []
    for t in ts:
        rows, params = [], []
        for i, (s, k) in enumerate(zip(samples, keys, strict=True)):
            p = t.keyed_params(s, k)
            if p is not None:
                rows.append(i)
                params.append(p)
        plan.append((t, rows, params))
    return plan


def run_batched(x: torch.Tensor, plan: Sequence[Any]) -> torch.Tensor:
    table = kernels("audio")
    for t, rows, params in plan:
        if not rows:
            continue
        index = torch.tensor(rows, device=x.device)
        sub = x.index_select(0, index)
        out = table[(t.name, "audio")](t, Batch(fields={"audio": sub}, params=params, sample_rate=RATE))
        x = x.index_copy(0, index, out["audio"])
    return x


def step_rows(pipe_step: Any, samples: Sequence[dict[str, Any]], device: str) -> tuple[Any, Any]:
    """(per-sample, batched) callables for one transform (PitchShift, a filter) over the samples."""
    keys = range(len(samples))
    host = torch.from_numpy(np.stack([s["audio"] for s in samples]))[:, None]
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    def per_sample() -> None:
        for s, k in zip(samples, keys, strict=True):
            pipe_step(**s, key=k)

    def batched() -> None:
        run_batched(host.to(device), draw([pipe_step], samples, keys)).cpu()
        sync()

    return per_sample, batched


def quality() -> None:
    """f0, duration and round-trip errors of the batched PitchShift, as ``audio.py`` measures them."""
    import warnings

    import audio as bench

    warnings.simplefilter("ignore")
    clips_ = {c: ma.audio.load(bench.DATA / f"{c}.wav")[0] for c in bench.CLIPS}
    base = {c: (bench.f0_track(a), bench.speech_span(a)) for c, a in clips_.items()}
    print("| PitchShift | method | f0 error mean / max | duration error mean / max | round trip LSD |")
    print("|---|---|---|---|---|")
    for side, method in itertools.product(("per-sample", "batched"), ("quality", "fast")):
        t = ma.audio.PitchShift(method=method, p=1.0)

        def shift(a: np.ndarray, s: float, t: Any = t, side: str = side) -> np.ndarray:
            if side == "per-sample":
                return np.asarray(t.apply({"audio": a, "sample_rate": RATE}, {"semitones": s})["audio"])
            batch = Batch({"audio": torch.from_numpy(a)[None, None]}, [{"semitones": s}], sample_rate=RATE)
            return kernels("audio")[(t.name, "audio")](t, batch)["audio"].numpy()[0, 0]

        f0e, dur, lsd = [], [], []
        for c, a in clips_.items():
            f0, span = base[c]
            for s in bench.SEMITONES:
                y = shift(a, s)
                f0e.append(abs(bench.f0_ratio(f0, bench.f0_track(y), 1.0) / 2 ** (s / 12) - 1))
                dur.append(abs(bench.speech_span(y) / span - 1))
                lsd.append(bench.log_spectral_distance(a, shift(y, -s)))
        print(
            f"| {side} | {method} | {100 * np.mean(f0e):.2f} / {100 * np.max(f0e):.2f} % | "
            f"{100 * np.mean(dur):.2f} / {100 * np.max(dur):.2f} % | {np.mean(lsd):.2f} dB |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quality", action="store_true", help="measure PitchShift's quality instead")
    parser.add_argument("--dynamics", action="store_true", help="only the Limiter/AddShortNoises table")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.quality:
        quality()
        return
    audio = clips(args.batch)
    if args.dynamics:
        print(
            f"{machine()}; torch {torch.__version__}, {torch.get_num_threads()} thread, device {args.device}"
        )
        dynamics([{"audio": a, "sample_rate": RATE} for a in audio], args.device)
        return
    keys = list(range(args.batch))
    ts = steps()
    pipe = ma.Compose(steps(), seed=0)
    samples: list[dict[str, Any]] = [{"audio": a, "sample_rate": RATE} for a in audio]
    host = torch.from_numpy(np.stack(audio))[:, None]
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)

    def per_sample() -> None:
        for s, k in zip(samples, keys, strict=True):
            pipe(**s, key=k)

    def batched() -> None:
        x = host.to(args.device)
        run_batched(x, draw(ts, samples, keys)).cpu()
        sync()

    plan = draw(ts, samples, keys)
    x_dev = host.to(args.device)

    def kernels_only() -> None:
        run_batched(x_dev, plan)
        sync()

    a_us, b_us = compare_us(per_sample, batched, min_time=1.0)
    k_us = per_call_us(kernels_only, min_time=1.0)
    draw_us = per_call_us(lambda: draw(ts, samples, keys), min_time=1.0)
    n = args.batch
    print(f"{machine()}; torch {torch.__version__}, {torch.get_num_threads()} thread, device {args.device}")
    print(f"batch {n} x 1 s at {RATE} Hz, Gain + AddNoise + TimeShift + TimeMask (p=0.5 each)")
    print("| path | ms per batch | clips/s | vs per-sample |")
    print("|---|---|---|---|")
    for name, us in (
        ("per-sample (Compose, NumPy)", a_us),
        ("batched: draw + kernels", b_us),
        ("batched: kernels only", k_us),
        ("batched: draw only", draw_us),
    ):
        print(f"| {name} | {us / 1e3:.2f} | {n / (us / 1e6):,.0f} | {a_us / us:.2f}x |")
    per_sample_ps, batched_ps = step_rows(ma.audio.PitchShift(p=1.0, seed=5), samples, args.device)
    a_us, b_us = compare_us(per_sample_ps, batched_ps, min_time=1.0, repeats=5)
    print(f"\nPitchShift (semitones in [-4, 4], p=1), batch {n} x 1 s")
    print("| path | ms per batch | clips/s | vs per-sample |")
    print("|---|---|---|---|")
    for name, us in (("per-sample (NumPy + soxr)", a_us), ("batched (draw + kernel)", b_us)):
        print(f"| {name} | {us / 1e3:.2f} | {n / (us / 1e6):,.0f} | {a_us / us:.2f}x |")
    filters(samples, args.device)
    dynamics(samples, args.device)


def dynamics(samples: Sequence[dict[str, Any]], device: str) -> None:
    """Limiter (default ranges) and AddShortNoises (a click and three speech snippets, 0.2-0.5 s
    gaps: about two sounds per clip), p=1: the per-sample path, the kernel (per row on a CPU) and
    the kernel's tensor-op path (what runs on a GPU) forced on this device."""
    from multiaug.torch.batch import audio_dynamics

    n = len(samples)
    short = [np.hanning(160).astype(np.float32)]
    short += [c[: RATE // d] for c, d in zip(clips(3), (5, 4, 2), strict=True)]
    forced = {
        "audio.Limiter": audio_dynamics.limiter_on_device,
        "audio.AddShortNoises": audio_dynamics.short_noises_on_device,
    }
    print(f"\nLimiter and AddShortNoises (p=1), batch {n} x 1 s on {device}: ms per batch (draws included)")
    print("| transform | per-sample (NumPy) | batched kernel | batched, tensor ops | kernel vs per-sample |")
    print("|---|---|---|---|---|")
    for step in (
        ma.audio.Limiter(p=1.0, seed=7),
        ma.audio.AddShortNoises(short, gap=(0.2, 0.5), p=1.0, seed=8),
    ):
        per_sample, batched = step_rows(step, samples, device)
        host = torch.from_numpy(np.stack([s["audio"] for s in samples]))[:, None]
        sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

        def tensor_ops(step: Any = step, host: torch.Tensor = host, sync: Any = sync) -> None:
            params = draw([step], samples, range(n))[0][2]
            batch = Batch(fields={"audio": host.to(device)}, params=params, sample_rate=RATE)
            forced[step.name](step, batch)["audio"].cpu()
            sync()

        rounds = rounds_us([per_sample, batched, tensor_ops], min_time=0.5, repeats=5)
        a_us, b_us, c_us = (statistics.median(r) for r in rounds)
        print(
            f"| {step.name} | {a_us / 1e3:.2f} | {b_us / 1e3:.2f} | {c_us / 1e3:.2f} | {a_us / b_us:.2f}x |"
        )


def filters(samples: Sequence[dict[str, Any]], device: str) -> None:
    """The four Butterworth filters (default ranges, p=1): per-sample scipy vs the batched kernel."""
    n = len(samples)
    print(f"\nButterworth filters (default ranges, p=1), batch {n} x 1 s: ms per batch")
    print("| filter | zero_phase | per-sample (scipy sosfilt) | batched (draw + kernel) | speed-up |")
    print("|---|---|---|---|---|")
    for name in ("LowPassFilter", "HighPassFilter", "BandPassFilter", "BandStopFilter"):
        for zero_phase in (False, True):
            rolloff = (12, 24)  # the default: orders 2-4 (1-2 forward and backward with zero_phase)
            step = getattr(ma.audio, name)(p=1.0, rolloff=rolloff, zero_phase=zero_phase, seed=6)
            a_us, b_us = compare_us(*step_rows(step, samples, device), min_time=0.5, repeats=5)
            print(f"| {name} | {zero_phase} | {a_us / 1e3:.2f} | {b_us / 1e3:.2f} | {a_us / b_us:.2f}x |")


if __name__ == "__main__":
    main()
