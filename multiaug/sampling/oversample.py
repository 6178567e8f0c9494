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

from collections.abc import Sequence
from typing import Any, ClassVar

from ..core import random as _random
from ..core.params import Spec, param
from ..core.transform import Transform
from .base import Data, check_labels
from .lists import ListResampler, Plan
from .strategy import SamplingStrategy, class_key, rows_to_add

__all__ = ["Oversample"]

_ORDER_TAG = _random.TAGS["order"]


class _Pipeline(Spec):
    doc = "a multiaug transform or pipeline"

    def invalid(self) -> list[Any]:
        return ["swap", None, 3]

    def resolve(self, owner: str, name: str, value: Any) -> Transform:
        if not isinstance(value, Transform) or value._dataset_level:
            raise self.fail(owner, name, value, "pass e.g. ma.Compose([ma.text.RandomSwap()], seed=0)")
        return value


class Oversample(ListResampler, Transform):
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
    >>> pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0)
    >>> over = ma.Oversample(pipe, seed=0)
    >>> X, y = over.fit_resample(["a b c", "d e f", "g h i", "j k l"], ["x", "x", "x", "y"])
    >>> y, over.provenance_
    (['x', 'x', 'x', 'y', 'y', 'y'], [0, 1, 2, 3, 3, 3])
    """

    modality: ClassVar[str] = "core"
    _dataset_level: ClassVar[bool] = True
    pipeline: Transform = param(_Pipeline())
    sampling_strategy: Any = param(SamplingStrategy(), default="auto")

    def _pipeline(self) -> Transform:
        return self._r.pipeline

    def _plan_rows(self, data: Data) -> Plan:
        """The new rows, in output order, as ``(source row, copy number)`` pairs."""
        import numpy as np

        strategy, y = rows_to_add(self.name, self._r.sampling_strategy, data.y)
        self.sampling_strategy_ = strategy
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
        n = len(y) if hasattr(y, "__len__") and not isinstance(y, (str, bytes)) else 0
        labels = check_labels(self.name, y, n, *self._labels)
        return self._plan_rows(Data(X=None, rows=None, n=n, y=labels))
