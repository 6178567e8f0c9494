"""What an :class:`~multiaug.keras.ImageDataset` holds: its items (id, file, label) and its split.

Kept apart from Keras: listing a folder or a dataframe, naming the classes and splitting by seed
need neither Keras nor a backend.
"""

from __future__ import annotations

import hashlib
import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInputError
from ..data import IMAGE_SUFFIXES

OWNER = "keras.ImageDataset"
LABEL_MODES = ("int", "categorical", "binary", None)


@dataclass(frozen=True)
class Items:
    """Items in id order: ``ids[i]`` (the key), ``paths[i]`` (the file), ``labels[i]`` (class index)."""

    ids: list[str]
    paths: list[Path]
    labels: list[int] | None
    class_names: list[str] | None


def from_directory(directory: Path, class_names: Any, with_labels: bool) -> Items:
    """Images of the class sub-folders of ``directory`` (as ``image_dataset_from_directory``).

    Class names are the sub-folder names in alphanumeric order (or ``class_names``, which also
    selects and orders them); each class folder is searched recursively. The id of an image is
    its path relative to ``directory``, with ``/`` separators.
    """
    if not directory.is_dir():
        raise InvalidInputError(
            OWNER,
            "directory",
            f"{str(directory)!r} is not a folder",
            "pass a folder with one sub-folder per class",
        )
    found = sorted(p.name for p in directory.iterdir() if p.is_dir())
    names = found if class_names is None else _check_class_names(class_names, found, directory)
    if not names:
        raise InvalidInputError(
            OWNER,
            "directory",
            f"{str(directory)!r} has no class sub-folders",
            "put the images of each class in a sub-folder named after the class (cats/, dogs/)",
        )
    ids, paths, labels = [], [], []
    for index, name in enumerate(names):
        for path in sorted((directory / name).rglob("*")):
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                ids.append(path.relative_to(directory).as_posix())
                paths.append(path)
                labels.append(index)
    if not ids:
        raise InvalidInputError(
            OWNER,
            "directory",
            f"{str(directory)!r} holds no images in its class sub-folders {names[:5]}",
            f"add image files ({', '.join(sorted(IMAGE_SUFFIXES))}) to the class folders",
        )
    return Items(ids, paths, labels if with_labels else None, names if with_labels else None)


def _check_class_names(class_names: Any, found: list[str], directory: Path) -> list[str]:
    if isinstance(class_names, str) or not all(isinstance(n, str) for n in class_names):
        raise InvalidInputError(
            OWNER,
            "class_names",
            f"must be a list of folder names, got {class_names!r:.80}",
            "pass ['cat', 'dog']",
        )
    names = list(class_names)
    missing = [n for n in names if n not in found]
    if missing or len(set(names)) != len(names):
        problem = (
            f"names {missing} that are not sub-folders of {str(directory)!r}" if missing else "repeats a name"
        )
        raise InvalidInputError(OWNER, "class_names", problem, f"choose among {found[:10]}")
    return names


def from_dataframe(
    frame: Any, directory: Path | None, x_col: str, y_col: str | None, label_mode: Any
) -> Items:
    """Rows of a dataframe: ``x_col`` holds image paths (relative to ``directory`` when given), ``y_col``
    the class of each row (classes in sorted order, as ``flow_from_dataframe``). The id of a row is
    its ``x_col`` value."""
    columns = [str(c) for c in frame.columns]
    wanted = [x_col] + ([y_col] if y_col is not None and label_mode is not None else [])
    for name, column in zip(("x_col", "y_col"), wanted, strict=False):
        if column not in columns:
            what = "image paths" if name == "x_col" else "classes"
            raise InvalidInputError(
                OWNER, name, f"{column!r} is not a column of the dataframe (columns: {columns[:10]})",
                f"pass {name}= naming the column that holds the {what}",
            )  # fmt: skip
    ids = [os.fspath(v) if isinstance(v, (str, os.PathLike)) else v for v in frame[x_col].tolist()]
    bad = [v for v in ids if not isinstance(v, str) or not v]
    if bad:
        raise InvalidInputError(
            OWNER,
            "x_col",
            f"holds values that are not file paths, e.g. {bad[0]!r:.80}",
            "give one image path per row",
        )
    if len(set(ids)) != len(ids):
        dup = next(v for v in ids if ids.count(v) > 1)
        raise InvalidInputError(
            OWNER,
            "x_col",
            f"lists {dup!r} more than once (the path is the item's key)",
            "list each image once",
        )
    paths = [Path(v) if directory is None else directory / v for v in ids]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise InvalidInputError(
            OWNER,
            "x_col",
            f"lists {len(missing)} missing files, e.g. {missing[0]!r}",
            "fix the paths (or directory=)",
        )
    if label_mode is None or y_col is None:
        labels, names = None, None
    else:
        values = frame[y_col].tolist()
        names = sorted({_class_name(v) for v in values})
        labels = [names.index(_class_name(v)) for v in values]
    order = sorted(range(len(ids)), key=ids.__getitem__)
    return Items(
        [ids[i] for i in order],
        [paths[i] for i in order],
        None if labels is None else [labels[i] for i in order],
        names,
    )


def _class_name(value: Any) -> str:
    if isinstance(value, str) or (isinstance(value, numbers.Integral) and not isinstance(value, bool)):
        return str(value)
    raise InvalidInputError(
        OWNER,
        "y_col",
        f"holds {type(value).__name__} {value!r:.80}, not a class name",
        "give each row a str or int class",
    )


def in_validation(ids: list[str], seed: int, validation_split: float) -> list[bool]:
    """Whether each id falls in the validation subset: a pure function of ``(seed, id)``.

    The item's BLAKE2b digest (with the seed) read as a number in [0, 1) is below
    ``validation_split``, so adding or removing other files never moves an image from one subset
    to the other; the subset sizes are ``validation_split * n`` up to binomial noise.
    """
    out = []
    for item in ids:
        digest = hashlib.blake2b(f"{seed}\0{item}".encode(), digest_size=8, person=b"ma.keras.split").digest()
        out.append(int.from_bytes(digest, "little") / 2**64 < validation_split)
    return out
