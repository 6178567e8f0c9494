"""Dataset-level operations: one ``fit_resample`` template for lists, tables and samplers.

``Compose.fit_resample`` on a list of samples (:class:`~multiaug.sampling.lists.Copies`),
:class:`Oversample`, ``ma.tabular.GaussianNoise.fit_resample`` and the ``ma.tabular`` samplers
all run :meth:`Resampler.fit_resample`: validate -> plan -> rows -> container restored ->
``provenance_`` (see :mod:`multiaug.sampling.base`).
"""

from __future__ import annotations

from .base import CopiesOf, Data, Resampler, check_copies, check_labels, check_samples
from .lists import Copies, ListResampler, augment_copies, copy_key, item_field, item_key
from .oversample import Oversample
from .strategy import MAX_COUNT, SamplingStrategy, class_key, rows_to_add

__all__ = [
    "MAX_COUNT",
    "Copies",
    "CopiesOf",
    "Data",
    "ListResampler",
    "Oversample",
    "Resampler",
    "SamplingStrategy",
    "augment_copies",
    "check_copies",
    "check_labels",
    "check_samples",
    "class_key",
    "copy_key",
    "item_field",
    "item_key",
    "rows_to_add",
]
