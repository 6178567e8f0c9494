"""``ablation``: cross-validated scores without and with augmentation, leak-safe by construction.

Every fold splits the *original* rows first; only the training rows of the fold are handed to
the augmentation (per-sample pipelines through :meth:`SplitGuard.protect`, which raises
``LeakageError`` if a validation item ever reaches it; dataset-level samplers such as ``SMOTE``
only ever receive the training rows, and their ``provenance_`` is checked to point inside them).
The validation rows are scored as they are. Both arms of a fold use the same split and a fresh
clone of the same estimator, so the differences are paired.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError, LeakageError
from ..core.transform import Transform
from .data import Items, as_items, features_of, take
from .result import Ablation, Fold

__all__ = ["ablation"]

OWNER = "evaluate.ablation"

#: Metrics a ``fit_predict`` function can be scored with by name (an estimator takes any
#: scikit-learn scorer name).
METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "r2", "neg_mean_absolute_error")


@dataclass
class _Setup:
    items: Items
    y: np.ndarray
    pipeline: Any
    sampler: bool
    copies: int
    features: Callable[[Any], Any] | None
    fields: dict[str, Any]
    scorer: Callable[[Any, Any, Any, Any], float]
    metric: str
    fit_predict: Callable[..., Any] | None
    estimator: Any
    prep: Transform | None = None
    calls: list[int] = field(default_factory=lambda: [0])


def ablation(
    estimator: Any,
    X: Any,
    y: Sequence[Any],
    pipeline: Any,
    cv: int | Any = 5,
    copies: int = 2,
    seed: int = 0,
    *,
    repeats: int = 1,
    groups: Sequence[Any] | None = None,
    scoring: str | Callable[[Any, Any], float] | None = None,
    features: Callable[[Any], Any] | None = None,
    field: str | None = None,
    confidence: float = 0.95,
    **fields: Any,
) -> Ablation:
    """Cross-validated scores of ``estimator`` trained without and with ``pipeline``'s augmentation.

    Parameters
    ----------
    estimator : scikit-learn estimator or callable
        Cloned for every fit. Or a training function ``fit_predict(train_X, train_y, val_X)``
        returning predictions for ``val_X`` (a torch loop, say); it gets NumPy arrays (an
        ``(N, H, W[, C])`` stack for images) or lists of texts, or ``features(...)`` when given.
    X : list of images, texts or audio arrays, an ``(N, H, W[, C])`` stack, or a table
        (2-D array or DataFrame).
    y : sequence of labels (or targets), one per row.
    pipeline : multiaug pipeline or sampler
        A per-sample pipeline (``ma.Compose``...): ``copies`` augmented copies of every training
        row of the fold are added. A table pipeline (``ma.tabular.GaussianNoise``) gets the
        fold's training table, ``copies`` times. Or anything with ``fit_resample(X, y)``
        (``ma.tabular.SMOTE``, ``ma.Oversample``, imbalanced-learn samplers), fitted on the
        fold's training rows only (``copies`` is then not used).
    cv : int or scikit-learn splitter, default 5
        Folds; an int makes a shuffled ``StratifiedKFold`` for class labels (``KFold``
        otherwise, ``StratifiedGroupKFold``/``GroupKFold`` with ``groups``), repeated
        ``repeats`` times with seeds ``seed, seed + 1, ...``.
    copies : int, default 2
        Augmented copies of every training row (per-sample pipelines).
    seed : int, default 0
        Seed of the splits; a pipeline without a seed is given this one.
    groups : sequence, optional
        Group ids: rows of one group never sit on both sides of a split.
    scoring : str or callable, optional
        A scikit-learn scorer name (a ``fit_predict`` function: one of :data:`METRICS`), or
        ``metric(y_true, y_pred)``. Default: accuracy for class labels, R² otherwise.
    features : callable, optional
        ``features(items) -> 2-D array`` applied to every training and validation set. Without
        it images are flattened to float32 rows, texts and tables are passed as they are.
    field : str, optional
        The sample field each item fills (inferred: ``text``, ``image``, ``audio``).
    confidence : float, default 0.95
        Level of the interval on the mean paired difference.
    **fields
        Extra fields given with every pipeline call (``sample_rate=16000``).

    Returns
    -------
    Ablation
        ``.table`` (per fold), ``.summary`` (the paired test), ``.folds``, ``.to_svg()``.

    Examples
    --------
    >>> import multiaug as ma
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    >>> res = ma.evaluate.ablation(model, X[:200], y[:200], ma.tabular.GaussianNoise(std=0.1),
    ...                            cv=3, copies=1, seed=0)
    >>> list(res.table.columns)
    ['fold', 'n_train', 'n_train_augmented', 'n_val', 'score_without', 'score_with', 'difference']
    """
    setup = _setup(estimator, X, y, pipeline, copies, seed, scoring, features, field, fields)
    splits = _splits(OWNER, cv, repeats, seed, setup.y, groups, len(setup.items))
    folds = [_fold(setup, k, tr, va) for k, (tr, va) in enumerate(splits)]
    return Ablation(folds, setup.metric, confidence, None if setup.sampler else setup.copies, setup.calls[0])


def _setup(
    estimator: Any,
    X: Any,
    y: Sequence[Any],
    pipeline: Any,
    copies: int,
    seed: int,
    scoring: Any,
    features: Any,
    field: str | None,
    fields: dict[str, Any],
) -> _Setup:
    fit_predict = None
    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict")):
        if not callable(estimator):
            raise InvalidInputError(
                OWNER,
                "estimator",
                f"is a {type(estimator).__name__}: neither an estimator (fit/predict) nor a function",
                "pass a scikit-learn estimator or fit_predict(train_X, train_y, val_X) -> predictions",
            )
        fit_predict = estimator
    if isinstance(copies, bool) or not isinstance(copies, (int, np.integer)) or copies < 1:
        raise InvalidInputError(OWNER, "copies", f"must be an int >= 1, got {copies!r:.40}", "pass copies=2")
    if features is not None and not callable(features):
        raise InvalidInputError(OWNER, "features", "is not callable", "pass features=lambda items: 2-D array")
    sampler = _is_sampler(pipeline)
    if sampler and fields:
        raise InvalidInputError(
            OWNER, next(iter(fields)), "is a sample field, but the pipeline is a sampler", "drop it"
        )
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise InvalidInputError(OWNER, "seed", f"must be an int >= 0, got {seed!r:.40}", "pass seed=0")
    items = as_items(OWNER, X, None if sampler else pipeline, field)
    y_arr = _labels(y, len(items))
    metric, scorer = _scorer(scoring, y_arr, fit_predict is not None)
    if not sampler and pipeline.seed is None:  # reproducible numbers: the run's seed keys its draws
        pipeline = copy.deepcopy(pipeline).set_params(seed=int(seed))
    setup = _Setup(
        items, y_arr, pipeline, sampler, int(copies), features, fields, scorer, metric, fit_predict, estimator
    )
    if not sampler:
        prep = pipeline.inference()
        setup.prep = prep if prep._plan.leaves else None
    return setup


def _is_sampler(pipeline: Any) -> bool:
    if isinstance(pipeline, Transform):
        return bool(pipeline._dataset_level)
    if hasattr(pipeline, "fit_resample"):
        return True
    raise InvalidInputError(
        OWNER,
        "pipeline",
        f"is a {type(pipeline).__name__}: neither a multiaug pipeline nor a sampler with fit_resample",
        "pass ma.Compose([...]) or a sampler such as ma.tabular.SMOTE()",
    )


def _labels(y: Any, n: int) -> np.ndarray:
    try:
        arr = np.asarray(y)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(
            OWNER, "y", f"cannot be read as labels ({e})", "pass a list of labels"
        ) from None
    if arr.ndim != 1 or len(arr) != n:
        raise InvalidInputError(
            OWNER, "y", f"has shape {arr.shape} for {n} rows of X", "pass one label per row of X"
        )
    return arr


def _classes(y: np.ndarray) -> bool:
    from sklearn.utils.multiclass import type_of_target

    return type_of_target(y) in ("binary", "multiclass")


def _scorer(scoring: Any, y: np.ndarray, function: bool) -> tuple[str, Callable[..., float]]:
    """The metric's name and ``score(estimator_or_None, X_val, y_val, predictions_or_None)``."""
    from sklearn import metrics

    if scoring is None:
        scoring = "accuracy" if _classes(y) else "r2"
    if callable(scoring):
        name = getattr(scoring, "__name__", "score")
        return name, lambda est, Xv, yv, pred: float(scoring(yv, est.predict(Xv) if pred is None else pred))
    if not isinstance(scoring, str) or (function and scoring not in METRICS):
        raise InvalidInputError(
            OWNER,
            "scoring",
            f"is {scoring!r:.60}",
            f"pass one of {', '.join(METRICS)} or a function metric(y_true, y_pred)",
        )
    if function:
        fn = {
            "accuracy": metrics.accuracy_score,
            "balanced_accuracy": metrics.balanced_accuracy_score,
            "f1_macro": lambda a, b: metrics.f1_score(a, b, average="macro"),
            "f1_weighted": lambda a, b: metrics.f1_score(a, b, average="weighted"),
            "r2": metrics.r2_score,
            "neg_mean_absolute_error": lambda a, b: -metrics.mean_absolute_error(a, b),
        }[scoring]
        return scoring, lambda est, Xv, yv, pred: float(fn(yv, pred))
    try:
        scorer = metrics.get_scorer(scoring)
    except ValueError:
        raise InvalidInputError(
            OWNER,
            "scoring",
            f"{scoring!r:.60} is not a scikit-learn scorer",
            "see sklearn.metrics.get_scorer_names()",
        ) from None
    return scoring, lambda est, Xv, yv, pred: float(scorer(est, Xv, yv))


def _splits(
    owner: str, cv: Any, repeats: int, seed: int, y: np.ndarray, groups: Any, n: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn import model_selection as ms

    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise InvalidInputError(
            owner, "repeats", f"must be an int >= 1, got {repeats!r:.40}", "pass repeats=1"
        )
    g = None if groups is None else np.asarray(groups)
    if g is not None and (g.ndim != 1 or len(g) != n):
        raise InvalidInputError(
            owner, "groups", f"has shape {g.shape} for {n} rows", "pass one group id per row"
        )
    if hasattr(cv, "split"):
        return [(np.asarray(tr), np.asarray(va)) for tr, va in cv.split(np.zeros(n), y, g)]
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or not 2 <= cv <= n:
        raise InvalidInputError(
            owner, "cv", f"must be an int in [2, {n}] or a splitter, got {cv!r:.40}", "pass cv=5"
        )
    out: list[tuple[np.ndarray, np.ndarray]] = []
    classes = _classes(y)
    for r in range(int(repeats)):
        if g is not None:
            splitter: Any = (
                ms.StratifiedGroupKFold(int(cv), shuffle=True, random_state=seed + r)
                if classes
                else ms.GroupKFold(int(cv))
            )
        elif classes:
            splitter = ms.StratifiedKFold(int(cv), shuffle=True, random_state=seed + r)
        else:
            splitter = ms.KFold(int(cv), shuffle=True, random_state=seed + r)
        out.extend((np.asarray(tr), np.asarray(va)) for tr, va in splitter.split(np.zeros(n), y, g))
    return out


def _fold(setup: _Setup, k: int, tr: np.ndarray, va: np.ndarray) -> Fold:
    items, y = setup.items, setup.y
    X_tr, X_va = take(items, tr), take(items, va)
    X_aug, y_aug, provenance = _augment(setup, k, tr, X_tr, X_va)
    if setup.prep is not None:  # the pipeline's deterministic steps (resize, normalise) on every row
        X_tr, X_va = _prepared(setup, X_tr), _prepared(setup, X_va)
        X_aug = items.concat([X_tr, take(X_aug, np.arange(len(tr), len(X_aug)))])
    without = _score(setup, X_tr, y[tr], X_va, y[va])
    with_aug = _score(setup, X_aug, y_aug, X_va, y[va])
    return Fold(k, tr, va, provenance, len(X_aug), without, with_aug)


def _augment(
    setup: _Setup, k: int, tr: np.ndarray, X_tr: Items, X_va: Items
) -> tuple[Items, np.ndarray, list[Any]]:
    """The fold's training rows plus the new ones; provenance in indices of the whole ``X``."""
    from ..guard import SplitGuard

    y_tr = setup.y[tr]
    if setup.sampler:
        return _resample(setup, tr, X_tr, y_tr, X_va)
    guarded = SplitGuard(near_duplicates=False).protect(_counted(setup), X_va.data)
    try:
        new = setup.items.augmented(guarded, X_tr, tr, k, setup.copies, setup.fields)
    except LeakageError as e:
        raise LeakageError(
            e.report,
            f"{OWNER}: fold {k}: a training row is an exact copy of a validation row ({e}); the data "
            "holds duplicates: drop them or pass groups= so that copies stay on one side",
        ) from None
    provenance = [int(i) for i in tr] + [int(i) for _ in range(setup.copies) for i in tr]
    return setup.items.concat([X_tr, new]), np.concatenate([y_tr] * (setup.copies + 1)), provenance


def _counted(setup: _Setup) -> Callable[..., Any]:
    pipe = setup.pipeline

    def call(**sample: Any) -> Any:
        setup.calls[0] += 1
        return pipe(**sample)

    return call


def _resample(
    setup: _Setup, tr: np.ndarray, X_tr: Items, y_tr: np.ndarray, X_va: Items
) -> tuple[Items, np.ndarray, list[Any]]:
    from ..guard import SplitGuard

    sampler = copy.deepcopy(setup.pipeline)
    X_res, y_res = sampler.fit_resample(X_tr.data, y_tr)
    local = getattr(sampler, "provenance_", None)
    if local is None:  # imbalanced-learn: sample_indices_ for the rows it kept or duplicated
        local = list(getattr(sampler, "sample_indices_", range(len(X_tr))))
    provenance = [
        tuple(int(tr[j]) for j in entry) if isinstance(entry, tuple) else int(tr[int(entry)])
        for entry in local
    ]
    out = setup.items.wrap(X_res)
    if out.kind == "table":  # no resampled row is a validation row
        SplitGuard(near_duplicates=False).protect(lambda **s: s, X_va.data)(table=out.data)
    return out, np.asarray(y_res), provenance


def _prepared(setup: _Setup, X: Items) -> Items:
    prep = setup.prep
    assert prep is not None
    return X.mapped(lambda item, f: prep(**{f: item}, **setup.fields)[f])


def _score(setup: _Setup, X_fit: Items, y_fit: np.ndarray, X_val: Items, y_val: np.ndarray) -> float:
    F_fit = features_of(OWNER, X_fit, setup.features, setup.fit_predict is None)
    F_val = features_of(OWNER, X_val, setup.features, setup.fit_predict is None)
    if setup.fit_predict is not None:
        pred = setup.fit_predict(F_fit, y_fit, F_val)
        pred = np.asarray(pred)
        if pred.shape[:1] != (len(y_val),):
            raise InvalidInputError(
                OWNER,
                "estimator",
                f"returned predictions of shape {pred.shape} for {len(y_val)} validation rows",
                "return one prediction per row of val_X",
            )
        return setup.scorer(None, F_val, y_val, pred)
    from sklearn.base import clone

    est = clone(setup.estimator)
    est.fit(F_fit, y_fit)
    return setup.scorer(est, F_val, y_val, None)
