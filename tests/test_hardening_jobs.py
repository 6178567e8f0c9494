"""Hardening of ``multiaug augment`` and the command line: bad items, resuming, output placement."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

import multiaug as ma
from multiaug.cli import main


def _run(*argv: object) -> int:
    return main([str(a) for a in argv])


def _cli(*argv: object) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "multiaug.cli", *map(str, argv)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "run.json" and ".multiaug" not in p.parts
    }


def _png(path: Path, seed: int, size: int = 24) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    cv2.imwrite(str(path), img)
    return path


def _truncated_png(path: Path) -> Path:
    full = _png(path, 99).read_bytes()
    path.write_bytes(full[: len(full) // 2])
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(limit=20)], seed=5)
    return ma.save(pipe, tmp_path / "pipe.yaml")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    for k in range(4):
        _png(data / f"{k}.png", k)
    return data


# ---------------------------------------------------------------------- 1. bad items are found first
@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("b.png", _truncated_png),
        ("b.png", lambda p: p.write_text("this is text, not a picture")),
        ("b.png", lambda p: p.write_bytes(b"")),
    ],
)
def test_bad_image_refuses_the_job_before_anything_is_written(config, folder, tmp_path, capsys, name, make):
    make(folder / name)
    out = tmp_path / "out"
    assert _run("augment", config, "--input", folder, "--output", out, "--quiet") == 2
    err = capsys.readouterr().err
    assert err.startswith("multiaug augment: error:") and name in err and "1 bad item" in err
    assert "--on-error skip" in err and "Traceback" not in err
    assert not out.exists()


def test_bad_text_and_audio_items_refuse_the_job(tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.txt").write_text("a perfectly fine sentence here", encoding="utf-8")
    (texts / "b.txt").write_bytes("caf\xe9 in latin-1".encode("latin-1"))
    tconf = ma.save(ma.Compose([ma.text.RandomSwap(alpha=0.2)], seed=0), tmp_path / "t.yaml")
    out = _cli("augment", tconf, "--input", texts, "--output", tmp_path / "t_out")
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert "b.txt (is not UTF-8 text" in out.stderr
    assert not (tmp_path / "t_out").exists()

    clips = tmp_path / "clips"
    clips.mkdir()
    ma.audio.save(clips / "a.wav", np.sin(np.arange(1600, dtype=np.float32) / 7) / 2, 16000)
    (clips / "empty.wav").write_bytes(b"")
    aconf = ma.save(ma.Compose([ma.audio.Gain()], seed=0), tmp_path / "a.yaml")
    out = _cli("augment", aconf, "--input", clips, "--output", tmp_path / "a_out")
    assert out.returncode == 2 and "empty.wav (cannot be read as audio" in out.stderr, out.stderr
    assert not (tmp_path / "a_out").exists()


def test_manifest_paths_outside_the_root_or_missing_are_bad_items(config, tmp_path, capsys):
    root = tmp_path / "set"
    _png(root / "good.png", 0)
    outside = _png(tmp_path / "outside.png", 1)
    (root / "link.png").symlink_to(outside)
    frame = pd.DataFrame({"path": ["good.png", "../outside.png", str(outside), "link.png", "gone.png"]})
    frame.to_csv(root / "list.csv", index=False)
    out = tmp_path / "out"
    assert _run("augment", config, "--input", root / "list.csv", "--output", out) == 2
    err = capsys.readouterr().err
    assert "4 bad items of 5" in err
    for source in ("../outside.png", str(outside), "link.png"):
        assert f"{source} (lies outside the input folder" in err
    assert "gone.png (does not exist)" in err
    assert not out.exists()


def test_many_bad_items_are_listed_first_ten_and_a_count(config, folder, tmp_path, capsys):
    for k in range(13):
        (folder / f"z{k:02d}.png").write_bytes(b"nope")
    assert _run("augment", config, "--input", folder, "--output", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "13 bad items of 17" in err and "z09.png" in err and "z10.png" not in err and "3 more" in err


def test_skip_leaves_bad_items_out_and_keeps_every_other_byte(config, folder, tmp_path):
    # reference: the same folder with a good file where the bad one will be
    _png(folder / "1b.png", 42)
    ref = tmp_path / "ref"
    assert _run("augment", config, "--input", folder, "--output", ref, "--copies", 2, "--quiet") == 0
    _truncated_png(folder / "1b.png")
    (folder / "zz.png").write_text("not an image")
    out = tmp_path / "out"
    assert (
        _run("augment", config, "--input", folder, "--output", out, "--copies", 2, "--on-error", "skip") == 0
    )
    skipped = json.loads((out / "skipped.json").read_text())
    assert [(s["source"], s["index"], s["stage"]) for s in skipped] == [
        ("1b.png", 2, "check"),
        ("zz.png", 5, "check"),
    ]
    assert all(s["reason"] == "is not a readable image" for s in skipped)
    want = {k: v for k, v in _files(ref).items() if not k.startswith("1b.") and k != "manifest.parquet"}
    got = {k: v for k, v in _files(out).items() if k not in ("skipped.json", "manifest.parquet")}
    assert got == want  # the keys of the other items did not move
    ref_rows = pd.read_parquet(ref / "manifest.parquet")
    rows = pd.read_parquet(out / "manifest.parquet")
    expected = ref_rows[ref_rows["source"] != "1b.png"].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows, expected)
    assert json.loads((out / "run.json").read_text())["skipped"] == 2


def test_an_item_that_fails_while_augmented_follows_on_error(tmp_path, capsys):
    data = tmp_path / "data"
    for k in range(3):
        _png(data / f"{k}.png", k, size=64)
    _png(data / "1s.png", 9, size=16)  # readable, but smaller than the crop
    conf = ma.save(ma.Compose([ma.image.RandomCrop(32, 32)], seed=0), tmp_path / "crop.yaml")
    assert _run("augment", conf, "--input", data, "--output", tmp_path / "stop") == 2
    err = capsys.readouterr().err
    assert "item 1s.png failed while being augmented" in err and "smaller than the 32x32 crop" in err
    out = tmp_path / "skip"
    assert _run("augment", conf, "--input", data, "--output", out, "--on-error", "skip", "--quiet") == 0
    skipped = json.loads((out / "skipped.json").read_text())
    assert [(s["source"], s["copy"], s["stage"]) for s in skipped] == [("1s.png", 1, "augment")]
    assert sorted(pd.read_parquet(out / "manifest.parquet")["source"]) == ["0.png", "1.png", "2.png"]
    # the Dask engine: the same single line, no worker's "Compute Failed" page
    dask = _cli("augment", conf, "--input", data, "--output", tmp_path / "dask", "--engine", "dask")
    assert dask.returncode == 2 and "item 1s.png failed while being augmented" in dask.stderr
    assert dask.stderr.count("\n") == 1, dask.stderr
    dask = _cli("augment", conf, "--input", data, "--output", out, "--engine", "dask", "--on-error", "skip")
    assert dask.returncode == 0 and "3 image files" in dask.stdout and "skipped: 1" in dask.stdout


# ------------------------------------------------------------------- 2. delete the bad file and resume
def test_deleting_a_bad_file_and_running_again_resumes(config, folder, tmp_path, capsys):
    (folder / "1b.png").write_text("not an image")  # in the middle: later items move up one place
    out = tmp_path / "out"
    args = ("--copies", 3, "--quiet")
    assert _run("augment", config, "--input", folder, "--output", out, *args, "--on-error", "skip") == 0
    (folder / "1b.png").unlink()
    assert _run("augment", config, "--input", folder, "--output", out, *args) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["resumed"] > 0 and run["resumed"] + run["computed_this_run"] == 12
    fresh = tmp_path / "fresh"
    assert _run("augment", config, "--input", folder, "--output", fresh, *args) == 0
    assert _files(out) == _files(fresh)  # no skipped.json, no stale output of a moved item
    # another seed, copy count or pipeline is still another job
    capsys.readouterr()
    assert _run("augment", config, "--input", folder, "--output", out, "--copies", 2) == 2
    assert _run("augment", config, "--input", folder, "--output", out, *args, "--seed", 1) == 2
    assert "another job" in capsys.readouterr().err


# ------------------------------------------------------------------------- 3. where the output may be
def test_output_inside_the_input_folder_is_refused(config, folder, tmp_path, capsys):
    assert _run("augment", config, "--input", folder, "--output", folder / "aug") == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert not (folder / "aug").exists()
    assert _run("augment", config, "--input", folder, "--output", folder) == 2
    assert _run("augment", config, "--input", folder, "--output", tmp_path) == 2
    assert "contains the input folder" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["0.png", "1.png", "2.png", "3.png"]


# ------------------------------------------------------------------ 4. unwritable output, empty cells
def test_output_under_a_file_is_a_clear_error(config, folder, tmp_path):
    (tmp_path / "file").write_text("x")
    out = _cli("augment", config, "--input", folder, "--output", tmp_path / "file" / "out")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "which is a file" in out.stderr


@pytest.mark.parametrize(
    ("column", "frame"),
    [
        ("text", {"text": ["one two three", "", "four five six"], "label": [0, 1, 0]}),
        ("text", {"text": ["one two three", "four five six", None], "label": [0, 1, 0]}),
        ("label", {"text": ["one two three", "four five", "six seven"], "label": ["a", None, "b"]}),
        ("path", {"path": ["a.png", None], "label": [0, 1]}),
    ],
)
def test_manifest_with_an_empty_cell_names_file_and_line(tmp_path, config, capsys, column, frame):
    manifest = tmp_path / "m.csv"
    pd.DataFrame(frame).to_csv(manifest, index=False)
    _png(tmp_path / "a.png", 0)
    assert _run("augment", config, "--input", manifest, "--output", tmp_path / "out") == 2
    err = capsys.readouterr().err
    empty = next(i for i, v in enumerate(frame[column]) if v in ("", None))
    assert f"empty '{column}' cell in line {empty + 2}" in err and str(manifest) in err


# ------------------------------------------------------------------------------ 5. Ctrl-C under Dask
def _as_from_a_terminal() -> None:
    """The job's start as a terminal gives it: Ctrl-C with its default disposition. A suite started
    in the background by a non-interactive shell (as CI may be) inherits SIGINT ignored, and Python
    then never raises KeyboardInterrupt: the job ran to its end and exited 0. Lower priority too."""
    os.nice(10)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_ctrl_c_on_the_dask_engine_prints_only_the_clean_message(config, tmp_path):
    data = tmp_path / "big"
    for k in range(3):
        _png(data / f"{k}.png", k, size=300)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "multiaug.cli", "augment", str(config), "--input", str(data)]
    # Far more work than the test waits for, at a lower priority than the test (the workers inherit
    # it): on a busy machine the job must still be early on when the test sends its Ctrl-C.
    cmd += ["--output", str(out), "--quiet", "--copies", 3000, "--engine", "dask", "--workers", 2]
    # a terminal's Ctrl-C reaches the whole process group: the Dask worker processes too
    proc = subprocess.Popen(
        list(map(str, cmd)), stderr=subprocess.PIPE, start_new_session=True, preexec_fn=_as_from_a_terminal
    )
    chunks = out / ".multiaug" / "chunks"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if chunks.is_dir() and len(list(chunks.glob("*.json"))) >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the job ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=120) == 130
    err = proc.stderr.read().decode()
    assert "Traceback" not in err and "Error" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "multiaug augment: interrupted; run the same command again"
    )


# ------------------------------------------------------------------------- 6. hostile command lines
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--copies", "-1"], "--copies"),
        (["--copies", str(10**400)], "more than 100000"),
        (["--workers", "0"], "--workers"),
        (["--workers", str(10**6)], "more than"),
        (["--seed", "abc"], "invalid int value: 'abc'"),
        (["--on-error", "ignore"], "invalid choice: 'ignore'"),
    ],
)
def test_bad_augment_options_give_one_clean_line(config, folder, tmp_path, argv, message):
    out = _cli("augment", config, "--input", folder, "--output", tmp_path / "o", *argv)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert not (tmp_path / "o").exists()


def test_hostile_invocations_of_every_command(config, folder, tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "file").write_text("x")
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.txt").write_bytes(b"\xff\xfe broken")
    header_only = tmp_path / "header.csv"
    header_only.write_text("path,label\n")
    cases = [
        ("demo", "--output", tmp_path / "file"),
        ("inspect", tmp_path / "missing.yaml"),
        ("inspect", tmp_path / "dir.yaml"),
        ("inspect", folder),
        ("augment", tmp_path / "dir.yaml", "--input", folder, "--output", tmp_path / "o"),
        ("augment", config, "--input", tmp_path / "missing", "--output", tmp_path / "o"),
        ("augment", config, "--input", folder / "0.png", "--output", tmp_path / "o"),
        ("augment", config, "--input", folder, "--output", tmp_path / "file"),
        ("check-split", folder, tmp_path / "missing"),
        ("check-split", folder, folder, "--max-leaks", "-1"),
        ("check-split", texts, texts),
        ("check-split", header_only, header_only),
    ]
    for argv in cases:
        out = _cli(*argv)
        assert out.returncode == 2, (argv, out.stderr)
        assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1, (argv, out.stderr)
        assert out.stderr.startswith(f"multiaug {argv[0]}: error:"), (argv, out.stderr)
    assert "no rows" in _cli("augment", config, "--input", header_only, "--output", tmp_path / "o").stderr
    assert not (tmp_path / "o").exists()
