"""Fuzz-style hardening suite over every registered transform and the CLI (issue 13).

Families (cases generated deterministically in ``tests/fuzz_cases.py``, each with a readable id):

* ``data``: bad data for every field a transform handles (wrong types, dtypes, dims, zero-size, NaN/inf,
  CHW layout, unknown extra fields) and valid memory layouts (negative strides, Fortran order) that must work;
* ``huge``: huge shapes (broadcast views, nothing allocated) that must be refused, run in a subprocess
  under a 4 GiB address-space limit;
* ``params``: every constructor parameter of every transform set to each hostile value: either a clear
  error at construction, or a transform that works on its valid sample and survives a config round trip;
* ``config``: hostile configs through ``ma.from_config`` and ``ma.load``;
* ``trace``: damaged real traces through ``replay``;
* ``cli``: every subcommand with bad arguments and bad files, through the console entry point.

The rules, checked for every case: only ``ma.MultiaugError`` subclasses escape, with a message naming the
owner and a fix; no hang (``tests/fuzz_runner.py``: a per-case watchdog on CPU time, a stall guard that
prints every thread's stack, a fresh process after a hang); no silent wrong output (dtype kept, finite,
C-contiguous, right shape). Each test runs its families in one child process, which pays its imports and
first calls once (``data``, ``params`` and ``trace`` in one; ``huge`` and ``config`` in another), and
lists every failing case id in one assertion message.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import multiaug as ma

sys.path.insert(0, str(Path(__file__).parent))
import fuzz_cases as fc
import fuzz_runner as fr

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    # one thread per pool: the watchdog counts the process's CPU time, which busy thread pools on a
    # many-core machine would spend faster than the wall clock
    threads = {k: "1" for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    return {
        **os.environ,
        **threads,
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "NO_ALBUMENTATIONS_UPDATE": "1",
    }


def _check_family(family: str, minimums: dict[str, int], *args: str) -> None:
    """Run one family (or several joined by ``+``, in one process) in child processes capped at 4 GiB
    of address space; list every failing case.

    A fresh child goes on after a hang (``fuzz_runner.run_family``); a child stuck where no signal
    reaches prints every thread's stack, which the failure shows.
    """
    counts: dict[str, int] = {}
    script = Path(__file__).parent / "fuzz_cases.py"
    count, failures = fr.run_family(script, family, *args, env=_env(), counts=counts)
    for name in family.split("+"):
        mine = [f for f in failures if f.startswith(f"{name}/")]
        print(f"fuzz family {name!r}: {counts.get(name, 0)} cases, {len(mine)} failing")
    assert sum(counts.values()) == count, (counts, count)
    for name, minimum in minimums.items():
        got = counts.get(name, 0)
        assert got >= minimum, f"the {name!r} family generated only {got} cases"
    if failures:
        lines = [f"fuzz family {family!r}: {len(failures)} of {count} cases fail"]
        pytest.fail("\n".join(lines + [f"  {f}" for f in failures]), pytrace=False)


def test_every_registered_transform_is_fuzzed() -> None:
    assert set(fc.NAMES) <= set(fc.EXAMPLES), "a registered transform has no example to fuzz"
    ids = {c.id.split("/")[1] for c in fc.bad_data_cases()}
    assert ids == set(fc.NAMES)
    ids = {c.id.split("/")[1] for c in fc.bad_param_cases()}
    assert ids == set(fc.NAMES)


def test_a_case_gets_a_copy_of_the_reference_sample_equal_to_a_fresh_one() -> None:
    """``fc.reference`` builds each reference once and hands out deep copies: equal, not shared."""
    import pandas as pd

    for name in fc.NAMES:
        fresh, copy, again = fc.EXAMPLES[name].reference(), fc.reference(name), fc.reference(name)
        assert list(copy) == list(fresh), name
        for f, v in fresh.items():
            c = copy[f]
            assert type(c) is type(v), (name, f)
            if isinstance(v, np.ndarray):
                assert (c.dtype, c.shape, c.strides) == (v.dtype, v.shape, v.strides), (name, f)
                assert np.array_equal(c, v, equal_nan=c.dtype.kind in "fc"), (name, f)
                assert not np.shares_memory(c, again[f]), (name, f)
            elif isinstance(v, pd.DataFrame):
                pd.testing.assert_frame_equal(c, v)
                assert c is not again[f], (name, f)
            elif isinstance(v, pd.Series):
                pd.testing.assert_series_equal(c, v)
                assert c is not again[f], (name, f)
            else:
                assert c == v, (name, f)


def test_the_watchdog_stops_a_hang() -> None:
    def spin() -> None:
        while True:
            pass

    failures = fc.run_cases([fc.Case("watchdog/spin", spin, timeout=0.2)])
    assert failures == ["watchdog/spin: HANG (over 0.2s)"]


def test_the_watchdog_counts_cpu_time_so_a_loaded_machine_is_no_hang() -> None:
    """A case that gets no CPU for a while (here: it sleeps) is no hang until 5 x its timeout."""
    failures = fc.run_cases(
        [
            fc.Case("watchdog/slow", lambda: time.sleep(0.5), timeout=0.2),
            fc.Case("watchdog/stuck", lambda: time.sleep(60), timeout=0.2),
        ]
    )
    assert failures == ["watchdog/stuck: HANG (over 0.2s)"]


def test_the_watchdog_lets_an_import_finish(tmp_path: Path) -> None:
    """A Hang raised in a module body leaves its C extensions half registered (torch then segfaults or
    refuses on the next import): the watchdog waits for the import to end, then stops the case."""
    name = f"slow_module_{os.getpid()}_{tmp_path.name}".replace("-", "_")
    (tmp_path / f"{name}.py").write_text(
        "import time\nt = time.monotonic()\nwhile time.monotonic() - t < 0.4:\n    pass\nDONE = True\n"
    )

    def case() -> None:
        __import__(name)
        while True:
            pass

    sys.path.insert(0, str(tmp_path))
    try:
        failures = fc.run_cases([fc.Case("watchdog/import", case, timeout=0.05)])
        assert failures == ["watchdog/import: HANG (over 0.05s)"]
        assert sys.modules[name].DONE  # the module body ran to its end
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)


def test_a_swallowed_hang_fires_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Hang raised inside a __del__ or caught by a bare except: the watchdog fires again."""
    monkeypatch.setattr(fr, "REFIRE_S", 0.1)

    def swallow() -> None:
        try:
            while True:
                pass
        except BaseException:
            pass
        t = time.monotonic()
        while time.monotonic() - t < 3:  # without a second Hang, the case comes back and passes
            pass

    assert fc.run_cases([fc.Case("watchdog/swallow", swallow, timeout=0.1)]) == [
        "watchdog/swallow: HANG (over 0.1s)"
    ]


def test_a_hang_or_a_stall_goes_on_in_a_fresh_process() -> None:
    """A case stuck without CPU where SIGALRM cannot reach is reported with every thread's stack in
    about ``--idle`` seconds; after it, and after a Hang, the next cases run in a fresh process."""
    count, failures = fr.run_family(Path(fr.__file__), "restart", "--idle", "1", env=_env())
    assert count == 5
    ids = [f.split(":")[0] for f in failures]
    assert ids == ["self/pid-a", "self/spin", "self/pid-b", "self/idle", "self/pid-c"]
    assert failures[1] == "self/spin: HANG (over 0.1s)"
    stuck = failures[3]
    assert stuck.startswith("self/idle: STUCK (no CPU for 1s)")
    assert "in _asleep_with_the_alarm_masked" in stuck and "in _watch" in stuck  # every thread
    pids = {f.split("pid ")[1].rstrip("'") for f in (failures[0], failures[2], failures[4])}
    assert len(pids) == 3, failures


def test_the_memory_cap_is_4_gib_on_top_of_the_loaded_process() -> None:
    """The cap counts address space: a process holding 7 GiB still gets 4 GiB more, not 5 GiB."""
    count, failures = fr.run_family(Path(fr.__file__), "cap", env=_env())
    assert count == 2
    assert [f.split(":")[0] for f in failures] == ["self/map-5GiB"], failures
    assert "raw OSError" in failures[0] or "raw MemoryError" in failures[0], failures


def test_a_case_stuck_in_c_holding_the_gil_dies_with_its_stack() -> None:
    """No Python thread runs then: the C-level faulthandler backstop dumps the stacks and exits."""
    with pytest.raises(AssertionError) as err:
        fr.run_family(Path(fr.__file__), "gil", "--backstop", "1", env=_env())
    text = str(err.value)
    assert "the 'gil' run (from case 0) died (rc=1)" in text
    assert "Timeout (0:00:02" in text and "in _in_c_holding_the_gil" in text  # 5 x 0.2 s + 1 s


def test_the_runner_flags_raw_errors_silence_and_bad_outputs() -> None:
    def raw() -> None:
        raise KeyError("x")

    def bad_image() -> dict:
        return {"image": np.full((2, 2), np.nan, np.float32)}

    def refused() -> None:
        raise ma.InvalidInputError("T", "f", "is bad", "do x")

    cases = [
        fc.Case("r/raw", raw),
        fc.Case("r/silent", lambda: {}, "raise"),
        fc.Case("r/nan", bad_image, "any", fc.sample_contract({"image": np.zeros((2, 2), np.float32)})),
        fc.Case("r/ok", refused, "raise"),
    ]
    failures = fc.run_cases(cases)
    assert [f.split(":")[0] for f in failures] == ["r/raw", "r/silent", "r/nan"]


@pytest.mark.slow  # still in make test (CI); kept out of the edit loop
def test_fuzz_bad_data_bad_params_and_damaged_traces() -> None:
    """The three big families in one child process (the cases and their checks are each family's own):
    the child imports multiaug, torch and transformers and makes each transform's first call once,
    not three times (~7 s a family: over a third of what the three cost run apart)."""
    _check_family("data+params+trace", {"data": 1000, "params": 1000, "trace": 500})


def test_fuzz_huge_shapes_and_hostile_configs(tmp_path: Path) -> None:
    """Two quick families in one child process: it imports multiaug (~2 s) once, not twice."""
    _check_family("huge+config", {"huge": 40, "config": 80}, str(tmp_path))


# ---------------------------------------------------------------------- the CLI
def _cli_files(tmp: Path) -> dict[str, Path]:
    files = {
        "flip": ma.save(ma.Compose([ma.image.HorizontalFlip(p=0.5)], seed=0), tmp / "flip.yaml"),
        "bomb": tmp / "bomb.yaml",
        "tag": tmp / "tag.yaml",
        "latin1": tmp / "latin1.yaml",
        "deep": tmp / "deep.json",
        "huge": tmp / "huge.json",
        "empty": tmp / "empty.json",
        "garbage_csv": tmp / "garbage.csv",
        "a_file": tmp / "a_file.txt",
        "images": tmp / "images",
        "empty_dir": tmp / "empty_dir",
    }
    files["bomb"].write_text(fc.ALIAS_BOMB)
    files["tag"].write_bytes(b'transform: !!python/object/apply:os.system ["echo pwned"]\nparams: {}\n')
    files["latin1"].write_bytes(b"transform: image.HorizontalFlip\nparams: {p: 0.5}\n# caf\xe9\n")
    files["deep"].write_text(fc._nested_compose_json(3000))
    files["huge"].write_text('{"transform": "image.HorizontalFlip", "params": {"p": 1' + "0" * 100_000 + "}}")
    files["empty"].write_bytes(b"")
    files["garbage_csv"].write_bytes(b"path,label\n\xff\xfe\x00garbage,\x81\n")
    files["a_file"].write_text("not a folder")
    (files["images"] / "cats").mkdir(parents=True)
    (files["images"] / "cats" / "broken.png").write_bytes(b"this is not a png")
    (files["images"] / "cats" / "empty.jpg").write_bytes(b"")
    files["empty_dir"].mkdir()
    return files


def _cli_cases(tmp: Path) -> list[tuple[str, list[str]]]:
    f = {k: str(v) for k, v in _cli_files(tmp).items()}
    out = str(tmp / "out")
    return [
        ("no-command", []),
        ("unknown-command", ["frobnicate"]),
        ("inspect/missing-file", ["inspect", str(tmp / "missing.yaml")]),
        ("inspect/directory", ["inspect", f["images"]]),
        ("inspect/alias-bomb", ["inspect", f["bomb"]]),
        ("inspect/python-tag", ["inspect", f["tag"]]),
        ("inspect/non-utf8", ["inspect", f["latin1"]]),
        ("inspect/compose-3000", ["inspect", "--json", f["deep"]]),
        ("inspect/huge-int", ["inspect", f["huge"]]),
        ("inspect/empty", ["inspect", f["empty"]]),
        (
            "augment/missing-config",
            ["augment", str(tmp / "nope.yaml"), "--input", f["images"], "--output", out],
        ),
        ("augment/bad-config", ["augment", f["bomb"], "--input", f["images"], "--output", out]),
        ("augment/missing-input", ["augment", f["flip"], "--input", str(tmp / "nope"), "--output", out]),
        ("augment/empty-input", ["augment", f["flip"], "--input", f["empty_dir"], "--output", out + "0"]),
        (
            "augment/garbage-manifest",
            ["augment", f["flip"], "--input", f["garbage_csv"], "--output", out + "1"],
        ),
        ("augment/broken-items", ["augment", f["flip"], "--input", f["images"], "--output", out + "2"]),
        ("augment/output-is-a-file", ["augment", f["flip"], "--input", f["images"], "--output", f["a_file"]]),
        (
            "augment/copies-negative",
            ["augment", f["flip"], "--input", f["images"], "--output", out, "--copies", "-1"],
        ),
        (
            "augment/copies-huge",
            ["augment", f["flip"], "--input", f["images"], "--output", out, "--copies", "1" + "0" * 30],
        ),
        (
            "augment/workers-zero",
            ["augment", f["flip"], "--input", f["images"], "--output", out, "--workers", "0"],
        ),
        (
            "augment/seed-huge",
            ["augment", f["flip"], "--input", f["images"], "--output", out, "--seed", "1" + "0" * 400],
        ),
        (
            "augment/seed-negative",
            ["augment", f["flip"], "--input", f["images"], "--output", out, "--seed", "-5"],
        ),
        ("check-split/missing", ["check-split", str(tmp / "a"), str(tmp / "b")]),
        ("check-split/garbage-csv", ["check-split", f["garbage_csv"], f["garbage_csv"]]),
        ("check-split/a-text-file", ["check-split", f["a_file"], f["a_file"]]),
        ("check-split/broken-images", ["check-split", f["images"], f["images"]]),
        ("check-split/max-leaks-negative", ["check-split", f["images"], f["empty_dir"], "--max-leaks", "-1"]),
        ("demo/output-is-a-file", ["demo", "--output", f["a_file"]]),
    ]


@pytest.mark.slow  # still in make test (CI); kept out of the edit loop
def test_fuzz_cli(tmp_path: Path) -> None:
    cases = _cli_cases(tmp_path)
    failures = []
    for cid, argv in cases:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "multiaug.cli", *argv],
                capture_output=True,
                text=True,
                errors="replace",
                cwd=tmp_path,
                env=_env(),
                timeout=120,
                preexec_fn=fc.cap_memory,
            )
        except subprocess.TimeoutExpired:
            failures.append(f"cli/{cid}: HANG (over 120s)")
            continue
        problems = []
        if proc.returncode == 0:
            problems.append("exit code 0")
        if "Traceback" in proc.stderr:
            last = [line for line in proc.stderr.strip().splitlines() if line.strip()][-1]
            problems.append(f"traceback: {last[:160]}")
        elif proc.returncode not in (0, 1, 2) and proc.returncode < 0:
            problems.append(f"killed by signal {-proc.returncode}")
        if proc.returncode != 0 and not proc.stderr.strip() and cid != "no-command":
            problems.append("no message on stderr")
        if len(proc.stderr) > 5000:
            problems.append(f"{len(proc.stderr)} characters on stderr")
        if problems:
            failures.append(f"cli/{cid}: " + "; ".join(problems))
    print(f"fuzz family 'cli': {len(cases)} cases, {len(failures)} failing")
    if failures:
        lines = [f"fuzz family 'cli': {len(failures)} of {len(cases)} cases fail"] + [
            f"  {f}" for f in failures
        ]
        pytest.fail("\n".join(lines), pytrace=False)
