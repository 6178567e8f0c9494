"""Batched kernels of the Butterworth filters: ``LowPassFilter``, ``HighPassFilter``, ``BandPassFilter``, ...

torch has no IIR filter (and ``torchaudio`` is not a dependency), so each row's filter is applied
in the frequency domain, on any device, from the very sections the per-sample path designs
(:func:`multiaug.audio.functional.filters.filter_sections`, on the host):

* each row's impulse response ``h`` is computed on the host (``sosfilt`` of a unit impulse,
  float64) for ``L`` samples: until it has decayed below ``1e-10`` of its start (``L`` from the
  slowest pole's radius ``r``, ``log(1e-10) / log(r)``), and never more than the clip's length
  (an output sample needs no more of it), so a cutoff of 1 Hz is as exact as one of 1 kHz; then
  on the device ``y = G * x[0] + irfft(rfft(x - x[0]) * rfft(h))`` with an FFT of at least
  ``T + L`` (no wrap-around): the per-sample path starts the recursion in the steady state of
  the first sample (``G`` = the DC gain), the same as a clip extended to the left by ``x[0]``
  forever; that constant gives ``G * x[0]``, the rest starts from silence and is an ordinary
  causal convolution;
* ``zero_phase``: scipy's ``sosfiltfilt`` step by step: the odd extension of the per-sample
  path (rows grouped by its length), the filter forward, then backward on the reversed output
  started in the steady state of its last sample, the extension cut off;
* a band edge at or above the Nyquist frequency: rows that are unchanged are copied and rows of
  silence are zeros, exactly.

Accuracy against the per-sample float64 ``sosfilt``/``sosfiltfilt`` (float32 out): under 1e-6 on
speech (float32 FFT rounding; ``tests/test_torch_batch_audio.py`` asserts 1e-5); docs/torch.md has
the measured numbers and the speed (on a CPU the per-sample scipy recursion is faster: an FFT
costs more per sample than a few second-order sections; the kernel is there so that a pipeline
with filters runs batched on an accelerator).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ...audio.functional.filters import (
    IDENTITY,
    SILENCE,
    filter_sections,
    filtfilt_pad,
    impulse_responses,
    rbj_sos,
)
from ...core.transform import Transform
from .registry import Batch, kernel

__all__ = ["filter_rows"]

#: A tail longer than any clip (the impulse response is never needed past the clip's length).
_NEVER = 1 << 40
#: Where an impulse response counts as decayed (relative to its start).
_DECAYED = 1e-10

_KINDS = {
    "audio.LowPassFilter": "lowpass",
    "audio.HighPassFilter": "highpass",
    "audio.BandPassFilter": "bandpass",
    "audio.BandStopFilter": "bandstop",
}


def _edges(p: Mapping[str, Any]) -> tuple[float, ...]:
    if "cutoff_hz" in p:
        return (float(p["cutoff_hz"]),)
    half = p["center_hz"] * p["bandwidth_fraction"] / 2
    return (p["center_hz"] - half, p["center_hz"] + half)


def _tail(sos: np.ndarray) -> int:
    """Samples after which the impulse response of ``sos`` has decayed below :data:`_DECAYED`."""
    a1, a2 = sos[:, 4], sos[:, 5]
    disc = (a1 * a1 - 4 * a2).astype(complex)
    radius = np.abs(np.concatenate([(-a1 + np.sqrt(disc)) / 2, (-a1 - np.sqrt(disc)) / 2])).max()
    if radius <= 0.0:
        return 2 * len(sos)  # an FIR (the trivial sections)
    if radius >= 1.0:
        return _NEVER
    order = 2 * len(sos)  # clustered poles: the envelope grows like n ** (order - 1) at first
    return min(_NEVER, math.ceil((math.log(_DECAYED) - order) / math.log(float(radius))) + order)


def _fft_length(length: int, tail: int) -> int:
    """The FFT length for ``length`` samples and an impulse response of ``tail`` samples.

    ``tail`` is rounded up to a power of two (at most ``length``), so that a row's FFT length
    depends on the row alone, then the sum up to the next length whose only prime factors are
    2, 3 and 5: the linear convolution's first ``length`` samples, with no wrap-around.
    """
    n = length + min(length, 1 << max(0, tail - 1).bit_length())
    best = 1 << max(0, n - 1).bit_length()  # a power of two >= n
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35 << max(0, (n - 1) // p35).bit_length()  # p35 * the least power of two with m >= n
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def _causal(x: torch.Tensor, h: torch.Tensor, gain: torch.Tensor, n_fft: int) -> torch.Tensor:
    """The filter started in the steady state of each row's first sample: ``(b, C, N)``."""
    first = x[..., :1]
    spec = torch.fft.rfft(x - first, n=n_fft, dim=-1) * h[:, None]
    return torch.fft.irfft(spec, n=n_fft, dim=-1)[..., : x.shape[-1]] + gain * first


def _odd_extension(x: torch.Tensor, pad: int) -> torch.Tensor:
    """scipy's ``odd_ext``: ``2 x[0] - x[pad:0:-1]`` before, ``2 x[-1] - x[-2:-pad-2:-1]`` after."""
    if pad == 0:
        return x
    before = 2 * x[..., :1] - x[..., 1 : pad + 1].flip(-1)
    after = 2 * x[..., -1:] - x[..., -pad - 1 : -1].flip(-1)
    return torch.cat((before, x, after), dim=-1)


def _filter_group(
    x: torch.Tensor, sos: list[np.ndarray], zero_phase: bool, pad: int, n_fft: int
) -> torch.Tensor:
    """Rows ``x`` (b, C, T) through their sections (one odd-extension length ``pad``, one FFT length)."""
    gain = np.array([np.prod(s[:, :3].sum(1) / s[:, 3:].sum(1)) for s in sos], np.float32)
    gain_t = torch.from_numpy(gain).to(x.device)[:, None, None]
    tail = n_fft - x.shape[-1] - 2 * pad  # an output sample never needs more of h than this
    h = torch.fft.rfft(
        torch.from_numpy(impulse_responses(sos, tail).astype(np.float32)).to(x.device), n=n_fft, dim=-1
    )
    ext = _odd_extension(x, pad) if zero_phase else x
    y = _causal(ext, h, gain_t, n_fft)
    if zero_phase:
        y = _causal(y.flip(-1), h, gain_t, n_fft).flip(-1)[..., pad : pad + x.shape[-1]]
    return y


def filter_rows(x: torch.Tensor, sos: Sequence[np.ndarray], zero_phase: bool) -> torch.Tensor:
    """Each row of ``x`` (b, C, T) float32 through its sections, as the per-sample path filters it.

    ``sos[i]`` is row ``i``'s ``(sections, 6)`` (:func:`filter_sections`); with ``zero_phase``
    forward and backward (``sosfiltfilt``). Rows of :data:`IDENTITY` are copied, of
    :data:`SILENCE` zeros; the others are filtered in sub-batches of one odd-extension length and
    one FFT length (both depend on the row alone, so a row's output depends on its batch only by
    float32 rounding: the FFT library may vectorise a batch of rows differently).
    """
    out = torch.zeros_like(x)
    groups: dict[tuple[int, int], list[int]] = {}
    n = x.shape[-1]
    for i, s in enumerate(sos):
        if s is IDENTITY:
            out[i] = x[i]
        elif s is not SILENCE:
            pad = filtfilt_pad(s, n) if zero_phase else 0
            groups.setdefault((pad, _fft_length(n + 2 * pad, _tail(s))), []).append(i)
    for (pad, n_fft), rows in groups.items():
        index = torch.tensor(rows, device=x.device)
        y = _filter_group(x.index_select(0, index), [sos[i] for i in rows], zero_phase, pad, n_fft)
        out.index_copy_(0, index, y)
    return out


def _butterworth(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    x = batch.fields["audio"]
    rate = batch.rate(t.name)
    zero_phase = bool(t._r.zero_phase)
    kind = _KINDS[t.name]
    sos = [filter_sections(kind, int(rate), _edges(p), int(p["rolloff"]), zero_phase) for p in batch.params]
    return {"audio": filter_rows(x, sos, zero_phase)}


for _name in _KINDS:
    kernel(_name, "audio")(_butterworth)

_RBJ = {
    "audio.PeakingFilter": "peaking",
    "audio.LowShelfFilter": "lowshelf",
    "audio.HighShelfFilter": "highshelf",
}


def _rbj_sections(kind: str, rate: int, p: Mapping[str, Any]) -> np.ndarray:
    """The per-sample path's biquad; at or above Nyquist its gain (low shelf) or nothing."""
    if p["center_hz"] < rate / 2:
        return rbj_sos(kind, float(p["center_hz"]), float(p["gain_db"]), float(p["q"]), rate)
    if kind != "lowshelf":
        return IDENTITY
    factor = float(np.float32(10.0 ** (p["gain_db"] / 20.0)))
    return np.array([[factor, 0.0, 0.0, 1.0, 0.0, 0.0]])


@kernel("audio.PeakingFilter", "audio")
@kernel("audio.LowShelfFilter", "audio")
@kernel("audio.HighShelfFilter", "audio")
def rbj_biquad(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """One RBJ biquad per row (the per-sample path's sections), applied as the Butterworth filters.

    The per-sample path runs the biquad in float32 (within -80 dB of float64); this kernel is
    within float32 FFT rounding of the float64 recursion, so of the per-sample output by the
    per-sample path's own float32 error.
    """
    rate = batch.rate(t.name)
    kind = _RBJ[t.name]
    sos = [_rbj_sections(kind, int(rate), p) for p in batch.params]
    return {"audio": filter_rows(batch.fields["audio"], sos, False)}
