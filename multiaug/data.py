"""Reading datasets from disk: folders (with class sub-folders) and CSV/Parquet manifests.

Used by the command line (``multiaug check-split``; later ``multiaug augment``). A dataset
is a list of items of one kind — images (RGB/RGBA uint8 arrays), audio clips (float32,
one sample rate) or texts — with optional labels, groups and the source of each item.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core.errors import InvalidInputError

__all__ = [
    "AUDIO_SUFFIXES",
    "IMAGE_SUFFIXES",
    "TEXT_SUFFIXES",
    "Dataset",
    "Entry",
    "Listing",
    "check_item",
    "read_dataset",
    "read_item",
    "scan_dataset",
]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg"})
TEXT_SUFFIXES = frozenset({".txt"})
_OWNER = "multiaug.data.read_dataset"


@dataclass
class Dataset:
    """Items of one kind read from disk, with what is known about each."""

    kind: str  # "image", "audio" or "text"
    items: list[Any]
    sources: list[str]
    labels: list[Any] | None = None
    groups: list[Any] | None = None
    sample_rate: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _kind_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in AUDIO_SUFFIXES:
        return "audio"
    if suffix in TEXT_SUFFIXES:
        return "text"
    return None


def _read_image(path: Path) -> Any:
    import cv2
    import numpy as np

    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise InvalidInputError(
            _OWNER, str(path), f"cannot be read ({exc.strerror})", "check the file"
        ) from None
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if img is None:
        raise InvalidInputError(_OWNER, str(path), "is not a readable image", "check the file")
    if img.dtype != "uint8":
        raise InvalidInputError(
            _OWNER, str(path), f"has {img.dtype} pixels", "convert it to 8-bit (uint8) images first"
        )
    if img.ndim == 3 and img.shape[2] == 3:
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if img.ndim == 3 and img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)
    return img


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            _OWNER, str(path), f"is not UTF-8 text (byte {exc.start})", "save it as UTF-8"
        ) from None
    except OSError as exc:
        raise InvalidInputError(
            _OWNER, str(path), f"cannot be read ({exc.strerror})", "check the file"
        ) from None


def _read_items(paths: list[Path], kind: str) -> tuple[list[Any], int | None]:
    if kind == "image":
        return [_read_image(p) for p in paths], None
    if kind == "text":
        return [_read_text(p) for p in paths], None
    from .audio import load

    clips, rates = [], set()
    for p in paths:
        audio, rate = load(p)
        clips.append(audio)
        rates.add(rate)
    if len(rates) > 1:
        raise InvalidInputError(
            _OWNER,
            "audio",
            f"files have different sample rates {sorted(rates)}",
            "resample them to one rate first (ma.audio.load(path, sample_rate=...))",
        )
    return clips, rates.pop() if rates else None


@dataclass(frozen=True)
class Entry:
    """One item of a dataset listing, not yet read."""

    source: str  # path relative to the dataset folder / manifest, or "row i" for inline text
    path: Path | None  # the file to read (None for a manifest's inline text)
    text: str | None = None
    label: Any = None
    group: Any = None
    id: str | None = None  # the manifest's ``id`` cell: the item's identity (see ``multiaug.jobs``)


@dataclass
class Listing:
    """What a dataset folder or manifest holds, before any item is read."""

    kind: str  # "image", "audio", "text" or "table"
    root: Path
    entries: list[Entry]
    table: Any = None  # the feature columns of a table (a DataFrame), for kind "table"
    labels: list[Any] | None = None  # the label column of a table
    manifest: Path | None = None  # the CSV/Parquet file, when the listing came from one

    @property
    def has_labels(self) -> bool:
        if self.kind == "table":
            return self.labels is not None
        return any(e.label is not None for e in self.entries)


def _scan_folder(root: Path) -> Listing:
    files = sorted(p for p in root.rglob("*") if p.is_file() and _kind_of(p) is not None)
    if not files:
        raise InvalidInputError(
            _OWNER, str(root), "holds no image, audio or .txt files", "point it at a dataset folder"
        )
    kinds = {_kind_of(p) for p in files}
    if len(kinds) > 1:
        raise InvalidInputError(
            _OWNER,
            str(root),
            f"mixes {sorted(k for k in kinds if k)} files",
            "keep one kind of item per dataset folder",
        )
    entries = []
    for p in files:
        rel = p.relative_to(root)
        entries.append(Entry(rel.as_posix(), p, label=rel.parts[0] if len(rel.parts) > 1 else None))
    return Listing(kinds.pop() or "image", root, entries)


def _empty_cells(path: Path, frame: Any, columns: tuple[str, ...]) -> None:
    """Refuse a manifest whose ``path``/``text``/``label`` column has an empty cell (names file and row)."""
    for column in columns:
        if column not in frame:
            continue
        values = frame[column]
        empty = values.isna() | values.map(lambda v: isinstance(v, str) and not v.strip())
        if empty.any():
            rows = [int(i) for i in empty.to_numpy().nonzero()[0]]
            where = ", ".join(str(r + 2 if path.suffix.lower() == ".csv" else r) for r in rows[:5])
            more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
            unit = "line" if path.suffix.lower() == ".csv" else "row"
            raise InvalidInputError(
                _OWNER,
                str(path),
                f"has an empty '{column}' cell in {unit}{'s' if len(rows) > 1 else ''} {where}{more}",
                f"fill in the '{column}' of every row, or remove those rows",
            )


def _ids(path: Path, frame: Any) -> list[str | None]:
    """The ``id`` column as text (one per row, unique), or ``None`` for every row without one."""
    if "id" not in frame:
        return [None] * len(frame)
    _empty_cells(path, frame, ("id",))
    ids = [str(v) for v in frame["id"]]
    seen: dict[str, int] = {}
    for row, value in enumerate(ids):
        if value in seen:
            unit = "line" if path.suffix.lower() == ".csv" else "row"
            first, again = (seen[value] + 2, row + 2) if unit == "line" else (seen[value], row)
            raise InvalidInputError(
                _OWNER,
                str(path),
                f"has the id {value!r} twice ({unit}s {first} and {again}): an id names one item",
                "give every row its own 'id'",
            )
        seen[value] = row
    return list(ids)


#: Manifest columns read verbatim from a CSV: only an empty cell is missing there. pandas also reads
#: "NA", "None", "nan", "null"... as missing, which refused the text "None" as an empty cell. Labels,
#: groups and feature columns keep pandas' reading (an R-style "NA" label or group is missing).
_VERBATIM = ("id", "text", "path")


def _read_frame(path: Path) -> Any:
    import pandas as pd

    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        frame = pd.read_csv(path, dtype={"id": str})  # an id "007" stays "007"
        verbatim = [c for c in _VERBATIM if c in frame and frame[c].isna().any()]
        if verbatim:  # read again only where pandas saw a missing value: "None" may be a text
            exact = pd.read_csv(path, dtype={"id": str}, keep_default_na=False, na_values=[""])
            for column in verbatim:
                frame[column] = exact[column]
        return frame
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInputError(
            _OWNER, str(path), f"cannot be read as a manifest ({problem})", "check the file"
        ) from None


def _manifest_frame(path: Path, owner: str = _OWNER) -> tuple[Any, list[Any]]:
    """A manifest's rows (a DataFrame; a 'text' or 'path' column must have rows and no empty
    cells, nor 'label') and its item ids (None where a row has none)."""
    frame = _read_frame(path)
    kind_column = "text" if "text" in frame else "path" if "path" in frame else None
    if kind_column is not None:
        if len(frame) == 0:
            raise InvalidInputError(
                owner, str(path), f"has a '{kind_column}' column but no rows", "list at least one item"
            )
        _empty_cells(path, frame, (kind_column, "label"))
    return frame, _ids(path, frame)


def _scan_manifest(path: Path, strict: bool = True) -> Listing:
    frame, ids = _manifest_frame(path)
    labels = frame["label"].tolist() if "label" in frame else None
    groups = frame["group"].tolist() if "group" in frame else None
    n = len(frame)
    label_of = (lambda i: labels[i]) if labels is not None else (lambda i: None)
    group_of = (lambda i: groups[i]) if groups is not None else (lambda i: None)
    if "text" in frame:
        texts = frame["text"].astype(str).tolist()
        entries = [Entry(f"row {i}", None, texts[i], label_of(i), group_of(i), ids[i]) for i in range(n)]
        return Listing("text", path.parent, entries, manifest=path)
    if "path" not in frame:
        features = frame.drop(columns=[c for c in ("label", "group", "id") if c in frame])
        if features.shape[1] == 0 or n == 0:
            raise InvalidInputError(
                _OWNER,
                str(path),
                f"has no 'text', 'path' or feature columns (columns: {list(frame.columns)})",
                "add a 'path' column (relative to the manifest), a 'text' column, or feature columns",
            )
        entries = [Entry(f"row {i}", None, None, label_of(i), group_of(i), ids[i]) for i in range(n)]
        return Listing("table", path.parent, entries, table=features, labels=labels, manifest=path)
    rel = [str(p) for p in frame["path"]]
    paths = [(path.parent / r) for r in rel]
    kinds = {_kind_of(p) for p in paths}
    if len(kinds) != 1 or None in kinds:
        raise InvalidInputError(
            _OWNER,
            str(path),
            "lists files of several or unknown kinds",
            "list only images, only audio files or only .txt files",
        )
    missing = [str(p) for p in paths if not p.is_file()]
    if missing and strict:
        raise InvalidInputError(_OWNER, str(path), f"lists missing files, e.g. {missing[0]}", "fix the paths")
    entries = [Entry(rel[i], paths[i], None, label_of(i), group_of(i), ids[i]) for i in range(n)]
    return Listing(kinds.pop() or "image", path.parent, entries, manifest=path)


def scan_dataset(path: str | os.PathLike[str]) -> Listing:
    """List a dataset folder or CSV/Parquet manifest without reading its items.

    A folder holds one kind of file (images, audio or ``.txt``); a first-level sub-folder
    name is the item's label. A manifest has a ``path`` column (files relative to the
    manifest) or a ``text`` column, and optional ``label``, ``group`` and ``id`` (the item's
    identity, unique) columns; a manifest with neither ``path`` nor ``text`` is a table
    (every other column is a feature).
    """
    return _scan(path, strict=True)


def _scan(path: str | os.PathLike[str], strict: bool) -> Listing:
    """``scan_dataset``; with ``strict=False`` a manifest may list missing files (a job checks each item)."""
    p = Path(path)
    if p.is_dir():
        return _scan_folder(p)
    if p.is_file() and p.suffix.lower() in (".csv", ".parquet"):
        return _scan_manifest(p, strict)
    raise InvalidInputError(
        _OWNER,
        str(p),
        "is neither a folder nor a .csv/.parquet manifest",
        "pass a dataset folder or manifest",
    )


def read_item(kind: str, entry: Entry) -> tuple[Any, int | None]:
    """Read one listed item: ``(item, sample_rate)`` (the rate is ``None`` except for audio)."""
    if entry.text is not None:
        return entry.text, None
    assert entry.path is not None
    if kind == "image":
        return _read_image(entry.path), None
    if kind == "text":
        return _read_text(entry.path), None
    from .audio import load

    return load(entry.path)


def check_item(kind: str, entry: Entry, root: Path) -> str | None:
    """Why one listed item cannot be used (``None`` when it can), without running any pipeline.

    The file must exist inside ``root`` (after resolving ``..`` and symbolic links) and decode:
    an image fully (a truncated PNG fails here, not half-way through a job), an audio file's
    header (``soundfile.info``, at least one frame), a text file as UTF-8.
    """
    if entry.path is None:
        return None
    path = entry.path
    if not path.is_file():
        return "does not exist" if not path.exists() else "is not a file"
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return f"lies outside the input folder {root}"
    try:
        if kind == "image":
            _read_image(path)
        elif kind == "text":
            _read_text(path)
        else:
            import soundfile as sf

            try:
                info = sf.info(str(path))
            except (OSError, RuntimeError, sf.LibsndfileError) as exc:
                return f"cannot be read as audio ({str(exc).strip() or type(exc).__name__})"
            if info.frames < 1:
                return "holds no audio frames"
    except InvalidInputError as exc:
        return exc.problem
    return None


def read_dataset(path: str | Path) -> Dataset:
    """Read a dataset folder (class sub-folders give labels) or a CSV/Parquet manifest.

    A manifest has a ``path`` column (files relative to the manifest) or a ``text``
    column, and optional ``label``, ``group`` and ``id`` columns; without either it is a table.
    """
    listing = scan_dataset(path)
    entries = listing.entries
    labels = [e.label for e in entries]
    groups = [e.group for e in entries]
    sources = [e.source for e in entries]
    has_labels = any(v is not None for v in labels)
    has_groups = any(v is not None for v in groups)
    if listing.kind == "table":
        return Dataset("table", listing.table, sources, listing.labels, groups if has_groups else None, None)
    if listing.kind == "text" and entries and entries[0].path is None:
        items: list[Any] = [e.text for e in entries]
        rate = None
    else:
        items, rate = _read_items([e.path for e in entries if e.path is not None], listing.kind)
    return Dataset(
        listing.kind, items, sources, labels if has_labels else None, groups if has_groups else None, rate
    )
