"""Pixel checks of an image candidate pair: the source rendered at the matched pose and correlated
with the copy, and the noisy-copy test."""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .image_flat import _FLAT_SHARE, flat_share, rest_holds
from .image_hash import _DISC, _LUMA, _colour, _dihedral, _dihedral_block, _gray, _turned_blocks

_DISC_INDEX = np.flatnonzero(_DISC)  # the disc's pixels: indexing by them is the mask's, faster


def _source(image: np.ndarray, v: int) -> np.ndarray:
    """``image`` as :func:`_render` turns it: float32 colour (see :func:`_colour`), at most 128
    pixels a side (reduced by area), in dihedral variant ``v``."""
    import cv2

    a = _colour(image)
    if max(a.shape[:2]) > 128:
        scale = 128 / max(a.shape[:2])
        size = (max(1, round(a.shape[1] * scale)), max(1, round(a.shape[0] * scale)))
        a = cv2.resize(a, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(_dihedral(a, v))


@functools.lru_cache(maxsize=4096)
def _rotation(w: int, h: int, angle: float) -> np.ndarray:
    """The 2x3 matrix rotating a ``w`` x ``h`` image about its centre by ``angle`` degrees
    (``cv2.getRotationMatrix2D``'s; read-only: every caller shares it)."""
    import cv2

    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0)
    m.flags.writeable = False
    return m


def _render_one(a: np.ndarray, angle: float, out: np.ndarray) -> None:
    """The source ``a`` (see :func:`_source`) rotated about the centre by ``angle`` (edges
    replicated), its value and luma reduced to 32x32 by area, written to ``out`` ``(2, 32, 32)``."""
    import cv2

    h, w = a.shape[:2]
    # turned in colour, then reduced to grey (the value is not linear in the colours)
    turned = cv2.warpAffine(
        a, _rotation(w, h, angle), (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    value = _gray(turned)
    luma = turned[..., :3] @ _LUMA if turned.ndim == 3 and turned.shape[2] >= 3 else value
    if (h, w) == (32, 32):  # cv2.resize to the same size copies
        out[0], out[1] = value, luma
    else:  # cv2.merge: np.stack's array, without its overhead
        reduced = cv2.resize(cv2.merge([value, luma]), (32, 32), interpolation=cv2.INTER_AREA)
        out[:] = reduced.transpose(2, 0, 1)


def _render(image: np.ndarray, v: int, angles: np.ndarray) -> np.ndarray:
    """``image``'s value (see :func:`_gray`) and luma turned by dihedral variant ``v``, rotated
    about the centre by each of ``angles`` at full resolution (at most 128 pixels a side; edges
    replicated) and reduced to 32x32 by area, as an augmentation followed by the thumbnail does.
    Shape ``(len(angles), 2, 32, 32)``; the luma equals the value for grayscale images."""
    a = _source(image, v)
    out = np.empty((len(angles), 2, 32, 32), np.float32)
    for k, angle in enumerate(np.asarray(angles, dtype=np.float64).tolist()):
        _render_one(a, angle, out[k])
    return out


def _centred_sources(sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The part of :func:`_fit_correlation` that depends on the sources only: their disc pixels
    centred, ``(k, 2, n)`` float64, and their (regularised) Gram matrices ``(k, 2, 2)``; each row
    is computed on its own, whatever the batch."""
    x = sources.reshape(len(sources), 2, -1)[..., _DISC].astype(np.float64)  # its layout: proj's rounding
    x = x - x.mean(axis=2, keepdims=True)
    return x, x @ x.transpose(0, 2, 1) + 1e-9 * np.eye(2)


def _centred_target(target: np.ndarray) -> tuple[np.ndarray, float]:
    """The part of :func:`_fit_correlation` that depends on the target only: its disc pixels
    centred (float64) and their sum of squares."""
    y = target.ravel()[_DISC_INDEX].astype(np.float64)
    y = y - y.mean()
    return y, float(y @ y)


def _fit_centred(x: np.ndarray, gram: np.ndarray, y: np.ndarray, yy: float) -> np.ndarray:
    """:func:`_fit_correlation` from its source and target parts."""
    return _fit_projected(x @ y, gram, yy)


def _fit_projected(proj: np.ndarray, gram: np.ndarray, yy: float | np.ndarray) -> np.ndarray:
    """:func:`_fit_correlation` from the sources' projections on the target, their Gram matrices
    and the target's sum of squares (a number, or one a row)."""
    # explained variance proj' gram^-1 proj, with the 2x2 inverse written out
    a, b, d = gram[:, 0, 0], gram[:, 0, 1], gram[:, 1, 1]
    p, q = proj[:, 0], proj[:, 1]
    det = a * d - b * b
    grey = det <= 1e-9 * a * d  # value and luma proportional (a grey image): one regressor
    explained = np.where(
        grey, p * p / np.maximum(a, 1e-12), (d * p * p - 2 * b * p * q + a * q * q) / np.where(grey, 1.0, det)
    )
    return np.sqrt(np.clip(explained / (yy + 1e-12), 0.0, 1.0))


def _fit_correlation(sources: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Multiple correlation over the inscribed disc of ``target`` with the best linear mix of the
    two ``sources`` (value and luma; ``ColorJitter``'s saturation moves the value towards the
    luma), for a batch of sources ``(k, 2, 32, 32)``: shape ``(k,)``."""
    return _fit_centred(*_centred_sources(sources), *_centred_target(target))


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
    return _noisy_spectra(_spectrum(source), _spectrum(copy))


def _spectrum(t: np.ndarray) -> np.ndarray:
    """DCT (orthonormal) of a 32x32 thumbnail centred over the inscribed disc, zero outside it."""
    from scipy.fft import dctn

    t = t.astype(np.float64).ravel()
    return dctn(np.where(_DISC, t - t[_DISC].mean(), 0.0).reshape(32, 32), norm="ortho")


def _noisy_spectra(a: np.ndarray, b: np.ndarray) -> tuple[float, bool]:
    """:func:`_noisy_copy` from the two thumbnails' spectra (see :func:`_spectrum`)."""
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


class PoseRenderer:
    """What :func:`_verify` needs of the items of one check, each part kept for its ``size`` most
    recently used keys: a source item rendered at a pose (its value, and the source parts of
    :func:`_fit_correlation`), a target's centred disc pixels and its spectrum (see
    :func:`_spectrum`). A source is verified against many targets, often at the same poses;
    every result is the one computed afresh (each row of a batch is computed on its own).
    ``thumbs``: the items' 32x32 thumbnails, ``scales``: their standard deviations."""

    def __init__(
        self, images: Sequence[np.ndarray], thumbs: np.ndarray, scales: np.ndarray, size: int = 2048
    ) -> None:
        self.images, self.thumbs, self.scales, self.size = images, thumbs, scales, size
        self._sources: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        # renders by (item, variant, angle): their slots in the arrays below
        self._slots: OrderedDict[tuple[int, int, float], int] = OrderedDict()
        self._value = np.empty((size, 32, 32), np.float32)
        self._x = np.empty((size, len(_DISC_INDEX), 2), np.float64)  # transposed: the old layout
        self._gram = np.empty((size, 2, 2), np.float64)
        self._targets: OrderedDict[int, tuple[np.ndarray, float]] = OrderedDict()
        self._spectra: OrderedDict[int, np.ndarray] = OrderedDict()
        self._flat: OrderedDict[int, float] = OrderedDict()

    def _kept(self, table: OrderedDict[Any, Any], key: Any, make: Callable[[], Any], size: int) -> Any:
        found = table.get(key)
        if found is None:
            found = table[key] = make()
            if len(table) > size:
                table.popitem(last=False)
        else:
            table.move_to_end(key)
        return found

    def value(self, item: int, v: int, angle: float) -> np.ndarray:
        """The value channel of item ``item`` in dihedral variant ``v`` rotated by ``angle`` (see
        :func:`_render`)."""
        return self._value[self._find([(item, v, angle)])[0]].copy()

    def _find(self, keys: list[tuple[int, int, float]]) -> np.ndarray:
        """The slots of the renders ``(item, v, angle)`` (at most ``size`` distinct ones), those
        missing rendered and centred together (see :func:`_centred_sources`)."""
        slots: dict[tuple[int, int, float], int] = {}
        missing = []
        for key in keys:
            if key not in slots:
                slot = self._slots.get(key)
                if slot is None:
                    missing.append(key)
                    slots[key] = -1
                else:
                    self._slots.move_to_end(key)  # kept over the renders not asked for
                    slots[key] = slot
        if len(slots) > self.size:
            raise ValueError(f"{len(slots)} renders asked at once, {self.size} kept")
        for start in range(0, len(missing), 1024):
            chunk = missing[start : start + 1024]
            rendered = np.empty((len(chunk), 2, 32, 32), np.float32)
            for k, (item, v, angle) in enumerate(chunk):
                a = self._sources.get((item, v))
                if a is None:  # the last few sources kept: asks come a source at a time
                    a = self._sources[(item, v)] = _source(self.images[item], v)
                    if len(self._sources) > 16:
                        self._sources.popitem(last=False)
                _render_one(a, angle, rendered[k])
            x, gram = _centred_sources(rendered)
            taken = np.empty(len(chunk), np.intp)
            for k, key in enumerate(chunk):
                if len(self._slots) >= self.size:  # the least recently used render's slot
                    slot = self._slots.popitem(last=False)[1]
                else:
                    slot = len(self._slots)
                self._slots[key] = slots[key] = taken[k] = slot
            self._value[taken], self._x[taken], self._gram[taken] = rendered[:, 0], x.transpose(0, 2, 1), gram
        return np.array([slots[key] for key in keys], np.intp)

    def fit_many(self, asks: Sequence[tuple[int, int, np.ndarray, int]]) -> np.ndarray:
        """:func:`_fit_correlation` of the renders of item ``item`` in dihedral variant ``v`` at
        each of ``angles`` with the thumbnail of item ``target``, for each ask ``(item, v, angles,
        target)`` (all with as many angles): shape ``(len(asks), k)``. Each row is the one
        computed on its own."""
        slots = self._find([(item, v, angle) for item, v, angles, _ in asks for angle in angles.tolist()])
        targets = [self._target(target) for *_, target in asks]
        n = len(asks)
        k = len(slots) // max(n, 1)
        gram = self._gram[slots]
        # each ask's renders laid out as _fit_correlation's boolean mask lays them out
        # ([pixel][render][channel]): the matrix-vector product's rounding depends on it
        by_pixel = self._x[slots].reshape(n, k, -1, 2).transpose(0, 2, 1, 3)
        x = np.ascontiguousarray(by_pixel).transpose(0, 2, 3, 1)
        y = np.stack([t[0] for t in targets])
        proj = (x @ y[:, None, :, None])[..., 0].reshape(n * k, 2)
        yy = np.repeat(np.array([t[1] for t in targets]), k)
        return _fit_projected(proj, gram, yy).reshape(n, k)

    def _target(self, target: int) -> tuple[np.ndarray, float]:
        def make() -> tuple[np.ndarray, float]:
            return _centred_target(self.thumbs[target])

        return self._kept(self._targets, target, make, self.size)

    def flat_share(self, item: int) -> float:
        """The share of item ``item``'s thumbnail disc at one flat level (see :func:`.flat_mask`)."""
        return self._kept(self._flat, item, lambda: flat_share(self.thumbs[item]), self.size)

    def rest_holds(self, source: int, target: int, v: int, angle: float, bar: float) -> bool:
        """Whether ``target``'s thumbnail correlates at ``bar`` with ``source`` rendered in dihedral
        variant ``v`` at ``angle`` once the flat background both share is left out (see
        :func:`.rest_correlation`); true when they share none."""
        if max(self.flat_share(target), self.flat_share(source)) < _FLAT_SHARE:
            return True
        return rest_holds(_render(self.images[source], v, np.array([angle]))[0], self.thumbs[target], bar)

    def spectrum(self, target: int) -> np.ndarray:
        """:func:`_spectrum` of item ``target``'s thumbnail in the image's units."""

        def make() -> np.ndarray:
            return _spectrum(self.thumbs[target] * self.scales[target])

        return self._kept(self._spectra, target, make, self.size)


Ask = tuple[int, int, float, int, float, bool]  # (source, target, angle, v, min_correlation, noisy)


def _verify(renderer: PoseRenderer, asks: Sequence[Ask], batch: int = 256) -> list[tuple[float, bool | None]]:
    """Score of item ``target``'s thumbnail as a copy of item ``source`` turned by dihedral
    variant ``v`` and rotated near ``angle`` (+-6 degrees, 2-degree steps refined to 0.5 about
    the best), or 0, for each ask: the best disc correlation of the rendered candidates when it
    reaches ``min_correlation`` (then ``None``), else (when ``noisy``) the noisy-copy test's with
    whether ``target`` is the noisier one (on ``target``'s thumbnail times its standard
    deviation in the image's units, which the normalised thumbnail lost). Each stage runs
    ``batch`` asks at a time; every ask's result is the one it has on its own."""
    out: list[tuple[float, bool | None]] = []
    for start in range(0, len(asks), batch):
        out += _verify_batch(renderer, asks[start : start + batch])
    return out


def _verify_batch(renderer: PoseRenderer, asks: Sequence[Ask]) -> list[tuple[float, bool | None]]:
    """:func:`_verify` of a batch of asks."""
    angles = [angle + np.arange(-6.0, 6.5, 2.0) for _, _, angle, *_ in asks]
    fitted = renderer.fit_many([(a[0], a[3], angles[r], a[1]) for r, a in enumerate(asks)])
    scores = list(fitted)
    live = list(range(len(asks)))
    # coarse to fine: a textured image's correlation falls off within a degree of the angle
    for step in (1.0, 0.5):
        live = [r for r in live if not scores[r].max() < asks[r][4] - 0.05]
        if not live:
            break
        more = []
        for r in live:
            centre = angles[r][int(np.argmax(scores[r]))]
            more.append(np.array([centre - step, centre + step]))
            angles[r] = np.r_[angles[r], centre - step, centre + step]
        fitted = renderer.fit_many(
            [(asks[r][0], asks[r][3], m, asks[r][1]) for r, m in zip(live, more, strict=True)]
        )
        for r, found in zip(live, fitted, strict=True):
            scores[r] = np.r_[scores[r], found]
    out: list[tuple[float, bool | None]] = []
    for r, (source, target, _, v, min_correlation, noisy) in enumerate(asks):
        best = int(np.argmax(scores[r]))
        angle = float(angles[r][best])
        if scores[r][best] >= min_correlation or not noisy:
            found = ((float(scores[r][best]) if scores[r][best] >= min_correlation else 0.0), None)
        else:
            value = renderer.value(source, v, angle)
            found = _noisy_spectra(_spectrum(value), renderer.spectrum(target))
        # a flat background both share left out, the rest must reach the bar (see image_flat;
        # noise would have left neither background flat)
        if found[0] and not renderer.rest_holds(source, target, v, angle, min_correlation):
            found = (0.0, None)
        out.append(found)
    return out


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
    and settings of the check (least recently used dropped beyond ``max_pairs``); and, kept
    apart (at most ``max_crops``, least recently used dropped), the crop search's candidate
    scores (keyed by the two images' content and the zoomed variant): a check with very many
    crop candidates drops older crop scores, never a verified pair.

    An entry is the pairwise outcome only (score, whether the copy is the noisier one): the rule
    that keeps a noisy copy with its best-correlating source runs on every check as before, so
    a report never depends on what the cache holds. ~250 bytes an entry: the default 2**18
    pairs stay under ~70 MB, the 2**16 crop scores under ~15 MB. ``len()`` counts the pairs."""

    def __init__(self, max_pairs: int = 1 << 18, max_crops: int = 1 << 16) -> None:
        self.max_pairs, self.max_crops = max_pairs, max_crops
        self._entries: OrderedDict[bytes, tuple[float, bool | None]] = OrderedDict()
        self._crops: OrderedDict[bytes, tuple[float, bool | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def crops(self) -> int:
        """How many crop-search scores are kept."""
        return len(self._crops)

    def clear(self) -> None:
        self._entries.clear()
        self._crops.clear()

    def get(self, key: bytes) -> tuple[float, bool | None] | None:
        return _lru_get(self._entries, key)

    def put(self, key: bytes, outcome: tuple[float, bool | None]) -> None:
        _lru_put(self._entries, key, outcome, self.max_pairs)

    def get_crop(self, key: bytes) -> float | None:
        """The remembered score of a crop candidate, or ``None``."""
        found = _lru_get(self._crops, key)
        return None if found is None else found[0]

    def put_crop(self, key: bytes, score: float) -> None:
        _lru_put(self._crops, key, (score, None), self.max_crops)


_Outcome = tuple[float, bool | None]


def _lru_get(table: OrderedDict[bytes, _Outcome], key: bytes) -> _Outcome | None:
    found = table.get(key)
    if found is not None:
        try:
            table.move_to_end(key)
        except KeyError:  # dropped by another thread meanwhile
            pass
    return found


def _lru_put(table: OrderedDict[bytes, _Outcome], key: bytes, outcome: _Outcome, size: int) -> None:
    table[key] = outcome
    while len(table) > size:
        try:
            table.popitem(last=False)
        except KeyError:
            break
