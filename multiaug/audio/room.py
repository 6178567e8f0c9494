"""Rooms: ``ApplyImpulseResponse`` (recorded or given responses) and ``RoomSimulator``."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Choice, Flag, NoiseSeed, Number, Range, param
from .base import AudioTransform
from .functional import room as F
from .noise import SoundBank, Sounds

#: Spectra of impulse responses kept per transform (each as long as the clips' FFT: a few, not many)
SPECTRA = 4

__all__ = ["ApplyImpulseResponse", "RoomSimulator"]


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
        call; arrays are taken to be at the clip's rate). A silent response (all zeros) is refused.
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
    ir: str | os.PathLike[str] | np.ndarray | Sequence[str | os.PathLike[str] | np.ndarray] = param(
        Sounds(audible=True)
    )
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
        sound = self._sound(index, sample_rate)
        try:
            ir = F.aligned_ir(sound, self._r.align)
            spectrum = self._spectrum((index, sample_rate, F.fft_size(audio.shape[-1], ir.shape[-1])), ir)
            return F.apply_impulse_response(audio, ir, self._r.keep_length, self._r.normalize, spectrum)
        except MemoryError:  # NumPy's, or pocketfft's std::bad_alloc
            raise InvalidInputError(
                self.name,
                "ir",
                f"response {index} ({sound.shape[-1]:,} samples at {sample_rate} Hz) convolved with a clip "
                f"of {audio.shape[-1]:,} samples does not fit in memory (its FFTs are longer than both)",
                "use shorter impulse responses (a room's lasts seconds) or shorter clips",
            ) from None

    def _spectrum(self, key: tuple[int, int, int], ir: np.ndarray) -> np.ndarray:
        """The response's spectrum at this FFT size: a clip-sized array, so only the last
        ``SPECTRA`` are kept, apart from the decoded sounds (which they would otherwise evict)."""
        return self._cached(self._r.spectra, key, lambda: F.ir_spectrum(ir, key[2]), SPECTRA)


def _check_index(t: SoundBank, index: int) -> None:
    count = len(t._files())
    if index >= count:
        raise InvalidInputError(
            t.name, "params.index", f"is {index}, but there are {count} sounds", "replay on the same sounds"
        )


def _metres(default: tuple[float, float]) -> Any:
    return param(Range(1.0, 50.0, scalar="fixed", example=str(default)), default=default)


class RoomSimulator(AudioTransform):
    """Place the clip in a shoebox room drawn per call: image sources and a modelled reverberant tail.

    Each call draws the room's size, one absorption coefficient for all walls, and the source
    and microphone positions (uniformly inside, at least 0.1 m from the walls). The impulse
    response is multiaug's own: every image source (Allen & Berkley) for the first 50 ms after
    the direct sound, then Gaussian noise decaying at Eyring's reverberation time
    ``RT60 = 24 ln(10) V / (-c S ln(1 - absorption))`` to 60 dB down (at most 10 s), its level
    matched to the image sources (gpuRIR's diffuse tail); see
    :func:`multiaug.audio.functional.room.shoebox_rir`. The measured RT60 (Schroeder, T20) lies
    within 10 % of Eyring's (tests). The clip is convolved with it, the direct sound kept in place
    (on its sample or the next: never earlier) and the RMS and length kept (``ApplyImpulseResponse``'s
    defaults). Frequency-independent
    absorption, no air absorption. audiomentations' ``RoomSimulator`` (pyroomacoustics) takes
    0.4-0.6 s per call on its defaults; this takes milliseconds.

    Parameters
    ----------
    size_x, size_y, size_z : float or (float, float), default (3.6, 5.6), (3.6, 3.9), (2.4, 3.0)
        Ranges of the room's dimensions in metres, within [1, 50] (audiomentations' defaults).
    absorption : float or (float, float), default (0.075, 0.4)
        Range of the walls' energy absorption coefficient, within [0.01, 0.99].
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.sin(np.arange(16000, dtype=np.float32) / 9)
    >>> y = ma.audio.RoomSimulator(p=1.0)(audio=x, sample_rate=16000, key=0)["audio"]
    >>> y.shape, round(float(np.sqrt(np.mean(y**2)) / np.sqrt(np.mean(x**2))), 3)
    ((16000,), 1.0)
    """

    size_x: float | tuple[float, float] = _metres((3.6, 5.6))
    size_y: float | tuple[float, float] = _metres((3.6, 3.9))
    size_z: float | tuple[float, float] = _metres((2.4, 3.0))
    absorption: float | tuple[float, float] = param(
        Range(0.01, 0.99, scalar="fixed", example="(0.075, 0.4)"), default=(0.075, 0.4)
    )
    _drawn = {"source": Number(0.0, 50.0), "mic": Number(0.0, 50.0), "noise_seed": NoiseSeed()}
    _lengths = {"source": 3, "mic": 3}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        params = super().make_params(rng, sample)  # sizes and absorption, then the noise seed
        size = [params["size_x"], params["size_y"], params["size_z"]]
        params["source"] = [float(rng.uniform(0.1, s - 0.1)) for s in size]
        params["mic"] = [float(rng.uniform(0.1, s - 0.1)) for s in size]
        return params

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        super().check_params(params, sample)
        size = (params["size_x"], params["size_y"], params["size_z"])
        for name in ("source", "mic"):
            if not all(0.0 <= v <= s for v, s in zip(params[name], size, strict=True)):
                why = f"{params[name]} is outside the room {list(size)}"
                raise InvalidInputError(self.name, f"params.{name}", why, "replay an unchanged trace")

    def apply_audio(
        self,
        audio: np.ndarray,
        sample_rate: int,
        size_x: float,
        size_y: float,
        size_z: float,
        absorption: float,
        source: list[float],
        mic: list[float],
        noise_seed: int,
        **_: Any,
    ) -> np.ndarray:
        size = (size_x, size_y, size_z)
        return F.room_simulator(audio, sample_rate, size, tuple(source), tuple(mic), absorption, noise_seed)  # type: ignore[arg-type]
