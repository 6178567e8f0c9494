"""Drift between two profiles of a pipeline: a CI check of an augmentation config.

For every transform present in both (matched by its path in the pipeline and its name):

* each numeric drawn parameter: a two-sample Kolmogorov-Smirnov test of the saved draws
  against the new ones; each flag or choice: a chi-squared test of the counts;
* how often it applied: a chi-squared test of the 2x2 table (applied / not, saved / now);
* a declared range that changed (the config moved) is reported whatever the draws say;
* time: a regression when the mean time grew by more than ``time_ratio`` (default 1.5x) and
  by more than ``min_time_us`` (default 20 µs; tiny ops jitter by more than 50 %).

The statistical flags use one family-wise level ``alpha`` (default 0.01) with a Bonferroni
correction over every test made: a pipeline profiled again under other keys is flagged with
probability at most ``alpha``. Transforms added or removed are listed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .profile import Profile

__all__ = ["Drift", "DriftReport", "compare"]


@dataclass(frozen=True)
class Drift:
    """One finding: ``kind`` is "param", "rate", "range", "time", "added" or "removed"."""

    kind: str
    transform: str
    path: tuple[int, ...]
    param: str | None
    detail: str
    p_value: float | None = None


@dataclass(frozen=True)
class _Test:
    op: dict[str, Any]
    param: str | None
    p_value: float
    detail: str


class DriftReport:
    """The findings of :func:`compare`; ``ok`` when there are none."""

    def __init__(self, drifts: list[Drift], tests: int, alpha: float, same_config: bool) -> None:
        self.drifts = drifts
        self.tests = tests
        self.alpha = alpha
        self.same_config = same_config

    @property
    def ok(self) -> bool:
        return not self.drifts

    def of_kind(self, kind: str) -> list[Drift]:
        return [d for d in self.drifts if d.kind == kind]

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame([asdict(d) for d in self.drifts], columns=list(Drift.__dataclass_fields__))

    def to_json(self) -> str:
        return json.dumps(
            {
                "ok": self.ok,
                "same_config": self.same_config,
                "alpha": self.alpha,
                "tests": self.tests,
                "drifts": [asdict(d) for d in self.drifts],
            },
            sort_keys=True,
        )

    def __str__(self) -> str:
        head = (
            f"drift report: {len(self.drifts)} finding(s) over {self.tests} tests "
            f"(family-wise alpha {self.alpha}); config {'unchanged' if self.same_config else 'CHANGED'}"
        )
        lines = [f"  {d.kind:7} {d.transform}{list(d.path)} {d.param or ''}: {d.detail}" for d in self.drifts]
        return "\n".join([head, *lines])

    __repr__ = __str__


def _param_test(name: str, old: dict[str, Any], new: dict[str, Any]) -> tuple[float, str] | None:
    from scipy import stats

    if "values" in old and "values" in new and old["values"] and new["values"]:
        r = stats.ks_2samp(old["values"], new["values"])
        return float(r.pvalue), (
            f"KS D={r.statistic:.3f}: mean {old['mean']:.4g} -> {new['mean']:.4g}, "
            f"range [{old['min']:.4g}, {old['max']:.4g}] -> [{new['min']:.4g}, {new['max']:.4g}]"
        )
    if "counts" in old and "counts" in new:
        cats = sorted(set(old["counts"]) | set(new["counts"]))
        table = [[old["counts"].get(c, 0) for c in cats], [new["counts"].get(c, 0) for c in cats]]
        if len(cats) < 2:
            return None
        p = float(stats.chi2_contingency(table).pvalue)
        return (
            p,
            f"counts {dict(zip(cats, table[0], strict=True))} -> {dict(zip(cats, table[1], strict=True))}",
        )
    return None


def _rate_test(old: dict[str, Any], new: dict[str, Any], n_old: int, n_new: int) -> tuple[float, str] | None:
    from scipy import stats

    a, b = old["applied"], new["applied"]
    table = [[a, n_old - a], [b, n_new - b]]
    if min(a + b, n_old + n_new - a - b) == 0:
        return None  # always (or never) applied in both
    p = float(stats.chi2_contingency(table).pvalue)
    return p, f"applied {a / n_old:.3f} -> {b / n_new:.3f} of calls"


def _op_findings(
    old: dict[str, Any],
    new: dict[str, Any],
    n_old: int,
    n_new: int,
    th: dict[str, float],
    tests: list[_Test],
    drifts: list[Drift],
) -> None:
    path, name = tuple(new["path"]), new["transform"]
    rate = _rate_test(old, new, n_old, n_new)
    if rate is not None:
        tests.append(_Test(new, None, *rate))
    for pname, p_new in new["params"].items():
        p_old = old["params"].get(pname)
        if p_old is None:
            continue
        if p_old.get("declared") != p_new.get("declared") and "declared" in p_new:
            drifts.append(
                Drift("range", name, path, pname, f"declared {p_old.get('declared')} -> {p_new['declared']}")
            )
        found = _param_test(pname, p_old, p_new)
        if found is not None:
            tests.append(_Test(new, pname, *found))
    t_old, t_new = old["time_mean_us"], new["time_mean_us"]
    if t_old is None or t_new is None:
        return
    if t_new > t_old * th["time_ratio"] and t_new - t_old > th["min_time_us"]:
        drifts.append(
            Drift("time", name, path, None, f"mean {t_old:.1f} -> {t_new:.1f} us ({t_new / t_old:.2f}x)")
        )


def compare(
    saved: Profile, now: Profile, *, alpha: float = 0.01, time_ratio: float = 1.5, min_time_us: float = 20.0
) -> DriftReport:
    """What moved from ``saved`` to ``now`` (see the module docstring for the tests and thresholds).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> img = {"image": np.zeros((8, 8), np.uint8)}
    >>> base = ma.profile(ma.Compose([ma.image.Rotate(limit=10, p=1.0)], seed=0), img, key=range(300))
    >>> same = ma.profile(ma.Compose([ma.image.Rotate(limit=10, p=1.0)], seed=0), img, key=range(300, 600))
    >>> wider = ma.profile(ma.Compose([ma.image.Rotate(limit=20, p=1.0)], seed=0), img, key=range(300, 600))
    >>> same.compare(base, min_time_us=1e9).ok, [d.kind for d in wider.compare(base, min_time_us=1e9).drifts]
    (True, ['range', 'param'])
    """
    th = {"time_ratio": float(time_ratio), "min_time_us": float(min_time_us)}
    old_ops = {(tuple(op["path"]), op["transform"]): op for op in saved.ops}
    new_ops = {(tuple(op["path"]), op["transform"]): op for op in now.ops}
    drifts: list[Drift] = []
    tests: list[_Test] = []
    for key, op in new_ops.items():
        if key not in old_ops:
            drifts.append(Drift("added", key[1], key[0], None, "not in the saved profile"))
            continue
        _op_findings(old_ops[key], op, saved.calls, now.calls, th, tests, drifts)
    for key in old_ops.keys() - new_ops.keys():
        drifts.append(Drift("removed", key[1], key[0], None, "in the saved profile only"))
    bar = alpha / max(len(tests), 1)
    for t in tests:
        if t.p_value < bar:
            kind = "param" if t.param is not None else "rate"
            drifts.append(Drift(kind, t.op["transform"], tuple(t.op["path"]), t.param, t.detail, t.p_value))
    order = {"range": 0, "param": 1, "rate": 2, "time": 3, "added": 4, "removed": 5}
    drifts.sort(key=lambda d: (order[d.kind], d.path, d.param or ""))
    return DriftReport(drifts, len(tests), alpha, saved.fingerprint == now.fingerprint)
