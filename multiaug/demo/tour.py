"""The tour: run every part, write the data set, ``traces.json``, ``report.html`` and ``summary.json``."""

from __future__ import annotations

import html
import json
import time
from pathlib import Path
from typing import Any

import multiaug as ma

from . import report as rp
from .data import (
    PHOTO_CLASSES,
    SPEECH,
    TEXTS,
    load_demo_table,
    load_sample_photo,
    photo_tiles,
    write_demo_dataset,
)
from .parts import KEYS, audio_part, guard_part, image_part, table_part, text_part
from .profiled import profile_part

FILES = ["image_pipeline.yaml", "text_pipeline.yaml", "audio_pipeline.yaml", "data/"]


def run_demo(output: Path) -> dict[str, Any]:
    """Run the whole tour into ``output``; returns the summary also written to ``summary.json``."""
    t0 = time.perf_counter()
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    print("multiaug demo")

    parts, modalities, traces = _modalities(output)
    same = all(c["reproduced_from_yaml"] for c in modalities.values())
    replayed = all(c["replay_exact"] for c in modalities.values())
    print(f"  same bytes from the YAML configs, called in reverse order: {same}")
    print(f"  trace replay exact: {replayed}")

    X, y = load_demo_table()
    table_html, table_summary, fitted = table_part(X, y)
    print(f"  table: SMOTE {table_summary['counts_before']} -> {table_summary['counts_after']}")

    tiles = {label: photo_tiles(load_sample_photo(photo)) for label, photo in PHOTO_CLASSES}
    images = [img for imgs in tiles.values() for img in imgs]
    labels = [label for label, imgs in tiles.items() for _ in imgs]
    guard_html, guard_summary = guard_part(X, y, fitted, images, labels)
    print(f"  guard: SMOTE before the split -> {guard_summary['smote_before_split']['counts']}")
    print(f"         split first -> ok={guard_summary['split_first']['ok']}")

    profile_html, profile_summary = profile_part(output)
    print(f"  profile: {profile_summary['calls']} keyed calls -> {profile_summary['file']}")

    dataset = write_demo_dataset(output, X, y, tiles)
    (output / "traces.json").write_text(json.dumps(traces, indent=2) + "\n")
    parts += [
        rp.section("Class balance", table_html, anchor="class-balance"),
        rp.section("Leakage report", guard_html, anchor="leakage"),
        rp.section("Pipeline profile", profile_html, anchor="profile"),
        _dataset_section(output, dataset),
    ]
    report_path = output / "report.html"
    report_path.write_text(
        rp.html_page("multiaug demo report", parts, intro=_intro(modalities)), encoding="utf-8"
    )

    seconds = round(time.perf_counter() - t0, 2)
    summary = {
        "multiaug": ma.__version__,
        "fingerprint": modalities["image"]["fingerprint"],
        "reloaded_fingerprint": modalities["image"]["reloaded_fingerprint"],
        "keyed_outputs_reproduced_from_yaml": same,
        "trace_replay_exact": replayed,
        "images": KEYS,
        "modalities": modalities,
        "tabular": table_summary,
        "guard": guard_summary,
        "profile": profile_summary,
        "dataset": dataset,
        "files": ["report.html", "summary.json", "traces.json", profile_summary["file"], *FILES],
        "report": str(report_path),
        "seconds": seconds,
    }
    (output / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"  wrote {', '.join(FILES)}, traces.json, summary.json in {output} ({seconds:.1f} s)")
    print(f"  report: {report_path.resolve()}")
    if not (same and replayed and table_summary["balanced"] and guard_summary["leaks_caught"]):
        raise SystemExit("demo: a reproducibility, balance or leakage check failed")
    return summary


def _modalities(output: Path) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
    """The image, text and audio parts: their report sections, reproducibility checks and traces."""
    image_html, image_checks, image_traces = image_part(output)
    print(f"  image: {KEYS} keyed augmentations of china.jpg with its box ({image_checks['fingerprint']})")
    text_html, text_checks, text_traces = text_part(output)
    print(f"  text:  {len(TEXTS)} keyed augmentations of review lines ({text_checks['fingerprint']})")
    audio_html, audio_checks, audio_traces = audio_part(output)
    print(f"  audio: {len(SPEECH)} keyed augmentations of espeak-ng speech ({audio_checks['fingerprint']})")
    sections = [
        rp.section("Images", image_html, anchor="images"),
        rp.section("Text", text_html, anchor="text"),
        rp.section("Audio", audio_html, anchor="audio"),
    ]
    checks = {"image": image_checks, "text": text_checks, "audio": audio_checks}
    traces = {"image": image_traces, "text": text_traces, "audio": audio_traces}
    return sections, checks, traces


def _intro(modalities: dict[str, Any]) -> str:
    """The report's opening: the version, and each modality's fingerprint and checks."""
    return (
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


def _dataset_section(output: Path, dataset: dict[str, int]) -> str:
    """What the demo data set holds, and the commands that augment it."""
    commands = "\n".join(
        [f"multiaug inspect {output / 'image_pipeline.yaml'}"]
        + [
            f"multiaug augment {output / f'{kind}_pipeline.yaml'} --input {output / 'data' / src} "
            f"--output {output / 'augmented' / src}"
            for kind, src in (("image", "images"), ("text", "texts.csv"), ("audio", "speech"))
        ]
    )
    return rp.section(
        "Demo data set",
        "<p>Written next to this report for the command line:</p>"
        + rp.table(["what", "count"], [[k, v] for k, v in dataset.items()])
        + rp.pre(commands),
        anchor="dataset",
    )
