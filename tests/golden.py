"""Golden digests of keyed outputs: every registered transform and the demo's pipelines.

Issue 14 restructured the library under the promise that no keyed output changes. This
module computes a SHA-256 per transform over its keyed outputs (keys 0-5, epochs 0 and 1,
with the traced parameters), per sampler over ``fit_resample`` and ``provenance_`` on its
reference table, and per demo pipeline over keyed calls on the demo's data;
``tests/test_golden.py`` compares them with ``tests/data/golden.json``.

Regenerate (only when an output is meant to change, and say so in the CHANGELOG)::

    .venv/bin/python -m tests.golden --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

GOLDEN = Path(__file__).parent / "data" / "golden.json"


def _update(h: Any, value: Any) -> None:
    if type(value).__module__.startswith("torch") and hasattr(value, "numpy"):  # a torch tensor
        h.update(b"torch")
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        h.update(f"{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif hasattr(value, "to_numpy") and hasattr(value, "columns"):  # a DataFrame
        h.update(repr(list(value.columns)).encode() + repr(list(value.dtypes.astype(str))).encode())
        for c in value.columns:
            _update(h, np.asarray(value[c].to_numpy(dtype=object)).astype(str))
    elif hasattr(value, "to_numpy"):  # a Series
        _update(h, np.asarray(value.to_numpy(dtype=object)).astype(str))
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            h.update(repr(k).encode())
            _update(h, value[k])
    elif isinstance(value, (list, tuple)):
        h.update(f"{type(value).__name__}{len(value)}".encode())
        for v in value:
            _update(h, v)
    else:
        h.update(repr(value).encode())


def digest(value: Any) -> str:
    h = hashlib.sha256()
    _update(h, value)
    return h.hexdigest()[:24]


def transform_digest(name: str) -> str:
    from multiaug.testing import EXAMPLES

    ex = EXAMPLES[name]
    sample = ex.reference()
    t = ex.make(seed=9)
    if getattr(t, "_dataset_level", False):
        out = t.fit_resample(sample["X"], sample["y"])
        return digest([out, list(t.provenance_)])
    outs = []
    for epoch in (0, 1):
        for key in range(6):
            out = t(**sample, key=key, epoch=epoch, trace=True)
            trace = [{k: e[k] for k in ("transform", "path", "params")} for e in out.pop("trace")]
            outs.append([out, json.dumps(trace, sort_keys=True)])
    unkeyed = ex.make(seed=4)
    outs.append([unkeyed(**sample) for _ in range(2)])
    return digest(outs)


def demo_digests() -> dict[str, str]:
    from multiaug import demo

    out: dict[str, str] = {}
    photo = demo.load_sample_photo()[:96, :128]
    out["demo.image_pipeline"] = digest([demo.image_pipeline(seed=0)(image=photo, key=k) for k in range(4)])
    texts = ["The quick brown fox jumps over the lazy dog near the river bank today."]
    out["demo.text_pipeline"] = digest([demo.text_pipeline(seed=0)(text=texts[0], key=k) for k in range(4)])
    _, speech, rate = demo.load_demo_speech()[0]
    clip = speech[..., :rate]  # the first second
    out["demo.audio_pipeline"] = digest(
        [demo.audio_pipeline(seed=0)(audio=clip, sample_rate=rate, key=k) for k in range(3)]
    )
    return out


def compute() -> dict[str, str]:
    from multiaug.testing import EXAMPLES

    table = {name: transform_digest(name) for name in sorted(EXAMPLES)}
    table.update(demo_digests())
    return table


def main(argv: list[str]) -> int:
    table = compute()
    if "--write" in argv:
        GOLDEN.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
        print(f"wrote {len(table)} digests to {GOLDEN}")
        return 0
    old = json.loads(GOLDEN.read_text())
    diff = sorted(k for k in set(old) | set(table) if old.get(k) != table.get(k))
    for k in diff:
        print(f"{k}: {old.get(k)} -> {table.get(k)}")
    print(f"{len(table)} digests, {len(diff)} differ")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
