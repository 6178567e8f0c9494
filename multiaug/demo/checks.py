"""Reproducibility checks: the saved config reloaded and called in reverse order, and trace replay."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import multiaug as ma

from . import report as rp


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two samples hold the same fields with the same values (arrays: dtype, shape and bytes)."""
    keys = set(a) - {"trace"}
    if keys != set(b) - {"trace"}:
        return False
    for k in keys:
        x, y = a[k], b[k]
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            x, y = np.asarray(x), np.asarray(y)
            if x.dtype != y.dtype or not np.array_equal(x, y):
                return False
        elif isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
            if list(x) != list(y):
                return False
        elif x != y:
            return False
    return True


def reproduce(pipe: Any, config: Path, samples: Sequence[dict[str, Any]]) -> tuple[list[dict], dict]:
    """Keyed calls (key = position), checked against the saved config in reverse order and replay."""
    ma.save(pipe, config)
    reloaded = ma.load(config)
    outs = [pipe(**s, key=k, epoch=0, trace=True) for k, s in enumerate(samples)]
    same = all(_same(reloaded(**samples[k], key=k, epoch=0), outs[k]) for k in reversed(range(len(samples))))
    replayed = all(_same(pipe.replay(o["trace"], **s), o) for s, o in zip(samples, outs, strict=True))
    return outs, {
        "config": config.name,
        "fingerprint": pipe.fingerprint,
        "reloaded_fingerprint": reloaded.fingerprint,
        "reproduced_from_yaml": same and reloaded.fingerprint == pipe.fingerprint,
        "replay_exact": replayed,
        "samples": len(samples),
    }


def checks_html(name: str, pipe: Any, checks: dict[str, Any]) -> str:
    from ..cli import tree

    rows = [
        ["config", html.escape(checks["config"])],
        ["fingerprint", f"<code>{checks['fingerprint']}</code>"],
        ["reloaded from YAML, reverse order: same bytes", rp.flag(checks["reproduced_from_yaml"])],
        ["trace replay exact", rp.flag(checks["replay_exact"])],
    ]
    return (
        f"<h3>{name} pipeline</h3>"
        + rp.pre("\n".join(tree(pipe.to_config())))
        + rp.table(["check", "result"], rows, raw=True)
    )
