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
