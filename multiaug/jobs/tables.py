"""Tabular jobs: a CSV/Parquet table goes through the pipeline's ``fit_resample`` in this process."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInputError
from ..data import Listing
from .items import OWNER, _job_identity
from .manifest import MANIFEST, AugmentResult, _atomic_write, _prepare_output, _write_manifest, _write_run


def _augment_table(
    pipe: Any,
    listing: Listing,
    out: Path,
    copies: int | None,
    balance: bool,
    force: bool,
    started: float,
    input: Any,
    table_format: str | None = None,
) -> AugmentResult:
    """Tables: the pipeline's ``fit_resample`` in this process (samplers balance, transforms copy)."""
    import numpy as np

    sampler = _check_table_job(pipe, listing, copies, balance)
    identity = _job_identity(listing, pipe.fingerprint, pipe.seed, copies or 0, balance or sampler)
    _prepare_output(out, identity, force)
    X, y = listing.table, listing.labels
    if sampler:
        X_res, y_res = pipe.fit_resample(X, np.asarray(y))
    else:
        X_res, y_res = pipe.fit_resample(X, y, copies=1 if copies is None else copies)
    n = len(X)
    table_path = _write_table(out, listing, X_res, y_res, table_format)
    rows = _table_rows(listing, table_path.name, pipe.provenance_, len(X_res), y_res, n, sampler)
    _write_manifest(out / MANIFEST, rows, pipe.fingerprint)
    seconds = time.perf_counter() - started
    added = len(rows) - n
    result = AugmentResult(out, "table", added, added, 0, seconds, pipe.fingerprint, out / MANIFEST)
    result.extra = {"rows_in": n, "rows_out": len(rows), "table": table_path.name}
    _write_run(out, pipe, identity, result, engine="local", workers=1, input=input)
    return result


def _check_table_job(pipe: Any, listing: Listing, copies: int | None, balance: bool) -> bool:
    """Refuse options that do not apply to this config; returns whether it is a sampler."""
    from ..tabular.samplers import TabularSampler

    sampler = isinstance(pipe, TabularSampler)
    if sampler and copies is not None:
        raise InvalidInputError(
            OWNER,
            "--copies",
            f"does not apply to the sampler {pipe.name} (it adds the rows its sampling_strategy asks for)",
            "drop --copies, or use a transform config such as ma.tabular.GaussianNoise for copies",
        )
    if balance and not sampler:
        raise InvalidInputError(
            OWNER,
            "--balance",
            f"on a table needs a sampler config, got {pipe.name}",
            "save e.g. ma.tabular.SMOTE(seed=0) or ma.tabular.ADASYN(seed=0) as the config",
        )
    if sampler and listing.labels is None:
        raise InvalidInputError(
            OWNER, "label", "column is missing from the table", "add a 'label' column to balance the classes"
        )
    return sampler


def _write_table(out: Path, listing: Listing, X_res: Any, y_res: Any, table_format: str | None) -> Path:
    """The resampled table and its ``label`` column: ``table.parquet`` or ``table.csv``, as
    ``table_format`` says (``None``: the input's format)."""
    import pandas as pd

    columns = list(listing.table.columns)
    frame = X_res if isinstance(X_res, pd.DataFrame) else pd.DataFrame(X_res, columns=columns)
    frame = frame.reset_index(drop=True)
    if y_res is not None:
        frame["label"] = list(y_res)
    if table_format is None:
        parquet = listing.manifest is not None and listing.manifest.suffix.lower() == ".parquet"
    else:
        parquet = table_format == "parquet"
    table_path = out / f"table{'.parquet' if parquet else '.csv'}"
    (out / f"table{'.csv' if parquet else '.parquet'}").unlink(missing_ok=True)  # an earlier run's
    if parquet:
        import io

        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        _atomic_write(table_path, buf.getvalue())
    else:
        _atomic_write(table_path, frame.to_csv(index=False).encode())
    return table_path


def _table_rows(
    listing: Listing, table: str, prov: Any, n_out: int, y_res: Any, n: int, sampler: bool
) -> list[dict[str, Any]]:
    """One manifest row per output row: its source rows, label, group, copy number and key."""
    labels_out = None if y_res is None else [_plain(v) for v in y_res]
    copy_of: dict[int, int] = {}
    seen: set[int] = set()
    rows = []
    for r in range(n_out):
        src = prov[r]
        sources = [int(s) for s in src] if isinstance(src, (tuple, list)) else [int(src)]
        # an input row's first appearance is the row itself (a sampler that cleans after SMOTE
        # keeps originals in its own order, not first), later ones are copies
        original = len(sources) == 1 and sources[0] not in seen
        seen.update(sources[:1] if original else ())
        if original:
            copy = 0
        else:
            copy_of[sources[0]] = copy_of.get(sources[0], 0) + 1
            copy = copy_of[sources[0]]
        rows.append(
            {
                "output": f"{table}#row{r}",
                "source": ",".join(map(str, sources)),
                "label": None if labels_out is None else labels_out[r],
                # a copy keeps its row's group; a row interpolated between two rows has none
                "group": listing.entries[sources[0]].group if len(sources) == 1 else None,
                "key": "" if original or sampler else f"copy{copy}",
                "copy": copy,
                "params": "{}",
                "provenance": sources,
            }
        )
    return rows


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
