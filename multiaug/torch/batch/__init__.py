"""Batched tensors on CPU and GPU, keyed per sample (``ma.torch.batched``; issue 16, in progress)."""

from __future__ import annotations

from .registry import Batch, find_kernel, kernel, kernels

__all__ = ["Batch", "find_kernel", "kernel", "kernels"]
