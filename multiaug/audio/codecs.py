"""Codecs: ``Mp3Compression`` (LAME through ``lameenc``, decoded back by libsndfile)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Number, Range, param
from .base import AudioTransform
from .functional import codecs as F

__all__ = ["Mp3Compression"]


class Mp3Compression(AudioTransform):
    """Encode the clip to MP3 at a drawn bitrate and decode it back (audiomentations' ``Mp3Compression``).

    The bitrate is drawn uniformly among the standard MP3 bitrates in the range (8, 16, 24, 32,
    40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 320 kbps). Encoding is LAME
    (``lameenc``, in the ``audio`` extra); decoding is libsndfile's (``soundfile``, libsndfile
    1.1 or newer). The output keeps the input's length and timing: the codec's delay of 1105
    samples is removed (see :mod:`multiaug.audio.functional.codecs` for the alignment and how
    other sample rates are handled). Everything happens in memory; nothing is written to disk.

    Parameters
    ----------
    bitrate_kbps : int or (int, int), default (8, 64)
        Range of the bitrate in kbps, within [8, 320]; it must hold at least one standard bitrate.
        LAME lowers the stream's sample rate at low bitrates (an 8 kbps stream is 8 kHz).
    quality : int, default 7
        LAME's algorithm quality, 0 (best, slowest) to 9 (fastest), as audiomentations' default.
    @options call

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> x = np.sin(2 * np.pi * 440 * np.arange(8000) / 16000).astype(np.float32)
    >>> y = ma.audio.Mp3Compression(bitrate_kbps=32, p=1.0)(audio=x, sample_rate=16000)["audio"]
    >>> y.shape, y.dtype
    ((8000,), dtype('float32'))
    """

    bitrate_kbps: int | tuple[int, int] = param(
        Range(8, 320, scalar="fixed", integer=True, example="(8, 64)", draw=False), default=(8, 64)
    )
    quality: int = param(Number(0, 9, integer=True), default=7)

    def _finalize(self, r: Any) -> None:
        lo, hi = r.bitrate_kbps
        if not any(lo <= b <= hi for b in F.MP3_BITRATES):
            why = f"({lo}, {hi}) holds none of the MP3 bitrates {F.MP3_BITRATES}"
            raise InvalidInputError(self.name, "bitrate_kbps", why, "widen it, e.g. bitrate_kbps=(8, 64)")

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        lo, hi = self._r.bitrate_kbps
        choices = [b for b in F.MP3_BITRATES if lo <= b <= hi]
        return {"bitrate_kbps": choices[int(rng.integers(len(choices)))]}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        super().check_params(params, sample)
        if params["bitrate_kbps"] not in F.MP3_BITRATES:
            raise InvalidInputError(
                self.name,
                "params.bitrate_kbps",
                f"is {params['bitrate_kbps']}, not an MP3 bitrate",
                f"use one of {F.MP3_BITRATES}",
            )

    def apply_audio(self, audio: np.ndarray, sample_rate: int, bitrate_kbps: int, **_: Any) -> np.ndarray:
        return F.mp3_compression(audio, sample_rate, bitrate_kbps, self._r.quality)
