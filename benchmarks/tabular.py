"""Tabular samplers: wrapper overhead against raw imbalanced-learn, and neighbour search at scale.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/tabular.py``; ``--scale-rows 200000``
for a quicker scale run, ``--independent`` to add the table with 20 independent features).

1. Overhead, 100k x 20 (``make_classification``, 10 % minority): ``ma.tabular.SMOTE(seed=0)``
   and ``ADASYN`` against ``imblearn`` with ``random_state=ma.tabular.random_state(0)`` on
   the same arrays, in alternating rounds (medians); outputs are checked equal. The wrapper
   adds the multiaug checks (NaN, labels, class sizes) and the provenance arrays.
2. Scale, 1M x 20, 10 % minority (100k rows to search): imbalanced-learn's default neighbour
   search (scikit-learn ``algorithm="auto"``, which is brute force above 15 features, already
   multi-threaded) against ``SMOTE(algorithm="kd_tree", n_jobs=2)``; outputs checked equal.
   The default table has 5 informative and 15 redundant features (intrinsic dimension 5, as
   in most real tables whose columns correlate); there the k-d tree wins. With 20 independent
   features (``--independent``) no exact tree search beats brute force.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from _util import machine
from imblearn import over_sampling as imb
from sklearn.datasets import make_classification

import multiaug as ma


def table(rows: int, independent: bool = False) -> tuple[np.ndarray, np.ndarray]:
    kw = {"n_informative": 20, "n_redundant": 0} if independent else {"n_informative": 5, "n_redundant": 15}
    return make_classification(n_samples=rows, n_features=20, weights=[0.9, 0.1], random_state=0, **kw)


def interleaved(fa: Callable[[], object], fb: Callable[[], object], rounds: int) -> tuple[float, float]:
    a, b = [], []
    for _ in range(rounds):
        for fn, out in ((fa, a), (fb, b)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return statistics.median(a), statistics.median(b)


def overhead(rows: int, rounds: int) -> None:
    X, y = table(rows)
    print(f"\n1. overhead, {rows:,} x 20, minority {int((y == 1).sum()):,} rows, {rounds} alternating rounds")
    for ours, theirs in ((ma.tabular.SMOTE(seed=0), imb.SMOTE), (ma.tabular.ADASYN(seed=0), imb.ADASYN)):
        raw = theirs(random_state=ma.tabular.random_state(0))
        assert np.array_equal(ours.fit_resample(X, y)[0], raw.fit_resample(X, y)[0])
        t_ours, t_raw = interleaved(
            lambda o=ours: o.fit_resample(X, y), lambda r=raw: r.fit_resample(X, y), rounds
        )
        print(
            f"   {ours.name:22} multiaug {t_ours * 1e3:8.1f} ms   imblearn {t_raw * 1e3:8.1f} ms   "
            f"overhead {100 * (t_ours / t_raw - 1):+5.1f} %   (outputs equal)"
        )


def scale(rows: int, independent: bool) -> None:
    X, y = table(rows, independent)
    kind = "20 independent features" if independent else "5 informative + 15 redundant features"
    print(f"\n2. scale, {rows:,} x 20 ({kind}), minority {int((y == 1).sum()):,} rows")
    t0 = time.perf_counter()
    ref = imb.SMOTE(random_state=ma.tabular.random_state(0)).fit_resample(X, y)[0]
    t_default = time.perf_counter() - t0
    print(f"   imblearn SMOTE, default search          {t_default:7.1f} s")
    for algorithm in ("kd_tree",):
        sm = ma.tabular.SMOTE(seed=0, algorithm=algorithm, n_jobs=2)
        t0 = time.perf_counter()
        out = sm.fit_resample(X, y)[0]
        t = time.perf_counter() - t0
        same = np.allclose(out, ref, rtol=0, atol=1e-12)
        print(
            f"   ma SMOTE(algorithm={algorithm!r}, n_jobs=2) {t:7.1f} s   "
            f"{t_default / t:4.2f}x   outputs equal: {same}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overhead-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scale-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--independent", action="store_true", help="also run the table of independent features"
    )
    args = parser.parse_args()
    print(f"tabular samplers on {machine()}")
    overhead(args.overhead_rows, args.rounds)
    scale(args.scale_rows, independent=False)
    if args.independent:
        scale(args.scale_rows, independent=True)


if __name__ == "__main__":
    main()
