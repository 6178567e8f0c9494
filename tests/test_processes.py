"""Keyed determinism across processes: serial, spawned processes and a worker pool agree."""

from __future__ import annotations

import multiprocessing as mp
import subprocess
import sys

import pytest

import multiaug as ma
from multiaug.testing import keyed_digests, reference_image_sample

KEYS = [*range(16), "a", "b/c.png"]


def pipeline() -> ma.Compose:
    return ma.Compose(
        [
            ma.OneOf([ma.image.HorizontalFlip(p=1.0), ma.image.VerticalFlip(p=1.0)], p=0.7),
            ma.image.RandomCrop(24, 24),
            ma.image.GaussianNoise(std=(0.02, 0.1), p=0.5),
        ],
        seed=2026,
    )


@pytest.mark.slow
def test_keyed_outputs_are_identical_serially_in_spawned_processes_and_a_pool() -> None:
    cfg = pipeline().to_config()
    sample = reference_image_sample()
    serial = keyed_digests(cfg, sample, KEYS, epoch=3)
    assert len(set(serial)) == len(KEYS)

    ctx = mp.get_context("spawn")
    half = len(KEYS) // 2
    with ctx.Pool(1) as first, ctx.Pool(1) as second:  # two separate spawned processes
        a = first.apply_async(keyed_digests, (cfg, sample, KEYS[half:][::-1], 3))
        b = second.apply_async(keyed_digests, (cfg, sample, KEYS[:half], 3))
        spawned = b.get(120) + a.get(120)[::-1]
    assert spawned == serial

    with ctx.Pool(2) as pool:
        pooled = pool.starmap(keyed_digests, [(cfg, sample, [k], 3) for k in KEYS], chunksize=1)
    assert [d for (d,) in pooled] == serial


@pytest.mark.slow
def test_pickled_pipeline_gives_the_same_outputs_in_a_worker() -> None:
    pipe = pipeline()
    sample = reference_image_sample()
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.starmap(_call, [(pipe, sample, k) for k in KEYS])
    assert results == keyed_digests(pipe.to_config(), sample, KEYS, epoch=0)


def _call(pipe: ma.Compose, sample: dict, key: object) -> str:
    from multiaug.testing import sample_digest

    return sample_digest(pipe(**sample, key=key))


def test_import_multiaug_is_light() -> None:
    code = (
        "import sys, multiaug as ma; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('cv2', 'librosa', 'torch', 'transformers', 'sklearn', 'numba', 'pandas', 'dask')]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
