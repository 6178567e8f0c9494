"""The draw phase of a batch: every sample's parameters from its own key, no pixel touched.

Sample ``i`` runs through the pipeline's own ``_run`` (composers, ``p``, ``OneOf``/``SomeOf``
choices, stream salts: all unchanged) under a draw-only :class:`~multiaug.core.fusion.Call`.
Its image is a :class:`Proxy`, a zero-strided stand-in of the right shape and dtype, so every
``make_params`` sees the size it would see. Geometric ops still ``defer`` into the CPU engine's
:class:`~multiaug.image.geometric.engine.PendingWarp` (matrices only: cheap), which fixes the
groups a real call would resample at once; where a real call would resample (before another
op, at the end), a :class:`DrawPending` records the group instead, moves ``bboxes`` and
``keypoints`` with the engine's own code, and leaves a proxy of the new size. Every other leaf
is recorded with its parameters and leaves the proxy as it is.

The result per sample is a list of :class:`Event` in the order a real call would apply them,
with a key that orders them across the batch (tree position), and the trace: equal to the
per-sample trace by construction.

A leaf's event is keyed by its tree position ``(path, 1, 0)``. A flushed group touches nothing
but its own sample's pixels, so it may run anywhere between that sample's previous event and its
next one; it is keyed at the earliest such place, ``(path of the previous event, 2, n)`` (``()``
before the first), so the groups of a batch meet at as few keys as possible: a pipeline that
starts with geometric ops resamples all of its samples' first groups in one step, whichever
later leaf (or the end) made each sample flush.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core import random as _random
from ...core.fusion import PENDING, Call
from ...core.transform import Transform
from ...image.geometric.engine import PendingWarp
from .geometric import prepare_group

__all__ = ["Drawn", "Event", "Proxy", "draw_sample", "proxy"]

Key = tuple[tuple[int, ...], int, int]
#: The kind of a leaf's key, and of a flushed group's (after the leaf it follows).
_LEAF, _GROUP = 1, 2


class Proxy(np.ndarray):
    """A shape-only stand-in for an image or mask in the draw phase (all zeros, no memory)."""


_PROXIES: dict[tuple[tuple[int, ...], Any], Proxy] = {}


def proxy(shape: tuple[int, ...], dtype: Any) -> Proxy:
    """A zero-strided, read-only :class:`Proxy` of ``shape`` and ``dtype`` (shared: they never change)."""
    key = (tuple(shape), np.dtype(dtype))
    made = _PROXIES.get(key)
    if made is None:
        if len(_PROXIES) > 4096:  # sizes drawn at random (resized crops): keep the cache bounded
            _PROXIES.clear()
        made = _PROXIES[key] = np.broadcast_to(np.zeros((), dtype), shape).view(Proxy)
    return made


@dataclass(slots=True)
class Event:
    """One thing a real call would do to the pixels of one sample.

    ``warp``: a fused geometric group (``leaf`` None) resampled at once; ``leaf``: a non-geometric
    leaf applied with ``params``. ``size`` is the image's (H, W) before the event.
    """

    key: Key
    size: tuple[int, int]
    warp: PendingWarp | None = None
    leaf: Transform | None = None
    params: Mapping[str, Any] | None = None
    #: The image dtype the per-sample path has after a conversion leaf (``Normalize``: float32).
    dtype: str | None = None


class DrawPending(PendingWarp):
    """A :class:`PendingWarp` whose flush records the group instead of resampling."""

    recorder: _Recorder

    def flush(self, sample: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in sample.items() if k != PENDING}
        size = self.image_size
        for name in ("image", "mask"):
            a = sample.get(name)
            if a is not None:
                out[name] = proxy((*size, *a.shape[2:]), a.dtype)
        self.move_targets(out, sample)
        recorder = self.recorder
        # from here on a plain group (what the executor reads, and what draws pickle), its
        # resampling plan made now: in the draw phase (a DataLoader worker), not in the training step
        del self.recorder
        self.__class__ = PendingWarp  # type: ignore[assignment]
        prepare_group(self)
        recorder.flushed(self)
        return out


def _adopt(sample: dict[str, Any], recorder: _Recorder) -> None:
    """Make the sample's pending group (if the engine just made a new one) record its flush."""
    pending = sample.get(PENDING)
    if pending is not None and type(pending) is PendingWarp:
        pending.__class__ = DrawPending
        pending.recorder = recorder  # type: ignore[attr-defined]


class _Recorder:
    """The ``draw`` callback of one sample's draw-only call: collects its :class:`Event` list."""

    __slots__ = ("anchor", "events", "fuse", "main", "resizers", "seq")

    def __init__(self, fuse: bool, main: str) -> None:
        self.fuse = fuse
        #: The field whose shape is the sample's size (``image`` or ``audio``).
        self.main = main
        self.events: list[Event] = []
        #: The path of the sample's last leaf event (``()`` before any) and the groups flushed since.
        self.anchor: tuple[int, ...] = ()
        self.seq = 0
        #: Names of the size-changing ops applied (to name them when samples end at different sizes).
        self.resizers: list[str] = []

    def flushed(self, pending: PendingWarp) -> None:
        self.events.append(Event((self.anchor, _GROUP, self.seq), pending.in_size, warp=pending))
        self.seq += 1

    def __call__(
        self, leaf: Transform, sample: dict[str, Any], params: Mapping[str, Any], path: tuple[int, ...]
    ) -> dict[str, Any]:
        if leaf.defer_kind == "warp":
            if not leaf.preserves_shape:
                self.resizers.append(leaf.name)
            if PENDING not in sample:
                pending = DrawPending(sample["image"].shape[:2])
                pending.recorder = self
                sample = {**sample, PENDING: pending}
            out = leaf.defer(sample, params)
            _adopt(out, self)
            if not self.fuse:  # op by op: each warp is a group of one
                out = out[PENDING].flush(out)
            return out
        event = Event((path, _LEAF, 0), sample[self.main].shape[:2], leaf=leaf, params=params)
        self.events.append(event)
        self.anchor, self.seq = path, 0
        if not leaf.preserves_shape and self.main == "image":
            sample = _converted(leaf, sample, params, event)
        elif leaf.name in MAKES_SPECTROGRAM and self.main == "audio":
            sample = {**sample, "spectrogram": _spectrogram_proxy(leaf, sample, params)}
        return sample


#: Audio leaves that add a ``spectrogram`` field: the later leaves' draws read its shape.
MAKES_SPECTROGRAM = frozenset({"audio.MelSpectrogram"})
#: (leaf, its resolved parameters, audio shape, rate) -> (those parameters, spectrogram shape).
_SPECTROGRAM_SHAPES: dict[tuple[Any, ...], tuple[Any, tuple[int, ...]]] = {}


def _spectrogram_proxy(leaf: Transform, sample: dict[str, Any], params: Mapping[str, Any]) -> Proxy:
    """A proxy of the spectrogram ``leaf`` makes: its shape from the leaf's own ``apply`` on silence
    of the sample's shape, once per leaf configuration, audio shape and rate (then looked up)."""
    audio, rate, resolved = sample["audio"], sample.get("sample_rate"), leaf._r
    key = (id(leaf), id(resolved), audio.shape, rate)
    made = _SPECTROGRAM_SHAPES.get(key)
    if made is None or made[0] is not resolved:  # (a new configuration may reuse an old id)
        if len(_SPECTROGRAM_SHAPES) > 256:
            _SPECTROGRAM_SHAPES.clear()
        silence = {"audio": np.zeros(audio.shape, np.float32), "sample_rate": rate}
        made = _SPECTROGRAM_SHAPES[key] = (resolved, leaf.apply(silence, params)["spectrogram"].shape)
    return proxy(made[1], np.float32)


def _converted(
    leaf: Transform, sample: dict[str, Any], params: Mapping[str, Any], event: Event
) -> dict[str, Any]:
    """After a leaf that may change the image's dtype (``Normalize``, ``ToFloat``, ``FromFloat``).

    The leaf's own ``apply`` on one pixel tells the dtype the per-sample path has from here on;
    the proxy takes it (later draws and checks see it) and the executor keeps it for the end.
    """
    image = sample["image"]
    probe = leaf.apply({"image": np.zeros((1, 1, *image.shape[2:]), image.dtype)}, params)["image"]
    dtype = str(probe.dtype).removeprefix("torch.")
    event.dtype = dtype
    if isinstance(probe, np.ndarray) and probe.dtype != image.dtype:
        sample = {**sample, "image": proxy(image.shape, probe.dtype)}
    return sample


@dataclass(slots=True)
class Drawn:
    """What the draw phase gives for one sample."""

    events: list[Event]
    trace: list[dict[str, Any]] | None
    #: The sample's fields after the call (proxies for the image and mask; moved boxes, points).
    out: dict[str, Any]
    #: The size-changing ops it applied.
    resizers: list[str]


def draw_sample(
    pipe: Transform,
    sample: dict[str, Any],
    key: int | str,
    epoch: int,
    trace: bool,
    validate: bool,
) -> Drawn:
    """Run ``pipe``'s draws for one keyed sample (``sample`` holds proxies, boxes, points)."""
    plan = pipe._plan
    edge = plan.edge
    if edge is not None:
        sample = edge.enter(pipe.name, sample)
    if validate:
        pipe._validate(sample)
    stream = _random.root_key(plan.seed64, key, epoch, 0, pipe.name)
    recorder = _Recorder(plan.fuse, "image" if "image" in sample else "audio")
    call = Call([] if trace else None, plan.fuse, recorder)
    out = pipe._run(sample, stream, call, ())
    if PENDING in out:
        out = out[PENDING].flush(out)
    if edge is not None:
        out = edge.leave(out)
    if call.trace is not None:
        fingerprint = pipe._trace_fingerprint()
        for entry in call.trace:
            entry["fingerprint"] = fingerprint
    return Drawn(recorder.events, call.trace, out, recorder.resizers)
