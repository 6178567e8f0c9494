"""Pixel checks of an image candidate pair: the source rendered at the matched pose and correlated
with the copy, and the noisy-copy test."""

from __future__ import annotations

import numpy as np

from .image_hash import _DISC, _LUMA, _colour, _dihedral, _dihedral_block, _gray, _turned_blocks


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
            out[pick] = _turned_blocks(discs[which[pick]], [float(angles[v])])[:, 0]
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


def _content_key(image: np.ndarray) -> bytes:
    """16-byte digest of an image's content (shape, dtype and pixel bytes): equal keys for equal
    images whatever the object, a new key once an array is changed in place."""
    import hashlib

    a = np.ascontiguousarray(image)
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((a.shape, a.dtype.str)).encode())
    h.update(a.data)
    return h.digest()


class VerifiedCache:
    """The outcomes of pixel-verified image pairs, keyed by the two images' content and the pose
    and settings of the check (least recently used dropped beyond ``max_pairs``).

    An entry is the pairwise outcome only (score, whether the copy is the noisier one): the rule
    that keeps a noisy copy with its best-correlating source runs on every check as before, so
    a report never depends on what the cache holds. ~250 bytes an entry: the default 2**18
    pairs stay under ~70 MB."""

    def __init__(self, max_pairs: int = 1 << 18) -> None:
        from collections import OrderedDict

        self.max_pairs = max_pairs
        self._entries: OrderedDict[bytes, tuple[float, bool | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def get(self, key: bytes) -> tuple[float, bool | None] | None:
        found = self._entries.get(key)
        if found is not None:
            try:
                self._entries.move_to_end(key)
            except KeyError:  # dropped by another thread meanwhile
                pass
        return found

    def put(self, key: bytes, outcome: tuple[float, bool | None]) -> None:
        self._entries[key] = outcome
        while len(self._entries) > self.max_pairs:
            try:
                self._entries.popitem(last=False)
            except KeyError:
                break
