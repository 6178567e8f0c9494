"""Packaging: each extra declares what its modules import; the sdist and wheel build offline, pass
``twine check`` and install into a fresh venv where ``multiaug[image]`` works with nothing else."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# The extras a user installs for each part of the package (a module of the top level: its stem).
AREAS = {
    "core": [],  # the base dependencies alone
    "image": ["image"],
    "text": ["text", "translate"],
    "audio": ["audio"],
    "tabular": ["tabular"],
    "sampling": ["tabular"],
    "torch": ["torch"],
    "keras": ["keras"],
    "hf": ["hf"],
    "jobs": ["dask", "image"],
    "guard": ["image", "audio", "tabular"],  # one detector per modality, each used with its data
    "data": ["image", "audio", "tabular"],
    "demo": ["image", "tabular"],
    "testing": ["all", "dev"],
    "streams": ["image", "audio", "tabular"],  # the stdin job decodes images, audio and inline tables
    "evaluate": ["tabular"],  # cross-validation and tables: scikit-learn, SciPy, pandas
    "monitor": ["tabular"],  # drift tests (SciPy) and the profile table (pandas)
}
# Imports reached only with an input that already needs the package (a torch tensor), or guarded
# by `except ImportError` (found below): not part of an extra.
ONLY_WITH_THEIR_INPUT = {("core", "torch"), ("image", "torch")}


def extra_requirements(extras: list[str]) -> set[str]:
    """Canonical names of the distributions that ``multiaug[extras]`` asks for (self-references followed)."""
    names = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    todo, seen = list(extras), set()
    while todo:
        extra = todo.pop()
        seen.add(extra)
        for line in PROJECT["optional-dependencies"][extra]:
            req = Requirement(line)
            if canonicalize_name(req.name) == "multiaug":
                todo += [e for e in req.extras if e not in seen]
            else:
                names.add(canonicalize_name(req.name))
    return names


def guarded(tree: ast.AST) -> set[int]:
    """Line numbers of imports inside ``try`` blocks that catch ImportError (optional imports)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            "ImportError" in ast.unparse(h.type or ast.Name("BaseException")) for h in node.handlers
        ):
            lines |= {
                n.lineno
                for stmt in node.body
                for n in ast.walk(stmt)
                if isinstance(n, ast.Import | ast.ImportFrom)
            }
    return lines


def imported_distributions() -> dict[str, dict[str, set[str]]]:
    """area -> top-level module imported there -> the distributions that provide it."""
    provides = metadata.packages_distributions()
    found: dict[str, dict[str, set[str]]] = {}
    for path in sorted((ROOT / "multiaug").rglob("*.py")):
        parts = path.relative_to(ROOT / "multiaug").parts
        area = parts[0] if len(parts) > 1 else path.stem
        tree = ast.parse(path.read_text(encoding="utf-8"))
        optional = guarded(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top == "multiaug" or node.lineno in optional:
                    continue
                if (area, top) not in ONLY_WITH_THEIR_INPUT:
                    found.setdefault(area, {})[top] = {canonicalize_name(d) for d in provides.get(top, [top])}
    return found


def test_each_extra_declares_what_its_modules_import() -> None:
    found = imported_distributions()
    assert {"keras", "hf", "image", "text", "audio"} <= set(found)
    unclassified = sorted(set(found) - set(AREAS))
    assert not unclassified, f"say which extras {unclassified} need (AREAS)"
    missing = {
        (area, top): sorted(dists)
        for area, tops in found.items()
        for top, dists in tops.items()
        if not dists & extra_requirements(AREAS[area])
    }
    assert not missing, f"imported but not declared in the area's extras: {missing}"


def test_the_extra_check_sees_an_undeclared_import() -> None:
    assert "keras" in extra_requirements(["keras"]) and "opencv-python-headless" in extra_requirements(
        ["keras"]
    )
    assert "keras" not in extra_requirements(["image"]) and "numpy" in extra_requirements(["hf"])
    tree = ast.parse("try:\n    import cv2\nexcept ImportError:\n    cv2 = None\nimport keras\n")
    assert guarded(tree) == {2}


def closure(requirements: list[str], extras: tuple[str, ...]) -> set[str]:
    """The installed distributions these requirements pull in (markers evaluated, recursively)."""
    todo = [(Requirement(r), extras) for r in requirements]
    seen: set[str] = set()
    while todo:
        req, active = todo.pop()
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in active or ("",)):
            continue
        name = canonicalize_name(req.name)
        if name == "multiaug" or name in seen:
            continue
        seen.add(name)
        dist = metadata.distribution(name)
        todo += [(Requirement(r), tuple(req.extras)) for r in dist.requires or []]
    return seen


def link_distributions(names: set[str], folder: Path) -> None:
    """Symbolic links in ``folder`` to the installed files of these distributions (top-level entries)."""
    folder.mkdir()
    for name in names:
        dist = metadata.distribution(name)
        for entry in {f.parts[0] for f in dist.files or [] if f.parts[0] != ".."}:
            source = Path(dist.locate_file(entry))
            if source.exists() and not entry.endswith(".pth") and not (folder / entry).exists():
                (folder / entry).symlink_to(source)


@pytest.mark.slow
def test_sdist_and_wheel_build_offline_pass_twine_and_install_with_the_image_extra_alone(
    tmp_path: Path,
) -> None:
    source = tmp_path / "src"  # a copy: building writes build/ and *.egg-info next to pyproject.toml
    shutil.copytree(
        ROOT / "multiaug", source / "multiaug", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    run = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)]
    done = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (wheel,), (sdist,) = dist.glob("*.whl"), dist.glob("*.tar.gz")
    twine = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
        capture_output=True,
        text=True,
    )
    assert twine.returncode == 0, twine.stdout + twine.stderr

    files = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("py.typed", "keras/__init__.py", "hf/__init__.py", "text/data/wordnet_synonyms.tsv.gz"):
        assert f"multiaug/{shipped}" in files
    assert not any(f.startswith("tests/") for f in files)
    sdist_files = {n.split("/", 1)[1] for n in tarfile.open(sdist).getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "multiaug/py.typed", "multiaug/keras/dataset.py"} <= sdist_files
    meta = Parser().parsestr(
        zipfile.ZipFile(wheel).read(f"{wheel.name.split('-py3')[0]}.dist-info/METADATA").decode()
    )
    assert {"image", "keras", "hf", "all"} <= set(meta.get_all("Provides-Extra"))

    # A fresh venv with the wheel and, beside it, only what multiaug[image] pulls in (linked from
    # this venv: the machine is offline), never the rest of this venv.
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "--quiet",
        "--no-index",
        "--no-deps",
    ]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True)
    (site,) = (venv / "lib").glob("python*/site-packages")
    link_distributions(closure(meta.get_all("Requires-Dist"), ("image",)), tmp_path / "image-extra")
    (site / "image-extra.pth").write_text(str(tmp_path / "image-extra") + "\n", encoding="utf-8")
    code = (
        "import importlib.util, numpy as np, multiaug as ma\n"
        "pipe = ma.Compose([ma.image.Resize(16, 16), ma.image.GaussianBlur(p=1.0)], seed=0)\n"
        "out = pipe(image=np.zeros((32, 32, 3), np.uint8), key=1)['image']\n"
        "assert out.shape == (16, 16, 3), out.shape\n"
        "print(ma.__file__, [importlib.util.find_spec(m) is None for m in ('torch', 'keras', 'pandas')])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith(str(site)) and done.stdout.rstrip().endswith("[True, True, True]")
