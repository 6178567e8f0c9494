"""Paired statistics of cross-validated scores.

Folds of one cross-validation share most of their training rows, so their score differences
are correlated and a plain paired t-test over folds is over-confident. The test used here is
the *corrected resampled t-test* of Nadeau and Bengio (2003, "Inference for the
generalization error", Machine Learning 52): the variance of the mean difference over ``J``
folds is ``(1/J + n_val/n_train) * s**2`` instead of ``s**2 / J`` (``s`` the standard deviation
of the per-fold differences), with ``J - 1`` degrees of freedom. Bouckaert and Frank (2004)
found it the best-calibrated of the common choices for (repeated) k-fold cross-validation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PairedTest", "corrected_ttest"]

TEST_NAME = "corrected resampled t-test (Nadeau & Bengio 2003), two-sided"


@dataclass(frozen=True)
class PairedTest:
    """Mean paired difference, its confidence interval and two-sided p-value."""

    mean: float
    ci_low: float
    ci_high: float
    p_value: float
    t: float
    df: int
    confidence: float
    test: str = TEST_NAME


def corrected_ttest(
    differences: Sequence[float], n_train: float, n_val: float, confidence: float = 0.95
) -> PairedTest:
    """Corrected resampled t-test of per-fold differences (see the module docstring).

    ``n_train`` and ``n_val`` are the (mean) training and validation sizes of a fold. With
    ``n_val / n_train`` set to 0 it is the plain paired t-test over folds.

    Examples
    --------
    >>> r = corrected_ttest([0.02, 0.01, 0.03, 0.02, 0.02], n_train=80, n_val=20)
    >>> round(r.mean, 3), r.df, round(r.p_value, 3)
    (0.02, 4, 0.014)
    >>> round(corrected_ttest([0.02, 0.01, 0.03, 0.02, 0.02], 80, 0).p_value, 4)  # plain paired t
    0.0032
    """
    from scipy import stats

    d = [float(x) for x in differences]
    j = len(d)
    mean = sum(d) / j
    if j < 2:
        return PairedTest(mean, -math.inf, math.inf, math.nan, math.nan, 0, confidence)
    var = sum((x - mean) ** 2 for x in d) / (j - 1)
    se = math.sqrt((1.0 / j + n_val / n_train) * var)
    df = j - 1
    if se == 0.0:  # every fold moved by the same amount
        p = 1.0 if mean == 0.0 else 0.0
        return PairedTest(mean, mean, mean, p, math.copysign(math.inf, mean) if mean else 0.0, df, confidence)
    t = mean / se
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * se
    p = float(2.0 * stats.t.sf(abs(t), df))
    return PairedTest(mean, mean - half, mean + half, p, t, df, confidence)
