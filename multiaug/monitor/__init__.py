"""Monitoring a pipeline: ``ma.profile`` (what each transform did) and drift between profiles."""

from __future__ import annotations

from .drift import Drift, DriftReport, compare
from .profile import Profile, profile
from .record import Recorder, profiled_call

__all__ = ["Drift", "DriftReport", "Profile", "Recorder", "compare", "profile", "profiled_call"]
