"""Reading and writing audio files (soundfile), resampling on load (soxr).

Arrays follow the multiaug layout: float32, ``(samples,)`` for mono and
``(channels, samples)`` otherwise (soundfile itself uses ``(samples, channels)``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..core.errors import InvalidInputError
from ..core.validation import require_at_most
from ._validate import MAX_SAMPLES, check_sample_rate, check_waveform

__all__ = ["MAX_RESAMPLE_FACTOR", "load", "save", "wav_bytes"]

#: The largest factor :func:`load` resamples by, either way (a file at 1 Hz read at 65,536 Hz).
#: soxr's filters grow with the factor: beyond it a few samples take minutes or crash the process
#: (a damaged header saying 1 Hz, resampled to 1 MHz), and real rates (8 kHz to 1.5 MHz) stay far below.
MAX_RESAMPLE_FACTOR = 2**16


def load(
    path: str | os.PathLike[str], sample_rate: int | None = None, mono: bool = False
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 in [-1, 1]; returns ``(audio, sample_rate)``.

    Parameters
    ----------
    path : str or path-like
        Any format libsndfile reads (WAV, FLAC, OGG/Vorbis, MP3 with libsndfile >= 1.1, AIFF...).
        Integer PCM is scaled to [-1, 1] (int16 by 1/32768).
    sample_rate : int or None
        Resample to this rate with soxr (high quality); ``None`` keeps the file's rate.
    mono : bool
        Average the channels into one. Mono files always come back 1-D.

    Returns
    -------
    audio : np.ndarray
        float32, ``(samples,)`` or ``(channels, samples)``.
    sample_rate : int

    Examples
    --------
    >>> import tempfile, numpy as np, multiaug as ma
    >>> from pathlib import Path
    >>> tone = np.sin(np.arange(800, dtype=np.float32) / 5) / 2
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = ma.audio.save(Path(tmp) / "tone.wav", tone, 8000)
    ...     audio, rate = ma.audio.load(path, sample_rate=16000)
    >>> audio.dtype, audio.shape, rate
    (dtype('float32'), (1600,), 16000)
    """
    return read("audio.load", "path", path, sample_rate, mono)


def read(
    owner: str, field: str, path: str | os.PathLike[str], sample_rate: int | None = None, mono: bool = False
) -> tuple[np.ndarray, int]:
    """:func:`load` for a transform's files: its errors name ``owner`` and ``field``, and the file."""
    import soundfile as sf

    if sample_rate is not None:
        check_sample_rate(owner, sample_rate, {})
    try:
        data, rate = sf.read(os.fspath(path), dtype="float32", always_2d=True)
    except (OSError, RuntimeError, sf.LibsndfileError) as exc:
        raise InvalidInputError(
            owner,
            field,
            f"cannot be read as audio: {str(path)!r} ({exc})",
            "pass an existing WAV/FLAC/OGG file",
        ) from exc
    except MemoryError:
        raise _too_large(owner, field, path) from None
    audio = np.ascontiguousarray(data.T)
    if mono or audio.shape[0] == 1:
        audio = audio.mean(axis=0, dtype=np.float32) if audio.shape[0] > 1 else audio[0].copy()
    if sample_rate is not None:
        if sample_rate != rate and audio.shape[-1] > 0:
            _check_resampling(owner, field, path, audio.shape[-1], rate, sample_rate)
            import soxr

            try:
                audio = soxr.resample(np.ascontiguousarray(audio.T), rate, sample_rate, quality="HQ").T
            except MemoryError:  # soxr's std::bad_alloc
                raise _too_large(owner, field, path, f" resampled to {sample_rate} Hz") from None
            audio = np.ascontiguousarray(audio, dtype=np.float32)
        rate = sample_rate
    return audio, int(rate)


def _too_large(owner: str, field: str, path: object, how: str = "") -> InvalidInputError:
    return InvalidInputError(
        owner,
        field,
        f"file {str(path)!r}{how} does not fit in memory",
        "split the file, or check its sample rate (a damaged header?) and the clip's sample_rate",
    )


def _check_resampling(owner: str, field: str, path: object, frames: int, rate: int, to: int) -> None:
    """Refuse a resampling soxr cannot do in bounded time and memory (before it starts)."""
    factor = max(rate, to) / min(rate, to)
    if factor > MAX_RESAMPLE_FACTOR:
        raise InvalidInputError(
            owner,
            field,
            f"file {str(path)!r} is at {rate} Hz: resampling it to {to} Hz is a factor of {factor:,.0f}, "
            f"more than the {MAX_RESAMPLE_FACTOR:,} supported",
            "check the file's sample rate (a damaged header?) and the clip's sample_rate; "
            "resample the file first if both are right",
        )
    require_at_most(
        owner, field, frames * to // rate, MAX_SAMPLES, "samples once resampled", "split the file"
    )


def wav_bytes(audio: np.ndarray, sample_rate: int, subtype: str = "PCM_16") -> bytes:
    """The bytes of a WAV file holding ``audio``: the one WAV writer (:func:`save`, dataset jobs, the demo).

    Parameters
    ----------
    audio : np.ndarray
        float32, ``(samples,)`` or ``(channels, samples)`` (not checked here: :func:`save` checks it).
    sample_rate : int
    subtype : str
        soundfile's subtype: ``"PCM_16"`` (default; integer subtypes clip values outside
        [-1, 1]), ``"PCM_24"``... ``"FLOAT"`` (32-bit float) is written here
        and is byte for byte a function of the samples and the rate (libsndfile adds a
        ``PEAK`` chunk holding a timestamp to float WAVs).

    Examples
    --------
    >>> import numpy as np
    >>> data = wav_bytes(np.zeros(8, np.float32), 8000, "FLOAT")
    >>> data[:4], data[8:12], len(data)
    (b'RIFF', b'WAVE', 90)
    """
    if subtype.upper() == "FLOAT":
        return _float32_wav(audio, sample_rate)
    import io

    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, audio.T, sample_rate, format="WAV", subtype=subtype)
    return buf.getvalue()


def _float32_wav(audio: np.ndarray, sample_rate: int) -> bytes:
    """A 32-bit float WAV file: ``fmt`` (IEEE float), ``fact`` and ``data`` chunks, nothing else."""
    import struct

    channels = 1 if audio.ndim == 1 else int(audio.shape[0])
    frames = int(audio.shape[-1])
    data = np.ascontiguousarray(audio.T, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHHH", 3, channels, sample_rate, sample_rate * channels * 4, channels * 4, 32, 0)
    chunks = [(b"fmt ", fmt), (b"fact", struct.pack("<I", frames)), (b"data", data)]
    body = b"WAVE" + b"".join(tag + struct.pack("<I", len(payload)) + payload for tag, payload in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def save(
    path: str | os.PathLike[str], audio: np.ndarray, sample_rate: int, subtype: str | None = None
) -> Path:
    """Write ``audio`` (float32 ``(samples,)`` or ``(channels, samples)``) to ``path``; returns the path.

    The format follows the file extension (``.wav``, ``.flac``, ``.ogg``...);
    ``subtype`` is soundfile's (``"PCM_16"``, ``"PCM_24"``, ``"FLOAT"``...; default:
    the format's default, 16-bit PCM for WAV and FLAC). Integer subtypes clip
    values outside [-1, 1]. WAV files are written by :func:`wav_bytes`.
    """
    import soundfile as sf

    check_waveform("audio.save", audio)
    check_sample_rate("audio.save", sample_rate, {})
    path = Path(path)
    try:
        if path.suffix.lower() == ".wav":
            path.write_bytes(wav_bytes(audio, sample_rate, subtype or "PCM_16"))
        else:
            sf.write(os.fspath(path), audio.T, sample_rate, subtype=subtype)
    except (TypeError, ValueError, RuntimeError, OSError, sf.LibsndfileError) as exc:
        raise InvalidInputError(
            "audio.save",
            "path",
            f"cannot be written ({exc})",
            "use a .wav, .flac or .ogg path and a valid subtype",
        ) from exc
    return path
