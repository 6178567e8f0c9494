"""Checks shared by the field validators of every modality (one wording everywhere)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "all_finite",
    "require_at_most",
    "require_int",
    "require_ndarray",
    "require_ndim",
    "require_nonempty",
    "require_real",
    "require_transform",
]


def require_int(owner: str, field: str, value: Any, low: int, high: int | None, fix: str) -> int:
    """``value`` as an int in ``[low, high)`` (``high=None``: no upper bound); bools are refused.

    The one int check behind seeds, epochs and sample rates.
    """
    import numbers
    import operator

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        problem = f"must be an int, got {type(value).__name__} {value!r:.80}"
        raise InvalidInputError(owner, field, problem, fix)
    number = operator.index(value)
    if number < low or (high is not None and number >= high):
        bounds = (
            f">= {low}"
            if high is None
            else f"in [{low}, {high:#x})"
            if high > 2**32
            else f"in [{low}, {high})"
        )
        raise InvalidInputError(owner, field, f"must be {bounds}, got {number!r:.80}", fix)
    return number


def require_transform(
    owner: str,
    value: Any,
    fix: str = "pass e.g. ma.Compose([...], seed=0)",
    field: str = "pipeline",
    per_sample: bool = False,
    validate: bool = True,
) -> Any:
    """``value`` if it is a multiaug transform, its parameters checked now (the adapters' pipeline
    check, once when built); ``per_sample``: also refuse dataset-level samplers (SMOTE, ``Oversample``:
    whole tables); ``validate=False`` for a check on every call (validating rebuilds the transform's
    run state, caches included)."""
    from .transform import Transform

    if not isinstance(value, Transform) or (per_sample and value._dataset_level):
        kind = "a per-sample multiaug transform or pipeline" if per_sample else "a multiaug transform"
        raise InvalidInputError(owner, field, f"must be {kind}, got {type(value).__name__}", fix)
    return value.validate_params() if validate else value


def require_ndarray(owner: str, field: str, value: Any, fix: str) -> np.ndarray:
    """``value`` itself if it is a numpy array, else ``InvalidInputError`` with ``fix``."""
    import numpy as np

    if not isinstance(value, np.ndarray):
        raise InvalidInputError(owner, field, f"must be a numpy array, got {type(value).__name__}", fix)
    return value


def require_ndim(
    owner: str, field: str, arr: np.ndarray, allowed: tuple[int, ...], rule: str, fix: str
) -> None:
    """``InvalidInputError`` ``"<rule>, got shape (...)"`` unless ``arr.ndim`` is one of ``allowed``."""
    if arr.ndim not in allowed:
        raise InvalidInputError(owner, field, f"{rule}, got shape {arr.shape}", fix)


def require_nonempty(owner: str, field: str, arr: np.ndarray, fix: str) -> None:
    """``InvalidInputError`` with ``fix`` if ``arr`` has no element."""
    if arr.size == 0:
        raise InvalidInputError(owner, field, f"is empty (shape {arr.shape})", fix)


def require_at_most(owner: str, field: str, count: int, limit: int, what: str, fix: str) -> None:
    """``InvalidInputError`` if ``count`` exceeds ``limit``, checked before any pass over the data.

    The checks that follow (finite values, ranges) read every element; a bound first keeps a
    broadcast view of 10**10 elements from costing minutes or a full-size temporary.
    """
    if count > limit:
        problem = f"holds {count:,} {what}, more than the {limit:,} supported"
        raise InvalidInputError(owner, field, problem, fix)


def require_real(owner: str, field: str, arr: np.ndarray, fix: str) -> None:
    """``InvalidInputError`` unless ``arr`` holds real numbers (bool, int, uint or float)."""
    if arr.dtype.kind not in "biuf":
        raise InvalidInputError(owner, field, f"has dtype {arr.dtype}; it must hold real numbers", fix)


def all_finite(arr: np.ndarray) -> bool:
    """No NaN or inf in ``arr``.

    Up to a million values: ``np.isfinite(arr).all()`` (a byte per value of temporary, about
    twice as fast as two reductions, and never an overflow warning). Larger arrays: ``min``
    and ``max`` (they propagate NaN and inf), without a full-size temporary.
    """
    import numpy as np

    if arr.dtype.kind not in "fc" or arr.size == 0:
        return True
    if arr.size <= _FINITE_AT_ONCE:
        return bool(np.isfinite(arr).all())
    return bool(np.isfinite(arr.min()) and np.isfinite(arr.max()))


#: Largest array :func:`all_finite` checks with one ``isfinite`` temporary.
_FINITE_AT_ONCE = 1 << 20
