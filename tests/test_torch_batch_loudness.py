"""Batched ``LoudnessNormalization`` (multiaug.torch.batch.audio_level) against the per-sample
transform and an independent meter (pyloudnorm), on the espeak-ng speech pieces."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
import torch
from test_torch_batch_audio import DEVICES, clips

import multiaug as ma
from multiaug.torch.batch import Batch, kernels


def run(
    t: ma.Transform, audio: list[np.ndarray], rate: int, device: str = "cpu"
) -> tuple[np.ndarray, np.ndarray, list]:
    params = [t.keyed_params({"audio": a, "sample_rate": rate}, k) for k, a in enumerate(audio)]
    ref = np.stack(
        [t.apply({"audio": a, "sample_rate": rate}, p)["audio"] for a, p in zip(audio, params, strict=True)]
    )
    x = torch.from_numpy(np.stack(audio)).to(device)
    x = x[:, None] if x.dim() == 2 else x
    got = kernels("audio")[(t.name, "audio")](t, Batch({"audio": x}, params, sample_rate=rate))["audio"]
    return got.cpu().numpy().reshape(ref.shape), ref, params


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    ("rate", "seconds", "channels"),
    [(16000, 1.0, 0), (16000, 0.25, 2), (11025, 1.0, 0)],  # 11025 Hz: 100 ms is not a whole sample count
)
def test_loudness_matches_the_per_sample_path(rate: int, seconds: float, channels: int, device: str) -> None:
    t = ma.audio.LoudnessNormalization(lufs=(-30, -14), p=1.0, seed=3)
    n = int(seconds * 16000)
    audio = [a[..., :n] for a in clips(channels, 6)]
    audio[1] = audio[1] * np.float32(1e-5)  # below the -70 LKFS gate: left as is
    got, ref, params = run(t, audio, rate, device)
    np.testing.assert_array_equal(got[1], audio[1])
    np.testing.assert_allclose(got, ref, rtol=2e-6, atol=1e-9)  # gains within ~1e-5 dB
    if seconds >= 0.4 and channels == 0:  # an independent meter agrees with the drawn target
        meter = pyloudnorm.Meter(rate)
        for g, p in list(zip(got, params, strict=True))[2:]:
            assert abs(meter.integrated_loudness(g.astype(np.float64)) - p["lufs"]) < 0.5
