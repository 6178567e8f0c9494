"""SMOTE followed by a cleaning under-sampler (imbalanced-learn's SMOTEENN, SMOTETomek), with provenance.

The over-sampling step is multiaug's :class:`~multiaug.tabular.SMOTE` (so its rows carry their
``(base, neighbour)`` provenance), the cleaning step imbalanced-learn's under-sampler; the
rows the cleaning removes are absent from the output, every kept row keeps the provenance
SMOTE gave it (an original row its index, a new row its two parents). The output is in the
under-sampler's order (grouped by class), not originals first.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from imblearn import combine as _imb

from ...core.errors import InvalidInputError
from ...core.params import Spec, _show, param
from ...sampling.base import Data
from .base import _NEIGHBOR_SPECS, TabularSampler, _Picked

__all__ = ["SMOTEENN", "SMOTETomek"]


class _SmoteSpec(Spec):
    """``None`` or a multiaug SMOTE (or SMOTE-NC) sampler."""

    doc = "None or a ma.tabular.SMOTE sampler"

    def invalid(self) -> list[Any]:
        return [5, "smote", True]

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        from .smote import SMOTE

        if value is None or isinstance(value, SMOTE):
            return value
        raise InvalidInputError(
            owner,
            name,
            f"must be None or a ma.tabular.SMOTE sampler, got {_show(value)}",
            "pass ma.tabular.SMOTE(k_neighbors=..., seed=...) (it records provenance)",
        )


class _UnderSpec(Spec):
    """``None`` or an instance of the imbalanced-learn under-sampler ``cls_name``."""

    def __init__(self, cls_name: str) -> None:
        self.cls_name = cls_name
        self.doc = f"None or an imblearn.under_sampling.{cls_name}"

    def invalid(self) -> list[Any]:
        return [5, "auto", True]

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        from imblearn import under_sampling

        if value is None or isinstance(value, getattr(under_sampling, self.cls_name)):
            return value
        raise self.fail(owner, name, value, f"pass None or imblearn.under_sampling.{self.cls_name}(...)")


class _Combined(TabularSampler):
    """SMOTE (multiaug's), then imbalanced-learn's cleaning sampler ``_cleaner``."""

    _abstract: ClassVar[bool] = True
    _own_n_jobs = True
    #: The parameter holding the cleaning sampler (``enn`` or ``tomek``).
    _cleaner: ClassVar[str] = ""
    smote: Any = param(_SmoteSpec(), default=None, kw_only=True)
    n_jobs: int | None = param(_NEIGHBOR_SPECS["n_jobs"], default=None, kw_only=True)

    def _validate_estimator(self) -> None:
        from .smote import SMOTE

        super()._validate_estimator()  # type: ignore[misc]  # imbalanced-learn's: the cleaner
        if self.smote is None:  # SMOTE with this sampler's seed: imbalanced-learn's random_state
            self.smote_ = self._spawn(SMOTE, sampling_strategy=self.sampling_strategy, seed=self.seed)

    def to_imblearn(self) -> Any:
        """The equivalent plain imbalanced-learn sampler (same output for the same data)."""
        r = self._r
        kwargs = {"sampling_strategy": r.sampling_strategy, "random_state": self.random_state}
        kwargs["smote"] = None if r.smote is None else r.smote.to_imblearn()
        kwargs[self._cleaner] = getattr(r, self._cleaner)
        kwargs["n_jobs"] = r.n_jobs
        return self._imblearn(**kwargs)

    def _strategy_done(self) -> dict[Any, int]:
        return dict(self.smote_.sampling_strategy_)

    def _provenance_arrays(self) -> Any:
        kept = np.asarray(getattr(self, f"{self._cleaner}_").sample_indices_)
        return _Picked(self.smote_.__dict__["_provenance_rows"], kept)  # SMOTE's, built when read

    def _provenance(self, data: Data, plan: Any, new: Any) -> Any:
        return self.__dict__.pop("_parents")


class SMOTEENN(_Combined, _imb.SMOTEENN):
    """SMOTE, then Edited Nearest Neighbours cleaning (imbalanced-learn's ``SMOTEENN``).

    Parameters
    ----------
    sampling_strategy, seed
        As in :class:`SMOTE` (they make the SMOTE step when ``smote`` is None).
    smote : ma.tabular.SMOTE or None
        The over-sampler (its own seed and strategy apply); ``None``: ``SMOTE`` with this
        sampler's ``sampling_strategy`` and ``seed``.
    enn : imblearn.under_sampling.EditedNearestNeighbours or None
        The cleaning step; ``None``: ``EditedNearestNeighbours(sampling_strategy="all")``.
        An object is not saved in configs.
    n_jobs : int or None
        Threads of the default cleaning step.

    Examples
    --------
    >>> import multiaug as ma
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(300, weights=[0.2], flip_y=0.05, random_state=0)
    >>> X_res, y_res = ma.tabular.SMOTEENN(seed=0).fit_resample(X, y)
    >>> bool(len(X_res) < 2 * (y == 1).sum())  # cleaned: fewer rows than SMOTE alone makes
    True
    """

    _imblearn = _imb.SMOTEENN
    _cleaner = "enn"
    enn: Any = param(_UnderSpec("EditedNearestNeighbours"), default=None, kw_only=True)


class SMOTETomek(_Combined, _imb.SMOTETomek):
    """SMOTE, then removal of Tomek links (imbalanced-learn's ``SMOTETomek``).

    Parameters
    ----------
    sampling_strategy, seed, smote, n_jobs
        As in :class:`SMOTEENN`.
    tomek : imblearn.under_sampling.TomekLinks or None
        The cleaning step; ``None``: ``TomekLinks(sampling_strategy="all")``. An object is not
        saved in configs.

    Examples
    --------
    >>> import multiaug as ma
    >>> from sklearn.datasets import load_breast_cancer
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> tl = ma.tabular.SMOTETomek(smote=ma.tabular.SMOTE(k_neighbors=3, seed=1))
    >>> _ = tl.fit_resample(X, y)
    >>> originals = [p for p in tl.provenance_ if isinstance(p, int)]  # the kept input rows
    >>> len(set(originals)) == len(originals) <= len(X)
    True
    """

    _imblearn = _imb.SMOTETomek
    _cleaner = "tomek"
    tomek: Any = param(_UnderSpec("TomekLinks"), default=None, kw_only=True)
