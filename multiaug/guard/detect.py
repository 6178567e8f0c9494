"""Pure kernels of the split guard: content hashes and sub-quadratic near-duplicate search.

Every near-duplicate finder takes the items of *one* pool (the training and validation items
concatenated, or the one set being split) and an optional ``side`` array; with ``side`` given
only pairs whose two items lie on different sides are returned. A finder returns
``(i, j, score)`` triples with ``i < j`` and a similarity ``score`` in [0, 1].
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.random import generator, mix

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "bucket_pairs",
    "image_pairs",
    "item_hash",
    "row_hashes",
    "table_pairs",
    "text_pairs",
    "text_shingles",
]

Pair = tuple[int, int, float]

_WORD = re.compile(r"[^\W_]+")
_MINHASH_SALT = 0x6D696E6861736800
_BAND_SALT = 0x62616E6473000000


def item_hash(item: Any) -> bytes:
    """A 128-bit content hash of one item: exact text, or an array's dtype, shape and bytes.

    Examples
    --------
    >>> import numpy as np
    >>> item_hash("a b") == item_hash("a b"), item_hash("a b") == item_hash("a  b")
    (True, False)
    >>> a = np.zeros((2, 2), np.uint8)
    >>> item_hash(a) == item_hash(a.copy()), item_hash(a) == item_hash(a.astype(np.float32))
    (True, False)
    """
    h = hashlib.blake2b(digest_size=16)
    if isinstance(item, str):
        h.update(b"str:")
        h.update(item.encode("utf-8", "surrogatepass"))
        return h.digest()
    if isinstance(item, bytes):
        h.update(b"bytes:")
        h.update(item)
        return h.digest()
    arr = np.ascontiguousarray(np.asarray(item))
    if arr.dtype == object:
        h.update(b"obj:")
        h.update(repr(arr.tolist()).encode("utf-8", "surrogatepass"))
        return h.digest()
    h.update(f"{arr.dtype.str}{arr.shape}:".encode())
    h.update(arr.tobytes())
    return h.digest()


def row_hashes(table: np.ndarray | pd.DataFrame) -> list[bytes]:
    """One content hash per row of a 2-D array or DataFrame (values and dtypes, not the index)."""
    if isinstance(table, np.ndarray):
        arr = np.ascontiguousarray(table)
        prefix = f"row:{arr.dtype.str}:{arr.shape[1]}:".encode()
        return [hashlib.blake2b(prefix + row.tobytes(), digest_size=16).digest() for row in arr]
    import pandas as pd

    values = pd.util.hash_pandas_object(table, index=False).to_numpy(np.uint64)
    prefix = ("df:" + ",".join(f"{c}:{t}" for c, t in table.dtypes.items())).encode()
    tag = hashlib.blake2b(prefix, digest_size=8).digest()
    return [tag + int(v).to_bytes(8, "little") for v in values]


# --------------------------------------------------------------------------------------- buckets
def bucket_pairs(keys: np.ndarray, side: np.ndarray | None, max_bucket: int = 2000) -> set[tuple[int, int]]:
    """Candidate pairs sharing a key in any column of ``keys`` (shape ``(n, n_bands)``).

    A bucket larger than ``max_bucket`` (a key shared by very many items, e.g. empty texts)
    pairs each member with the bucket's first member only, keeping the search sub-quadratic;
    union-find over those pairs still joins the bucket into one cluster.
    """
    out: set[tuple[int, int]] = set()
    n = keys.shape[0]
    if n < 2:
        return out
    for band in keys.T:
        order = np.argsort(band, kind="stable")
        sorted_keys = band[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], n]
        for s, e in zip(starts[ends - starts > 1], ends[ends - starts > 1], strict=True):
            members = order[s:e]
            if side is not None:
                a, b = members[side[members] == 0], members[side[members] == 1]
                if not len(a) or not len(b):
                    continue
                if len(a) * len(b) > max_bucket * max_bucket:
                    a, b = a[:1], b
                for i in a.tolist():
                    for j in b.tolist():
                        out.add((i, j) if i < j else (j, i))
            elif len(members) > max_bucket:
                first = int(members[0])
                out.update((first, int(j)) for j in members[1:])
            else:
                ms = sorted(members.tolist())
                out.update((ms[x], ms[y]) for x in range(len(ms)) for y in range(x + 1, len(ms)))
    return out


# ------------------------------------------------------------------------------------------ text
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


def _band_keys(sig: np.ndarray, n_bands: int) -> np.ndarray:
    """Collapse each band of ``rows`` signature entries into one 64-bit key."""
    n, n_perm = sig.shape
    rows = n_perm // n_bands
    keys = np.empty((n, n_bands), dtype=np.uint64)
    for band in range(n_bands):
        block = np.ascontiguousarray(sig[:, band * rows : (band + 1) * rows])
        keys[:, band] = [
            int.from_bytes(hashlib.blake2b(r.tobytes(), digest_size=8).digest(), "little") for r in block
        ]
    return keys


def text_pairs(
    texts: Sequence[str],
    side: np.ndarray | None,
    threshold: float = 0.5,
    shingle: int = 2,
    n_perm: int = 64,
    n_bands: int = 16,
    seed: int = 0,
) -> list[Pair]:
    """Near-duplicate texts: MinHash/LSH candidates verified by shingle Jaccard >= ``threshold``.

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
    keys = _band_keys(sig, n_bands)
    empty = np.fromiter((not s for s in sets), dtype=bool, count=len(sets))
    keys[empty] = np.arange(int(empty.sum()), dtype=np.uint64)[:, None] ^ np.uint64(0xFFFF_FFFF_0000_0000)
    out = []
    for i, j in sorted(bucket_pairs(keys, side)):
        a, b = sets[i], sets[j]
        score = len(a & b) / len(a | b)
        if score >= threshold:
            out.append((i, j, score))
    return out


# ----------------------------------------------------------------------------------------- table
def table_pairs(values: np.ndarray, side: np.ndarray | None, ratio: float = 0.15) -> tuple[list[Pair], float]:
    """Near-duplicate rows: standardised distance below ``ratio`` x the median neighbour distance.

    The median nearest-neighbour distance is taken within each side (the larger of the two
    medians when ``side`` is given, so an augmented training set does not shrink the yardstick).
    Returns the pairs and the distance threshold used.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0], [0.01, 0.0]])
    >>> pairs, _ = table_pairs(X, None)
    >>> [(i, j) for i, j, _ in pairs]
    [(0, 4)]
    """
    from sklearn.neighbors import NearestNeighbors

    x = np.asarray(values, dtype=np.float64)
    x = np.where(np.isfinite(x), x, np.nanmean(np.where(np.isfinite(x), x, np.nan), axis=0))
    x = np.nan_to_num(x)
    std = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    groups = [np.arange(len(x))] if side is None else [np.flatnonzero(side == 0), np.flatnonzero(side == 1)]
    medians = []
    for idx in groups:
        if len(idx) >= 2:
            dist, _ = NearestNeighbors(n_neighbors=2).fit(x[idx]).kneighbors(x[idx])
            medians.append(float(np.median(dist[:, 1])))
    if not medians or max(medians) == 0:
        return [], 0.0
    radius = ratio * max(medians)
    if side is None:
        base, query = np.arange(len(x)), np.arange(len(x))
    else:
        base, query = groups[0], groups[1]
    if not len(base) or not len(query):
        return [], radius
    nn = NearestNeighbors(radius=radius).fit(x[base])
    dists, neighbours = nn.radius_neighbors(x[query], sort_results=True)
    out: dict[tuple[int, int], float] = {}
    for q, ds, ns in zip(query.tolist(), dists, neighbours, strict=True):
        for d, k in zip(ds.tolist(), base[ns].tolist(), strict=True):
            if k != q:
                out[(min(k, q), max(k, q))] = 1.0 - d / max(medians)
    return [(i, j, s) for (i, j), s in sorted(out.items())], radius


# ---------------------------------------------------------------------------------------- images
_DIHEDRAL_SIGN = np.array([[(-1.0) ** v for v in range(8)]] * 8)  # DCT sign of a horizontal flip


def _dct_blocks(images: Sequence[np.ndarray]) -> np.ndarray:
    """Low-frequency 8x8 DCT block of each image's normalised 32x32 grayscale thumbnail."""
    import cv2

    out = np.empty((len(images), 8, 8), dtype=np.float64)
    for k, img in enumerate(images):
        a = np.asarray(img, dtype=np.float32)
        if a.ndim == 3:
            a = a[..., :3].mean(axis=2) if a.shape[2] > 1 else a[..., 0]
        thumb = cv2.resize(a, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
        thumb = (thumb - thumb.mean()) / (thumb.std() + 1e-6)
        out[k] = cv2.dct(thumb)[:8, :8]
    return out


def _variants(blocks: np.ndarray) -> np.ndarray:
    """The 8 dihedral variants of each DCT block, shape ``(n, 8, 8, 8)``.

    A horizontal flip negates odd horizontal frequencies, a vertical flip odd vertical ones, and
    a transpose swaps the axes; the 8 combinations are the flips and 90-degree rotations.
    """
    h = _DIHEDRAL_SIGN
    v = h.T
    out = []
    for b in (blocks, blocks.transpose(0, 2, 1)):
        out += [b, b * h, b * v, b * h * v]
    return np.stack(out, axis=1)


def _phash_bits(blocks: np.ndarray) -> np.ndarray:
    """64-bit perceptual hashes: each coefficient above the block's median (DC excluded)."""
    flat = blocks.reshape(*blocks.shape[:-2], 64)
    med = np.median(flat[..., 1:], axis=-1, keepdims=True)
    bits = (flat > med).astype(np.uint64)
    bits[..., 0] = 0
    weights = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))
    return (bits * weights).sum(axis=-1, dtype=np.uint64)


_BYTE_BITS = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)


def _popcount(x: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 (byte lookup table: one pass, any shape)."""
    x = np.ascontiguousarray(x, dtype=np.uint64)
    return _BYTE_BITS[x.view(np.uint8).reshape(*x.shape, 8)].sum(axis=-1, dtype=np.int64)


def image_pairs(images: Sequence[np.ndarray], side: np.ndarray | None, max_distance: int = 5) -> list[Pair]:
    """Near-duplicate images: flip/rotation-invariant pHash within ``max_distance`` bits.

    Each item is indexed under the pHash of the image as given; candidates come from
    multi-index hashing: 4 bands of 16 bits, a pair is a candidate when one band of the other
    item's hash, in *any* of its 8 dihedral variants (flips, 90-degree rotations), matches
    exactly. Candidates are verified by the minimum Hamming distance over the variants.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 256, (2, 24, 24, 3), dtype=np.uint8)
    >>> [(i, j) for i, j, _ in image_pairs([a, b, a[:, ::-1] // 2 + 40], None)]
    [(0, 2)]
    """
    hashes = _phash_bits(_variants(_dct_blocks(images)))  # (n, 8); column 0 is the image as given
    canon = hashes[:, 0]
    mask = np.uint64(0xFFFF)
    cand: set[tuple[int, int]] = set()
    for k in range(4):
        shift = np.uint64(16 * k)
        lookup: dict[int, list[int]] = {}
        for i, key in enumerate(((canon >> shift) & mask).tolist()):
            lookup.setdefault(key, []).append(i)
        for v in range(8):
            for j, key in enumerate(((hashes[:, v] >> shift) & mask).tolist()):
                for i in lookup.get(key, ()):
                    if i != j and (side is None or side[i] != side[j]):
                        cand.add((min(i, j), max(i, j)))
    if not cand:
        return []
    pairs = np.array(sorted(cand), dtype=np.int64)
    first, second = pairs[:, 0], pairs[:, 1]
    # Vectorised verification: minimum Hamming distance over the 8 variants, both ways round.
    dist = np.minimum(
        _popcount(hashes[second] ^ canon[first][:, None]).min(axis=1),
        _popcount(hashes[first] ^ canon[second][:, None]).min(axis=1),
    )
    keep = np.flatnonzero(dist <= max_distance)
    return [(int(first[k]), int(second[k]), 1.0 - int(dist[k]) / 64) for k in keep]
