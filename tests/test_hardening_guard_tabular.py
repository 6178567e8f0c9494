"""Hardening (issue 13) of the split guard, the tabular samplers and Oversample."""

from __future__ import annotations

import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import multiaug as ma
from multiaug.guard import Leak, SplitGuard


def _table(n: int = 20, cols: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, cols))


IMG = np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3)


# ---------------------------------------------------------------- 1. leaks are real 3-tuples
def test_leak_is_a_three_tuple_with_score_attribute() -> None:
    X = _table(10)
    rep = SplitGuard().check(X[:6], X[5:])
    leak = rep.leaks[0]
    train_index, val_index, reason = leak
    assert len(leak) == 3 and isinstance(leak, tuple)
    assert leak[1] == val_index == 0 and leak[0] == train_index == 5 and leak[2] == reason == "exact"
    assert leak == (5, 0, "exact") and leak.score == 1.0
    near = Leak(2, 1, "near_duplicate", 0.8)
    assert len(near) == 3 and near.score == 0.8 and tuple(near) == (2, 1, "near_duplicate")
    copy = pickle.loads(pickle.dumps(near))
    assert copy == near and copy.score == 0.8
    with pytest.raises(AttributeError):
        near.score = 0.1  # type: ignore[misc]
    assert near._replace(val_index=4).score == 0.8 and near._replace(score=0.5) == (2, 1, "near_duplicate")
    assert Leak._make((1, 2, "group")).score == 1.0
    rep2 = ma.LeakageReport([Leak(0, 1, "exact"), near], 3, 2)
    assert json.loads(rep2.to_json())["leaks"][1] == {
        "train_index": 2,
        "val_index": 1,
        "reason": "near_duplicate",
        "score": 0.8,
    }
    frame = rep2.to_frame()
    assert list(frame.columns) == ["train_index", "val_index", "reason", "score"]
    assert frame["score"].tolist() == [1.0, 0.8]


# ---------------------------------------------------------------- 2. SplitGuard input checks
@pytest.mark.parametrize(
    ("X_train", "X_val", "field"),
    [
        ([IMG, "caption"], [IMG], "X_train[1]"),
        ([IMG, None], [IMG], "X_train[1]"),
        ([IMG, np.zeros(800, np.float32)], [IMG], "X_train[1]"),
        ([np.zeros((0, 5, 3), np.uint8)], [IMG], "X_train[0]"),
        (np.zeros((2, 0, 4, 3), np.uint8), [IMG], "X_train"),
        (_table(10, 3), _table(10, 2), "X_val"),
        (pd.DataFrame(_table(10), columns=list("abc")), _table(10), "X_val"),
        (
            pd.DataFrame(_table(10), columns=list("abc")),
            pd.DataFrame(_table(10), columns=list("abd")),
            "X_val",
        ),
        ([], ["some text"], "X_train"),
        (["some text"], [], "X_val"),
        (np.r_[_table(5), [[np.nan, 0.0, 0.0]]], _table(5, seed=1), "X_train"),
        (np.zeros((3, 0)), np.zeros((3, 0)), "X_train"),
    ],
)
def test_check_refuses_bad_splits(X_train: object, X_val: object, field: str) -> None:
    with pytest.raises(ma.InvalidInputError) as err:
        SplitGuard().check(X_train, X_val)
    assert err.value.owner == "SplitGuard.check" and err.value.field == field


def test_nan_table_is_fine_without_near_duplicate_search() -> None:
    X = np.r_[_table(5), [[np.nan, 0.0, 0.0]]]
    rep = SplitGuard(near_duplicates=False).check(X, X[-1:])
    assert [tuple(leak) for leak in rep.leaks] == [(5, 0, "exact")]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"groups_train": [[1], [2]], "groups_val": [[1]]}, "groups_train[0]"),
        ({"groups_train": [1, None], "groups_val": [1]}, "groups_train[1]"),
        ({"groups_train": [1], "groups_val": [1]}, "groups_train"),
        ({"provenance_train": [1.5, 2], "provenance_val": [3]}, "provenance_train[0]"),
        ({"provenance_train": [1, 2], "provenance_val": [{"x": 1}]}, "provenance_val[0]"),
        ({"provenance_train": [1, None], "provenance_val": [3]}, "provenance_train[1]"),
        ({"provenance_train": [1, 2, 3], "provenance_val": [3]}, "provenance_train"),
    ],
)
def test_check_refuses_bad_ids(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ma.InvalidInputError) as err:
        SplitGuard().check(["alpha beta gamma", "delta epsilon"], ["zeta eta theta"], **kwargs)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"table_ratio": "x"}, "table_ratio"),
        ({"table_ratio": float("nan")}, "table_ratio"),
        ({"text_threshold": 2}, "text_threshold"),
        ({"image_max_distance": 1.5}, "image_max_distance"),
        ({"audio_max_ber": None}, "audio_max_ber"),
        ({"near_duplicates": "yes"}, "near_duplicates"),
        ({"seed": -1}, "seed"),
    ],
)
def test_constructor_arguments_checked_at_construction(kwargs: dict[str, object], field: str) -> None:
    assert field in SplitGuard.CONSTRAINTS
    with pytest.raises(ma.InvalidInputError) as err:
        SplitGuard(**kwargs)  # type: ignore[arg-type]
    assert err.value.owner == "SplitGuard" and err.value.field == field


def test_split_clusters_protect_refuse_bad_input() -> None:
    guard = SplitGuard()
    with pytest.raises(ma.InvalidInputError) as err:
        guard.split(_table(20), y=[None] * 20)
    assert err.value.field == "y[0]"
    with pytest.raises(ma.InvalidInputError) as err:
        guard.split(["a b", "c d"], y=[[0], [1]])
    assert err.value.field == "y[0]"
    with pytest.raises(ma.InvalidInputError) as err:
        guard.split(["a b", "c d"], groups=[[0], [1]])
    assert err.value.field == "groups[0]"
    with pytest.raises(ma.InvalidInputError) as err:
        guard.clusters([IMG, "caption"])
    assert err.value.owner == "SplitGuard.clusters" and err.value.field == "X[1]"
    with pytest.raises(ma.InvalidInputError):
        guard.clusters([])
    with pytest.raises(ma.InvalidInputError) as err:
        guard.protect(ma.text.RandomSwap(seed=0), ["text", None])
    assert err.value.owner == "SplitGuard.protect" and err.value.field == "X_val[1]"


# ---------------------------------------------------------------- 3. neighbour counts named
def test_borderline_m_neighbors_named() -> None:
    X, y = _table(20), np.array([0] * 12 + [1] * 8)
    with pytest.raises(ma.InvalidInputError) as err:
        ma.tabular.BorderlineSMOTE(m_neighbors=50, seed=0).fit_resample(X, y)
    assert err.value.field == "m_neighbors" and "n_neighbors" not in str(err.value)


# ---------------------------------------------------------------- 4. column names, not positions
def test_categorical_columns_named_in_dataframe_errors() -> None:
    X = pd.DataFrame(_table(20), columns=["a", "b", "colour_x"])
    X["colour_x"] = pd.Categorical(["red", "blue"] * 10)
    for sampler in (ma.tabular.ADASYN(seed=0), ma.tabular.BorderlineSMOTE(seed=0)):
        with pytest.raises(ma.InvalidInputError) as err:
            sampler.fit_resample(X, [0] * 12 + [1] * 8)
        assert "['colour_x']" in err.value.problem


# ---------------------------------------------------------------- 5. random_state refused
@pytest.mark.parametrize(
    "cls",
    [
        ma.tabular.SMOTE,
        ma.tabular.SMOTENC,
        ma.tabular.BorderlineSMOTE,
        ma.tabular.ADASYN,
        ma.tabular.RandomOverSampler,
    ],
)
def test_random_state_refused_naming_seed(cls: type) -> None:
    with pytest.raises(ma.InvalidInputError) as err:
        cls(random_state=0)
    assert err.value.field == "random_state"
    assert "seed" in err.value.fix and "ma.tabular.random_state" in err.value.fix
    with pytest.raises(ma.InvalidInputError) as err:
        cls(seed=0).set_params(random_state=0)
    assert "ma.tabular.random_state" in err.value.fix


# ---------------------------------------------------------------- 6. Oversample class keys
def test_oversample_class_keys_do_not_depend_on_the_integer_type() -> None:
    over = ma.Oversample(ma.Compose([ma.text.RandomSwap()]), seed=0)
    labels = [0] * 3 + [1] * 9 + [2] * 12
    plans = [
        over.plan(labels),
        over.plan(np.asarray(labels, np.int64)),
        over.plan(np.asarray(labels, np.int32)),
        over.plan(np.asarray(labels, np.uint8)),
    ]
    assert all(plan == plans[0] for plan in plans)
    # the canonical key of an int label is NumPy 2's repr of an int64 (what plain ints had)
    from multiaug.core import random as _random
    from multiaug.core.oversample import class_key

    assert class_key(np.int64(1)) == class_key(np.int32(1)) == class_key(1) == "np.int64(1)"
    assert class_key(np.str_("cat")) == class_key("cat") == "np.str_('cat')"
    order = _random.generator(
        _random.mix(over._plan.seed64 ^ 0x6F76657273616D70, _random.key_to_int("np.int64(1)", over.name))
    ).permutation(np.arange(3, 12))
    assert [i for i, _ in plans[0] if 3 <= i < 12] == order[:3].tolist()


def test_oversample_plain_labels_keep_their_rows() -> None:
    # recorded with multiaug before the class-key change (NumPy 2): plain int and str labels
    over = ma.Oversample(ma.Compose([ma.text.RandomSwap()]), seed=0)
    assert over.plan([0] * 3 + [1] * 9 + [2] * 12) == [
        (2, 1), (0, 1), (1, 1), (2, 2), (0, 2), (1, 2), (2, 3), (0, 3), (1, 3), (9, 1), (7, 1), (3, 1)
    ]  # fmt: skip
    assert over.plan(["a"] * 3 + ["b"] * 9 + ["c"] * 12) == [
        (0, 1), (1, 1), (2, 1), (0, 2), (1, 2), (2, 2), (0, 3), (1, 3), (2, 3), (10, 1), (7, 1), (5, 1)
    ]  # fmt: skip


def test_oversample_string_label_containers_agree() -> None:
    over = ma.Oversample(ma.Compose([ma.text.RandomSwap()]), seed=3)
    y = ["b"] * 6 + ["a"] * 9
    assert over.plan(y) == over.plan(np.asarray(y)) == over.plan(np.asarray(y, dtype=object))


# ---------------------------------------------------------------- hostile tabular inputs
@pytest.mark.parametrize("count", [10**400, 10**12, -3], ids=["1e400", "1e12", "negative"])
def test_sampling_strategy_counts_bounded(count: int) -> None:
    X, y = _table(20), np.array([0] * 12 + [1] * 8)
    for cls in (ma.tabular.SMOTE, ma.tabular.ADASYN, ma.tabular.RandomOverSampler):
        with pytest.raises(ma.InvalidInputError) as err:
            cls(sampling_strategy={1: count}, seed=0).fit_resample(X, y)
        assert err.value.field == "sampling_strategy" and len(str(err.value)) < 300


def test_gaussian_noise_refuses_overflow() -> None:
    X = np.array([[3e38], [-3e38], [3e38], [-3e38]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ma.InvalidInputError) as err:
            for key in range(20):
                ma.tabular.GaussianNoise(std=1.0, seed=0)(table=X, key=key)
    assert err.value.field == "table"


@pytest.mark.parametrize(
    ("y", "field"),
    [
        ([[0], [1, 2], [0], [1], [0], [0]], "y[0]"),
        ([0, 0, 0, 0, 1, float("nan")], "y[5]"),
        ([None, None, None, 1, 1, 1], "y[0]"),
    ],
)
def test_oversample_refuses_bad_labels(y: list[object], field: str) -> None:
    over = ma.Oversample(ma.Compose([ma.text.RandomSwap()]), seed=0)
    for call in (lambda: over.plan(y), lambda: over.fit_resample(["a b"] * 6, y)):
        with pytest.raises(ma.InvalidInputError) as err:
            call()
        assert err.value.field == field
