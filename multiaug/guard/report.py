"""The result of a leakage check: :class:`Leak` and :class:`LeakageReport`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pandas is imported by to_frame() only
    import pandas as pd

__all__ = ["REASONS", "Leak", "LeakageReport"]

#: Every reason a leak can carry, strongest evidence first.
REASONS: tuple[str, ...] = ("group", "exact", "provenance", "near_duplicate")


class _LeakFields(NamedTuple):
    train_index: int
    val_index: int
    reason: str


class Leak(_LeakFields):
    """One training item that leaks one validation item: a 3-tuple ``(train_index, val_index, reason)``.

    A leak *is* a tuple of three (``len(leak) == 3``, ``leak[1]``, ``t, v, reason = leak``,
    equality and hashing as that tuple), so the contract's ``for t, v, reason in report.leaks``
    unpacking works; ``score`` is an extra read-only attribute, not an element.

    Parameters
    ----------
    train_index, val_index : int
        Positions in ``X_train`` and ``X_val`` (``-1`` for a call refused by ``protect``).
    reason : str
        One of ``"group"``, ``"exact"``, ``"provenance"``, ``"near_duplicate"``.
    score : float
        Similarity in [0, 1] (1.0 for group, exact and provenance leaks).

    Examples
    --------
    >>> leak = Leak(3, 0, "near_duplicate", 0.9)
    >>> t, v, reason = leak
    >>> (t, v, reason), len(leak), leak[1], leak.score
    ((3, 0, 'near_duplicate'), 3, 0, 0.9)
    """

    score: float

    def __new__(cls, train_index: int, val_index: int, reason: str, score: float = 1.0) -> Leak:
        self = super().__new__(cls, int(train_index), int(val_index), str(reason))
        self.__dict__["score"] = float(score)
        return self

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> Leak:  # type: ignore[override]
        return cls(*iterable)

    def _replace(self, **changes: Any) -> Leak:
        score = changes.pop("score", self.score)
        fields = {**self._asdict(), **changes}
        return type(self)(**fields, score=score)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Leak is immutable (cannot set {name!r})")

    def __repr__(self) -> str:
        return (
            f"Leak(train_index={self.train_index}, val_index={self.val_index}, "
            f"reason={self.reason!r}, score={self.score})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.train_index, self.val_index, self.reason, self.score))

    def to_dict(self) -> dict[str, Any]:
        """The leak as JSON-able builtins."""
        return {**self._asdict(), "score": self.score}


@dataclass(frozen=True)
class LeakageReport:
    """What :meth:`SplitGuard.check` found.

    Parameters
    ----------
    leaks : list of Leak
        One entry per (train item, validation item, reason), sorted.
    n_train, n_val : int
        Sizes of the two splits that were checked.

    Attributes
    ----------
    ok : bool
        True when nothing leaked.
    counts : dict of str to int
        Number of leaks per reason (every reason present, zeros included).

    Examples
    --------
    >>> rep = LeakageReport([Leak(0, 1, "exact"), Leak(2, 1, "near_duplicate", 0.8)], 3, 2)
    >>> rep.ok, rep.counts["exact"], rep.val_indices()
    (False, 1, [1])
    >>> rep.to_dict()["leaks"][1]["score"]
    0.8
    """

    leaks: list[Leak]
    n_train: int = 0
    n_val: int = 0
    _counts: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        counts = dict.fromkeys(REASONS, 0)
        for leak in self.leaks:
            counts[leak.reason] = counts.get(leak.reason, 0) + 1
        object.__setattr__(self, "_counts", counts)

    @property
    def ok(self) -> bool:
        """True when no leak was found."""
        return not self.leaks

    @property
    def counts(self) -> dict[str, int]:
        """Leaks per reason."""
        return dict(self._counts)

    def val_indices(self) -> list[int]:
        """Sorted positions of the validation items that leaked."""
        return sorted({leak.val_index for leak in self.leaks})

    def train_indices(self) -> list[int]:
        """Sorted positions of the training items that leak validation items (drop these)."""
        return sorted({leak.train_index for leak in self.leaks if leak.train_index >= 0})

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able builtins."""
        return {
            "ok": self.ok,
            "n_train": self.n_train,
            "n_val": self.n_val,
            "counts": self.counts,
            "leaks": [leak.to_dict() for leak in self.leaks],
        }

    def to_json(self, indent: int | None = None) -> str:
        """The report as a JSON string (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_frame(self) -> pd.DataFrame:
        """The leaks as a :class:`pandas.DataFrame` (columns train_index, val_index, reason, score)."""
        import pandas as pd

        columns = ["train_index", "val_index", "reason", "score"]
        return pd.DataFrame([leak.to_dict() for leak in self.leaks], columns=columns)

    def __str__(self) -> str:
        if self.ok:
            return f"LeakageReport(ok, {self.n_train} train / {self.n_val} val items)"
        found = ", ".join(f"{n} {reason}" for reason, n in self._counts.items() if n)
        return (
            f"LeakageReport({len(self.leaks)} leaks: {found}; "
            f"{len(self.val_indices())} of {self.n_val} val items affected)"
        )
