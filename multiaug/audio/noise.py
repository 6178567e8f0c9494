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
from typing import Any, ClassVar

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Choice, NoiseSeed, Number, Range, Spec, param
from ._validate import check_waveform
from .base import AudioTransform
from .functional import as_channels
from .functional import noise as F
from .functional.dynamics import SMALLEST_NORMAL

__all__ = ["AUDIO_EXTENSIONS", "MAX_SHORT_NOISES", "AddBackgroundNoise", "AddNoise", "AddShortNoises"]

#: How many decoded sounds (per sample rate) AddBackgroundNoise keeps in memory.
CACHE_SIZE = 16

#: File extensions AddBackgroundNoise picks up in a folder.
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif", ".au", ".opus")

#: A ``sounds`` folder is searched at most this many sub-folders deep ...
MAX_SCAN_DEPTH = 16
#: ... and through at most this many entries (files and folders), audio or not.
MAX_SCAN_ENTRIES = 100_000

_SNR = Range(-30.0, 120.0, scalar="fixed", example="(10, 30)")
#: AddShortNoises places at most this many sounds in one clip.
MAX_SHORT_NOISES = 1000


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
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.sin(np.arange(16000, dtype=np.float32) / 7)
    >>> out = ma.audio.AddNoise(snr_db=(20, 20), colour="pink", p=1.0, seed=0)(audio=x, sample_rate=16000)
    >>> noise = out["audio"] - x
    >>> round(float(10 * np.log10(np.mean(x**2) / np.mean(noise**2))), 2)
    20.0
    """

    snr_db: float | tuple[float, float] = param(_SNR, default=(10, 30))
    colour: str = param(Choice(*F.COLOURS), default="white")
    _drawn = {"noise_seed": NoiseSeed()}

    def apply_audio(
        self, audio: np.ndarray, sample_rate: int, snr_db: float, noise_seed: int, **_: Any
    ) -> np.ndarray:
        return F.add_noise(audio, snr_db, self._r.colour, noise_seed)


def _scan(owner: str, name: str, folder: Path) -> list[str]:
    """Audio files under ``folder``, sorted (what ``sorted(folder.rglob("*"))`` finds), bounded.

    Like ``Path.rglob``, symlinked folders are not entered and unreadable ones are skipped.
    """
    found: list[str] = []
    seen = 0
    stack: list[tuple[Path, int]] = [(folder, 0)]
    while stack:
        here, depth = stack.pop()
        try:
            with os.scandir(here) as entries:
                listed = list(entries)
        except OSError:  # unreadable sub-folder (rglob skips it too)
            if here == folder:
                raise
            continue
        seen += len(listed)
        if seen > MAX_SCAN_ENTRIES:
            raise InvalidInputError(
                owner,
                name,
                f"folder {str(folder)!r} holds more than {MAX_SCAN_ENTRIES:,} files and folders",
                "point it at a folder of background sounds only, or pass a list of files",
            )
        for entry in listed:
            path = here / entry.name
            try:
                is_dir = entry.is_dir() and not entry.is_symlink()
                if not is_dir and path.suffix.lower() in AUDIO_EXTENSIONS and entry.is_file():
                    found.append(str(path))
            except OSError:
                continue
            if is_dir:
                if depth + 1 > MAX_SCAN_DEPTH:
                    raise InvalidInputError(
                        owner,
                        name,
                        f"folder {str(folder)!r} nests sub-folders more than {MAX_SCAN_DEPTH} deep",
                        "point it at a folder of background sounds only, or pass a list of files",
                    )
                stack.append((path, depth + 1))
    if not found:
        raise InvalidInputError(
            owner,
            name,
            f"folder {str(folder)!r} holds no audio files ({', '.join(AUDIO_EXTENSIONS)})",
            "add audio files to it, or pass file paths or arrays",
        )
    return sorted(found)


class Sounds(Spec):
    """Background sounds: a file, a folder of audio files, or a list of files and float32 arrays.

    Resolving only checks that each path exists; folders are searched (bounded by
    ``MAX_SCAN_DEPTH`` and ``MAX_SCAN_ENTRIES``) at the transform's first call, so
    building or loading a config never walks a directory tree.
    """

    doc = "an audio file, a folder of audio files, or a non-empty list of files and float32 arrays"
    value_type = "tuple[str | Path | np.ndarray, ...]"

    def __init__(self, audible: bool = False) -> None:
        #: Refuse silent sounds (all zeros): an impulse response of zeros silences every clip.
        self.audible = audible

    def invalid(self) -> list[Any]:
        return [[], "/no/such/file.wav", [3], [np.zeros(4, np.int16)], 7]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[str | Path | np.ndarray, ...]:
        """Arrays, file paths (``str``) and folders (``Path``, expanded at first use)."""
        fix = f"pass {name}='noises/' (a folder), a file path, or a list of paths and float32 arrays"
        items: Sequence[Any]
        if isinstance(value, (str, os.PathLike, np.ndarray)):
            items = [value]
        elif isinstance(value, (list, tuple)):
            items = value
        else:
            raise self.fail(owner, name, value, fix)
        out: list[str | Path | np.ndarray] = []
        for item in items:
            if isinstance(item, np.ndarray):
                check_waveform(owner, item, field=name)
                if self.audible:
                    _require_audible(owner, name, "an array", item)
                out.append(item)
            elif isinstance(item, (str, os.PathLike)):
                path = Path(item)
                if path.is_dir():
                    out.append(path)
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

    def rebase(self, value: Any, base: Path) -> Any:
        """``value`` with relative paths made relative to ``base`` (a loaded config's folder)."""
        if isinstance(value, (str, os.PathLike)):
            path = Path(value)
            return value if path.is_absolute() else str(base / path)
        if isinstance(value, list):
            return [self.rebase(v, base) for v in value]
        return value


def _require_audible(owner: str, name: str, what: str, sound: np.ndarray) -> None:
    # float32's smallest normal number, as Normalize: below it a sound is numerically silent
    if not np.any(np.abs(sound) >= SMALLEST_NORMAL):
        raise InvalidInputError(
            owner,
            name,
            f"holds {what} that is silent (all zeros, or no value reaching 1.2e-38): "
            "it would silence every clip",
            "remove it from the list (a damaged recording?)",
        )


def _expand(
    owner: str, name: str, items: tuple[str | Path | np.ndarray, ...]
) -> tuple[str | np.ndarray, ...]:
    out: list[str | np.ndarray] = []
    for item in items:
        if isinstance(item, Path):
            out.extend(_scan(owner, name, item))
        else:
            out.append(item)
    return tuple(out)


class SoundBank(AudioTransform):
    """A transform that reads recorded sounds: files, folders or arrays in the parameter ``_bank`` names.

    Folders are expanded at the first call; decoded sounds (resampled to the clip's rate with
    soxr, mixed down to mono) are kept in a per-transform cache of the last ``CACHE_SIZE``.
    """

    _abstract = True
    #: The name of the parameter that holds the sounds.
    _bank: ClassVar[str] = "sounds"
    _derived = ("cache", "spectra", "lock", "files")  # set by _finalize

    def _finalize(self, r: Any) -> None:
        # (index, sample_rate) -> mono float32, least recently used first; dropped on pickling
        r.cache = OrderedDict()
        r.spectra = OrderedDict()  # derived per-sound arrays of a subclass (ApplyImpulseResponse's FFTs)
        r.lock = threading.Lock()
        r.files = None  # r.sounds with folders expanded, at first use (see _files)

    def _files(self) -> tuple[str | np.ndarray, ...]:
        r = self._r
        files = r.files
        if files is None:
            with r.lock:
                if r.files is None:
                    r.files = _expand(self.name, self._bank, getattr(r, self._bank))
                files = r.files
        return files

    def _cached(self, store: OrderedDict, key: Any, make: Any, size: int) -> np.ndarray:
        """``store[key]``, made by ``make()`` when missing; the ``size`` most recently used kept."""
        with self._r.lock:
            cached: np.ndarray | None = store.get(key)
            if cached is not None:
                store.move_to_end(key)
                return cached
        value = make()
        with self._r.lock:
            store[key] = value
            while len(store) > size:
                store.popitem(last=False)
        return value

    def _sound(self, index: int, sample_rate: int) -> np.ndarray:
        return self._cached(
            self._r.cache, (index, sample_rate), lambda: self._decode(index, sample_rate), CACHE_SIZE
        )

    def _decode(self, index: int, sample_rate: int) -> np.ndarray:
        """Sound ``index`` as mono float32 at ``sample_rate`` (a file read and resampled)."""
        item = self._files()[index]
        if isinstance(item, np.ndarray):  # checked when the transform was built
            return as_channels(item).mean(axis=0, dtype=np.float32)
        from .io import read

        owner, name = self.name, self._bank
        sound, _ = read(owner, name, item, sample_rate=sample_rate, mono=True)
        if sound.size == 0:
            raise InvalidInputError(
                owner,
                name,
                f"file {item!r} holds no samples at the clip's rate of {sample_rate} Hz (an empty file, "
                "or one too short to resample to that rate)",
                "remove it from the list, or check the clip's sample_rate",
            )
        try:  # the rules of a sound given as an array (finite, |x| <= MAX_AMPLITUDE)
            check_waveform(owner, sound, field=name)
        except InvalidInputError as exc:
            raise InvalidInputError(
                owner, name, f"file {item!r} {exc.problem}", "repair the file or remove it from the list"
            ) from None
        if type(self)._all_specs[name].audible:  # type: ignore[attr-defined]
            _require_audible(owner, name, f"file {item!r}", sound)
        return sound


class AddBackgroundNoise(SoundBank):
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
        A folder is searched recursively for ``AUDIO_EXTENSIONS`` files, in sorted order, at the
        first call (not when the transform is built or loaded), at most ``MAX_SCAN_DEPTH`` (16)
        sub-folders deep and through at most ``MAX_SCAN_ENTRIES`` (100,000) entries. In a config
        loaded with ``ma.load``, relative paths are read from the config file's folder.
    snr_db : float or (float, float), default (3, 30)
        Range of the SNR in dB, within [-30, 120]; a scalar fixes it.
    @options call

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

    sounds: str | os.PathLike[str] | np.ndarray | Sequence[str | os.PathLike[str] | np.ndarray] = param(
        Sounds()
    )
    snr_db: float | tuple[float, float] = param(_SNR, default=(3, 30))
    _drawn = {"index": Number(0, 2**62, integer=True), "offset": Number(0.0, 1.0)}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        # the sound's index depends on the files found at first use; drawn first, then the SNR
        lo, hi = self._r.snr_db
        return {
            "index": int(rng.integers(0, len(self._files()))),
            "offset": float(rng.random()),
            "snr_db": float(rng.uniform(lo, hi)),
        }

    def apply_audio(
        self, audio: np.ndarray, sample_rate: int, index: int, offset: float, snr_db: float, **_: Any
    ) -> np.ndarray:
        return F.add_background_noise(audio, self._sound(index, sample_rate), offset, snr_db)


def _seconds(default: tuple[float, float]) -> Any:
    return param(Range(0.0, 3600.0, scalar="fixed", example=str(default), draw=False), default=default)


class AddShortNoises(SoundBank):
    """Add short recorded sounds at drawn times, each at its own drawn SNR (as audiomentations').

    Sounds follow one another from a start drawn in ``(0, gap_hi)`` seconds: each is picked
    from ``sounds``, played whole (cut at the clip's ends) with linear fades, and followed by a
    silence drawn from ``gap``; at most ``MAX_SHORT_NOISES`` (1000) per clip. Each sound is
    scaled so that the clip's power over the sound's power is its drawn ``snr_db`` (a silent clip
    stays silent). Sounds are resampled to the clip's rate, mixed down to mono and added to every
    channel. The trace records ``events``: ``[index, start, snr_db, fade_in, fade_out]`` per
    sound (start and fades in samples).

    Parameters
    ----------
    sounds : path, folder or list of paths and float32 arrays
        As ``AddBackgroundNoise``'s ``sounds``.
    snr_db : float or (float, float), default (-6, 18)
        Range of each sound's SNR in dB, within [-30, 120].
    gap : float or (float, float), default (2, 8)
        Range of the silence between two sounds in seconds, within [0, 3600].
    fade_in : float or (float, float), default (0.005, 0.08)
        Range of each sound's fade-in in seconds.
    fade_out : float or (float, float), default (0.01, 0.1)
        Range of each sound's fade-out in seconds.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> click = np.hanning(160).astype(np.float32)
    >>> t = ma.audio.AddShortNoises([click], snr_db=0, gap=(0.1, 0.2), fade_in=0, fade_out=0, p=1.0)
    >>> x = np.full(8000, 0.1, np.float32)
    >>> y = t(audio=x, sample_rate=8000)["audio"]
    >>> y.shape, bool(np.abs(y - x).max() > 0.05)  # clicks every 0.1-0.2 s
    ((8000,), True)
    """

    sounds: str | os.PathLike[str] | np.ndarray | Sequence[str | os.PathLike[str] | np.ndarray] = param(
        Sounds()
    )
    snr_db: float | tuple[float, float] = param(
        Range(-30.0, 120.0, scalar="fixed", example="(-6, 18)", draw=False), default=(-6, 18)
    )
    gap: float | tuple[float, float] = _seconds((2.0, 8.0))
    fade_in: float | tuple[float, float] = _seconds((0.005, 0.08))
    fade_out: float | tuple[float, float] = _seconds((0.01, 0.1))
    _drawn = {"events": Number(-(2**62), 2**62)}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        r = self._r
        rate, n = int(sample["sample_rate"]), sample["audio"].shape[-1]
        count = len(self._files())
        start = round(rng.uniform(0.0, r.gap[1]) * rate)
        events: list[list[Any]] = []
        while start < n and len(events) < MAX_SHORT_NOISES:
            index = int(rng.integers(count))
            length = self._sound(index, rate).shape[-1]
            snr = float(rng.uniform(*r.snr_db))
            fades = [round(rng.uniform(*r.fade_in) * rate), round(rng.uniform(*r.fade_out) * rate)]
            events.append([index, start, snr, *fades])
            start += length + max(1, round(rng.uniform(*r.gap) * rate))
        return {"events": events}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        super().check_params(params, sample)
        count = len(self._files())
        lo, hi = self._r.snr_db
        for i, (index, start, snr, *fades) in enumerate(params["events"]):
            if not (0 <= index < count and start >= 0 and lo <= snr <= hi and min(fades) >= 0):
                why = f"is not an event it draws (sound {index} of {count}, start {start}, SNR {snr})"
                raise InvalidInputError(self.name, f"params.events[{i}]", why, "replay on the same sounds")

    def apply_audio(
        self, audio: np.ndarray, sample_rate: int, events: list[list[Any]], **_: Any
    ) -> np.ndarray:
        sounds = {int(e[0]): self._sound(int(e[0]), sample_rate) for e in events}
        return F.add_short_noises(
            audio, [sounds.get(i, _EMPTY) for i in range(max(sounds, default=-1) + 1)], events
        )


_EMPTY = np.zeros(1, np.float32)
