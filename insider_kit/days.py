"""The day-0 rules, in one place: when a filing became public, and which trading day an event starts on.

* **Public date** of a filing: the SEC's filing date, or the next calendar day when EDGAR accepted the
  filing after 16:00 New York time (an outside investor could act on it only the next morning).  Quarterly
  data sets carry no acceptance time, so their public date is the filing date.
* **Day 0** of an event: the first trading day on or after its date (an event dated on a weekend or a
  holiday starts on the next trading day).  Dates with a time zone are first converted to New York dates,
  so ``2024-03-01 02:00+01:00`` (still 29 February in New York) starts on 29 February's trading day.

Both rules are used by events, signals, the engine, calendar-time portfolios and the ledger; nothing
else in the kit re-implements them.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd

__all__ = ["AFTER_HOURS", "DATE_MAX", "DATE_MIN", "NEW_YORK", "day_index", "midnight_table", "new_york_dates", "parse_date",
           "parse_dates", "public_date"]

#: EDGAR acceptances at or after this hour (New York) become public the next day.
AFTER_HOURS = 16
#: The exchange time zone that decides the public date.
NEW_YORK = "America/New_York"
_DAY = np.int64(86_400 * 10**9)


def new_york_dates(values: pd.Series | pd.Index | np.ndarray | list[object]) -> np.ndarray:
    """Datetimes as naive ``datetime64[ns]`` New York wall-clock values (a time-zone-aware input is converted
    to New York first; a naive one is taken as New York already).

    Parameters
    ----------
    values
        Datetime-like values or ISO strings.

    Returns
    -------
    numpy.ndarray
        ``datetime64[ns]`` values (NaT for missing ones).

    Examples
    --------
    >>> new_york_dates(pd.Series(pd.to_datetime(["2024-03-01 02:00"]).tz_localize("Europe/Paris")))
    array(['2024-02-29T20:00:00.000000000'], dtype='datetime64[ns]')
    """
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[ns]", copy=False)
    if isinstance(values, (pd.Series, pd.Index)):
        dt = values.dtype
        if isinstance(dt, pd.DatetimeTZDtype):
            s = pd.Series(values).dt.tz_convert(NEW_YORK).dt.tz_localize(None)
            return s.to_numpy("datetime64[ns]")
        if getattr(dt, "kind", "") == "M":
            return values.to_numpy("datetime64[ns]")  # already dates (the usual case): skip to_datetime's inference
    with warnings.catch_warnings():  # pandas' "could not infer format" note: the strings are parsed anyway
        warnings.simplefilter("ignore", UserWarning)
        parsed = pd.to_datetime(pd.Series(values) if not isinstance(values, pd.Series) else values)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert(NEW_YORK).dt.tz_localize(None)
    return parsed.to_numpy("datetime64[ns]")


def public_date(filing_date: pd.Series, accepted_at: pd.Series | None = None) -> pd.Series:
    """The first calendar day a filing was public (module docstring): the filing date, or the next day when
    *accepted_at* (any time zone; converted to New York) is at or after 16:00.

    Parameters
    ----------
    filing_date
        The SEC's filing dates.
    accepted_at
        EDGAR's acceptance timestamps (missing for the quarterly data sets: the public date is then the
        filing date).

    Returns
    -------
    pandas.Series
        Midnight timestamps, on *filing_date*'s index.

    Examples
    --------
    >>> fd = pd.Series(pd.to_datetime(["2024-03-01", "2024-03-01"]))
    >>> acc = pd.Series(pd.to_datetime(["2024-03-01 15:59", "2024-03-01 16:00"]).tz_localize("America/New_York"))
    >>> public_date(fd, acc).dt.strftime("%Y-%m-%d").tolist()
    ['2024-03-01', '2024-03-02']
    """
    d = pd.Series(new_york_dates(filing_date), index=filing_date.index)
    if accepted_at is not None and accepted_at.notna().any():
        acc = accepted_at
        if not isinstance(acc.dtype, pd.DatetimeTZDtype):
            acc = pd.to_datetime(acc, utc=True)
        hours = acc.dt.tz_convert(NEW_YORK).dt.hour
        after = (acc.notna() & (hours >= AFTER_HOURS)).to_numpy(bool)
        d = d.where(~after, d + pd.Timedelta(days=1))
    return d.dt.normalize()


def midnight_table(cal: np.ndarray) -> tuple[int, np.ndarray] | None:
    """For a calendar of midnights (``datetime64[ns]``) spanning under 200,000 days: its first day number and,
    for every calendar day from there to its last, the index of the first trading day on or after it (None
    for other calendars: :func:`day_index` then searches).

    Parameters
    ----------
    cal
        The trading days, sorted, as ``datetime64[ns]``.

    Returns
    -------
    tuple of (int, numpy.ndarray) or None
        The first day's number (days since 1970-01-01) and the lookup table.

    Examples
    --------
    >>> first, tab = midnight_table(pd.DatetimeIndex(["2024-03-01", "2024-03-04"]).to_numpy())
    >>> tab.tolist()  # Friday, Saturday, Sunday, Monday
    [0, 1, 1, 1]
    """
    ci = cal.view(np.int64)
    if not len(ci) or (ci % _DAY).any() or (ci[-1] - ci[0]) // _DAY >= 200_000:
        return None
    first = int(ci[0] // _DAY)
    span = int(ci[-1] // _DAY - first) + 1
    return first, np.searchsorted(cal, (first + np.arange(span)) * _DAY)


def day_index(calendar: pd.DatetimeIndex, dates: pd.Series | pd.DatetimeIndex | np.ndarray | list[object], *,
              table: tuple[int, np.ndarray] | None = None) -> np.ndarray:
    """Index of day 0 for each date: the first trading day of *calendar* on or after it (``len(calendar)``
    when beyond the last, or when the date is missing).

    Parameters
    ----------
    calendar
        The trading days, sorted.
    dates
        Event dates (datetime-like or ISO strings; time-zone-aware values are converted to New York dates).
    table
        The calendar's :func:`midnight_table` when the caller keeps one (a gather instead of a binary search
        per date; built here for large inputs).

    Returns
    -------
    numpy.ndarray
        Integer positions in *calendar*.

    Examples
    --------
    >>> cal = pd.DatetimeIndex(["2024-03-01", "2024-03-04"])  # a Friday and the Monday after
    >>> day_index(cal, pd.Series(pd.to_datetime(["2024-03-02", "2024-03-04", "2024-03-05"]))).tolist()
    [1, 1, 2]
    """
    d = new_york_dates(dates)
    cal = calendar.to_numpy("datetime64[ns]")
    if table is None and len(d) > 10_000:
        table = midnight_table(cal)
    nat = np.isnat(d)
    if table is not None:
        first, tab = table
        span = len(tab)
        di = d.view(np.int64)
        up = -(-di // _DAY) - first  # a date with a time of day counts from the next midnight
        out = np.where(up < 0, 0, len(cal))
        inside = (up >= 0) & (up < span) & ~nat
        out[inside] = tab[up[inside]]
        out[nat] = len(cal)
        return out
    out = np.searchsorted(cal, d, side="left")
    if nat.any():
        out[nat] = len(cal)
    return out


#: The range of dates the kit accepts from any file (anything outside is a typo or a corrupted field).
DATE_MIN = pd.Timestamp("1900-01-01")
#: Latest date the parsers accept (later dates are data errors).
DATE_MAX = pd.Timestamp("2199-12-31")


def parse_dates(values: pd.Series, formats: tuple[str, ...] = ("%Y-%m-%d",), *, normalize: bool = True) -> pd.Series:
    """The one bounded date parser for every date read from a file.

    Each value is tried in *formats* in order (strftime codes; ``"%Y%m%d"`` for 8-digit integers such as
    CRSP dates); a value that fits none, names an impossible day (``2024-02-30``, month 13), or lies outside
    ``DATE_MIN .. DATE_MAX`` is NaT — never an exception, never a date pandas cannot hold.

    Parameters
    ----------
    values
        The text values.
    formats
        strftime formats, tried in order.
    normalize
        Drop the time of day.

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` values on *values*' index.

    Examples
    --------
    >>> parse_dates(pd.Series(["05-MAR-2024", "31-FEB-2024", "01-JAN-0001"]), ("%d-%b-%Y",)).tolist()
    [Timestamp('2024-03-05 00:00:00'), NaT, NaT]
    """
    # (Arrow-backed text: stripped in Arrow, not value by value)
    s = (values if isinstance(values.dtype, pd.StringDtype) else values.astype("string[pyarrow]")).str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = s.notna() & (s != "")
    for fmt in formats:
        if not todo.any():
            break
        got = pd.to_datetime(s[todo], format=fmt, errors="coerce")
        ok = got.notna()
        out.loc[got.index[ok]] = got[ok]
        todo.loc[got.index[ok]] = False
    bad = out.notna() & ((out < DATE_MIN) | (out > DATE_MAX))
    out[bad] = pd.NaT
    return out.dt.normalize() if normalize else out


def parse_date(value: str | None, formats: tuple[str, ...] = ("%Y-%m-%d",)) -> pd.Timestamp | None:
    """:func:`parse_dates` for one value (None when it does not parse): the same formats and bounds, without
    pandas' per-call overhead (a Form 4 has several dates per row; the few thousand distinct ones are
    remembered).

    Parameters
    ----------
    value
        The text.
    formats
        strftime formats, tried in order.

    Returns
    -------
    pandas.Timestamp or None
        The date at midnight.

    Examples
    --------
    >>> parse_date("2024-03-05"), parse_date("2024-02-30")
    (Timestamp('2024-03-05 00:00:00'), None)
    """
    if value is None:
        return None
    return _parse_date(value.strip(), formats)


@functools.lru_cache(maxsize=100_000)
def _parse_date(v: str, formats: tuple[str, ...]) -> pd.Timestamp | None:
    from datetime import datetime

    for fmt in formats:
        try:
            d = datetime.strptime(v, fmt)
        except ValueError:
            continue
        if not (DATE_MIN.year <= d.year <= DATE_MAX.year):
            return None
        return pd.Timestamp(d.year, d.month, d.day)
    return None
