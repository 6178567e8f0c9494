"""The registry of batched kernels, keyed by (operation, input kind).

A batched kernel applies one transform to a sub-batch of samples, each with the parameters the
per-sample path drew for its key (``make_params``; the trace's ``params``). It is registered for
the transform's registry name and the kind of input it reads::

    @kernel("image.ColorJitter", "image")
    def color_jitter(t: ColorJitter, batch: Batch) -> dict[str, torch.Tensor]:
        x = batch.fields["image"]                     # (b, C, H, W) float32 on the batch's device
        ...
        return {"image": out}                         # the fields it changed

:func:`multiaug.torch.batched` looks every leaf of a pipeline up here when it is built and refuses a
pipeline with a leaf that has no kernel for its input kind (an :class:`InvalidInputError` naming the
leaf), so a batch never falls back silently to something that changes the results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...core.errors import InvalidInputError

if TYPE_CHECKING:
    import torch

    from ...core.transform import Transform

__all__ = ["KINDS", "Batch", "Kernel", "deferred_kernel", "find_kernel", "kernel", "kernels", "unregister"]

#: Input kinds a kernel can be registered for.
KINDS = ("image", "audio")


@dataclass
class Batch:
    """What a kernel is handed: the samples one transform applies to, with their parameters.

    Images are ``(b, C, H, W)`` float32 in the input's value scale (``scale`` = 255.0 for a uint8
    input, 1.0 for a float one; the executor converts uint8 in and rounds back out once, at the
    end); audio is ``(b, C, T)`` float32. Row ``i`` of every tensor goes with ``params[i]``.
    """

    #: Sample fields as tensors on one device: ``image``, ``mask`` (b, H, W), ``audio``, ...
    fields: dict[str, Any]
    #: Per sample (same order as the rows): the parameters ``make_params`` drew for its key.
    params: Sequence[Mapping[str, Any]]
    #: Value scale of images (255.0: uint8 input; 1.0: float input).
    scale: float = 1.0
    #: Audio sample rate (None for images).
    sample_rate: int | None = None
    #: Anything else the executor passes along: ``keys`` (the rows' keys), ``rows`` (their
    #: positions in the whole batch), ``epoch``, ``path`` (the leaf's position in the pipeline).
    extra: dict[str, Any] = field(default_factory=dict)
    #: The dtype the per-sample path's image has here (``"uint8"`` or ``"float32"``). After a
    #: conversion step (``Normalize``, ``ToFloat``, ``FromFloat``: leaves with ``preserves_shape``
    #: False) the executor takes the dtype that step's per-sample ``apply`` gives (on one pixel)
    #: and rounds back to uint8 at the end only rows that end uint8; ``scale`` follows (1.0 once
    #: float). A kernel may also set it. A batch whose samples end in different dtypes is refused.
    dtype: str = "float32"

    def rate(self, owner: str) -> int:
        """The audio sample rate, or an :class:`InvalidInputError` naming ``owner`` (an image batch)."""
        if self.sample_rate is None:
            raise InvalidInputError(owner, "sample_rate", "is missing from the batch", "pass sample_rate=...")
        return self.sample_rate


Kernel = Callable[["Transform", Batch], "dict[str, torch.Tensor]"]

_KERNELS: dict[tuple[str, str], Kernel] = {}
#: Kernels of every leaf of a fusion kind (``defer_kind``), e.g. the geometric executor for all warps.
_DEFERRED: dict[tuple[str, str], Kernel] = {}


def kernel(name: str, kind: str) -> Callable[[Kernel], Kernel]:
    """Register the decorated function as the batched kernel of transform ``name`` on ``kind`` input."""
    if kind not in KINDS:
        raise ValueError(f"kernel kind must be one of {KINDS}, got {kind!r}")

    def register(fn: Kernel) -> Kernel:
        if (name, kind) in _KERNELS:
            raise ValueError(f"a batched kernel for {name} on {kind} input is already registered")
        _KERNELS[(name, kind)] = fn
        return fn

    return register


def deferred_kernel(defer_kind: str, kind: str) -> Callable[[Kernel], Kernel]:
    """Register the decorated function for every leaf whose ``defer_kind`` is ``defer_kind``.

    A kernel registered by name (:func:`kernel`) takes precedence. The geometric executor
    registers itself this way for ``"warp"``: every ``WarpTransform``, present or future.
    """
    if kind not in KINDS:
        raise ValueError(f"kernel kind must be one of {KINDS}, got {kind!r}")

    def register(fn: Kernel) -> Kernel:
        _DEFERRED[(defer_kind, kind)] = fn
        return fn

    return register


def unregister(name: str, kind: str) -> None:
    """Remove the kernel of transform ``name`` on ``kind`` input (tests register temporary ones)."""
    _KERNELS.pop((name, kind), None)


def find_kernel(t: Transform, kind: str) -> Kernel:
    """The kernel of leaf ``t`` for ``kind`` input, or an :class:`InvalidInputError` naming it."""
    fn = _KERNELS.get((t.name, kind))
    if fn is None and t.defer_kind is not None:
        fn = _DEFERRED.get((t.defer_kind, kind))
    if fn is None:
        have = sorted(n for n, k in _KERNELS if k == kind)
        raise InvalidInputError(
            t.name,
            "batched",
            f"has no batched kernel for {kind} input",
            f"run it per sample (AugmentedDataset), or use one of: {', '.join(have) or 'none yet'}",
        )
    return fn


def kernels(kind: str | None = None) -> dict[tuple[str, str], Kernel]:
    """A copy of the registry (all kinds, or one)."""
    return {k: v for k, v in _KERNELS.items() if kind is None or k[1] == kind}
