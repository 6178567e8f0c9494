"""How many rows each class gets: imbalanced-learn's ``sampling_strategy``, and the class keys.

One ``sampling_strategy`` parameter (:class:`SamplingStrategy`) and one reading of it
(:func:`rows_to_add`, imbalanced-learn's own ``check_sampling_strategy``) for
``ma.Oversample`` and every ``ma.tabular`` sampler. imbalanced-learn is imported only
when a strategy is read.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

from ..core.errors import InvalidInputError
from ..core.params import Spec, _show

__all__ = ["MAX_COUNT", "SamplingStrategy", "class_key", "rows_to_add"]

#: The largest class count a ``sampling_strategy`` dict may ask for (2**31 - 1 rows).
MAX_COUNT = 2**31 - 1

_STRATEGY_NAMES = ("auto", "minority", "not minority", "not majority", "all")


class SamplingStrategy(Spec):
    """imbalanced-learn's over-sampling ``sampling_strategy``."""

    doc = (
        f"one of {', '.join(repr(s) for s in _STRATEGY_NAMES)}, a float in (0, 1] (binary only), "
        "a dict {class: target count} or a callable"
    )

    def invalid(self) -> list[Any]:
        return ["sometimes", "majority", 0.0, 1.5, True, None, {0: -3}, {0: 2.5}, {0: MAX_COUNT + 1}]

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


def rows_to_add(owner: str, strategy: Any, y: Any, targets: bool = False) -> tuple[dict[Any, int], Any]:
    """``({class: rows to add}, labels as an array)`` for the resolved ``strategy`` and labels ``y``.

    imbalanced-learn's ``check_sampling_strategy`` reads the strategy; with ``targets`` the
    labels first pass scikit-learn's classification-target checks and imbalanced-learn's
    ``check_target_type`` (one-vs-all label matrices become class indices), as its samplers do.
    """
    try:
        import numpy as np
        from imblearn.utils import check_sampling_strategy, check_target_type
        from sklearn.utils.multiclass import check_classification_targets
    except ImportError as exc:  # pragma: no cover - the tabular extra is installed in the tests
        raise ImportError(f"{owner} needs imbalanced-learn: pip install 'multiaug[tabular]'") from exc
    try:
        if targets:
            check_classification_targets(y)
            y = check_target_type(y, indicate_one_vs_all=True)[0]
        y = np.asarray(y)
        return dict(check_sampling_strategy(strategy, y, "over-sampling")), y
    except InvalidInputError:
        raise
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(
            owner,
            "y",
            f"cannot be balanced with sampling_strategy={_show(strategy)}: {exc}",
            "pass class labels (at least two classes) and a sampling_strategy that adds rows "
            "to minority classes, e.g. 'auto'",
        ) from exc


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
