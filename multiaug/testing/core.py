"""Shared-suite examples of the composers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.functions import register_function
from ..core.transform import Transform
from .checks import Example, image_example


@register_function("multiaug.testing.flip_rows")
def flip_rows(
    image: np.ndarray,
    mask: np.ndarray | None = None,
    masks: Any = None,
    bboxes: Any = None,
    keypoints: Any = None,
) -> dict[str, Any]:
    """The sample upside down (image, and masks, boxes, keypoints when given): ``Lambda``'s example."""
    h = image.shape[0]
    out: dict[str, Any] = {"image": image[::-1].copy()}
    if mask is not None:
        out["mask"] = mask[::-1].copy()
    if masks is not None:
        out["masks"] = [m[::-1].copy() for m in masks] if isinstance(masks, list) else masks[:, ::-1].copy()
    if bboxes is not None:
        b = np.asarray(bboxes, np.float64).reshape(-1, 4)
        out["bboxes"] = np.stack([b[:, 0], h - b[:, 3], b[:, 2], h - b[:, 1]], axis=1)
    if keypoints is not None:
        k = np.asarray(keypoints, np.float64).reshape(-1, 2)
        out["keypoints"] = np.stack([k[:, 0], h - k[:, 1]], axis=1)
    return out


def _flips() -> list[Transform]:
    from ..image import HorizontalFlip, VerticalFlip

    return [HorizontalFlip(p=0.5), VerticalFlip(p=0.5)]


def examples() -> dict[str, Example]:
    from ..core.compose import Compose, OneOf, SomeOf
    from ..core.functions import Lambda

    def make(cls: type[Transform], **fixed: Any) -> Any:
        return lambda **kw: cls(**{"transforms": _flips(), **fixed, **kw})

    return {
        "Compose": image_example(
            make(Compose),
            bad_params=({"transforms": "flip"}, {"transforms": [lambda x: x]}, {"fuse": "yes"}),
        ),
        "OneOf": image_example(
            make(OneOf),
            bad_params=({"transforms": []}, {"weights": [1.0]}, {"weights": [-1.0, 1.0]}),
        ),
        "Lambda": image_example(
            lambda **kw: Lambda("multiaug.testing.flip_rows", **kw),
            random=False,
            bad_params=({"function": lambda image: image},),
        ),
        "SomeOf": image_example(
            make(SomeOf, n=(0, 2)),
            bad_params=({"n": 3}, {"n": (2, 1)}, {"n": 1.5}),
        ),
    }
