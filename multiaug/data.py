"""Reading datasets from disk: folders (with class sub-folders) and CSV/Parquet manifests.

Used by the command line (``multiaug check-split``; later ``multiaug augment``). A dataset
is a list of items of one kind — images (RGB/RGBA uint8 arrays), audio clips (float32,
one sample rate) or texts — with optional labels, groups and the source of each item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core.errors import InvalidInputError

__all__ = ["AUDIO_SUFFIXES", "IMAGE_SUFFIXES", "TEXT_SUFFIXES", "Dataset", "read_dataset"]

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


def _from_folder(root: Path) -> Dataset:
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
    kind = kinds.pop() or "image"
    items, rate = _read_items(files, kind)
    rel = [p.relative_to(root) for p in files]
    labels = [r.parts[0] if len(r.parts) > 1 else None for r in rel]
    return Dataset(
        kind, items, [str(r) for r in rel], None if all(v is None for v in labels) else labels, None, rate
    )


def _from_manifest(path: Path) -> Dataset:
    import pandas as pd

    frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    labels = frame["label"].tolist() if "label" in frame else None
    groups = frame["group"].tolist() if "group" in frame else None
    if "text" in frame:
        texts = frame["text"].astype(str).tolist()
        return Dataset("text", texts, [f"row {i}" for i in range(len(texts))], labels, groups)
    if "path" not in frame:
        raise InvalidInputError(
            _OWNER,
            str(path),
            f"has neither a 'text' nor a 'path' column (columns: {list(frame.columns)})",
            "add a 'path' column (relative to the manifest) or a 'text' column",
        )
    paths = [(path.parent / str(p)) for p in frame["path"]]
    kinds = {_kind_of(p) for p in paths}
    if len(kinds) != 1 or None in kinds:
        raise InvalidInputError(
            _OWNER,
            str(path),
            "lists files of several or unknown kinds",
            "list only images, only audio files or only .txt files",
        )
    kind = kinds.pop() or "image"
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise InvalidInputError(_OWNER, str(path), f"lists missing files, e.g. {missing[0]}", "fix the paths")
    items, rate = _read_items(paths, kind)
    return Dataset(kind, items, [str(p) for p in frame["path"]], labels, groups, rate)


def read_dataset(path: str | Path) -> Dataset:
    """Read a dataset folder (class sub-folders give labels) or a CSV/Parquet manifest.

    A manifest has a ``path`` column (files relative to the manifest) or a ``text``
    column, and optional ``label`` and ``group`` columns.
    """
    p = Path(path)
    if p.is_dir():
        return _from_folder(p)
    if p.is_file() and p.suffix.lower() in (".csv", ".parquet"):
        return _from_manifest(p)
    raise InvalidInputError(
        _OWNER,
        str(p),
        "is neither a folder nor a .csv/.parquet manifest",
        "pass a dataset folder or manifest",
    )
