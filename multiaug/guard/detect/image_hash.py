"""Image thumbnails and their perceptual hashes: grayscale 32x32 thumbnails, the inscribed disc,
the low-frequency DCT block, its 8 dihedral variants (flips and 90-degree turns) and the 64-bit
pHash with the probes of its least reliable bits."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from .common import KeyIndex

_DIHEDRAL_SIGN = np.array([[(-1.0) ** v for v in range(8)]] * 8)  # DCT sign of a horizontal flip
# the inscribed disc of a 32x32 thumbnail (flattened): what a rotation about the centre keeps
_DISC = (np.add.outer((np.arange(32) - 15.5) ** 2, (np.arange(32) - 15.5) ** 2) <= 15.5**2).ravel()


def _gray(image: np.ndarray) -> np.ndarray:
    """An image as float32 grayscale: the largest of its first three channels (HSV's value).

    A hue rotation in HSV (``ColorJitter``'s hue) leaves the value unchanged, and brightness and
    contrast change it nearly affinely, where the mean of the channels changes with the hue
    of each region.
    """
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] > 1:
        # the largest channel, taken before the conversion (element-wise: far faster than a
        # reduction over the last, 3-wide axis; the same values)
        a = (
            np.maximum(a[..., 0], a[..., 1])
            if a.shape[2] == 2
            else np.maximum(np.maximum(a[..., 0], a[..., 1]), a[..., 2])
        )
    elif a.ndim == 3:
        a = a[..., 0]
    return np.ascontiguousarray(a, dtype=np.float32)


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
    # (flat - mean) * (weight / (std + 1e-6)) in place: weight is 0 or 1, so the same values
    out = np.subtract(flat, mean[:, None])
    out *= (1.0 / (std + 1e-6))[:, None]
    out *= weight
    return out.reshape(thumbs.shape)


def _turn_disc(discs: np.ndarray, angle: float) -> np.ndarray:
    """Disc thumbnails (see :func:`_disc`) rotated about their centre: what is outside the disc
    is zero before and after, so the rotated disc needs no new normalisation."""
    return _rotate(discs, angle) * _DISC.reshape(32, 32).astype(discs.dtype)


@functools.lru_cache(maxsize=64)
def _turn_operator(angle: float) -> np.ndarray:
    """The low-frequency DCT block of a disc thumbnail turned by ``angle`` as one linear map,
    shape ``(1024, 64)``: :func:`_turn_disc` (a bilinear warp with replicated edges, then the
    disc mask) and :func:`_dct_blocks` are linear, so the map's rows are their images of the
    1024 unit thumbnails -- the same warp weights, applied by one matrix product per batch."""
    units = np.eye(1024).reshape(1024, 32, 32)  # float64, as the discs are
    return np.ascontiguousarray(_dct_blocks(_turn_disc(units, angle)).reshape(1024, 64))


def _turned_blocks(discs: np.ndarray, angles: Sequence[float]) -> np.ndarray:
    """``_dct_blocks(_turn_disc(discs, a))`` for each of ``angles``, shape ``(n, len(angles), 8, 8)``,
    by one matrix product (see :func:`_turn_operator`)."""
    ops = np.concatenate([_turn_operator(float(a)) for a in angles], axis=1)
    flat = np.asarray(discs, dtype=np.float64).reshape(len(discs), 1024)
    return (flat @ ops).reshape(len(discs), len(angles), 8, 8)


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
    bits = flat > med
    bits[..., 0] = False
    # bit k of the hash is coefficient k: the 64 flags packed little-endian into 8 bytes
    packed = np.packbits(bits, axis=-1, bitorder="little")
    hashes = packed.view("<u8")[..., 0].astype(np.uint64)
    flips = np.zeros((*hashes.shape, 4, 1 << weak), np.uint64)
    if weak:
        margin = np.subtract(flat, med)  # in place from here: a few hundred MB in a large check
        margin = np.abs(margin, out=margin).reshape(*flat.shape[:-1], 4, 16)
        margin[..., 0, 0] = np.inf  # the DC bit is always 0
        least = np.argsort(margin, axis=-1)[..., :weak] + 16 * np.arange(4)[:, None]  # (..., 4, weak)
        for p in range(1, 1 << weak):
            chosen = [least[..., b] for b in range(weak) if p >> b & 1]
            flips[..., p] = np.bitwise_or.reduce(np.stack([_BIT[c] for c in chosen]), axis=0)
    return hashes, flips


def _band(hashes: np.ndarray, k: int) -> np.ndarray:
    """The ``k``-th 16-bit band of 64-bit hashes as int64: a key of multi-index hashing."""
    return ((hashes >> np.uint64(16 * k)) & np.uint64(0xFFFF)).astype(np.int64)


class _BandIndex(KeyIndex):
    """A :class:`KeyIndex` of 16-bit band keys (see :func:`_band`) whose lookups read a table of
    the 65,536 values' first positions and counts instead of two binary searches: the same
    matches in the same order, O(1) a query."""

    def __init__(self, keys: np.ndarray) -> None:
        super().__init__(keys)
        counts = np.bincount(keys, minlength=1 << 16)
        self.starts, self.counts = np.cumsum(counts) - counts, counts

    def span(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each query's matches start in the sorted keys, and how many there are."""
        return self.starts[query], self.counts[query]


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


# dihedral variant undoing each one (a transposed flip is undone by the flip transposed)
_DIHEDRAL_INVERSE = [
    next(u for u in range(8) if np.array_equal(_dihedral(_dihedral(_PROBE_GRID, v), u), _PROBE_GRID))
    for v in range(8)
]
