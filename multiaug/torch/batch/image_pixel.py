"""Batched pixel kernels of the point ops, grayscale and the conversion steps (issue 16).

Every kernel here reads ``batch.fields["image"]``, a ``(b, C, H, W)`` float32 tensor in the
input's value scale (``batch.scale`` 255.0 for uint8 input, 1.0 for float32), and returns a new
tensor (the input is never written to). The reference of each kernel is the per-sample CPU
transform itself (``t.apply(sample, params)``, tests/test_torch_batch_pixel.py):

* **uint8 scale (255)**: the per-sample path holds uint8 between steps, so every kernel here
  returns whole levels in ``[0, 255]`` (rounded half to even, as OpenCV's ``saturate_cast`` and
  NumPy's ``rint``) and reads its input as whole levels (a warp before it may have left
  fractions: they are rounded first, as the per-sample warp rounds to uint8). The point ops
  (:class:`~multiaug.image.RandomBrightnessContrast`, ``RandomGamma``, ``Solarize``,
  ``Posterize``, ``Invert``) look the levels up in the very 256-entry tables the CPU op builds
  (one per sample, built on the host from the drawn parameters): bit-exact.
* **float scale (1)**: the CPU op's float32 formulas, per sample parameters broadcast over the
  batch; equal to the CPU result within float32 rounding (``atol`` 1e-5).

Conversion steps change the value scale of what follows (:func:`conversion`): after
``Normalize``/``ToFloat`` the batch is float (scale 1.0), after ``FromFloat(dtype="uint8")``
it is uint8 levels (scale 255.0), ``ToTensor`` marks the output float32.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ...core.errors import InvalidInputError
from .registry import Batch, kernel

if TYPE_CHECKING:
    from ...core.transform import Transform

__all__ = [
    "Conversion",
    "colour_split",
    "conversion",
    "f32",
    "finish",
    "join_alpha",
    "lookup",
    "per_sample",
    "whole",
]

#: The value of full intensity of the uint8 scale.
UINT8 = 255.0


# ---------------------------------------------------------------------- shared helpers
def f32(value: float) -> float:
    """``value`` rounded to float32 (as a Python float: torch multiplies a float32 tensor by it exactly)."""
    return float(np.float32(value))


def per_sample(batch: Batch, name: str, like: torch.Tensor, dims: int = 4) -> torch.Tensor:
    """Parameter ``name`` of every sample as a float32 tensor on ``like``'s device, shaped ``(b, 1, ...)``."""
    values = [float(p[name]) for p in batch.params]
    return torch.tensor(values, dtype=torch.float32, device=like.device).view(-1, *([1] * (dims - 1)))


def whole(x: torch.Tensor, scale: float) -> torch.Tensor:
    """``x`` as the per-sample path sees it: whole levels in [0, 255] on the uint8 scale, else itself."""
    return x.round().clamp_(0.0, UINT8) if scale == UINT8 else x


def finish(out: torch.Tensor, scale: float) -> torch.Tensor:
    """Clip ``out`` to ``[0, scale]`` in place, and round it to whole levels on the uint8 scale."""
    out.clamp_(0.0, scale)
    return out.round_() if scale == UINT8 else out


def colour_split(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The colour channels and the alpha channel (4 channels: the last is alpha; else None)."""
    if x.shape[1] == 4:
        return x[:, :3], x[:, 3:]
    return x, None


def join_alpha(colour: torch.Tensor, alpha: torch.Tensor | None) -> torch.Tensor:
    """``colour`` with ``alpha`` appended as the last channel (when there is one)."""
    return colour if alpha is None else torch.cat([colour, alpha], dim=1)


def single(t: Transform, batch: Batch) -> torch.Tensor:
    """The image of a batch, refusing an empty one."""
    x = batch.fields["image"]
    if x.ndim != 4:
        raise InvalidInputError(
            t.name, "image", f"has shape {tuple(x.shape)}, not (b, C, H, W)", "pass a 4-D image batch"
        )
    return x


# ---------------------------------------------------------------------- point ops
def lookup(x: torch.Tensor, tables: torch.Tensor, whole: bool = False) -> torch.Tensor:
    """``tables[i][x[i]]`` for levels ``x`` (b, C, H, W) (rounded, clipped) and a (b, 256) float32 table.

    One ``index_select`` into the flattened tables with int32 indices ``256 * i + level``: on CPUs
    several times faster than ``gather`` with the int64 index it needs. ``whole``: ``x`` already
    holds whole levels in [0, 255] (no rounding needed).
    """
    b = x.shape[0]
    index = (x if whole else x.round().clamp_(0.0, UINT8)).to(torch.int32)
    index += (torch.arange(b, dtype=torch.int32, device=x.device) * 256).view(b, *([1] * (x.ndim - 1)))
    return tables.reshape(-1).index_select(0, index.view(-1)).view(x.shape)


def _lut(x: torch.Tensor, tables: np.ndarray) -> torch.Tensor:
    """``tables[i][x[i]]`` for one host-built 256-entry table per sample."""
    return lookup(x, torch.from_numpy(np.ascontiguousarray(tables, dtype=np.float32)).to(x.device))


PointFormula = Callable[[torch.Tensor, Callable[[str], torch.Tensor]], torch.Tensor]


def _posterize(v: torch.Tensor, p: Callable[[str], torch.Tensor]) -> torch.Tensor:
    mask = (0xFF << (8 - p("bits").to(torch.int32))) & 0xFF
    levels = torch.bitwise_and((v * UINT8).round().to(torch.int32), mask)
    return levels.to(torch.float32) / UINT8


#: The float32 formula of each point op (``v`` in [0, 1], ``p(name)``: a drawn parameter per sample).
_FLOAT_POINT: dict[str, PointFormula] = {
    "image.RandomBrightnessContrast": lambda v, p: v * p("alpha") + p("beta"),
    "image.RandomGamma": lambda v, p: torch.pow(v, p("gamma")),
    "image.Solarize": lambda v, p: torch.where(v >= p("threshold"), 1.0 - v, v),
    "image.Posterize": _posterize,
    "image.Invert": lambda v, p: 1.0 - v,
}


def point_kernel(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """A point op on the colour channels (alpha kept): the CPU op's uint8 tables, or its float formula."""
    x = single(t, batch)
    colour, alpha = colour_split(x)
    if batch.scale == UINT8:
        out = _lut(colour, np.stack([t.table(**p) for p in batch.params]))
    else:
        formula = _FLOAT_POINT[t.name]
        out = finish(formula(colour, lambda name: per_sample(batch, name, x)), 1.0)
    return {"image": join_alpha(out, alpha)}


for _name in _FLOAT_POINT:
    kernel(_name, "image")(point_kernel)


# ---------------------------------------------------------------------- grayscale
#: OpenCV's 8-bit RGB -> grey weights (15-bit fixed point: 0.299, 0.587, 0.114).
_GRAY_FIXED = (9798.0, 19235.0, 3735.0)
_LUMA = (0.299, 0.587, 0.114)


def luma(rgb: torch.Tensor, scale: float) -> torch.Tensor:
    """Grey of ``rgb`` (b, 3, H, W) as OpenCV's RGB2GRAY: 15-bit fixed point on uint8 levels, float32 else."""
    r, g, b = rgb.unbind(1)
    if scale == UINT8:  # whole levels: the products stay below 2**24, exact in float32
        fixed = r * _GRAY_FIXED[0] + g * _GRAY_FIXED[1] + b * _GRAY_FIXED[2]
        return torch.floor((fixed + 16384.0) / 32768.0).unsqueeze(1)
    return (r * _LUMA[0] + g * _LUMA[1] + b * _LUMA[2]).unsqueeze(1)


@kernel("image.Grayscale", "image")
def grayscale(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Luma in every colour channel (alpha kept; one channel: a copy), as ``cv2.cvtColor``."""
    x = single(t, batch)
    channels = x.shape[1]
    if channels == 1:
        return {"image": x.clone()}
    if channels not in (3, 4):
        raise InvalidInputError(
            t.name,
            "image",
            f"has {channels} channels; grayscale conversion needs RGB (3 channels), RGBA (4) "
            "or one grey channel",
            "pass an RGB or RGBA image",
        )
    colour, alpha = colour_split(whole(x, batch.scale))
    gray = luma(colour, batch.scale)
    return {"image": join_alpha(gray.expand(-1, 3, -1, -1).contiguous(), alpha)}


# ---------------------------------------------------------------------- conversions
def _channel_values(t: Any, name: str, values: Sequence[float], x: torch.Tensor) -> torch.Tensor:
    """Per-channel ``values`` (one, or one per channel) as float32 ``(1, C, 1, 1)``, checked against ``x``."""
    channels = x.shape[1]
    if len(values) not in (1, channels):
        raise InvalidInputError(
            t.name,
            name,
            f"has {len(values)} values for an image with {channels} channel(s)",
            "give one value, or one per channel",
        )
    arr = np.broadcast_to(np.asarray(values, dtype=np.float32), (channels,))
    return torch.from_numpy(arr.copy()).to(x.device).view(1, channels, 1, 1)


@kernel("image.Normalize", "image")
def normalize(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """``(x - mean * max) * (1 / (std * max))`` in float32, Albumentations' (and the CPU op's) arithmetic."""
    x = single(t, batch)
    r = t._r
    scale = np.float32(batch.scale if r.max_pixel_value is None else r.max_pixel_value)
    shift = _channel_values(t, "mean", r.mean, x) * torch.tensor(scale, device=x.device)
    std = _channel_values(t, "std", r.std, x) * torch.tensor(scale, device=x.device)
    return {"image": (whole(x, batch.scale) - shift) * torch.reciprocal(std)}


@kernel("image.ToFloat", "image")
def to_float(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """uint8 levels divided by ``max_value`` (255 by default); a float batch passes unchanged."""
    x = single(t, batch)
    if batch.scale != UINT8:
        return {"image": x.clone()}
    m = t._r.max_value
    return {
        "image": whole(x, batch.scale) / torch.tensor(np.float32(UINT8 if m is None else m), device=x.device)
    }


@kernel("image.FromFloat", "image")
def from_float(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """``round(x * max_value)`` clipped to uint8 levels; a uint8 batch passes unchanged (uint8 out only)."""
    x = single(t, batch)
    r = t._r
    if r.dtype != "uint8":
        raise InvalidInputError(
            t.name,
            "dtype",
            f"is {r.dtype!r}; a batched pipeline returns uint8 or float32 images",
            'use FromFloat(dtype="uint8"), or convert the batched output with .to(torch.int32) yourself',
        )
    if batch.scale == UINT8:
        return {"image": x.clone()}
    m = UINT8 if r.max_value is None else r.max_value
    out = (x * torch.tensor(np.float32(m), device=x.device)).round_()
    return {"image": out.clamp_(0.0, UINT8)}


@kernel("image.ToTensor", "image")
def to_tensor(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """The batch is already a tensor: uint8 levels divided by 255 with ``scale=True``, else unchanged."""
    x = single(t, batch)
    if batch.scale == UINT8 and t._r.scale:
        return {"image": whole(x, batch.scale) / UINT8}
    return {"image": x.clone()}


@dataclass(frozen=True)
class Conversion:
    """What a conversion step leaves: the value scale later kernels see, and whether the output is float32."""

    scale: float
    as_float: bool


_CONVERSIONS: dict[str, Callable[[Any, float], Conversion]] = {
    "image.Normalize": lambda t, s: Conversion(1.0, True),
    "image.ToFloat": lambda t, s: Conversion(1.0, True),
    "image.FromFloat": lambda t, s: Conversion(UINT8, False),
    "image.ToTensor": lambda t, s: Conversion(1.0 if t._r.scale else s, True),
}


def conversion(t: Transform, scale: float) -> Conversion | None:
    """The scale and output kind after leaf ``t`` on a batch of ``scale``; None when ``t`` keeps them.

    For the executor: a uint8 input batch starts at ``Conversion(255.0, False)``, a float one at
    ``Conversion(1.0, True)``; after each leaf that applies to the batch, a non-None result
    replaces it, and the output is uint8 (rounded once) only when ``as_float`` is still False.
    """
    fn = _CONVERSIONS.get(t.name)
    return None if fn is None else fn(t, scale)
