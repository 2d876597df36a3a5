"""Event-study engine, test statistics and results."""

from __future__ import annotations

from .engine import DEFAULT_CAR_WINDOWS, event_study
from .results import EventStudyResult

__all__ = ["DEFAULT_CAR_WINDOWS", "EventStudyResult", "event_study"]
