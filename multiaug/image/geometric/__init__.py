"""Geometric image transforms: thin classes over :mod:`multiaug.image.functional.geometric`.

One module per operation or small family (``flip``, ``crop``, ``resized_crop``,
``resize``, ``pad``, ``rotate``, ``affine``, ``perspective``, ``elastic``) over the fused-warp engine
(:mod:`~multiaug.image.geometric.engine`: :class:`PendingWarp`,
:class:`WarpTransform`). Every op here except :class:`ElasticTransform` is a
3x3 matrix; inside a fusing pipeline consecutive matrix ops are resampled once.
"""

from __future__ import annotations

from .affine import Affine
from .aliases import SafeRotate, ShiftScaleRotate
from .crop import CenterCrop, RandomCrop
from .distortion import GridDistortion, OpticalDistortion
from .elastic import ElasticTransform
from .engine import PendingWarp as PendingWarp  # documented in current_shape's docstring
from .engine import WarpTransform
from .flip import HorizontalFlip, VerticalFlip
from .grid_shuffle import RandomGridShuffle
from .pad import PadIfNeeded
from .perspective import Perspective
from .resize import LongestMaxSize, Resize, SmallestMaxSize
from .resized_crop import RandomResizedCrop
from .rot90 import RandomRotate90, Transpose
from .rotate import Rotate
from .safe_crop import BBoxSafeRandomCrop, CropNonEmptyMaskIfExists

__all__ = [
    "Affine",
    "BBoxSafeRandomCrop",
    "CenterCrop",
    "CropNonEmptyMaskIfExists",
    "ElasticTransform",
    "GridDistortion",
    "HorizontalFlip",
    "LongestMaxSize",
    "OpticalDistortion",
    "PadIfNeeded",
    "Perspective",
    "RandomCrop",
    "RandomGridShuffle",
    "RandomResizedCrop",
    "RandomRotate90",
    "Resize",
    "Rotate",
    "SafeRotate",
    "ShiftScaleRotate",
    "SmallestMaxSize",
    "Transpose",
    "VerticalFlip",
    "WarpTransform",
]
