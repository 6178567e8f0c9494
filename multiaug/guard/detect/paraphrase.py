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

* Candidates: each text's ``n_index`` (16) rarest words (pool document frequency; stopwords
  aside) are indexed by their features; two texts become a candidate when at least two of one's
  indexed words match indexed words of the other (one for texts with a single indexed word).
  A feature shared by more than ``max_bucket`` indexed words is skipped (it says little).
* Verification: each text's IDF-weighted share of its distinct words that match a word of the
  other, ``idf(w) = log((max(N, 100) + 1) / df(w))`` over the ``N`` texts of the pool; the
  *lower* of the two shares must reach ``threshold`` (0.64): each text must account for most of
  the other, so a short sentence whose words all recur in a longer sibling is not its copy. In
  a pool of 100 texts or more, unmatched words that no other text uses are left out of a
  text's whole (a copy's typos and odd synonyms are such words, and so are the source's words
  it lost; sibling paragraphs differ in words the corpus uses elsewhere). A letter edit that
  repeats within a pair (``__radd__``/``__iadd__``, ``__rsub__``/``__isub__``: same position
  from the nearer end, same two letters) is a systematic difference between names of a
  family, not noise: none of those typo matches count.
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


def _typo_signature(u: str, v: str) -> int:
    """The edit that turns ``u`` into ``v`` (words of one length matched only through a one-letter
    deletion): the substituted position counted from the nearer end and the two letters, or ``-1``
    for two swapped neighbours (never counted as systematic)."""
    diff = [k for k in range(len(u)) if u[k] != v[k]]
    if len(diff) != 1:
        return -1
    k = diff[0]
    at = k if 2 * k < len(u) else k - len(u)
    return zlib.crc32(f"{at}|{min(u[k], v[k])}{max(u[k], v[k])}".encode()) & 0x7FFF_FFFF


def _typo_links(
    texts: _Ragged,
    i: np.ndarray,
    j: np.ndarray,
    words: np.ndarray,
    typo: tuple[np.ndarray, ...],
    n_vocab: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The codes ``pair * n_vocab + word`` of the words of ``i[k]`` and of ``j[k]`` that a word of
    the other text matches through a letter substitution or swap only, leaving out every edit
    that repeats within the pair (``__radd__``/``__iadd__``, ``__rsub__``/``__isub__``: the names
    of a family differ systematically; a typo is random). ``words`` holds the sorted codes
    ``text * n_vocab + word`` of every involved text's words."""
    tu, tv, tsig = typo
    k, w = texts.rows(j)
    at, m = KeyIndex(tu).matches(w)
    k, wj, wi, sig = k[at], w[at], tv[m], tsig[m]
    code = i[k] * n_vocab + wi
    pos = np.minimum(np.searchsorted(words, code), max(len(words) - 1, 0))
    ok = words[pos] == code if len(words) else np.zeros(len(code), bool)
    k, wj, wi, sig = k[ok], wj[ok], wi[ok], sig[ok]
    # an edit seen twice in one pair is systematic: none of its links count
    edit = k * (1 << 32) + sig
    _, inv, counts = np.unique(edit, return_inverse=True, return_counts=True)
    keep = (sig < 0) | (counts[inv] == 1)
    return np.unique(k[keep] * n_vocab + wi[keep]), np.unique(k[keep] * n_vocab + wj[keep])


def _coverage(
    texts: _Ragged,
    a: np.ndarray,
    b: np.ndarray,
    cover: np.ndarray,
    typo_hit: np.ndarray,
    n_vocab: int,
    weight: np.ndarray,
    novel: np.ndarray,
) -> np.ndarray:
    """Per pair ``k``, the weighted share of ``b[k]``'s words that match a word of ``a[k]``:
    as equal words or synonyms (``cover``: sorted codes ``text * n_vocab + word`` of each text's
    matchable words) or through a typo (``typo_hit``: codes ``k * n_vocab + word``). Unmatched
    ``novel`` words (in no other text of the pool) are left out of the whole."""
    k, word = texts.rows(b)
    hit = np.isin(a[k] * n_vocab + word, cover) | np.isin(k * n_vocab + word, typo_hit)
    got = np.bincount(k, weights=weight[word] * hit, minlength=len(a))
    whole = np.bincount(k, weights=weight[word] * (hit | ~novel[word]), minlength=len(a))
    return np.where(whole > 0, got / np.where(whole > 0, whole, 1.0), 0.0)


def _scores(
    texts: _Ragged,
    i: np.ndarray,
    j: np.ndarray,
    vocab: list[str],
    idf: np.ndarray,
    novel: np.ndarray,
    feats: _Features,
) -> np.ndarray:
    """Per pair, the lower of the two texts' IDF-weighted shares of words matched by the other."""
    involved = np.unique(np.r_[i, j])
    t, word = texts.rows(involved)
    t = involved[t]
    used = np.unique(word)
    (su, sv), (tu, tv) = _split_matches([vocab[w] for w in used.tolist()], feats)
    # each involved text's matchable words (as equal words or synonyms)
    at, m = KeyIndex(used[su]).matches(word)
    nv = len(vocab)
    cover = np.unique(t[at] * nv + used[sv[m]])
    words = np.unique(t * nv + word)
    pairs = zip(used[tu].tolist(), used[tv].tolist(), strict=True)
    sig = np.array([_typo_signature(vocab[u], vocab[v]) for u, v in pairs], np.int64)
    hit_i, hit_j = _typo_links(texts, i, j, words, (used[tu], used[tv], sig), nv)
    cov_j = _coverage(texts, i, j, cover, hit_j, nv, idf, novel)
    cov_i = _coverage(texts, j, i, cover, hit_i, nv, idf, novel)
    return np.minimum(cov_i, cov_j)


def _hash64(feature: str) -> int:
    """A 63-bit key of a feature (CRC-32 and Adler-32 side by side; deterministic across runs)."""
    data = feature.encode("utf-8", "surrogatepass")
    return (zlib.crc32(data) & 0x7FFF_FFFF) << 32 | zlib.adler32(data)


def _feature_keys(words: list[str], feats: _Features) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each word's feature keys: ``(word number, key, is a one-letter deletion)`` rows."""
    owner: list[int] = []
    key: list[int] = []
    typo: list[bool] = []
    for n, w in enumerate(words):
        ks = {_hash64(f): f.startswith("\x00") for f in feats(w)}
        owner += [n] * len(ks)
        key += ks
        typo += ks.values()
    return np.array(owner, np.int64), np.array(key, np.int64), np.array(typo, bool)


def _word_matches(words: list[str], feats: _Features) -> tuple[np.ndarray, np.ndarray]:
    """Every ``(u, v)`` of word numbers whose words share a feature (``(u, u)`` included)."""
    own, keys, _ = _feature_keys(words, feats)
    u, v = KeyIndex(keys).matches(keys)
    return _unique_codes(own[u], own[v], len(words))


def _split_matches(
    words: list[str], feats: _Features
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The ``(u, v)`` word pairs sharing the word or a synonym, and those sharing only a
    one-letter deletion (a letter substituted, or two neighbours swapped)."""
    own, keys, is_typo = _feature_keys(words, feats)
    n = len(words)
    u, v = KeyIndex(keys[~is_typo]).matches(keys[~is_typo])
    same = _unique_codes(own[~is_typo][u], own[~is_typo][v], n)
    u, v = KeyIndex(keys[is_typo]).matches(keys[is_typo])
    du, dv = _unique_codes(own[is_typo][u], own[is_typo][v], n)
    only = ~np.isin(du * n + dv, same[0] * n + same[1])
    return same, (du[only], dv[only])


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
    threshold: float = 0.64,
    n_index: int = 16,
    max_bucket: int = 50,
    skip: Collection[tuple[int, int]] = (),
) -> list[Pair]:
    """Paraphrased copies: rare-word candidates with a fuzzy word overlap >= ``threshold``.

    ``skip`` holds pairs ``(i, j)`` already accepted by another test (not verified again).

    Examples
    --------
    >>> a = "The subscription of a generic class will generally return a GenericAlias object."
    >>> b = "A generic family's subscriptiom volition mostly return an GenericAlias object."
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
    # a word no other text of a large pool uses is no evidence against a pair: a copy's typos and
    # odd synonyms are such words, and so are the source's words the copy lost
    novel = (df == 1) & (n >= 100)
    i, j = codes // n, codes % n
    scores = _scores(_Ragged(ids), i, j, vocab, idf, novel, feats)
    ok = scores >= threshold
    return list(zip(i[ok].tolist(), j[ok].tolist(), scores[ok].tolist(), strict=True))
