"""insider-kit: event studies of SEC insider trades.

Is insider buying a stronger signal than insider selling, and when does selling
matter after all?  Load SEC Form 4 filings and daily prices, build events,
run event studies, render reports.
"""

from __future__ import annotations

__version__ = "0.2.0"

from ._numba_cache import ensure_numba_cache

ensure_numba_cache()  # (before numba is imported: a writable cache for the kernels under any account)

from .claims import run_ledger  # noqa: E402
from .errors import ConfigError, DataError, InsiderKitError, NetworkError  # noqa: E402
from .events import build_events  # noqa: E402
from .eventstudy import (  # noqa: E402
    CalendarTimeResult,
    Comparison,
    EventStudyResult,
    calendar_time,
    car_regression,
    compare,
    event_study,
)
from .filings import build_tidy, load_owners, load_transactions, parse_form4, read_quarter  # noqa: E402
from .prices import load_factors, load_prices, read_price_file, returns_panel  # noqa: E402
from .signals import SignalParams, net_purchase_ratio  # noqa: E402
from .study import Study, load_study  # noqa: E402

__all__ = [
    "CalendarTimeResult",
    "Comparison",
    "ConfigError",
    "DataError",
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
    "event_study",
    "load_factors",
    "load_owners",
    "load_prices",
    "load_study",
    "load_transactions",
    "net_purchase_ratio",
    "parse_form4",
    "read_price_file",
    "read_quarter",
    "returns_panel",
    "run_ledger",
]
