"""The one template of every dataset-level ``fit_resample`` (after imbalanced-learn's ``SamplerMixin``).

``Compose.fit_resample`` on a list of samples, :class:`~multiaug.Oversample`,
``tabular.GaussianNoise.fit_resample`` and the ``ma.tabular`` samplers all run
:meth:`Resampler.fit_resample`:

1. **validate** — the subclass reads ``X`` (:meth:`Resampler._check_X`), then one shared
   check of ``y`` (:func:`check_labels`);
2. **plan** — which new rows to make (:meth:`Resampler._plan_rows`: copies, a class balance...);
3. **rows** — make them (:meth:`Resampler._make_rows`: keyed pipeline calls, imbalanced-learn...);
4. **container restored** — originals first, then the new rows, in the caller's container
   (:meth:`Resampler._restore`: a list, an array, a DataFrame with its dtypes...);
5. ``provenance_`` — for every output row, the input row(s) it came from.

The checks every dataset-level operation shares (:func:`check_samples`, :func:`check_copies`,
:func:`check_labels`) live here too, so a bad ``X``, ``y`` or ``copies`` gets one message
whichever operation meets it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.errors import InvalidInputError
from ..core.params import _show

if TYPE_CHECKING:
    from ..core.transform import Transform

__all__ = ["CopiesOf", "Data", "Resampler", "check_copies", "check_labels", "check_samples"]


@dataclass
class Data:
    """A validated dataset on its way through :meth:`Resampler.fit_resample`."""

    #: ``X`` as the caller gave it (its container is restored at the end).
    X: Any
    #: The rows as the algorithm reads them (a list of samples, an array, a sparse matrix...).
    rows: Any
    #: Number of input rows.
    n: int
    #: ``y`` as the caller gave it (checked), or None.
    y: Any = None
    #: The call's options (``copies``, ``epoch``, ``field``, extra sample fields...).
    options: dict[str, Any] = field(default_factory=dict)
    #: What validation learnt that the later steps need (column kinds, the sample field...).
    facts: dict[str, Any] = field(default_factory=dict)


class Resampler:
    """Mixin: ``fit_resample`` as one template (validate -> plan -> rows -> container -> provenance).

    Subclasses write the steps, never ``fit_resample`` itself. The originals always come
    first, in input order, followed by the new rows.

    Examples
    --------
    >>> from multiaug.sampling import Data, Resampler
    >>> class Twice(Resampler):  # every row once more, unchanged
    ...     _labels = (False, False)  # y optional, any labels
    ...     def _check_X(self, X, options):
    ...         return Data(X=X, rows=list(X), n=len(X))
    ...     def _plan_rows(self, data):
    ...         return list(range(data.n))
    ...     def _make_rows(self, data, plan):
    ...         return [data.rows[i] for i in plan]
    ...     def _restore(self, data, plan, new):
    ...         return data.rows + new, (None if data.y is None else [*data.y, *data.y])
    ...     def _provenance(self, data, plan, new):
    ...         return [*range(data.n), *plan]
    >>> twice = Twice()
    >>> twice.fit_resample(["a", "b"], [0, 1]), twice.provenance_
    ((['a', 'b', 'a', 'b'], [0, 1, 0, 1]), [0, 1, 0, 1])
    """

    #: What ``y`` must be (see :func:`check_labels`): ``(required, classes)``.
    _labels: ClassVar[tuple[bool, bool]] = (True, True)
    #: After :meth:`fit_resample`: the input row (or pair of rows) every output row came from.
    provenance_: list[Any]

    @property
    def _owner(self) -> str:
        """The name error messages start with."""
        return str(getattr(self, "name", type(self).__name__))

    def fit_resample(self, X: Any, y: Any = None, **options: Any) -> tuple[Any, Any]:
        """The originals then the new rows, in ``X``'s container; sets ``provenance_``."""
        self._forget()
        data = self._check_X(X, options)
        data.y = check_labels(self._owner, y, data.n, *self._labels)
        plan = self._plan_rows(data)
        new = self._make_rows(data, plan)
        X_res, y_res = self._restore(data, plan, new)
        self.provenance_ = self._provenance(data, plan, new)
        return X_res, y_res

    def _forget(self) -> None:
        """Drop what the last call learnt (public ``name_`` attributes), so a failed call leaves none."""
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("_")]:
            delattr(self, name)

    # ------------------------------------------------------------------ the steps
    def _check_X(self, X: Any, options: dict[str, Any]) -> Data:
        """Validate ``X`` and the call's options; the rows the algorithm reads."""
        raise NotImplementedError

    def _plan_rows(self, data: Data) -> Any:
        """What to make: e.g. ``(source row, copy number)`` pairs, or rows to add per class."""
        raise NotImplementedError

    def _make_rows(self, data: Data, plan: Any) -> Any:
        """The new rows of ``plan``."""
        raise NotImplementedError

    def _restore(self, data: Data, plan: Any, new: Any) -> tuple[Any, Any]:
        """``(X_res, y_res)``: originals then new rows, in the caller's containers."""
        raise NotImplementedError

    def _provenance(self, data: Data, plan: Any, new: Any) -> list[Any]:
        """The source row(s) of every output row."""
        raise NotImplementedError


class CopiesOf(Resampler):
    """Base of the copy plans of one transform ``t``: ``copies`` rounds of keyed calls, labels optional.

    ``t.fit_resample(X, y, copies=N)`` runs such a plan and takes its ``provenance_``.
    """

    _labels = (False, False)

    def __init__(self, t: Transform, copies: int) -> None:
        self.t, self.copies = t, check_copies(t.name, copies)

    @property
    def _owner(self) -> str:
        return self.t.name


# ---------------------------------------------------------------------- the shared checks
def check_samples(owner: str, X: Any) -> list[Any]:
    """``X`` as a list of samples: a sequence (not a string) of images, texts, clips or dicts."""
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__") or not hasattr(X, "__getitem__"):
        raise InvalidInputError(
            owner,
            "X",
            f"must be a sequence of samples, got {type(X).__name__}",
            "pass a list of images, texts or audio arrays",
        )
    return list(X)


def check_copies(owner: str, copies: Any) -> int:
    """``copies``: an int >= 0."""
    if isinstance(copies, bool) or not isinstance(copies, int) or copies < 0:
        raise InvalidInputError(owner, "copies", f"must be an int >= 0, got {_show(copies)}", "pass copies=2")
    return copies


def check_labels(owner: str, y: Any, n: int, required: bool = True, classes: bool = False) -> Any:
    """``y`` for ``n`` rows of ``X``, returned unchanged.

    None passes unless ``required``; otherwise ``y`` is a sequence of one label per row. With
    ``classes`` every label is a class: present (not None/NaN), hashable, one per row (1-D).
    """
    if y is None and not required:
        return None
    if y is None or isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise InvalidInputError(
            owner, "y", f"must be a sequence of labels, got {_show(y)}", "pass one label per row"
        )
    if len(y) != n:
        raise InvalidInputError(
            owner, "y", f"has {len(y)} labels for {n} rows of X", "give exactly one label per row"
        )
    if classes:
        _check_classes(owner, y)
    return y


def _check_classes(owner: str, y: Any) -> None:
    import numpy as np

    kind = getattr(getattr(y, "dtype", None), "kind", "O")
    if kind == "f":  # a float array: only NaN can be missing
        nan = np.flatnonzero(np.isnan(np.asarray(y, dtype=np.float64)))
        if nan.size:
            raise InvalidInputError(
                owner, f"y[{int(nan[0])}]", "is missing (None/NaN)", "give every row a class label"
            )
    elif kind == "O":  # a list or an object array: any value
        for k, v in enumerate(y):
            if v is None or (isinstance(v, (float, np.floating)) and v != v):
                raise InvalidInputError(
                    owner, f"y[{k}]", "is missing (None/NaN)", "give every row a class label"
                )
            try:
                hash(v)
            except TypeError:
                raise InvalidInputError(
                    owner,
                    f"y[{k}]",
                    f"is an unhashable {type(v).__name__} ({_show(v)})",
                    "give one int or str class label per row",
                ) from None
    try:
        shape = np.shape(y)
    except ValueError:  # ragged nested labels
        shape = (len(y), -1)
    if len(shape) != 1:
        raise InvalidInputError(owner, "y", f"must be 1-D, got shape {shape}", "pass one class label per row")
