"""The HTML helpers of the demo report under their former path (they live in :mod:`multiaug.demo.report`)."""

from __future__ import annotations

from .demo.report import *  # noqa: F403 - every public name of the former module
from .demo.report import __all__ as __all__
