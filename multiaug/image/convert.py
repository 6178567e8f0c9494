"""A pipeline's first and last pixel steps: ``Normalize``, ``ToFloat``, ``FromFloat``, ``ToTensor``.

All four are deterministic (they draw nothing) and apply with ``p=1.0`` by default: they define
the output, they do not perturb it, so they stay in eval mode (``pipe.eval()``,
``pipe.inference()``). Masks, boxes and keypoints pass through unchanged, except that
``ToTensor`` also turns the mask into a tensor.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Choice, Flag, Number, Probability, param
from ..core.transform import Sample
from ._validate import check_image_shape
from .base import ImageTransform, moved_arrays
from .functional import convert as F
from .options import ChannelValues, check_channels

__all__ = ["FromFloat", "Normalize", "ToFloat", "ToTensor"]


def _full_range(image: np.ndarray) -> float:
    """The value of full intensity of an image: 255 for uint8, 1.0 for float32."""
    return 255.0 if image.dtype == np.uint8 else 1.0


class ConvertTransform(ImageTransform):
    """A deterministic conversion step that defines the output: ``p`` defaults to 1.0."""

    _abstract = True
    is_random = False
    augments = False  # preprocessing: it stays in eval mode and in the inference pipeline
    preserves_shape = False
    p: float = param(Probability(), default=1.0, kw_only=True)


class Normalize(ConvertTransform):
    """Standardise each channel: ``(image / max_pixel_value - mean) / std``, as float32.

    Albumentations' ``Normalize`` (``normalization="standard"``), with one difference:
    ``max_pixel_value=None`` (the default) means 255 for a uint8 image and 1.0 for a float32
    image (already in ``[0, 1]``), where Albumentations divides every image by 255. The output
    is float32 with values outside ``[0, 1]``: put ``Normalize`` after the augmentations that
    expect image values (colour, noise), just before ``ToTensor``. Targets pass through.

    Parameters
    ----------
    mean : float or sequence of float, default (0.485, 0.456, 0.406)
        Subtracted from ``image / max_pixel_value``: one value, or one per channel (the
        image's channel count is checked at each call). The default is ImageNet's RGB mean.
    std : float or sequence of float, default (0.229, 0.224, 0.225)
        Divisor (``> 0``), one value or one per channel (ImageNet's RGB standard deviations).
    max_pixel_value : float or None, default None
        The value of full intensity; ``None``: 255 for uint8 images, 1.0 for float32 ones.
    @options call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = np.array([[0, 51, 255]], np.uint8)
    >>> out = ma.image.Normalize(mean=0.2, std=0.5)(image=img)["image"]
    >>> out.dtype, out.astype(float).round(3).tolist()
    (dtype('float32'), [[-0.4, 0.0, 1.6]])
    """

    # bounds keep every output finite in float32: |x / max - mean| / std <= 2e6 / 1e-6
    model_input = True  # values outside [0, 1]: no image file holds them

    mean: float | tuple[float, ...] = param(ChannelValues(-1e6, 1e6), default=(0.485, 0.456, 0.406))
    std: float | tuple[float, ...] = param(ChannelValues(1e-6, 1e6), default=(0.229, 0.224, 0.225))
    max_pixel_value: float | None = param(Number(1e-6, 1e6, optional=True), default=None)

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        r = self._r
        check_channels(self.name, "mean", r.mean, image)
        check_channels(self.name, "std", r.std, image)
        scale = _full_range(image) if r.max_pixel_value is None else r.max_pixel_value
        return F.normalize(image, r.mean, r.std, scale)


class ToFloat(ConvertTransform):
    """A uint8 image as float32: ``image / max_value`` (Albumentations' ``ToFloat``).

    A float32 image is already in ``[0, 1]`` and passes unchanged (as in Albumentations,
    whatever ``max_value``). Targets pass through.

    Parameters
    ----------
    max_value : float or None, default None
        The input value that becomes 1.0; ``None``: 255.
    @options call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.ToFloat()(image=np.array([[0, 51, 255]], np.uint8))["image"]
    >>> out.dtype, out.tolist()
    (dtype('float32'), [[0.0, 0.20000000298023224, 1.0]])
    """

    max_value: float | None = param(Number(1e-6, 1e6, optional=True), default=None)

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        r = self._r
        return F.to_float(image, 255.0 if r.max_value is None else r.max_value)


class FromFloat(ConvertTransform):
    """A float32 image as integers: ``round(image * max_value)``, clipped (Albumentations' ``FromFloat``).

    The inverse of :class:`ToFloat`, for saving or for ops that need uint8. An image that is
    already uint8 passes unchanged. Note that multiaug's transforms take uint8 or float32
    images: a uint16 output is for writing files, not for further transforms.

    Parameters
    ----------
    dtype : {"uint8", "uint16"}, default "uint8"
        The output dtype.
    max_value : float or None, default None
        The output value of 1.0; ``None``: the dtype's largest value (255 or 65535).
    @options call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> ma.image.FromFloat()(image=np.array([[0.0, 0.2, 1.0]], np.float32))["image"].tolist()
    [[0, 51, 255]]
    """

    dtype: str = param(Choice("uint8", "uint16"), default="uint8")
    max_value: float | None = param(Number(1e-6, 1e6, optional=True), default=None)

    def apply_image(self, image: np.ndarray, **params: Any) -> np.ndarray:
        r = self._r
        return F.from_float(image, r.dtype, F.INT_MAX[r.dtype] if r.max_value is None else r.max_value)


def require_torch(owner: str) -> None:
    """Raise :class:`InvalidInputError` with the install command when PyTorch is missing."""
    try:
        found = importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):  # a broken or deliberately blocked install
        found = False
    if not found:
        raise InvalidInputError(
            owner,
            "torch",
            "needs PyTorch, which is not installed",
            "pip install 'multiaug[torch]' (or pip install torch)",
        )


class ToTensor(ConvertTransform):
    """The last step: ``image`` becomes a ``torch.float32`` CHW tensor, ``mask`` a ``torch.int64`` tensor.

    An HxW image becomes 1xHxW, an HxWxC image CxHxW (a view with channels-last strides, as
    ``torch.from_numpy(image).permute(2, 0, 1)`` and ``ToTensorV2`` give: a float32 image is
    not copied, it is shared with the tensor); the mask keeps its shape. Boxes,
    keypoints and labels stay as they are (NumPy arrays and lists). Values are kept as
    they are, as Albumentations' ``ToTensorV2`` keeps them: a uint8 image becomes float32
    values 0..255 (put :class:`Normalize` before it, as in
    ``[..., Normalize(mean, std), ToTensor()]``), unless ``scale=True``, which divides uint8
    values by 255 as torchvision's ``ToTensor`` (``ToImage`` + ``ToDtype(torch.float32,
    scale=True)``) does. Float32 images are never scaled and may hold any values (a
    normalised image called alone is accepted; their values are not scanned).

    It must be the last step touching the image: a ``Compose`` in which an image transform
    follows it raises :class:`~multiaug.InvalidInputError` naming that transform. Needs
    PyTorch (imported at the first call).

    Parameters
    ----------
    scale : bool, default False
        Divide uint8 values by 255 (torchvision's ``ToTensor``); False keeps them.
    @options call_p1

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> out = ma.image.ToTensor()(image=np.zeros((4, 6, 3), np.uint8), mask=np.ones((4, 6), np.uint8))
    >>> tuple(out["image"].shape), out["image"].dtype, out["mask"].dtype
    ((3, 4, 6), torch.float32, torch.int64)

    ``masks`` (a list of HxW arrays or an NxHxW array) become int64 tensors the same way, a list
    staying a list; extra targets declared on the pipeline (``Compose(targets={"depth": "mask",
    "image_prev": "image"})``) become tensors like the mask or like the image.
    """

    makes_tensors: ClassVar[tuple[str, ...]] = ("image", "mask", "masks")
    model_input = True
    #: It moves values without reading them: any float32 values pass (a normalised image), and
    #: the call costs no scan of the pixels (ToTensorV2 does no check at all).
    own_checks: ClassVar[Mapping[str, Any]] = {"image": check_image_shape}

    scale: bool = param(Flag(), default=False)

    def _finalize(self, r: Any) -> None:
        require_torch(self.name)

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        out = dict(sample)
        scale = self._r.scale
        out["image"] = F.to_tensor(sample["image"], scale)
        # the mask, the masks and the extra targets (Compose(targets=...)): images as the image
        for name, kind in moved_arrays(sample):
            value = sample[name]
            if kind == "image":
                out[name] = F.to_tensor(value, scale)
            elif kind == "mask" or isinstance(value, np.ndarray):  # an NxHxW stack: one int64 tensor
                out[name] = F.mask_to_tensor(value)
            else:  # a list of masks stays a list
                out[name] = [F.mask_to_tensor(m) for m in value]
        return out
