"""Batched filter kernels (issue 16): Gaussian blur, sharpening, median blur, per-sample parameters.

* **GaussianBlur**: separable, one grouped ``conv2d`` per direction for the whole batch. Each
  sample's taps are the CPU op's (``cv2.getGaussianKernel(k, sigma)`` in float32, ``k =
  2 round(3 sigma) + 1``), centred in the batch's widest kernel with zero taps around them,
  over a ``BORDER_REFLECT_101`` border (an index gather, so any kernel width works on any
  image size). A zero tap adds nothing and reflection does not depend on the pad width, so
  every sample gets exactly its own filter. float32: 1e-5. uint8: bit-exact, the CPU op's
  exact arithmetic (``exact.gaussian_blur_u8``) in float32 sums that are exact in any order:
  up to ``FIXED_POINT_TAPS`` taps OpenCV's fixed-point taps (1/256) with halves rounded up,
  wider the two passes of ``exact.sep_filter_u8``.
* **Sharpen**: the CPU op's 3x3 kernel per sample, one grouped ``conv2d``, reflect-101.
* **MedianBlur**: exact medians of each sample's ``k x k`` window (edge pixel repeated), one
  ``unfold`` + ``median`` per distinct ``k`` in the batch, in row stripes that keep the
  ``k**2``-fold window tensor under :data:`WINDOW_BYTES`.
"""

from __future__ import annotations

import functools
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as nnf

from ...image.functional import exact
from ...image.functional.filters import blur_kernel_size, sharpen_kernel
from .image_pixel import UINT8, finish, single, whole
from .registry import Batch, kernel

__all__ = ["WINDOW_BYTES", "border_index"]

#: Largest window tensor a median stripe builds (bytes).
WINDOW_BYTES = 1 << 28


def border_index(n: int, pad: int, device: torch.device, reflect: bool = True) -> torch.Tensor:
    """Source index of each of ``n + 2 * pad`` padded positions: reflect-101 or replicate."""
    i = torch.arange(-pad, n + pad, device=device)
    if not reflect or n == 1:
        return i.clamp(0, n - 1)
    period = 2 * (n - 1)
    i = torch.remainder(i, period)
    return torch.where(i >= n, period - i, i)


def _pad(x: torch.Tensor, pad_h: int, pad_w: int, reflect: bool = True) -> torch.Tensor:
    h, w = x.shape[-2:]
    if pad_h:
        x = x.index_select(-2, border_index(h, pad_h, x.device, reflect))
    if pad_w:
        x = x.index_select(-1, border_index(w, pad_w, x.device, reflect))
    return x


def _grouped(x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Per-sample correlation: ``x`` (b, C, Hp, Wp) with ``weights`` (b, kh, kw), every channel alike."""
    b, c = x.shape[:2]
    kh, kw = weights.shape[1:]
    w = weights.repeat_interleave(c, dim=0).view(b * c, 1, kh, kw)
    # never TF32 (cuDNN's default on Ampere and newer): the uint8 kernels rely on float32 sums being
    # exact, and 10-bit mantissas would not hold the taps' grids
    cudnn = torch.backends.cudnn
    with cudnn.flags(
        enabled=cudnn.enabled, benchmark=cudnn.benchmark, deterministic=cudnn.deterministic, allow_tf32=False
    ):
        out = nnf.conv2d(x.reshape(1, b * c, *x.shape[2:]), w, groups=b * c)
    return out.view(b, c, *out.shape[2:])


@kernel("image.GaussianBlur", "image")
def gaussian_blur(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Separable Gaussian blur with each sample's sigma (see the module docstring)."""
    x = whole(single(t, batch), batch.scale)
    sizes = [blur_kernel_size(float(p["sigma"])) for p in batch.params]
    widest = max(sizes)
    if widest == 1:
        return {"image": x.clone()}
    if batch.scale == UINT8:
        return {"image": _gaussian_u8(x, sizes, [float(p["sigma"]) for p in batch.params])}
    taps = np.zeros((len(sizes), widest), np.float32)
    for i, (size, p) in enumerate(zip(sizes, batch.params, strict=True)):
        start = (widest - size) // 2
        if size == 1:
            taps[i, start] = 1.0
        else:
            taps[i, start : start + size] = cv2.getGaussianKernel(size, float(p["sigma"]), ktype=cv2.CV_32F)[
                :, 0
            ]
    k = torch.from_numpy(taps).to(x.device)
    pad = widest // 2
    rows = _grouped(_pad(x, 0, pad), k.view(-1, 1, widest))  # horizontal first, as cv2.sepFilter2D
    out = _grouped(_pad(rows, pad, 0), k.view(-1, widest, 1))
    return {"image": finish(out, batch.scale)}


@functools.lru_cache(maxsize=256)  # a pure function of (size, sigma); its arrays are only read
def _exact_passes(size: int, sigma: float) -> tuple[np.ndarray, float, np.ndarray, float]:
    """Row taps, row offset, column taps, column offset of the CPU's uint8 Gaussian of ``size`` taps:
    each pass is ``floor(correlation + offset)``, every float32 sum in it exact."""
    if size == 1:
        return np.ones(1), 0.0, np.ones(1), 0.5
    if size <= exact.FIXED_POINT_TAPS:  # OpenCV's fixed point: integer rows, columns / 2**16, halves up
        taps = exact.fixed_point_taps(size, sigma).astype(np.float64)
        return taps, 0.0, taps / 65536.0, 0.5
    kernel = cv2.getGaussianKernel(size, sigma, ktype=cv2.CV_32F)
    row_shift, col_shift = exact.ROW_BITS - exact.SUB_BITS, exact.COL_BITS + exact.SUB_BITS
    rows = exact.grid_taps(kernel, exact.ROW_BITS) / (1 << row_shift)
    cols = exact.grid_taps(kernel, exact.COL_BITS) / (1 << col_shift)
    return rows, 0.5 + 0.5 / (1 << row_shift), cols, 0.5 + 0.5 / (1 << col_shift)


def _gaussian_u8(x: torch.Tensor, sizes: list[int], sigmas: list[float]) -> torch.Tensor:
    """The CPU op's uint8 Gaussian of every sample, bit-exact (see the module docstring)."""
    widest = max(sizes)
    rows, cols = np.zeros((2, len(sizes), widest), np.float32)
    offsets = np.zeros((2, len(sizes)), np.float32)
    for i, (size, sigma) in enumerate(zip(sizes, sigmas, strict=True)):
        start = (widest - size) // 2
        r, offsets[0, i], c, offsets[1, i] = _exact_passes(size, sigma)
        rows[i, start : start + size], cols[i, start : start + size] = r, c
    kr, kc, off = (torch.from_numpy(a).to(x.device) for a in (rows, cols, offsets))
    pad = widest // 2
    mid = _grouped(_pad(x, 0, pad), kr.view(-1, 1, widest)).add_(off[0].view(-1, 1, 1, 1)).floor_()
    out = _grouped(_pad(mid, pad, 0), kc.view(-1, widest, 1)).add_(off[1].view(-1, 1, 1, 1)).floor_()
    return out.clamp_(0.0, UINT8)


@kernel("image.Sharpen", "image")
def sharpen(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Each sample's ``sharpen_kernel(alpha, lightness)`` over a reflect-101 border, saturated/clipped."""
    x = whole(single(t, batch), batch.scale)
    kernels = [sharpen_kernel(float(p["alpha"]), float(p["lightness"])) for p in batch.params]
    if batch.scale != UINT8:
        out = _grouped(_pad(x, 1, 1), torch.from_numpy(np.stack(kernels)).to(x.device))
        return {"image": finish(out, batch.scale)}
    # uint8: the CPU op's exact filter (exact.filter2d_u8): the kernel on its 2**-bits grid, where
    # every float32 sum is exact in any order, plus half a grid step, so no result is a tie
    fixed = [exact.fixed_kernel(k) for k in kernels]
    out = _grouped(_pad(x, 1, 1), torch.from_numpy(np.stack([q for q, _ in fixed])).to(x.device))
    halves = torch.tensor([0.5 / (1 << bits) for _, bits in fixed], dtype=out.dtype, device=out.device)
    return {"image": finish(out.add_(halves.view(-1, 1, 1, 1)), batch.scale)}


def _median(x: torch.Tensor, k: int) -> torch.Tensor:
    """Median of every ``k x k`` window (edge repeated) of ``x`` (n, C, H, W), in row stripes."""
    n, c, h, w = x.shape
    r = k // 2
    padded = _pad(x, r, r, reflect=False)
    stripe = max(1, WINDOW_BYTES // max(1, n * c * w * k * k * 4))
    parts = []
    for top in range(0, h, stripe):
        rows = padded[:, :, top : min(h, top + stripe) + 2 * r]
        windows = rows.unfold(2, k, 1).unfold(3, k, 1)  # (n, C, s, W, k, k)
        parts.append(windows.reshape(*windows.shape[:4], k * k).median(dim=-1).values)
    return torch.cat(parts, dim=2)


@kernel("image.MedianBlur", "image")
def median_blur(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """``cv2.medianBlur`` with each sample's ``k``: one pass per distinct ``k`` of the batch (exact)."""
    x = whole(single(t, batch), batch.scale)
    sizes = [int(p["blur_limit"]) for p in batch.params]
    out = torch.empty_like(x)
    for k in sorted(set(sizes)):
        rows = torch.tensor([i for i, s in enumerate(sizes) if s == k], dtype=torch.int64, device=x.device)
        out.index_copy_(0, rows, _median(x.index_select(0, rows), k))
    return {"image": out}
