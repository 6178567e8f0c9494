"""Batched per-channel ops (issue 17's ops on the batched path): ``ChannelShuffle`` and ``RGBShift``.

Both are exact against the per-sample op (``tests/test_torch_batch_pixel.py``):

* :class:`~multiaug.image.ChannelShuffle`: output channel ``c`` of row ``i`` is input channel
  ``order_i[c]``, one ``gather`` over the channel axis with every row's drawn order (alpha
  included, any channel count, as the CPU op);
* :class:`~multiaug.image.RGBShift`: ``clip(v + shift_c)`` on the colour channels, alpha kept.
  On uint8 levels the shifts are the CPU op's whole levels (Python's ``round``, as
  ``rgb_shift``), which ``cv2.add``/``cv2.subtract`` saturate exactly so; on float32,
  ``shift / 255`` in float32, as the CPU op adds it.

The rows' parameters go to the device in one staged transfer (:mod:`.staging`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ...core.errors import InvalidInputError
from ...image.channels import _RGB_FIX
from .image_pixel import UINT8, single, whole
from .registry import Batch, kernel
from .staging import Stage

__all__ = ["channel_shuffle", "rgb_shift"]


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


@kernel("image.RGBShift", "image")
def rgb_shift(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """``clip(v + shift)`` per colour channel with each row's drawn shifts (alpha kept)."""
    x = single(t, batch)
    b, c = x.shape[:2]
    if c not in (3, 4):
        raise InvalidInputError(t.name, "image", f"has {c} channel(s); RGB shifts need RGB or RGBA", _RGB_FIX)
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
