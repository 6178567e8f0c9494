"""The faster paths of BitCrush, Padding and Reverse (issue 20) give the old bytes and draws.

References: float64 rounding (bit_crush), NumPy's own ``Generator.integers`` / ``uniform`` on
the same Philox streams (the written-out draws), the default ``Transform.make_params``, a
negative-stride NumPy copy (reverse), slicing and ``np.zeros`` (padding). Inputs are tiny.
"""

from __future__ import annotations

import numpy as np
import pytest

import multiaug as ma
from multiaug.audio.base import first_integer
from multiaug.audio.functional import dynamics as FD
from multiaug.audio.functional import waveform as FW
from multiaug.core import random as R
from multiaug.core.transform import Transform

SR = 16000
TINY = 2.0**-149  # the smallest float32 denormal


def edge_values() -> np.ndarray:
    """Signed zeros, grid halves of every bit depth, denormals, the largest accepted magnitude."""
    halves = [s * (k + 0.5) * 2.0 ** (1 - b) for b in range(1, 33) for k in (0, 1, 2) for s in (1, -1)]
    rng = np.random.default_rng(0)
    values = [0.0, -0.0, TINY, -TINY, 1e-40, -1e-40, 1e12, -1e12, 1.0, -1.0, 2.0**23 + 1, -(2.0**23) - 3]
    return np.concatenate([np.array(values + halves), rng.normal(0, 0.3, 200)]).astype(np.float32)


@pytest.mark.parametrize("bits", range(1, 33))
def test_bit_crush_keeps_its_bytes_on_edge_values(bits: int) -> None:
    x = edge_values()
    step = 2.0 ** (bits - 1)
    ref = (np.rint(x.astype(np.float64) * step) / step).astype(np.float32)  # exact in float64
    y = FD.bit_crush(x, bits)
    assert y.tobytes() == ref.tobytes()  # bytes: -0.0 where a negative sample rounds to zero
    assert y.dtype == np.float32 and y.flags.c_contiguous and not np.shares_memory(y, x)


def test_bit_crush_keeps_negative_zero_which_rules_out_magic_number_rounding() -> None:
    x = np.array([-0.01, -0.0, 0.01], np.float32)
    y = FD.bit_crush(x, 4)
    assert np.signbit(y).tolist() == [True, True, False]
    magic = np.float32(1.5 * 2.0 ** (24 - 4))  # (x + M) - M: the same grid, but +0.0
    assert not np.signbit((x + magic) - magic).any()


@pytest.mark.parametrize("span", [1, 2, 6, 32, 3 * 2**30, 2**32 - 2])
def test_first_integer_is_numpys_integers(span: int) -> None:
    # 3 * 2**30 values: a quarter of the first words fall in Lemire's rejection zone
    for seed in range(150):
        lo = seed - 70
        want = int(R.generator(seed).integers(lo, lo + span))
        assert first_integer(R.generator(seed), lo, lo + span - 1) == want
    assert first_integer(np.random.default_rng(9), 5, 10) == np.random.default_rng(9).integers(5, 11)


def test_bit_crush_and_padding_draw_what_the_default_draws() -> None:
    x = np.zeros(977, np.float32)
    sample = {"audio": x, "sample_rate": SR}
    crush = ma.audio.BitCrush(bits=(1, 32), p=1.0)
    pad = ma.audio.Padding(fraction=(0.0, 1.0), p=1.0)
    lo, hi = pad._r.fraction
    for s in range(200):
        default = Transform.make_params(crush, R.generator(s), sample)  # Range.draw: rng.integers
        assert crush.make_params(R.generator(s), sample) == default
        old = round(float(R.generator(s).uniform(lo, hi)) * x.size)  # the draw before the rewrite
        assert pad.make_params(R.generator(s), sample) == {"padding": old}


def test_reverse_paths_move_the_same_bytes() -> None:
    x = edge_values()
    x.view(np.uint32)[-1] = 0x7FC12345  # a NaN with a payload: moved, never computed on
    for audio in (x, x[:7], x.reshape(1, -1), np.stack([x, -x]), x[:1]):
        y = FW.reverse(audio)
        assert y.tobytes() == np.ascontiguousarray(audio[..., ::-1]).tobytes()
        assert y.shape == audio.shape and y.flags.c_contiguous and not np.shares_memory(y, audio)
        assert FW.reverse_numpy(audio).tobytes() == y.tobytes()
    stereo = np.asfortranarray(np.stack([x, 2 * x]))  # not C-contiguous: NumPy's path, the same flip
    assert FW.reverse(stereo).tobytes() == np.ascontiguousarray(stereo[:, ::-1]).tobytes()
    assert FW.reverse(x[::3]).tobytes() == np.ascontiguousarray(x[::3][::-1]).tobytes()
    raw = x.tobytes() + b"\0"
    for offset in (0, 1):  # read-only, and unaligned when offset by a byte
        view = np.frombuffer(raw, np.float32, count=x.size - 1, offset=offset)
        assert FW.reverse(view).tobytes() == np.ascontiguousarray(view[::-1]).tobytes()


@pytest.mark.parametrize("section", ["start", "end"])
def test_padding_silence_is_the_clip_with_zeros_at_one_end(section: str) -> None:
    x = np.random.default_rng(1).normal(size=50).astype(np.float32)
    for k in (0, 1, 17, 49, 50, 60):
        ref = x.copy()
        k = min(k, 50)
        if section == "start":
            ref[:k] = 0.0
        else:
            ref[50 - k :] = 0.0
        for audio, want in ((x, ref), (np.stack([x, x]), np.stack([ref, ref]))):
            y = FW.padding(audio, k, "silence", section)
            assert y.tobytes() == want.tobytes() and not np.shares_memory(y, audio)


@pytest.mark.parametrize("lo,hi", [(0, 2**32 - 1), (0, 2**32), (-5, 2**40), (7, 7)])
def test_first_integer_leaves_wide_spans_to_numpy(lo: int, hi: int) -> None:
    # outside Lemire's 32-bit branch the rejection loop would never end; NumPy draws those
    got = first_integer(np.random.default_rng(11), lo, hi)
    assert got == int(np.random.default_rng(11).integers(lo, hi + 1)) and type(got) is int
    with pytest.raises(ValueError):
        first_integer(np.random.default_rng(11), 10, 5)  # reversed bounds: NumPy's refusal
