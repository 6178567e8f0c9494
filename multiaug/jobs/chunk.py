"""One chunk of work units: read each item, call the pipeline with its key, encode and write the output.

:func:`run_chunk` is a module-level function of plain data, so process pools and Dask workers can run it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInputError
from ..data import Entry, read_item
from ..monitor.record import Recorder, profiled_call
from .items import OWNER, item_digest
from .manifest import _atomic_write, _record_path


def _text(value: Any, sample_rate: int | None) -> bytes:
    return str(value).encode("utf-8")


def _png(value: Any, sample_rate: int | None) -> bytes:
    import cv2
    import numpy as np

    img = np.ascontiguousarray(value)
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA)
    ok, buf = cv2.imencode(".png", img)
    if not ok:  # pragma: no cover - PNG takes every uint8 layout the image ops return
        raise InvalidInputError(OWNER, "image", "could not be encoded as PNG", "report this")
    return buf.tobytes()


def _wav(value: Any, sample_rate: int | None) -> bytes:
    from ..audio.io import wav_bytes

    # 32-bit float: the samples as computed, byte for byte a function of them
    return wav_bytes(value, int(sample_rate or 0), "FLOAT")


#: Output encoders by the file suffix the field table gives a field (see ``items.file_suffix``).
ENCODERS: dict[str, Callable[[Any, int | None], bytes]] = {".txt": _text, ".png": _png, ".wav": _wav}


_PIPELINES: dict[str, Any] = {}


def _pipeline(job: dict[str, Any]) -> Any:
    pipe = _PIPELINES.get(job["fingerprint"])
    if pipe is None:
        from ..core.config import from_config

        if job.get("single_thread"):
            _single_thread()
        pipe = _PIPELINES[job["fingerprint"]] = from_config(job["config"])
    return pipe


def _recorder(pipe: Any) -> Recorder:
    """A chunk's recorder: the pixel-change statistics on one call in 256 (see :mod:`multiaug.monitor`)."""
    return Recorder(pipe, stats_every=256)


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
    from ..sampling.lists import item_key

    pipe = _pipeline(job)
    if job.get("mode") == "text-table":  # a text manifest: one Parquet part per chunk
        from .texts import run_text_chunk

        return run_text_chunk(job, pipe, units)
    out_root = Path(job["output"])
    kind = job["kind"]  # the field the items fill (a listing's kind is a field name)
    encode = ENCODERS[job["suffix"]]
    rows = []
    skipped: list[dict[str, Any]] = []
    cached: tuple[str, Any, int | None, str] | None = None
    recorder = _recorder(pipe) if job.get("profile") else None
    for u in units:
        key = item_key(u["item"], u["copy"])
        try:
            if cached is None or cached[0] != u["item"]:
                cached = None
                entry = Entry(u["source"], None if u["path"] is None else Path(u["path"]), u["text"])
                # the digest before reading: a file replaced meanwhile is redone by --update
                digest = u["digest"] or item_digest(entry)
                item, rate = read_item(kind, entry)
                cached = (u["item"], item, rate, digest)
            _, item, rate, digest = cached
            extra = {"sample_rate": rate} if rate is not None else {}
            sample = {kind: item, **extra}
            if recorder is None:
                out = pipe(**sample, key=key, epoch=0, trace=True)
            else:  # the same output, recorded (``multiaug augment --profile``)
                out = profiled_call(pipe, recorder, sample, key, 0, trace=True)
            data = encode(out[kind], rate)
        except Exception as exc:  # every failure of one item follows --on-error
            reason = item_failed(job, u["source"], exc, "item")
            skipped.append({"item": u["item"], "copy": u["copy"], "source": u["source"], "reason": reason})
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
                "item": u["item"],
                "digest": digest,
            }
        )
    record: dict[str, Any] = {"units": [[u["item"], u["copy"]] for u in units], "rows": rows}
    if skipped:
        record["skipped"] = skipped
    if recorder is not None:
        record["profile"] = recorder.state()
    _atomic_write(_record_path(out_root, units), json.dumps(record, sort_keys=True).encode())
    return rows


def item_failed(job: dict[str, Any], name: str, exc: BaseException, what: str) -> str:
    """An item failed while being augmented: raise (``--on-error stop``) or say why (``skip``)."""
    reason = _reason(exc)
    if job.get("on_error", "stop") != "skip":
        raise InvalidInputError(
            OWNER,
            "--input",
            f"item {name} failed while being augmented: {reason}",
            f"fix or remove the {what} and run the same command again (finished {what}s are kept), "
            "or pass --on-error skip",
        ) from None
    return reason


def _reason(exc: BaseException) -> str:
    """One line saying why an item failed (an InvalidInputError's problem, else the exception)."""
    if isinstance(exc, InvalidInputError):
        return f"{exc.owner}: `{exc.field}` {exc.problem}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
