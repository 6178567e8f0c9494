"""The measured duration of each long test, so that every worker starts with its share of them.

``tests/conftest.py`` orders the collected tests by ``tests/data/durations.json`` (:func:`layout`):
pytest-xdist's ``worksteal`` scheduler then starts each worker on its share of the long tests and the
workers end on short ones together, instead of one waiting while the other runs the half-minute
tests that happened to come last. A stale or missing entry only changes the order.

Refresh after tests were added or sped up (only tests taking at least ``FLOOR`` seconds are kept)::

    .venv/bin/python -m pytest -n 2 --dist worksteal --junitxml=/tmp/junit.xml
    .venv/bin/python -m tests.durations /tmp/junit.xml
"""

from __future__ import annotations

import json
import math
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

FILE = Path(__file__).parent / "data" / "durations.json"
FLOOR = 1.0
T = TypeVar("T")


def from_junit(path: str | Path) -> dict[str, float]:
    """nodeid -> seconds (setup, call and teardown) of the tests at or above ``FLOOR``."""
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")
        seconds = float(case.get("time", 0))
        if seconds < FLOOR or not module[0]:
            continue
        # classname is the dotted module, plus the class of a test in one; the nodeid names the file
        cls = [module.pop()] if module[-1][:1].isupper() else []
        nodeid = "::".join([f"{'/'.join(module)}.py", *cls, case.get("name", "")])
        out[nodeid] = round(seconds, 1)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def layout(items: list[T], seconds: Mapping[str, float], workers: int, key: Callable[[T], str]) -> list[T]:
    """``items`` in the order that lets pytest-xdist's ``worksteal`` end every worker on short tests.

    ``worksteal`` first hands worker ``i`` the ``i``-th of ``workers`` contiguous chunks of the
    collection, and an idle worker later steals from the *end* of another's queue (never its last two
    tests). So the long tests are shared between the workers longest first (each to the least loaded
    so far) and each share is put at the front of its worker's chunk; every other test keeps its
    order and fills the chunks behind them.
    """
    known = [it for it in items if seconds.get(key(it), 0.0) > 0.0]  # NaN is not > 0: a short test
    known.sort(key=lambda it: -seconds[key(it)])
    chosen = {id(it) for it in known}
    short = [it for it in items if id(it) not in chosen]
    shares: list[list[T]] = [[] for _ in range(max(1, workers))]
    loads = [0.0] * len(shares)
    for it in known:
        j = loads.index(min(loads))
        shares[j].append(it)
        loads[j] += seconds[key(it)]
    out: list[T] = []
    for i, share in enumerate(shares):
        size = (len(items) - len(out)) // (len(shares) - i)  # as worksteal cuts the chunks
        fill = max(0, size - len(share))
        out += share + short[:fill]
        short = short[fill:]
    return out + short


def load() -> dict[str, float]:
    try:
        loaded = {str(k): float(v) for k, v in json.loads(FILE.read_text()).items()}
        return {k: v for k, v in loaded.items() if math.isfinite(v)}
    except (OSError, ValueError, AttributeError):
        return {}


if __name__ == "__main__":
    FILE.write_text(json.dumps(from_junit(sys.argv[1]), indent=0) + "\n")
