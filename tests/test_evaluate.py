"""``ma.evaluate.ablation``: augmentation inside training folds only, paired statistics (issue 24)."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB
from sklearn.neighbors import KNeighborsClassifier

import multiaug as ma

EDA = [ma.text.SynonymReplace(alpha=0.2), ma.text.RandomSwap(alpha=0.2)]


class RecordingNB(MultinomialNB):
    """A real naive Bayes that records the rows of every fit (class-level: clones share it)."""

    fits: ClassVar[list[list[str]]] = []

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> RecordingNB:
        RecordingNB.fits.append(list(X))
        vec = TfidfVectorizer().fit(X)
        self.vec_ = vec
        return super().fit(vec.transform(X), y)

    def predict(self, X: Any) -> Any:
        return super().predict(self.vec_.transform(X))


def _texts(n: int = 60) -> tuple[list[str], np.ndarray]:
    """``n`` sentences of two pages of Python's documentation, labelled by page, none a
    near-duplicate of another (the guard's clusters: one sentence of each)."""
    import re
    from pydoc_data.topics import topics

    texts: list[str] = []
    labels: list[int] = []
    for label, page in enumerate(("compound", "typesmapping")):
        found = re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(topics[page].split()))
        sentences = [t for t in found if 8 <= len(t.split()) <= 40]
        texts += sentences[: n // 2 + 10]
        labels += [label] * len(sentences[: n // 2 + 10])
    _, first = np.unique(ma.SplitGuard().clusters(texts), return_index=True)
    keep = np.sort(first)
    keep = np.concatenate([keep[np.array(labels)[keep] == c][: n // 2] for c in (0, 1)])
    return [texts[i] for i in keep], np.array(labels)[keep]


def test_estimator_never_sees_a_validation_row_or_a_copy_of_one() -> None:
    X, y = _texts()
    RecordingNB.fits.clear()
    res = ma.evaluate.ablation(RecordingNB(), X, y, ma.Compose(EDA, seed=0), cv=3, copies=2, seed=0)
    assert len(RecordingNB.fits) == 2 * len(res.folds)  # without, with: one fit each per fold
    guard = ma.SplitGuard()
    for k, fold in enumerate(res.folds):
        val = [X[i] for i in fold.val_index]
        without, with_aug = RecordingNB.fits[2 * k], RecordingNB.fits[2 * k + 1]
        assert without == [X[i] for i in fold.train_index]
        assert len(with_aug) == 3 * len(fold.train_index) and with_aug[: len(without)] == without
        assert not set(with_aug) & set(val)
        assert set(fold.provenance) <= set(fold.train_index.tolist())
        assert not set(fold.provenance) & set(fold.val_index.tolist())
        # an independent check: the guard's near-duplicate search finds no copy of a validation row
        assert guard.check(with_aug, val).ok
    assert res.pipeline_calls == 2 * sum(len(f.train_index) for f in res.folds)
    # the same check has teeth: augmenting before the split puts copies of validation rows in training
    X_all, _ = ma.Compose(EDA, seed=0).fit_resample(X, list(y), copies=2)
    fold = res.folds[0]
    leaky = [x for j, x in enumerate(X_all) if j % len(X) in set(fold.train_index.tolist()) or j >= len(X)]
    assert not guard.check(leaky, [X[i] for i in fold.val_index]).ok


def test_a_validation_item_reaching_the_pipeline_raises_leakage_error() -> None:
    X, y = _texts(30)
    X = [*X, X[0], X[1]]  # exact duplicates: some fold trains on a copy of a validation row
    y = np.append(y, y[:2])
    with pytest.raises(ma.LeakageError, match="duplicates"):
        ma.evaluate.ablation(MultinomialNB(), X, y, ma.Compose(EDA, seed=0), cv=3, copies=1, features=_bag)
    # grouping the duplicates keeps them on one side: no error
    groups = [*range(30), 0, 1]
    res = ma.evaluate.ablation(
        MultinomialNB(), X, y, ma.Compose(EDA, seed=0), cv=3, copies=1, groups=groups, features=_bag
    )
    assert len(res.folds) == 3


def _bag(texts: list[str]) -> np.ndarray:
    """Hashed bag of words (an estimator-independent feature function)."""
    out = np.zeros((len(texts), 256))
    for r, t in enumerate(texts):
        for w in t.lower().split():
            out[r, sum(map(ord, w)) % 256] += 1
    return out


def test_summary_is_the_corrected_resampled_t_test_of_the_table() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::3], y[::3]
    res = ma.evaluate.ablation(
        KNeighborsClassifier(3), X, y, ma.tabular.GaussianNoise(std=0.2), cv=3, copies=1, repeats=2, seed=1
    )
    table, s = res.table, res.summary
    assert len(table) == 6 and (table["n_train_augmented"] == 2 * table["n_train"]).all()
    d = table["score_with"].to_numpy() - table["score_without"].to_numpy()
    # Nadeau & Bengio: variance (1/J + n_val/n_train) s^2, J - 1 degrees of freedom
    se = math.sqrt((1 / 6 + table["n_val"].mean() / table["n_train"].mean()) * d.var(ddof=1))
    t = d.mean() / se
    assert s["difference"] == pytest.approx(d.mean())
    assert s["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), 5))
    assert s["ci_high"] - s["difference"] == pytest.approx(stats.t.ppf(0.975, 5) * se)
    assert s["mean_without"] == pytest.approx(table["score_without"].mean())
    assert "Nadeau" in s["test"] and "<svg" in res.to_svg() and "p =" in repr(res)


def test_plain_paired_t_when_validation_share_is_zero() -> None:
    d = [0.01, 0.03, -0.01, 0.02]
    ref = stats.ttest_rel(np.array(d), np.zeros(4))
    got = ma.evaluate.corrected_ttest(d, n_train=100, n_val=0)
    assert got.p_value == pytest.approx(ref.pvalue) and got.t == pytest.approx(ref.statistic)


def test_sampler_is_fitted_on_training_rows_only() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    keep = (y == 1) | (np.arange(len(y)) % 6 == 0)
    X, y = X[keep][::2], y[keep][::2]
    res = ma.evaluate.ablation(
        KNeighborsClassifier(5), X, y, ma.tabular.SMOTE(seed=0), cv=3, seed=0, scoring="balanced_accuracy"
    )
    assert res.summary["copies"] is None
    for fold in res.folds:
        sources = {j for entry in fold.provenance for j in (entry if isinstance(entry, tuple) else (entry,))}
        assert sources <= set(fold.train_index.tolist())
        assert fold.n_train_augmented > len(fold.train_index)  # SMOTE balanced the classes


def test_torch_training_function_on_image_stacks() -> None:
    import torch

    d = load_digits()
    images = [(im * 15).astype(np.uint8) for im in d.images[:90]]
    seen: list[tuple[tuple[int, ...], tuple[int, ...]]] = []

    def fit_predict(train_X: np.ndarray, train_y: np.ndarray, val_X: np.ndarray) -> np.ndarray:
        seen.append((train_X.shape, val_X.shape))
        gen = torch.Generator().manual_seed(0)
        w = (torch.randn(64, 10, generator=gen) * 0.01).requires_grad_()
        xb = torch.as_tensor(train_X.reshape(len(train_X), -1) / 255.0, dtype=torch.float32)
        yb = torch.as_tensor(train_y, dtype=torch.int64)
        for _ in range(30):  # plain gradient descent on a softmax regression
            loss = torch.nn.functional.cross_entropy(xb @ w, yb)
            (grad,) = torch.autograd.grad(loss, w)
            with torch.no_grad():
                w -= 2.0 * grad
        xv = torch.as_tensor(val_X.reshape(len(val_X), -1) / 255.0, dtype=torch.float32)
        return (xv @ w).argmax(1).numpy()

    pipe = ma.Compose([ma.image.Rotate(limit=10, p=1.0)], seed=0)
    res = ma.evaluate.ablation(fit_predict, images, d.target[:90], pipe, cv=3, copies=1, seed=0)
    assert seen[0][0] == (60, 8, 8) and seen[1][0] == (120, 8, 8) and seen[0][1] == (30, 8, 8)
    assert 0.4 < res.summary["mean_without"] <= 1.0 and 0.4 < res.summary["mean_with"] <= 1.0


def test_deterministic_steps_apply_to_both_arms_and_validation() -> None:
    d = load_digits()
    images = [(im * 15).astype(np.uint8) for im in d.images[:60]]
    shapes: set[tuple[int, ...]] = set()

    def fit_predict(train_X: np.ndarray, train_y: np.ndarray, val_X: np.ndarray) -> np.ndarray:
        shapes.update({train_X.shape[1:], val_X.shape[1:]})
        model = KNeighborsClassifier(1).fit(train_X.reshape(len(train_X), -1), train_y)
        return model.predict(val_X.reshape(len(val_X), -1))

    pipe = ma.Compose([ma.image.Resize(12, 12), ma.image.HorizontalFlip(p=0.5)], seed=0)
    ma.evaluate.ablation(fit_predict, images, d.target[:60], pipe, cv=3, copies=1)
    assert shapes == {(12, 12)}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"estimator": 3}, "estimator"),
        ({"copies": 0}, "copies"),
        ({"cv": 1}, "cv"),
        ({"y": [0, 1]}, "y"),
        ({"scoring": "no_such_metric"}, "scoring"),
        ({"pipeline": "flip"}, "pipeline"),
        ({"repeats": 0}, "repeats"),
        ({"seed": -1}, "seed"),
        ({"groups": [0, 1]}, "groups"),
    ],
)
def test_bad_arguments_name_their_field(kwargs: dict[str, Any], field: str) -> None:
    X, y = _texts(30)
    args: dict[str, Any] = dict(estimator=RecordingNB(), X=X, y=y, pipeline=ma.Compose(EDA, seed=0), cv=3)
    args.update(kwargs)
    with pytest.raises(ma.InvalidInputError) as e:
        ma.evaluate.ablation(**args)
    assert e.value.field == field and e.value.owner == "evaluate.ablation"


def test_images_of_several_shapes_ask_for_features() -> None:
    images = [np.zeros((8, 8), np.uint8) + i for i in range(12)] + [np.zeros((9, 9), np.uint8)] * 0
    images[5] = np.zeros((9, 9), np.uint8)
    with pytest.raises(ma.InvalidInputError, match="features"):
        ma.evaluate.ablation(
            KNeighborsClassifier(1), images, [0, 1] * 6, ma.Compose([ma.image.HorizontalFlip()], seed=0), cv=2
        )
