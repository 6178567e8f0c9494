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
_SMOOTH_SIGMA = 1.0  # blur (pixels at 64x64) a smooth background stays within _FLAT_TOL of
_FRAME = 0.75  # share of the map's edge a smooth background must cover
_INSET = 2  # pixels: the ring on which it is measured
_SMOOTH_FLOOR = 0.15  # grey levels: the least tolerance for it (a uint8 image rounds)
_NOISE_MAX = 3.0  # grey levels: the robust spread of noise on a level the warp check leaves out
_NOISE_SIGMA = 4.0  # blur (pixels at 64x64) that white noise on a level all but evens out
_WHITE = 0.5  # share of that spread its blur may keep (white noise; a gradient keeps most)
_NOISE_K = 4.0  # spreads from the level within which a noisy pixel counts


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


def backdrop(u: np.ndarray) -> np.ndarray:
    """The warp check's background of a 64x64 map, as bits: 1 where :func:`flat_mask` finds it
    flat; 2 where it lies on a smooth surface (a gradient, a vignette, a flat level: within
    ``_FLAT_TOL`` of its range, or ``_SMOOTH_FLOOR`` grey levels, of its own ``_SMOOTH_SIGMA`` blur,
    the map extended beyond its edge as a plane; opened by a 3x3 square) that reaches the edge
    and covers ``_FRAME`` of the ring ``_INSET`` pixels in (it frames the content; a photo's sky
    reaches one side or three); 0 elsewhere (content, noise). When the flat part frames the map
    itself, it is that background (3) and no smooth part beside it is (an object's pale sky).

    >>> import numpy as np
    >>> yy, xx = np.mgrid[0:64, 0:64].astype(np.float32)
    >>> u = 40 + 0.8 * yy
    >>> u[24:40, 24:40] = np.arange(256).reshape(16, 16) % 7 * 30  # an object with detail
    >>> lab = backdrop(u)
    >>> int(lab[0, 0]), int(lab[63, 63]), int(lab[32, 32]), int((lab & 2 > 0).sum()) > 3600
    (2, 2, 0, True)
    >>> sky = u.copy()
    >>> sky[32:] = 200.0 + xx[32:] % 3 * 20  # a smooth top half over a textured one: no frame
    >>> int(backdrop(sky).max()), int(backdrop(np.full((64, 64), 9.0, np.float32))[5, 5])
    (0, 3)
    """
    import cv2

    u = np.asarray(u, dtype=np.float32)
    flat = flat_mask(u)
    i = _INSET
    if float(np.r_[flat[i, i:-i], flat[-1 - i, i:-i], flat[i:-i, i], flat[i:-i, -1 - i]].mean()) >= _FRAME:
        return 3 * flat.astype(np.uint8)  # a flat background frames it (smooth content beside it: none)
    tol = _tolerance(u)
    pad = int(np.ceil(3 * _SMOOTH_SIGMA))
    # extended by odd reflection (2 u[0] - u[k]): a plane stays a plane up to the edge
    ext = np.pad(u, pad, mode="reflect", reflect_type="odd")
    blurred = cv2.GaussianBlur(ext, (0, 0), _SMOOTH_SIGMA)[pad:-pad, pad:-pad]
    near = (np.abs(u - blurred) <= max(tol, _SMOOTH_FLOOR)).astype(np.uint8)
    square, edge = np.ones((3, 3), np.uint8), cv2.BORDER_REPLICATE
    opened = cv2.dilate(cv2.erode(near, square, borderType=edge), square, borderType=edge) > 0
    smooth = (opened & (near > 0)).astype(np.uint8)
    # a background: the smooth parts that reach the edge, when they frame the map (a photo's sky
    # reaches one side or three, not all round)
    count, parts = cv2.connectedComponents(smooth, connectivity=4)
    # (on the ring _INSET pixels in: a resized map's last pixels stray from the surface)
    ring = np.r_[parts[i, i:-i], parts[-1 - i, i:-i], parts[i:-i, i], parts[i:-i, -1 - i]]
    back = np.isin(parts, np.unique(ring[ring > 0]))
    if count < 2 or float(np.isin(ring, np.unique(ring[ring > 0])).mean()) < _FRAME:
        return flat.astype(np.uint8)
    return flat.astype(np.uint8) | 2 * back.astype(np.uint8)


def _tolerance(u: np.ndarray) -> float:
    """``_FLAT_TOL`` of the 1st-99th percentile range of a map (its whole range when they meet)."""
    flat = u.ravel()
    k = len(flat) // 100
    lo, hi = np.partition(flat, (k, len(flat) - 1 - k))[[k, len(flat) - 1 - k]].tolist()
    return (hi - lo if hi > lo else float(flat.max() - flat.min())) * _FLAT_TOL


def rest_of(
    valid: np.ndarray,
    copy: np.ndarray,
    source: np.ndarray,
    m: np.ndarray,
    mirrored: bool,
    fine: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The warp check's pixels ``valid`` (of the copy, at its resolution) less the background both
    share -- where the ``copy``'s and the (``mirrored``) ``source``'s :func:`backdrop` labels (the
    source's warped by ``m``, copy pixels to source pixels) share a bit: flat in both, or a
    framing smooth surface in both -- and, given ``fine`` (the copy's and the source's 64x64
    value images), where one is flat and the other's same pixels are a level plus white noise
    (``_noisy_level``), when that covers at least ``_FLAT_SHARE`` of ``valid``; and those near it
    (``_GUARD``); none when less than ``_MIN_REST`` of the copy would remain."""
    import cv2

    if not (copy.any() or source.any()):
        return valid
    own = np.ascontiguousarray(source[:, ::-1] if mirrored else source, dtype=np.float32)
    flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    theirs = np.rint(cv2.warpAffine(own, m, own.shape[::-1], flags=flags)).astype(np.uint8)
    mine = copy.astype(np.uint8)
    shared = valid & ((mine & theirs) > 0)  # flat in both, or a framing smooth surface in both
    if fine is not None and ((mine & 1) != (theirs & 1)).any():
        src = fine[1][:, ::-1] if mirrored else fine[1]
        src = cv2.warpAffine(
            np.ascontiguousarray(src), m, own.shape[::-1], flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        )
        shared |= _noisy_level(valid & (mine & 1 > 0) & (theirs & 1 == 0), src)
        shared |= _noisy_level(valid & (theirs & 1 > 0) & (mine & 1 == 0), fine[0])
    if shared.sum() < _FLAT_SHARE * valid.sum():
        return valid
    # and the pixels near it: blurred and band-passed, the step to the background reaches them
    near = cv2.dilate(shared.astype(np.uint8), np.ones((_GUARD, _GUARD), np.uint8)) > 0
    rest = valid & ~near
    return rest if rest.mean() >= _MIN_REST else np.zeros_like(valid)


def _noisy_level(region: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The pixels of ``region`` (flat in one image) where ``other`` (the other image's 64x64 value
    image, at the same pixels) is a level plus white noise: over the region its values spread by
    at most ``_NOISE_MAX`` grey levels about their median (robust), and their ``_NOISE_SIGMA``
    blur within the region by at most ``_WHITE`` of that (a gradient or an object keeps most of
    its spread); each such pixel within ``_NOISE_K`` spreads of the level."""
    import cv2

    if region.sum() < _FLAT_SHARE * region.size:
        return np.zeros_like(region)
    e = np.asarray(other, dtype=np.float32) - np.float32(np.median(other[region]))
    spread = 1.4826 * float(np.median(np.abs(e[region])))
    if spread > _NOISE_MAX:
        return np.zeros_like(region)
    # an object's pixels, and those within 4 of them or of the region's edge, set aside
    square = np.ones((_GUARD, _GUARD), np.uint8)
    level = region & (np.abs(e) <= _NOISE_K * spread + 0.05)
    inner = cv2.erode(level.astype(np.uint8), square, borderType=cv2.BORDER_REPLICATE) > 0
    if inner.sum() < _MIN_REST * region.size:
        return np.zeros_like(region)
    w = level.astype(np.float32)
    smooth = cv2.GaussianBlur(e * w, (0, 0), _NOISE_SIGMA) / np.maximum(
        cv2.GaussianBlur(w, (0, 0), _NOISE_SIGMA), 1e-3
    )
    low = 1.4826 * float(np.median(np.abs(smooth[inner] - np.median(smooth[inner]))))
    inside = 1.4826 * float(np.median(np.abs(e[inner] - np.median(e[inner]))))
    if low > _WHITE * inside + 0.05:
        return np.zeros_like(region)
    return level


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
