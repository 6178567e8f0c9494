"""The job: :func:`augment` as named stages (options, pipeline, plan, output, chunks, engine, records)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInputError
from ..data import Listing, _scan
from .engines import _run_dask, _run_local
from .items import (
    _MAX_COPIES,
    OWNER,
    _check_apart,
    _check_int,
    _check_items,
    _job_identity,
    _output_names,
    chunk_size_for,
    file_suffix,
    item_digest,
    item_ids,
)
from .manifest import (
    MANIFEST,
    AugmentResult,
    _check_versions,
    _clear_records,
    _drop_stale,
    _finished_units,
    _prepare_output,
    _recorded,
    _skipped_items,
    _write_manifest,
    _write_run,
)
from .tables import _augment_table
from .texts import TABLE_FORMATS, augment_texts, is_text_manifest

Chunk = list[dict[str, Any]]


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
    update: bool = False,
    table_format: str | None = None,
    profile: bool = False,
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
    update : bool
        Compute new items and those whose content digest differs from the manifest's, remove
        outputs of items gone, leave every other file as it is (without it a run of the same
        job resumes, trusting finished units; see docs/jobs.md).
    table_format : "parquet", "csv" or None
        A manifest with a ``text`` column is augmented into one table, ``texts.parquet``
        (``None``) or ``texts.csv``: one row per copy, the manifest's columns beside it. A
        table's output is ``table.parquet``/``table.csv`` (``None``: the input's format).
    profile : bool
        Record a profile while it runs (same outputs; see :mod:`multiaug.monitor`), saved as
        ``output/<fingerprint>.profile.json`` (``result.extra["profile"]``). File jobs only.
    """
    engine = _check_options(workers, on_error, engine, scheduler, copies, seed)
    if table_format is not None and table_format not in TABLE_FORMATS:
        raise InvalidInputError(
            OWNER, "--table-format", f"is {table_format!r}", "pass --table-format parquet or csv"
        )
    pipe = _load_pipeline(config, seed)
    opts = {
        **{"copies": copies, "balance": balance, "force": force, "update": update, "on_error": on_error},
        **{"engine": engine, "workers": workers, "scheduler": scheduler, "progress": progress},
        **{"table_format": table_format or "parquet", "table_format_given": table_format},
        "profile": bool(profile),
    }
    return _dispatch(pipe, input, Path(output), opts)


def _dispatch(pipe: Any, input: Any, out: Path, opts: dict[str, Any]) -> AugmentResult:
    """The job by the kind of its input: a text manifest, a table, or file items."""
    if is_text_manifest(input):  # read in chunks into one output table, not a file per row
        _no_profile(opts["profile"])
        return augment_texts(pipe, Path(input), out, opts, time.perf_counter(), input)
    listing = _scan(input, strict=False)
    _check_apart(listing, out)
    started = time.perf_counter()
    if listing.kind == "table":
        _no_profile(opts["profile"])
        copies, balance, force = opts["copies"], opts["balance"], opts["force"]
        table_format = opts["table_format_given"]
        return _augment_table(pipe, listing, out, copies, balance, force, started, input, table_format)
    return _augment_files(pipe, listing, out, opts, started, input)


def _augment_files(
    pipe: Any, listing: Listing, out: Path, opts: dict[str, Any], started: float, input: Any
) -> AugmentResult:
    """Items read from files (or a path manifest): one output file per copy, a Parquet manifest."""
    _check_handles(pipe, listing)
    ids = item_ids(listing)
    copies, balance, update = opts["copies"], opts["balance"], opts["update"]
    units, bad = _good_units(listing, pipe, copies, balance, opts["on_error"])
    names = _output_names(listing, units, ids)
    identity = _job_identity(listing, pipe.fingerprint, pipe.seed or 0, copies or 0, balance)
    _prepare_output(out, identity, opts["force"])
    rows = _unit_rows(listing, units, names, ids, update)
    recorded = _recorded(out)  # the earlier runs' state, read once
    done = _finished_units(out, rows, update, recorded)
    changed = _check_versions(out, warn=bool(done))  # kept outputs made with other versions
    _drop_stale(out, rows, done, recorded)
    job = {**_job_spec(pipe, listing, out, opts["on_error"]), "profile": opts["profile"]}
    engine, workers = opts["engine"], opts["workers"]
    final = _compute(job, rows, done, engine, workers, opts["scheduler"], opts["progress"])
    profile = _merged_profile(out, pipe) if opts["profile"] else None  # before _finish clears the records
    result = _finish(out, listing, pipe, final, bad, ids, len(units), len(done), started)
    extra = {"engine": engine, "workers": workers, "input": input, "versions_changed": changed}
    _write_run(out, pipe, identity, result, **extra)
    if profile is not None:
        result.extra["profile"] = profile.save(out)
    return result


def _no_profile(profile: bool) -> None:
    """``--profile`` records jobs that call the pipeline per file item; table and text jobs refuse it."""
    if profile:
        raise InvalidInputError(
            OWNER,
            "--profile",
            "records jobs of file items (a folder or a path manifest); a table or text-manifest job "
            "makes its rows in chunks of the whole table",
            "drop --profile, or profile the pipeline with ma.profile on sample items",
        )


def _merged_profile(out: Path, pipe: Any) -> Any:
    """The profiles the chunks recorded (in their records), merged into one."""
    from ..monitor.profile import Profile
    from ..monitor.record import Recorder
    from .manifest import _records

    recorder = Recorder(pipe)
    for record in _records(out):
        if "profile" in record:
            recorder.absorb(record["profile"])
    return Profile.from_recorder(recorder)


def _good_units(
    listing: Listing, pipe: Any, copies: int | None, balance: bool, on_error: str
) -> tuple[list[tuple[int, int]], dict[int, str]]:
    """The units ``(item index, copy)`` of the good items, and the bad items ``{index: reason}``.

    Bad items are left out (``--on-error skip``): no other item's key or output name moves.
    """
    plan = _plan_units(listing, pipe, copies, balance)
    bad = _check_items(listing, on_error)
    return [(i, c) for i, c in plan if i not in bad], bad


def _unit_rows(
    listing: Listing, units: list[tuple[int, int]], names: list[str], ids: list[str], update: bool
) -> list[dict[str, Any]]:
    """The units as plain rows (what a worker needs); with ``update`` each carries its item's digest."""
    digests: dict[int, str] = {}
    rows = []
    for (i, c), name in zip(units, names, strict=True):
        e = listing.entries[i]
        if update and i not in digests:
            digests[i] = item_digest(e)
        rows.append(
            {
                "index": i,
                "item": ids[i],
                "copy": c,
                "source": e.source,
                "path": None if e.path is None else str(e.path.resolve()),
                "text": e.text,
                "label": e.label,
                "group": e.group,
                "output": name,
                "digest": digests.get(i),
            }
        )
    return rows


def _compute(
    job: dict[str, Any],
    rows: list[dict[str, Any]],
    done: dict[tuple[str, int], dict[str, Any]],
    engine: str,
    workers: int,
    scheduler: str | None,
    progress: bool,
) -> list[dict[str, Any]]:
    """Compute the units not done, in chunks of :func:`chunk_size_for` (of the whole job's units);
    returns the manifest rows of every unit."""
    todo = [r for r in rows if (r["item"], r["copy"]) not in done]
    size = chunk_size_for(len(rows))
    chunks = list(enumerate(todo[k : k + size] for k in range(0, len(todo), size)))
    computed = _run_engine(engine, job, chunks, workers, scheduler, len(rows), len(done), progress)
    return _manifest_order(rows, done, computed)


def _manifest_order(
    units: list[dict[str, Any]], done: dict[tuple[str, int], dict[str, Any]], computed: dict[int, Chunk]
) -> list[dict[str, Any]]:
    """The manifest rows in listing order, then copy: the same whichever run computed a unit.

    A unit finished earlier keeps its row, with what the current listing says about its item
    (source, label, group); a unit that failed now (``--on-error skip``) has none.
    """
    new = {(r["item"], r["copy"]): r for rows in computed.values() for r in rows}
    final = []
    for u in units:
        k = (u["item"], u["copy"])
        if k in done:
            final.append({**done[k], "source": u["source"], "label": u["label"], "group": u["group"]})
        elif k in new:
            final.append(new[k])
    return final


def _check_options(
    workers: Any, on_error: str, engine: str, scheduler: str | None, copies: Any, seed: Any
) -> str:
    """Refuse bad options before anything is read; returns the engine (a scheduler implies Dask)."""
    workers = _check_int("--workers", workers, 1)
    most = max(8, 8 * (os.cpu_count() or 1))
    if workers > most:
        raise InvalidInputError(
            OWNER,
            "--workers",
            f"is {workers}, more than {most} (8 per CPU core)",
            f"pass --workers {most} or fewer",
        )
    if on_error not in ("stop", "skip"):
        raise InvalidInputError(
            OWNER, "--on-error", f"is {on_error!r}", "pass --on-error stop or --on-error skip"
        )
    if engine not in ("local", "dask"):
        raise InvalidInputError(OWNER, "--engine", f"is {engine!r}", "pass --engine local or --engine dask")
    if scheduler is not None:
        engine = "dask"
    if copies is not None:
        copies = _check_int("--copies", copies, 1)
        if copies > _MAX_COPIES:
            raise InvalidInputError(
                OWNER,
                "--copies",
                f"is {copies if copies < 10**12 else 'enormous'}, more than {_MAX_COPIES}",
                f"pass --copies {_MAX_COPIES} or fewer",
            )
    if seed is not None:
        _check_int("--seed", seed, 0)
    return engine


def _load_pipeline(config: Any, seed: int | None) -> Any:
    """A fresh pipeline from ``config`` (an object, a config dict or a file), its seed set."""
    from ..core.config import from_config, load
    from ..core.transform import Transform

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
    return pipe


def _check_handles(pipe: Any, listing: Listing) -> None:
    """Refuse, before any work, a pipeline that does not handle the field the items fill."""
    if listing.kind not in pipe.fields:
        raise InvalidInputError(
            OWNER,
            "config",
            f"handles the fields {list(pipe.fields)}, not the {listing.kind} items of --input",
            f"pass a pipeline of {listing.kind} transforms",
        )
    final = [leaf.name for leaf in pipe._plan.leaves if leaf.model_input]
    if final:
        raise InvalidInputError(
            OWNER,
            "config",
            f"holds {', '.join(dict.fromkeys(final))}, whose output is a model's input "
            "(normalised floats or tensors), not a file to store",
            "leave Normalize and ToTensor out of the job's pipeline and apply them when the files "
            "are loaded for training (pipe.inference() gives the deterministic steps)",
        )


def _plan_units(listing: Listing, pipe: Any, copies: int | None, balance: bool) -> list[tuple[int, int]]:
    """The work units ``(item index, copy)``: ``copies`` of every item, or ``Oversample``'s plan."""
    if balance and copies is not None:
        raise InvalidInputError(
            OWNER, "--copies", "cannot be combined with --balance", "pass either --copies N or --balance"
        )
    if not balance:
        n = 1 if copies is None else copies
        return [(i, c) for i in range(len(listing.entries)) for c in range(1, n + 1)]
    labels = [e.label for e in listing.entries]
    if any(v is None for v in labels):
        raise InvalidInputError(
            OWNER,
            "--balance",
            "needs a label for every item",
            "use class sub-folders or a manifest 'label' column",
        )
    from ..core.oversample import Oversample

    return sorted(Oversample(pipe, seed=pipe.seed).plan(labels))


def _run_engine(
    engine: str,
    job: dict[str, Any],
    todo: list[tuple[int, Chunk]],
    workers: int,
    scheduler: str | None,
    total: int,
    resumed: int,
    progress: bool,
) -> dict[int, Chunk]:
    """Run the chunks still to do on the chosen engine, under a progress bar."""
    bar = _progress(total, resumed, progress)
    try:
        if engine == "dask":
            return _run_dask(job, todo, workers, scheduler, bar.update)
        return _run_local(job, todo, workers, bar.update)
    finally:
        bar.close()


def _job_spec(pipe: Any, listing: Listing, out: Path, on_error: str) -> dict[str, Any]:
    """What every worker needs to compute a chunk, as plain data (it travels to other processes)."""
    return {
        "config": pipe.to_config(),
        "fingerprint": pipe.fingerprint,
        "kind": listing.kind,
        "suffix": file_suffix(listing.kind),
        "output": str(out.resolve()),
        "on_error": on_error,
    }


def _finish(
    out: Path,
    listing: Listing,
    pipe: Any,
    rows: list[dict[str, Any]],
    bad: dict[int, str],
    ids: list[str],
    units: int,
    resumed: int,
    started: float,
) -> AugmentResult:
    """Write the manifest of every output row and ``skipped.json``; returns what the job did."""
    _write_manifest(out / MANIFEST, rows, pipe.fingerprint)
    skipped = _skipped_items(listing, bad, out, ids, {(r["item"], r["copy"]) for r in rows})
    _clear_records(out)  # the manifest and skipped.json hold what they held
    seconds = time.perf_counter() - started
    result = AugmentResult(
        out, listing.kind, units, units - resumed, resumed, seconds, pipe.fingerprint, out / MANIFEST
    )
    if skipped:
        result.extra["skipped"] = len(skipped)
        result.extra["outputs"] = len(rows)
    return result


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
