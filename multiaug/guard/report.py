"""The result of a leakage check: :class:`Leak` and :class:`LeakageReport`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
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
    unpacking works; ``score`` and ``evidence`` are extra read-only attributes, not elements.

    Attributes
    ----------
    train_index, val_index : int
        Positions in ``X_train`` and ``X_val`` (``-1`` for a call refused by ``protect``).
    reason : str
        One of ``"group"``, ``"exact"``, ``"provenance"``, ``"near_duplicate"``.
    score : float
        Similarity in [0, 1] (1.0 for group, exact and provenance leaks).
    evidence : mapping, optional
        What the detector saw, as JSON-able builtins (read-only): ``"method"`` (how the pair was
        found: ``"group"``, ``"exact"``, ``"provenance"``, or the near-duplicate search, e.g.
        ``"warp"`` for an image warped by a pipeline) and its measurements, e.g. for a warp the
        3x3 ``"matrix"`` taking training-item pixels to validation-item pixels with its
        ``"rotation_deg"``, ``"scale"``, ``"shift_px"`` and ``"mirrored"``.

    Examples
    --------
    >>> leak = Leak(3, 0, "near_duplicate", 0.9, {"method": "word-bigram Jaccard"})
    >>> t, v, reason = leak
    >>> (t, v, reason), len(leak), leak[1], leak.score, leak.evidence["method"]
    ((3, 0, 'near_duplicate'), 3, 0, 0.9, 'word-bigram Jaccard')
    """

    score: float
    evidence: Mapping[str, Any]

    def __new__(
        cls,
        train_index: int,
        val_index: int,
        reason: str,
        score: float = 1.0,
        evidence: Mapping[str, Any] | None = None,
    ) -> Leak:
        self = super().__new__(cls, int(train_index), int(val_index), str(reason))
        self.__dict__["score"] = float(score)
        self.__dict__["evidence"] = MappingProxyType(dict(evidence or {}))
        return self

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> Leak:  # type: ignore[override]
        return cls(*iterable)

    def _replace(self, **changes: Any) -> Leak:
        score = changes.pop("score", self.score)
        evidence = changes.pop("evidence", self.evidence)
        fields = {**self._asdict(), **changes}
        return type(self)(**fields, score=score, evidence=evidence)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Leak is immutable (cannot set {name!r})")

    def __repr__(self) -> str:
        return (
            f"Leak(train_index={self.train_index}, val_index={self.val_index}, "
            f"reason={self.reason!r}, score={self.score})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.train_index, self.val_index, self.reason, self.score, dict(self.evidence))
        return (type(self), args)

    def to_dict(self, evidence: bool = False) -> dict[str, Any]:
        """The leak as JSON-able builtins; with ``evidence``, its evidence under ``"evidence"``."""
        out = {**self._asdict(), "score": self.score}
        if evidence:
            out["evidence"] = json.loads(json.dumps(dict(self.evidence)))  # a deep copy
        return out

    def explain(self) -> str:
        """One line of evidence for a person to judge the leak by, e.g. for a warped image
        ``"score 0.991, warp: rotation 14.8 deg, scale 0.97, shift (-1.3, 6.9) px, mirrored,
        overlap 0.84"``."""
        ev = self.evidence
        parts = [f"score {self.score:.3f}"]
        method = ev.get("method")
        if method == "warp":
            shift = ", ".join(f"{v:.1f}" for v in ev["shift_px"])
            parts.append(
                f"warp: rotation {ev['rotation_deg']:.1f} deg, scale {ev['scale']:.3f}, shift ({shift}) px"
                + (", mirrored" if ev.get("mirrored") else "")
                + f", overlap {ev['overlap']:.2f}"
                + (f", {ev['keypoint_inliers']} keypoint inliers" if ev.get("keypoint_inliers") else "")
                + (", second look" if ev.get("second_look") else "")
            )
        elif method:
            parts.append(str(method))
        return ", ".join(parts)


@dataclass(frozen=True)
class LeakageReport:
    """What :meth:`SplitGuard.check` found.

    Parameters
    ----------
    leaks : list of Leak
        One entry per (train item, validation item, reason), sorted.
    n_train, n_val : int
        Sizes of the two splits that were checked.
    low_detail : tuple of int
        Sorted positions of the validation images with too little detail to verify a warped copy
        (a flat sky: a flipped, warped, recoloured copy of it looks like any other crop of that
        sky). Not leaks, and no proof of a clean split: a copy of such an item is found only as an
        exact copy, by a single operation the hashes follow, or by provenance -- keep each item's
        source id (a sampler's ``provenance_``, the file it was cut from) and pass
        ``provenance_train``/``provenance_val``. Images only (empty for other kinds).

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
    >>> rep.by_reason()
    {'exact': 1, 'near_duplicate': 1}
    """

    leaks: list[Leak]
    n_train: int = 0
    n_val: int = 0
    low_detail: tuple[int, ...] = ()
    _counts: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        counts = dict.fromkeys(REASONS, 0)
        for leak in self.leaks:
            counts[leak.reason] = counts.get(leak.reason, 0) + 1
        object.__setattr__(self, "_counts", counts)
        object.__setattr__(self, "low_detail", tuple(sorted(int(j) for j in self.low_detail)))

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

    def by_reason(self) -> dict[str, int]:
        """Leaks per reason, only the reasons found (strongest evidence first)."""
        return {reason: n for reason, n in self._counts.items() if n}

    def to_dict(self, evidence: bool = False) -> dict[str, Any]:
        """The report as JSON-able builtins; with ``evidence``, each leak's evidence too."""
        return {
            "ok": self.ok,
            "n_train": self.n_train,
            "n_val": self.n_val,
            "counts": self.counts,
            "leaks": [leak.to_dict(evidence) for leak in self.leaks],
            "low_detail": list(self.low_detail),
        }

    def to_json(self, indent: int | None = None, evidence: bool = False) -> str:
        """The report as a JSON string (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(evidence), indent=indent)

    def to_frame(self, evidence: bool = False) -> pd.DataFrame:
        """The leaks as a :class:`pandas.DataFrame` (columns train_index, val_index, reason, score;
        with ``evidence``, an ``evidence`` column of dicts too)."""
        import pandas as pd

        columns = ["train_index", "val_index", "reason", "score"] + (["evidence"] if evidence else [])
        return pd.DataFrame([leak.to_dict(evidence) for leak in self.leaks], columns=columns)

    def __str__(self) -> str:
        low = f"; {len(self.low_detail)} val items too flat to verify" if self.low_detail else ""
        if self.ok:
            return f"LeakageReport(ok, {self.n_train} train / {self.n_val} val items{low})"
        found = ", ".join(f"{n} {reason}" for reason, n in self._counts.items() if n)
        return (
            f"LeakageReport({len(self.leaks)} leaks: {found}; "
            f"{len(self.val_indices())} of {self.n_val} val items affected{low})"
        )
