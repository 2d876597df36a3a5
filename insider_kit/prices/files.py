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

import csv
import re
import zlib
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..days import DATE_MAX, DATE_MIN, new_york_dates, parse_dates
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
    except (pd.errors.EmptyDataError, csv.Error) as exc:
        if path.stat().st_size == 0 or isinstance(exc, pd.errors.EmptyDataError):
            raise DataError("file is empty (no header, no rows)", path=path) from exc
        raise DataError(f"cannot read as a table ({exc})", path=path) from exc
    except (ValueError, OSError, EOFError, zlib.error, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read as a table ({type(exc).__name__}: {exc})", path=path) from exc


def _find(cols: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.lower().strip(): c for c in cols}
    for n in names:
        if n in low:
            return low[n]
    return None


DateOrder = Literal["auto", "ymd", "mdy", "dmy"]
_SLASHED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")


def _dates(s: pd.Series, path: Path, col: str, order: DateOrder = "auto") -> pd.DatetimeIndex:
    """Trading dates of a price file, refused rather than guessed when they are ambiguous.

    ISO dates (with a time and a UTC offset, as yfinance writes them: the offset may change across a DST
    change, and each value is converted to its New York date), 8-digit integers ``YYYYMMDD`` (CRSP), and
    ``NN/NN/YYYY`` only when *order* says ``mdy`` or ``dmy`` (or the values decide it: a first field above 12
    is a day).  Every date goes through the kit's bounded parser (:func:`insider_kit.days.parse_dates`).
    """
    if pd.api.types.is_integer_dtype(s) or (s.dtype == object and s.dropna().astype(str).str.fullmatch(r"\d{8}").all()):
        d = parse_dates(s.astype("Int64").astype(str), ("%Y%m%d",))
    elif pd.api.types.is_datetime64_any_dtype(s):
        d = pd.Series(new_york_dates(s), index=s.index)
    else:
        txt = s.astype("string").str.strip()
        slashed = txt.str.extract(_SLASHED)
        if slashed[0].notna().any():
            a = pd.to_numeric(slashed[0], errors="coerce")
            b = pd.to_numeric(slashed[1], errors="coerce")
            if order == "auto":
                if (a > 12).any() and not (b > 12).any():
                    order = "dmy"
                elif (b > 12).any() and not (a > 12).any():
                    order = "mdy"
                else:
                    ex = txt[slashed[0].notna()].iloc[0]
                    raise DataError(f"column {col!r}: dates like {ex!r} can be read day-first or month-first",
                                    path=path, hint="say which: date_order='mdy' or 'dmy'")
            fmt = "%m/%d/%Y" if order == "mdy" else "%d/%m/%Y"
            d = parse_dates(txt.str.replace(r"[.\-]", "/", regex=True), (fmt,))
        elif txt.str.contains(r"[+-]\d{2}:?\d{2}$|Z$", regex=True).fillna(False).any():
            utc = pd.to_datetime(txt, errors="coerce", utc=True, format="ISO8601")
            d = pd.Series(new_york_dates(utc), index=s.index)
            d = d.where((d >= DATE_MIN) & (d <= DATE_MAX))
        else:
            d = parse_dates(txt.str[:19], ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d"))
    bad = d.isna() & s.notna()
    if bad.any():
        raise DataError(f"column {col!r}: {int(bad.sum())} unparseable date(s) (or impossible ones), e.g. {s[bad].iloc[0]!r}",
                        path=path)
    return pd.DatetimeIndex(d).normalize()


def _tickers(raw: pd.Index | pd.Series, path: Path) -> list[str]:
    """Column or row tickers through the kit's one ticker rule; junk (``N/A``, empty, ``nan``) and two spellings
    of one ticker (``AAA`` and ``aaa``) are refused with the file named."""
    vals = [str(t) for t in raw]
    norm = [normalise_ticker(t) for t in vals]
    junk = sorted({v for v, n in zip(vals, norm, strict=True) if n is None})
    if junk:
        raise DataError(f"not a ticker: {', '.join(map(repr, junk[:5]))}", path=path,
                        hint="remove those columns/rows or give them a symbol")
    return [n for n in norm if n is not None]


def _numeric(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    out = df.apply(pd.to_numeric, errors="coerce")
    bad = out.isna() & df.notna() & (df.astype(str).apply(lambda c: c.str.strip()) != "")
    if bad.to_numpy().any():
        col = bad.any().idxmax()
        raise DataError(f"column {col!r}: non-numeric value(s), e.g. {df.loc[bad[col], col].iloc[0]!r}", path=path)
    return out.astype(float)


def read_price_file(path: str | Path, *, layout: Literal["auto", "long", "wide"] = "auto", sep: str | None = None,
                    decimal: str = ".", ticker: str | None = None,
                    date_order: DateOrder = "auto") -> tuple[pd.DataFrame, Literal["price", "return"]]:
    """Read a price/returns file into a wide frame (DatetimeIndex x ticker columns).

    A single instrument's OHLC file (columns Open/High/Low/Close[/Adj Close])
    gives one column named *ticker* (default: the file name's stem).

    Raises
    ------
    DataError
        Naming the file and the column: no date column, no value column,
        unparseable dates, duplicate dates, non-numeric values.

    Parameters
    ----------
    path
        A CSV/Parquet file (``.gz`` allowed).
    layout
        ``"long"`` (date, ticker, value), ``"wide"`` (date, one column per ticker), or ``"auto"``.
    sep, decimal
        CSV separator (sniffed when None) and decimal mark.
    ticker
        The instrument of a single-instrument file (default: the file's stem).
    date_order
        For ``NN/NN/YYYY`` dates: ``"mdy"``, ``"dmy"``, or ``"auto"`` (refused when the values do not decide).

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The wide frame and whether it holds ``"price"`` or ``"return"`` values.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import insider_kit as ik
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "AAA.csv"
    >>> _ = f.write_text("Date,Open,High,Low,Close,Adj Close,Volume\\n2024-01-02,10,11,9,10.5,10.4,100\\n"
    ...                  "2024-01-03,10.5,11,10,10.8,10.7,120\\n")
    >>> frame, kind = ik.read_price_file(f)
    >>> frame.columns.tolist(), kind
    (['AAA'], 'price')
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
        long = pd.DataFrame({"date": _dates(df[dcol], path, dcol, date_order),
                             "ticker": _tickers(df[tcol].astype(str).str.strip(), path) if tcol.lower() != "permno"
                             else df[tcol].astype(str).str.strip().to_numpy(),
                             "v": vals})
        dup = long.duplicated(["date", "ticker"])
        if dup.any():
            r = long[dup].iloc[0]
            raise DataError(f"duplicate date {r['date']:%Y-%m-%d} for ticker {r['ticker']} ({int(dup.sum())} duplicates)", path=path)
        wide = long.pivot(index="date", columns="ticker", values="v").sort_index()
    elif {"open", "close"} <= {c.lower().strip() for c in cols}:
        # one instrument's OHLC file (e.g. a yfinance download of ^GSPC): take Adj Close, else Close
        idx = _dates(df[dcol], path, dcol, date_order)
        if idx.duplicated().any():
            raise DataError(f"duplicate date {idx[idx.duplicated()][0]:%Y-%m-%d} in column {dcol!r}", path=path)
        vcol = _find(cols, ("adj close", "adj_close", "adjclose", "close"))
        assert vcol is not None
        name = ticker or (normalise_ticker(path.name.split(".")[0]) or path.name.split(".")[0].upper())
        wide = _numeric(df[[vcol]], path).set_axis([name], axis=1)
        wide.index = idx
        wide = wide.sort_index()
        kind = "price"
    else:
        idx = _dates(df[dcol], path, dcol, date_order)
        if idx.duplicated().any():
            raise DataError(f"duplicate date {idx[idx.duplicated()][0]:%Y-%m-%d} in column {dcol!r}", path=path)
        body = df.drop(columns=[dcol])
        body = body.loc[:, [c for c in body.columns if not c.lower().startswith("unnamed")]]
        if body.shape[1] == 0:
            raise DataError("wide layout has a date column but no ticker columns", path=path)
        wide = _numeric(body, path)
        wide.index = idx
        if all(str(c).lower().strip() in _RET for c in wide.columns) and wide.shape[1] == 1:
            # one series of returns (a market index file): named after the file, as an OHLC file is
            wide.columns = [ticker or (normalise_ticker(path.name.split(".")[0]) or "MARKET")]
            wide.index.name, wide.columns.name = "date", "ticker"
            return wide.sort_index(), "return"
        names = _tickers(pd.Index(wide.columns), path)
        twice = [n for k, n in enumerate(names) if n in names[:k]]
        if twice:
            raise DataError(f"ticker {twice[0]} appears twice (columns differing only in case or punctuation)", path=path)
        wide.columns = names
        wide = wide.sort_index()
        kind = "price"
    wide.index.name = "date"
    wide.columns.name = "ticker"
    return wide, kind
