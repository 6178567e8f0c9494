"""Profiles recorded while data is made: ``augment --profile``, ``AugmentedDataset(profile=True)``."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

import multiaug as ma
from multiaug.cli import main


def _pipe() -> ma.Compose:
    return ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(limit=15, p=0.7)], seed=7)


def _folder(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (root / "data" / cls).mkdir(parents=True)
        for k in range(3):
            img = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
            cv2.imwrite(str(root / "data" / cls / f"{k}.png"), img)
    return root / "data"


def test_augment_profile_records_what_the_manifest_traces(tmp_path: Path) -> None:
    data, config = _folder(tmp_path), ma.save(_pipe(), tmp_path / "pipe.yaml")
    plain, profiled = tmp_path / "plain", tmp_path / "profiled"
    base = ["augment", str(config), "--input", str(data), "--copies", "2", "--quiet"]
    assert main([*base, "--output", str(plain)]) == 0
    assert main([*base, "--output", str(profiled), "--profile"]) == 0
    pngs = sorted(p.relative_to(plain) for p in plain.rglob("*.png"))
    assert len(pngs) == 12
    assert all((plain / p).read_bytes() == (profiled / p).read_bytes() for p in pngs)
    (path,) = profiled.glob("*.profile.json")
    prof = ma.Profile.load(path)
    assert path.name == f"{_pipe().fingerprint}.profile.json" and prof.calls == 12
    manifest = pd.read_parquet(profiled / "manifest.parquet")
    traced: dict[str, int] = {}
    for params in manifest["params"]:
        for entry in json.loads(params):
            traced[entry["transform"]] = traced.get(entry["transform"], 0) + 1
    assert {op["transform"]: op["applied"] for op in prof.ops} == {
        "image.HorizontalFlip": traced.get("image.HorizontalFlip", 0),
        "image.Rotate": traced["image.Rotate"],
    }
    assert manifest["params"].tolist() == pd.read_parquet(plain / "manifest.parquet")["params"].tolist()


def test_augmented_dataset_records_a_profile_without_changing_items() -> None:
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, (16, 16, 3), dtype=np.uint8) for _ in range(8)]
    plain = ma.torch.AugmentedDataset(images, _pipe())
    recorded = ma.torch.AugmentedDataset(images, _pipe(), profile=True)
    recorded.set_epoch(2)
    plain.set_epoch(2)
    for i in range(8):
        assert np.array_equal(plain[i], recorded[i])
    prof = recorded.recorded_profile()
    assert prof.calls == 8 and prof.ops[1]["transform"] == "image.Rotate"
    angles = [
        e["params"]["angle"]
        for i in range(8)
        for e in _pipe()(image=images[i], key=i, epoch=2, trace=True)["trace"]
        if e["transform"] == "image.Rotate"
    ]
    assert prof.ops[1]["params"]["angle"]["values"] == pytest.approx(angles, rel=1e-5)
    with pytest.raises(ma.InvalidInputError) as e:
        plain.recorded_profile()
    assert e.value.field == "profile"
    with pytest.raises(ma.InvalidInputError):
        ma.torch.AugmentedDataset(images, _pipe(), profile="yes")  # type: ignore[arg-type]
