"""Shared-suite examples of the box steps (``SanitizeBoxes``)."""

from __future__ import annotations

from .checks import Example, image_example, with_defaults


def examples() -> dict[str, Example]:
    from ..image import SanitizeBoxes

    return {
        # p=0.5 so the shared checks see both branches; min_size=4 drops some reference boxes
        "image.SanitizeBoxes": image_example(with_defaults(SanitizeBoxes, min_size=4.0, p=0.5), random=False),
    }
