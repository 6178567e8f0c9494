"""Tabular samplers: wrapper overhead against raw imbalanced-learn, and neighbour search at scale.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/tabular.py``; ``--scale-rows 200000``
for a quicker scale run, ``--independent`` to add the table with 20 independent features).

1. Overhead, 100k x 20 (``make_classification``, 10 % minority): every ``ma.tabular`` sampler
   with ``seed=0`` against ``imblearn`` with ``random_state=ma.tabular.random_state(0)`` on
   the same arrays, in alternating rounds (medians); outputs are checked equal. The wrapper
   adds the multiaug checks (NaN, labels, class sizes) and the provenance arrays (the label
   checks and the class plan run once, not once more before imbalanced-learn's; provenance
   stays NumPy index arrays until ``provenance_`` is read). ``--profile`` adds, per sampler,
   the share of one profiled call spent in multiaug's own code (load-independent). SMOTE-NC
   runs on the 100k table with its last column made a category. SMOTEENN and
   SMOTETomek (whose time is the cleaning step's neighbour search over all rows), SVM-SMOTE
   (an SVC fit, quadratic in the rows) and SMOTE-N (value-difference distances within a class,
   quadratic too) run on ``--small-rows`` (20k) rows, SMOTE-N on a table of categories.
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


#: The clock of the overhead run: wall time, or with ``--cpu`` this process's CPU time (with
#: one thread per library, ``OMP_NUM_THREADS=1`` and the like, it hardly moves with other load).
CLOCK = {"clock": time.perf_counter}


def interleaved(fa: Callable[[], object], fb: Callable[[], object], rounds: int) -> tuple[float, float]:
    clock = CLOCK["clock"]
    a, b = [], []
    for _ in range(rounds):
        for fn, out in ((fa, a), (fb, b)):
            t0 = clock()
            fn()
            out.append(clock() - t0)
    return statistics.median(a), statistics.median(b)


#: Samplers of the overhead run: (class name, parameters, table: "large" | "small" | "categories").
SAMPLERS: tuple[tuple[str, dict[str, object], str], ...] = (
    ("SMOTE", {}, "large"),
    ("ADASYN", {}, "large"),
    ("BorderlineSMOTE", {}, "large"),
    ("RandomOverSampler", {}, "large"),
    ("SMOTENC", {"categorical_features": [19]}, "mixed"),
    ("KMeansSMOTE", {"cluster_balance_threshold": 0.05}, "large"),
    ("SMOTEENN", {}, "small"),
    ("SMOTETomek", {}, "small"),
    ("SVMSMOTE", {}, "small"),
    ("SMOTEN", {}, "categories"),
)


def tables_of(rows: int, small: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    tables = {"large": table(rows), "small": table(small)}
    Xs, ys = tables["small"]
    tables["categories"] = (np.digitize(Xs, [-1.0, 0.0, 1.0]).astype(str).astype(object), ys)
    Xm, ym = tables["large"]
    Xm = Xm.copy()
    Xm[:, 19] = np.digitize(Xm[:, 19], [-1.0, 0.0, 1.0])  # a category column (four codes)
    tables["mixed"] = (Xm, ym)
    return tables


def overhead(rows: int, small: int, rounds: int, names: list[str] | None, profile: bool) -> None:
    tables = tables_of(rows, small)
    print(f"\n1. overhead, {rows:,} x 20 (SMOTEENN, SMOTETomek, SVMSMOTE, SMOTEN: {small:,} x 20), "
          f"10 % minority, {rounds} alternating rounds (medians)")  # fmt: skip
    for name, params, kind in SAMPLERS:
        if names and name not in names:
            continue
        X, y = tables[kind]
        ours = getattr(ma.tabular, name)(seed=0, **params)
        raw = ours.to_imblearn()
        assert np.array_equal(ours.fit_resample(X, y)[0], raw.fit_resample(X, y)[0])
        t_ours, t_raw = interleaved(
            lambda o=ours, X=X, y=y: o.fit_resample(X, y),
            lambda r=raw, X=X, y=y: r.fit_resample(X, y),
            rounds,
        )
        own = f"   own code {own_share(ours, X, y, 1 if t_ours > 1 else 5):4.1f} %" if profile else ""
        print(
            f"   {ours.name:26} {len(y):>7,} rows  multiaug {t_ours * 1e3:9.1f} ms   "
            f"imblearn {t_raw * 1e3:9.1f} ms   overhead {100 * (t_ours / t_raw - 1):+5.1f} %{own}"
            "   (outputs equal)"
        )


def own_share(sampler: object, X: np.ndarray, y: np.ndarray, calls: int) -> float:
    """Percent of a profiled ``fit_resample`` spent in multiaug's code and the NumPy calls it makes.

    Counted: multiaug's own functions (checks, plan, provenance, the hooks that record parents)
    and the NumPy/builtin (and scikit-learn ``attach_unique``) calls they make. The rest is
    imbalanced-learn's and scikit-learn's code, checks and algorithm, which the raw sampler
    runs too (multiaug runs its label checks once instead of twice). The median over ``calls``
    profiled calls: a call the scheduler stalls charges the stall to whichever function ran.
    Unlike the timed ratio, this share barely moves with the machine's load.
    """
    import cProfile
    import pstats

    shares = []
    for _ in range(calls):
        profiler = cProfile.Profile()
        profiler.enable()
        sampler.fit_resample(X, y)  # type: ignore[attr-defined]
        profiler.disable()
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        total = own = 0.0
        for (path, _, _), (_, _, tottime, cumtime, callers) in stats.items():
            total = max(total, cumtime)
            if "/multiaug/" in path:
                own += tottime
            elif path == "~" or "/numpy/" in path or "/sklearn/utils/_unique" in path:  # called by multiaug
                own += sum(c[3] for (cpath, _, _), c in callers.items() if "/multiaug/" in cpath)
        shares.append(100 * own / total)
    return statistics.median(shares)


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
    parser.add_argument("--small-rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--samplers", nargs="*", help="only these samplers (class names) in the overhead run")
    parser.add_argument("--no-scale", action="store_true", help="skip the 1M-row neighbour-search run")
    parser.add_argument(
        "--profile", action="store_true", help="also profile one call: the share of multiaug's own code"
    )
    parser.add_argument("--scale-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--independent", action="store_true", help="also run the table of independent features"
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time with this process's CPU time (run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "
        "for a ratio that hardly moves with the machine's load)",
    )
    args = parser.parse_args()
    if args.cpu:
        CLOCK["clock"] = time.process_time
    print(f"tabular samplers on {machine()}" + (", CPU time" if args.cpu else ""))
    overhead(args.overhead_rows, args.small_rows, args.rounds, args.samplers, args.profile)
    if args.no_scale:
        return
    scale(args.scale_rows, independent=False)
    if args.independent:
        scale(args.scale_rows, independent=True)


if __name__ == "__main__":
    main()
