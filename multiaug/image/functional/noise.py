"""Noise kernels: plain functions of arrays and numbers."""

from __future__ import annotations

import numpy as np

__all__ = ["add_gaussian_noise"]


def add_gaussian_noise(img: np.ndarray, std: float, noise_seed: int) -> np.ndarray:
    """Add zero-mean Gaussian noise of ``std`` (a fraction of the full range), clipped.

    The noise field is generated from ``noise_seed`` with a Philox generator, so
    the parameters of one application are two numbers, not an array.
    """
    rng = np.random.Generator(np.random.Philox(key=noise_seed))
    noise = rng.standard_normal(img.shape, dtype=np.float32)
    if img.dtype == np.uint8:
        noise *= np.float32(std * 255.0)
        # cv2.add saturates uint8 + float -> we do it in float32 then round once.
        out = img.astype(np.float32)
        out += noise
        np.clip(out, 0, 255, out=out)
        return np.rint(out, out=out).astype(np.uint8)
    noise *= np.float32(std)
    noise += img
    return np.clip(noise, 0.0, 1.0, out=noise)
