"""Warped copies: a dense pose search and a robust pixel check for pairs a pipeline warped apart.

A training pipeline (flip, ``Affine`` scale/rotate/translate, a crop resized back, then colour,
noise, blur or erasing) moves every pixel, which the global hashes of :mod:`.image` do not
follow. Here one image of a pair is the *source*, the other the *copy*:

1. coarse search (32x32 grayscale, the HSV value): the copy's central window (62 % of each
   side) is looked for by normalised cross-correlation (``cv2.matchTemplate``) in the source
   rendered at each of 98 poses -- 2 mirrorings x 7 rotations (-15 ... 15 degrees) x 7 zooms
   (0.85 ... 1.65, a crop down to ~40 % of the area) -- only at positions where the window lies
   inside the source's content;
2. refinement (64x64, both blurred, sigma 1 pixel): from each of the 3 best poses, an affine
   ECC fit (``cv2.findTransformECC``), kept when its scales stay within 0.5-1.3 of the copy's
   pixel and within a factor 1.6 of each other;
3. robust check: the source warped onto the copy must correlate with it over >= 50 % of the
   copy after the 5 % worst-fitting pixels are set aside (black fill -- an erased rectangle, a
   border -- is left out before), and the band-pass images (the blur minus a sigma-4 blur) must
   correlate too, which the smooth halves of two distinct skies do not (when the fine band-pass,
   the blur less a sigma-4 blur, falls short, a coarser one, sigma 1.5 less sigma 6, may carry
   it: blur, noise or a crop resized back takes the finest detail first). At least one of the two
   must carry band-pass detail (a copy whose contrast colour jitter lowered is vouched for by its
   detailed source). :func:`low_detail` names the images too flat for any of this.

The result carries the estimated transform: the 3x3 matrix taking source pixels to copy pixels
at the images' own resolutions (a mirroring folded in), and its rotation, scale and shift.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any

import numpy as np

from .image_features import Features, Proposal, propose, turn
from .image_flat import flat_mask, rest_of, too_flat
from .image_hash import _gray

_SIDE = 32  # coarse search resolution
_MIN_SIDE = 96  # pixels: smaller images are not searched (too little detail to verify a warp)
_FINE = 64  # refinement and check resolution
_MARGIN = 6  # the coarse template: the copy less this many pixels at each edge (20 of 32)
_ANGLES = (-15.0, -10.0, -5.0, 0.0, 5.0, 10.0, 15.0)
_ZOOMS = tuple(float(z) for z in np.geomspace(0.85, 1.65, 7))
_TOP = 3  # coarse poses refined
_INSIDE = 0.8  # share of a template window that must lie on the source's content
_MIN_OVERLAP = 0.5  # share of the copy the warped source must cover
_TRIM = 0.05  # share of worst-fitting pixels set aside by the robust correlation
_MIN_CORRELATION = 0.98  # robust correlation of a warped copy (blurred, 64x64)
_MIN_BAND = 0.7  # robust band-pass correlation of a warped copy
_WEAK_BAND = 0.6  # a weaker one: kept only relative to the copy's other candidates (warp_pairs)
_REFINE_FROM = 0.9  # robust correlation at the coarse pose from which the pose is refined
_MIN_DETAIL = 0.5  # grey levels: band-pass spread one of the images needs over the overlap
_MIN_STD = 2.0  # grey levels: a flatter coarse template is not searched (featureless)
_KEYPOINT_BAND = 0.5  # weak band-pass bar for a pose keypoints found (relative, as _WEAK_BAND)
_KEYPOINT_OVERLAP = 0.25  # share of the copy a pose vouched for by keypoints must cover
_KEYPOINT_CORRELATION = 0.7  # robust correlation the pixels must reach under such a pose
_COARSE_BAND = (1.5, 6.0)  # the coarser band-pass (blur sigmas on the blurred 64x64 image)
_COARSE_MIN = 0.78  # its bar: it stands in for the fine band only as a full (_MIN_BAND) match
_COARSE_FINE_FLOOR = 0.4  # and only where the fine band still agrees this much
_RESCUE_FROM = 0.9  # robust correlation from which an unmatched pair gets a second look
_DARK = 1.0  # grey level at or below which a pixel counts as fill (border, erasing), not content
_MAX_TURN = 20.0  # degrees: a pose turned further stands only when keypoints vouch for it


@dataclass(frozen=True)
class _Prepared:
    """One image ready for the search: its size, 32x32 and blurred 64x64 value images, the
    64x64 band-pass image, and (built on first use as a source) its pose bank."""

    shape: tuple[int, int]
    coarse: np.ndarray
    fine: np.ndarray
    band: np.ndarray
    band2: np.ndarray
    fill32: np.ndarray
    fill64: np.ndarray
    flat64: np.ndarray


@dataclass(frozen=True)
class WarpMatch:
    """A verified warped copy: ``matrix`` (3x3) takes source pixels to copy pixels."""

    score: float
    band: float
    overlap: float
    matrix: np.ndarray
    inliers: int = 0  # matched keypoints behind the pose (0: found by the dense search)
    spread: float = 0.0  # their spread over the copy (1: as if filling it evenly)
    second_look: bool = False  # found by :mod:`.image_occlusion`'s second look

    @property
    def vouched(self) -> bool:
        """Whether enough keypoints, spread enough, carry the pose (:mod:`.image_features`)."""
        return Proposal(False, self.matrix, self.inliers, self.spread).strong

    def evidence(self) -> dict[str, Any]:
        """JSON-able evidence: the matrix and its rotation, scale, shift and mirroring."""
        a = self.matrix[:2, :2]
        mirrored = bool(np.linalg.det(a) < 0)
        b = a @ np.diag([-1.0, 1.0]) if mirrored else a  # the rotation of the un-mirrored part
        return (
            {
                "method": "warp",
                "correlation": round(self.score, 4),
                "band_correlation": round(self.band, 4),
                "overlap": round(self.overlap, 3),
                "mirrored": mirrored,
                "rotation_deg": round(float(np.degrees(np.arctan2(b[0, 1], b[0, 0]))), 2),
                "scale": round(float(np.sqrt(abs(np.linalg.det(a)))), 4),
                "shift_px": [round(float(v), 2) for v in self.matrix[:2, 2]],
                "matrix": [[round(float(v), 5) for v in row] for row in self.matrix],
            }
            | self._keypoints()
            | ({"second_look": True} if self.second_look else {})
        )

    def _keypoints(self) -> dict[str, Any]:
        if not self.inliers:  # found by the dense search
            return {}
        return {"keypoint_inliers": self.inliers, "keypoint_spread": round(self.spread, 3)}


def inverted_evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    """Warp evidence seen from the other image of the pair (the matrix inverted)."""
    if "matrix" not in evidence:
        return evidence
    inv = np.linalg.inv(np.asarray(evidence["matrix"], dtype=np.float64))
    scores = (evidence["correlation"], evidence["band_correlation"], evidence["overlap"])
    return WarpMatch(*scores, inv, second_look=bool(evidence.get("second_look"))).evidence()


def _levels(image: np.ndarray, gray: np.ndarray) -> float:
    """The factor that puts ``image``'s grey values on the 0-255 scale: 255 for a float (or bool)
    image whose values stay within [0, 1], else 1 (uint8, and floats on the 0-255 scale, which
    ``.astype(np.float32)`` of a uint8 image gives), decided per image."""
    if np.asarray(image).dtype.kind in "fb" and gray.size and float(np.max(gray)) <= 1.0:
        return 255.0
    return 1.0


def _prepare(image: np.ndarray) -> _Prepared:
    import cv2

    g = _gray(image)
    if _levels(image, g) != 1.0:  # a float image in [0, 1]: on the grey levels' scale
        g = g * np.float32(255.0)  # a new array: _gray may return the caller's
    h, w = g.shape
    coarse = cv2.resize(
        g, (_SIDE, _SIDE), interpolation=cv2.INTER_AREA if min(h, w) >= _SIDE else cv2.INTER_LINEAR
    )
    fine = cv2.resize(
        g, (_FINE, _FINE), interpolation=cv2.INTER_AREA if min(h, w) >= _FINE else cv2.INTER_LINEAR
    )
    fine = cv2.GaussianBlur(fine, (0, 0), 1.0)
    band = fine - cv2.GaussianBlur(fine, (0, 0), 4.0)
    band2 = cv2.GaussianBlur(fine, (0, 0), _COARSE_BAND[0]) - cv2.GaussianBlur(fine, (0, 0), _COARSE_BAND[1])
    # pure black: a warp's border fill or an erased rectangle, which no source explains
    dark = (g <= _DARK).astype(np.float32)
    fill32 = cv2.resize(dark, (_SIDE, _SIDE), interpolation=cv2.INTER_AREA) > 0.25
    fill64 = cv2.resize(dark, (_FINE, _FINE), interpolation=cv2.INTER_AREA) > 0.05
    fill64 = cv2.dilate(fill64.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    return _Prepared((h, w), coarse, fine, band, band2, fill32, fill64, flat_mask(fine))


def low_detail(images: Sequence[np.ndarray]) -> list[int]:
    """Positions of the images the warp search covers (>= ``_MIN_SIDE`` pixels a side) with too
    little detail to verify a warped copy: the band-pass image of the check (the 64x64 value image
    blurred by sigma 1 less a sigma-4 blur) spreads too little, see ``image_flat.too_flat`` (a
    dark or foggy photo's detail is faint by the grey levels, not next to its own contrast).

    A flat sky is such an image: a flipped, warped, recoloured copy of it looks like any other
    crop of that sky (and its noise or clipped highlights like none), so the guard can neither
    find it nor rule it out. Exact copies and the hashes' single operations are still found.

    >>> import numpy as np
    >>> sky = np.tile(np.linspace(90, 110, 128, dtype=np.float32)[:, None, None], (1, 128, 3))
    >>> texture = np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)
    >>> low_detail([sky.astype(np.uint8), texture, sky[:64, :64].astype(np.uint8)])
    [0]
    """
    import cv2

    out = []
    for k, image in enumerate(images):
        if min(np.shape(image)[:2]) < _MIN_SIDE:
            continue  # not searched for warped copies at all
        gray = _gray(image)
        fine = cv2.resize(gray, (_FINE, _FINE), interpolation=cv2.INTER_AREA)
        fine = cv2.GaussianBlur(fine, (0, 0), 1.0)
        scale = _levels(image, gray)  # float images in [0, 1]: on the 0-255 scale
        band = fine - cv2.GaussianBlur(fine, (0, 0), 4.0)
        if too_flat(scale * float(band.std()), scale * float(fine.std()), gray * np.float32(scale)):
            out.append(k)
    return out


def _similarity(angle: float, zoom: float, centre_in: float, centre_out: float) -> np.ndarray:
    """2x3 matrix: rotate by ``angle`` degrees and scale by ``zoom`` about the centres."""
    import cv2

    m = np.asarray(cv2.getRotationMatrix2D((centre_in, centre_in), angle, zoom), dtype=np.float64)
    m[:, 2] += centre_out - centre_in
    return m


@dataclass(frozen=True)
class _Pose:
    mirrored: bool
    angle: float
    zoom: float
    side: int


@lru_cache(maxsize=1)
def _pose_grid() -> tuple[tuple[_Pose, np.ndarray, np.ndarray], ...]:
    """Every coarse pose with its 2x3 map and the template positions whose window lies (>=
    ``_INSIDE``) on the source's content: the same for every image (made once)."""
    import cv2

    k = _SIDE - 2 * _MARGIN
    out = []
    ones = np.ones((_SIDE, _SIDE), np.float32)
    for mirrored in (False, True):
        for angle in _ANGLES:
            for zoom in _ZOOMS:
                side = round(_SIDE * zoom) + 2
                m = _similarity(angle, zoom, (_SIDE - 1) / 2, (side - 1) / 2)
                inside = cv2.warpAffine(ones, m, (side, side), flags=cv2.INTER_NEAREST)
                share = cv2.boxFilter(inside, -1, (k, k), anchor=(0, 0), normalize=True)
                allowed = share[: side - k + 1, : side - k + 1] >= _INSIDE
                allowed.setflags(write=False)
                out.append((_Pose(mirrored, angle, zoom, side), m, allowed))
    return tuple(out)


def _bank(coarse: np.ndarray) -> list[tuple[_Pose, np.ndarray, np.ndarray]]:
    """The source at every pose: ``(pose, canvas, allowed)``, ``allowed`` marking the template
    positions whose window lies (>= ``_INSIDE``) on the source's content."""
    import cv2

    mirror = np.ascontiguousarray(coarse[:, ::-1])
    return [
        (
            pose,
            cv2.warpAffine(
                mirror if pose.mirrored else coarse,
                m,
                (pose.side, pose.side),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REFLECT,
            ),
            allowed,
        )
        for pose, m, allowed in _pose_grid()
    ]


def _coarse(
    bank: list[tuple[_Pose, np.ndarray, np.ndarray]], copy: _Prepared
) -> tuple[float, list[np.ndarray]]:
    """The ``_TOP`` best poses as 2x3 matrices from the (mirrored) source to the copy, both at
    ``_SIDE`` pixels, each paired with whether the source was mirrored (matrix row 3: flag)."""
    import cv2

    template = copy.coarse[_MARGIN:-_MARGIN, _MARGIN:-_MARGIN].copy()
    fill = copy.fill32[_MARGIN:-_MARGIN, _MARGIN:-_MARGIN]
    if fill.any() and not fill.all():  # fill set to the content's mean: it then barely counts
        template[fill] = template[~fill].mean()
    found = []
    for pose, canvas, allowed in bank:
        r = cv2.matchTemplate(canvas, template, cv2.TM_CCOEFF_NORMED)
        r[~allowed] = -1.0
        _, best, _, (x, y) = cv2.minMaxLoc(r)
        found.append((best, pose, x, y))
    found.sort(key=lambda f: -f[0])
    out = []
    for _, pose, x, y in found[:_TOP]:
        m = _similarity(pose.angle, pose.zoom, (_SIDE - 1) / 2, (pose.side - 1) / 2)
        m[:, 2] += (_MARGIN - x, _MARGIN - y)  # canvas -> copy: the template's corner is (x, y)
        out.append(np.vstack([m, [float(pose.mirrored), 0.0, 0.0]]))
    return float(found[0][0]), out


def _rescale(m: np.ndarray, s_in: tuple[float, float], s_out: tuple[float, float]) -> np.ndarray:
    """A 2x3 pixel map between two images re-expressed for the images resized by ``s_in`` (input)
    and ``s_out`` (output) per axis ``(x, y)``, pixel centres kept (``u' = s (u + 0.5) - 0.5``)."""
    to_in = np.array(
        [[1 / s_in[0], 0, 0.5 / s_in[0] - 0.5], [0, 1 / s_in[1], 0.5 / s_in[1] - 0.5], [0, 0, 1]]
    )
    from_out = np.array([[s_out[0], 0, 0.5 * s_out[0] - 0.5], [0, s_out[1], 0.5 * s_out[1] - 0.5], [0, 0, 1]])
    return (from_out @ np.vstack([m, [0, 0, 1]]) @ to_in)[:2]


def _robust_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Correlation of ``x`` and ``y`` after the ``_TRIM`` share of worst-fitting pairs (by the
    residual of ``y`` on ``x``) is set aside."""
    x, y = x - x.mean(), y - y.mean()
    gain = (x @ y) / (x @ x + 1e-9)
    residual = np.abs(y - gain * x)
    keep = residual <= np.quantile(residual, 1.0 - _TRIM)
    x, y = x[keep] - x[keep].mean(), y[keep] - y[keep].mean()
    return float((x @ y) / np.sqrt((x @ x) * (y @ y) + 1e-9))


def _plausible(m: np.ndarray) -> bool:
    """Whether a copy-to-source map's linear part stays within the searched family."""
    s = np.linalg.svd(m[:, :2], compute_uv=False)
    return bool(s.min() > 0.5 and s.max() < 1.3 and s.max() / s.min() < 1.6)


def _check(
    source: _Prepared,
    copy: _Prepared,
    m: np.ndarray,
    mirrored: bool,
    min_overlap: float = _MIN_OVERLAP,
    min_correlation: float = _MIN_CORRELATION,
) -> tuple[float, float, float]:
    """``(correlation, band correlation, overlap)`` of the copy with the (mirrored) source warped
    by ``m`` (copy pixels to source pixels at ``_FINE``); 0 for what is not computed once the
    overlap or the correlation falls short of its minimum."""
    import cv2

    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    size = (_FINE, _FINE)
    fine = source.fine[:, ::-1] if mirrored else source.fine
    band = source.band[:, ::-1] if mirrored else source.band
    valid = cv2.warpAffine(np.ones_like(fine), m, size, flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) > 0.5
    valid[:2], valid[-2:], valid[:, :2], valid[:, -2:] = False, False, False, False
    valid &= ~copy.fill64
    if source.fill64.any():  # the source's own fill (a copy searched as the source) is no content
        fill = np.ascontiguousarray(source.fill64[:, ::-1] if mirrored else source.fill64, dtype=np.float32)
        valid &= cv2.warpAffine(fill, m, size, flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) < 0.5
    overlap = float(valid.mean())
    valid = rest_of(valid, copy.flat64, source.flat64, m, mirrored)  # a shared flat backdrop left out
    if overlap < min_overlap or not valid.any():
        return 0.0, 0.0, overlap
    warped = cv2.warpAffine(np.ascontiguousarray(fine), m, size, flags=flags, borderMode=cv2.BORDER_REFLECT)
    score = _robust_correlation(warped[valid], copy.fine[valid])
    if score < min_correlation:
        return score, 0.0, overlap
    warped = cv2.warpAffine(np.ascontiguousarray(band), m, size, flags=flags, borderMode=cv2.BORDER_REFLECT)
    if max(float(warped[valid].std()), float(copy.band[valid].std())) < _MIN_DETAIL:
        return score, 0.0, overlap  # neither has detail to tell a copy from a look-alike
    detail = _robust_correlation(warped[valid], copy.band[valid])
    if _COARSE_FINE_FLOOR <= detail < _MIN_BAND:  # blur or noise on the copy: the coarser band
        band2 = np.ascontiguousarray(source.band2[:, ::-1] if mirrored else source.band2)
        warped = cv2.warpAffine(band2, m, size, flags=flags, borderMode=cv2.BORDER_REFLECT)
        coarse = _robust_correlation(warped[valid], copy.band2[valid])
        if coarse >= _COARSE_MIN:  # a full match only (smooth look-alikes agree on it up to ~0.75)
            detail = max(detail, coarse)
    return score, detail, overlap


def _passes(checked: tuple[float, float, float], weak_band: float = _WEAK_BAND) -> bool:
    return checked[0] >= _MIN_CORRELATION and checked[1] >= weak_band


def _from_proposal(p: Proposal, source: _Prepared, copy: _Prepared) -> np.ndarray:
    """A feature proposal (mirrored source to copy, native pixels) as a copy-to-source map at
    ``_FINE``, as the checks take it."""
    import cv2

    (hs, ws), (hc, wc) = source.shape, copy.shape
    forward = _rescale(p.matrix, (_FINE / ws, _FINE / hs), (_FINE / wc, _FINE / hc))
    return cv2.invertAffineTransform(forward).astype(np.float32)


_Candidate = tuple[tuple[bool, float], tuple[float, float, float], np.ndarray, bool, "Proposal | None"]


_Tried = list[tuple[float, np.ndarray, bool]]  # (robust correlation, copy-to-source map, mirrored)


def _try(
    source: _Prepared, copy: _Prepared, start: np.ndarray, mirrored: bool, proposal: Proposal | None
) -> tuple[_Candidate | None, _Tried]:
    """The best of a start pose and its ECC refinement that passes the pixel checks, ranked by
    (whether it passes the full checks, robust correlation), or ``None``; a pose vouched for by
    keypoints needs only ``_KEYPOINT_CORRELATION`` over ``_KEYPOINT_OVERLAP`` of the copy. And
    the poses tried with their robust correlation over ``_MIN_OVERLAP`` of the copy, passing or
    not (:func:`warp_pairs` ranks a weak match's partners by the highest)."""
    import cv2

    vouched = proposal is not None and proposal.strong
    fine = np.ascontiguousarray(source.fine[:, ::-1]) if mirrored else source.fine
    checked = _check(source, copy, start, mirrored)
    tries = [(start, checked)]
    if checked[0] >= _REFINE_FROM or vouched:
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 1e-4)
        try:  # close: refine the pose (affine, 64x64) for a closer fit and a finer transform
            _, refined = cv2.findTransformECC(  # type: ignore[call-overload]
                copy.fine, fine, start.copy(), cv2.MOTION_AFFINE, criteria, None, 1
            )
            if _plausible(refined):
                tries.append((refined, _check(source, copy, refined, mirrored)))
        except cv2.error:  # no convergence: the start stands as checked
            pass
    # a pose that keypoints found (a second, independent piece of evidence) needs less band-pass
    weak_band = _WEAK_BAND if proposal is None else _KEYPOINT_BAND
    best: _Candidate | None = None
    for m, result in tries:
        if vouched and not _passes(result):  # the keypoints vouch: the pixels need only agree
            result = _check(source, copy, m, mirrored, _KEYPOINT_OVERLAP, _KEYPOINT_CORRELATION)
            if result[0] < _KEYPOINT_CORRELATION:
                continue
        elif not _passes(result, weak_band) or abs(turn(m)) > _MAX_TURN:
            continue
        rank = (_passes(result), result[0])
        if best is None or rank > best[0]:
            best = (rank, result, m, mirrored, proposal)
    return best, [(result[0], m, mirrored) for m, result in tries]


def _match(
    source: _Prepared,
    search: Callable[[], tuple[float, list[np.ndarray]]],
    copy: _Prepared,
    proposals: Sequence[Proposal] = (),
) -> tuple[WarpMatch | None, float, _Tried]:
    """The best verified pose of ``copy`` as a warp of ``source`` (or ``None``), the best
    coarse score (normalised cross-correlation of the window; 1 for a pose vouched for by
    keypoints) and the poses tried with their robust correlations (verified or not). The
    keypoints' ``proposals`` are tried first; when none of them passes the full checks, the
    coarse search's poses too (``search()``: :func:`_coarse` of the copy in the source's bank;
    each pose refined and checked alike)."""
    import cv2

    best: _Candidate | None = None
    seen: _Tried = []
    for p in proposals:
        found, r = _try(source, copy, _from_proposal(p, source, copy), p.mirrored, p)
        seen += r
        if found is not None and (best is None or found[0] > best[0]):
            best = found
    coarse = -1.0
    searchable = float(copy.coarse[_MARGIN:-_MARGIN, _MARGIN:-_MARGIN].std()) >= _MIN_STD
    if searchable and (best is None or not best[0][0]):
        s = _FINE / _SIDE
        coarse, poses = search()
        for pose in poses:
            m = cv2.invertAffineTransform(_rescale(pose[:2], (s, s), (s, s))).astype(np.float32)
            found, r = _try(source, copy, m, bool(pose[2, 0]), None)
            seen += r
            if found is not None and (best is None or found[0] > best[0]):
                best = found
    if best is None:
        return None, coarse, seen
    _, (score, band, overlap), m, mirrored, proposal = best
    native = _native(m, mirrored, source.shape, copy.shape)
    if proposal is None:
        return WarpMatch(score, band, overlap, native), coarse, seen
    found_match = WarpMatch(score, band, overlap, native, proposal.inliers, proposal.spread)
    return found_match, max(coarse, 1.0) if proposal.strong else coarse, seen


def _native(m: np.ndarray, mirrored: bool, source: tuple[int, int], copy: tuple[int, int]) -> np.ndarray:
    """The 3x3 map from source pixels to copy pixels at their own sizes, from ``m`` (copy to
    mirrored source at ``_FINE``)."""
    import cv2

    forward = cv2.invertAffineTransform(m.astype(np.float64))  # mirrored source -> copy at _FINE
    if mirrored:
        flip = np.array([[-1.0, 0.0, _FINE - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        forward = (np.vstack([forward, [0, 0, 1]]) @ flip)[:2]
    (hs, ws), (hc, wc) = source, copy
    out = _rescale(forward, (ws / _FINE, hs / _FINE), (wc / _FINE, hc / _FINE))
    return np.vstack([out, [0.0, 0.0, 1.0]])


class WarpStore:
    """Each image's search inputs, made on first use and shared by the calls given the store (the
    retrieval stage's coarse re-ranking, then the warp search): ``prep`` (:class:`_Prepared`),
    ``bank`` (the source at every coarse pose) and ``feats`` (keypoints)."""

    def __init__(self, images: Sequence[np.ndarray]) -> None:
        self.images = images
        self.prepared: dict[int, _Prepared] = {}
        self.banks: dict[int, list[Any]] = {}
        self.keypoints: dict[int, Features] = {}
        self.searched: dict[tuple[int, int], tuple[float, list[np.ndarray]]] = {}

    def prep(self, k: int) -> _Prepared:
        if k not in self.prepared:
            self.prepared[k] = _prepare(self.images[k])
        return self.prepared[k]

    def bank(self, k: int) -> list[Any]:
        if k not in self.banks:
            self.banks[k] = _bank(self.prep(k).coarse)
        return self.banks[k]

    def coarse(self, source: int, copy: int) -> tuple[float, list[np.ndarray]]:
        """:func:`_coarse` of image ``copy`` in image ``source``'s bank (each pair searched once)."""
        found = self.searched.get((source, copy))
        if found is None:
            found = self.searched[(source, copy)] = _coarse(self.bank(source), self.prep(copy))
        return found

    def feats(self, k: int) -> Features:
        if k not in self.keypoints:
            self.keypoints[k] = Features(self.images[k])
        return self.keypoints[k]


def warp_pairs(
    images: Sequence[np.ndarray],
    pairs: Sequence[tuple[int, int]],
    matched: Set[int] = frozenset(),
    store: WarpStore | None = None,
    both_ways: Set[tuple[int, int]] = frozenset(),
) -> dict[tuple[int, int], WarpMatch]:
    """The pairs ``(i, j)`` among ``pairs`` where one image is a warped copy of the other.

    Each pair is searched both ways (``j`` as a warp of ``i``, then ``i`` of ``j``); the match
    found is keyed ``(i, j)`` with its matrix from ``i`` to ``j`` (inverted when ``i`` was the
    copy). Images under ``_MIN_SIDE`` pixels a side are not searched.

    A match whose band-pass correlation is only weak (``_WEAK_BAND`` ... ``_MIN_BAND``: heavy
    noise or blur on the copy) is judged relative to the other candidates -- a copy has one
    source: it stands only when an image of the pair has no strong match here and the pair is
    that image's best partner over all the pairs it was searched in, by the coarse score or by
    the highest robust correlation of the poses tried (the coarse window ranks a half-area crop
    of a structured image below look-alikes that the refined poses then fail).

    Pairs left in the gray zone (a pose with a robust correlation of ``_RESCUE_FROM`` or more)
    get a second look that erasing and a crop's borders call for (:mod:`.image_occlusion`): kept
    only for an image not matched yet (here, or in ``matched``: images an earlier stage paired)
    whose clear best partner the pair is. ``store``: the images' search inputs made already;
    ``both_ways``: pairs searched the other way too when the first way finds a match, the match
    with the higher correlation kept (a large check compares its matches with each other: a
    copy's fit as the source can fall short of its source's fit as the source).
    """
    store = WarpStore(images) if store is None else store
    prep, feats = store.prep, store.feats
    out: dict[tuple[int, int], WarpMatch] = {}
    weak: list[tuple[tuple[float, float], tuple[int, int], WarpMatch]] = []  # (scores, pair, match)
    strong: set[int] = set()  # the images of strong matches
    gray: dict[tuple[int, int], tuple[_Tried, _Tried]] = {}  # unmatched pairs that came close
    scores: dict[tuple[int, int], tuple[float, float]] = {}  # (coarse score, best robust correlation)
    for i, j in pairs:
        if min(np.shape(images[i])[:2] + np.shape(images[j])[:2]) < _MIN_SIDE:
            continue
        forward, backward = propose(feats(i), feats(j))
        found, coarse, tried = _match(prep(i), partial(store.coarse, i, j), prep(j), forward)
        seen = max((t[0] for t in tried), default=0.0)
        if found is None or (i, j) in both_ways:
            back, coarse_back, tried_back = _match(prep(j), partial(store.coarse, j, i), prep(i), backward)
            coarse = max(coarse, coarse_back)
            seen = max([seen] + [t[0] for t in tried_back])
            if back is not None and (found is None or _fit(back) > _fit(found)):
                found = replace(back, matrix=np.linalg.inv(back.matrix))
            elif found is None and seen >= _RESCUE_FROM:  # no pose passed, one came close
                gray[(i, j)] = (tried, tried_back)
        scores[(i, j)] = (coarse, seen)
        if found is None:
            continue
        if found.band >= _MIN_BAND or found.vouched:
            out[(i, j)] = found
            strong.update((i, j))
        else:
            weak.append(((coarse, seen), (i, j), found))
    out |= _relative(weak, scores, strong)
    if gray:
        from .image_occlusion import rescue

        taken = set(matched) | {k for pair in out for k in pair}
        out |= rescue(gray, {pair: seen for pair, (_, seen) in scores.items()}, taken, prep)
    return out


def _fit(match: WarpMatch) -> tuple[bool, float]:
    """How two ways' matches of a pair rank: a strong match (band-pass correlation of
    ``_MIN_BAND`` or more, or vouched for by keypoints) before a weak one, then by correlation."""
    return (match.band >= _MIN_BAND or match.vouched, match.score)


def _relative(
    weak: list[tuple[tuple[float, float], tuple[int, int], WarpMatch]],
    scores: dict[tuple[int, int], tuple[float, float]],
    strong: set[int],
) -> dict[tuple[int, int], WarpMatch]:
    """The weak matches that stand (see :func:`warp_pairs`): an image of the pair without a strong
    match has it as its best partner by the coarse score or by the best robust correlation."""
    best_coarse: dict[int, float] = {}  # an image's best coarse score over its pairs
    best_seen: dict[int, float] = {}  # and its best robust correlation
    for pair, (coarse, seen) in scores.items():
        for k in pair:
            best_coarse[k] = max(best_coarse.get(k, -1.0), coarse)
            best_seen[k] = max(best_seen.get(k, 0.0), seen)
    out = {}
    for (coarse, seen), pair, found in weak:
        free = [k for k in pair if k not in strong]  # the copy: a source may have other copies
        if any(coarse >= best_coarse[k] or seen >= best_seen[k] for k in free):
            out[pair] = found
    return out
