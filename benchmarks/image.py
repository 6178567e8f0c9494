"""Image ops: multiaug vs Albumentations 2.0.8 or AlbumentationsX 2.5.1, same process, same real photos.

Run with ``make bench`` (or ``make bench-image``): the script runs once in ``.venv`` against
Albumentations 2.0.8 and once in ``.venv-bench-ax`` against AlbumentationsX 2.5.1 (its maintained
successor; it imports as ``albumentations`` too, so it needs its own venv). By hand:
``cd benchmarks && ../.venv/bin/python image.py [--quick]`` and
``cd benchmarks && ../.venv-bench-ax/bin/python image.py [--quick]``. The competitor is
whichever ``albumentations`` the interpreter imports; its distribution name and version head
the table.

Inputs are scikit-learn's sample photos ``china.jpg`` and ``flower.jpg`` (427x640x3
uint8; read with OpenCV, as ``load_sample_images`` would need Pillow), used in
alternation. ``cv2.setNumThreads(1)`` is called below, before any timing, so both
libraries run OpenCV on one thread (multiaug itself never changes thread settings).

Each op runs with ``p=1.0`` so both libraries do the work on every call. multiaug
is called the way users call it in a dataset: keyed, ``key`` = iteration index.
Competitor transforms are called directly (seeded with ``set_random_seed(0)``).
The table prints images per second (median of repeats, :func:`_util.compare_us`)
and the ratio competitor time / multiaug time (> 1: multiaug faster).

Matched parameters (multiaug -> albumentations 2.0.8; OpenCV defaults on both sides:
bilinear interpolation, constant zero border). AlbumentationsX 2.5.1 renamed several
arguments (``limit`` -> ``angle_range``, ``brightness`` -> ``brightness_range``, ``amount`` ->
``amount_range``, ``sigma_limit``/``blur_limit`` -> ``sigma_range``/``blur_range``,
``alpha``/``lightness`` -> ``alpha_range``/``lightness_range``): ``AX_OPS`` below gives the same
settings under the new names, and an argument either library does not know is an error here,
never a silent default.

====================  ==============================================  ====================================
op                    multiaug                                        albumentations
====================  ==============================================  ====================================
HorizontalFlip        ``HorizontalFlip()``                            ``HorizontalFlip()``
VerticalFlip          ``VerticalFlip()``                              ``VerticalFlip()``
Rotate                ``Rotate(limit=30)``                            ``Rotate(limit=30, border_mode=0)``
Affine                scale (0.9, 1.1), translate +-0.1, rotate       same, ``translate_percent``,
                      +-15, shear +-10                                ``border_mode=0``
RandomCrop            ``RandomCrop(224, 224)``                        ``RandomCrop(224, 224)``
RandomResizedCrop     ``size=(224, 224)``, scale (0.08, 1),           same
                      ratio (3/4, 4/3)
Perspective           ``scale=(0.05, 0.1)``                           same, ``keep_size=True``
ElasticTransform      ``alpha=50, sigma=5``                           same (2.0.8 only: AlbumentationsX
                                                                      replaced it by a control-grid
                                                                      displacement; no matching setting)
RandomRotate90        ``RandomRotate90()``                            ``RandomRotate90()``
Transpose             ``Transpose()``                                 ``Transpose()``
SafeRotate            ``SafeRotate(limit=90)``                        same, ``border_mode=0``
ShiftScaleRotate      defaults (0.0625, 0.1, 45)                      same, ``border_mode=0``
GridDistortion        ``num_steps=5, distort_limit=0.3``              same, ``border_mode=0``
OpticalDistortion     ``distort_limit=0.05`` (camera model)           same, ``border_mode=0``
RandomGridShuffle     ``grid=(3, 3)``                                 same
ColorJitter           0.4, 0.4, 0.4, 0.1                              same
Grayscale             ``Grayscale()`` (keeps channels)                ``ToGray(num_output_channels=3)``
GaussianNoise         ``std=(0.01, 0.05)``                            ``GaussNoise(std_range=(0.01, 0.05))``
SaltPepperNoise       ``amount=(0.01, 0.05)``                         ``SaltAndPepper(amount=(0.01, 0.05))``
GaussianBlur          ``sigma=(0.1, 2.0)``                            ``GaussianBlur(sigma_limit=(0.1, 2),
                                                                      blur_limit=0)`` (kernel from sigma)
Sharpen               ``alpha=(0.2, 0.5)``                            ``Sharpen(alpha=(0.2, 0.5),
                                                                      lightness=(1, 1))``
RandomErasing         scale (0.02, 0.33), ratio (0.3, 3.3), fill 0    ``Erasing`` with the same
Resize                ``Resize(224, 224)``                            ``Resize(224, 224)``
SmallestMaxSize       ``SmallestMaxSize(256)``                        ``SmallestMaxSize(256)``
CenterCrop            ``CenterCrop(224, 224)``                        ``CenterCrop(224, 224)``
LongestMaxSize        ``LongestMaxSize(256)`` then                    ``LongestMaxSize(256)`` then
+ PadIfNeeded         ``PadIfNeeded(256, 256)`` (centre, fill 0)      ``PadIfNeeded(256, 256)``
Normalize             ImageNet mean/std, uint8 in, float32 out        ``Normalize`` (same mean/std, /255)
ToTensor              ``ToTensor()`` on the float32 photo in [0, 1]   ``ToTensorV2()`` on the same
                      (the image contract): float32 CHW tensor        array
ImageCompression      ``quality=(50, 95)`` (JPEG)                     ``quality_range=(50, 95)``
Downscale             ``scale=(0.25, 0.5)``, area down, linear up     ``scale_range``, ``interpolation_pair``
CLAHE                 ``clip_limit=(1, 4)``, 8x8 tiles                same
Equalize              ``Equalize()`` (each channel)                   ``mode="cv", by_channels=True``
HueSaturationValue    20, 30, 20                                      same
RGBShift              20, 20, 20                                      same
ChannelShuffle        ``ChannelShuffle()``                            same
CoarseDropout         1-8 holes, sides 0.1-0.2 of the image, fill 0   ``num_holes_range`` ... same
GridDropout           ``ratio=0.5, unit_size=(40, 60)``               ``unit_size_range=(40, 60)``
MotionBlur            ``blur_limit=(3, 7)``                           same, ``allow_shifted=False``
MedianBlur            ``blur_limit=(3, 7)``                           same
Defocus               ``radius=(3, 10), alias_blur=(0.1, 0.5)``       same
ZoomBlur              ``max_factor=(1, 1.31), step_factor=(0.01,      same
                      0.03)``
ISONoise              ``color_shift=(0.01, 0.05), intensity=(0.1,     same
                      0.5)``
RandomShadow          roi lower half, 1-2 shadows of 5 vertices,      ``num_shadows_limit``,
                      intensity 0.5                                   ``shadow_intensity_range`` (X:
                                                                      ``num_shadows_range``)
PlanckianJitter       blackbody, 3000-15000 K, uniform                ``temperature_limit`` (X:
                                                                      ``temperature_range``)
RandomSunFlare        defaults: roi upper half, radius 400, white,    same, ``method="overlay"``
                      6-10 circles
RandomFog             ``fog_coef=(0.3, 1), alpha_coef=0.08``          ``fog_coef_range``
RandomRain            defaults: slant +-10 (degrees here, pixels      same
                      there), length H // 8, blur 7, brightness 0.7
RandomSnow            ``snow_point=(0.1, 0.3), brightness_coeff=2.5`` ``snow_point_range``, ``"bleach"``
RandomToneCurve       ``scale=0.1`` (one curve)                       same
Emboss                ``alpha=(0.2, 0.5), strength=(0.2, 0.7)``       same (X: ``alpha_range``,
                                                                      ``strength_range``)
====================  ==============================================  ====================================

The training pipeline (typical ImageNet-style recipe; p per step, same on both sides):
RandomResizedCrop 224x224 (p=1) -> HorizontalFlip (p=0.5) -> Affine as above (p=0.5)
-> ColorJitter 0.4/0.4/0.4/0.1 (p=0.8) -> GaussianNoise std (0.01, 0.05) (p=0.5)
-> RandomErasing as above (p=0.25). multiaug: ``Compose(..., seed=0)`` keyed;
albumentations: ``Compose(..., seed=0)``.

The complete train pipeline (issue 15: a photo in, a model-ready tensor out): LongestMaxSize 256
-> PadIfNeeded 256x256 -> RandomResizedCrop 224x224 (p=1) -> HorizontalFlip (p=0.5) -> ColorJitter
as above (p=0.8) -> Normalize (ImageNet) -> ToTensor; ``ToTensorV2`` on the competitor's side.

Batch mixing (MixUp alpha=0.2, CutMix alpha=1.0) runs on a batch of 32 224x224x3
uint8 crops with 10 classes. albumentations has no MixUp/CutMix, so the
comparison is a plain NumPy implementation of each (vectorised, as commonly written;
labelled ``numpy``).

Some competitor outputs are views of the input (AlbumentationsX's flips: negative strides;
both competitors' ``RandomRotate90``: ``np.rot90`` views); multiaug returns arrays of its own
(C-contiguous) except where no pixel moves (an identity draw, ``ToTensor``'s CHW view of a float32
array, as ``ToTensorV2`` in 2.0.8). Where, over 8 calls, the competitor's output is a view more
often than multiaug's, a second row times the competitor followed by a copy into C order (what
the first consumer that needs contiguous memory, e.g. ``torch.from_numpy`` or a collate, pays later).

An op that ``multiaug.image`` does not have (yet), or cannot build with the arguments above,
still gets its row: the multiaug column says "not available yet" and a note under the table
says why, so the script runs at any stage and covers every op once it lands.
"""

from __future__ import annotations

import os

os.environ["NO_ALBUMENTATIONS_UPDATE"] = "1"  # no network check from albumentations at import
os.environ["ALBUMENTATIONS_NO_TELEMETRY"] = "1"  # AlbumentationsX: no usage statistics from Compose
os.environ["ALBUMENTATIONS_OFFLINE"] = "1"

import argparse
import functools
import itertools
import warnings
from collections.abc import Callable
from importlib import metadata
from typing import Any

import cv2
import numpy as np
from _util import compare_us, machine, per_call_us

import multiaug as ma
from multiaug.demo import load_sample_photo

cv2.setNumThreads(1)

Factory = Callable[[Any, float], Any]  # (module, p) -> transform

AFFINE = {"scale": (0.9, 1.1), "rotate": (-15, 15), "shear": (-10, 10)}
JITTER = {"brightness": 0.4, "contrast": 0.4, "saturation": 0.4, "hue": 0.1}
ERASE = {"scale": (0.02, 0.33), "ratio": (0.3, 3.3), "fill": 0}
RRC = {"size": (224, 224), "scale": (0.08, 1.0), "ratio": (3 / 4, 4 / 3)}
IMAGENET = {"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225)}

# multiaug op name -> (multiaug factory(ma.image, p), albumentations 2.0.8 factory(A, p)).
# The deterministic steps (Resize ... ToTensor) always apply; their p is 1.0 wherever they are used.
OPS: dict[str, tuple[Factory, Factory]] = {
    "HorizontalFlip": (lambda m, p: m.HorizontalFlip(p=p), lambda A, p: A.HorizontalFlip(p=p)),
    "VerticalFlip": (lambda m, p: m.VerticalFlip(p=p), lambda A, p: A.VerticalFlip(p=p)),
    "Rotate": (
        lambda m, p: m.Rotate(limit=30, fill=0, border="constant", p=p),
        lambda A, p: A.Rotate(limit=30, border_mode=cv2.BORDER_CONSTANT, fill=0, p=p),
    ),
    "Affine": (
        lambda m, p: m.Affine(translate=(-0.1, 0.1), **AFFINE, p=p),
        lambda A, p: A.Affine(translate_percent=(-0.1, 0.1), **AFFINE, border_mode=cv2.BORDER_CONSTANT, p=p),
    ),
    "RandomCrop": (lambda m, p: m.RandomCrop(224, 224, p=p), lambda A, p: A.RandomCrop(224, 224, p=p)),
    "RandomResizedCrop": (
        lambda m, p: m.RandomResizedCrop(**RRC, p=p),
        lambda A, p: A.RandomResizedCrop(**RRC, p=p),
    ),
    "Perspective": (
        lambda m, p: m.Perspective(scale=(0.05, 0.1), p=p),
        lambda A, p: A.Perspective(scale=(0.05, 0.1), keep_size=True, p=p),
    ),
    "ElasticTransform": (
        lambda m, p: m.ElasticTransform(alpha=50, sigma=5, p=p),
        lambda A, p: A.ElasticTransform(alpha=50, sigma=5, p=p),
    ),
    "ColorJitter": (lambda m, p: m.ColorJitter(**JITTER, p=p), lambda A, p: A.ColorJitter(**JITTER, p=p)),
    "Grayscale": (lambda m, p: m.Grayscale(p=p), lambda A, p: A.ToGray(num_output_channels=3, p=p)),
    "GaussianNoise": (
        lambda m, p: m.GaussianNoise(std=(0.01, 0.05), p=p),
        lambda A, p: A.GaussNoise(std_range=(0.01, 0.05), p=p),
    ),
    "SaltPepperNoise": (
        lambda m, p: m.SaltPepperNoise(amount=(0.01, 0.05), p=p),
        lambda A, p: A.SaltAndPepper(amount=(0.01, 0.05), p=p),
    ),
    "GaussianBlur": (
        lambda m, p: m.GaussianBlur(sigma=(0.1, 2.0), p=p),
        lambda A, p: A.GaussianBlur(sigma_limit=(0.1, 2.0), blur_limit=0, p=p),
    ),
    "Sharpen": (
        lambda m, p: m.Sharpen(alpha=(0.2, 0.5), p=p),
        lambda A, p: A.Sharpen(alpha=(0.2, 0.5), lightness=(1.0, 1.0), p=p),
    ),
    "RandomErasing": (lambda m, p: m.RandomErasing(**ERASE, p=p), lambda A, p: A.Erasing(**ERASE, p=p)),
    # issue 17's pixel ops
    "ImageCompression": (
        lambda m, p: m.ImageCompression(quality=(50, 95), p=p),
        lambda A, p: A.ImageCompression(quality_range=(50, 95), compression_type="jpeg", p=p),
    ),
    "Downscale": (
        lambda m, p: m.Downscale(
            scale=(0.25, 0.5), interpolation_down="area", interpolation_up="linear", p=p
        ),
        lambda A, p: A.Downscale(
            scale_range=(0.25, 0.5),
            interpolation_pair={"downscale": cv2.INTER_AREA, "upscale": cv2.INTER_LINEAR},
            p=p,
        ),
    ),
    "CLAHE": (
        lambda m, p: m.CLAHE(clip_limit=(1, 4), tile_grid_size=(8, 8), p=p),
        lambda A, p: A.CLAHE(clip_limit=(1, 4), tile_grid_size=(8, 8), p=p),
    ),
    "Equalize": (lambda m, p: m.Equalize(p=p), lambda A, p: A.Equalize(mode="cv", by_channels=True, p=p)),
    "HueSaturationValue": (
        lambda m, p: m.HueSaturationValue(20, 30, 20, p=p),
        lambda A, p: A.HueSaturationValue(hue_shift_limit=20, sat_shift_limit=30, val_shift_limit=20, p=p),
    ),
    "RGBShift": (
        lambda m, p: m.RGBShift(20, 20, 20, p=p),
        lambda A, p: A.RGBShift(r_shift_limit=20, g_shift_limit=20, b_shift_limit=20, p=p),
    ),
    "ChannelShuffle": (lambda m, p: m.ChannelShuffle(p=p), lambda A, p: A.ChannelShuffle(p=p)),
    "CoarseDropout": (
        lambda m, p: m.CoarseDropout(num_holes=(1, 8), hole_height=(0.1, 0.2), hole_width=(0.1, 0.2), p=p),
        lambda A, p: A.CoarseDropout(
            num_holes_range=(1, 8), hole_height_range=(0.1, 0.2), hole_width_range=(0.1, 0.2), fill=0, p=p
        ),
    ),
    "GridDropout": (
        lambda m, p: m.GridDropout(ratio=0.5, unit_size=(40, 60), p=p),
        lambda A, p: A.GridDropout(ratio=0.5, unit_size_range=(40, 60), random_offset=True, p=p),
    ),
    "MotionBlur": (
        lambda m, p: m.MotionBlur(blur_limit=(3, 7), p=p),
        lambda A, p: A.MotionBlur(blur_limit=(3, 7), allow_shifted=False, p=p),
    ),
    "MedianBlur": (
        lambda m, p: m.MedianBlur(blur_limit=(3, 7), p=p),
        lambda A, p: A.MedianBlur(blur_limit=(3, 7), p=p),
    ),
    "Defocus": (
        lambda m, p: m.Defocus(radius=(3, 10), alias_blur=(0.1, 0.5), p=p),
        lambda A, p: A.Defocus(radius=(3, 10), alias_blur=(0.1, 0.5), p=p),
    ),
    "ZoomBlur": (
        lambda m, p: m.ZoomBlur(max_factor=(1.0, 1.31), step_factor=(0.01, 0.03), p=p),
        lambda A, p: A.ZoomBlur(max_factor=(1.0, 1.31), step_factor=(0.01, 0.03), p=p),
    ),
    "ISONoise": (
        lambda m, p: m.ISONoise(color_shift=(0.01, 0.05), intensity=(0.1, 0.5), p=p),
        lambda A, p: A.ISONoise(color_shift=(0.01, 0.05), intensity=(0.1, 0.5), p=p),
    ),
    "Resize": (lambda m, p: m.Resize(224, 224), lambda A, p: A.Resize(224, 224, p=p)),
    "SmallestMaxSize": (
        lambda m, p: m.SmallestMaxSize(256),
        lambda A, p: A.SmallestMaxSize(max_size=256, p=p),
    ),
    "LongestMaxSize": (lambda m, p: m.LongestMaxSize(256), lambda A, p: A.LongestMaxSize(max_size=256, p=p)),
    "PadIfNeeded": (
        lambda m, p: m.PadIfNeeded(256, 256, position="center", fill=0, border="constant"),
        lambda A, p: A.PadIfNeeded(256, 256, position="center", border_mode=cv2.BORDER_CONSTANT, fill=0, p=p),
    ),
    "CenterCrop": (lambda m, p: m.CenterCrop(224, 224), lambda A, p: A.CenterCrop(224, 224, p=p)),
    "Normalize": (
        lambda m, p: m.Normalize(**IMAGENET),
        lambda A, p: A.Normalize(**IMAGENET, max_pixel_value=255.0, p=p),
    ),
    "ToTensor": (lambda m, p: m.ToTensor(), lambda A, p: A.ToTensorV2(p=p)),
}

# Issue 17's geometric ops (constant zero border on both sides; the remaps' masks and targets are not timed).
OPS.update(
    {
        "RandomRotate90": (lambda m, p: m.RandomRotate90(p=p), lambda A, p: A.RandomRotate90(p=p)),
        "Transpose": (lambda m, p: m.Transpose(p=p), lambda A, p: A.Transpose(p=p)),
        "SafeRotate": (
            lambda m, p: m.SafeRotate(limit=90, border="constant", p=p),
            lambda A, p: A.SafeRotate(limit=90, border_mode=cv2.BORDER_CONSTANT, fill=0, p=p),
        ),
        "ShiftScaleRotate": (
            lambda m, p: m.ShiftScaleRotate(border="constant", p=p),
            lambda A, p: A.ShiftScaleRotate(border_mode=cv2.BORDER_CONSTANT, fill=0, p=p),
        ),
        "GridDistortion": (
            lambda m, p: m.GridDistortion(num_steps=5, distort_limit=0.3, border="constant", p=p),
            lambda A, p: A.GridDistortion(
                num_steps=5, distort_limit=0.3, border_mode=cv2.BORDER_CONSTANT, p=p
            ),
        ),
        "RandomGridShuffle": (
            lambda m, p: m.RandomGridShuffle(grid=(3, 3), p=p),
            lambda A, p: A.RandomGridShuffle(grid=(3, 3), p=p),
        ),
        "OpticalDistortion": (
            lambda m, p: m.OpticalDistortion(distort_limit=0.05, border="constant", p=p),
            lambda A, p: A.OpticalDistortion(distort_limit=0.05, border_mode=cv2.BORDER_CONSTANT, p=p),
        ),
    }
)

# Issue 17's lighting, weather and tone ops (pixel-only), at Albumentations' defaults spelt out on both sides.
SHADOW = {"shadow_roi": (0, 0.5, 1, 1), "shadow_dimension": 5}
FLARE = {"flare_roi": (0, 0, 1, 0.5), "src_radius": 400, "src_color": (255, 255, 255)}
RAIN = {"drop_width": 1, "drop_color": (200, 200, 200), "blur_value": 7, "brightness_coefficient": 0.7}
OPS.update(
    {
        "RandomShadow": (
            lambda m, p: m.RandomShadow(**SHADOW, num_shadows=(1, 2), shadow_intensity=(0.5, 0.5), p=p),
            lambda A, p: A.RandomShadow(
                **SHADOW, num_shadows_limit=(1, 2), shadow_intensity_range=(0.5, 0.5), p=p
            ),
        ),
        "PlanckianJitter": (
            lambda m, p: m.PlanckianJitter(mode="blackbody", temperature=(3000, 15000), p=p),
            lambda A, p: A.PlanckianJitter(mode="blackbody", temperature_limit=(3000, 15000), p=p),
        ),
        "RandomSunFlare": (
            lambda m, p: m.RandomSunFlare(**FLARE, angle=(0, 1), num_flare_circles=(6, 10), p=p),
            lambda A, p: A.RandomSunFlare(
                **FLARE, angle_range=(0, 1), num_flare_circles_range=(6, 10), method="overlay", p=p
            ),
        ),
        "RandomFog": (
            lambda m, p: m.RandomFog(fog_coef=(0.3, 1.0), alpha_coef=0.08, p=p),
            lambda A, p: A.RandomFog(fog_coef_range=(0.3, 1.0), alpha_coef=0.08, p=p),
        ),
        "RandomRain": (
            lambda m, p: m.RandomRain(slant=(-10, 10), **RAIN, p=p),
            lambda A, p: A.RandomRain(slant_range=(-10, 10), **RAIN, p=p),
        ),
        "RandomToneCurve": (
            lambda m, p: m.RandomToneCurve(scale=0.1, per_channel=False, p=p),
            lambda A, p: A.RandomToneCurve(scale=0.1, per_channel=False, p=p),
        ),
        "Emboss": (
            lambda m, p: m.Emboss(alpha=(0.2, 0.5), strength=(0.2, 0.7), p=p),
            lambda A, p: A.Emboss(alpha=(0.2, 0.5), strength=(0.2, 0.7), p=p),
        ),
        "RandomSnow": (
            lambda m, p: m.RandomSnow(snow_point=(0.1, 0.3), brightness_coeff=2.5, p=p),
            lambda A, p: A.RandomSnow(
                snow_point_range=(0.1, 0.3), brightness_coeff=2.5, method="bleach", p=p
            ),
        ),
    }
)

# AlbumentationsX 2.5.1 renamed these arguments: the same settings under the new names.
AX_OPS: dict[str, Factory] = {
    "SafeRotate": lambda A, p: A.SafeRotate(
        angle_range=(-90, 90), border_mode=cv2.BORDER_CONSTANT, fill=0, p=p
    ),
    "GridDistortion": lambda A, p: A.GridDistortion(
        num_steps=5, distort_range=(-0.3, 0.3), border_mode=cv2.BORDER_CONSTANT, p=p
    ),
    "OpticalDistortion": lambda A, p: A.OpticalDistortion(
        distort_range=(-0.05, 0.05), border_mode=cv2.BORDER_CONSTANT, p=p
    ),
    "ShiftScaleRotate": lambda A, p: A.ShiftScaleRotate(
        shift_range=(-0.0625, 0.0625),
        scale_range=(-0.1, 0.1),
        rotate_range=(-45, 45),
        border_mode=cv2.BORDER_CONSTANT,
        fill=0,
        p=p,
    ),
    "Rotate": lambda A, p: A.Rotate(angle_range=(-30, 30), border_mode=cv2.BORDER_CONSTANT, fill=0, p=p),
    "ColorJitter": lambda A, p: A.ColorJitter(
        brightness_range=(0.6, 1.4),
        contrast_range=(0.6, 1.4),
        saturation_range=(0.6, 1.4),
        hue_range=(-0.1, 0.1),
        p=p,
    ),
    "SaltPepperNoise": lambda A, p: A.SaltAndPepper(amount_range=(0.01, 0.05), p=p),
    "GaussianBlur": lambda A, p: A.GaussianBlur(sigma_range=(0.1, 2.0), blur_range=(0, 0), p=p),
    "Sharpen": lambda A, p: A.Sharpen(alpha_range=(0.2, 0.5), lightness_range=(1.0, 1.0), p=p),
    # issue 17's pixel ops (names from albumentations.ai's AlbumentationsX reference pages)
    "CLAHE": lambda A, p: A.CLAHE(clip_range=(1, 4), tile_grid_size=(8, 8), p=p),
    "HueSaturationValue": lambda A, p: A.HueSaturationValue(
        hue_shift_range=(-20, 20), sat_shift_range=(-30, 30), val_shift_range=(-20, 20), p=p
    ),
    "RGBShift": lambda A, p: A.RGBShift(
        r_shift_range=(-20, 20), g_shift_range=(-20, 20), b_shift_range=(-20, 20), p=p
    ),
    "MotionBlur": lambda A, p: A.MotionBlur(
        blur_range=(3, 7), angle_range=(0, 360), direction_range=(-1, 1), allow_shifted=False, p=p
    ),
    "MedianBlur": lambda A, p: A.MedianBlur(blur_range=(3, 7), p=p),
    "Defocus": lambda A, p: A.Defocus(radius_range=(3, 10), alias_blur_range=(0.1, 0.5), p=p),
    "ZoomBlur": lambda A, p: A.ZoomBlur(max_factor_range=(1.0, 1.31), step_factor_range=(0.01, 0.03), p=p),
    "ISONoise": lambda A, p: A.ISONoise(color_shift_range=(0.01, 0.05), intensity_range=(0.1, 0.5), p=p),
    "RandomShadow": lambda A, p: A.RandomShadow(
        **SHADOW, num_shadows_range=(1, 2), shadow_intensity_range=(0.5, 0.5), p=p
    ),
    "PlanckianJitter": lambda A, p: A.PlanckianJitter(mode="blackbody", temperature_range=(3000, 15000), p=p),
    "Emboss": lambda A, p: A.Emboss(alpha_range=(0.2, 0.5), strength_range=(0.2, 0.7), p=p),
}
# ... and has no counterpart with the same meaning for these.
AX_NOT_COMPARABLE = {
    "ElasticTransform": "AlbumentationsX 2.5.1 replaced alpha/sigma by a control-grid displacement "
    "(displacement_range, control_grid_shape); no setting matches"
}

# Ops given the photo as float32 in [0, 1] (multiaug's float image contract) instead of uint8.
FLOAT_INPUT = {"ToTensor"}

# (op name, p) of the training pipeline; the op's factory arguments are those of OPS.
PIPELINE: tuple[tuple[str, float], ...] = (
    ("RandomResizedCrop", 1.0),
    ("HorizontalFlip", 0.5),
    ("Affine", 0.5),
    ("ColorJitter", 0.8),
    ("GaussianNoise", 0.5),
    ("RandomErasing", 0.25),
)
# The complete train pipeline of issue 15: photo in, model-ready tensor out.
TRAIN_PIPELINE: tuple[tuple[str, float], ...] = (
    ("LongestMaxSize", 1.0),
    ("PadIfNeeded", 1.0),
    ("RandomResizedCrop", 1.0),
    ("HorizontalFlip", 0.5),
    ("ColorJitter", 0.8),
    ("Normalize", 1.0),
    ("ToTensor", 1.0),
)
# Rows timed as a Compose of several ops; LongestMaxSize and PadIfNeeded only appear as their pair.
COMBOS: dict[str, tuple[tuple[str, float], ...]] = {
    "LongestMaxSize + PadIfNeeded": (("LongestMaxSize", 1.0), ("PadIfNeeded", 1.0)),
    "pipeline: RRC > HFlip > Affine > ColorJitter > Noise > Erasing": PIPELINE,
    "train pipeline: LongestMaxSize > Pad > RRC > HFlip > ColorJitter > Normalize > ToTensor": TRAIN_PIPELINE,
}
COMBO_ONLY = {"LongestMaxSize", "PadIfNeeded"}
NOT_YET = "not available yet"
VIEW_CALLS = 8  # calls per side that decide whether the competitor returns views of its input


def competitor() -> str:
    """Which albumentations this interpreter imports: distribution name and version."""
    try:
        return f"AlbumentationsX {metadata.version('albumentationsx')}"
    except metadata.PackageNotFoundError:
        return f"Albumentations {metadata.version('albumentations')}"


class Timer:
    def __init__(self, quick: bool) -> None:
        self.min_time, self.repeats = (0.05, 3) if quick else (0.3, 7)

    def us(self, fn: Callable[[], object]) -> float:
        return per_call_us(fn, min_time=self.min_time, repeats=self.repeats)

    def pair(self, fa: Callable[[], object], fb: Callable[[], object]) -> tuple[float, float]:
        """Both contenders in alternating rounds (steadier ratios on a shared machine)."""
        return compare_us(fa, fb, min_time=self.min_time, repeats=self.repeats)


def keyed(t: Any, images: list[np.ndarray]) -> Callable[[], object]:
    """multiaug, as in a dataset's ``__getitem__``: key = item index."""
    counter = itertools.count()

    def call() -> object:
        k = next(counter)
        return t(image=images[k & 1], key=k)

    return call


def keyed_batch(t: Any, images: np.ndarray, labels: np.ndarray) -> Callable[[], object]:
    """multiaug batch op, keyed by batch index as in a training loop."""
    counter = itertools.count()

    def call() -> object:
        return t(images=images, labels=labels, key=next(counter))

    return call


def plain(t: Any, images: list[np.ndarray]) -> Callable[[], object]:
    counter = itertools.count()

    def call() -> object:
        return t(image=images[next(counter) & 1])

    return call


def fmt_rate(n_images: int, us: float | None) -> str:
    return "—" if us is None else f"{n_images * 1e6 / us:,.0f}"


def fmt_ratio(ours: float | None, theirs: float | None) -> str:
    return "—" if ours is None or theirs is None else f"{theirs / ours:.2f}x"


# ---------------------------------------------------------------------- building both sides
class Contenders:
    """Builds each row's multiaug and competitor transforms; says why one side is missing."""

    def __init__(self, A: Any, is_x: bool) -> None:
        self.A, self.is_x = A, is_x

    def ours(self, steps: tuple[tuple[str, float], ...]) -> tuple[Any, str | None]:
        missing = [name for name, _ in steps if not hasattr(ma.image, name)]
        if missing:
            return None, f"{NOT_YET} in multiaug.image: {', '.join(missing)}"
        try:
            built = [OPS[name][0](ma.image, p) for name, p in steps]
        except Exception as exc:  # a new op whose signature differs from the one assumed here
            return None, f"multiaug could not build it ({type(exc).__name__}: {exc})"
        return (built[0] if len(built) == 1 else ma.Compose(built, seed=0)), None

    def theirs(self, steps: tuple[tuple[str, float], ...]) -> tuple[Any, str | None]:
        for name, _ in steps:
            if self.is_x and name in AX_NOT_COMPARABLE:
                return None, AX_NOT_COMPARABLE[name]
        ax = AX_OPS if self.is_x else {}
        try:
            built = [ax.get(name, OPS[name][1])(self.A, p) for name, p in steps]
        except AttributeError as exc:  # an op this albumentations does not have (any more)
            return None, f"not in this albumentations ({exc})"
        t = built[0] if len(built) == 1 else self.A.Compose(built, seed=0)
        t.set_random_seed(0)
        return t, None


def strict_arguments() -> None:
    """An argument the competitor does not know stops the run instead of falling back to its default.

    Most transforms of both Albumentations raise ``TypeError`` on an unknown keyword (not caught
    by :meth:`Contenders.theirs`); those that take ``**kwargs`` (flips, ``Transpose``) only warn
    "Argument(s) ... are not valid": that warning becomes an error here.
    """
    warnings.filterwarnings("error", message=r"Argument\(s\) .* not valid")


def probe(call: Callable[[], object]) -> str | None:
    """Run one call; the error, if any, as a reason (a new op may not take this input yet)."""
    try:
        call()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


# ---------------------------------------------------------------------- NumPy references for the batch ops
def numpy_mixup(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    lam = rng.beta(0.2, 0.2)
    perm = rng.permutation(len(x))
    xf = x.astype(np.float32)
    out = np.rint(np.float32(lam) * xf + np.float32(1 - lam) * xf[perm]).astype(np.uint8)
    return out, lam * y + (1 - lam) * y[perm]


def numpy_cutmix(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    lam = rng.beta(1.0, 1.0)
    perm = rng.permutation(len(x))
    h, w = x.shape[1:3]
    cy, cx = rng.integers(h), rng.integers(w)
    rh, rw = int(h * np.sqrt(1 - lam)) // 2, int(w * np.sqrt(1 - lam)) // 2
    y1, y2, x1, x2 = max(cy - rh, 0), min(cy + rh, h), max(cx - rw, 0), min(cx + rw, w)
    out = x.copy()
    out[:, y1:y2, x1:x2] = x[perm, y1:y2, x1:x2]
    weight = 1 - (y2 - y1) * (x2 - x1) / (h * w)
    return out, weight * y + (1 - weight) * y[perm]


def batch_of_crops(photos: list[np.ndarray], n: int = 32, size: int = 224) -> np.ndarray:
    crops = []
    for i in range(n):
        img = photos[i & 1]
        top = (i * 37) % (img.shape[0] - size)
        left = (i * 53) % (img.shape[1] - size)
        crops.append(img[top : top + size, left : left + size])
    return np.stack(crops)


def as_float(photo: np.ndarray) -> np.ndarray:
    """The photo as float32 in [0, 1]: the input of the standalone ToTensor row.

    (A normalised image, values outside [0, 1], is refused by a standalone multiaug call: the
    float image contract; inside a pipeline, after ``Normalize``, ToTensor takes it.)
    """
    return photo.astype(np.float32) / np.float32(255)


# ---------------------------------------------------------------------- main
class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []
        self.notes: list[str] = []

    def row(self, name: str, n: int, ours: float | None, theirs: float | None) -> None:
        self.rows.append((name, fmt_rate(n, ours), fmt_rate(n, theirs), fmt_ratio(ours, theirs)))

    def missing(self, name: str, ours: str, theirs: float | None, why: str) -> None:
        """A row one side cannot run: said in the table and in a note printed at once (never silent)."""
        self.rows.append((name, ours, fmt_rate(1, theirs), "—"))
        note = f"{name}: {why}"
        self.notes.append(note)
        print(f"note: {note}", flush=True)


def time_row(
    name: str,
    steps: tuple[tuple[str, float], ...],
    inputs: list[np.ndarray],
    side: Contenders,
    timer: Timer,
    table: Table,
) -> None:
    theirs_t, why_not_theirs = side.theirs(steps)
    if theirs_t is None:
        table.missing(name, "—", None, f"not compared: {why_not_theirs}")
        return
    theirs_fn = plain(theirs_t, inputs)
    ours_t, why_not = side.ours(steps)
    ours_fn = None if ours_t is None else keyed(ours_t, inputs)
    if ours_fn is not None and (why_not := probe(ours_fn)) is not None:
        why_not = f"multiaug raised on this input ({why_not})"
    if ours_fn is None or why_not is not None:
        table.missing(name, NOT_YET, timer.us(theirs_fn), why_not or NOT_YET)
        return
    table.row(name, 1, *timer.pair(ours_fn, theirs_fn))
    # over several calls (a random op's identity draw passes the input through on either side)
    ours_views = sum(shares(ours_t(image=inputs[0], key=k)["image"], inputs[0]) for k in range(VIEW_CALLS))
    theirs_views = sum(shares(theirs_t(image=inputs[0])["image"], inputs[0]) for _ in range(VIEW_CALLS))
    if theirs_views > ours_views:
        # the competitor returns views of its input (no pixel moved, negative or CHW strides) more
        # often than multiaug: the copy is paid later, so time it here too
        table.row(
            "  same, competitor's output copied (it is a view of the input)",
            1,
            *timer.pair(ours_fn, copied(theirs_fn)),
        )


def shares(out: Any, inp: np.ndarray) -> bool:
    """Whether ``out`` (an array or a CPU tensor) is a view of ``inp``."""
    return bool(np.shares_memory(np.asarray(out), inp))


def copied(fn: Callable[[], Any]) -> Callable[[], object]:
    """``fn``'s image as an array or tensor that owns its memory, in C order."""

    def call() -> object:
        out = fn()["image"]
        if isinstance(out, np.ndarray):
            return out.copy()
        import torch

        return out.clone(memory_format=torch.contiguous_format)

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timings (noisier)")
    parser.add_argument("--only", metavar="TEXT", help="time only the rows whose name contains TEXT")
    args = parser.parse_args()
    timer = Timer(args.quick)
    strict_arguments()

    import albumentations as A

    rival = competitor()
    side = Contenders(A, is_x=rival.startswith("AlbumentationsX"))
    photos = [load_sample_photo("china.jpg"), load_sample_photo("flower.jpg")]
    floats = [as_float(photo) for photo in photos]
    table = Table()

    for name in OPS:
        if name in COMBO_ONLY or (args.only and args.only not in name):
            continue
        time_row(name, ((name, 1.0),), floats if name in FLOAT_INPUT else photos, side, timer, table)
        if name == "HorizontalFlip":
            table.row(
                "  reference: np.copy of the photo (memory bandwidth)",
                1,
                timer.us(lambda: np.copy(photos[0])),
                None,
            )
    for name, steps in COMBOS.items():
        if args.only and args.only not in name:
            continue
        time_row(name, steps, photos, side, timer, table)

    batch = batch_of_crops(photos)
    ids = np.arange(len(batch)) % 10
    onehot = np.eye(10, dtype=np.float32)[ids]
    rng = np.random.default_rng(0)
    n = len(batch)
    mixers: tuple[tuple[str, Any, Callable[..., object]], ...] = (
        ("MixUp (batch 32x224x224x3, vs numpy)", ma.image.MixUp(alpha=0.2, num_classes=10), numpy_mixup),
        ("CutMix (batch 32x224x224x3, vs numpy)", ma.image.CutMix(alpha=1.0, num_classes=10), numpy_cutmix),
    )
    for name, t, ref in mixers:
        table.row(
            name, n, *timer.pair(keyed_batch(t, batch, ids), functools.partial(ref, batch, onehot, rng))
        )
    table.row("  reference: np.copy of the batch", n, timer.us(lambda: np.copy(batch)), None)

    print()
    print(
        f"# benchmarks/image.py on {machine()}; multiaug {ma.__version__}, {rival}, "
        f"OpenCV {cv2.__version__} (1 thread), numpy {np.__version__}{' (--quick)' if args.quick else ''}"
    )
    print()
    print(f"| op | multiaug img/s | {rival} img/s | {rival} time / multiaug time |")
    print("|---|---:|---:|---:|")
    for r in table.rows:
        print(f"| {' | '.join(r)} |")
    print()
    print("Per-op rows: p=1.0, 427x640x3 uint8 photos (ToTensor: float32 in [0, 1]),")
    print("multiaug keyed calls. Ratio > 1: multiaug faster. Batch rows: images/s; the competitor")
    print("column holds a plain NumPy implementation (albumentations has no MixUp/CutMix).")
    for note in table.notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
