"""The test suite's own machinery: tiny models shared between processes, longest tests first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from multiaug.testing import text as tiny
from tests import durations


def _build(calls: list[Path]) -> object:
    def build(root: Path) -> Path:
        calls.append(root)
        (root / "weights.bin").write_bytes(bytes(range(16)))
        return root

    return build


def test_a_tiny_model_is_built_once_for_every_process_sharing_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(tiny.SHARED_TINY_MODELS, str(tmp_path))
    monkeypatch.setattr(tiny, "_TINY", {})
    calls: list[Path] = []
    first = tiny._built_once("tiny-x", _build(calls))
    name = f"tiny-x-{tiny._builder_stamp()}"  # a folder built by another version is not read
    assert first == tmp_path / name and (first / "weights.bin").read_bytes() == bytes(range(16))
    assert os.listdir(tmp_path) == [name]  # the private build folder was renamed into place
    monkeypatch.setattr(tiny, "_TINY", {})  # another process: same folder, no second build
    assert tiny._built_once("tiny-x", _build(calls)) == first and len(calls) == 1


def test_a_process_that_loses_the_race_uses_the_winners_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(tiny.SHARED_TINY_MODELS, str(tmp_path))
    monkeypatch.setattr(tiny, "_TINY", {})

    name = f"tiny-y-{tiny._builder_stamp()}"
    (tmp_path / "tiny-y").mkdir()  # an older build under the old name is ignored

    def build(root: Path) -> Path:  # another process finishes while this one builds
        (tmp_path / name).mkdir()
        (tmp_path / name / "weights.bin").write_bytes(b"winner")
        (root / "weights.bin").write_bytes(b"loser")
        return root

    got = tiny._built_once("tiny-y", build)
    assert got == tmp_path / name and (got / "weights.bin").read_bytes() == b"winner"
    assert sorted(os.listdir(tmp_path)) == ["tiny-y", name]  # the loser's folder is gone


def test_without_the_shared_folder_each_process_builds_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tiny.SHARED_TINY_MODELS, raising=False)
    monkeypatch.setattr(tiny, "_TINY", {})
    calls: list[Path] = []
    got = tiny._built_once("tiny-z", _build(calls))
    assert got == calls[0] and got.name.startswith("multiaug-tiny-z-") and got.is_dir()


def test_durations_read_from_junit_name_each_test_by_its_node_id(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.test_a" name="test_long[x-1]" time="12.34"/>'
        '<testcase classname="tests.test_a.TestK" name="test_m" time="2.0"/>'
        '<testcase classname="multiaug.core.params" name="multiaug.core.params.param" time="1.5"/>'
        '<testcase classname="tests.test_a" name="test_short" time="0.2"/>'
        "</testsuite></testsuites>"
    )
    assert durations.from_junit(junit) == {
        "tests/test_a.py::test_long[x-1]": 12.3,
        "tests/test_a.py::TestK::test_m": 2.0,
        "multiaug/core/params.py::multiaug.core.params.param": 1.5,
    }


def test_each_worker_chunk_starts_with_its_share_of_the_long_tests() -> None:
    seconds = {"a": 9.0, "b": 7.0, "c": 5.0, "d": 4.0, "e": 2.0}
    items = ["s1", "a", "s2", "b", "s3", "c", "s4", "d", "s5", "e", "s6", "s7"]
    # worksteal gives the first 6 to one worker, the last 6 to the other: 9+4 against 7+5+2
    assert durations.layout(items, seconds, 2, key=str) == [
        *["a", "d", "s1", "s2", "s3", "s4"],
        *["b", "c", "e", "s5", "s6", "s7"],
    ]
    assert durations.layout(items, seconds, 1, key=str) == [
        *"abcde",
        "s1",
        "s2",
        "s3",
        "s4",
        "s5",
        "s6",
        "s7",
    ]
    assert durations.layout(["s1", "s2"], {}, 2, key=str) == ["s1", "s2"]


def test_the_run_lays_out_its_tests_for_its_workers(request: pytest.FixtureRequest) -> None:
    option = request.config.option
    if any(getattr(option, name, False) for name in ("failedfirst", "newfirst", "lf", "stepwise")):
        pytest.skip("--ff/--nf/--lf/--sw reorder the run after the layout (pytest's own plugins)")
    known = durations.load()
    assert known and all(v >= durations.FLOOR for v in known.values())
    items = [item.nodeid for item in request.session.items]
    workers = int(getattr(request.config, "workerinput", {}).get("workercount", 1))
    start = 0
    for i in range(workers):  # in each chunk, the long tests come first, longest first
        size = (len(items) - start) // (workers - i)
        chunk = [known.get(nodeid, 0.0) for nodeid in items[start : start + size]]
        head = chunk[: next((k for k, v in enumerate(chunk) if v == 0.0), len(chunk))]
        assert head == sorted(head, reverse=True) and not any(chunk[len(head) :])
        start += size


def test_layout_keeps_every_test_whatever_the_durations_say() -> None:
    items = ["a", "b", "c", "d"]
    out = durations.layout(items, {"a": float("nan"), "b": 3.0, "c": -1.0}, 2, key=str)
    assert sorted(out) == items and out[0] == "b"
