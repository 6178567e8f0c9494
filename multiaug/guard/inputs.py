"""Checks of what ``SplitGuard`` is given: one modality per collection, matching tables, one
entry per item for groups, labels and provenance."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from ..core.validation import require_at_most

__all__ = [
    "as_list",
    "check_images",
    "check_tables",
    "collection_kind",
    "is_frame",
    "per_row",
    "per_row_ids",
    "require_image_size",
    "source_ids",
]


def is_frame(x: Any) -> bool:
    return type(x).__name__ == "DataFrame" and hasattr(x, "select_dtypes")


def _a(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def _array_kind(owner: str, name: str, item: Any) -> str:
    """The kind ("audio" or "image") of one array item of a list (zero-size and odd shapes refused)."""
    if item.size == 0:
        raise InvalidInputError(
            owner, name, f"is an empty array (shape {item.shape})", "drop empty images/clips from the list"
        )
    if item.ndim == 1:
        return "audio"
    # (channels, time) float arrays with a few channels are audio
    if item.ndim == 2 and item.dtype.kind == "f" and item.shape[0] <= 8 < item.shape[1]:
        return "audio"
    if item.ndim in (2, 3):
        return "image"
    raise InvalidInputError(
        owner,
        name,
        f"is a {item.ndim}-D array",
        "pass (H, W[, C]) images or (samples,) / (channels, samples) audio clips",
    )


def collection_kind(owner: str, name: str, x: Any) -> str:
    """The modality of a collection: "table", "text", "image" or "audio" (every item checked)."""
    if is_frame(x):
        kind = "table"
    elif isinstance(x, np.ndarray):
        if x.ndim == 2:
            kind = "table"
        elif x.ndim in (3, 4):
            kind = "image"
            if x.size == 0 and len(x):
                raise InvalidInputError(
                    owner, name, f"holds zero-size images (shape {x.shape})", "pass images of at least 1x1"
                )
        else:
            raise InvalidInputError(
                owner,
                name,
                f"is a {x.ndim}-D array",
                "pass a 2-D table, a list of texts/images/audio arrays, or an (N, H, W[, C]) image stack",
            )
    elif not isinstance(x, Sequence) or isinstance(x, (str, bytes)):
        raise InvalidInputError(
            owner, name, f"must be a list, array or DataFrame, got {type(x).__name__}", "pass a list of items"
        )
    else:
        kinds: dict[str, int] = {}
        for k, item in enumerate(x):
            if isinstance(item, str):
                item_kind = "text"
            elif isinstance(item, np.ndarray):
                item_kind = _array_kind(owner, f"{name}[{k}]", item)
            else:
                raise InvalidInputError(
                    owner,
                    f"{name}[{k}]",
                    f"is {'None' if item is None else 'a ' + type(item).__name__}",
                    "pass str texts or NumPy image/audio arrays only (drop or fill missing items)",
                )
            kinds.setdefault(item_kind, k)
            if len(kinds) > 1:
                kind0 = next(iter(kinds))
                raise InvalidInputError(
                    owner,
                    f"{name}[{k}]",
                    f"is {_a(item_kind)} item but {name}[{kinds[kind0]}] is {_a(kind0)} item "
                    "(one modality per list)",
                    "check one modality at a time: split mixed data by field (images, texts, audio) first",
                )
        kind = next(iter(kinds), "empty")
    if kind == "empty" or len(x) == 0:
        raise InvalidInputError(owner, name, "is empty", "pass at least one item")
    if kind == "table" and not is_frame(x) and x.shape[1] == 0:
        raise InvalidInputError(owner, name, "has no columns", "pass a table with at least one column")
    return kind


#: The largest magnitude a float image may hold: a 16-bit image's top level (float images hold
#: [0, 1], or 0-255 levels); past it the pixel tests' squares and sums lose every digit.
MAX_LEVEL = 65535.0


def check_images(owner: str, splits: Mapping[str, Any], values: bool = True) -> None:
    """Images must hold real numbers (bool, integer or float): other dtypes (complex, object, text,
    dates) have no pixel values to compare or bytes to hash. With ``values``, for a near-duplicate
    search, float images must also be finite and within ``MAX_LEVEL`` in magnitude: NaN, inf or huge
    values would make every pixel comparison meaningless (a check of 1e30-scaled images linked every
    pair); exact hashing alone (``values=False``) needs neither."""
    for name, images in splits.items():
        if isinstance(images, np.ndarray) and images.dtype.kind in "biu":
            if len(images):  # an integer image stack: nothing to scan
                require_image_size(owner, f"{name}[0]", images[0])
            continue
        for k, image in enumerate(images):
            a = np.asarray(image)
            require_image_size(owner, f"{name}[{k}]", a)
            if a.dtype.kind not in "biuf":
                raise InvalidInputError(
                    owner,
                    f"{name}[{k}]",
                    f"has dtype {a.dtype}, not real pixel values",
                    "pass uint8, integer or float arrays (e.g. np.asarray(image, dtype=np.float32))",
                )
            if a.dtype.kind != "f" or not values:
                continue
            lo, hi = float(a.min()), float(a.max())  # NaN propagates: the comparison below fails
            if -MAX_LEVEL <= lo and hi <= MAX_LEVEL:
                continue
            finite = np.isfinite(lo) and np.isfinite(hi)
            raise InvalidInputError(
                owner,
                f"{name}[{k}]",
                f"has values up to {max(-lo, hi):.3g} in magnitude, more than the {MAX_LEVEL:,.0f} supported"
                if finite
                else "contains NaN or inf",
                "replace non-finite values and scale float images to [0, 1] (e.g. image / 255.0)",
            )


def require_image_size(owner: str, name: str, image: np.ndarray) -> None:
    """Bounded before any pass over it: a broadcast view of 10**10 pixels would be copied to be hashed."""
    from ..image._validate import MAX_IMAGE_VALUES

    require_at_most(
        owner, name, image.size, MAX_IMAGE_VALUES, "values (pixels x channels)", "downscale or tile the image"
    )


def check_tables(owner: str, tables: Mapping[str, Any], near_duplicates: bool) -> None:
    """Tables must agree in type and columns; numeric NaN/inf is refused when rows are compared."""
    names = list(tables)
    frames = [is_frame(t) for t in tables.values()]
    if len(set(frames)) > 1:
        frame_name = names[frames.index(True)]
        array_name = names[frames.index(False)]
        raise InvalidInputError(
            owner,
            array_name,
            f"is a NumPy array while {frame_name} is a DataFrame",
            f"pass both as DataFrames (pd.DataFrame({array_name}, columns={frame_name}.columns)) "
            f"or both as arrays ({frame_name}.to_numpy())",
        )
    if len(tables) > 1:
        (n0, t0), (n1, t1) = list(tables.items())[:2]
        if frames[0] and list(t0.columns) != list(t1.columns):
            raise InvalidInputError(
                owner,
                n1,
                f"has columns {list(t1.columns)} but {n0} has {list(t0.columns)}",
                "check two splits of one table (same columns in the same order)",
            )
        if not frames[0] and t0.shape[1] != t1.shape[1]:
            raise InvalidInputError(
                owner,
                n1,
                f"has {t1.shape[1]} column(s) but {n0} has {t0.shape[1]}",
                "check two splits of one table (same columns in the same order)",
            )
    if not near_duplicates:
        return
    for name, t in tables.items():
        values = t.select_dtypes("number").to_numpy(np.float64) if is_frame(t) else t
        if values.dtype.kind not in "fc":
            continue
        bad = ~np.isfinite(values).all(axis=1)
        if bad.any():
            raise InvalidInputError(
                owner,
                name,
                f"has NaN or inf in {int(bad.sum())} row(s) (first: row {int(np.flatnonzero(bad)[0])})",
                "impute or drop those rows first, or use SplitGuard(near_duplicates=False) "
                "(exact, group and provenance checks only)",
            )


def as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, np.ndarray) and x.ndim >= 3 else x


def per_row(owner: str, name: str, values: Any, n: int) -> list[Any] | None:
    if values is None:
        return None
    seq = list(values.tolist() if isinstance(values, np.ndarray) else values)
    if len(seq) != n:
        raise InvalidInputError(
            owner, name, f"has {len(seq)} entries for {n} items", "give exactly one entry per item"
        )
    return seq


def per_row_ids(owner: str, name: str, values: Any, n: int) -> list[Any] | None:
    """Per-item group ids or labels: one per item, hashable, not None."""
    seq = per_row(owner, name, values, n)
    for k, v in enumerate(seq or ()):
        if v is None or (isinstance(v, float) and v != v):
            raise InvalidInputError(
                owner, f"{name}[{k}]", "is missing (None/NaN)", "give every item a value (or drop the item)"
            )
        try:
            hash(v)
        except TypeError:
            raise InvalidInputError(
                owner,
                f"{name}[{k}]",
                f"is an unhashable {type(v).__name__} ({v!r})",
                "give one int or str id per item (a tuple for a compound id)",
            ) from None
    return seq


def source_ids(owner: str, name: str, entry: Any) -> frozenset[Hashable]:
    if isinstance(entry, (tuple, list, set, frozenset, np.ndarray)):
        items = np.asarray(list(entry)).tolist() if isinstance(entry, np.ndarray) else list(entry)
    else:
        items = [entry]
    for s in items:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer, str)):
            raise InvalidInputError(
                owner,
                name,
                f"entry {entry!r} holds a {type(s).__name__} source id",
                "give source ids as ints or strs, or tuples of them (a sampler's provenance_)",
            )
    return frozenset(int(s) if isinstance(s, (int, np.integer)) else s for s in items)
