"""The deferred-work protocol behind fusion, exercised with a tiny counting transform."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import multiaug as ma
from multiaug.core.params import Range
from multiaug.core.transform import PENDING, Deferred, Sample


class PendingSum(Deferred):
    kind = "sum"

    def __init__(self, total: float) -> None:
        self.total = total

    def flush(self, sample: Sample) -> Sample:
        out = {k: v for k, v in sample.items() if k != PENDING}
        out["x"] = sample["x"] + self.total
        out["flushes"] = sample.get("flushes", 0) + 1
        return out


@ma.register(name="tests.Add")
class Add(ma.Transform):
    """Adds a drawn constant to field x; consecutive Adds fuse into one addition."""

    fields = ("x",)
    required = ("x",)
    defer_kind = "sum"
    _parameters = {"amount": Range(-10, 10)}

    def __init__(self, amount=(0.0, 1.0), p=1.0, seed=None):
        super().__init__(p=p, seed=seed)
        self.amount = amount

    def make_params(self, rng, sample: Mapping[str, Any]) -> dict[str, Any]:
        return {"a": float(rng.uniform(*self._r.amount))}

    def apply(self, sample, params):
        return {**sample, "x": sample["x"] + params["a"], "flushes": sample.get("flushes", 0) + 1}

    def defer(self, sample, params):
        pending = sample.get(PENDING)
        total = (pending.total if pending is not None else 0.0) + params["a"]
        return {**sample, PENDING: PendingSum(total)}


@ma.register(name="tests.Double")
class Double(ma.Transform):
    fields = ("x",)
    is_random = False

    def apply(self, sample, params):
        return {**sample, "x": sample["x"] * 2}


def pipe(fuse: bool = True) -> ma.Compose:
    return ma.Compose([Add(), Add(), ma.OneOf([Add()]), Double(), Add(), Add(p=0.5)], seed=1, fuse=fuse)


def test_consecutive_deferrable_ops_flush_once_per_group() -> None:
    for key in range(20):
        fused = pipe()(x=np.float64(1.0), key=key, trace=True)
        plain = pipe(fuse=False)(x=np.float64(1.0), key=key, trace=True)
        assert fused["trace"] == plain["trace"]  # every op is still reported, same params
        assert len(fused["trace"]) in (5, 6)
        assert fused["flushes"] == 2  # [Add, Add, OneOf(Add)] then Double, then [Add, Add?]
        assert plain["flushes"] == len(plain["trace"]) - 1  # Double does not count flushes
        assert np.isclose(fused["x"], plain["x"])
        assert PENDING not in fused
        replayed = pipe().replay(fused["trace"], x=np.float64(1.0))
        assert replayed == {k: v for k, v in fused.items() if k != "trace"}


def test_a_lone_deferrable_transform_is_flushed_at_the_end_of_its_call() -> None:
    out = Add(amount=2.0, seed=0)(x=1.0)
    assert out == {"x": 3.0, "flushes": 1}
