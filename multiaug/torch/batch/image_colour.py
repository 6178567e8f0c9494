"""Batched ColorJitter (issue 16): brightness, contrast, saturation and hue in each sample's drawn order.

The per-sample op (:class:`multiaug.image.ColorJitter`, like torchvision's) runs up to four
adjustments in an order drawn per call, and clips (uint8: rounds) after each one. That
clipping is why the four cannot be folded into one colour matrix without changing the
result wherever a step saturates (bright skies under a brightness gain), so the batched
kernel keeps the steps and vectorises each one over the batch instead. Step ``k`` of every
sample (a sample's ``k``-th adjustment in its drawn order; identities are left out as the CPU
op leaves them out, so an all-identity ColorJitter costs nothing):

* **brightness / contrast**, on the sub-batch whose step ``k`` is one of them. uint8: the CPU
  op's 256-entry tables, built on the device per sample (contrast from the exact integer luma
  sums of the image as it is at that step, in float64 as the CPU's ``point_table``), applied
  with one lookup. float32: ``c * v + (1 - c) * mean`` elementwise;
* **saturation**, on its sub-batch: ``s * I + (1 - s) * luma rows`` per pixel, elementwise (on
  uint8 ``cv2.transform``'s 10-bit fixed-point matrix, rounded half up as OpenCV does);
* **hue**, on its sub-batch: on uint8 OpenCV's 8-bit full-range HSV round trip (the CPU op's
  ``COLOR_RGB2HSV_FULL`` fixed-point arithmetic, hue in 256 steps, then ``HSV2RGB_FULL``
  with the installed OpenCV's hue scale), on float32 OpenCV's float HSV formulas.

Alpha is kept; one grey channel has no hue and no saturation. Everything is elementwise
(no BLAS reductions whose order depends on the batch size), so a sample's output never
depends on the rest of its batch.

Against the per-sample op on a photo (tests/test_torch_batch_pixel.py, 40 seeds in
development): uint8 bit-exact, float32 within 1e-6.
"""

from __future__ import annotations

import functools
from typing import Any

import cv2
import numpy as np
import torch

from ...core.errors import InvalidInputError
from ...image.colour import _BRIGHTNESS, _CONTRAST, _HUE, _NAMES, _SATURATION
from ...image.functional.exact_hsv import hue_weights
from .image_pixel import UINT8, colour_split, f32, join_alpha, lookup, single, whole
from .registry import Batch, kernel
from .staging import Sent, Stage

__all__ = [
    "color_jitter",
    "hsv8_to_rgb",
    "hsv_float_to_rgb",
    "rgb_to_hsv8",
    "rgb_to_hsv_float",
    "rotate_hue",
]

_LUMA = np.array([0.299, 0.587, 0.114])
_SHIFT = 12  # OpenCV's hsv_shift: 12-bit fixed point in RGB2HSV_b
#: ``cv2.transform`` on uint8 rounds its matrix to 10-bit fixed point while every entry is below 32.
_TRANSFORM_BITS = 10
_TRANSFORM_EXACT = 16.0  # below this the fixed-point sums stay exact in float32
#: float32 constants of OpenCV's HSV code (as Python floats: torch multiplies float32 by them exactly).
_INV255 = f32(1.0 / 255.0)
_SECTORS_PER_DEGREE = f32(6.0 / 360.0)


@functools.lru_cache(maxsize=16)
def _hsv_tables(device: torch.device, hrange: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """OpenCV's ``sdiv_table`` and ``hdiv_table180``/``hdiv_table256`` (RGB2HSV_b) as int32 tensors."""
    i = np.arange(256, dtype=np.float64)
    with np.errstate(divide="ignore"):
        sdiv = np.where(i > 0, np.rint((255 << _SHIFT) / i), 0)
        hdiv = np.where(i > 0, np.rint((hrange << _SHIFT) / (6.0 * i)), 0)
    return (
        torch.from_numpy(sdiv.astype(np.int32)).to(device),
        torch.from_numpy(hdiv.astype(np.int32)).to(device),
    )


#: For channel offset ``K = (sector + n_c) mod 6`` (``n`` = 5, 3, 1 for r, g, b): the weight of
#: ``s`` in ``v * (1 - s * w)`` is ``w = A[K] + B[K] * frac``, i.e. exactly frac, 1, 1 - frac or 0,
#: which picks OpenCV's ``tab`` entries (v*(1-s*h), v*(1-s), v*(1-s*(1-h)), v) bit for bit.
_W_A = (0.0, 1.0, 1.0, 1.0, 0.0, 0.0)
_W_B = (1.0, 0.0, 0.0, -1.0, 0.0, 0.0)


@functools.lru_cache(maxsize=8)
def _constants(device: torch.device) -> dict[str, torch.Tensor]:
    """The small constant tensors of the colour kernels, made once per device (not once per call)."""
    return {
        "sectors": torch.tensor([5, 3, 1], dtype=torch.int32, device=device).view(1, 3, 1, 1),
        "w_a": torch.tensor(_W_A, dtype=torch.float32, device=device),
        "w_b": torch.tensor(_W_B, dtype=torch.float32, device=device),
        "planes": torch.tensor([0, 256, 512], dtype=torch.int32, device=device).view(1, 3, 1, 1),
    }


@functools.lru_cache(maxsize=8)
def _levels(device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """The 256 uint8 levels over 255 in ``dtype`` (the CPU op's ``point_table`` input)."""
    return torch.arange(256, dtype=dtype, device=device) / UINT8


def _hsv_to_rgb(h6: torch.Tensor, s: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """OpenCV's float HSV2RGB with the hue already in sectors (``[0, 6)`` after one wrap): (n, 3, H, W)."""
    h6 = torch.where(h6 >= 6.0, h6 - 6.0, h6)
    sector = torch.floor(h6)
    frac = (h6 - sector).unsqueeze(1)
    const = _constants(h6.device)
    k = sector.to(torch.int32).clamp_(0, 5).unsqueeze(1) + const["sectors"]  # 1..10: one wrap, no division
    k = torch.where(k >= 6, k - 6, k).view(-1)
    a = const["w_a"].index_select(0, k)
    b = const["w_b"].index_select(0, k)
    w = torch.addcmul(
        a.view(frac.shape[0], 3, *frac.shape[2:]), b.view(frac.shape[0], 3, *frac.shape[2:]), frac
    )
    return v.unsqueeze(1) * (1.0 - s.unsqueeze(1) * w)


@functools.cache
def _hue_scale(hrange: int = 256) -> float:
    """Sectors per 8-bit hue step of the installed OpenCV's ``HSV2RGB`` (``hrange`` 180) or
    ``HSV2RGB_FULL`` (256): 6/180; 6/255 (OpenCV 5) or 6/256 (4.x) for the full range.

    The full range is probed once on one colour whose two readings differ, so the kernel follows
    the OpenCV that the per-sample op runs on.
    """
    if hrange == 180:
        return 6.0 / 180.0
    probe = cv2.cvtColor(np.array([[[176, 131, 164]]], np.uint8), cv2.COLOR_HSV2RGB_FULL)
    return 6.0 / 255.0 if int(probe[0, 0, 0]) == 92 else 6.0 / 256.0


@functools.lru_cache(maxsize=16)
def _hue_weights(device: torch.device, hrange: int = 256) -> torch.Tensor:
    """The weight ``w`` of r, g and b for each 8-bit hue (768 float32: r's 256, g's, b's).

    Computed in float32 with the very operations :func:`_hsv_to_rgb` runs (hue times the
    installed OpenCV's scale, one wrap, sector, fraction, ``A + B * frac``), so looking it up is
    bit for bit the same as computing it per pixel.
    """
    weights = hue_weights(_hue_scale(hrange))  # (256 hues, r g b)
    return torch.from_numpy(np.ascontiguousarray(weights.T).reshape(-1)).to(device)


def _hue_adds(shifts: list[float], scale: float) -> np.ndarray:
    """What the hue step adds per sample: 8-bit hue steps (int32) on uint8, degrees (float32) on float."""
    if scale == UINT8:
        return np.array([round(x * 256.0) % 256 for x in shifts], dtype=np.int32)
    return np.array([(x * 360.0) % 360.0 for x in shifts], dtype=np.float32)


def rgb_to_hsv8(rgb: torch.Tensor, hrange: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """OpenCV's 8-bit RGB2HSV (``hrange`` 180) or RGB2HSV_FULL (256) of whole levels (n, 3, H, W).

    Returns int32 (n, H, W) ``h``, ``s``, ``v``, with ``h`` *before* OpenCV's wrap of negative
    hues (in ``[-hrange / 6, 5 * hrange / 6]``): the caller adds its shift, then wraps modulo
    ``hrange`` once (the same value as wrapping first, the shift being applied modulo ``hrange``).
    """
    q = rgb.to(torch.int32)
    r, g, b = q.unbind(1)
    low, v = torch.aminmax(q, dim=1)
    diff = v - low
    sdiv, hdiv = _hsv_tables(rgb.device, hrange)
    half = 1 << (_SHIFT - 1)
    s = (diff * sdiv.index_select(0, v.reshape(-1)).view(v.shape) + half) >> _SHIFT
    h = torch.where(v == r, g - b, torch.where(v == g, b - r + 2 * diff, r - g + 4 * diff))
    h = (h * hdiv.index_select(0, diff.reshape(-1)).view(v.shape) + half) >> _SHIFT
    return h, s, v


def hsv8_to_rgb(
    hsv: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    hrange: int,
    vector: bool = False,
    fused: bool = False,
) -> torch.Tensor:
    """OpenCV's 8-bit HSV2RGB (180) / HSV2RGB_FULL (256) of int32 ``h`` in ``[0, hrange)``, ``s``, ``v``:
    float32 whole levels (n, 3, H, W). Each channel is ``v * (1 - s * w)``, ``w`` a function of the
    hue alone: one lookup (:func:`_hue_weights`).

    ``vector``: ``255 * value`` truncated, as OpenCV's vector code (see ``image_channels``), else
    rounded to the nearest level; ``fused``: ``1 - s * w`` with one rounding, as the FMA a compiler
    makes of it (emulated in float64), else two.
    """
    h, s, v = hsv
    index = h.unsqueeze(1) + _constants(h.device)["planes"]
    w = _hue_weights(h.device, hrange).index_select(0, index.view(-1)).view(index.shape)
    sf = (s.to(torch.float32) * _INV255).unsqueeze(1)
    vf = (v.to(torch.float32) * _INV255).unsqueeze(1)
    if not fused:
        values = (vf * (1.0 - sf * w)).mul_(UINT8)
    else:
        wide = _exact_dtype(h.device)
        values = (vf * (1.0 - sf.to(wide) * w.to(wide)).to(torch.float32)).mul_(UINT8)
    return (values.trunc_() if vector else values.round_()).clamp_(0.0, UINT8)


def _hue_uint8(rgb: torch.Tensor, add: torch.Tensor) -> torch.Tensor:
    """The CPU op's uint8 hue: OpenCV RGB2HSV_FULL (8-bit), hue + round(shift * 256) mod 256, HSV2RGB_FULL.

    ``add``: :func:`_hue_adds` of the rows, an int32 tensor on ``rgb``'s device. OpenCV's wrap
    (``h + 256`` where negative) and the uint8 wrap of the CPU op's addition are one ``& 255``.
    """
    h, s, v = rgb_to_hsv8(rgb, 256)
    return hsv8_to_rgb(((h + add.view(-1, 1, 1)) & 255, s, v), 256)


def _hue_float(rgb: torch.Tensor, add: torch.Tensor) -> torch.Tensor:
    """The CPU op's float32 hue: OpenCV's float RGB2HSV (degrees), + shift mod 360, HSV2RGB, clipped.

    ``add``: :func:`_hue_adds` of the rows (degrees), a float32 tensor on ``rgb``'s device.
    """
    h, s, v = rgb_to_hsv_float(rgb)
    return hsv_float_to_rgb(h + add.view(-1, 1, 1), s, v)


def rgb_to_hsv_float(rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """OpenCV's float RGB2HSV of (n, 3, H, W) values in [0, 1]: hue in degrees [0, 360), s, v (n, H, W)."""
    eps = float(np.finfo(np.float32).eps)
    r, g, b = rgb.unbind(1)
    v = torch.maximum(torch.maximum(r, g), b)
    diff = v - torch.minimum(torch.minimum(r, g), b)
    s = diff / (v.abs() + eps)
    d = 60.0 / (diff + eps)
    h = torch.where(v == r, (g - b) * d, torch.where(v == g, (b - r) * d + 120.0, (r - g) * d + 240.0))
    return torch.where(h < 0, h + 360.0, h), s, v


def hsv_float_to_rgb(h: torch.Tensor, s: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """OpenCV's float HSV2RGB (hue in degrees, one wrap of [360, 720)), clipped to [0, 1]."""
    return _hsv_to_rgb(h * _SECTORS_PER_DEGREE, s, v).clamp_(0.0, 1.0)


def rotate_hue(rgb: torch.Tensor, shifts: list[float], scale: float) -> torch.Tensor:
    """Rotate the hue of ``rgb`` (n, 3, H, W) by ``shifts[i]`` turns, as the CPU ColorJitter's hue step."""
    add = torch.from_numpy(_hue_adds(shifts, scale)).to(rgb.device)
    return _hue_uint8(rgb, add) if scale == UINT8 else _hue_float(rgb, add)


Step = tuple[int, float] | None


_EYE3 = np.eye(3)
_LUMA_ROWS = np.tile(_LUMA, (3, 1))


def _saturation_matrices(values: list[float], scale: float) -> np.ndarray:
    """The CPU op's 3x3 saturation matrix of every value, ``(n, 3, 3)``; on uint8, ``cv2.transform``'s
    10-bit fixed-point version of it.

    Fixed point: multiples of 1/1024, so the float32 sums are exact; the caller rounds half up,
    as OpenCV's ``(sum + 512) >> 10``.
    """
    v = np.asarray(values, dtype=np.float64)[:, None, None]
    mats = v * _EYE3 + (1.0 - v) * _LUMA_ROWS
    if scale == UINT8:
        exact = np.abs(mats).max(axis=(1, 2)) < _TRANSFORM_EXACT
        mats[exact] = np.rint(mats[exact] * (1 << _TRANSFORM_BITS)) / (1 << _TRANSFORM_BITS)
    return mats


def _gain_offset(steps: list[Step], channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per sample, for one float step: the colour matrix and the contrast weight of the mean luma."""
    mats = np.tile(np.eye(channels), (len(steps), 1, 1))
    mean_weight = np.zeros(len(steps))
    for i, step in enumerate(steps):
        if step is None:
            continue
        op, value = step
        if op in (_BRIGHTNESS, _CONTRAST):
            mats[i] *= value
            mean_weight[i] = 1.0 - value if op == _CONTRAST else 0.0
        elif op == _SATURATION and channels == 3:
            mats[i] = _saturation_matrices([value], 1.0)[0]
    return mats, mean_weight


def _luma_sums(colour: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Sum of the luma of each sample (b,) (one channel: its sum), accumulated in ``dtype``."""
    sums = colour.sum(dim=(2, 3), dtype=dtype)
    if colour.shape[1] == 1:
        return sums[:, 0]
    # Elementwise, not a matrix product: BLAS picks other summation orders for other batch sizes.
    return sums[:, 0] * float(_LUMA[0]) + sums[:, 1] * float(_LUMA[1]) + sums[:, 2] * float(_LUMA[2])


def _matrix(colour: torch.Tensor, m: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """``m[i] @ colour[i] + bias[i]`` per pixel, elementwise (the same arithmetic whatever the batch).

    ``m``: (b, C, C) float32 on the device.
    """
    b, c = colour.shape[:2]
    m = m.view(b, c, c, 1, 1)
    out = m[:, :, 0] * colour[:, :1]
    term = torch.empty_like(out)  # one buffer for the products: the same two roundings, half the time
    for j in range(1, c):
        torch.mul(m[:, :, j], colour[:, j : j + 1], out=term)
        out.add_(term)
    return out if bias is None else out.add_(bias.view(b, 1, 1, 1))


def _float_step(colour: torch.Tensor, mats: torch.Tensor, weight: torch.Tensor | None) -> torch.Tensor:
    """Brightness / contrast / saturation of one step on float32 values: one matrix per sample, clipped."""
    bias = None
    if weight is not None:
        n = colour.shape[2] * colour.shape[3]
        bias = weight * (_luma_sums(colour, torch.float32) / n)
    return _matrix(colour, mats, bias).clamp_(0.0, 1.0)


def _exact_dtype(device: torch.device) -> torch.dtype:
    return torch.float32 if device.type == "mps" else torch.float64  # MPS has no float64


def _uint8_point_step(
    colour: torch.Tensor, gain: torch.Tensor, mean_weight: torch.Tensor | None
) -> torch.Tensor:
    """Brightness / contrast of one step on uint8 levels (``gain``, ``mean_weight``: one per row).

    The CPU op's lookup tables, built on the device: contrast needs the mean luma of the image as
    it is at this step, from exact integer sums (float64 accumulation), then the table
    ``rint(clip(v * c + (1 - c) * mean) * 255)`` in float64 as the CPU op's ``point_table``.
    """
    b = colour.shape[0]
    dtype = gain.dtype
    table = _levels(colour.device, dtype) * gain.view(b, 1)
    if mean_weight is not None:
        mean = _luma_sums(colour, dtype) / (colour.shape[2] * colour.shape[3] * UINT8)
        table = table + (mean_weight * mean).view(b, 1)
    return lookup(colour, (table.clamp_(0.0, 1.0) * UINT8).round_().to(torch.float32), whole=True)


#: The groups a step sorts its rows into: rows of a group run one kernel on a slice of the batch.
_POINT, _SAT, _HUE_ROWS, _REST = range(4)


def _group(step: Step, rgb: bool, uint8: bool) -> int:
    if step is None:
        return _REST
    op = step[0]
    if op in (_BRIGHTNESS, _CONTRAST) or (op == _SATURATION and rgb and not uint8):
        return _POINT  # on float32: one matrix for brightness, contrast and saturation
    if op == _SATURATION and rgb:
        return _SAT
    return _HUE_ROWS if op == _HUE and rgb else _REST


def _stage_group(
    stage: Stage, group: int, steps: list[Step], channels: int, uint8: bool, exact: Any
) -> tuple:
    """The host parameters of one group's rows (``steps``: their adjustments), staged."""
    values = [s[1] for s in steps if s is not None]
    if group == _HUE_ROWS:
        return (stage.add(_hue_adds(values, UINT8 if uint8 else 1.0)),)
    if group == _SAT:
        return (stage.add(_saturation_matrices(values, UINT8), np.float32),)
    if uint8:  # brightness / contrast tables
        weight = np.array([1.0 - s[1] if s is not None and s[0] == _CONTRAST else 0.0 for s in steps])
        return stage.add(values, exact), (stage.add(weight, exact) if weight.any() else None)
    mats, weight = _gain_offset(steps, channels)
    return stage.add(mats, np.float32), (stage.add(weight, np.float32) if weight.any() else None)


def _schedule(
    plans: list[list[tuple[int, float]]], channels: int, uint8: bool, stage: Stage, exact: Any
) -> tuple:
    """Per step: the row order that makes each group a slice, and each group's staged parameters.

    Rows are re-sorted (stably) by their group at every step: one gather a step instead of a
    gather and a scatter per group. Returns the steps and the final order back to the batch's.
    """
    n = len(plans)
    rgb = channels == 3
    order = np.arange(n)  # the batch row at each position of the working tensor
    steps = []
    for k in range(max((len(p) for p in plans), default=0)):
        step = [p[k] if k < len(p) else None for p in plans]
        codes = np.array([_group(s, rgb, uint8) for s in step])
        move = np.argsort(codes[order], kind="stable")
        order = order[move]
        ordered = codes[order]
        parts = []
        for g in (_POINT, _SAT, _HUE_ROWS):
            lo, hi = np.searchsorted(ordered, [g, g + 1])
            if hi > lo:
                rows = [step[i] for i in order[lo:hi]]
                parts.append((g, int(lo), int(hi), _stage_group(stage, g, rows, channels, uint8, exact)))
        gather = None if (move == np.arange(n)).all() else stage.add(move, np.int64)
        steps.append((gather, parts))
    back = np.argsort(order, kind="stable")
    return steps, (None if (back == np.arange(n)).all() else stage.add(back, np.int64))


def _run_group(colour: torch.Tensor, group: int, args: tuple, sent: Sent, uint8: bool) -> torch.Tensor:
    first = sent[args[0]]
    if group == _HUE_ROWS:
        return _hue_uint8(colour, first) if uint8 else _hue_float(colour, first)
    if group == _SAT:
        return _matrix(colour, first, None).add_(0.5).floor_().clamp_(0.0, UINT8)
    weight = None if args[1] is None else sent[args[1]]
    return _uint8_point_step(colour, first, weight) if uint8 else _float_step(colour, first, weight)


def _jitter(colour: torch.Tensor, plans: list[list[tuple[int, float]]], uint8: bool) -> torch.Tensor:
    """Every sample's adjustments in its drawn order: a step at a time, each group of rows on a slice."""
    stage = Stage()
    exact = np.float32 if colour.device.type == "mps" else np.float64
    steps, back = _schedule(plans, colour.shape[1], uint8, stage, exact)
    sent = stage.send(colour.device)
    n = colour.shape[0]
    for gather, parts in steps:
        if gather is not None:
            colour = colour.index_select(0, sent[gather])
        outs = [_run_group(colour[lo:hi], g, args, sent, uint8) for g, lo, hi, args in parts]
        end = parts[-1][2] if parts else 0
        if end < n:
            outs.append(colour[end:])
        colour = outs[0] if len(outs) == 1 else torch.cat(outs)
    return colour if back is None else colour.index_select(0, sent[back])


def _check_channels(t: Any, channels: int, plans: list[list[tuple[int, float]]]) -> None:
    if channels in (1, 3, 4):
        return
    for plan in plans:
        for op, _ in plan:
            if op != _BRIGHTNESS:
                raise InvalidInputError(
                    t.name,
                    "image",
                    f"has {channels} channels; {_NAMES[op]} needs RGB (3 channels, 4 with alpha) "
                    "or one grey channel",
                    f"pass an RGB image, or set {_NAMES[op]}=0 to leave it out",
                )


@kernel("image.ColorJitter", "image")
def color_jitter(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """ColorJitter with each sample's drawn factors and order (see the module docstring)."""
    x = single(t, batch)
    plans = [t._steps(p) for p in batch.params]  # per sample: (op, value) in order, identities left out
    _check_channels(t, x.shape[1], plans)
    colour, alpha = colour_split(whole(x, batch.scale))
    colour = _jitter(colour, plans, batch.scale == UINT8)
    if colour is x:
        colour = x.clone()
    return {"image": join_alpha(colour, alpha)}
