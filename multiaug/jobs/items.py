"""Items and their identity: work units, output names, the checks before any work, what makes one job."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInputError
from ..core.fields import FIELDS
from ..data import Entry, Listing, check_item

OWNER = "multiaug augment"
_SHOWN_BAD = 10  # bad items listed in a refusal (then a count)
_MAX_COPIES = 100_000
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")


def chunk_size_for(n_units: int) -> int:
    """Units per chunk: about 200 chunks, 1 to 32 units each (a function of ``n_units`` only)."""
    return max(1, min(32, -(-n_units // 200)))


def file_suffix(field: str) -> str:
    """The suffix outputs of ``field`` are written with, from the field table (``image`` -> ``.png``)."""
    if field not in FIELDS:  # declared by its modality: the pipeline's transforms imported theirs
        from ..core.registry import registered

        registered()  # imports every installed modality, and so declares every field
    declared = FIELDS.get(field)
    if declared is None or declared.suffix is None:  # pragma: no cover - listings hold image/audio/text
        raise InvalidInputError(
            OWNER, "--input", f"holds {field} items, which jobs cannot write", "report this"
        )
    return declared.suffix


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidInputError(OWNER, name, f"must be an int >= {low}, got {value!r}", f"pass {name} {low}")
    return value


def _safe(part: Any) -> str:
    return _UNSAFE.sub("_", str(part)).strip("._") or "_"


def item_ids(listing: Listing) -> list[str]:
    """Every item's identity, which its keys are made of (``item_key(item_id, copy)``).

    The manifest's ``id`` cell when it has an ``id`` column; else a file's path relative to the
    input root (the folder, or the manifest's folder), normalised, with POSIX separators; else
    (inline text without an ``id``) ``row{i}``, its row -- the key ``fit_resample`` gives it.
    Two items with one identity (a manifest listing a file twice) are refused.
    """
    ids: list[str] = []
    where: dict[str, int] = {}
    for i, entry in enumerate(listing.entries):
        if entry.id is not None:
            item = entry.id
        elif entry.path is None:
            item = f"row{i}"
        else:
            item = _relative_id(entry.source, entry.path, listing.root)
        if item in where:
            raise InvalidInputError(
                OWNER,
                "--input",
                f"lists the item {item!r} twice ({listing.entries[where[item]].source!r} and "
                f"{entry.source!r}): its copies would get the same keys and output names",
                "list every file once (or give the rows distinct 'id' cells)",
            )
        where[item] = i
        ids.append(item)
    return ids


def _relative_id(source: str, path: Path, root: Path) -> str:
    """A file's identity: its path relative to ``root``, lexically normalised, POSIX separators."""
    rel = Path(source)
    if rel.is_absolute():
        inside = os.path.relpath(path, root)
        rel = Path(inside) if not inside.startswith("..") else rel
    return Path(os.path.normpath(rel)).as_posix()


def item_digest(entry: Entry) -> str:
    """A digest of an item's content (the file's bytes, or a manifest row's text): ``--update``
    recomputes an item whose digest differs from the one its outputs were made from."""
    h = hashlib.sha256()
    if entry.path is None:
        h.update(b"text\0" + str(entry.text).encode("utf-8", "surrogatepass"))
    else:
        with open(entry.path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:32]


def _output_names(listing: Listing, units: Sequence[tuple[int, int]], ids: Sequence[str]) -> list[str]:
    """Deterministic output paths (relative, POSIX), mirroring the input's layout."""
    suffix = file_suffix(listing.kind)
    bases: dict[int, str] = {}
    seen: dict[str, int] = {}
    for i, entry in enumerate(listing.entries):
        if entry.path is None:  # inline text of a manifest row: named by its id, or its row
            name = f"row{i:06d}" if entry.id is None else _id_name(entry.id)
            base = name if entry.label is None else f"{_safe(entry.label)}/{name}"
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


def _id_name(item: str) -> str:
    """A file name for an id: the id when it is a safe name, else its safe form and a digest."""
    safe = _safe(item)
    if safe == item:
        return item
    return f"{safe}-{hashlib.sha256(item.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def _job_identity(
    listing: Listing, fingerprint: str, seed: int, copies: int, balance: bool
) -> dict[str, Any]:
    """What makes two runs the same job: a run of the same job resumes, any other is refused.

    For files this is the pipeline, seed, copies/balance, kind and *where* the input is, not
    what it lists nor the library versions (a change of those warns: ``_check_versions``):
    deleting or adding a file and running again resumes (a unit is reused when it is recorded
    with its file present, see ``_finished_units``). A table is computed
    in one go, so its identity includes a digest of its rows.
    """
    identity: dict[str, Any] = {
        "fingerprint": fingerprint,
        "seed": seed,
        "copies": copies,
        "balance": balance,
        "kind": listing.kind,
        "input": str((listing.manifest or listing.root).resolve()),
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
    }
    diffs = [
        f"{names.get(k, k)} {old.get(k)!r} -> {new.get(k)!r}" for k in sorted(new) if old.get(k) != new.get(k)
    ]
    return "; ".join(diffs) or "an unreadable job record"


def _check_apart(listing: Listing, out: Path) -> None:
    """Refuse an output path under a file, an output folder inside the input folder (the next
    run would read the outputs as inputs) and an input inside the output folder."""
    if out.exists() and not out.is_dir():
        raise InvalidInputError(OWNER, "--output", f"{out} is a file", "pass a folder path")
    for parent in out.absolute().parents:
        if parent.exists() and not parent.is_dir():
            raise InvalidInputError(
                OWNER, "--output", f"{out} is under {parent}, which is a file", "pass a folder path"
            )
    target = out.resolve()
    if listing.manifest is None:
        root = listing.root.resolve()
        if target == root or root in target.parents:
            raise InvalidInputError(
                OWNER,
                "--output",
                f"{out} is inside the input folder {listing.root} (its outputs would be read as inputs)",
                "pass an --output folder outside the input folder",
            )
        if target in root.parents:
            raise InvalidInputError(
                OWNER,
                "--output",
                f"{out} contains the input folder {listing.root}",
                "pass an --output folder that does not contain the input",
            )
        return
    inside = [e.source for e in listing.entries if e.path is not None and target in e.path.resolve().parents]
    if inside or target in listing.manifest.resolve().parents:
        what = f"the input file {inside[0]}" if inside else f"the manifest {listing.manifest}"
        raise InvalidInputError(
            OWNER,
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
            OWNER,
            "--input",
            f"has {len(bad)} bad item{'s' if len(bad) > 1 else ''} of {len(listing.entries)}, nothing was "
            f"written: {'; '.join(shown)}{more}",
            "fix or remove them, or pass --on-error skip to leave them out (listed in skipped.json)",
        )
    return bad
