"""The shared check suite every registered transform must pass.

``EXAMPLES`` maps each registry name to an :class:`Example`: how to build a
configured instance, which samples it takes (a hypothesis strategy plus a fixed
reference sample) and which parameters and data it must reject. The tables
live one module per area (``core``, ``image_geometric``, ``image_pixel``,
``image_batch``...) and are merged here. The test suite parametrises over
:func:`multiaug.registered`, so a new transform without an entry fails the
suite instead of silently skipping it (scikit-learn's
``parametrize_with_checks``, albumentations' ``check_all_augs_exists``).

This package needs the ``dev`` extra (hypothesis).
"""

from __future__ import annotations

from . import audio, core, image_batch, image_boxes, image_geometric, image_pixel, tabular, text
from .checks import (
    BAD_IMAGE_SAMPLES,
    CHECKS,
    Example,
    assert_samples_equal,
    image_example,
    image_samples,
    keyed_digests,
    reference_image_sample,
    sample_digest,
    with_defaults,
)

__all__ = [
    "BAD_IMAGE_SAMPLES",
    "CHECKS",
    "EXAMPLES",
    "Example",
    "assert_samples_equal",
    "image_example",
    "image_samples",
    "keyed_digests",
    "reference_image_sample",
    "sample_digest",
    "with_defaults",
]


def _merge(*tables: dict[str, Example]) -> dict[str, Example]:
    merged: dict[str, Example] = {}
    for table in tables:
        dup = set(merged) & set(table)
        if dup:
            raise ValueError(f"transforms listed twice in the example tables: {sorted(dup)}")
        merged.update(table)
    return merged


EXAMPLES: dict[str, Example] = _merge(
    core.examples(),
    image_geometric.examples(),
    image_pixel.examples(),
    image_batch.examples(),
    image_boxes.examples(),
    text.examples(),
    audio.examples(),
    tabular.examples(),
)
