"""Pure kernels of the split guard: content hashes and sub-quadratic near-duplicate search.

Every near-duplicate finder takes the items of *one* pool (the training and validation items
concatenated, or the one set being split) and an optional ``side`` array; with ``side`` given
only pairs whose two items lie on different sides are returned. A finder returns
``(i, j, score)`` triples with ``i < j`` and a similarity ``score`` in [0, 1].

One module per modality (:mod:`.text`, :mod:`.table`, :mod:`.audio`, and :mod:`.image` with its
hashes, pixel checks and crop search in :mod:`.image_hash`, :mod:`.image_verify` and
:mod:`.image_crop`) over the shared pieces of :mod:`.common` (content hashes, LSH banding,
sorted-key lookups).
"""

from __future__ import annotations

from .audio import AudioPrint, audio_fingerprint, audio_pairs
from .common import Pair, bucket_pairs, item_hash, row_hashes
from .image import image_pairs
from .image_verify import VerifiedCache
from .image_warp import low_detail
from .table import table_pairs
from .text import text_pairs, text_shingles

__all__ = [
    "AudioPrint",
    "Pair",
    "VerifiedCache",
    "audio_fingerprint",
    "audio_pairs",
    "bucket_pairs",
    "image_pairs",
    "item_hash",
    "low_detail",
    "row_hashes",
    "table_pairs",
    "text_pairs",
    "text_shingles",
]
