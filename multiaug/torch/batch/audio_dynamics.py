"""Batched kernels of ``audio.Limiter`` and ``audio.AddShortNoises`` (issue 20).

On a CPU both run each row through the transform's own ``apply_audio`` (:func:`per_row`): the
per-sample path's slices there cost less than the gathers below (measured: 0.2-0.3x the
per-sample path for the device code on a CPU). On any other device (and in the tests, on the CPU
too) they run in tensor ops over the whole batch:

``Limiter`` (:func:`limiter_on_device`): the per-sample path's algorithm
(:func:`multiaug.audio.functional.dynamics.limiter`) with every row's own block size ``h`` and
look-ahead ``M`` (both follow the row's drawn attack): the blocks' peaks by one ``scatter_reduce``
(``amax``), the look-ahead minimum as at most ``max(M)`` (<= 15) masked passes, the release as one
``cummin`` in float64 and the moving mean by the per-sample path's own cumulative sum, row by row
(a sequential ``cumsum`` on a CPU; a scan on CUDA). Maxima, minima and the float32 divisions are
exact, the thresholds computed on the host as per sample: equal to the per-sample output on a CPU
(float64 ``log``/``exp`` rounding may differ by an ulp elsewhere: tested within 1e-6 of full
scale), and no output sample exceeds its row's threshold (the same clamp to each block's need and
the same shaving of the gain). A row whose peak is at most its threshold is returned unchanged.

``AddShortNoises`` (:func:`short_noises_on_device`): the sounds are decoded (and cached) on the
host by the transform itself, as per sample; the host turns each row's events into gains (the
clip's power comes from the device, float64) and positions and sends the used sounds once; the
device gathers every event's samples, applies its gain and linear fades in float64 and adds them
to the clip's samples it covers, rounding ``x + added`` to float32 as the per-sample path does
(equal on the CPU, tested within 1e-6). Overlapping events (never drawn, possible in a replayed
trace) are summed by ``index_put_(accumulate=True)`` first.

CUDA runs the same ops (``scatter_reduce`` ``amax``, ``cummin``, ``repeat_interleave`` with
``output_size``, float64 elementwise ops; one host sync for the rows' peaks or powers); MPS, which
has no float64, sums in float32. Not measured on a GPU yet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import torch

from ...audio import AddShortNoises
from ...audio.base import AudioTransform, c_float32
from ...audio.functional.dynamics import limiter_blocks
from ...audio.functional.noise import power
from ...core.transform import Transform
from .audio_level import sum_dtype
from .registry import Batch, kernel
from .staging import Stage

__all__: list[str] = []

_SHAVE = float(np.float32(1.0 - 2.0**-21))


def limiter_plan(rate: int, n: int, attack: float, release: float) -> tuple[int, int, int, float]:
    """A row's ``(h, M, blocks, ramp step)``: :func:`~multiaug.audio.functional.dynamics.limiter_blocks`
    and the row's block count."""
    h, m, step = limiter_blocks(rate, attack, release)
    return h, m, -(-n // h), step


def _window_min(v: torch.Tensor, width: int, m: torch.Tensor) -> torch.Tensor:
    """``min(v[c : c + m])`` per row (``m`` its own, ``width = max(m)``) of ``v`` ``(b, k + width - 1)``."""
    k = v.shape[1] - width + 1
    out = v[:, :k]
    for s in range(1, width):
        out = torch.where((s < m)[:, None], torch.minimum(out, v[:, s : s + k]), out)
    return out


def _moving_mean(gain: torch.Tensor, width: int, m: torch.Tensor) -> torch.Tensor:
    """``mean(gain[c - m + 1 : c + 1])`` per row (``gain[0]`` repeated before the clip), by the
    per-sample path's cumulative sum: the row's ``m`` copies of ``gain[0]`` after ``width - m`` zeros
    (which add exactly nothing), then ``total[width + c] - total[width + c - m]``."""
    cols = torch.arange(width, device=gain.device)[None, :]
    head = torch.where(cols >= width - m[:, None], gain[:, :1], 0.0)
    total = torch.cat((head, gain), dim=1).cumsum(dim=1)
    k = gain.shape[1]
    back = torch.gather(total, 1, torch.arange(width, width + k, device=gain.device)[None, :] - m[:, None])
    return (total[:, width:] - back) / m[:, None].to(gain.dtype)


def _blocks(n: int, h: torch.Tensor) -> torch.Tensor:
    """``(b, n)`` int64: sample ``t``'s block ``t // h`` per row (float32 division below 2**24
    samples: ``floor(t / h)`` is exact there, and 10x cheaper than an int64 division on a CPU)."""
    if n >= 2**24:
        return torch.arange(n, device=h.device)[None, :] // h
    t = torch.arange(n, dtype=torch.float32, device=h.device)[None, :]
    return torch.floor(t / h.to(torch.float32)).long()


def per_row(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """The CPU path: each row through the transform's own ``apply_audio`` (NumPy, on the tensor's
    memory; a new array per row). On a CPU the device path's gathers and per-row masks cost 3-5x
    the per-sample kernel's slices (``benchmarks/torch_batch_audio.py --dynamics``)."""
    x = batch.fields["audio"]
    rate = batch.rate(t.name)
    rows = [
        c_float32(cast(AudioTransform, t).apply_audio(row.numpy(), rate, **p))
        for row, p in zip(x.detach(), batch.params, strict=True)
    ]
    return {"audio": torch.from_numpy(np.stack(rows)) if rows else x.clone()}


@kernel("audio.Limiter", "audio")
def limiter(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row limited at its drawn threshold with its own attack and release: per row on a CPU
    (:func:`per_row`), elsewhere :func:`limiter_on_device`."""
    return (per_row if batch.fields["audio"].device.type == "cpu" else limiter_on_device)(t, batch)


def limiter_on_device(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """The whole batch in tensor ops (module docstring); any device, the CPU included."""
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
    block = _blocks(n, h)  # (b, n): each sample's block
    peaks = torch.zeros((b, most), dtype=x.dtype, device=x.device)
    peaks.scatter_reduce_(1, block, level, "amax")  # |x| >= 0: the zeros never win in a real block
    # blocks past a row's last repeat its last (as the per-sample window's padding), M - 1 more for the window
    cols = torch.arange(most + width - 1, device=x.device)[None, :]
    peaks = torch.gather(peaks, 1, torch.minimum(cols, sent[last_at][:, None]))
    need = thr / torch.maximum(peaks, thr)  # float32, as on the CPU
    held = _window_min(need, width, m)  # (b, most)
    ramp = torch.arange(most, dtype=wide, device=x.device)[None, :] * sent[step_at].to(wide)[:, None]
    lg = torch.cummin(held.to(wide).log() - ramp, dim=1).values + ramp
    gain = lg.exp()
    smooth = _moving_mean(gain, width, m).to(torch.float32)
    smooth = torch.minimum(smooth, need[:, :most])
    shaved = torch.where(smooth < 1.0, smooth * _SHAVE, 1.0)
    shaved = torch.where(sent[on_at][:, None], shaved, 1.0)
    return {"audio": x * torch.gather(shaved, 1, block)[:, None, :]}


@kernel("audio.AddShortNoises", "audio")
def add_short_noises(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """The rows' events: per row on a CPU (:func:`per_row`), elsewhere :func:`short_noises_on_device`."""
    return (per_row if batch.fields["audio"].device.type == "cpu" else short_noises_on_device)(t, batch)


def short_noises_on_device(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """The rows' events (sounds decoded on the host) gathered, scaled, faded and added on the device."""
    x = batch.fields["audio"]
    rate, n, wide = batch.rate(t.name), x.shape[-1], sum_dtype(x.device)
    if not any(p["events"] for p in batch.params):
        return {"audio": x + 0.0}  # as the per-sample path's x + zeros: -0.0 becomes +0.0
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
            rows.append((row, lo, lo - start, hi - lo, g, *fades, length, offset))
    if not rows:
        return {"audio": x + 0.0}
    return {"audio": _mix_events(x, [s for s, _, _ in bank.values()], rows, wide)}


def _mix_events(
    x: torch.Tensor, sounds: Sequence[np.ndarray], rows: list[Any], wide: torch.dtype
) -> torch.Tensor:
    """``x`` plus every event ``(row, start, first, count, gain, fade_in, fade_out, length, source)``:
    samples ``first .. first + count`` of a sound of ``length`` samples (at ``source`` in the bank of
    ``sounds``), times ``gain`` and its fades, added to every channel of ``row`` from ``start``.

    Every added sample is indexed from ``g``, its position among all the events' samples, plus a
    per-event offset (three offsets: where in the clip, where in its sound, where in the bank). Events
    that do not overlap (the transform never draws overlapping ones) are added to the clip's
    samples alone, in float64, then rounded (the per-sample path's ``float32(x + added)``);
    overlapping ones go through a float64 copy of the whole batch and ``index_add_``.
    """
    ev = np.array([[r[0], r[1], r[2], r[3], r[5], r[6], r[7], r[8]] for r in rows], np.int64)
    row, start, first, counts, fade_in, fade_out, length, source = ev.T
    dest = row * x.shape[-1] + start  # in the flattened (b, n)
    begin = np.cumsum(counts) - counts  # each event's first position among all added samples
    order = np.argsort(dest, kind="stable")
    overlap = bool((dest[order][1:] < (dest + counts)[order][:-1]).any())
    stage = Stage()
    bank_at = stage.add(np.concatenate([s.reshape(-1) for s in sounds]), np.float32)
    offsets_at = stage.add(np.stack([start - begin, first - begin, source + first - begin], axis=1))
    row_at = stage.add(row)
    fades_at = stage.add(np.stack([fade_in + 1, fade_out + 1, length], axis=1))
    gain_at = stage.add([r[4] for r in rows], np.float64 if wide == torch.float64 else np.float32)
    counts_at = stage.add(counts)
    sent = stage.send(x.device)
    total = int(counts.sum())
    event = torch.repeat_interleave(
        torch.arange(len(rows), device=x.device), sent[counts_at], output_size=total
    )
    g = torch.arange(total, device=x.device)
    # each added sample's position in the clip, in its sound and in the bank
    at, j, src = (g[:, None] + sent[offsets_at].index_select(0, event)).unbind(1)
    on_row = sent[row_at].index_select(0, event)
    gain = sent[gain_at].index_select(0, event)
    value = sent[bank_at][src].to(wide) * gain  # as on the CPU: scaled, then faded
    fin, fout, sound_length = sent[fades_at].index_select(0, event).to(wide).unbind(1)
    # (j + 1) / (fade_in + 1) < 1 exactly inside the fade-in, >= 1 after it; the same for the fade-out
    value = value * ((j + 1).to(wide) / fin).clamp(max=1.0)
    value = value * ((sound_length - j) / fout).clamp(max=1.0)
    b, channels, n = x.shape
    if overlap:
        added = torch.zeros((b, n), dtype=wide, device=x.device)
        added.index_put_((on_row, at), value, accumulate=True)
        return (x.to(wide) + added[:, None, :]).to(torch.float32)
    base = on_row * (channels * n) + at  # in the flattened (b, C, n), channel 0
    flat = (base[:, None] + torch.arange(0, channels * n, n, device=x.device)).view(-1)  # every channel
    out = (x + 0.0).contiguous()  # + 0.0: -0.0 becomes +0.0 where no event lands, as per sample
    mixed = x.reshape(-1)[flat].to(wide) + value.repeat_interleave(channels)
    out.view(-1)[flat] = mixed.to(torch.float32)
    return out
