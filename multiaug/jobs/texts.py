"""Text manifests: one output table, one row per copy, the manifest's columns beside it.

A CSV/Parquet manifest with a ``text`` column is augmented into ``OUTPUT/texts.parquet`` (or
``texts.csv`` on request), not one file per row. Memory is bounded by the chunk, not the data
set: chunks of units are made as the workers take them, every chunk's rows go to a Parquet
part under ``OUTPUT/.multiaug/parts`` (the record of a finished chunk, for resuming), and the
output is assembled part by part, in listing order, then copy.

A unit that an earlier run made (the last output table, or a part of an interrupted run) is
reused when it is recorded with the same item, copy and text digest (with or without
``--update``: the texts are at hand, so checking costs nothing); everything else is computed.
The output ends equal to a fresh run's.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInputError
from .items import OWNER
from .manifest import STATE_DIR, AugmentResult, _atomic_write, _check_versions, _prepare_output, _write_run

#: The output table's provenance columns, after the manifest's own.
PROVENANCE = ("item", "copy", "key", "params", "digest")
TABLE_FORMATS = ("parquet", "csv")
_PARTS = "parts"


def is_text_manifest(path: Any) -> bool:
    """Whether ``path`` is a CSV/Parquet manifest with a ``text`` column (read: its header only)."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() not in (".csv", ".parquet"):
        return False
    try:
        if p.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            return "text" in pq.read_schema(p).names
        import pandas as pd

        return "text" in pd.read_csv(p, nrows=0).columns
    except Exception:  # an unreadable manifest: the listing reports it
        return False


def units_per_part(n_units: int) -> int:
    """Units per chunk of a text table: about 200 chunks of 64 to 4096 units (of ``n_units`` only)."""
    return max(64, min(4096, -(-n_units // 200)))


def text_digest(text: str) -> str:
    """The digest of a manifest row's text (as :func:`multiaug.jobs.items.item_digest` makes it)."""
    return hashlib.sha256(b"text\0" + text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class TextJob:
    """A text manifest job: the manifest (columns), the units and what earlier runs recorded."""

    def __init__(self, frame: Any, ids: list[str], units: _Units, out: Path, fmt: str) -> None:
        self.frame = frame
        self.texts = frame["text"].astype(str).to_numpy()
        self.ids = ids
        self.units = units
        self.out = out
        self.fmt = fmt
        self.size = units_per_part(len(units))
        self.path = out / f"texts.{fmt}"

    def chunks(self) -> Iterator[tuple[int, list[tuple[int, int]]]]:
        for c, k in enumerate(range(0, len(self.units), self.size)):
            yield c, self.units[k : k + self.size]

    def unit_rows(self, units: list[tuple[int, int]]) -> list[dict[str, Any]]:
        """What a worker needs for these units (made when the chunk is handed out)."""
        digests: dict[int, str] = {}
        rows = []
        for i, c in units:
            if i not in digests:
                digests[i] = text_digest(self.texts[i])
            rows.append(
                {"row": i, "item": self.ids[i], "copy": c, "text": self.texts[i], "digest": digests[i]}
            )
        return rows


def part_path(out: Path, units: list[dict[str, Any]]) -> Path:
    names = json.dumps([[u["item"], u["copy"]] for u in units], separators=(",", ":"))
    return out / STATE_DIR / _PARTS / f"{hashlib.sha256(names.encode()).hexdigest()[:20]}.parquet"


def run_text_chunk(job: dict[str, Any], pipe: Any, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Augment one chunk of text units into its Parquet part; returns the units that failed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..sampling.lists import item_key
    from .chunk import item_failed

    cols: dict[str, list[Any]] = {
        name: [] for name in ("row", "item", "copy", "key", "text", "params", "digest")
    }
    skipped = []
    for u in units:
        key = item_key(u["item"], u["copy"])
        try:
            out = pipe(text=u["text"], key=key, epoch=0, trace=True)
        except Exception as exc:  # every failure of one item follows --on-error
            reason = item_failed(job, u["item"], exc, "row")
            skipped.append({"item": u["item"], "row": u["row"], "copy": u["copy"], "reason": reason})
            continue
        params = json.dumps(out["trace"], sort_keys=True, separators=(",", ":"))
        for name, value in zip(
            cols, (u["row"], u["item"], u["copy"], key, str(out["text"]), params, u["digest"]), strict=True
        ):
            cols[name].append(value)
    table = pa.table(cols, schema=_part_schema()).replace_schema_metadata({"skipped": json.dumps(skipped)})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    _atomic_write(part_path(Path(job["output"]), units), buf.getvalue())
    return skipped


def _part_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("row", pa.int64()),
            ("item", pa.string()),
            ("copy", pa.int32()),
            ("key", pa.string()),
            ("text", pa.string()),
            ("params", pa.string()),
            ("digest", pa.string()),
        ]
    )


class _Units:
    """The units ``(row, copy)`` in listing order, then copy: ``copies`` of every row (not
    materialised: a million rows cost nothing) or an explicit plan (``--balance``)."""

    def __init__(self, n: int, copies: int, plan: list[tuple[int, int]] | None) -> None:
        self.n, self.copies, self.plan = n, copies, plan

    def __len__(self) -> int:
        return len(self.plan) if self.plan is not None else self.n * self.copies

    def __getitem__(self, s: slice) -> list[tuple[int, int]]:
        if self.plan is not None:
            return self.plan[s]
        start, stop, _ = s.indices(len(self))
        return [(p // self.copies, p % self.copies + 1) for p in range(start, stop)]


def _read_manifest(path: Path) -> tuple[Any, list[str]]:
    """The manifest (validated as ``multiaug.data`` validates every manifest) and the item ids."""
    from ..data import _manifest_frame

    frame, ids = _manifest_frame(path, OWNER)
    return frame, [f"row{i}" if v is None else v for i, v in enumerate(ids)]


def _earlier(out: Path, fmt: str) -> tuple[Any, dict[tuple[str, int], int]]:
    """The rows earlier runs made (the last output table, then the parts of an interrupted run,
    newer) as one Arrow table, and ``{(item, copy): row}`` of it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = ["item", "copy", "key", "text", "params", "digest"]
    schema = _part_schema()
    target = pa.schema([schema.field(c) for c in columns])
    errors = (OSError, ValueError, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)
    tables = []
    old = out / f"texts.{fmt}"
    try:  # each table cast as it is read: a hand-edited file with other types is recomputed
        if old.is_file() and fmt == "parquet":
            tables.append(pq.read_table(old, columns=columns).cast(target))
        elif old.is_file():
            from pyarrow import csv

            types = {name: schema.field(name).type for name in columns}
            options = csv.ConvertOptions(
                column_types=types, include_columns=columns, strings_can_be_null=False
            )
            tables.append(csv.read_csv(old, convert_options=options).cast(target))
    except errors:  # a hand-edited output: recompute
        tables = []
    for part in sorted((out / STATE_DIR / _PARTS).glob("*.parquet")):
        try:
            tables.append(pq.read_table(part, columns=columns).cast(target))
        except errors:
            continue
    if not tables:
        return None, {}
    table = pa.concat_tables(tables)
    index = {
        k: r for r, k in enumerate(zip(table["item"].to_pylist(), table["copy"].to_pylist(), strict=True))
    }
    return table, index


def _reuse(job: TextJob, earlier: Any, index: dict[tuple[str, int], int], update: bool) -> Any:
    """For every unit, the row of ``earlier`` that holds it, or -1 (to compute)."""
    from array import array

    digests = earlier.column("digest").to_pylist() if earlier is not None and update else None
    where = array("q")
    for _, units in job.chunks():
        seen: dict[int, str] = {}
        for i, c in units:
            r = index.get((job.ids[i], c), -1)
            if r >= 0 and digests is not None:
                if i not in seen:
                    seen[i] = text_digest(job.texts[i])
                r = r if digests[r] == seen[i] else -1
            where.append(r)
    return where


def _todo(job: TextJob, where: Any) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """The chunks' units still to compute, made as the engine asks for them (bounded memory)."""
    for c, units in job.chunks():
        base = c * job.size
        todo = [u for k, u in enumerate(units) if where[base + k] < 0]
        if todo:
            yield c, job.unit_rows(todo)


def _manifest_columns(frame: Any) -> Any:
    """The manifest's columns but ``text`` as one Arrow table (columns of mixed types as text)."""
    import pyarrow as pa

    rest = frame.drop(columns=[c for c in ("text", *PROVENANCE) if c in frame])
    try:
        table = pa.Table.from_pandas(rest, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        table = pa.Table.from_pandas(rest.astype(str).where(rest.notna(), None), preserve_index=False)
    return table.replace_schema_metadata(None)


def _assemble(job: TextJob, earlier: Any, where: Any) -> int:
    """Write the output table chunk by chunk (earlier rows and this run's parts, in unit order)."""
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    base = _manifest_columns(job.frame)
    tmp = job.path.with_name(f".{job.path.name}.tmp-{os.getpid()}")
    writer: Any = None
    rows_out = 0
    try:
        for c, units in job.chunks():
            table = _chunk_table(job, c, units, earlier, where, base)
            if writer is None:
                if job.fmt == "parquet":
                    writer = pq.ParquetWriter(tmp, table.schema)
                else:
                    from pyarrow import csv

                    writer = csv.CSVWriter(tmp, table.schema)
            writer.write_table(table)
            rows_out += table.num_rows
        if writer is None:  # every unit failed (--on-error skip): an empty table
            writer = pq.ParquetWriter(tmp, pa.schema([]))
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, job.path)
    return rows_out


def _chunk_table(
    job: TextJob, c: int, units: list[tuple[int, int]], earlier: Any, where: Any, base: Any
) -> Any:
    """One chunk of the output: the manifest's columns of each unit's row, then its augmented text
    and provenance, from ``earlier`` or from this run's part."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    start = c * job.size
    todo = [u for k, u in enumerate(units) if where[start + k] < 0]
    made: dict[tuple[str, int], int] = {}
    names = ["text", *PROVENANCE]
    part = None
    if todo:
        part = pq.read_table(part_path(job.out, [{"item": job.ids[i], "copy": cc} for i, cc in todo]))
        made = {
            k: r for r, k in enumerate(zip(part["item"].to_pylist(), part["copy"].to_pylist(), strict=True))
        }
    old: list[int] = []
    new: list[int] = []
    picks: list[tuple[bool, int]] = []  # (from this run's part, its row in old / new)
    rows: list[int] = []
    for k, (i, cc) in enumerate(units):
        r = where[start + k]
        if r >= 0:
            picks.append((False, len(old)))
            old.append(r)
        elif (job.ids[i], cc) in made:
            picks.append((True, len(new)))
            new.append(made[(job.ids[i], cc)])
        else:
            continue  # failed and skipped
        rows.append(i)
    schema = pa.schema([_part_schema().field(n) for n in names])
    parts = [pa.Table.from_pylist([], schema=schema)]
    if old:
        parts.append(earlier.select(names).take(pa.array(old, pa.int64())))
    if new and part is not None:
        parts.append(part.select(names).take(pa.array(new, pa.int64())))
    both = pa.concat_tables(parts)
    order = pa.array([r + (len(old) if fresh else 0) for fresh, r in picks], pa.int64())
    made_rows = both.take(order)
    if base.num_columns == 0:  # the manifest has no column but text
        return made_rows
    beside = base.take(pa.array(rows, pa.int64()))
    return pa.Table.from_arrays(
        [*beside.columns, *made_rows.columns], schema=pa.schema([*beside.schema, *made_rows.schema])
    )


def augment_texts(
    pipe: Any, path: Path, out: Path, options: dict[str, Any], started: float, input: Any
) -> AugmentResult:
    """A text manifest's job (see the module): ``options`` are :func:`multiaug.jobs.augment`'s."""
    from ..data import Listing
    from .engines import _run_dask, _run_local
    from .items import _check_apart
    from .job import _check_handles, _progress

    fmt = options["table_format"]
    listing = Listing("text", path.parent, [], manifest=path)
    frame, ids = _read_manifest(path)
    _check_apart(listing, out)
    _check_handles(pipe, listing)
    units = _plan(frame, pipe, options["copies"], options["balance"])
    identity = {
        "fingerprint": pipe.fingerprint,
        "seed": pipe.seed,
        "copies": options["copies"] or 0,
        "balance": options["balance"],
        "kind": "text-table",
        "format": fmt,
        "input": str(path.resolve()),
    }
    _prepare_output(out, identity, options["force"])
    job = TextJob(frame, ids, units, out, fmt)
    earlier, index = _earlier(out, fmt)
    # The digest is always compared (the texts are at hand): a plain re-run after the manifest
    # was edited never keeps a row made from another text (an id-less row's item is its position).
    where = _reuse(job, earlier, index, update=True)
    kept = sum(1 for r in where if r >= 0)
    changed = _check_versions(out, warn=kept > 0)
    spec = {
        "config": pipe.to_config(),
        "fingerprint": pipe.fingerprint,
        "kind": "text",
        "mode": "text-table",
        "output": str(out.resolve()),
        "on_error": options["on_error"],
    }
    bar = _progress(len(units), kept, options["progress"])
    try:
        if options["engine"] == "dask":
            results = _run_dask(
                spec, list(_todo(job, where)), options["workers"], options["scheduler"], bar.update
            )
        else:
            results = _run_local(spec, _todo(job, where), options["workers"], bar.update)
    finally:
        bar.close()
    rows_out = _assemble(job, earlier, where)
    _finish_texts(out, results, ids)
    seconds = time.perf_counter() - started
    result = AugmentResult(
        out, "text", len(units), len(units) - kept, kept, seconds, pipe.fingerprint, job.path
    )
    result.extra = {"table": job.path.name, "rows_out": rows_out}
    extra = {
        "engine": options["engine"],
        "workers": options["workers"],
        "input": input,
        "versions_changed": changed,
    }
    _write_run(out, pipe, identity, result, **extra)
    return result


def _plan(frame: Any, pipe: Any, copies: int | None, balance: bool) -> _Units:
    if balance and copies is not None:
        raise InvalidInputError(
            OWNER, "--copies", "cannot be combined with --balance", "pass either --copies N or --balance"
        )
    if not balance:
        return _Units(len(frame), 1 if copies is None else copies, None)
    if "label" not in frame:
        raise InvalidInputError(OWNER, "--balance", "needs a label for every item", "add a 'label' column")
    from ..core.oversample import Oversample

    return _Units(len(frame), 0, sorted(Oversample(pipe, seed=pipe.seed).plan(frame["label"].tolist())))


def _finish_texts(out: Path, results: dict[int, Any], ids: list[str]) -> None:
    """``skipped.json`` (rows that failed while augmented, with --on-error skip), and no parts left."""
    import shutil

    from .manifest import SKIPPED

    skipped = [
        {
            "index": s["row"],
            "source": f"row {s['row']}",
            "copy": s["copy"],
            "stage": "augment",
            "reason": s["reason"],
        }
        for rows in results.values()
        for s in rows
    ]
    skipped.sort(key=lambda s: (s["index"], s["copy"]))
    path = out / SKIPPED
    if skipped:
        _atomic_write(path, json.dumps(skipped, indent=2, sort_keys=True, default=str).encode())
    elif path.is_file():
        path.unlink()
    shutil.rmtree(out / STATE_DIR / _PARTS, ignore_errors=True)
