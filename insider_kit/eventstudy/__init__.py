"""Event-study engine, test statistics, comparisons, calendar-time portfolios and results."""

from __future__ import annotations

from .calendar import CalendarTimeResult, calendar_time, portfolio_returns
from .compare import Comparison, compare
from .engine import DEFAULT_CAR_WINDOWS, event_study
from .results import EventStudyResult
from .simulate import simulate_power

__all__ = ["DEFAULT_CAR_WINDOWS", "CalendarTimeResult", "Comparison", "EventStudyResult", "calendar_time", "compare",
           "event_study", "portfolio_returns", "simulate_power"]
