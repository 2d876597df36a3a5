"""An NYSE trading calendar (weekends and the exchange's full-day holidays) for the teaching market."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

__all__ = ["nyse_holidays", "nyse_trading_days"]


def _easter(y: int) -> date:
    a, b, c = y % 19, y // 100, y % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(y, month, day)


def _nth(y: int, month: int, weekday: int, n: int) -> date:
    d = date(y, month, 1)
    d += timedelta(days=(weekday - d.weekday()) % 7)
    return d + timedelta(weeks=n - 1)


def _last(y: int, month: int, weekday: int) -> date:
    d = date(y, month + 1, 1) - timedelta(days=1) if month < 12 else date(y, 12, 31)
    return d - timedelta(days=(d.weekday() - weekday) % 7)


def _observed(d: date) -> date:
    return d - timedelta(days=1) if d.weekday() == 5 else d + timedelta(days=1) if d.weekday() == 6 else d


def nyse_holidays(y: int) -> set[date]:
    """NYSE full-day holidays of year *y* (rules in force since 2022 incl. Juneteenth).

    Parameters
    ----------
    y
        The year.

    Returns
    -------
    set of datetime.date
        The holidays (observed dates: a Saturday holiday on the Friday, a Sunday one on the Monday).

    Examples
    --------
    >>> from datetime import date
    >>> date(2024, 7, 4) in nyse_holidays(2024), date(2024, 3, 29) in nyse_holidays(2024)  # Good Friday
    (True, True)
    """
    h = {
        _nth(y, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth(y, 2, 0, 3),  # Washington's Birthday
        _easter(y) - timedelta(days=2),  # Good Friday
        _last(y, 5, 0),  # Memorial Day
        _observed(date(y, 7, 4)),
        _nth(y, 9, 0, 1),  # Labor Day
        _nth(y, 11, 3, 4),  # Thanksgiving
        _observed(date(y, 12, 25)),
    }
    ny = date(y, 1, 1)
    if ny.weekday() != 5:  # NYSE does not observe a Saturday New Year on the Friday before
        h.add(_observed(ny))
    if y >= 2022:
        h.add(_observed(date(y, 6, 19)))
    return h


def nyse_trading_days(start: str, end: str) -> pd.DatetimeIndex:
    """Weekdays between *start* and *end* that are not NYSE holidays.

    Parameters
    ----------
    start, end
        ISO dates, both included.

    Returns
    -------
    pandas.DatetimeIndex
        The trading days.

    Examples
    --------
    >>> nyse_trading_days("2024-07-01", "2024-07-08").strftime("%m-%d").tolist()
    ['07-01', '07-02', '07-03', '07-05', '07-08']
    """
    days = pd.bdate_range(start, end)
    hol = set().union(*(nyse_holidays(y) for y in range(days[0].year, days[-1].year + 1)))
    return days[~days.to_series().dt.date.isin(hol).to_numpy()]
