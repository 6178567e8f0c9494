"""``ma.profile``: what a pipeline does to a set of samples, per transform, saved as JSON.

Per leaf transform: how often it applied, its time (mean and 95th percentile), the
distribution of every parameter it drew against its declared range (coverage: the share of 20
equal bins of the range that some draw fell in), and how much it changed the main field. A
saved profile is the baseline of :meth:`Profile.compare` (drift report, usable as a CI check).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.transform import Transform
from ..core.validation import require_transform
from .record import OpRecord, Recorder, profiled_call

__all__ = ["Profile", "profile"]

OWNER = "profile"
FORMAT = "multiaug-profile/1"
#: Bins of a declared range that coverage counts.
BINS = 20
#: Drawn values kept per parameter in a saved profile (for the two-sample tests of ``compare``).
MAX_VALUES = 5000


def profile(
    pipeline: Transform,
    samples: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    key: Iterable[int | str] | None = None,
    epoch: int = 0,
    *,
    stats: bool = True,
) -> Profile:
    """Run ``pipeline`` keyed over ``samples`` and record what each transform did.

    Parameters
    ----------
    pipeline : multiaug transform or pipeline
    samples : dict or sequence of dicts
        One sample (called once per key) or several (sample ``i % len(samples)`` with key ``i``).
    key : iterable of int or str, optional
        The keys of the calls; default ``range(len(samples))`` (``range(100)`` for one sample).
        The outputs are those of ``pipeline(**sample, key=k, epoch=epoch)``.
    stats : bool, default True
        Also measure each op's change of the main field (costs a pass over it per op).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> pipe = ma.Compose([ma.image.HorizontalFlip(p=0.5), ma.image.Rotate(limit=20, p=1.0)], seed=0)
    >>> prof = ma.profile(pipe, {"image": np.zeros((16, 16), np.uint8)}, key=range(200))
    >>> [round(op["applied_rate"], 2) for op in prof.ops]
    [0.47, 1.0]
    >>> row = prof.params_table().iloc[0]
    >>> row["transform"], row["param"], float(row["declared_low"]), float(row["declared_high"])
    ('image.Rotate', 'angle', -20.0, 20.0)
    >>> float(row["coverage"])  # the share of 20 bins of the range that the draws reached
    1.0
    """
    fix = "pass ma.Compose([...]) (samplers such as SMOTE work on whole tables)"
    require_transform(OWNER, pipeline, fix, per_sample=True, validate=False)
    items = [samples] if isinstance(samples, Mapping) else list(samples)
    if not items or not all(isinstance(s, Mapping) for s in items):
        raise InvalidInputError(
            OWNER,
            "samples",
            "must be a sample dict or a non-empty list of them",
            'pass [{"image": img}, ...]',
        )
    try:
        keys = list(range(100 if isinstance(samples, Mapping) else len(items)) if key is None else key)
    except TypeError:
        problem = f"must be an iterable of keys, got {key!r:.60}"
        raise InvalidInputError(OWNER, "key", problem, "pass key=range(N)") from None
    if not keys:
        raise InvalidInputError(OWNER, "key", "is empty", "pass key=range(N)")
    recorder = Recorder(pipeline, stats_every=1 if stats else 0)
    for i, k in enumerate(keys):
        profiled_call(pipeline, recorder, dict(items[i % len(items)]), k, epoch)
    return Profile.from_recorder(recorder)


def _summary(values: list[float]) -> dict[str, float | None]:
    """Mean and 95th percentile in microseconds (None when nothing was timed)."""
    a = np.asarray(values, dtype=np.float64)
    if not len(a):
        return {"mean": None, "p95": None}
    return {"mean": float(a.mean()) * 1e6, "p95": float(np.percentile(a, 95)) * 1e6}


def _param_entry(values: list[Any], declared: tuple[float, float] | None) -> dict[str, Any]:
    numeric = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    entry: dict[str, Any] = {"n": len(values)}
    if len(numeric) < len(values):  # flags and choices: counts per value
        counts: dict[str, int] = {}
        for v in values:
            counts[json.dumps(v)] = counts.get(json.dumps(v), 0) + 1
        entry["counts"] = counts
        return entry
    a = np.asarray(numeric, dtype=np.float64)
    entry.update(min=float(a.min()), max=float(a.max()), mean=float(a.mean()), std=float(a.std()))
    entry["values"] = [float(f"{v:.6g}") for v in a[:MAX_VALUES]]
    if declared is not None:
        lo, hi = declared
        entry["declared"] = [lo, hi]
        if hi > lo:
            bins = np.clip(((a - lo) / (hi - lo) * BINS).astype(np.int64), 0, BINS - 1)
            entry["coverage"] = len(np.unique(bins)) / BINS
        else:
            entry["coverage"] = 1.0
    return entry


def _op_entry(op: OpRecord, calls: int) -> dict[str, Any]:
    times = _summary(op.times)
    return {
        "path": list(op.path),
        "transform": op.name,
        "applied": op.applied,
        "applied_rate": op.applied / calls if calls else 0.0,
        "time_mean_us": op.time_total / op.applied * 1e6 if op.applied else None,
        "time_p95_us": times["p95"],
        "change_mean": float(np.mean(op.changes)) if op.changes else None,
        "params": {name: _param_entry(v, op.ranges.get(name)) for name, v in op.params.items()},
    }


def _number(v: Any, optional: bool = False) -> bool:
    return (v is None and optional) or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _well_formed(data: dict[str, Any]) -> bool:
    """Whether a loaded profile has the shape :meth:`Profile.save` writes (what ``compare`` reads)."""
    ops = data.get("ops")
    if not isinstance(data.get("fingerprint"), str) or not isinstance(ops, list):
        return False
    if type(data.get("calls")) is not int or data["calls"] < 0:
        return False
    for op in ops:
        if not (
            isinstance(op, dict)
            and isinstance(op.get("path"), list)
            and isinstance(op.get("transform"), str)
            and type(op.get("applied")) is int
            and _number(op.get("applied_rate"))
            and _number(op.get("time_mean_us"), optional=True)
            and isinstance(op.get("params"), dict)
            and all(isinstance(p, dict) and type(p.get("n")) is int for p in op["params"].values())
        ):
            return False
        for p in op["params"].values():
            values, counts = p.get("values", []), p.get("counts", {})
            if not isinstance(values, list) or not all(_number(v) for v in values):
                return False
            if not isinstance(counts, dict) or not all(type(c) is int for c in counts.values()):
                return False
    return True


class Profile:
    """A pipeline's recorded behaviour (see :func:`profile`); JSON round-trip with save/load."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def from_recorder(cls, recorder: Recorder) -> Profile:
        pipe, calls = recorder.pipeline, recorder.calls
        total = _summary(recorder.call_times)
        return cls(
            {
                "format": FORMAT,
                "fingerprint": pipe.fingerprint,
                "config": pipe.to_config(),
                "calls": calls,
                "call_time_mean_us": total["mean"],
                "call_time_p95_us": total["p95"],
                "ops": [_op_entry(op, calls) for op in recorder.ops.values()],
            }
        )

    @property
    def fingerprint(self) -> str:
        return str(self.data["fingerprint"])

    @property
    def calls(self) -> int:
        return int(self.data["calls"])

    @property
    def ops(self) -> list[dict[str, Any]]:
        return list(self.data["ops"])

    def table(self) -> Any:
        """A DataFrame, one row per transform: applied rate, time (mean, p95, µs), mean change."""
        import pandas as pd

        cols = ["path", "transform", "applied_rate", "time_mean_us", "time_p95_us", "change_mean"]
        return pd.DataFrame([{c: op[c] for c in cols} for op in self.ops], columns=cols)

    def params_table(self) -> Any:
        """A DataFrame, one row per numeric drawn parameter: declared range, observed range, coverage."""
        import pandas as pd

        rows = []
        for op in self.ops:
            for name, p in op["params"].items():
                if "mean" not in p:
                    continue
                lo, hi = p.get("declared", (math.nan, math.nan))
                rows.append(
                    {
                        "transform": op["transform"],
                        "path": op["path"],
                        "param": name,
                        "declared_low": lo,
                        "declared_high": hi,
                        "min": p["min"],
                        "max": p["max"],
                        "mean": p["mean"],
                        "coverage": p.get("coverage", math.nan),
                    }
                )
        return pd.DataFrame(rows)

    def to_json(self) -> str:
        return json.dumps(self.data, sort_keys=True)

    def save(self, path: str | Path) -> Path:
        """Write the JSON to ``path``; a folder gets ``<fingerprint>.profile.json`` (the file
        names the config it describes, so profiles of several configs sit side by side)."""
        target = Path(path)
        if target.is_dir() or target.suffix != ".json":
            target.mkdir(parents=True, exist_ok=True)
            target = target / f"{self.fingerprint}.profile.json"
        target.write_text(self.to_json(), encoding="utf-8")
        return target

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InvalidInputError(
                "Profile.load",
                "path",
                f"cannot be read as a profile ({e})",
                "pass a file written by Profile.save",
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not _well_formed(data):
            raise InvalidInputError(
                "Profile.load", "path", f"is not a {FORMAT} file", "pass a file written by Profile.save"
            )
        return cls(data)

    def compare(self, saved: Profile | str | Path, **thresholds: Any) -> Any:
        """Drift of this profile against ``saved`` (see :func:`multiaug.monitor.drift.compare`)."""
        from .drift import compare

        return compare(saved if isinstance(saved, Profile) else Profile.load(saved), self, **thresholds)

    def __repr__(self) -> str:
        return f"Profile({self.calls} calls, {len(self.ops)} transforms, fingerprint {self.fingerprint[:12]})"
