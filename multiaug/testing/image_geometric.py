"""Shared-suite examples of the geometric image transforms."""

from __future__ import annotations

import numpy as np

from .checks import BAD_IMAGE_SAMPLES, Example, image_example, image_samples, with_defaults


def examples() -> dict[str, Example]:
    from ..image import HorizontalFlip, RandomCrop, VerticalFlip

    return {
        "image.HorizontalFlip": image_example(with_defaults(HorizontalFlip, p=0.5)),
        "image.VerticalFlip": image_example(with_defaults(VerticalFlip, p=0.5)),
        "image.RandomCrop": image_example(
            with_defaults(RandomCrop, height=8, width=8),
            samples=lambda: image_samples(min_side=8),
            bad_params=({"height": 0}, {"width": 2.5}, {"height": "8"}),
            bad_samples=(*BAD_IMAGE_SAMPLES, {"image": np.zeros((4, 12), np.uint8)}),
        ),
    }
