"""``ma.torch.batched(pipe)``: a pipeline as a ``torch.nn.Module`` over keyed batches of tensors.

A call has two phases. The **draw phase** runs on the host: sample ``i`` goes through the
pipeline's own composers and ``make_params`` with its key (a draw-only call, see :mod:`.draw`),
so it draws exactly what ``pipe(image=x[i], key=keys[i], epoch=epoch)`` draws, and its trace is
the per-sample trace. No pixel is touched there: the image is a shape-only stand-in. The
**execute phase** (:mod:`.executor`) then applies what was drawn to the whole batch on its
device: fused geometric groups as one resampling each (:mod:`.geometric`), every other leaf
through its registered kernel (:mod:`.registry`).

``torch.compile``: the module works under ``torch.compile`` only as graph breaks: the draw phase
is Python over NumPy generators (keyed streams, per-sample control flow: ``OneOf`` choices,
``p``), which Dynamo cannot trace, and its results (sub-batches, sizes) change from call to
call. Compile the model, not the augmentation; the kernels themselves are plain torch ops.
"""

from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass
from typing import Any

import torch

from ...core.errors import InvalidInputError
from ...core.transform import Transform
from .draw import draw_sample
from .executor import execute
from .registry import find_kernel

__all__ = ["KERNEL_MODULES", "BatchDraws", "BatchedPipeline", "batched"]

#: Modules that register kernels, imported the first time :func:`batched` is called.
KERNEL_MODULES = (
    "multiaug.torch.batch.geometric",
    "multiaug.torch.batch.image_pixel",
    "multiaug.torch.batch.image_colour",
    "multiaug.torch.batch.image_channels",
    "multiaug.torch.batch.image_filters",
    "multiaug.torch.batch.image_noise",
    "multiaug.torch.batch.image_mix",
    "multiaug.torch.batch.audio",
)
_loaded = False

#: Border modes one ``grid_sample`` reproduces exactly ("reflect" is OpenCV's REFLECT_101, which
#: ``padding_mode="reflection"`` is not; "wrap" has no counterpart).
_BORDERS = ("constant", "replicate")


def _load_kernels() -> None:
    global _loaded
    if _loaded:
        return
    for name in KERNEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as e:  # a kernel module not written yet
            if e.name != name:
                raise
    _loaded = True


def _kind(leaf: Transform) -> str | None:
    if "image" in leaf.fields:
        return "image"
    if "audio" in leaf.fields:
        return "audio"
    return None


def _check_warp(leaf: Transform) -> None:
    """Refuse at construction what one batched resampling cannot reproduce."""
    r = leaf._r
    interpolation = getattr(r, "interpolation", "linear")
    if interpolation != "linear":
        raise InvalidInputError(
            leaf.name,
            "interpolation",
            f"is {interpolation!r}; the batched path resamples bilinearly (masks nearest)",
            f"use {leaf.name}(interpolation='linear') for batches, or run it per sample",
        )
    border = getattr(r, "border", "constant")
    if border not in _BORDERS:
        raise InvalidInputError(
            leaf.name,
            "border",
            f"is {border!r}; one grid_sample reproduces only {' and '.join(_BORDERS)} borders exactly",
            f"use border='constant' or 'replicate' in batches, or run {leaf.name} per sample",
        )


def _check(pipe: Transform) -> str:
    """The input kind; an error naming the first leaf without a kernel or with a refused option."""
    plan = pipe._plan
    if plan.targets:
        raise InvalidInputError(
            pipe.name,
            "targets",
            f"declares extra targets {sorted(plan.targets)}; the batched path moves image, mask, "
            "bboxes and keypoints only",
            "pass a mask as mask=(B, N, H, W), or run the pipeline per sample",
        )
    kinds = {k for k in map(_kind, plan.leaves) if k is not None}
    if len(kinds) != 1:
        raise InvalidInputError(
            pipe.name,
            "transforms",
            f"reads {'both image and audio' if kinds else 'neither image nor audio'}",
            "batch a pipeline of image transforms or one of audio transforms",
        )
    kind = kinds.pop()
    for leaf in plan.leaves:
        if leaf.draws_from_pixels:
            raise InvalidInputError(
                leaf.name,
                "batched",
                "draws its parameters from pixel or mask values, which the batched draw phase does not "
                "hold (it draws on shape-only stand-ins)",
                f"run {leaf.name} per sample (AugmentedDataset), before the batch",
            )
        if leaf.defer_kind == "warp":
            _check_warp(leaf)
        find_kernel(leaf, kind)
    return kind


def batched(pipe: Transform) -> BatchedPipeline:
    """``pipe`` as a :class:`torch.nn.Module` over keyed image (B, C, H, W) or audio (B, C, T) batches.

    Sample ``i`` draws exactly what ``pipe(image=x[i], key=keys[i], epoch=epoch)`` draws (its
    trace is equal); the pixel work runs batched on the tensors' device. A leaf without a
    batched kernel raises :class:`~multiaug.InvalidInputError` naming it, here.

    Examples
    --------
    >>> import torch, multiaug as ma
    >>> pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.RandomCrop(24, 24)], seed=0)
    >>> tp = ma.torch.batched(pipe)
    >>> x = torch.zeros((4, 3, 32, 32), dtype=torch.uint8)
    >>> out = tp(image=x, key=[0, 1, 2, 3], epoch=1)
    >>> tuple(out["image"].shape), out["image"].dtype, tp.fingerprint == pipe.fingerprint
    ((4, 3, 24, 24), torch.uint8, True)
    """
    return BatchedPipeline(pipe)


class BatchedPipeline(torch.nn.Module):
    """A pipeline over batches of tensors (see :func:`batched`); holds a copy of the pipeline.

    ``train()`` / ``eval()`` set the mode of the module and of its pipeline (``eval()``:
    augmentations are the identity, deterministic steps still apply, as ``Compose.eval()``).
    """

    def __init__(self, pipe: Transform) -> None:
        super().__init__()
        if not isinstance(pipe, Transform):
            raise InvalidInputError(
                "torch.batched",
                "pipe",
                f"is not a multiaug transform: {pipe!r:.80}",
                "pass ma.Compose([...])",
            )
        _load_kernels()
        self.pipe = copy.deepcopy(pipe)
        self.kind = _check(self.pipe)
        self.training = self.pipe.training

    # ------------------------------------------------------------------ identity
    @property
    def seed(self) -> Any:
        return self.pipe.seed

    @property
    def fingerprint(self) -> str:
        return self.pipe.fingerprint

    @property
    def config(self) -> dict[str, Any]:
        return self.pipe.to_config()

    def to_config(self) -> dict[str, Any]:
        return self.pipe.to_config()

    def train(self, mode: bool = True) -> BatchedPipeline:
        super().train(mode)
        self.pipe.train(mode)
        return self

    def extra_repr(self) -> str:
        return repr(self.pipe)

    # ------------------------------------------------------------------ calling
    @torch.compiler.disable  # the draw phase is host Python (keyed NumPy streams): a graph break
    def forward(
        self,
        *,
        key: Any = None,
        epoch: int = 0,
        trace: bool = False,
        draws: BatchDraws | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        from .inputs import prepare

        if draws is not None:  # drawn apart (a DataLoader worker): only the pixel work is left
            key, epoch, trace = self._take(draws, key, epoch, trace, fields)
        batch = prepare(self.pipe.name, self.kind, key, epoch, fields)
        drawn = draws.drawn if draws is not None else self._draw(batch, epoch, trace)
        dtypes = execute(drawn, batch.rows, self.kind, batch.info)
        return batch.finish(self.pipe.name, drawn, dtypes, trace)

    def draw(self, *, key: Any, epoch: int = 0, trace: bool = False, **fields: Any) -> BatchDraws:
        """The draw phase of a call, apart from its pixel work: pass the result as ``draws=``.

        Takes the fields the call would take (only the tensors' shapes and dtypes are read, so a
        CPU batch in a ``DataLoader`` worker stands for the device batch); ``bboxes`` and
        ``keypoints`` go here and come back moved from the call. The result is picklable, so
        the host work runs in the workers, in parallel, and the training step does only the
        pixel work::

            draws = tp.draw(image=x_cpu, key=keys, epoch=epoch)      # in collate_fn
            out = tp(image=x_cpu.to("cuda"), draws=draws)            # in the training step

        ``tp(image=x, draws=tp.draw(image=x, key=keys))`` equals ``tp(image=x, key=keys)``.
        """
        from .inputs import prepare

        batch = prepare(self.pipe.name, self.kind, key, epoch, fields)
        drawn = self._draw(batch, int(epoch), trace)
        return BatchDraws(self._draws_fingerprint(), _signature(fields), batch.keys, int(epoch), trace, drawn)

    def _draws_fingerprint(self) -> str:
        """The pipeline's trace fingerprint (its train/eval mode included): cached until it changes."""
        return self.pipe._trace_fingerprint()

    def _draw(self, batch: Any, epoch: int, trace: bool) -> list[Any]:
        return [
            draw_sample(self.pipe, sample, k, epoch, trace, validate=(i == 0 or batch.targets))
            for i, (sample, k) in enumerate(zip(batch.samples, batch.keys, strict=True))
        ]

    def _take(
        self, draws: Any, key: Any, epoch: int, trace: bool, fields: dict[str, Any]
    ) -> tuple[Any, int, bool]:
        """Check that ``draws`` were made by this pipeline for a batch like ``fields``."""
        owner = self.pipe.name
        if not isinstance(draws, BatchDraws):
            raise InvalidInputError(
                owner,
                "draws",
                f"is a {type(draws).__name__}, not the result of draw()",
                "pass draws=tp.draw(...)",
            )
        mine = self._draws_fingerprint()
        if draws.fingerprint != mine:
            raise InvalidInputError(
                owner,
                "draws",
                f"were drawn by a pipeline with fingerprint {draws.fingerprint}, this one is "
                f"{mine} (another pipeline, or another train/eval mode)",
                "draw with the same module (and mode) that applies them",
            )
        given = [n for n in fields if n in _MOVED_BY_DRAW]
        if given:
            raise InvalidInputError(
                owner, given[0], "is given with draws=; the draws already moved it", "pass it to draw()"
            )
        if _signature(fields) != draws.signature:
            raise InvalidInputError(
                owner,
                "draws",
                f"were drawn for fields {draws.signature}, the call has {_signature(fields)}",
                "draw for the batch you apply them to (same shapes and dtypes)",
            )
        for name, value, default in (("key", key, None), ("epoch", epoch, 0), ("trace", trace, False)):
            theirs = {"key": draws.keys, "epoch": draws.epoch, "trace": draws.trace}[name]
            if value != default and value != theirs:
                problem = f"is {value!r} but the draws have {theirs!r}"
                raise InvalidInputError(owner, name, problem, f"leave {name} out with draws=")
        return draws.keys, draws.epoch, draws.trace


#: Fields the draw phase moves itself (they come back from the call that applies the draws).
_MOVED_BY_DRAW = ("bboxes", "keypoints", "bbox_labels", "keypoint_labels")


def _signature(fields: dict[str, Any]) -> tuple[tuple[str, tuple[int, ...], str], ...]:
    """``(name, shape, dtype)`` of the tensor fields of a call (what the draws depend on)."""
    return tuple(
        (n, tuple(v.shape), str(v.dtype)) for n, v in sorted(fields.items()) if isinstance(v, torch.Tensor)
    )


@dataclass
class BatchDraws:
    """The draw phase of one batch (:meth:`BatchedPipeline.draw`): picklable, applied with ``draws=``."""

    fingerprint: str
    signature: tuple[tuple[str, tuple[int, ...], str], ...]
    keys: list[Any]
    epoch: int
    trace: bool
    drawn: list[Any]

    def __len__(self) -> int:
        return len(self.keys)
