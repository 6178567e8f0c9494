"""Batched kernels of the audio transforms: level, sign, shift, noise, masks and the mel spectrogram.

Every kernel takes the rows a transform applies to, ``batch.fields["audio"]`` as ``(b, C, T)``
float32 (mono is ``C = 1``) and, for the masks, ``batch.fields["spectrogram"]`` as
``(b, C, F, frames)`` (the channel axis is always there inside a batch, as for audio), with the
parameters the per-sample path drew (``batch.params``). Per-sample parameters become one small
tensor per kernel call; the work is elementwise or a gather over the whole sub-batch, on the
input's device, and never writes to its input.

Each kernel matches its transform's ``apply`` on the same parameters:

* ``audio.Gain``, ``audio.PolarityInversion``, ``audio.TimeShift``: bit-exact (the gain factor
  ``10 ** (db / 20)`` rounded to float32 as NumPy rounds it);
* ``audio.TimeMask`` (waveform or spectrogram), ``audio.FrequencyMask``: bit-exact with a numeric
  fill; ``"mean"`` to float32 rounding of the mean;
* ``audio.AddBackgroundNoise``: float32 rounding (the same segments, the gain from float32 powers);
* ``audio.MelSpectrogram``: ``torch.stft`` in float32, within 0.01 dB of the float64 path;
* ``audio.AddNoise``: the same colour, distribution and exact SNR, but *another noise stream*
  (:mod:`.keyed_noise`), keyed by the trace's ``noise_seed``;
* ``audio.PitchShift`` (in :mod:`.vocoder`): the same shift, not the same waveform (the CPU
  path's phase vocoder, batched; f0, duration and spectra measured);
* ``audio.LowPassFilter``, ``HighPassFilter``, ``BandPassFilter``, ``BandStopFilter`` (in
  :mod:`.audio_filters`): the per-sample path's sections applied in the frequency domain, within
  float32 FFT rounding (a few 1e-7) of its float64 ``sosfilt``/``sosfiltfilt``; ``PeakingFilter``,
  ``LowShelfFilter``, ``HighShelfFilter`` the same way (the per-sample path's float32 biquad is
  itself up to ~2e-5 from float64);
* ``audio.ApplyImpulseResponse``, ``audio.RoomSimulator`` (in :mod:`.audio_rooms`): the
  per-sample path's responses (decoded, or simulated on the host), one batched FFT convolution,
  within float32 FFT rounding;
* ``audio.Limiter``, ``audio.AddShortNoises`` (in :mod:`.audio_dynamics`): the per-sample path's
  gains with each row's own block size and look-ahead, and its events' sounds (decoded on the
  host) mixed on the device: float32 rounding of the gain or of the sum.

:data:`NO_KERNEL` lists the audio transforms left without a kernel, and why. Importing this module
registers every audio kernel (``audio.PitchShift``'s lives in :mod:`.vocoder`, the filters' in
:mod:`.audio_filters`, the convolutions' in :mod:`.audio_rooms`, ``Limiter``'s and
``AddShortNoises``' in :mod:`.audio_dynamics`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import torch

from ...audio import AddBackgroundNoise
from ...audio.functional.noise import COLOURS, loop_segment
from ...audio.functional.spectral import mel_filterbank
from ...core.errors import InvalidInputError
from ...core.transform import Transform
from . import audio_dynamics, audio_filters, audio_level, audio_rooms, vocoder  # noqa: F401  (register their kernels)
from .audio_level import sum_dtype
from .keyed_noise import keyed_normal, noise_keys
from .registry import Batch, kernel

__all__ = ["NO_KERNEL"]

#: Audio transforms without a batched kernel, and why (``ma.torch.batched`` refuses them by name).
NO_KERNEL: dict[str, str] = {
    "audio.TimeStretch": (
        "the output length round(T / rate) differs per sample (keep_length=False, the default), so "
        "the rows cannot stay one tensor; kernels are looked up by name when the pipeline is "
        "batched, before the options could say keep_length=True"
    ),
    "audio.SpeedChange": (
        "the output length round(T / factor) differs per sample (keep_length=False, the default); "
        "with keep_length=True each row would need its own resampling ratio, and nothing here "
        "matches soxr's band-limited resampler yet"
    ),
    "audio.Mp3Compression": (
        "LAME encodes on the host, one clip at a time: a kernel would copy every row to the host "
        "and back around the same per-row work, so the batch keeps it out by name instead"
    ),
}


def _audio(batch: Batch) -> torch.Tensor:
    return batch.fields["audio"]


def _column(values: Sequence[float], like: torch.Tensor) -> torch.Tensor:
    """Per-sample numbers as a float32 tensor ``(b, 1, ..., 1)`` broadcasting against ``like``."""
    shape = (len(values),) + (1,) * (like.dim() - 1)
    return torch.tensor(values, dtype=torch.float32, device=like.device).reshape(shape)


def _peak_and_power(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row: the peak ``|x|`` (1 for a silent row) and the mean square of ``x / peak``: ``(b,)`` each.

    Scaling by the peak keeps the float32 squares away from underflow (a 1e-25 signal) and
    overflow (1e20), which the per-sample path's float64 powers never meet. The mean is
    accumulated in float64: a CUDA reduction sums a row in an order that depends on the batch's
    shape, and float32 sums would let a sample's SNR scale depend on its batch (seen on an H200).
    """
    flat = x.flatten(1)
    peak = flat.abs().amax(dim=1)
    peak = torch.where(peak > 0, peak, 1.0)
    power = (flat / peak[:, None]).square().mean(dim=1, dtype=sum_dtype(x.device))
    return peak, power.to(torch.float32)


def _mix_at_snr(signal: torch.Tensor, noise: torch.Tensor, snr_db: Sequence[float]) -> torch.Tensor:
    """``signal + g * noise`` per sample, ``g`` giving exactly ``snr_db`` (silence adds nothing)."""
    s_peak, s_power = _peak_and_power(signal)
    n_peak, n_power = _peak_and_power(noise.expand_as(signal))
    ratio = torch.tensor([10.0 ** (s / 10.0) for s in snr_db], dtype=torch.float32, device=signal.device)
    ok = (s_power > 0) & (n_power > 0)
    scale = torch.sqrt(s_power / torch.where(ok, n_power * ratio, 1.0)) * (s_peak / n_peak)
    gain = torch.where(ok, scale, 0.0)
    return signal + gain.reshape((-1,) + (1,) * (signal.dim() - 1)) * noise


@kernel("audio.Gain", "audio")
def gain(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """``audio * 10 ** (db / 20)``; the factor rounded to float32 as NumPy rounds it (bit-exact)."""
    x = _audio(batch)
    factors = [float(np.float32(10.0 ** (p["db"] / 20.0))) for p in batch.params]
    return {"audio": x * _column(factors, x)}


@kernel("audio.PolarityInversion", "audio")
def polarity_inversion(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """``-audio`` (bit-exact)."""
    return {"audio": torch.neg(_audio(batch))}


def shift_by_slices(x: torch.Tensor, shifts: Sequence[int], rollover: bool) -> torch.Tensor:
    """Rows of ``x`` (b, C, T) shifted later by ``shifts`` samples: one slice copy per row."""
    n = x.shape[-1]
    out = torch.empty_like(x) if rollover else torch.zeros_like(x)
    for row, s in enumerate(shifts):
        if rollover:
            out[row] = torch.roll(x[row], s, -1)
        elif s >= 0:
            out[row, :, s:] = x[row, :, : max(0, n - s)]
        else:
            out[row, :, : n + s] = x[row, :, -s:]
    return out


def shift_by_gather(x: torch.Tensor, shifts: Sequence[int], rollover: bool) -> torch.Tensor:
    """As :func:`shift_by_slices`, in one gather over the batch (``|shift| <= T``)."""
    n = x.shape[-1]
    # int32 index arithmetic (int64 division is slow), int64 for the gather: output t reads t - shift
    shift = torch.tensor(shifts, dtype=torch.int32, device=x.device).reshape(-1, 1)
    source = torch.arange(n, dtype=torch.int32, device=x.device) - shift
    if rollover:
        source = torch.where(source < 0, source + n, source)  # -n <= source < 2n
        source = torch.where(source >= n, source - n, source)
        return torch.gather(x, -1, source.long()[:, None].expand_as(x))
    inside = (source >= 0) & (source < n)
    taken = torch.gather(x, -1, source.clamp(0, n - 1).long()[:, None].expand_as(x))
    return torch.where(inside[:, None], taken, 0.0)


@kernel("audio.TimeShift", "audio")
def time_shift(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row shifted by its ``shift`` samples: rolled over, or silence where nothing comes in.

    On a CPU one slice copy per row (a gather costs about 10x more there); elsewhere one gather.
    """
    x = _audio(batch)
    shifts = [int(p["shift"]) for p in batch.params]
    shift = shift_by_slices if x.device.type == "cpu" else shift_by_gather
    return {"audio": shift(x, shifts, bool(t._r.rollover))}


def coloured(white: torch.Tensor, colour: str) -> torch.Tensor:
    """White noise ``(..., T)`` shaped to ``1 / f**a`` in the frequency domain, DC removed (as on the CPU)."""
    exponent = COLOURS[colour]
    n = white.shape[-1]
    if exponent == 0.0 or n < 2:
        return white
    spec = torch.fft.rfft(white, dim=-1)
    freq = torch.arange(spec.shape[-1], dtype=torch.float32, device=white.device)
    scale = torch.where(freq > 0, freq.clamp(min=1.0) ** (-exponent / 2.0), 0.0)
    return torch.fft.irfft(spec * scale, n=n, dim=-1)


@kernel("audio.AddNoise", "audio")
def add_noise(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """Keyed white/pink/brown noise (:mod:`.keyed_noise`) mixed at each sample's exact SNR."""
    x = _audio(batch)
    keys = noise_keys([p["noise_seed"] for p in batch.params], x.shape[1], x.device)
    noise = coloured(keyed_normal(keys, x.shape[-1]), t._r.colour)
    return {"audio": _mix_at_snr(x, noise, [p["snr_db"] for p in batch.params])}


@kernel("audio.AddBackgroundNoise", "audio")
def add_background_noise(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """The per-sample path's sound segments (decoded and cached on the host), mixed on the device."""
    x = _audio(batch)
    rate = batch.rate(t.name)
    n = x.shape[-1]
    segments = []
    for p in batch.params:
        sound = cast(AddBackgroundNoise, t)._sound(int(p["index"]), int(rate))
        segments.append(loop_segment(sound, int(p["offset"] * sound.shape[-1]), n))
    noise = torch.from_numpy(np.stack(segments).astype(np.float32, copy=False)).to(x.device)[:, None]
    return {"audio": _mix_at_snr(x, noise, [p["snr_db"] for p in batch.params])}


def _span_mask(params: Sequence[Mapping[str, Any]], length: int, device: torch.device) -> torch.Tensor:
    """``(b, length)`` bool: True inside any of each sample's ``spans`` (``[start, width]`` pairs).

    +1 at every start and -1 at every end, summed along the axis: positive inside a span.
    """
    most = max((len(p["spans"]) for p in params), default=0)
    edges = torch.zeros((len(params), 2, max(most, 1)), dtype=torch.int64)  # empty spans: 0, 0
    for i, p in enumerate(params):
        for j, (start, width) in enumerate(p["spans"]):
            edges[i, 0, j], edges[i, 1, j] = int(start), int(start) + int(width)
    edges = edges.to(device)
    step = torch.ones(edges.shape[0], 1, edges.shape[2], dtype=torch.int32, device=device)
    step = torch.cat((step, -step), dim=1).flatten(1)
    delta = torch.zeros((len(params), length + 1), dtype=torch.int32, device=device)
    delta.scatter_add_(1, edges.flatten(1), step)
    return delta.cumsum(dim=1, dtype=torch.int32)[:, :length] > 0


def _masked(x: torch.Tensor, mask: torch.Tensor, fill: float | str, dims: tuple[int, ...]) -> torch.Tensor:
    """``x`` with ``mask`` (broadcasting) set to ``fill``; ``"mean"``: ``x``'s mean over ``dims``."""
    if isinstance(fill, str):
        value = x.mean(dim=dims, keepdim=True, dtype=sum_dtype(x.device)).to(x.dtype)  # as above
    else:
        value = torch.tensor(fill, dtype=x.dtype, device=x.device)
    return torch.where(mask, value, x)


def _spectrogram(t: Transform, batch: Batch) -> torch.Tensor:
    spec = batch.fields.get("spectrogram")
    if spec is None:
        raise InvalidInputError(
            t.name, "spectrogram", "is missing from the batch", "put ma.audio.MelSpectrogram() before it"
        )
    return spec


@kernel("audio.TimeMask", "audio")
def time_mask(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """The drawn stretches of the last axis set to the fill: waveform samples or spectrogram frames."""
    targets = {p["target"] for p in batch.params}
    if len(targets) != 1:
        raise InvalidInputError(
            t.name, "params.target", f"differs within one batch ({sorted(targets)})", "batch like samples"
        )
    target = targets.pop()
    x = _spectrogram(t, batch) if target == "spectrogram" else _audio(batch)
    mask = _span_mask(batch.params, x.shape[-1], x.device)
    mask = mask.reshape((mask.shape[0],) + (1,) * (x.dim() - 2) + (mask.shape[1],))
    return {target: _masked(x, mask, t._r.fill, tuple(range(2, x.dim())))}


@kernel("audio.FrequencyMask", "audio")
def frequency_mask(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """The drawn bands of frequency rows of the ``(b, C, F, frames)`` spectrogram set to the fill."""
    x = _spectrogram(t, batch)
    mask = _span_mask(batch.params, x.shape[-2], x.device)[:, None, :, None]
    return {"spectrogram": _masked(x, mask, t._r.fill, (2, 3))}


_FILTERBANKS: dict[tuple[Any, ...], torch.Tensor] = {}


def _filterbank(key: tuple[Any, ...], device: torch.device) -> torch.Tensor:
    """The mel filterbank of the CPU path as a tensor on ``device`` (cached per key and device)."""
    full = (*key, str(device))
    bank = _FILTERBANKS.get(full)
    if bank is None:
        bank = torch.from_numpy(np.array(mel_filterbank(*key))).to(device)
        _FILTERBANKS[full] = bank
    return bank


@kernel("audio.MelSpectrogram", "audio")
def mel_spectrogram(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """``torch.stft`` (centred, zero padding, periodic Hann) through the CPU path's mel filterbank."""
    r = t._r
    x = _audio(batch)
    rate = batch.rate(t.name)
    top = rate / 2.0 if r.fmax is None else r.fmax
    window = torch.hann_window(r.n_fft, periodic=True, dtype=x.dtype, device=x.device)
    stft = torch.stft(
        x.flatten(0, 1), r.n_fft, r.hop_length, window=window, center=True, pad_mode="constant",
        return_complex=True,
    )  # fmt: skip
    spec = stft.abs()
    if r.power != 1.0:
        spec = spec**r.power
    bank = _filterbank((int(rate), r.n_fft, r.n_mels, float(r.fmin), float(top)), x.device)
    mel = torch.matmul(bank, spec)
    if r.log:
        mel = (20.0 / r.power) * torch.log10(mel.clamp(min=1e-10 ** (r.power / 2.0)))
    return {"spectrogram": mel.unflatten(0, x.shape[:2])}
