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
)
from .manifest import (
    MANIFEST,
    AugmentResult,
    _drop_stale,
    _finished_chunks,
    _prepare_output,
    _skipped_items,
    _write_manifest,
    _write_run,
)
from .tables import _augment_table

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
    profile : bool
        Record a profile while it runs (same outputs; see :mod:`multiaug.monitor`), saved as
        ``output/<fingerprint>.profile.json`` (``result.extra["profile"]``).
    """
    engine = _check_options(workers, on_error, engine, scheduler, copies, seed)
    pipe = _load_pipeline(config, seed)
    listing = _scan(input, strict=False)
    out = Path(output)
    _check_apart(listing, out)
    started = time.perf_counter()
    if listing.kind == "table":
        _no_table_profile(profile)
        return _augment_table(pipe, listing, out, copies, balance, force, started, input)

    _check_handles(pipe, listing)
    units = _plan_units(listing, pipe, copies, balance)
    bad = _check_items(listing, on_error)
    # Skipped items keep their place: every other item keeps its index, key and output name.
    units = [(i, c) for i, c in units if i not in bad]
    names = _output_names(listing, units)
    identity = _job_identity(listing, pipe.fingerprint, pipe.seed or 0, copies or 0, balance)
    _prepare_output(out, identity, force)

    chunks, done, todo, resumed = _resume(out, listing, units, names)
    job = {**_job_spec(pipe, listing, out, on_error), "profile": bool(profile)}
    done.update(_run_engine(engine, job, todo, workers, scheduler, len(units), resumed, progress))
    rows = [row for c in range(len(chunks)) for row in done[c]]
    result = _finish(out, listing, pipe, rows, bad, len(units), resumed, started)
    _write_run(out, pipe, identity, result, engine=engine, workers=workers, input=input)
    return _save_profile(out, pipe, result) if profile else result


def _resume(
    out: Path, listing: Listing, units: list[tuple[int, int]], names: list[str]
) -> tuple[list[Chunk], dict[int, Chunk], list[tuple[int, Chunk]], int]:
    """The job's chunks, those an earlier run finished, those still to do, and how many units are done."""
    chunks = _chunks(listing, units, names)
    done = _finished_chunks(out, chunks)
    _drop_stale(out, done, set(names))
    todo = [(c, units_) for c, units_ in enumerate(chunks) if c not in done]
    return chunks, done, todo, sum(len(chunks[c]) for c in done)


def _no_table_profile(profile: bool) -> None:
    if profile:
        raise InvalidInputError(
            OWNER,
            "--profile",
            "records per-item pipelines; a table job makes its rows in one call",
            "drop --profile, or profile the sampler's pipeline with ma.profile on sample rows",
        )


def _save_profile(out: Path, pipe: Any, result: AugmentResult) -> AugmentResult:
    """Merge the profiles the chunks recorded into one, saved beside the outputs."""
    from ..monitor.profile import Profile
    from ..monitor.record import Recorder
    from .manifest import _records

    recorder = Recorder(pipe)
    for record in _records(out):
        if "profile" in record:
            recorder.absorb(record["profile"])
    result.extra["profile"] = Profile.from_recorder(recorder).save(out)
    return result


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


def _chunks(listing: Listing, units: list[tuple[int, int]], names: list[str]) -> list[Chunk]:
    """The units as plain rows (what a worker needs), grouped in chunks of :func:`chunk_size_for`."""
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
    size = chunk_size_for(len(units))
    return [unit_rows[k : k + size] for k in range(0, len(unit_rows), size)]


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
    units: int,
    resumed: int,
    started: float,
) -> AugmentResult:
    """Write the manifest of every output row and ``skipped.json``; returns what the job did."""
    _write_manifest(out / MANIFEST, rows, pipe.fingerprint)
    skipped = _skipped_items(listing, bad, out)
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
