"""The tour's pipeline profile: what each transform of the image pipeline did over keyed calls."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import multiaug as ma

from . import report as rp
from .data import load_sample_photo
from .pipelines import image_pipeline

CALLS = 32  # keyed calls profiled (on the two sample photos, shrunk to 160x240)


def _num(value: Any, digits: int = 1) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def profile_part(output: Path) -> tuple[str, dict[str, Any]]:
    """The profile section's HTML and summary; the profile is saved as ``<fingerprint>.profile.json``."""
    import cv2

    photos = [cv2.resize(load_sample_photo(name), (240, 160)) for name in ("china.jpg", "flower.jpg")]
    prof = ma.profile(image_pipeline(seed=0), [{"image": p} for p in photos], key=range(CALLS))
    path = prof.save(output)
    ops = rp.table(
        ["step", "transform", "applied", "time mean (µs)", "time p95 (µs)", "mean pixel change"],
        [
            [
                ".".join(map(str, op["path"])),
                op["transform"],
                f"{op['applied_rate']:.0%}",
                _num(op["time_mean_us"]),
                _num(op["time_p95_us"]),
                _num(op["change_mean"], 4),
            ]
            for op in prof.ops
        ],
    )
    params = prof.params_table()
    ranges = rp.table(
        ["transform", "parameter", "declared range", "drawn min .. max", "coverage of the range"],
        [
            [
                r.transform,
                r.param,
                "—" if math.isnan(r.declared_low) else f"[{r.declared_low:g}, {r.declared_high:g}]",
                f"{r.min:.3g} .. {r.max:.3g}",
                _num(r.coverage * 100, 0) + " %" if not math.isnan(r.coverage) else "—",
            ]
            for r in params.itertuples()
        ],
    )
    body = (
        f"<p>ma.profile over {CALLS} keyed calls of the image pipeline (both sample photos at 240x160): "
        "how often each step applied, its time, how much it changed the pixels (mean absolute change, "
        "a fraction of 255; a fused geometric group's one resampling is credited to its last op), and "
        "where its draws fell in the declared ranges (coverage: 20 bins). "
        f"Saved as <code>{path.name}</code>; "
        "<code>ma.Profile.load(path).compare(new_profile)</code> reports drift.</p>" + ops + ranges
    )
    summary = {"file": path.name, "calls": prof.calls, "transforms": len(prof.ops)}
    return body, summary
