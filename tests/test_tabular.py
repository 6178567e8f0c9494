"""Tabular samplers: imbalanced-learn equality, its estimator checks, pandas, provenance, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from imblearn import over_sampling as imb
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import parametrize_with_checks
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.preprocessing import StandardScaler

import multiaug as ma
from multiaug.testing.tabular import wine_frame

T = ma.tabular


def _cancer(imbalance: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Breast cancer made more imbalanced: every malignant row (class 0) kept only 1 in 3."""
    X, y = load_breast_cancer(return_X_y=True)
    keep = (y == 1) | (np.arange(len(y)) % 3 == 0)
    return X[keep][: 400 + imbalance], y[keep][: 400 + imbalance]


# ---------------------------------------------------------------------- imbalanced-learn's checks
#: Checks that cannot pass, and why (imbalanced-learn's own samplers fail them the same way).
_NOT_APPLICABLE = {
    # the check's table has a single, categorical column; SMOTE-NC needs a numeric one too
    ("SMOTENC", None): {"check_samplers_string": "SMOTE-NC needs at least one numeric column"},
    # imbalanced-learn 0.14's borderline-2 scales sparse differences with a dense matmul
    ("BorderlineSMOTE", "borderline-2"): {"check_samplers_sparse": "imbalanced-learn's own bug on sparse X"},
}


@parametrize_with_checks(
    [
        T.SMOTE(seed=0),
        T.ADASYN(seed=0),
        T.BorderlineSMOTE(seed=0),
        T.BorderlineSMOTE(kind="borderline-2", seed=0, algorithm="kd_tree"),
        T.RandomOverSampler(seed=0),
        T.SMOTENC(categorical_features=[0], seed=0),
    ],
    expected_failed_checks=lambda est: _NOT_APPLICABLE.get(
        (type(est).__name__, getattr(est, "kind", None)), {}
    ),
)
def test_imblearn_estimator_checks(estimator, check) -> None:  # type: ignore[no-untyped-def]
    check(estimator)


# ---------------------------------------------------------------------- same seed == imbalanced-learn
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (T.SMOTE, imb.SMOTE),
        (T.ADASYN, imb.ADASYN),
        (T.BorderlineSMOTE, imb.BorderlineSMOTE),
        (T.RandomOverSampler, imb.RandomOverSampler),
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 12345, 2**40])
def test_same_seed_equals_imblearn(ours, theirs, seed: int) -> None:  # type: ignore[no-untyped-def]
    X, y = _cancer()
    a = ours(seed=seed).fit_resample(X, y)
    b = theirs(random_state=T.random_state(seed)).fit_resample(X, y)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_random_state_mapping_is_documented_function() -> None:
    from multiaug.core.random import mix, seed_to_int

    assert T.random_state(42) == mix(seed_to_int(42), 0x696D626C6561726E) >> 32
    assert T.SMOTE(seed=42).random_state == T.random_state(42)
    with pytest.raises(ma.InvalidInputError):
        T.random_state(-1)


def test_seed_none_is_fixed_per_object_and_kept_in_pickles() -> None:
    import pickle

    X, y = _cancer()
    s = T.SMOTE()
    a = s.fit_resample(X, y)[0]
    assert np.array_equal(a, s.fit_resample(X, y)[0])
    assert np.array_equal(a, pickle.loads(pickle.dumps(s)).fit_resample(X, y)[0])
    assert not np.array_equal(a, T.SMOTE().fit_resample(X, y)[0])


@pytest.mark.parametrize(
    "algorithm, n_jobs", [("kd_tree", None), ("ball_tree", 2), ("brute", -1), ("auto", 2)]
)
def test_neighbour_search_options_give_the_same_rows(algorithm: str, n_jobs: int | None) -> None:
    X, y = load_wine(return_X_y=True)
    ref = T.SMOTE(seed=3).fit_resample(X, y)[0]
    out = T.SMOTE(seed=3, algorithm=algorithm, n_jobs=n_jobs).fit_resample(X, y)[0]
    assert np.allclose(out, ref)


# ---------------------------------------------------------------------- pandas
def test_frame_round_trip_keeps_columns_dtypes_and_integers() -> None:
    data = wine_frame()
    X, y = data["X"], data["y"]
    X_res, y_res = T.SMOTE(seed=0).fit_resample(X, y)
    assert list(X_res.columns) == list(X.columns) and X_res.dtypes.equals(X.dtypes)
    assert X_res["magnesium"].dtype == np.int64 and X_res["hue"].dtype == np.float32
    assert X_res.iloc[: len(X)].equals(X.reset_index(drop=True))
    assert isinstance(y_res, pd.Series) and y_res.name == y.name
    # integer columns are rounded interpolations, so they stay within their parents
    prov = T.SMOTE(seed=0)
    prov.fit_resample(X, y)
    for i, (a, b) in list(enumerate(prov.provenance_))[len(X) :]:
        lo, hi = sorted((X["magnesium"].iloc[a], X["magnesium"].iloc[b]))
        assert lo <= X_res["magnesium"].iloc[i] <= hi


def test_smote_routes_categorical_columns_to_smotenc() -> None:
    data = wine_frame(categorical=True)
    X, y = data["X"], data["y"]
    sm = T.SMOTE(seed=0)
    X_res, _ = sm.fit_resample(X, y)
    assert sm.routed_to_ == "tabular.SMOTENC"
    assert X_res.dtypes.equals(X.dtypes)
    assert set(X_res["band"].unique()) <= set(X["band"].cat.categories)
    assert X_res["flag"].dtype == bool
    # identical to asking for SMOTE-NC directly
    nc = T.SMOTENC(seed=0).fit_resample(X, y)[0]
    assert nc.equals(X_res)
    assert list(sm.categorical_features_) == [X.columns.get_loc("band"), X.columns.get_loc("flag")]


def test_smotenc_explicit_columns_and_object_arrays() -> None:
    data = wine_frame(categorical=True)
    X, y = data["X"], data["y"]
    by_name = T.SMOTENC(categorical_features=["band", "flag"], seed=1).fit_resample(X, y)[0]
    by_index = T.SMOTENC(categorical_features=[13, 14], seed=1).fit_resample(X, y)[0]
    assert by_name.equals(by_index)
    arr = X.astype({"band": object, "flag": object}).to_numpy(dtype=object)
    out, _ = T.SMOTENC(seed=1).fit_resample(arr, y.to_numpy())
    assert out.dtype == object and set(out[:, 13]) <= {"low", "mid", "high"}


def test_smotenc_equals_imblearn_on_category_frames() -> None:
    X, y = load_wine(return_X_y=True, as_frame=True)
    X["band"] = pd.cut(X["alcohol"], 3, labels=["l", "m", "h"])
    ours = T.SMOTENC(seed=5).fit_resample(X, y)[0]
    theirs = imb.SMOTENC(categorical_features="auto", random_state=T.random_state(5)).fit_resample(X, y)[0]
    assert ours.equals(theirs)


def test_random_over_sampler_copies_any_column_and_nan() -> None:
    X = pd.DataFrame(
        {
            "when": pd.to_datetime(["2024-01-01"] * 6),
            "v": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0],
            "s": list("abcdef"),
        }
    )
    y = pd.Series([0, 0, 0, 0, 1, 1])
    ros = T.RandomOverSampler(seed=0)
    X_res, _ = ros.fit_resample(X, y)
    assert X_res.dtypes.equals(X.dtypes) and len(X_res) == 8
    for i, src in enumerate(ros.provenance_):
        assert X_res.iloc[i].equals(X.iloc[src].rename(i)) or X_res.iloc[i].isna().equals(X.iloc[src].isna())


# ---------------------------------------------------------------------- provenance and trace
@pytest.mark.parametrize("cls", [T.SMOTE, T.ADASYN, T.BorderlineSMOTE])
def test_interpolated_rows_lie_on_the_segment_between_their_parents(cls) -> None:  # type: ignore[no-untyped-def]
    X, y = _cancer()
    s = cls(seed=4)
    X_res, y_res = s.fit_resample(X, y)
    n = len(X)
    for i, (a, b) in enumerate(s.provenance_[n:], start=n):
        assert y[a] == y_res[i]
        d = X[b] - X[a]
        j = int(np.argmax(np.abs(d)))
        step = (X_res[i, j] - X[a, j]) / d[j]
        assert -1e-9 <= step <= 1 + 1e-9
        assert np.allclose(X_res[i], X[a] + step * d, rtol=1e-7, atol=1e-9)


def test_borderline2_may_name_a_neighbour_of_another_class() -> None:
    X, y = _cancer()
    s = T.BorderlineSMOTE(kind="borderline-2", seed=0)
    s.fit_resample(X, y)
    pairs = s.provenance_[len(X) :]
    assert all(y[a] == 0 for a, _ in pairs)
    assert any(y[b] == 1 for _, b in pairs)


def test_trace_records_the_call() -> None:
    X, y = _cancer()
    s = T.SMOTE(k_neighbors=3, seed=9)
    s.fit_resample(X, y)
    trace = json.loads(json.dumps(s.trace_))
    assert trace == {
        "transform": "tabular.SMOTE",
        "params": {
            "random_state": T.random_state(9),
            "sampling_strategy": {"0": int((y == 1).sum() - (y == 0).sum())},
            "imblearn": "imblearn.over_sampling.SMOTE",
        },
    }
    assert np.array_equal(s.to_imblearn().fit_resample(X, y)[0], s.fit_resample(X, y)[0])


# ---------------------------------------------------------------------- scikit-learn behaviour
def test_get_set_params_clone_and_repr() -> None:
    s = T.SMOTE(k_neighbors=3, seed=1)
    assert s.get_params() == {
        "k_neighbors": 3,
        "sampling_strategy": "auto",
        "seed": 1,
        "algorithm": "auto",
        "n_jobs": None,
    }
    c = clone(s).set_params(k_neighbors=4)
    assert c.k_neighbors == 4 and s.k_neighbors == 3 and repr(c) == "SMOTE(k_neighbors=4, seed=1)"
    assert ma.from_config(s.to_config()).fingerprint == s.fingerprint != c.fingerprint


@pytest.mark.slow
def test_pipeline_cross_validate_and_grid_search() -> None:
    X, y = _cancer()
    pipe = Pipeline([("scale", StandardScaler()), ("smote", T.SMOTE(seed=0)), ("clf", LogisticRegression())])
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_validate(pipe, X, y, cv=cv, scoring="balanced_accuracy")
    assert scores["test_score"].mean() > 0.85
    grid = GridSearchCV(pipe, {"smote__k_neighbors": [3, 5], "smote__seed": [0, 1]}, cv=cv).fit(X, y)
    assert grid.best_params_["smote__k_neighbors"] in (3, 5)
    # the sampler is skipped at predict time: predictions have the test set's length
    assert len(grid.predict(X[:7])) == 7


# ---------------------------------------------------------------------- bad input
def _expect(field: str, *words: str):  # type: ignore[no-untyped-def]
    return pytest.raises(
        ma.InvalidInputError,
        match="(?s)`"
        + field.replace("[", r"\[").replace("]", r"\]")
        + "`"
        + "".join(f".*{w}" for w in words),
    )


def test_nan_in_array_and_frame() -> None:
    X, y = load_wine(return_X_y=True, as_frame=True)
    Xn = X.copy()
    Xn.iloc[3, 2] = np.nan
    with _expect("X['ash']", "missing", "SimpleImputer"):
        T.SMOTE(seed=0).fit_resample(Xn, y)
    with _expect("X", "NaN", "row 3, column 2"):
        T.ADASYN(seed=0).fit_resample(Xn.to_numpy(), y.to_numpy())


def test_small_class_names_the_class_and_the_fix() -> None:
    X, y = load_wine(return_X_y=True)
    keep = (y != 2) | (np.arange(len(y)) < 135)
    X, y = X[keep], y[keep]
    assert (y == 2).sum() == 5
    with _expect("y", "class 2 has 5 row", "k_neighbors=5 needs at least 6", "k_neighbors=4 or fewer"):
        T.SMOTE(seed=0).fit_resample(X, y)
    with _expect("y", "class 2", "n_neighbors=4 or fewer"):
        T.ADASYN(seed=0).fit_resample(X, y)
    T.SMOTE(k_neighbors=4, seed=0).fit_resample(X, y)  # the fix works
    one = (y != 2) | (np.arange(len(y)) < 131)
    with _expect("y", "class 2 has 1 row", "RandomOverSampler"):
        T.SMOTE(seed=0).fit_resample(X[one], y[one])


def test_length_mismatch_and_unsupported_columns() -> None:
    X, y = load_wine(return_X_y=True, as_frame=True)
    with _expect("y", "177 labels for 178 rows"):
        T.SMOTE(seed=0).fit_resample(X, y[:-1])
    Xd = X.assign(when=pd.Timestamp("2024-01-01"))
    with _expect("X['when']", "datetime64", "convert"):
        T.SMOTE(seed=0).fit_resample(Xd, y)
    Xc = X.assign(kind=pd.Categorical(["a", "b"] * 89))
    with _expect("X", "categorical", "SMOTENC"):
        T.ADASYN(seed=0).fit_resample(Xc, y)
    with _expect("X", "categorical", "SMOTENC"):
        T.BorderlineSMOTE(seed=0).fit_resample(Xc, y)
    with _expect("X", "no categorical columns"):
        T.SMOTENC(seed=0).fit_resample(X, y)
    with _expect("sample", "fit_resample"):
        T.SMOTE(seed=0)(X=X)


def test_bad_params_rejected_before_imblearn() -> None:
    X, y = load_wine(return_X_y=True)
    for bad in ({"k_neighbors": 0}, {"k_neighbors": 5.0}, {"sampling_strategy": "majority"}, {"seed": -2}):
        with pytest.raises(ma.InvalidInputError, match=f"`{next(iter(bad))}`"):
            T.SMOTE(**bad).fit_resample(X, y)
    with pytest.raises(ma.InvalidInputError, match="`y`"):
        T.SMOTE(sampling_strategy=0.5, seed=0).fit_resample(X, y)  # float ratio: binary only
