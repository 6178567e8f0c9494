"""Batched resampling of fused geometric groups: the CPU engine's flush, on the batch's device.

The draw phase leaves one :class:`~multiaug.image.geometric.engine.PendingWarp` per sample and
group (its matrices, output size, border). :func:`flush_groups` resamples the samples of one
group position together, the way the CPU engine's ``flush`` would resample each:

* **Axis maps** (flips, crops, resized crops, resizes, pads: ``x -> sx x + tx``,
  ``y -> sy y + ty``) are separable: each output column and row reads one source column and
  row (flips, integer crops and pads: a gather, bit-exact) or a blend of two (resizes:
  bilinear, clamped to the source window as ``cv2.resize`` clamps to the slice it is given;
  within one uint8 level of OpenCV's fixed-point weights).
* **Matrices** (rotate, affine, perspective, and anything mixed with them): one
  ``grid_sample`` (bilinear, ``align_corners=False``) of a per-sample grid: each output pixel
  centre mapped back through the inverse of the group's 3x3 matrix (continuous coordinates, as
  the engine), homogeneous division included (perspective). A constant border with fill ``f``
  is ``grid_sample(x - f, zeros) + f`` (OpenCV blends the edge with the fill exactly so);
  ``"replicate"`` is ``padding_mode="border"``. OpenCV's warps quantise coordinates to 1/32
  pixel, so results differ from the per-sample path by a level or two at sharp edges.
* Masks are resampled nearest (source pixel ``floor`` of the mapped centre, as OpenCV's
  ``INTER_NEAREST_EXACT`` and its warps), never blended.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as tf

from ...core.transform import Transform
from ...image.functional import geometric as F
from ...image.functional._opencv import channel_fills
from ...image.geometric.engine import PendingWarp
from .registry import Batch, deferred_kernel
from .staging import Stage

__all__ = ["flush_groups", "needs_float", "prepare_group", "warp_kernel"]

_EPS = 1e-6
Size = tuple[int, int]
#: (border mode, fill per channel as a tensor or None for zeros, mask fill)
_Border = tuple[str, torch.Tensor | None, float]


def _device(a: np.ndarray, device: torch.device) -> torch.Tensor:
    """A host array on ``device`` without waiting for the device's queued work (no stream sync)."""
    return torch.from_numpy(np.ascontiguousarray(a)).to(device, non_blocking=True)


def _window(s: float, t: float, n_in: int, n_out: int) -> tuple[int, int] | None:
    """The whole-pixel source window ``[lo, hi)`` an axis map reads for ``n_out`` outputs, if any."""
    a, b = sorted((-t / s, (n_out - t) / s))
    lo, hi = round(a), round(b)
    if abs(a - lo) > _EPS or abs(b - hi) > _EPS or lo < 0 or hi > n_in or hi <= lo:
        return None
    return lo, hi


def _lands(s: float, t: float, n_in: int) -> bool:
    """Whether the input frame lands on whole output pixels under ``x -> s x + t``."""
    a, b = t, s * n_in + t
    return abs(a - round(a)) <= _EPS and abs(b - round(b)) <= _EPS


class _AxisPlan:
    """One sample's axis map with the source window it is clamped to (numbers only: cheap)."""

    __slots__ = ("axis", "exact", "in_size", "out_size", "win")

    def __init__(
        self, axis: tuple[float, float, float, float], in_size: Size, out_size: Size, whole: bool
    ) -> None:
        sx, tx, sy, ty = axis
        (h, w), (ho, wo) = in_size, out_size
        self.axis, self.in_size, self.out_size = axis, in_size, out_size
        wx, wy = _window(sx, tx, w, wo), _window(sy, ty, h, ho)
        # A source window of whole pixels: read (and clamp to) it alone, as cv2.resize of the
        # slice; the whole image (resized whole, then padded or cut) when ``whole``.
        if whole or wx is None or wy is None:
            wx, wy = (0, w), (0, h)
        self.win = (*wx, *wy)
        #: Whole pixels only (flips, integer crops and pads): every output pixel is one input pixel.
        self.exact = (
            abs(sx) == 1 and abs(sy) == 1 and abs(tx - round(tx)) <= _EPS and abs(ty - round(ty)) <= _EPS
        )


def _plan(p: PendingWarp) -> tuple[str, Any, str, tuple[float, ...], float]:
    """How the CPU engine resamples group ``p``: ("axis" | "matrix", plan, border, fill, fill_mask)."""
    made = p.__dict__.get("_batched_plan")
    if made is None:
        made = p.__dict__["_batched_plan"] = _make_plan(p)
    return made


def prepare_group(p: PendingWarp) -> None:
    """Make (and keep on ``p``) what resampling it needs from the host: its plan and source matrix.

    Called by the draw phase when a group is complete, so draws made apart (``draw()`` in a
    DataLoader worker) carry it and the training step only does the pixel work.
    """
    if _plan(p)[0] == "matrix":
        _source(p)


def _make_plan(p: PendingWarp) -> tuple[str, Any, str, tuple[float, ...], float]:
    if p.edge and p.border is not None:
        mode, fill, fill_mask = p.border
    else:  # the group only samples inside its input
        mode, fill, fill_mask = "replicate", (0.0,), 0
    clips = bool(p.clips) and p.border is not None
    if p.axis is not None and not clips:
        sx, tx, sy, ty = p.axis
        (h, w), (ho, wo) = p.in_size, p.image_size
        lands = _lands(sx, tx, w) and _lands(sy, ty, h)
        # the engine's order: pads and cuts after a resize take the whole image first (axis_whole)
        whole = lands and (p.border is not None or p.cut_after_resize)
        inside = _window(sx, tx, w, wo) is not None and _window(sy, ty, h, ho) is not None
        if whole or inside or lands:
            plan = _AxisPlan(p.axis, p.in_size, p.image_size, whole or not inside)
            return "axis", plan, mode, tuple(fill), float(fill_mask)
    if clips:
        mode, fill, fill_mask = p.border  # type: ignore[misc]
    return "matrix", p, mode, tuple(fill), float(fill_mask)


@deferred_kernel("warp", "image")
def warp_kernel(t: Transform, batch: Batch) -> dict[str, torch.Tensor]:
    """The registry entry of every geometric op: the executor fuses them (see :func:`flush_groups`)."""
    raise TypeError(f"{t.name} is resampled in fused groups by the batched executor, not called alone")


def flush_groups(
    image: torch.Tensor, mask: torch.Tensor | None, groups: Sequence[PendingWarp]
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Resample ``image`` (n, C, H, W) float and ``mask`` (n, K, H, W) through one group per sample.

    All groups share the input size (the tensors') and the output size.
    """
    plans = [_plan(g) for g in groups]
    c = image.shape[1]
    kinds: dict[tuple[Any, ...], list[int]] = {}
    for i, (kind, _, mode, fill, fill_mask) in enumerate(plans):
        kinds.setdefault((kind, mode, fill, fill_mask), []).append(i)
    sent = None
    if len(kinds) > 1:  # rows sorted by kind, so each kind is a slice: one gather in, one out
        order = np.concatenate([np.asarray(rows, dtype=np.int64) for rows in kinds.values()])
        stage = Stage()
        into, back = stage.add(order), stage.add(np.argsort(order, kind="stable"))
        sent = stage.send(image.device)
        image = image.index_select(0, sent[into])
        mask = None if mask is None else mask.index_select(0, sent[into])
    ys, ms = [], []
    lo = 0
    for (kind, mode, fill, fill_mask), rows in kinds.items():
        hi = lo + len(rows)
        values = channel_fills(fill, c)
        # no fill (zeros): no tensor, and no device sync to find that out
        fills = None
        if any(values):
            fills = _device(np.array(values, dtype=np.float32), image.device).to(image.dtype)
        chosen = [plans[i][1] for i in rows]
        run = _axis if kind == "axis" else _matrix
        y, m = run(image[lo:hi], None if mask is None else mask[lo:hi], chosen, (mode, fills, fill_mask))
        ys.append(y)
        ms.append(m)
        lo = hi
    if sent is None:
        return ys[0], ms[0]
    out = torch.cat(ys).index_select(0, sent[back])
    out_mask = None if mask is None else torch.cat(ms).index_select(0, sent[back])  # type: ignore[arg-type]
    return out, out_mask


# ---------------------------------------------------------------------- axis maps
def _gather(x: torch.Tensor, dim: int, index: np.ndarray) -> torch.Tensor:
    """``x`` (n, C, H, W) read at per-sample ``index`` (n, m) along ``dim`` (2: rows, 3: columns)."""
    n, c, h, w = x.shape
    idx = _device(index, x.device)
    shape = (n, 1, idx.shape[1], 1) if dim == 2 else (n, 1, 1, idx.shape[1])
    size = (n, c, idx.shape[1], w) if dim == 2 else (n, c, h, idx.shape[1])
    return x.gather(dim, idx.view(shape).expand(size))


def _slices(index: np.ndarray) -> list[tuple[int, bool]] | None:
    """Per sample, ``(start, reversed)`` when its indices are a run of consecutive pixels, else None."""
    steps = np.diff(index, axis=1)
    if index.shape[1] == 1:
        return [(int(r[0]), False) for r in index]
    up, down = (steps == 1).all(axis=1), (steps == -1).all(axis=1)
    if not (up | down).all():
        return None
    return [(int(r[-1]), True) if d else (int(r[0]), False) for r, d in zip(index, down, strict=True)]


def _take(x: torch.Tensor, iy: np.ndarray, ix: np.ndarray) -> torch.Tensor:
    """``x[i, :, iy[i]][..., ix[i]]`` per sample, exactly (flips, crops, pads copy whole pixels)."""
    h, w = x.shape[2:]
    ho, wo = iy.shape[1], ix.shape[1]
    if ho == h and wo == w and (iy == np.arange(h)).all() and (ix == np.arange(w)).all():
        return x
    ys, xs = _slices(iy), _slices(ix)
    if x.is_cuda or ys is None or xs is None:  # one indexing kernel (on a GPU, or for pads)
        stage = Stage()
        b, r, c = stage.add(np.arange(len(x))), stage.add(iy, np.int64), stage.add(ix, np.int64)
        sent = stage.send(x.device)
        rows, cols = sent[r].view(len(x), -1, 1), sent[c].view(len(x), 1, -1)
        return x[sent[b].view(-1, 1, 1), :, rows, cols].permute(0, 3, 1, 2).contiguous()
    out = []  # on the CPU, per-sample slices (views) and flips, then one copy
    for i, ((y0, fy), (x0, fx)) in enumerate(zip(ys, xs, strict=True)):
        view = x[i, :, y0 : y0 + ho, x0 : x0 + wo]
        dims = [d for d, f in ((1, fy), (2, fx)) if f]
        out.append(view.flip(dims) if dims else view)
    return torch.stack(out)


def needs_float(groups: Sequence[PendingWarp]) -> bool:
    """Whether resampling these groups interpolates (else they only move whole pixels: uint8 stays)."""
    for g in groups:
        kind, plan, *_ = _plan(g)
        if kind != "axis" or not plan.exact:
            return True
    return False


def _axis(
    x: torch.Tensor, mask: torch.Tensor | None, plans: list[_AxisPlan], border: _Border
) -> tuple[torch.Tensor, torch.Tensor | None]:
    mode, fills, fill_mask = border
    h, w = x.shape[2:]
    n = len(plans)
    axes = np.array([p.axis for p in plans], dtype=np.float64)
    win = np.array([p.win for p in plans], dtype=np.float64)
    ho, wo = plans[0].out_size
    px = (np.arange(wo) + 0.5 - axes[:, 1:2]) / axes[:, 0:1]
    py = (np.arange(ho) + 0.5 - axes[:, 3:4]) / axes[:, 2:3]
    ux = np.clip(px - 0.5, win[:, 0:1], win[:, 1:2] - 1)
    uy = np.clip(py - 0.5, win[:, 2:3], win[:, 3:4] - 1)
    if all(p.exact for p in plans):  # whole pixels: exact copies
        y = _take(x, np.rint(uy).astype(np.int64), np.rint(ux).astype(np.int64))
    else:  # resizes: bilinear within each window, as cv2.resize of the slice
        grid = np.empty((n, ho, wo, 2), np.float32)
        grid[..., 0] = ((ux + 0.5) * (2.0 / w) - 1.0)[:, None, :]
        grid[..., 1] = ((uy + 0.5) * (2.0 / h) - 1.0)[:, :, None]
        y = tf.grid_sample(
            x,
            _device(grid, x.device),
            mode="bilinear",
            padding_mode="border",
            align_corners=False,
        )
    m = None
    if mask is not None:
        iy = np.clip(np.floor(py), win[:, 2:3], win[:, 3:4] - 1).astype(np.int64)
        ix = np.clip(np.floor(px), win[:, 0:1], win[:, 1:2] - 1).astype(np.int64)
        m = _take(mask, iy, ix)
    if mode == "constant":
        outside = ((py < 0) | (py > h))[:, :, None] | ((px < 0) | (px > w))[:, None, :]
        if outside.any():
            out_t = _device(outside, x.device)[:, None]
            y = y.masked_fill(out_t, 0) if fills is None else torch.where(out_t, fills.view(1, -1, 1, 1), y)
            if m is not None:
                m = m.masked_fill(out_t, _label(m, fill_mask))
    return y, m


# ---------------------------------------------------------------------- matrices
def _normalize(size: Size) -> np.ndarray:
    """Continuous pixel coordinates -> ``grid_sample``'s [-1, 1] (``align_corners=False``)."""
    h, w = size
    return np.array([[2.0 / w, 0.0, -1.0], [0.0, 2.0 / h, -1.0], [0.0, 0.0, 1.0]])


def _source(g: PendingWarp) -> tuple[np.ndarray, tuple[int, int, int, int] | None]:
    """The group's matrix and the input window it reads (the engine warps from a view of it)."""
    made = g.__dict__.get("_batched_source")
    if made is None:
        made = g.__dict__["_batched_source"] = _make_source(g)
    return made


def _make_source(g: PendingWarp) -> tuple[np.ndarray, tuple[int, int, int, int] | None]:
    if g.clips and g.border is not None:
        window = g._clip_window()
        if window is not None:
            return F.matmul3(g.matrix, F.translate_matrix(window[0], window[1])), window
    return g.matrix, None


def invert_all(matrices: list[np.ndarray]) -> np.ndarray:
    """``F.invert`` of each 3x3 matrix, ``(n, 3, 3)``: the same adjugate arithmetic, elementwise
    over the stack (bit-identical to one call per matrix, without a Python loop per sample)."""
    m = np.stack(matrices)
    a, b, c = m[:, 0, 0], m[:, 0, 1], m[:, 0, 2]
    d, e, f = m[:, 1, 0], m[:, 1, 1], m[:, 1, 2]
    g, h, k = m[:, 2, 0], m[:, 2, 1], m[:, 2, 2]
    co0, co1, co2 = e * k - f * h, f * g - d * k, d * h - e * g
    det = a * co0 + b * co1 + c * co2
    if (det == 0.0).any():
        raise ValueError("singular geometric matrix")
    r = 1.0 / det
    rows = (
        (co0 * r, (c * h - b * k) * r, (b * f - c * e) * r),
        (co1 * r, (a * k - c * g) * r, (c * d - a * f) * r),
        (co2 * r, (b * g - a * h) * r, (a * e - b * d) * r),
    )
    return np.stack([np.stack(row, axis=1) for row in rows], axis=1)


def _grid(thetas: np.ndarray, out_size: Size, device: torch.device) -> torch.Tensor:
    """``grid_sample`` grids (n, Ho, Wo, 2) of normalized output -> normalized input matrices.

    Element-wise arithmetic only (no batched matrix product, whose blocking depends on the
    batch size): a sample's grid, hence its pixels, never depend on what else is in the batch.
    """
    ho, wo = out_size
    t = _device(thetas.astype(np.float32), device).view(-1, 3, 3, 1, 1)
    ys = ((torch.arange(ho, device=device, dtype=torch.float32) + 0.5) * (2.0 / ho) - 1.0).view(1, -1, 1)
    xs = ((torch.arange(wo, device=device, dtype=torch.float32) + 0.5) * (2.0 / wo) - 1.0).view(1, 1, -1)
    gx = t[:, 0, 0] * xs + t[:, 0, 1] * ys + t[:, 0, 2]
    gy = t[:, 1, 0] * xs + t[:, 1, 1] * ys + t[:, 1, 2]
    if thetas[:, 2, :2].any() or (thetas[:, 2, 2] != 1).any():  # perspective
        wd = t[:, 2, 0] * xs + t[:, 2, 1] * ys + t[:, 2, 2]
        gx, gy = gx / wd, gy / wd
    return torch.stack([gx, gy], dim=-1)


def _matrix(
    x: torch.Tensor, mask: torch.Tensor | None, groups: list[PendingWarp], border: _Border
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One ``grid_sample`` per input size (the whole image, or each crop's window of one size)."""
    mode, fills, fill_mask = border
    n, c, h, w = x.shape
    ho, wo = groups[0].image_size
    sources = [_source(g) for g in groups]
    by_size: dict[Size, list[int]] = {}
    for i, (_, window) in enumerate(sources):
        size = (h, w) if window is None else (window[3] - window[1], window[2] - window[0])
        by_size.setdefault(size, []).append(i)
    out = x.new_empty((n, c, ho, wo))
    out_mask = None if mask is None else mask.new_empty((n, mask.shape[1], ho, wo))
    norm_out = np.linalg.inv(_normalize((ho, wo)))
    for size, rows in by_size.items():
        src = x if len(rows) == n else x[rows]
        src_mask = None if mask is None else (mask if len(rows) == n else mask[rows])
        windows = [sources[i][1] for i in rows]
        if any(wd is not None for wd in windows):  # the same-size windows: an exact gather
            src = _crop(src, windows, size)
            src_mask = None if src_mask is None else _crop(src_mask, windows, size)
        inverses = invert_all([sources[i][0] for i in rows])
        grid = _grid(_normalize(size) @ inverses @ norm_out, (ho, wo), x.device)
        y = _sample(src, grid, mode, fills)
        m = None if src_mask is None else _nearest(src_mask, inverses, (ho, wo), mode, fill_mask)
        blank = _blank([groups[i] for i in rows], grid, size)
        if blank is not None:
            y = (
                y.masked_fill(blank[:, None], 0)
                if fills is None
                else torch.where(blank[:, None], fills.view(1, -1, 1, 1), y)
            )
            m = None if m is None else m.masked_fill(blank[:, None], _label(m, fill_mask))
        if len(rows) == n:
            return y, m
        index = _device(np.array(rows), x.device)
        out.index_copy_(0, index, y)
        if out_mask is not None and m is not None:
            out_mask.index_copy_(0, index, m)
    return out, out_mask


def _crop(x: torch.Tensor, windows: list[Any], size: Size) -> torch.Tensor:
    h, w = size
    top = np.array([[0 if wd is None else wd[1]] for wd in windows])
    left = np.array([[0 if wd is None else wd[0]] for wd in windows])
    rows = _gather(x, 2, top + np.arange(h))
    return _gather(rows, 3, left + np.arange(w))


def _label(m: torch.Tensor, value: float) -> float | int:
    return value if m.dtype.is_floating_point else int(value)


def _sample(x: torch.Tensor, grid: torch.Tensor, mode: str, fills: torch.Tensor | None) -> torch.Tensor:
    grid = grid.to(x.dtype)
    if mode != "constant":
        return tf.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    if fills is None:
        return tf.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    f = fills.view(1, -1, 1, 1)
    return tf.grid_sample(x - f, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + f


def _nearest(
    mask: torch.Tensor, inverses: np.ndarray, out_size: Size, mode: str, fill_mask: float
) -> torch.Tensor:
    """Masks through output -> input matrices, picking the pixels OpenCV's nearest warps pick.

    The source pixel of an output pixel is its mapped centre's index coordinate rounded
    (``floor(u + 0.5)``), computed in float64 from the index-space matrix as ``cv2.warpAffine``
    and ``cv2.warpPerspective`` do (OpenCV 5), so labels equal the per-sample path's.
    """
    n, k, h, w = mask.shape
    ho, wo = out_size
    dev = mask.device
    to_index = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    inv = inverses @ to_index  # output index -> input coordinate; then input index:
    inv[:, :2] -= 0.5 * inv[:, 2:3]
    m = _device(inv, dev).view(n, 3, 3, 1, 1)
    xs = torch.arange(wo, device=dev, dtype=torch.float64).view(1, 1, -1)
    ys = torch.arange(ho, device=dev, dtype=torch.float64).view(1, -1, 1)
    ux = m[:, 0, 0] * xs + m[:, 0, 1] * ys + m[:, 0, 2]
    uy = m[:, 1, 0] * xs + m[:, 1, 1] * ys + m[:, 1, 2]
    if inv[:, 2, :2].any():
        wd = m[:, 2, 0] * xs + m[:, 2, 1] * ys + m[:, 2, 2]
        wd = torch.where(wd != 0, 1.0 / wd, torch.zeros_like(wd))
        ux, uy = ux * wd, uy * wd
    ix, iy = torch.floor(ux + 0.5).long(), torch.floor(uy + 0.5).long()
    outside = (ix < 0) | (ix >= w) | (iy < 0) | (iy >= h)
    flat = (iy.clamp(0, h - 1) * w + ix.clamp(0, w - 1)).view(n, 1, -1)
    out = mask.reshape(n, k, h * w).gather(2, flat.expand(n, k, flat.shape[2])).view(n, k, ho, wo)
    if mode == "constant":
        out = out.masked_fill(outside[:, None], _label(out, fill_mask))
    return out


def _blank(groups: list[PendingWarp], grid: torch.Tensor, size: Size) -> torch.Tensor | None:
    """Output pixels an intermediate crop cut away (groups whose crops are not one window).

    As the engine's ``fill_outside``: each cut frame is a convex quadrilateral in the output, and
    a pixel stays when ``cv2.fillConvexPoly`` would paint it: its centre inside the quad or
    within half a pixel of an edge along the edge's minor axis (the line's own pixels).
    """
    blank: torch.Tensor | None = None
    ho, wo = grid.shape[1:3]
    for i, g in enumerate(groups):
        if not g.clips or g.border is None or g._clip_window() is not None:
            continue
        m = g.matrix
        corners = F.frame(ho, wo)
        for fm, fsize in g.clips:
            quad = F.transform_points(F.frame(*fsize), F.matmul3(m, F.invert(fm)))
            if F._contains(quad, corners):
                continue
            inside = _in_quad(quad, (ho, wo), grid.device)
            if blank is None:
                blank = torch.zeros((len(groups), ho, wo), dtype=torch.bool, device=grid.device)
            blank[i] |= ~inside
    return blank


def _in_quad(quad: np.ndarray, size: Size, device: torch.device) -> torch.Tensor:
    ho, wo = size
    ys = torch.arange(ho, device=device, dtype=torch.float64)[:, None] + 0.5
    xs = torch.arange(wo, device=device, dtype=torch.float64)[None, :] + 0.5
    x0, y0 = quad[:, 0], quad[:, 1]
    dx, dy = np.roll(x0, -1) - x0, np.roll(y0, -1) - y0
    area = float((x0 * np.roll(y0, -1) - np.roll(x0, -1) * y0).sum())
    sign = 1.0 if area >= 0 else -1.0
    inside = torch.ones((ho, wo), dtype=torch.bool, device=device)
    for k in range(4):
        major = max(abs(dx[k]), abs(dy[k]))
        if major < 1e-12:
            continue
        cross = dx[k] * (ys - y0[k]) - dy[k] * (xs - x0[k])
        inside &= sign * cross / major >= -0.5
    return inside
