"""Prices from what users already have: folders of per-ticker CSVs (as yfinance or Yahoo save them), wide
and long files, CRSP daily stock files (PERMNO, RET, DLRET with a PERMNO-ticker link), and a market index
given as a file of prices or of returns — written into a data directory's price cache.

Every imported series lands in ``raw/prices/<TICKER>.parquet`` (the cache layout, checksummed, with
``source: imported`` and the original file in its metadata), and the import is recorded in
``raw/imported/manifest.json``.  Returns are stored as a price index (the cumulative product of ``1 + r``),
from which the returns panel recovers them exactly; the first day's return is not kept (there is no price
before it).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .._io import atomic_write_text, safe_component
from ..config import DataPaths
from ..errors import DataError
from ..tickers import normalise_ticker
from .files import DateOrder, read_price_file
from .yf import write_cached

__all__ = ["MARKET_FILE", "import_prices", "imported_market"]

#: Where an imported market series is recorded, under ``raw/imported/``.
MARKET_FILE = "market.json"
_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq", ".txt")


def _files(inputs: list[str | Path]) -> list[Path]:
    out: list[Path] = []
    for i in inputs:
        p = Path(i)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.name.lower().endswith(_SUFFIXES))
            if not found:
                raise DataError("folder holds no price files (.csv, .csv.gz, .parquet)", path=p)
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise DataError("no such file or folder", path=p)
    return out


def _as_prices(wide: pd.DataFrame, kind: str) -> pd.DataFrame:
    if kind == "price":
        return wide
    return (1.0 + wide.fillna(0.0)).cumprod().where(wide.notna())


def imported_market(paths: DataPaths) -> str | None:
    """The market series a price import declared (``raw/imported/market.json``), else None.

    Parameters
    ----------
    paths
        The data directory.

    Returns
    -------
    str or None
        The market's ticker.

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> imported_market(paths("sample")) is None  # the teaching market names its index in truth.json
    True
    """
    f = paths.raw_imported / MARKET_FILE
    if not f.exists():
        return None
    try:
        return str(json.loads(f.read_text())["ticker"])
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"unreadable market declaration ({exc})", path=f) from exc


def import_prices(paths: DataPaths, inputs: list[str | Path], *, market: str | None = None,
                  link: str | Path | None = None, date_order: DateOrder = "auto") -> pd.DataFrame:
    r"""Import price files and folders into the price cache of *paths*.

    Parameters
    ----------
    paths
        The data directory.
    inputs
        Files (wide, long or CRSP) and folders of per-ticker files (a file's name is its ticker).
    market
        The market series: a ticker among the imported (or cached) prices, or a file of its prices or returns.
    link
        For CRSP files: a CSV with ``permno`` and ``ticker`` columns naming each PERMNO.
    date_order
        ``mdy`` or ``dmy`` when the files write dates as ``NN/NN/YYYY``.

    Returns
    -------
    pandas.DataFrame
        One row per ticker written: ``ticker, first, last, days, file``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from insider_kit.config import DataPaths
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "wide.csv").write_text("date,ACME,SPY\n2024-03-01,10.0,500\n2024-03-04,10.5,501\n")
    >>> done = import_prices(DataPaths(root / "data"), [root / "wide.csv"], market="SPY")
    >>> done[["ticker", "days"]].values.tolist()
    [['ACME', 2], ['SPY', 2]]
    >>> imported_market(DataPaths(root / "data"))
    'SPY'
    """
    permno_ticker = None
    if link is not None:
        lk = pd.read_csv(link, dtype=str)
        lk.columns = [c.strip().lower() for c in lk.columns]
        if not {"permno", "ticker"} <= set(lk.columns):
            raise DataError("the PERMNO link needs columns permno and ticker", path=link)
        permno_ticker = dict(zip(lk["permno"].str.strip(), lk["ticker"].map(normalise_ticker), strict=True))
    rows = []
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for f in _files(inputs):
        stem = f.name.split(".")[0]
        wide, kind = read_price_file(f, date_order=date_order, ticker=normalise_ticker(stem) or stem)
        if permno_ticker is not None:
            unknown = [c for c in wide.columns if c not in permno_ticker]
            if unknown:
                raise DataError(f"PERMNO(s) {unknown[:5]} are not in the link file", path=f)
            wide.columns = [permno_ticker[c] for c in wide.columns]
        px = _as_prices(wide, kind)
        for t in px.columns:
            s = px[t].dropna()
            if s.empty:
                continue
            name = safe_component(str(t), what="ticker")
            write_cached(paths.raw_prices / f"{name}.parquet", s,
                         {"source": "imported", "file": str(f.resolve()), "kind": kind, "imported_at": now,
                          "first": s.index[0].date().isoformat(), "last": s.index[-1].date().isoformat()})
            rows.append({"ticker": str(t), "first": s.index[0].date(), "last": s.index[-1].date(), "days": len(s),
                         "file": str(f)})
    out = pd.DataFrame(rows, columns=["ticker", "first", "last", "days", "file"])
    if market is not None:
        m = Path(market)
        if m.is_file():
            wide, kind = read_price_file(m, date_order=date_order, ticker="MARKET")
            if wide.shape[1] != 1:
                raise DataError(f"a market file holds one series; this one has {wide.shape[1]} columns", path=m)
            s = _as_prices(wide, kind).iloc[:, 0].dropna()
            name = normalise_ticker(m.name.split(".")[0]) or "MARKET"
            write_cached(paths.raw_prices / f"{safe_component(name)}.parquet", s,
                         {"source": "imported", "file": str(m.resolve()), "kind": kind, "imported_at": now})
            ticker = name
        else:
            ticker = normalise_ticker(market) or market
            if not (paths.raw_prices / f"{safe_component(ticker)}.parquet").exists():
                raise DataError(f"market {market!r} is neither a file nor a ticker with prices here",
                                path=paths.raw_prices, hint="pass the index's price file, or import its prices first")
        atomic_write_text(paths.raw_imported / MARKET_FILE, json.dumps({"ticker": ticker, "set_at": now}))
    manifest = paths.raw_imported / "manifest.json"
    items = json.loads(manifest.read_text()) if manifest.exists() else []
    items.append({"kind": "prices", "inputs": [str(Path(i).resolve()) for i in inputs], "tickers": len(out),
                  "market": market, "imported_at": now})
    atomic_write_text(manifest, json.dumps(items, indent=1, default=str))
    if out.empty and market is None:
        raise DataError("nothing imported: the inputs hold no prices", path=Path(str(inputs[0])))
    return out
