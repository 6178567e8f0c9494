"""Checks shared by the field validators of every modality (one wording everywhere)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["require_ndarray", "require_nonempty"]


def require_ndarray(owner: str, field: str, value: Any, fix: str) -> np.ndarray:
    """``value`` itself if it is a numpy array, else ``InvalidInputError`` with ``fix``."""
    import numpy as np

    if not isinstance(value, np.ndarray):
        raise InvalidInputError(owner, field, f"must be a numpy array, got {type(value).__name__}", fix)
    return value


def require_nonempty(owner: str, field: str, arr: np.ndarray, fix: str) -> None:
    """``InvalidInputError`` with ``fix`` if ``arr`` has no element."""
    if arr.size == 0:
        raise InvalidInputError(owner, field, f"is empty (shape {arr.shape})", fix)
