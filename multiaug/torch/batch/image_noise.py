"""Batched noise and erasing kernels (issue 16), with a counter-based generator in torch integer ops.

The per-sample ops draw their noise field from the sample's drawn ``noise_seed`` with NumPy's
SFC64 stream, which a GPU cannot reproduce cheaply. The batched kernels are keyed by the
same drawn seed but generate the field with a counter-based generator instead: element
``n`` of a sample's field (flat ``C, H, W`` index; per pixel for salt and pepper) comes from
SplitMix64's finaliser applied to ``key + (n // 4 + 1) * golden_gamma``, ``key`` a hash of
the noise seed, each 64-bit word giving four 16-bit uniforms. So the batched field

* is a **different realisation** than the per-sample path's, with **the same distribution**
  (Gaussian noise: the very inverse-CDF table of 65536 normal quantiles the CPU op samples
  from; salt and pepper: the same 16-bit thresholds; random erasing fill: uniform levels);
* is a pure function of (noise seed, element index): the same on CPU and CUDA, and sample
  ``i``'s noise does not depend on the batch size or on the other samples;
* costs about a dozen int64 passes over a quarter of the elements (no host sync).

torch's int64 multiplication wraps modulo 2**64 on every backend (two's complement), which
SplitMix64 needs; the tests check the words against a pure-Python SplitMix64.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch

from ...core.errors import InvalidInputError
from ...image.functional.noise import normal_quantiles
from .image_pixel import UINT8, finish, per_sample, single, whole
from .registry import Batch, kernel

__all__ = ["noise_keys", "random_words", "uniform16"]

_MASK64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
#: Mixed into every noise seed first, so the batched field is not SplitMix64's stream of the seed itself.
_TAG = 0x6D756C7469617567  # "multiaug"


def _signed(v: int) -> int:
    """A 64-bit pattern as the int64 that holds it."""
    v &= _MASK64
    return v - (1 << 64) if v >> 63 else v


def _mix64(z: int) -> int:
    """SplitMix64's finaliser on a Python int (the host side of the generator)."""
    z &= _MASK64
    z = ((z ^ (z >> 30)) * _M1) & _MASK64
    z = ((z ^ (z >> 27)) * _M2) & _MASK64
    return z ^ (z >> 31)


def noise_keys(seeds: list[int], device: torch.device) -> torch.Tensor:
    """The generator key of each noise seed, as an int64 tensor (b,)."""
    return torch.tensor([_signed(_mix64(int(s) ^ _TAG)) for s in seeds], dtype=torch.int64, device=device)


def _shr(z: torch.Tensor, k: int) -> torch.Tensor:
    """Logical right shift of int64 bit patterns (torch's ``>>`` is arithmetic)."""
    return (z >> k) & ((1 << (64 - k)) - 1)


def random_words(keys: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` 64-bit words per key (b, n): SplitMix64 outputs ``mix(key + (j + 1) * gamma)``, j = 0..n-1."""
    counter = torch.arange(1, n + 1, dtype=torch.int64, device=keys.device) * _signed(_GAMMA)
    z = keys.view(-1, 1) + counter
    z = (z ^ _shr(z, 30)) * _signed(_M1)
    z = (z ^ _shr(z, 27)) * _signed(_M2)
    return z ^ _shr(z, 31)


def uniform16(keys: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` uniform 16-bit integers per key (b, n) as int64: word ``j`` gives elements ``4j .. 4j + 3``."""
    words = random_words(keys, (n + 3) // 4)
    lanes = torch.stack([_shr(words, s) & 0xFFFF for s in (0, 16, 32, 48)], dim=-1)
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
    u = uniform16(noise_keys(_seeds(batch), x.device), x[0].numel())
    z = _quantiles(x.device).take(u).view(x.shape)
    std = per_sample(batch, "std", x)
    if batch.scale == UINT8:
        noise = torch.floor(z * (std * UINT8) + 0.5)
    else:
        noise = z * std
    return {"image": finish(noise.add_(x), batch.scale)}


def _threshold(values: list[float], like: torch.Tensor) -> torch.Tensor:
    return torch.tensor([round(v * 65536) for v in values], dtype=torch.int64, device=like.device).view(-1, 1, 1, 1)


@kernel("image.SaltPepperNoise", "image")
def salt_pepper_noise(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Per pixel one 16-bit uniform ``u``: ``u < amount * svp * 2**16`` salt, else ``u < amount * 2**16`` pepper."""
    x = single(t, batch)
    b, _, h, w = x.shape
    u = uniform16(noise_keys(_seeds(batch), x.device), h * w).view(b, 1, h, w)
    amount = [float(p["amount"]) for p in batch.params]
    salt = [float(p["amount"]) * float(p["salt_vs_pepper"]) for p in batch.params]
    hit = u < _threshold(amount, x)
    white = u < _threshold(salt, x)
    out = torch.where(hit, torch.where(white, batch.scale, 0.0), whole(x, batch.scale))
    return {"image": out}


# ---------------------------------------------------------------------- erasing
def _erase_mask(batch: Batch, like: torch.Tensor) -> torch.Tensor:
    """(b, 1, H, W) bool: inside each sample's drawn rectangle."""
    _, _, h, w = like.shape
    dev = like.device
    box = torch.tensor(
        [[int(p["top"]), int(p["left"]), int(p["height"]), int(p["width"])] for p in batch.params],
        dtype=torch.int64,
        device=dev,
    )
    top, left, height, width = box.unbind(1)
    rows = torch.arange(h, device=dev).view(1, h)
    cols = torch.arange(w, device=dev).view(1, w)
    in_rows = (rows >= top.view(-1, 1)) & (rows < (top + height).view(-1, 1))
    in_cols = (cols >= left.view(-1, 1)) & (cols < (left + width).view(-1, 1))
    return (in_rows.view(-1, 1, h, 1) & in_cols.view(-1, 1, 1, w))


def _fill(t: Any, fill: tuple[float, ...], x: torch.Tensor, scale: float) -> torch.Tensor:
    """The constant fill as (1, C, 1, 1), checked as the CPU op checks it."""
    channels = x.shape[1]
    if len(fill) not in (1, channels):
        raise InvalidInputError(
            t.name, "fill", f"has {len(fill)} values for an image with {channels} channel(s)",
            "give one value, or one per channel",
        )
    if scale != UINT8 and max(fill) > 1.0:
        raise InvalidInputError(
            t.name, "fill", f"is {fill} but the image is float32 in [0, 1]",
            "give fill in the image's units: 0-1 for float32 images, 0-255 for uint8",
        )
    if scale == UINT8 and any(v != int(v) for v in fill):
        raise InvalidInputError(
            t.name, "fill", f"is {fill!r}, not whole numbers as a uint8 image needs",
            "give fill in the image's units: 0..255 for uint8 (e.g. fill=127)",
        )
    values = np.broadcast_to(np.asarray(fill, dtype=np.float32), (channels,)).copy()
    return torch.from_numpy(values).to(x.device).view(1, channels, 1, 1)


@kernel("image.RandomErasing", "image")
def random_erasing(t: Any, batch: Batch) -> dict[str, torch.Tensor]:
    """Fill each sample's rectangle with the constant, or with uniform noise keyed by its ``noise_seed``.

    ``fill="random"``: uniform levels 0..255 (the top byte of a 16-bit uniform) on uint8,
    24-bit uniforms in [0, 1) on float32, element ``n`` of the full image keyed as the
    other noise (a different realisation than the per-sample op's SFC64 fill).
    """
    x = whole(single(t, batch), batch.scale)
    mask = _erase_mask(batch, x)
    fill = t._r.fill
    if not isinstance(fill, str):
        return {"image": torch.where(mask, _fill(t, fill, x, batch.scale), x)}
    keys = noise_keys(_seeds(batch), x.device)
    n = x[0].numel()
    if batch.scale == UINT8:
        values = (uniform16(keys, n) >> 8).to(torch.float32)
    else:
        values = (_shr(random_words(keys, n), 40)).to(torch.float32) * np.float32(2.0**-24)
    return {"image": torch.where(mask, values.view(x.shape), x)}
