"""The measured duration of each long test, so that a run starts the longest ones first.

``tests/conftest.py`` orders the collected tests by ``tests/data/durations.json`` (longest first, the
rest in their usual order): pytest-xdist's ``worksteal`` scheduler then hands the long tests out first
and the two workers end on short ones together, instead of one waiting while the other runs a
half-minute test that happened to come last. A stale or missing entry only changes the order.

Refresh after tests were added or sped up (only tests taking at least ``FLOOR`` seconds are kept)::

    .venv/bin/python -m pytest -n 2 --dist worksteal --junitxml=/tmp/junit.xml
    .venv/bin/python -m tests.durations /tmp/junit.xml
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

FILE = Path(__file__).parent / "data" / "durations.json"
FLOOR = 1.0


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


def load() -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(FILE.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        return {}


if __name__ == "__main__":
    FILE.write_text(json.dumps(from_junit(sys.argv[1]), indent=0) + "\n")
