"""Shared-suite examples of the batch-level image transforms (MixUp, CutMix)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..core.transform import Sample
from .checks import Example, with_defaults

__all__ = ["BAD_BATCH_SAMPLES", "NUM_CLASSES", "batch_samples", "examples", "reference_batch"]

#: Classes of the example batches (the transforms under test are built with ``num_classes=NUM_CLASSES``).
NUM_CLASSES = 5


@st.composite
def batch_samples(
    draw: st.DrawFn, max_batch: int = 6, max_side: int = 16, num_classes: int = NUM_CLASSES
) -> Sample:
    """Valid batches: ``images`` (B, H, W[, C]) uint8 or float32 in [0, 1], with labels.

    Labels are integer ids, one-hot rows or soft rows (normalised random weights).
    """
    b = draw(st.integers(2, max_batch))
    h = draw(st.integers(1, max_side))
    w = draw(st.integers(1, max_side))
    channels = draw(st.sampled_from([None, 1, 3]))
    shape = (b, h, w) if channels is None else (b, h, w, channels)
    if draw(st.booleans()):
        images = draw(hnp.arrays(np.uint8, shape))
    else:
        images = draw(hnp.arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))
    ids = draw(hnp.arrays(np.int64, b, elements=st.integers(0, num_classes - 1)))
    kind = draw(st.sampled_from(["ids", "one_hot", "soft"]))
    labels: np.ndarray
    if kind == "ids":
        labels = ids
    elif kind == "one_hot":
        labels = np.eye(num_classes, dtype=np.float32)[ids]
    else:
        weights = draw(hnp.arrays(np.float64, (b, num_classes), elements=st.floats(0.01, 1.0)))
        labels = (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)
    return {"images": images, "labels": labels}


def reference_batch() -> Sample:
    """A fixed batch of 4 distinct 24x32 RGB uint8 images with integer labels.

    Examples
    --------
    >>> batch = reference_batch()
    >>> batch["images"].shape, batch["labels"].tolist()
    ((4, 24, 32, 3), [0, 3, 1, 4])
    """
    rng = np.random.default_rng(4321)
    images = rng.integers(0, 256, (4, 24, 32, 3), dtype=np.uint8)
    return {"images": images, "labels": np.array([0, 3, 1, 4])}


def _u8(b: int = 4, h: int = 4, w: int = 4) -> np.ndarray:
    return np.zeros((b, h, w, 3), np.uint8)


_ONE_HOT = np.eye(NUM_CLASSES, dtype=np.float32)[[0, 1, 2, 3]]

BAD_BATCH_SAMPLES: tuple[Sample, ...] = (
    {"images": np.full((4, 4, 4), np.nan, np.float32), "labels": np.arange(4)},
    {"images": np.full((4, 4, 4), np.inf, np.float32), "labels": np.arange(4)},
    {"images": np.full((4, 4, 4, 3), 1.5, np.float32), "labels": np.arange(4)},
    {"images": np.zeros((4, 4, 4), np.float64), "labels": np.arange(4)},
    {"images": np.zeros((4, 4), np.uint8), "labels": np.arange(4)},  # one image, not a batch
    {"images": np.zeros((4, 4, 4, 3, 1), np.uint8), "labels": np.arange(4)},
    {"images": np.zeros((0, 4, 4), np.uint8), "labels": np.arange(0)},
    {"images": _u8(b=1), "labels": np.arange(1)},
    {"images": [[[0]], [[1]]], "labels": np.arange(2)},
    {"images": _u8(), "labels": np.arange(3)},  # B mismatch
    {"images": _u8(), "labels": _ONE_HOT[:3]},  # B mismatch, soft
    {"images": _u8(), "labels": np.array([0, 1, -1, 2])},
    {"images": _u8(), "labels": np.array([0, 1, NUM_CLASSES, 2])},  # id >= num_classes
    {"images": _u8(), "labels": np.array([[0, 1], [1, 0], [0, 1], [1, 0]])},  # 2-D ints
    {"images": _u8(), "labels": np.array([0.0, 1.0, 2.0, 3.0])},  # float ids
    {"images": _u8(), "labels": np.full((4, NUM_CLASSES), 0.5, np.float32)},  # rows sum to 2.5
    {"images": _u8(), "labels": np.where(_ONE_HOT > 0, np.nan, 0.0)},
    {"images": _u8(), "labels": _ONE_HOT * 2},  # rows sum to 2
    {"images": _u8(), "labels": _ONE_HOT * 2 - 0.5},  # negative
    {"images": _u8(), "labels": np.eye(NUM_CLASSES + 1, dtype=np.float32)[:4]},  # K != num_classes
    {"images": _u8(), "labels": np.array(["cat", "dog", "cat", "dog"])},
    {"images": _u8(), "labels": np.ones(4, bool)},
    {"images": _u8()},
    {"labels": np.arange(4)},
)


def examples() -> dict[str, Example]:
    """The shared-suite entries of the batch transforms, by registry name.

    Examples
    --------
    >>> sorted(examples())
    ['image.CutMix', 'image.MixUp']
    """
    from ..image import CutMix, MixUp

    common: dict[str, Any] = {
        "samples": batch_samples,
        "reference": reference_batch,
        "bad_samples": BAD_BATCH_SAMPLES,
    }
    return {
        "image.MixUp": Example(make=with_defaults(MixUp, num_classes=NUM_CLASSES), **common),
        "image.CutMix": Example(make=with_defaults(CutMix, num_classes=NUM_CLASSES), **common),
    }
