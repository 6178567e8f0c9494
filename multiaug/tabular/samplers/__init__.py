"""imbalanced-learn's over-samplers with multiaug seeds, configs, pandas round trips and provenance.

Each class *is* the imbalanced-learn sampler of the same name (it inherits it), so the
algorithm, the ``sampling_strategy`` semantics and the validation are imbalanced-learn's own;
multiaug adds:

* ``seed`` instead of ``random_state``: the sampler hands imbalanced-learn the 32-bit
  ``random_state`` given by :func:`random_state` (``seed=None``: OS entropy drawn once per
  object and kept in its pickles and deep copies), so
  ``SMOTE(seed=s)`` gives exactly ``imblearn.over_sampling.SMOTE(random_state=random_state(s))``;
* registry name, ``to_config``/``from_config`` and ``fingerprint`` like every transform;
* pandas in -> pandas out with column names, order and dtypes kept, integer columns rounded,
  ``category``/``object``/``string``/``bool`` columns routed to SMOTE-NC;
* ``provenance_``: for every output row its source row (an int) or, for an interpolated row,
  the pair ``(base, neighbour)`` of rows it lies between;
* ``trace_``: the JSON-able record of what the call did;
* ``InvalidInputError`` (naming the sampler, the field and the fix) for bad input.

``fit_resample`` is multiaug's one dataset template (:class:`multiaug.sampling.Resampler`);
:mod:`.base` holds what every sampler shares, one module per family holds the samplers
(:mod:`.smote`, :mod:`.smote_variants`, :mod:`.adasyn`, :mod:`.random_over`, and
:mod:`.combine` for SMOTE followed by a cleaning under-sampler).
"""

from __future__ import annotations

from .adasyn import ADASYN
from .base import TabularSampler, random_state
from .combine import SMOTEENN, SMOTETomek
from .random_over import RandomOverSampler
from .smote import SMOTE, SMOTENC, BorderlineSMOTE
from .smote_variants import SMOTEN, SVMSMOTE, KMeansSMOTE

__all__ = [
    "ADASYN",
    "SMOTE",
    "SMOTEENN",
    "SMOTEN",
    "SMOTENC",
    "SVMSMOTE",
    "BorderlineSMOTE",
    "KMeansSMOTE",
    "RandomOverSampler",
    "SMOTETomek",
    "TabularSampler",
    "random_state",
]
