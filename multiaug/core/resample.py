"""Former home of the list ``fit_resample`` (now :mod:`multiaug.sampling.lists`); kept as an import path."""

from ..sampling.lists import augment_copies, copy_key

__all__ = ["augment_copies", "copy_key"]
