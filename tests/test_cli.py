"""The multiaug command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import multiaug as ma
from multiaug.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "multiaug.cli", *args], capture_output=True, text=True)


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"multiaug {ma.__version__}"


def test_inspect_prints_tree_and_fingerprint(tmp_path: Path, capsys) -> None:
    pipe = ma.Compose([ma.OneOf([ma.image.HorizontalFlip(), ma.image.VerticalFlip()])], seed=3)
    path = ma.save(pipe, tmp_path / "aug.yaml")
    assert main(["inspect", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Compose(p=1.0, seed=3, fuse=True)" in text
    assert "        image.VerticalFlip(p=0.5, seed=None)" in text
    assert f"fingerprint: {pipe.fingerprint}" in text
    assert main(["inspect", "--json", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {"fingerprint": pipe.fingerprint, "config": pipe.to_config()}


def test_inspect_reports_bad_config(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("transform: image.Nope\n")
    out = run("inspect", str(path))
    assert out.returncode == 2 and "unknown transform 'image.Nope'" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    out = run("demo", "--output", str(tmp_path))
    assert out.returncode == 0, out.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["keyed_outputs_reproduced_from_yaml"] and summary["trace_replay_exact"]
    assert summary["fingerprint"] == ma.load(tmp_path / "image_pipeline.yaml").fingerprint
    assert (tmp_path / "image_grid.png").stat().st_size > 10_000
    report = tmp_path / "report.html"
    assert f"report: {report.resolve()}" in out.stdout and report.stat().st_size > 100_000


def test_no_command_prints_help() -> None:
    out = run()
    assert out.returncode == 2 and "usage: multiaug" in out.stdout
