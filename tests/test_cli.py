"""The multiaug command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_no_command_prints_help() -> None:
    out = run()
    assert out.returncode == 2 and "usage: multiaug" in out.stdout
