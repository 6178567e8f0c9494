"""Crops resized back: zoomed pHashes of every item, window fits and the full-resolution check."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from .image_flat import rest_holds
from .image_hash import _DCT8, _band, _BandIndex, _colour, _gray, _phash_bits, _popcount, _thumbnails

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
_CROP_REST = 0.985  # the same without a flat background both share (image_flat)
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
    w = len(ops)
    flat = ops.reshape(w * 8, 32)
    out = np.empty((len(thumbs), w * w), np.uint64)
    for start in range(0, len(thumbs), 1024):  # in blocks: 16 kB of DCT coefficients an item
        t = np.asarray(thumbs[start : start + 1024], dtype=np.float32)
        k = len(t)
        # each product one matrix multiplication over the whole block: rows[n, (w, a), c], then
        # blocks[n, (w, a), (v, d)], reordered to (n, w, v, a, d)
        rows = (flat @ t.transpose(1, 0, 2).reshape(32, k * 32)).reshape(w * 8, k, 32)
        blocks = (rows.transpose(1, 0, 2).reshape(k * w * 8, 32) @ flat.T).reshape(k, w, 8, w, 8)
        out[start : start + k] = _phash_bits(blocks.transpose(0, 1, 3, 2, 4)).reshape(k, -1)
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
    score = float((_normalise(thumb) * _normalise(copy)).sum())
    if score >= _CROP_CORRELATION and not rest_holds(np.stack([thumb, thumb]), copy, _CROP_REST):
        return 0.0  # a flat background left out, the rest does not match (see image_flat)
    return score


def _crop_candidates(
    hashes: np.ndarray, wanted: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(source, copy, variant)`` group triples: a zoomed variant of ``source`` within
    ``_CROP_DISTANCE`` bits of ``copy``'s pHash (the closest such variant of each pair), found
    through one exact 16-bit band, among the pairs ``wanted`` keeps."""
    m, n_var = hashes.shape
    canon = hashes[:, 0]
    codes = []
    for k in range(4):
        keys = _band(hashes, k)
        # the whole image (variant 0) is the pHash stage's job
        asked, found = _BandIndex(keys[:, 0]).matches(keys[:, 1:].ravel(), _CROP_BUCKET)
        source, variant = asked // (n_var - 1), asked % (n_var - 1) + 1
        # nearly all matches are chance collisions of one band: the distance drops them first
        near = _popcount(hashes[source, variant] ^ canon[found]) <= _CROP_DISTANCE
        source, found, variant = source[near], found[near], variant[near]
        keep = (found != source) & wanted(source, found)
        codes.append((source[keep] * m + found[keep]) * n_var + variant[keep])
    code = np.sort(np.concatenate(codes))  # np.unique's result, by one sort
    code = code[np.r_[True, code[1:] != code[:-1]]] if len(code) else code
    source, found, variant = code // n_var // m, code // n_var % m, code % n_var
    dist = _popcount(hashes[source, variant] ^ canon[found])
    order = np.lexsort((dist, found, source))
    source, found, variant = source[order], found[order], variant[order]
    first = np.r_[True, (source[1:] != source[:-1]) | (found[1:] != found[:-1])][: len(source)]
    return source[first], found[first], variant[first]


def _confirm_crops(
    images: Sequence[np.ndarray],
    thumbs: np.ndarray,
    rep: np.ndarray,
    g: np.ndarray,
    h: np.ndarray,
    v: np.ndarray,
) -> np.ndarray:
    """The score of each candidate group pair (``g`` zoomed at variant ``v`` like ``h``; ``rep``
    their items), 0 where a window fit falls short: on blurred thumbnails first (``_CROP_START``,
    ``_CROP_FIT``), then on sharp ones, then the correlation with the source cropped at full
    resolution (kept from ``_CROP_CORRELATION``). Each pair's score is its own, whatever the batch."""
    scores = np.zeros(len(g))
    index = np.arange(len(g))
    # each group blurred once (a group is in many candidate pairs; each row is its own)
    groups, inverse = np.unique(np.r_[g, h], return_inverse=True)
    soft = _soften(thumbs[rep[groups]])
    a, b = soft[inverse[: len(g)]], soft[inverse[len(g) :]]
    window = np.concatenate([_CROP_WINDOWS[v // 8], _CROP_WINDOWS[v % 8]], axis=1)
    near = (_normalise(_zoom(a, window)) * b).sum(axis=(1, 2)) / 32 >= _CROP_START
    index, g, h, a, b, window = index[near], g[near], h[near], a[near], b[near], window[near]
    if not len(g):
        return scores
    # coarse to fine: fit the blurred thumbnails, then the sharp ones from there
    window = _fit_crops(a, b, window)
    good = (_normalise(_zoom(a, window)) * b).sum(axis=(1, 2)) / 32 >= _CROP_FIT
    index, g, h, window = index[good], g[good], h[good], window[good]
    if not len(g):
        return scores
    window = _fit_crops(_thumbnails([images[i] for i in rep[g]], 64), thumbs[rep[h]], window, steps=3)
    for k in range(len(g)):
        size = np.shape(images[rep[h[k]]])[:2]
        scores[index[k]] = _crop_correlation(images[rep[g[k]]], window[k], size, thumbs[rep[h[k]]])
    return scores


class CropMemo(Protocol):
    """Where the scores of candidate crop pairs ``(g, h, variant)`` are remembered across checks."""

    def crop_score(self, g: int, h: int, v: int) -> float | None: ...

    def remember_crop(self, g: int, h: int, v: int, score: float) -> None: ...


def _crop_pairs(
    images: Sequence[np.ndarray],
    thumbs: np.ndarray,
    rep: np.ndarray,
    wanted: Callable[[np.ndarray, np.ndarray], np.ndarray],
    memo: CropMemo | None = None,
) -> list[tuple[int, int, float]]:
    """Group pairs ``(g, h, score)`` where one group's item is a crop of the other's, resized back.

    Candidates: a zoomed variant of ``g`` (see ``_CROP_WINDOWS``) within ``_CROP_DISTANCE`` bits
    of ``h``'s pHash, found through one exact 16-bit band; ``wanted`` (a boolean function of the
    two group arrays, vectorised) drops pairs not worth checking. Each candidate's window is
    refined by a Gauss-Newton fit on the thumbnails; a fit reaching ``_CROP_FIT`` is confirmed
    on the source cropped at full resolution (``_CROP_CORRELATION``). The candidates' scores are
    taken from and given to ``memo`` when there is one.
    """
    source, found, variant = _crop_candidates(_crop_hashes(thumbs[rep]), wanted)
    triples = list(zip(source.tolist(), found.tolist(), variant.tolist(), strict=True))
    scores = np.zeros(len(source))
    todo = []
    for k, triple in enumerate(triples):
        known = None if memo is None else memo.crop_score(*triple)
        if known is None:
            todo.append(k)
        else:
            scores[k] = known
    for start in range(0, len(todo), 1024):  # in batches: the fits hold a few arrays per pair
        batch = np.array(todo[start : start + 1024], np.intp)
        scores[batch] = _confirm_crops(images, thumbs, rep, source[batch], found[batch], variant[batch])
        if memo is not None:
            for k in batch.tolist():
                g, h, v = triples[k]
                memo.remember_crop(g, h, v, float(scores[k]))
    return [
        (min(g, h), max(g, h), float(scores[k]))
        for k, (g, h, _) in enumerate(triples)
        if scores[k] >= _CROP_CORRELATION
    ]
