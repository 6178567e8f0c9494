"""Whole training pipelines that make leaked copies, for the split guard's tests and benchmark.

Each builder returns ``f(item, key) -> copy``, seeded and keyed (the same item and key give the
same copy), made with multiaug's own transforms at their default strengths where they exist:

* :func:`text_pipeline`: EDA (``SynonymReplace``, ``RandomSwap``, ``RandomDelete``,
  ``RandomInsert``), then ``BackTranslate`` through :class:`ParaphraseTranslator` (a
  deterministic stand-in for a translation model: WordNet synonyms and reordered clauses),
  then character noise (``CharNoise``);
* :func:`audio_pipeline`: ``PitchShift`` (+-4 semitones), ``TimeStretch`` (0.8-1.25),
  ``AddNoise`` at 10 dB SNR and one of ``LowPassFilter``, ``HighPassFilter`` and
  ``BandPassFilter`` at their default strengths;
* :func:`smote_rows`: SMOTE rows between each validation row and one of its nearest training
  rows (no provenance kept), then ``tabular.GaussianNoise``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["ParaphraseTranslator", "audio_pipeline", "image_pipeline", "smote_rows", "text_pipeline"]

_CLAUSE = re.compile(r"(?<=[,;:])\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z]+")


class ParaphraseTranslator:
    """A deterministic stand-in for a translation model in a back-translation round trip.

    Each direction rewrites a text the way a real round trip tends to: every sentence's clauses
    (split at ``,``, ``;`` and ``:``) are rotated by one when the sentence has several, and
    ``rate`` of the words (stopwords aside) that have WordNet synonyms are replaced by one of
    their first three (picked by a hash of
    the word, the text and the direction, so the output depends on nothing else). Two
    directions make about ``1 - (1 - rate)**2`` of the content words change.

    Examples
    --------
    >>> t = ParaphraseTranslator(rate=0.0)
    >>> t(["First we read the file, then we close it."], "en", "de")
    ['Then we close it, first we read the file.']
    """

    def __init__(self, rate: float = 0.25) -> None:
        self.rate = rate

    def __call__(self, texts: list[str], src: str, tgt: str) -> list[str]:
        return [self._one(t, f"{src}>{tgt}") for t in texts]

    def _one(self, text: str, direction: str) -> str:
        from ..text import ENGLISH_STOPWORDS, wordnet

        table = wordnet()
        salt = zlib.crc32(f"{direction}|{text}".encode())
        out = []
        for sentence in _SENTENCE.split(text.strip()):
            clauses = _CLAUSE.split(sentence)
            if len(clauses) > 1:
                end = sentence[-1] if sentence[-1] in ".!?" else ""
                clauses = [c.rstrip(",;:.!?") for c in clauses]
                clauses = clauses[1:] + clauses[:1]
                clauses[0] = clauses[0][:1].upper() + clauses[0][1:]
                clauses[-1] = clauses[-1][:1].lower() + clauses[-1][1:]
                sentence = ", ".join(clauses) + end
            out.append(sentence)

        def swap(m: re.Match[str]) -> str:
            word = m.group(0)
            h = zlib.crc32(f"{salt}|{m.start()}|{word}".encode())
            if (h % 10_000) / 10_000 >= self.rate or word.lower() in ENGLISH_STOPWORDS:
                return word
            cands = table.synonyms(word)[:3]  # a translation model keeps to common senses
            if not cands:
                return word
            new = cands[(h >> 16) % len(cands)]
            return new.capitalize() if word[:1].isupper() else new

        return _WORD.sub(swap, " ".join(out))


def image_pipeline(side: int, crop: bool = False, seed: int = 0) -> Any:
    """Issue 18's typical training pipeline: flip, (a crop down to half the area resized back to
    ``side``), Affine scale 0.85-1.15 / translate +-8 % / rotate +-15 deg, colour jitter, then one
    of noise, blur or erasing."""
    import multiaug as ma

    ops: list[Any] = [ma.image.HorizontalFlip(p=0.5)]
    if crop:
        ops.append(ma.image.RandomResizedCrop(side, scale=(0.5, 1.0), p=1.0))
    ops += [
        ma.image.Affine(scale=(0.85, 1.15), translate=(-0.08, 0.08), rotate=(-15, 15), p=1.0),
        ma.image.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.05, p=1.0),
        ma.OneOf(
            [
                ma.image.GaussianNoise(std=(0.02, 0.06), p=1.0),
                ma.image.GaussianBlur(sigma=(0.5, 1.5), p=1.0),
                ma.image.RandomErasing(scale=(0.02, 0.1), p=1.0),
            ],
            p=1.0,
        ),
    ]
    return ma.Compose(ops, seed=seed)


def text_pipeline(seed: int = 0, rate: float = 0.25) -> Callable[[str, int], str]:
    """EDA at default strengths, then back-translation (:class:`ParaphraseTranslator`), then
    character noise: ``f(text, key) -> copy``."""
    import multiaug as ma

    pipe = ma.Compose(
        [
            ma.text.SynonymReplace(),
            ma.text.RandomSwap(),
            ma.text.RandomDelete(),
            ma.text.RandomInsert(),
            ma.text.BackTranslate(translator=ParaphraseTranslator(rate)),
            ma.text.CharNoise(),
        ],
        seed=seed,
    )
    return lambda text, key: pipe(text=text, key=key)["text"]


def audio_pipeline(rate: int, seed: int = 0) -> Callable[[np.ndarray, int], np.ndarray]:
    """Pitch +-4 semitones, stretch 0.8-1.25, noise at 10 dB SNR and a filter: ``f(clip, key)``."""
    import multiaug as ma

    pipe = ma.Compose(
        [
            ma.audio.PitchShift(semitones=(-4, 4), p=1.0),
            ma.audio.TimeStretch(rate=(0.8, 1.25), p=1.0),
            ma.audio.AddNoise(snr_db=10, p=1.0),
            ma.OneOf(
                [
                    ma.audio.LowPassFilter(p=1.0),
                    ma.audio.HighPassFilter(p=1.0),
                    ma.audio.BandPassFilter(p=1.0),
                ],
                p=1.0,
            ),
        ],
        seed=seed,
    )

    def run(clip: np.ndarray, key: int) -> np.ndarray:
        return np.asarray(pipe(audio=clip, sample_rate=rate, key=key)["audio"], np.float32)

    return run


def smote_rows(
    train: np.ndarray, val: np.ndarray, seed: int = 0, k_neighbors: int = 5, noise: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """One SMOTE row per validation row, then Gaussian noise: ``(rows, gap)``.

    Row ``j`` is ``v + gap[j] * (t - v)`` for validation row ``v``, ``t`` one of its
    ``k_neighbors`` nearest training rows (standardised distance) and ``gap[j]`` uniform in
    [0, 1), as SMOTE draws it; then ``tabular.GaussianNoise`` at its default strength on the
    new rows as one table (each column's noise scaled by that column's spread). Nothing records
    which rows a new row came from.
    """
    from sklearn.neighbors import NearestNeighbors

    import multiaug as ma

    rng = np.random.default_rng(seed)
    scale = np.vstack([train, val]).std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    nn = NearestNeighbors(n_neighbors=k_neighbors).fit(train / scale)
    _, idx = nn.kneighbors(val / scale)
    pick = idx[np.arange(len(val)), rng.integers(0, k_neighbors, len(val))]
    gap = rng.random(len(val))
    rows = val + gap[:, None] * (train[pick] - val)
    if noise:
        jitter = ma.Compose([ma.tabular.GaussianNoise()], seed=seed)
        rows = jitter(table=rows, key=0)["table"]
    return rows, gap
