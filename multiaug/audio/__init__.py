"""Audio augmentation (``ma.audio``): pitch, tempo, noise, level, shifts, filters, SpecAugment masks.

Samples carry ``audio`` (float32, ``(samples,)`` or ``(channels, samples)``) with
its ``sample_rate`` (int, Hz), and optionally a ``spectrogram`` (float32
``(freq, time)`` or ``(channels, freq, time)``, e.g. from :class:`MelSpectrogram`).
One drawn set of parameters applies to every channel of a clip.

Importing this module imports NumPy only; soxr, soundfile and SciPy (filters)
load on first use. Nothing here imports librosa or numba, so the first call of every
transform in a fresh process (a DataLoader worker, a CLI) takes milliseconds.
"""

from . import (
    _validate,  # noqa: F401  (registers the audio field checks)
    base,
    codecs,
    dynamics,
    filters,
    io,
    masking,
    noise,
    pitch,
    room,
    spectral,
    waveform,
)
from .base import *  # noqa: F403
from .codecs import *  # noqa: F403
from .dynamics import *  # noqa: F403
from .filters import *  # noqa: F403
from .io import *  # noqa: F403
from .masking import *  # noqa: F403
from .noise import *  # noqa: F403
from .pitch import *  # noqa: F403
from .room import *  # noqa: F403
from .spectral import *  # noqa: F403
from .waveform import *  # noqa: F403

__all__ = sorted(
    {
        *base.__all__,
        *codecs.__all__,
        *dynamics.__all__,
        *filters.__all__,
        *io.__all__,
        *masking.__all__,
        *noise.__all__,
        *pitch.__all__,
        *room.__all__,
        *spectral.__all__,
        *waveform.__all__,
    }
)
