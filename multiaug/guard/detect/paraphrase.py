"""Paraphrased copies of texts: rare-word candidates and an IDF-weighted fuzzy word overlap.

A training pipeline (EDA's synonym replacement, swaps, deletions and insertions, then a
back-translation, then character noise) leaves few word bigrams and well under half the words
of a text in place, so shingle Jaccard no longer finds the copy. What survives is the text's
*rare* vocabulary, as the same words, as WordNet synonyms of them, or as one-letter typos of
them. Two words here *match* when they share a feature: the word itself, any single-word WordNet
synonym (so two synonyms of one word match too), or, for alphabetic non-stopwords of four
letters or more, a one-letter deletion of it (a letter substituted, or two neighbours swapped,
leave a common deletion; a letter inserted or deleted is not matched, as it would match
"type" with "types" and "use" with "user" across unrelated texts).

* Candidates: each text's ``n_index`` rarest words (pool document frequency; stopwords aside)
  are indexed by their features; two texts become a candidate when at least two of one's
  indexed words match indexed words of the other (one for texts with a single indexed word).
  A feature shared by more than ``max_bucket`` indexed words is skipped (it says little).
* Verification: the IDF-weighted share of both texts' distinct words that match a word of the
  other, ``(matched weight of a + matched weight of b) / (weight of a + weight of b)`` with
  ``idf(w) = log((max(N, 100) + 1) / df(w))`` over the ``N`` texts of the pool, at least
  ``threshold``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Collection, Sequence

import numpy as np

from .common import KeyIndex, Pair

__all__ = ["paraphrase_pairs", "word_features"]

_WORD = re.compile(r"[^\W_]+")
_ALPHA = re.compile(r"[^\W\d_]+")


class _Features:
    """Each word's match features, computed once per word."""

    def __init__(self) -> None:
        from ...text import ENGLISH_STOPWORDS, wordnet

        self.stop = ENGLISH_STOPWORDS
        self.table = wordnet()
        self.cache: dict[str, frozenset[str]] = {}

    def __call__(self, word: str) -> frozenset[str]:
        got = self.cache.get(word)
        if got is None:
            feats = {word}
            if word not in self.stop and _ALPHA.fullmatch(word):
                feats.update(s.lower() for s in self.table.synonyms(word) if " " not in s)
                if len(word) >= 4:
                    feats.update("\x00" + word[:k] + word[k + 1 :] for k in range(len(word)))
            got = self.cache[word] = frozenset(feats)
        return got


def word_features(word: str) -> frozenset[str]:
    """The match features of one case-folded word: itself, its single-word WordNet synonyms and
    (alphabetic non-stopwords of 4+ letters) its one-letter deletions, marked with a NUL.

    Examples
    --------
    >>> word_features("big") & word_features("large") >= {"big", "large"}
    True
    >>> bool(word_features("function") & word_features("fucntion"))  # two letters swapped
    True
    """
    return _Features()(word)


class _Ragged:
    """Each text's distinct word numbers, concatenated, with offsets."""

    def __init__(self, ids: list[np.ndarray]) -> None:
        self.flat = np.concatenate(ids) if ids else np.empty(0, np.int64)
        self.lens = np.array([len(x) for x in ids], np.int64)
        self.start = np.r_[0, np.cumsum(self.lens)[:-1]].astype(np.int64)

    def rows(self, texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(k, word)`` for every word of ``texts[k]``."""
        counts = self.lens[texts]
        k = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
        within = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        return k, self.flat[self.start[texts][k] + within]


def _matched(
    texts: _Ragged, a: np.ndarray, b: np.ndarray, cover: np.ndarray, n_vocab: int, idf: np.ndarray
) -> np.ndarray:
    """Per pair ``k``, the IDF weight of ``b[k]``'s words that match a word of ``a[k]``
    (``cover`` holds the sorted codes ``text * n_vocab + word`` of each text's matchable words)."""
    k, word = texts.rows(b)
    code = a[k] * n_vocab + word
    at = np.minimum(np.searchsorted(cover, code), len(cover) - 1)
    hit = cover[at] == code if len(cover) else np.zeros(len(code), bool)
    return np.bincount(k, weights=idf[word] * hit, minlength=len(a))


def _scores(
    texts: _Ragged, i: np.ndarray, j: np.ndarray, vocab: list[str], idf: np.ndarray, feats: _Features
) -> np.ndarray:
    """The IDF-weighted share of both texts' words matched by a word of the other, per pair."""
    involved = np.unique(np.r_[i, j])
    t, word = texts.rows(involved)
    t = involved[t]
    used = np.unique(word)
    mu, mv = _word_matches([vocab[w] for w in used.tolist()], feats)
    # each involved text's matchable words: its words' matches in the vocabulary
    at, m = KeyIndex(used[mu]).matches(word)
    cover = np.unique(t[at] * len(vocab) + used[mv[m]])
    total = np.bincount(texts.rows(np.arange(len(texts.lens)))[0], weights=idf[texts.flat])
    got = _matched(texts, i, j, cover, len(vocab), idf) + _matched(texts, j, i, cover, len(vocab), idf)
    whole = total[i] + total[j]
    return np.where(whole > 0, got / np.where(whole > 0, whole, 1.0), 0.0)


def _hash64(feature: str) -> int:
    """A 63-bit key of a feature (CRC-32 and Adler-32 side by side; deterministic across runs)."""
    data = feature.encode("utf-8", "surrogatepass")
    return (zlib.crc32(data) & 0x7FFF_FFFF) << 32 | zlib.adler32(data)


def _word_matches(words: list[str], feats: _Features) -> tuple[np.ndarray, np.ndarray]:
    """Every ``(u, v)`` of word numbers whose words share a feature (``(u, u)`` included)."""
    owner: list[int] = []
    key: list[int] = []
    for n, w in enumerate(words):
        ks = {_hash64(f) for f in feats(w)}
        owner += [n] * len(ks)
        key += ks
    own, keys = np.array(owner, np.int64), np.array(key, np.int64)
    u, v = KeyIndex(keys).matches(keys)
    return _unique_codes(own[u], own[v], len(words))


def _unique_codes(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    code = np.sort(a * n + b)
    code = code[np.r_[True, code[1:] != code[:-1]]] if len(code) else code
    return code // n, code % n


def _candidates(
    ids: list[np.ndarray],
    vocab: list[str],
    df: np.ndarray,
    side: np.ndarray | None,
    feats: _Features,
    n_index: int,
    max_bucket: int,
) -> np.ndarray:
    """Candidate pairs as codes ``i * n + j`` (``i < j``), sorted and unique."""
    n = len(ids)
    stop = np.fromiter((w in feats.stop for w in vocab), bool, len(vocab))
    text = np.repeat(np.arange(n, dtype=np.int64), [len(x) for x in ids])
    wid = np.concatenate(ids) if n else np.empty(0, np.int64)
    keep = ~stop[wid]
    text, wid = text[keep], wid[keep]
    # each text's n_index rarest words (document frequency, then word number)
    order = np.lexsort((wid, df[wid], text))
    text, wid = text[order], wid[order]
    starts = np.searchsorted(text, np.arange(n))
    rank = np.arange(len(text)) - starts[text]
    text, wid = text[rank < n_index], wid[rank < n_index]
    indexed = np.bincount(text, minlength=n)
    if not len(wid):
        return np.empty(0, np.int64)
    used, local = np.unique(wid, return_inverse=True)
    mu, mv = _word_matches([vocab[k] for k in used], feats)
    is_index = np.ones(len(text), bool) if side is None else side[text] == 0
    is_query = np.ones(len(text), bool) if side is None else side[text] == 1
    # query word u -> matching words v -> indexed texts holding v (a word that more than
    # max_bucket texts index says little, and is skipped)
    q_rows = np.flatnonzero(is_query)
    at, m = KeyIndex(mu).matches(local[q_rows])
    q_rows, v = q_rows[at], mv[m]
    t_rows = np.flatnonzero(is_index)
    at, found = KeyIndex(local[t_rows]).matches(v, max_bucket)
    q, t = text[q_rows[at]], text[t_rows[found]]
    word = local[q_rows[at]]
    keep = q < t if side is None else np.ones(len(q), bool)
    q, t, word = q[keep], t[keep], word[keep]
    code = np.minimum(q, t) * n + np.maximum(q, t)
    # distinct query words matched per pair: at least two (one for a text with one indexed word)
    code, _ = _unique_codes(code, word, len(used))
    codes, counts = np.unique(code, return_counts=True)
    need = np.where(np.minimum(indexed[codes // n], indexed[codes % n]) >= 2, 2, 1)
    return codes[counts >= need]


def paraphrase_pairs(
    texts: Sequence[str],
    side: np.ndarray | None,
    threshold: float = 0.6,
    n_index: int = 12,
    max_bucket: int = 50,
    skip: Collection[tuple[int, int]] = (),
) -> list[Pair]:
    """Paraphrased copies: rare-word candidates with a fuzzy word overlap >= ``threshold``.

    ``skip`` holds pairs ``(i, j)`` already accepted by another test (not verified again).

    Examples
    --------
    >>> a = "The subscription of a generic class will generally return a GenericAlias object."
    >>> b = "A generic family's subscriptiom volition by and large return an GenericAlias object."
    >>> c = "Sample rates and spectrograms describe a recording, not its speaker."
    >>> [(i, j) for i, j, _ in paraphrase_pairs([a, b, c], None)]
    [(0, 1)]
    """
    feats = _Features()
    number: dict[str, int] = {}
    ids = [
        np.array(
            [number.setdefault(w, len(number)) for w in dict.fromkeys(_WORD.findall(t.casefold()))], np.int64
        )
        for t in texts
    ]
    vocab = list(number)
    df = np.bincount(np.concatenate(ids), minlength=len(vocab)) if ids else np.zeros(0, np.int64)
    n = len(texts)
    codes = _candidates(ids, vocab, df, side, feats, n_index, max_bucket)
    if skip:
        done = np.array([min(i, j) * n + max(i, j) for i, j in skip], np.int64)
        codes = codes[~np.isin(codes, done)]
    if not len(codes):
        return []
    # in a pool of under 100 texts document frequencies say little: the words weigh more alike
    idf = np.log((max(n, 100) + 1) / np.maximum(df, 1))
    i, j = codes // n, codes % n
    scores = _scores(_Ragged(ids), i, j, vocab, idf, feats)
    ok = scores >= threshold
    return list(zip(i[ok].tolist(), j[ok].tolist(), scores[ok].tolist(), strict=True))
