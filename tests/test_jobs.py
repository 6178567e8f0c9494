"""``multiaug augment``: same bytes on every engine, resume after a kill, the --force rule, manifests."""

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
from multiaug.demo import load_sample_photo

DATA = Path(__file__).parent / "data"


def _files(root: Path) -> dict[str, bytes]:
    """Every file under root except the run record (it holds a timestamp and timings)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "run.json"
    }


@pytest.fixture(scope="module")
def image_job(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A 2-class folder of 12 small crops of the sample photos, and a saved pipeline."""
    root = tmp_path_factory.mktemp("image_job")
    for cls in ("china", "flower"):
        photo = load_sample_photo(f"{cls}.jpg")
        for k in range(6):
            crop = cv2.resize(photo[k * 50 : k * 50 + 240, k * 60 : k * 60 + 300], (80, 64))
            folder = root / "data" / cls
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f"{k}.png"), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
    pipe = ma.Compose(
        [ma.image.HorizontalFlip(), ma.image.Rotate(limit=15), ma.image.ColorJitter(0.2, 0.2, 0.2, 0.05)],
        seed=7,
    )
    config = ma.save(pipe, root / "pipe.yaml")
    return root, root / "data", config


def _run(*argv: object) -> int:
    return main([str(a) for a in argv])


def test_same_bytes_for_one_two_workers_and_dask(image_job, tmp_path):
    _, data, config = image_job
    outs = {}
    for name, extra in {
        "w1": ["--workers", 1],
        "w2": ["--workers", 2],
        "dask": ["--engine", "dask", "--workers", 2],
    }.items():
        out = tmp_path / name
        assert (
            _run("augment", config, "--input", data, "--output", out, "--copies", 2, "--quiet", *extra) == 0
        )
        outs[name] = _files(out)
    assert len([k for k in outs["w1"] if k.endswith(".png")]) == 24
    assert outs["w1"] == outs["w2"]
    assert outs["w1"] == outs["dask"]


def test_dask_scheduler_address_gives_the_same_bytes(image_job, tmp_path):
    from dask.distributed import LocalCluster

    _, data, config = image_job
    local = tmp_path / "local"
    assert _run("augment", config, "--input", data, "--output", local, "--quiet") == 0
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster:
        out = tmp_path / "remote"
        argv = ["--scheduler", cluster.scheduler_address, "--quiet"]
        assert _run("augment", config, "--input", data, "--output", out, *argv) == 0
    assert _files(out) == _files(local)
    assert json.loads((out / "run.json").read_text())["engine"] == "dask"


def test_text_folder_job(tmp_path):
    for label, texts in {"pos": ["a fine sunny day", "good food here"], "neg": ["cold grey rain"]}.items():
        (tmp_path / "data" / label).mkdir(parents=True)
        for k, text in enumerate(texts):
            (tmp_path / "data" / label / f"{k}.txt").write_text(text, encoding="utf-8")
    pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5, p=1.0)], seed=2)
    config = ma.save(pipe, tmp_path / "text.yaml")
    out = tmp_path / "out"
    assert (
        _run("augment", config, "--input", tmp_path / "data", "--output", out, "--copies", 2, "--quiet") == 0
    )
    manifest = pd.read_parquet(out / "manifest.parquet")
    assert list(manifest["output"]) == [
        "neg/0.aug1.txt",
        "neg/0.aug2.txt",
        "pos/0.aug1.txt",
        "pos/0.aug2.txt",
        "pos/1.aug1.txt",
        "pos/1.aug2.txt",
    ]
    for row in manifest.itertuples():
        source = (tmp_path / "data" / row.source).read_text(encoding="utf-8")
        assert (out / row.output).read_text(encoding="utf-8") == pipe(text=source, key=row.key)["text"]


def test_manifest_is_complete_and_replays(image_job, tmp_path):
    _, data, config = image_job
    out = tmp_path / "out"
    assert _run("augment", config, "--input", data, "--output", out, "--copies", 2, "--quiet") == 0
    manifest = pd.read_parquet(out / "manifest.parquet")
    assert len(manifest) == 12 * 2
    assert list(manifest.columns) == [
        "output",
        "source",
        "label",
        "group",
        "key",
        "copy",
        "params",
        "item",
        "digest",
        "fingerprint",
        "multiaug_version",
    ]
    pipe = ma.load(config)
    assert set(manifest["fingerprint"]) == {pipe.fingerprint}
    assert set(manifest["multiaug_version"]) == {ma.__version__}
    written = {p.relative_to(out).as_posix() for p in out.rglob("*.png")}
    assert written == set(manifest["output"])  # every output listed, nothing else written
    assert sorted(manifest["label"].unique()) == ["china", "flower"]
    for row in manifest.itertuples():
        # the key is made of the item's identity, its path relative to the input folder
        assert row.item == row.source and row.key == f"{row.source}/copy{row.copy}"
        assert row.label == row.source.split("/")[0]
        source = cv2.cvtColor(cv2.imread(str(data / row.source)), cv2.COLOR_BGR2RGB)
        output = cv2.cvtColor(cv2.imread(str(out / row.output)), cv2.COLOR_BGR2RGB)
        # the manifest's key recomputes the output, and its params replay it
        assert np.array_equal(pipe(image=source, key=row.key)["image"], output)
        assert np.array_equal(pipe.replay(json.loads(row.params), image=source)["image"], output)
    run = json.loads((out / "run.json").read_text())
    assert run["fingerprint"] == pipe.fingerprint and run["seed"] == 7
    assert {"python", "numpy", "multiaug"} <= set(run["versions"])
    assert run["units"] == 24 and "finished" in run


def test_seed_override_changes_outputs_and_fingerprint(image_job, tmp_path):
    _, data, config = image_job
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run("augment", config, "--input", data, "--output", a, "--quiet") == 0
    assert _run("augment", config, "--input", data, "--output", b, "--seed", 8, "--quiet") == 0
    fa, fb = _files(a), _files(b)
    pngs = [k for k in fa if k.endswith(".png")]
    assert pngs == [k for k in fb if k.endswith(".png")]
    assert any(fa[k] != fb[k] for k in pngs)
    assert json.loads((b / "run.json").read_text())["seed"] == 8


def test_force_rule(image_job, tmp_path, capsys):
    root, data, config = image_job
    out = tmp_path / "out"
    assert _run("augment", config, "--input", data, "--output", out, "--quiet") == 0
    other = ma.save(ma.Compose([ma.image.VerticalFlip(p=1.0)], seed=1), root / "other.yaml")
    capsys.readouterr()
    assert _run("augment", other, "--input", data, "--output", out, "--quiet") == 2
    err = capsys.readouterr().err
    assert "pipeline fingerprint" in err and "--force" in err
    # refused: nothing was touched
    assert json.loads((out / "run.json").read_text())["fingerprint"] == ma.load(config).fingerprint
    assert _run("augment", other, "--input", data, "--output", out, "--force", "--quiet") == 0
    fresh = tmp_path / "fresh"
    assert _run("augment", other, "--input", data, "--output", fresh, "--quiet") == 0
    assert _files(out) == _files(fresh)  # --force leaves no file of the old job behind
    # a non-empty folder that no job wrote is refused too
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert _run("augment", config, "--input", data, "--output", foreign, "--quiet") == 2
    assert "not written by multiaug augment" in capsys.readouterr().err
    # the same job again is a no-op resume with the same outputs
    before = _files(fresh)
    assert _run("augment", other, "--input", data, "--output", fresh, "--quiet") == 0
    assert _files(fresh) == before


def _spawn(config: Path, data: Path, out: Path, *extra: object, nice: int = 0) -> subprocess.Popen[bytes]:
    """The job in a process of its own session; its stderr goes to ``<out>.stderr``.

    Not a pipe: pool workers inherit stderr, and a worker outliving a killed job would keep a pipe
    open. The session lets the test clean up such workers (``_kill_session``). ``nice`` lowers the
    job's priority (its workers inherit it): on a busy machine the test then still sees the job
    early on, instead of the job racing to its end before the test sends its signal.
    """
    cmd = [sys.executable, "-m", "multiaug.cli", "augment", str(config), "--input", str(data)]
    cmd += ["--output", str(out), "--quiet", *map(str, extra)]
    with open(f"{out}.stderr", "wb") as err:
        return subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            preexec_fn=lambda: _child(nice),
        )


def _child(nice: int) -> None:
    os.nice(nice)
    # A shell that starts the suite in the background hands it SIGINT ignored, and Python then
    # never raises KeyboardInterrupt: give the job the default disposition, as a terminal does.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _kill_session(proc: subprocess.Popen[bytes]) -> None:
    """End whatever is left of a job's session (workers of a job killed with SIGKILL)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _session_members(sid: int) -> list[int]:
    """Processes still alive in session ``sid`` (zombies, which are only a table entry, left out)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _wait_for_chunks(out: Path, proc: subprocess.Popen[bytes], n: int) -> None:
    deadline = time.monotonic() + 120
    chunks = out / ".multiaug" / "chunks"
    while time.monotonic() < deadline and proc.poll() is None:
        if chunks.is_dir() and len(list(chunks.glob("*.json"))) >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"the job ended or stalled before writing {n} chunk records")


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGKILL, 1), (signal.SIGKILL, 2), (signal.SIGINT, 2)])
def test_interrupted_job_resumes_to_the_same_outputs(image_job, tmp_path, sig, workers):
    _, data, config = image_job
    reference = tmp_path / "reference"
    assert _run("augment", config, "--input", data, "--output", reference, "--copies", 30, "--quiet") == 0
    out = tmp_path / "out"
    proc = _spawn(config, data, out, "--copies", 30, "--workers", workers, nice=10)
    try:
        _wait_for_chunks(out, proc, 3)
        proc.send_signal(sig)
        code = proc.wait(timeout=120)
        if sig == signal.SIGKILL:
            # the pool's workers notice that the job is gone and end themselves
            deadline = time.monotonic() + 60
            while _session_members(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not _session_members(proc.pid), "pool workers outlived the killed job"
    finally:
        _kill_session(proc)
    err = Path(f"{out}.stderr").read_text()
    assert code in ((-signal.SIGKILL,) if sig == signal.SIGKILL else (130,)), err
    assert not (out / "manifest.parquet").exists()
    done = len(list((out / ".multiaug" / "chunks").glob("*.json")))
    assert 3 <= done < 200
    rerun = _spawn(config, data, out, "--copies", 30, "--workers", workers)
    try:
        code = rerun.wait(timeout=300)
    finally:
        _kill_session(rerun)
    assert code == 0, Path(f"{out}.stderr").read_text()
    assert _files(out) == _files(reference)
    run = json.loads((out / "run.json").read_text())
    assert run["resumed"] > 0 and run["resumed"] + run["computed_this_run"] == 360


def test_text_manifest_job(tmp_path):
    texts = [
        "the quick brown fox jumps over the lazy dog",
        "a small cat sat on the warm mat today",
        "rain fell softly on the quiet old town",
        "bright stars shine above the dark hills",
    ]
    pd.DataFrame({"text": texts, "label": ["a", "a", "a", "b"], "group": [1, 1, 2, 3]}).to_csv(
        tmp_path / "texts.csv", index=False
    )
    config = ma.save(ma.Compose([ma.text.RandomSwap(alpha=0.3)], seed=0), tmp_path / "text.yaml")
    out = tmp_path / "out"
    assert (
        _run("augment", config, "--input", tmp_path / "texts.csv", "--output", out, "--balance", "--quiet")
        == 0
    )
    # one output table (no file per row), the manifest's columns beside each copy
    table = pd.read_parquet(out / "texts.parquet")
    # balance: class "b" (1 item) gets 2 copies, class "a" none
    assert list(table["label"]) == ["b", "b"] and list(table["group"]) == [3, 3]
    assert list(table["key"]) == ["row3/copy1", "row3/copy2"] and list(table["copy"]) == [1, 2]
    assert sorted(p.name for p in out.iterdir()) == [".multiaug", "run.json", "texts.parquet"]
    pipe = ma.load(config)
    for row in table.itertuples():
        assert row.text == pipe(text=texts[3], key=row.key)["text"]


def test_audio_folder_job(tmp_path):
    data = tmp_path / "speech"
    (data / "speech").mkdir(parents=True)
    clips = sorted(DATA.glob("speech_*.wav"))[:2]
    for clip in clips:
        (data / "speech" / clip.name).write_bytes(clip.read_bytes())
    pipe = ma.Compose([ma.audio.Gain(), ma.audio.AddNoise()], seed=0)
    config = ma.save(pipe, tmp_path / "audio.yaml")
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        assert _run("augment", config, "--input", data, "--output", out, "--workers", workers, "--quiet") == 0
        outs.append(_files(out))
    assert outs[0] == outs[1]
    out = tmp_path / "out1"
    for clip in clips:
        audio, rate = ma.audio.load(clip)
        written, written_rate = ma.audio.load(out / "speech" / f"{clip.stem}.aug1.wav")
        assert written_rate == rate
        expected = pipe(audio=audio, sample_rate=rate, key=f"speech/{clip.name}/copy1")["audio"]
        np.testing.assert_array_equal(written, expected)  # float WAV: exact


def test_table_job_smote_and_copies(tmp_path):
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    keep = np.r_[np.flatnonzero(y == 1)[:120], np.flatnonzero(y == 0)[:20]]
    table = X.iloc[keep, :6].reset_index(drop=True)
    table["label"] = y.iloc[keep].to_numpy()
    table.assign(group=np.arange(len(table)) // 10).to_csv(tmp_path / "table.csv", index=False)
    smote = ma.save(ma.tabular.SMOTE(seed=3), tmp_path / "smote.yaml")
    out = tmp_path / "smote"
    assert (
        _run("augment", smote, "--input", tmp_path / "table.csv", "--output", out, "--balance", "--quiet")
        == 0
    )
    result = pd.read_csv(out / "table.csv")
    assert result["label"].value_counts().to_dict() == {1: 120, 0: 120}
    manifest = pd.read_parquet(out / "manifest.parquet")
    assert len(manifest) == 240
    synthetic = manifest.iloc[140:]
    assert all(len(p) == 2 for p in synthetic["provenance"])  # SMOTE rows: (base, neighbour)
    assert all(table["label"][p[0]] == 0 for p in synthetic["provenance"])
    assert synthetic["group"].isna().all()  # interpolated between two rows: no single group
    expected, _ = ma.tabular.SMOTE(seed=3).fit_resample(table.drop(columns="label"), table["label"])
    np.testing.assert_allclose(result.drop(columns="label").to_numpy(), expected.to_numpy(), rtol=1e-12)

    noise = ma.save(ma.tabular.GaussianNoise(std=0.05, seed=0), tmp_path / "noise.yaml")
    out = tmp_path / "noise"
    assert (
        _run("augment", noise, "--input", tmp_path / "table.csv", "--output", out, "--copies", 2, "--quiet")
        == 0
    )
    assert len(pd.read_csv(out / "table.csv")) == 3 * 140
    copies = pd.read_parquet(out / "manifest.parquet")
    # a jittered copy keeps its source row's group (the group column is not a feature)
    assert list(copies["group"]) == [int(p[0]) // 10 for p in copies["provenance"]]
    assert "group" not in pd.read_csv(out / "table.csv").columns
    assert (
        _run("augment", noise, "--input", tmp_path / "table.csv", "--output", tmp_path / "x", "--balance")
        == 2
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "0"], "--workers"),
        (["--copies", "0"], "--copies"),
        (["--copies", "2", "--balance"], "--balance"),
    ],
)
def test_bad_arguments_name_the_option(image_job, tmp_path, capsys, argv, message):
    _, data, config = image_job
    assert _run("augment", config, "--input", data, "--output", tmp_path / "o", *argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("multiaug augment: error:") and message in err and "Fix:" in err


def test_progress_bar_reports_throughput(image_job, tmp_path, capsys):
    _, data, config = image_job
    assert _run("augment", config, "--input", data, "--output", tmp_path / "o", "--progress") == 0
    captured = capsys.readouterr()
    assert "item/s" in captured.err and "12/12" in captured.err
    assert "12 image files" in captured.out and "items/s" in captured.out


@pytest.mark.parametrize("pipe", [ma.Compose([ma.text.RandomSwap()], seed=0), ma.audio.Gain(seed=0)])
def test_a_pipeline_of_another_field_is_refused_before_any_work(image_job, tmp_path, pipe):
    _, data, _ = image_job
    with pytest.raises(ma.InvalidInputError, match=r"handles the fields \[.*\], not the image items"):
        ma.jobs.augment(pipe, data, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_augment_refuses_a_pipeline_ending_in_model_input_steps(image_job, tmp_path, capsys):
    """Normalize and ToTensor make a model's input, not files: refused before any work, naming them."""
    root, data, _ = image_job
    for steps, named in (
        ([ma.image.HorizontalFlip(), ma.image.Normalize()], "image.Normalize"),
        (
            [ma.image.Resize(32, 32), ma.image.Normalize(), ma.image.ToTensor()],
            "image.Normalize, image.ToTensor",
        ),
    ):
        config = ma.save(ma.Compose(steps, seed=0), root / "model_input.yaml")
        out = tmp_path / "out"
        capsys.readouterr()
        assert _run("augment", config, "--input", data, "--output", out, "--quiet") == 2
        err = capsys.readouterr().err
        assert named in err and "pipe.inference()" in err
        assert not out.exists()


def test_a_pool_worker_that_starts_after_the_job_died_still_ends():
    """The CI failure of stop 34: a worker that finished starting up after a ``kill -9`` of its job
    read its new parent (init) as "the job" and waited for work for ever."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that is not this worker's parent: the job it was started for is gone
    code = "import time; from multiaug.jobs.engines import _ignore_sigint as f; f(%d); time.sleep(60)"
    worker = subprocess.run(
        [sys.executable, "-c", code % gone.pid], capture_output=True, timeout=50, check=False
    )
    assert (worker.returncode, worker.stderr) == (1, b"")
