"""Declarative constructor-parameter constraints that also draw and test themselves.

Each transform declares a table ``_parameters = {name: Spec}``; the base class
resolves every constructor argument through its spec once, at construction (and
again after ``set_params``), into a normalised value. Specs raise
:class:`~multiaug.core.errors.InvalidInputError` naming the transform, the
parameter and the fix, so every transform rejects bad parameters the same way.

A spec does three more things, so that a transform writes none of them by hand:

* it **draws**: a :class:`Range` draws a value from its resolved ``(lo, hi)``
  (the default :meth:`~multiaug.core.transform.Transform.make_params` draws every
  drawing spec, in declaration order);
* it **generates invalid values** (:meth:`Spec.invalid`, as scikit-learn's
  ``generate_invalid_param_val``) from which the shared check suite builds the
  bad parameters every transform must reject;
* it **documents** itself: :class:`Options` bundles specs with their numpydoc
  text, so a group of options shared by several transforms (borders and fills,
  target policy) is declared and described once.
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "AnyValue",
    "Choice",
    "Flag",
    "NoiseSeed",
    "Number",
    "Options",
    "Param",
    "Probability",
    "Range",
    "Seed",
    "Spec",
    "param",
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


def _beyond(bound: float, direction: int) -> float:
    """A number clearly past ``bound`` (``bound + 1`` is ``bound`` itself for a float like 1e18)."""
    return bound + direction * max(1, abs(bound))


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
    """Base spec: accepts anything, returns it unchanged, draws nothing.

    Every subclass's ``resolve`` is wrapped so that an int too large for a
    float (``10**400``) raises :class:`InvalidInputError`, not ``OverflowError``.
    """

    doc = "any value"
    #: The type of the resolved value (the annotation of the transform's typed parameters).
    value_type = "Any"
    #: Whether the default ``make_params`` draws a value from this parameter.
    draws = False

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

    def draw(self, rng: np.random.Generator, value: Any) -> Any:
        """One draw of a call's parameter from the resolved ``value`` (only if :attr:`draws`)."""
        raise NotImplementedError(f"{type(self).__name__} does not draw")

    def invalid(self) -> list[Any]:
        """Values that :meth:`resolve` rejects (the shared checks try every one of them)."""
        return []


class AnyValue(Spec):
    """No constraint (documented as such)."""


class Probability(Spec):
    doc = "a probability in [0, 1]"
    value_type = "float"

    def invalid(self) -> list[Any]:
        return [-0.1, 1.5, "always", math.nan, None]

    def resolve(self, owner: str, name: str, value: Any) -> float:
        f = _finite(value)
        if f is None or not 0.0 <= f <= 1.0:
            raise self.fail(owner, name, value, f"pass {name}=0.5 (or any number in [0, 1])")
        return f


class Seed(Spec):
    doc = "a non-negative int or None"
    value_type = "int | None"

    def invalid(self) -> list[Any]:
        return [-1, 1.5, "42", True, 2 ** (MAX_INT_BITS + 1)]

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
    value_type = "bool"

    def invalid(self) -> list[Any]:
        return ["yes", 1, None]

    def resolve(self, owner: str, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(owner, name, value)
        return value


class Choice(Spec):
    """One of a fixed set of strings."""

    value_type = "str"

    def __init__(self, *options: str) -> None:
        self.options = options
        self.doc = "one of " + ", ".join(repr(o) for o in options)

    def invalid(self) -> list[Any]:
        return [f"not-{self.options[0]}", None, 0]

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
        self.value_type = ("int" if integer else "float") + (" | None" if optional else "")

    def invalid(self) -> list[Any]:
        out: list[Any] = [math.nan, "1"]
        if not self.optional:
            out.append(None)
        if math.isfinite(self.low):
            out.append(self.low if self.low_open else _beyond(self.low, -1))
        if math.isfinite(self.high):
            out.append(_beyond(self.high, 1))
        if self.integer:  # a fraction inside the bounds (exactly representable near them)
            near = [0.5] + ([self.low + 0.5] if abs(self.low) < 2**52 else [])
            out += [v for v in near if self.low < v < self.high][:1]
        return out

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

    The default ``make_params`` draws it (``draw=False`` for a range that a custom
    ``make_params`` uses another way): ``rng.uniform(lo, hi)``, or with
    ``integer=True`` ``rng.integers(lo, hi + 1)`` (both ends included).
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
        draw: bool = True,
    ) -> None:
        self.low, self.high, self.scalar, self.center = low, high, scalar, center
        self.integer = integer
        self.example = example
        self.draws = draw
        self.doc = f"a number or a (lo, hi) pair with {low} <= lo <= hi <= {high}"
        self.value_type = "tuple[int, int]" if integer else "tuple[float, float]"

    def draw(self, rng: np.random.Generator, value: tuple[float, float]) -> float | int:
        lo, hi = value
        if self.integer:
            return int(rng.integers(int(lo), int(hi) + 1))
        lo, hi = float(lo), float(hi)
        span = hi - lo
        # finite: what rng.uniform(lo, hi) computes (bit for bit), at a third of its cost
        if span == span and span != math.inf:
            return lo + span * rng.random()
        return float(rng.uniform(lo, hi))

    def invalid(self) -> list[Any]:
        out: list[Any] = ["x", (1, 2, 3), (math.nan, 1.0), None]
        low, high = self.low, self.high
        if math.isfinite(high):
            out.append((high, _beyond(high, 1)))
        if math.isfinite(low):
            out.append((_beyond(low, -1), low))
        a = low if math.isfinite(low) else min(0.0, high - 2)
        b = high if math.isfinite(high) else a + 2
        if a < b:
            out.append((b, a))  # an empty range
        if self.scalar == "symmetric":
            out.append(-1)
        if self.integer and b - a > 1 and abs(a) < 2**52:
            out.append((a + 0.5, b))
        return out

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


class NoiseSeed(Spec):
    """A drawn seed of a noise generator (declare it in a transform's ``_drawn`` table).

    Draws ``rng.integers(0, 2**63)``; a replayed trace may hold any int in ``[0, 2**64)``.
    """

    doc = "an int in [0, 2**64)"
    value_type = "int"
    draws = True

    def draw(self, rng: np.random.Generator, value: Any = None) -> int:
        return int(rng.integers(0, 2**63))

    def resolve(self, owner: str, name: str, value: Any) -> int:
        if type(value) is not int or not 0 <= value < 2**64:
            raise self.fail(owner, name, value, "replay the trace unchanged")
        return value

    def invalid(self) -> list[Any]:
        return [-1, 2**64, 1.5, "7"]


class Options:
    """A named bundle of parameters shared by several transforms, with their documentation.

    ``entries`` maps each parameter to ``(spec, text)``, where ``text`` is its numpydoc
    entry (the first line ``name : type, default ...``, then the description). A transform
    unpacks :attr:`specs` into its ``_parameters`` and writes a line ``@options <name>`` in
    its docstring's Parameters section, which becomes :attr:`doc` at class creation.

    Examples
    --------
    >>> from multiaug.core.params import Flag, Options
    >>> TARGETS = Options("demo_targets", {"drop_outside": (Flag(), "drop_outside : bool, default False")})
    >>> list(TARGETS.specs), TARGETS.doc
    (['drop_outside'], 'drop_outside : bool, default False')
    """

    def __init__(self, name: str, entries: Mapping[str, tuple[Spec, str]]) -> None:
        self.name = name
        self.entries = dict(entries)
        self.specs: dict[str, Spec] = {k: spec for k, (spec, _) in entries.items()}
        self.doc = "\n".join(textwrap.dedent(text).strip("\n") for _, text in entries.values())
        OPTIONS[name] = self

    def __repr__(self) -> str:
        return f"Options({self.name!r}, {list(self.specs)})"


#: Every option bundle by name (the ``@options <name>`` lines of docstrings refer to these).
OPTIONS: dict[str, Options] = {}


_SEED_DOC = "seed : int or None\n    Seed of direct calls (in a composer, the outermost one's seed governs)."
#: ``p`` and ``seed`` of an optional augmentation (``@options call``; ``p`` defaults to 0.5).
CALL = Options(
    "call",
    {
        "p": (Probability(), "p : float, default 0.5\n    Probability of applying the transform."),
        "seed": (Seed(), _SEED_DOC),
    },
)
#: ``p`` and ``seed`` of a transform whose ``p`` defaults to 1.0 (``@options call_p1``): a step that
#: defines the output, or an edit whose strength is already a parameter (the text ops).
CALL_P1 = Options(
    "call_p1",
    {
        "p": (Probability(), "p : float, default 1.0\n    Probability of applying the transform."),
        "seed": (Seed(), _SEED_DOC),
    },
)


def expand_options(doc: str | None) -> str | None:
    """Replace each ``@options <name> [<name>...]`` line of a docstring by the bundles' text.

    The text keeps the line's indent; one line may name several bundles, expanded in order.
    """
    if not doc or "@options " not in doc:
        return doc
    lines: list[str] = []
    for line in doc.split("\n"):
        stripped = line.strip()
        if not stripped.startswith("@options "):
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        for name in stripped.split()[1:]:
            if name not in OPTIONS:
                raise KeyError(f"a docstring names the unknown option bundle {name!r}: define it first")
            lines.extend(indent + t if t else t for t in OPTIONS[name].doc.split("\n"))
    return "\n".join(lines)


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of a parameter that has none (the caller must pass it).
REQUIRED: Any = _Required()


class Param:
    """A constructor parameter declared in a transform's class body (see :func:`param`)."""

    __slots__ = ("default", "kw_only", "quiet", "spec")

    def __init__(self, spec: Spec, default: Any, kw_only: bool, quiet: bool = False) -> None:
        if not isinstance(spec, Spec):
            raise TypeError(f"param() takes a Spec, got {type(spec).__name__}")
        self.spec, self.default, self.kw_only, self.quiet = spec, default, kw_only, quiet

    def __repr__(self) -> str:
        return f"param({type(self.spec).__name__}, default={self.default!r}, kw_only={self.kw_only})"


def param(spec: Spec, *, default: Any = REQUIRED, kw_only: bool = False, quiet: bool = False) -> Any:
    """Declare a constructor parameter: ``name: type = param(spec, default=...)``.

    The class body is then the whole declaration: the annotation is the type the caller
    passes, ``spec`` validates it (and draws it, and lists invalid values for the shared
    tests), ``default`` is the default (none: the parameter is required). The base class
    writes the ``__init__`` that stores the arguments unchanged (scikit-learn style): the
    parameters without ``kw_only`` may be passed by position, in declaration order (a base
    class's first), the others by name (``p`` and ``seed``, then the rest).

    ``quiet=True`` leaves the parameter out of configs (and so of fingerprints) while it holds
    its default: for a parameter added to a class after configs of it were stored, whose
    fingerprints must not change (``Compose(layout=...)``).

    Examples
    --------
    >>> import multiaug as ma
    >>> from multiaug.core.params import Range, param
    >>> class Brighten(ma.image.ImageTransform):
    ...     amount: float | tuple[float, float] = param(Range(0.0, 1.0), default=(0.0, 0.2))
    ...     def apply_image(self, image, amount, **_):
    ...         return image
    >>> Brighten(0.1, p=1.0)
    Brighten(amount=0.1, p=1.0)
    """
    return Param(spec, default, kw_only, quiet)
