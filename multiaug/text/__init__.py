"""Text augmentation (``ma.text``): tokenizer, WordNet synonyms, EDA ops, back-translation."""

from __future__ import annotations

__all__: list[str] = []
