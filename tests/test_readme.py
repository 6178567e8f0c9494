"""Every code block of the README runs as written, so the README cannot drift from the library.

The ```python blocks run in order in one namespace (the README defines everything it uses); the
```bash quick start runs line by line with the venv's ``multiaug`` command, in a temporary folder.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import multiaug as ma

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README.read_text(encoding="utf-8")) if lang == language]


def shell_commands(block: str) -> list[str]:
    """The logical commands of a shell block: continuation lines joined, blank lines dropped."""
    commands, current = [], ""
    for line in block.splitlines():
        current += line + "\n"
        if not line.rstrip().endswith("\\"):
            if current.strip():
                commands.append(current.rstrip("\n"))
            current = ""
    return commands


def multiaug_block() -> str:
    found = [b for b in blocks("bash") if "multiaug demo" in b]
    assert len(found) == 1, "the README has one shell quick start"
    return found[0]


def test_readme_has_python_blocks_and_the_shell_quick_start() -> None:
    assert len(blocks("python")) >= 2
    assert "multiaug check-split" in multiaug_block()


def test_python_blocks_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the blocks write aug.yaml
    namespace: dict[str, object] = {"__name__": "readme"}
    for i, block in enumerate(blocks("python")):
        code = compile(block, f"README.md python block {i + 1}", "exec")
        exec(code, namespace)  # running the README is the point of this test
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aug.yaml"]
    # what the blocks promise in their comments
    X_aug, y_aug = namespace["X_aug"], namespace["y_aug"]
    assert len(X_aug) == 6 and y_aug == [0, 1, 0, 1, 0, 1]
    assert all(set(x) == {"image", "text"} for x in X_aug)
    assert namespace["caption_pipe"].provenance_ == [0, 1, 0, 1, 0, 1]
    assert len(namespace["X_txt"]) == 6
    assert type(namespace["X_bal"]) is type(namespace["df"])
    assert namespace["y_bal"].value_counts().to_dict() == {"benign": 357, "malignant": 357}


@pytest.mark.slow
def test_shell_quick_start_runs(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("multiaug")
    assert exe.exists(), f"no multiaug command next to {sys.executable}"
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "multiaug").symlink_to(exe)
    commands = shell_commands(multiaug_block())
    # one bash process, so `cd` carries over; each command's exit status is printed after it
    script = "".join(f"{cmd}\necho __rc$?__\n" for cmd in commands)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's code, whatever the venv points at
    out = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=900
    )
    codes = [int(c) for c in re.findall(r"__rc(\d+)__", out.stdout)]
    assert len(codes) == len(commands), out.stdout[-2000:] + out.stderr[-3000:]
    expected = [1 if "check-split" in cmd else 0 for cmd in commands]
    assert codes == expected, [*zip(commands, codes, strict=True), out.stderr[-3000:]]
    assert sum("multiaug " in cmd for cmd in commands) >= 8  # every multiaug line ran
    # check-split flags every copy the demo pipeline (flip, Affine, colour, noise/blur/erasing) made:
    # the blurred copy of a sky tile with one small tree (band-pass correlation 0.60, under the
    # dense search's 0.6-0.7 weak bar) is found since keypoints propose its pose (docs/guard.md)
    affected = re.search(r"(\d+) of 48 val items affected", out.stdout)
    assert affected and int(affected.group(1)) == 48, out.stdout[-3000:]
    demo = tmp_path / "multiaug-demo"
    # `multiaug demo` end to end (the console command; formerly also run by tests/test_cli.py)
    summary = json.loads((demo / "summary.json").read_text())
    assert summary["keyed_outputs_reproduced_from_yaml"] and summary["trace_replay_exact"]
    assert summary["fingerprint"] == ma.load(demo / "image_pipeline.yaml").fingerprint
    assert (demo / "image_grid.png").stat().st_size > 10_000
    report = demo / "report.html"
    assert f"report: {report.resolve()}" in out.stdout and report.stat().st_size > 100_000
    for name in ("images", "images-dask", "texts", "speech", "table"):
        assert (demo / "aug" / name / "run.json").is_file(), name
    # the README's promise for the dask line: the same bytes as the process-pool line
    pool = sorted((demo / "aug" / "images").rglob("*.png"))
    dask = sorted((demo / "aug" / "images-dask").rglob("*.png"))
    assert pool and [p.relative_to(demo / "aug" / "images") for p in pool] == [
        p.relative_to(demo / "aug" / "images-dask") for p in dask
    ]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(pool, dask, strict=True))


# ----------------------------------------------------------------------- docs/api.md
API = ROOT / "docs" / "api.md"
SHARED_API = ROOT.parent / "shared" / "API.md"  # the project's contract, laid beside the checkout
HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$", re.MULTILINE)
REMARK = re.compile(r"\s*\([^)]*\)$")


def _headings(text: str) -> set[str]:
    """Headings with their level; a trailing "(...)" remark is left out of the comparison."""
    return {f"{hashes} {REMARK.sub('', title)}" for hashes, title in HEADING.findall(text)}


def _code_blocks(text: str) -> list[str]:
    return [body for _, body in FENCE.findall(text)]


def out_of_step(contract: str, doc: str) -> list[str]:
    """What of the contract ``doc`` lacks: every fenced code block verbatim, every heading."""
    missing = [
        f"code block: {b.splitlines()[0]!r}..." for b in _code_blocks(contract) if b not in _code_blocks(doc)
    ]
    missing += [f"heading: {h!r}" for h in sorted(_headings(contract) - _headings(doc))]
    return missing


def test_api_reference_is_in_the_repository_and_its_python_parses() -> None:
    text = API.read_text(encoding="utf-8")
    assert text.startswith("# multiaug") and "(docs/api.md)" in README.read_text(encoding="utf-8")
    python = [body for lang, body in FENCE.findall(text) if lang == "python"]
    assert len(python) >= 8
    for block in python:
        # "f(a=1, ...)" stands for "and further options": not Python, so left out of the parse
        ast.parse(block.replace(", ...)", ")"))


def test_api_reference_is_in_step_with_the_shared_contract() -> None:
    # CI lays shared/ beside the clone; without it there is nothing to compare with (the test
    # above still checks docs/api.md alone)
    if SHARED_API.is_file():
        assert out_of_step(SHARED_API.read_text(encoding="utf-8"), API.read_text(encoding="utf-8")) == []


def test_the_step_check_sees_a_missing_block_and_heading() -> None:
    doc = API.read_text(encoding="utf-8")
    contract = doc + "\n## A new section (remark)\n\n```python\nma.new_thing()\n```\n"
    assert out_of_step(contract, doc) == ["code block: 'ma.new_thing()'...", "heading: '## A new section'"]
    assert out_of_step(doc.replace("## Errors", "## Errors (all of them)"), doc) == []
