"""Near-duplicate texts: word shingles, MinHash signatures and LSH banding for light edits; for
paraphrases, rare-word candidates verified by an IDF-weighted fuzzy word overlap (:mod:`.paraphrase`)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from ...core.random import TAGS, generator, mix
from .common import Pair, band_keys, bucket_pairs
from .paraphrase import paraphrase_pairs

__all__ = ["text_pairs", "text_shingles"]

_WORD = re.compile(r"[^\W_]+")
_MINHASH_SALT = TAGS["minhash"]


def text_shingles(text: str, size: int = 2) -> set[str]:
    """Word 1- to ``size``-grams of the case-folded text with punctuation stripped.

    Unigrams make the set robust to word swaps, longer n-grams keep unrelated texts that share
    a vocabulary apart.

    Examples
    --------
    >>> sorted(text_shingles("The cat, the DOG!", size=2))
    ['cat', 'cat the', 'dog', 'the', 'the cat', 'the dog']
    """
    words = _WORD.findall(text.casefold())
    out: set[str] = set()
    for n in range(1, size + 1):
        out.update(" ".join(words[k : k + n]) for k in range(len(words) - n + 1))
    return out


def _minhash(shingle_sets: Sequence[set[str]], n_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures, shape ``(n, n_perm)`` uint32, with multiply-shift hash functions."""
    counts = np.fromiter((len(s) for s in shingle_sets), dtype=np.int64, count=len(shingle_sets))
    flat = np.fromiter(
        (zlib.crc32(sh.encode("utf-8", "surrogatepass")) for s in shingle_sets for sh in s),
        dtype=np.uint64,
        count=int(counts.sum()),
    )
    rng = generator(mix(seed, _MINHASH_SALT))
    a = rng.integers(1, 2**63, size=n_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=n_perm, dtype=np.uint64)
    sig = np.full((len(shingle_sets), n_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    nonempty = counts > 0
    if not nonempty.any():
        return sig
    offsets = np.r_[0, np.cumsum(counts)[:-1]][nonempty]
    shift = np.uint64(32)
    with np.errstate(over="ignore"):
        for p in range(n_perm):
            hashed = ((flat * a[p] + b[p]) >> shift).astype(np.uint32)
            sig[nonempty, p] = np.minimum.reduceat(hashed, offsets)
    return sig


def text_pairs(
    texts: Sequence[str],
    side: np.ndarray | None,
    threshold: float = 0.5,
    shingle: int = 2,
    n_perm: int = 64,
    n_bands: int = 16,
    seed: int = 0,
    paraphrase: float | None = 0.64,
) -> list[Pair]:
    """Near-duplicate texts: MinHash/LSH candidates verified by shingle Jaccard >= ``threshold``,
    and (unless ``paraphrase`` is ``None``) paraphrases with a fuzzy word overlap >= ``paraphrase``.

    The first stage finds light edits (a few words swapped, replaced or dropped) with their
    shingle Jaccard as the score; the second (:func:`.paraphrase.paraphrase_pairs`) finds whole
    pipelines (EDA, back-translation, character noise) among the pairs the first did not accept,
    scored by the IDF-weighted share of words matched as equal, WordNet synonyms or one
    character edit apart. A pair's score is the stage's that found it.

    Examples
    --------
    >>> a = "Augmented copies of validation items must never end up in the training set."
    >>> b = "augmented copies of validation items must never end up in the train set!"
    >>> c = "A completely different sentence about audio sample rates and spectrograms."
    >>> [(i, j) for i, j, _ in text_pairs([a, b, c], None)]
    [(0, 1)]
    """
    sets = [text_shingles(t, shingle) for t in texts]
    sig = _minhash(sets, n_perm, seed)
    keys = band_keys(sig, n_bands)
    empty = np.fromiter((not s for s in sets), dtype=bool, count=len(sets))
    keys[empty] = np.arange(int(empty.sum()), dtype=np.uint64)[:, None] ^ np.uint64(0xFFFF_FFFF_0000_0000)
    out = {}
    for i, j in sorted(bucket_pairs(keys, side)):
        a, b = sets[i], sets[j]
        score = len(a & b) / len(a | b)
        if score >= threshold:
            out[(i, j)] = score
    if paraphrase is not None:
        for i, j, score in paraphrase_pairs(texts, side, paraphrase, skip=out.keys()):
            out[(i, j)] = score
    return [(i, j, s) for (i, j), s in sorted(out.items())]
