"""Batched ``ApplyImpulseResponse`` and ``RoomSimulator`` (multiaug.torch.batch.audio_rooms) against
the per-sample transforms, on the espeak-ng speech pieces of ``test_torch_batch_audio``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_torch_batch_audio import DEVICES, RATE, batched_equals_per_sample, clips, run

import multiaug as ma
from multiaug.torch.batch import Batch, kernels


def responses() -> list[np.ndarray]:
    """Three decaying noise responses of different lengths (50 ms to 0.4 s) and a pure delay."""
    rng = np.random.default_rng(3)
    out = []
    for seconds in (0.05, 0.2, 0.4):
        n = int(seconds * RATE)
        out.append((rng.standard_normal(n) * np.exp(-np.arange(n) / (0.2 * n))).astype(np.float32))
    delay = np.zeros(400, np.float32)
    delay[137] = 0.7
    return [*out, delay]


def samples(channels: int, seconds: float = 0.5) -> list[dict[str, object]]:
    n = int(seconds * RATE)
    return [{"audio": a[..., :n], "sample_rate": RATE} for a in clips(channels, 8)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("align", "normalize", "channels"), [("peak", True, 0), ("start", False, 2)])
def test_impulse_responses_match_the_per_sample_path(
    align: str, normalize: bool, channels: int, device: str
) -> None:
    t = ma.audio.ApplyImpulseResponse(responses(), align=align, normalize=normalize, p=1.0, seed=4)
    got, ref, params = run(t, samples(channels), range(8), device=device)
    assert len({p["index"] for p in params}) > 2  # rows with responses of different lengths
    peak = np.abs(ref).max()
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5 * peak)  # float32 FFTs of other lengths


@pytest.mark.parametrize("device", DEVICES)
def test_rooms_match_the_per_sample_path(device: str) -> None:
    t = ma.audio.RoomSimulator(p=1.0, seed=6)
    got, ref, params = run(t, samples(0, 0.25)[:4], range(4), device=device)
    assert len({p["size_x"] for p in params}) == 4
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5 * np.abs(ref).max())


def test_a_batch_needs_keep_length() -> None:
    t = ma.audio.ApplyImpulseResponse(responses(), keep_length=False, p=1.0, seed=4)
    x = torch.from_numpy(np.stack([s["audio"] for s in samples(0)[:2]]))[:, None]  # type: ignore[misc]
    params = [{"index": 0}, {"index": 1}]
    with pytest.raises(ma.InvalidInputError, match="keep_length=True"):
        kernels("audio")[(t.name, "audio")](t, Batch({"audio": x}, params, sample_rate=RATE))


def test_batched_pipeline_with_a_room_keeps_the_traces(tmp_path: Path) -> None:
    files = []
    for i, r in enumerate(responses()):  # a batched pipeline has a config: responses from files
        files.append(str(tmp_path / f"ir{i}.wav"))
        ma.audio.save(files[-1], r / np.abs(r).max(), RATE)
    pipe = ma.Compose([ma.audio.Gain(p=0.5), ma.audio.ApplyImpulseResponse(files, p=0.7)], seed=9)
    batched_equals_per_sample(pipe, samples(0), atol=1e-5)
