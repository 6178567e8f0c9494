"""Noise: ``AddNoise`` (white, pink, brown) and ``AddBackgroundNoise`` (recorded sounds), at a drawn SNR.

The signal-to-noise ratio is measured against the input clip itself (mean
square over all channels), so the SNR drawn is the SNR you get, exactly.
Noise fields come from a ``noise_seed`` drawn with the other parameters: a
trace holds a few numbers and replays exactly.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Choice, Number, Range, Spec
from ._validate import check_waveform
from .base import AudioTransform
from .functional import as_channels, restore
from .functional import noise as F

__all__ = ["AUDIO_EXTENSIONS", "AddBackgroundNoise", "AddNoise"]

#: How many decoded sounds (per sample rate) AddBackgroundNoise keeps in memory.
CACHE_SIZE = 16

#: File extensions AddBackgroundNoise picks up in a folder.
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif", ".au", ".opus")

_SNR = Range(-30.0, 120.0, scalar="fixed", example="(10, 30)")


class AddNoise(AudioTransform):
    """Add white, pink or brown noise at a signal-to-noise ratio drawn per call.

    The noise is scaled so that ``10 * log10(P_signal / P_noise)`` equals the
    drawn ``snr_db`` exactly, both powers being mean squares over the whole clip.
    A silent clip stays silent. Channels get independent noise at the same
    level. Output is not clipped.

    Parameters
    ----------
    snr_db : float or (float, float), default (10, 30)
        Range of the SNR in dB, within [-30, 120]; a scalar fixes it.
    colour : {"white", "pink", "brown"}, default "white"
        Power spectrum flat, ``1/f`` (equal power per octave) or ``1/f**2``.
    p : float, default 0.5
    seed : int or None

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.sin(np.arange(16000, dtype=np.float32) / 7)
    >>> out = ma.audio.AddNoise(snr_db=(20, 20), colour="pink", p=1.0, seed=0)(audio=x, sample_rate=16000)
    >>> noise = out["audio"] - x
    >>> round(float(10 * np.log10(np.mean(x**2) / np.mean(noise**2))), 2)
    20.0
    """

    _parameters = {"snr_db": _SNR, "colour": Choice(*F.COLOURS)}

    def __init__(
        self,
        snr_db: float | tuple[float, float] = (10, 30),
        colour: str = "white",
        p: float = 0.5,
        seed: int | None = None,
    ) -> None:
        super().__init__(p=p, seed=seed)
        self.snr_db = snr_db
        self.colour = colour

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
        lo, hi = self._r.snr_db
        return {"snr_db": float(rng.uniform(lo, hi)), "noise_seed": int(rng.integers(0, 2**63))}

    def apply_audio(
        self, audio: np.ndarray, sample_rate: int, snr_db: float, noise_seed: int, **_: Any
    ) -> np.ndarray:
        return F.add_noise(audio, snr_db, self._r.colour, noise_seed)


class Sounds(Spec):
    """Background sounds: a file, a folder of audio files, or a list of files and float32 arrays."""

    doc = "an audio file, a folder of audio files, or a non-empty list of files and float32 arrays"

    def resolve(self, owner: str, name: str, value: Any) -> tuple[str | np.ndarray, ...]:
        fix = f"pass {name}='noises/' (a folder), a file path, or a list of paths and float32 arrays"
        items: Sequence[Any]
        if isinstance(value, (str, os.PathLike, np.ndarray)):
            items = [value]
        elif isinstance(value, (list, tuple)):
            items = value
        else:
            raise self.fail(owner, name, value, fix)
        out: list[str | np.ndarray] = []
        for item in items:
            if isinstance(item, np.ndarray):
                check_waveform(owner, item, field=name)
                out.append(item)
            elif isinstance(item, (str, os.PathLike)):
                path = Path(item)
                if path.is_dir():
                    found = sorted(
                        str(f)
                        for f in path.rglob("*")
                        if f.suffix.lower() in AUDIO_EXTENSIONS and f.is_file()
                    )
                    if not found:
                        raise InvalidInputError(
                            owner,
                            name,
                            f"folder {str(path)!r} holds no audio files ({', '.join(AUDIO_EXTENSIONS)})",
                            "add audio files to it, or pass file paths or arrays",
                        )
                    out.extend(found)
                elif path.is_file():
                    out.append(str(path))
                else:
                    raise InvalidInputError(owner, name, f"path {str(path)!r} does not exist", fix)
            else:
                raise InvalidInputError(
                    owner, name, f"holds a {type(item).__name__}, not a path or an array", fix
                )
        if not out:
            raise InvalidInputError(owner, name, "is empty", fix)
        return tuple(out)


class AddBackgroundNoise(AudioTransform):
    """Mix in a recorded background sound at a signal-to-noise ratio drawn per call.

    Each call picks one of ``sounds`` and a random start in it; the sound is
    resampled to the clip's rate (soxr), mixed down to mono and added to every
    channel, looped if it is shorter than the clip, and scaled so that the SNR
    against the clip is exactly the drawn ``snr_db`` (over the segment used).
    The last ``CACHE_SIZE`` (16) decoded sounds are kept in memory. Arrays are taken to
    be at the clip's sample rate. Only paths fit in a config (``to_config``);
    a transform holding arrays works but cannot be saved.

    Parameters
    ----------
    sounds : path, folder or list of paths and float32 arrays
        A folder is searched recursively for ``AUDIO_EXTENSIONS`` files, in sorted order.
    snr_db : float or (float, float), default (3, 30)
        Range of the SNR in dB, within [-30, 120]; a scalar fixes it.
    p : float, default 0.5
    seed : int or None

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> hum = np.sin(np.arange(4000, dtype=np.float32) / 3)
    >>> t = ma.audio.AddBackgroundNoise([hum], snr_db=10, p=1.0, seed=0)
    >>> x = np.sin(np.arange(16000, dtype=np.float32) / 11)
    >>> noise = t(audio=x, sample_rate=16000)["audio"] - x
    >>> round(float(10 * np.log10(np.mean(x**2) / np.mean(noise**2))), 2)
    10.0
    """

    _parameters = {"sounds": Sounds(), "snr_db": _SNR}
    _drawn = {"index": Number(0, 2**62, integer=True), "offset": Number(0.0, 1.0)}

    def __init__(
        self,
        sounds: str | os.PathLike[str] | np.ndarray | Sequence[str | os.PathLike[str] | np.ndarray],
        snr_db: float | tuple[float, float] = (3, 30),
        p: float = 0.5,
        seed: int | None = None,
    ) -> None:
        super().__init__(p=p, seed=seed)
        self.sounds = sounds
        self.snr_db = snr_db

    def _finalize(self, r: SimpleNamespace) -> None:
        # (index, sample_rate) -> mono float32, least recently used first; dropped on pickling
        r.cache = OrderedDict()
        r.lock = threading.Lock()

    def _sound(self, index: int, sample_rate: int) -> np.ndarray:
        r = self._r
        key = (index, sample_rate)
        with r.lock:
            cached: np.ndarray | None = r.cache.get(key)
            if cached is not None:
                r.cache.move_to_end(key)
                return cached
        item = r.sounds[index]
        if isinstance(item, np.ndarray):
            sound = as_channels(item).mean(axis=0, dtype=np.float32)
        else:
            from .io import load

            sound, _ = load(item, sample_rate=sample_rate, mono=True)
            if sound.size == 0 or not np.isfinite(sound).all():
                raise InvalidInputError(
                    self.name, "sounds", f"file {item!r} is empty or not finite", "remove it from the list"
                )
        with r.lock:
            r.cache[key] = sound
            while len(r.cache) > CACHE_SIZE:
                r.cache.popitem(last=False)
        return sound

    def make_params(self, rng: np.random.Generator | None, sample: Mapping[str, Any]) -> dict[str, Any]:
        assert rng is not None
        lo, hi = self._r.snr_db
        return {
            "index": int(rng.integers(0, len(self._r.sounds))),
            "offset": float(rng.random()),
            "snr_db": float(rng.uniform(lo, hi)),
        }

    def apply_audio(
        self, audio: np.ndarray, sample_rate: int, index: int, offset: float, snr_db: float, **_: Any
    ) -> np.ndarray:
        sound = self._sound(index, sample_rate)
        x = as_channels(audio)
        segment = F.loop_segment(sound, int(offset * sound.shape[-1]), x.shape[-1])
        return restore(F.mix_at_snr(x, segment[np.newaxis], snr_db), audio)
