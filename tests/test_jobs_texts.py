"""Text manifests augmented into one table (issue 22): one row per copy, --update, resume, CSV."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import multiaug as ma
from multiaug.cli import main
from multiaug.sampling import item_key

WORDS = "the quick brown fox jumps over a lazy dog near the quiet old town".split()


@ma.register_function("test_jobs_texts.refuse_x")
def _refuse_x(text: str) -> str:
    """A step that fails on some rows (a row holding the word "x")."""
    if "x" in text.split():
        raise ValueError("no x here")
    return text.upper()


def _run(*argv: object) -> int:
    return main([str(a) for a in argv])


def _texts(n: int, start: int = 0) -> list[str]:
    return [
        " ".join(WORDS[(i + k) % len(WORDS)] for k in range(6)) + f" {i}" for i in range(start, start + n)
    ]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return ma.save(ma.Compose([ma.text.RandomSwap(alpha=0.4)], seed=1), tmp_path / "text.yaml")


def test_a_text_manifest_becomes_one_table_with_its_columns(config, tmp_path):
    texts = _texts(40)
    frame = pd.DataFrame(
        {"id": [f"s{i:03d}" for i in range(40)], "text": texts, "label": [i % 3 for i in range(40)]}
    )
    frame["note"] = [f"n{i}" for i in range(40)]
    frame.to_parquet(tmp_path / "m.parquet", index=False)
    outs = {}
    for name, extra in {"one": (), "csv": ("--table-format", "csv")}.items():
        out = tmp_path / name
        assert (
            _run(
                "augment",
                config,
                "--input",
                tmp_path / "m.parquet",
                "--output",
                out,
                "--copies",
                2,
                "--quiet",
                *extra,
            )
            == 0
        )
        outs[name] = out
    table = pd.read_parquet(outs["one"] / "texts.parquet")
    assert list(table.columns) == ["id", "label", "note", "text", "item", "copy", "key", "params", "digest"]
    assert len(table) == 80 and list(table["copy"][:4]) == [1, 2, 1, 2]
    pipe = ma.load(config)
    for row in table.itertuples():
        i = int(row.id[1:])
        assert (row.item, row.label, row.note) == (row.id, i % 3, f"n{i}") and row.key == item_key(
            row.id, row.copy
        )
        assert row.text == pipe(text=texts[i], key=row.key)["text"]
    as_csv = pd.read_csv(outs["csv"] / "texts.csv", dtype={"id": str, "item": str})
    pd.testing.assert_frame_equal(as_csv, table, check_dtype=False)
    assert not (outs["one"] / ".multiaug" / "parts").exists()  # the parts are folded into the table


def test_update_computes_only_new_and_changed_rows(config, tmp_path):
    texts = _texts(30)
    v1 = pd.DataFrame({"id": [f"t{i}" for i in range(30)], "text": texts})
    v1.to_csv(tmp_path / "v1.csv", index=False)
    # v2: two rows first, one removed, one edited
    v2 = pd.concat([pd.DataFrame({"id": ["new1", "new2"], "text": _texts(2, 100)}), v1.drop(index=5)])
    v2.loc[v2["id"] == "t9", "text"] = "an edited sentence of several words"
    v2.to_csv(tmp_path / "v2.csv", index=False)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    manifest = tmp_path / "m.csv"
    manifest.write_bytes((tmp_path / "v1.csv").read_bytes())
    assert _run("augment", config, "--input", manifest, "--output", out, "--quiet") == 0
    manifest.write_bytes((tmp_path / "v2.csv").read_bytes())
    assert _run("augment", config, "--input", manifest, "--output", out, "--update", "--quiet") == 0
    run = json.loads((out / "run.json").read_text())
    assert (run["computed_this_run"], run["resumed"]) == (3, 28)
    assert _run("augment", config, "--input", manifest, "--output", fresh, "--quiet") == 0
    assert (out / "texts.parquet").read_bytes() == (fresh / "texts.parquet").read_bytes()
    table = pd.read_parquet(out / "texts.parquet").set_index("id")
    before = pd.read_parquet(fresh / "texts.parquet").set_index("id")
    assert table.loc["t20", "text"] == before.loc["t20", "text"] and "t5" not in table.index


@pytest.mark.slow
def test_a_killed_text_job_resumes_on_two_workers_to_the_same_table(config, tmp_path):
    pd.DataFrame({"text": _texts(3000)}).to_csv(tmp_path / "big.csv", index=False)
    ref = tmp_path / "ref"
    args = ("--input", tmp_path / "big.csv", "--copies", 1, "--quiet")
    assert _run("augment", config, *args, "--output", ref) == 0
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "multiaug.cli", "augment", *map(str, (config, *args, "--output", out))]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    parts = out / ".multiaug" / "parts"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and len(list(parts.glob("*.parquet"))) < 3:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert not (out / "texts.parquet").exists() and len(list(parts.glob("*.parquet"))) >= 3
    assert _run("augment", config, *args, "--output", out, "--workers", 2) == 0  # same bytes on 2 workers
    run = json.loads((out / "run.json").read_text())
    assert run["resumed"] >= 3 * 64 and run["resumed"] + run["computed_this_run"] == 3000
    assert (out / "texts.parquet").read_bytes() == (ref / "texts.parquet").read_bytes()


def test_a_plain_rerun_after_a_row_is_inserted_keeps_no_row_of_another_text(config, tmp_path):
    manifest, out, fresh = tmp_path / "m.csv", tmp_path / "out", tmp_path / "fresh"
    pd.DataFrame({"text": _texts(5)}).to_csv(manifest, index=False)
    assert _run("augment", config, "--input", manifest, "--output", out, "--quiet") == 0
    pd.DataFrame({"text": [*_texts(1, 50), *_texts(5)]}).to_csv(manifest, index=False)  # row{i} move
    assert _run("augment", config, "--input", manifest, "--output", out, "--quiet") == 0
    assert _run("augment", config, "--input", manifest, "--output", fresh, "--quiet") == 0
    assert (out / "texts.parquet").read_bytes() == (fresh / "texts.parquet").read_bytes()


def test_a_table_is_written_in_the_format_asked_for(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=30), "b": rng.normal(size=30), "label": [0] * 20 + [1] * 10})
    frame.to_csv(tmp_path / "t.csv", index=False)
    smote = tmp_path / "smote.json"
    smote.write_text('{"transform": "tabular.SMOTE", "params": {"seed": 0}}')
    out = tmp_path / "out"
    assert _run("augment", smote, "--input", tmp_path / "t.csv", "--output", out, "--balance", "--quiet") == 0
    as_csv = pd.read_csv(out / "table.csv")  # by default the input's format
    args = (
        "--input",
        tmp_path / "t.csv",
        "--output",
        out,
        "--balance",
        "--quiet",
        "--table-format",
        "parquet",
    )
    assert _run("augment", smote, *args) == 0
    assert not (out / "table.csv").exists() and len(as_csv) == 40
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "table.parquet"), as_csv, check_exact=False, rtol=1e-12
    )


def test_a_row_that_fails_while_augmented_follows_on_error(tmp_path, capsys):
    config = ma.save(ma.Compose([ma.Lambda("test_jobs_texts.refuse_x")], seed=0), tmp_path / "lambda.yaml")
    pd.DataFrame({"id": ["a", "b", "c"], "text": ["one two", "a x b", "three"]}).to_csv(
        tmp_path / "m.csv", index=False
    )
    args = ("--input", tmp_path / "m.csv", "--copies", 2)
    assert _run("augment", config, *args, "--output", tmp_path / "stop") == 2
    assert "item b failed while being augmented: ValueError: no x here" in capsys.readouterr().err
    out = tmp_path / "skip"
    assert _run("augment", config, *args, "--output", out, "--on-error", "skip", "--quiet") == 0
    table = pd.read_parquet(out / "texts.parquet")
    assert (
        list(table["item"]) == ["a", "a", "c", "c"] and list(table["text"]) == ["ONE TWO"] * 2 + ["THREE"] * 2
    )
    skipped = json.loads((out / "skipped.json").read_text())
    assert [(s["index"], s["copy"], s["stage"]) for s in skipped] == [(1, 1, "augment"), (1, 2, "augment")]


def test_a_hand_edited_table_with_other_types_is_recomputed(config, tmp_path):
    frame = pd.DataFrame({"id": [f"s{i}" for i in range(6)], "text": _texts(6)})
    frame.to_parquet(tmp_path / "m.parquet", index=False)
    argv = ("augment", config, "--input", tmp_path / "m.parquet", "--output", tmp_path / "out", "--quiet")
    assert _run(*argv) == 0
    fresh = pd.read_parquet(tmp_path / "out" / "texts.parquet")
    edited = fresh.assign(copy=[f"{c}x" for c in fresh["copy"]])  # strings where ints belong
    edited.to_parquet(tmp_path / "out" / "texts.parquet", index=False)
    assert _run(*argv, "--update") == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "texts.parquet"), fresh)
