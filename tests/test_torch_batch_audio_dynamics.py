"""Batched ``Limiter`` and ``AddShortNoises`` (multiaug.torch.batch.audio_dynamics) against the
per-sample transforms, on the espeak-ng speech pieces of ``test_torch_batch_audio``.

Both kernels run per row on a CPU and in batched tensor ops elsewhere: every test runs both paths
("kernel": what ``ma.torch.batched`` runs on that device; "tensor-ops": the device code) on the CPU,
and on CUDA where torch sees a GPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from test_torch_batch_audio import (
    DEVICES,
    KEYS,
    PIECES,
    RATE,
    audio_samples,
    batched_equals_per_sample,
    clips,
)

import multiaug as ma
from multiaug.torch.batch import Batch, audio_dynamics, kernels

PATHS = ["kernel", "tensor-ops"]
ON_DEVICE = {
    "audio.Limiter": audio_dynamics.limiter_on_device,
    "audio.AddShortNoises": audio_dynamics.short_noises_on_device,
}


def kernel_of(t: Any, path: str) -> Any:
    return kernels("audio")[(t.name, "audio")] if path == "kernel" else ON_DEVICE[t.name]


def apply(t: Any, path: str, rows: list[np.ndarray], params: list[Any], rate: int, device: str) -> np.ndarray:
    """The kernel (``path``) on ``rows`` (mono or ``(C, T)``) as one batch, which it leaves as it was."""
    x = torch.from_numpy(np.stack([r[np.newaxis] if r.ndim == 1 else r for r in rows])).to(device)
    before = x.clone()
    out = kernel_of(t, path)(t, Batch({"audio": x}, params, sample_rate=rate))["audio"]
    assert torch.equal(x, before) and out.dtype == torch.float32 and out.shape == x.shape
    return out.cpu().numpy().reshape((len(rows), *rows[0].shape))


def run(t: Any, path: str, samples: list[dict[str, Any]], device: str) -> tuple[np.ndarray, np.ndarray, Any]:
    """(batched output, per-sample output, params) for the samples of ``KEYS`` the transform applies to."""
    drawn = [(s, t.keyed_params(s, k)) for s, k in zip(samples, KEYS, strict=True)]
    drawn = [(s, p) for s, p in drawn if p is not None]
    assert len(drawn) >= 3, "too few samples drawn: pick other keys"
    got = apply(t, path, [s["audio"] for s, _ in drawn], [p for _, p in drawn], RATE, device)
    ref = np.stack([t.apply(s, p)["audio"] for s, p in drawn])
    inputs = np.stack([s["audio"] for s, _ in drawn])
    return got, ref, ([p for _, p in drawn], inputs)


LIMITERS = {
    "default": {},
    "absolute": {"threshold_mode": "absolute", "threshold_db": (-30, -6)},
    "attack-release": {"attack": (0.0, 0.2), "release": (0.001, 3.0)},  # M from 1 to 15 blocks
}


def thresholds(t: Any, rows: np.ndarray, params: list[dict[str, Any]]) -> np.ndarray:
    """Each row's threshold as the per-sample path computes it (relative: times the row's peak)."""
    relative = t._r.threshold_mode == "relative_to_signal_peak"
    peaks = np.abs(rows).reshape(len(rows), -1).max(axis=1)
    return np.array(
        [
            10.0 ** (p["threshold_db"] / 20.0) * (top if relative else 1.0)
            for p, top in zip(params, peaks, strict=True)
        ]
    )


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("channels", [0, 2])
@pytest.mark.parametrize("case", list(LIMITERS))
def test_limiter_matches_the_per_sample_path(case: str, channels: int, path: str, device: str) -> None:
    t = ma.audio.Limiter(p=0.9, seed=3, **LIMITERS[case])
    got, ref, (params, inputs) = run(t, path, audio_samples(channels), device)
    # float64 log/exp rounding, then float32 (seen: equal on a CPU)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-6)
    assert np.abs(got - inputs).max() > 0.01  # the rows were limited
    limit = thresholds(t, inputs, params)
    assert (np.abs(got).reshape(len(got), -1).max(axis=1) <= limit.astype(np.float32)).all()
    assert len({round(p["attack"] * RATE) // 8 for p in params}) > 3  # rows with different block sizes


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("rate", [8000, 22050, 44100])
def test_limiter_at_other_rates_and_lengths(rate: int, path: str) -> None:
    # block sizes that do not divide the clip, clips shorter than a block, silence, a quiet row
    t = ma.audio.Limiter(threshold_mode="absolute", threshold_db=(-20, -3), attack=(0.0, 0.05), p=1.0, seed=4)
    for n in (3, 150, 4001):
        rows = [c[:n] * 1.5 for c in clips(0, 5)]
        rows[1] = np.zeros(n, np.float32)
        rows[2] = rows[2] * 1e-3  # below every threshold: unchanged
        samples = [{"audio": r, "sample_rate": rate} for r in rows]
        params = [t.keyed_params(s, k) for k, s in enumerate(samples)]
        got = apply(t, path, rows, params, rate, "cpu")
        ref = np.stack([t.apply(s, p)["audio"] for s, p in zip(samples, params, strict=True)])
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(got[1:3], np.stack(rows[1:3]))


@pytest.mark.parametrize("device", DEVICES)
def test_limiter_row_does_not_depend_on_its_batch(device: str) -> None:
    # a row's block size and look-ahead are its own; the other rows only pad the masked passes
    t = ma.audio.Limiter(attack=(0.0, 0.1), p=1.0, seed=5)
    rows = [s["audio"] for s in audio_samples(2)[:6]]
    params = [t.keyed_params({"audio": r, "sample_rate": RATE}, k) for k, r in enumerate(rows)]
    whole = apply(t, "tensor-ops", rows, params, RATE, device)
    for i in range(6):
        alone = apply(t, "tensor-ops", rows[i : i + 1], params[i : i + 1], RATE, device)
        np.testing.assert_array_equal(alone[0], whole[i])


def sounds() -> list[np.ndarray]:
    """A click, two speech snippets (0.2 s, 0.5 s) and a silent sound (adds nothing)."""
    return [np.hanning(160).astype(np.float32), PIECES[3][:3200], PIECES[5][:8000], np.zeros(400, np.float32)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("channels", [0, 2])
@pytest.mark.parametrize(
    "options",
    [{"gap": (0.1, 0.3)}, {"gap": (0.0, 0.05), "fade_in": (0.0, 0.02), "fade_out": (0.0, 0.3)}],
    ids=["spaced", "dense-long-fades"],
)
def test_short_noises_match_the_per_sample_path(
    options: dict[str, Any], channels: int, path: str, device: str
) -> None:
    t = ma.audio.AddShortNoises(sounds(), p=0.9, seed=2, **options)
    samples = audio_samples(channels)
    samples[0] = {"audio": np.zeros_like(samples[0]["audio"]), "sample_rate": RATE}  # silence stays silent
    got, ref, (params, inputs) = run(t, path, samples, device)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-6)  # float32 rounding of the sum (seen: equal)
    assert sum(len(p["events"]) for p in params) > 2 * len(params)
    assert {e[0] for p in params for e in p["events"]} == {0, 1, 2, 3}
    assert np.abs(got - inputs).max() > 0.01  # sounds were added
    np.testing.assert_array_equal(got[0], 0.0)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("path", PATHS)
def test_short_noises_replayed_events(path: str, device: str) -> None:
    # hand-made events: overlapping, cut at the clip's end, fades longer than the sound, none at all
    t = ma.audio.AddShortNoises(sounds(), p=1.0)
    n = 2000
    samples = [{"audio": c[:n], "sample_rate": RATE} for c in clips(0, 3)]
    params: list[dict[str, Any]] = [
        {"events": [[1, 0, 3.0, 50, 50], [0, 100, -6.0, 10, 0], [2, 1500, 0.0, 9000, 9000]]},
        {"events": []},
        {"events": [[0, 1999, 10.0, 0, 0], [3, 10, 0.0, 5, 5]]},
    ]
    got = apply(t, path, [s["audio"] for s in samples], params, RATE, device)
    ref = np.stack([t.apply(s, p)["audio"] for s, p in zip(samples, params, strict=True)])
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(got[1], samples[1]["audio"])


def test_limiter_and_short_noises_through_batched_pipeline(tmp_path: Path) -> None:
    """``ma.torch.batched`` runs both: traces equal the per-sample ones, outputs within 1e-6."""
    files = []
    for i, sound in enumerate(sounds()[:3]):  # a batched pipeline has a config: sounds from files
        files.append(str(tmp_path / f"sound{i}.wav"))
        ma.audio.save(files[-1], sound, RATE)
    steps = [ma.audio.AddShortNoises(files, gap=(0.1, 0.4), p=0.8), ma.audio.Limiter(p=0.8)]
    pipe = ma.Compose(steps, seed=9)
    out = batched_equals_per_sample(pipe, audio_samples(0)[:6], atol=1e-6)
    assert any(
        step["params"]["events"] for r in out["trace"] for step in r if "events" in step.get("params", {})
    )


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("path", PATHS)
def test_short_noises_keep_the_sign_of_zero_as_the_per_sample_path(path: str, device: str) -> None:
    # the per-sample path adds a float64 array of zeros: -0.0 comes back +0.0, events or not
    t = ma.audio.AddShortNoises(sounds(), p=1.0)
    rows = [c[:2000].copy() for c in clips(0, 2)]
    for r in rows:
        r[::7] = -0.0
    for params in ([{"events": [[0, 100, 0.0, 0, 0]]}, {"events": []}], [{"events": []}, {"events": []}]):
        got = apply(t, path, rows, params, RATE, device)
        ref = np.stack(
            [
                t.apply({"audio": r, "sample_rate": RATE}, p)["audio"]
                for r, p in zip(rows, params, strict=True)
            ]
        )
        assert got.tobytes() == ref.tobytes()
