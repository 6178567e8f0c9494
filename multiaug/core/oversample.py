"""``Oversample``: balance classes of images, texts or audio clips with augmented copies.

The class counts follow imbalanced-learn's ``sampling_strategy`` (its own
``check_sampling_strategy`` computes them). Each minority class is filled with
augmented copies of *its own* rows: the rows are taken in a seeded random order and
cycled (every row gets ``m // n_c`` or ``m // n_c + 1`` copies when ``m`` rows are
needed for a class of ``n_c``), and copy ``c`` of row ``i`` is the keyed call
``pipeline(**{field: X[i]}, key="row{i}/copy{c}")`` — the same key that
``Compose.fit_resample(..., copies=N)`` uses, so each new row can be recomputed alone.
The row order of a class is seeded by :func:`class_key` of its label (one spelling per value),
so ``1``, ``np.int64(1)`` and ``np.int32(1)`` give the same rows under NumPy 1 and 2.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, NoReturn

from . import random as _random
from .errors import InvalidInputError
from .params import Seed, Spec, _show
from .resample import _infer_field, copy_key
from .transform import Transform

__all__ = ["Oversample", "SamplingStrategy", "class_key"]

_ORDER_TAG = _random.TAGS["order"]


def class_key(cls: Any) -> str:
    """The canonical text of a class label that seeds its row order (the same on every machine).

    The label is read as a Python value (NumPy scalars through ``.item()``), then spelled as
    NumPy 2 spells the default NumPy scalar of that value: any integer ``v`` (``1``,
    ``np.int64(1)``, ``np.int32(1)``, ``np.uint8(1)``) is ``"np.int64(v)"``, a string ``s``
    ``"np.str_('s')"``, a float ``"np.float64(repr(v))"``, a bool ``"np.True_"``/``"np.False_"``;
    anything else is its ``repr``. These are the keys ``Oversample`` used under NumPy 2 for
    plain Python int, str, float and bool labels, which keep their rows; NumPy 1.x and
    non-default NumPy types (``int32`` labels...) now get those same rows too.

    >>> import numpy as np
    >>> class_key(np.int64(1)) == class_key(np.int32(1)) == class_key(1) == "np.int64(1)"
    True
    >>> class_key(np.str_("cat")), class_key("cat"), class_key(0.5), class_key(np.bool_(True))
    ("np.str_('cat')", "np.str_('cat')", 'np.float64(0.5)', 'np.True_')
    """
    import numpy as np

    if isinstance(cls, np.generic):
        cls = cls.item()
    if isinstance(cls, bool):
        return "np.True_" if cls else "np.False_"
    if isinstance(cls, numbers.Integral) and -(2**63) <= int(cls) < 2**63:
        return f"np.int64({int(cls)})"
    if isinstance(cls, float):
        return f"np.float64({float(cls)!r})"
    if isinstance(cls, str):
        return f"np.str_({cls!r})"
    return repr(cls)


class _Pipeline(Spec):
    doc = "a multiaug transform or pipeline"

    def resolve(self, owner: str, name: str, value: Any) -> Transform:
        if not isinstance(value, Transform) or isinstance(value, Oversample):
            raise self.fail(owner, name, value, "pass e.g. ma.Compose([ma.text.RandomSwap()], seed=0)")
        return value


#: The largest class count a ``sampling_strategy`` dict may ask for (2**31 - 1 rows).
MAX_COUNT = 2**31 - 1

_STRATEGY_NAMES = ("auto", "minority", "not minority", "not majority", "all")


class SamplingStrategy(Spec):
    """imbalanced-learn's over-sampling ``sampling_strategy``."""

    doc = (
        f"one of {', '.join(repr(s) for s in _STRATEGY_NAMES)}, a float in (0, 1] (binary only), "
        "a dict {class: target count} or a callable"
    )

    def resolve(self, owner: str, name: str, value: Any) -> Any:
        fix = "pass sampling_strategy='auto' (balance every class up to the majority) or {class: count}"
        if isinstance(value, str):
            if value not in _STRATEGY_NAMES:
                raise self.fail(owner, name, value, fix)
            return value
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            if not 0.0 < float(value) <= 1.0:
                raise self.fail(owner, name, value, "pass a minority/majority ratio in (0, 1], e.g. 0.5")
            return float(value)
        if isinstance(value, Mapping):
            for k, v in value.items():
                if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not 0 <= int(v) <= MAX_COUNT:
                    raise InvalidInputError(
                        owner,
                        name,
                        f"gives class {k!r} the count {_show(v, 24)}",
                        f"give every class an int count in [0, {MAX_COUNT}]",
                    )
            return dict(value)
        if callable(value):
            return value
        raise self.fail(owner, name, value, fix)


class Oversample(Transform):
    """Balance the classes of a list of samples by augmenting minority rows.

    Parameters
    ----------
    pipeline : Transform
        The augmentation applied to make each new row (its own seed governs the augmentation).
    sampling_strategy : str, float, dict or callable
        imbalanced-learn's over-sampling ``sampling_strategy`` (``"auto"``: every class up to
        the majority count).
    seed : int or None
        Seed of the choice of which rows are copied.

    Attributes
    ----------
    provenance_ : list of int
        After :meth:`fit_resample`: the input row each output row came from.
    sampling_strategy_ : dict
        Rows added per class.

    Examples
    --------
    >>> import multiaug as ma
    >>> from multiaug.core.oversample import Oversample
    >>> pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0)
    >>> over = Oversample(pipe, seed=0)
    >>> X, y = over.fit_resample(["a b c", "d e f", "g h i", "j k l"], ["x", "x", "x", "y"])
    >>> y, over.provenance_
    (['x', 'x', 'x', 'y', 'y', 'y'], [0, 1, 2, 3, 3, 3])
    """

    modality: ClassVar[str] = "core"
    _dataset_level: ClassVar[bool] = True
    _parameters: ClassVar[dict[str, Spec]] = {
        "pipeline": _Pipeline(),
        "sampling_strategy": SamplingStrategy(),
        "seed": Seed(),
    }

    def __init__(self, pipeline: Transform, sampling_strategy: Any = "auto", seed: int | None = None) -> None:
        self.pipeline = pipeline
        self.sampling_strategy = sampling_strategy
        self.seed = seed

    def _strategy(self, y: Any) -> dict[Any, int]:
        """Rows to add per class (imbalanced-learn's ``check_sampling_strategy``)."""
        try:
            from imblearn.utils import check_sampling_strategy
        except ImportError as exc:  # pragma: no cover - the tabular extra is installed in the tests
            raise ImportError("Oversample needs imbalanced-learn: pip install 'multiaug[tabular]'") from exc
        try:
            return dict(check_sampling_strategy(self._r.sampling_strategy, y, "over-sampling"))
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(
                self.name,
                "y",
                f"cannot be balanced with sampling_strategy={self.sampling_strategy!r}: {exc}",
                "pass labels of at least two classes and a sampling_strategy that adds rows, e.g. 'auto'",
            ) from exc

    def _labels(self, labels: list[Any]) -> Any:
        """``labels`` as a NumPy array; missing (None/NaN), unhashable or ragged labels refused."""
        import numpy as np

        for k, v in enumerate(labels):
            if v is None or (isinstance(v, (float, np.floating)) and v != v):
                raise InvalidInputError(
                    self.name, f"y[{k}]", "is missing (None/NaN)", "give every item a class label"
                )
            try:
                hash(v)
            except TypeError:
                raise InvalidInputError(
                    self.name,
                    f"y[{k}]",
                    f"is an unhashable {type(v).__name__} ({v!r})",
                    "give one int or str class label per item",
                ) from None
        return np.asarray(labels)

    def _copy_plan(self, y: Any, strategy: Mapping[Any, int]) -> list[tuple[int, int]]:
        """The new rows, in output order, as ``(source row, copy number)`` pairs."""
        import numpy as np

        used: dict[int, int] = {}
        plan = []
        for cls, n_new in strategy.items():
            if not n_new:
                continue
            class_idx = np.flatnonzero(y == cls)
            stream = _random.mix(
                self._plan.seed64 ^ _ORDER_TAG, _random.key_to_int(class_key(cls), self.name)
            )
            order = _random.generator(stream).permutation(class_idx)
            for j in range(int(n_new)):
                i = int(order[j % order.size])
                used[i] = used.get(i, 0) + 1
                plan.append((i, used[i]))
        return plan

    def plan(self, y: Sequence[Any]) -> list[tuple[int, int]]:
        """The ``(row, copy)`` pairs :meth:`fit_resample` would add for labels ``y``, without augmenting.

        Copy ``c`` of row ``i`` is the keyed call ``key="row{i}/copy{c}"``; dataset jobs
        (``multiaug augment --balance``) use this to share out the work.

        >>> import multiaug as ma
        >>> over = ma.Oversample(ma.Compose([ma.text.RandomSwap()]), seed=0)
        >>> over.plan(["x", "x", "x", "y"])
        [(3, 1), (3, 2)]
        """

        y_arr = self._labels(list(y))
        if y_arr.ndim != 1 or y_arr.size == 0:
            raise InvalidInputError(
                self.name, "y", "must be a non-empty 1-D sequence", "pass one label per item"
            )
        return self._copy_plan(y_arr, self._strategy(y_arr))

    def __call__(
        self, *_args: Any, key: int | str | None = None, epoch: int = 0, trace: bool = False, **sample: Any
    ) -> NoReturn:
        raise InvalidInputError(
            self.name,
            "sample",
            "cannot be oversampled alone: Oversample balances a whole dataset",
            "call fit_resample(X, y), or call the pipeline itself on one sample",
        )

    def fit_resample(  # type: ignore[override]
        self, X: Sequence[Any], y: Sequence[Any], *, epoch: int = 0, field: str | None = None, **extra: Any
    ) -> tuple[list[Any], list[Any]]:
        """The originals in input order, then the new rows (class by class); sets ``provenance_``.

        ``X`` is a list of images, texts or audio arrays (``field`` inferred as in
        ``Compose.fit_resample``); extra keyword fields (``sample_rate=16000``) go with every call.
        """

        r = self._r
        if isinstance(X, (str, bytes)) or not hasattr(X, "__len__") or not hasattr(X, "__getitem__"):
            raise InvalidInputError(
                self.name,
                "X",
                f"must be a sequence of samples, got {type(X).__name__}",
                "pass a list of images, texts or audio arrays",
            )
        if y is None or isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
            raise InvalidInputError(
                self.name, "y", f"must be a sequence of labels, got {y!r}", "pass one label per item"
            )
        if len(y) != len(X):
            raise InvalidInputError(
                self.name, "y", f"has {len(y)} labels for {len(X)} samples", "give one label per sample"
            )
        items, labels = list(X), list(y)
        y_arr = self._labels(labels)
        if y_arr.ndim != 1:
            raise InvalidInputError(
                self.name, "y", f"must be 1-D, got shape {y_arr.shape}", "pass one class label per item"
            )
        strategy = self._strategy(y_arr)
        name = field or _infer_field(r.pipeline, items[0])
        X_res, y_res = list(items), list(labels)
        prov = list(range(len(items)))
        for i, c in self._copy_plan(y_arr, strategy):
            out = r.pipeline(**{name: items[i]}, **extra, key=copy_key(i, c), epoch=epoch)
            X_res.append(out[name])
            y_res.append(labels[i])
            prov.append(i)
        self.sampling_strategy_ = dict(strategy)
        self.provenance_ = prov
        return X_res, y_res
