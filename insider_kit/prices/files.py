"""Bring-your-own price files: long or wide CSV/Parquet, and CRSP-style returns.

Accepted layouts
----------------
* **long**: one row per (date, ticker) with ``adj_close`` (or ``close``/``price``) or ``ret``;
  CRSP style ``date, permno|ticker, ret, dlret`` is accepted and delisting
  returns are compounded in: ``(1+ret)(1+dlret)-1``.
* **wide**: a ``Date`` column and one column per ticker (a yfinance download saved to CSV).

The result is always a wide ``dates x tickers`` frame plus its kind
(``'price'`` or ``'return'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ..tickers import normalise_ticker

__all__ = ["read_price_file"]

_DATE = ("date", "datetime", "timestamp", "day")
_TICK = ("ticker", "symbol", "permno", "tic")
_PRICE = ("adj_close", "adj close", "adjclose", "adjusted_close", "close", "price", "prc")
_RET = ("ret", "return", "returns")


def _read_any(path: Path, sep: str | None, decimal: str) -> pd.DataFrame:
    if not path.exists():
        raise DataError("file not found", path=path)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path, sep=sep, engine="python" if sep is None else "c", decimal=decimal,
                           compression="infer")
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read as a table: {exc}", path=path) from exc


def _find(cols: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.lower().strip(): c for c in cols}
    for n in names:
        if n in low:
            return low[n]
    return None


def _dates(s: pd.Series, path: Path, col: str) -> pd.DatetimeIndex:
    d = pd.to_datetime(s, errors="coerce", utc=False, format="mixed") if s.dtype == object else pd.to_datetime(s, errors="coerce")
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_localize(None)
    bad = d.isna() & s.notna()
    if bad.any():
        raise DataError(f"column {col!r}: {int(bad.sum())} unparseable date(s), e.g. {s[bad].iloc[0]!r}", path=path)
    return pd.DatetimeIndex(d).normalize()


def _numeric(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    out = df.apply(pd.to_numeric, errors="coerce")
    bad = out.isna() & df.notna() & (df.astype(str).apply(lambda c: c.str.strip()) != "")
    if bad.to_numpy().any():
        col = bad.any().idxmax()
        raise DataError(f"column {col!r}: non-numeric value(s), e.g. {df.loc[bad[col], col].iloc[0]!r}", path=path)
    return out.astype(float)


def read_price_file(path: str | Path, *, layout: Literal["auto", "long", "wide"] = "auto", sep: str | None = None,
                    decimal: str = ".", ticker: str | None = None) -> tuple[pd.DataFrame, Literal["price", "return"]]:
    """Read a price/returns file into a wide frame (DatetimeIndex x ticker columns).

    A single instrument's OHLC file (columns Open/High/Low/Close[/Adj Close])
    gives one column named *ticker* (default: the file name's stem).

    Raises
    ------
    DataError
        Naming the file and the column: no date column, no value column,
        unparseable dates, duplicate dates, non-numeric values.
    """
    path = Path(path)
    df = _read_any(path, sep, decimal)
    if df.empty:
        raise DataError("file has no rows", path=path)
    if isinstance(df.index, pd.DatetimeIndex):
        df = df.reset_index()
    cols = [str(c) for c in df.columns]
    df.columns = cols
    dcol = _find(cols, _DATE)
    if dcol is None:
        raise DataError(f"no date column (looked for {', '.join(_DATE)}); columns are {cols[:8]}", path=path)
    tcol = _find(cols, _TICK)
    is_long = layout == "long" or (layout == "auto" and tcol is not None)
    kind: Literal["price", "return"]
    if is_long:
        if tcol is None:
            raise DataError(f"long layout needs a ticker column ({', '.join(_TICK)})", path=path)
        pcol, rcol = _find(cols, _PRICE), _find(cols, _RET)
        if pcol is None and rcol is None:
            raise DataError(f"no value column: expected one of {', '.join(_PRICE + _RET)}; columns are {cols}", path=path)
        vcol = pcol or rcol
        assert vcol is not None
        kind = "price" if pcol else "return"
        vals = _numeric(df[[vcol]], path)[vcol]
        dl = _find(cols, ("dlret",))
        if kind == "return" and dl is not None:
            dlr = _numeric(df[[dl]], path)[dl]
            vals = np.where(dlr.notna(), (1 + vals.fillna(0.0)) * (1 + dlr) - 1, vals)  # type: ignore[assignment]
        long = pd.DataFrame({"date": _dates(df[dcol], path, dcol),
                             "ticker": df[tcol].astype(str).map(lambda t: normalise_ticker(t) or str(t).strip()),
                             "v": vals})
        dup = long.duplicated(["date", "ticker"])
        if dup.any():
            r = long[dup].iloc[0]
            raise DataError(f"duplicate date {r['date']:%Y-%m-%d} for ticker {r['ticker']} ({int(dup.sum())} duplicates)", path=path)
        wide = long.pivot(index="date", columns="ticker", values="v").sort_index()
    elif {"open", "close"} <= {c.lower().strip() for c in cols}:
        # one instrument's OHLC file (e.g. a yfinance download of ^GSPC): take Adj Close, else Close
        idx = _dates(df[dcol], path, dcol)
        if idx.duplicated().any():
            raise DataError(f"duplicate date {idx[idx.duplicated()][0]:%Y-%m-%d} in column {dcol!r}", path=path)
        vcol = _find(cols, ("adj close", "adj_close", "adjclose", "close"))
        assert vcol is not None
        name = ticker or path.name.split(".")[0].upper()
        wide = _numeric(df[[vcol]], path).set_axis([name], axis=1)
        wide.index = idx
        wide = wide.sort_index()
        kind = "price"
    else:
        idx = _dates(df[dcol], path, dcol)
        if idx.duplicated().any():
            raise DataError(f"duplicate date {idx[idx.duplicated()][0]:%Y-%m-%d} in column {dcol!r}", path=path)
        body = df.drop(columns=[dcol])
        body = body.loc[:, [c for c in body.columns if not c.lower().startswith("unnamed")]]
        if body.shape[1] == 0:
            raise DataError("wide layout has a date column but no ticker columns", path=path)
        wide = _numeric(body, path)
        wide.index = idx
        wide.columns = [normalise_ticker(c) or c for c in wide.columns]
        wide = wide.sort_index()
        kind = "price"
    wide.index.name = "date"
    wide.columns.name = "ticker"
    return wide, kind
