"""Batched kernels of the level and position ops of issue 20: Reverse, Padding, BitCrush, Normalize,
Clipping, LoudnessNormalization.

Each but the last equals the per-sample path bit for bit (tested in
``tests/test_torch_batch_audio.py``): the same float32 operations, and where a number depends on the
data (Normalize's peak, Clipping's thresholds) the same elements go through the same float64
arithmetic on the host. ``LoudnessNormalization`` K-weights the rows by FFT on the device (the
per-sample path: a float64 ``lfilter``), sums the 100 ms segments' energies there in float64 and
gates them on the host with the per-sample path's own code: gains within 1e-5 dB of it.
"""

from __future__ import annotations

import numpy as np
import torch

from ...audio.functional.dynamics import (
    SMALLEST_NORMAL,
    block_size,
    clip_thresholds,
    gated_loudness,
    k_weighting_sos,
)
from ...audio.functional.filters import impulse_responses
from ...audio.functional.waveform import padding as padding_kernel
from ...core.transform import Transform
from .audio_filters import _fft_length, _tail
from .registry import Batch, kernel

__all__: list[str] = []


def sum_dtype(device: torch.device) -> torch.dtype:
    """float64 where the device has it (CUDA, CPU); float32 on MPS, which has no float64."""
    return torch.float32 if device.type == "mps" else torch.float64


def _rows(values: list[float], like: torch.Tensor) -> torch.Tensor:
    """float32 numbers as a ``(b, 1, 1)`` tensor on ``like``'s device."""
    return torch.tensor(values, dtype=torch.float32, device=like.device).reshape(-1, 1, 1)


@kernel("audio.Reverse", "audio")
def reverse(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """The time axis flipped (bit-exact)."""
    return {"audio": torch.flip(batch.fields["audio"], dims=(-1,))}


@kernel("audio.BitCrush", "audio")
def bit_crush(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """``rint(x * 2**(bits-1)) / 2**(bits-1)`` per row: powers of two, exact in float32 (bit-exact)."""
    x = batch.fields["audio"]
    scale = [2.0 ** (int(p["bits"]) - 1) for p in batch.params]
    return {"audio": torch.round(x * _rows(scale, x)) * _rows([1.0 / s for s in scale], x)}


@kernel("audio.Normalize", "audio")
def normalize(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row times ``float32(1 / peak)``, the factor computed on the host as the per-sample path does."""
    x = batch.fields["audio"]
    peaks = x.abs().amax(dim=(1, 2)).cpu().tolist()
    only_loud = t._r.apply_to == "only_too_loud_sounds"
    factors = [
        1.0 if top < SMALLEST_NORMAL or (only_loud and top < 1.0) else float(np.float32(1.0 / top))
        for top in peaks
    ]
    return {"audio": x * _rows(factors, x)}


@kernel("audio.Clipping", "audio")
def clipping(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row clipped at its percentiles: the row sorted on the device, the thresholds on the host."""
    x = batch.fields["audio"]
    flat = x.flatten(1)
    ordered = torch.sort(flat, dim=1).values
    lows, highs = [], []
    for row, p in enumerate(batch.params):
        pct = float(p["percentile"])
        if pct <= 0.0:
            lows.append(-np.inf)
            highs.append(np.inf)
            continue
        values = ordered[row]

        def values_at(ks: list[int], values: torch.Tensor = values) -> list[float]:
            return [float(v) for v in values[ks].cpu().tolist()]

        lo, hi = clip_thresholds(flat.shape[1], pct, values_at)
        lows.append(float(np.float32(lo)))
        highs.append(float(np.float32(hi)))
    return {"audio": torch.clamp(x, _rows(lows, x), _rows(highs, x))}


@kernel("audio.Padding", "audio")
def padding(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """One gather per batch: the per-sample kernel run on sample positions gives each output's source.

    Positions ``1..T`` go through :func:`multiaug.audio.functional.waveform.padding` (exact in
    float32 up to 2**24 samples); a 0 there is padding silence.
    """
    x = batch.fields["audio"]
    n = x.shape[-1]
    if n >= 2**24:  # positions would not be exact in float32: one row at a time through the kernel
        rows = [padding_kernel(r.cpu().numpy(), int(p["padding"]), t._r.mode, t._r.pad_section)
                for r, p in zip(x, batch.params, strict=True)]  # fmt: skip
        return {"audio": torch.from_numpy(np.stack(rows)).to(x.device)}
    positions = np.arange(1, n + 1, dtype=np.float32)
    source = np.stack(
        [padding_kernel(positions, int(p["padding"]), t._r.mode, t._r.pad_section) for p in batch.params]
    ).astype(np.int64)
    index = torch.from_numpy(source).to(x.device)
    taken = torch.gather(x, -1, (index - 1).clamp(min=0)[:, None, :].expand_as(x))
    return {"audio": torch.where(index[:, None, :] > 0, taken, 0.0)}


@kernel("audio.LoudnessNormalization", "audio")
def loudness_normalization(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row scaled to its drawn loudness; a row below the -70 LKFS gate is left as is."""
    x = batch.fields["audio"]
    rate = batch.rate(t.name)
    z = _block_powers(_k_weighted(x, rate), rate)
    factors = []
    for row, p in zip(z, batch.params, strict=True):
        now = gated_loudness(row)
        factors.append(1.0 if now == -np.inf else float(np.float32(10.0 ** ((p["lufs"] - now) / 20.0))))
    return {"audio": x * _rows(factors, x)}


def _k_weighted(x: torch.Tensor, rate: int) -> torch.Tensor:
    """The rows K-weighted from silence (``lfilter`` with zero state), by FFT: ``(b, C, n)`` float32."""
    n = x.shape[-1]
    sos = k_weighting_sos(rate)
    tail = min(_tail(sos), n)
    n_fft = _fft_length(n, tail)
    h = torch.from_numpy(impulse_responses([sos], tail)[0].astype(np.float32)).to(x.device)
    spectrum = torch.fft.rfft(h, n=n_fft)
    return torch.fft.irfft(torch.fft.rfft(x, n=n_fft, dim=-1) * spectrum, n=n_fft, dim=-1)[..., :n]


def _block_powers(y: torch.Tensor, rate: int) -> np.ndarray:
    """Per row, the mean squares of the 400 ms blocks every 100 ms, summed over channels (float64,
    on the host: ``(b, blocks)``), as :func:`~multiaug.audio.functional.dynamics.integrated_loudness`
    forms them; one block of the whole clip when it is shorter."""
    wide = sum_dtype(y.device)
    b, n = y.shape[0], y.shape[-1]
    block, step = 0.4 * rate, 0.1 * rate
    squares = y.to(wide).square().sum(dim=1)  # (b, n): channels summed
    size = block_size(rate)
    if n < size:
        return (squares.sum(dim=-1) / n).cpu().double().numpy()[:, None]
    if step == int(step):
        s = int(step)
        k = n // s
        e = squares[:, : k * s].reshape(b, k, s).sum(dim=-1)
        return ((e[:, :-3] + e[:, 1:-2] + e[:, 2:-1] + e[:, 3:]) / block).cpu().double().numpy()
    power = torch.cat((torch.zeros((b, 1), dtype=wide, device=y.device), squares.cumsum(dim=-1)), dim=-1)
    starts = np.round(np.arange(int((n - size) / step + 1e-9) + 1) * step).astype(np.int64)
    index = torch.from_numpy(starts).to(y.device)
    return ((power[:, index + size] - power[:, index]) / size).cpu().double().numpy()
