"""The parts of the tour (one per modality, class balance, the leakage report); each returns its HTML."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

import multiaug as ma

from . import report as rp
from .checks import checks_html, reproduce
from .data import FLOWER_BOX, PAGODA_BOX, TEXTS, load_demo_speech, load_sample_photo
from .pictures import cell, draw_boxes, grid, save_png, spectrogram_picture
from .pipelines import audio_pipeline, image_pipeline, text_pipeline

KEYS = 8  # keyed image augmentations shown in the grid


def image_part(output: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    photo = load_sample_photo("china.jpg")
    pipe = image_pipeline(seed=0)
    sample = {"image": photo, "bboxes": PAGODA_BOX, "bbox_labels": ["pagoda"]}
    outs, checks = reproduce(pipe, output / "image_pipeline.yaml", [sample] * KEYS)
    keyed = grid(
        [cell(draw_boxes(photo, PAGODA_BOX), "original")]
        + [cell(draw_boxes(o["image"], o["bboxes"]), f"key={k}") for k, o in enumerate(outs)],
        cols=3,
    )

    # One op at a time on the other photo, each moving the flower's box with the pixels.
    flower = load_sample_photo("flower.jpg")
    ops: list[tuple[str, Any]] = [
        ("HorizontalFlip", ma.image.HorizontalFlip(p=1.0)),
        ("Rotate 30", ma.image.Rotate(limit=30, p=1.0)),
        ("Affine", ma.image.Affine(scale=(0.8, 1.1), rotate=(-15, 15), shear=(-10, 10), p=1.0)),
        ("Perspective", ma.image.Perspective(scale=(0.08, 0.12), p=1.0)),
        ("RandomResizedCrop", ma.image.RandomResizedCrop(size=(320, 480), scale=(0.3, 1.0))),
        ("ElasticTransform", ma.image.ElasticTransform(alpha=120, sigma=8, p=1.0)),
        ("ColorJitter", ma.image.ColorJitter(0.4, 0.4, 0.4, 0.1, p=1.0)),
        ("GaussianNoise", ma.image.GaussianNoise(std=(0.08, 0.1), p=1.0)),
        ("RandomErasing", ma.image.RandomErasing(scale=(0.1, 0.2), p=1.0)),
    ]
    cells = [cell(draw_boxes(flower, FLOWER_BOX), "original")]
    for i, (title, op) in enumerate(ops):
        out = ma.Compose([op], seed=7)(image=flower, bboxes=FLOWER_BOX, bbox_labels=["flower"], key=i)
        cells.append(cell(draw_boxes(out["image"], out["bboxes"]), title))
    gallery = grid(cells, cols=5)

    save_png(output / "image_grid.png", keyed)
    save_png(output / "image_ops.png", gallery)
    body = (
        checks_html("Image", pipe, checks)
        + rp.image_tag(keyed, "keyed augmentations", f"{KEYS} keyed calls on china.jpg; the box follows.")
        + rp.image_tag(gallery, "single ops", "One op at a time on flower.jpg, with its box moved by the op.")
    )
    traces = {str(k): o["trace"] for k, o in enumerate(outs)}
    return body, checks, traces


def text_part(output: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    pipe = text_pipeline(seed=0)
    samples = [{"text": text} for text, _ in TEXTS]
    outs, checks = reproduce(pipe, output / "text_pipeline.yaml", samples)
    rows = [
        [str(k), label, html.escape(text), rp.word_diff(text, o["text"])]
        for k, ((text, label), o) in enumerate(zip(TEXTS, outs, strict=True))
    ]
    body = checks_html("Text", pipe, checks) + rp.table(["key", "label", "before", "after"], rows, raw=True)
    traces = {str(k): o["trace"] for k, o in enumerate(outs)}
    return body, checks, traces


def audio_part(output: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    clips = load_demo_speech()
    pipe = audio_pipeline(seed=0)
    samples = [{"audio": audio, "sample_rate": sr} for _, audio, sr in clips]
    outs, checks = reproduce(pipe, output / "audio_pipeline.yaml", samples)
    mel = ma.audio.MelSpectrogram(n_mels=64, hop_length=160)
    columns, rows = [], []
    for (name, audio, sr), out in zip(clips, outs, strict=True):
        before = mel(audio=audio, sample_rate=sr)["spectrogram"]
        after = mel(audio=out["audio"], sample_rate=sr)["spectrogram"]
        top = float(before.max())
        applied = ", ".join(step["transform"].split(".")[-1] for step in out["trace"]) or "nothing"
        pictures = [
            spectrogram_picture(before, top, f"before: {name}"),
            spectrogram_picture(after, top, f"after: {applied}"),
        ]
        gap = np.full((6, pictures[0].shape[1], 3), 255, np.uint8)
        columns.append(np.vstack([pictures[0], gap, pictures[1]]))
        rows.append(
            [
                html.escape(name),
                _player(audio, sr, "before"),
                _player(out["audio"], sr, "after"),
                html.escape(applied),
            ]
        )
    height = max(c.shape[0] for c in columns)
    columns = [np.pad(c, ((0, height - c.shape[0]), (0, 12), (0, 0)), constant_values=255) for c in columns]
    spectrograms = np.concatenate(columns, axis=1)
    save_png(output / "spectrograms.png", spectrograms)
    body = (
        checks_html("Audio", pipe, checks)
        + rp.table(["clip", "before", "after", "applied"], rows, raw=True)
        + rp.image_tag(
            spectrograms, "spectrograms", "Log-mel spectrograms (64 bands, top 80 dB) before and after."
        )
    )
    traces = {str(k): o["trace"] for k, o in enumerate(outs)}
    return body, checks, traces


def _player(audio: np.ndarray, sample_rate: int, label: str) -> str:
    """An audio control playing ``audio`` as an inlined 16-bit WAV file."""
    from ..audio.io import wav_bytes

    return rp.audio_player(wav_bytes(np.clip(audio, -1.0, 1.0), sample_rate), label)


def table_part(X: Any, y: Any) -> tuple[str, dict[str, Any], Any]:
    smote = ma.tabular.SMOTE(seed=0)
    X_res, y_res = smote.fit_resample(X, y)
    before = {str(k): int(v) for k, v in sorted(Counter(y).items())}
    after = {str(k): int(v) for k, v in sorted(Counter(y_res).items())}
    summary = {
        "rows_before": len(y),
        "rows_after": len(y_res),
        "counts_before": before,
        "counts_after": after,
        "balanced": len(set(after.values())) == 1,
    }
    body = (
        "<p>scikit-learn's breast cancer table cut to 40 malignant rows, balanced with "
        "<code>ma.tabular.SMOTE(seed=0)</code> (DataFrame in, DataFrame out; "
        f"{len(y)} rows in, {len(y_res)} out).</p>"
        + rp.bar_chart({"before SMOTE": before, "after SMOTE": after})
    )
    return body, summary, (smote, X_res, y_res)


def _report_rows(report: Any) -> str:
    counts = [[reason, n] for reason, n in report.counts.items()]
    return f"<p><code>{html.escape(str(report))}</code></p>" + rp.table(["reason", "leaks"], counts)


def guard_part(X: Any, y: Any, fitted: Any, images: list[np.ndarray], labels: list[str]) -> tuple[str, dict]:
    guard = ma.SplitGuard()
    smote, X_res, y_res = fitted
    prov = smote.provenance_

    # The wrong way: oversample the whole table, then split it.
    train, val = guard.split(X_res, y_res, test_size=0.25, seed=0)
    wrong = guard.check(
        X_res.iloc[train],
        X_res.iloc[val],
        provenance_train=[prov[i] for i in train],
        provenance_val=[prov[i] for i in val],
    )
    first_per_val: dict[int, tuple[int, str]] = {}  # one example leak for each of a few validation rows
    for t, v, reason in wrong.leaks:
        if len(first_per_val) == 5:
            break
        first_per_val.setdefault(int(v), (int(t), reason))
    examples = [
        [int(train[t]), str(prov[train[t]]), int(val[v]), str(prov[val[v]]), reason]
        for v, (t, reason) in first_per_val.items()
    ]

    # The right way: split the originals, oversample the training part only.
    train, val = guard.split(X, y, test_size=0.25, seed=0)
    X_tr, _ = ma.tabular.SMOTE(seed=0).fit_resample(X.iloc[train], y.iloc[train])
    right = guard.check(X_tr, X.iloc[val])

    # Images: augmented copies of two validation photos slipped into training.
    itrain, ival = guard.split(images, labels, test_size=0.25, seed=0)
    copy = ma.Compose(
        [ma.image.HorizontalFlip(p=1.0), ma.image.ColorJitter(0.2, 0.2, 0.2, 0.0, p=1.0)], seed=0
    )
    leaked = [copy(image=images[i], key=int(i))["image"] for i in ival[:2]]
    val_images = [images[i] for i in ival]
    train_images = [images[i] for i in itrain]
    image_bad = guard.check(train_images + leaked, val_images)
    image_clean = guard.check(train_images, val_images)

    body = (
        "<h3>SMOTE fitted before the split</h3>"
        "<p>The whole table is oversampled, then split 75/25 with <code>guard.split</code>; "
        "<code>smote.provenance_</code> says which original rows each row came from.</p>"
        + _report_rows(wrong)
        + rp.table(["train row", "its sources", "validation row", "its sources", "reason"], examples)
        + "<h3>Split first, SMOTE on the training part</h3>"
        + _report_rows(right)
        + "<h3>Images: augmented copies of validation photos in training</h3>"
        "<p>Flipped, colour-jittered copies of two validation tiles of <code>data/images</code> "
        "added to training are caught as near-duplicates; without them the split is clean.</p>"
        + _report_rows(image_bad)
        + _report_rows(image_clean)
    )
    summary: dict[str, Any] = {
        "smote_before_split": {"ok": wrong.ok, "counts": wrong.counts},
        "split_first": {"ok": right.ok, "counts": right.counts},
        "images_with_augmented_copies": {"ok": image_bad.ok, "counts": image_bad.counts},
        "images_clean_split": {"ok": image_clean.ok, "counts": image_clean.counts},
    }
    summary["leaks_caught"] = (
        not wrong.ok and wrong.counts["provenance"] > 0 and right.ok and not image_bad.ok and image_clean.ok
    )
    return body, summary
