"""The job's records on disk: atomic writes, the job state and resume, the Parquet manifest, ``run.json``."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..core.errors import InvalidInputError
from ..data import Listing
from .items import OWNER, _describe_difference

STATE_DIR = ".multiaug"
MANIFEST = "manifest.parquet"
RUN_FILE = "run.json"
SKIPPED = "skipped.json"


class JobWarning(UserWarning):
    """A dataset job ran, with a caveat (e.g. kept outputs were made with other library versions)."""


@dataclass
class AugmentResult:
    """What a job did."""

    output: Path
    kind: str
    units: int  # output items (or rows) the job consists of
    computed: int  # computed by this run
    resumed: int  # found done by an earlier run
    seconds: float
    fingerprint: str
    manifest: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def items_per_second(self) -> float:
        return self.computed / self.seconds if self.seconds > 0 else float("inf")


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    # No fsync: the rename makes a killed process's file either whole or absent; surviving a
    # power cut would cost a disk flush per item and is not what resuming is for.
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _record_path(output: Path, units: list[dict[str, Any]]) -> Path:
    """Where a chunk's record goes: named by its units, so records of different runs never collide."""
    import hashlib

    names = json.dumps([[u["item"], u["copy"]] for u in units], separators=(",", ":"))
    return output / STATE_DIR / "chunks" / f"{hashlib.sha256(names.encode()).hexdigest()[:20]}.json"


def _prepare_output(output: Path, identity: dict[str, Any], force: bool) -> None:
    """Create the output folder, or check that it holds this very job (refuse others unless force)."""
    state = output / STATE_DIR / "job.json"
    if output.is_dir() and any(output.iterdir()):
        old: dict[str, Any] | None = None
        if state.is_file():
            try:
                old = json.loads(state.read_text())
            except ValueError:
                old = {}
        if isinstance(old, dict):
            old.pop("multiaug", None)  # a version change warns (_check_versions), it is the same job
        if old != identity:
            if not force:
                if old is None:
                    problem = f"{output} is not empty and was not written by multiaug augment"
                else:
                    problem = (
                        f"{output} holds the outputs of another job ({_describe_difference(old, identity)})"
                    )
                raise InvalidInputError(
                    OWNER, "--output", problem, "pass another --output folder, or --force to replace them"
                )
            if old is not None:
                _remove_job_outputs(output)
        _remove_temporaries(output)
    try:
        (output / STATE_DIR / "chunks").mkdir(parents=True, exist_ok=True)
        _atomic_write(state, json.dumps(identity, sort_keys=True, indent=2).encode())
    except OSError as exc:
        raise _unwritable(output, exc) from None


def _unwritable(output: Path, exc: OSError) -> InvalidInputError:
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(output) else ""
    return InvalidInputError(
        OWNER,
        "--output",
        f"{output} cannot be written: {exc.strerror or exc}{where}",
        "pass a folder path you can write to (its parents must be folders)",
    )


def _remove_job_outputs(output: Path) -> None:
    """Delete what an earlier job wrote (listed by its chunk records), its manifest and state."""
    for name in _recorded_outputs(output):
        target = output / name
        if target.is_file():
            target.unlink()
    for name in (MANIFEST, RUN_FILE, SKIPPED, "table.csv", "table.parquet", "texts.parquet", "texts.csv"):
        if (output / name).is_file():
            (output / name).unlink()
    shutil.rmtree(output / STATE_DIR, ignore_errors=True)
    for folder in sorted((p for p in output.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


_TEMPORARY = re.compile(r"^\..+\.tmp-\d+$")


def _remove_temporaries(output: Path) -> None:
    """Delete half-written files a killed run left (``.NAME.tmp-PID``, never renamed into place)."""
    for path in output.rglob(".*.tmp-*"):
        if path.is_file() and _TEMPORARY.match(path.name):
            path.unlink()


def _records(output: Path) -> Iterator[dict[str, Any]]:
    folder = output / STATE_DIR / "chunks"
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (ValueError, RecursionError):  # a torn write cannot happen (rename), a hand edit can
            continue
        if isinstance(record, dict):
            yield record


def _recorded(output: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """Every unit an earlier run wrote: the last finished run's manifest, then (newer) the chunk
    records of an interrupted run. ``{(item, copy): manifest row}``."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for row in _manifest_rows(output / MANIFEST):
        rows[(row["item"], row["copy"])] = row
    for record in _records(output):
        for row in record.get("rows", []):
            if (
                isinstance(row, dict)
                and isinstance(row.get("item"), str)
                and isinstance(row.get("copy"), int)
            ):
                rows[(row["item"], row["copy"])] = row
    return rows


def _recorded_outputs(output: Path) -> set[str]:
    """Every output file the manifest and the chunk records list (any version's manifest)."""
    import pyarrow.parquet as pq

    names: set[str] = set()
    path = output / MANIFEST
    try:
        if path.is_file() and "output" in pq.read_schema(path).names:
            listed = pq.read_table(path, columns=["output"])["output"].to_pylist()
            names.update(v for v in listed if isinstance(v, str))
    except (OSError, ValueError):
        pass
    for record in _records(output):  # records of any version
        rows = record.get("rows", [])
        names.update(r["output"] for r in rows if isinstance(r, dict) and isinstance(r.get("output"), str))
    return {n for n in names if "#" not in n and _inside(n)}


def _inside(name: str) -> bool:
    """Whether a recorded output name stays inside the output folder (relative, no ``..``): state
    files are read back from disk, and a damaged one must never make a run delete elsewhere."""
    path = Path(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts


def _manifest_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a job's manifest (none when it is absent, unreadable or from before item ids)."""
    import pyarrow.parquet as pq

    wanted = ["output", "source", "label", "group", "key", "copy", "params", "item", "digest"]
    try:
        if not path.is_file() or not set(wanted) <= set(pq.read_schema(path).names):
            return []
        return list(pq.read_table(path, columns=wanted).to_pylist())
    except (OSError, ValueError):  # a hand-edited or foreign file: recompute
        return []


def _finished_units(
    output: Path, units: list[dict[str, Any]], update: bool, recorded: dict[tuple[str, int], dict[str, Any]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """Units an earlier run finished (``recorded``: :func:`_recorded`): recorded with the same item,
    copy and output name, the file present and, with ``update``, made from the same content (digest)."""
    done = {}
    for u in units:
        k = (u["item"], u["copy"])
        row = recorded.get(k)
        if row is None or row.get("output") != u["output"]:
            continue
        if update and row.get("digest") != u["digest"]:
            continue
        if (output / u["output"]).is_file():
            done[k] = row
    return done


def _drop_stale(
    output: Path,
    units: list[dict[str, Any]],
    done: dict[tuple[str, int], Any],
    recorded: dict[tuple[str, int], dict[str, Any]],
) -> None:
    """Before computing: delete outputs no unit of this job keeps (items gone or renamed, copies
    dropped) and the outputs of the units about to be redone (a redo that fails leaves none)."""
    keep = {u["output"] for u in units if (u["item"], u["copy"]) in done}
    for row in recorded.values():
        name = row.get("output")
        if isinstance(name, str) and _inside(name) and name not in keep and (output / name).is_file():
            (output / name).unlink()
    for u in units:
        if u["output"] not in keep and (output / u["output"]).is_file():
            (output / u["output"]).unlink()


def _clear_records(output: Path) -> None:
    """After the manifest is written: the chunk records are in it."""
    folder = output / STATE_DIR / "chunks"
    for path in sorted(folder.glob("*.json")):
        path.unlink()


def _column(values: list[Any]) -> list[Any]:
    """Labels/groups as one Parquet type: ints stay ints, anything else becomes text."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return values
    return [None if v is None else str(v) for v in values]


def _write_manifest(path: Path, rows: list[dict[str, Any]], fingerprint: str) -> None:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, Any] = {
        "output": pa.array([r["output"] for r in rows], pa.string()),
        "source": pa.array([str(r["source"]) for r in rows], pa.string()),
        "label": pa.array(_column([r["label"] for r in rows])),
        "group": pa.array(_column([r["group"] for r in rows])),
        "key": pa.array([r["key"] for r in rows], pa.string()),
        "copy": pa.array([r["copy"] for r in rows], pa.int32()),
        "params": pa.array([r["params"] for r in rows], pa.string()),
        **_identity_columns(rows),
        "fingerprint": pa.array([fingerprint] * len(rows), pa.string()),
        "multiaug_version": pa.array([__version__] * len(rows), pa.string()),
    }
    if rows and "provenance" in rows[0]:
        columns["provenance"] = pa.array([r["provenance"] for r in rows], pa.list_(pa.int64()))
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    _atomic_write(path, buf.getvalue())


def _identity_columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``item`` (the item's identity, which its key is made of) and ``digest`` (of the content its
    outputs were made from): what ``--update`` compares. Table jobs have neither."""
    import pyarrow as pa

    if not rows or "item" not in rows[0]:
        return {}
    return {
        "item": pa.array([r["item"] for r in rows], pa.string()),
        "digest": pa.array([r["digest"] for r in rows], pa.string()),
    }


#: The libraries whose version can change an output's bytes (docs/reproducibility.md), by the
#: name ``run.json`` records them under, with the distributions that provide them.
_MATTER = {
    "numpy": ("numpy",),
    "opencv": (
        "opencv-python-headless",
        "opencv-python",
        "opencv-contrib-python-headless",
        "opencv-contrib-python",
    ),
    "scipy": ("scipy",),
    "soxr": ("soxr",),
}
_OTHER = ("soundfile", "imbalanced-learn", "pandas", "dask")  # recorded, not compared
VERSIONS = "versions.json"


def _versions() -> dict[str, str]:
    """The installed versions that matter (Python, multiaug, NumPy, OpenCV, SciPy, soxr) and a few more."""
    from importlib import metadata

    out = {"python": platform.python_version(), "multiaug": __version__}
    for name, dists in [*_MATTER.items(), *((d, (d,)) for d in _OTHER)]:
        for dist in dists:
            try:
                out[name] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
    return out


def _check_versions(output: Path, warn: bool) -> dict[str, list[str | None]]:
    """With ``warn`` (outputs of an earlier run are kept), warn when this run's versions that
    matter differ from those of the run that last wrote into ``output``: a resumed or updated
    job mixes outputs of both. Records this run's versions.

    Returns ``{name: [before, now]}`` of the versions that differ (empty without ``warn``).
    """
    import warnings

    now = _versions()
    path = output / STATE_DIR / VERSIONS
    try:
        before = json.loads(path.read_text()) if path.is_file() else None
    except ValueError:
        before = None
    changed: dict[str, list[str | None]] = {}
    if warn and isinstance(before, dict):
        for name in ("python", "multiaug", *_MATTER):
            if before.get(name) != now.get(name):
                changed[name] = [before.get(name), now.get(name)]
    if changed:
        diff = ", ".join(f"{name} {old} -> {new}" for name, (old, new) in changed.items())
        warnings.warn(
            f"{output} holds outputs made with other library versions ({diff}); outputs kept from "
            "the earlier run are not recomputed and may differ in their last bits from what these "
            "versions make (docs/reproducibility.md): for outputs of one set of versions, write a "
            "fresh --output folder",
            JobWarning,
            stacklevel=3,
        )
    _atomic_write(path, json.dumps(now, indent=2, sort_keys=True).encode())
    return changed


def _skipped_items(
    listing: Listing, bad: dict[int, str], out: Path, ids: list[str], made: set[tuple[str, int]]
) -> list[dict[str, Any]]:
    """Write ``skipped.json`` (items left out at the check or while augmented), or remove a stale one.

    ``made``: the ``(item, copy)`` units the manifest lists (a unit that failed in an earlier,
    interrupted run and was made now is not skipped).
    """
    skipped = [
        {"index": i, "source": listing.entries[i].source, "copy": None, "stage": "check", "reason": reason}
        for i, reason in bad.items()
    ]
    index = {item: i for i, item in enumerate(ids)}
    failed: dict[tuple[str, int], dict[str, Any]] = {}
    for record in _records(out):
        for s in record.get("skipped", []):
            if not isinstance(s, dict) or not {"item", "source", "copy", "reason"} <= s.keys():
                continue  # a damaged record: the unit is simply computed again
            k = (s["item"], s["copy"])
            if s["item"] in index and k not in made:
                failed[k] = {
                    "index": index[s["item"]],
                    "source": s["source"],
                    "copy": s["copy"],
                    "reason": s["reason"],
                    "stage": "augment",
                }
    skipped.extend(failed.values())
    skipped.sort(key=lambda s: (s["index"], s["copy"] or 0))
    path = out / SKIPPED
    if skipped:
        _atomic_write(path, json.dumps(skipped, indent=2, sort_keys=True, default=str).encode())
    elif path.is_file():
        path.unlink()
    return skipped


def _write_run(out: Path, pipe: Any, identity: dict[str, Any], result: AugmentResult, **extra: Any) -> None:
    run = {
        "input": str(extra.pop("input")),
        "config": pipe.to_config(),
        "fingerprint": pipe.fingerprint,
        "seed": pipe.seed,
        "job": identity,
        "units": result.units,
        "computed_this_run": result.computed,
        "resumed": result.resumed,
        "seconds": round(result.seconds, 3),
        "versions": _versions(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **extra,
        **result.extra,
    }
    _atomic_write(out / RUN_FILE, json.dumps(run, indent=2, default=str).encode())
