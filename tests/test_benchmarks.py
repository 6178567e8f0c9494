"""The image benchmark compares what multiaug has: no row may fall back to "not available yet".

``benchmarks/image.py`` reports an op it cannot build as "not available yet" so it runs at any
stage of the work; this test makes sure that never hides a renamed op or a changed signature of
an op multiaug does have. It runs the script's own factories in a fresh process (importing the
script sets OpenCV's thread count; no timing, no competitor import).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import image
import multiaug as ma

for name, (make_ours, _) in image.OPS.items():
    t = make_ours(ma.image, 1.0)
    assert t.name == f"image.{name}", (name, t.name)
photo = image.load_sample_photo("china.jpg")
for name, steps in image.COMBOS.items():
    pipe, why = image.Contenders(None, is_x=False).ours(steps)
    assert why is None, (name, why)
    assert image.probe(image.keyed(pipe, [photo])) is None, name
for inputs in ([photo], [image.as_float(photo)]):
    for name, (make_ours, _) in image.OPS.items():
        if (inputs[0].dtype.kind == "f") == (name in image.FLOAT_INPUT):
            assert image.probe(image.keyed(make_ours(ma.image, 1.0), inputs)) is None, name
print("ok", len(image.OPS), len(image.COMBOS))
"""


def test_every_op_and_pipeline_of_the_image_benchmark_runs_in_multiaug() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT / "benchmarks", capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("ok")


COMPETITOR_CHECK = """
import albumentations as A
import pytest
import image

image.strict_arguments()
side = image.Contenders(A, is_x=image.competitor().startswith("AlbumentationsX"))
for name in image.OPS:
    t, why = side.theirs(((name, 1.0),))
    assert why is None and t is not None, (name, why)
# a misspelt argument stops the run: TypeError from a plain transform, the escalated
# "not valid" warning from one that takes **kwargs (no silent fall back to a default)
image.OPS["MedianBlur"] = (image.OPS["MedianBlur"][0], lambda A, p: A.MedianBlur(blur_range=(3, 7), p=p))
with pytest.raises(TypeError):
    side.theirs((("MedianBlur", 1.0),))
image.OPS["HorizontalFlip"] = (image.OPS["HorizontalFlip"][0], lambda A, p: A.HorizontalFlip(bogus=1, p=p))
with pytest.raises(UserWarning, match="not valid"):
    side.theirs((("HorizontalFlip", 1.0),))
print("ok", image.competitor())
"""


def test_every_competitor_row_builds_and_a_wrong_argument_stops_the_run() -> None:
    """Albumentations 2.0.8 (a dev dependency) builds every row with the script's arguments; a
    misspelt one raises instead of the competitor running at its default (the AlbumentationsX
    table's names are checked the same way by every run in ``.venv-bench-ax``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", COMPETITOR_CHECK],
        cwd=ROOT / "benchmarks",
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("ok Albumentations 2.0.8"), done.stdout


def _smoke(script: str) -> subprocess.CompletedProcess[str]:
    """``benchmarks/<script> --smoke`` with this checkout's multiaug; it must exit 0."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, script, "--smoke"], cwd=ROOT / "benchmarks", capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_the_batched_tensor_benchmark_runs_and_says_what_it_left_out() -> None:
    """``benchmarks/torch_batch.py --smoke`` runs in ``.venv`` (no Kornia, no torchvision there).

    The per-sample multiaug row is timed; a competitor that does not import is a printed note, not a
    failure; ``ma.torch.batched`` rows are "pending" only while the module does not exist, and once it
    does they must run (a batched pipeline that raises would otherwise hide behind a note).
    """
    import multiaug as ma

    done = _smoke("torch_batch.py")
    rows = {
        line.split(" | ")[0].lstrip("| "): line.split(" | ")[1]
        for line in done.stdout.splitlines()
        if line.startswith("| ") and not line.startswith("| contender")
    }
    assert rows["multiaug per-sample (today's CPU path)"].replace(",", "").isdigit(), done.stdout
    for rival in ("Kornia", "torchvision"):
        timed = any(name.startswith(rival) and rate[0].isdigit() for name, rate in rows.items())
        assert timed or f"note: {rival}" in done.stdout or f"{rival} not compared" in done.stdout, done.stdout
    batched = [rate for name, rate in rows.items() if name.startswith("multiaug batched")]
    if hasattr(ma.torch, "batched"):  # uint8 in, float in, and with the draws made in workers
        assert len(batched) == 3, done.stdout
        assert all(rate.replace(",", "").isdigit() for rate in batched), done.stdout
    else:
        assert batched == ["pending", "pending"], done.stdout  # the workers' row needs the module
        assert "ma.torch.batched is not in this multiaug yet" in done.stdout


def test_the_batched_host_time_benchmark_runs() -> None:
    """``benchmarks/torch_batch_host.py --smoke``: its phase table and op counts print."""
    done = _smoke("torch_batch_host.py")
    assert "| forward(draws=) |" in done.stdout and "torch ops per forward(draws=)" in done.stdout, (
        done.stdout
    )


STREAM_CHECK = """
import stream

if __name__ == "__main__":
    # the ceiling's two halves are the loop's items, each once, in two processes at once
    whole = [item["id"] for item in stream.text_items(30)]
    assert [i["id"] for i in stream.text_items(15)] + [i["id"] for i in stream.text_items(30, 15)] == whole
    start, seconds, done, cpu = stream.run_ceiling(stream.text_pipeline, stream.text_items, 30)
    assert (start, done) == (0.0, 30) and seconds > 0 and cpu > 0, (start, seconds, done, cpu)
    # a stream's workers' CPU is read while they live: from the first output to the last
    start, seconds, done, used = stream.run_stream(stream.text_pipeline(), stream.text_items(30), 1, 30)
    assert done == 30 and start > 0 and seconds > 0 and used is not None and used >= 0, used
    print("ok")
"""


def test_the_stream_benchmark_times_its_ceiling_and_reads_the_workers_cpu() -> None:
    """``benchmarks/stream.py``: the two-process ceiling runs both halves of the items, and the
    workers' CPU comes from /proc while they are alive (not an estimate of their start-up)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    script = ROOT / "benchmarks"
    done = subprocess.run(
        [sys.executable, "-c", STREAM_CHECK], cwd=script, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
