"""Declarative constructor-parameter constraints.

Each transform declares a table ``_parameters = {name: Spec}``; the base class
resolves every constructor argument through its spec once, at first use (and
again after ``set_params``), into a normalised value. Specs raise
:class:`~multiaug.core.errors.InvalidInputError` naming the transform, the
parameter and the fix, so every transform rejects bad parameters the same way.
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
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


#: Seeds (and integers in configs) may have at most this many bits (about 2,466 digits).
MAX_INT_BITS = 8192


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _finite(value: object) -> float | None:
    """``float(value)`` for a finite real number; None for anything else (inf, nan, 10**400, "3")."""
    if not _is_number(value):
        return None
    try:
        f = float(value)  # type: ignore[arg-type]
    except (OverflowError, ValueError, TypeError):  # an int or Fraction beyond the float range
        return None
    return f if math.isfinite(f) else None


def _show(value: object, limit: int = 80) -> str:
    """A short repr for error messages (a 400-digit int or a long list stays readable)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        bits = int(value).bit_length()
        if bits > 256:
            digits = int(bits * 0.30103) + 1
            return f"{'-' if value < 0 else ''}an int of about {digits} digits"
    if isinstance(value, (list, tuple)) and len(value) <= 8:
        inner = ", ".join(_show(v, limit) for v in value)
        text = f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    else:
        try:
            text = repr(value)
        except Exception:
            text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def closest(word: object, options: Iterable[str], aliases: Mapping[str, str] | None = None) -> list[str]:
    """Up to three of ``options`` spelt like ``word`` (``aliases``: other spellings of options)."""
    if not isinstance(word, str):
        return []
    close = difflib.get_close_matches(word, list(options), n=3, cutoff=0.6)
    if aliases:
        close += [aliases[a] for a in difflib.get_close_matches(word, list(aliases), n=3, cutoff=0.6)]
    return list(dict.fromkeys(close))[:3]


def did_you_mean(word: object, options: Iterable[str], aliases: Mapping[str, str] | None = None) -> str:
    """`` (did you mean 'x'?)`` for a misspelt name (see :func:`closest`), or ``""``."""
    close = closest(word, options, aliases)
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)" if close else ""


def _huge(value: object, depth: int = 0) -> bool:
    """Whether ``value`` is, or (shallowly) holds, an int beyond the float range."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value).bit_length() > 1024
    if isinstance(value, (list, tuple)) and depth < 2:
        return any(_huge(v, depth + 1) for v in value[:64])
    if isinstance(value, dict) and depth < 2:
        return any(_huge(v, depth + 1) for v in list(value.values())[:64])
    return False


def _guarded(resolve: Any) -> Any:
    """Wrap a spec's ``resolve`` so an int too large for a float is refused, not an OverflowError."""

    @functools.wraps(resolve)
    def wrapper(self: Spec, owner: str, name: str, value: Any) -> Any:
        try:
            return resolve(self, owner, name, value)
        except InvalidInputError:
            raise
        except (OverflowError, ValueError):  # float(10**400); str() of an int over 4300 digits
            if not _huge(value):
                raise
        raise InvalidInputError(
            owner,
            name,
            f"holds a number too large for a float ({_show(value)})",
            f"pass {self.doc}",
        )

    wrapper._guarded = True  # type: ignore[attr-defined]
    return wrapper


class Spec:
    """Base spec: accepts anything, returns it unchanged.

    Every subclass's ``resolve`` is wrapped so that an int too large for a
    float (``10**400``) raises :class:`InvalidInputError`, not ``OverflowError``.
    """

    doc = "any value"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("resolve")
        if own is not None and not getattr(own, "_guarded", False):
            cls.resolve = _guarded(own)  # type: ignore[method-assign]

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        return value

    def fail(self, owner: str, name: str, value: Any, fix: str | None = None) -> InvalidInputError:
        return InvalidInputError(
            owner, name, f"must be {self.doc}, got {_show(value)}", fix or f"pass {self.doc}"
        )


class AnyValue(Spec):
    """No constraint (documented as such)."""


class Probability(Spec):
    doc = "a probability in [0, 1]"

    def resolve(self, owner: str, name: str, value: Any) -> float:
        f = _finite(value)
        if f is None or not 0.0 <= f <= 1.0:
            raise self.fail(owner, name, value, f"pass {name}=0.5 (or any number in [0, 1])")
        return f


class Seed(Spec):
    doc = "a non-negative int or None"

    def resolve(self, owner: str, name: str, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise self.fail(owner, name, value, "pass seed=42 (any int >= 0) or seed=None")
        if int(value).bit_length() > MAX_INT_BITS:
            raise InvalidInputError(
                owner,
                name,
                f"is too large ({_show(value)}); seeds have at most {MAX_INT_BITS} bits",
                "pass seed=42 (any int >= 0 below 2**8192) or seed=None",
            )
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
        f = _finite(value)
        if f is None:
            raise self.fail(owner, name, value)
        if self.integer and not isinstance(value, numbers.Integral) and f != int(f):
            raise self.fail(owner, name, value)
        v = int(value) if self.integer else f
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
            v = _finite(value)
            if v is None:
                raise self.fail(owner, name, value, fix)
            if self.scalar == "symmetric":
                if v < 0:
                    raise InvalidInputError(
                        owner,
                        name,
                        f"must be >= 0 as a scalar (it means +/- {name}), got {_show(value)}",
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
            first, second = _finite(value[0]), _finite(value[1])
            if first is None or second is None:
                raise self.fail(owner, name, value, fix)
            lo, hi = first, second
        else:
            raise self.fail(owner, name, value, fix)
        if not (math.isfinite(lo) and math.isfinite(hi)):  # e.g. scalar="upper" with low=-inf
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
