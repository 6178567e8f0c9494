"""Erasing kernel (RandomErasing): fill an image rectangle; a plain function of arrays and numbers."""

from __future__ import annotations

import numpy as np

__all__ = ["erase"]


def erase(
    img: np.ndarray,
    top: int,
    left: int,
    height: int,
    width: int,
    fill: float | tuple[float, ...] | str,
    noise_seed: int = 0,
) -> np.ndarray:
    """A copy of ``img`` with the ``height`` x ``width`` rectangle at ``(top, left)`` filled.

    ``fill`` is a value in the image's units, one value per channel, or
    ``"random"``: uniform noise over the full range from ``noise_seed``.
    """
    out = img.copy()
    region = out[top : top + height, left : left + width]
    if region.size == 0:
        return out
    if isinstance(fill, str):
        rng = np.random.Generator(np.random.SFC64(noise_seed))
        if img.dtype == np.uint8:
            region[...] = rng.integers(0, 256, region.shape, dtype=np.uint8)
        else:
            region[...] = rng.random(region.shape, dtype=np.float32)
    elif isinstance(fill, tuple) and region.ndim == 3:
        region[...] = np.asarray(fill, dtype=img.dtype)
    else:
        value = fill[0] if isinstance(fill, tuple) else fill
        region[...] = value
    return out
