"""Batched kernels of the convolution ops of issue 20: ``ApplyImpulseResponse`` and ``RoomSimulator``.

Each row's impulse response is the per-sample path's own (a decoded, resampled and aligned
recording; a simulated room built on the host from the row's drawn room, source and microphone),
and the rows are convolved on the batch's device in one batched FFT. Results equal the per-sample
path (``multiaug.audio.functional.room.apply_impulse_response``: float32 FFTs, the length kept,
the input's RMS restored) within float32 FFT rounding (tested to 1e-5 of full scale). The output
length of ``keep_length=False`` depends on each row's response, so a batch needs
``keep_length=True``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import torch

from ...audio.functional import room as F
from ...audio.room import ApplyImpulseResponse
from ...core.errors import InvalidInputError
from ...core.transform import Transform
from .audio_level import _rows, sum_dtype
from .registry import Batch, kernel

__all__: list[str] = []


def convolve_rows(x: torch.Tensor, responses: Sequence[np.ndarray], normalize: bool) -> torch.Tensor:
    """Row ``i`` of ``x`` ``(b, C, n)`` convolved with ``responses[i]`` (mono), cut to ``n`` samples.

    One FFT length for the whole batch (long enough for the longest response: the linear
    convolution is exact at any such length). ``normalize``: each row scaled back to its input's
    RMS over all channels (float64 sums, the factor rounded to float32 as the per-sample path
    does); a silent result is left as is.
    """
    n = x.shape[-1]
    size = F.fft_size(n, max(r.shape[-1] for r in responses))
    kernels = torch.zeros((len(responses), size), dtype=torch.float32)
    for i, r in enumerate(responses):
        m = min(r.shape[-1], size)
        kernels[i, :m] = torch.from_numpy(np.ascontiguousarray(r[:m], dtype=np.float32))
    spectra = torch.fft.rfft(kernels.to(x.device), dim=-1)[:, None, :]
    out = torch.fft.irfft(torch.fft.rfft(x, n=size, dim=-1) * spectra, n=size, dim=-1)[..., :n]
    if not normalize:
        return out.contiguous()
    wide = sum_dtype(x.device)
    wet = out.to(wide).square().mean(dim=(1, 2)).sqrt()
    dry = x.to(wide).square().mean(dim=(1, 2)).sqrt()
    factors = [
        float(np.float32(d / w)) if w > 0.0 else 1.0
        for d, w in zip(dry.cpu().tolist(), wet.cpu().tolist(), strict=True)
    ]
    return out * _rows(factors, x)


def _keep_length(t: Transform) -> None:
    if not t._r.keep_length:
        raise InvalidInputError(
            t.name,
            "keep_length",
            "is False: each row would get its own length (the clip's plus its response's)",
            "pass keep_length=True to batch it (or call the pipeline per sample)",
        )


@kernel("audio.ApplyImpulseResponse", "audio")
def apply_impulse_response(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row convolved with its drawn response (decoded and cached on the host, as per sample)."""
    _keep_length(t)
    rate = batch.rate(t.name)
    bank = cast(ApplyImpulseResponse, t)
    sounds = [bank._sound(int(p["index"]), rate) for p in batch.params]
    try:
        responses = [F.aligned_ir(s, t._r.align) for s in sounds]
        return {"audio": convolve_rows(batch.fields["audio"], responses, t._r.normalize)}
    except (MemoryError, RuntimeError) as exc:  # torch's CPU allocator and CUDA raise RuntimeErrors
        if isinstance(exc, RuntimeError) and not _out_of_memory(exc):
            raise
        longest = max(s.shape[-1] for s in sounds)
        raise InvalidInputError(
            t.name,
            "ir",
            f"a batch of {len(sounds)} clips of {batch.fields['audio'].shape[-1]:,} samples convolved with "
            f"responses of up to {longest:,} samples at {rate} Hz does not fit in memory",
            "use shorter impulse responses (a room's lasts seconds), shorter clips or smaller batches",
        ) from None


def _out_of_memory(exc: RuntimeError) -> bool:
    # torch.OutOfMemoryError from torch 2.5 on (the supported 2.2-2.4 have torch.cuda's only)
    kind = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    return isinstance(exc, kind) or any(s in str(exc) for s in ("can't allocate", "out of memory"))


@kernel("audio.RoomSimulator", "audio")
def room_simulator(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row heard in its drawn room: the response built on the host, the convolution batched."""
    rate = batch.rate(t.name)
    responses = [_room_response(p, rate) for p in batch.params]
    return {"audio": convolve_rows(batch.fields["audio"], responses, True)}


def _room_response(p: Mapping[str, Any], rate: int) -> np.ndarray:
    size = (p["size_x"], p["size_y"], p["size_z"])
    source, mic = tuple(p["source"]), tuple(p["mic"])
    return F.shoebox_rir(size, source, mic, p["absorption"], rate, p["noise_seed"], from_direct=True)
