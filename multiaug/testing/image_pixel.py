"""Shared-suite examples of the pixel-level image transforms (colour, noise, filters, erasing)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .checks import BAD_IMAGE_SAMPLES, Example, Sample, image_example, image_samples, with_defaults

#: Images no colour conversion can read: two channels (luma, saturation and hue need RGB) and five.
BAD_COLOUR_SAMPLES = (
    *BAD_IMAGE_SAMPLES,
    {"image": np.zeros((4, 4, 2), np.uint8)},
    {"image": np.zeros((4, 4, 5), np.float32)},
)

#: Images RGB-only ops refuse: the bad images, plus grey ones (one channel) and two channels.
BAD_RGB_SAMPLES = (
    *BAD_COLOUR_SAMPLES,
    {"image": np.zeros((4, 4), np.uint8)},
    {"image": np.zeros((4, 4, 1), np.float32)},
)


def rgb_samples() -> st.SearchStrategy[Sample]:
    """The shared image samples restricted to RGB and RGBA (the colour ops' inputs)."""
    return image_samples(channels_from=(3, 4))


def examples() -> dict[str, Example]:
    from ..image import (
        ColorJitter,
        FromFloat,
        GaussianBlur,
        GaussianNoise,
        Grayscale,
        Invert,
        MedianBlur,
        Normalize,
        Posterize,
        RandomBrightnessContrast,
        RandomErasing,
        RandomGamma,
        SaltPepperNoise,
        Sharpen,
        Solarize,
        ToFloat,
        ToTensor,
    )

    return {
        **new_examples(),
        **weather_examples(),
        "image.ColorJitter": image_example(
            with_defaults(ColorJitter, brightness=0.4, contrast=0.4, saturation=0.4, hue=0.2, p=0.8),
            bad_samples=BAD_COLOUR_SAMPLES,
        ),
        "image.Grayscale": image_example(
            with_defaults(Grayscale, p=0.5), random=False, bad_samples=BAD_COLOUR_SAMPLES
        ),
        "image.RandomBrightnessContrast": image_example(
            with_defaults(RandomBrightnessContrast, brightness=0.3, contrast=0.3)
        ),
        "image.RandomGamma": image_example(with_defaults(RandomGamma, gamma=(0.5, 2.0))),
        "image.Solarize": image_example(with_defaults(Solarize, threshold=(0.3, 0.9))),
        "image.Posterize": image_example(with_defaults(Posterize, bits=(2, 7))),
        "image.Invert": image_example(with_defaults(Invert, p=0.5), random=False),
        "image.GaussianNoise": image_example(with_defaults(GaussianNoise, p=0.5)),
        "image.SaltPepperNoise": image_example(with_defaults(SaltPepperNoise, amount=(0.05, 0.2))),
        "image.GaussianBlur": image_example(with_defaults(GaussianBlur, sigma=(0.1, 3.0))),
        "image.MedianBlur": image_example(with_defaults(MedianBlur, blur_limit=(3, 9))),
        "image.Sharpen": image_example(with_defaults(Sharpen)),
        "image.Normalize": image_example(
            with_defaults(Normalize, mean=0.5, std=0.25),
            random=False,
            bad_params=({"mean": (0.4, 0.5)}, {"std": (0.1, 0.2, 0.3, 0.4)}),  # wrong channel counts
        ),
        "image.ToFloat": image_example(with_defaults(ToFloat, max_value=200), random=False),
        "image.FromFloat": image_example(with_defaults(FromFloat, max_value=100), random=False),
        # ToTensor moves float values without reading them (a normalised image passes): the
        # value-range samples (NaN, 2.0) are not bad for it; every shape and type one still is.
        "image.ToTensor": image_example(
            with_defaults(ToTensor),
            random=False,
            bad_samples=tuple(b for b in BAD_IMAGE_SAMPLES if not _float_values_only(b)),
        ),
        "image.RandomErasing": image_example(
            with_defaults(RandomErasing, scale=(0.05, 0.4), fill="random"),
            bad_params=(  # wrong for the data only (raised at the call): the spec's own are generated
                {"fill": 0.5},  # a fraction on a uint8 image
                {"fill": (1, 2)},  # two values for three channels
            ),
        ),
    }


def new_examples() -> dict[str, Example]:
    """Issue 17's pixel ops."""
    from ..image import (
        CLAHE,
        ChannelShuffle,
        CoarseDropout,
        Defocus,
        Downscale,
        Equalize,
        GridDropout,
        HueSaturationValue,
        ImageCompression,
        ISONoise,
        MotionBlur,
        RGBShift,
        ZoomBlur,
    )

    return {
        "image.ImageCompression": image_example(with_defaults(ImageCompression, quality=(20, 90))),
        "image.Downscale": image_example(with_defaults(Downscale, scale=(0.2, 0.9))),
        "image.CLAHE": image_example(
            with_defaults(CLAHE, clip_limit=(1, 6), tile_grid_size=(4, 4)), bad_samples=BAD_COLOUR_SAMPLES
        ),
        "image.Equalize": image_example(with_defaults(Equalize, p=0.5), random=False),
        "image.HueSaturationValue": image_example(
            with_defaults(HueSaturationValue), samples=rgb_samples, bad_samples=BAD_RGB_SAMPLES
        ),
        "image.RGBShift": image_example(
            with_defaults(RGBShift), samples=rgb_samples, bad_samples=BAD_RGB_SAMPLES
        ),
        "image.ChannelShuffle": image_example(with_defaults(ChannelShuffle)),
        "image.CoarseDropout": image_example(
            with_defaults(CoarseDropout, num_holes=(1, 4), fill="random", fill_mask=0),
            bad_params=({"fill": 0.5}, {"fill": (1, 2)}),  # wrong for the data only (raised at the call)
        ),
        "image.GridDropout": image_example(
            with_defaults(GridDropout, ratio=0.4, unit_size=(2, 8), fill_mask=0),
            bad_params=({"fill": 0.5}, {"fill": (1, 2)}),
        ),
        "image.MotionBlur": image_example(with_defaults(MotionBlur, blur_limit=(3, 9))),
        "image.Defocus": image_example(with_defaults(Defocus, radius=(1, 6))),
        "image.ZoomBlur": image_example(
            with_defaults(ZoomBlur, max_factor=(1.0, 1.3), step_factor=(0.02, 0.1))
        ),
        "image.ISONoise": image_example(
            with_defaults(ISONoise, intensity=(0.1, 1.0)), samples=rgb_samples, bad_samples=BAD_RGB_SAMPLES
        ),
    }


def weather_examples() -> dict[str, Example]:
    """Issue 17's lighting, weather and tone ops (pixel-only: targets pass through)."""
    from ..image import (
        Emboss,
        PlanckianJitter,
        RandomFog,
        RandomRain,
        RandomShadow,
        RandomSnow,
        RandomSunFlare,
        RandomToneCurve,
    )

    return {
        "image.Emboss": image_example(with_defaults(Emboss)),
        "image.RandomToneCurve": image_example(with_defaults(RandomToneCurve, scale=0.2, per_channel=True)),
        "image.RandomShadow": image_example(
            with_defaults(RandomShadow, num_shadows=(1, 3), shadow_intensity=(0.2, 0.8))
        ),
        "image.PlanckianJitter": image_example(
            with_defaults(PlanckianJitter),
            samples=rgb_samples,
            bad_samples=BAD_RGB_SAMPLES,
            bad_params=({"mode": "cied", "temperature": (3000, 9000)},),  # below CIE daylight's 4000 K
        ),
        "image.RandomSunFlare": image_example(
            with_defaults(RandomSunFlare, src_radius=30), samples=rgb_samples, bad_samples=BAD_RGB_SAMPLES
        ),
        "image.RandomFog": image_example(with_defaults(RandomFog, fog_coef=(0.3, 1.0))),
        "image.RandomRain": image_example(
            with_defaults(RandomRain, rain_type="heavy"), samples=rgb_samples, bad_samples=BAD_RGB_SAMPLES
        ),
        "image.RandomSnow": image_example(
            with_defaults(RandomSnow, snow_point=(0.1, 0.5)), samples=rgb_samples, bad_samples=BAD_RGB_SAMPLES
        ),
    }


def _float_values_only(sample: dict[str, object]) -> bool:
    """A bad sample whose only fault is its float image's values (NaN, outside [0, 1])."""
    image = sample.get("image")
    return len(sample) == 1 and isinstance(image, np.ndarray) and image.dtype == np.float32
