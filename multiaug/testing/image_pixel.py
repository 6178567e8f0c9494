"""Shared-suite examples of the pixel-level image transforms (colour, noise, filters, erasing)."""

from __future__ import annotations

from .checks import Example, image_example, with_defaults


def examples() -> dict[str, Example]:
    from ..image import GaussianNoise

    return {
        "image.GaussianNoise": image_example(
            with_defaults(GaussianNoise, p=0.5),
            bad_params=({"std": (0.2, 0.1)}, {"std": 2.0}, {"std": float("nan")}, {"std": "x"}),
        ),
    }
