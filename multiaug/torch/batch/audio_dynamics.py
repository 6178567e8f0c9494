"""Batched kernels of ``audio.Limiter`` and ``audio.AddShortNoises`` (issue 20).

``Limiter``: the per-sample path's algorithm (:func:`multiaug.audio.functional.dynamics.limiter`)
with every row's own block size ``h`` and look-ahead ``M`` (both follow the row's drawn attack):
the blocks' peaks by one ``scatter_reduce`` (``amax``) over the batch, the look-ahead minimum and
the moving average as at most ``max(M)`` shifted elementwise passes (a row stops at its own
``M``), the release as one ``cummin`` over the blocks in float64. Maxima, minima and the float32
divisions are exact; ``log``/``exp`` and the order of the moving sums are float64 rounding, so
rows agree with the per-sample path to float32 rounding of the gain (tested within 1e-6 of full
scale, seen ~1e-7), and no output sample exceeds the row's threshold (the same clamp to the
block's need and the same shaving of the gain). A row whose peak is at most its threshold is
returned unchanged, as on the CPU. On CUDA every op is the same (``scatter_reduce`` ``amax``,
``cummin`` and float64 elementwise ops exist there); MPS sums in float32 (it has no float64).

``AddShortNoises``: the sounds are decoded (and cached) on the host by the transform itself, as the
per-sample path does; the host turns each row's events into gains (the clip's power comes from
the device in float64) and positions, sends the used sounds once, and the device gathers every
event's samples, applies its gain and linear fades in float64 and adds them with one
``index_add_``: float32 rounding of the per-sample path (tested within 1e-6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import torch

from ...audio import AddShortNoises
from ...audio.functional.noise import power
from ...core.transform import Transform
from .audio_level import sum_dtype
from .registry import Batch, kernel
from .staging import Stage

__all__: list[str] = []

_SHAVE = float(np.float32(1.0 - 2.0**-21))


def limiter_plan(rate: int, n: int, attack: float, release: float) -> tuple[int, int, int, float]:
    """A row's ``(h, M, blocks, ramp step)``: block size, look-ahead in blocks, block count and the
    release's ln-gain recovery per block, as :func:`~multiaug.audio.functional.dynamics.limiter`."""
    span = max(1, round(attack * rate))
    h = max(1, span // 8, rate // 4000)
    m = max(1, round(span / h))
    step = math.log(1000.0) * h / max(release * rate, 1e-9)
    return h, m, -(-n // h), step


def _shifted(v: torch.Tensor, width: int, m: torch.Tensor, reduce: str) -> torch.Tensor:
    """Over ``width = max(m)`` shifts of ``v`` ``(b, width - 1 + k)``, per row the first ``m``:
    their minimum (``v[c : c + m]``) or their sum (``v[c - m + 1 : c + 1]`` for the padded ``c``)."""
    k = v.shape[1] - width + 1
    out = v[:, :k] if reduce == "min" else v[:, width - 1 :]
    for s in range(1, width):
        part = v[:, s : s + k] if reduce == "min" else v[:, width - 1 - s : width - 1 - s + k]
        use = (s < m)[:, None]
        out = (
            torch.minimum(out, torch.where(use, part, out))
            if reduce == "min"
            else out + torch.where(use, part, 0.0)
        )
    return out


@kernel("audio.Limiter", "audio")
def limiter(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row limited at its drawn threshold with its own attack and release (module docstring)."""
    x = batch.fields["audio"]
    rate = batch.rate(t.name)
    b, n, wide = x.shape[0], x.shape[-1], sum_dtype(x.device)
    plans = [limiter_plan(rate, n, float(p["attack"]), float(p["release"])) for p in batch.params]
    level = x.abs().amax(dim=1)  # (b, n): channels linked
    tops = level.amax(dim=1).cpu().tolist()
    relative = t._r.threshold_mode == "relative_to_signal_peak"
    thresholds, limited = [], []
    for p, top in zip(batch.params, tops, strict=True):
        threshold = 10.0 ** (float(p["threshold_db"]) / 20.0) * (top if relative else 1.0)
        limited.append(not (threshold <= 0.0 or top <= threshold))
        thresholds.append(float(np.float32(threshold)) if limited[-1] else 1.0)
    if not any(limited):
        return {"audio": x.clone()}
    width = max(plan[1] for plan in plans)
    most = max(plan[2] for plan in plans)
    stage = Stage()
    h_at = stage.add([plan[0] for plan in plans], np.int64)
    m_at = stage.add([plan[1] for plan in plans], np.int64)
    last_at = stage.add([plan[2] - 1 for plan in plans], np.int64)
    step_at = stage.add([plan[3] for plan in plans], np.float64)
    thr_at = stage.add(thresholds, np.float32)
    on_at = stage.add(limited, np.bool_)
    sent = stage.send(x.device)
    h, m, thr = sent[h_at][:, None], sent[m_at], sent[thr_at][:, None]
    block = torch.arange(n, device=x.device)[None, :] // h  # (b, n): each sample's block
    peaks = torch.zeros((b, most), dtype=x.dtype, device=x.device)
    peaks.scatter_reduce_(1, block, level, "amax")  # |x| >= 0: the zeros never win in a real block
    # blocks past a row's last repeat its last (as the per-sample window's padding), M - 1 more for the window
    cols = torch.arange(most + width - 1, device=x.device)[None, :]
    peaks = torch.gather(peaks, 1, torch.minimum(cols, sent[last_at][:, None]))
    need = thr / torch.maximum(peaks, thr)  # float32, as on the CPU
    held = _shifted(need, width, m, "min")  # (b, most)
    ramp = torch.arange(most, dtype=wide, device=x.device)[None, :] * sent[step_at].to(wide)[:, None]
    lg = torch.cummin(held.to(wide).log() - ramp, dim=1).values + ramp
    gain = lg.exp()
    padded = torch.cat((gain[:, :1].expand(b, width - 1), gain), dim=1)  # the first value before the clip
    smooth = (_shifted(padded, width, m, "sum") / m[:, None].to(wide)).to(torch.float32)
    smooth = torch.minimum(smooth, need[:, :most])
    shaved = torch.where(smooth < 1.0, smooth * _SHAVE, 1.0)
    shaved = torch.where(sent[on_at][:, None], shaved, 1.0)
    return {"audio": x * torch.gather(shaved, 1, block)[:, None, :]}


@kernel("audio.AddShortNoises", "audio")
def add_short_noises(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """The rows' events (sounds decoded on the host) gathered, scaled, faded and added on the device."""
    x = batch.fields["audio"]
    rate, n, wide = batch.rate(t.name), x.shape[-1], sum_dtype(x.device)
    if not any(p["events"] for p in batch.params):
        return {"audio": x.clone()}
    clip_power = x.to(wide).square().mean(dim=(1, 2)).cpu().tolist()
    bank: dict[int, tuple[np.ndarray, int, float]] = {}  # index -> (sound, offset in the bank, power)
    size, rows = 0, []
    for row, (p, clip) in enumerate(zip(batch.params, clip_power, strict=True)):
        for index, start, snr_db, fade_in, fade_out in p["events"]:
            if int(index) not in bank:
                sound = cast(AddShortNoises, t)._sound(int(index), rate)
                bank[int(index)] = (sound, size, power(sound))
                size += sound.shape[-1]
            sound, offset, level = bank[int(index)]
            start, length = int(start), sound.shape[-1]
            lo, hi = max(start, 0), min(start + length, n)
            if clip == 0.0 or level == 0.0 or lo >= hi:
                continue
            g = math.sqrt(clip / (level * 10.0 ** (snr_db / 10.0)))
            fades = (min(int(fade_in), length), min(int(fade_out), length))
            rows.append((row * n + lo, lo - start, hi - lo, g, *fades, length, offset))
    if not rows:
        return {"audio": x.clone()}
    return {"audio": _mix_events(x, [s for s, _, _ in bank.values()], rows, wide)}


def _mix_events(
    x: torch.Tensor, sounds: Sequence[np.ndarray], rows: list[Any], wide: torch.dtype
) -> torch.Tensor:
    """``x`` plus every event ``(destination, first, count, gain, fade_in, fade_out, length, source)``:
    samples ``first .. first + count`` of a sound of ``length`` samples (at ``source`` in the bank of
    ``sounds``), times ``gain`` and its fades, added from ``destination`` of the flattened ``(b, n)``."""
    ints = np.array([[r[0], r[1], r[2], r[4], r[5], r[6], r[7]] for r in rows], np.int64)
    counts = ints[:, 2]
    stage = Stage()
    bank_at = stage.add(np.concatenate([s.reshape(-1) for s in sounds]), np.float32)
    ints_at = stage.add(ints)
    gain_at = stage.add([r[3] for r in rows], np.float64 if wide == torch.float64 else np.float32)
    start_at = stage.add(np.cumsum(counts) - counts)
    sent = stage.send(x.device)
    total = int(counts.sum())
    event = torch.repeat_interleave(
        torch.arange(len(rows), device=x.device), sent[ints_at][:, 2], output_size=total
    )
    k = torch.arange(total, device=x.device) - sent[start_at][event]  # position in the event's span
    dest, first, _, fade_in, fade_out, length, source = sent[ints_at][event].unbind(1)
    j = first + k  # position in the sound
    value = sent[bank_at][source + j].to(wide) * sent[gain_at][event]  # as on the CPU: scaled, then faded
    value = torch.where(j < fade_in, value * ((j + 1).to(wide) / (fade_in + 1).to(wide)), value)
    tail = j >= length - fade_out
    value = torch.where(tail, value * ((length - j).to(wide) / (fade_out + 1).to(wide)), value)
    added = torch.zeros(x.shape[0] * x.shape[-1], dtype=wide, device=x.device)
    added.index_add_(0, dest + k, value)
    return (x.to(wide) + added.view(x.shape[0], 1, x.shape[-1])).to(torch.float32)
