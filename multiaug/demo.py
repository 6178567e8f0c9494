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
"""

from __future__ import annotations

import csv
import html
import io
import json
import time
from collections import Counter
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

import multiaug as ma

from . import report as rp

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

#: (text, label) lines of the text part and of ``data/texts.csv``.
TEXTS: tuple[tuple[str, str], ...] = (
    ("The battery easily lasts a whole day and the screen stays bright in sunlight.", "positive"),
    ("Setup took two minutes and the instructions were clear and friendly.", "positive"),
    ("The sound is warm and rich, and the bass never gets muddy.", "positive"),
    ("Delivery was quick, the box was sturdy and nothing was damaged.", "positive"),
    ("I use this kettle every morning and it still works like new.", "positive"),
    ("Great value for the price; the fabric feels soft and strong.", "positive"),
    ("The charger stopped working after a week and support never answered.", "negative"),
    ("The lid cracked on the first day and the handle feels cheap.", "negative"),
    ("Pages arrived torn and the cover was bent in several places.", "negative"),
    ("The app crashes every time I try to change the settings.", "negative"),
    ("Far too loud at night, and the fan rattles at low speed.", "negative"),
    ("The colour looks nothing like the photos and the seams are crooked.", "negative"),
)

#: The embedded speech clips: (file in multiaug/demo_data, class in data/speech/).
SPEECH: tuple[tuple[str, str], ...] = (
    ("speech_en_f_high.wav", "high_voice"),
    ("speech_en_m_low.wav", "low_voice"),
)

#: Boxes (pascal_voc pixels) of the pagoda in china.jpg and the dahlia in flower.jpg.
PAGODA_BOX = np.array([[55.0, 15.0, 360.0, 375.0]])
FLOWER_BOX = np.array([[168.0, 85.0, 438.0, 360.0]])

#: Classes of data/images/: (class, scikit-learn photo).
PHOTO_CLASSES: tuple[tuple[str, str], ...] = (("pagoda", "china.jpg"), ("flower", "flower.jpg"))

KEYS = 8  # keyed image augmentations shown in the grid


# --------------------------------------------------------------------------- embedded data


def load_sample_photo(name: str = "china.jpg") -> np.ndarray:
    """One of scikit-learn's bundled sample photos as an RGB uint8 array (no download)."""
    import cv2

    path = resources.files("sklearn.datasets") / "images" / name
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:  # pragma: no cover - scikit-learn always ships these files
        raise FileNotFoundError(path)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _speech_file(name: str) -> Any:
    return resources.files("multiaug") / "demo_data" / name


def load_demo_speech() -> list[tuple[str, np.ndarray, int]]:
    """The embedded espeak-ng clips as ``(file name, float32 mono audio, sample rate)``."""
    clips = []
    for name, _ in SPEECH:
        with resources.as_file(_speech_file(name)) as path:
            audio, sr = ma.audio.load(path)
        clips.append((name, audio, sr))
    return clips


def load_demo_table(n_minority: int = 40) -> tuple[Any, Any]:
    """scikit-learn's breast cancer table, cut to ``n_minority`` malignant rows (all 357 benign kept).

    Returns a DataFrame of the 30 features and a ``label`` Series of class names.
    """
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    y = data.target.to_numpy()
    keep = np.concatenate([np.flatnonzero(y == 0)[:n_minority], np.flatnonzero(y == 1)])
    X = data.data.iloc[keep].reset_index(drop=True)
    labels = pd.Series(np.asarray(data.target_names)[y[keep]], name="label")
    return X, labels


def _photo_tiles(photo: np.ndarray, side: int = 96) -> list[np.ndarray]:
    """Six non-overlapping 200x200 tiles of a 427x640 photo (2 rows x 3 columns), resized to ``side``."""
    import cv2

    tiles = []
    for y in (0, 227):
        for x in (0, 220, 440):
            tile = photo[y : y + 200, x : x + 200]
            tiles.append(cv2.resize(tile, (side, side), interpolation=cv2.INTER_AREA))
    return tiles


# --------------------------------------------------------------------------- pipelines


def image_pipeline(seed: int = 0) -> Any:
    """Photo augmentation for any image size: flips, a mild affine warp, colour, noise or blur."""
    return ma.Compose(
        [
            ma.image.HorizontalFlip(p=0.5),
            ma.image.Affine(scale=(0.85, 1.15), translate=(-0.08, 0.08), rotate=(-15, 15), p=0.7),
            ma.image.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.05, p=0.7),
            ma.OneOf(
                [
                    ma.image.GaussianNoise(std=(0.02, 0.06), p=1.0),
                    ma.image.GaussianBlur(sigma=(0.5, 1.5), p=1.0),
                    ma.image.RandomErasing(scale=(0.02, 0.1), p=1.0),
                ],
                p=0.6,
            ),
        ],
        seed=seed,
    )


#: The image pipeline under its earlier name.
demo_pipeline = image_pipeline


def text_pipeline(seed: int = 0) -> Any:
    """EDA-style text augmentation: synonyms always, then one of swap / delete / insert."""
    return ma.Compose(
        [
            ma.text.SynonymReplace(alpha=0.15),
            ma.SomeOf(
                [
                    ma.text.RandomSwap(alpha=0.1),
                    ma.text.RandomDelete(alpha=0.1),
                    ma.text.RandomInsert(alpha=0.1),
                ],
                n=(0, 1),
            ),
        ],
        seed=seed,
    )


def audio_pipeline(seed: int = 0) -> Any:
    """Speech augmentation on the waveform: pitch, tempo (length kept), pink noise, gain, shift."""
    return ma.Compose(
        [
            ma.audio.PitchShift(semitones=(-3, 3), p=0.8),
            ma.audio.TimeStretch(rate=(0.85, 1.15), keep_length=True, p=0.5),
            ma.audio.AddNoise(snr_db=(12, 25), colour="pink", p=0.8),
            ma.audio.Gain(db=(-6, 3), p=0.5),
            ma.audio.TimeShift(fraction=(-0.1, 0.1), rollover=False, p=0.5),
        ],
        seed=seed,
    )


# --------------------------------------------------------------------------- reproducibility


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two samples hold the same fields with the same values (arrays: dtype, shape and bytes)."""
    keys = set(a) - {"trace"}
    if keys != set(b) - {"trace"}:
        return False
    for k in keys:
        x, y = a[k], b[k]
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            x, y = np.asarray(x), np.asarray(y)
            if x.dtype != y.dtype or not np.array_equal(x, y):
                return False
        elif isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
            if list(x) != list(y):
                return False
        elif x != y:
            return False
    return True


def _reproduce(pipe: Any, config: Path, samples: Sequence[dict[str, Any]]) -> tuple[list[dict], dict]:
    """Keyed calls (key = position), checked against the saved config in reverse order and replay."""
    ma.save(pipe, config)
    reloaded = ma.load(config)
    outs = [pipe(**s, key=k, epoch=0, trace=True) for k, s in enumerate(samples)]
    same = all(_same(reloaded(**samples[k], key=k, epoch=0), outs[k]) for k in reversed(range(len(samples))))
    replayed = all(_same(pipe.replay(o["trace"], **s), o) for s, o in zip(samples, outs, strict=True))
    return outs, {
        "config": config.name,
        "fingerprint": pipe.fingerprint,
        "reloaded_fingerprint": reloaded.fingerprint,
        "reproduced_from_yaml": same and reloaded.fingerprint == pipe.fingerprint,
        "replay_exact": replayed,
        "samples": len(samples),
    }


def _checks_html(name: str, pipe: Any, checks: dict[str, Any]) -> str:
    from .cli import tree

    rows = [
        ["config", html.escape(checks["config"])],
        ["fingerprint", f"<code>{checks['fingerprint']}</code>"],
        ["reloaded from YAML, reverse order: same bytes", rp.flag(checks["reproduced_from_yaml"])],
        ["trace replay exact", rp.flag(checks["replay_exact"])],
    ]
    return (
        f"<h3>{name} pipeline</h3>"
        + rp.pre("\n".join(tree(pipe.to_config())))
        + rp.table(["check", "result"], rows, raw=True)
    )


# --------------------------------------------------------------------------- pictures


def _draw_boxes(image: np.ndarray, boxes: Any) -> np.ndarray:
    import cv2

    img = image.copy()
    for x0, y0, x1, y1 in np.asarray(boxes, dtype=float).reshape(-1, 4).round().astype(int):
        cv2.rectangle(img, (x0, y0), (x1, y1), (255, 40, 40), 3)
    return img


def _cell(image: np.ndarray, title: str, width: int = 240, height: int = 170) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    s = min(width / w, height / h)
    img = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    canvas = np.full((height + 24, width, 3), 255, np.uint8)
    canvas[24 : 24 + img.shape[0], : img.shape[1]] = img
    cv2.putText(canvas, title, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return canvas


def _grid(cells: list[np.ndarray], cols: int) -> np.ndarray:
    cells = cells + [np.full_like(cells[0], 255)] * (-len(cells) % cols)
    rows = [np.concatenate(cells[i : i + cols], axis=1) for i in range(0, len(cells), cols)]
    return np.concatenate(rows, axis=0)


def _spectrogram_picture(spec: np.ndarray, top: float, title: str) -> np.ndarray:
    """A log-mel spectrogram as an RGB picture (magma colour map over the top 80 dB), low bands down."""
    import cv2

    grey = np.clip((spec - (top - 80.0)) / 80.0 * 255.0, 0, 255).astype(np.uint8)[::-1]
    big = cv2.resize(grey, (grey.shape[1] * 2, grey.shape[0] * 2), interpolation=cv2.INTER_NEAREST)
    img = cv2.applyColorMap(big, cv2.COLORMAP_MAGMA)
    cv2.putText(img, title, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1.0, 1.0), sample_rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _save_png(path: Path, image: np.ndarray) -> None:
    path.write_bytes(rp.encode_image(image))


# --------------------------------------------------------------------------- the tour's parts


def _image_part(output: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    photo = load_sample_photo("china.jpg")
    pipe = image_pipeline(seed=0)
    sample = {"image": photo, "bboxes": PAGODA_BOX, "bbox_labels": ["pagoda"]}
    outs, checks = _reproduce(pipe, output / "image_pipeline.yaml", [sample] * KEYS)
    keyed = _grid(
        [_cell(_draw_boxes(photo, PAGODA_BOX), "original")]
        + [_cell(_draw_boxes(o["image"], o["bboxes"]), f"key={k}") for k, o in enumerate(outs)],
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
    cells = [_cell(_draw_boxes(flower, FLOWER_BOX), "original")]
    for i, (title, op) in enumerate(ops):
        out = ma.Compose([op], seed=7)(image=flower, bboxes=FLOWER_BOX, bbox_labels=["flower"], key=i)
        cells.append(_cell(_draw_boxes(out["image"], out["bboxes"]), title))
    gallery = _grid(cells, cols=5)

    _save_png(output / "image_grid.png", keyed)
    _save_png(output / "image_ops.png", gallery)
    body = (
        _checks_html("Image", pipe, checks)
        + rp.image_tag(keyed, "keyed augmentations", f"{KEYS} keyed calls on china.jpg; the box follows.")
        + rp.image_tag(gallery, "single ops", "One op at a time on flower.jpg, with its box moved by the op.")
    )
    traces = {str(k): o["trace"] for k, o in enumerate(outs)}
    return body, checks, traces


def _text_part(output: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    pipe = text_pipeline(seed=0)
    samples = [{"text": text} for text, _ in TEXTS]
    outs, checks = _reproduce(pipe, output / "text_pipeline.yaml", samples)
    rows = [
        [str(k), label, html.escape(text), rp.word_diff(text, o["text"])]
        for k, ((text, label), o) in enumerate(zip(TEXTS, outs, strict=True))
    ]
    body = _checks_html("Text", pipe, checks) + rp.table(["key", "label", "before", "after"], rows, raw=True)
    traces = {str(k): o["trace"] for k, o in enumerate(outs)}
    return body, checks, traces


def _audio_part(output: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    clips = load_demo_speech()
    pipe = audio_pipeline(seed=0)
    samples = [{"audio": audio, "sample_rate": sr} for _, audio, sr in clips]
    outs, checks = _reproduce(pipe, output / "audio_pipeline.yaml", samples)
    mel = ma.audio.MelSpectrogram(n_mels=64, hop_length=160)
    columns, rows = [], []
    for (name, audio, sr), out in zip(clips, outs, strict=True):
        before = mel(audio=audio, sample_rate=sr)["spectrogram"]
        after = mel(audio=out["audio"], sample_rate=sr)["spectrogram"]
        top = float(before.max())
        applied = ", ".join(step["transform"].split(".")[-1] for step in out["trace"]) or "nothing"
        pictures = [
            _spectrogram_picture(before, top, f"before: {name}"),
            _spectrogram_picture(after, top, f"after: {applied}"),
        ]
        gap = np.full((6, pictures[0].shape[1], 3), 255, np.uint8)
        columns.append(np.vstack([pictures[0], gap, pictures[1]]))
        rows.append(
            [
                html.escape(name),
                rp.audio_player(_wav_bytes(audio, sr), "before"),
                rp.audio_player(_wav_bytes(out["audio"], sr), "after"),
                html.escape(applied),
            ]
        )
    height = max(c.shape[0] for c in columns)
    columns = [np.pad(c, ((0, height - c.shape[0]), (0, 12), (0, 0)), constant_values=255) for c in columns]
    spectrograms = np.concatenate(columns, axis=1)
    _save_png(output / "spectrograms.png", spectrograms)
    body = (
        _checks_html("Audio", pipe, checks)
        + rp.table(["clip", "before", "after", "applied"], rows, raw=True)
        + rp.image_tag(
            spectrograms, "spectrograms", "Log-mel spectrograms (64 bands, top 80 dB) before and after."
        )
    )
    traces = {str(k): o["trace"] for k, o in enumerate(outs)}
    return body, checks, traces


def _table_part(X: Any, y: Any) -> tuple[str, dict[str, Any], Any]:
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


def _guard_part(X: Any, y: Any, fitted: Any, images: list[np.ndarray], labels: list[str]) -> tuple[str, dict]:
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


def write_demo_dataset(root: Path, X: Any, y: Any, tiles: dict[str, list[np.ndarray]]) -> dict[str, int]:
    """``root/data``: class folders of PNG tiles and WAV clips, ``texts.csv`` and ``table.csv``."""
    data = root / "data"
    for label, images in tiles.items():
        folder = data / "images" / label
        folder.mkdir(parents=True, exist_ok=True)
        for i, img in enumerate(images):
            _save_png(folder / f"{label}_{i:02d}.png", img)
    for name, label in SPEECH:
        folder = data / "speech" / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(_speech_file(name).read_bytes())
    with open(data / "texts.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(TEXTS)
    X.assign(label=y.to_numpy()).to_csv(data / "table.csv", index=False)
    return {
        "images": sum(len(v) for v in tiles.values()),
        "speech": len(SPEECH),
        "texts": len(TEXTS),
        "table_rows": len(y),
    }


# --------------------------------------------------------------------------- the tour


def run_demo(output: Path) -> dict[str, Any]:
    """Run the whole tour into ``output``; returns the summary also written to ``summary.json``."""
    t0 = time.perf_counter()
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    print("multiaug demo")

    image_html, image_checks, image_traces = _image_part(output)
    print(f"  image: {KEYS} keyed augmentations of china.jpg with its box ({image_checks['fingerprint']})")
    text_html, text_checks, text_traces = _text_part(output)
    print(f"  text:  {len(TEXTS)} keyed augmentations of review lines ({text_checks['fingerprint']})")
    audio_html, audio_checks, audio_traces = _audio_part(output)
    print(f"  audio: {len(SPEECH)} keyed augmentations of espeak-ng speech ({audio_checks['fingerprint']})")
    modalities = {"image": image_checks, "text": text_checks, "audio": audio_checks}
    same = all(c["reproduced_from_yaml"] for c in modalities.values())
    replayed = all(c["replay_exact"] for c in modalities.values())
    print(f"  same bytes from the YAML configs, called in reverse order: {same}")
    print(f"  trace replay exact: {replayed}")

    X, y = load_demo_table()
    table_html, table_summary, fitted = _table_part(X, y)
    print(f"  table: SMOTE {table_summary['counts_before']} -> {table_summary['counts_after']}")

    tiles = {label: _photo_tiles(load_sample_photo(photo)) for label, photo in PHOTO_CLASSES}
    images = [img for imgs in tiles.values() for img in imgs]
    labels = [label for label, imgs in tiles.items() for _ in imgs]
    guard_html, guard_summary = _guard_part(X, y, fitted, images, labels)
    print(f"  guard: SMOTE before the split -> {guard_summary['smote_before_split']['counts']}")
    print(f"         split first -> ok={guard_summary['split_first']['ok']}")

    dataset = write_demo_dataset(output, X, y, tiles)
    traces = {"image": image_traces, "text": text_traces, "audio": audio_traces}
    (output / "traces.json").write_text(json.dumps(traces, indent=2) + "\n")

    files = ["image_pipeline.yaml", "text_pipeline.yaml", "audio_pipeline.yaml", "data/"]
    commands = "\n".join(
        [f"multiaug inspect {output / 'image_pipeline.yaml'}"]
        + [
            f"multiaug augment {output / f'{kind}_pipeline.yaml'} --input {output / 'data' / src} "
            f"--output {output / 'augmented' / src}"
            for kind, src in (("image", "images"), ("text", "texts.csv"), ("audio", "speech"))
        ]
    )
    intro = (
        f"<p>multiaug {html.escape(ma.__version__)}: every modality through one seeded, keyed API, "
        "on data that ships with scikit-learn and multiaug (no network).</p>"
        + rp.table(
            ["modality", "fingerprint", "same bytes from YAML, reverse order", "replay exact"],
            [
                [
                    name,
                    f"<code>{c['fingerprint']}</code>",
                    rp.flag(c["reproduced_from_yaml"]),
                    rp.flag(c["replay_exact"]),
                ]
                for name, c in modalities.items()
            ],
            raw=True,
        )
    )
    page = rp.html_page(
        "multiaug demo report",
        [
            rp.section("Images", image_html, anchor="images"),
            rp.section("Text", text_html, anchor="text"),
            rp.section("Audio", audio_html, anchor="audio"),
            rp.section("Class balance", table_html, anchor="class-balance"),
            rp.section("Leakage report", guard_html, anchor="leakage"),
            rp.section(
                "Demo data set",
                "<p>Written next to this report for the command line:</p>"
                + rp.table(["what", "count"], [[k, v] for k, v in dataset.items()])
                + rp.pre(commands),
                anchor="dataset",
            ),
        ],
        intro=intro,
    )
    report_path = output / "report.html"
    report_path.write_text(page, encoding="utf-8")

    seconds = round(time.perf_counter() - t0, 2)
    summary = {
        "multiaug": ma.__version__,
        "fingerprint": image_checks["fingerprint"],
        "reloaded_fingerprint": image_checks["reloaded_fingerprint"],
        "keyed_outputs_reproduced_from_yaml": same,
        "trace_replay_exact": replayed,
        "images": KEYS,
        "modalities": modalities,
        "tabular": table_summary,
        "guard": guard_summary,
        "dataset": dataset,
        "files": ["report.html", "summary.json", "traces.json", *files],
        "report": str(report_path),
        "seconds": seconds,
    }
    (output / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"  wrote {', '.join(files)}, traces.json, summary.json in {output} ({seconds:.1f} s)")
    print(f"  report: {report_path.resolve()}")
    if not (same and replayed and table_summary["balanced"] and guard_summary["leaks_caught"]):
        raise SystemExit("demo: a reproducibility, balance or leakage check failed")
    return summary
