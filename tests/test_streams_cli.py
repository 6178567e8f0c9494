"""`multiaug augment CONFIG --input - --output -`: JSON Lines in and out, job keys, flushed per line."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

import multiaug as ma
from multiaug.cli import main

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "the quick brown fox jumps over the lazy dog",
    "a small cat sat on the warm mat",
    "rain fell on the town",
]


def _text_config(tmp_path: Path) -> Path:
    pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5), ma.text.CharNoise(alpha=0.1)], seed=3)
    return ma.save(pipe, tmp_path / "text.yaml")


def _run_lines(monkeypatch, capsys, lines: list[str], *argv: object) -> tuple[int, list[dict], str]:
    stdin = io.TextIOWrapper(io.BytesIO("".join(line + "\n" for line in lines).encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    code = main(["augment", *map(str, argv), "--input", "-", "--output", "-"])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def _png_of(data_uri: str) -> np.ndarray:
    head, _, payload = data_uri.partition(",")
    assert head == "data:image/png;base64"
    img = cv2.imdecode(np.frombuffer(base64.b64decode(payload), np.uint8), cv2.IMREAD_UNCHANGED)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def test_text_lines_are_the_keyed_calls_of_the_job_key_scheme(tmp_path, monkeypatch, capsys):
    config = _text_config(tmp_path)
    lines = [json.dumps({"id": f"t{i}", "text": t, "label": i % 2}) for i, t in enumerate(TEXTS)]
    code, outs, err = _run_lines(monkeypatch, capsys, lines, config, "--copies", 2)
    assert code == 0 and err == ""
    pipe = ma.load(config)
    assert [(o["id"], o["copy"]) for o in outs] == [(f"t{i}", c) for i in range(3) for c in (1, 2)]
    for o in outs:
        i = int(o["id"][1:])
        assert o["text"] == pipe(text=TEXTS[i], key=f"t{i}/copy{o['copy']}")["text"]
        assert o["label"] == i % 2  # metadata comes along


def test_images_by_path_and_base64_give_the_same_pixels(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (24, 32, 3), np.uint8)
    path = tmp_path / "x.png"
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    b64 = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(limit=20)], seed=2)
    config = ma.save(pipe, tmp_path / "image.yaml")
    lines = [json.dumps({"id": "x", "image": str(path)}), json.dumps({"id": "x", "image": b64})]
    code, outs, _ = _run_lines(monkeypatch, capsys, lines, config)
    assert code == 0
    expected = pipe(image=img, key="x/copy1")["image"]
    for o in outs:
        np.testing.assert_array_equal(_png_of(o["image"]), expected)


def test_audio_by_path_and_base64_gives_the_exact_samples_and_rate(tmp_path, monkeypatch, capsys):
    tone = (0.3 * np.sin(np.arange(4000, dtype=np.float32) / 7)).astype(np.float32)  # 0.5 s at 8 kHz
    path = ma.audio.save(tmp_path / "tone.wav", tone, 8000)
    b64 = "data:audio/wav;base64," + base64.b64encode(Path(path).read_bytes()).decode()
    pipe = ma.Compose([ma.audio.Gain(), ma.audio.AddNoise()], seed=4)
    config = ma.save(pipe, tmp_path / "audio.yaml")
    lines = [
        json.dumps({"id": "t", "audio": str(path)}),
        json.dumps({"id": "t", "audio": b64, "sample_rate": 1}),
    ]
    code, outs, _ = _run_lines(monkeypatch, capsys, lines, config)
    assert code == 0
    audio, rate = ma.audio.load(path)
    expected = pipe(audio=audio, sample_rate=rate, key="t/copy1")["audio"]
    for o in outs:
        assert o["sample_rate"] == 8000  # the file's own rate, whatever the line says
        head, _, payload = o["audio"].partition(",")
        assert head == "data:audio/wav;base64"
        (tmp_path / "out.wav").write_bytes(base64.b64decode(payload))
        written, written_rate = ma.audio.load(tmp_path / "out.wav")
        assert written_rate == 8000
        np.testing.assert_array_equal(written, expected)  # 32-bit float WAV: exact


def test_tables_inline_as_rows_or_columns_are_the_keyed_calls_exactly(tmp_path, monkeypatch, capsys):
    import pandas as pd

    pipe = ma.tabular.GaussianNoise(std=0.05, seed=0)
    config = ma.save(pipe, tmp_path / "table.yaml")
    rows = [{"a": 1.0, "b": 3, "c": "x"}, {"a": 2.5, "b": 5, "c": "y"}, {"a": 0.5, "b": 9, "c": "z"}]
    columns = {"a": [1.0, 2.0, 4.0], "b": [4, 8, 1]}
    lines = [json.dumps({"id": "rows", "table": rows}), json.dumps({"id": 9, "table": columns})]
    code, outs, _ = _run_lines(monkeypatch, capsys, lines, config, "--copies", 2)
    assert code == 0 and len(outs) == 4
    for o in outs:
        given = rows if o["id"] == "rows" else columns
        expected = pipe(table=pd.DataFrame(given), key=f"{o['id']}/copy{o['copy']}")["table"]
        orient = "records" if isinstance(given, list) else "list"
        assert o["table"] == expected.astype(object).to_dict(orient=orient)  # floats exact through JSON
    assert outs[0]["table"] != rows and outs[0]["table"][0]["c"] == "x"  # numbers moved, strings kept


def test_bad_lines_stop_or_are_skipped_by_line_and_id(tmp_path, monkeypatch, capsys):
    config = _text_config(tmp_path)
    lines = [
        json.dumps({"id": "a", "text": "one two three"}),
        "not json",
        json.dumps({"text": "no id"}),
        json.dumps({"id": "b", "image": "missing.png"}),
        json.dumps({"id": "c", "text": "four five six"}),
    ]
    code, outs, err = _run_lines(monkeypatch, capsys, lines, config, "--on-error", "skip")
    assert code == 0 and [o["id"] for o in outs] == ["a", "c"]
    assert "line 2: is not JSON" in err and "line 3: has no 'id' field" in err
    assert "line 4 (id='b')" in err
    code, outs, err = _run_lines(monkeypatch, capsys, lines, config)
    assert code == 2 and [o["id"] for o in outs] == ["a"]
    assert "error: line 2: is not JSON" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--input", "-", "--output", "out"], "`--output` must be '-' too"),
        (["--input", "-", "--output", "-", "--balance"], "`--balance` needs the whole data set"),
        (["--input", "-", "--output", "-", "--copies", "0"], "`--copies`"),
        (["--input", "-", "--output", "-", "--update"], "`--update` applies to an output folder"),
    ],
)
def test_stdin_options_are_checked(tmp_path, capsys, argv, message):
    config = _text_config(tmp_path)
    assert main(["augment", str(config), *argv]) == 2
    assert message in capsys.readouterr().err


def test_samplers_are_refused_on_stdin(tmp_path, monkeypatch, capsys):
    config = ma.save(ma.Oversample(ma.Compose([ma.text.RandomSwap()]), seed=0), tmp_path / "over.yaml")
    code, outs, err = _run_lines(monkeypatch, capsys, ['{"id": 1, "text": "a"}'], config)
    assert code == 2 and outs == [] and "needs the whole data set" in err


def _readline(stream, box: list) -> None:
    box.append(stream.readline())


def test_lines_are_flushed_as_made_and_a_killed_job_loses_none(tmp_path):
    """Two workers, a producer that writes a line and waits for its output: each output line arrives
    before the next input is written (flushed per line), and a kill -9 leaves every line already
    read whole and right."""
    config = _text_config(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's multiaug, whatever the working directory
    proc = subprocess.Popen(
        [sys.executable, "-m", "multiaug.cli", "augment", str(config), "--input", "-", "--output", "-",
         "--workers", "2"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        start_new_session=True,  # its pool workers too: the test ends whatever outlives the kill
    )  # fmt: skip
    pipe = ma.load(config)
    got = []
    try:
        for i, text in enumerate(TEXTS):
            proc.stdin.write((json.dumps({"id": i, "text": text}) + "\n").encode())
            proc.stdin.flush()
            box: list[bytes] = []
            reader = threading.Thread(target=_readline, args=(proc.stdout, box), daemon=True)
            reader.start()
            reader.join(120)  # a hang guard, not a timing check: the line must come with stdin still open
            assert box and box[0].endswith(b"\n"), (
                proc.stderr.read1() if proc.poll() is not None else "no line"
            )
            got.append(json.loads(box[0]))
        proc.send_signal(signal.SIGKILL)
        proc.wait(60)
        # nothing half-written after the last whole line (the workers, orphaned, end within a second)
        assert proc.stdout.read() == b""
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(60)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    assert [o["id"] for o in got] == [0, 1, 2]
    for o in got:
        assert o["text"] == pipe(text=TEXTS[o["id"]], key=f"{o['id']}/copy1")["text"]


def test_stdin_job_equals_the_manifest_job_for_the_same_ids(tmp_path, monkeypatch, capsys):
    """Each output of a folder job names its key (``item_key(identity, copy)``); the same identity
    given as the id of a stdin line gives the same copies, byte for byte (the same PNG encoder)."""
    import pandas as pd

    rng = np.random.default_rng(1)
    data = tmp_path / "data"
    for cls in ("a", "b"):
        (data / cls).mkdir(parents=True)
        for k in range(2):
            img = rng.integers(0, 255, (20, 28, 3), np.uint8)
            cv2.imwrite(str(data / cls / f"{k}.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    pipe = ma.Compose(
        [ma.image.HorizontalFlip(), ma.image.Rotate(limit=20), ma.image.GaussianNoise()], seed=6
    )
    config = ma.save(pipe, tmp_path / "image.yaml")
    out = tmp_path / "out"
    argv = ["augment", str(config), "--input", str(data), "--output", str(out), "--copies", "2", "--quiet"]
    assert main(argv) == 0
    capsys.readouterr()
    manifest = pd.read_parquet(out / "manifest.parquet")
    assert len(manifest) == 8
    ids = {row.key.rsplit("/copy", 1)[0]: row.source for row in manifest.itertuples()}
    lines = [json.dumps({"id": i, "image": str(data / source)}) for i, source in ids.items()]
    code, outs, _ = _run_lines(monkeypatch, capsys, lines, config, "--copies", 2)
    assert code == 0 and len(outs) == 8
    written = {
        (row.key.rsplit("/copy", 1)[0], row.copy): (out / row.output).read_bytes()
        for row in manifest.itertuples()
    }
    for o in outs:
        assert base64.b64decode(o["image"].partition(",")[2]) == written[o["id"], o["copy"]]


def test_stdin_text_lines_equal_a_text_manifest_job_with_an_id_column(tmp_path, monkeypatch, capsys):
    import pandas as pd

    ids, texts = ["t7", "007"], ["the quick brown fox jumps", "a small cat sat on the mat"]
    pd.DataFrame({"id": ids, "text": texts, "label": [0, 1]}).to_csv(tmp_path / "m.csv", index=False)
    config = _text_config(tmp_path)
    argv = ["augment", str(config), "--input", str(tmp_path / "m.csv"), "--output", str(tmp_path / "out")]
    assert main([*argv, "--copies", "2", "--quiet"]) == 0
    capsys.readouterr()
    job = pd.read_parquet(tmp_path / "out" / "texts.parquet")
    lines = [json.dumps({"id": i, "text": t}) for i, t in zip(ids, texts, strict=True)]
    code, outs, _ = _run_lines(monkeypatch, capsys, lines, config, "--copies", 2)
    assert code == 0
    assert [(o["id"], o["copy"], o["text"]) for o in outs] == list(
        job[["id", "copy", "text"]].itertuples(index=False, name=None)
    )


def test_lines_json_cannot_hold_are_skipped_not_raised(tmp_path, monkeypatch, capsys):
    # valid JSON syntax that Python's reader refuses: an integer of 5,000 digits, nesting too deep
    config = _text_config(tmp_path)
    lines = ['{"id": ' + "9" * 5000 + ', "text": "x"}', "[" * 200_000, '{"id": "b", "text": "two words"}']
    code, outs, err = _run_lines(monkeypatch, capsys, lines, config, "--on-error", "skip")
    assert code == 0 and [o["id"] for o in outs] == ["b"]
    assert err.count("line 1") == 1 and "line 2" in err
