"""Audio augmentation (``ma.audio``): pitch, tempo, noise, gain, shifts and SpecAugment masks."""

from __future__ import annotations

__all__: list[str] = []
