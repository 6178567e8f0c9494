"""``ElasticTransform``: a smooth random displacement of every pixel (not a matrix op: never fused)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.params import NoiseSeed, Range, param
from ...core.transform import Sample
from .._validate import as_boxes, as_points
from ..base import SpatialTransform, finish_boxes, finish_points, move_arrays
from ..functional import elastic as FE
from ..options import BORDER, BorderOptions, TargetOptions
from .engine import Resampling

__all__ = ["ElasticTransform"]


class ElasticTransform(BorderOptions, TargetOptions, Resampling, SpatialTransform):
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

    _drawn = {"noise_seed": NoiseSeed()}

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        r = self._r
        out = dict(sample)
        image = sample["image"]
        h, w = image.shape[:2]
        fields = FE.elastic_fields(h, w, params["alpha"], params["sigma"], params["noise_seed"])
        out["image"] = FE.remap(image, fields, border=r.border, fill=r.fill)
        move_arrays(
            out,
            sample,
            lambda a: FE.remap(a, fields, border=r.border, fill=r.fill),
            lambda a: FE.remap(a, fields, nearest=True, border=r.border, fill=(r.fill_mask,)),
        )
        if "bboxes" in sample:
            boxes = FE.elastic_boxes(as_boxes(sample["bboxes"]), fields, params["sigma"])
            finish_boxes(out, sample, boxes, (h, w), r.min_visibility)
        if "keypoints" in sample:
            points = FE.elastic_points(as_points(sample["keypoints"]), fields)
            finish_points(out, sample, points, (h, w), r.drop_outside_keypoints)
        return out
