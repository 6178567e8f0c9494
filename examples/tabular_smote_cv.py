"""SMOTE inside the cross-validation pipeline vs SMOTE applied before the split.

scikit-learn's breast-cancer table is made imbalanced (1 malignant row in 6 kept). Three
5-fold cross-validated estimates of the same classifier:

1. no resampling;
2. ``ma.tabular.SMOTE`` inside an ``imblearn.pipeline.Pipeline`` (resampling the training folds
   only: the right way);
3. SMOTE applied to the whole table *before* the split (the wrong way): synthetic rows in the
   test folds are interpolations of training rows, so the estimate is optimistic.

The printed bias is (wrong way) - (right way). ``provenance_`` shows where the leak comes from:
the share of synthetic test rows whose parents sit in the training fold.

Run: ``python examples/tabular_smote_cv.py``
"""

from __future__ import annotations

import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

import multiaug as ma

SCORING = ("balanced_accuracy", "recall", "average_precision")


def imbalanced_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """Malignant (class 0) rows kept 1 in 6; the positive class of the scores is 'malignant'."""
    X, y = load_breast_cancer(return_X_y=True)
    keep = (y == 1) | (np.arange(len(y)) % 6 == 0)
    return X[keep], (y[keep] == 0).astype(int)  # 1 = malignant (minority)


def main() -> None:
    X, y = imbalanced_breast_cancer()
    print(f"table {X.shape}, class counts {np.bincount(y).tolist()} (1 = malignant)")
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)

    def model(*steps: tuple[str, object]) -> Pipeline:
        return Pipeline([("scale", StandardScaler()), *steps, ("clf", KNeighborsClassifier(5))])

    results = {
        "no resampling": cross_validate(model(), X, y, cv=cv, scoring=SCORING),
        "SMOTE in pipeline": cross_validate(
            model(("smote", ma.tabular.SMOTE(seed=0))), X, y, cv=cv, scoring=SCORING
        ),
    }
    smote = ma.tabular.SMOTE(seed=0)
    X_leak, y_leak = smote.fit_resample(X, y)  # WRONG: before the split
    results["SMOTE before split (wrong)"] = cross_validate(model(), X_leak, y_leak, cv=cv, scoring=SCORING)

    print(f"\n{'':28}" + "".join(f"{s:>20}" for s in SCORING))
    for name, res in results.items():
        print(f"{name:28}" + "".join(f"{res[f'test_{s}'].mean():>20.3f}" for s in SCORING))
    right, wrong = results["SMOTE in pipeline"], results["SMOTE before split (wrong)"]
    print(
        f"{'optimistic bias (wrong-right)':28}"
        + "".join(f"{wrong[f'test_{s}'].mean() - right[f'test_{s}'].mean():>+20.3f}" for s in SCORING)
    )

    # where the leak comes from: synthetic test rows whose parents are training rows
    n, leaked, synthetic = len(X), 0, 0
    for train, test in cv.split(X_leak, y_leak):
        in_train = np.zeros(len(X_leak), bool)
        in_train[train] = True
        for i in test[test >= n]:
            a, b = smote.provenance_[i]
            synthetic += 1
            leaked += bool(in_train[a] or in_train[b])
    print(
        f"\n{leaked}/{synthetic} synthetic test rows ({leaked / synthetic:.0%}) "
        "have a parent in the training fold"
    )
    bias = wrong["test_balanced_accuracy"].mean() - right["test_balanced_accuracy"].mean()
    assert bias > 0, "SMOTE before the split should look optimistic"


if __name__ == "__main__":
    main()
