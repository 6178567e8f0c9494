"""The one dataset-level template (``multiaug.sampling``): shared checks, old import paths, dict samples."""

from __future__ import annotations

import numpy as np
import pytest

import multiaug as ma
from multiaug.sampling import Resampler, copy_key

TEXTS = ["a b c d", "e f g h", "i j k l"]


def _ops() -> dict[str, tuple[object, object]]:
    """Every kind of dataset-level operation, with a 3-row X it accepts."""
    table = np.arange(30.0).reshape(3, 10)
    pipe = ma.Compose([ma.text.RandomSwap()], seed=0)
    return {
        "copies": (pipe, TEXTS),
        "Oversample": (ma.Oversample(pipe, seed=0), TEXTS),
        "table copies": (ma.tabular.GaussianNoise(seed=0), table),
        "SMOTE": (ma.tabular.SMOTE(seed=0), table),
    }


@pytest.mark.parametrize("name", ["copies", "Oversample", "table copies", "SMOTE"])
def test_one_label_check_for_every_operation(name: str) -> None:
    op, X = _ops()[name]
    with pytest.raises(ma.InvalidInputError) as err:
        op.fit_resample(X, [0, 1])  # type: ignore[attr-defined]
    assert err.value.field == "y" and err.value.problem == "has 2 labels for 3 rows of X"
    with pytest.raises(ma.InvalidInputError) as err:
        op.fit_resample(X, "abc")  # type: ignore[attr-defined]
    assert err.value.field == "y" and "sequence of labels" in err.value.problem


def test_samplers_and_oversample_run_the_template() -> None:
    for cls in (ma.Oversample, ma.tabular.SMOTE, ma.tabular.ADASYN, ma.tabular.RandomOverSampler):
        assert issubclass(cls, Resampler) and "fit_resample" not in vars(cls)
    # no dataset-level class writes a __call__ of its own: Transform.__call__ refuses them all
    for cls in (*ma.tabular.SMOTENC.__mro__, *ma.tabular.ADASYN.__mro__, *ma.Oversample.__mro__):
        assert (
            cls is ma.Transform or "__call__" not in vars(cls) or not cls.__module__.startswith("multiaug.")
        )


def test_per_sample_call_refused_naming_fit_resample() -> None:
    for op in (ma.Oversample(ma.Compose([ma.text.RandomSwap()])), ma.tabular.ADASYN(seed=0)):
        with pytest.raises(ma.InvalidInputError) as err:
            op(text="a b")  # type: ignore[operator]
        assert err.value.field == "sample" and "fit_resample" in err.value.fix


def test_a_failed_call_leaves_no_stale_provenance() -> None:
    over = ma.Oversample(ma.Compose([ma.text.RandomSwap()], seed=0), seed=0)
    over.fit_resample(TEXTS, ["x", "x", "y"])
    assert over.provenance_ == [0, 1, 2, 2]
    with pytest.raises(ma.InvalidInputError):
        over.fit_resample(TEXTS, ["x", "x", "x"])  # one class: nothing to balance
    assert not hasattr(over, "provenance_") and not hasattr(over, "sampling_strategy_")


def test_oversample_balances_dict_samples() -> None:
    pipe = ma.Compose([ma.text.RandomSwap()], seed=0)
    X = [{"text": t, "label": i} for i, t in enumerate(TEXTS)]
    over = ma.Oversample(pipe, seed=1)
    X_res, y_res = over.fit_resample(X, ["x", "x", "y"])
    assert y_res == ["x", "x", "y", "y"] and over.provenance_ == [0, 1, 2, 2]
    assert X_res[3] == {k: v for k, v in pipe(**X[2], key=copy_key(2, 1)).items() if k in X[2]}


def test_former_import_paths() -> None:
    from multiaug.core import Oversample as CoreOversample
    from multiaug.core.oversample import Oversample, SamplingStrategy, class_key
    from multiaug.core.resample import augment_copies
    from multiaug.core.resample import copy_key as old_copy_key
    from multiaug.sampling import SamplingStrategy as New
    from multiaug.tabular.samplers import SMOTE, TabularSampler, random_state

    assert Oversample is CoreOversample is ma.Oversample and SamplingStrategy is New
    assert old_copy_key is copy_key and class_key(1) == "np.int64(1)" and callable(augment_copies)
    assert SMOTE is ma.tabular.SMOTE and issubclass(SMOTE, TabularSampler) and random_state(0) >= 0
    from multiaug.core.registry import lookup

    assert lookup("Oversample") is ma.Oversample and lookup("tabular.SMOTE") is SMOTE


def test_item_field_read_from_the_field_table() -> None:
    from multiaug.sampling import item_field
    from multiaug.testing.tabular import wine_frame

    assert item_field(ma.Compose([ma.text.RandomSwap()]), "a b") == "text"
    assert item_field(ma.Compose([ma.audio.Gain()]), np.zeros(8, np.float32)) == "audio"
    assert item_field(ma.Compose([ma.image.HorizontalFlip()]), np.zeros((4, 4), np.uint8)) == "image"
    with pytest.raises(ma.InvalidInputError) as err:
        item_field(ma.Compose([ma.text.RandomSwap()]), np.zeros(3))
    assert err.value.field == "X"
    # a whole table is an item too: the table field holds DataFrames
    df = wine_frame()["X"].iloc[:20]
    pipe = ma.Compose([ma.tabular.GaussianNoise(std=0.1)], seed=0)
    X_res, _ = pipe.fit_resample([df, df], copies=1)
    assert len(X_res) == 4 and X_res[2].equals(pipe(table=df, key=copy_key(0, 1))["table"])


def test_fixed_tabular_noise_draws_only_its_noise_seed() -> None:
    import numpy.random as npr

    t = ma.tabular.GaussianNoise(std=0.2, seed=0)
    rng = npr.default_rng(5)
    assert t.make_params(rng, {}) == {"std": 0.2, "noise_seed": int(npr.default_rng(5).integers(0, 2**63))}


def test_item_key_is_the_one_key_scheme() -> None:
    import numpy as np

    from multiaug.sampling import item_key

    assert item_key("cats/001.png", 2) == "cats/001.png/copy2"
    assert item_key(7, 1) == item_key("7", 1) == item_key(np.int64(7), 1) == "7/copy1"
    # the in-memory lists' key is item_key of the row's identity
    assert copy_key(3, 2) == item_key("row3", 2) == "row3/copy2"
    for bad_id, bad_copy, field in [
        ("", 1, "item_id"),
        (None, 1, "item_id"),
        (True, 1, "item_id"),
        ("a", 0, "copy"),
        ("a", 1.0, "copy"),
        ("a", True, "copy"),
    ]:
        with pytest.raises(ma.InvalidInputError, match=field):
            item_key(bad_id, bad_copy)
