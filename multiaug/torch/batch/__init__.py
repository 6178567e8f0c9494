"""Batched tensors on CPU and GPU, keyed per sample (``ma.torch.batched``; issue 16).

* :mod:`.registry`: batched kernels keyed by (operation, input kind), and the :class:`Batch`
  they are handed;
* :mod:`.draw`: the draw phase (every sample's parameters from its key, on the host);
* :mod:`.executor` and :mod:`.geometric`: the execute phase (sub-batches, fused warps);
* :mod:`.module`: :func:`batched` and :class:`BatchedPipeline`;
* :mod:`.staging`: a kernel's host-built parameters sent to the device in one transfer.
"""

from __future__ import annotations

from . import (  # noqa: F401  (register kernels)
    image_channels,
    image_colour,
    image_filters,
    image_mix,
    image_noise,
    image_pixel,
)
from .module import KERNEL_MODULES, BatchDraws, BatchedPipeline, batched
from .registry import Batch, deferred_kernel, find_kernel, kernel, kernels, unregister

__all__ = [
    "KERNEL_MODULES",
    "Batch",
    "BatchDraws",
    "BatchedPipeline",
    "batched",
    "deferred_kernel",
    "find_kernel",
    "kernel",
    "kernels",
    "unregister",
]
