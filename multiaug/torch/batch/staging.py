"""Host-built kernel parameters sent to the device in one transfer.

A kernel's per-sample parameters (factors, matrices, row orders, generator keys) are known on
the host once the draws are made. Each small ``torch.tensor(..., device=...)`` is a separate
host-to-device copy with its own fixed cost (on a GPU several microseconds of host time, which
for ~50 of them a batch outweighs the pixel work of a small batch), so kernels pack their host
arrays into one :class:`Stage` and send it once::

    stage = Stage()
    gain = stage.add(np.array(gains))                # float64 (n,)
    order = stage.add(np.array(rows, np.int64))      # int64 (n,)
    sent = stage.send(x.device)                      # one copy
    sent[gain], sent[order]                          # views of the one device buffer

Every array is copied exactly (its bytes), so values are those NumPy computed; the views alias
one device buffer (read them, never write them in place).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["Sent", "Stage"]

_ALIGN = 8  # every section starts on 8 bytes, so a uint8 view may be read as any dtype up to 64 bits

_TORCH = {
    np.dtype(np.float64): torch.float64,
    np.dtype(np.float32): torch.float32,
    np.dtype(np.int64): torch.int64,
    np.dtype(np.int32): torch.int32,
    np.dtype(np.uint8): torch.uint8,
    np.dtype(np.bool_): torch.bool,
}


class Stage:
    """Host arrays collected for one transfer (see the module docstring)."""

    __slots__ = ("arrays", "size")

    def __init__(self) -> None:
        self.arrays: list[tuple[int, np.ndarray]] = []
        self.size = 0

    def add(self, a: Any, dtype: Any = None) -> int:
        """Stage ``a`` (an array, or anything ``np.asarray`` takes); returns its handle in the sent stage."""
        arr = np.ascontiguousarray(a, dtype=dtype)
        if arr.dtype not in _TORCH:
            raise TypeError(f"cannot stage a {arr.dtype} array")
        offset = self.size
        self.arrays.append((offset, arr))
        self.size = offset + -(-arr.nbytes // _ALIGN) * _ALIGN
        return len(self.arrays) - 1

    def send(self, device: torch.device) -> Sent:
        """One host buffer with every staged array, copied to ``device`` without a stream sync."""
        buf = np.empty(max(self.size, _ALIGN), dtype=np.uint8)
        for offset, arr in self.arrays:
            buf[offset : offset + arr.nbytes] = arr.reshape(-1).view(np.uint8)
        host = torch.from_numpy(buf)
        dev = host if torch.device(device).type == "cpu" else host.to(device, non_blocking=True)
        return Sent(dev, host, [(o, a.dtype, a.shape, a.nbytes) for o, a in self.arrays])


class Sent:
    """A :class:`Stage` on the device: ``sent[handle]`` is the staged array as a tensor (a view)."""

    __slots__ = ("_host", "_typed", "buffer", "layout")

    def __init__(
        self, buffer: torch.Tensor, host: torch.Tensor, layout: list[tuple[int, Any, Any, int]]
    ) -> None:
        self.buffer = buffer
        self._host = host  # kept alive until the (asynchronous) copy is surely done with it
        self.layout = layout
        #: The whole buffer viewed as each dtype read so far (sections start on 8 bytes: whole elements).
        self._typed: dict[Any, torch.Tensor] = {}

    def __getitem__(self, handle: int) -> torch.Tensor:
        offset, dtype, shape, nbytes = self.layout[handle]
        typed = self._typed.get(dtype)
        if typed is None:
            typed = self._typed[dtype] = self.buffer.view(_TORCH[dtype])
        size = dtype.itemsize
        flat = typed[offset // size : (offset + nbytes) // size]
        return flat if len(shape) == 1 else flat.view(shape)
