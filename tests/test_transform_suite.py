"""The shared check suite, run over every registered transform."""

from __future__ import annotations

import pytest

import multiaug as ma
from multiaug.testing import CHECKS, EXAMPLES

# multiaug's own transforms (user classes registered by other tests or doctests are theirs to check)
NAMES = sorted(n for n, cls in ma.registered().items() if cls.__module__.startswith("multiaug."))


def test_registry_is_not_empty() -> None:
    assert {"Compose", "OneOf", "SomeOf", "image.HorizontalFlip", "image.VerticalFlip"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_transform_has_an_example(name: str) -> None:
    assert name in EXAMPLES, f"add {name!r} to multiaug.testing.EXAMPLES so the shared checks run on it"


PAIRS = [
    pytest.param(name, check, id=f"{name}-{check.__name__}")
    for name in NAMES
    if name in EXAMPLES
    for check in (EXAMPLES[name].checks or CHECKS)
]


@pytest.mark.parametrize("name, check", PAIRS)
def test_shared_checks(name: str, check) -> None:  # type: ignore[no-untyped-def]
    check(EXAMPLES[name])
