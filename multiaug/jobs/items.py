"""Items and their identity: work units, output names, the checks before any work, what makes one job."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._version import __version__
from ..core.errors import InvalidInputError
from ..core.fields import FIELDS
from ..data import Listing, check_item

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


def _output_names(listing: Listing, units: Sequence[tuple[int, int]]) -> list[str]:
    """Deterministic output paths (relative, POSIX), mirroring the input's layout."""
    suffix = file_suffix(listing.kind)
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
