"""SVM-SMOTE, k-means SMOTE, SMOTE-N, SMOTE + cleaning, and imbalanced-learn's estimator options.

Every sampler equals imbalanced-learn's row for row (``random_state=ma.tabular.random_state(seed)``),
with its default parameters and with the options imbalanced-learn takes as objects.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from imblearn import combine as imc
from imblearn import over_sampling as imo
from imblearn.under_sampling import EditedNearestNeighbours, TomekLinks
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import make_classification
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
from sklearn.svm import SVC

import multiaug as ma
from multiaug.tabular.samplers.base import SamplerRuntimeError

T = ma.tabular


def _table(n: int = 200, seed: int = 0, class_sep: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """200 rows, 5 features, three classes 10 % / 25 % / 65 %."""
    return make_classification(
        n_samples=n,
        n_features=5,
        n_informative=3,
        n_classes=3,
        weights=[0.1, 0.25],
        class_sep=class_sep,
        random_state=seed,
    )


def _mixed() -> tuple[pd.DataFrame, np.ndarray]:
    X, y = _table()
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    frame["colour"] = pd.Categorical(np.where(X[:, 3] > 0, "red", "blue"))
    frame["size"] = np.where(X[:, 4] > 0.5, "L", "S").astype(object)
    return frame, y


def _categories() -> tuple[np.ndarray, np.ndarray]:
    X, y = _table()
    return np.where(X[:, :3] > 0, "hi", "lo").astype(object), y


def _nn(k: int) -> NearestNeighbors:
    return NearestNeighbors(n_neighbors=k + 1)


#: (ours, imbalanced-learn's, data, parameters) -- defaults and imbalanced-learn's object options.
CASES = {
    "SMOTE": (T.SMOTE, imo.SMOTE, _table, {}),
    "SMOTE-nn": (T.SMOTE, imo.SMOTE, _table, {"k_neighbors": _nn(3)}),
    "SMOTENC-encoder": (
        T.SMOTENC,
        imo.SMOTENC,
        _mixed,
        {"categorical_features": [3, 4], "categorical_encoder": OneHotEncoder(sparse_output=False)},
    ),
    "ADASYN-nn": (T.ADASYN, imo.ADASYN, _table, {"n_neighbors": _nn(4)}),
    "BorderlineSMOTE-nn": (
        T.BorderlineSMOTE,
        imo.BorderlineSMOTE,
        _table,
        {"k_neighbors": _nn(3), "m_neighbors": _nn(8), "kind": "borderline-2"},
    ),
    "RandomOverSampler-dict": (
        T.RandomOverSampler,
        imo.RandomOverSampler,
        _table,
        {"shrinkage": {0: 0.5, 1: 1.0}},
    ),
    "SVMSMOTE": (T.SVMSMOTE, imo.SVMSMOTE, _table, {}),
    "SVMSMOTE-objects": (
        T.SVMSMOTE,
        imo.SVMSMOTE,
        _table,
        {"svm_estimator": SVC(C=2.0), "k_neighbors": _nn(3), "m_neighbors": 6, "out_step": 0.3},
    ),
    "KMeansSMOTE": (
        T.KMeansSMOTE,
        imo.KMeansSMOTE,
        _table,
        {"kmeans_estimator": 4, "cluster_balance_threshold": 0.1},
    ),
    "KMeansSMOTE-objects": (
        T.KMeansSMOTE,
        imo.KMeansSMOTE,
        _table,
        {
            "kmeans_estimator": MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0),
            "cluster_balance_threshold": 0.05,
            "density_exponent": 2.0,
            "k_neighbors": _nn(2),
            "n_jobs": 2,
        },
    ),
    "SMOTEN": (T.SMOTEN, imo.SMOTEN, _categories, {}),
    "SMOTEN-encoder": (
        T.SMOTEN,
        imo.SMOTEN,
        _categories,
        {"categorical_encoder": OrdinalEncoder(), "k_neighbors": 3},
    ),
    "SMOTEENN": (T.SMOTEENN, imc.SMOTEENN, _table, {}),
    "SMOTEENN-objects": (
        T.SMOTEENN,
        imc.SMOTEENN,
        _table,
        {"enn": EditedNearestNeighbours(n_neighbors=5), "n_jobs": 2},
    ),
    "SMOTETomek": (T.SMOTETomek, imc.SMOTETomek, _table, {}),
    "SMOTETomek-objects": (
        T.SMOTETomek,
        imc.SMOTETomek,
        _table,
        {"tomek": TomekLinks(sampling_strategy="auto")},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("seed", [0, 2**40])
def test_equals_imblearn_row_for_row(case: str, seed: int) -> None:
    ours, theirs, data, params = CASES[case]
    X, y = data()
    a = ours(seed=seed, **params).fit_resample(X, y)
    b = theirs(random_state=T.random_state(seed), **params).fit_resample(X, y)
    assert np.array_equal(np.asarray(a[0]), np.asarray(b[0])) and np.array_equal(a[1], b[1])


def test_combined_samplers_take_a_multiaug_smote_with_its_own_seed() -> None:
    X, y = _table()
    smote = T.SMOTE(k_neighbors=3, seed=5)
    for ours, theirs in ((T.SMOTEENN, imc.SMOTEENN), (T.SMOTETomek, imc.SMOTETomek)):
        a = ours(smote=smote, seed=1).fit_resample(X, y)
        b = theirs(smote=smote.to_imblearn(), random_state=9).fit_resample(X, y)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(ma.InvalidInputError, match=r"ma\.tabular\.SMOTE"):
        T.SMOTEENN(smote=imo.SMOTE()).fit_resample(X, y)


@pytest.mark.parametrize("cls", [T.SMOTEENN, T.SMOTETomek])
def test_cleaned_rows_are_absent_and_kept_rows_keep_their_provenance(cls: type) -> None:
    X, y = _table(class_sep=0.5)  # overlapping classes: Tomek links and ENN disagreements
    sampler = cls(seed=3)
    X_res, y_res = sampler.fit_resample(X, y)
    smote = T.SMOTE(seed=3)
    X_sm, _ = smote.fit_resample(X, y)
    kept = getattr(sampler, "enn_" if cls is T.SMOTEENN else "tomek_").sample_indices_
    assert len(kept) < len(X_sm)  # the cleaning removed rows ...
    assert sampler.provenance_ == [smote.provenance_[i] for i in kept]  # ... and kept the others' provenance
    originals = [p for p in sampler.provenance_ if isinstance(p, int)]
    assert len(set(originals)) == len(originals) < len(X)  # some originals were cleaned away
    for row, p in zip(X_res, sampler.provenance_, strict=True):
        if isinstance(p, int):
            assert np.array_equal(row, X[p])
        else:
            assert y[p[0]] == y_res[sampler.provenance_.index(p)]


def test_svmsmote_rows_lie_on_the_line_through_their_parents() -> None:
    X, y = _table()
    sampler = T.SVMSMOTE(seed=0)
    X_res, _ = sampler.fit_resample(X, y)
    ts = []
    for row, (a, b) in zip(X_res[len(X) :], sampler.provenance_[len(X) :], strict=True):
        d = X[b] - X[a]
        t = d @ (row - X[a]) / (d @ d)
        assert np.allclose(row, X[a] + t * d)
        ts.append(t)
    assert min(ts) < 0 <= max(ts) <= 1  # safe support vectors extrapolate, those in danger interpolate


def test_kmeans_smote_parents_share_a_cluster() -> None:
    X, y = _table()
    sampler = T.KMeansSMOTE(kmeans_estimator=4, cluster_balance_threshold=0.1, seed=0)
    sampler.fit_resample(X, y)
    labels = sampler.kmeans_estimator_.labels_  # the last class's clustering (the same X each time)
    pairs = sampler.provenance_[len(X) :]
    assert pairs and all(labels[a] == labels[b] and y[a] == y[b] for a, b in pairs)


def test_smoten_rows_take_the_most_frequent_value_of_their_sources() -> None:
    X, y = _categories()
    sampler = T.SMOTEN(seed=0)
    X_res, _ = sampler.fit_resample(X, y)
    for row, sources in zip(X_res[len(X) :], sampler.provenance_[len(X) :], strict=True):
        assert len(sources) >= 2 and len({y[s] for s in sources}) == 1
        for j, value in enumerate(row):
            assert value in X[list(sources), j]


@pytest.mark.parametrize("name", ["SVMSMOTE", "KMeansSMOTE", "SMOTEN", "SMOTEENN", "SMOTETomek"])
def test_random_state_is_refused_naming_seed(name: str) -> None:
    with pytest.raises(ma.InvalidInputError, match=r"seed=s.*ma\.tabular\.random_state"):
        getattr(T, name)(random_state=0)


def test_estimator_objects_and_their_conflicts() -> None:
    X, y = _table()
    with pytest.raises(ma.InvalidInputError, match="algorithm"):
        T.SMOTE(k_neighbors=_nn(3), algorithm="kd_tree").fit_resample(X, y)
    with pytest.raises(ma.InvalidInputError, match="k_neighbors"):
        T.SMOTE(k_neighbors=NearestNeighbors).fit_resample(X, y)  # a class, not an estimator
    # a class too small for the object's neighbours: named as for an int
    with pytest.raises(ma.InvalidInputError, match=r"class 0 has \d+ row"):
        T.SMOTE(k_neighbors=_nn(25), seed=0).fit_resample(X, y)
    with pytest.raises(ma.ConfigError if hasattr(ma, "ConfigError") else Exception, match="NearestNeighbors"):
        T.SMOTE(k_neighbors=_nn(3)).to_config()


def test_shrinkage_dict_checked_per_class() -> None:
    X, y = _table()
    with pytest.raises(ma.InvalidInputError, match=r"`shrinkage` .*missing \[1\]"):
        T.RandomOverSampler(shrinkage={0: 1.0}).fit_resample(X, y)
    with pytest.raises(ma.InvalidInputError, match=r"`shrinkage` names class\(es\) \[2\]"):
        T.RandomOverSampler(shrinkage={0: 1.0, 1: 1.0, 2: 1.0}).fit_resample(X, y)
    with pytest.raises(ma.InvalidInputError, match=r"shrinkage\[0\]"):
        T.RandomOverSampler(shrinkage={0: -1.0})


def test_imblearn_runtime_errors_stay_runtime_errors_naming_the_parameter() -> None:
    X, y = _table()
    with pytest.raises(SamplerRuntimeError, match="`cluster_balance_threshold`") as exc:
        T.KMeansSMOTE(kmeans_estimator=2, cluster_balance_threshold=0.99, seed=0).fit_resample(X, y)
    assert isinstance(exc.value, RuntimeError) and isinstance(exc.value, ma.InvalidInputError)
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(RuntimeError, match="`svm_estimator`"):
        T.SVMSMOTE(svm_estimator=LogisticRegression()).fit_resample(X, y)


def test_routed_and_inner_samplers_keep_the_entropy_of_an_unseeded_parent() -> None:
    """seed=None: SMOTE routed to SMOTE-NC, and SMOTEENN's SMOTE step, draw the same rows every call."""
    X, y = _mixed()
    for sampler, data in ((T.SMOTE(), (X, y)), (T.SMOTEENN(), _table())):
        first = sampler.fit_resample(*data)[0]
        again = sampler.fit_resample(*data)[0]
        copied = pickle.loads(pickle.dumps(sampler)).fit_resample(*data)[0]
        assert np.array_equal(np.asarray(first), np.asarray(again))
        assert np.array_equal(np.asarray(first), np.asarray(copied))


@pytest.mark.parametrize(
    "sampler",
    [
        T.SVMSMOTE(seed=3),
        T.KMeansSMOTE(kmeans_estimator=4, cluster_balance_threshold=0.1, seed=3),
        T.SMOTEN(seed=3),
        T.SMOTEENN(seed=3),
        T.SMOTETomek(smote=T.SMOTE(k_neighbors=3, seed=1), seed=3),
    ],
    ids=lambda s: s.name,
)
def test_cli_balance_with_each_sampler(sampler: T.TabularSampler, tmp_path: Path) -> None:
    from multiaug.cli import main

    X, y = _categories() if isinstance(sampler, T.SMOTEN) else _table(class_sep=0.5)
    table = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    table.assign(label=y).to_csv(tmp_path / "table.csv", index=False)
    config = ma.save(sampler, tmp_path / "sampler.yaml")
    out = tmp_path / "out"
    argv = ["augment", config, "--input", tmp_path / "table.csv", "--output", out, "--balance", "--quiet"]
    assert main([str(a) for a in argv]) == 0
    written = pd.read_csv(out / "table.csv")
    expected_X, expected_y = sampler.fit_resample(
        pd.read_csv(tmp_path / "table.csv").drop(columns="label"), y
    )
    assert list(written["label"]) == list(expected_y)
    assert written.drop(columns="label").astype(str).equals(expected_X.astype(str))
    manifest = pd.read_parquet(out / "manifest.parquet")
    assert [tuple(p) if len(p) > 1 else p[0] for p in manifest["provenance"]] == sampler.provenance_
    assert (manifest["copy"] == 0).sum() == sum(isinstance(p, int) for p in sampler.provenance_)
