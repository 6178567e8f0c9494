"""Batched per-channel ops (issue 17's ops on the batched path): ``ChannelShuffle``, ``RGBShift``,
``HueSaturationValue``.

Both are exact against the per-sample op (``tests/test_torch_batch_pixel.py``):

* :class:`~multiaug.image.ChannelShuffle`: output channel ``c`` of row ``i`` is input channel
  ``order_i[c]``, one ``gather`` over the channel axis with every row's drawn order (alpha
  included, any channel count, as the CPU op);
* :class:`~multiaug.image.RGBShift`: ``clip(v + shift_c)`` on the colour channels, alpha kept.
  On uint8 levels the shifts are the CPU op's whole levels (Python's ``round``, as
  ``rgb_shift``), which ``cv2.add``/``cv2.subtract`` saturate exactly so; on float32,
  ``shift / 255`` in float32, as the CPU op adds it;
* :class:`~multiaug.image.HueSaturationValue`: on uint8 OpenCV's 8-bit ``RGB2HSV`` (hue in 180
  steps, its fixed-point tables), ``(h + hue) mod 180``, ``clip(s + sat)``, ``clip(v + val)``
  (shifts rounded to whole levels, as the CPU op's lookup tables), then ``HSV2RGB`` as the CPU
  op computes it on every CPU (:mod:`multiaug.image.functional.exact_hsv`): every pixel as
  OpenCV's vector code with a fused multiply-add (``255 * value`` truncated, ``1 - s * w``
  with one rounding), bit-exact. On float32: OpenCV's float
  HSV formulas, the hue shifted by ``2 * hue`` degrees, ``s`` and ``v`` by ``shift / 255`` and
  clipped (float32 rounding). Rows whose three drawn shifts are 0 keep their values, as the CPU op
  returns a copy.

The rows' parameters go to the device in one staged transfer (:mod:`.staging`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ...core.errors import InvalidInputError
from ...image.channels import _RGB_FIX
from .image_colour import hsv8_to_rgb, hsv_float_to_rgb, rgb_to_hsv8, rgb_to_hsv_float
from .image_pixel import UINT8, colour_split, join_alpha, single, whole
from .registry import Batch, kernel
from .staging import Stage

__all__ = ["channel_shuffle", "hue_saturation_value", "rgb_shift"]


@kernel("image.ChannelShuffle", "image")
def channel_shuffle(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Every row's channels reordered by its drawn ``order`` (one gather)."""
    x = whole(single(t, batch), batch.scale)
    b, c = x.shape[:2]
    orders = [list(p["order"]) for p in batch.params]
    if any(sorted(o) != list(range(c)) for o in orders):
        bad = next(o for o in orders if sorted(o) != list(range(c)))
        raise InvalidInputError(
            t.name,
            "params.order",
            f"{bad} is not a permutation of the image's {c} channel(s)",
            "replay the trace on an image with as many channels as the traced one",
        )
    stage = Stage()
    handle = stage.add(orders, np.int64)
    index = stage.send(x.device)[handle].view(b, c, 1, 1)
    return {"image": x.gather(1, index.expand(x.shape))}


def _rgb(t: Any, batch: Batch, what: str) -> tuple[torch.Tensor, int, int]:
    """The image, rows and channels of a batch of RGB(A) images, or the CPU op's error."""
    x = single(t, batch)
    b, c = x.shape[:2]
    if c not in (3, 4):
        raise InvalidInputError(t.name, "image", f"has {c} channel(s); {what} need RGB or RGBA", _RGB_FIX)
    return x, b, c


@kernel("image.RGBShift", "image")
def rgb_shift(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """``clip(v + shift)`` per colour channel with each row's drawn shifts (alpha kept)."""
    x, b, c = _rgb(t, batch, "RGB shifts")
    drawn = [[p["r_shift_limit"], p["g_shift_limit"], p["b_shift_limit"]] for p in batch.params]
    shifts = np.zeros((b, c), dtype=np.float32)  # alpha: + 0 (and in range: the clip keeps it)
    if batch.scale == UINT8:
        shifts[:, :3] = [[round(float(s)) for s in row] for row in drawn]
        x = whole(x, batch.scale)
    else:
        shifts[:, :3] = np.asarray(drawn, dtype=np.float32) / np.float32(255.0)
    stage = Stage()
    handle = stage.add(shifts)
    return {"image": (x + stage.send(x.device)[handle].view(b, c, 1, 1)).clamp_(0.0, batch.scale)}


@kernel("image.HueSaturationValue", "image")
def hue_saturation_value(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Each row's hue, saturation and value shifted in OpenCV's HSV (see the module docstring)."""
    x, b, _ = _rgb(t, batch, "HSV shifts")
    drawn = [
        [float(p[n]) for n in ("hue_shift_limit", "sat_shift_limit", "val_shift_limit")] for p in batch.params
    ]
    uint8 = batch.scale == UINT8
    stage = Stage()
    if uint8:
        handle = stage.add([[round(v) for v in row] for row in drawn], np.int32)
    else:
        handle = stage.add([[(2.0 * h) % 360.0, s / 255.0, v / 255.0] for h, s, v in drawn], np.float32)
    still = [not any(row) for row in drawn]
    kept = stage.add(still) if any(still) else None
    sent = stage.send(x.device)
    hue, sat, val = (a.view(b, 1, 1) for a in sent[handle].unbind(1))
    colour, alpha = colour_split(whole(x, batch.scale))
    if uint8:
        h, s, v = rgb_to_hsv8(colour, 180)
        s, v = (s + sat).clamp_(0, 255), (v + val).clamp_(0, 255)
        out = hsv8_to_rgb(((h + hue).remainder_(180), s, v), 180, vector=True, fused=True)
    else:
        h, s, v = rgb_to_hsv_float(colour)
        out = hsv_float_to_rgb(h + hue, (s + sat).clamp_(0.0, 1.0), (v + val).clamp_(0.0, 1.0))
    if kept is not None:
        out = torch.where(sent[kept].view(b, 1, 1, 1), colour, out)
    return {"image": join_alpha(out, alpha)}
