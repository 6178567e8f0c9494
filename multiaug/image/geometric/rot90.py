"""Exact right-angle moves: ``RandomRotate90`` (quarter turns), ``Transpose`` (the main diagonal).

Both are matrix ops: they fuse with the other geometric ops of a pipeline. Applied alone (or
with flips, crops and other quarter turns only) they move no pixel: the image and every mask
come back as views of the input (swapped and reversed strides), exactly ``np.rot90`` and
``np.transpose`` of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.params import Number
from ..functional import geometric as F
from .engine import Size, WarpTransform

__all__ = ["RandomRotate90", "Transpose"]


class RandomRotate90(WarpTransform):
    """Rotate by a random number of quarter turns (0, 1, 2 or 3, counter-clockwise on screen).

    ``factor`` turns give ``np.rot90(image, factor)`` exactly, for the image and every mask
    (any dtype, any channel count); an ``H x W`` image becomes ``W x H`` after an odd
    ``factor``. Boxes and keypoints move exactly (a point ``(x, y)`` goes to ``(y, W - x)``
    after one turn). The image and masks are views of the input (``np.rot90``'s strides, like the
    flips' views; ``factor=0`` passes the input through); a fused group that also resamples
    returns a new array.

    Parameters
    ----------
    p : float, default 0.5
        Probability of turning (then ``factor`` is drawn uniformly from 0..3, as Albumentations).
    seed : int or None
        Seed used when called directly (inside a composer, the composer's seed governs).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.arange(6, dtype=np.uint8).reshape(2, 3)
    >>> out = ma.image.RandomRotate90(p=1.0, seed=0)(image=img, keypoints=np.array([[0.5, 0.5]]), trace=True)
    >>> k = out["trace"][0]["params"]["factor"]
    >>> bool(np.array_equal(out["image"], np.rot90(img, k)))
    True
    """

    preserves_shape = False
    exact_turn = True
    reindexes = True
    _drawn = {"factor": Number(0, 3, integer=True)}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        return {"factor": int(rng.integers(0, 4))}

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        factor = params["factor"]
        h, w = size
        return F.quarter_matrix(factor, h, w), ((w, h) if factor % 2 else (h, w))


class Transpose(WarpTransform):
    """Swap rows and columns (mirror across the main diagonal): ``np.transpose`` of each image and mask.

    An ``H x W`` image becomes ``W x H`` (channels stay last); a point ``(x, y)`` goes to
    ``(y, x)``, a box ``(x0, y0, x1, y1)`` to ``(y0, x0, y1, x1)``, exactly. The image and masks
    are views of the input (swapped strides), like the flips'.

    Parameters
    ----------
    p : float, default 0.5
        Probability of transposing.
    seed : int or None
        Seed used when called directly.

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.Transpose(p=1.0)(image=np.zeros((2, 5), np.uint8),
    ...                                bboxes=np.array([[1.0, 0.0, 4.0, 2.0]]))
    >>> out["image"].shape, out["bboxes"].tolist()
    ((5, 2), [[0.0, 1.0, 2.0, 4.0]])
    """

    is_random = False
    preserves_shape = False
    exact_turn = True
    reindexes = True

    def warp_matrix(self, params: Mapping[str, Any], size: Size) -> tuple[np.ndarray, Size]:
        h, w = size
        return F.transpose_matrix(), (w, h)
