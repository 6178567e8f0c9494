"""Batched tensors on CPU and GPU, keyed per sample (``ma.torch.batched``; issue 16, in progress)."""

from __future__ import annotations

from . import image_colour, image_filters, image_mix, image_noise, image_pixel  # noqa: F401  (register kernels)
from .registry import Batch, find_kernel, kernel, kernels

__all__ = ["Batch", "find_kernel", "kernel", "kernels"]
