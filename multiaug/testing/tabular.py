"""Shared-suite examples of the tabular transforms and samplers, and the sampler checks.

Samplers (``tabular.SMOTE``... and ``Oversample``) have no per-sample call, so their
:class:`Example` lists :data:`SAMPLER_CHECKS`, the dataset-level equivalents of the
per-sample checks: same seed -> same output, different seeds differ, input not mutated,
container/columns/dtypes kept, config and pickle round trips, bad parameters and bad data
rejected with ``InvalidInputError``, provenance consistent, equality with the plain
imbalanced-learn sampler (or recomputable keyed rows for ``Oversample``) and
hypothesis-driven properties. A sample here is ``{"X": table, "y": labels}``.
``tabular.GaussianNoise`` is an ordinary whole-table transform and runs the normal checks.
"""

from __future__ import annotations

import copy
import json
import pickle
from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..core.errors import InvalidInputError
from ..core.transform import Transform
from .checks import Example, config_clones, generated_bad_params

__all__ = [
    "BAD_TABLES",
    "SAMPLER_CHECKS",
    "assert_resampled_equal",
    "table_samples",
    "wine",
    "wine_frame",
]

Sample = dict[str, Any]


# ---------------------------------------------------------------------- data
@cache
def _wine() -> tuple[Any, Any]:
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True, as_frame=True)
    return X, y


def wine() -> Sample:
    """scikit-learn's wine table (178 x 13, classes 59/71/48) as float64 arrays."""
    X, y = _wine()
    return {"X": X.to_numpy(), "y": y.to_numpy()}


def wine_frame(categorical: bool = False) -> Sample:
    """The wine table as a DataFrame with an int and a float32 column (and a category column)."""
    X, y = _wine()
    X = X.copy()
    X["magnesium"] = X["magnesium"].astype(np.int64)
    X["hue"] = X["hue"].astype(np.float32)
    if categorical:
        X["band"] = (
            X["alcohol"]
            .map(lambda v: "low" if v < 12.5 else ("mid" if v < 13.5 else "high"))
            .astype("category")
        )
        X["flag"] = X["ash"] > 2.4
    return {"X": X, "y": y.copy()}


def _texts() -> Sample:
    from .text import REFERENCE_TEXT

    words = REFERENCE_TEXT.split()
    X = [" ".join(words[(3 * i + j) % len(words)] for j in range(8)) for i in range(10)]
    return {"X": X, "y": ["a"] * 7 + ["b"] * 3}


#: Tables every numeric sampler must reject (NaN, wrong lengths, too few rows, bad types, one class).
BAD_TABLES: tuple[Sample, ...] = (
    {"X": np.array([[0.0, 1.0], [np.nan, 2.0]] * 10), "y": np.array([0] * 14 + [1] * 6)},
    {"X": np.zeros((20, 2)), "y": np.zeros(19)},
    {"X": np.arange(40.0).reshape(20, 2), "y": np.array([0] * 17 + [1] * 3)},
    {"X": np.zeros((20, 2), dtype=complex), "y": np.array([0] * 14 + [1] * 6)},
    {"X": np.arange(40.0).reshape(20, 2), "y": np.zeros(20)},
    {"X": np.arange(40.0).reshape(20, 2), "y": np.linspace(0, 1, 20)},
    {"X": np.zeros((0, 2)), "y": np.zeros(0)},
)


@st.composite
def table_samples(draw: st.DrawFn, categorical: bool = False) -> Sample:
    """Small imbalanced tables: 2 classes, the minority with at least 7 rows, optional category column."""
    n_min = draw(st.integers(7, 12))
    n_maj = draw(st.integers(n_min + 1, 30))
    d = draw(st.integers(1, 4))
    X = draw(
        hnp.arrays(
            np.float64, (n_min + n_maj, d), elements=st.floats(-1e3, 1e3, allow_subnormal=False), unique=True
        )
    )
    y = np.array([1] * n_min + [0] * n_maj)
    if not categorical:
        return {"X": X, "y": y}
    import pandas as pd

    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(d)])
    cats = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=len(y), max_size=len(y)))
    frame["c"] = pd.Categorical(cats, categories=["a", "b", "c"])
    return {"X": frame, "y": y}


# ---------------------------------------------------------------------- comparisons
def _equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if hasattr(a, "equals"):  # DataFrame / Series: values, dtypes, index, names
        return bool(a.equals(b)) and list(getattr(a, "columns", [])) == list(getattr(b, "columns", []))
    if isinstance(a, np.ndarray):
        return (
            a.dtype == b.dtype
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
        )
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, z) for x, z in zip(a, b, strict=True))
    return bool(a == b)


def assert_resampled_equal(a: tuple[Any, Any], b: tuple[Any, Any]) -> None:
    """Exact equality of two ``(X_res, y_res)`` results (types, dtypes, values)."""
    assert _equal(a[0], b[0]), "X_res differs"
    assert _equal(a[1], b[1]), "y_res differs"


def _run(t: Any, data: Sample) -> tuple[tuple[Any, Any], list[Any]]:
    out = t.fit_resample(data["X"], data["y"])
    return out, list(t.provenance_)


# ---------------------------------------------------------------------- sampler checks
def check_sampler_same_seed_same_output(ex: Example) -> None:
    """Same seed: identical output and provenance, from two instances and from repeated calls."""
    data = ex.reference()
    a, b = ex.make(seed=11), ex.make(seed=11)
    first, prov = _run(a, data)
    for other in (b, a):
        again, prov2 = _run(other, data)
        assert_resampled_equal(first, again)
        assert prov == prov2


def check_sampler_seeds_differ(ex: Example) -> None:
    """Different seeds give different new rows."""
    if not ex.random:
        return
    data = ex.reference()
    outs = [_run(ex.make(seed=s), data)[0] for s in range(6)]
    assert any(not _equal(outs[0][0], o[0]) for o in outs[1:]), "6 seeds gave one output"


def check_sampler_input_not_mutated(ex: Example) -> None:
    """X and y are left exactly as they were."""
    data = ex.reference()
    before = copy.deepcopy(data)
    ex.make(seed=1).fit_resample(data["X"], data["y"])
    assert _equal(data["X"], before["X"]) and _equal(data["y"], before["y"])


def check_sampler_types_kept(ex: Example) -> None:
    """Container, columns, their order and dtypes kept; the originals come first, unchanged."""
    data = ex.reference()
    X, y = data["X"], data["y"]
    (X_res, y_res), prov = _run(ex.make(seed=2), data)
    n = len(y)
    assert type(X_res) is type(X) and type(y_res) is type(y)
    assert len(X_res) == len(y_res) == len(prov)
    cleans = ex.extra.get("cleans", False)  # SMOTE + cleaning: kept rows in the cleaner's order
    kept = [i for i, p in enumerate(prov) if not isinstance(p, tuple)] if cleans else list(range(n))
    src = [prov[i] for i in kept]
    if hasattr(X, "dtypes"):
        assert list(X_res.columns) == list(X.columns)
        assert X_res.dtypes.equals(X.dtypes), (X_res.dtypes, X.dtypes)
        assert X_res.iloc[kept].reset_index(drop=True).equals(X.iloc[src].reset_index(drop=True))
        assert getattr(y_res, "name", None) == getattr(y, "name", None)
    elif isinstance(X, np.ndarray):
        assert X_res.dtype == X.dtype and np.array_equal(X_res[kept], X[src])
    else:
        assert all(_equal(a, b) for a, b in zip(X_res[:n], X, strict=True))
        assert all(type(a) is type(X[p]) for a, p in zip(X_res, prov, strict=True))
    counts = Counter(np.asarray(y_res).tolist())
    if ex.extra.get("exact_counts", True):
        assert len(set(counts.values())) == 1, f"classes not balanced: {counts}"


def check_sampler_config_roundtrip(ex: Example) -> None:
    """to_config/from_config, JSON and YAML: same fingerprint, same resampled output."""
    data = ex.reference()
    t = ex.make(seed=9)
    expected = _run(t, data)
    for c in config_clones(t):
        assert c.fingerprint == t.fingerprint
        got = _run(c, data)
        assert_resampled_equal(got[0], expected[0])
        assert got[1] == expected[1]


def check_sampler_pickle_roundtrip(ex: Example) -> None:
    """Pickled and deep-copied samplers (seeded or not) and sklearn clones (seeded) give identical output."""
    from sklearn.base import clone

    data = ex.reference()
    for seed in (4, None):
        t = ex.make(seed=seed)
        copies = [pickle.loads(pickle.dumps(t)), copy.deepcopy(t)]
        if seed is not None:
            copies.append(clone(t))
        expected = _run(t, data)
        for c in copies:
            got = _run(c, data)
            assert_resampled_equal(got[0], expected[0])
        # a fitted sampler pickles too, provenance included
        fitted = pickle.loads(pickle.dumps(t))
        assert list(fitted.provenance_) == expected[1]


def check_sampler_bad_params(ex: Example) -> None:
    """Bad constructor parameters raise InvalidInputError naming the sampler.

    The values every spec declares invalid fail at construction; the example's own
    ``bad_params`` (cross-parameter errors) at construction or, at the latest, at ``fit_resample``.
    """
    data = ex.reference()
    good = ex.make(seed=0)
    for bad in generated_bad_params(good):
        try:
            ex.make(**bad)
        except InvalidInputError as exc:
            assert str(exc).startswith(good.name), f"message does not name the sampler: {exc}"
            continue
        raise AssertionError(f"{good.name} was constructed with {bad}, which its spec declares invalid")
    for bad in ex.bad_params:
        try:
            ex.make(**bad).fit_resample(data["X"], data["y"])
        except InvalidInputError as exc:
            assert str(exc).startswith(good.name), f"message does not name the sampler: {exc}"
            continue
        raise AssertionError(f"{good.name} accepted bad parameters {bad}")


def check_sampler_bad_data(ex: Example) -> None:
    """Bad data raises InvalidInputError naming the sampler, the field and the fix."""
    for bad in ex.bad_samples:
        t = ex.make(seed=0)
        try:
            t.fit_resample(bad["X"], bad["y"])
        except InvalidInputError as exc:
            # named by the sampler, or by the transform of its pipeline that met the bad item
            from ..core.registry import registered

            owner = str(exc).split(":", 1)[0]
            assert owner == t.name or owner in registered(), str(exc)
            assert "`" in str(exc) and "Fix:" in str(exc), str(exc)
            continue
        raise AssertionError(f"{t.name} accepted bad data {bad!r}")


def check_sampler_calling_one_sample_fails(ex: Example) -> None:
    """A sampler called like a per-sample transform says to use fit_resample."""
    t = ex.make(seed=0)
    try:
        t(**ex.reference(), key=0)
    except InvalidInputError as exc:
        assert "fit_resample" in str(exc)
        return
    raise AssertionError("a sampler accepted a per-sample call")


def _numeric(X: Any) -> tuple[np.ndarray, list[int]] | None:
    if isinstance(X, list):
        return None
    if hasattr(X, "dtypes"):
        cols = [j for j, d in enumerate(X.dtypes) if getattr(d, "kind", "O") == "f"]
        return X.iloc[:, cols].to_numpy(dtype=np.float64), cols
    return np.asarray(X, dtype=np.float64), list(range(X.shape[1]))


def check_sampler_provenance(ex: Example) -> None:
    """Provenance: one entry per row, originals point to themselves, new rows come from their parents.

    A copied row equals its source; an interpolated row lies within the box spanned by its two
    parents on every numeric column (on their line for an extrapolating sampler, SVM-SMOTE;
    each value one of its sources' for SMOTE-N); the base parent has the new row's class. A
    sampler that cleans after SMOTE (``extra["cleans"]``) keeps originals in its own order:
    every row whose provenance is an int equals that input row.
    """
    data = ex.reference()
    X, y = data["X"], np.asarray(data["y"])
    (X_res, y_res), prov = _run(ex.make(seed=3), data)
    n = len(y)
    y_res = np.asarray(y_res)
    assert len(prov) == len(y_res)
    cleans = ex.extra.get("cleans", False)
    first = 0 if cleans else n
    if not cleans:
        assert prov[:n] == list(range(n))
    num, num_res = _numeric(X), _numeric(X_res)
    for i, src in enumerate(prov[first:], start=first):
        base = src[0] if isinstance(src, tuple) else src
        assert 0 <= base < n and y[base] == y_res[i], (i, src)
        if num is None or num_res is None:
            continue
        _check_row_from(
            ex, num_res[0][i], num[0], src, copies_equal=cleans or ex.extra.get("copies_equal", False)
        )


def _check_row_from(ex: Example, row: np.ndarray, X: np.ndarray, src: Any, copies_equal: bool) -> None:
    """A row is its source (a copy), between its two parents, on their line, or their modes (SMOTE-N)."""
    if not isinstance(src, tuple):
        assert not copies_equal or np.array_equal(row, X[src], equal_nan=True), src
        return
    if ex.extra.get("modes", False):  # each value is one of the source rows' values
        assert all(row[j] in X[list(src), j] for j in range(row.size)), src
        return
    a, b = X[src[0]], X[src[1]]
    tol = 1e-6 * (1 + np.maximum(np.abs(a), np.abs(b)))
    if ex.extra.get("extrapolates", False):  # row = a + t (b - a) with t in [-1, 1] (SVM-SMOTE)
        d = b - a
        t = float(d @ (row - a) / (d @ d)) if d @ d > 0 else 0.0
        assert -1 - 1e-9 <= t <= 1 + 1e-9 and np.allclose(row, a + t * d, rtol=1e-6, atol=1e-6), src
        return
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    assert np.all(row >= lo - tol) and np.all(row <= hi + tol), src


def check_sampler_equals_imblearn(ex: Example) -> None:
    """``fit_resample`` equals the plain imbalanced-learn sampler with ``random_state(seed)``."""
    data = ex.extra.get("imblearn_data", wine)()
    for seed in (0, 7):
        t: Any = ex.make(seed=seed)
        ours = t.fit_resample(data["X"], data["y"])
        theirs = t.to_imblearn().fit_resample(data["X"], data["y"])
        assert np.array_equal(np.asarray(ours[0]), np.asarray(theirs[0]))
        assert np.array_equal(np.asarray(ours[1]), np.asarray(theirs[1]))
        trace = json.loads(json.dumps(t.trace_))
        assert trace["transform"] == t.name and trace["params"]["random_state"] == t.random_state


def check_oversample_rows_recomputable(ex: Example) -> None:
    """Every new row of ``Oversample`` is the keyed pipeline call ``row{i}/copy{c}`` of its source."""
    from ..sampling import copy_key

    data = ex.reference()
    t: Any = ex.make(seed=5)
    (X_res, _), prov = _run(t, data)
    n, seen = len(data["y"]), Counter[int]()
    for i in range(n, len(prov)):
        src = prov[i]
        seen[src] += 1
        assert X_res[i] == t.pipeline(text=data["X"][src], key=copy_key(src, seen[src]))["text"]


def check_sampler_properties(ex: Example) -> None:
    """Hypothesis-driven: determinism, no mutation, originals first, counts as the strategy says."""
    t = ex.make(seed=7)

    @settings(
        max_examples=ex.max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=ex.samples())
    def run(data: Sample) -> None:
        before = copy.deepcopy(data)
        try:
            first, prov = _run(t, data)
        except InvalidInputError:
            # e.g. ADASYN on a table where no minority row has a majority neighbour
            assert ex.extra.get("may_refuse", False)
            return
        assert _equal(data["X"], before["X"]) and _equal(data["y"], before["y"])
        again, prov2 = _run(t, data)
        assert_resampled_equal(first, again)
        assert prov == prov2
        n = len(data["y"])
        counts = Counter(np.asarray(first[1]).tolist())
        if ex.extra.get("exact_counts", True):
            assert len(set(counts.values())) == 1, counts
        assert len(prov) == len(first[1])
        assert ex.extra.get("cleans", False) or prov[:n] == list(range(n))

    run()


SAMPLER_CHECKS: tuple[Callable[[Example], None], ...] = (
    check_sampler_same_seed_same_output,
    check_sampler_seeds_differ,
    check_sampler_input_not_mutated,
    check_sampler_types_kept,
    check_sampler_config_roundtrip,
    check_sampler_pickle_roundtrip,
    check_sampler_bad_params,
    check_sampler_bad_data,
    check_sampler_calling_one_sample_fails,
    check_sampler_provenance,
    check_sampler_equals_imblearn,
    check_sampler_properties,
)

OVERSAMPLE_CHECKS: tuple[Callable[[Example], None], ...] = (
    *(c for c in SAMPLER_CHECKS if c is not check_sampler_equals_imblearn),
    check_oversample_rows_recomputable,
)


# ---------------------------------------------------------------------- whole tables
# The per-sample checks compare fields with ``==``, so their tables are arrays; DataFrames
# through GaussianNoise are tested in tests/test_tabular_noise.py.
def _table() -> Sample:
    return {"table": wine()["X"][:40], "label": 1}


@st.composite
def _noise_samples(draw: st.DrawFn) -> Sample:
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, np.int16]))
    shape = (draw(st.integers(1, 12)), draw(st.integers(1, 4)))
    elements = st.integers(-1000, 1000) if np.dtype(dtype).kind == "i" else st.floats(-1e3, 1e3, width=32)
    return {"table": draw(hnp.arrays(dtype, shape, elements=elements))}


def _make(name: str, **fixed: Any) -> Callable[..., Transform]:
    def make(**kw: Any) -> Transform:
        import multiaug as ma

        return getattr(ma.tabular, name)(**{**fixed, **kw})

    return make


def _sampler(name: str, reference: Callable[[], Sample], **kw: Any) -> Example:
    kw.setdefault("bad_samples", BAD_TABLES)
    kw.setdefault("samples", table_samples)
    kw.setdefault("checks", SAMPLER_CHECKS)
    kw.setdefault("max_examples", 10)
    fixed = kw.pop("fixed", {})
    return Example(make=_make(name, **fixed), reference=reference, **kw)


def _wine_with_band() -> Sample:
    """All-float wine plus one 'category' column (what imbalanced-learn's own 'auto' detects)."""
    X, y = _wine()
    X = X.copy()
    X["band"] = (X["alcohol"] > 13).map({True: "high", False: "low"}).astype("category")
    return {"X": X, "y": y}


def _categories() -> Sample:
    """The wine table as three category columns (low/mid/high bands), for SMOTE-N."""
    import pandas as pd

    X, y = _wine()
    bands = {c: pd.qcut(X[c], 3, labels=["low", "mid", "high"]) for c in ("alcohol", "hue", "proline")}
    return {"X": pd.DataFrame(bands), "y": y.copy()}


def _two_wines(arrays: bool = False) -> Sample:
    """Wine classes 0 and 2 (59 and 48 rows): one class to over-sample, so one k-means fit a call."""
    data = wine() if arrays else wine_frame(categorical=False)
    keep = np.asarray(data["y"]) != 1
    if arrays:
        return {"X": data["X"][keep], "y": data["y"][keep]}
    return {"X": data["X"][keep].reset_index(drop=True), "y": data["y"][keep].reset_index(drop=True)}


def _more_samplers() -> dict[str, Example]:
    """SVM-SMOTE, k-means SMOTE, SMOTE-N and the SMOTE + cleaning samplers."""
    cleaning = {"cleans": True, "exact_counts": False}
    return {
        "tabular.SVMSMOTE": _sampler(
            "SVMSMOTE",
            lambda: wine_frame(categorical=False),
            extra={"extrapolates": True, "exact_counts": False, "may_refuse": True},
            max_examples=5,
        ),
        "tabular.KMeansSMOTE": _sampler(
            "KMeansSMOTE",
            _two_wines,
            fixed={"kmeans_estimator": 2, "cluster_balance_threshold": 0.05},
            bad_samples=tuple(b for i, b in enumerate(BAD_TABLES) if i != 2),  # k_neighbors=2: 3 rows do
            # rows per cluster are rounded up
            max_examples=3,  # a k-means fit per class and call
            extra={"exact_counts": False, "may_refuse": True, "imblearn_data": lambda: _two_wines(True)},
        ),
        "tabular.SMOTEN": _sampler(
            "SMOTEN",
            _categories,
            bad_samples=tuple(b for i, b in enumerate(BAD_TABLES) if i != 3),  # complex values are categories
            samples=lambda: table_samples(categorical=True),
            extra={"modes": True, "imblearn_data": _categories},
        ),
        "tabular.SMOTEENN": _sampler("SMOTEENN", lambda: wine_frame(categorical=False), extra=cleaning),
        "tabular.SMOTETomek": _sampler("SMOTETomek", lambda: wine_frame(categorical=False), extra=cleaning),
    }


def _oversample_example() -> Example:
    from ..core.compose import Compose
    from ..sampling import Oversample
    from ..text import RandomSwap

    def make_oversample(**kw: Any) -> Transform:
        return Oversample(**{"pipeline": Compose([RandomSwap(alpha=0.5)], seed=3), **kw})

    return Example(
        make=make_oversample,
        reference=_texts,
        samples=lambda: st.builds(
            lambda n_a, n_b: {"X": [f"w{i} x y z" for i in range(n_a + n_b)], "y": [0] * n_a + [1] * n_b},
            st.integers(1, 8),
            st.integers(1, 8),
        ),
        bad_samples=(
            {"X": ["a b", "c d"], "y": [0]},
            {"X": "a b c", "y": [0, 1]},
            {"X": ["a b", "c d"], "y": [0, 0]},
            {"X": [None, "c d", "e f"], "y": [1, 0, 0]},
        ),
        checks=OVERSAMPLE_CHECKS,
        max_examples=10,
    )


def examples() -> dict[str, Example]:
    return {
        "tabular.SMOTE": _sampler("SMOTE", lambda: wine_frame(categorical=False)),
        "tabular.SMOTENC": _sampler(
            "SMOTENC",
            lambda: wine_frame(categorical=True),
            bad_samples=(*BAD_TABLES, wine()),  # no categorical column to detect
            samples=lambda: table_samples(categorical=True),
            extra={"imblearn_data": _wine_with_band},
        ),
        "tabular.ADASYN": _sampler(
            "ADASYN",
            lambda: wine_frame(categorical=False),
            extra={"exact_counts": False, "may_refuse": True},  # ADASYN rounds per-row counts
        ),
        "tabular.BorderlineSMOTE": _sampler(
            "BorderlineSMOTE",
            lambda: wine_frame(categorical=False),
            fixed={"kind": "borderline-2"},
            extra={"exact_counts": False},  # only rows in danger are used; there may be none
        ),
        "tabular.RandomOverSampler": _sampler(
            "RandomOverSampler",
            lambda: wine_frame(categorical=True),
            bad_samples=tuple(
                b for i, b in enumerate(BAD_TABLES) if i not in (0, 2, 3)
            ),  # NaN/any dtype pass
            extra={"copies_equal": True, "imblearn_data": lambda: wine_frame(categorical=True)},
        ),
        **_more_samplers(),
        "Oversample": _oversample_example(),
        "tabular.GaussianNoise": Example(
            make=_make("GaussianNoise", std=0.1),
            samples=_noise_samples,
            reference=_table,
            bad_samples=(
                {"table": np.array([[np.nan, 1.0], [2.0, 3.0]])},
                {"table": np.zeros(4)},
                {"table": np.zeros((0, 3))},
                {"table": [[1.0, 2.0]]},
                {"table": np.array([["a", "b"]])},
                {"label": 1},
            ),
        ),
    }
