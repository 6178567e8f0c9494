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

    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
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


def _read_items(paths: list[Path], kind: str) -> tuple[list[Any], int | None]:
    if kind == "image":
        return [_read_image(p) for p in paths], None
    if kind == "text":
        return [p.read_text(encoding="utf-8") for p in paths], None
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


def _scan_manifest(path: Path) -> Listing:
    import pandas as pd

    frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    labels = frame["label"].tolist() if "label" in frame else None
    groups = frame["group"].tolist() if "group" in frame else None
    n = len(frame)
    label_of = (lambda i: labels[i]) if labels is not None else (lambda i: None)
    group_of = (lambda i: groups[i]) if groups is not None else (lambda i: None)
    if "text" in frame:
        texts = frame["text"].astype(str).tolist()
        entries = [Entry(f"row {i}", None, texts[i], label_of(i), group_of(i)) for i in range(n)]
        return Listing("text", path.parent, entries, manifest=path)
    if "path" not in frame:
        features = frame.drop(columns=[c for c in ("label", "group") if c in frame])
        if features.shape[1] == 0 or n == 0:
            raise InvalidInputError(
                _OWNER,
                str(path),
                f"has no 'text', 'path' or feature columns (columns: {list(frame.columns)})",
                "add a 'path' column (relative to the manifest), a 'text' column, or feature columns",
            )
        entries = [Entry(f"row {i}", None, None, label_of(i), group_of(i)) for i in range(n)]
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
    if missing:
        raise InvalidInputError(_OWNER, str(path), f"lists missing files, e.g. {missing[0]}", "fix the paths")
    entries = [Entry(rel[i], paths[i], None, label_of(i), group_of(i)) for i in range(n)]
    return Listing(kinds.pop() or "image", path.parent, entries, manifest=path)


def scan_dataset(path: str | os.PathLike[str]) -> Listing:
    """List a dataset folder or CSV/Parquet manifest without reading its items.

    A folder holds one kind of file (images, audio or ``.txt``); a first-level sub-folder
    name is the item's label. A manifest has a ``path`` column (files relative to the
    manifest) or a ``text`` column, and optional ``label`` and ``group`` columns; a manifest
    with neither ``path`` nor ``text`` is a table (every other column is a feature).
    """
    p = Path(path)
    if p.is_dir():
        return _scan_folder(p)
    if p.is_file() and p.suffix.lower() in (".csv", ".parquet"):
        return _scan_manifest(p)
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
        return entry.path.read_text(encoding="utf-8"), None
    from .audio import load

    return load(entry.path)


def read_dataset(path: str | Path) -> Dataset:
    """Read a dataset folder (class sub-folders give labels) or a CSV/Parquet manifest.

    A manifest has a ``path`` column (files relative to the manifest) or a ``text``
    column, and optional ``label`` and ``group`` columns; without either it is a table.
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
