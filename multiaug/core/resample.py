"""Former home of the list ``fit_resample`` (now :mod:`multiaug.sampling.lists`); kept as an import path."""

from ..sampling.lists import augment_copies, copy_key
from ..sampling.lists import item_field as _infer_field  # noqa: F401  (dataset jobs import it)

__all__ = ["augment_copies", "copy_key"]
