"""Batched noise and erasing kernels (issue 16), with a counter-based generator in torch integer ops.

The per-sample ops draw their noise field from the sample's drawn ``noise_seed`` with NumPy's
SFC64 stream, which a GPU cannot reproduce cheaply. The batched kernels are keyed by the
same drawn seed but generate the field with a counter-based generator instead: element
``n`` of a sample's field (flat ``C, H, W`` index; per pixel for salt and pepper) comes from a
keyed counter hash in int32 arithmetic: ``lowbias32(lowbias32(n // 2 ^ k0) + k1)`` (Chris
Wellons' integer hash, two rounds), ``(k0, k1)`` the 64 bits of the project's key mixer
``mix(noise_seed, TAGS["batch_noise"])``, each 32-bit word giving two 16-bit uniforms. So the
batched field

* is a **different realisation** than the per-sample path's, with **the same distribution**
  (Gaussian noise: the very inverse-CDF table of 65536 normal quantiles the CPU op samples
  from; salt and pepper: the same 16-bit thresholds; random erasing fill: uniform levels);
* is a pure function of (noise seed, element index): the same on CPU and CUDA, and sample
  ``i``'s noise does not depend on the batch size or on the other samples;
* costs about two dozen int32 passes over half the elements (no host sync; int32 rather than
  int64 because CPUs shift and multiply 32-bit lanes in SIMD).

torch's int32 multiplication wraps modulo 2**32 on every backend (two's complement), which the
hash needs; the tests check the words against a pure-Python version of it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ...core.errors import InvalidInputError
from ...core.random import TAGS, mix
from ...image.functional.noise import normal_quantiles
from .image_pixel import UINT8, finish, single, whole
from .registry import Batch, kernel
from .staging import Sent, Stage

__all__ = ["key_words", "noise_keys", "random_words", "uniform16"]

_MASK32 = (1 << 32) - 1
#: Chris Wellons' ``lowbias32`` multipliers (hash-prospector), as the int32 that hold them.
_H1 = 0x7FEB352D
_H2 = 0x846CA68B - (1 << 32)


def _int32(v: int) -> int:
    v &= _MASK32
    return v - (1 << 32) if v >> 31 else v


def key_words(seeds: list[int]) -> np.ndarray:
    """The two 32-bit generator keys of each noise seed, as an int32 host array (b, 2)."""
    keys = np.empty((len(seeds), 2), dtype=np.int32)
    tag = TAGS["batch_noise"]
    for i, s in enumerate(seeds):
        z = mix(int(s), tag)
        keys[i] = _int32(z), _int32(z >> 32)
    return keys


def noise_keys(seeds: list[int], device: torch.device) -> torch.Tensor:
    """The two 32-bit generator keys of each noise seed, as an int32 tensor (b, 2)."""
    return torch.from_numpy(key_words(seeds)).to(device)


def _shr(z: torch.Tensor, k: int) -> torch.Tensor:
    """Logical right shift of int32 bit patterns (torch's ``>>`` is arithmetic)."""
    return (z >> k) & ((1 << (32 - k)) - 1)


def _lowbias32(x: torch.Tensor) -> torch.Tensor:
    """Wellons' ``lowbias32`` integer hash, in place on int32 (multiplication wraps modulo 2**32)."""
    x.bitwise_xor_(_shr(x, 16)).mul_(_H1)
    x.bitwise_xor_(_shr(x, 15)).mul_(_H2)
    return x.bitwise_xor_(_shr(x, 16))


def random_words(keys: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` 32-bit words per key (b, n) as int32: ``lowbias32(lowbias32(j ^ k0) + k1)`` for j = 0..n-1."""
    counter = torch.arange(n, dtype=torch.int32, device=keys.device)
    x = counter.view(1, -1) ^ keys[:, :1]
    return _lowbias32(_lowbias32(x).add_(keys[:, 1:]))


def uniform16(keys: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` uniform 16-bit integers per key (b, n) as int32; word ``j`` gives elements ``2j``, ``2j + 1``."""
    words = random_words(keys, (n + 1) // 2)
    lanes = torch.stack([words & 0xFFFF, _shr(words, 16)], dim=-1)
    return lanes.view(keys.shape[0], -1)[:, :n]


@functools.lru_cache(maxsize=8)
def _quantiles(device: torch.device) -> torch.Tensor:
    """The CPU op's 65536 normal quantiles as float32 on ``device``."""
    return torch.from_numpy(normal_quantiles().astype(np.float32)).to(device)


def _seeds(batch: Batch) -> list[int]:
    return [int(p["noise_seed"]) for p in batch.params]


@kernel("image.GaussianNoise", "image")
def gaussian_noise(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Add ``std * z`` per value, ``z`` the 16-bit inverse-CDF normal of the CPU op; uint8: rounded noise.

    On uint8 levels the noise is ``floor(std * 255 * z + 0.5)``, saturated, as the CPU op's
    integer table (the same as adding float noise and rounding); float32 is clipped to [0, 1].
    """
    x = whole(single(t, batch), batch.scale)
    stage = Stage()
    keys = stage.add(key_words(_seeds(batch)))
    stds = stage.add([float(p["std"]) for p in batch.params], np.float32)
    sent = stage.send(x.device)
    u = uniform16(sent[keys], x[0].numel())
    z = _quantiles(x.device).index_select(0, u.reshape(-1)).view(x.shape)
    std = sent[stds].view(-1, 1, 1, 1)
    if batch.scale == UINT8:  # whole levels plus whole noise: clipping is all that is left
        noise = z.mul_(std * UINT8).add_(0.5).floor_()
        return {"image": noise.add_(x).clamp_(0.0, UINT8)}
    return {"image": finish(z.mul_(std).add_(x), batch.scale)}


@kernel("image.SaltPepperNoise", "image")
def salt_pepper_noise(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """One 16-bit uniform ``u`` a pixel: ``u < amount * svp * 2**16`` salt, ``u < amount * 2**16`` pepper."""
    x = single(t, batch)
    b, _, h, w = x.shape
    stage = Stage()
    keys = stage.add(key_words(_seeds(batch)))
    amount = [float(p["amount"]) for p in batch.params]
    salt = [float(p["amount"]) * float(p["salt_vs_pepper"]) for p in batch.params]
    thresholds = stage.add([[round(a * 65536) for a in amount], [round(v * 65536) for v in salt]], np.int32)
    sent = stage.send(x.device)
    u = uniform16(sent[keys], h * w).view(b, 1, h, w)
    hit = u < sent[thresholds][0].view(-1, 1, 1, 1)
    white = u < sent[thresholds][1].view(-1, 1, 1, 1)
    out = torch.where(hit, torch.where(white, batch.scale, 0.0), whole(x, batch.scale))
    return {"image": out}


# ---------------------------------------------------------------------- erasing
def _erase_mask(box: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """(b, 1, H, W) bool: inside each sample's drawn rectangle (``box``: (b, 4) top, left, height, width)."""
    _, _, h, w = like.shape
    dev = like.device
    top, left, height, width = box.unbind(1)
    rows = torch.arange(h, device=dev).view(1, h)
    cols = torch.arange(w, device=dev).view(1, w)
    in_rows = (rows >= top.view(-1, 1)) & (rows < (top + height).view(-1, 1))
    in_cols = (cols >= left.view(-1, 1)) & (cols < (left + width).view(-1, 1))
    return in_rows.view(-1, 1, h, 1) & in_cols.view(-1, 1, 1, w)


def _fill(t: Any, fill: tuple[float, ...], x: torch.Tensor, scale: float) -> np.ndarray:
    """The constant fill per channel (C,) float32, checked as the CPU op checks it."""
    channels = x.shape[1]
    if len(fill) not in (1, channels):
        raise InvalidInputError(
            t.name,
            "fill",
            f"has {len(fill)} values for an image with {channels} channel(s)",
            "give one value, or one per channel",
        )
    if scale != UINT8 and max(fill) > 1.0:
        raise InvalidInputError(
            t.name,
            "fill",
            f"is {fill} but the image is float32 in [0, 1]",
            "give fill in the image's units: 0-1 for float32 images, 0-255 for uint8",
        )
    if scale == UINT8 and any(v != int(v) for v in fill):
        raise InvalidInputError(
            t.name,
            "fill",
            f"is {fill!r}, not whole numbers as a uint8 image needs",
            "give fill in the image's units: 0..255 for uint8 (e.g. fill=127)",
        )
    return np.broadcast_to(np.asarray(fill, dtype=np.float32), (channels,)).copy()


@kernel("image.RandomErasing", "image")
def random_erasing(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Fill each sample's rectangle with the constant, or with uniform noise keyed by its ``noise_seed``.

    ``fill="random"``: uniform levels 0..255 (the top byte of a 16-bit uniform) on uint8,
    24-bit uniforms in [0, 1) on float32, element ``n`` of the full image keyed as the
    other noise (a different realisation than the per-sample op's SFC64 fill).
    """
    x = whole(single(t, batch), batch.scale)
    stage = Stage()
    box = stage.add([[p["top"], p["left"], p["height"], p["width"]] for p in batch.params], np.int64)
    image, _ = _fill_inside(t, batch, x, stage, lambda sent: _erase_mask(sent[box], x))
    return {"image": image}


def _fill_inside(
    t: Any, batch: Batch, x: torch.Tensor, stage: Stage, inside: Callable[[Sent], torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` with the pixels ``inside(sent)`` (b, 1, H, W) filled as ``t``'s ``fill`` says; and that mask.

    ``stage`` holds the caller's parameters; the fill's join it, and all go in one transfer.
    """
    fill = t._r.fill
    random = isinstance(fill, str)
    handle = stage.add(key_words(_seeds(batch)) if random else _fill(t, fill, x, batch.scale))
    sent = stage.send(x.device)
    mask = inside(sent)
    if not random:
        return torch.where(mask, sent[handle].view(1, -1, 1, 1), x), mask
    keys, n = sent[handle], x[0].numel()
    if batch.scale == UINT8:
        values = (uniform16(keys, n) >> 8).to(torch.float32)
    else:
        values = _shr(random_words(keys, n), 8).to(torch.float32) * 2.0**-24
    return torch.where(mask, values.view(x.shape), x), mask


# ---------------------------------------------------------------------- dropouts
def _hole_mask(boxes: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """(b, 1, H, W) bool: inside any of each row's holes (``boxes``: (b, K, 4), unused ones 0 x 0).

    Rows and columns of every hole (b, K, H) and (b, K, W), then their product summed over the
    holes (a batched matrix product of 0/1 values: exact integer counts), so the cost does not
    grow with K times the image.
    """
    _, _, h, w = like.shape
    dev = like.device
    top, left, height, width = (v.unsqueeze(2) for v in boxes.unbind(2))
    rows = torch.arange(h, device=dev).view(1, 1, h)
    cols = torch.arange(w, device=dev).view(1, 1, w)
    in_rows = ((rows >= top) & (rows < top + height)).to(torch.float32)
    in_cols = ((cols >= left) & (cols < left + width)).to(torch.float32)
    return (torch.bmm(in_rows.transpose(1, 2), in_cols) > 0).unsqueeze(1)


def _with_mask(t: Any, batch: Batch, image: torch.Tensor, holes: torch.Tensor) -> dict[str, torch.Tensor]:
    """The filled image, and the batch's mask with ``fill_mask`` in the holes when the op sets one."""
    out = {"image": image}
    fill_mask, mask = t._r.fill_mask, batch.fields.get("mask")
    if fill_mask is not None and mask is not None:
        out["mask"] = mask.masked_fill(holes, fill_mask if mask.dtype.is_floating_point else int(fill_mask))
    return out


@kernel("image.CoarseDropout", "image")
def coarse_dropout(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row's drawn holes filled (``fill``, and ``fill_mask`` in the mask), as :func:`random_erasing`."""
    x = whole(single(t, batch), batch.scale)
    b, _, h, w = x.shape
    holes = [t.holes(p, (h, w)) for p in batch.params]
    boxes = np.zeros((b, max(1, *(len(hs) for hs in holes)), 4), dtype=np.int64)
    for i, hs in enumerate(holes):
        if hs:
            boxes[i, : len(hs)] = hs
    stage = Stage()
    handle = stage.add(boxes)
    image, mask = _fill_inside(t, batch, x, stage, lambda sent: _hole_mask(sent[handle], x))
    return _with_mask(t, batch, image, mask)


@kernel("image.GridDropout", "image")
def grid_dropout(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row's grid: pixel ``(y, x)`` is in a hole when ``(y - shift_y) mod unit < hole`` and the
    same for ``x`` (the runs of the CPU op's ``grid_runs``, edges included)."""
    x = whole(single(t, batch), batch.scale)
    b, _, h, w = x.shape
    ratio = t._r.ratio
    grid = [
        [p["unit"], p["shift_y"], p["shift_x"], min(p["unit"], max(1, round(ratio * p["unit"])))]
        for p in batch.params
    ]
    stage = Stage()
    handle = stage.add(grid, np.int64)

    def inside(sent: Sent) -> torch.Tensor:
        unit, shift_y, shift_x, hole = (v.view(b, 1) for v in sent[handle].unbind(1))
        ys = (torch.arange(h, device=x.device).view(1, h) - shift_y).remainder(unit) < hole
        xs = (torch.arange(w, device=x.device).view(1, w) - shift_x).remainder(unit) < hole
        return ys.view(b, 1, h, 1) & xs.view(b, 1, 1, w)

    image, mask = _fill_inside(t, batch, x, stage, inside)
    return _with_mask(t, batch, image, mask)
