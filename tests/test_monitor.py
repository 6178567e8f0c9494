"""``ma.profile`` and drift reports (issue 24)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import multiaug as ma
from multiaug.monitor import Recorder, profiled_call
from multiaug.testing.leak_pipelines import image_pipeline


def _images(n: int = 4, side: int = 48) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [{"image": rng.integers(0, 256, (side, side, 3), dtype=np.uint8)} for _ in range(n)]


def test_profiled_calls_give_the_outputs_of_plain_keyed_calls() -> None:
    pipe = image_pipeline(48, crop=True, seed=3)
    rec = Recorder(pipe)
    for k, s in enumerate(_images() * 3):
        got = profiled_call(pipe, rec, dict(s), k, epoch=2)["image"]
        assert np.array_equal(got, pipe(**s, key=k, epoch=2)["image"])
    assert rec.calls == 12


def test_profile_counts_each_transform_against_its_trace() -> None:
    pipe = image_pipeline(48, seed=0)
    samples = _images()
    prof = ma.profile(pipe, samples, key=range(60))
    # the independent reference: the traces of the same keyed calls
    applied: dict[tuple[int, ...], int] = {}
    drawn: dict[tuple[tuple[int, ...], str], list[float]] = {}
    for k in range(60):
        for entry in pipe(**samples[k % 4], key=k, trace=True)["trace"]:
            path = tuple(entry["path"])
            applied[path] = applied.get(path, 0) + 1
            for name, v in entry["params"].items():
                if isinstance(v, float):
                    drawn.setdefault((path, name), []).append(v)
    by_path = {tuple(op["path"]): op for op in prof.ops}
    assert {p: op["applied"] for p, op in by_path.items() if op["applied"]} == applied
    for (path, name), values in drawn.items():
        entry = by_path[path]["params"][name]
        assert entry["mean"] == pytest.approx(np.mean(values))
        assert entry["values"] == pytest.approx(values, rel=1e-5)
    assert by_path[(0,)]["applied_rate"] == applied[(0,)] / 60  # HorizontalFlip p=0.5
    assert all(op["time_mean_us"] > 0 for op in prof.ops if op["applied"])
    table = prof.params_table()
    rot = table[(table["transform"] == "image.Affine") & (table["param"] == "rotate")].iloc[0]
    assert (rot["declared_low"], rot["declared_high"]) == (-15.0, 15.0)
    assert 0.5 < rot["coverage"] <= 1.0


def test_change_statistics_are_mean_absolute_pixel_change() -> None:
    img = np.full((16, 16), 100, np.uint8)
    pipe = ma.Compose(
        [ma.image.HorizontalFlip(p=1.0), ma.image.GaussianNoise(std=(0.05, 0.05), p=1.0)], seed=0
    )
    prof = ma.profile(pipe, {"image": img}, key=range(20))
    flip, noise = prof.ops
    assert flip["change_mean"] == 0.0  # a flat image does not change under a flip
    noisy = [pipe(image=img, key=k)["image"].astype(float) for k in range(20)]
    assert noise["change_mean"] == pytest.approx(np.mean([np.abs(x - 100).mean() / 255 for x in noisy]))
    text = ma.profile(
        ma.text.RandomDelete(alpha=0.5, p=1.0), {"text": "one two three four five six"}, key=range(5)
    )
    assert 0.0 < text.ops[0]["change_mean"] < 1.0


def test_drift_flags_a_changed_range_not_other_keys(tmp_path: Path) -> None:
    samples = _images(2, 32)
    base = ma.profile(image_pipeline(32, seed=0), samples, key=range(400), stats=False)
    path = base.save(tmp_path)
    assert path.name == f"{base.fingerprint}.profile.json" and json.loads(path.read_text())["calls"] == 400
    same = ma.profile(image_pipeline(32, seed=0), samples, key=range(400, 800), stats=False)
    report = same.compare(path, time_ratio=1e9)
    assert report.ok and report.same_config and report.tests > 5, str(report)
    wider = image_pipeline(32, seed=0)
    wider.transforms[1] = ma.image.Affine(
        scale=(0.85, 1.15), translate=(-0.08, 0.08), rotate=(-25, 25), p=1.0
    )
    moved = ma.profile(wider, samples, key=range(400, 800), stats=False).compare(base, time_ratio=1e9)
    params = [(d.transform, d.param) for d in moved.of_kind("param")]
    assert params == [("image.Affine", "rotate")], str(moved)
    assert [(d.transform, d.param) for d in moved.of_kind("range")] == [("image.Affine", "rotate")]
    assert not moved.same_config and not moved.ok


def test_drift_flags_a_changed_probability_and_a_time_regression() -> None:
    img = {"image": np.zeros((32, 32), np.uint8)}
    base = ma.profile(ma.Compose([ma.image.HorizontalFlip(p=0.5)], seed=0), img, key=range(400))
    now = ma.profile(ma.Compose([ma.image.HorizontalFlip(p=0.8)], seed=0), img, key=range(400, 800))
    assert [d.kind for d in now.compare(base, time_ratio=1e9).drifts] == ["rate"]
    slow = json.loads(base.to_json())
    slow["ops"][0]["time_mean_us"] /= 1000.0  # as if the op had been 1000x faster when saved
    report = base.compare(ma.Profile(slow), min_time_us=0.0)
    assert [d.kind for d in report.drifts] == ["time"] and "x)" in report.drifts[0].detail


def test_profile_refuses_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ma.InvalidInputError) as e:
        ma.profile(ma.tabular.SMOTE(), [{"table": np.zeros((3, 2))}])
    assert e.value.field == "pipeline"
    with pytest.raises(ma.InvalidInputError) as e:
        ma.profile(ma.image.HorizontalFlip(), [])
    assert e.value.field == "samples"
    bad = tmp_path / "x.json"
    bad.write_text("{}")
    with pytest.raises(ma.InvalidInputError) as e:
        ma.Profile.load(bad)
    assert e.value.field == "path"


def test_damaged_profiles_and_bad_keys_are_refused_by_name(tmp_path: Path) -> None:
    pipe = ma.Compose([ma.image.Rotate(limit=20, p=1.0)], seed=0)
    img = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ma.InvalidInputError) as e:
        ma.profile(pipe, [{"image": img}], key=5)
    assert e.value.field == "key"
    prof = ma.profile(pipe, [{"image": img}], key=range(4))
    good = json.loads(prof.save(tmp_path).read_text())
    damaged = [
        {**good, "ops": 5},
        {k: v for k, v in good.items() if k != "calls"},
        {**good, "ops": [{**good["ops"][0], "params": {"angle": {"n": 1, "values": ["x"]}}}]},
        {**good, "calls": True},
    ]
    for i, data in enumerate(damaged):
        path = tmp_path / f"bad{i}.json"
        path.write_text(json.dumps(data))
        with pytest.raises(ma.InvalidInputError) as e:
            prof.compare(path)
        assert e.value.field == "path", i
