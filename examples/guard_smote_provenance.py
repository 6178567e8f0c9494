"""SMOTE before the split, caught by the split guard through ``provenance_``; then the right way.

Run: .venv/bin/python examples/guard_smote_provenance.py
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_breast_cancer

import multiaug as ma


def main() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    keep = np.concatenate([np.flatnonzero(y == 1), np.flatnonzero(y == 0)[:40]])  # imbalanced
    X, y = X[keep], y[keep]
    guard = ma.SplitGuard()

    # The wrong way: oversample the whole table, then split it.
    smote = ma.tabular.SMOTE(seed=0)
    X_res, y_res = smote.fit_resample(X, y)
    prov = smote.provenance_  # per row: its source row, or (base, neighbour) for synthetic rows
    train, val = guard.split(X_res, y_res, test_size=0.25, seed=0)
    report = guard.check(
        X_res[train],
        X_res[val],
        provenance_train=[prov[i] for i in train],
        provenance_val=[prov[i] for i in val],
    )
    print("SMOTE before the split:", report)
    for reason, n in report.counts.items():
        if n:
            print(f"  {reason}: {n} train/validation pairs")
    t, v, reason = report.leaks[0]
    print(
        f"  e.g. train row {train[t]} ({prov[train[t]]}) and validation row {val[v]} "
        f"({prov[val[v]]}) share a source: {reason}"
    )

    # The right way: split the originals first, oversample the training part only.
    train, val = guard.split(X, y, test_size=0.25, seed=0)
    X_tr, _ = ma.tabular.SMOTE(seed=0).fit_resample(X[train], y[train])
    report = guard.check(X_tr, X[val])
    print("split first, SMOTE on the training part:", report)
    assert report.ok


if __name__ == "__main__":
    main()
