"""Keyed Gaussian noise for batched kernels: a counter-based generator in torch integer ops.

The per-sample path draws its noise with NumPy's Philox from the ``noise_seed`` in the trace;
reproducing NumPy's Gaussian sampler on a device is not worth its cost. The batched kernels draw
their noise from the same ``noise_seed`` with a counter-based generator instead, so that:

* the noise of sample ``i`` is a function of its ``noise_seed``, its channel and the sample index
  only: never of the batch size, of the other samples or of their order (a sample augmented in a
  batch of 32 gets the same noise alone);
* the integer stream is bit-identical on every device (CPU, CUDA...), being integer arithmetic
  only; the Gaussian values agree to float rounding of ``log``/``sqrt``/``cos``/``sin`` (a few
  ulp), which each device library rounds its own way;
* it costs a handful of elementwise ops per value, vectorised over the whole batch.

The generator: for sample seed ``s`` and channel ``c``, two 32-bit keys ``(ka, kb)`` are the
halves of ``splitmix64(s ^ c * 0x9E3779B97F4A7C15)`` (host integers, once per row). The 32-bit
word of counter ``n`` is ``h(h(n ^ ka) ^ kb)``, with ``h`` the ``lowbias32`` integer hash
(C. Wellons, hash-prospector: ``x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b;
x ^= x >> 16``). Words ``2j`` and ``2j + 1`` give two uniforms in (0, 1) (their top 23 bits,
centred) and, by the Box-Muller transform, the normals at indices ``2j`` (cosine) and ``2j + 1``
(sine). The arithmetic runs on int32 tensors, whose multiplication wraps modulo ``2**32`` (two's
complement) on every torch backend; the logical right shifts are arithmetic shifts masked.

This is a different stream from the per-sample path's: a batched ``AddNoise`` adds noise of the
same distribution, colour and exact SNR as the per-sample path, not the same values (the trace's
``noise_seed`` is the same).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = ["hash32", "keyed_normal", "noise_keys", "words"]

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _int32(value: int) -> int:
    """An unsigned 32-bit value as the int32 with the same bits."""
    return value - (1 << 32) if value >= 1 << 31 else value


_C1 = _int32(0x7FEB352D)
_C2 = _int32(0x846CA68B)


def _splitmix64(z: int) -> int:
    z = (z + _GOLDEN) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def noise_keys(seeds: Sequence[int], channels: int, device: torch.device | str) -> torch.Tensor:
    """The generator keys ``(b, channels, 2)`` int32 of the samples with these ``noise_seed`` values."""
    rows = []
    for seed in seeds:
        row = []
        for c in range(channels):
            z = _splitmix64((int(seed) ^ (c * _GOLDEN)) & _MASK64)
            row.append((_int32(z & 0xFFFFFFFF), _int32(z >> 32)))
        rows.append(row)
    return torch.tensor(rows, dtype=torch.int32, device=device).reshape(len(seeds), channels, 2)


def _mix(x: torch.Tensor) -> torch.Tensor:
    """``lowbias32`` of an int32 tensor, in place (the bits read as unsigned 32-bit words)."""
    x ^= (x >> 16) & 0xFFFF
    x *= _C1
    x ^= (x >> 15) & 0x1FFFF
    x *= _C2
    x ^= (x >> 16) & 0xFFFF
    return x


def hash32(x: torch.Tensor) -> torch.Tensor:
    """``lowbias32`` of every element of an int32 tensor (the bits as unsigned 32-bit words); a new tensor."""
    return _mix(x.clone())


def _words(keys: torch.Tensor, counter: torch.Tensor) -> torch.Tensor:
    """``h(h(n ^ ka) ^ kb)`` for every counter ``n``: keys ``(b, C, 2)``, counters ``(..., n)``."""
    shape = keys.shape[:2] + (1,) * counter.dim()
    x = _mix(counter ^ keys[..., 0].reshape(shape))
    x ^= keys[..., 1].reshape(shape)
    return _mix(x)


def words(keys: torch.Tensor, n: int) -> torch.Tensor:
    """The first ``n`` int32 words of each row's stream: ``(b, C, n)`` for keys ``(b, C, 2)``."""
    return _words(keys, torch.arange(n, dtype=torch.int32, device=keys.device))


def keyed_normal(keys: torch.Tensor, length: int) -> torch.Tensor:
    """Standard normal float32 noise ``(b, C, length)`` from keys ``(b, C, 2)`` (see the module's text).

    Element ``t`` of a row depends only on the row's keys and ``t``: a longer row starts with the
    values of a shorter one.
    """
    half = (length + 1) // 2
    even = torch.arange(0, 2 * half, 2, dtype=torch.int32, device=keys.device)
    w = _words(keys, torch.stack((even, even + 1)))  # (b, C, 2, half): words 2j and 2j + 1
    # top 23 bits, centred: uniforms in (0, 1) exactly representable in float32
    u = ((w >> 9) & 0x7FFFFF).to(torch.float32).add_(0.5).mul_(2.0**-23)
    radius = torch.log(u[..., 0, :]).mul_(-2.0).sqrt_()
    angle = u[..., 1, :].mul_(2.0 * math.pi)
    z = torch.stack((radius * torch.cos(angle), radius.mul_(torch.sin(angle))), dim=-1)
    return z.flatten(-2)[..., :length]
