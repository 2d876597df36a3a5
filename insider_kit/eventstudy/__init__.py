"""Event-study engine, test statistics, comparisons, CAR regressions, calendar-time portfolios and results."""

from __future__ import annotations

from .calendar import CalendarTimeResult, TradedPortfolio, calendar_time, portfolio_returns, traded_portfolio
from .compare import Comparison, compare
from .dose import DoseResponse, dose_response, monotonic_relation_test
from .engine import DEFAULT_CAR_WINDOWS, Model, event_study
from .regression import CarRegression, car_regression
from .results import EventStudyResult, window_label
from .simulate import simulate_power

__all__ = [
    "DEFAULT_CAR_WINDOWS",
    "CalendarTimeResult",
    "CarRegression",
    "Comparison",
    "DoseResponse",
    "EventStudyResult",
    "Model",
    "TradedPortfolio",
    "calendar_time",
    "car_regression",
    "compare",
    "dose_response",
    "event_study",
    "monotonic_relation_test",
    "portfolio_returns",
    "simulate_power",
    "traded_portfolio",
    "window_label",
]
