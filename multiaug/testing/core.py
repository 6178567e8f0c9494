"""Shared-suite examples of the composers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.functions import register_function
from ..core.transform import Transform
from .checks import BAD_IMAGE_SAMPLES, Example, image_example


@register_function("multiaug.testing.flip_rows")
def flip_rows(image: np.ndarray, mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The image (and the mask, when given) upside down: the registered function of ``Lambda``'s example."""
    out = {"image": image[::-1].copy()}
    if mask is not None:
        out["mask"] = mask[::-1].copy()
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
            # the fields its function takes; boxes and keypoints it does not read pass through
            bad_samples=tuple(b for b in BAD_IMAGE_SAMPLES if set(b) <= {"image", "mask"}),
        ),
        "SomeOf": image_example(
            make(SomeOf, n=(0, 2)),
            bad_params=({"n": 3}, {"n": (2, 1)}, {"n": 1.5}),
        ),
    }
