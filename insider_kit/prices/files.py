"""Bring-your-own price files: per-ticker, wide and long CSV/Parquet files, and CRSP-style returns.

Accepted layouts
----------------
* **one instrument** (a yfinance or AlphaVantage download): a date column and fields such as
  ``Open, High, Low, Close, Adj Close, Volume`` or ``timestamp, open, high, low, close, adjusted_close, volume,
  dividend_amount, split_coefficient``; the ticker is the file's name (or ``ticker=``).
* **yfinance's multi-level CSV** (``Price,Close,...`` / ``Ticker,AAPL,...`` / ``Date,,,`` header rows, as
  ``yf.download(...).to_csv()`` writes since version 0.2.51): the tickers are read from its ``Ticker`` row.
* **long**: one row per (date, ticker) with a value column, e.g. CRSP ``date, permno, ret, dlret``.  A delisting
  return (``dlret``) is kept out of the daily returns and given in ``attrs["delistings"]`` (``ticker, date,
  dlret``, ``date`` the stock's last day with a return: the returns panel puts it on the next trading day).
* **wide**: a date column and one column per ticker (``yf.download(...)["Adj Close"].to_csv()``).

What a file holds is decided, never guessed silently
----------------------------------------------------
* **Adjusted columns first**: ``Adj Close``, ``adjusted_close``, ``adj_close``, ``adjclose`` (and CRSP ``ret``,
  a total return) are used before ``close``; a file with only a close is read with ``adjusted = False`` in
  its metadata (a split in it will show as a -50% day).
* **Prices or returns** from the values (:func:`classify_values`): prices are positive levels with small
  relative changes; returns are small numbers of both signs.  The column name only decides when the values
  cannot (a handful of rows); a returns file whose column is named ``Close``, ``value`` or ``SP500`` is read as
  returns.  When neither decides, the file is refused with a hint to say it (``kind="price"``/``"return"``).
* **Returns in decimals**: returns that look like percent (a median move of 0.1 or more: ``1.2`` for 1.2%) or
  any return below -100% are refused unless the caller says ``returns_in="percent"`` (then divided by 100).

Every cell is read as text (never by pandas' number parser, which crashes the process on exponents such as
``1e2147483648``) and every number goes through the kit's one bounded parser
(``insider_kit._parse.parse_numbers``, after the price files' missing markers such as ``null`` and
``#N/A``), so a cell that is not a number is an error naming the file, column and line, never a crash or a
silent NaN.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .._parse import parse_numbers
from ..days import DATE_MAX, DATE_MIN, new_york_dates, parse_dates
from ..errors import DataError
from ..tickers import TickerNameError, ticker_from_filename, ticker_of_name

__all__ = ["EmptyPriceFile", "classify_values", "read_price_file"]

Kind = Literal["price", "return"]
KindOption = Literal["auto", "price", "return"]
ReturnsIn = Literal["decimal", "percent"]
DateOrder = Literal["auto", "ymd", "mdy", "dmy"]
DecimalMark = Literal["auto", ".", ","]
JunkColumns = Literal["refuse", "skip"]


class EmptyPriceFile(DataError):
    """A placeholder file: empty, a header without rows, or no value in any cell (skipped, not an error, by
    :func:`insider_kit.prices.imports.import_prices`)."""


_DATE = ("date", "datetime", "timestamp", "day", "caldt", "time", "trade_date")
_TICK = ("ticker", "symbol", "tic", "tsymbol", "permno")
#: Adjusted price columns, preferred over everything else.
_ADJ = ("adj close", "adj_close", "adjclose", "adjusted_close", "adjusted close", "adj. close", "adj close**",
        "adjusted", "adj_price")
#: Return columns (CRSP ``ret`` includes distributions: a total return).
_RET = ("ret", "return", "returns", "vwretd", "ewretd", "sprtrn", "totret", "total_return", "daily_return", "retx")
#: Unadjusted (or unknown) price columns, used only when there is nothing better.
_CLOSE = ("close", "close*", "price", "prc", "last", "value", "level", "px_last")
#: Every field name of a one-instrument file (none of these is read as a ticker when all columns are fields).
_FIELDS = frozenset(_ADJ + _RET + _CLOSE + (
    "open", "high", "low", "volume", "vol", "dividends", "stock splits", "capital gains", "dividend_amount",
    "split_coefficient", "dlret", "dlretx", "shrout", "bid", "ask", "bidlo", "askhi", "openprc", "numtrd",
    "cfacpr", "cfacshr", "change", "change %", "vwretx", "ewretx", "adj open", "adj high", "adj low",
    "adj volume", "adjusted_open", "adjusted_high", "adjusted_low"))
#: CRSP's missing-return codes (numeric and, in CSV exports of SAS data, letters): missing, not -4,400%.
_CRSP_CODES = frozenset({"-44", "-55", "-66", "-77", "-88", "-99", "A", "B", "C", "D", "E", "P", "S", "T"})
_MISSING = frozenset({"", "nan", "null", "none", "na", "n/a", "#n/a", "#n/a n/a", "-", "--", ".", "nat", "#value!",
                      "#div/0!", "#num!", "#ref!"})
#: Largest magnitude accepted in a price file (an index level or a price above it is a corrupted field).
VALUE_LIMIT = 1e10
#: Largest daily return accepted (+10,000%): anything above is a corrupted field, not a move.
RETURN_LIMIT = 100.0


# --------------------------------------------------------------------------- reading the bytes
@dataclass
class _Table:
    """A file's cells as read (text for CSV, typed for Parquet), before any layout decision."""

    frame: pd.DataFrame
    levels: pd.DataFrame | None = None  # yfinance's multi-level header: one row per column (field, ticker)
    line0: int | None = 2  # the file line of the first data row (None: Parquet, rows are numbered from 1)
    sep: str = ","
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)

    def where(self, i: int) -> str:
        """How to name data row *i* (0-based) to a person: its line in the file, or its row number."""
        return f"line {self.line0 + i}" if self.line0 is not None else f"row {i + 1}"


def _uncompressed(path: Path, data: bytes) -> bytes:
    low = path.name.lower()
    try:
        if low.endswith(".gz") or data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if low.endswith(".bz2") or data[:3] == b"BZh":
            return bz2.decompress(data)
        if low.endswith(".xz") or data[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(data)
        if low.endswith(".zip") or data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [i for i in zf.infolist() if not i.is_dir()]
                if len(members) != 1:
                    raise DataError(f"a zip of prices holds one table; this one has {len(members)} members",
                                    path=path, hint="unzip it and import the folder")
                if members[0].file_size > 2 * 1024**3:
                    raise DataError("zip member too large (over 2 GB)", path=path)
                return zf.read(members[0])
    except DataError:
        raise
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, NotImplementedError,
            RuntimeError) as exc:
        raise DataError(f"cannot decompress ({type(exc).__name__}: {exc})", path=path,
                        hint="download the file again; it is damaged or not what its name says") from exc
    return data


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """The text of a file: UTF-8 (a BOM dropped), UTF-16 with a BOM (Excel's "Unicode text"), else Windows-1252
    and finally Latin-1 (which decodes any byte)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DataError(f"not valid UTF-16 text ({exc})", path=path) from exc
    if b"\x00" in data[:65536]:
        raise DataError("binary data, not a text table", path=path,
                        hint="give the CSV (or Parquet) file itself")
    for enc in ("utf-8", "cp1252"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def sniff_separator(header: str) -> str:
    counts = {c: header.count(c) for c in (",", ";", "\t", "|")}
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ","


def _split(line: str, sep: str) -> list[str]:
    try:
        return [c.strip() for c in next(csv.reader([line], delimiter=sep), [])]
    except csv.Error:
        return [c.strip() for c in line.split(sep)]


def read_delimited(text: str, sep: str, path: Path, *, skip: int = 1, names: list[str] | None = None) -> pd.DataFrame:
    """The cells of a CSV as text, never converted (no number is parsed here): Arrow's reader with every column
    typed string (pandas' reader, also as text, when rows are shorter than the header).  *names* default to
    the header row's; *skip* lines are left out above the data."""
    if names is None:
        names = _split(text.split("\n", 1)[0].rstrip("\r"), sep)
    gen = [f"c{i}" for i in range(len(names))]
    data = text.encode("utf-8")
    try:
        tb = pacsv.read_csv(io.BytesIO(data), read_options=pacsv.ReadOptions(column_names=gen, skip_rows=skip,
                                                                             use_threads=False),
                            parse_options=pacsv.ParseOptions(delimiter=sep),
                            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(gen, pa.string()),
                                                                 strings_can_be_null=False))
        df = tb.to_pandas(types_mapper=pd.ArrowDtype)
    except (pa.ArrowException, ValueError):
        df = _ragged(text, sep, path, skip, names)
    df.columns = names
    return df


def _ragged(text: str, sep: str, path: Path, skip: int, names: list[str]) -> pd.DataFrame:
    """What Arrow's reader refuses: rows shorter than the header get empty cells; a longer row is an error."""
    hint = "check the separator (sep=) and that every row has as many fields as the header"
    try:
        rows = [r for r in list(csv.reader(io.StringIO(text), delimiter=sep))[skip:] if r]
    except csv.Error as exc:
        raise DataError(f"cannot read as a table ({exc})", path=path, hint=hint) from exc
    long = next((i for i, r in enumerate(rows) if len(r) > len(names)), None)
    if long is not None:
        raise DataError(f"cannot read as a table: data row {long + 1} has {len(rows[long])} fields, the header "
                        f"{len(names)}", path=path, hint=hint)
    n = len(names)
    return pd.DataFrame([r + [""] * (n - len(r)) for r in rows], columns=[f"c{i}" for i in range(n)], dtype=object)


def _text_table(path: Path, text: str, sep: str | None, encoding: str) -> _Table:
    text = text.lstrip("\ufeff")
    head = text.split("\n", 3)
    if not text.strip():
        raise EmptyPriceFile("file is empty", path=path)
    sep = sep or sniff_separator(head[0])
    rows = [_split(h.rstrip("\r"), sep) for h in head[:3]]
    if (len(rows) == 3 and rows[2][:1] and rows[2][0].lower() in ("date", "datetime") and not any(rows[2][1:])
            and rows[0][0].lower() in ("price", "ticker", "") and rows[1][0].lower() in ("ticker", "price", "")):
        # yfinance's multi-level CSV: two header rows (field, ticker) then a row naming the index
        if len(rows[1]) != len(rows[0]):
            raise DataError("the two header rows have different numbers of fields", path=path)
        fields_first = rows[0][0].lower() != "ticker"
        lv = pd.DataFrame({"field": rows[0 if fields_first else 1][1:], "ticker": rows[1 if fields_first else 0][1:]})
        frame = read_delimited(text, sep, path, skip=3, names=["Date", *[f"{i}" for i in range(len(lv))]])
        return _Table(frame, levels=lv, line0=4, sep=sep, encoding=encoding)
    names = _split(head[0].lstrip("\ufeff").rstrip("\r"), sep)
    twice = sorted({n for k, n in enumerate(names) if n and n in names[:k]})
    if twice:
        raise DataError(f"column {twice[0]!r} appears twice in the header", path=path,
                        hint="one column per ticker or field: remove or rename the duplicate")
    frame = read_delimited(text, sep, path, names=[n.lstrip("\ufeff") for n in names])
    return _Table(frame, line0=2, sep=sep, encoding=encoding)


def _parquet_table(path: Path, data: bytes | None = None) -> _Table:
    try:
        df = pd.read_parquet(path if data is None else io.BytesIO(data))
    except Exception as exc:  # pyarrow raises many kinds (ArrowInvalid, OSError, ...) on a damaged file
        raise DataError(f"cannot read as Parquet ({type(exc).__name__}: {str(exc)[:200]})", path=path) from exc
    if isinstance(df.index, pd.DatetimeIndex) or str(df.index.name or "").lower() in _DATE:
        df = df.reset_index()
    if isinstance(df.columns, pd.MultiIndex) and df.columns.nlevels == 2:
        cols = list(df.columns)
        date_at = [k for k, c in enumerate(cols) if str(c[0]).lower() in _DATE or str(c[1]).lower() in _DATE]
        if not date_at:
            raise DataError("no date column in the two-level header", path=path)
        rest = [c for k, c in enumerate(cols) if k not in date_at]
        a, b = [str(c[0]) for c in rest], [str(c[1]) for c in rest]
        fields_first = sum(x.lower() in _FIELDS for x in a) >= sum(x.lower() in _FIELDS for x in b)
        lv = pd.DataFrame({"field": a if fields_first else b, "ticker": b if fields_first else a})
        body = df[rest].set_axis([str(i) for i in range(len(rest))], axis=1)
        frame = pd.concat([df.iloc[:, date_at[0]].rename("Date"), body], axis=1)
        return _Table(frame.reset_index(drop=True), levels=lv, line0=None)
    if isinstance(df.columns, pd.MultiIndex):
        raise DataError(f"a header of {df.columns.nlevels} levels", path=path, hint="save one level (or two: field, ticker)")
    df.columns = [str(c).strip() for c in df.columns]
    return _Table(df.reset_index(drop=True), line0=None)


def _load(path: Path, sep: str | None) -> _Table:
    if not path.exists():
        raise DataError("file not found", path=path)
    if path.is_dir():
        raise DataError("is a folder, not a file", path=path)
    if path.suffix.lower() in (".parquet", ".pq"):
        return _parquet_table(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read ({exc.strerror or exc})", path=path) from exc
    if not data:
        raise EmptyPriceFile("file is empty (0 bytes)", path=path)
    data = _uncompressed(path, data)
    if data[:4] == b"PAR1":
        return _parquet_table(path, data)
    text, enc = decode_text(path, data)
    return _text_table(path, text, sep, enc)


# --------------------------------------------------------------------------- numbers and dates
def _arrow_text(s: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A text column as a trimmed Arrow string array (regular expressions in RE2: linear time, no crash)."""
    if isinstance(s.dtype, pd.ArrowDtype) and pa.types.is_string(s.dtype.pyarrow_dtype):
        arr = s.array.__arrow_array__()
    else:
        arr = pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    return pc.utf8_trim_whitespace(arr)


def column_numbers(s: pd.Series, decimal: str = ".", *, codes: frozenset[str] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
    """Parse one column: ``(values, why)`` where *why* is the reason a non-empty cell is not a number (or is out
    of range), None elsewhere.  Missing markers of price files (empty, ``null``, ``NaN``, ``#N/A``, ``-``) and *codes* (CRSP's
    missing-return letters and -44..-99) are NaN and not bad; every other cell goes through the kit's one
    bounded parser (``insider_kit._parse.parse_numbers``: by rule, ``1,2,3`` and ``4.000,5`` with
    ``decimal="."`` are not numbers, no text reaches a parser that could crash), bounded by :data:`VALUE_LIMIT`.
    """
    if pd.api.types.is_bool_dtype(s.dtype):
        why = np.full(len(s), None, dtype=object)
        why[s.notna().to_numpy()] = "a true/false value is not a number"
        return np.full(len(s), np.nan), why
    if not pd.api.types.is_numeric_dtype(s.dtype):
        t = _arrow_text(s)
        low = pc.utf8_lower(t)
        missing = pc.fill_null(pc.or_(pc.is_in(low, value_set=pa.array(sorted(_MISSING))),
                                      pc.is_in(t, value_set=pa.array(sorted(codes), pa.string()))), True)
        if pc.any(missing).as_py():
            t = pc.if_else(missing, pa.scalar("", pa.string()), t)
        s = pd.Series(pd.arrays.ArrowExtensionArray(t if isinstance(t, pa.ChunkedArray) else pa.chunked_array([t])),
                      index=s.index)
    got = parse_numbers(s, decimal="," if decimal == "," else ".", limit=VALUE_LIMIT, what=str(s.name or "value"))
    v = np.array(got.values.to_numpy(dtype=float), dtype=float)
    if codes:
        v[np.isin(v, [-44.0, -55.0, -66.0, -77.0, -88.0, -99.0])] = np.nan
    return v, got.reason.to_numpy(dtype=object)


def _numeric(df: pd.DataFrame, path: Path, table: _Table | None = None, *, decimal: str = ".",
             codes: frozenset[str] = frozenset()) -> pd.DataFrame:
    """The price readers' one numeric path: every column through :func:`column_numbers`, a cell that is not a number
    an error naming the file, the column and the line."""
    out = {}
    for c in df.columns:
        v, why = column_numbers(df[c], decimal, codes=codes)
        bad = np.array([w is not None for w in why])
        if bad.any():
            i = int(np.argmax(bad))
            cell = str(df[c].iloc[i])[:40]
            where = table.where(i) if table is not None else f"row {i + 1}"
            size = "too large" in why[i] or "beyond" in why[i]
            limit = f" (beyond +/-{VALUE_LIMIT:.0e})" if size else ""
            raise DataError(f"column {c!r}, {where}: non-numeric value{limit}: {cell!r} ({int(bad.sum()):,} such cell(s))",
                            path=path, hint="fix or empty those cells" + (
                                "; decimal commas: say decimal=','" if "decimal comma" in why[i] else ""))
        out[c] = v
    return pd.DataFrame(out, index=df.index, columns=df.columns, dtype=float)


def _decimal_mark(table: _Table, cols: list[str], decimal: DecimalMark) -> str:
    """``","`` for a semicolon- or tab-separated file whose numbers are written ``3,14`` and never ``3.14``."""
    if decimal != "auto":
        return decimal
    if table.line0 is None or table.sep == ",":
        return "."
    sample = pd.concat([table.frame[c].astype("string").head(200) for c in cols]) if cols else pd.Series([], dtype="string")
    comma = sample.str.fullmatch(r"\s*[-+]?\d+,\d+\s*").fillna(False).any()
    dot = sample.str.contains(r"\d\.\d", regex=True).fillna(False).any()
    return "," if comma and not dot else "."


_SLASHED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")


def _dates(s: pd.Series, path: Path, col: str, order: DateOrder = "auto", table: _Table | None = None) -> pd.Series:
    """Trading dates of a price file (NaT for a row without a date), refused rather than guessed when ambiguous.

    ISO dates (with a time and a UTC offset, as yfinance writes them: the offset may change across a DST
    change, and each value is converted to its New York date), 8-digit integers ``YYYYMMDD`` (CRSP), and
    ``NN/NN/YYYY`` only when *order* says ``mdy`` or ``dmy`` (or the values decide it: a first field above 12
    is a day).  Every date goes through the kit's bounded parser (:func:`insider_kit.days.parse_dates`).
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        d = pd.Series(new_york_dates(s), index=s.index)
        d = d.where((d >= DATE_MIN) & (d <= DATE_MAX))
        blank = s.isna()
    elif (fast := _plain_dates(s)) is not None:
        d, blank = fast
    else:
        txt = s.astype("string").str.strip()
        blank = txt.isna() | (txt == "")
        txt = txt.where(~blank)
        if txt.dropna().str.fullmatch(r"\d{8}(?:\.0)?").all() and (~blank).any():
            d = parse_dates(txt.str.slice(0, 8), ("%Y%m%d",))
        else:
            d = _text_dates(txt, path, col, order)
    bad = d.isna() & ~blank
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        where = table.where(i) if table is not None else f"row {i + 1}"
        raise DataError(f"column {col!r}, {where}: unparseable date (or an impossible one): {str(s.iloc[i])[:40]!r} "
                        f"({int(bad.sum()):,} such value(s))", path=path)
    return d.dt.normalize()


_ISO_DAY = r"^\d{4}-\d{2}-\d{2}$"
_ISO_STAMP = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:\d{2}|Z)$"


def _plain_dates(s: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """The fast path of :func:`_dates`: every date ``YYYY-MM-DD`` (or yfinance's ``YYYY-MM-DD HH:MM:SS-05:00``,
    converted to its New York date), checked by RE2 and converted at once; else None."""
    try:
        t = _arrow_text(s)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    empty = pc.fill_null(pc.equal(t, ""), True)
    for rx, stamp in ((_ISO_DAY, False), (_ISO_STAMP, True)):
        ok = pc.fill_null(pc.match_substring_regex(t, rx), False)
        if not pc.all(pc.or_(ok, empty)).as_py():
            continue
        try:  # (Arrow's ISO parser refuses an impossible day such as 2024-02-30: the careful path then names it)
            ts = pc.cast(pc.if_else(ok, t, pa.scalar(None, pa.string())), pa.timestamp("s", tz="UTC" if stamp else None))
        except pa.ArrowException:
            return None
        v = np.asarray(ts.to_numpy(zero_copy_only=False), dtype="datetime64[s]")
        with np.errstate(invalid="ignore"):
            inside = (v >= DATE_MIN.to_datetime64() - np.timedelta64(1, "D")) & (v <= DATE_MAX.to_datetime64() + np.timedelta64(1, "D"))
        v = np.where(inside, v, np.datetime64("NaT")).astype("datetime64[ns]")
        d = pd.Series(new_york_dates(pd.Series(v).dt.tz_localize("UTC")) if stamp else v, index=s.index)
        d = d.where((d >= DATE_MIN) & (d <= DATE_MAX))
        return d, pd.Series(empty.to_numpy(zero_copy_only=False), index=s.index)
    return None


def _text_dates(txt: pd.Series, path: Path, col: str, order: DateOrder) -> pd.Series:
    slashed = txt.str.extract(_SLASHED)
    if slashed[0].notna().any():
        a = pd.to_numeric(slashed[0], errors="coerce")  # (one or two digits: nothing to overflow)
        b = pd.to_numeric(slashed[1], errors="coerce")
        if order in ("auto", "ymd"):
            if (a > 12).any() and not (b > 12).any():
                order = "dmy"
            elif (b > 12).any() and not (a > 12).any():
                order = "mdy"
            else:
                ex = txt[slashed[0].notna()].iloc[0]
                raise DataError(f"column {col!r}: dates like {ex!r} can be read day-first or month-first",
                                path=path, hint="say which: date_order='mdy' or 'dmy' (--date-order)")
        fmt = "%m/%d/%Y" if order == "mdy" else "%d/%m/%Y"
        return parse_dates(txt.str.replace(r"[.\-]", "/", regex=True), (fmt,))
    if txt.str.contains(r"(?:[+-]\d{2}:?\d{2}|Z)$", regex=True).fillna(False).any():
        stamp = txt.str.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?")
        clean = txt.where(stamp.fillna(False))
        utc = pd.to_datetime(clean, errors="coerce", utc=True, format="ISO8601")
        d = pd.Series(new_york_dates(utc), index=txt.index)
        return d.where((d >= DATE_MIN) & (d <= DATE_MAX))
    return parse_dates(txt.str.slice(0, 19), ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d",
                                             "%Y-%m-%d %H:%M", "%d-%b-%Y", "%b %d, %Y", "%Y%m%d"))


# --------------------------------------------------------------------------- prices or returns
def _percent_like(v: np.ndarray) -> tuple[bool, str]:
    """Whether returns look like percent: moves beyond 1 (100% in decimals, common in percent) on at least 5% of
    the days, or a median move of 0.1 or more over ten values or more (a 10% median daily move is not a
    decimal return)."""
    a = np.abs(v[np.isfinite(v)])
    if a.size == 0:
        return False, "no values"
    big = int((a > 1.0).sum())
    med = float(np.median(a))
    why = f"median move {med:.3g}, {big:,} of {a.size:,} moves beyond 1"
    return (big >= 2 and big >= 0.05 * a.size) or (med >= 0.1 and a.size >= 10), why


def classify_values(values: np.ndarray | pd.Series) -> tuple[Literal["price", "return", "percent", "unknown", "empty"], str]:
    """Whether one series of numbers looks like prices, returns in decimals, returns in percent, or cannot tell.

    Prices are positive levels whose day-to-day relative changes are small; returns are small numbers of both
    signs (a series of prices is never negative, a long series of returns is never all positive).  The rules:

    * at least 10% of the values negative (or any negative in a series shorter than 50): returns; in percent
      when at least 5% of the moves are beyond 1 (beyond 100% in decimals), or the median move is 0.1 or more
      over ten values or more; but mostly positive levels with a few negative values (under 10%) are prices
      with errors in them;
    * all positive, with a median absolute relative change below 20% between consecutive values and either a
      median level of 0.5 or more or at least 30 values: prices; fewer than 30 positive values with a median of
      0.5 or more are prices too (a decimal return of +50% a day is not a return);
    * anything else (a few small positive numbers, or positive values jumping by more than 20% a day): cannot
      tell — the caller then uses the column's name, or asks.

    Parameters
    ----------
    values
        The numbers in date order (NaN ignored).

    Returns
    -------
    tuple of (str, str)
        ``"price"``, ``"return"``, ``"percent"``, ``"unknown"`` or ``"empty"``, and the reason in words.

    Examples
    --------
    >>> classify_values([101.2, 102.0, 100.9, 101.5])[0]
    'price'
    >>> classify_values([0.012, -0.004, 0.003, -0.011])[0]
    'return'
    >>> classify_values([1.2, -0.4, 0.3, -1.1])[0]
    'percent'
    >>> classify_values([0.01, 0.02])
    ('unknown', 'only 2 positive value(s), too few and too small to tell prices from returns')
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return "empty", "no values"
    neg = int((v < 0).sum())
    med = float(np.median(np.abs(v)))
    pos = v[v > 0]
    with np.errstate(all="ignore"):  # (a ratio of a tiny to a huge value overflows to inf: a big move all the same)
        rel = float(np.median(np.abs(pos[1:] / pos[:-1] - 1.0))) if len(pos) >= 2 else np.nan
    levels = bool(len(pos) and ((med >= 0.5 and (len(pos) < 30 or rel < 0.2)) or (len(pos) >= 30 and rel < 0.2)))
    if neg and (neg >= 0.1 * n or (n < 50 and not (levels and neg < 0.1 * n))):
        share = f"{neg:,} of {n:,} values negative"
        pct, why = _percent_like(v)
        return ("percent", f"{share}, {why}: returns in percent?") if pct else ("return", f"{share}, {why}")
    if levels:
        return "price", f"positive levels (median {med:.4g}), median daily change {rel:.2%}"
    if len(pos) >= 30:
        return "unknown", f"positive values jumping by a median {rel:.0%} from one day to the next"
    return "unknown", f"only {n:,} positive value(s), too few and too small to tell prices from returns"


def _name_kind(name: str | None) -> Kind | None:
    low = (name or "").lower().strip()
    if low in _RET or low in ("dlret",):
        return "return"
    if low in _ADJ or low in _CLOSE:
        return "price"
    return None


def _settle_kind(wide: pd.DataFrame, path: Path, kind: KindOption, returns_in: ReturnsIn, name: str | None,
                 flag: str) -> tuple[pd.DataFrame, Kind, str]:
    """Decide (or check) prices vs returns for a whole file; convert and check returns' units."""
    verdicts = {c: classify_values(wide[c].to_numpy()) for c in wide.columns}
    priced = [c for c, (k, _) in verdicts.items() if k == "price"]
    returned = [c for c, (k, _) in verdicts.items() if k in ("return", "percent")]
    say = f"say it: {flag} price or {flag} return ({flag.strip('-').replace('-', '_')}= in Python)"
    label = f"column {name!r}" if name else "the values"
    found: Kind
    if kind == "auto":
        if priced and returned:
            raise DataError(f"some columns look like prices ({', '.join(map(str, priced[:3]))}: {verdicts[priced[0]][1]}) and "
                            f"others like returns ({', '.join(map(str, returned[:3]))}: {verdicts[returned[0]][1]})",
                            path=path, hint="one file holds one kind: split it, or remove the odd columns")
        if returned:
            found, why = "return", f"returns, from the values ({verdicts[returned[0]][1]})"
        elif priced:
            found, why = "price", f"prices, from the values ({verdicts[priced[0]][1]})"
        elif _name_kind(name) is not None:
            found = _name_kind(name)  # type: ignore[assignment]
            why = f"{found}s, from the column's name {name!r} (the values cannot tell: {next(iter(verdicts.values()))[1]})"
        else:
            reason = next((r for k, r in verdicts.values() if k == "unknown"), "no values")
            raise DataError(f"cannot tell whether {label} are prices or returns ({reason})", path=path, hint=say)
        if name and _name_kind(name) not in (None, found):
            why += f"; the column is named {name!r}"
    else:
        found, why = kind, f"{kind}s, as stated"
        if kind == "price" and returned:
            c = returned[0]
            raise DataError(f"stated to hold prices, but column {c!r} looks like returns ({verdicts[c][1]}): prices "
                            "are never negative", path=path, hint=f"if they are returns, {flag} return")
        long_levels = [c for c in priced if wide[c].notna().sum() >= 30]
        if kind == "return" and long_levels:
            c = long_levels[0]
            raise DataError(f"stated to hold returns, but column {c!r} looks like prices ({verdicts[c][1]})",
                            path=path, hint=f"if they are prices, {flag} price")
    if found == "return":
        wide = _return_units(wide, path, returns_in)
        if returns_in == "percent":
            why += ", converted from percent"
    return wide, found, why


def _return_units(wide: pd.DataFrame, path: Path, returns_in: ReturnsIn) -> pd.DataFrame:
    v = wide.to_numpy(float)
    fin = np.abs(v[np.isfinite(v)])
    med = float(np.median(fin)) if fin.size else 0.0
    pct, why = _percent_like(v)
    if returns_in == "percent":
        if fin.size >= 10 and med < 0.05:
            raise DataError(f"returns stated to be in percent, but their median move is {med:.3g} (read as percent: "
                            f"{med / 100:.4%} a day): they look like decimals already", path=path,
                            hint="drop --returns-in percent (returns_in='percent')")
        wide = wide / 100.0
        v, med = v / 100.0, med / 100.0
    elif pct:
        raise DataError(f"the returns look like percent ({why}: 1.2 would be read as +120% a day)",
                        path=path, hint="if they are in percent, say it: --returns-in percent (returns_in='percent')")
    if med >= 0.1 and fin.size >= 10:
        raise DataError(f"median daily move {med:.0%} even in percent: these are not daily returns", path=path,
                        hint="check the file; if it holds prices, say --kind price")
    with np.errstate(invalid="ignore"):
        below = v < -1.0
        huge = v > RETURN_LIMIT
    if huge.any():
        i, j = (int(x[0]) for x in np.nonzero(huge))
        raise DataError(f"column {wide.columns[j]!r}: a return of {v[i, j]:.4g} ({v[i, j]:.0%}) on {wide.index[i]:%Y-%m-%d}: "
                        "not a daily return", path=path, hint="fix or empty that cell")
    if below.any():
        i, j = (int(x[0]) for x in np.nonzero(below))
        raise DataError(f"column {wide.columns[j]!r}: a return below -100% ({v[i, j]:.4g}) on "
                        f"{wide.index[i]:%Y-%m-%d} ({int(below.sum()):,} such value(s)): not a simple return",
                        path=path, hint="fix those rows; if the file is in percent, say --returns-in percent")
    return wide


# --------------------------------------------------------------------------- layouts
def _find(cols: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.lower().strip(): c for c in reversed(cols)}
    return next((low[n] for n in names if n in low), None)


def _pick_value(cols: list[str]) -> tuple[str, bool | None] | None:
    """The value column of one instrument's fields: adjusted prices, else returns, else a close."""
    for names, adjusted in ((_ADJ, True), (_RET, None), (_CLOSE, False)):
        c = _find(cols, names)
        if c is not None:
            return c, adjusted
    return None


@dataclass
class _Read:
    wide: pd.DataFrame
    value_column: str
    adjusted: bool | None
    ids: Literal["ticker", "permno"] = "ticker"
    name: str | None = None  # the value column's own name, when it can hint prices or returns
    skipped: list[dict[str, object]] = field(default_factory=list)
    delistings: pd.DataFrame | None = None  # CRSP delisting returns (long files with dlret)
    notes: list[str] = field(default_factory=list)


def _indexed(vals: pd.DataFrame, d: pd.Series, path: Path, col: str) -> pd.DataFrame:
    """Rows without a date and without values dropped (a row with values but no date was refused earlier),
    duplicate dates refused, sorted by date."""
    keep = d.notna().to_numpy()
    vals, d = vals[keep], d[keep]
    idx = pd.DatetimeIndex(d.to_numpy(), name="date")
    if idx.has_duplicates:
        raise DataError(f"duplicate date {idx[idx.duplicated()][0]:%Y-%m-%d} in column {col!r}", path=path,
                        hint="one row per trading day")
    vals.index = idx
    return vals.sort_index()


def _one_instrument(t: _Table, path: Path, dcol: str, name: str, order: DateOrder, decimal: DecimalMark) -> _Read:
    cols = [c for c in t.frame.columns if c != dcol]
    pick = _pick_value(cols)
    assert pick is not None
    vcol, adjusted = pick
    low = {c.lower() for c in cols}
    notes = []
    if adjusted is False and {"dividends", "stock splits"} <= low:
        adjusted = True  # yfinance's Ticker.history(): auto_adjust=True writes adjusted prices under Close
        notes.append("Close of a yfinance history() file (auto-adjusted)")
    dec = _decimal_mark(t, [vcol], decimal)
    vals = _numeric(t.frame[[vcol]], path, t, decimal=dec, codes=_CRSP_CODES if vcol.lower() in _RET else frozenset())
    d = _dates(t.frame[dcol], path, dcol, order, t)
    wide = _indexed(vals.set_axis([name], axis=1), d, path, dcol)
    return _Read(wide, vcol, adjusted, name=vcol, notes=notes)


def _multi_level(t: _Table, path: Path, order: DateOrder, decimal: DecimalMark, junk: JunkColumns) -> _Read:
    assert t.levels is not None
    lv = t.levels.assign(col=[str(c) for c in t.frame.columns[1:]])
    d = _dates(t.frame.iloc[:, 0], path, "Date", order, t)
    series: dict[str, np.ndarray] = {}
    chosen: set[str] = set()
    adjusted: set[bool] = set()
    skipped: list[dict[str, object]] = []
    for raw, g in lv.groupby("ticker", sort=False):
        pick = _pick_value(list(g["field"]))
        if pick is None:
            raise DataError(f"ticker {raw!r}: no price or return field among {list(g['field'])}", path=path)
        fcol, adj = pick
        col = g.loc[g["field"] == fcol, "col"].iloc[0]
        dec = _decimal_mark(t, [col], decimal)
        v = _numeric(t.frame[[col]].set_axis([f"{fcol} {raw}"], axis=1), path, t, decimal=dec).iloc[:, 0]
        tk = ticker_of_name(raw)
        if tk is None or tk in series:
            why = "not a ticker" if tk is None else f"a second column for {tk}"
            if v.notna().any() and junk == "refuse":
                raise TickerNameError(f"column {raw!r} ({fcol}) holds {int(v.notna().sum()):,} values but is {why}",
                                      path=path, hint="rename it to its ticker, or remove it")
            skipped.append({"column": str(raw), "reason": why + ("" if v.notna().any() else ", no values")})
            continue
        series[tk] = v.to_numpy()
        chosen.add(fcol)
        adjusted.add(True if adj is None else adj)
    if not any(lv["field"].str.lower().isin(_ADJ)) and adjusted == {False}:
        adjusted = {True}  # yfinance writes Adj Close unless auto_adjust=True, which adjusts Close itself
        chosen = {f"{c} (yfinance auto-adjusted)" for c in chosen}
    wide = _indexed(pd.DataFrame(series, index=t.frame.index), d, path, "Date")
    return _Read(wide, ", ".join(sorted(chosen)), adjusted.pop() if len(adjusted) == 1 else None,
                 name=next(iter(chosen)).split(" (")[0] if len(chosen) == 1 else None, skipped=skipped)


def _columns_as_tickers(body: pd.DataFrame, path: Path, junk: JunkColumns) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Wide columns through the kit's ticker rule: empty columns and junk names without values skipped and listed,
    junk names holding values refused (or skipped with *junk* ``"skip"``), two columns of one ticker refused."""
    has = body.notna().sum()
    keep: dict[str, str] = {}
    skipped: list[dict[str, object]] = []
    for c in body.columns:
        tk = ticker_of_name(c)
        n = int(has[c])
        if tk is None:
            if n and junk == "refuse":
                raise TickerNameError(f"column {c!r} holds {n:,} values but is not a ticker", path=path,
                                      hint="rename it to its ticker, or remove it")
            skipped.append({"column": str(c), "reason": f"not a ticker ({n:,} values)" if n else "not a ticker, no values"})
        elif n == 0:
            skipped.append({"column": str(c), "reason": "no values"})
        elif tk in keep:
            raise DataError(f"ticker {tk} appears twice (columns {keep[tk]!r} and {c!r})", path=path,
                            hint="keep one of them (tickers ignore case; a share class's dot and dash are one)")
        else:
            keep[tk] = c
    out = body[list(keep.values())]
    out.columns = list(keep)
    return out, skipped


def _long(t: _Table, path: Path, dcol: str, tcol: str, order: DateOrder, decimal: DecimalMark,
          junk: JunkColumns) -> _Read:
    cols = [c for c in t.frame.columns if c not in (dcol, tcol)]
    pick = _pick_value(cols)
    if pick is None:
        raise DataError(f"no value column: expected one of {', '.join(_ADJ[:4] + _RET[:3] + _CLOSE[:3])}; columns are "
                        f"{list(t.frame.columns)[:12]}", path=path)
    vcol, adjusted = pick
    is_ret = vcol.lower() in _RET
    dec = _decimal_mark(t, [vcol], decimal)
    vals = _numeric(t.frame[[vcol]], path, t, decimal=dec, codes=_CRSP_CODES if is_ret else frozenset())[vcol]
    dl = _find(cols, ("dlret",)) if is_ret else None
    dlr = _numeric(t.frame[[dl]], path, t, decimal=dec, codes=_CRSP_CODES)[dl] if dl is not None else None
    d = _dates(t.frame[dcol], path, dcol, order, t)
    raw = t.frame[tcol].astype("string").str.strip()
    ids: Literal["ticker", "permno"] = "permno" if tcol.lower() == "permno" else "ticker"
    if ids == "permno":
        norm = raw.str.replace(r"\.0$", "", regex=True).where(raw.str.fullmatch(r"\d{1,9}(?:\.0)?").fillna(False))
    else:
        uniq = {u: ticker_of_name(u) for u in raw.dropna().unique()}
        norm = raw.map(uniq)
        twice = pd.Series(uniq).dropna()
        twice = twice[twice.duplicated(keep=False)]
        if len(twice):
            tk = twice.iloc[0]
            raise DataError(f"ticker {tk} is written {', '.join(map(repr, twice[twice == tk].index))}", path=path,
                            hint="one spelling per ticker (tickers ignore case; a share class's dot and dash are one)")
    junk_rows = norm.isna().to_numpy() & (vals.notna().to_numpy() | raw.notna().to_numpy())
    skipped: list[dict[str, object]] = []
    if junk_rows.any():
        i = int(np.argmax(junk_rows))
        if vals[junk_rows].notna().any() and junk == "refuse":
            raise TickerNameError(f"{t.where(i)}: {str(raw.iloc[i])[:30]!r} in column {tcol!r} is not a "
                                  f"{'PERMNO' if ids == 'permno' else 'ticker'} ({int(junk_rows.sum()):,} such row(s))",
                                  path=path, hint="fix or remove those rows")
        skipped.append({"column": tcol, "reason": f"{int(junk_rows.sum()):,} row(s) whose {tcol} is not a "
                        f"{'PERMNO' if ids == 'permno' else 'ticker'}, e.g. {str(raw.iloc[i])[:30]!r}"})
    ok = ~junk_rows & d.notna().to_numpy() & norm.notna().to_numpy()
    long = pd.DataFrame({"date": d[ok].to_numpy(), "ticker": norm[ok].to_numpy(), "v": vals[ok].to_numpy()})
    dup = long.duplicated(["date", "ticker"])
    if dup.any():
        r = long[dup].iloc[0]
        raise DataError(f"duplicate date {r['date']:%Y-%m-%d} for {ids} {r['ticker']} ({int(dup.sum())} duplicates)",
                        path=path, hint="one row per ticker and day")
    wide = long.pivot(index="date", columns="ticker", values="v").sort_index()
    wide.columns = [str(c) for c in wide.columns]
    delist = None
    if dlr is not None and dl is not None:
        delist = _delistings(wide, pd.DataFrame({"date": d[ok].to_numpy(), "ticker": norm[ok].to_numpy(),
                                                 "dlret": dlr[ok].to_numpy()}), path, skipped)
    return _Read(wide, vcol, adjusted, ids=ids, name=vcol, skipped=skipped, delistings=delist)


def _delistings(wide: pd.DataFrame, rows: pd.DataFrame, path: Path, skipped: list[dict[str, object]]) -> pd.DataFrame:
    """CRSP's delisting returns as the returns panel takes them (``ticker, date, dlret``; ``date`` the stock's last
    day with a return, the delisting return realised on the next trading day), kept out of the daily returns."""
    rows = rows.dropna(subset=["dlret"])
    twice = rows["ticker"][rows["ticker"].duplicated()]
    if len(twice):
        raise DataError(f"{twice.iloc[0]} has {int((rows['ticker'] == twice.iloc[0]).sum())} delisting returns",
                        path=path, hint="one delisting return (DLRET) per stock")
    out = []
    for tk, day, r in zip(rows["ticker"], rows["date"], rows["dlret"], strict=True):
        have = wide[tk][wide.index <= day].dropna()
        if have.empty:
            skipped.append({"column": "dlret", "reason": f"{tk}: a delisting return without an earlier return"})
            continue
        out.append({"ticker": str(tk), "date": have.index[-1], "dlret": float(r)})
    return pd.DataFrame(out, columns=["ticker", "date", "dlret"])


def _wide(t: _Table, path: Path, dcol: str, order: DateOrder, decimal: DecimalMark, junk: JunkColumns) -> _Read:
    cols = [c for c in t.frame.columns if c != dcol]
    unnamed = [c for c in cols if c == "" or c.lower().startswith("unnamed:")]
    cols = [c for c in cols if c not in unnamed]
    skipped: list[dict[str, object]] = [{"column": c, "reason": "no header (a saved index?)"} for c in unnamed]
    if not cols:
        raise DataError("a date column but no ticker columns", path=path)
    dec = _decimal_mark(t, cols, decimal)
    body = _numeric(t.frame[cols], path, t, decimal=dec)
    body, more = _columns_as_tickers(body, path, junk)
    skipped += more
    d = _dates(t.frame[dcol], path, dcol, order, t)
    return _Read(_indexed(body, d, path, dcol), "(one column per ticker)", None, skipped=skipped)


def _date_column(t: _Table, path: Path) -> str:
    cols = [str(c) for c in t.frame.columns]
    dcol = _find(cols, _DATE)
    if dcol is None and cols and (cols[0] == "" or cols[0].lower() in ("unnamed: 0", "index")):
        dcol = cols[0]  # a frame saved with its date index unnamed
    if dcol is None:
        raise DataError(f"no date column (looked for {', '.join(_DATE[:5])}); columns are {cols[:8]}", path=path,
                        hint="name the date column 'Date'")
    return dcol


# long: one dispatch over the four layouts with the checks every layout shares (placeholders, kind, names)
def read_price_table(path: str | Path, *, layout: Literal["auto", "long", "wide"] = "auto", sep: str | None = None,
          decimal: DecimalMark = "auto", ticker: str | Callable[[], str] | None = None, date_order: DateOrder = "auto",
          kind: KindOption = "auto", returns_in: ReturnsIn = "decimal", junk_columns: JunkColumns = "refuse",
          flag: str = "--kind") -> tuple[pd.DataFrame, Kind]:
    path = Path(path)
    t = _load(path, sep)
    if t.frame.shape[0] == 0:
        raise EmptyPriceFile("a header without rows", path=path)
    if t.levels is not None:
        r = _multi_level(t, path, date_order, decimal, junk_columns)
    else:
        dcol = _date_column(t, path)
        cols = [c for c in t.frame.columns if c != dcol]
        tcol = _find(cols, _TICK)
        fields = [c for c in cols if c.lower().strip() in _FIELDS or c == "" or c.lower().startswith("unnamed:")]
        if layout == "long" or (layout == "auto" and tcol is not None):
            if tcol is None:
                raise DataError(f"long layout needs a ticker column ({', '.join(_TICK)})", path=path)
            r = _long(t, path, dcol, tcol, date_order, decimal, junk_columns)
        elif layout == "auto" and cols and len(fields) == len(cols) and _pick_value(cols) is not None:
            name = ticker() if callable(ticker) else ticker or ticker_from_filename(path.name)
            r = _one_instrument(t, path, dcol, name, date_order, decimal)
        else:
            r = _wide(t, path, dcol, date_order, decimal, junk_columns)
    if r.wide.shape[1] == 0 or not r.wide.notna().to_numpy().any():
        raise EmptyPriceFile("no values in any cell" + (f" ({len(r.skipped):,} empty or junk columns)" if r.skipped else ""),
                             path=path)
    has = r.wide.notna().any()
    r.skipped += [{"column": str(c), "reason": "no values"} for c in r.wide.columns[~has]]
    wide, found, why = _settle_kind(r.wide.loc[:, has], path, kind, returns_in, r.name, flag)
    wide.index.name, wide.columns.name = "date", "ticker"
    wide.attrs.update({"kind_reason": why, "value_column": r.value_column,
                       "adjusted": None if found == "return" else r.adjusted, "ids": r.ids,
                       "skipped": r.skipped, "notes": r.notes, "encoding": t.encoding,
                       "delistings": r.delistings if found == "return" else None})
    return wide, found


def read_price_file(path: str | Path, *, layout: Literal["auto", "long", "wide"] = "auto", sep: str | None = None,
                    decimal: DecimalMark = "auto", ticker: str | None = None, date_order: DateOrder = "auto",
                    kind: KindOption = "auto", returns_in: ReturnsIn = "decimal",
                    junk_columns: JunkColumns = "refuse") -> tuple[pd.DataFrame, Kind]:
    """Read a price/returns file into a wide frame (DatetimeIndex x ticker columns) and say what it holds.

    A single instrument's file (fields such as Open/High/Low/Close/Adj Close) gives one column named *ticker*
    (default: the ticker the file's name carries, :func:`insider_kit.tickers.ticker_from_filename`).  See the
    module's notes for the layouts and the rules that decide prices vs returns and the adjusted column.

    Parameters
    ----------
    path
        A CSV/Parquet file (``.gz``, ``.bz2``, ``.xz`` or a one-file ``.zip`` allowed); UTF-8 (with or without a
        BOM), UTF-16 with a BOM, or Windows-1252/Latin-1 text.
    layout
        ``"long"`` (date, ticker, value), ``"wide"`` (date, one column per ticker), or ``"auto"``.
    sep
        CSV separator (None: the most frequent of ``, ; tab |`` in the header).
    decimal
        The decimal mark: ``"."``, ``","``, or ``"auto"`` (a comma for a ``;``- or tab-separated file whose
        numbers are written ``3,14`` and never ``3.14``).
    ticker
        The instrument of a single-instrument file.
    date_order
        For ``NN/NN/YYYY`` dates: ``"mdy"``, ``"dmy"``, or ``"auto"`` (refused when the values do not decide).
    kind
        ``"price"``, ``"return"``, or ``"auto"`` (decided from the values, refused when they cannot tell).
    returns_in
        ``"decimal"`` (returns that look like percent are refused) or ``"percent"`` (divided by 100).
    junk_columns
        ``"refuse"`` a column (or a long file's row) whose name is not a ticker but holds values, or ``"skip"``
        it (listed in ``attrs["skipped"]``).  Columns without values are always skipped and listed.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The wide frame and whether it holds ``"price"`` or ``"return"`` values.  ``frame.attrs`` holds
        ``kind_reason`` (how the kind was decided), ``value_column``, ``adjusted`` (True: an adjusted column;
        False: a close only; None: not stated, or returns), ``ids`` (``ticker`` or ``permno``), ``skipped``
        (columns left out, with the reason), ``encoding`` and ``delistings`` (CRSP delisting returns, or None).

    Raises
    ------
    EmptyPriceFile
        An empty file, a header without rows, or no value in any cell.
    DataError
        Naming the file, the column and the line: no date column, no value column, unparseable or duplicate
        dates, a cell that is not a number, a junk ticker holding values, or values that are neither clearly
        prices nor returns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import insider_kit as ik
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "AAA.csv"
    >>> _ = f.write_text("Date,Open,High,Low,Close,Adj Close,Volume\\n2024-01-02,10,11,9,10.5,10.4,100\\n"
    ...                  "2024-01-03,10.5,11,10,10.8,10.7,120\\n")
    >>> frame, kind = ik.read_price_file(f)
    >>> frame.columns.tolist(), kind, frame.attrs["value_column"], frame.attrs["adjusted"]
    (['AAA'], 'price', 'Adj Close', True)
    """
    return read_price_table(path, layout=layout, sep=sep, decimal=decimal, ticker=ticker, date_order=date_order, kind=kind,
                 returns_in=returns_in, junk_columns=junk_columns)
