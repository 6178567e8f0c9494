"""What a batched call is given: checked, converted once, and split into per-sample stand-ins.

Images ``(B, C, H, W)`` uint8 or float32 (uint8 becomes float32 in 0..255 once here and is
rounded back once at the end); masks ``(B, H, W)`` or ``(B, N, H, W)`` on the image's device;
``bboxes`` / ``keypoints`` (and their ``bbox_labels`` / ``keypoint_labels``) as lists of one
array per sample; audio ``(B, T)`` or ``(B, C, T)`` float32 with its ``sample_rate``; one key
per sample. Anything else is an :class:`~multiaug.InvalidInputError` naming the field.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ...audio._validate import MAX_AMPLITUDE
from ...core.errors import InvalidInputError
from .draw import Drawn, proxy
from .executor import Rows

__all__ = ["Prepared", "prepare"]

_LISTS = ("bboxes", "keypoints", "bbox_labels", "keypoint_labels")
_IMAGE_FIELDS = ("image", "mask", *_LISTS)
_AUDIO_FIELDS = ("audio", "sample_rate")


@dataclass
class Prepared:
    """One checked call: per-sample stand-ins for the draws, the tensors for the kernels."""

    samples: list[dict[str, Any]]
    keys: list[int | str]
    rows: dict[str, Rows]
    info: dict[str, Any]
    #: Whether samples carry their own targets (then each is validated, not only the first).
    targets: bool = False
    #: How the main field goes back: ("uint8" | "float32", squeeze the channel axis of (B, T) audio).
    restore: dict[str, Any] = field(default_factory=dict)

    def finish(self, owner: str, drawn: list[Drawn], dtypes: list[str], trace: bool) -> dict[str, Any]:
        main = "image" if "image" in self.rows else "audio"
        out: dict[str, Any] = {}
        for name, rows in self.rows.items():
            out[name] = rows.result(lambda: _resizers(owner, drawn))
        if len(set(dtypes)) > 1:
            raise InvalidInputError(
                owner,
                main,
                f"ends in different dtypes across the batch ({sorted(set(dtypes))})",
                "apply the dtype conversion (Normalize, ToFloat) to every sample (p=1)",
            )
        x = out[main]
        if self.restore["uint8"] and dtypes and dtypes[0] == "uint8" and x.dtype != torch.uint8:
            x = x.round_().clamp_(0, 255).to(torch.uint8)
        if main == "audio" and self.restore["squeeze"]:
            x = x[:, 0]
            if "spectrogram" in out:  # mono (T,) clips have (n_mels, frames) spectrograms, as per sample
                out["spectrogram"] = out["spectrogram"][:, 0]
        out[main] = x
        if "mask" in out and self.restore.get("mask_squeeze"):
            out["mask"] = out["mask"][:, 0]
        for name in _LISTS:  # given to the call, or to the draw() whose draws it applies
            if name in self.samples[0] or name in drawn[0].out:
                out[name] = [d.out.get(name) for d in drawn]
        if main == "audio":
            out["sample_rate"] = self.info["sample_rate"]
        if trace:
            out["trace"] = [d.trace for d in drawn]
        return out


def _resizers(owner: str, drawn: list[Drawn]) -> str:
    """The size-changing ops some samples applied and others not (else all of them), for an error."""
    sets = [set(d.resizers) for d in drawn]
    every = set().union(*sets)
    differ = every - set[str].intersection(*sets)
    return ", ".join(sorted(differ or every)) or owner


def _keys(owner: str, key: Any, n: int) -> list[int | str]:
    fix = "pass key=[k0, k1, ...]: one int or str per sample (e.g. the dataset indices of the batch)"
    if key is None:
        raise InvalidInputError(owner, "key", "is missing; a batch needs one key per sample", fix)
    if isinstance(key, torch.Tensor | np.ndarray):
        integer = (
            not (key.dtype.is_floating_point or key.dtype.is_complex or key.dtype == torch.bool)
            if isinstance(key, torch.Tensor)
            else key.dtype.kind in "iu"
        )
        if key.ndim != 1 or not integer:
            raise InvalidInputError(
                owner, "key", f"is a {key.ndim}-D array of {key.dtype}; keys are integers", fix
            )
        key = key.tolist()
    if isinstance(key, str | bytes) or not isinstance(key, Sequence):
        raise InvalidInputError(owner, "key", f"is {type(key).__name__}, not a sequence of keys", fix)
    if len(key) != n:
        raise InvalidInputError(owner, "key", f"has {len(key)} keys for a batch of {n}", fix)
    out: list[int | str] = []
    for i, k in enumerate(key):
        if isinstance(k, bool) or not isinstance(k, numbers.Integral | str):
            raise InvalidInputError(owner, f"key[{i}]", f"is {type(k).__name__} {k!r:.40}", fix)
        out.append(k if isinstance(k, str) else int(k))
    return out


def _tensor(owner: str, name: str, x: Any, ndims: tuple[int, ...], fix: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise InvalidInputError(owner, name, f"is {type(x).__name__}, not a torch tensor", fix)
    if x.ndim not in ndims:
        raise InvalidInputError(
            owner,
            name,
            f"has {x.ndim} dimensions {tuple(x.shape)}; expected {' or '.join(map(str, ndims))}",
            fix,
        )
    if x.numel() == 0:
        raise InvalidInputError(owner, name, f"is empty {tuple(x.shape)}", fix)
    return x


def _per_sample(owner: str, name: str, value: Any, n: int) -> list[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidInputError(
            owner,
            name,
            f"is {type(value).__name__}; a batch takes a list of one array per sample",
            f"pass {name}=[a0, a1, ...] with one entry per sample",
        )
    if len(value) != n:
        raise InvalidInputError(
            owner, name, f"has {len(value)} entries for a batch of {n}", "give one per sample"
        )
    return [v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else v for v in value]


def prepare(owner: str, kind: str, key: Any, epoch: Any, fields: dict[str, Any]) -> Prepared:
    """Check a call's fields and build the per-sample stand-ins and the tensors."""
    allowed = _IMAGE_FIELDS if kind == "image" else _AUDIO_FIELDS
    for name in fields:
        if name not in allowed:
            raise InvalidInputError(
                owner, name, f"is not a field of a batched {kind} call", f"pass only {', '.join(allowed)}"
            )
    if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 0:
        raise InvalidInputError(owner, "epoch", f"is {epoch!r}; it must be an int >= 0", "pass epoch=<int>")
    if kind == "audio":
        return _prepare_audio(owner, key, int(epoch), fields)
    return _prepare_image(owner, key, int(epoch), fields)


def _float_input(owner: str, name: str, x: torch.Tensor, allow_uint8: bool) -> None:
    if allow_uint8 and x.dtype == torch.uint8:
        return
    if x.dtype != torch.float32:
        want = "uint8 or float32" if allow_uint8 else "float32"
        raise InvalidInputError(
            owner, name, f"has dtype {x.dtype}; the batched path takes {want}", f"convert it: {name}.float()"
        )
    lo, hi = (float(v) for v in torch.aminmax(x))  # NaN propagates: one scan finds both problems
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise InvalidInputError(owner, name, "contains NaN or inf", "replace non-finite values first")
    if allow_uint8 and not (lo >= 0.0 and hi <= 1.0):  # float images are in [0, 1], as per sample
        raise InvalidInputError(
            owner,
            name,
            f"is float32 with values in [{lo:.4g}, {hi:.4g}], outside [0, 1]",
            "scale float images to [0, 1] (e.g. image / 255.0), or pass uint8",
        )
    if not allow_uint8 and max(-lo, hi) > MAX_AMPLITUDE:  # audio: as audio._validate.check_waveform
        raise InvalidInputError(
            owner,
            name,
            f"has samples up to {max(-lo, hi):.3g} in magnitude, more than the {MAX_AMPLITUDE:.0e} supported",
            "scale the clips into [-1, 1], or drop damaged ones",
        )


def _prepare_image(owner: str, key: Any, epoch: int, fields: dict[str, Any]) -> Prepared:
    fix = "pass image=(B, C, H, W) uint8 or float32 tensor"
    if "image" not in fields:
        raise InvalidInputError(owner, "image", "is missing", fix)
    x = _tensor(owner, "image", fields["image"], (4,), fix)
    _float_input(owner, "image", x, True)
    n, c, h, w = x.shape
    keys = _keys(owner, key, n)
    uint8 = x.dtype == torch.uint8
    # uint8 stays uint8 while only whole pixels move (flips, crops, pads); the first step that
    # computes converts to float32 in 0..255 once, and the end rounds back once
    image = Rows(x, x)
    rows = {"image": image}
    restore: dict[str, Any] = {"uint8": uint8}
    base: dict[str, Any] = {"image": proxy((h, w, c), np.uint8 if uint8 else np.float32)}
    if "mask" in fields:
        mfix = "pass mask=(B, H, W) or (B, N, H, W) on the image's device"
        m = _tensor(owner, "mask", fields["mask"], (3, 4), mfix)
        if m.shape[0] != n or tuple(m.shape[-2:]) != (h, w):
            raise InvalidInputError(
                owner, "mask", f"has shape {tuple(m.shape)} for images {tuple(x.shape)}", mfix
            )
        if m.device != x.device:
            raise InvalidInputError(owner, "mask", f"is on {m.device}, the image on {x.device}", mfix)
        if m.dtype.is_complex or m.dtype == torch.bool:
            raise InvalidInputError(
                owner, "mask", f"has dtype {m.dtype}", "pass integer labels (uint8/int64) or float"
            )
        restore["mask_squeeze"] = m.ndim == 3
        m4 = m[:, None] if m.ndim == 3 else m
        rows["mask"] = Rows(m4, m4)
        base["mask"] = proxy((h, w), _numpy_dtype(m))
    lists = {name: _per_sample(owner, name, fields[name], n) for name in _LISTS if name in fields}
    samples = [{**base, **{name: v[i] for name, v in lists.items()}} for i in range(n)]
    info = {
        "scale": 255.0 if uint8 else 1.0,
        "dtype": "uint8" if uint8 else "float32",
        "keys": keys,
        "epoch": epoch,
    }
    return Prepared(samples, keys, rows, info, targets=bool(lists), restore=restore)


def _numpy_dtype(t: torch.Tensor) -> Any:
    return torch.empty((), dtype=t.dtype).numpy().dtype


def _prepare_audio(owner: str, key: Any, epoch: int, fields: dict[str, Any]) -> Prepared:
    fix = "pass audio=(B, T) or (B, C, T) float32 tensor and sample_rate=<Hz>"
    if "audio" not in fields:
        raise InvalidInputError(owner, "audio", "is missing", fix)
    x = _tensor(owner, "audio", fields["audio"], (2, 3), fix)
    _float_input(owner, "audio", x, False)
    rate = fields.get("sample_rate")
    if isinstance(rate, bool) or not isinstance(rate, numbers.Integral) or rate <= 0:
        raise InvalidInputError(owner, "sample_rate", f"is {rate!r}", "pass sample_rate=<int Hz>, e.g. 16000")
    n = x.shape[0]
    keys = _keys(owner, key, n)
    squeeze = x.ndim == 2
    x3 = x[:, None] if squeeze else x
    one = proxy(tuple(x.shape[1:]), np.float32)
    samples = [{"audio": one, "sample_rate": int(rate)} for _ in range(n)]
    info = {"scale": 1.0, "dtype": "float32", "keys": keys, "epoch": epoch, "sample_rate": int(rate)}
    restore = {"uint8": False, "squeeze": squeeze}
    return Prepared(samples, keys, {"audio": Rows(x3, x3)}, info, restore=restore)
