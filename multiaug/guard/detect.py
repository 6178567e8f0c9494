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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.random import TAGS, generator, mix

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AudioPrint",
    "audio_fingerprint",
    "audio_pairs",
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
_MINHASH_SALT = TAGS["minhash"]
_BAND_SALT = TAGS["bands"]


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


_IMAGE_ANGLES = tuple(float(a) for a in range(-30, 31, 5) if a)  # rotations looked up besides the dihedral 8
_LOW_FILTER = 0.8  # low-band correlation (at the hashed pose) below which no candidate is verified
_RICH_STRUCTURE = 8.0  # participation ratio of the low frequencies from which thresholds hold as given
_PROBE_BITS = 2  # weak bits a band flipped in lookups: 2 for the hash as it is, 1 for the other variants
_DISC = (np.add.outer((np.arange(32) - 15.5) ** 2, (np.arange(32) - 15.5) ** 2) <= 15.5**2).ravel()


def _gray(image: np.ndarray) -> np.ndarray:
    """An image as float32 grayscale: the largest of its first three channels (HSV's value).

    A hue rotation in HSV (``ColorJitter``'s hue) leaves the value unchanged, and brightness and
    contrast change it nearly affinely, where the mean of the channels changes with the hue
    of each region.
    """
    a = _colour(image)
    return a.max(axis=2) if a.ndim == 3 else a


_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def _colour(image: np.ndarray) -> np.ndarray:
    """An image as float32 with at most 3 channels (alpha and extra channels dropped), 2-D if grey."""
    a = np.asarray(image, dtype=np.float32)
    if a.ndim == 3:
        a = a[..., :3] if a.shape[2] > 1 else a[..., 0]
    return np.ascontiguousarray(a)


def _thumbnails(images: Sequence[np.ndarray], side: int = 32, scales: np.ndarray | None = None) -> np.ndarray:
    """Mean/std-normalised grayscale thumbnails, shape ``(n, side, side)`` float32; each one's
    standard deviation (in the image's units) is written to ``scales`` when given."""
    import cv2

    out = np.empty((len(images), side, side), dtype=np.float32)
    for k, img in enumerate(images):
        a = _gray(img)
        # 32x32 thumbnails always by area (the hashes' input); larger ones of small images bilinear
        how = cv2.INTER_AREA if side == 32 or min(a.shape) >= side else cv2.INTER_LINEAR
        thumb = cv2.resize(a, (side, side), interpolation=how).astype(np.float32)
        std = thumb.std()
        out[k] = (thumb - thumb.mean()) / (std + 1e-6)
        if scales is not None:
            scales[k] = std
    return out


def _rotate(thumbs: np.ndarray, angle: float) -> np.ndarray:
    """Thumbnails rotated by ``angle`` degrees about their centre (edges replicated)."""
    import cv2

    if angle == 0:
        return thumbs
    m = cv2.getRotationMatrix2D((15.5, 15.5), float(angle), 1.0)
    flags, border = cv2.INTER_LINEAR, cv2.BORDER_REPLICATE
    out = np.empty_like(thumbs)
    # four thumbnails a call as the channels of one image: per channel, the same warp exactly
    for s in range(0, len(thumbs), 4):
        block = np.ascontiguousarray(thumbs[s : s + 4].transpose(1, 2, 0))
        warped = cv2.warpAffine(block, m, (32, 32), flags=flags, borderMode=border)
        out[s : s + 4] = (warped if warped.ndim == 3 else warped[..., None]).transpose(2, 0, 1)
    return out


def _disc(thumbs: np.ndarray) -> np.ndarray:
    """Thumbnails normalised over their inscribed disc and zero outside it: what a rotation about
    the centre keeps (its corners are filled with whatever the augmentation chose), so a rotated
    copy's hash does not depend on its corners."""
    flat = thumbs.reshape(len(thumbs), -1)
    weight = _DISC.astype(flat.dtype)
    mean = (flat @ weight) / _DISC.sum()
    std = np.sqrt(np.maximum((flat * flat) @ weight / _DISC.sum() - mean * mean, 0))
    return ((flat - mean[:, None]) * (weight / (std[:, None] + 1e-6))).reshape(thumbs.shape)


def _turn_disc(discs: np.ndarray, angle: float) -> np.ndarray:
    """Disc thumbnails (see :func:`_disc`) rotated about their centre: what is outside the disc
    is zero before and after, so the rotated disc needs no new normalisation."""
    return _rotate(discs, angle) * _DISC.reshape(32, 32).astype(discs.dtype)


def _dct_basis() -> np.ndarray:
    """The first 8 rows of the orthonormal 32-point DCT-II matrix (``cv2.dct``'s scaling)."""
    k, n = np.arange(8)[:, None], np.arange(32)[None, :]
    basis = np.sqrt(2.0 / 32) * np.cos(np.pi * (2 * n + 1) * k / 64)
    basis[0] /= np.sqrt(2.0)
    return basis


_DCT8 = _dct_basis()


def _dct_blocks(thumbs: np.ndarray) -> np.ndarray:
    """Low-frequency 8x8 DCT block of each 32x32 thumbnail (two batched matrix products)."""
    return _DCT8 @ np.asarray(thumbs, dtype=np.float64) @ _DCT8.T


def _variants(blocks: np.ndarray) -> np.ndarray:
    """The 8 dihedral variants of each DCT block, shape ``(n, 8, 8, 8)``.

    A horizontal flip negates odd horizontal frequencies, a vertical flip odd vertical ones, and
    a transpose swaps the axes; the 8 combinations are the flips and 90-degree rotations.
    """
    return np.stack([_dihedral_block(blocks, v) for v in range(8)], axis=1)


def _dihedral_block(blocks: np.ndarray, v: int) -> np.ndarray:
    """Dihedral variant ``v`` (the order of :func:`_dihedral`) of DCT blocks ``(n, 8, 8)``."""
    b = blocks.transpose(0, 2, 1) if v >= 4 else blocks
    b = b * _DIHEDRAL_SIGN if v % 2 else b
    return b * _DIHEDRAL_SIGN.T if v % 4 >= 2 else b


_BIT = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))


def _phash_bits(blocks: np.ndarray) -> np.ndarray:
    """64-bit perceptual hashes: each coefficient above the block's median (DC excluded)."""
    return _phash(blocks)[0]


def _phash(blocks: np.ndarray, weak: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """pHashes and their probes: ``(hashes, flips)``, ``flips`` of shape ``(..., 4, 2**weak)``.

    ``flips[..., k, p]`` is a mask of bits of the ``k``-th 16-bit band: the ``p``-th subset of
    that band's ``weak`` least reliable bits (coefficients closest to the median, the ones noise
    flips first). Looking a band up as ``hash ^ flip`` for every ``p`` (multi-probe hashing)
    finds a copy whose differing bits in that band are all among those.
    """
    flat = blocks.reshape(*blocks.shape[:-2], 64)
    # the median of the 63 AC coefficients is the 32nd smallest (a partition, not a sort)
    med = np.partition(flat[..., 1:], 31, axis=-1)[..., 31:32]
    bits = (flat > med).astype(np.uint64)
    bits[..., 0] = 0
    hashes = (bits * _BIT).sum(axis=-1, dtype=np.uint64)
    flips = np.zeros((*hashes.shape, 4, 1 << weak), np.uint64)
    if weak:
        margin = np.abs(flat - med).reshape(*flat.shape[:-1], 4, 16)
        margin[..., 0, 0] = np.inf  # the DC bit is always 0
        least = np.argsort(margin, axis=-1)[..., :weak] + 16 * np.arange(4)[:, None]  # (..., 4, weak)
        for p in range(1, 1 << weak):
            chosen = [least[..., b] for b in range(weak) if p >> b & 1]
            flips[..., p] = np.bitwise_or.reduce(np.stack([_BIT[c] for c in chosen]), axis=0)
    return hashes, flips


_BYTE_BITS = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)


def _popcount(x: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 (NumPy's ``bitwise_count``; a byte lookup table before NumPy 2)."""
    x = np.ascontiguousarray(x, dtype=np.uint64)
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.int64)
    return _BYTE_BITS[x.view(np.uint8).reshape(*x.shape, 8)].sum(axis=-1, dtype=np.int64)


_PROBE_GRID = np.arange(12).reshape(3, 4)  # no symmetry: tells the dihedral variants apart


def _dihedral(thumb: np.ndarray, v: int) -> np.ndarray:
    """Dihedral variant ``v`` of a thumbnail, in the order of :func:`_variants`."""
    t = thumb.swapaxes(0, 1) if v >= 4 else thumb  # rows and columns (channels stay last)
    return t[:: 1 - 2 * (v % 4 >= 2), :: 1 - 2 * (v % 2)]


def _render(image: np.ndarray, v: int, angles: np.ndarray) -> np.ndarray:
    """``image``'s value (see :func:`_gray`) and luma turned by dihedral variant ``v``, rotated
    about the centre by each of ``angles`` at full resolution (at most 128 pixels a side; edges
    replicated) and reduced to 32x32 by area, as an augmentation followed by the thumbnail does.
    Shape ``(len(angles), 2, 32, 32)``; the luma equals the value for grayscale images."""
    import cv2

    a = _colour(image)
    if max(a.shape[:2]) > 128:
        scale = 128 / max(a.shape[:2])
        size = (max(1, round(a.shape[1] * scale)), max(1, round(a.shape[0] * scale)))
        a = cv2.resize(a, size, interpolation=cv2.INTER_AREA)
    a = np.ascontiguousarray(_dihedral(a, v))
    h, w = a.shape[:2]
    out = np.empty((len(angles), 2, 32, 32), np.float32)
    for k, angle in enumerate(np.asarray(angles, dtype=np.float64).tolist()):
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0)
        # turned in colour, then reduced to grey (the value is not linear in the colours)
        turned = cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        value = _gray(turned)
        luma = turned[..., :3] @ _LUMA if turned.ndim == 3 and turned.shape[2] >= 3 else value
        out[k] = cv2.resize(
            np.stack([value, luma], axis=2), (32, 32), interpolation=cv2.INTER_AREA
        ).transpose(2, 0, 1)
    return out


def _fit_correlation(sources: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Multiple correlation over the inscribed disc of ``target`` with the best linear mix of the
    two ``sources`` (value and luma; ``ColorJitter``'s saturation moves the value towards the
    luma), for a batch of sources ``(k, 2, 32, 32)``: shape ``(k,)``."""
    x = sources.reshape(len(sources), 2, -1)[..., _DISC].astype(np.float64)
    y = target.ravel()[_DISC].astype(np.float64)
    x = x - x.mean(axis=2, keepdims=True)
    y = y - y.mean()
    gram = x @ x.transpose(0, 2, 1) + 1e-9 * np.eye(2)
    proj = x @ y
    # explained variance proj' gram^-1 proj, with the 2x2 inverse written out
    a, b, d = gram[:, 0, 0], gram[:, 0, 1], gram[:, 1, 1]
    p, q = proj[:, 0], proj[:, 1]
    det = a * d - b * b
    grey = det <= 1e-9 * a * d  # value and luma proportional (a grey image): one regressor
    explained = np.where(
        grey, p * p / np.maximum(a, 1e-12), (d * p * p - 2 * b * p * q + a * q * q) / np.where(grey, 1.0, det)
    )
    return np.sqrt(np.clip(explained / (float(y @ y) + 1e-12), 0.0, 1.0))


# dihedral variant undoing each one (a transposed flip is undone by the flip transposed)
_DIHEDRAL_INVERSE = [
    next(u for u in range(8) if np.array_equal(_dihedral(_dihedral(_PROBE_GRID, v), u), _PROBE_GRID))
    for v in range(8)
]

# the 8x8 low-frequency block of a 32x32 DCT (DC excluded) and the rest
_LOW = np.zeros((32, 32), bool)
_LOW[:8, :8] = True
_LOW[0, 0] = False
_HIGH = ~_LOW
_HIGH[0, 0] = False
_NOISE_RATIO = 2.5  # low-band residual beyond the structure allowed, over the noise level it may have
_NOISE_FLOOR = 0.8  # low-band correlation below which a pair is never a noisy copy
_NOISE_GAIN = float(np.log(2.0))  # largest contrast change (log) a noisy copy may also have
_NOISE_STRUCTURE = 0.995  # low-band correlation a noiseless copy reaches (a small residual allowed)


def _noisy_copy(source: np.ndarray, copy: np.ndarray) -> tuple[float, bool]:
    """Low-band correlation of ``copy`` with ``source`` (32x32 thumbnails in the images' units)
    when one is ``gain`` times the other plus noise, ``gain`` within a factor of 2 of 1, else 0;
    and whether ``copy`` is the noisier of the two.

    Noise added to a copy (``GaussianNoise`` on a smooth image) drowns the pixel correlation but
    is spread evenly over the spectrum, where the difference of two distinct images is
    concentrated in the low frequencies (natural images have ~1/f spectra). Over the inscribed
    disc, with the gain fitted on the 63 low frequencies, the low-band residual beyond what a
    correlation of ``_NOISE_STRUCTURE`` allows must be at most ``_NOISE_RATIO`` times the residual
    the high band predicts for white noise.
    """
    from scipy.fft import dctn

    def spectrum(t: np.ndarray) -> np.ndarray:
        t = t.astype(np.float64).ravel()
        return dctn(np.where(_DISC, t - t[_DISC].mean(), 0.0).reshape(32, 32), norm="ortho")

    a, b = spectrum(source), spectrum(copy)
    al, bl = a[_LOW], b[_LOW]
    gain = (al @ bl) / (al @ al + 1e-12)
    correlation = float((al @ bl) / (np.sqrt((al @ al) * (bl @ bl)) + 1e-12))
    low = float(((bl - gain * al) ** 2).sum()) - (1 - _NOISE_STRUCTURE**2) * float(bl @ bl)
    high = float(((b[_HIGH] - gain * a[_HIGH]) ** 2).sum()) * _LOW.sum() / _HIGH.sum()
    # noise adds to an image's contrast, it does not take the structure away: the two carry it
    # at about the same strength
    ok = (
        correlation >= _NOISE_FLOOR
        and low <= _NOISE_RATIO * high
        and abs(np.log(max(gain, 1e-9))) <= _NOISE_GAIN
    )
    # the copy is the noisier one: more high-band energy than the gain explains
    return (correlation if ok else 0.0), bool((b[_HIGH] ** 2).sum() > gain**2 * (a[_HIGH] ** 2).sum())


def _middle_pose(dist: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """The variant of each row of ``dist`` (pairs x variants) to verify: the closest one, and
    among rotations tied at the closest distance (a smooth image's hash changes slowly with
    the angle) the middle angle, so the fine search about it reaches the true one."""
    best = dist.min(axis=1, keepdims=True)
    rotation = np.r_[True, np.zeros(7, bool), np.ones(len(angles) - 8, bool)]  # identity or rotated
    tied = (dist == best) & rotation
    out = dist.argmin(axis=1)
    for k in np.flatnonzero((tied.sum(axis=1) > 1) & rotation[out]).tolist():
        choice = np.flatnonzero(tied[k])
        out[k] = choice[np.argsort(angles[choice], kind="stable")[(len(choice) - 1) // 2]]
    return out


def _low_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Correlation of the AC coefficients of paired 8x8 DCT blocks, shape ``(n,)``."""
    x, y = a.reshape(len(a), 64)[:, 1:], b.reshape(len(b), 64)[:, 1:]
    return (x * y).sum(axis=1) / (np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1)) + 1e-12)


def _variant_blocks(
    blocks: np.ndarray, discs: np.ndarray, which: np.ndarray, variant: np.ndarray, angles: np.ndarray
) -> np.ndarray:
    """The DCT block of variant ``variant[k]`` of item ``which[k]`` (dihedral ones as in
    :func:`_variants`, then the rotations by ``angles``), for each ``k``."""
    out = np.empty((len(which), 8, 8))
    for v in np.unique(variant).tolist():
        pick = variant == v
        if v < 8:
            out[pick] = _dihedral_block(blocks[which[pick]], v)
        else:
            out[pick] = _dct_blocks(_turn_disc(discs[which[pick]], float(angles[v])))
    return out


def _verify(
    image: np.ndarray,
    target: np.ndarray,
    angle: float,
    v: int,
    min_correlation: float,
    noisy: bool = True,
    scale: float = 1.0,
) -> tuple[float, bool | None]:
    """Score of ``target`` (a 32x32 thumbnail) as a copy of ``image`` turned by dihedral variant
    ``v`` and rotated near ``angle`` (+-6 degrees, 2-degree steps refined to 0.5 about the
    best), or 0: the best disc correlation of the rendered candidates when it reaches
    ``min_correlation`` (then ``None``), else (when ``noisy``) the noisy-copy test's with
    whether ``target`` is the noisier one (``scale``: the standard deviation of ``target`` in
    the image's units, which the normalised thumbnail lost)."""
    angles = angle + np.arange(-6.0, 6.5, 2.0)
    rendered = _render(image, v, angles)
    scores = _fit_correlation(rendered, target)
    # coarse to fine: a textured image's correlation falls off within a degree of the angle
    for step in (1.0, 0.5):
        if scores.max() < min_correlation - 0.05:
            break
        centre = angles[int(np.argmax(scores))]
        more = _render(image, v, np.array([centre - step, centre + step]))
        angles, rendered = np.r_[angles, centre - step, centre + step], np.concatenate([rendered, more])
        scores = np.r_[scores, _fit_correlation(more, target)]
    best = int(np.argmax(scores))
    if scores[best] >= min_correlation or not noisy:
        return (float(scores[best]) if scores[best] >= min_correlation else 0.0), None
    return _noisy_copy(rendered[best][0], target * scale)


# crops: each item is also hashed zoomed into windows, 8 an axis: the whole axis and windows of 92 %
# and 86 % of it at 3 and 4 evenly spaced offsets (a RandomResizedCrop keeping >= 80 % of the area
# at an aspect ratio within +-5 % keeps >= 87 % of each axis; the fit then reaches 70 %)
_CROP_WINDOWS = np.array(
    [(1.0, 0.0)] + [(c, o) for c, n in ((0.92, 3), (0.86, 4)) for o in np.linspace(0.0, 1.0 - c, n)]
)
_CROP_BUCKET = 256  # items sharing a band value beyond which it is not looked up
_CROP_DISTANCE = 12  # pHash bits between a zoomed variant and the copy for a candidate
_CROP_START = 0.9  # thumbnail correlation at the matched variant's windows, before the fit
_CROP_FIT = 0.95  # thumbnail correlation after the fit below which a candidate is dropped
_CROP_CORRELATION = 0.997  # correlation of the copy with the source cropped at full resolution
# Gaussian blur (sigma 1 pixel) of 32 samples as a matrix, the 3 samples beyond each edge replicated
_BLUR = np.exp(-0.5 * np.subtract.outer(np.arange(32), np.arange(-3, 35)) ** 2)
_BLUR = (_BLUR / _BLUR.sum(axis=1, keepdims=True)) @ np.eye(32)[np.clip(np.arange(-3, 35), 0, 31)]
_BLUR = _BLUR.astype(np.float32)


def _window_matrices(size: np.ndarray, offset: np.ndarray, n: int = 32) -> np.ndarray:
    """Bilinear resampling matrices, shape ``(len(size), n, n)``: row ``k`` samples the window
    ``[offset, offset + size]`` (fractions of the axis) at the ``k``-th of its ``n`` pixel centres."""
    x = np.clip(n * offset[:, None] + size[:, None] * (np.arange(n) + 0.5) - 0.5, 0, n - 1)
    lo = np.minimum(np.floor(x).astype(np.int64), n - 2)
    frac = (x - lo).astype(np.float32)
    out = np.zeros((len(size), n, n), np.float32)
    rows, k = np.arange(len(size))[:, None], np.arange(n)[None]
    out[rows, k, lo] = 1 - frac
    out[rows, k, lo + 1] = frac
    return out


def _pool(z: np.ndarray) -> np.ndarray:
    """Images of side ``32 f`` averaged down to 32x32 (``f`` x ``f`` blocks): INTER_AREA's reduction."""
    f = z.shape[-1] // 32
    return z if f == 1 else z.reshape(*z.shape[:-2], 32, f, 32, f).mean(axis=(-3, -1))


def _crop_hashes(thumbs: np.ndarray) -> np.ndarray:
    """pHashes of every thumbnail zoomed into each pair of axis windows, shape ``(n, 64)``.

    Zooming and the low-frequency DCT are both linear and separable: the 8x8 block of a window
    is ``(D Ry) T (D Rx)^T``, one batched product per axis.
    """
    ops = (_DCT8 @ _window_matrices(*_CROP_WINDOWS.T)).astype(np.float32)  # (8 windows, 8, 32)
    out = np.empty((len(thumbs), len(ops) ** 2), np.uint64)
    for start in range(0, len(thumbs), 1024):  # in blocks: 16 kB of DCT coefficients an item
        rows = np.einsum("wab,nbc->nwac", ops, thumbs[start : start + 1024])
        blocks = np.einsum("nwac,vdc->nwvad", rows, ops)
        out[start : start + 1024] = _phash_bits(blocks).reshape(len(blocks), -1)
    return out


def _soften(thumbs: np.ndarray) -> np.ndarray:
    """Thumbnails blurred (Gaussian, sigma 1 pixel, edges replicated) and normalised again: the fit
    of a window then tolerates a textured image's detail lost or gained in the zoom."""
    return _normalise(_BLUR @ thumbs @ _BLUR.T) * 32


def _zoom(thumbs: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Each thumbnail resampled from its window (rows: vertical size and offset, horizontal ones),
    at its own resolution and averaged down to 32x32."""
    n = thumbs.shape[-1]
    ry = _window_matrices(window[:, 0], window[:, 1], n)
    rxt = _window_matrices(window[:, 2], window[:, 3], n).transpose(0, 2, 1)
    return _pool(ry @ thumbs @ rxt)


def _normalise(z: np.ndarray) -> np.ndarray:
    """Zero-mean, unit-norm images along the last two axes."""
    z = z - z.mean(axis=(-2, -1), keepdims=True)
    return z / (np.sqrt((z * z).sum(axis=(-2, -1), keepdims=True)) + 1e-12)


def _fit_crops(source: np.ndarray, copy: np.ndarray, window: np.ndarray, steps: int = 5) -> np.ndarray:
    """Gauss-Newton fit of ``copy ~ gain * crop(source, window) + bias`` for a batch of thumbnails.

    ``copy`` is ``(m, 32, 32)``; ``source`` is ``(m, n, n)``, ``n`` a multiple of 32 (a sharper
    source models the crop of a detailed image better). ``window`` is ``(m, 4)``: size and offset
    of the vertical, then the horizontal window (fractions of the axis). Returns refined windows.
    """
    window = window.astype(np.float64).copy()
    n = source.shape[-1]
    grad_y, grad_x = np.gradient(source, axis=1), np.gradient(source, axis=2)
    target = copy.reshape(len(copy), -1)
    ky, kx = (np.arange(n) + 0.5)[:, None], np.arange(n) + 0.5
    for _ in range(steps):
        ry = _window_matrices(window[:, 0], window[:, 1], n)
        rxt = _window_matrices(window[:, 2], window[:, 3], n).transpose(0, 2, 1)
        w = _pool(ry @ source @ rxt).reshape(len(source), -1)
        wy, wx = ry @ grad_y @ rxt, ry @ grad_x @ rxt
        centred = w - w.mean(axis=1, keepdims=True)
        gain = (centred * target).sum(axis=1) / ((centred * centred).sum(axis=1) + 1e-12)
        residual = target - gain[:, None] * centred
        # derivatives of the sampled image by the window sizes and offsets (in source pixels)
        parts = [_pool(wy * ky), _pool(wy) * n, _pool(wx * kx), _pool(wx) * n]
        jac = np.stack([gain[:, None] * d.reshape(len(source), -1) for d in parts] + [centred], axis=-1)
        jac -= jac.mean(axis=1, keepdims=True)  # the model is centred: so are its derivatives
        hess = jac.transpose(0, 2, 1) @ jac + 1e-6 * np.eye(5, dtype=np.float32)
        step = np.linalg.solve(hess, (jac.transpose(0, 2, 1) @ residual[..., None]))[:, :4, 0]
        window = window + step
        window[:, 0::2] = np.clip(window[:, 0::2], 0.7, 1.0)
        window[:, 1::2] = np.clip(window[:, 1::2], -0.02, 1.02 - window[:, 0::2])
    return window


def _crop_correlation(
    image: np.ndarray, window: np.ndarray, size: tuple[int, ...], copy: np.ndarray
) -> float:
    """Correlation of the thumbnail ``copy`` with that of ``image`` cropped to ``window`` and resized
    to ``size`` (the copy's height and width) as a crop-and-resize augmentation does."""
    import cv2

    a = _colour(image)  # cropped in colour, then reduced to grey as the copy's thumbnail was
    h, w = a.shape[:2]
    sy, oy, sx, ox = window.tolist()
    out_h, out_w = max(1, int(size[0])), max(1, int(size[1]))
    fy, fx = sy * h / out_h, sx * w / out_w
    m = np.array([[fx, 0.0, ox * w + 0.5 * fx - 0.5], [0.0, fy, oy * h + 0.5 * fy - 0.5]])
    flags, border = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, cv2.BORDER_REPLICATE
    crop = cv2.warpAffine(a, m, (out_w, out_h), flags=flags, borderMode=border)
    thumb = cv2.resize(_gray(crop), (32, 32), interpolation=cv2.INTER_AREA)
    return float((_normalise(thumb) * _normalise(copy)).sum())


def _crop_pairs(
    images: Sequence[np.ndarray],
    thumbs: np.ndarray,
    rep: np.ndarray,
    wanted: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> list[tuple[int, int, float]]:
    """Group pairs ``(g, h, score)`` where one group's item is a crop of the other's, resized back.

    Candidates: a zoomed variant of ``g`` (see ``_CROP_WINDOWS``) within ``_CROP_DISTANCE`` bits
    of ``h``'s pHash, found through one exact 16-bit band; ``wanted`` (a boolean function of the
    two group arrays, vectorised) drops pairs not worth checking. Each candidate's window is
    refined by a Gauss-Newton fit on the thumbnails; a fit reaching ``_CROP_FIT`` is confirmed
    on the source cropped at full resolution (``_CROP_CORRELATION``).
    """
    hashes = _crop_hashes(thumbs[rep])
    m, n_var = hashes.shape
    canon = hashes[:, 0]
    codes = []
    for k in range(4):
        shift = np.uint64(16 * k)
        keys = ((hashes >> shift) & np.uint64(0xFFFF)).astype(np.int64)
        order = np.argsort(keys[:, 0], kind="stable")
        sorted_keys = keys[order, 0]
        query = keys[:, 1:].ravel()  # the whole image (variant 0) is the pHash stage's job
        left = np.searchsorted(sorted_keys, query, "left")
        count = np.searchsorted(sorted_keys, query, "right") - left
        count[count > _CROP_BUCKET] = 0  # a band value very many items share says little
        asked = np.repeat(np.arange(len(query)), count)
        offs = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        found = order[np.repeat(left, count) + offs]
        source, variant = asked // (n_var - 1), asked % (n_var - 1) + 1
        keep = (found != source) & wanted(source, found)
        codes.append((source[keep] * m + found[keep]) * n_var + variant[keep])
    code = np.unique(np.concatenate(codes))
    source, found, variant = code // n_var // m, code // n_var % m, code % n_var
    dist = _popcount(hashes[source, variant] ^ canon[found])
    # the closest variant of each (source, copy) pair within _CROP_DISTANCE bits
    order = np.lexsort((dist, found, source))
    order = order[dist[order] <= _CROP_DISTANCE]
    source, found, variant = source[order], found[order], variant[order]
    first = np.r_[True, (source[1:] != source[:-1]) | (found[1:] != found[:-1])][: len(source)]
    source, found, variant = source[first], found[first], variant[first]
    out = []
    for start in range(0, len(source), 1024):
        g, h, v = source[start : start + 1024], found[start : start + 1024], variant[start : start + 1024]
        a, b = _soften(thumbs[rep[g]]), _soften(thumbs[rep[h]])
        window = np.concatenate([_CROP_WINDOWS[v // 8], _CROP_WINDOWS[v % 8]], axis=1)
        near = (_normalise(_zoom(a, window)) * b).sum(axis=(1, 2)) / 32 >= _CROP_START
        g, h, a, b, window = g[near], h[near], a[near], b[near], window[near]
        if not len(g):
            continue
        # coarse to fine: fit the blurred thumbnails, then the sharp ones from there
        window = _fit_crops(a, b, window)
        good = (_normalise(_zoom(a, window)) * b).sum(axis=(1, 2)) / 32 >= _CROP_FIT
        g, h, window = g[good], h[good], window[good]
        if not len(g):
            continue
        window = _fit_crops(_thumbnails([images[i] for i in rep[g]], 64), thumbs[rep[h]], window, steps=3)
        for k in range(len(g)):
            size = np.shape(images[rep[h[k]]])[:2]
            score = _crop_correlation(images[rep[g[k]]], window[k], size, thumbs[rep[h[k]]])
            if score >= _CROP_CORRELATION:
                out.append((int(min(g[k], h[k])), int(max(g[k], h[k])), score))
    return out


def image_pairs(
    images: Sequence[np.ndarray],
    side: np.ndarray | None,
    max_distance: int = 2,
    min_correlation: float = 0.985,
    loose_distance: int = 14,
) -> list[Pair]:
    """Near-duplicate images: pose-tolerant pHash candidates, verified on the pixels.

    Each item is indexed under the 64-bit pHash of its 32x32 grayscale thumbnail (the HSV
    value, which a hue rotation keeps) normalised over the inscribed disc (which a rotation
    keeps, whatever fills its corners). Candidates come from multi-index hashing, 4 bands of 16
    bits: a pair is one when a band of one item's hash equals the other's in any of its 8
    dihedral variants (flips, 90-degree turns) or rotations by +-5 ... +-30 degrees, the variant
    as it is also looked up with its 2 least reliable bits of the band flipped (noise and colour
    changes flip those first), the others with 1. Within ``max_distance`` bits as they are (both
    images at least 32 pixels a side) a candidate is a near-duplicate; within ``loose_distance``
    bits (best variant) it is verified, as it is and then at the matched pose: the source is
    turned and rotated at full resolution at 2-degree steps (+-6) about the matched angle and
    reduced to 32x32 as the thumbnail was; the copy's thumbnail must correlate over the disc with
    the best mix of the source's value and luma (``ColorJitter``'s saturation mixes them) at
    ``min_correlation`` -- closer for smooth images matched under a pose (few degrees of freedom,
    many poses: chance matches) -- or pass the noisy-copy test (:func:`_noisy_copy`; a noisy
    copy explained by several sources is kept with the best one).

    Crops resized back (a ``RandomResizedCrop`` keeping >= ~80 % of the area) are searched among
    the remaining cross-side pairs: each item is also hashed zoomed into 64 windows (8 an axis,
    down to 86 % of it), a variant within 12 bits of another item's hash through one band is a
    candidate, its window is refined by a Gauss-Newton fit (blurred, then sharp thumbnails), and
    the pair is kept when the other item's thumbnail correlates at >= 0.997 with the source
    cropped to that window at full resolution and resized to the other item's size.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 256, (2, 24, 24, 3), dtype=np.uint8)
    >>> [(i, j) for i, j, _ in image_pairs([a, b, a[:, ::-1] // 2 + 40], None)]
    [(0, 2)]
    """
    scales = np.empty(len(images), np.float32)
    thumbs = _thumbnails(images, scales=scales)
    if len(thumbs) < 2:
        return []
    discs = _disc(thumbs)
    canonical = _phash_bits(_dct_blocks(discs))
    # items with one pHash (exact or brightness-shifted copies) are searched once, as a group
    _, rep, group = np.unique(canonical, return_index=True, return_inverse=True)
    group = group.reshape(-1)
    m = len(rep)
    if side is None:
        has = np.ones((2, m), bool)
    else:
        has = np.stack([np.bincount(group, side == s, minlength=m) > 0 for s in (0, 1)])
    # variants: the 8 dihedral ones of the thumbnail as given, then the rotated thumbnails, each
    # hashed over the inscribed disc, with the probes of its least reliable bits
    discs = discs[rep]
    blocks = _dct_blocks(discs)
    # structure: the participation ratio of the low frequencies (~2 for a smooth gradient, tens for
    # texture); chance correlations between distinct images with few degrees of freedom run high
    power = (blocks**2).reshape(m, 64)[:, 1:]
    structure = power.sum(axis=1) ** 2 / ((power**2).sum(axis=1) + 1e-12)
    hashed = [_phash(_variants(blocks), _PROBE_BITS)]
    hashed += [_phash(_dct_blocks(_turn_disc(discs, a))[:, None], _PROBE_BITS) for a in _IMAGE_ANGLES]
    hashes = np.concatenate([h for h, _ in hashed], axis=1)
    flips = np.concatenate([f for _, f in hashed], axis=1)  # (m, n_var, 4 bands, probes)
    angles = np.r_[np.zeros(8), _IMAGE_ANGLES]
    dihedral = np.r_[np.arange(8), np.zeros(len(_IMAGE_ANGLES), np.int64)]
    canon = hashes[:, 0]
    # images at least as large as the thumbnail: their hash and high frequencies are their own
    # (an upscaled 8x8 image's are interpolation, and two such images a few pixels apart look
    # like one with noise added)
    sharp = np.array([min(np.shape(images[r])[:2]) >= 32 for r in rep.tolist()])
    codes = []
    for k in range(4):
        shift = np.uint64(16 * k)
        keys = ((hashes >> shift) & np.uint64(0xFFFF)).astype(np.int64)
        index = keys[:, 0]
        order = np.argsort(index, kind="stable")
        sorted_keys = index[order]
        # every variant's band as it is, and the identity's with its weak bits flipped (noise and
        # colour changes keep the pose; rotated variants are found without probes)
        probes = [hashes[:, :1, None] ^ flips[:, :1, k, 1:], hashes[:, 1:, None] ^ flips[:, 1:, k, 1:2]]
        probes = [((p >> shift) & np.uint64(0xFFFF)).reshape(m, -1).astype(np.int64) for p in probes]
        query = np.concatenate([keys, *probes], axis=1)
        left = np.searchsorted(sorted_keys, query.ravel(), "left")
        count = np.searchsorted(sorted_keys, query.ravel(), "right") - left
        asker = np.repeat(np.arange(query.size) // query.shape[1], count)
        offs = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        found = order[np.repeat(left, count) + offs]
        keep = (found != asker) & ((has[0, found] & has[1, asker]) | (has[1, found] & has[0, asker]))
        codes.append(np.minimum(found[keep], asker[keep]) * m + np.maximum(found[keep], asker[keep]))
    cand = np.sort(np.concatenate(codes))
    cand = cand[np.r_[True, cand[1:] != cand[:-1]]] if len(cand) else cand
    first, second = cand // m, cand % m
    # minimum Hamming distance over the variants, both ways round, and the variant reaching it
    d12 = _popcount(hashes[second] ^ canon[first][:, None])
    d21 = _popcount(hashes[first] ^ canon[second][:, None])
    dist = np.minimum(d12.min(axis=1), d21.min(axis=1))
    group_pairs: list[tuple[int, int, float]] = [(g, g, 1.0) for g in range(m)]
    noisy: dict[int, tuple[float, int, int]] = {}  # noisy copy's group -> its best (score, i, j)
    cross = (has[0, first] & has[1, second]) | (has[1, first] & has[0, second])
    sel = np.flatnonzero((dist <= loose_distance) & cross)
    # either may be the copy: the one whose variant is closest to the other's hash
    ones = d12[sel].min(axis=1) <= d21[sel].min(axis=1)
    var_a, var_b = np.where(ones, first[sel], second[sel]), np.where(ones, second[sel], first[sel])
    var_v = _middle_pose(np.where(ones[:, None], d12[sel], d21[sel]), angles)
    # cheap filter: every copy verified below correlates with its source at low frequencies
    low = np.maximum(
        _low_correlation(blocks[var_a], blocks[var_b]),
        _low_correlation(blocks[var_a], _variant_blocks(blocks, discs, var_b, var_v, angles)),
    )
    for k, ga, gb, v in zip(
        sel[low >= _LOW_FILTER].tolist(),
        var_a[low >= _LOW_FILTER].tolist(),
        var_b[low >= _LOW_FILTER].tolist(),
        var_v[low >= _LOW_FILTER].tolist(),
        strict=True,
    ):
        i, j = int(first[k]), int(second[k])
        # a pose (flip, turn, rotation) searched for lets distinct smooth images match by chance:
        # with one, the fewer the degrees of freedom, the closer the match must be
        as_is = min(d12[k, 0], d21[k, 0])
        rich = min(1.0, min(structure[i], structure[j]) / _RICH_STRUCTURE)
        full = bool(sharp[i] and sharp[j])
        if as_is <= max_distance and full:  # a photometric change: the hash as it is nearly unchanged
            group_pairs.append((i, j, 1.0 - int(as_is) / 64))
            continue
        # verify by correlation near the matched variant and angle, or as they are when that is
        # close enough too
        score, noisier = 0.0, None
        if v and as_is <= loose_distance:
            score, noisier = _verify(
                images[rep[gb]], thumbs[rep[ga]], 0.0, 0, min_correlation, full, scales[rep[ga]]
            )
        if not score:
            floor = 1 - (1 - min_correlation) * (1.0 if v == 0 else rich)
            # the noisy-copy test is loose: with a pose searched for, only on structured images
            noise_ok = full and (v == 0 or rich == 1)
            args = float(angles[v]), int(dihedral[v]), floor, noise_ok, scales[rep[ga]]
            score, noisier = _verify(images[rep[gb]], thumbs[rep[ga]], *args)
            if not score and v:
                # the other way round: rendering the copy back resamples it twice (and brings
                # its filled corners in), rendering the source forward does what the copy saw
                args = (
                    -float(angles[v]),
                    _DIHEDRAL_INVERSE[int(dihedral[v])],
                    floor,
                    noise_ok,
                    scales[rep[gb]],
                )
                score, noisier = _verify(images[rep[ga]], thumbs[rep[gb]], *args)
                noisier = None if noisier is None else not noisier
        if noisier is None:
            if score:
                group_pairs.append((i, j, score))
            continue
        # a noisy copy explained by several smooth sources is kept with the one explaining it best
        copy = ga if noisier else gb
        if score > noisy.get(copy, (0.0,))[0]:
            noisy[copy] = (score, i, j)
    group_pairs += [(i, j, score) for score, i, j in noisy.values()]
    # crops resized back: searched among the pairs not found above that can leak across the sides
    done = np.array([i * m + j for i, j, _ in group_pairs[m:]], dtype=np.int64)

    def wanted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        cross = (has[0, a] & has[1, b]) | (has[1, a] & has[0, b])
        return cross & ~np.isin(np.minimum(a, b) * m + np.maximum(a, b), done)

    group_pairs += _crop_pairs(images, thumbs, rep, wanted)
    # expand the group pairs to item pairs
    members = np.argsort(group, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(group, minlength=m))]
    out: list[Pair] = []
    for g, h, score in group_pairs:
        mg, mh = members[bounds[g] : bounds[g + 1]], members[bounds[h] : bounds[h + 1]]
        if g == h and len(mg) < 2:
            continue
        ii, jj = np.repeat(mg, len(mh)), np.tile(mh, len(mg))
        keep = ii < jj if g == h else np.ones(len(ii), bool)  # each pair once
        if side is not None:
            keep &= side[ii] != side[jj]
        lo, hi = np.minimum(ii[keep], jj[keep]).tolist(), np.maximum(ii[keep], jj[keep]).tolist()
        out.extend(zip(lo, hi, [score] * len(lo), strict=True))
    return sorted(set(out))


# ----------------------------------------------------------------------------------------- audio
_AUDIO_BANDS = 33  # 33 log-spaced bands between 300 and 4000 Hz give 32 band-difference bits a frame
_AUDIO_SHIFTS = (-3, -2, -1, 0, 1, 2, 3)  # band shifts tried (a band is ~1.4 semitones): PitchShift's +-4
# time scales tried, 0.8 to 1.25 in 11 steps of ~4.5 % (TimeStretch's default rates)
_AUDIO_SCALES = tuple(float(r) for r in np.round(np.geomspace(0.8, 1.25, 11), 3))
_AUDIO_SALT = TAGS["audio"]


@dataclass(frozen=True)
class AudioPrint:
    """The fingerprint of one clip: sign bits of band-energy differences, one row per frame.

    ``signs`` is ``(frames, 32)`` int8 in {-1, +1}: the sign of the log-energy difference of
    adjacent bands, centred on its median over the clip (so a clip's spectral tilt, a channel's
    colouring and the gain cancel out); ``loud`` marks the frames at or above the clip's median
    energy, the only ones compared (silence turns to noise under additive noise).
    """

    signs: np.ndarray
    loud: np.ndarray


def audio_fingerprint(audio: np.ndarray, sample_rate: int) -> AudioPrint:
    """Band-energy-difference fingerprint of one clip (a Haitsma-Kalker variant, NumPy only).

    The mono mix is cut into Hann-windowed frames of about 64 ms (a power of two of samples)
    with 75 % overlap; the power spectrum is summed into 33 bands spaced evenly in log
    frequency from 300 Hz to 4 kHz (or 0.45 x the rate); bit ``m`` of a frame is the sign of
    ``log E[m] - log E[m + 1]`` minus that difference's median over the clip's loud frames.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(16000) / 16000
    >>> clip = (np.sin(2 * np.pi * 440 * t) * np.sin(2 * np.pi * 3 * t)).astype(np.float32)
    >>> fp = audio_fingerprint(clip, 16000)
    >>> fp.signs.shape, fp.signs.dtype, bool(fp.loud.any())
    ((59, 32), dtype('int8'), True)
    """
    x = np.asarray(audio, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=0)
    n_fft = 1 << max(4, round(np.log2(0.064 * sample_rate)))
    hop = n_fft // 4
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    n_frames = 1 + (len(x) - n_fft) // hop
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop][:n_frames]
    power = np.abs(np.fft.rfft(frames * np.hanning(n_fft), axis=1)) ** 2
    # band energies from the cumulative spectrum interpolated at the band edges: no band is
    # empty, whatever the rate and FFT size
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    f_hi = min(4000.0, 0.45 * sample_rate)
    edges = np.geomspace(min(300.0, f_hi / 8), f_hi, _AUDIO_BANDS + 1)
    cum = np.concatenate([np.zeros((n_frames, 1)), np.cumsum(power, axis=1)], axis=1)
    pos = np.interp(edges, freqs, np.arange(len(freqs))) + 0.5
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    at = cum[:, lo] + frac * (cum[:, np.minimum(lo + 1, len(freqs))] - cum[:, lo])
    energy = np.maximum(np.diff(at, axis=1), 0.0)
    total = energy.sum(axis=1)
    floor = 1e-10 * max(float(energy.max()), 1e-30)
    log_e = np.log(energy + floor)
    diff = log_e[:, :-1] - log_e[:, 1:]
    loud = (total >= np.median(total)) & (total > 0)
    centre = np.median(diff[loud], axis=0) if loud.any() else np.zeros(diff.shape[1])
    signs = np.where(diff - centre > 0, 1, -1).astype(np.int8)
    return AudioPrint(signs, loud)


def _audio_keys(
    prints: Sequence[AudioPrint], n_tables: int, n_bits: int, seed: int
) -> tuple[np.ndarray, np.ndarray, dict[tuple[int, int], np.ndarray]]:
    """Bit-sampling LSH keys of every loud frame, for each (table, band shift).

    Returns the item and frame number of each loud frame and its keys.
    """
    n_b = _AUDIO_BANDS - 1
    margin = 2  # sampled bits stay inside the frame under shifts of two bands
    rng = generator(mix(seed, _AUDIO_SALT))
    positions = [
        np.sort(rng.choice(np.arange(margin, n_b - margin), n_bits, replace=False)) for _ in range(n_tables)
    ]
    weights = np.left_shift(np.int64(1), np.arange(n_bits, dtype=np.int64))
    owner = np.concatenate([np.full(int(p.loud.sum()), k, np.int64) for k, p in enumerate(prints)])
    frame = np.concatenate([np.flatnonzero(p.loud) for p in prints]).astype(np.int64)
    bits = np.concatenate([p.signs[p.loud] > 0 for p in prints]).astype(np.int64)
    # larger shifts read past the frame's edge bands: those bits are 0 for every frame alike
    pad = max(_AUDIO_SHIFTS) - margin
    bits = np.pad(bits, ((0, 0), (pad, pad)))
    keys = {
        (t, s): (bits[:, positions[t] + s + pad] * weights).sum(axis=1)
        for t in range(n_tables)
        for s in _AUDIO_SHIFTS
    }
    return owner, frame, keys


def _unique_rows(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``(a, b)`` rows of two non-negative int64 columns, in lexicographic order."""
    if not len(a):
        return a, b
    width = int(b.max()) + 1
    if int(a.max()) < np.iinfo(np.int64).max // width:
        # one int64 sort (np.unique may take a slower hash-table path on large inputs)
        packed = np.sort(a * width + b)
        packed = packed[np.r_[True, packed[1:] != packed[:-1]]]
        return packed // width, packed % width
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    keep = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    return a[keep], b[keep]


def _audio_candidates(
    prints: Sequence[AudioPrint],
    side: np.ndarray | None,
    n_tables: int = 16,
    n_bits: int = 18,
    min_hits: int = 7,
    max_bucket: int = 64,
    seed: int = 0,
) -> np.ndarray:
    """Item pairs ``(i, j)``, ``i < j``, with ``min_hits`` frame-key matches at one time offset.

    As in landmark fingerprinting, matching keys only count together when they agree on the
    time offset between the clips (to within a bin of 4 frames, two binnings staggered by 2),
    and at most once per region of 4 frames: two different utterances of one voice share many
    frame keys, but at scattered offsets.
    """
    if len(prints) < 2:
        return np.empty((0, 2), dtype=np.int64)
    owner, frame, keys = _audio_keys(prints, n_tables, n_bits, seed)
    n = len(prints)
    n_off = 2 * max(len(p.loud) for p in prints) // 4 + 2
    pair_parts, where_parts = [], []
    # with sides, training frames are indexed and validation frames look them up
    in_index = np.ones(len(owner), bool) if side is None else side[owner] == 0
    in_query = np.ones(len(owner), bool) if side is None else side[owner] == 1
    for t in range(n_tables):
        # a run of frames with one key (a sustained sound) is indexed once, at its first frame
        index = keys[(t, 0)]
        first = np.r_[True, (index[1:] != index[:-1]) | (owner[1:] != owner[:-1])]
        rows = np.flatnonzero(first & in_index)
        order = rows[np.argsort(index[rows], kind="stable")]
        sorted_keys = index[order]
        query_rows = np.flatnonzero(first & in_query)
        for s in _AUDIO_SHIFTS:
            query = keys[(t, s)][query_rows]
            left = np.searchsorted(sorted_keys, query, "left")
            count = np.searchsorted(sorted_keys, query, "right") - left
            # very common keys (sustained, spectrally flat frames) say little: skip them
            count[count > max_bucket] = 0
            q = query_rows[np.repeat(np.arange(len(query)), count)]
            offs = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
            hit = order[np.repeat(left, count) + offs]
            a, b = owner[q], owner[hit]
            # without sides, a pair is kept one way round: the other is found at shift -s
            keep = a < b if side is None else np.ones(len(a), bool)
            q, hit, a, b = q[keep], hit[keep], a[keep], b[keep]
            lower = np.where(a < b, frame[q], frame[hit])  # the lower-numbered item's frame
            delta = np.where(a < b, frame[hit], frame[q]) - lower
            pair = np.minimum(a, b) * n + np.maximum(a, b)
            for stagger in (0, 2):
                pair_parts.append(pair)
                # (offset bin, stagger, region of 4 frames): overlapping frames of one sustained
                # sound match together, so hits count once per region
                where_parts.append(
                    (((delta + stagger) // 4 + n_off // 2) * 2 + stagger // 2) << 24 | lower // 4
                )
    if not pair_parts:
        return np.empty((0, 2), dtype=np.int64)
    pair_code, where = _unique_rows(np.concatenate(pair_parts), np.concatenate(where_parts))
    if not len(pair_code):
        return np.empty((0, 2), dtype=np.int64)
    cell = where >> 24  # rows are now one per region: count them per (pair, offset bin)
    starts = np.flatnonzero(np.r_[True, (pair_code[1:] != pair_code[:-1]) | (cell[1:] != cell[:-1]), True])
    per_cell = np.diff(starts)
    code = pair_code[starts[:-1]]
    # short clips have few regions: ask for a quarter of the shorter clip's, at least 2
    regions = np.array([int(p.loud.sum()) // 4 for p in prints])
    need = np.clip(np.ceil(0.25 * np.minimum(regions[code // n], regions[code % n])), 2, min_hits)
    pairs = np.unique(code[per_cell >= need])
    return np.stack([pairs // n, pairs % n], axis=1)


def _audio_ber(
    a: AudioPrint, b: AudioPrint, max_ber: float = 0.0, min_overlap: float = 0.7, min_frames: int = 8
) -> float:
    """Lowest bit error rate of ``b`` against ``a`` over time offsets, band shifts and time scales.

    Only frames loud in both clips count, and an alignment must overlap at least
    ``min_overlap`` of the smaller clip's loud frames (and ``min_frames``). Correlations over all
    offsets at once come from FFTs along the time axis; the scales are tried from 1 outwards
    and the search stops once the rate is within ``max_ber``. Returns 0.5 (chance) when no
    alignment qualifies.
    """
    sa = a.signs.astype(np.float64) * a.loud[:, None]
    la = a.loud.astype(np.float64)
    need = max(min_frames, min_overlap * min(int(a.loud.sum()), int(b.loud.sum())))
    from scipy.fft import irfft, next_fast_len, rfft

    n_b = sa.shape[1]
    best = 0.5
    # one FFT length for every scale (fast to transform, long enough for the longest stretch):
    # the first clip is transformed once
    size = next_fast_len(len(la) + max(round(len(b.loud) * r) for r in _AUDIO_SCALES), real=True)
    fa, fla = rfft(sa, size, axis=0), rfft(la, size)
    for scale in sorted(_AUDIO_SCALES, key=lambda r: abs(r - 1.0)):
        if best <= max_ber:
            break
        idx = np.minimum(
            (np.arange(max(1, round(len(b.loud) * scale))) / scale).astype(np.int64), len(b.loud) - 1
        )
        sb = b.signs[idx].astype(np.float64) * b.loud[idx, None]
        lb = b.loud[idx].astype(np.float64)
        fb = np.conj(rfft(sb, size, axis=0))
        frames = irfft(fla * np.conj(rfft(lb, size)), size)
        ok = frames >= need - 0.5
        if not ok.any():
            continue
        # every band shift at once: one batched inverse FFT of the per-shift cross-spectra
        spans = [(max(0, s), n_b + min(0, s), s) for s in _AUDIO_SHIFTS]
        cross = np.stack([np.einsum("fb,fb->f", fa[:, lo:hi], fb[:, lo - s : hi - s]) for lo, hi, s in spans])
        agree = irfft(cross, size, axis=1)[:, ok]
        n_bits = np.rint(frames[ok])[None] * np.array([hi - lo for lo, hi, _ in spans])[:, None]
        best = min(best, float(((n_bits - agree) / (2 * n_bits)).min()))
    return best


def audio_pairs(
    clips: Sequence[np.ndarray],
    side: np.ndarray | None,
    sample_rate: int,
    max_ber: float = 0.3,
    seed: int = 0,
) -> list[Pair]:
    """Near-duplicate clips: band-difference fingerprints within ``max_ber`` bit error rate.

    Candidates share loud-frame keys in at least 7 (for short clips, a quarter of the shorter
    clip's, at least 2) distinct 4-frame regions at one time offset (16 tables of 18 sampled
    fingerprint bits, looked up under band shifts of up to three bands); each is verified by the
    lowest bit error rate over time offsets, band shifts of up to three bands (pitch shifts up to
    about 4 semitones) and time scales 0.8-1.25 (the set is symmetric, so one direction
    suffices). The score is
    ``1 - 2 * ber`` (1 for the same clip, 0 for chance).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = ((rng.standard_normal(16000) * np.repeat(rng.random(50), 320)).astype(np.float32)
    ...         for _ in "ab")
    >>> louder = 2.0 * np.roll(a, 800)
    >>> [(i, j) for i, j, _ in audio_pairs([a, b, louder], None, 16000)]
    [(0, 2)]
    """
    prints = [audio_fingerprint(c, sample_rate) for c in clips]
    out = []
    for i, j in _audio_candidates(prints, side, seed=seed).tolist():
        ber = _audio_ber(prints[i], prints[j], max_ber)
        if ber <= max_ber:
            out.append((i, j, max(0.0, 1.0 - 2.0 * ber)))
    return out
