"""Dataset jobs: augment a whole folder or manifest on disk (``multiaug augment``).

A job turns a dataset (see :func:`multiaug.data.scan_dataset`) and a saved pipeline into
augmented files, a Parquet manifest and a run record:

* **Work units.** Copy ``c`` of item ``i`` (items in listing order) is the keyed call
  ``pipeline(**sample, key="row{i}/copy{c}", epoch=0)`` — the key that
  ``Compose.fit_resample`` and ``Oversample`` use — so each unit is a pure function of the
  pipeline, its seed and the item, whoever computes it. ``copies=N`` gives every item ``N``
  copies; ``balance=True`` gives the minority classes the copies ``Oversample`` would add.
* **Same bytes everywhere.** Units are grouped into chunks whose size depends only on the
  number of units; every output file, and the manifest (sorted by item and copy), is the same
  for one worker, a local process pool or a Dask cluster.
* **Nothing lost.** Every file is written to a temporary name and renamed into place; a
  finished chunk leaves a record under ``OUTPUT/.multiaug/chunks``. Running the same job
  again skips finished chunks and redoes the rest, so an interrupted job (Ctrl-C, ``kill -9``)
  completes with the same final outputs. A folder holding another job's outputs (another
  pipeline fingerprint, seed, copy count or input location) is refused unless ``force=True``;
  a changed listing (a bad file deleted) resumes, redoing only the chunks whose items changed.
* **Bad items first.** Every item is checked (exists inside the input, decodes) before any
  work: ``on_error="stop"`` refuses the job and writes nothing, ``"skip"`` lists the bad
  items in ``skipped.json`` and leaves every other output as it would be.
* **Tables** (a CSV/Parquet manifest with feature columns) go through the pipeline's
  ``fit_resample`` in the calling process: a sampler config (``ma.tabular.SMOTE``...)
  balances the classes, a transform config (``ma.tabular.GaussianNoise``) adds copies.

The local engine uses a ``spawn`` process pool (``workers`` processes, one OpenCV thread
each); the Dask engine submits the same chunks to a ``dask.distributed`` cluster (a
``LocalCluster`` of ``workers`` single-threaded processes, started for the job, unless a
scheduler address is given). On a multi-machine cluster the input and output folders must be
on a filesystem every worker sees.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._version import __version__
from .core.errors import InvalidInputError
from .data import Entry, Listing, _scan, check_item, read_item

__all__ = ["AugmentResult", "augment", "chunk_size_for"]

_OWNER = "multiaug augment"
STATE_DIR = ".multiaug"
MANIFEST = "manifest.parquet"
RUN_FILE = "run.json"
SKIPPED = "skipped.json"
_SHOWN_BAD = 10  # bad items listed in a refusal (then a count)
_MAX_COPIES = 100_000
_SUFFIX = {"image": ".png", "audio": ".wav", "text": ".txt"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")


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


def chunk_size_for(n_units: int) -> int:
    """Units per chunk: about 200 chunks, 1 to 32 units each (a function of ``n_units`` only)."""
    return max(1, min(32, -(-n_units // 200)))


# ---------------------------------------------------------------------------------------- files
def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    # No fsync: the rename makes a killed process's file either whole or absent; surviving a
    # power cut would cost a disk flush per item and is not what resuming is for.
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _encode(kind: str, value: Any, sample_rate: int | None) -> bytes:
    if kind == "text":
        return str(value).encode("utf-8")
    if kind == "image":
        import cv2
        import numpy as np

        img = np.ascontiguousarray(value)
        if img.ndim == 3 and img.shape[2] == 3:
            img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
        elif img.ndim == 3 and img.shape[2] == 4:
            img = cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA)
        ok, buf = cv2.imencode(".png", img)
        if not ok:  # pragma: no cover - PNG takes every uint8 layout the image ops return
            raise InvalidInputError(_OWNER, "image", "could not be encoded as PNG", "report this")
        return buf.tobytes()
    return _wav_float32(value, int(sample_rate or 0))


def _wav_float32(audio: Any, sample_rate: int) -> bytes:
    """A 32-bit float WAV file, byte for byte a function of the samples.

    Written by hand because libsndfile adds a PEAK chunk with a timestamp to float WAVs.
    """
    import struct

    import numpy as np

    channels = 1 if audio.ndim == 1 else int(audio.shape[0])
    frames = int(audio.shape[-1])
    data = np.ascontiguousarray(audio.T, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHHH", 3, channels, sample_rate, sample_rate * channels * 4, channels * 4, 32, 0)
    chunks = [(b"fmt ", fmt), (b"fact", struct.pack("<I", frames)), (b"data", data)]
    body = b"WAVE" + b"".join(tag + struct.pack("<I", len(payload)) + payload for tag, payload in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _safe(part: Any) -> str:
    return _UNSAFE.sub("_", str(part)).strip("._") or "_"


def _output_names(listing: Listing, units: Sequence[tuple[int, int]]) -> list[str]:
    """Deterministic output paths (relative, POSIX), mirroring the input's layout."""
    suffix = _SUFFIX[listing.kind]
    bases: dict[int, str] = {}
    seen: dict[str, int] = {}
    for i, entry in enumerate(listing.entries):
        if entry.path is None:  # inline text of a manifest row
            base = f"row{i:06d}" if entry.label is None else f"{_safe(entry.label)}/row{i:06d}"
        else:
            rel = Path(entry.source)
            if rel.is_absolute() or ".." in rel.parts:
                base = f"{i:06d}-{_safe(rel.stem)}"
            else:
                base = (rel.parent / rel.stem).as_posix()
        bases[i] = base
        seen[base] = seen.get(base, 0) + 1
    for i, base in bases.items():
        if seen[base] > 1:  # e.g. a.jpg and a.png in one folder: keep the source suffix
            bases[i] = f"{base}_{_safe(Path(listing.entries[i].source).suffix)}"
    return [f"{bases[i]}.aug{c}{suffix}" for i, c in units]


# ------------------------------------------------------------------------------- worker side
_PIPELINES: dict[str, Any] = {}


def _pipeline(job: dict[str, Any]) -> Any:
    pipe = _PIPELINES.get(job["fingerprint"])
    if pipe is None:
        from .core.config import from_config

        if job.get("single_thread"):
            _single_thread()
        pipe = _PIPELINES[job["fingerprint"]] = from_config(job["config"])
    return pipe


def _single_thread() -> None:
    """One OpenCV thread per worker process the job itself started (workers are the parallelism)."""
    try:
        import cv2
    except ImportError:  # pragma: no cover - text/audio-only installs
        return
    cv2.setNumThreads(1)


def run_chunk(job: dict[str, Any], chunk: int, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Compute one chunk of units, write its files and its record; returns the manifest rows.

    A module-level function of plain data, so process pools and Dask workers can run it.
    """
    from .core.resample import _infer_field, copy_key

    pipe = _pipeline(job)
    out_root = Path(job["output"])
    kind = job["kind"]
    rows = []
    skipped: list[dict[str, Any]] = []
    cached: tuple[int, Any, int | None] | None = None
    for u in units:
        i = u["index"]
        key = copy_key(i, u["copy"])
        try:
            if cached is None or cached[0] != i:
                cached = None
                entry = Entry(u["source"], None if u["path"] is None else Path(u["path"]), u["text"])
                item, rate = read_item(kind, entry)
                cached = (i, item, rate)
            _, item, rate = cached
            name = _infer_field(pipe, item)
            extra = {"sample_rate": rate} if rate is not None else {}
            out = pipe(**{name: item}, **extra, key=key, epoch=0, trace=True)
            data = _encode(kind, out[name], rate)
        except Exception as exc:  # every failure of one item follows --on-error
            reason = _reason(exc)
            if job.get("on_error", "stop") != "skip":
                raise InvalidInputError(
                    _OWNER,
                    "--input",
                    f"item {u['source']} failed while being augmented: {reason}",
                    "fix or remove the item and run the same command again (finished items are kept), "
                    "or pass --on-error skip",
                ) from None
            skipped.append({"index": i, "copy": u["copy"], "source": u["source"], "reason": reason})
            continue
        _atomic_write(out_root / u["output"], data)
        rows.append(
            {
                "output": u["output"],
                "source": u["source"],
                "label": u["label"],
                "group": u["group"],
                "key": key,
                "copy": u["copy"],
                "params": json.dumps(out["trace"], sort_keys=True, separators=(",", ":")),
            }
        )
    record: dict[str, Any] = {"chunk": chunk, "units": [[u["index"], u["copy"]] for u in units], "rows": rows}
    if skipped:
        record["skipped"] = skipped
    _atomic_write(_chunk_path(out_root, chunk), json.dumps(record, sort_keys=True).encode())
    return rows


def _reason(exc: BaseException) -> str:
    """One line saying why an item failed (an InvalidInputError's problem, else the exception)."""
    if isinstance(exc, InvalidInputError):
        return f"{exc.owner}: `{exc.field}` {exc.problem}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _chunk_path(output: Path, chunk: int) -> Path:
    return output / STATE_DIR / "chunks" / f"{chunk:06d}.json"


# ------------------------------------------------------------------------------ job identity
def _job_identity(
    listing: Listing, fingerprint: str, seed: int, copies: int, balance: bool
) -> dict[str, Any]:
    """What makes two runs the same job: a run of the same job resumes, any other is refused.

    For files this is the pipeline, seed, copies/balance, kind and *where* the input is, not
    what it lists: deleting or adding a file and running again resumes (a chunk is reused only
    when its record lists the same items, see :func:`_finished_chunks`). A table is computed
    in one go, so its identity includes a digest of its rows.
    """
    identity: dict[str, Any] = {
        "fingerprint": fingerprint,
        "seed": seed,
        "copies": copies,
        "balance": balance,
        "kind": listing.kind,
        "input": str((listing.manifest or listing.root).resolve()),
        "multiaug": __version__,
    }
    if listing.table is not None:
        digest = hashlib.sha256(listing.table.to_csv(index=False).encode())
        digest.update(json.dumps(listing.labels, default=str).encode())
        digest.update(json.dumps([e.group for e in listing.entries], default=str).encode())
        identity["input_digest"] = digest.hexdigest()[:16]
    return identity


def _describe_difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    names = {
        "fingerprint": "pipeline fingerprint",
        "input_digest": "input table",
        "input": "input",
        "multiaug": "multiaug version",
    }
    diffs = [
        f"{names.get(k, k)} {old.get(k)!r} -> {new.get(k)!r}" for k in sorted(new) if old.get(k) != new.get(k)
    ]
    return "; ".join(diffs) or "an unreadable job record"


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
        if old != identity:
            if not force:
                if old is None:
                    problem = f"{output} is not empty and was not written by multiaug augment"
                else:
                    problem = (
                        f"{output} holds the outputs of another job ({_describe_difference(old, identity)})"
                    )
                raise InvalidInputError(
                    _OWNER, "--output", problem, "pass another --output folder, or --force to replace them"
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
        _OWNER,
        "--output",
        f"{output} cannot be written: {exc.strerror or exc}{where}",
        "pass a folder path you can write to (its parents must be folders)",
    )


def _remove_job_outputs(output: Path) -> None:
    """Delete what an earlier job wrote (listed by its chunk records), its manifest and state."""
    for record in _records(output):
        for row in record.get("rows", []):
            target = output / row["output"]
            if target.is_file():
                target.unlink()
    for name in (MANIFEST, RUN_FILE, SKIPPED, "table.csv", "table.parquet"):
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
            yield json.loads(path.read_text())
        except ValueError:  # a torn write cannot happen (rename), but a hand-edited one can
            continue


def _finished_chunks(output: Path, chunks: list[list[dict[str, Any]]]) -> dict[int, list[dict[str, Any]]]:
    """Chunks an earlier run finished: a record with the same units and every file present."""
    done = {}
    for record in _records(output):
        c = record.get("chunk")
        if not isinstance(c, int) or not 0 <= c < len(chunks):
            continue
        if record.get("units") != [[u["index"], u["copy"]] for u in chunks[c]] or record.get("skipped"):
            continue  # other items (the listing changed), or an item failed: redo it
        rows = record.get("rows", [])
        if [(r.get("output"), r.get("source")) for r in rows] != [
            (u["output"], u["source"]) for u in chunks[c]
        ]:
            continue
        if all((output / row["output"]).is_file() for row in rows):
            done[c] = rows
    return done


def _drop_stale(output: Path, done: dict[int, list[dict[str, Any]]], names: set[str]) -> None:
    """Before a resume: delete the records of chunks to redo, and outputs no unit of this job writes.

    (The listing may have changed since the earlier run: a deleted item's outputs must go.)
    """
    folder = output / STATE_DIR / "chunks"
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except ValueError:
            record = {}
        if record.get("chunk") in done:
            continue
        for row in record.get("rows", []):
            name = row.get("output")
            if isinstance(name, str) and name not in names and (output / name).is_file():
                (output / name).unlink()
        path.unlink()


# ---------------------------------------------------------------------------------- engines
def _run_local(
    job: dict[str, Any],
    todo: list[tuple[int, list[dict[str, Any]]]],
    workers: int,
    tick: Callable[[int], None],
) -> dict[int, list[dict[str, Any]]]:
    results: dict[int, list[dict[str, Any]]] = {}
    if workers <= 1:
        for c, units in todo:
            results[c] = run_chunk(job, c, units)
            tick(len(units))
        return results
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    job = {**job, "single_thread": True}
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_ignore_sigint)
    queue = iter(todo)
    pending: dict[Any, tuple[int, int]] = {}

    def top_up() -> None:  # a few chunks in flight per worker: bounded memory, a quick Ctrl-C
        for c, units in queue:
            pending[pool.submit(run_chunk, job, c, units)] = (c, len(units))
            if len(pending) >= 4 * workers:
                return

    try:
        top_up()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                c, n = pending.pop(fut)
                results[c] = fut.result()
                tick(n)
            top_up()
    finally:
        # On Ctrl-C the chunks already running finish (their records make the re-run skip them).
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the main process, which stops handing out chunks.

    They also end themselves when the main process is gone: after a ``kill -9`` of the job the
    pool's queues stay open (the workers hold each other's pipe ends), so without this watch
    they would wait for work for ever.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="multiaug-parent-watch", daemon=True).start()


def run_chunks(
    job: dict[str, Any], chunks: list[tuple[int, list[dict[str, Any]]]]
) -> list[list[dict[str, Any]]]:
    """:func:`run_chunk` over several chunks: one Dask task (a scheduler round trip per chunk would idle
    the workers on a slow network)."""
    return [run_chunk(job, c, units) for c, units in chunks]


def _dask_task(
    job: dict[str, Any], chunks: list[tuple[int, list[dict[str, Any]]]]
) -> list[list[dict[str, Any]]] | InvalidInputError:
    """:func:`run_chunks` for Dask: a bad item comes back as a value, which the client raises
    (a raised one would also be logged by the worker as a "Compute Failed" page)."""
    try:
        return run_chunks(job, chunks)
    except InvalidInputError as exc:
        return exc


def _run_dask(
    job: dict[str, Any],
    todo: list[tuple[int, list[dict[str, Any]]]],
    workers: int,
    scheduler: str | None,
    tick: Callable[[int], None],
) -> dict[int, list[dict[str, Any]]]:
    try:
        import dask
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - the dask extra is installed in the tests
        raise ImportError("the Dask engine needs dask.distributed: pip install 'multiaug[dask]'") from exc

    cluster = None
    if scheduler is None:
        # The cluster is the job's own: hand every task to a worker at once (no scheduler-side
        # queue waiting for a thread to free up, which costs a round trip per task).
        with dask.config.set({"distributed.scheduler.worker-saturation": "inf"}), _sigint_ignored():
            # Its worker processes start with Ctrl-C ignored (a disposition they inherit): a
            # terminal's Ctrl-C reaches the whole process group, and a worker that dies of it
            # prints pages of tracebacks. This process catches it and closes the cluster.
            cluster = LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
    # One OpenCV thread per task, as Dask already does for BLAS/OpenMP: its threads are the parallelism.
    job = {**job, "single_thread": True}
    results: dict[int, list[dict[str, Any]]] = {}
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or 1
            # About 8 tasks per worker thread: few round trips, still balanced at the end.
            per_task = max(1, -(-len(todo) // (8 * threads)))
            batches = [todo[k : k + per_task] for k in range(0, len(todo), per_task)]
            sizes = {}
            futures = []
            for batch in batches:
                name = f"multiaug-chunks-{job['fingerprint']}-{batch[0][0]}-{batch[-1][0]}"
                fut = client.submit(_dask_task, job, batch, key=name, pure=False)
                sizes[fut.key] = batch
                futures.append(fut)
            for fut in as_completed(futures):
                batch = sizes[fut.key]
                done = fut.result()
                if isinstance(done, InvalidInputError):
                    raise done
                for (c, _), rows in zip(batch, done, strict=True):
                    results[c] = rows
                tick(sum(len(units) for _, units in batch))
    except BaseException:
        # Closing a cluster with tasks running (Ctrl-C, a bad item) logs cancelled tasks and
        # closed connections: nothing the user can act on, so only the command's message is printed.
        _quiet_distributed()
        raise
    finally:
        if cluster is not None:
            cluster.close()
    return results


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _quiet_distributed() -> None:
    import logging

    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


# ------------------------------------------------------------------------------------ manifest
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
        "fingerprint": pa.array([fingerprint] * len(rows), pa.string()),
        "multiaug_version": pa.array([__version__] * len(rows), pa.string()),
    }
    if rows and "provenance" in rows[0]:
        columns["provenance"] = pa.array([r["provenance"] for r in rows], pa.list_(pa.int64()))
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    _atomic_write(path, buf.getvalue())


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version(), "multiaug": __version__}
    for dist in (
        "numpy",
        "opencv-python-headless",
        "soundfile",
        "soxr",
        "imbalanced-learn",
        "pandas",
        "dask",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


# ---------------------------------------------------------------------------------- the job
def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidInputError(_OWNER, name, f"must be an int >= {low}, got {value!r}", f"pass {name} {low}")
    return value


def _progress(total: int, initial: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="item",
        desc="augment",
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def augment(
    config: Any,
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    copies: int | None = None,
    balance: bool = False,
    seed: int | None = None,
    workers: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = False,
    on_error: str = "stop",
) -> AugmentResult:
    """Augment a dataset folder or manifest into ``output`` (the engine of ``multiaug augment``).

    Parameters
    ----------
    config : Transform, dict or path
        The pipeline: an object, a config dict, or a ``.yaml``/``.json`` file.
    input : path
        A folder (class sub-folders give labels) or a CSV/Parquet manifest (``path`` or
        ``text`` column, optional ``label``/``group``; feature columns make it a table).
    output : path
        Folder for the outputs, ``manifest.parquet``, ``run.json`` and the job state.
    copies : int or None
        Augmented copies of every item (default 1; not with ``balance``).
    balance : bool
        Add copies to the minority classes only (``ma.Oversample``'s plan; for tables,
        the config must be a sampler).
    seed : int or None
        Overrides the pipeline's seed (a pipeline without one gets seed 0).
    workers : int
        Worker processes (local engine; with Dask, the size of the local cluster it starts).
    engine : "local" or "dask"
    scheduler : str or None
        Address of a running Dask scheduler (implies ``engine="dask"``).
    force : bool
        Replace the outputs of a different job in ``output``.
    progress : bool
        Show a progress bar (items/s and ETA) on stderr.
    on_error : "stop" or "skip"
        Every item is checked before any work starts (it exists inside the input folder and
        decodes). ``"stop"`` refuses the job, writing nothing, and lists the bad items;
        ``"skip"`` leaves them out, records them in ``skipped.json`` and computes the rest
        (with the same keys, hence the same bytes, as if they were good). An item that fails
        later, while being augmented, follows the same rule.
    """
    from .core.config import from_config, load
    from .core.transform import Transform

    workers = _check_int("--workers", workers, 1)
    most = max(8, 8 * (os.cpu_count() or 1))
    if workers > most:
        raise InvalidInputError(
            _OWNER,
            "--workers",
            f"is {workers}, more than {most} (8 per CPU core)",
            f"pass --workers {most} or fewer",
        )
    if on_error not in ("stop", "skip"):
        raise InvalidInputError(
            _OWNER, "--on-error", f"is {on_error!r}", "pass --on-error stop or --on-error skip"
        )
    if engine not in ("local", "dask"):
        raise InvalidInputError(_OWNER, "--engine", f"is {engine!r}", "pass --engine local or --engine dask")
    if scheduler is not None:
        engine = "dask"
    if copies is not None:
        copies = _check_int("--copies", copies, 1)
        if copies > _MAX_COPIES:
            raise InvalidInputError(
                _OWNER,
                "--copies",
                f"is {copies if copies < 10**12 else 'enormous'}, more than {_MAX_COPIES}",
                f"pass --copies {_MAX_COPIES} or fewer",
            )
    if seed is not None:
        _check_int("--seed", seed, 0)
    if isinstance(config, Transform):
        pipe = from_config(config.to_config())
    elif isinstance(config, dict):
        pipe = from_config(config)
    else:
        pipe = load(config)  # relative paths in the file are read from its folder
    if seed is not None:
        pipe.seed = seed
    elif getattr(pipe, "seed", None) is None:
        pipe.seed = 0
    listing = _scan(input, strict=False)
    out = Path(output)
    _check_apart(listing, out)
    started = time.perf_counter()
    if listing.kind == "table":
        return _augment_table(pipe, listing, out, copies, balance, force, started, input)

    if balance and copies is not None:
        raise InvalidInputError(
            _OWNER, "--copies", "cannot be combined with --balance", "pass either --copies N or --balance"
        )
    labels = [e.label for e in listing.entries]
    if balance:
        if any(v is None for v in labels):
            raise InvalidInputError(
                _OWNER,
                "--balance",
                "needs a label for every item",
                "use class sub-folders or a manifest 'label' column",
            )
        from .core.oversample import Oversample

        units = sorted(Oversample(pipe, seed=pipe.seed).plan(labels))
    else:
        n = 1 if copies is None else copies
        units = [(i, c) for i in range(len(listing.entries)) for c in range(1, n + 1)]
    bad = _check_items(listing, on_error)
    # Skipped items keep their place: every other item keeps its index, key and output name.
    units = [(i, c) for i, c in units if i not in bad]
    names = _output_names(listing, units)
    size = chunk_size_for(len(units))
    identity = _job_identity(listing, pipe.fingerprint, pipe.seed or 0, copies or 0, balance)
    _prepare_output(out, identity, force)

    unit_rows = []
    for (i, c), name in zip(units, names, strict=True):
        e = listing.entries[i]
        unit_rows.append(
            {
                "index": i,
                "copy": c,
                "source": e.source,
                "path": None if e.path is None else str(e.path.resolve()),
                "text": e.text,
                "label": e.label,
                "group": e.group,
                "output": name,
            }
        )
    chunks = [unit_rows[k : k + size] for k in range(0, len(unit_rows), size)]
    done = _finished_chunks(out, chunks)
    _drop_stale(out, done, set(names))
    todo = [(c, units_) for c, units_ in enumerate(chunks) if c not in done]
    resumed = sum(len(chunks[c]) for c in done)
    job = {
        "config": pipe.to_config(),
        "fingerprint": pipe.fingerprint,
        "kind": listing.kind,
        "output": str(out.resolve()),
        "on_error": on_error,
    }
    bar = _progress(len(units), resumed, progress)
    try:
        if engine == "dask":
            results = _run_dask(job, todo, workers, scheduler, bar.update)
        else:
            results = _run_local(job, todo, workers, bar.update)
    finally:
        bar.close()
    done.update(results)
    rows = [row for c in range(len(chunks)) for row in done[c]]
    _write_manifest(out / MANIFEST, rows, pipe.fingerprint)
    skipped = _skipped_items(listing, bad, out)
    seconds = time.perf_counter() - started
    result = AugmentResult(
        out,
        listing.kind,
        len(units),
        len(units) - resumed,
        resumed,
        seconds,
        pipe.fingerprint,
        out / MANIFEST,
    )
    if skipped:
        result.extra["skipped"] = len(skipped)
        result.extra["outputs"] = len(rows)
    _write_run(out, pipe, identity, result, engine=engine, workers=workers, input=input)
    return result


def _check_apart(listing: Listing, out: Path) -> None:
    """Refuse an output path under a file, an output folder inside the input folder (the next
    run would read the outputs as inputs) and an input inside the output folder."""
    if out.exists() and not out.is_dir():
        raise InvalidInputError(_OWNER, "--output", f"{out} is a file", "pass a folder path")
    for parent in out.absolute().parents:
        if parent.exists() and not parent.is_dir():
            raise InvalidInputError(
                _OWNER, "--output", f"{out} is under {parent}, which is a file", "pass a folder path"
            )
    target = out.resolve()
    if listing.manifest is None:
        root = listing.root.resolve()
        if target == root or root in target.parents:
            raise InvalidInputError(
                _OWNER,
                "--output",
                f"{out} is inside the input folder {listing.root} (its outputs would be read as inputs)",
                "pass an --output folder outside the input folder",
            )
        if target in root.parents:
            raise InvalidInputError(
                _OWNER,
                "--output",
                f"{out} contains the input folder {listing.root}",
                "pass an --output folder that does not contain the input",
            )
        return
    inside = [e.source for e in listing.entries if e.path is not None and target in e.path.resolve().parents]
    if inside or target in listing.manifest.resolve().parents:
        what = f"the input file {inside[0]}" if inside else f"the manifest {listing.manifest}"
        raise InvalidInputError(
            _OWNER,
            "--output",
            f"{out} contains {what}",
            "pass an --output folder that does not contain the input",
        )


def _check_items(listing: Listing, on_error: str) -> dict[int, str]:
    """Check every item before work starts: ``{index: reason}`` of the bad ones (``on_error="skip"``).

    With ``on_error="stop"`` a bad item refuses the job, before anything is written.
    """
    bad = {}
    for i, entry in enumerate(listing.entries):
        reason = check_item(listing.kind, entry, listing.root)
        if reason is not None:
            bad[i] = reason
    if bad and on_error == "stop":
        shown = [f"{listing.entries[i].source} ({reason})" for i, reason in list(bad.items())[:_SHOWN_BAD]]
        more = f"; and {len(bad) - _SHOWN_BAD} more" if len(bad) > _SHOWN_BAD else ""
        raise InvalidInputError(
            _OWNER,
            "--input",
            f"has {len(bad)} bad item{'s' if len(bad) > 1 else ''} of {len(listing.entries)}, nothing was "
            f"written: {'; '.join(shown)}{more}",
            "fix or remove them, or pass --on-error skip to leave them out (listed in skipped.json)",
        )
    return bad


def _skipped_items(listing: Listing, bad: dict[int, str], out: Path) -> list[dict[str, Any]]:
    """Write ``skipped.json`` (items left out at the check or while augmented), or remove a stale one."""
    skipped = [
        {"index": i, "source": listing.entries[i].source, "copy": None, "stage": "check", "reason": reason}
        for i, reason in bad.items()
    ]
    for record in _records(out):
        for s in record.get("skipped", []):
            skipped.append({**s, "stage": "augment"})
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


def _augment_table(
    pipe: Any,
    listing: Listing,
    out: Path,
    copies: int | None,
    balance: bool,
    force: bool,
    started: float,
    input: Any,
) -> AugmentResult:
    """Tables: the pipeline's ``fit_resample`` in this process (samplers balance, transforms copy)."""
    import numpy as np
    import pandas as pd

    from .tabular.samplers import TabularSampler

    X, y = listing.table, listing.labels
    sampler = isinstance(pipe, TabularSampler)
    if sampler and copies is not None:
        raise InvalidInputError(
            _OWNER,
            "--copies",
            f"does not apply to the sampler {pipe.name} (it adds the rows its sampling_strategy asks for)",
            "drop --copies, or use a transform config such as ma.tabular.GaussianNoise for copies",
        )
    if balance and not sampler:
        raise InvalidInputError(
            _OWNER,
            "--balance",
            f"on a table needs a sampler config, got {pipe.name}",
            "save e.g. ma.tabular.SMOTE(seed=0) or ma.tabular.ADASYN(seed=0) as the config",
        )
    if sampler and y is None:
        raise InvalidInputError(
            _OWNER, "label", "column is missing from the table", "add a 'label' column to balance the classes"
        )
    identity = _job_identity(listing, pipe.fingerprint, pipe.seed, copies or 0, balance or sampler)
    _prepare_output(out, identity, force)
    if sampler:
        X_res, y_res = pipe.fit_resample(X, np.asarray(y))
    else:
        X_res, y_res = pipe.fit_resample(X, y, copies=1 if copies is None else copies)
    prov = pipe.provenance_
    n = len(X)
    frame = X_res if isinstance(X_res, pd.DataFrame) else pd.DataFrame(X_res, columns=list(X.columns))
    frame = frame.reset_index(drop=True)
    if y_res is not None:
        frame["label"] = list(y_res)
    parquet = listing.manifest is not None and listing.manifest.suffix.lower() == ".parquet"
    suffix = ".parquet" if parquet else ".csv"
    table_path = out / f"table{suffix}"
    if suffix == ".parquet":
        import io

        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        _atomic_write(table_path, buf.getvalue())
    else:
        _atomic_write(table_path, frame.to_csv(index=False).encode())
    labels_out = None if y_res is None else [_plain(v) for v in y_res]
    copy_of: dict[int, int] = {}
    rows = []
    for r in range(len(frame)):
        src = prov[r]
        sources = [int(s) for s in src] if isinstance(src, (tuple, list)) else [int(src)]
        if r < n:
            copy = 0
        else:
            copy_of[sources[0]] = copy_of.get(sources[0], 0) + 1
            copy = copy_of[sources[0]]
        rows.append(
            {
                "output": f"{table_path.name}#row{r}",
                "source": ",".join(map(str, sources)),
                "label": None if labels_out is None else labels_out[r],
                # a copy keeps its row's group; a row interpolated between two rows has none
                "group": listing.entries[sources[0]].group if len(sources) == 1 else None,
                "key": "" if r < n or sampler else f"copy{copy}",
                "copy": copy,
                "params": "{}",
                "provenance": sources,
            }
        )
    _write_manifest(out / MANIFEST, rows, pipe.fingerprint)
    seconds = time.perf_counter() - started
    added = len(frame) - n
    result = AugmentResult(out, "table", added, added, 0, seconds, pipe.fingerprint, out / MANIFEST)
    result.extra = {"rows_in": n, "rows_out": len(frame), "table": table_path.name}
    _write_run(out, pipe, identity, result, engine="local", workers=1, input=input)
    return result


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
