"""The result of :func:`multiaug.evaluate.ablation`: per-fold table, summary, and a plot."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .stats import corrected_ttest

__all__ = ["Ablation", "Fold"]


@dataclass(frozen=True)
class Fold:
    """One fold: its rows (indices into ``X``), where every training row came from, its scores.

    ``provenance[j]`` is the index in ``X`` of the original row training row ``j`` derives from
    (a tuple of indices for interpolating samplers such as SMOTE); every index lies in
    ``train_index``, none in ``val_index``.
    """

    fold: int
    train_index: np.ndarray
    val_index: np.ndarray
    provenance: list[Any]
    n_train_augmented: int
    score_without: float
    score_with: float

    @property
    def difference(self) -> float:
        return self.score_with - self.score_without


class Ablation:
    """Paired cross-validated scores without and with augmentation.

    ``table``: a DataFrame, one row per fold. ``summary``: a dict with the metric, the mean and
    std of each arm, the mean paired difference (with minus without), its confidence interval
    and the two-sided p-value of the corrected resampled t-test (``test`` names it; see
    :mod:`multiaug.evaluate.stats`). ``pipeline_calls``: how many times the (protected) pipeline
    ran: every one on a training row.
    """

    def __init__(
        self, folds: list[Fold], metric: str, confidence: float, copies: int | None, pipeline_calls: int
    ) -> None:
        self.folds = folds
        self.metric = metric
        self.copies = copies
        self.pipeline_calls = pipeline_calls
        n_tr = float(np.mean([len(f.train_index) for f in folds]))
        n_va = float(np.mean([len(f.val_index) for f in folds]))
        test = corrected_ttest([f.difference for f in folds], n_tr, n_va, confidence)
        without = np.array([f.score_without for f in folds])
        with_aug = np.array([f.score_with for f in folds])
        self.summary: dict[str, Any] = {
            "metric": metric,
            "folds": len(folds),
            "copies": copies,
            "mean_without": float(without.mean()),
            "std_without": float(without.std(ddof=1)) if len(folds) > 1 else math.nan,
            "mean_with": float(with_aug.mean()),
            "std_with": float(with_aug.std(ddof=1)) if len(folds) > 1 else math.nan,
            "difference": test.mean,
            "ci_low": test.ci_low,
            "ci_high": test.ci_high,
            "confidence": test.confidence,
            "p_value": test.p_value,
            "test": test.test,
        }

    @property
    def table(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "fold": f.fold,
                    "n_train": len(f.train_index),
                    "n_train_augmented": f.n_train_augmented,
                    "n_val": len(f.val_index),
                    "score_without": f.score_without,
                    "score_with": f.score_with,
                    "difference": f.difference,
                }
                for f in self.folds
            ]
        )

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"Ablation({s['metric']} over {s['folds']} folds: without {s['mean_without']:.4f}, "
            f"with {s['mean_with']:.4f}, difference {s['difference']:+.4f} "
            f"[{s['ci_low']:+.4f}, {s['ci_high']:+.4f}] ({s['confidence']:.0%} CI), p = {s['p_value']:.3g})"
        )

    def to_svg(self, width: int = 480, height: int = 300) -> str:
        """A dependency-free SVG: each fold's two scores joined by a line, the means, and the
        interval of the mean difference in the title. ``save_plot(path)`` writes it."""
        s, folds = self.summary, self.folds
        scores = [v for f in folds for v in (f.score_without, f.score_with)]
        lo, hi = min(scores), max(scores)
        pad = (hi - lo) * 0.1 or 0.01
        lo, hi = lo - pad, hi + pad
        top, bottom, left, right = 50, height - 30, 70, width - 30

        def ypos(v: float) -> float:
            return bottom - (v - lo) / (hi - lo) * (bottom - top)

        xa, xb = left + (right - left) * 0.25, left + (right - left) * 0.75
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            'font-family="sans-serif" font-size="12">',
            f'<rect width="{width}" height="{height}" fill="white"/>',
            f'<text x="{width / 2}" y="18" text-anchor="middle">{s["metric"]}: difference '
            f"{s['difference']:+.4f} [{s['ci_low']:+.4f}, {s['ci_high']:+.4f}], "
            f"p = {s['p_value']:.3g}</text>",
            f'<text x="{width / 2}" y="34" text-anchor="middle" font-size="10">{s["test"]}</text>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="black"/>',
        ]
        for v in np.linspace(lo, hi, 5):
            parts.append(f'<text x="{left - 6}" y="{ypos(v) + 4:.1f}" text-anchor="end">{v:.3f}</text>')
        for f in folds:
            colour = "#1a7f37" if f.difference > 0 else ("#cf222e" if f.difference < 0 else "#57606a")
            ya, yb = ypos(f.score_without), ypos(f.score_with)
            parts.append(
                f'<line x1="{xa}" y1="{ya:.1f}" x2="{xb}" y2="{yb:.1f}" stroke="{colour}" '
                f'stroke-opacity="0.6"/><circle cx="{xa}" cy="{ya:.1f}" r="3" fill="{colour}"/>'
                f'<circle cx="{xb}" cy="{yb:.1f}" r="3" fill="{colour}"/>'
            )
        for x, m in ((xa, s["mean_without"]), (xb, s["mean_with"])):
            parts.append(
                f'<line x1="{x - 25}" y1="{ypos(m):.1f}" x2="{x + 25}" y2="{ypos(m):.1f}" stroke="black" '
                'stroke-width="3"/>'
            )
        parts.append(f'<text x="{xa}" y="{height - 10}" text-anchor="middle">without</text>')
        parts.append(f'<text x="{xb}" y="{height - 10}" text-anchor="middle">with augmentation</text>')
        parts.append("</svg>")
        return "\n".join(parts)

    def save_plot(self, path: Any) -> None:
        """Write :meth:`to_svg` to ``path`` (needs no plotting library)."""
        from pathlib import Path

        Path(path).write_text(self.to_svg(), encoding="utf-8")
