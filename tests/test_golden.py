"""Keyed outputs never change by accident: digests of every transform and demo pipeline.

See ``tests/golden.py`` (regenerate with ``python -m tests.golden --write`` only for a
documented change of output).
"""

from __future__ import annotations

import json

import pytest
from golden import GOLDEN, demo_digests, transform_digest

from multiaug.testing import EXAMPLES

STORED: dict[str, str] = json.loads(GOLDEN.read_text())


def test_every_transform_has_a_golden_digest() -> None:
    assert sorted(EXAMPLES) == sorted(k for k in STORED if not k.startswith("demo."))


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_keyed_outputs_match_golden(name: str) -> None:
    assert transform_digest(name) == STORED[name]


def test_demo_pipelines_match_golden() -> None:
    assert demo_digests() == {k: v for k, v in STORED.items() if k.startswith("demo.")}
