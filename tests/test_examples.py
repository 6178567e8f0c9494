"""Every script in examples/ runs to completion and writes only into the folder given by ``--output``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` (caches and the venv left out): its size and modification time."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in filenames:
            st = os.stat(os.path.join(dirpath, name))
            files[os.path.relpath(os.path.join(dirpath, name), folder)] = (st.st_size, st.st_mtime_ns)
    return files


def test_there_are_examples() -> None:
    assert EXAMPLES


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_writes_only_into_its_output_folder(script: Path, tmp_path: Path) -> None:
    writes = "--output" in script.read_text(encoding="utf-8")
    cwd, out = tmp_path / "cwd", tmp_path / "out"
    cwd.mkdir()
    before = listing(ROOT)
    command = [sys.executable, str(script)] + (["--output", str(out)] if writes else [])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert listing(ROOT) == before, "the example wrote into the repository"
    assert not any(cwd.iterdir()), "the example wrote into its working folder"
    if writes:
        assert any(out.iterdir()) and str(out) in done.stdout  # it says where its files are
    else:
        assert not out.exists()


def test_without_output_an_example_writes_into_a_fresh_temp_folder(tmp_path: Path) -> None:
    cwd, tmp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
    script = ROOT / "examples" / "quickstart.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not any(cwd.iterdir())
    (folder,) = tmp.iterdir()
    assert folder.name.startswith("multiaug-example-") and [p.name for p in folder.iterdir()] == ["aug.yaml"]
    assert str(folder / "aug.yaml") in done.stdout
