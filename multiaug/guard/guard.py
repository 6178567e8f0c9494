"""``SplitGuard``: find (and prevent) validation items leaking into training."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ..audio._validate import check_sample_rate, check_waveform
from ..core.errors import InvalidInputError, LeakageError
from ..core.random import TAGS, generator, mix, seed_to_int
from . import detect
from .report import REASONS, Leak, LeakageReport

__all__ = ["SplitGuard"]

_SPLIT_SALT = TAGS["split"]
_MAIN_FIELDS = ("image", "text", "audio", "table")


def _is_frame(x: Any) -> bool:
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


def _kind(owner: str, name: str, x: Any) -> str:
    """The modality of a collection: "table", "text", "image" or "audio" (every item checked)."""
    if _is_frame(x):
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
    if kind == "table" and not _is_frame(x) and x.shape[1] == 0:
        raise InvalidInputError(owner, name, "has no columns", "pass a table with at least one column")
    return kind


def _check_tables(owner: str, tables: Mapping[str, Any], near_duplicates: bool) -> None:
    """Tables must agree in type and columns; numeric NaN/inf is refused when rows are compared."""
    names = list(tables)
    frames = [_is_frame(t) for t in tables.values()]
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
        values = t.select_dtypes("number").to_numpy(np.float64) if _is_frame(t) else t
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


def _hashes(kind: str, x: Any) -> list[bytes]:
    if kind == "table":
        return detect.row_hashes(x)
    return [detect.item_hash(item) for item in x]


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, np.ndarray) and x.ndim >= 3 else x


def _per_row(owner: str, name: str, values: Any, n: int) -> list[Any] | None:
    if values is None:
        return None
    seq = list(values.tolist() if isinstance(values, np.ndarray) else values)
    if len(seq) != n:
        raise InvalidInputError(
            owner, name, f"has {len(seq)} entries for {n} items", "give exactly one entry per item"
        )
    return seq


def _per_row_ids(owner: str, name: str, values: Any, n: int) -> list[Any] | None:
    """Per-item group ids or labels: one per item, hashable, not None."""
    seq = _per_row(owner, name, values, n)
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


def _sources(owner: str, name: str, entry: Any) -> frozenset[Hashable]:
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


def _cross(index: Mapping[Hashable, list[int]], keys: Iterable[Hashable]) -> set[int]:
    found: set[int] = set()
    for key in keys:
        found.update(index.get(key, ()))
    return found


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


class SplitGuard:
    """Check a train/validation split for leaks, split without them, and fence off validation data.

    Four reasons are recognised: ``"group"`` (a shared group id), ``"exact"`` (the same content),
    ``"provenance"`` (a training row derived from a source a validation row derives from, as
    given by a sampler's ``provenance_``) and ``"near_duplicate"`` (an augmented copy).
    Near-duplicates are searched sub-quadratically per modality:

    * texts: word bigrams of the case-folded, punctuation-free text, MinHash (64 permutations)
      with LSH banding (16 bands of 4), verified by Jaccard >= ``text_threshold``;
    * tables (2-D arrays, numeric DataFrame columns): distance after standardisation below
      ``table_ratio`` x the median nearest-neighbour distance within a split (kNN radius search);
    * images: 64-bit DCT pHash of the grayscale (HSV value) thumbnail over its inscribed disc,
      compared over the 8 flips/90-degree rotations and rotations up to 30 degrees
      (multi-index hashing with probes of the least reliable bits); a candidate is verified
      by correlation with the source rendered at that pose at full resolution (0.985, closer
      for smooth images matched under a pose), by a noisy-copy test (residual spectrally white,
      contrast kept) or, for crops resized back, by a fitted crop window;

    * audio (lists of float32 ``(samples,)`` or ``(channels, samples)`` clips at one
      ``sample_rate``): sign bits of band-energy differences per frame (a Haitsma-Kalker
      fingerprint, centred per clip), candidates from offset-consistent matches of sampled
      frame bits, verified by the lowest bit error rate over time offsets, band shifts (pitch
      shifts up to ~4 semitones) and time scales 0.8-1.25, at most ``audio_max_ber``.

    Parameters
    ----------
    near_duplicates : bool
        Search for near-duplicates (exact duplicates, groups and provenance are always checked).
    text_threshold : float
        Minimum shingle Jaccard similarity of two near-duplicate texts.
    table_ratio : float
        Fraction of the median nearest-neighbour distance below which two rows are near-duplicates.
    image_max_distance : int
        Hamming distance (of 64 bits) within which two images' hashes, as they are, make them
        near-duplicates without a pixel check (both at least 32 pixels a side); others are
        verified by correlation.
    audio_max_ber : float
        Maximum bit error rate between the fingerprints of near-duplicate clips (0.5 is chance).
    seed : int
        Seed of the MinHash permutations (the result barely depends on it).

    Examples
    --------
    >>> import multiaug as ma
    >>> from multiaug.guard import SplitGuard
    >>> train = ["the cat sat on the mat today", "dogs bark at night", "a b c"]
    >>> val = ["The cat sat on the mat, today!", "something else entirely here"]
    >>> report = SplitGuard().check(train, val, groups_train=[1, 2, 3], groups_val=[4, 3])
    >>> report.ok, [tuple(leak) for leak in report.leaks]
    (False, [(0, 0, 'near_duplicate'), (2, 1, 'group')])
    """

    #: The constructor's arguments: name -> (type, check, rule in words, example); checked at
    #: construction and again at every call (attributes may have been changed since).
    CONSTRAINTS: ClassVar[dict[str, tuple[type, Callable[[Any], bool], str, str]]] = {
        "near_duplicates": (bool, lambda v: True, "a bool", "True"),
        "text_threshold": (float, lambda v: 0.0 < float(v) <= 1.0, "a number in (0, 1]", "0.5"),
        "table_ratio": (
            float,
            lambda v: 0.0 < float(v) < float("inf"),
            "a finite number > 0",
            "0.15",
        ),
        "image_max_distance": (int, lambda v: 0 <= int(v) <= 64, "an int in [0, 64]", "2"),
        "audio_max_ber": (float, lambda v: 0.0 < float(v) < 0.5, "a number in (0, 0.5)", "0.3"),
        "seed": (
            object,
            lambda v: (
                v is None or (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and int(v) >= 0)
            ),
            "an int >= 0 or None",
            "0",
        ),
    }

    def __init__(
        self,
        near_duplicates: bool = True,
        text_threshold: float = 0.5,
        table_ratio: float = 0.15,
        image_max_distance: int = 2,
        audio_max_ber: float = 0.3,
        seed: int = 0,
    ) -> None:
        self.near_duplicates = near_duplicates
        self.text_threshold = text_threshold
        self.table_ratio = table_ratio
        self.image_max_distance = image_max_distance
        self.audio_max_ber = audio_max_ber
        self.seed = seed
        self._validate("SplitGuard")

    def __repr__(self) -> str:
        return (
            f"SplitGuard(near_duplicates={self.near_duplicates}, text_threshold={self.text_threshold}, "
            f"table_ratio={self.table_ratio}, image_max_distance={self.image_max_distance}, "
            f"audio_max_ber={self.audio_max_ber}, seed={self.seed})"
        )

    # ------------------------------------------------------------------------------- helpers
    def _validate(self, owner: str) -> None:
        """Check every constructor argument against :attr:`CONSTRAINTS` (at construction and at use)."""
        for name, (kind, ok, rule, example) in self.CONSTRAINTS.items():
            value = getattr(self, name)
            if kind is object:
                good = True
            elif kind is bool:
                good = isinstance(value, (bool, np.bool_))
            elif kind is int:
                good = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
            else:
                good = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                    value, (bool, np.bool_)
                )
            if not good or not ok(value):
                raise InvalidInputError(
                    owner, name, f"must be {rule}, got {value!r}", f"pass e.g. {name}={example}"
                )

    def _audio_rate(self, owner: str, sample_rate: int | None) -> int:
        """The clips' sample rate, required (and checked) when audio near-duplicates are searched."""
        if sample_rate is None:
            raise InvalidInputError(
                owner,
                "sample_rate",
                "is missing; the audio near-duplicate search needs the clips' sample rate",
                "pass sample_rate=<rate in Hz> (all clips at one rate), e.g. sample_rate=16000, "
                "or SplitGuard(near_duplicates=False)",
            )
        check_sample_rate(owner, sample_rate, {})
        return int(sample_rate)

    def _near_pairs(
        self, kind: str, items: Any, side: np.ndarray | None, sample_rate: int | None = None
    ) -> list[tuple[int, int, float]]:
        """Near-duplicate pairs within a pool (cross-side only when ``side`` is given)."""
        if not self.near_duplicates:
            return []
        if kind == "audio":
            assert sample_rate is not None
            seed64 = seed_to_int(self.seed, "SplitGuard")
            return detect.audio_pairs(
                items, side, sample_rate, max_ber=float(self.audio_max_ber), seed=seed64
            )
        if kind == "text":
            seed64 = seed_to_int(self.seed, "SplitGuard")
            return detect.text_pairs(items, side, threshold=float(self.text_threshold), seed=seed64)
        if kind == "table":
            values = items.select_dtypes("number").to_numpy(np.float64) if _is_frame(items) else items
            if values.shape[1] == 0 or values.dtype.kind not in "biuf":
                return []
            return detect.table_pairs(values, side, ratio=float(self.table_ratio))[0]
        return detect.image_pairs(items, side, max_distance=int(self.image_max_distance))

    def _prepare_audio(
        self, owner: str, kind: str, splits: Mapping[str, Any], sample_rate: int | None
    ) -> int | None:
        """Check audio clips and their rate before a near-duplicate search (``None`` if none runs)."""
        if kind != "audio":
            return None
        for name, clips in splits.items():
            for k, clip in enumerate(clips):
                check_waveform(owner, clip, f"{name}[{k}]")
        if not self.near_duplicates or any(not len(clips) for clips in splits.values()):
            return None
        return self._audio_rate(owner, sample_rate)

    @staticmethod
    def _pool(kind: str, a: Any, b: Any) -> Any:
        if kind == "table":
            if _is_frame(a):
                import pandas as pd

                return pd.concat([a, b], ignore_index=True)
            return np.concatenate([np.asarray(a), np.asarray(b)])
        return [*_as_list(a), *_as_list(b)]

    # --------------------------------------------------------------------------------- check
    def check(
        self,
        X_train: Any,
        X_val: Any,
        groups_train: Sequence[Hashable] | np.ndarray | None = None,
        groups_val: Sequence[Hashable] | np.ndarray | None = None,
        provenance_train: Sequence[Any] | None = None,
        provenance_val: Sequence[Any] | None = None,
        strict: bool = False,
        sample_rate: int | None = None,
    ) -> LeakageReport:
        """Report every training item that leaks a validation item.

        Parameters
        ----------
        X_train, X_val : list or array or DataFrame
            Texts, images or audio arrays (lists), or tables (2-D arrays / DataFrames), of one kind.
        groups_train, groups_val : sequence, optional
            A group id per item (patient, speaker, document...); sharing one across the split leaks.
        provenance_train, provenance_val : sequence, optional
            Per item, its source id or a tuple of source ids (a sampler's ``provenance_``, indexed
            into the same original table for both splits).
        strict : bool
            Raise :class:`~multiaug.core.errors.LeakageError` (carrying the report) on any leak.
        sample_rate : int, optional
            The audio clips' sample rate in Hz (one rate for both splits); required for audio
            unless ``near_duplicates=False``.

        Returns
        -------
        LeakageReport
            One leak per (train item, val item, reason); a pair that is an exact duplicate is not
            reported again as a near-duplicate.

        Examples
        --------
        >>> import numpy as np
        >>> from multiaug.guard import SplitGuard
        >>> X = np.arange(20.0).reshape(10, 2)
        >>> SplitGuard().check(X[:6], X[5:]).counts["exact"]
        1
        >>> rep = SplitGuard().check(X[:3], X[3:], provenance_train=[0, 1, (1, 7)],
        ...                          provenance_val=list(range(3, 10)))
        >>> [tuple(leak) for leak in rep.leaks]
        [(2, 4, 'provenance')]
        """
        owner = "SplitGuard.check"
        self._validate(owner)
        kind_t, kind_v = _kind(owner, "X_train", X_train), _kind(owner, "X_val", X_val)
        kind = kind_t
        if kind_t != kind_v:
            raise InvalidInputError(
                owner,
                "X_val",
                f"holds {kind_v} while X_train holds {kind_t}",
                "check two splits of one dataset",
            )
        if kind == "table":
            _check_tables(owner, {"X_train": X_train, "X_val": X_val}, bool(self.near_duplicates))
        n_t, n_v = len(X_train), len(X_val)
        leaks: dict[tuple[int, int, str], float] = {}
        rate = self._prepare_audio(owner, kind, {"X_train": X_train, "X_val": X_val}, sample_rate)

        gt = _per_row_ids(owner, "groups_train", groups_train, n_t)
        gv = _per_row_ids(owner, "groups_val", groups_val, n_v)
        if gt is not None and gv is not None:
            by_group: dict[Hashable, list[int]] = {}
            for i, g in enumerate(gt):
                by_group.setdefault(g, []).append(i)
            for j, g in enumerate(gv):
                for i in by_group.get(g, ()):
                    leaks[(i, j, "group")] = 1.0

        by_hash: dict[bytes, list[int]] = {}
        for i, h in enumerate(_hashes(kind, X_train)):
            by_hash.setdefault(h, []).append(i)
        for j, h in enumerate(_hashes(kind, X_val)):
            for i in by_hash.get(h, ()):
                leaks[(i, j, "exact")] = 1.0

        pt = _per_row(owner, "provenance_train", provenance_train, n_t)
        pv = _per_row(owner, "provenance_val", provenance_val, n_v)
        st = None if pt is None else [_sources(owner, f"provenance_train[{i}]", e) for i, e in enumerate(pt)]
        sv = None if pv is None else [_sources(owner, f"provenance_val[{j}]", e) for j, e in enumerate(pv)]
        if st is not None and sv is not None:
            by_source: dict[Hashable, list[int]] = {}
            for i, sources in enumerate(st):
                for src in sources:
                    by_source.setdefault(src, []).append(i)
            for j, sources in enumerate(sv):
                for i in _cross(by_source, sources):
                    leaks[(i, j, "provenance")] = 1.0

        side = np.r_[np.zeros(n_t, np.int8), np.ones(n_v, np.int8)]
        for a, b, score in self._near_pairs(kind, self._pool(kind, X_train, X_val), side, rate):
            i, j = min(a, b), max(a, b) - n_t
            if (i, j, "exact") not in leaks:
                leaks[(i, j, "near_duplicate")] = round(float(score), 6)

        rank = {r: k for k, r in enumerate(REASONS)}
        ordered = sorted(leaks.items(), key=lambda kv: (kv[0][1], kv[0][0], rank[kv[0][2]]))
        report = LeakageReport([Leak(i, j, r, s) for (i, j, r), s in ordered], n_t, n_v)
        if strict and not report.ok:
            raise LeakageError(report, f"SplitGuard.check: {report}")
        return report

    # --------------------------------------------------------------------------------- split
    def clusters(
        self,
        X: Any,
        groups: Sequence[Hashable] | np.ndarray | None = None,
        sample_rate: int | None = None,
    ) -> np.ndarray:
        """A cluster id per item: exact and near-duplicates and shared groups joined (union-find).

        Examples
        --------
        >>> from multiaug.guard import SplitGuard
        >>> SplitGuard().clusters(["one two three four", "x y", "One two three four!", "x z"],
        ...                       groups=[0, 1, 2, 1]).tolist()
        [0, 1, 0, 1]
        """
        return self._clusters("SplitGuard.clusters", X, groups, sample_rate)

    def _clusters(self, owner: str, X: Any, groups: Any, sample_rate: int | None) -> np.ndarray:
        self._validate(owner)
        kind = _kind(owner, "X", X)
        if kind == "table":
            _check_tables(owner, {"X": X}, bool(self.near_duplicates))
        n = len(X)
        g = _per_row_ids(owner, "groups", groups, n)
        rate = self._prepare_audio(owner, kind, {"X": X}, sample_rate)
        uf = _UnionFind(n)
        first: dict[Hashable, int] = {}
        for i, h in enumerate(_hashes(kind, X)):
            uf.union(first.setdefault(h, i), i)
        if g is not None:
            first_g: dict[Hashable, int] = {}
            for i, gid in enumerate(g):
                uf.union(first_g.setdefault(gid, i), i)
        for i, j, _ in self._near_pairs(kind, _as_list(X), None, rate):
            uf.union(i, j)
        roots = [uf.find(i) for i in range(n)]
        _, labels = np.unique(np.asarray(roots, dtype=np.int64), return_inverse=True)
        return labels.astype(np.int64).reshape(-1)

    def split(
        self,
        X: Any,
        y: Sequence[Any] | np.ndarray | None = None,
        groups: Sequence[Hashable] | np.ndarray | None = None,
        test_size: float = 0.2,
        seed: int = 0,
        sample_rate: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Split into ``(train_idx, val_idx)`` with no group or near-duplicate cluster on both sides.

        Clusters (see :meth:`clusters`) are visited in a seeded random order, largest first, and
        each goes to validation while that brings the validation label counts closer to
        ``test_size`` of each class (stratification by ``y`` where the clusters allow it).
        ``sample_rate`` (Hz) is required for audio clips, as in :meth:`check`.

        Examples
        --------
        >>> import numpy as np
        >>> from multiaug.guard import SplitGuard
        >>> X = np.repeat(np.arange(50.0), 2)[:, None] * [1.0, 2.0]   # every row twice
        >>> tr, va = SplitGuard().split(X, y=np.arange(100) % 2, test_size=0.2, seed=0)
        >>> len(va), set(X[tr, 0].tolist()) & set(X[va, 0].tolist())
        (20, set())
        """
        owner = "SplitGuard.split"
        if not 0.0 < float(test_size) < 1.0:
            raise InvalidInputError(owner, "test_size", f"must lie in (0, 1), got {test_size!r}", "pass 0.2")
        self._validate(owner)
        _kind(owner, "X", X)
        ys = _per_row_ids(owner, "y", y, len(X))
        if ys is not None and len({type(v) for v in ys if not isinstance(v, (int, np.integer))}) > 1:
            raise InvalidInputError(
                owner, "y", "mixes label types (e.g. str and int)", "give labels of one type, e.g. all str"
            )
        labels = self._clusters(owner, X, groups, sample_rate)
        n = len(labels)
        _, y_codes = np.unique(np.asarray(ys if ys is not None else [0] * n), return_inverse=True)
        y_codes = y_codes.reshape(-1)
        n_classes = int(y_codes.max()) + 1 if n else 1
        counts = np.zeros((int(labels.max()) + 1 if n else 0, n_classes), dtype=np.int64)
        np.add.at(counts, (labels, y_codes), 1)
        target = float(test_size) * counts.sum(axis=0)
        rng = generator(mix(seed_to_int(seed, owner), _SPLIT_SALT))
        order = rng.permutation(len(counts))
        order = order[np.argsort(-counts[order].sum(axis=1), kind="stable")]
        in_val = np.zeros(len(counts), dtype=bool)
        have = np.zeros(n_classes)
        total_target = target.sum()
        for c in order:
            after = have + counts[c]
            gain = np.abs(target - have).sum() - np.abs(target - after).sum()
            if gain > 0 and after.sum() <= total_target + 0.5 * counts[c].sum():
                in_val[c] = True
                have = after
        if n and not in_val.any():
            in_val[order[-1]] = True
        val_mask = in_val[labels]
        return np.flatnonzero(~val_mask), np.flatnonzero(val_mask)

    # ------------------------------------------------------------------------------- protect
    def protect(self, pipeline: Callable[..., Any], X_val: Any) -> _Protected:
        """Wrap ``pipeline`` so that calling it on a validation item raises ``LeakageError``.

        The item's content hash (of the ``image``, ``text``, ``audio`` or ``table`` field; for a
        table, each row) is looked up among the validation items' hashes; other calls go to the
        pipeline unchanged.

        Examples
        --------
        >>> import multiaug as ma
        >>> from multiaug.guard import SplitGuard
        >>> aug = SplitGuard().protect(ma.text.RandomSwap(seed=0), ["held out text"])
        >>> aug(text="some training text", key=1)["text"] != ""
        True
        >>> aug(text="held out text", key=1)
        Traceback (most recent call last):
        ...
        multiaug.core.errors.LeakageError: protect: called on validation item 0 (field 'text')
        """
        owner = "SplitGuard.protect"
        if not callable(pipeline):
            raise InvalidInputError(
                owner, "pipeline", "is not callable", "pass a multiaug transform or pipeline"
            )
        kind = _kind(owner, "X_val", X_val)
        if kind == "audio":
            for k, clip in enumerate(X_val):
                check_waveform(owner, clip, f"X_val[{k}]")
        hashes = {h: j for j, h in enumerate(_hashes(kind, X_val))}
        return _Protected(pipeline, hashes)


class _Protected:
    """A pipeline that refuses validation items (see :meth:`SplitGuard.protect`)."""

    def __init__(self, pipeline: Callable[..., Any], hashes: dict[bytes, int]) -> None:
        self.pipeline = pipeline
        self._val_hashes = hashes

    def _check(self, name: str, value: Any) -> None:
        hashes = detect.row_hashes(value) if name == "table" else [detect.item_hash(value)]
        for h in hashes:
            j = self._val_hashes.get(h)
            if j is not None:
                report = LeakageReport([Leak(-1, j, "exact")], 0, len(self._val_hashes))
                raise LeakageError(report, f"protect: called on validation item {j} (field {name!r})")

    def __call__(self, *args: Any, **sample: Any) -> Any:
        for name in _MAIN_FIELDS:
            value = sample.get(name)
            if value is not None and (name != "table" or _is_frame(value) or np.ndim(value) == 2):
                self._check(name, value)
        return self.pipeline(*args, **sample)

    def __getattr__(self, name: str) -> Any:
        if name == "pipeline":
            raise AttributeError(name)
        return getattr(self.pipeline, name)

    def __repr__(self) -> str:
        return f"protect({self.pipeline!r}, {len(self._val_hashes)} validation items)"
