"""The documentation site: every page's code runs, the site builds with no warning, and the
migration guides name only transforms that exist.

Page code: the ```python blocks of a page run in order, in one namespace, in a temporary folder
(pages write their files there). A block inside an HTML comment (``<!-- ... -->``) is setup: it
runs like the others and is hidden on the site. ```py blocks are shown and not run: another
library's code that the test environment does not install (nlpaug, audiomentations, Keras 2).
``docs/api.md`` is the contract's listing of signatures (``...`` for arguments); its Python is
parsed by ``tests/test_readme.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if p.name != "api.md")
RUN = [p for p in PAGES if any(lang == "python" for lang, _ in FENCE.findall((DOCS / p).read_text("utf-8")))]


def python_blocks(page: str) -> list[str]:
    return [body for lang, body in FENCE.findall((DOCS / page).read_text("utf-8")) if lang == "python"]


@pytest.mark.slow
@pytest.mark.parametrize("page", RUN)
def test_every_python_block_of_a_page_runs(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    namespace: dict[str, object] = {"__name__": f"docs.{page}"}
    for i, block in enumerate(python_blocks(page)):
        exec(
            compile(block, f"docs/{page} python block {i + 1}", "exec"), namespace
        )  # running the page is the test


def test_the_pages_with_code_are_the_guides() -> None:
    assert {"index.md", "core.md", "image.md", "text.md", "audio.md", "tabular.md", "guard.md"} <= set(RUN)
    assert {
        f"migrate/{n}.md"
        for n in ("albumentations", "nlpaug", "audiomentations", "imbalanced-learn", "keras")
    } <= set(PAGES)


def test_migration_guides_name_only_transforms_that_exist() -> None:
    import multiaug as ma

    names = set()
    for page in (DOCS / "migrate").glob("*.md"):
        names |= set(re.findall(r"`(ma\.[a-z]+\.[A-Z]\w+|ma\.[A-Z]\w+)", page.read_text("utf-8")))
    assert len(names) > 60
    missing = []
    for name in sorted(names):
        obj: object = ma
        for part in name.split(".")[1:]:
            obj = getattr(obj, part, None)
        if obj is None:
            missing.append(name)
    assert not missing, f"the migration guides name transforms multiaug does not have: {missing}"


@pytest.mark.slow
def test_the_site_builds_with_no_warning(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")]
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    html = (tmp_path / "site" / "reference" / "image" / "index.html").read_text("utf-8")
    assert 'id="multiaug.image.HorizontalFlip"' in html  # the API reference is generated from docstrings
    assert (tmp_path / "site" / "migrate" / "keras" / "index.html").exists()
