"""``ElasticTransform``: a smooth random displacement of every pixel (not a matrix op: never fused)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ...core.params import Choice, NoiseSeed, Range, param
from ...core.transform import Sample
from .._validate import as_boxes, as_points
from ..base import SpatialTransform, finish_boxes, finish_points, move_arrays
from ..functional import elastic as FE
from ..options import BORDER, BorderOptions, TargetOptions
from .engine import Resampling

__all__ = ["Distortion", "ElasticTransform", "RemapTransform"]


class Distortion(NamedTuple):
    """One call's displacement, built once for every target: ``remap(array, nearest, fill)``,
    ``points(N x 2)`` and ``boxes(N x 4)`` (moved, unclipped)."""

    remap: Callable[[np.ndarray, bool, Sequence[float]], np.ndarray]
    points: Callable[[np.ndarray], np.ndarray]
    boxes: Callable[[np.ndarray], np.ndarray]


class RemapTransform(BorderOptions, TargetOptions, Resampling, SpatialTransform):
    """Base of the ops that move every pixel by its own displacement (not a matrix: never fused).

    Subclasses implement :meth:`distortion`; ``apply`` moves the image, the masks (nearest),
    boxes and keypoints with it. A pipeline applies any pending geometric work before them.
    """

    _abstract = True

    def distortion(self, params: Mapping[str, Any], size: tuple[int, int]) -> Distortion:
        """The call's displacement for an image of ``size`` (H, W)."""
        raise NotImplementedError

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        r = self._r
        out = dict(sample)
        image = sample["image"]
        h, w = image.shape[:2]
        d = self.distortion(params, (h, w))
        out["image"] = d.remap(image, False, r.fill)
        move_arrays(
            out, sample, lambda a: d.remap(a, False, r.fill), lambda a: d.remap(a, True, (r.fill_mask,))
        )
        if "bboxes" in sample:
            finish_boxes(out, sample, d.boxes(as_boxes(sample["bboxes"])), (h, w), r.min_visibility)
        if "keypoints" in sample:
            finish_points(
                out, sample, d.points(as_points(sample["keypoints"])), (h, w), r.drop_outside_keypoints
            )
        return out


class ElasticTransform(RemapTransform):
    """Elastic deformation (Simard et al. 2003): each pixel moves by a smooth random displacement.

    The displacement field is uniform noise in [-1, 1] per pixel, smoothed by a
    Gaussian of ``sigma`` pixels and scaled by ``alpha`` pixels; it is generated
    from a seed drawn per call (the trace holds the seed, not the field). Masks
    are resampled nearest. Keypoints move where the deformation takes them: the
    output pixel ``p`` shows the input at ``p + d(p)``, so a point ``q`` goes to
    the solution of ``p + d(p) = q``, found by fixed-point iteration (exact to
    about 1e-4 px wherever the field is smoother than a fold). Boxes: the
    envelope of points along their edges, moved the same way, clipped. Not a
    matrix op: it is never fused, and a pipeline applies any pending geometric
    work before it. Pixels displaced from outside the image are reflected by
    default (albumentations' default), which avoids dark seams along the edges.

    Parameters
    ----------
    alpha : float or (float, float), default 50
        Scale of the displacement in pixels (a range: drawn per call).
    sigma : float or (float, float), default 5
        Smoothness: standard deviation of the Gaussian in pixels (a range: drawn per call).
    grid : {"full", "coarse"}, default "full"
        ``"coarse"``: the field is drawn and smoothed on a grid ``floor(sigma / 2)`` times coarser
        and upsampled bilinearly, about twice as fast for the default ``sigma`` (more for larger
        ones), with the same smoothness and spread but another realisation of the field than
        ``"full"`` (so other outputs for the same key). Keypoints and boxes move exactly with
        either field.
    @options call image.border image.targets

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.random.default_rng(0).integers(0, 256, (32, 32), dtype=np.uint8)
    >>> out = ma.image.ElasticTransform(p=1.0, seed=0)(image=img)["image"]
    >>> out.shape, out.dtype, bool((out != img).any())
    ((32, 32), dtype('uint8'), True)
    """

    alpha: float | tuple[float, float] = param(
        Range(0.0, 10_000.0, scalar="fixed", example="(30, 60)"), default=50
    )
    sigma: float | tuple[float, float] = param(
        Range(0.01, 1_000.0, scalar="fixed", example="(4, 6)"), default=5
    )
    border: str = param(BORDER.specs["border"], default="reflect", kw_only=True)
    grid: str = param(Choice("full", "coarse"), default="full", kw_only=True, quiet=True)

    _drawn = {"noise_seed": NoiseSeed()}

    def distortion(self, params: Mapping[str, Any], size: tuple[int, int]) -> Distortion:
        border = self._r.border
        sigma = params["sigma"]
        make = FE.elastic_fields if self._r.grid == "full" else FE.elastic_fields_coarse
        fields = make(*size, params["alpha"], sigma, params["noise_seed"])
        return Distortion(
            lambda a, nearest, fill: FE.remap(a, fields, nearest=nearest, border=border, fill=fill),
            lambda points: FE.elastic_points(points, fields),
            lambda boxes: FE.elastic_boxes(boxes, fields, sigma),
        )
