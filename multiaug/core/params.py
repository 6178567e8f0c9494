"""Declarative constructor-parameter constraints.

Each transform declares a table ``_parameters = {name: Spec}``; the base class
resolves every constructor argument through its spec once, at first use (and
again after ``set_params``), into a normalised value. Specs raise
:class:`~multiaug.core.errors.InvalidInputError` naming the transform, the
parameter and the fix, so every transform rejects bad parameters the same way.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from .errors import InvalidInputError

__all__ = [
    "AnyValue",
    "Choice",
    "Flag",
    "Number",
    "Probability",
    "Range",
    "Seed",
    "Spec",
]


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class Spec:
    """Base spec: accepts anything, returns it unchanged."""

    doc = "any value"

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        return value

    def fail(self, owner: str, name: str, value: Any, fix: str | None = None) -> InvalidInputError:
        return InvalidInputError(owner, name, f"must be {self.doc}, got {value!r}", fix or f"pass {self.doc}")


class AnyValue(Spec):
    """No constraint (documented as such)."""


class Probability(Spec):
    doc = "a probability in [0, 1]"

    def resolve(self, owner: str, name: str, value: Any) -> float:
        if not _is_number(value) or not 0.0 <= float(value) <= 1.0:
            raise self.fail(owner, name, value, f"pass {name}=0.5 (or any number in [0, 1])")
        return float(value)


class Seed(Spec):
    doc = "a non-negative int or None"

    def resolve(self, owner: str, name: str, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise self.fail(owner, name, value, "pass seed=42 (any int >= 0) or seed=None")
        return int(value)


class Flag(Spec):
    doc = "True or False"

    def resolve(self, owner: str, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(owner, name, value)
        return value


class Choice(Spec):
    """One of a fixed set of strings."""

    def __init__(self, *options: str) -> None:
        self.options = options
        self.doc = "one of " + ", ".join(repr(o) for o in options)

    def resolve(self, owner: str, name: str, value: Any) -> str:
        if value not in self.options:
            raise self.fail(owner, name, value)
        return str(value)


class Number(Spec):
    """A single finite number within ``[low, high]`` (``None`` allowed if ``optional``)."""

    def __init__(
        self,
        low: float = -math.inf,
        high: float = math.inf,
        *,
        integer: bool = False,
        optional: bool = False,
        low_open: bool = False,
    ) -> None:
        self.low, self.high, self.integer, self.optional = low, high, integer, optional
        self.low_open = low_open
        kind = "an int" if integer else "a number"
        lo = "(" if low_open else "["
        self.doc = f"{kind} in {lo}{low}, {high}]" + (" or None" if optional else "")

    def resolve(self, owner: str, name: str, value: Any) -> float | int | None:
        if value is None and self.optional:
            return None
        if not _is_number(value) or not math.isfinite(float(value)):
            raise self.fail(owner, name, value)
        if self.integer and not isinstance(value, numbers.Integral):
            if float(value) != int(value):
                raise self.fail(owner, name, value)
        v = int(value) if self.integer else float(value)
        too_low = v <= self.low if self.low_open else v < self.low
        if too_low or v > self.high:
            raise self.fail(owner, name, value)
        return v


class Range(Spec):
    """A ``(lo, hi)`` range drawn uniformly; ``lo == hi`` fixes the value.

    A scalar ``v`` is read according to ``scalar``:

    * ``"symmetric"``: ``(center - v, center + v)`` (``limit=30`` -> ``(-30, 30)``,
      ``brightness=0.2`` with ``center=1`` -> ``(0.8, 1.2)``);
    * ``"fixed"``: ``(v, v)``;
    * ``"upper"``: ``(low, v)``.
    """

    def __init__(
        self,
        low: float = -math.inf,
        high: float = math.inf,
        *,
        scalar: str = "fixed",
        center: float = 0.0,
        integer: bool = False,
        example: str = "(lo, hi)",
    ) -> None:
        self.low, self.high, self.scalar, self.center = low, high, scalar, center
        self.integer = integer
        self.example = example
        self.doc = f"a number or a (lo, hi) pair with {low} <= lo <= hi <= {high}"

    def resolve(self, owner: str, name: str, value: Any) -> tuple[float, float]:
        fix = f"pass {name}={self.example}"
        if _is_number(value):
            v = float(value)
            if not math.isfinite(v):
                raise self.fail(owner, name, value, fix)
            if self.scalar == "symmetric":
                if v < 0:
                    raise InvalidInputError(
                        owner,
                        name,
                        f"must be >= 0 as a scalar (it means +/- {name}), got {value!r}",
                        f"pass a positive number or an explicit range, e.g. {name}={self.example}",
                    )
                lo, hi = self.center - v, self.center + v
            elif self.scalar == "upper":
                lo, hi = self.low, v
            else:
                lo = hi = v
        elif (
            isinstance(value, Sequence)
            and not isinstance(value, str)
            and len(value) == 2
            and all(_is_number(x) for x in value)
        ):
            lo, hi = float(value[0]), float(value[1])
        else:
            raise self.fail(owner, name, value, fix)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise self.fail(owner, name, value, fix)
        if lo > hi:
            raise InvalidInputError(
                owner, name, f"is an empty range: lo={lo} > hi={hi}", f"swap the bounds: {name}=({hi}, {lo})"
            )
        if lo < self.low or hi > self.high:
            raise InvalidInputError(
                owner,
                name,
                f"range ({lo}, {hi}) leaves the allowed bounds [{self.low}, {self.high}]",
                f"keep {name} within [{self.low}, {self.high}]",
            )
        if self.integer:
            if lo != int(lo) or hi != int(hi):
                raise self.fail(owner, name, value, f"pass whole numbers, e.g. {name}={self.example}")
            return (int(lo), int(hi))
        return (lo, hi)
