"""The tour's three pipelines (also the golden digests' demo entries)."""

from __future__ import annotations

from typing import Any

import multiaug as ma


def image_pipeline(seed: int = 0) -> Any:
    """Photo augmentation for any image size: flips, a mild affine warp, colour, noise or blur."""
    return ma.Compose(
        [
            ma.image.HorizontalFlip(p=0.5),
            ma.image.Affine(scale=(0.85, 1.15), translate=(-0.08, 0.08), rotate=(-15, 15), p=0.7),
            ma.image.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.05, p=0.7),
            ma.OneOf(
                [
                    ma.image.GaussianNoise(std=(0.02, 0.06), p=1.0),
                    ma.image.GaussianBlur(sigma=(0.5, 1.5), p=1.0),
                    ma.image.RandomErasing(scale=(0.02, 0.1), p=1.0),
                ],
                p=0.6,
            ),
        ],
        seed=seed,
    )


demo_pipeline = image_pipeline


def text_pipeline(seed: int = 0) -> Any:
    """EDA-style text augmentation: synonyms always, then one of swap / delete / insert."""
    return ma.Compose(
        [
            ma.text.SynonymReplace(alpha=0.15),
            ma.SomeOf(
                [
                    ma.text.RandomSwap(alpha=0.1),
                    ma.text.RandomDelete(alpha=0.1),
                    ma.text.RandomInsert(alpha=0.1),
                ],
                n=(0, 1),
            ),
        ],
        seed=seed,
    )


def audio_pipeline(seed: int = 0) -> Any:
    """Speech augmentation on the waveform: pitch, tempo (length kept), pink noise, gain, shift."""
    return ma.Compose(
        [
            ma.audio.PitchShift(semitones=(-3, 3), p=0.8),
            ma.audio.TimeStretch(rate=(0.85, 1.15), keep_length=True, p=0.5),
            ma.audio.AddNoise(snr_db=(12, 25), colour="pink", p=0.8),
            ma.audio.Gain(db=(-6, 3), p=0.5),
            ma.audio.TimeShift(fraction=(-0.1, 0.1), rollover=False, p=0.5),
        ],
        seed=seed,
    )
