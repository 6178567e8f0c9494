"""Shared-suite examples of the pixel-level image transforms (colour, noise, filters, erasing)."""

from __future__ import annotations

import numpy as np

from .checks import BAD_IMAGE_SAMPLES, Example, image_example, with_defaults

#: Images no colour conversion can read: two channels (luma, saturation and hue need RGB) and five.
BAD_COLOUR_SAMPLES = (
    *BAD_IMAGE_SAMPLES,
    {"image": np.zeros((4, 4, 2), np.uint8)},
    {"image": np.zeros((4, 4, 5), np.float32)},
)


def examples() -> dict[str, Example]:
    from ..image import (
        ColorJitter,
        GaussianBlur,
        GaussianNoise,
        Grayscale,
        Invert,
        MedianBlur,
        Posterize,
        RandomBrightnessContrast,
        RandomErasing,
        RandomGamma,
        SaltPepperNoise,
        Sharpen,
        Solarize,
    )

    return {
        "image.ColorJitter": image_example(
            with_defaults(ColorJitter, brightness=0.4, contrast=0.4, saturation=0.4, hue=0.2, p=0.8),
            bad_params=(
                {"brightness": -0.1},
                {"contrast": (1.2, 0.8)},
                {"saturation": (-0.5, 1.0)},
                {"hue": 0.6},
                {"hue": (-0.2, 0.7)},
                {"brightness": "x"},
                {"contrast": float("nan")},
            ),
            bad_samples=BAD_COLOUR_SAMPLES,
        ),
        "image.Grayscale": image_example(
            with_defaults(Grayscale, p=0.5), random=False, bad_samples=BAD_COLOUR_SAMPLES
        ),
        "image.RandomBrightnessContrast": image_example(
            with_defaults(RandomBrightnessContrast, brightness=0.3, contrast=0.3),
            bad_params=(
                {"brightness": 2.0},
                {"contrast": (0.5, -0.5)},
                {"contrast": -2.0},
                {"brightness": "x"},
            ),
        ),
        "image.RandomGamma": image_example(
            with_defaults(RandomGamma, gamma=(0.5, 2.0)),
            bad_params=({"gamma": 0}, {"gamma": -1.0}, {"gamma": (2.0, 1.0)}, {"gamma": None}),
        ),
        "image.Solarize": image_example(
            with_defaults(Solarize, threshold=(0.3, 0.9)),
            bad_params=({"threshold": 1.5}, {"threshold": (0.8, 0.2)}, {"threshold": -0.1}),
        ),
        "image.Posterize": image_example(
            with_defaults(Posterize, bits=(2, 7)),
            bad_params=({"bits": 0}, {"bits": 9}, {"bits": 2.5}, {"bits": (6, 3)}, {"bits": "4"}),
        ),
        "image.Invert": image_example(with_defaults(Invert, p=0.5), random=False),
        "image.GaussianNoise": image_example(
            with_defaults(GaussianNoise, p=0.5),
            bad_params=({"std": (0.2, 0.1)}, {"std": 2.0}, {"std": float("nan")}, {"std": "x"}),
        ),
        "image.SaltPepperNoise": image_example(
            with_defaults(SaltPepperNoise, amount=(0.05, 0.2)),
            bad_params=(
                {"amount": 1.5},
                {"amount": (0.5, 0.1)},
                {"amount": -0.1},
                {"salt_vs_pepper": 2.0},
                {"salt_vs_pepper": None},
            ),
        ),
        "image.GaussianBlur": image_example(
            with_defaults(GaussianBlur, sigma=(0.1, 3.0)),
            bad_params=({"sigma": -1.0}, {"sigma": (2.0, 1.0)}, {"sigma": 1000.0}, {"sigma": "wide"}),
        ),
        "image.MedianBlur": image_example(
            with_defaults(MedianBlur, blur_limit=(3, 9)),
            bad_params=({"blur_limit": 4}, {"blur_limit": (3, 6)}, {"blur_limit": 1}, {"blur_limit": (7, 3)}),
        ),
        "image.Sharpen": image_example(
            with_defaults(Sharpen),
            bad_params=({"alpha": 1.5}, {"alpha": (0.5, 0.2)}, {"lightness": -1.0}, {"lightness": "x"}),
        ),
        "image.RandomErasing": image_example(
            with_defaults(RandomErasing, scale=(0.05, 0.4), fill="random"),
            bad_params=(
                {"scale": (0.5, 0.1)},
                {"scale": (0.1, 1.5)},
                {"ratio": (0.0, 1.0)},
                {"fill": "noise"},
                {"fill": -1},
                {"fill": ()},
                {"fill": [1, "a"]},
                {"fill": 300},  # too bright for the uint8 reference image: raised by check() at the call
                {"fill": 0.5},  # a fraction on a uint8 image
                {"fill": (1, 2)},  # two values for three channels
            ),
        ),
    }
