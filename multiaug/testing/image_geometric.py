"""Shared-suite examples of the geometric image transforms.

Bad parameters come from the specs (``generated_bad_params``); the lists here hold
only values that the specs accept and that are wrong for the reference sample.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import BAD_IMAGE_SAMPLES, Example, image_example, image_samples, with_defaults

__all__ = ["examples"]

#: Inputs the resampling ops must reject before OpenCV does (its warps take < 32767 px a side).
_TOO_WIDE = {"image": np.zeros((1, 40_000), np.uint8)}
#: Border options wrong for the reference sample (uint8 RGB image, uint8 mask).
_BAD_BORDER_OPTIONS = (
    {"fill": (0, 0)},  # two values for the reference sample's three channels
    {"fill_mask": 300},  # does not fit the reference sample's uint8 mask
)


#: Too small for the reference crops (6 x 7, 8 x 8).
_SMALL = (*BAD_IMAGE_SAMPLES, {"image": np.zeros((4, 12), np.uint8)})


def _resampling(factory: Any, **kw: Any) -> Example:
    """An op that interpolates: rejects images too wide for OpenCV's warps and fills that do not fit."""
    return image_example(
        factory, bad_params=_BAD_BORDER_OPTIONS, bad_samples=(*BAD_IMAGE_SAMPLES, _TOO_WIDE), **kw
    )


def examples() -> dict[str, Example]:
    from ..image import (
        Affine,
        BBoxSafeRandomCrop,
        CenterCrop,
        CropNonEmptyMaskIfExists,
        ElasticTransform,
        GridDistortion,
        HorizontalFlip,
        LongestMaxSize,
        OpticalDistortion,
        PadIfNeeded,
        Perspective,
        RandomCrop,
        RandomGridShuffle,
        RandomResizedCrop,
        RandomRotate90,
        Resize,
        Rotate,
        SafeRotate,
        ShiftScaleRotate,
        SmallestMaxSize,
        Transpose,
        VerticalFlip,
    )

    return {
        "image.HorizontalFlip": image_example(with_defaults(HorizontalFlip, p=0.5)),
        "image.VerticalFlip": image_example(with_defaults(VerticalFlip, p=0.5)),
        "image.RandomCrop": image_example(
            with_defaults(RandomCrop, height=8, width=8),
            samples=lambda: image_samples(min_side=8),
            bad_samples=_SMALL,
        ),
        "image.CenterCrop": image_example(
            with_defaults(CenterCrop, height=6, width=7),
            random=False,
            samples=lambda: image_samples(min_side=7),
            bad_samples=_SMALL,
        ),
        "image.Resize": image_example(
            with_defaults(Resize, height=12, width=17),
            random=False,
            bad_samples=(*BAD_IMAGE_SAMPLES, _TOO_WIDE),
        ),
        "image.LongestMaxSize": image_example(
            with_defaults(LongestMaxSize, max_size=24),
            random=False,
            bad_samples=(*BAD_IMAGE_SAMPLES, _TOO_WIDE),
        ),
        "image.SmallestMaxSize": image_example(
            with_defaults(SmallestMaxSize, max_size=9, interpolation="area"),
            random=False,
            bad_samples=(*BAD_IMAGE_SAMPLES, _TOO_WIDE),
        ),
        "image.PadIfNeeded": image_example(
            with_defaults(PadIfNeeded, min_height=24, min_width=30, position="top_right"),
            random=False,
            bad_params=_BAD_BORDER_OPTIONS,
            bad_samples=(*BAD_IMAGE_SAMPLES, _TOO_WIDE),
        ),
        "image.RandomResizedCrop": image_example(
            with_defaults(RandomResizedCrop, size=(16, 20)),
            bad_samples=(*BAD_IMAGE_SAMPLES, _TOO_WIDE),
        ),
        "image.Rotate": _resampling(with_defaults(Rotate, limit=30, p=0.5)),
        "image.Affine": _resampling(
            with_defaults(Affine, scale=(0.8, 1.2), translate=0.1, rotate=15, shear=10, p=0.5)
        ),
        "image.Perspective": image_example(
            with_defaults(Perspective, scale=(0.05, 0.1), p=0.5),
            bad_samples=(*BAD_IMAGE_SAMPLES, _TOO_WIDE),
        ),
        "image.ElasticTransform": _resampling(
            with_defaults(ElasticTransform, alpha=20, sigma=3, p=0.5), max_examples=15
        ),
        "image.RandomRotate90": image_example(with_defaults(RandomRotate90, p=0.5)),
        "image.Transpose": image_example(with_defaults(Transpose, p=0.5)),
        "image.GridDistortion": _resampling(
            with_defaults(GridDistortion, num_steps=4, distort_limit=0.3, p=0.5)
        ),
        "image.OpticalDistortion": _resampling(with_defaults(OpticalDistortion, distort_limit=0.2, p=0.5)),
        "image.BBoxSafeRandomCrop": image_example(with_defaults(BBoxSafeRandomCrop, erosion_rate=0.2)),
        "image.CropNonEmptyMaskIfExists": image_example(
            with_defaults(CropNonEmptyMaskIfExists, height=6, width=7, ignore_values=[3]),
            samples=lambda: image_samples(min_side=7),
            bad_samples=_SMALL,
        ),
        "image.RandomGridShuffle": image_example(with_defaults(RandomGridShuffle, grid=(2, 3), p=0.5)),
        "image.SafeRotate": _resampling(with_defaults(SafeRotate, limit=45, p=0.5)),
        "image.ShiftScaleRotate": _resampling(with_defaults(ShiftScaleRotate, p=0.5)),
        **policy_examples(),
    }


def policy_examples() -> dict[str, Example]:
    """The automatic augmentation policies: grey, RGB and RGBA only (their colour sub-ops)."""
    from ..image import AutoAugment, RandAugment, TrivialAugmentWide
    from .image_pixel import BAD_COLOUR_SAMPLES

    def policy(factory: Any) -> Example:
        return image_example(
            factory, bad_params=_BAD_BORDER_OPTIONS, bad_samples=(*BAD_COLOUR_SAMPLES, _TOO_WIDE)
        )

    return {
        "image.RandAugment": policy(with_defaults(RandAugment, n=2, magnitude=9, p=0.5)),
        "image.TrivialAugmentWide": policy(with_defaults(TrivialAugmentWide, p=0.5)),
        "image.AutoAugment": policy(with_defaults(AutoAugment, policy="imagenet", p=0.5)),
    }
