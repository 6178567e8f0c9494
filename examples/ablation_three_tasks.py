"""Does augmentation help? ``ma.evaluate.ablation`` on three real tasks, all offline.

1. **digits** (scikit-learn's 8x8 handwritten digits, a random 400 of them; all 1797 with
   ``--full``): an RBF SVM on the pixels, trained without and with 2 copies of every training
   image through a small ``Affine`` (scale, rotation, shear);
2. **breast cancer** (scikit-learn's table, malignant rows kept 1 in 6): a 5-nearest-neighbour
   classifier, without and with ``ma.tabular.SMOTE``, scored by balanced accuracy;
3. **Python docs** (sentences of four topic pages of Python's own documentation,
   ``pydoc_data.topics``, shipped with CPython): which page a sentence comes from, a TF-IDF
   naive Bayes classifier, without and with EDA (synonym replacement, swaps, deletions).

Every fold augments its training rows only (the pipeline is wrapped by the guard's
``protect``, so it would raise on a validation item); the paired differences are tested with
the corrected resampled t-test. Writes one SVG plot and one CSV per task.

Run: ``python examples/ablation_three_tasks.py [--output DIR] [--full]`` (``--full``: the
numbers of docs/evaluate.md: all 1797 digits, 5 folds x 4 repeats everywhere).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import multiaug as ma

TOPICS = ("compound", "debugger", "string-methods", "typesmapping")


def pixels(images: list[np.ndarray]) -> np.ndarray:
    """Flattened images scaled to [0, 1]: the SVM's features."""
    return np.stack(images).reshape(len(images), -1).astype(np.float32) / 255.0


def digits(n: int | None) -> tuple[list[np.ndarray], np.ndarray]:
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.images))[:n]
    return [(d.images[i] * 15).astype(np.uint8) for i in order], d.target[order]


def imbalanced_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    keep = (y == 1) | (np.arange(len(y)) % 6 == 0)
    return X[keep], (y[keep] == 0).astype(int)  # 1 = malignant (the minority)


def docs_sentences(per_topic: int = 80) -> tuple[list[str], np.ndarray]:
    """Up to ``per_topic`` distinct sentences (6-60 words) of each topic page, labelled by page."""
    from pydoc_data.topics import topics

    X: list[str] = []
    y: list[int] = []
    seen: set[str] = set()
    for label, name in enumerate(TOPICS):
        count = 0
        for para in topics[name].split("\n\n"):
            para = " ".join(para.split())
            if not para[:1].isupper() or para.startswith(">>>"):
                continue
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", para):
                if 6 <= len(sentence.split()) <= 60 and sentence not in seen and count < per_topic:
                    seen.add(sentence)
                    X.append(sentence)
                    y.append(label)
                    count += 1
    return X, np.array(y)


def tasks(full: bool) -> dict[str, dict[str, Any]]:
    images, labels = digits(None if full else 400)
    table, classes = imbalanced_breast_cancer()
    texts, pages = docs_sentences()
    return {
        "digits": dict(
            estimator=SVC(),
            X=images,
            y=labels,
            pipeline=ma.Compose(
                [ma.image.Affine(scale=(0.9, 1.1), rotate=(-10, 10), shear=(-8, 8), p=1.0)], seed=0
            ),
            features=pixels,
        ),
        "breast_cancer": dict(
            estimator=make_pipeline(StandardScaler(), KNeighborsClassifier(5)),
            X=table,
            y=classes,
            pipeline=ma.tabular.SMOTE(seed=0),
            scoring="balanced_accuracy",
        ),
        "python_docs": dict(
            estimator=make_pipeline(TfidfVectorizer(), MultinomialNB(alpha=0.1)),
            X=texts,
            y=pages,
            pipeline=ma.Compose(
                [
                    ma.text.SynonymReplace(alpha=0.1),
                    ma.text.RandomSwap(alpha=0.1),
                    ma.text.RandomDelete(alpha=0.1),
                ],
                seed=0,
            ),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--full", action="store_true", help="the documented run (slower)")
    args = parser.parse_args()
    folder = args.output or Path(tempfile.mkdtemp(prefix="multiaug-example-"))
    folder.mkdir(parents=True, exist_ok=True)
    repeats = 4 if args.full else 1
    for name, task in tasks(args.full).items():
        res = ma.evaluate.ablation(cv=5, copies=2, seed=0, repeats=repeats, **task)
        print(f"{name:14} n={len(task['X'])}: {res}")
        res.save_plot(folder / f"ablation_{name}.svg")
        res.table.to_csv(folder / f"ablation_{name}.csv", index=False)
        assert res.pipeline_calls == sum(len(f.train_index) for f in res.folds) * 2 or name == "breast_cancer"
    print(f"plots and per-fold tables in {folder}")


if __name__ == "__main__":
    main()
