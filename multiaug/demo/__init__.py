"""The embedded end-to-end tour behind ``multiaug demo``; needs no network and no files of yours.

Data: scikit-learn's two sample photos, two espeak-ng speech clips shipped in
``multiaug/demo_data/``, a dozen text lines written below, and ``load_breast_cancer`` made
imbalanced. The tour

1. augments each modality with a keyed, seeded pipeline and proves it reproducible (the same
   bytes from the saved YAML config, called in reverse order; traces replay exactly);
2. balances the table with ``ma.tabular.SMOTE``;
3. catches SMOTE-before-the-split (and augmented copies of validation items in training) with
   ``ma.SplitGuard``, and shows a clean split;
4. writes ``report.html`` (self-contained), ``summary.json``, the pictures, the traces;
5. writes a small data set (``data/``) and the three pipeline configs for ``multiaug augment``.

The package: :mod:`.data` (the embedded data), :mod:`.pipelines`, :mod:`.checks` (reproducibility),
:mod:`.pictures`, :mod:`.parts` (one part of the tour each), :mod:`.report` (HTML helpers) and
:mod:`.tour` (:func:`run_demo`).
"""

from __future__ import annotations

from .data import FLOWER_BOX as FLOWER_BOX
from .data import PAGODA_BOX as PAGODA_BOX
from .data import PHOTO_CLASSES as PHOTO_CLASSES
from .data import SPEECH as SPEECH
from .data import TEXTS as TEXTS
from .data import load_demo_speech, load_demo_table, load_sample_photo
from .data import write_demo_dataset as write_demo_dataset
from .parts import KEYS as KEYS
from .pipelines import audio_pipeline, demo_pipeline, image_pipeline, text_pipeline
from .tour import run_demo

__all__ = [
    "audio_pipeline",
    "demo_pipeline",
    "image_pipeline",
    "load_demo_speech",
    "load_demo_table",
    "load_sample_photo",
    "run_demo",
    "text_pipeline",
]
