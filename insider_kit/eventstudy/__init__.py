"""Event-study engine, test statistics, comparisons, CAR regressions, calendar-time portfolios and results."""

from __future__ import annotations

from .calendar import CalendarTimeResult, calendar_time, portfolio_returns
from .compare import Comparison, compare
from .engine import DEFAULT_CAR_WINDOWS, Model, event_study
from .regression import CarRegression, RegressionTable, car_regression, regression_table
from .results import EventStudyResult, window_label
from .simulate import simulate_power

__all__ = [
    "DEFAULT_CAR_WINDOWS",
    "CalendarTimeResult",
    "CarRegression",
    "Comparison",
    "EventStudyResult",
    "Model",
    "RegressionTable",
    "calendar_time",
    "car_regression",
    "compare",
    "event_study",
    "portfolio_returns",
    "regression_table",
    "simulate_power",
    "window_label",
]
