"""A noise look at warped-copy candidates that came close: a noised copy's residual is white.

A training pipeline's ``GaussianNoise`` on a smooth crop (a bokeh background: band-pass detail of
2 grey levels at the check's 64x64) drowns the detail that :mod:`.image_warp`'s pixel check
correlates: at its best pose such a copy reaches a robust correlation of 0.93-0.98 and a band-pass
one of 0.48-0.61, as two distinct crops of the same photo can (0.99 / 0.55). What tells them apart
is what is left over. The source warped onto the copy at the pose (at the copy's own resolution,
the pose refined there by ECC on both images blurred, gain and offset fitted over the content)
leaves, on a noised copy, the noise: white, its neighbouring pixels uncorrelated (lag-1
autocorrelation 0.01-0.06 measured); on a distinct image it leaves content, which is smooth at
the pixel scale (0.36 or more on every distinct pair of the benchmark's crops that came close).

A pair that no pose verified but that came close (``image_warp.warp_pairs``'s gray zone) is
a noised copy when its best pose reaches ``_MIN_SCORE`` and ``_MIN_BAND`` and the residual in one
image's pixels (the copy's: noise added after the warp is white there, not in the other's, where
the interpolation smooths it) has a lag-1 autocorrelation of at most ``_MAX_LAG``, and neither
image is too flat to verify (``too_flat``: the detail must be an image's own; noise over a
look-alike whose detail is below the noise leaves a white residual too). A copy has one source: the
noised image must be matched by no other pair yet and the pair must beat its other partners' best
robust correlation by ``_MARGIN``. It is then a weak match: it stands only relative to the copy's
other candidates, as a weak band-pass match does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from typing import TYPE_CHECKING, Any

import numpy as np

from .image_hash import _gray

if TYPE_CHECKING:  # image_warp imports this module
    from .image_warp import WarpMatch, _Tried

_Weak = tuple[tuple[float, float], tuple[int, int], "WarpMatch"]

_MIN_SCORE = 0.93  # robust correlation (blurred, 64x64) the best pose must reach
_MIN_BAND = 0.45  # and band-pass correlation
_MAX_LAG = 0.15  # lag-1 autocorrelation of the residual in the copy's pixels at most
_SMOOTH = 2.0  # sigma (copy pixels) of the blur under the native ECC refinement
_ERODE = 5  # side of the square eroding the overlap (interpolation at its edge)
_DARK = 1.0  # grey level at or below which a pixel is fill (a border, an erased rectangle)
_MIN_PIXELS = 256  # pixels of overlap the residual needs
_MARGIN = 0.02  # robust correlation by which the pair must beat the noised copy's other partners


def _value(image: np.ndarray) -> np.ndarray:
    """The image's grey values (HSV value) on the 0-255 scale, float32."""
    from .image_warp import _levels

    g = _gray(image)
    return np.asarray(g * np.float32(_levels(image, g)), dtype=np.float32)


def _refine(source: np.ndarray, copy: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """The 2x3 map from source pixels to copy pixels refined by ECC at the copy's resolution (both
    blurred); ``forward`` when the fit fails."""
    import cv2

    blur_s = cv2.GaussianBlur(source, (0, 0), _SMOOTH)
    blur_c = cv2.GaussianBlur(copy, (0, 0), _SMOOTH)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-5)
    try:
        inverse = cv2.invertAffineTransform(forward).astype(np.float32)
        _, inverse = cv2.findTransformECC(  # type: ignore[call-overload]
            blur_c, blur_s, inverse, cv2.MOTION_AFFINE, criteria, None, 1
        )
    except cv2.error:
        return forward
    return np.asarray(cv2.invertAffineTransform(inverse), dtype=np.float32)


def residual_lag(source: np.ndarray, copy: np.ndarray, forward: np.ndarray) -> float:
    """Lag-1 autocorrelation (horizontal and vertical neighbours) of the residual ``copy - gain *
    warp(source) - offset`` in the copy's pixels, ``forward`` (2x3) taking source pixels to copy
    pixels; 1 where too little overlap is left. Images: grey values on the 0-255 scale.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> yy, xx = np.mgrid[:128, :128].astype(np.float32)
    >>> smooth = 100 + 20 * np.sin(xx / 9) * np.cos(yy / 13)
    >>> move = np.float32([[1, 0, 2], [0, 1, -3]])
    >>> import cv2
    >>> copy = cv2.warpAffine(smooth, move, (128, 128), borderMode=cv2.BORDER_REFLECT)
    >>> residual_lag(smooth, copy + rng.normal(0, 8, copy.shape).astype(np.float32), move) < 0.15
    True
    >>> other = 100 + 20 * np.sin(xx / 8) * np.cos(yy / 15)
    >>> residual_lag(smooth, other + rng.normal(0, 2, copy.shape).astype(np.float32), move) > 0.5
    True
    """
    import cv2

    h, w = copy.shape
    forward = _refine(source, copy, np.asarray(forward, dtype=np.float32))
    warped = cv2.warpAffine(source, forward, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    content = (source > _DARK).astype(np.float32)
    valid = cv2.warpAffine(content, forward, (w, h), flags=cv2.INTER_NEAREST) > 0.5
    valid = cv2.erode(valid.astype(np.uint8), np.ones((_ERODE, _ERODE), np.uint8)) > 0
    valid &= copy > _DARK
    if int(valid.sum()) < _MIN_PIXELS:
        return 1.0
    x, y = warped[valid].astype(np.float64), copy[valid].astype(np.float64)
    x -= x.mean()
    gain = float(x @ (y - y.mean())) / (float(x @ x) + 1e-9)
    residual = np.zeros((h, w), np.float64)
    residual[valid] = y - y.mean() - gain * x
    across = valid[:, :-1] & valid[:, 1:]
    down = valid[:-1] & valid[1:]
    products = (residual[:, :-1] * residual[:, 1:])[across].sum() + (residual[:-1] * residual[1:])[down].sum()
    energy = 0.5 * ((residual[:, :-1] ** 2 + residual[:, 1:] ** 2)[across].sum())
    energy += 0.5 * ((residual[:-1] ** 2 + residual[1:] ** 2)[down].sum())
    return float(products / (energy + 1e-9))


def _rival(scores: dict[tuple[int, int], tuple[float, float]], pair: tuple[int, int], k: int) -> float:
    """The best robust correlation of image ``k`` over its visited pairs other than ``pair``."""
    return max((seen for p, (_, seen) in scores.items() if k in p and p != pair), default=0.0)


def noise_look(
    gray: dict[tuple[int, int], tuple[_Tried, _Tried]],
    images: Sequence[np.ndarray],
    prep: Callable[[int], Any],
    scores: dict[tuple[int, int], tuple[float, float]],
    taken: Set[int] = frozenset(),
) -> list[_Weak]:
    """The pairs of ``gray`` (unmatched pairs with the poses tried from either image: ``(i, j)``
    with ``j`` as a warp of ``i`` first) that are noised copies (see the module's docstring), as
    ``image_warp.warp_pairs`` lists its weak matches (``scores[pair]``, the pair, the match,
    its matrix from ``i`` to ``j``); each is taken out of ``gray`` (no second look for it).
    ``scores``: every visited pair's (coarse score, best robust correlation); ``taken``: the
    images matched already, by any stage (a noised copy among them is not linked again)."""
    from .image_warp import _MIN_OVERLAP, WarpMatch, _check, _native, too_flat

    out = []
    for (i, j), (tried, tried_back) in list(gray.items()):
        ways = [(t, False) for t in tried] + [(t, True) for t in tried_back]
        (score, m, mirrored), back = max(ways, key=lambda w: w[0][0])
        if score < _MIN_SCORE:
            continue
        source, copy = (j, i) if back else (i, j)
        checked = _check(prep(source), prep(copy), m, mirrored, _MIN_OVERLAP, _MIN_SCORE)
        if checked[0] < _MIN_SCORE or checked[1] < _MIN_BAND:
            continue
        native = _native(m, mirrored, prep(source).shape, prep(copy).shape)  # mirroring folded in
        a, b = _value(images[source]), _value(images[copy])
        if any(
            too_flat(float(prep(k).band.std()), float(prep(k).fine.std()), g)
            for k, g in ((source, a), (copy, b))
        ):
            continue  # detail of the noise's only, or none: no look-alike can be ruled out
        lags = {copy: residual_lag(a, b, native[:2]), source: residual_lag(b, a, np.linalg.inv(native)[:2])}
        noised = min(lags, key=lambda k: lags[k])  # white in its own pixels: the noised image
        if lags[noised] > _MAX_LAG:
            continue  # content left over: a distinct image
        if noised in taken or checked[0] < _rival(scores, (i, j), noised) + _MARGIN:
            continue  # a copy has one source: this pair must be its clear best
        del gray[(i, j)]
        match = WarpMatch(*checked, np.linalg.inv(native) if back else native)
        out.append((scores[(i, j)], (i, j), match))
    return out
