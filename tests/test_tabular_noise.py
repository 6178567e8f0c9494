"""``tabular.GaussianNoise`` on DataFrames and arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine

import multiaug as ma
from multiaug.testing.tabular import wine_frame


def test_frame_dtypes_and_untouched_categoricals() -> None:
    X = wine_frame(categorical=True)["X"]
    X["count"] = pd.array(np.arange(len(X)) * 10, dtype="Int64")
    noise = ma.tabular.GaussianNoise(std=0.2, seed=0)
    out = noise(table=X, key=0)["table"]
    assert out.dtypes.equals(X.dtypes) and list(out.columns) == list(X.columns)
    assert out["band"].equals(X["band"]) and out["flag"].equals(X["flag"])
    assert (out["magnesium"] != X["magnesium"]).any() and (out["count"] != X["count"]).any()
    assert (out["alcohol"] != X["alcohol"]).all()
    assert out.index.equals(X.index)


def test_scale_is_relative_to_each_column_std() -> None:
    X, _ = load_wine(return_X_y=True, as_frame=True)
    big = pd.concat([X] * 20, ignore_index=True)
    out = ma.tabular.GaussianNoise(std=0.1, seed=1)(table=big, key=0)["table"]
    ratio = (out - big).std() / big.std()
    assert np.allclose(ratio, 0.1, rtol=0.1)


def test_keyed_calls_and_replay() -> None:
    X = load_wine(return_X_y=True)[0]
    t = ma.tabular.GaussianNoise(std=(0.01, 0.1), seed=2)
    a, b = t(table=X, key=5, trace=True), t(table=X, key=5)
    assert np.array_equal(a["table"], b["table"]) and a["table"].dtype == X.dtype
    assert not np.array_equal(a["table"], t(table=X, key=6)["table"])
    assert np.array_equal(t.replay(a["trace"], table=X)["table"], a["table"])


def test_fit_resample_copies() -> None:
    X, y = load_wine(return_X_y=True, as_frame=True)
    t = ma.tabular.GaussianNoise(std=0.05, seed=3)
    X_res, y_res = t.fit_resample(X, y, copies=2)
    assert len(X_res) == len(y_res) == 3 * len(X) and X_res.iloc[: len(X)].equals(X)
    assert t.provenance_ == list(range(len(X))) * 3
    assert (
        X_res.iloc[len(X) :]
        .reset_index(drop=True)
        .iloc[: len(X)]
        .equals(t(table=X, key="copy1")["table"].reset_index(drop=True))
    )
    arr, labels = t.fit_resample(X.to_numpy(), y.tolist(), copies=1)
    assert arr.shape == (2 * len(X), X.shape[1]) and labels == y.tolist() * 2


@pytest.mark.parametrize(
    "table, field",
    [
        (pd.DataFrame({"a": [1.0, np.nan]}), "X['a']"),
        (pd.DataFrame({"a": pd.to_datetime(["2024-01-01"])}), "X['a']"),
        (np.array([[1.0, np.inf]]), "table"),
    ],
)
def test_bad_tables(table, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ma.InvalidInputError, match=f"`{field}`".replace("[", r"\[").replace("]", r"\]")):
        ma.tabular.GaussianNoise(seed=0)(table=table)
