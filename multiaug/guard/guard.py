"""``SplitGuard``: find (and prevent) validation items leaking into training."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ..audio._validate import check_sample_rate, check_waveform
from ..core.errors import InvalidInputError, LeakageError
from ..core.random import TAGS, generator, mix, seed_to_int
from . import detect
from .inputs import (
    as_list,
    check_images,
    check_tables,
    collection_kind,
    is_frame,
    per_row,
    per_row_ids,
    require_image_size,
    source_ids,
)
from .report import REASONS, Leak, LeakageReport

__all__ = ["SplitGuard"]

_SPLIT_SALT = TAGS["split"]
_MAIN_FIELDS = ("image", "text", "audio", "table")


def _hashes(kind: str, x: Any) -> list[bytes]:
    """A content hash per item (per row of a table)."""
    if kind == "table":
        return detect.row_hashes(x)
    return [detect.item_hash(item) for item in x]


def _source_sets(owner: str, name: str, entries: list[Any] | None) -> list[frozenset[Hashable]] | None:
    """Each item's set of source ids (a provenance entry checked), or ``None`` if not given."""
    return None if entries is None else [source_ids(owner, f"{name}[{k}]", e) for k, e in enumerate(entries)]


def _shared_keys(
    train: Iterable[Any], val: Iterable[Any], reason: str, many: bool = False
) -> Iterator[tuple[int, int, str]]:
    """``(i, j, reason)`` for every training item ``i`` and validation item ``j`` with equal keys:
    one key per item, or (``many``) a collection of keys per item sharing any one."""
    by_key: dict[Hashable, list[int]] = {}
    for i, keys in enumerate(train):
        for key in keys if many else (keys,):
            by_key.setdefault(key, []).append(i)
    for j, keys in enumerate(val):
        for key in keys if many else (keys,):
            for i in by_key.get(key, ()):
                yield i, j, reason


def _validation_clusters(
    labels: np.ndarray, y_codes: np.ndarray, test_size: float, rng: np.random.Generator
) -> np.ndarray:
    """Which clusters go to validation (a mask over cluster ids), visiting them in a random order,
    largest first: a cluster goes when it brings the per-class counts closer to ``test_size`` of
    each class without overshooting the total by more than half the cluster; at least one goes."""
    n = len(labels)
    n_classes = int(y_codes.max()) + 1 if n else 1
    counts = np.zeros((int(labels.max()) + 1 if n else 0, n_classes), dtype=np.int64)
    np.add.at(counts, (labels, y_codes), 1)
    target = test_size * counts.sum(axis=0)
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
    return in_val


#: What a near-duplicate's score measures, per modality (images give their own evidence).
_MEASURES = {
    "text": "word-bigram Jaccard",
    "audio": "fingerprint match (1 - 2 x bit error rate)",
    "table": "standardised distance within the radius (1 at distance 0)",
    "image": "image near-duplicate",
}


def _report(
    leaks: Mapping[tuple[int, int, str], float],
    n_train: int,
    n_val: int,
    evidence: Mapping[tuple[int, int, str], Mapping[str, Any]] | None = None,
    low_detail: Sequence[int] = (),
) -> LeakageReport:
    """The report of ``(i, j, reason) -> score`` leaks: by validation item, training item, then
    reason (strongest evidence first); each leak's evidence from ``evidence`` (by default its
    reason as the method); ``low_detail``: the validation items too flat to verify."""
    rank = {r: k for k, r in enumerate(REASONS)}
    ordered = sorted(leaks.items(), key=lambda kv: (kv[0][1], kv[0][0], rank[kv[0][2]]))
    found = evidence or {}
    return LeakageReport(
        [Leak(i, j, r, s, found.get((i, j, r), {"method": r})) for (i, j, r), s in ordered],
        n_train,
        n_val,
        tuple(low_detail),
    )


class _UnionFind:
    """Disjoint sets of items ``0 .. n-1``; a set's root is its smallest item."""

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

    def join_equal(self, keys: Iterable[Hashable]) -> None:
        """Join every item with the first item of equal key."""
        first: dict[Hashable, int] = {}
        for i, key in enumerate(keys):
            self.union(first.setdefault(key, i), i)


class SplitGuard:
    """Check a train/validation split for leaks, split without them, and fence off validation data.

    Four reasons are recognised: ``"group"`` (a shared group id), ``"exact"`` (the same content),
    ``"provenance"`` (a training row derived from a source a validation row derives from, as
    given by a sampler's ``provenance_``) and ``"near_duplicate"`` (an augmented copy).
    Near-duplicates are searched sub-quadratically per modality:

    * texts: word bigrams of the case-folded, punctuation-free text, MinHash (64 permutations)
      with LSH banding (16 bands of 4), verified by Jaccard >= ``text_threshold``; and
      paraphrases (EDA, back-translation, typos): texts sharing rare words, verified by an
      IDF-weighted overlap of words equal, WordNet synonyms or one letter apart (>= 0.6);
    * tables (2-D arrays, numeric DataFrame columns): distance after standardisation below
      ``table_ratio`` x the median nearest-neighbour distance within a split (kNN radius search),
      or a training row within that distance of a segment from a validation row towards one of
      its nearest training rows, keeping at least 10 % of the validation row (SMOTE rows);
    * images: 64-bit DCT pHash of the grayscale (HSV value) thumbnail over its inscribed disc,
      compared over the 8 flips/90-degree rotations and rotations up to 30 degrees
      (multi-index hashing with probes of the least reliable bits); a candidate is verified
      by correlation with the source rendered at that pose at full resolution (0.985, closer
      for smooth images matched under a pose), by a noisy-copy test (residual spectrally white,
      contrast kept) or, for crops resized back, by a fitted crop window;

    * audio (lists of float32 ``(samples,)`` or ``(channels, samples)`` clips at one
      ``sample_rate``): sign bits of band-energy differences per frame (a Haitsma-Kalker
      fingerprint, centred per clip), candidates from offset- and shift-consistent matches of
      sampled frame bits, verified by the correlation of soft fingerprints over time offsets,
      band shifts in half bands (pitch shifts up to ~4.7 semitones) and time scales 0.8-1.25,
      at least ``1 - 2 * audio_max_ber``.

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
        Maximum bit error rate between the fingerprints of near-duplicate clips (0.5 is chance),
        as a correlation of at least ``1 - 2 * audio_max_ber`` of their soft fingerprints.
    seed : int
        Seed of the MinHash permutations (the result barely depends on it).
    cache : bool
        Remember the outcome of each pixel-verified image pair, keyed by the two images' content
        (a digest of shape, dtype and bytes) and the settings, so that checking the same pairs
        again (a data set that grows between checks) skips their verification (and the crop
        search's window fits); reports are the same with or without it. At most 2**18 pairs
        (~70 MB), least recently used dropped.

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
        "cache": (bool, lambda v: True, "a bool", "True"),
    }

    def __init__(
        self,
        near_duplicates: bool = True,
        text_threshold: float = 0.5,
        table_ratio: float = 0.15,
        image_max_distance: int = 2,
        audio_max_ber: float = 0.25,
        seed: int = 0,
        cache: bool = True,
    ) -> None:
        self.near_duplicates = near_duplicates
        self.text_threshold = text_threshold
        self.table_ratio = table_ratio
        self.image_max_distance = image_max_distance
        self.audio_max_ber = audio_max_ber
        self.seed = seed
        self.cache = cache
        self._verified = detect.VerifiedCache()
        self._validate("SplitGuard")

    def __getstate__(self) -> dict[str, Any]:
        """A pickled guard leaves its remembered pairs behind (a per-process memo, up to ~70 MB)."""
        state = self.__dict__.copy()
        state["_verified"] = detect.VerifiedCache()
        return state

    def __repr__(self) -> str:
        return (
            f"SplitGuard(near_duplicates={self.near_duplicates}, text_threshold={self.text_threshold}, "
            f"table_ratio={self.table_ratio}, image_max_distance={self.image_max_distance}, "
            f"audio_max_ber={self.audio_max_ber}, seed={self.seed}, cache={self.cache})"
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
        self,
        kind: str,
        items: Any,
        side: np.ndarray | None,
        sample_rate: int | None = None,
        evidence: dict[tuple[int, int], dict[str, Any]] | None = None,
    ) -> list[tuple[int, int, float]]:
        """Near-duplicate pairs within a pool (cross-side only when ``side`` is given); the image
        search writes each pair's evidence (e.g. the estimated warp) to ``evidence``."""
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
            values = items.select_dtypes("number").to_numpy(np.float64) if is_frame(items) else items
            if values.shape[1] == 0 or values.dtype.kind not in "biuf":
                return []
            return detect.table_pairs(values, side, ratio=float(self.table_ratio))[0]
        return detect.image_pairs(
            items,
            side,
            max_distance=int(self.image_max_distance),
            evidence=evidence,
            cache=self._verified if self.cache else None,
        )

    def _kind(self, owner: str, splits: Mapping[str, Any]) -> str:
        """The one modality of the collections ``splits`` (name -> collection), tables checked."""
        kinds = {name: collection_kind(owner, name, x) for name, x in splits.items()}
        (name0, kind), *others = kinds.items()
        for name, other in others:
            if other != kind:
                raise InvalidInputError(
                    owner,
                    name,
                    f"holds {other} while {name0} holds {kind}",
                    "check two splits of one dataset",
                )
        if kind == "table":
            check_tables(owner, splits, bool(self.near_duplicates))
        elif kind == "image":
            check_images(owner, splits, bool(self.near_duplicates))
        return kind

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
            if is_frame(a):
                import pandas as pd

                return pd.concat([a, b], ignore_index=True)
            return np.concatenate([np.asarray(a), np.asarray(b)])
        return [*as_list(a), *as_list(b)]

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
        >>> # rows in general position: evenly spaced rows on a line are SMOTE-like interpolations
        >>> X = np.random.default_rng(0).normal(size=(10, 3))
        >>> SplitGuard().check(X[:6], X[5:]).counts["exact"]
        1
        >>> rep = SplitGuard().check(X[:3], X[3:], provenance_train=[0, 1, (1, 7)],
        ...                          provenance_val=list(range(3, 10)))
        >>> [tuple(leak) for leak in rep.leaks]
        [(2, 4, 'provenance')]
        """
        owner = "SplitGuard.check"
        self._validate(owner)
        splits = {"X_train": X_train, "X_val": X_val}
        kind = self._kind(owner, splits)
        n_t, n_v = len(X_train), len(X_val)
        rate = self._prepare_audio(owner, kind, splits, sample_rate)
        leaks: dict[tuple[int, int, str], float] = {}
        gt = per_row_ids(owner, "groups_train", groups_train, n_t)
        gv = per_row_ids(owner, "groups_val", groups_val, n_v)
        if gt is not None and gv is not None:
            leaks.update(dict.fromkeys(_shared_keys(gt, gv, "group"), 1.0))
        leaks.update(dict.fromkeys(_shared_keys(_hashes(kind, X_train), _hashes(kind, X_val), "exact"), 1.0))
        pt = per_row(owner, "provenance_train", provenance_train, n_t)
        pv = per_row(owner, "provenance_val", provenance_val, n_v)
        st, sv = _source_sets(owner, "provenance_train", pt), _source_sets(owner, "provenance_val", pv)
        if st is not None and sv is not None:
            leaks.update(dict.fromkeys(_shared_keys(st, sv, "provenance", many=True), 1.0))
        side = np.r_[np.zeros(n_t, np.int8), np.ones(n_v, np.int8)]
        seen: dict[tuple[int, int], dict[str, Any]] = {}
        evidence: dict[tuple[int, int, str], Mapping[str, Any]] = {}
        for a, b, score in self._near_pairs(kind, self._pool(kind, X_train, X_val), side, rate, seen):
            i, j = min(a, b), max(a, b) - n_t
            if (i, j, "exact") not in leaks:  # an exact duplicate is not reported again
                leaks[(i, j, "near_duplicate")] = round(float(score), 6)
                # the pool holds training items first: a pair's evidence runs train -> val
                evidence[(i, j, "near_duplicate")] = seen.get(
                    (min(a, b), max(a, b)), {"method": _MEASURES[kind]}
                )
        report = _report(leaks, n_t, n_v, evidence, self._low_detail(kind, X_val))
        if strict and not report.ok:
            raise LeakageError(report, f"SplitGuard.check: {report}")
        return report

    def _low_detail(self, kind: str, X_val: Any) -> list[int]:
        """The validation images too flat to verify: their warped copies can be neither found
        nor ruled out, so the report names them apart (docs/guard.md)."""
        return detect.low_detail(as_list(X_val)) if kind == "image" and self.near_duplicates else []

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
        kind = self._kind(owner, {"X": X})
        n = len(X)
        g = per_row_ids(owner, "groups", groups, n)
        rate = self._prepare_audio(owner, kind, {"X": X}, sample_rate)
        uf = _UnionFind(n)
        uf.join_equal(_hashes(kind, X))
        if g is not None:
            uf.join_equal(g)
        for i, j, _ in self._near_pairs(kind, as_list(X), None, rate):
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
        collection_kind(owner, "X", X)
        ys = per_row_ids(owner, "y", y, len(X))
        if ys is not None and len({type(v) for v in ys if not isinstance(v, (int, np.integer))}) > 1:
            raise InvalidInputError(
                owner, "y", "mixes label types (e.g. str and int)", "give labels of one type, e.g. all str"
            )
        labels = self._clusters(owner, X, groups, sample_rate)
        _, y_codes = np.unique(np.asarray(ys if ys is not None else [0] * len(labels)), return_inverse=True)
        rng = generator(mix(seed_to_int(seed, owner), _SPLIT_SALT))
        val_mask = _validation_clusters(labels, y_codes.reshape(-1), float(test_size), rng)[labels]
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
        kind = collection_kind(owner, "X_val", X_val)
        if kind == "audio":
            for k, clip in enumerate(X_val):
                check_waveform(owner, clip, f"X_val[{k}]")
        elif kind == "image":
            check_images(owner, {"X_val": X_val})
        hashes = {h: j for j, h in enumerate(_hashes(kind, X_val))}
        return _Protected(pipeline, hashes)


class _Protected:
    """A pipeline that refuses validation items (see :meth:`SplitGuard.protect`)."""

    def __init__(self, pipeline: Callable[..., Any], hashes: dict[bytes, int]) -> None:
        self.pipeline = pipeline
        self._val_hashes = hashes

    def _check(self, name: str, value: Any) -> None:
        if name == "image":  # bounded before it is hashed: a broadcast view would be copied whole
            require_image_size("SplitGuard.protect", name, np.asarray(value))
        hashes = detect.row_hashes(value) if name == "table" else [detect.item_hash(value)]
        for h in hashes:
            j = self._val_hashes.get(h)
            if j is not None:
                report = LeakageReport([Leak(-1, j, "exact")], 0, len(self._val_hashes))
                raise LeakageError(report, f"protect: called on validation item {j} (field {name!r})")

    def __call__(self, *args: Any, **sample: Any) -> Any:
        for name in _MAIN_FIELDS:
            value = sample.get(name)
            if value is not None and (name != "table" or is_frame(value) or np.ndim(value) == 2):
                self._check(name, value)
        return self.pipeline(*args, **sample)

    def __getattr__(self, name: str) -> Any:
        if name == "pipeline":
            raise AttributeError(name)
        return getattr(self.pipeline, name)

    def __repr__(self) -> str:
        return f"protect({self.pipeline!r}, {len(self._val_hashes)} validation items)"
