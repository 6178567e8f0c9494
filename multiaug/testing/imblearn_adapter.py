"""imbalanced-learn's class names bound to multiaug's samplers, for running imbalanced-learn's own tests.

``SMOTE(random_state=r, ...)`` here builds ``ma.tabular.SMOTE(seed=s, ...)`` with the seed ``s``
whose :func:`multiaug.tabular.random_state` is ``r`` (:func:`seed_for_random_state` inverts that
map exactly), so a test that pins imbalanced-learn's output for ``random_state=r`` checks
multiaug's sampler against the same numbers. ``isinstance(x, SMOTE)`` asks about multiaug's class.
"""

from __future__ import annotations

from typing import Any

from ..core import random as _random

__all__ = ["seed_for_random_state"]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _unshift(x: int, s: int) -> int:
    y = x
    for _ in range(64 // s + 1):
        y = x ^ (y >> s)
    return y


def _unmix(z: int, b: int) -> int:
    """The ``a`` with ``multiaug.core.random.mix(a, b) == z``."""
    z = _unshift(z, 31)
    z = (z * pow(_M2, -1, 1 << 64)) & _MASK
    z = _unshift(z, 27)
    z = (z * pow(_M1, -1, 1 << 64)) & _MASK
    return (_unshift(z, 30) - _GOLDEN * (b + 1)) & _MASK


def seed_for_random_state(random_state: int) -> int:
    """A multiaug seed whose ``ma.tabular.random_state(seed)`` is ``random_state`` (a 32-bit int).

    Examples
    --------
    >>> import multiaug as ma
    >>> ma.tabular.random_state(seed_for_random_state(42))
    42
    """
    r = int(random_state)
    if not 0 <= r < 2**32:
        raise ValueError(f"random_state must be in [0, 2**32), got {r}")
    return _unmix(_unmix(r << 32, _random.TAGS["imblearn"]), 0)


class _Adapter(type):
    """A stand-in class: calling it builds multiaug's sampler, ``random_state`` mapped to ``seed``."""

    _target: Any

    def __call__(cls, *args: Any, random_state: Any = None, **kwargs: Any) -> Any:
        seed = None if random_state is None else seed_for_random_state(random_state)
        return cls._target(*args, seed=seed, **kwargs)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls._target)


def _stand_in(name: str) -> type:
    import multiaug as ma

    return _Adapter(name, (), {"_target": getattr(ma.tabular, name), "__module__": __name__})


def __getattr__(name: str) -> Any:
    import multiaug as ma

    if name in ma.tabular.__all__ and name not in ("GaussianNoise", "TabularSampler", "random_state"):
        return _stand_in(name)
    raise AttributeError(name)
