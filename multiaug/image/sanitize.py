"""``SanitizeBoxes``: the last step a detection pipeline needs before a model sees its boxes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.params import Flag, Number, Probability, param
from ..core.transform import Sample
from ._validate import as_boxes
from .base import ImageTransform, current_shape, put_rows

__all__ = ["SanitizeBoxes"]


class SanitizeBoxes(ImageTransform):
    """Clip boxes to the image and drop the degenerate ones with their labels.

    As torchvision's ``SanitizeBoundingBoxes``: a box narrower or lower than
    ``min_size`` pixels, or smaller than ``min_area`` square pixels (after clipping,
    if ``clip``), is removed together with its ``bbox_labels`` entry. The image,
    masks and keypoints are unchanged. Deterministic: it stays in eval mode.

    Parameters
    ----------
    min_size : float, default 1.0
        Smallest width and height kept, in pixels (``> 0``: empty boxes always go).
    min_area : float, default 0.0
        Smallest area kept, in square pixels.
    clip : bool, default True
        Clip the boxes to ``[0, W] x [0, H]`` first.
    @options call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> boxes = np.array([[-4.0, 2.0, 6.0, 8.0], [3.0, 3.0, 3.5, 9.0], [5.0, 1.0, 30.0, 4.0]])
    >>> out = ma.image.SanitizeBoxes()(image=np.zeros((10, 20), np.uint8), bboxes=boxes,
    ...                                bbox_labels=["a", "thin", "c"])
    >>> out["bboxes"].tolist(), out["bbox_labels"]
    ([[0.0, 2.0, 6.0, 8.0], [5.0, 1.0, 20.0, 4.0]], ['a', 'c'])
    """

    is_random = False
    augments = False
    min_size: float = param(Number(0.0, 1e9, low_open=True), default=1.0)
    min_area: float = param(Number(0.0, 1e18), default=0.0)
    clip: bool = param(Flag(), default=True)
    p: float = param(Probability(), default=1.0, kw_only=True)

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        out = dict(sample)
        if "bboxes" not in sample:
            return out
        r = self._r
        boxes = as_boxes(sample["bboxes"]).astype(np.float64, copy=True)
        if r.clip:
            h, w = current_shape(sample)[:2]
            boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0.0, w)
            boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0.0, h)
        width, height = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        keep = (width >= r.min_size) & (height >= r.min_size) & (width * height >= r.min_area)
        put_rows(out, sample, "bboxes", boxes[keep], None if keep.all() else np.flatnonzero(keep))
        return out
