"""Validation of the audio sample fields ``audio``, ``sample_rate`` and ``spectrogram`` (NumPy only)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.fields import Field, register_field
from ..core.validation import all_finite, require_at_most, require_ndarray, require_nonempty

__all__ = ["check_audio", "check_sample_rate", "check_spectrogram", "check_waveform"]

#: The largest accepted ``sample_rate`` (Hz): twice 768 kHz, the highest rate of audio interfaces.
#: Frame sizes derive from the rate (the phase vocoder's is about 50 ms), so an absurd rate
#: (``10**9``) would ask for gigabytes; at this bound the largest frame is 65536 samples.
MAX_SAMPLE_RATE = 1_536_000
#: Samples per channel of one clip (about 12 hours at 48 kHz); spectrogram cells likewise.
MAX_SAMPLES = 2**31
#: The largest accepted sample magnitude. Samples are amplitudes near [-1, 1] (float32 made from
#: 32-bit PCM without scaling reaches 2.1e9); beyond 1e12 a clip is damaged, and the gains the ops
#: may apply (up to 120 dB each) would overflow float32 (3.4e38) into inf.
MAX_AMPLITUDE = 1e12
_lowest, _highest = np.minimum.reduce, np.maximum.reduce  # no method wrappers: a keyed call's fixed cost
_bits_or, _U32, _F32 = np.bitwise_or.reduce, np.dtype(np.uint32), np.dtype(np.float32)
#: The top bit of a float32's exponent: clear exactly when ``|x| < 2`` (finite: NaN and inf set it).
_EXP_TOP = 0x40000000

_PCM_FIX = (
    "convert integer PCM to float32 in [-1, 1]: audio.astype(np.float32) / 32768 for int16, "
    "/ 2**31 for int32, (audio.astype(np.float32) - 128) / 128 for uint8; "
    "or read files with ma.audio.load(path), which returns float32"
)


def _require_float32(owner: str, field: str, arr: np.ndarray, fix: str) -> None:
    if arr.dtype != np.float32:
        raise InvalidInputError(owner, field, f"has dtype {arr.dtype}, expected float32", fix)


def _require_finite(owner: str, field: str, arr: np.ndarray, what: str, fix: str) -> None:
    if not all_finite(arr):
        raise InvalidInputError(owner, field, f"contains NaN or inf{what}", fix)


def check_waveform(owner: str, audio: Any, field: str = "audio") -> None:
    """Check a waveform array: float32, ``(samples,)`` or ``(channels, samples)``, non-empty, finite.

    Samples larger than ``MAX_AMPLITUDE`` in magnitude are refused too (a damaged clip; an op's
    gain would overflow float32).
    """
    if (
        type(audio) is np.ndarray
        and audio.dtype.char == "f"
        and (
            (audio.ndim == 1 and 0 < audio.shape[0] <= MAX_SAMPLES)
            or (audio.ndim == 2 and 0 < audio.shape[0] <= audio.shape[1] <= MAX_SAMPLES)
        )
    ):
        # The common case, a float32 clip within [-2, 2), in one pass without BLAS: OR-ing the
        # samples' bits leaves the exponent's top bit clear exactly when every sample has it clear,
        # i.e. every |x| < 2 (NaN and inf have an all-ones exponent). Native float32 only (is: the
        # shared descriptor; an equal copy takes the long way).
        if audio.dtype is _F32 and not _bits_or(audio.view(_U32), axis=None) & _EXP_TOP:
            return
        # a louder mono clip (or a byte-swapped one): two reductions (NaN compares false: the
        # checks below name it)
        if audio.ndim == 1 and -MAX_AMPLITUDE <= _lowest(audio) and _highest(audio) <= MAX_AMPLITUDE:
            return
    require_ndarray(owner, field, audio, "convert it with np.asarray(audio, dtype=np.float32)")
    if audio.dtype != np.float32:  # the common case pays one comparison
        if np.issubdtype(audio.dtype, np.integer):
            raise InvalidInputError(owner, field, f"has integer dtype {audio.dtype} (PCM samples)", _PCM_FIX)
        _require_float32(
            owner,
            field,
            audio,
            "convert with audio.astype(np.float32) (soundfile: sf.read(path, dtype='float32'))"
            if audio.dtype == np.float64 or audio.dtype == np.float16
            else "pass float32 samples in [-1, 1]",
        )
    if audio.ndim not in (1, 2):
        raise InvalidInputError(
            owner,
            field,
            f"must have shape (samples,) or (channels, samples), got {audio.ndim} dimensions {audio.shape}",
            "pass one clip per call (a batch: call the pipeline once per clip)",
        )
    require_nonempty(owner, field, audio, "pass at least one sample")
    if audio.ndim == 2 and audio.shape[0] > audio.shape[1]:
        raise InvalidInputError(
            owner,
            field,
            f"has shape {audio.shape}: more channels than samples, so it looks like (samples, channels)",
            "transpose it to (channels, samples) with audio.T (soundfile returns (samples, channels))",
        )
    require_at_most(owner, field, audio.shape[-1], MAX_SAMPLES, "samples per channel", "split the clip")
    _require_finite(owner, field, audio, "", "repair or drop the clip (e.g. np.nan_to_num(audio))")
    peak = float(max(-audio.min(), audio.max()))
    if peak > MAX_AMPLITUDE:
        raise InvalidInputError(
            owner,
            field,
            f"has samples up to {peak:.3g} in magnitude, more than the {MAX_AMPLITUDE:.0e} supported "
            "(float32 audio holds amplitudes near [-1, 1])",
            "scale the clip into [-1, 1] (e.g. audio / np.abs(audio).max()), or drop it if it is damaged",
        )


def check_audio(owner: str, audio: Any, sample: Mapping[str, Any]) -> None:
    """Field check of ``audio``: a valid waveform that comes with its ``sample_rate``."""
    check_waveform(owner, audio)
    if "sample_rate" not in sample:
        raise InvalidInputError(
            owner,
            "sample_rate",
            "is missing; audio needs its sample rate",
            "call with sample_rate=<rate in Hz>, e.g. sample_rate=16000",
        )


def check_sample_rate(owner: str, rate: Any, sample: Mapping[str, Any]) -> None:
    """Field check of ``sample_rate``: an int (Hz), ``1 <= rate <= MAX_SAMPLE_RATE``."""
    if type(rate) is int and 0 < rate <= MAX_SAMPLE_RATE:
        return
    if isinstance(rate, bool) or not isinstance(rate, numbers.Integral):
        raise InvalidInputError(
            owner,
            "sample_rate",
            f"must be an int (Hz), got {type(rate).__name__} {rate!r}",
            "pass an int, e.g. sample_rate=16000 (or int(rate))",
        )
    rate = int(rate)
    if rate <= 0:
        raise InvalidInputError(
            owner, "sample_rate", f"must be positive, got {rate}", "pass the clip's rate in Hz, e.g. 16000"
        )
    if rate > MAX_SAMPLE_RATE:
        raise InvalidInputError(
            owner,
            "sample_rate",
            f"is {rate} Hz, above the largest supported rate {MAX_SAMPLE_RATE} Hz",
            "pass the clip's rate in Hz (e.g. 16000 or 48000); resample first if it really is higher",
        )


def check_spectrogram(owner: str, spec: Any, sample: Mapping[str, Any]) -> None:
    """Field check of ``spectrogram``: float32 ``(freq, time)`` or ``(channels, freq, time)``, finite."""
    fix = "pass float32 (freq, time) or (channels, freq, time), e.g. from ma.audio.MelSpectrogram"
    require_ndarray(owner, "spectrogram", spec, fix)
    _require_float32(owner, "spectrogram", spec, "convert with spectrogram.astype(np.float32)")
    if spec.ndim not in (2, 3):
        raise InvalidInputError(
            owner, "spectrogram", f"must have 2 or 3 dimensions, got shape {spec.shape}", fix
        )
    require_nonempty(owner, "spectrogram", spec, fix)
    require_at_most(owner, "spectrogram", spec.size, MAX_SAMPLES, "cells", "split the clip")
    _require_finite(
        owner,
        "spectrogram",
        spec,
        " (a log of zero?)",
        "floor the power before the log, e.g. 10 * np.log10(np.maximum(S, 1e-10))",
    )


register_field(
    Field("audio", "signal", check_audio, "array", keeps_shape=True, suffix=".wav", modality="audio")
)
register_field(Field("sample_rate", "meta", check_sample_rate, "int", modality="audio"))
register_field(Field("spectrogram", "signal", check_spectrogram, "array", keeps_shape=True, modality="audio"))
