"""Item identity and ``multiaug augment --update``: keys from the item, not its position (issue 22)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

import multiaug as ma
from multiaug.cli import main
from multiaug.sampling import item_key


def _run(*argv: object) -> int:
    return main([str(a) for a in argv])


def _files(root: Path) -> dict[str, bytes]:
    """Every file but the run record (timings, a timestamp)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "run.json"
    }


def _stamps(root: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every output: a file rewritten in place or replaced changes one of them."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*.png")
    }


def _png(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.random.default_rng(seed).integers(0, 256, (20, 24, 3), dtype=np.uint8))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(limit=20)], seed=3)
    return ma.save(pipe, tmp_path / "pipe.yaml")


def test_update_computes_only_what_changed_and_ends_as_a_fresh_run(config, tmp_path):
    data = tmp_path / "data"
    for k in range(20):
        _png(data / ("cats" if k % 2 else "dogs") / f"{k:02d}.png", k)
    out = tmp_path / "out"
    args = ("--copies", 2, "--quiet")
    assert _run("augment", config, "--input", data, "--output", out, *args) == 0
    before, stamps = _files(out), _stamps(out)
    # the dataset grows: 3 new files (one sorts first), 1 removed, 1 renamed, 1 changed in place
    for name, seed in (("cats/00a.png", 100), ("dogs/000.png", 101), ("dogs/99.png", 102)):
        _png(data / name, seed)
    (data / "dogs" / "04.png").unlink()
    (data / "cats" / "05.png").rename(data / "cats" / "05-renamed.png")
    _png(data / "dogs" / "06.png", 106)
    fresh = tmp_path / "fresh"
    assert _run("augment", config, "--input", data, "--output", fresh, *args) == 0
    after = _files(fresh)
    gone = ("dogs/04.", "cats/05.", "dogs/06.")
    untouched = [k for k in before if k.endswith(".png") and not k.startswith(gone)]
    assert len(untouched) == 17 * 2
    assert all(after[k] == before[k] for k in untouched)  # no output of an untouched item moved

    assert _run("augment", config, "--input", data, "--output", out, *args, "--update") == 0
    run = json.loads((out / "run.json").read_text())
    assert (run["computed_this_run"], run["resumed"]) == (5 * 2, 17 * 2)  # 3 new, 1 renamed, 1 changed
    assert _files(out) == after  # outputs, manifest (digests included), job state: a fresh run's
    now = _stamps(out)
    assert all(now[k] == stamps[k] for k in untouched)  # untouched files were not even rewritten
    assert not any(k.startswith(("dogs/04.", "cats/05.aug")) for k in now)
    # an update with nothing new computes nothing
    assert _run("augment", config, "--input", data, "--output", out, *args, "--update") == 0
    assert json.loads((out / "run.json").read_text())["computed_this_run"] == 0
    assert _stamps(out) == now


def test_a_plain_rerun_trusts_finished_outputs_and_update_redoes_changed_ones(config, tmp_path):
    data = tmp_path / "data"
    for k in range(3):
        _png(data / f"{k}.png", k)
    out = tmp_path / "out"
    assert _run("augment", config, "--input", data, "--output", out, "--quiet") == 0
    old = (out / "1.aug1.png").read_bytes()
    _png(data / "1.png", 50)
    assert _run("augment", config, "--input", data, "--output", out, "--quiet") == 0  # resume
    assert (out / "1.aug1.png").read_bytes() == old
    assert _run("augment", config, "--input", data, "--output", out, "--quiet", "--update") == 0
    pipe = ma.load(config)
    img = cv2.cvtColor(cv2.imread(str(data / "1.png")), cv2.COLOR_BGR2RGB)
    want = cv2.cvtColor(pipe(image=img, key=item_key("1.png", 1))["image"], cv2.COLOR_RGB2BGR)
    assert np.array_equal(cv2.imread(str(out / "1.aug1.png")), want)
    assert json.loads((out / "run.json").read_text())["computed_this_run"] == 1


def test_manifest_id_column_is_the_identity(tmp_path):
    texts = ["the quick brown fox jumps", "a small cat sat on the mat", "rain fell on the town"]
    config = ma.save(ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0), tmp_path / "text.yaml")
    pd.DataFrame({"id": ["007", "b", "c/d"], "text": texts}).to_csv(tmp_path / "v1.csv", index=False)
    # a row inserted first and one removed: the other rows keep their keys and outputs
    rows = {"id": ["new", "007", "c/d"], "text": ["brand new words here", texts[0], texts[2]]}
    pd.DataFrame(rows).to_csv(tmp_path / "v2.csv", index=False)
    outs = {}
    for name in ("v1", "v2"):
        src, out = tmp_path / f"{name}.csv", tmp_path / name
        assert _run("augment", config, "--input", src, "--output", out, "--quiet") == 0
        outs[name] = pd.read_parquet(out / "texts.parquet").set_index("item")
    assert list(outs["v1"]["key"]) == ["007/copy1", "b/copy1", "c/d/copy1"]  # "007" stays text
    pipe = ma.load(config)
    for item, text in (("007", texts[0]), ("c/d", texts[2])):
        got = outs["v2"].loc[item, "text"]
        assert got == outs["v1"].loc[item, "text"] == pipe(text=text, key=item_key(item, 1))["text"]


def test_inline_text_ids_name_file_outputs_safely(config, tmp_path):
    from multiaug.data import Entry, Listing
    from multiaug.jobs.items import _output_names

    entries = [Entry("row 0", None, "a b", id="c/d"), Entry("row 1", None, "c d", label="x", id="ok")]
    names = _output_names(Listing("text", tmp_path, entries), [(0, 1), (1, 2)], ["c/d", "ok"])
    assert names[0].startswith("c_d-") and names[0].endswith(".aug1.txt") and names[1] == "x/ok.aug2.txt"


def test_duplicate_ids_and_paths_are_refused(config, tmp_path, capsys):
    _png(tmp_path / "a.png", 0)
    pd.DataFrame({"id": [1, 2, 1], "text": ["x y", "y z", "z x"]}).to_csv(tmp_path / "ids.csv", index=False)
    pd.DataFrame({"path": ["a.png", "./a.png"]}).to_csv(tmp_path / "paths.csv", index=False)
    assert _run("augment", config, "--input", tmp_path / "ids.csv", "--output", tmp_path / "o1") == 2
    assert "has the id '1' twice (lines 2 and 4)" in capsys.readouterr().err
    assert _run("augment", config, "--input", tmp_path / "paths.csv", "--output", tmp_path / "o2") == 2
    err = capsys.readouterr().err
    assert "lists the item 'a.png' twice" in err and not (tmp_path / "o2").exists()


def test_run_records_the_versions_and_a_resume_with_others_warns(config, tmp_path, capsys):
    data = tmp_path / "data"
    for k in range(2):
        _png(data / f"{k}.png", k)
    out = tmp_path / "out"
    assert _run("augment", config, "--input", data, "--output", out, "--quiet") == 0
    run = json.loads((out / "run.json").read_text())
    assert {"python", "multiaug", "numpy", "opencv", "scipy", "soxr"} <= set(run["versions"])
    assert run["versions_changed"] == {}
    now = run["versions"]
    state = out / ".multiaug"
    (state / "versions.json").write_text(json.dumps({**now, "numpy": "1.0.0", "opencv": "3.0.0"}))
    # a job.json written when the identity held the multiaug version is the same job
    job = json.loads((state / "job.json").read_text())
    (state / "job.json").write_text(json.dumps({**job, "multiaug": "0.0.1"}))
    capsys.readouterr()
    assert _run("augment", config, "--input", data, "--output", out, "--update") == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("multiaug augment: warning: ")
    assert f"numpy 1.0.0 -> {now['numpy']}, opencv 3.0.0 -> {now['opencv']}" in err and "scipy" not in err
    changed = json.loads((out / "run.json").read_text())["versions_changed"]
    assert changed == {"numpy": ["1.0.0", now["numpy"]], "opencv": ["3.0.0", now["opencv"]]}
    # the Python API warns too; a run that keeps no earlier output has nothing to warn about
    (state / "versions.json").write_text(json.dumps({**now, "scipy": "0.1"}))
    with pytest.warns(ma.jobs.JobWarning, match=f"scipy 0.1 -> {now['scipy']}"):
        ma.jobs.augment(config, data, out)
    (state / "versions.json").write_text(json.dumps({**now, "scipy": "0.1"}))
    for png in out.glob("*.png"):
        png.unlink()
    assert _run("augment", config, "--input", data, "--output", out, "--quiet") == 0
    assert "warning" not in capsys.readouterr().err


def test_damaged_state_files_never_delete_outside_the_output_or_raise(config, tmp_path):
    # chunk records are read back from disk: a hand-edited or foreign one is ignored, and an output
    # name pointing outside the folder is never deleted
    data, out = tmp_path / "data", tmp_path / "out"
    for i in range(3):
        _png(data / f"{i}.png", i)
    assert _run("augment", config, "--input", data, "--output", out, "--copies", "1") == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    chunks = out / ".multiaug" / "chunks"
    chunks.mkdir(parents=True, exist_ok=True)
    escape = {"rows": [{"item": "0.png", "copy": 0, "output": "../victim.txt"}]}
    (chunks / "a.json").write_text(json.dumps(escape))
    (chunks / "b.json").write_text("[1, 2]")
    (chunks / "c.json").write_text(json.dumps({"skipped": [{"item": "0.png", "copy": 9}, "x"]}))
    before = _files(out)
    assert _run("augment", config, "--input", data, "--output", out, "--copies", "1", "--update") == 0
    assert victim.read_text() == "keep me"
    assert {k: v for k, v in _files(out).items() if k.endswith(".png")} == {
        k: v for k, v in before.items() if k.endswith(".png")
    }
    assert _run("augment", config, "--input", data, "--output", out, "--copies", "1", "--force") == 0
    assert victim.read_text() == "keep me"
