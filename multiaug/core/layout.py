"""Layouts and tensors at the call boundary: what ``Compose(..., layout=...)`` declares.

The image operations work on HWC (channels last) NumPy arrays. A call may give CHW arrays and
torch tensors instead; they are converted here, once, on the way in, and the outputs converted
back on the way out, so no operation ever sees anything else:

* ``layout="hwc"`` (the default): NumPy arrays pass untouched; a torch tensor (CPU or CUDA) is
  read as HWC (``.detach().cpu().numpy()``) and comes back a tensor on its device. A value that
  looks channels-first (1, 3 or 4 leading entries, more than 4 trailing) raises
  :class:`~multiaug.core.errors.InvalidInputError` naming ``layout``: it is never guessed.
* ``layout="chw"``: arrays and tensors are channels-first (``(C, H, W)``, ``(B, C, H, W)`` for
  ``images``) and come back channels-first; one that looks channels-last raises.

Which fields take part is declared with the field (:attr:`multiaug.core.fields.Field.layout_ndim`):
``image`` (a channel axis when 3-D), ``images`` (when 4-D), ``mask`` and ``masks`` (tensors
accepted, no channel axis). A field's output keeps the dtype the NumPy path gives it (image ops
keep it, ``Normalize`` gives float32); an output that is already a tensor (``ToTensor``) is
left as it is, and an output that is the input unchanged comes back as the very object given.

torch is never imported here: a tensor can only exist once its module is loaded, so a call looks
the module up in ``sys.modules``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

from .errors import InvalidInputError

__all__ = ["LAYOUTS", "enter", "layout_fields", "looks_chw", "looks_hwc", "tensor_given"]

LAYOUTS = ("hwc", "chw")

Sample = dict[str, Any]


def looks_chw(shape: tuple[int, ...]) -> bool:
    """A 3-D shape with 1, 3 or 4 leading entries and more than 4 trailing ones: channels first."""
    return len(shape) == 3 and shape[0] in (1, 3, 4) and shape[2] > 4


def looks_hwc(shape: tuple[int, ...]) -> bool:
    """A 3-D shape with 1, 3 or 4 trailing entries and more than 4 leading ones: channels last."""
    return len(shape) == 3 and shape[2] in (1, 3, 4) and shape[0] > 4


def layout_fields() -> tuple[tuple[str, int], ...]:
    """``(name, layout_ndim)`` of every declared field that takes part in the layout conversion."""
    from .fields import FIELDS

    return tuple((n, f.layout_ndim) for n, f in FIELDS.items() if f.layout_ndim is not None)


def tensor_given(sample: Mapping[str, Any], fields: tuple[tuple[str, int], ...]) -> bool:
    """Whether a layout field of ``sample`` holds a torch tensor (or a list of them)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    tensor = torch.Tensor
    for value in sample.values():  # a sample holds a few fields; checking the others costs nothing
        if isinstance(value, tensor):
            break
        if type(value) in (list, tuple) and any(isinstance(v, tensor) for v in value):
            break
    else:
        return False
    return any(_holds_tensor(sample.get(name), tensor) for name, _ in fields)


def _holds_tensor(value: Any, tensor: type) -> bool:
    if isinstance(value, tensor):
        return True
    return type(value) in (list, tuple) and any(isinstance(v, tensor) for v in value)


def _to_numpy(owner: str, field: str, tensor: Any) -> Any:
    try:
        return tensor.detach().cpu().numpy()
    except (TypeError, RuntimeError) as exc:
        raise InvalidInputError(
            owner,
            field,
            f"is a {tensor.dtype} tensor on {tensor.device} that NumPy cannot hold ({exc})",
            "convert it first: tensor.float() for images scaled to [0, 1], tensor.to(torch.uint8) for "
            "0..255 images, tensor.long() for masks",
        ) from None


def _layout_error(owner: str, field: str, shape: tuple[int, ...], tensor: bool, layout: str) -> Exception:
    what, a = ("tensor", "a") if tensor else ("array", "an")
    if layout == "hwc":
        seen, axes = "a CHW (channels-first)", ("0, -1" if len(shape) == 3 else "1, -1")
        move = f"tensor.movedim({axes})" if tensor else f"np.moveaxis({field}, {axes})"
        fix = (
            'declare the layout on the pipeline: ma.Compose([...], layout="chw") (the output comes back '
            f"CHW), or move the channels last with {move}"
        )
    else:
        seen, axes = "an HWC (channels-last)", ("-1, 0" if len(shape) == 3 else "-1, 1")
        move = f"tensor.movedim({axes})" if tensor else f"np.moveaxis({field}, {axes})"
        fix = f'pass it channels first ({move}), or drop layout="chw" from the pipeline'
    return InvalidInputError(
        owner,
        field,
        f"is {a} {what} of shape {shape}, which looks like {seen} {what}, but the pipeline's layout "
        f'is "{layout}"',
        fix,
    )


class _Undo:
    """How to give one converted field back: the original, the array it became, the way back."""

    __slots__ = ("array", "device", "moved", "original", "tensor")

    def __init__(self, original: Any, array: Any, moved: bool, tensor: bool) -> None:
        self.original, self.array, self.moved, self.tensor = original, array, moved, tensor
        self.device = original.device if tensor else None

    def back(self, value: Any) -> Any:
        import numpy as np

        if value is self.array:
            return self.original  # unchanged: the very object given, as the NumPy path does
        if not isinstance(value, np.ndarray):
            if self.tensor and type(value).__module__.startswith("torch"):
                return value.to(self.device)  # made on the CPU by ToTensor: back on the input's device
            return value  # not an array at all
        if self.moved and value.ndim >= 3:
            value = np.moveaxis(value, -1, -3)
        value = np.ascontiguousarray(value)
        if not self.tensor:
            return value
        import torch

        if not self.moved and np.may_share_memory(value, self.array):
            value = value.copy()  # a view of a CPU tensor's memory (a crop): never alias the input
        return torch.from_numpy(value).to(self.device)


def _convert(owner: str, field: str, value: Any, ndim: int, layout: str) -> tuple[Any, _Undo] | None:
    """One value as the HWC NumPy array the operations read, or None when it needs nothing."""
    import numpy as np

    torch = sys.modules.get("torch")
    tensor = torch is not None and isinstance(value, torch.Tensor)
    if not tensor and (layout == "hwc" or not isinstance(value, np.ndarray)):
        return None
    array = _to_numpy(owner, field, value) if tensor else value
    moved = False
    if ndim and array.ndim == ndim:
        shape = tuple(array.shape)
        if layout == "chw":
            if looks_hwc(shape[-3:]):
                raise _layout_error(owner, field, shape, tensor, layout)
            array, moved = np.ascontiguousarray(np.moveaxis(array, -3, -1)), True
        elif tensor and looks_chw(shape[-3:]):
            raise _layout_error(owner, field, shape, tensor, layout)
    return array, _Undo(value, array, moved, tensor)


def enter(
    owner: str, sample: Mapping[str, Any], layout: str, fields: tuple[tuple[str, int], ...]
) -> tuple[Mapping[str, Any], Callable[[Sample], Sample] | None]:
    """``sample`` with its layout fields as HWC NumPy arrays, and the function that converts an
    output back (None when nothing was converted)."""
    undo: dict[str, Any] = {}
    out = dict(sample)
    for name, ndim in fields:
        value = sample.get(name)
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            items = [_convert(owner, f"{name}[{i}]", v, ndim, layout) for i, v in enumerate(value)]
            if any(c is not None for c in items):
                out[name] = [v if c is None else c[0] for v, c in zip(value, items, strict=True)]
                undo[name] = [None if c is None else c[1] for c in items]
            continue
        converted = _convert(owner, name, value, ndim, layout)
        if converted is not None:
            out[name], undo[name] = converted
    if not undo:
        return sample, None

    def leave(result: Sample) -> Sample:
        for name, how in undo.items():
            if name not in result:
                continue
            value = result[name]
            if isinstance(how, list):
                if isinstance(value, (list, tuple)) and len(value) == len(how):
                    result[name] = [v if u is None else u.back(v) for v, u in zip(value, how, strict=True)]
                elif isinstance(value, (list, tuple)) and all(u is not None for u in how):
                    result[name] = [how[0].back(v) for v in value]  # a list op changed its length
            else:
                result[name] = how.back(value)
        return result

    return out, leave
