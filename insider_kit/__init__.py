"""insider-kit: event studies of SEC insider trades.

Is insider buying a stronger signal than insider selling, and when does selling
matter after all?  Load SEC Form 4 filings and daily prices, build events,
run event studies, render reports.
"""

from __future__ import annotations

__version__ = "0.2.0"

from .claims import replicate, run_ledger
from .errors import ConfigError, DataError, InsiderKitError, NetworkError
from .events import build_events
from .eventstudy import (
    CalendarTimeResult,
    Comparison,
    DoseResponse,
    EventStudyResult,
    calendar_time,
    car_regression,
    compare,
    dose_response,
    event_study,
)
from .filings import build_tidy, load_owners, load_transactions, parse_form4, read_quarter
from .prices import load_factors, load_prices, read_price_file, returns_panel
from .signals import SignalParams, insider_track_record, net_purchase_ratio
from .study import Study, load_study

__all__ = [
    "CalendarTimeResult",
    "Comparison",
    "ConfigError",
    "DataError",
    "DoseResponse",
    "EventStudyResult",
    "InsiderKitError",
    "NetworkError",
    "SignalParams",
    "Study",
    "__version__",
    "build_events",
    "build_tidy",
    "calendar_time",
    "car_regression",
    "compare",
    "dose_response",
    "event_study",
    "insider_track_record",
    "load_factors",
    "load_owners",
    "load_prices",
    "load_study",
    "load_transactions",
    "net_purchase_ratio",
    "parse_form4",
    "read_price_file",
    "read_quarter",
    "replicate",
    "returns_panel",
    "run_ledger",
]
