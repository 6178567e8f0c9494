"""The multiaug error family.

Every error multiaug raises on purpose derives from :class:`MultiaugError`, so
``except ma.MultiaugError`` catches them all. Messages name the transform, the
field or parameter at fault, what was wrong and what to do about it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigError", "InvalidInputError", "LeakageError", "MultiaugError"]


class MultiaugError(Exception):
    """Base class of every error raised by multiaug."""


class InvalidInputError(MultiaugError, ValueError):
    """Bad data or a bad parameter was handed to a transform.

    Parameters
    ----------
    owner : str
        Name of the transform (or function) that rejected the input.
    field : str
        The sample field or constructor parameter at fault.
    problem : str
        What was wrong with it.
    fix : str
        What the caller should do instead.
    """

    def __init__(self, owner: str, field: str, problem: str, fix: str) -> None:
        self.owner = owner
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{owner}: `{field}` {problem}. Fix: {fix}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.owner, self.field, self.problem, self.fix))


class ConfigError(MultiaugError, ValueError):
    """A configuration is malformed, unknown, unsafe or cannot be serialised."""


class LeakageError(MultiaugError):
    """Validation data leaked into training (raised by the split guard).

    The offending report is kept on ``.report``.
    """

    def __init__(self, report: Any, message: str | None = None) -> None:
        self.report = report
        super().__init__(message or f"leakage between train and validation: {report}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.report, self.args[0] if self.args else None))
