"""Prices from what users already have: folders of per-ticker CSVs (as yfinance, Yahoo or AlphaVantage save
them), wide and long files, CRSP daily stock files (PERMNO, RET, DLRET with a PERMNO-ticker link), and a market
index given as a file of prices or of returns — written into a data directory's price cache.

Every imported series lands in ``raw/prices/<TICKER>.parquet`` (the cache layout, checksummed, with
``source: imported``, the original file, its SHA-256, what the file held — ``kind`` price or return, how that
was decided, the column read and whether it is ``adjusted`` — in its metadata), and the import is recorded in
``raw/imported/manifest.json``.  Returns are stored as a price index (the cumulative product of ``1 + r``),
from which the returns panel recovers them exactly; the first day's return is not kept (there is no price
before it).

An import is all or nothing: every file is read and checked before anything is written, and one bad file
stops the import (naming it) unless ``skip_bad=True``, which leaves bad files and junk columns out and lists
them.  Placeholders (empty files, a header without rows, columns without values) are always skipped and listed.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._io import atomic_write_text, safe_component
from .._manifest import append_entries, import_lock, read_manifest
from ..config import DataPaths
from ..errors import ConfigError, DataError
from ..tickers import TickerNameError, ticker_from_filename, ticker_of_name
from .files import (
    DateOrder,
    EmptyPriceFile,
    Kind,
    KindOption,
    ReturnsIn,
    decode_text,
    read_delimited,
    read_price_table,
    sniff_separator,
)
from .yf import read_cached, write_cached

__all__ = ["MARKET_FILE", "describe_import", "import_prices", "imported_market", "price_coverage", "price_provenance"]

#: Where an imported market series is recorded, under ``raw/imported/``.
MARKET_FILE = "market.json"
#: The file names a folder's price files have (any file given by name is read whatever its name).
_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip", ".parquet", ".pq", ".tsv")


def _price_name(name: str) -> bool:
    return not name.startswith(".") and name.lower().endswith(_SUFFIXES)


def _files(inputs: list[str | Path]) -> tuple[list[Path], list[dict[str, object]]]:
    """The files of *inputs* (files, folders — their price files, not recursively — and glob patterns), each
    once, and the folder entries that are not price files (listed, not read)."""
    out: list[Path] = []
    other: list[dict[str, object]] = []
    for i in inputs:
        p = Path(i)
        if p.is_dir():
            try:
                entries = sorted(f for f in p.iterdir() if f.is_file())
            except OSError as exc:
                raise DataError(f"cannot list the folder ({exc.strerror or exc})", path=p) from exc
            found = [f for f in entries if _price_name(f.name)]
            other += [{"file": str(f), "reason": "not a price file name (.csv, .parquet, .tsv, compressed .csv)"}
                      for f in entries if not _price_name(f.name) and not f.name.startswith(".")]
            if not found:
                raise DataError("folder holds no price files (.csv, .csv.gz, .parquet, .tsv)", path=p)
            out += found
        elif p.is_file():
            out.append(p)
        elif any(ch in str(i) for ch in "*?["):
            hits = sorted(Path(h) for h in glob.glob(str(i)))
            files = [h for h in hits if h.is_file()]
            if not files:
                raise DataError("no file matches this pattern", path=i, hint="check the pattern (quote it for the shell)")
            out += files
        else:
            raise DataError("no such file or folder", path=p)
    seen: set[Path] = set()
    uniq = []
    for f in out:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            uniq.append(f)
    return uniq, other


def _read_link(link: str | Path) -> dict[str, str]:
    """PERMNO -> ticker from a CSV with ``permno`` and ``ticker`` columns; each bad row refused by its line."""
    p = Path(link)
    if not p.is_file():
        raise DataError("no such link file" if not p.exists() else "the link is not a file", path=p,
                        hint="--link names a CSV with columns permno,ticker")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the link file ({exc.strerror or exc})", path=p) from exc
    text, _ = decode_text(p, data)
    if not text.strip():
        raise DataError("the link file is empty", path=p, hint="--link names a CSV with columns permno,ticker")
    lk = read_delimited(text.lstrip("\ufeff"), sniff_separator(text.split("\n", 1)[0]), p)
    lk.columns = [str(c).strip().lower() for c in lk.columns]
    tcol = next((c for c in ("ticker", "tsymbol", "symbol", "tic") if c in lk.columns), None)
    if "permno" not in lk.columns or tcol is None:
        raise DataError(f"the PERMNO link needs columns permno and ticker; it has {list(lk.columns)[:8]}", path=p)
    out: dict[str, str] = {}
    line_of: dict[str, int] = {}
    owner: dict[str, str] = {}
    for i, (pn, tk) in enumerate(zip(lk["permno"].astype(str).str.strip(), lk[tcol].astype(str), strict=True)):
        line = i + 2
        m = re.fullmatch(r"(\d{1,9})(?:\.0)?", pn)
        if m is None:
            raise DataError(f"line {line}: permno {pn[:20]!r} is not a PERMNO (a number)", path=p)
        t = ticker_of_name(tk)
        if t is None:
            raise DataError(f"line {line}: {tk.strip()[:20]!r} is not a ticker (PERMNO {m.group(1)})", path=p,
                            hint="give that row its ticker, or remove it")
        k = m.group(1)
        if k in out and out[k] != t:
            raise DataError(f"lines {line_of[k]} and {line}: PERMNO {k} is linked to {out[k]} and to {t}", path=p,
                            hint="one ticker per PERMNO")
        if t in owner and owner[t] != k:
            raise DataError(f"line {line}: ticker {t} is linked to PERMNOs {owner[t]} and {k}", path=p,
                            hint="one PERMNO per ticker: keep the one your trades mean")
        out[k], line_of[k], owner[t] = t, line, k
    return out


@dataclass
class _File:
    """One file read and checked (nothing written yet)."""

    path: Path
    sha256: str
    wide: pd.DataFrame
    kind: Kind
    px: pd.DataFrame  # what is written: the prices, or the index the returns compound to


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise DataError(f"cannot read ({exc.strerror or exc})", path=path) from exc
    return h.hexdigest()


def _read_one(f: Path, *, kind: KindOption, returns_in: ReturnsIn, date_order: DateOrder,
              pattern: str | None, link: dict[str, str] | None, junk: Literal["refuse", "skip"],
              flag: str = "--kind", name: str | None = None) -> _File:
    wide, k = read_price_table(f, ticker=name if name is not None else lambda: ticker_from_filename(f.name, pattern),
                    date_order=date_order, kind=kind, returns_in=returns_in, junk_columns=junk, flag=flag)
    if wide.attrs.get("ids") == "permno":
        if link is None:
            raise DataError("the file identifies stocks by PERMNO", path=f,
                            hint="give the PERMNO -> ticker link: --link permno_ticker.csv (columns permno,ticker)")
        unknown = [c for c in wide.columns if c not in link]
        if unknown:
            raise DataError(f"PERMNO(s) {', '.join(unknown[:5])} are not in the link file ({len(unknown):,} in all)", path=f,
                            hint="add them to the link file, or remove their rows")
        wide = wide.rename(columns=link)
        dl = wide.attrs.get("delistings")
        if dl is not None:
            wide.attrs["delistings"] = dl.assign(ticker=dl["ticker"].map(link))
    return _File(f, _sha256(f), wide, k, _as_prices(wide, k, f))


def _as_prices(wide: pd.DataFrame, kind: str, path: Path) -> pd.DataFrame:
    """Prices as they are; returns as the index they compound to (refused if it leaves the float range)."""
    if kind == "price":
        return wide
    with np.errstate(over="ignore"):
        px = (1.0 + wide.fillna(0.0)).cumprod().where(wide.notna())
    bad = ~np.isfinite(px.to_numpy()) & px.notna().to_numpy() | (px.to_numpy() > 1e300)
    if bad.any():
        raise DataError(f"column {px.columns[np.nonzero(bad)[1][0]]!r}: the returns compound beyond any price level",
                        path=path, hint="check the file for returns that are not daily decimals")
    return px


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
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"unreadable market declaration ({exc})", path=f,
                        hint="import the prices again with --market, or delete the file") from exc


def price_provenance(paths: DataPaths) -> pd.DataFrame:
    r"""What each cached price series is, from its metadata (read without the data): where it came from and, for
    imported files, what it holds — for the data-quality section to show close-only (possibly unadjusted) series.

    Parameters
    ----------
    paths
        The data directory.

    Returns
    -------
    pandas.DataFrame
        One row per ``raw/prices/*.parquet``: ``ticker, source, kind, adjusted, value_column, file, first, last``
        (``adjusted``: True an adjusted column, False a close only, None not stated).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from insider_kit.config import DataPaths
    >>> p = DataPaths(Path(tempfile.mkdtemp()))
    >>> _ = (p.root / "RAW.csv").write_text("Date,Close\n2024-03-01,10.0\n2024-03-04,10.5\n")
    >>> _ = import_prices(p, [p.root / "RAW.csv"])
    >>> price_provenance(p)[["ticker", "kind", "adjusted", "value_column"]].values.tolist()
    [['RAW', 'price', False, 'Close']]
    """
    cols = ["ticker", "source", "kind", "adjusted", "value_column", "file", "first", "last"]
    rows = []
    for f in sorted(paths.raw_prices.glob("*.parquet")) if paths.raw_prices.is_dir() else []:
        try:
            md = pq.read_schema(f).metadata or {}
            meta = json.loads(md.get(b"insider_kit", b"{}"))
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise DataError(f"unreadable price file ({type(exc).__name__})", path=f) from exc
        rows.append({"ticker": f.stem, **{c: meta.get(c) for c in cols[1:]}})
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- coverage
def _transactions(paths: DataPaths) -> tuple[pd.DataFrame, str] | None:
    """P/S trades (ticker, event date) from the tidy tables, else from imported rows; None when there are none.
    Read from the Parquet files directly: the price side does not import the filings package."""
    import pyarrow.dataset as ds

    for root, label in ((paths.transactions, "tidy/transactions"),
                        (paths.raw_imported / "transactions", "raw/imported/transactions")):
        files = sorted(f for f in root.rglob("*.parquet") if not f.name.endswith(".dropped.parquet")) \
            if root.is_dir() else []
        if not files:
            continue
        try:
            d = ds.dataset([str(f) for f in files], format="parquet", partitioning="hive")
            want = [c for c in ("ticker", "trans_code", "trans_date", "filing_date", "table") if c in d.schema.names]
            t = d.to_table(columns=want).to_pandas()
        except Exception as exc:  # pyarrow raises many kinds on damaged or differing files
            raise DataError(f"cannot read the transactions for the coverage ({type(exc).__name__}: {str(exc)[:120]})",
                            path=root) from exc
        if "ticker" not in t or "trans_code" not in t:
            continue
        t = t[t["trans_code"].astype("string").isin(["P", "S"])]
        if "table" in t:
            t = t[t["table"].astype("string").fillna("nonderivative") == "nonderivative"]
        date = pd.to_datetime(t["filing_date"], errors="coerce") if "filing_date" in t else pd.Series(pd.NaT, index=t.index)
        if "trans_date" in t:
            date = date.fillna(pd.to_datetime(t["trans_date"], errors="coerce"))
        return pd.DataFrame({"ticker": t["ticker"].astype("string").to_numpy(), "date": date.to_numpy()}), label
    return None


def _price_spans(paths: DataPaths) -> pd.DataFrame:
    rows = []
    for f in sorted(paths.raw_prices.glob("*.parquet")) if paths.raw_prices.is_dir() else []:
        try:
            s, _ = read_cached(f)
        except DataError:
            continue
        if len(s):
            rows.append({"ticker": f.stem, "first": s.index[0], "last": s.index[-1]})
    return pd.DataFrame(rows, columns=["ticker", "first", "last"])


def price_coverage(paths: DataPaths, imported: list[str] | None = None) -> pd.DataFrame:
    r"""How far the prices in *paths* cover its P/S trades (the tidy tables, else the imported rows).

    Parameters
    ----------
    paths
        The data directory.
    imported
        The tickers just imported (those that match no trade are listed); None: every ticker with prices.

    Returns
    -------
    pandas.DataFrame
        One row per measure: ``measure``, ``count``, ``of``, ``share`` (a decimal), ``detail`` (dates, tickers).
        Empty when the directory holds no trades.  ``attrs["source"]`` names the table read.

    Examples
    --------
    Three trades in two tickers, prices for one of them ending before its last trade:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from insider_kit.config import DataPaths
    >>> p = DataPaths(Path(tempfile.mkdtemp()))
    >>> (p.raw_imported / "transactions").mkdir(parents=True)
    >>> pd.DataFrame({"ticker": ["AAA", "AAA", "BBB"], "trans_code": ["P", "S", "P"],
    ...               "filing_date": pd.to_datetime(["2024-03-04", "2024-06-03", "2024-03-05"])}
    ...              ).to_parquet(p.raw_imported / "transactions" / "mine.parquet")
    >>> _ = (p.root / "AAA.csv").write_text("Date,Adj Close\n2024-03-01,10.0\n2024-03-04,10.5\n")
    >>> cov = import_prices(p, [p.root / "AAA.csv"]).attrs["coverage"].set_index("measure")
    >>> cov.loc[["event tickers with prices", "P/S trades after their ticker's last price"], ["count", "of"]].values.tolist()
    [[1, 2], [1, 2]]
    """
    got = _transactions(paths)
    cols = ["measure", "count", "of", "share", "detail"]
    if got is None:
        return pd.DataFrame(columns=cols)
    tx, label = got
    spans = _price_spans(paths)
    last = spans.set_index("ticker")["last"]
    tickers = pd.Index(tx["ticker"].dropna().unique())
    have = tickers.isin(last.index)
    with_px = tx["ticker"].isin(last.index).to_numpy()
    none = sorted(tickers[~have])
    tx_last = tx["ticker"].map(last)
    after = (tx["date"] > tx_last).to_numpy() & with_px
    rows = [
        {"measure": "event tickers with prices", "count": int(have.sum()), "of": len(tickers),
         "share": have.mean() if len(tickers) else np.nan,
         "detail": ("without prices: " + ", ".join(none[:20]) + (f" ... ({len(none):,} in all)" if len(none) > 20 else ""))
         if none else ""},
        {"measure": "P/S trades whose ticker has prices", "count": int(with_px.sum()), "of": len(tx),
         "share": with_px.mean() if len(tx) else np.nan, "detail": ""},
        {"measure": "P/S trades after their ticker's last price", "count": int(after.sum()), "of": int(with_px.sum()),
         "share": after.sum() / with_px.sum() if with_px.any() else np.nan,
         "detail": "these cannot be studied" if after.any() else ""},
    ]
    stocks = spans[spans["ticker"] != imported_market(paths)]  # (the market's own span says nothing here)
    if len(stocks) and tx["date"].notna().any():
        p_last, t_last = stocks["last"].max(), tx["date"].max()
        note = (f"stock prices {stocks['first'].min():%Y-%m-%d} .. {p_last:%Y-%m-%d}, trades "
                f"{tx['date'].min():%Y-%m-%d} .. {t_last:%Y-%m-%d}")
        if t_last > p_last:
            note += f": trades after {p_last:%Y-%m-%d} cannot be studied"
        rows.append({"measure": "date span", "count": np.nan, "of": np.nan, "share": np.nan, "detail": note})
    if imported is not None:
        unmatched = sorted(set(imported) - set(tickers))
        rows.append({"measure": "imported tickers that match no trade", "count": len(unmatched), "of": len(set(imported)),
                     "share": len(unmatched) / len(set(imported)) if imported else np.nan,
                     "detail": ", ".join(unmatched[:20]) + (f" ... ({len(unmatched):,} in all)" if len(unmatched) > 20 else "")})
    out = pd.DataFrame(rows, columns=cols).astype({"count": "Int64", "of": "Int64", "share": float})
    out.attrs["source"] = label
    return out


# --------------------------------------------------------------------------- the import
@dataclass
class _Plan:
    """What an import will write, decided before anything is written."""

    files: list[_File] = field(default_factory=list)
    owner: dict[str, _File] = field(default_factory=dict)
    skipped: list[dict[str, object]] = field(default_factory=list)
    failed: list[tuple[Path, DataError]] = field(default_factory=list)


def _claim(plan: _Plan, got: _File, skip_bad: bool) -> None:
    """Give each ticker of *got* one source: a byte-identical second file is a duplicate (kept once, listed); a
    different file for a ticker already taken is an error naming both (or, with *skip_bad*, skipped)."""
    clash = [t for t in got.wide.columns if t in plan.owner]
    if clash:
        first = plan.owner[clash[0]]
        if first.sha256 == got.sha256:
            plan.skipped.append({"file": str(got.path), "reason": f"the same bytes as {first.path.name} (SHA-256 "
                                 f"{got.sha256[:12]}): imported once"})
            return
        err = DataError(f"{first.path.name} and {got.path.name} both give ticker {clash[0]}", path=got.path.parent,
                        hint="keep one of them (tickers ignore case, and BRK.B and BRK-B are one ticker)")
        if not skip_bad:
            plan.failed.append((got.path, err))
            return
        plan.skipped.append({"file": str(got.path), "reason": err.message})
        return
    twin = next((f for f in plan.files if f.sha256 == got.sha256), None)
    if twin is not None:
        err = DataError(f"{twin.path.name} and {got.path.name} are the same bytes but name different tickers "
                        f"({', '.join(twin.wide.columns[:2])} and {', '.join(got.wide.columns[:2])})", path=got.path.parent,
                        hint="one of the two files is mislabelled: remove it")
        if not skip_bad:
            plan.failed.append((got.path, err))
        else:
            plan.skipped.append({"file": str(got.path), "reason": err.message})
        return
    plan.files.append(got)
    for t in got.wide.columns:
        plan.owner[t] = got


def _stop(plan: _Plan) -> None:
    if not plan.failed:
        return
    _, err = plan.failed[0]
    more = len(plan.failed) - 1
    raise DataError(err.message + (f" (and {more:,} more file(s) failed: {', '.join(p.name for p, _ in plan.failed[1:4])}"
                                   f"{' ...' if more > 3 else ''})" if more else ""),
                    hint=(err.hint + "; " if err.hint else "") + "nothing was imported; --skip-bad (skip_bad=True) "
                    "imports the rest and lists what it left out")


def _market_file(m: Path, plan: _Plan, *, market_kind: KindOption, returns_in: ReturnsIn, date_order: DateOrder,
                 pattern: str | None) -> tuple[str, _File, list[str]]:
    notes: list[str] = []
    try:
        name = ticker_from_filename(m.name, pattern)
    except TickerNameError:
        name = "MARKET"
        notes.append(f"the market file's name {m.name!r} is not a ticker: its series is called MARKET")
    got = _read_one(m, kind=market_kind, returns_in=returns_in, date_order=date_order, pattern=None, link=None,
                    junk="refuse", flag="--market-kind", name=name)
    if got.wide.shape[1] != 1:
        raise DataError(f"a market file holds one series; this one has {got.wide.shape[1]} columns "
                        f"({', '.join(map(str, got.wide.columns[:4]))})", path=m,
                        hint="import the file as prices and name its market column: --market ^GSPC")
    name = str(got.wide.columns[0])
    taken = plan.owner.get(name)
    if taken is not None and taken.path.resolve() != m.resolve() and taken.sha256 != got.sha256:
        raise DataError(f"the market file gives ticker {name}, which {taken.path.name} also gives", path=m,
                        hint="rename the market file, or drop the other series")
    return name, got, notes


def _market_ticker(market: str, plan: _Plan, paths: DataPaths, market_kind: KindOption) -> str:
    t = ticker_of_name(market)
    if t is not None and t in plan.owner:
        got = plan.owner[t]
        if market_kind != "auto" and got.kind != market_kind:
            raise DataError(f"--market {market}: column {t} of {got.path.name} was read as {got.kind}s, but "
                            f"--market-kind says {market_kind}", path=got.path,
                            hint="import that file with --kind to say what it holds")
        return t
    if t is not None and (paths.raw_prices / f"{safe_component(t)}.parquet").exists():
        return t
    raise DataError(f"market {market!r} is neither a file nor a ticker among these prices (or already imported)",
                    path=paths.raw_prices, hint="pass the index's file (--market sp500.csv) or a ticker of the imported "
                    "files (--market ^GSPC)")


# long: the import's steps in order (read everything, decide, check the record, then write), each a few lines
def import_prices(paths: DataPaths, inputs: list[str | Path], *, market: str | None = None,
                  market_kind: KindOption = "auto", kind: KindOption = "auto", returns_in: ReturnsIn = "decimal",
                  link: str | Path | None = None, date_order: DateOrder = "auto", ticker_pattern: str | None = None,
                  skip_bad: bool = False, progress: bool = False) -> pd.DataFrame:
    r"""Import price files and folders into the price cache of *paths* (all or nothing).

    Parameters
    ----------
    paths
        The data directory.
    inputs
        Files (one instrument, wide, long, CRSP), folders of per-ticker files, and glob patterns.
    market
        The market series: a file of its prices or returns, or a ticker among the imported (or cached) prices,
        such as a column of a wide file (``^GSPC``).
    market_kind
        What the market file holds: ``price``, ``return``, or ``auto`` (from its values; refused when unclear).
    kind
        What the price files hold (the same choices).
    returns_in
        ``decimal``, or ``percent`` to divide returns by 100 (returns that look like percent are refused otherwise).
    link
        For files keyed by PERMNO: a CSV with ``permno`` and ``ticker`` columns.
    date_order
        ``mdy`` or ``dmy`` when the files write dates as ``NN/NN/YYYY``.
    ticker_pattern
        A regular expression whose group ``ticker`` finds the ticker in each file's name
        (``'DA-(?P<ticker>[^-]+)-T-'``); default: the whole name without its suffixes.
    skip_bad
        Import the good files and list the bad ones (and junk columns holding values) instead of stopping.
    progress
        Show a progress bar while reading.

    Returns
    -------
    pandas.DataFrame
        One row per series of the price files written: ``ticker, first, last, days, kind, adjusted, file``.
        ``attrs`` holds ``skipped`` (files and columns left out, with the reason), ``market`` (its ticker or
        None), ``market_series`` (the row of a market *file*'s series), ``notes`` and ``coverage``
        (:func:`price_coverage`, empty when the directory holds no trades).

    Raises
    ------
    DataError
        A bad file (named, with its line and the fix), two files giving one ticker, a damaged import record,
        or nothing to import; nothing is written then.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from insider_kit.config import DataPaths
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "wide.csv").write_text("date,ACME,SPY\n2024-03-01,10.0,500\n2024-03-04,10.5,501\n")
    >>> done = import_prices(DataPaths(root / "data"), [root / "wide.csv"], market="SPY")
    >>> done[["ticker", "days", "kind"]].values.tolist()
    [['ACME', 2, 'price'], ['SPY', 2, 'price']]
    >>> imported_market(DataPaths(root / "data"))
    'SPY'
    """
    from .._progress import tqdm

    pattern = _pattern(ticker_pattern)
    lk = _read_link(link) if link is not None else None
    files, other = _files(inputs)
    m_path = Path(market) if market is not None and Path(market).is_file() else None
    plan = _Plan(skipped=list(other))
    junk: Literal["refuse", "skip"] = "skip" if skip_bad else "refuse"
    for f in tqdm(files, desc="reading price files", unit="file", disable=not progress):
        if m_path is not None and f.resolve() == m_path.resolve():
            continue  # read once, as the market
        try:
            got = _read_one(f, kind=kind, returns_in=returns_in, date_order=date_order, pattern=pattern, link=lk,
                            junk=junk)
        except EmptyPriceFile as exc:
            plan.skipped.append({"file": str(f), "reason": f"placeholder: {exc.message.split(': ', 1)[-1]}"})
            continue
        except DataError as exc:
            if skip_bad:
                plan.skipped.append({"file": str(f), "reason": exc.message.split(": ", 1)[-1]})
            else:
                plan.failed.append((f, exc))
            continue
        plan.skipped += [{"file": str(f), **s} for s in got.wide.attrs.get("skipped", [])]
        _claim(plan, got, skip_bad)
    _stop(plan)
    notes: list[str] = []
    m_ticker: str | None = None
    m_got: _File | None = None
    if m_path is not None:
        m_ticker, m_got, notes = _market_file(m_path, plan, market_kind=market_kind, returns_in=returns_in,
                                              date_order=date_order, pattern=pattern)
        if m_ticker in plan.owner:
            m_got = None  # the same series among the price files
    elif market is not None:
        m_ticker = _market_ticker(market, plan, paths, market_kind)
    if not plan.owner and m_ticker is None:
        listed = "; ".join(f"{Path(str(s.get('file', ''))).name}: {s['reason']}" for s in plan.skipped[:3])
        raise DataError("nothing to import: the inputs hold no prices" + (f" ({listed})" if listed else ""),
                        path=Path(str(inputs[0])))
    try:
        out = _write(paths, plan, m_ticker, m_got, inputs, market, notes)
    except OSError as exc:  # an unwritable or full data directory, a name too long, a file where a folder goes
        raise DataError(f"cannot write the prices ({exc.strerror or exc}: {exc.filename or paths.raw})",
                        path=paths.root, hint="give --data a writable directory") from exc
    src = m_got if m_got is not None else plan.owner.get(m_ticker) if m_ticker is not None else None
    if src is not None:
        why = src.wide.attrs.get("kind_reason")
        if why and m_got is None and src.wide.shape[1] > 1:  # (the market is one column of a file of many series)
            why = (f"{why}: judged over all {src.wide.shape[1]:,} series of {src.path.name}, the market's among "
                   "them")
        out.attrs["market_reason"] = why
    out.attrs["coverage"] = price_coverage(paths, list(out["ticker"]))
    return out


def _pattern(ticker_pattern: str | None) -> str | None:
    if ticker_pattern is None:
        return None
    try:
        rx = re.compile(ticker_pattern)
    except re.error as exc:
        raise ConfigError(f"--ticker-pattern {ticker_pattern!r} is not a regular expression ({exc})",
                          hint="e.g. 'DA-(?P<ticker>[^-]+)-T-'") from exc
    if "ticker" not in rx.groupindex and rx.groups != 1:
        raise ConfigError(f"--ticker-pattern {ticker_pattern!r} needs a group named ticker (or exactly one group)",
                          hint="e.g. 'DA-(?P<ticker>[^-]+)-T-'")
    return ticker_pattern


#: Known delisting returns beside the price files (the returns panel's ``ticker,date,dlret``, read by
#: :func:`insider_kit.study.read_delistings`).
DELISTINGS = "delistings.csv"


def _write_delistings(paths: DataPaths, plan: _Plan, written: set[str]) -> None:
    """Merge the CRSP delisting returns of this import into ``raw/prices/delistings.csv``: the rows of the tickers
    written now replace their old ones (a series re-imported without a delisting loses its old row too)."""
    new = [f.wide.attrs["delistings"] for f in plan.files if f.wide.attrs.get("delistings") is not None]
    f = paths.raw_prices / DELISTINGS
    old, before = None, 0
    if f.exists():
        try:
            old = pd.read_csv(f, dtype=str)
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise DataError(f"cannot read the delisting returns ({exc})", path=f,
                            hint="move the file aside and import again") from exc
        if "ticker" not in old.columns:
            raise DataError("the delisting returns have no ticker column", path=f, hint="move the file aside")
        before = len(old)
        old = old[~old["ticker"].str.strip().isin(written)]
    if not new and (old is None or len(old) == before):
        return  # nothing to add, nothing to take out
    parts = [] if old is None else [old]
    parts += [d.assign(date=pd.to_datetime(d["date"]).dt.strftime("%Y-%m-%d"), dlret=d["dlret"].map(repr)) for d in new]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["ticker", "date", "dlret"])
    atomic_write_text(f, out[["ticker", "date", "dlret"]].to_csv(index=False, lineterminator="\n"))


def _write(paths: DataPaths, plan: _Plan, m_ticker: str | None, m_got: _File | None, inputs: list[str | Path],
           market: str | None, notes: list[str]) -> pd.DataFrame:
    """Write every planned series, the market declaration and the record, under the import lock (the record is
    checked before the first write: a damaged one stops the import with nothing written)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows = []
    paths.raw_imported.mkdir(parents=True, exist_ok=True)
    with import_lock(paths.raw_imported):  # (the transaction importer's lock: data and record change together)
        read_manifest(paths.raw_imported)  # a damaged record stops the import here, before any file is written
        for got in [*plan.files, *([m_got] if m_got is not None else [])]:
            px = got.px
            a = got.wide.attrs
            for t in px.columns:
                s = px[t].dropna()
                if s.empty:
                    continue
                first, last = s.index[0].date().isoformat(), s.index[-1].date().isoformat()
                write_cached(paths.raw_prices / f"{safe_component(str(t), what='ticker')}.parquet", s,
                             {"source": "imported", "file": str(got.path.resolve()), "sha256": got.sha256,
                              "kind": got.kind, "kind_reason": a.get("kind_reason"),
                              "value_column": a.get("value_column"), "adjusted": a.get("adjusted"),
                              "imported_at": now, "first": first, "last": last})
                rows.append({"ticker": str(t), "first": s.index[0].date(), "last": s.index[-1].date(), "days": len(s),
                             "kind": got.kind, "adjusted": a.get("adjusted"), "file": str(got.path)})
        _write_delistings(paths, plan, {r["ticker"] for r in rows})
        if m_ticker is not None:
            atomic_write_text(paths.raw_imported / MARKET_FILE, json.dumps({"ticker": m_ticker, "set_at": now}))
        append_entries(paths.raw_imported, [{
            "kind": "prices", "inputs": [str(Path(i).resolve()) for i in inputs],
            "files": [{"file": str(f.path.resolve()), "sha256": f.sha256, "kind": f.kind,
                       "tickers": [str(t) for t in f.px.columns]} for f in plan.files],
            "tickers": len(rows), "skipped": len(plan.skipped), "market": m_ticker, "market_input": market,
            "imported_at": now}])
    cols = ["ticker", "first", "last", "days", "kind", "adjusted", "file"]
    out = pd.DataFrame(rows[: len(rows) - (m_got is not None)], columns=cols)
    out.attrs.update({"skipped": pd.DataFrame(plan.skipped, columns=["file", "column", "reason"]),
                      "market": m_ticker, "notes": notes,
                      "market_series": pd.DataFrame(rows[len(rows) - 1:] if m_got is not None else [], columns=cols)})
    return out


def describe_import(out: pd.DataFrame, where: Path | None = None, *, limit: int = 20) -> list[str]:
    r"""The lines a person reads after an import: what was written and what it holds, what was left out, the
    market, and the coverage of the trades.

    Parameters
    ----------
    out
        The table :func:`import_prices` returned.
    where
        The price folder (named in the first line).
    limit
        At most this many skipped files and tickers are listed.

    Returns
    -------
    list of str
        The lines.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from insider_kit.config import DataPaths
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "AAA.csv").write_text("Date,Close\n2024-03-01,10.0\n2024-03-04,10.5\n")
    >>> describe_import(import_prices(DataPaths(root / "data"), [root / "AAA.csv"]))[:2]
    ['imported 1 price series (1 of prices, 0 of returns; 2024-03-01 .. 2024-03-04)', '  not adjusted (a close only: a split shows as a jump): 1 series: AAA']
    """
    from ..tables import fmt_count, fmt_pct

    kinds = out["kind"].value_counts()
    span = f"; {min(out['first'])} .. {max(out['last'])}" if len(out) else ""
    lines = [f"imported {fmt_count(len(out))} price series{f' into {where}' if where else ''} "
             f"({fmt_count(kinds.get('price', 0))} of prices, {fmt_count(kinds.get('return', 0))} of returns{span})"]
    for flag, what in ((False, "not adjusted (a close only: a split shows as a jump)"),
                       (None, "adjustment not stated by the file (wide or long layout)")):
        sel = out[(out["kind"] == "price") & (out["adjusted"].isna() if flag is None else out["adjusted"].eq(False))]
        if len(sel):
            lines.append(f"  {what}: {fmt_count(len(sel))} series: {', '.join(sel['ticker'][:limit])}"
                         + (" ..." if len(sel) > limit else ""))
    ms = out.attrs.get("market_series")
    if out.attrs.get("market"):
        m = out.attrs["market"]
        row = ms.iloc[0] if ms is not None and len(ms) else (out[out["ticker"] == m].iloc[0] if (out["ticker"] == m).any()
                                                             else None)
        lines.append(f"market series: {m}" + (f" ({row['kind']}s, {row['first']} .. {row['last']})" if row is not None else
                                             " (already in the price cache)"))
        if out.attrs.get("market_reason"):
            lines.append(f"  read as {out.attrs['market_reason']}")
    lines += [f"  note: {n}" for n in out.attrs.get("notes", [])]
    sk = out.attrs.get("skipped")
    if sk is not None and len(sk):
        lines.append(f"left out: {fmt_count(len(sk))} file(s)/column(s):")
        for r in sk.head(limit).itertuples():
            col = f" column {r.column!r}" if isinstance(r.column, str) and r.column else ""
            lines.append(f"  {Path(str(r.file)).name}{col}: {r.reason}")
        if len(sk) > limit:
            lines.append(f"  ... {fmt_count(len(sk) - limit)} more (import_prices(...).attrs['skipped'] lists them all)")
    cov = out.attrs.get("coverage")
    if cov is not None and len(cov):
        lines.append(f"coverage of the P/S trades in {cov.attrs.get('source', 'the data directory')}:")
        for r in cov.itertuples():
            n = "" if pd.isna(r.count) else f"{fmt_count(r.count)} of {fmt_count(r.of)} ({fmt_pct(r.share, 1)})"
            lines.append(f"  {r.measure}: {n}{'; ' if n and r.detail else ''}{r.detail}")
    return lines
