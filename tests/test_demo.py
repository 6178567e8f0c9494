"""The embedded tour behind ``multiaug demo``: report, summary, demo data set and configs."""

from __future__ import annotations

import csv
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
import pytest

import multiaug as ma
from multiaug import report as rp
from multiaug.demo import SPEECH, TEXTS, load_demo_speech, load_demo_table, run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    return out, run_demo(out)


def test_summary_flags_and_file(demo: tuple[Path, dict[str, Any]]) -> None:
    out, summary = demo
    assert json.loads((out / "summary.json").read_text()) == summary
    assert summary["keyed_outputs_reproduced_from_yaml"] and summary["trace_replay_exact"]
    for name in ("image", "text", "audio"):
        checks = summary["modalities"][name]
        assert checks["reproduced_from_yaml"] and checks["replay_exact"], name
        assert checks["fingerprint"] == checks["reloaded_fingerprint"]
    guard = summary["guard"]
    assert guard["leaks_caught"]
    assert not guard["smote_before_split"]["ok"] and guard["smote_before_split"]["counts"]["provenance"] > 0
    assert guard["split_first"]["ok"] and guard["images_clean_split"]["ok"]
    assert guard["images_with_augmented_copies"]["counts"]["near_duplicate"] > 0
    assert Path(summary["report"]) == out / "report.html"
    profile = ma.Profile.load(out / summary["profile"]["file"])
    assert profile.calls == summary["profile"]["calls"] and profile.fingerprint == summary["fingerprint"]


def test_report_is_self_contained_with_every_section(demo: tuple[Path, dict[str, Any]]) -> None:
    out, _ = demo
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    for anchor in ("images", "text", "audio", "class-balance", "leakage", "profile", "dataset"):
        assert f'<section id="{anchor}">' in page, anchor
    assert page.count('src="data:image/jpeg;base64,') == 3  # keyed grid, op gallery, spectrograms
    assert page.count('src="data:audio/wav;base64,') == 2 * len(SPEECH)  # before and after per clip
    assert "<svg" in page and "after SMOTE" in page
    assert "<ins>" in page or "<del>" in page  # the text edits are marked
    assert "provenance" in page and "LeakageReport(ok" in page
    for name in ("image_grid.png", "image_ops.png", "spectrograms.png"):
        assert cv2.imread(str(out / name)) is not None, name


def test_demo_data_set_and_configs(demo: tuple[Path, dict[str, Any]]) -> None:
    out, summary = demo
    data = out / "data"
    classes = sorted(p.name for p in (data / "images").iterdir())
    assert classes == ["flower", "pagoda"]
    pngs = sorted((data / "images").glob("*/*.png"))
    assert len(pngs) == summary["dataset"]["images"] == 12
    shapes = {cv2.imread(str(p)).shape for p in pngs}
    assert shapes == {(96, 96, 3)}

    with open(data / "texts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["text"], r["label"]) for r in rows] == list(TEXTS)

    wavs = sorted((data / "speech").glob("*/*.wav"))
    assert sorted(p.parent.name for p in wavs) == sorted(label for _, label in SPEECH)
    clips = [ma.audio.load(p) for p in wavs]

    table = pd.read_csv(data / "table.csv")
    assert table.shape == (397, 31) and table.columns[-1] == "label"
    assert table["label"].value_counts().to_dict() == {"benign": 357, "malignant": 40}

    # The configs load and run on the data they sit next to (what `multiaug augment` does).
    samples = {
        "image": {"image": cv2.cvtColor(cv2.imread(str(pngs[0])), cv2.COLOR_BGR2RGB)},
        "text": {"text": rows[0]["text"]},
        "audio": {"audio": clips[0][0], "sample_rate": clips[0][1]},
    }
    for name, sample in samples.items():
        pipe = ma.load(out / f"{name}_pipeline.yaml")
        assert pipe.fingerprint == summary["modalities"][name]["fingerprint"]
        first, second = pipe(**sample, key=5), pipe(**sample, key=5)
        field = next(iter(sample))
        assert np.array_equal(np.asarray(first[field]), np.asarray(second[field]))


def test_table_is_imbalanced_and_smote_balances_it(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    X, y = load_demo_table()
    counts = y.value_counts()
    assert counts["benign"] == 357 and counts["malignant"] == 40
    assert summary["tabular"]["counts_before"] == {"benign": 357, "malignant": 40}
    assert summary["tabular"]["counts_after"] == {"benign": 357, "malignant": 357}
    _, y_res = ma.tabular.SMOTE(seed=0).fit_resample(X, y)
    assert set(y_res.value_counts()) == {357}


def test_embedded_speech_is_small_package_data() -> None:
    folder = resources.files("multiaug") / "demo_data"
    sizes = [len((folder / name).read_bytes()) for name, _ in SPEECH]
    assert sum(sizes) <= 300_000
    for _, audio, sr in load_demo_speech():
        assert sr == 16000 and audio.dtype == np.float32 and audio.ndim == 1 and len(audio) > sr


def test_report_helpers_escape_and_mark() -> None:
    assert rp.word_diff("a <b> c", "a <x> c") == "a <del>&lt;b&gt;</del> <ins>&lt;x&gt;</ins> c"
    assert rp.word_diff("same words", "same words") == "same words"
    svg = rp.bar_chart({"before": {"<a>": 3, "b": 1}})
    assert "&lt;a&gt;" in svg and svg.count("<rect") == 2
    assert rp.section("T & C", "<p>x</p>", anchor="t").startswith('<section id="t"><h2>T &amp; C</h2>')
    tag = rp.image_tag(np.zeros((4, 4, 3), np.uint8), 'a "b"', fmt="png")
    assert tag.startswith('<img src="data:image/png;base64,') and 'alt="a &quot;b&quot;"' in tag
