"""Flat backgrounds: the part of a 32x32 thumbnail at one level (a black or white background, a
black bar) that two unrelated images can share, and the correlation left without it.

The hash stages correlate 32x32 thumbnails over the inscribed disc. When most of two images is
one flat level (a small object on black or white, tiles whose bottom half is black), the step
between that level and the content dominates the correlation: two unrelated objects at the same
place correlate at 0.99 and their hashes agree within a few bits. Left out where *both* images
are flat, the pixels that remain are the content, which a true copy still matches.
"""

from __future__ import annotations

import numpy as np

from .image_hash import _DISC

_FLAT_TOL = 0.002  # share of the thumbnail's range within which a pixel is at the flat level
_FLAT_SHARE = 0.15  # share of the disc flat in both images from which the rest is asked to match
_MIN_REST = 0.05  # share of the disc that must remain besides the flat part
_SAME_FLAT = 0.9  # share of the pixels flat in either that are flat in both: no noise on either
_NOISY_REST = 0.95  # the rest's bar when one image's background is not flat (noise on it)
_BLURS = (0.0, 0.6, 1.0)  # the source blurred by these sigmas (thumbnail pixels) for the rest's match
_CLIPPED = 0.05  # share of the rest at the copy's top level from which it counts as clipped there
_UNCLIPPED = 8  # pixels of the rest a clipped copy's fit needs below its top level
_LOW_DETAIL = 2.0  # grey levels: band-pass spread under which a warped copy cannot be verified
_LOW_SHARE = 0.18  # ... when under this share of the image's own spread too (a smooth gradient)
_NO_DETAIL = 0.75  # grey levels: band-pass spread under which it cannot, whatever the spread
_JPEG_GRID = 0.3  # share of the fine detail on the 8-px JPEG block edges from which it may be blocking
_BLOCK_INSIDE = 0.15  # grey levels: rms neighbour step inside the blocks under which it is (flat blocks)
_GUARD = 9  # the warp check: pixels within 4 (of 64) of a shared flat part left out too


def flat_mask(u: np.ndarray) -> np.ndarray:
    """The pixels of a 32x32 map (a thumbnail in the image's units) at its most common level,
    within ``_FLAT_TOL`` of its range, whose 8 neighbours are at that level too: a flat
    background (the edge of the map counts as that level, so a background reaching it stays flat).

    >>> import numpy as np
    >>> u = np.zeros((32, 32), np.float32)
    >>> u[8:24, 8:24] = np.arange(1, 257).reshape(16, 16)
    >>> m = flat_mask(u)
    >>> bool(m[0, 0]), bool(m[7, 7]), bool(m[8, 8]), int(m.sum())  # the 1,024 - 16 x 16 around
    (True, True, False, 768)
    """
    import cv2

    u = np.asarray(u, dtype=np.float32)
    flat = u.ravel()
    k = len(flat) // 100
    lo, hi = np.partition(flat, (k, len(flat) - 1 - k))[[k, len(flat) - 1 - k]].tolist()
    # (a background over 98 % of the map: the percentiles meet, the whole range sets the tolerance)
    tol = (hi - lo if hi > lo else float(flat.max() - flat.min())) * _FLAT_TOL
    # the most common level: a histogram of bins tol wide over the 1st-99th percentiles
    inside = flat[(flat >= lo) & (flat <= hi)]
    bins = np.rint((inside - lo) / max(tol, 1e-30)).astype(np.int64)
    level = inside[bins == np.argmax(np.bincount(bins))][0]  # one of its values (exact when flat)
    near = (np.abs(u - level) <= tol).astype(np.uint8)
    # opened by a 3x3 square: specks of content at that level dropped, the background's edge kept
    square, edge = np.ones((3, 3), np.uint8), cv2.BORDER_REPLICATE
    opened = cv2.dilate(cv2.erode(near, square, borderType=edge), square, borderType=edge)
    return (near & opened).astype(bool)


def flat_share(u: np.ndarray) -> float:
    """The share of the inscribed disc of a 32x32 map that :func:`flat_mask` finds flat."""
    return float(flat_mask(u).ravel()[_DISC].mean())


def rest_correlation(source: np.ndarray, target: np.ndarray) -> float | None:
    """Correlation of ``target`` (a 32x32 thumbnail) with the best linear mix of ``source``'s two
    channels (``(2, 32, 32)``: value and luma at the pose matched), as it is or blurred by one of
    ``_BLURS`` (a blurred copy), over the inscribed disc less the pixels flat in either (see
    :func:`flat_mask`) and the 1-px ring next to them (where a blur spreads the step; kept where
    too little else remains); ``None`` when under ``_FLAT_SHARE`` of the disc is flat in either
    (nothing to leave out); 0 when under ``_MIN_REST`` of it remains."""
    found = _rest(source, target)
    return None if found is None else found[0]


def rest_holds(source: np.ndarray, target: np.ndarray, bar: float) -> bool:
    """Whether ``target`` matches ``source`` (as :func:`rest_correlation` takes them) without
    their flat background: the rest correlates at ``bar`` -- at ``_NOISY_REST`` when the two are
    not flat at the same pixels (noise on one's background: the rest is noisy too); true when
    under ``_FLAT_SHARE`` of the disc is flat."""
    found = _rest(source, target)
    return found is None or found[0] >= (bar if found[1] else min(bar, _NOISY_REST))


def _rest(source: np.ndarray, target: np.ndarray) -> tuple[float, bool] | None:
    """:func:`rest_correlation`, and whether the pixels flat in both are most of those flat in either."""
    one, other = flat_mask(source[0]), flat_mask(target)
    disc = _DISC.reshape(32, 32)
    either = ((one | other) & disc).sum()
    if either < _FLAT_SHARE * disc.sum():
        return None
    import cv2

    # and the 1-px ring next to the flat part: a blur or resampling spreads the step into it
    ring = cv2.dilate(
        (one | other).astype(np.uint8), np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE
    )
    keep = disc & ~ring.astype(bool)
    if keep.sum() < _MIN_REST * disc.sum():  # a small object: its ring kept rather than nothing
        keep = disc & ~(one | other)
    clean = bool(((one & other) & disc).sum() >= _SAME_FLAT * either)
    if keep.sum() < _MIN_REST * disc.sum():
        return 0.0, clean
    target = np.asarray(target, dtype=np.float64)[keep]
    y = target - target.mean()
    # a brightened copy's clipped highlights: at its top level, fitted by the source clipped there
    top = target >= target.max() - _FLAT_TOL * float(np.ptp(target))
    clipped = top if _CLIPPED * keep.sum() <= top.sum() <= keep.sum() - _UNCLIPPED else None
    best = 0.0
    for sig in _BLURS:  # the source as it is and blurred: a blurred copy matches the latter
        src = source.reshape(2, 32, 32).astype(np.float32)
        if sig:
            src = np.stack([cv2.GaussianBlur(c, (0, 0), sig, borderType=cv2.BORDER_REPLICATE) for c in src])
        x = src[:, keep].astype(np.float64)
        best = max(best, _fit(x, y), 0.0 if clipped is None else _fit(x, target, clipped))
    return best, clean


def _fit(x: np.ndarray, y: np.ndarray, clipped: np.ndarray | None = None) -> float:
    """Correlation of ``y`` with the best linear mix of ``x``'s rows (and a constant), fitted
    where ``y`` is not ``clipped`` and clipped at ``y``'s top level."""
    a = np.vstack([x, np.ones(x.shape[1])]).T
    fit = slice(None) if clipped is None else ~clipped
    coef, *_ = np.linalg.lstsq(a[fit], y[fit], rcond=None)
    guess = a @ coef
    if clipped is not None:
        guess = np.minimum(guess, y.max())
    guess, y = guess - guess.mean(), y - y.mean()
    return float(np.clip(guess @ y / (np.sqrt((guess @ guess) * (y @ y)) + 1e-12), 0.0, 1.0))


def split_flat_groups(thumbs: np.ndarray, group: np.ndarray, bar: float) -> np.ndarray:
    """``group`` (items with one canonical pHash, see :mod:`.image`) with each item on a flat
    background (at least ``_FLAT_SHARE`` of its disc) that its group's first item does not match
    at ``bar`` without the background both share (see :func:`rest_correlation`) given a group of
    its own (numbered after the others); the same array when none is."""
    if len(group) < 2:
        return group
    order = np.argsort(group, kind="stable")
    first = np.r_[True, group[order][1:] != group[order][:-1]]
    lead = order[first][np.cumsum(first) - 1]  # each item's group's first item, in that order
    apart = []
    for item, head in zip(order[~first].tolist(), lead[~first].tolist(), strict=True):
        if not rest_holds(np.stack([thumbs[head], thumbs[head]]), thumbs[item], bar):
            apart.append(item)
    if not apart:
        return group
    out = group.copy()
    out[apart] = int(group.max()) + 1 + np.arange(len(apart))
    return out


def rest_of(
    valid: np.ndarray, copy: np.ndarray, source: np.ndarray, m: np.ndarray, mirrored: bool
) -> np.ndarray:
    """The warp check's pixels ``valid`` (of the copy, at its resolution) less those flat in both
    the ``copy``'s and the (``mirrored``) ``source``'s flat masks (see :func:`flat_mask`; the
    source's warped by ``m``, copy pixels to source pixels) when they share at least
    ``_FLAT_SHARE`` of ``valid``, and those near them (``_GUARD``); none when less than
    ``_MIN_REST`` of the copy would remain."""
    import cv2

    if not (copy.any() and source.any()):
        return valid
    own = np.ascontiguousarray(source[:, ::-1] if mirrored else source, dtype=np.float32)
    flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    shared = valid & copy & (cv2.warpAffine(own, m, own.shape[::-1], flags=flags) > 0.5)
    if shared.sum() < _FLAT_SHARE * valid.sum():
        return valid
    # and the pixels near it: blurred and band-passed, the step to the background reaches them
    near = cv2.dilate(shared.astype(np.uint8), np.ones((_GUARD, _GUARD), np.uint8)) > 0
    rest = valid & ~near
    return rest if rest.mean() >= _MIN_REST else np.zeros_like(valid)


def jpeg_blocking(gray: np.ndarray) -> bool:
    """Whether a grey image (0-255 levels, its own resolution) has fine detail only as JPEG
    blocking: 8x8 blocks flat inside (rms neighbour step under ``_BLOCK_INSIDE`` levels) whose
    edges hold ``_JPEG_GRID`` or more of the squared steps. Photos hold about 0.1 there (1 row and
    column of 8), and a dark photo saved as a JPEG still steps inside its blocks.

    >>> import numpy as np
    >>> ramp = np.repeat(np.arange(4, dtype=np.float32), 8)[None].repeat(16, 0)  # 8-px steps
    >>> jpeg_blocking(ramp), jpeg_blocking(ramp.T), jpeg_blocking(np.zeros((16, 16)))
    (True, True, False)
    >>> jpeg_blocking(np.repeat(np.arange(32, dtype=np.float32) / 2, 1)[None].repeat(16, 0))
    False
    """
    g = np.asarray(gray, dtype=np.float32)
    dx = np.square(np.diff(g, axis=1))
    dy = np.square(np.diff(g, axis=0))
    on = float(dx[:, 7::8].sum()) + float(dy[7::8].sum())
    inside = float(dx.sum()) + float(dy.sum()) - on
    n_inside = dx.size + dy.size - dx[:, 7::8].size - dy[7::8].size
    if on <= 0 or n_inside == 0:
        return False
    return on >= _JPEG_GRID * (on + inside) and inside < _BLOCK_INSIDE**2 * n_inside


def too_flat(band: float, spread: float, gray: np.ndarray | None = None) -> bool:
    """Whether an image whose band-pass image (``image_warp.low_detail``'s) spreads by ``band`` grey
    levels, and its blurred value image by ``spread``, is too flat to verify a warped copy.

    Faint detail next to a larger spread (a dark or foggy photo) counts, unless ``gray`` (the
    image's grey values on the 0-255 scale at its own resolution) shows it is JPEG blocking
    (``jpeg_blocking``): the block edges of a hard-JPEG'd gradient are alike in unrelated images.

    >>> import numpy as np
    >>> too_flat(1.2, 20.0), too_flat(1.5, 6.0), too_flat(0.5, 1.0), too_flat(2.5, 40.0)
    (True, False, True, False)
    >>> blocks = np.repeat(np.arange(4, dtype=np.float32), 8)[None].repeat(16, 0)
    >>> too_flat(1.5, 6.0, blocks), too_flat(2.5, 6.0, blocks)
    (True, False)
    """
    if band < _NO_DETAIL or (band < _LOW_DETAIL and band < _LOW_SHARE * spread):
        return True
    return band < _LOW_DETAIL and gray is not None and jpeg_blocking(gray)
