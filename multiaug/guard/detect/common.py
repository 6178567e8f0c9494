"""What every detector shares: content hashes, LSH banding and bucketing, and sorted-key lookups."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KeyIndex", "Pair", "band_keys", "bucket_pairs", "item_hash", "row_hashes"]

Pair = tuple[int, int, float]


def item_hash(item: Any) -> bytes:
    """A 128-bit content hash of one item: exact text, or an array's dtype, shape and bytes.

    Examples
    --------
    >>> import numpy as np
    >>> item_hash("a b") == item_hash("a b"), item_hash("a b") == item_hash("a  b")
    (True, False)
    >>> a = np.zeros((2, 2), np.uint8)
    >>> item_hash(a) == item_hash(a.copy()), item_hash(a) == item_hash(a.astype(np.float32))
    (True, False)
    """
    h = hashlib.blake2b(digest_size=16)
    if isinstance(item, str):
        h.update(b"str:")
        h.update(item.encode("utf-8", "surrogatepass"))
        return h.digest()
    if isinstance(item, bytes):
        h.update(b"bytes:")
        h.update(item)
        return h.digest()
    arr = np.ascontiguousarray(np.asarray(item))
    if arr.dtype == object:
        h.update(b"obj:")
        h.update(repr(arr.tolist()).encode("utf-8", "surrogatepass"))
        return h.digest()
    h.update(f"{arr.dtype.str}{arr.shape}:".encode())
    h.update(arr.tobytes())
    return h.digest()


#: How deep a table cell may nest lists, tuples, dicts and object arrays, and how many of their
#: elements it may hold in all (a deeper or larger one, one that holds itself, or an alias bomb --
#: a list holding one list twice, 60 times over -- is refused: the encoding walks every element).
MAX_CELL_DEPTH = 64
MAX_CELL_ELEMENTS = 1_000_000


def _cell_bytes(value: Any, depth: int = 0, budget: list[int] | None = None) -> bytes:
    """A canonical encoding of one table cell: arrays by dtype, shape and bytes, dicts with sorted
    keys, lists and tuples element by element, other values by type and repr."""
    if isinstance(value, str):
        return b"str:" + value.encode("utf-8", "surrogatepass")
    if isinstance(value, bytes):
        return b"bytes:" + value
    if isinstance(value, np.ndarray) and value.dtype != object:
        arr = np.ascontiguousarray(value)
        return f"arr:{arr.dtype.str}{arr.shape}:".encode() + arr.tobytes()
    if not isinstance(value, (np.ndarray, dict, list, tuple)):
        kind = type(value)
        return f"{kind.__module__}.{kind.__qualname__}:{value!r}".encode("utf-8", "surrogatepass")
    budget = [MAX_CELL_ELEMENTS] if budget is None else budget
    budget[0] -= len(value)
    if depth >= MAX_CELL_DEPTH or budget[0] < 0:
        from ...core.errors import InvalidInputError

        raise InvalidInputError(
            "SplitGuard",
            "table",
            f"has a cell that nests lists, dicts or arrays more than {MAX_CELL_DEPTH} deep or holds more "
            f"than {MAX_CELL_ELEMENTS:,} elements in all (or holds itself)",
            "flatten such cells (e.g. json.dumps them into text) or drop that column",
        )
    inner = depth + 1
    if isinstance(value, np.ndarray):
        parts = (_cell_bytes(v, inner, budget) for v in value.ravel())
        return f"arr:O{value.shape}:".encode() + _joined(parts)
    if isinstance(value, dict):
        pairs = [
            _joined((_cell_bytes(k, inner, budget), _cell_bytes(v, inner, budget))) for k, v in value.items()
        ]
        return b"dict:" + _joined(sorted(pairs))
    return type(value).__name__.encode() + b":" + _joined(_cell_bytes(v, inner, budget) for v in value)


def _joined(parts: Any) -> bytes:
    """Parts joined unambiguously (each after its length)."""
    return b"".join(len(part).to_bytes(8, "little") + part for part in parts)


def _cell_digest(value: Any) -> str:
    return hashlib.blake2b(_cell_bytes(value), digest_size=16).hexdigest()


def row_hashes(table: np.ndarray | pd.DataFrame) -> list[bytes]:
    """One content hash per row of a 2-D array or DataFrame (values and dtypes, not the index)."""
    if isinstance(table, np.ndarray):
        arr = np.ascontiguousarray(table)
        prefix = f"row:{arr.dtype.str}:{arr.shape[1]}:".encode()
        return [hashlib.blake2b(prefix + row.tobytes(), digest_size=16).digest() for row in arr]
    import pandas as pd

    # object columns (strings, lists, dicts, arrays...): one canonical digest per cell, whatever the
    # other cells of the table, so a row hashes the same in train and val
    loose = [pd.api.types.is_object_dtype(t) or isinstance(t, pd.StringDtype) for t in table.dtypes]
    columns = [
        table.iloc[:, i].astype(object).map(_cell_digest) if is_loose else table.iloc[:, i]
        for i, is_loose in enumerate(loose)
    ]
    canonical = pd.concat(columns, axis=1, ignore_index=True) if columns else table
    values = pd.util.hash_pandas_object(canonical, index=False).to_numpy(np.uint64)
    kinds = ("obj" if is_loose else t for is_loose, t in zip(loose, table.dtypes, strict=True))
    prefix = ("df:" + ",".join(f"{c}:{k}" for c, k in zip(table.columns, kinds, strict=True))).encode()
    tag = hashlib.blake2b(prefix, digest_size=8).digest()
    return [tag + int(v).to_bytes(8, "little") for v in values]


def bucket_pairs(keys: np.ndarray, side: np.ndarray | None, max_bucket: int = 2000) -> set[tuple[int, int]]:
    """Candidate pairs sharing a key in any column of ``keys`` (shape ``(n, n_bands)``).

    A bucket larger than ``max_bucket`` (a key shared by very many items, e.g. empty texts)
    pairs each member with the bucket's first member only, keeping the search sub-quadratic;
    union-find over those pairs still joins the bucket into one cluster.
    """
    out: set[tuple[int, int]] = set()
    n = keys.shape[0]
    if n < 2:
        return out
    for band in keys.T:
        order = np.argsort(band, kind="stable")
        sorted_keys = band[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], n]
        for s, e in zip(starts[ends - starts > 1], ends[ends - starts > 1], strict=True):
            members = order[s:e]
            if side is not None:
                a, b = members[side[members] == 0], members[side[members] == 1]
                if not len(a) or not len(b):
                    continue
                if len(a) * len(b) > max_bucket * max_bucket:
                    a, b = a[:1], b
                for i in a.tolist():
                    for j in b.tolist():
                        out.add((i, j) if i < j else (j, i))
            elif len(members) > max_bucket:
                first = int(members[0])
                out.update((first, int(j)) for j in members[1:])
            else:
                ms = sorted(members.tolist())
                out.update((ms[x], ms[y]) for x in range(len(ms)) for y in range(x + 1, len(ms)))
    return out


def band_keys(sig: np.ndarray, n_bands: int) -> np.ndarray:
    """LSH banding: each of ``n_bands`` bands of a signature's columns collapsed into one 64-bit key."""
    n, n_perm = sig.shape
    rows = n_perm // n_bands
    keys = np.empty((n, n_bands), dtype=np.uint64)
    for band in range(n_bands):
        block = np.ascontiguousarray(sig[:, band * rows : (band + 1) * rows])
        keys[:, band] = [
            int.from_bytes(hashlib.blake2b(r.tobytes(), digest_size=8).digest(), "little") for r in block
        ]
    return keys


class KeyIndex:
    """Items' keys sorted once (stably) for lookups by binary search.

    Examples
    --------
    >>> import numpy as np
    >>> q, k = KeyIndex(np.array([5, 3, 5, 9])).matches(np.array([5, 1, 9]))
    >>> q.tolist(), k.tolist()
    ([0, 0, 2], [0, 2, 3])
    """

    def __init__(self, keys: np.ndarray) -> None:
        self.order = np.argsort(keys, kind="stable")
        self.sorted = keys[self.order]

    def span(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each query's matches start in the sorted keys, and how many there are."""
        left = np.searchsorted(self.sorted, query, "left")
        return left, np.searchsorted(self.sorted, query, "right") - left

    def matches(self, query: np.ndarray, max_bucket: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Every ``(q, k)`` with ``query[q] == keys[k]``: in the order of ``query``, and for one query
        in the order of ``keys``. A query value that more than ``max_bucket`` keys share matches
        nothing (a value very many items share says little)."""
        left, count = self.span(query)
        if max_bucket is not None:
            count[count > max_bucket] = 0
        asked = np.repeat(np.arange(len(query)), count)
        offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        return asked, self.order[np.repeat(left, count) + offsets]
