"""yfinance, wrapped: explicit adjustment and layout, batches, retries, a per-ticker Parquet cache.

yfinance returns an *empty frame* and only logs when a ticker is unknown or the
network is down.  :func:`fetch_prices` checks every ticker's column and reports,
per ticker, what it got and why not — an empty result is never a success.

Cache: ``raw/prices/<TICKER>.parquet`` with a ``date`` index and an
``adj_close`` column; Parquet schema metadata records ``source``,
``yfinance_version``, ``auto_adjust``, ``fetched_at`` and the covered range.
A later call fetches only dates after the cached range.
"""

from __future__ import annotations

import json
import os
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._io import atomic_path, safe_component
from ..errors import DataError, NotFoundError
from ..tickers import normalise_ticker

__all__ = ["FetchReport", "fetch_prices", "load_prices", "read_cached", "write_cached", "yf_download"]

Downloader = Callable[[list[str], str, str | None], pd.DataFrame]


def yf_download(tickers: list[str], start: str, end: str | None) -> pd.DataFrame:
    """The one place yfinance is called (tests pass their own yfinance-shaped frames instead).

    Parameters
    ----------
    tickers
        Yahoo tickers.
    start, end
        The dates (``end`` exclusive, as yfinance has it; None: today).

    Returns
    -------
    pandas.DataFrame
        yfinance's frame: adjusted prices, columns ``(field, ticker)``.

    Examples
    --------
    Reaches Yahoo, so it does not run offline:

    >>> frame = yf_download(["AAPL", "MSFT"], "2024-01-01", None)  # doctest: +SKIP
    """
    import yfinance as yf

    return yf.download(
        tickers, start=start, end=end, auto_adjust=True, actions=False, group_by="column",
        progress=False, threads=False, multi_level_index=True,
    )


def _extract(frame: pd.DataFrame, ticker: str, n_requested: int) -> pd.Series | None:
    """The adjusted close of *ticker* from a yfinance frame (MultiIndex or flat), or None."""
    if frame is None or frame.empty:
        return None
    cols = frame.columns
    s: Any = None
    if isinstance(cols, pd.MultiIndex):
        for field_name in ("Close", "Adj Close"):
            for lvl0, lvl1 in ((field_name, ticker), (ticker, field_name)):
                if (lvl0, lvl1) in cols:
                    s = frame[(lvl0, lvl1)]
                    break
            if s is not None:
                break
    elif n_requested == 1:
        for field_name in ("Close", "Adj Close"):
            if field_name in cols:
                s = frame[field_name]
                break
    if s is None:
        return None
    s = pd.to_numeric(s, errors="coerce").dropna()
    if s.empty:
        return None
    idx = pd.DatetimeIndex(s.index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return pd.Series(s.to_numpy(float), index=idx.normalize(), name="adj_close")


@dataclass
class FetchReport:
    """Per-ticker outcome of :func:`fetch_prices`."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        """Tickers that could not be fetched."""
        return [r["ticker"] for r in self.rows if r["status"] == "failed"]

    def summary(self) -> pd.DataFrame:
        """One row per ticker: what happened to it and why."""
        return pd.DataFrame(self.rows, columns=["ticker", "status", "rows", "first", "last", "reason"])


def _checksum(index: pd.DatetimeIndex, values: np.ndarray) -> str:
    """CRC-32 of a cached series' dates and values (stored in its metadata, verified on every read)."""
    return _checksum_of(index.to_numpy("datetime64[ns]"), values)


def _checksum_of(dates: np.ndarray, values: np.ndarray) -> str:
    """:func:`_checksum` of the dates as a ``datetime64[ns]`` array."""
    c = zlib.crc32(np.ascontiguousarray(dates, dtype="datetime64[ns]").view(np.int64).tobytes())
    return f"{zlib.crc32(np.ascontiguousarray(values, dtype=np.float64).tobytes(), c):08x}"


def write_cached(path: Path, s: pd.Series, meta: dict[str, Any]) -> None:
    """Write one ticker's adjusted close with provenance metadata and a checksum (atomically).

    Parameters
    ----------
    path
        The ticker's file (``raw/prices/<TICKER>.parquet``).
    s
        Adjusted closes on a date index.
    meta
        Provenance (source, whether adjusted, when fetched, first and last day); a ``crc32`` checksum of the
        dates and values is added.

    Returns
    -------
    None

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> f = Path(tempfile.mkdtemp()) / "ACME.parquet"
    >>> write_cached(f, pd.Series([10.0, 10.5], index=pd.to_datetime(["2024-03-01", "2024-03-04"])),
    ...              {"source": "example"})
    >>> s, meta = read_cached(f)
    >>> s.tolist(), meta["source"]
    ([10.0, 10.5], 'example')
    """
    df = pd.DataFrame({"adj_close": s.astype(float)})
    df.index = pd.DatetimeIndex(df.index)
    df.index.name = "date"
    table = pa.Table.from_pandas(df)
    md = dict(table.schema.metadata or {})
    md[b"insider_kit"] = json.dumps({**meta, "crc32": _checksum(df.index, df["adj_close"].to_numpy())},
                                    default=str).encode()
    with atomic_path(path) as tmp:
        pq.write_table(table.replace_schema_metadata(md), tmp)


def read_cached(path: Path) -> tuple[pd.Series, dict[str, Any]]:
    """Read one cached ticker: (adjusted close series, metadata).

    Parameters
    ----------
    path
        The ticker's file.

    Returns
    -------
    (pandas.Series, dict)
        The adjusted closes (``adj_close``, on a date index) and the provenance metadata.

    Raises
    ------
    DataError
        A file that is not a price cache, or whose checksum does not match (a partial or edited file).

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> p = paths("sample")
    >>> s, meta = read_cached(sorted(p.raw_prices.glob("*.parquet"))[0])
    >>> s.name, meta["synthetic"]
    ('adj_close', True)
    """
    dates, values, meta = _read_cached_arrays(path)
    return pd.Series(values, index=pd.DatetimeIndex(dates), name="adj_close"), meta


def _read_cached_arrays(path: Path) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """One cached ticker as sorted day-resolution dates (``datetime64[ns]``) and values, and its metadata, after
    every check (readable, a numeric ``adj_close``, a date index without repeats, the checksum)."""
    hint = "delete it; the next fetch will download it again"
    try:
        # one small file: Arrow's own threads only cost, and ParquetFile skips read_table's dataset set-up
        # (a third of the time per file)
        t = pq.ParquetFile(path).read(use_threads=False)
        meta = json.loads((t.schema.metadata or {}).get(b"insider_kit", b"{}"))
        fields = {f.name: f.type for f in t.schema}
        if (pa.types.is_floating(fields.get("adj_close", pa.null())) and pa.types.is_timestamp(fields.get("date", pa.null()))
                and getattr(fields["date"], "tz", None) is None):
            # the layout write_cached writes: the columns straight to numpy (no DataFrame per file)
            dates = t.column("date").to_numpy().astype("datetime64[ns]")
            values = t.column("adj_close").to_numpy(zero_copy_only=False).astype(np.float64)
        else:
            df = t.to_pandas()
            if "adj_close" not in df.columns or not pd.api.types.is_float_dtype(df["adj_close"]):
                raise DataError("price cache file has no numeric adj_close column", path=path, hint=hint)
            if not isinstance(df.index, pd.DatetimeIndex):
                raise DataError("price cache file has no date index", path=path, hint=hint)
            dates = df.index.to_numpy("datetime64[ns]")
            values = df["adj_close"].to_numpy(np.float64)
    except (OSError, pa.ArrowException, ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"unreadable price cache file ({type(exc).__name__}: {exc})", path=path, hint=hint) from exc
    if not isinstance(meta, dict):
        raise DataError("price cache file has unreadable metadata", path=path, hint=hint)
    if "crc32" in meta and _checksum_of(dates, values) != meta["crc32"]:
        raise DataError("price cache file fails its checksum (the file changed after it was written)", path=path,
                        hint=hint)
    days = dates.astype("datetime64[D]").astype("datetime64[ns]")
    order = np.argsort(days, kind="stable")
    days, values = days[order], values[order]
    if len(days) > 1 and (days[1:] == days[:-1]).any():
        first = days[1:][days[1:] == days[:-1]][0]
        raise DataError(f"price cache file repeats the date {pd.Timestamp(first):%Y-%m-%d}", path=path, hint=hint)
    return days, values, meta


# long: one loop over tickers with the cache's outcomes (new, extended, re-adjusted at the source, failed)
def fetch_prices(tickers: Sequence[str], start: str, end: str | None = None, *, cache: Path,
                 batch_size: int = 50, retries: int = 3, backoff: float = 2.0,
                 downloader: Downloader | None = None, progress: bool = True,
                 sleep: Callable[[float], None] = time.sleep, overlap_days: int = 21) -> FetchReport:
    """Fetch daily adjusted closes into the cache, reporting every ticker's outcome.

    A cached ticker is fetched again from *overlap_days* before its cached end: when the overlap agrees with
    the cache, the new days are appended; when it does not (Yahoo re-adjusts every earlier price after a
    split or dividend), the whole history is fetched again instead, so no split becomes a fake return at the
    seam.
    Rate-limit errors (yfinance's ``YFRateLimitError`` or messages containing
    "Too Many Requests") are retried with exponential back-off; other
    exceptions mark the batch's tickers as failed with the message.

    Parameters
    ----------
    tickers
        Yahoo tickers.
    start, end
        The period (*end* None: today).
    cache
        The price cache folder (``raw/prices``).
    batch_size
        Tickers per request.
    retries, backoff
        Attempts after a rate-limit error, and the first wait in seconds (doubled each time).
    downloader
        Called as ``downloader(tickers, start, end)`` and returning a yfinance-shaped frame (default
        :func:`yf_download`).
    progress
        Show a progress bar.
    sleep
        The wait function (tests pass one that records the waits).
    overlap_days
        Days re-fetched before a cached end to detect a re-adjustment.

    Returns
    -------
    FetchReport
        One row per ticker (``fetched``, ``updated``, ``refetched``, ``cached``, ``failed``) with the reason.

    Examples
    --------
    A downloader that returns a yfinance-shaped frame (yfinance itself needs the network):

    >>> import tempfile
    >>> from pathlib import Path
    >>> def fake(tickers, start, end):
    ...     idx = pd.bdate_range("2024-03-01", periods=3)
    ...     return pd.DataFrame({("Close", t): [10.0, 10.2, 10.1] for t in tickers}, index=idx)
    >>> rep = fetch_prices(["ACME"], "2024-03-01", cache=Path(tempfile.mkdtemp()), downloader=fake, progress=False)
    >>> rep.summary()[["ticker", "status", "rows"]].values.tolist()
    [['ACME', 'fetched', 3]]
    """
    from .._progress import tqdm

    dl = downloader or yf_download
    report = FetchReport()
    todo: dict[str, str] = {}
    for raw in tickers:
        t = normalise_ticker(raw)
        if t is None:
            report.rows.append({"ticker": str(raw), "status": "failed", "rows": 0, "first": None, "last": None,
                                "reason": "not a valid ticker"})
            continue
        f = Path(cache) / f"{safe_component(t, what='ticker')}.parquet"
        s0 = start
        if f.exists():
            s, meta = read_cached(f)
            if len(s) and (end is not None and s.index[-1] >= pd.Timestamp(end) - pd.Timedelta(days=1)) and s.index[0] <= pd.Timestamp(start) + pd.Timedelta(days=7):
                report.rows.append({"ticker": t, "status": "cached", "rows": len(s), "first": s.index[0].date(),
                                    "last": s.index[-1].date(), "reason": ""})
                continue
            if len(s) and s.index[0] <= pd.Timestamp(start) + pd.Timedelta(days=7):
                # fetch again from a few weeks before the cached end: the overlap shows whether Yahoo has
                # re-adjusted the history since (a split or dividend between the two fetches)
                s0 = (s.index[-1] - pd.Timedelta(days=overlap_days)).strftime("%Y-%m-%d")
        todo[t] = s0
    groups: dict[str, list[str]] = {}
    for t, s0 in todo.items():
        groups.setdefault(s0, []).append(t)
    batches = [(s0, ts[i:i + batch_size]) for s0, ts in groups.items() for i in range(0, len(ts), batch_size)]
    try:
        import yfinance

        yver = yfinance.__version__
    except Exception:  # pragma: no cover - yfinance missing
        yver = "unknown"
    for s0, batch in tqdm(batches, desc="prices", unit="batch", disable=not progress):
        frame, err = None, ""
        for attempt in range(retries + 1):
            try:
                frame = dl(batch, s0, end)
                break
            except Exception as exc:  # yfinance raises many kinds
                err = f"{type(exc).__name__}: {exc}"
                limited = "RateLimit" in type(exc).__name__ or "Too Many Requests" in str(exc)
                if limited and attempt < retries:
                    sleep(backoff * 2**attempt)
                    continue
                break
        for t in batch:
            f = Path(cache) / f"{safe_component(t, what='ticker')}.parquet"
            s = _extract(frame, t, len(batch)) if frame is not None else None  # type: ignore[assignment]
            if s is None:
                reason = err or ("empty download: unknown or delisted ticker, no data in range, or no network"
                                 if frame is None or frame.empty else "ticker missing from the download")
                report.rows.append({"ticker": t, "status": "failed", "rows": 0, "first": None, "last": None,
                                    "reason": reason})
                continue
            status = "fetched"
            if f.exists():
                old, _ = read_cached(f)
                common = old.index.intersection(s.index)
                # (a source that returns no overlapping day leaves nothing to compare: the new days are appended)
                same = len(common) == 0 or np.allclose(old[common].to_numpy(), s[common].to_numpy(), rtol=1e-6, atol=0)
                if same:
                    s = pd.concat([old, s[~s.index.isin(old.index)]]).sort_index()
                else:
                    # the overlap disagrees: the history was re-adjusted (or no overlap to compare), so
                    # splicing would put a fake jump at the seam; the whole history is fetched again
                    full = None
                    try:
                        full = _extract(dl([t], start, end), t, 1)
                    except Exception as exc:  # yfinance raises many kinds
                        err = f"{type(exc).__name__}: {exc}"
                    if full is None:
                        report.rows.append({"ticker": t, "status": "failed", "rows": len(old),
                                            "first": old.index[0].date(), "last": old.index[-1].date(),
                                            "reason": "the cached history was re-adjusted at the source and could not "
                                                      f"be fetched again ({err or 'empty download'}); cache kept as it was"})
                        continue
                    s = full
                    status = "refetched (history re-adjusted)"
            meta = {"source": "yfinance", "yfinance_version": yver, "auto_adjust": True,
                    "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "first": s.index[0].date().isoformat(), "last": s.index[-1].date().isoformat()}
            write_cached(f, s, meta)
            report.rows.append({"ticker": t, "status": status, "rows": len(s), "first": s.index[0].date(),
                                "last": s.index[-1].date(), "reason": ""})
    return report


def load_prices(cache: Path, tickers: Sequence[str] | None = None, *, strict: bool = False) -> pd.DataFrame:
    """Read cached adjusted closes into a wide frame (dates x tickers).

    With ``strict=True`` an uncached ticker raises :class:`NotFoundError`; otherwise
    the missing tickers are listed in ``frame.attrs['missing']``.

    Parameters
    ----------
    cache
        The price directory (``raw/prices/``): one checksummed Parquet file per ticker.
    tickers
        Read only these (default: every cached ticker).
    strict
        Raise for an uncached ticker instead of listing it.

    Returns
    -------
    pandas.DataFrame
        Adjusted closes, dates x tickers.

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.config import paths
    >>> cache = paths("sample").raw_prices
    >>> first = sorted(f.stem for f in cache.glob("*.parquet"))[0]
    >>> px = ik.load_prices(cache, [first, "NOSUCH"])
    >>> px.columns.tolist() == [first], px.attrs["missing"]
    (True, ['NOSUCH'])
    """
    cache = Path(cache)
    if tickers is None:
        files = sorted(cache.glob("*.parquet")) if cache.exists() else []
        names = [f.stem for f in files]
    else:
        names = [normalise_ticker(t) or str(t) for t in tickers]
        files = [cache / f"{safe_component(n, what='ticker')}.parquet" for n in names]
    present = [(n, f) for n, f in zip(names, files, strict=True) if f.exists()]
    missing = [n for n, f in zip(names, files, strict=True) if not f.exists()]
    if strict and missing:
        raise NotFoundError(f"no cached prices for {', '.join(missing[:10])}", path=cache,
                            hint="run 'insider-kit fetch prices --tickers ...'")
    if not present:
        raise NotFoundError(f"no cached prices in {cache}",
                            hint="bring your own with 'insider-kit import prices FILE|DIR --market TICKER --data DIR', "
                            "download with 'insider-kit fetch prices', or 'insider-kit sample' for the teaching market")
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:  # Parquet reads release the GIL
        series = list(pool.map(lambda nf: _read_cached_arrays(nf[1])[:2], present))
    # the union of the tickers' days: a presence mask over day numbers (no sort of every file's dates)
    day_no = [d.astype("datetime64[D]").view(np.int64) for d, _ in series]
    first = min(int(x[0]) for x in day_no if len(x)) if any(len(x) for x in day_no) else 0
    last = max(int(x[-1]) for x in day_no if len(x)) if any(len(x) for x in day_no) else -1
    seen = np.zeros(last - first + 1, dtype=bool)
    for x in day_no:
        seen[x - first] = True
    cal = (np.flatnonzero(seen) + first).astype("datetime64[D]").astype("datetime64[ns]")
    row_of = np.cumsum(seen) - 1  # day number - first -> row of the calendar
    M = np.full((len(cal), len(series)), np.nan)
    for j, (x, (_, v)) in enumerate(zip(day_no, series, strict=True)):
        M[row_of[x - first], j] = v
    out = pd.DataFrame(M, index=pd.DatetimeIndex(cal, name="date"),
                       columns=pd.Index([n for n, _ in present], name="ticker"))
    if out.columns.has_duplicates:  # two spellings of one ticker name the same file: one column
        out = out.loc[:, ~out.columns.duplicated()]
    out.attrs["missing"] = missing
    return out


