"""Every sampler against imbalanced-learn for every label container; labels read once; lazy provenance.

multiaug reads the labels and the class plan once per call and runs imbalanced-learn's
``fit_resample`` steps with that plan, so the output (rows, label container, dtype) must stay
imbalanced-learn's exactly, whatever container ``y`` comes in.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import imblearn.base
import imblearn.utils
import numpy as np
import pandas as pd
import pytest
from imblearn import combine as imc
from imblearn import over_sampling as imo
from sklearn.datasets import make_classification

import multiaug as ma

T = ma.tabular


def _table() -> tuple[np.ndarray, np.ndarray]:
    """120 rows, 4 features, three classes (about 15 % / 25 % / 60 %)."""
    return make_classification(
        n_samples=120, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
        weights=[0.15, 0.25], random_state=1,
    )  # fmt: skip


def _categories() -> tuple[np.ndarray, np.ndarray]:
    X, y = _table()
    return np.where(X[:, :3] > 0, "hi", "lo").astype(object), y


#: Every exposed sampler: (ours, imbalanced-learn's, data, parameters).
SAMPLERS: dict[str, tuple[Any, Any, Any, dict[str, Any]]] = {
    "RandomOverSampler": (T.RandomOverSampler, imo.RandomOverSampler, _table, {}),
    "SMOTE": (T.SMOTE, imo.SMOTE, _table, {}),
    "SMOTENC": (T.SMOTENC, imo.SMOTENC, _table, {"categorical_features": [3]}),
    "SMOTEN": (T.SMOTEN, imo.SMOTEN, _categories, {}),
    "BorderlineSMOTE": (T.BorderlineSMOTE, imo.BorderlineSMOTE, _table, {"m_neighbors": 6}),
    "SVMSMOTE": (T.SVMSMOTE, imo.SVMSMOTE, _table, {}),
    "KMeansSMOTE": (
        T.KMeansSMOTE,
        imo.KMeansSMOTE,
        _table,
        {"kmeans_estimator": 3, "cluster_balance_threshold": 0.1},
    ),
    "ADASYN": (T.ADASYN, imo.ADASYN, _table, {}),
    "SMOTEENN": (T.SMOTEENN, imc.SMOTEENN, _table, {}),
    "SMOTETomek": (T.SMOTETomek, imc.SMOTETomek, _table, {}),
}

#: The label containers imbalanced-learn takes; each comes back in its own container.
LABELS = {
    "array": lambda y: y,
    "int32": lambda y: y.astype(np.int32),
    "list": lambda y: y.tolist(),
    "series": lambda y: pd.Series(y, name="target"),
    "strings": lambda y: np.array(["cat", "dog", "eel"], dtype=object)[y],
    "one-vs-all": lambda y: np.eye(3, dtype=int)[y],
}


def _mixed_for(name: str, X: Any) -> Any:
    if name != "SMOTENC":
        return X
    X = X.copy()
    X[:, 3] = (X[:, 3] > 0).astype(float)  # a 0/1 category column
    return X


@pytest.mark.parametrize("labels", sorted(LABELS))
@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_equals_imblearn_for_every_label_container(name: str, labels: str) -> None:
    ours, theirs, data, params = SAMPLERS[name]
    X, y = data()
    X, y = _mixed_for(name, X), LABELS[labels](y)
    a = ours(seed=3, **params).fit_resample(X, y)
    b = theirs(random_state=T.random_state(3), **params).fit_resample(X, y)
    assert np.array_equal(np.asarray(a[0]), np.asarray(b[0]))
    assert type(a[1]) is type(b[1]) and np.array_equal(np.asarray(a[1]), np.asarray(b[1]))
    if isinstance(b[1], np.ndarray | pd.Series):
        assert a[1].dtype == b[1].dtype
    if isinstance(a[1], np.ndarray):  # multiaug's cached classes never reach the caller
        assert a[1].dtype.metadata is None
    if isinstance(a[1], pd.Series):
        assert a[1].name == "target"


def test_labels_and_class_plan_are_read_once_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _table()
    calls: list[int] = []
    real = imblearn.utils.check_sampling_strategy

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(imblearn.utils, "check_sampling_strategy", counted)
    monkeypatch.setattr(imblearn.base, "check_sampling_strategy", counted)
    ros = T.RandomOverSampler(seed=0)
    y_before = y.copy()
    _, y_res = ros.fit_resample(X, y)
    assert len(calls) == 1
    assert np.array_equal(y, y_before) and y.dtype.metadata is None and y_res.dtype.metadata is None
    assert dict(ros.sampling_strategy_) == {0: 52, 1: 41}  # rows added, as imbalanced-learn's


@pytest.mark.parametrize("cls", [T.RandomOverSampler, T.SMOTE])
def test_provenance_is_a_list_once_read_and_survives_copies(cls: type) -> None:
    X, y = _table()
    sampler = cls(seed=0)
    with pytest.raises(AttributeError, match="provenance_"):
        sampler.provenance_  # noqa: B018
    sampler.fit_resample(X, y)
    copied, pickled = copy.deepcopy(sampler), pickle.loads(pickle.dumps(sampler))  # before any read
    prov = sampler.provenance_
    assert isinstance(prov, list) and len(prov) == len(y) + 93 and sampler.provenance_ is prov
    assert prov[: len(y)] == list(range(len(y)))
    assert all(type(p) is (int if cls is T.RandomOverSampler else tuple) for p in prov[len(y) :])
    assert copied.provenance_ == pickled.provenance_ == prov
    with pytest.raises(ma.InvalidInputError):  # a failed call leaves no provenance behind
        sampler.fit_resample(X, y[:-1])
    assert not hasattr(sampler, "provenance_")


def test_nan_check_takes_values_whose_sum_overflows_and_finds_bad_ones() -> None:
    from multiaug.tabular._frame import all_finite

    X, y = _table()
    huge = np.full_like(X, 1e308)  # finite values whose sum is inf
    assert all_finite(huge) and all_finite(-huge) and all_finite(X)
    T.RandomOverSampler(seed=0).fit_resample(huge, y)  # copied rows: no arithmetic on them
    assert len(T.SMOTE(seed=0).fit_resample(huge, y)[0]) > len(X)
    for bad in (np.nan, np.inf, -np.inf):
        X_bad = X.copy()
        X_bad[7, 2] = bad
        assert not all_finite(X_bad)
        with pytest.raises(ma.InvalidInputError, match=r"first at row 7, column 2"):
            T.SMOTE(seed=0).fit_resample(X_bad, y)
    both = X.copy()
    both[0, 0], both[1, 1] = np.inf, -np.inf  # the sum is NaN
    assert not all_finite(both)


@pytest.mark.parametrize("name", ["SMOTEN", "SMOTEENN", "SMOTETomek"])
def test_built_on_read_provenance_of_smoten_and_cleaned_samplers(name: str) -> None:
    ours, _, data, params = SAMPLERS[name]
    X, y = data()
    sampler = ours(seed=3, **params)
    X_res, _ = sampler.fit_resample(X, y)
    pickled = pickle.loads(pickle.dumps(sampler))  # before any read
    prov = sampler.provenance_
    assert isinstance(prov, list) and len(prov) == len(X_res) and pickled.provenance_ == prov
    if name == "SMOTEN":  # the base row first, then the other rows in index order
        assert all(p[0] in range(len(y)) and list(p[1:]) == sorted(p[1:]) for p in prov[len(y) :])
    else:  # the kept rows' SMOTE provenance, in the cleaning step's order
        smote = sampler.smote_.provenance_
        kept = getattr(sampler, "enn_" if name == "SMOTEENN" else "tomek_").sample_indices_
        assert prov == [smote[i] for i in kept]


@pytest.mark.parametrize("labels", [[1, "a"] * 30, ["a", b"a"] * 30, [0, pd.NA] * 30])
def test_object_labels_that_cannot_be_sorted_are_invalid_input(labels: list[Any]) -> None:
    X, _ = _table()
    y = np.array(labels, dtype=object)
    with pytest.raises(ma.InvalidInputError):
        T.SMOTE(seed=0).fit_resample(X[: len(y)], y)
