"""Former home of ``Oversample`` (now :mod:`multiaug.sampling.oversample`); kept as an import path."""

from ..sampling.oversample import Oversample
from ..sampling.strategy import SamplingStrategy, class_key

__all__ = ["Oversample", "SamplingStrategy", "class_key"]
