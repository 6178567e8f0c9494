"""Kernels of the deterministic size steps: ``Resize``, ``LongestMaxSize``, ``SmallestMaxSize``,
``CenterCrop``, ``PadIfNeeded``; and the sizes and offsets they compute (Albumentations' rules).

Each kernel is the op applied alone: ``cv2.resize`` (``interpolation`` by name, see
:data:`~multiaug.image.functional._opencv.INTERPOLATION_CODES`; ``nearest=True`` for label
masks), a slice, ``cv2.copyMakeBorder``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._resample import axis_aligned, pad

__all__ = [
    "PAD_POSITIONS",
    "center_crop",
    "center_crop_window",
    "longest_max_size",
    "longest_max_size_shape",
    "pad_if_needed",
    "pad_if_needed_amounts",
    "resize",
    "scaled_shape",
    "smallest_max_size",
    "smallest_max_size_shape",
]

#: Where ``PadIfNeeded`` puts the image in the padded frame (``"random"``: drawn per call).
PAD_POSITIONS = ("center", "top_left", "top_right", "bottom_left", "bottom_right", "random")


def resize(
    img: np.ndarray, height: int, width: int, *, interpolation: str = "linear", nearest: bool = False
) -> np.ndarray:
    """The kernel of ``Resize``: ``cv2.resize`` to ``height`` x ``width`` (the input itself if already so)."""
    h, w = img.shape[:2]
    out = axis_aligned(img, width / w, 0.0, height / h, 0.0, (height, width), nearest, interpolation)
    assert out is not None  # the whole image is always a whole-pixel window
    return out


def scaled_shape(height: int, width: int, scale: float) -> tuple[int, int]:
    """``(max(1, round(height * scale)), max(1, round(width * scale)))``: Albumentations' rounding."""
    return max(1, round(height * scale)), max(1, round(width * scale))


def longest_max_size_shape(height: int, width: int, max_size: int) -> tuple[int, int]:
    """Output size of ``LongestMaxSize``: the longest side becomes ``max_size``, the aspect is kept.

    As Albumentations: ``scale = max_size / max(height, width)``, each side
    ``max(1, round(side * scale))`` (Python's ``round``: halves to even).

    Examples
    --------
    >>> longest_max_size_shape(1500, 800, 1024)
    (1024, 546)
    """
    return scaled_shape(height, width, max_size / max(height, width))


def smallest_max_size_shape(height: int, width: int, max_size: int) -> tuple[int, int]:
    """Output size of ``SmallestMaxSize``: the shortest side becomes ``max_size``, rounded as
    :func:`longest_max_size_shape`.

    Examples
    --------
    >>> smallest_max_size_shape(1500, 800, 256)
    (480, 256)
    """
    return scaled_shape(height, width, max_size / min(height, width))


def longest_max_size(
    img: np.ndarray, max_size: int, *, interpolation: str = "linear", nearest: bool = False
) -> np.ndarray:
    """The kernel of ``LongestMaxSize`` (sizes: :func:`longest_max_size_shape`)."""
    size = longest_max_size_shape(img.shape[0], img.shape[1], max_size)
    return resize(img, *size, interpolation=interpolation, nearest=nearest)


def smallest_max_size(
    img: np.ndarray, max_size: int, *, interpolation: str = "linear", nearest: bool = False
) -> np.ndarray:
    """The kernel of ``SmallestMaxSize`` (sizes: :func:`smallest_max_size_shape`)."""
    size = smallest_max_size_shape(img.shape[0], img.shape[1], max_size)
    return resize(img, *size, interpolation=interpolation, nearest=nearest)


def center_crop_window(height: int, width: int, crop_height: int, crop_width: int) -> tuple[int, int]:
    """``(top, left)`` of the centred window: ``((height - crop_height) // 2, (width - crop_width) // 2)``."""
    return (height - crop_height) // 2, (width - crop_width) // 2


def center_crop(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """The kernel of ``CenterCrop``: a copy of the centred ``height`` x ``width`` window."""
    top, left = center_crop_window(img.shape[0], img.shape[1], height, width)
    return img[top : top + height, left : left + width].copy()


def pad_if_needed_amounts(
    height: int, width: int, min_height: int, min_width: int, position: str | tuple[int, int] = "center"
) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` padding that makes the image at least ``min_height`` x ``min_width``.

    As Albumentations: centred, the odd pixel after (bottom, right); a corner
    ``position`` puts all the padding on the opposite sides; a ``(top, left)`` pair
    gives the padding above and left of the image (``PadIfNeeded(position="random")``
    draws it), clipped to the padding there is.

    Examples
    --------
    >>> pad_if_needed_amounts(5, 10, 8, 8)
    (1, 2, 0, 0)
    >>> pad_if_needed_amounts(5, 10, 8, 8, "bottom_right")
    (3, 0, 0, 0)
    >>> pad_if_needed_amounts(5, 10, 8, 8, (2, 0))
    (2, 1, 0, 0)
    """
    dh, dw = max(min_height - height, 0), max(min_width - width, 0)
    if isinstance(position, tuple):
        top, left = min(max(position[0], 0), dh), min(max(position[1], 0), dw)
    elif position == "center":
        top, left = dh // 2, dw // 2
    elif position == "random":
        raise ValueError('a kernel does not draw: pass position=(top, left) for position="random"')
    else:
        vertical, horizontal = position.split("_")
        top = 0 if vertical == "top" else dh
        left = 0 if horizontal == "left" else dw
    return top, dh - top, left, dw - left


def pad_if_needed(
    img: np.ndarray,
    min_height: int,
    min_width: int,
    position: str | tuple[int, int] = "center",
    *,
    border: str = "constant",
    fill: Sequence[float] = (0.0,),
    nearest: bool = False,
) -> np.ndarray:
    """The kernel of ``PadIfNeeded``: ``cv2.copyMakeBorder`` by :func:`pad_if_needed_amounts`."""
    amounts = pad_if_needed_amounts(img.shape[0], img.shape[1], min_height, min_width, position)
    if not any(amounts):
        return img
    return pad(img, *amounts, border=border, fill=fill, nearest=nearest)
