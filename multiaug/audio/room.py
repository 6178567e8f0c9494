"""Rooms: ``ApplyImpulseResponse`` (recorded or given responses) and ``RoomSimulator``."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ..core.params import Choice, Flag, Number, param
from .functional import room as F
from .noise import SoundBank, Sounds

__all__ = ["ApplyImpulseResponse"]


class ApplyImpulseResponse(SoundBank):
    """Convolve the clip with an impulse response picked per call (audiomentations' ``ApplyImpulseResponse``).

    The response is resampled to the clip's rate (soxr), mixed down to mono and applied to every
    channel by FFT convolution (equal to ``scipy.signal.fftconvolve``). Alignment: with
    ``align="peak"`` (default) the response starts at its peak (the direct sound), so the wet
    clip lines up with the dry one; ``"start"`` keeps its pre-delay. The trace records the
    response's ``index`` in the expanded list.

    Parameters
    ----------
    ir : path, folder or list of paths and float32 arrays
        Impulse responses, as ``AddBackgroundNoise``'s ``sounds`` (folders searched at the first
        call; arrays are taken to be at the clip's rate).
    align : {"peak", "start"}, default "peak"
    keep_length : bool, default True
        Cut the output to the input's length (else ``n + len(ir) - 1`` samples: the tail kept).
    normalize : bool, default True
        Scale the output to the input's RMS (all channels). audiomentations instead scales the
        peak to 0.5.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ir = np.exp(-np.arange(800) / 100).astype(np.float32) * np.random.default_rng(0).normal(size=800)
    >>> t = ma.audio.ApplyImpulseResponse([ir.astype(np.float32)], p=1.0)
    >>> x = np.sin(np.arange(8000, dtype=np.float32) / 7)
    >>> y = t(audio=x, sample_rate=8000)["audio"]
    >>> y.shape, round(float(np.sqrt(np.mean(y**2)) / np.sqrt(np.mean(x**2))), 4)
    ((8000,), 1.0)
    """

    _bank: ClassVar[str] = "ir"
    ir: str | os.PathLike[str] | np.ndarray | Sequence[str | os.PathLike[str] | np.ndarray] = param(Sounds())
    align: str = param(Choice("peak", "start"), default="peak")
    keep_length: bool = param(Flag(), default=True)
    normalize: bool = param(Flag(), default=True)
    _drawn = {"index": Number(0, 2**62, integer=True)}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        return {"index": int(rng.integers(0, len(self._files())))}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        super().check_params(params, sample)
        _check_index(self, params["index"])

    def apply_audio(self, audio: np.ndarray, sample_rate: int, index: int, **_: Any) -> np.ndarray:
        ir = F.aligned_ir(self._sound(index, sample_rate), self._r.align)
        return F.apply_impulse_response(audio, ir, self._r.keep_length, self._r.normalize)


def _check_index(t: SoundBank, index: int) -> None:
    from ..core.errors import InvalidInputError

    count = len(t._files())
    if index >= count:
        raise InvalidInputError(
            t.name, "params.index", f"is {index}, but there are {count} sounds", "replay on the same sounds"
        )
