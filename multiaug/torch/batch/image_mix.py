"""Batched MixUp and CutMix (issue 16): batch-level mixing, keyed as :class:`~multiaug.torch.MixCollate` does.

The mixers draw once per batch, not per sample. The per-sample workflow mixes in
``MixCollate``, keyed ``"batch:" + ",".join(indices)`` (the dataset indices of the batch's
items) and the epoch; the batched path mirrors that: :func:`draw_mix_params` draws the
mixer's params with ``mixer.keyed_params(...)`` under :func:`mix_key` of the batch's
per-sample keys, so a batch keyed by dataset indices mixes exactly as ``MixCollate`` mixes the
same items (same ``lam``, ``perm`` and CutMix box), and replays from its trace.

The executor hands the kernel the whole batch (a mixer applies to the batch or not at all)
with ``batch.params`` either one dict or the same dict for every row; labels, when present
in ``batch.fields["labels"]`` (``(b,)`` integer ids with ``num_classes``, or ``(b, K)``
floats), come back mixed as float32 soft labels ``(b, K)``. Sample ``i``'s output depends on
its partner ``perm[i]``: unlike the other kernels, a mixer's output is a function of the
whole batch (its keys), by definition.

Arithmetic as the CPU op (``multiaug.image.functional.mix``): MixUp blends in float32 with
separate multiply and add, uint8 rounded half to even, float32 clipped; labels in float64
then float32. Bit-exact against the CPU op.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ...core.errors import InvalidInputError
from ...image.functional.mix import pasted_fraction
from .image_pixel import f32, finish, single, whole
from .registry import Batch, kernel

__all__ = ["draw_mix_params", "mix_key"]


def mix_key(keys: Sequence[int | str]) -> str:
    """The key of a batch made of samples keyed ``keys``: ``"batch:k0,k1,..."``, as ``MixCollate``'s."""
    return "batch:" + ",".join(map(str, keys))


def draw_mix_params(
    mixer: Any, size: tuple[int, int], keys: Sequence[int | str], epoch: int = 0
) -> dict[str, Any] | None:
    """The params ``mixer`` draws for a batch of ``len(keys)`` images of ``size`` (H, W); None if it skips.

    The draw depends on the batch size, the image size, the keys and the epoch only, so a
    stand-in batch of zeros is validated instead of copying the images to the host.
    """
    k = mixer._r.num_classes or 1
    labels = np.zeros((len(keys), k), np.float32)
    labels[:, 0] = 1.0
    images = np.zeros((len(keys), *size), np.uint8)
    out = mixer.keyed_params({"images": images, "labels": labels}, key=mix_key(keys), epoch=epoch)
    return None if out is None else dict(out)


def _batch_params(t: Any, batch: Batch) -> Mapping[str, Any]:
    params = batch.params
    if not params or any(p != params[0] for p in params[1:]):
        raise InvalidInputError(
            t.name,
            "params",
            "must be one batch-level draw (the same dict for every row)",
            "draw them once per batch with multiaug.torch.batch.image_mix.draw_mix_params",
        )
    return params[0]


def _perm(t: Any, params: Mapping[str, Any], x: torch.Tensor) -> torch.Tensor:
    perm = [int(i) for i in params["perm"]]
    if sorted(perm) != list(range(x.shape[0])):
        raise InvalidInputError(
            t.name,
            "images",
            f"has batch size {x.shape[0]}, but the params pair {len(perm)} images",
            "draw the params for this batch (draw_mix_params), or replay a trace on the batch it was made on",
        )
    return torch.tensor(perm, dtype=torch.int64, device=x.device)


def _labels(t: Any, batch: Batch, perm: torch.Tensor, weight: float) -> dict[str, torch.Tensor]:
    labels = batch.fields.get("labels")
    if labels is None:
        return {}
    if not labels.is_floating_point():
        k = t._r.num_classes
        if k is None:
            raise InvalidInputError(
                t.name,
                "labels",
                "are integer class ids but num_classes is not set",
                f"construct {type(t).__name__}(..., num_classes=K) or pass one-hot (B, K) floats",
            )
        labels = torch.nn.functional.one_hot(labels.long(), k)
    y = labels.to(torch.float64)
    return {"labels": (weight * y + (1.0 - weight) * y[perm]).to(torch.float32)}


@kernel("image.MixUp", "image")
def mixup(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """``lam * x + (1 - lam) * x[perm]`` in float32 (uint8 rounded once, float32 clipped); labels alike."""
    params = _batch_params(t, batch)
    x = whole(single(t, batch), batch.scale)
    perm = _perm(t, params, x)
    lam = float(params["lam"])
    out = x * f32(lam)
    out += x[perm] * f32(1.0 - lam)
    return {"image": finish(out, batch.scale), **_labels(t, batch, perm, lam)}


@kernel("image.CutMix", "image")
def cutmix(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Paste ``x[perm]`` into the drawn box (clipped to the image); labels weighted by the area kept."""
    params = _batch_params(t, batch)
    x = whole(single(t, batch), batch.scale)
    perm = _perm(t, params, x)
    h, w = x.shape[-2:]
    x1, y1, x2, y2 = (int(v) for v in params["box"])
    x1, x2 = min(max(x1, 0), w), min(max(x2, 0), w)
    y1, y2 = min(max(y1, 0), h), min(max(y2, 0), h)
    out = x.clone()
    if x2 > x1 and y2 > y1:
        out[:, :, y1:y2, x1:x2] = x[perm, :, y1:y2, x1:x2]
    weight = 1.0 - pasted_fraction(params["box"], h, w)
    return {"image": out, **_labels(t, batch, perm, weight)}
