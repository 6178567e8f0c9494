"""A second look at warped-copy candidates that came close: erasing and a crop's borders.

The warp search of :mod:`.image_warp` fits its pose (affine ECC) and correlates the band-pass
images over every pixel of the copy that is not black fill. Two things a training pipeline does
hurt both on the copies they touch most, a crop to half the area that is then erased or rotated:

* the black of an erased rectangle or of a warp's border pulls the ECC fit (it has no mask), so
  the pose a half-area crop gets is a little off and its robust correlation stays under the bar;
* the band-pass images (a blur less a sigma-4 blur) ring for ~2 sigma around that black, where
  the copy's band-pass is the fill's edge, not the content: the band correlation falls to 0.4-0.6
  on a true copy.

A pair that no pose verified but that came close (a robust correlation of ``_RESCUE_FROM`` at some
pose tried) is looked at again: from its 3 best poses, the ECC fit is run with the fill masked out
of both images (``cv2.findTransformECCWithMask``, OpenCV 4.13+: with an older OpenCV there is no
second look; on the blurred value images, and on the band-pass images, which a smooth gradient
does not dominate), the best pose by robust correlation is kept and the band-pass correlation is
taken over the pixels more than 4 pixels (at 64x64: the fill dilated by a ``_GUARD`` x ``_GUARD``
square) away from any fill, where one of the images must spread by ``_LOW_DETAIL`` grey levels
(a near-flat sky beside a black bar correlates at 0.98 / 0.86 with another) -- or by
``_MIN_DETAIL`` when the robust correlation reaches ``_FLAT_CORRELATION`` (an erased copy of a
near-flat crop: 0.999 / 0.88 on under 1 grey level). Such a pair is a copy when the robust
correlation reaches the warp check's bar (``_MIN_CORRELATION``) and the band-pass one ``_BAND``
(less for a closer fit: ``_band_bar``) -- and, since a refined pose lifts a look-alike too (two
mirror-symmetric roof crops reach 0.989 / 0.94), only relative to the others. The *copy* of the
pair is the image with more fill (by ``_FILL_GAP`` of its pixels: what the second look is for,
erasing and a warp's border, marks the copy; black bars spanning the width or height from an edge,
an image's own letterbox, do not count, see ``_marks``), or both images when neither has clearly
more; a copy has one source, a source may have several copies: each copy must be matched by no
other pair yet (by any stage) and the pair must beat the copy's other partners' best robust
correlation by ``_MARGIN``.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import replace
from typing import Any

import numpy as np

from .image_flat import _LOW_DETAIL
from .image_warp import (
    _FINE,
    _MIN_CORRELATION,
    _MIN_DETAIL,
    WarpMatch,
    _check,
    _native,
    _plausible,
    _robust_correlation,
    _Tried,
)

_TOP = 3  # best poses looked at again
_GUARD = 9  # side (pixels at 64x64) of the square dilating the fill: pixels within 4 of it are left out
_BAND = 0.8  # band-pass correlation away from fill a second look needs (at _MIN_CORRELATION)
_BAND_AT_ONE = 0.6  # and at a robust correlation of 1 (the bar falls linearly between the two)
_MARGIN = 0.02  # robust correlation by which the pair must beat the copy's other partners
_FILL_GAP = 0.01  # share of the pixels by which the copy has more fill than its source
_MIN_LEFT = 0.3  # share of the copy left for the band-pass correlation
_FLAT_CORRELATION = 0.995  # robust correlation that stands in for detail (_LOW_DETAIL) away from fill
_ITERATIONS, _EPSILON = 50, 1e-5  # the masked ECC fit's


def _fill(source: Any, copy: Any, m: np.ndarray, mirrored: bool) -> tuple[np.ndarray, np.ndarray]:
    """The copy's pixels the (mirrored) source warped by ``m`` covers, and its fill (its own and
    the source's, warped), at ``_FINE``."""
    import cv2

    flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    size = (_FINE, _FINE)
    covered = cv2.warpAffine(np.ones((_FINE, _FINE), np.float32), m, size, flags=flags) > 0.5
    covered[:2], covered[-2:], covered[:, :2], covered[:, -2:] = False, False, False, False
    fill = copy.fill64.copy()
    if source.fill64.any():
        own = np.ascontiguousarray(source.fill64[:, ::-1] if mirrored else source.fill64, dtype=np.float32)
        fill |= cv2.warpAffine(own, m, size, flags=flags) >= 0.5
    return covered, fill


def _refined(source: Any, copy: Any, m: np.ndarray, mirrored: bool, band: bool = False) -> np.ndarray | None:
    """The pose ``m`` (copy to source at ``_FINE``) refined by ECC with both images' fill masked
    out, on the blurred value images or (``band``) on the band-pass images, or ``None`` (no
    convergence, or out of the searched family)."""
    import cv2

    fine = np.ascontiguousarray(source.fine[:, ::-1]) if mirrored else source.fine
    target = copy.fine
    if band:
        fine = np.ascontiguousarray(source.band[:, ::-1]) if mirrored else source.band
        target = copy.band
    own = source.fill64[:, ::-1] if mirrored else source.fill64
    try:
        _, refined = cv2.findTransformECCWithMask(
            target,
            fine,
            np.ascontiguousarray(~copy.fill64, dtype=np.uint8),
            np.ascontiguousarray(~own, dtype=np.uint8),
            m.astype(np.float32),
            cv2.MOTION_AFFINE,
            (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, _ITERATIONS, _EPSILON),
            1,
        )
    except cv2.error:
        return None
    return refined if np.isfinite(refined).all() and _plausible(refined) else None  # NaN: no pose


def _band_away_from_fill(source: Any, copy: Any, m: np.ndarray, mirrored: bool, score: float) -> float:
    """Robust band-pass correlation of the copy with the warped source over the pixels more than
    4 pixels from fill (``_GUARD``); 0 when under ``_MIN_LEFT`` of the copy is left or neither
    image spreads by ``_LOW_DETAIL`` grey levels there (``_MIN_DETAIL`` for a pose whose robust
    correlation ``score`` reaches ``_FLAT_CORRELATION``)."""
    import cv2

    covered, fill = _fill(source, copy, m, mirrored)
    near = cv2.dilate(fill.astype(np.uint8), np.ones((_GUARD, _GUARD), np.uint8)) > 0
    left = covered & ~near
    if left.mean() < _MIN_LEFT:
        return 0.0
    band = np.ascontiguousarray(source.band[:, ::-1]) if mirrored else source.band
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped = cv2.warpAffine(band, m, (_FINE, _FINE), flags=flags, borderMode=cv2.BORDER_REFLECT)
    spread = max(float(warped[left].std()), float(copy.band[left].std()))
    if spread < (_MIN_DETAIL if score >= _FLAT_CORRELATION else _LOW_DETAIL):
        return 0.0
    return _robust_correlation(warped[left], copy.band[left])


def _second_look(
    prep: Callable[[int], Any], pair: tuple[int, int], tried: tuple[_Tried, _Tried]
) -> tuple[tuple[float, float, float], np.ndarray, bool, bool]:
    """The best pose of the pair's ``_TOP`` best tried poses and their masked refinements, by
    robust correlation: ``((correlation, band away from fill, overlap), map, mirrored, whether
    the second image is the source)``."""
    poses = [(t, False) for t in tried[0] if t[0] > 0] + [(t, True) for t in tried[1] if t[0] > 0]
    poses.sort(key=lambda p: -p[0][0])
    best: tuple[tuple[float, float, float], np.ndarray, bool, bool] | None = None
    for (_, m, mirrored), back in poses[:_TOP]:
        source, copy = (prep(pair[1]), prep(pair[0])) if back else (prep(pair[0]), prep(pair[1]))
        for pose in (_refined(source, copy, m, mirrored), _refined(source, copy, m, mirrored, True), m):
            if pose is None:
                continue
            score, _, overlap = _check(source, copy, pose, mirrored, min_correlation=2.0)
            if best is None or score > best[0][0]:
                best = ((score, 0.0, overlap), pose, mirrored, back)
    assert best is not None  # a gray pair has a pose over _MIN_OVERLAP
    (score, _, overlap), pose, mirrored, back = best
    source, copy = (prep(pair[1]), prep(pair[0])) if back else (prep(pair[0]), prep(pair[1]))
    if score >= _MIN_CORRELATION:
        return (
            (score, _band_away_from_fill(source, copy, pose, mirrored, score), overlap),
            pose,
            mirrored,
            back,
        )
    return best


def _marks(fill: np.ndarray) -> np.ndarray:
    """The fill that marks a copy: ``fill`` less the black bars that span the whole width or height
    from an edge (a letterbox, a pillarbox: the source's own, kept by its copies' crops and warps
    only in part), so a dark-bordered source is not taken for the copy of its crops."""
    out = fill.copy()
    for full, axis in ((np.all(fill, axis=1), 0), (np.all(fill, axis=0), 1)):
        n = int(full.size)
        if full.all():
            return np.zeros_like(fill)
        head, tail = int(np.argmin(full)), int(np.argmin(full[::-1]))  # bar lengths from each edge
        for bar in (slice(0, head), slice(n - tail, n)):
            if axis == 0:
                out[bar] = False
            else:
                out[:, bar] = False
    return out


def _copies(pair: tuple[int, int], prep: Callable[[int], Any]) -> tuple[int, ...]:
    """The images of the pair taken for the copy: the one with more fill that marks a copy
    (:func:`_marks`: erasing, a warp's border) by ``_FILL_GAP``, or both."""
    a, b = (float(_marks(prep(k).fill64).mean()) for k in pair)
    if abs(a - b) < _FILL_GAP:
        return pair
    return (pair[0],) if a > b else (pair[1],)


def _band_bar(score: float) -> float:
    """The band-pass correlation away from fill a second look at robust correlation ``score`` needs:
    ``_BAND`` at ``_MIN_CORRELATION``, falling linearly to ``_BAND_AT_ONE`` at 1 (an erased crop of
    a half-flat crop fits at 0.999-1.000 with 0.65-0.79 of band left; distinct crops' second looks
    reach 0.989 at most on the benchmark's photo crops).

    >>> [round(_band_bar(s), 2) for s in (0.98, 0.99, 1.0)]
    [0.8, 0.7, 0.6]
    """
    t = min(1.0, max(0.0, (score - _MIN_CORRELATION) / (1.0 - _MIN_CORRELATION)))
    return _BAND - (_BAND - _BAND_AT_ONE) * t


def rescue(
    gray: dict[tuple[int, int], tuple[_Tried, _Tried]],
    pair_seen: dict[tuple[int, int], float],
    taken: Set[int],
    prep: Callable[[int], Any],
) -> dict[tuple[int, int], WarpMatch]:
    """The pairs of ``gray`` (unmatched pairs with the poses tried from either image) found by a
    second look (see the module's docstring); ``pair_seen``: every visited pair's highest robust
    correlation, ``taken``: the images matched already (by any stage). Without
    ``cv2.findTransformECCWithMask`` (OpenCV < 4.13): none."""
    import cv2

    if not hasattr(cv2, "findTransformECCWithMask"):
        return {}
    copies = {pair: _copies(pair, prep) for pair in gray}
    # no refit for a pair that cannot be kept (its copy is matched already) or that has no fill
    # to mask (its refit would be the warp check's ECC run longer, which finds no copy more)
    looked = {
        pair: _second_look(prep, pair, tried)
        for pair, tried in gray.items()
        if not any(k in taken for k in copies[pair]) and any(prep(k).fill64.any() for k in pair)
    }
    best = dict(pair_seen)
    for pair, ((score, _, _), *_) in looked.items():
        best[pair] = max(best.get(pair, 0.0), score)
    others: dict[int, list[tuple[tuple[int, int], float]]] = {}
    for pair, score in best.items():
        for k in pair:
            others.setdefault(k, []).append((pair, score))
    out = {}
    for pair, ((score, band, overlap), m, mirrored, back) in looked.items():
        if score < _MIN_CORRELATION or band < _band_bar(score):
            continue
        rival = [max((s for p, s in others[k] if p != pair), default=0.0) for k in copies[pair]]
        if any(score < r + _MARGIN for r in rival):
            continue
        source, copy = (pair[1], pair[0]) if back else pair
        native = _native(m, mirrored, prep(source).shape, prep(copy).shape)
        found = WarpMatch(score, band, overlap, native, second_look=True)
        out[pair] = replace(found, matrix=np.linalg.inv(native)) if back else found
    return out
