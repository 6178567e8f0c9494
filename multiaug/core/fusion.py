"""Fusion: consecutive fusable operations wait in the sample and are applied together.

A transform with ``defer_kind`` adds its application to the sample's pending work of that
kind instead of applying it (one 3x3 matrix for consecutive geometric ops, one lookup table
for consecutive uint8 point colour ops); any other transform, or the end of the call, flushes
it first. :class:`Call` carries the per-call context (trace, fusion switch) down the tree.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PENDING", "Call", "Deferred", "Sample", "flush_pending"]

Sample = dict[str, Any]
Trace = list[dict[str, Any]]

#: Reserved sample key under which fusable operations wait to be applied together.
PENDING = "__multiaug_pending__"


class Deferred:
    """Work that fusable transforms accumulate instead of applying at once.

    A transform with ``defer_kind`` set adds itself to the pending work of
    that kind (e.g. one 3x3 matrix for consecutive geometric ops, one lookup
    table for consecutive uint8 point colour ops). Any other transform, a
    different kind, or the end of the call first *flushes* it: one resampling
    instead of several. Call and replay see the same sequence of applied
    operations, so they fuse exactly the same groups.
    """

    kind: str = ""

    def flush(self, sample: Sample) -> Sample:
        """Apply the accumulated work; returns a new sample without :data:`PENDING`."""
        raise NotImplementedError


class Call:
    """Per-call context handed down the tree: the trace being recorded and the fusion switch.

    ``draw`` (None in every ordinary call) switches the call to draw-only: every leaf that
    applies still draws its parameters from its keyed stream exactly as in a real call, then
    hands ``(leaf, sample, params, path)`` to ``draw`` instead of applying them, and continues with
    the sample ``draw`` returns. The batched path (:func:`multiaug.torch.batched`) uses it to
    draw the parameters of a whole batch on the host without touching any pixel.
    """

    __slots__ = ("draw", "fuse", "trace")

    def __init__(self, trace: Trace | None, fuse: bool, draw: Any = None) -> None:
        self.trace = trace
        self.fuse = fuse
        self.draw = draw


# Shared contexts of untraced calls (a Call without a trace is never modified).
_FUSING = Call(None, True)
_NOT_FUSING = Call(None, False)


def flush_pending(sample: Sample) -> Sample:
    """Apply any pending fused work left in ``sample``."""
    pending = sample.get(PENDING)
    return sample if pending is None else pending.flush(sample)
