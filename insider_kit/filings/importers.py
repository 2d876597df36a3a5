"""Importers of third-party insider files into the tidy ``transactions`` schema (shared/DESIGN.md).

Formats
-------
``openinsider``
    The OpenInsider screener table as users save it (CSV, or the HTML page / pasted table).  Columns ``X``
    (flags: ``A`` amended, ``D`` derivative transaction in the filing, ``E`` error detected, ``M`` multiple
    transactions in the filing), ``Filing Date`` (with EDGAR's acceptance time), ``Trade Date``, ``Ticker``,
    ``Company Name`` (optional), ``Insider Name``, ``Title``, ``Trade Type`` (``P - Purchase``, ``S - Sale``,
    ``S - Sale+OE`` ...), ``Price`` (``$145.99``), ``Qty`` (``+4,000``), ``Owned``, ``ΔOwn``, ``Value``
    (``-$2,171,893``); the site's own return columns ``1d 1w 1m 6m`` are ignored.  **One OpenInsider row
    aggregates the lots of one filing** (shares summed, price their weighted average), so one row is one
    trade of the tidy table; headers may hold non-breaking spaces.
``tfn``
    WRDS's Thomson Reuters (now LSEG) Insider Filings, Table 1 (stock transactions), as CSV, Parquet, SAS7BDAT
    or Stata: ``ticker, cusip6, cusip2, personid, owner, rolecode1..4, trancode, acqdisp, trandate, fdate,
    secdate, shares, tprice, sharesheld, cleanse, dcn, seqnum, formtype``.  Role codes are mapped to the kit's
    roles (:data:`TFN_ROLES`); rows whose cleanse indicator is not in ``keep_cleanse`` (default ``R`` and
    ``H``, the records Thomson Reuters verified or cleansed with high confidence — common practice in the
    literature) go to the dropped table with the code.
``csv`` (or ``mapped``)
    Any table — CSV, TSV, JSON (records, columns or split orientation, or JSON lines) or Parquet — with a
    ``mapping`` from its columns to the tidy names (:data:`MAPPING_TARGETS`).  A direction column of words
    (``buy``/``sell``, ``purchase``/``sale``) maps to ``trans_code`` P/S; a single ``role`` column
    (``OFFICER``, ``DIRECTOR``, ``TENPERCENTOWNER``, ``OTHER``, or titles such as ``CEO``) is normalised by
    :mod:`insider_kit.filings.roles`; 0/1 or true/false flags are read as booleans (``plan_10b5_1`` nullable).

Rules every format follows
--------------------------
* **Direction from the trade code.**  ``P`` is acquired and ``S`` disposed whatever the quantity's sign (an
  OpenInsider ``S - Sale`` with ``Qty 14,877`` stays a sale); codes whose direction is fixed by the Form 4
  instructions (``A D F L U``, and ``M X O C`` in the non-derivative table) likewise.  A filed A/D column
  (TFN ``acqdisp``, a mapped ``acquired_disposed``) and an explicit sign of the quantity or value are
  **cross-checks**: a conflict drops the row with its reason, so a purchase never becomes a disposal.  Other
  codes (``G``, ``J``, ``W`` ...) take their direction from the A/D column or the sign; without either the
  row is dropped.  A row without a valid transaction code is dropped.
* **Numbers and dates** go through ``insider_kit._parse`` (no crash on any text; ``$1,2,3``, ``inf``,
  ``1e308`` and magnitudes beyond ``insider_kit._parse.LIMITS`` refused; ``decimal=","`` only when
  said; slashed dates' day order given or decided per file, never guessed).  A value that is present but
  unreadable drops its row (with the reason); a blank one is missing.
* **Dropped, with a reason**: prices that are negative (or zero on an open-market trade), rows with neither
  shares nor a dollar value, dates outside 1986..tomorrow, trades after their filing date, rows without a
  filing date (unless the data are dated by trade date: ``dated_by="trade"``).
* Missing information is carried as missing, never invented: without an accession number or CIK the issuer
  is identified by ticker and an owner by name (the signals do this), without a 10b5-1 field ``plan_10b5_1``
  is null, an A/D derived from the code or the sign has ``ad_source = "derived"``.

Importing (:func:`import_transactions`) reads folders and glob patterns, skips empty files and "no results"
placeholders, removes duplicate files (same SHA-256, within the import or imported before) and duplicate
lines (the same trade in two files, or twice in one), and writes all or nothing (``skip_bad`` lists the bad
files and imports the rest).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Final, Literal, get_args

import numpy as np
import pandas as pd
import pyarrow as pa

from .._parse import LIMITS, AmbiguousDates, DateOrder, Decimal, parse_dates_bounded, parse_numbers
from ..config import DataPaths
from ..days import NEW_YORK
from ..errors import DataError
from ..tickers import normalise_tickers
from ._sources import expand_inputs, read_tables
from .codes import TRANSACTION_CODES
from .roles import normalise_roles
from .schema import DROPPED_COLUMNS, TABLES, TIDY_COLUMNS, finalize_columns, validate_rows

__all__ = ["FORMATS", "MAPPING_TARGETS", "TFN_ROLES", "DatedBy", "Format", "ImportReport", "import_transactions",
           "parse_mapping", "read_transactions_file"]

#: The third-party formats :func:`read_transactions_file` reads (``mapped`` is another name of ``csv``).
Format = Literal["openinsider", "tfn", "csv", "mapped"]
#: The formats as a tuple (from :data:`Format`).
FORMATS: tuple[str, ...] = get_args(Format)
#: What dates the events: the filing date (default; required) or the trade date only (filing dates may be null).
DatedBy = Literal["filing", "trade"]

#: Thomson Reuters role codes -> (is_director, is_officer, is_ten_percent_owner, title used for the role).
TFN_ROLES: dict[str, tuple[bool, bool, bool, str]] = {
    "CEO": (False, True, False, "CEO"), "CFO": (False, True, False, "CFO"), "P": (False, True, False, "President"),
    "PR": (False, True, False, "President"), "CB": (True, False, False, "Chairman of the Board"),
    "D": (True, False, False, ""), "DO": (True, True, False, ""), "OD": (True, True, False, ""),
    "VC": (True, False, False, ""), "O": (False, True, False, ""), "OO": (False, True, False, ""),
    "OT": (False, True, False, ""), "VP": (False, True, False, ""), "EVP": (False, True, False, ""),
    "SVP": (False, True, False, ""), "CO": (False, True, False, ""), "COO": (False, True, False, ""),
    "CT": (False, True, False, ""), "GC": (False, True, False, ""), "CAO": (False, True, False, ""),
    "B": (False, False, True, ""), "BO": (False, False, True, ""), "H": (False, True, True, ""),
    "SH": (False, False, True, ""),
}

#: The tidy columns a mapping may name (``role``: a relationship or title, normalised).
MAPPING_TARGETS: Final[tuple[str, ...]] = (
    "accession", "filing_date", "accepted_at", "form_type", "issuer_cik", "issuer_name", "ticker", "owner_cik",
    "owner_name", "n_owners", "is_director", "is_officer", "is_ten_percent_owner", "is_other", "officer_title",
    "role", "table", "security_title", "trans_date", "deemed_execution_date", "trans_code", "acquired_disposed",
    "shares", "price", "value", "shares_after", "ownership", "plan_10b5_1", "footnotes", "line")

#: Codes whose direction the Form 4 instructions fix (any table), and those fixed in the non-derivative table.
_DIRECTION: Final[dict[str, str]] = {"P": "A", "S": "D", "A": "A", "D": "D", "F": "D", "L": "A", "U": "D"}
_DIRECTION_NONDERIV: Final[dict[str, str]] = {**_DIRECTION, "M": "A", "X": "A", "O": "A", "C": "A"}
_WORDS: Final[dict[str, str]] = {"buy": "P", "bought": "P", "purchase": "P", "purchased": "P", "sell": "S",
                                 "sold": "S", "sale": "S"}
_AD: Final[dict[str | None, int]] = {"A": 1, "D": 2}
_STR: Final = "string[pyarrow]"
_TRUE: Final[frozenset[str]] = frozenset({"1", "1.0", "true", "t", "yes", "y"})
_FALSE: Final[frozenset[str]] = frozenset({"0", "0.0", "false", "f", "no", "n"})


# --------------------------------------------------------------------------------------------- options, mapping
@dataclass(frozen=True)
class _Options:
    format: str
    mapping: dict[str, str] | None = None
    keep_cleanse: tuple[str, ...] = ("R", "H")
    dated_by: DatedBy = "filing"
    date_order: DateOrder = "auto"
    decimal: Decimal = "."


def parse_mapping(spec: str | dict[str, Any] | None) -> dict[str, str] | None:
    """A ``--mapping``: a JSON object given inline or as the path of a file holding one, checked.

    Parameters
    ----------
    spec
        Inline JSON (it starts with ``{``), a file path, a dict, or None.

    Returns
    -------
    dict or None
        file column -> tidy column.

    Raises
    ------
    DataError
        Not a JSON object of names (``123``, a list), an unknown tidy column, two columns mapped to one target,
        a file that cannot be read.

    Examples
    --------
    >>> parse_mapping('{"Symbol": "ticker", "Date": "trans_date"}')
    {'Symbol': 'ticker', 'Date': 'trans_date'}
    >>> parse_mapping('{"A": "ticker", "B": "ticker"}')
    Traceback (most recent call last):
    ...
    insider_kit.errors.DataError: --mapping: columns 'A' and 'B' both map to 'ticker' ...
    """
    import json

    if spec is None:
        return None
    hint = 'a JSON object of file column -> tidy column, inline or in a file, e.g. \'{"Symbol": "ticker"}\''
    obj: Any = spec
    if isinstance(spec, str):
        text = spec.strip()
        if not text.startswith(("{", "[")) and not text.lstrip("-+").replace(".", "", 1).isdigit():
            p = Path(text).expanduser()
            shown = text if len(text) <= 80 else text[:77] + "..."
            try:
                if not p.is_file():
                    raise DataError("--mapping is neither a JSON object nor an existing file", path=shown, hint=hint)
                text = p.read_text(encoding="utf-8-sig")
            except OSError as exc:
                raise DataError(f"--mapping is neither a JSON object nor an existing file ({exc.strerror or exc})",
                                path=shown, hint=hint) from exc
            except UnicodeDecodeError as exc:
                raise DataError("--mapping file is not UTF-8 text", path=shown, hint=hint) from exc
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise DataError(f"--mapping is not valid JSON ({exc})", hint=hint) from exc
    if not isinstance(obj, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in obj.items()):
        raise DataError(f"--mapping must be a JSON object of column names, not {type(obj).__name__} "
                        f"{str(obj)[:60]!r}", hint=hint)
    unknown = sorted({v for v in obj.values() if v not in MAPPING_TARGETS})
    if unknown:
        raise DataError(f"--mapping: unknown tidy column(s) {unknown}", hint="one of " + ", ".join(MAPPING_TARGETS))
    seen: dict[str, str] = {}
    for k, v in obj.items():
        if v in seen:
            raise DataError(f"--mapping: columns {seen[v]!r} and {k!r} both map to {v!r}",
                            hint="map one file column to each tidy column")
        seen[v] = k
    return dict(obj)


def _clean_name(h: str) -> str:
    return re.sub(r"\s+", " ", str(h).replace("\u00a0", " ").replace("\ufeff", "")).strip()


# ------------------------------------------------------------------------------------- per file: the columns
_OI_NEED = ("Filing Date", "Trade Date", "Ticker", "Insider Name", "Title", "Trade Type", "Price", "Qty")
_OI_ALL = ("X", *_OI_NEED, "Company Name", "Owned", "Value")
_TFN_NEED = ("ticker", "personid", "owner", "trancode", "trandate", "fdate", "shares", "cleanse")
_TFN_ALL = (*_TFN_NEED, "acqdisp", "secdate", "tprice", "sharesheld", "dcn", "seqnum", "formtype", "cname",
            "rolecode1", "rolecode2", "rolecode3", "rolecode4")


def _header_test(opts: _Options) -> Callable[[list[str]], bool]:
    """Whether an HTML table's header row is the format's."""
    if opts.format == "openinsider":
        return lambda h: {"Ticker", "Trade Type"} <= {_clean_name(x) for x in h}
    if opts.format == "tfn":
        return lambda h: {"ticker", "trancode"} <= {_clean_name(x).lower() for x in h}
    keys = {_clean_name(k) for k in (opts.mapping or {})}
    return lambda h: bool(keys) and keys <= {_clean_name(x) for x in h}


def _select(raw: pa.Table, opts: _Options, path: Path) -> pa.Table:
    """The format's columns of one file, under the names the conversion uses (a missing required one: error)."""
    names: dict[str, str] = {}
    need: tuple[str, ...]
    wanted: tuple[str, ...]
    if opts.format == "openinsider":
        for n in raw.column_names:
            names.setdefault(_clean_name(n), n)
        need, wanted, fmt = _OI_NEED, _OI_ALL, "OpenInsider"
    elif opts.format == "tfn":
        for n in raw.column_names:
            names.setdefault(_clean_name(n).lower(), n)
        need, wanted, fmt = _TFN_NEED, _TFN_ALL, "TFN Table 1"
    else:
        for n in raw.column_names:
            names.setdefault(_clean_name(n), n)
        mapping = opts.mapping or {}
        absent = [k for k in mapping if _clean_name(k) not in names]
        if absent:
            raise DataError(f"mapping names column(s) {absent} the file lacks; it has "
                            f"{[str(c) for c in raw.column_names[:20]]}", path=path, hint="check --mapping")
        cols = [raw.column(names[_clean_name(k)]) for k in mapping]
        return pa.table(cols, names=list(mapping.values()))
    missing = [c for c in need if c not in names]
    if missing:
        raise DataError(f"not an {fmt} table: column(s) {', '.join(missing)} missing; found "
                        f"{', '.join(map(str, raw.column_names[:15]))}", path=path,
                        hint=f"is this file in the {fmt} format? (--format picks the importer)")
    present = [c for c in wanted if c in names]
    return pa.table([raw.column(names[c]) for c in present], names=present)


# ----------------------------------------------------------------------------------------- rows and reasons
#: A reason per dropped row: text for them all, or a function of the rows' positions giving one text each.
Detail = Callable[[np.ndarray], Sequence[object] | np.ndarray] | str | None


class _Rows:
    """The rows of a batch under conversion: the file and row number of each, the first reason each row is
    dropped for and its rule (the summary's category), and the files found bad as a whole."""

    def __init__(self, file: np.ndarray, row: np.ndarray) -> None:
        self.file = file
        self.row = row
        self.reason = np.full(len(file), None, dtype=object)
        self.rule = np.full(len(file), None, dtype=object)
        self.alive = np.ones(len(file), dtype=bool)
        self.bad_files: dict[int, tuple[str, str | None]] = {}

    def drop(self, mask: np.ndarray | pd.Series, rule: str, detail: Detail = None) -> None:
        """Drop the rows of *mask* not dropped yet, for *rule* (their reasons: *detail*, else the rule)."""
        m = np.asarray(mask, dtype=bool) & self.alive
        if not m.any():
            return
        ix = np.flatnonzero(m)
        self.alive[ix] = False
        self.rule[ix] = rule
        if detail is None or isinstance(detail, str):
            self.reason[ix] = detail or rule
        else:
            got = np.empty(len(ix), dtype=object)
            got[:] = list(detail(ix))
            self.reason[ix] = got

    def refused(self, reason: pd.Series, rule: str, *, outside: str | None = None) -> None:
        """Drop the rows a parser refused (*reason*: None where the value was read or blank); with *outside*,
        the dates outside the era under that rule."""
        r = reason.to_numpy(dtype=object)
        has = reason.notna().to_numpy(bool)
        if outside is not None and has.any():
            out = np.zeros(len(r), dtype=bool)
            ix = np.flatnonzero(has)
            out[ix] = [" is outside " in str(x) for x in r[ix]]
            self.drop(out, outside, lambda ix: r[ix])
        self.drop(has, rule, lambda ix: r[ix])

    @property
    def kept(self) -> np.ndarray:
        """The rows neither dropped nor in a bad file."""
        return self.alive & ~np.isin(self.file, list(self.bad_files))


def _const(value: str, index: pd.Index) -> pd.Series:
    """A text column of one value (Arrow-backed)."""
    return pd.Series(pd.arrays.ArrowStringArray(pa.repeat(pa.scalar(value, pa.string()), len(index))), index=index)


def _tables(n: int, index: pd.Index) -> pd.Series:
    """A ``table`` column of non-derivative rows."""
    return pd.Series(pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index(TABLES)), index=index)


def _text(s: pd.Series) -> pd.Series:
    """*s* as stripped Arrow text ('' for a missing cell)."""
    if not isinstance(s.dtype, pd.StringDtype):
        s = s.astype(object).map(lambda x: None if x is None or x is pd.NA or (isinstance(x, float) and x != x)
                                 else (x if isinstance(x, str) else str(x))).astype("string[pyarrow]")
    return s.fillna("").str.strip()


def _blank_na(s: pd.Series) -> pd.Series:
    """Blank text as missing."""
    return s.where(s != "")


def _by_distinct(s: pd.Series, fn: Callable[[str], Any]) -> np.ndarray:
    """``s.map(fn)`` computed once per distinct value (an object array)."""
    codes, uniq = pd.factorize(s, use_na_sentinel=False)
    vals = np.empty(len(uniq) + 1, dtype=object)
    vals[:-1] = [fn("" if u is None or u is pd.NA else str(u)) for u in np.asarray(uniq, dtype=object)]
    return vals[codes]


def _fields_by_distinct(s: pd.Series, fn: Callable[[str], tuple[Any, ...]], dtypes: Sequence[Any]) -> list[np.ndarray]:
    """The fields of ``fn`` of each value, computed once per distinct value, as one array per field."""
    codes, uniq = pd.factorize(s, use_na_sentinel=False)
    got = [fn("" if u is None or u is pd.NA else str(u)) for u in np.asarray(uniq, dtype=object)]
    return [np.array([g[k] for g in got], dtype=dt)[codes] if len(got) else np.zeros(0, dtype=dt)
            for k, dt in enumerate(dtypes)]


def _explicit_sign(raw: pd.Series | None, value: pd.Series) -> np.ndarray:
    """+1 where the text writes ``+``, -1 where the number read is negative, 0 where unsigned or missing."""
    v = value.to_numpy(float)
    plus = np.zeros(len(v), dtype=bool) if raw is None or not (isinstance(raw.dtype, pd.StringDtype) or raw.dtype == object) \
        else _text(raw).str.match(r"^\(?\s*[$€£]?\s*\+").fillna(False).to_numpy(bool)
    with np.errstate(invalid="ignore"):
        return np.where(v < 0, -1, np.where(plus & (v >= 0), 1, 0))


def _numbers(df: pd.DataFrame, col: str, rows: _Rows, opts: _Options, *, what: str,
             limit: float | None) -> pd.Series:
    """The column parsed (``insider_kit._parse.parse_numbers``), rows with an unreadable value dropped."""
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index)
    got = parse_numbers(df[col], decimal=opts.decimal, limit=limit, what=what)
    rows.refused(got.reason, f"{what} not a usable number")
    return got.values


def _is_datetime(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s.dtype)


def _dates(df: pd.DataFrame, cols: Sequence[str], rows: _Rows, opts: _Options, *, names: Sequence[str] | None = None,
           keep_time: bool = False) -> list[tuple[pd.Series, np.ndarray]]:
    """Date columns parsed together (their day order decided per file from all of them: a file whose order
    nothing decides is bad), rows with an unreadable or out-of-era date dropped.  Absent columns give NaT."""
    names = list(names or cols)
    n = len(df)
    out: list[tuple[pd.Series, np.ndarray]] = []
    present = [c for c in cols if c in df.columns]
    typed = [c for c in present if _is_datetime(df[c])]
    texts = [c for c in present if c not in typed]
    parsed: dict[str, tuple[pd.Series, pd.Series, np.ndarray]] = {}
    for c in typed:
        got = parse_dates_bounded(df[c], keep_time=keep_time, what=names[list(cols).index(c)])
        parsed[c] = (got.values, got.reason, got.timed)
    if texts:
        stacked = pd.concat([_text(df[c]) for c in texts], ignore_index=True)
        groups = np.tile(rows.file, len(texts))
        what = "|".join(names[list(cols).index(c)] for c in texts)
        while True:
            try:
                got = parse_dates_bounded(stacked, order=opts.date_order, groups=groups, keep_time=keep_time, what=what)
                break
            except AmbiguousDates as exc:
                for g in exc.groups:
                    rows.bad_files.setdefault(int(g), (exc.message.replace(what, "dates", 1), exc.hint))
                stacked = stacked.where(~np.isin(groups, exc.groups), "")
        for k, c in enumerate(texts):
            part = slice(k * n, (k + 1) * n)
            name = names[list(cols).index(c)]
            reason = got.reason.iloc[part].reset_index(drop=True)
            has = reason.notna().to_numpy(bool)
            if has.any():  # (the parser named the stacked columns: each reason names its own)
                reason[has] = [name + r[len(what):] for r in reason[has]]
            parsed[c] = (got.values.iloc[part].reset_index(drop=True), reason, got.timed[part])
    for c, name in zip(cols, names, strict=True):
        if c not in parsed:
            out.append((pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]"), np.zeros(n, dtype=bool)))
            continue
        vals, reason, timed = parsed[c]
        rows.refused(reason, f"{name} unreadable", outside=f"{name} outside 1986..tomorrow")
        out.append((vals.set_axis(df.index), timed))
    return out


# ----------------------------------------------------------------------------------------------- direction
def _codes(s: pd.Series, *, words: bool) -> pd.Series:
    """One-letter transaction codes: ``P - Purchase`` and ``P`` give ``P``; with *words*, ``buy``/``sell`` and
    ``purchase``/``sale`` give P/S.  Anything else: None."""
    def one(v: str) -> str | None:
        m = re.match(r"^([A-Za-z])(?:\s*-.*)?$", v, flags=re.S)
        if m:
            return m.group(1).upper()
        return _WORDS.get(v.lower()) if words else None

    codes, uniq = pd.factorize(_text(s), use_na_sentinel=False)
    got = [one(str(u)) for u in np.asarray(uniq, dtype=object)]
    names = sorted({g for g in got if g is not None})
    small = np.array([names.index(g) + 1 if g is not None else 0 for g in got], dtype=np.int8)
    return _labels(small[codes] if len(codes) else np.zeros(0, np.int8), names, s.index)


def _adverb(d: object) -> str:
    return "an acquisition" if d in ("A", 1) else "a disposal"


def _sign_clash(ix: np.ndarray, *, code: Callable[[np.ndarray], np.ndarray], ref: np.ndarray, sdir: np.ndarray,
                what: str) -> list[str]:
    return [f"code {c} is {_adverb(r)} but the {what} is {'positive' if s == 1 else 'negative'}"
            for c, r, s in zip(code(ix), ref[ix], sdir[ix], strict=True)]


# long: the direction rules in order (code, A/D column, each sign), each with its own reason
def _direction(tx: pd.DataFrame, rows: _Rows, *, raw_code: pd.Series, filed_ad: pd.Series | None,
               signs: list[tuple[str, np.ndarray]]) -> None:
    """``acquired_disposed`` and ``ad_source`` from ``trans_code`` (module docstring), the A/D column and the
    signs only as cross-checks; rows in conflict, without a valid code or without a direction, dropped.
    (Directions are worked as small integers: 0 none, 1 acquired, 2 disposed.)"""
    ccode, uniq = pd.factorize(tx["trans_code"], use_na_sentinel=False)  # (a handful of codes: each once)
    distinct = [c if isinstance(c, str) else None for c in np.asarray(uniq, dtype=object)]
    letters = np.array([*distinct, None], dtype=object)

    def per_code(fn: Callable[[str | None], object], dtype: type) -> np.ndarray:
        return np.array([fn(c) for c in distinct] + [fn(None)], dtype=dtype)[ccode]

    def code_at(ix: np.ndarray) -> np.ndarray:
        return letters[ccode[ix]]

    has_code = per_code(lambda c: c is not None, bool)
    rows.drop(~has_code & (_text(raw_code) == "").to_numpy(bool), "no transaction code")
    rows.drop(~has_code, "transaction code not understood",
              lambda ix: [f"transaction code {str(r)[:40]!r} is not understood" for r in raw_code.iloc[ix]])
    rows.drop(has_code & ~per_code(lambda c: c in TRANSACTION_CODES, bool), "transaction code not understood",
              lambda ix: [f"transaction code {c!r} is not a Form 4 code" for c in code_at(ix)])
    nonderiv = (tx["table"] == "nonderivative").to_numpy(bool)
    expected = np.where(nonderiv, per_code(lambda c: _AD.get(_DIRECTION_NONDERIV.get(c or ""), 0), np.int8),
                        per_code(lambda c: _AD.get(_DIRECTION.get(c or ""), 0), np.int8))
    filed = np.zeros(len(tx), dtype=np.int8)
    if filed_ad is not None:
        fcode, fdistinct = pd.factorize(_text(filed_ad).str.upper(), use_na_sentinel=False)
        fvals = np.array([_AD.get(str(v), -1 if str(v) else 0) for v in np.asarray(fdistinct, dtype=object)],
                         dtype=np.int8)
        filed = fvals[fcode] if len(fcode) else filed
        texts = np.asarray(fdistinct, dtype=object)
        rows.drop(filed < 0, "A/D code not A or D",
                  lambda ix: [f"acquired/disposed code {str(v)[:20]!r} is not A or D" for v in texts[fcode[ix]]])
        filed = np.maximum(filed, 0).astype(np.int8)
        rows.drop((filed > 0) & (expected > 0) & (filed != expected), "code and A/D disagree",
                  lambda ix: [f"code {c} is {_adverb(e)} but the A/D column says {'AD'[a - 1]}"
                              for c, e, a in zip(code_at(ix), expected[ix], filed[ix], strict=True)])
    ref = np.where(filed > 0, filed, expected).astype(np.int8)
    for what, sign in signs:
        sdir = np.where(sign > 0, 1, np.where(sign < 0, 2, 0)).astype(np.int8)
        rows.drop((sdir > 0) & (ref > 0) & (sdir != ref), "code and sign disagree",
                  partial(_sign_clash, code=code_at, ref=ref, sdir=sdir, what=what))
        ref = np.where((ref == 0) & (sdir > 0), sdir, ref).astype(np.int8)
    rows.drop(ref == 0, "direction unknown",
              lambda ix: [f"code {c} has no fixed direction and the row gives none (no A/D column, no sign)"
                          for c in code_at(ix)])
    tx["acquired_disposed"] = _labels(ref, ["A", "D"], tx.index)
    tx["ad_source"] = _labels(np.where(filed > 0, 1, 2).astype(np.int8), ["filed", "derived"], tx.index)


def _labels(codes: np.ndarray, names: list[str], index: pd.Index) -> pd.Series:
    """Arrow text from small integer codes (1 -> names[0], 2 -> names[1] ...; 0 -> missing)."""
    arr = pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32) - 1, mask=codes == 0),
                                         pa.array(names, pa.string())).cast(pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=index)


def _amounts(tx: pd.DataFrame, rows: _Rows) -> None:
    """Prices that are negative (or zero on an open-market trade) and rows with neither shares nor value,
    dropped; shares and value made non-negative (their signs were checked against the code); a missing value
    is shares x price."""
    price = tx["price"].to_numpy(float)
    code = np.asarray(tx["trans_code"].astype(object).where(tx["trans_code"].notna(), None))
    with np.errstate(invalid="ignore"):
        rows.drop(price < 0, "price not positive", lambda ix: [f"price {p:g} is negative" for p in price[ix]])
        rows.drop((price == 0) & np.isin(code, ["P", "S"]), "price not positive",
                  lambda ix: [f"an open-market {'purchase' if c == 'P' else 'sale'} at a price of 0" for c in code[ix]])
    rows.drop(tx["shares"].isna().to_numpy(bool) & tx["value"].isna().to_numpy(bool), "no shares and no value")
    tx["shares"] = tx["shares"].abs()
    tx["value"] = tx["value"].abs()
    fill = (tx["value"].isna() & tx["shares"].notna() & tx["price"].notna()).to_numpy(bool)
    if fill.any():
        tx.loc[fill, "value"] = tx.loc[fill, "shares"] * tx.loc[fill, "price"]
    v = tx["value"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        rows.drop(v > LIMITS["value"], "value unreadable",
                  lambda ix: [f"value {x:g} (shares x price) is beyond the plausible bound {LIMITS['value']:g}"
                              for x in v[ix]])


def _dated(tx: pd.DataFrame, rows: _Rows, opts: _Options) -> None:
    """Rows without a trade date, without a filing date (unless dated by trade), or traded after their filing."""
    rows.drop(tx["trans_date"].isna().to_numpy(bool), "no trade date")
    if opts.dated_by == "filing":
        rows.drop(tx["filing_date"].isna().to_numpy(bool), "no filing date")
    t = tx["trans_date"].to_numpy("datetime64[ns]")
    f = tx["filing_date"].to_numpy("datetime64[ns]")
    late = ~np.isnat(t) & ~np.isnat(f) & (t > f)
    rows.drop(late, "traded after its filing date",
              lambda ix: [f"traded {pd.Timestamp(a):%Y-%m-%d}, after its filing date {pd.Timestamp(b):%Y-%m-%d}"
                          for a, b in zip(t[ix], f[ix], strict=True)])


# --------------------------------------------------------------------------------------------------- formats
_OI_TITLE = [(re.compile(r"\bCOB\b|\bChairman\b", re.I), "Chairman of the Board"),
             (re.compile(r"\bPres\b", re.I), "President")]
_OFFICER_WORDS = re.compile(r"\b(?:CEO|CFO|COO|CTO|CAO|GC|VP|EVP|SVP|Pres|President|Officer|Secretary|Treasurer|Chief)\b",
                            re.I)


def _oi_title(t: str) -> tuple[bool, bool, bool, str]:
    """An OpenInsider title (``CEO``, ``Dir``, ``10%``, ``COB``, ``Pres, CEO``) -> the relationship boxes and the
    title the role is read from."""
    title = t
    for rx, rep in _OI_TITLE:
        title = rx.sub(rep, title)
    return (bool(re.search(r"\bDir\b", title, re.I)), bool(_OFFICER_WORDS.search(title)), "10%" in title, title)


def _openinsider(df: pd.DataFrame, rows: _Rows, opts: _Options) -> pd.DataFrame:
    (filed, timed), (traded, _) = _dates(df, ["Filing Date", "Trade Date"], rows, opts, keep_time=True)
    flags = _text(df["X"]) if "X" in df.columns else pd.Series("", index=df.index, dtype="string[pyarrow]")
    is_dir, is_off, is_ten, role_title = _fields_by_distinct(_text(df["Title"]), _oi_title, (bool, bool, bool, object))
    qty = _numbers(df, "Qty", rows, opts, what="Qty", limit=LIMITS["shares"])
    price = _numbers(df, "Price", rows, opts, what="Price", limit=LIMITS["price"])
    value = _numbers(df, "Value", rows, opts, what="Value", limit=LIMITS["value"])
    owned = _numbers(df, "Owned", rows, opts, what="Owned", limit=LIMITS["shares"])
    na = pd.Series(pd.NA, index=df.index, dtype=_STR)
    tx = pd.DataFrame({
        "accession": na,
        "filing_date": filed.dt.normalize(),
        "accepted_at": filed.where(timed).dt.tz_localize(NEW_YORK, ambiguous="NaT", nonexistent="NaT"),
        "form_type": pd.Series(np.where(flags.str.contains("A", regex=False).to_numpy(bool), "4/A", "4"),
                               index=df.index).astype(_STR),
        "issuer_cik": na,
        "issuer_name": _text(df["Company Name"]).pipe(_blank_na) if "Company Name" in df.columns else na,
        "ticker": normalise_tickers(_text(df["Ticker"])).astype(_STR),
        "owner_cik": na,
        "owner_name": _text(df["Insider Name"]).pipe(_blank_na),
        "is_director": is_dir, "is_officer": is_off, "is_ten_percent_owner": is_ten, "is_other": False,
        "officer_title": _text(df["Title"]).pipe(_blank_na),
        "table": _tables(len(df), df.index),
        "trans_date": traded,
        "trans_code": _codes(df["Trade Type"], words=False),
        "sale_with_exercise": _text(df["Trade Type"]).str.upper().str.replace(" ", "", regex=False)
                              .str.contains("+OE", regex=False).astype("boolean"),
        "shares": qty, "price": price, "value": value, "shares_after": owned,
        "footnotes": ("OpenInsider flags: " + flags).where(flags.str.len() > 0),
        "source": _const("openinsider", df.index),
        "line": rows.row,
    })
    tx["role"] = normalise_roles(tx["is_director"], tx["is_officer"], tx["is_ten_percent_owner"], tx["is_other"],
                                 pd.Series(role_title, index=df.index))
    _direction(tx, rows, raw_code=df["Trade Type"], filed_ad=None,
               signs=[("quantity", _explicit_sign(df["Qty"], qty)),
                      ("value", _explicit_sign(df["Value"] if "Value" in df.columns else None, value))])
    return tx


def _tfn_roles(df: pd.DataFrame) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """The relationship boxes and the title of each TFN row from its role codes (the first code with a title)."""
    flags = np.zeros((len(df), 3), dtype=bool)
    title = pd.Series("", index=df.index, dtype=object)
    first = pd.Series(pd.NA, index=df.index, dtype=_STR)
    for k in range(1, 5):
        if f"rolecode{k}" not in df.columns:
            continue
        c = _text(df[f"rolecode{k}"]).str.upper()
        if k == 1:
            first = c.pipe(_blank_na)
        m = _by_distinct(c, lambda v: TFN_ROLES.get(v))
        for j in range(3):
            flags[:, j] |= np.array([bool(t and t[j]) for t in m], dtype=bool)
        t = pd.Series([t[3] if t else "" for t in m], index=df.index, dtype=object)
        title = title.where(title != "", t)
    return flags, title, first


def _tfn(df: pd.DataFrame, rows: _Rows, opts: _Options) -> pd.DataFrame:
    cl = _text(df["cleanse"]).str.upper()
    bad_cl = ~cl.isin(list(opts.keep_cleanse)).to_numpy(bool)
    cl_np = cl.to_numpy(dtype=object)
    rows.drop(bad_cl, "TFN cleanse indicator not kept",
              lambda ix: [f"TFN cleanse indicator {c or '<blank>'} (kept: {', '.join(opts.keep_cleanse)})"
                          for c in cl_np[ix]])
    (traded, _), (fdate, _), (secdate, _) = _dates(df, ["trandate", "fdate", "secdate"], rows, opts)
    flags, title, first_code = _tfn_roles(df)
    shares = _numbers(df, "shares", rows, opts, what="shares", limit=LIMITS["shares"])
    price = _numbers(df, "tprice", rows, opts, what="tprice", limit=LIMITS["price"])
    held = _numbers(df, "sharesheld", rows, opts, what="sharesheld", limit=LIMITS["shares"])
    seq = parse_numbers(df["seqnum"], limit=1e9).values if "seqnum" in df.columns else pd.Series(np.nan, index=df.index)

    def col(name: str) -> pd.Series:
        return _text(df[name]).pipe(_blank_na) if name in df.columns else \
            pd.Series(pd.NA, index=df.index, dtype="string[pyarrow]")

    person = col("personid").str.replace(r"\.0+$", "", regex=True)
    tx = pd.DataFrame({
        "accession": col("dcn"),
        "filing_date": secdate.fillna(fdate),  # the SEC's receipt date; the form's own date when absent
        "form_type": col("formtype"),
        "issuer_cik": pd.Series(pd.NA, index=df.index, dtype="string[pyarrow]"),
        "issuer_name": col("cname"),
        "ticker": normalise_tickers(_text(df["ticker"])).astype(_STR),
        "owner_cik": "tfn:" + person,
        "owner_name": col("owner"),
        "is_director": flags[:, 0], "is_officer": flags[:, 1], "is_ten_percent_owner": flags[:, 2], "is_other": False,
        "officer_title": first_code,
        "table": _tables(len(df), df.index),
        "trans_date": traded,
        "trans_code": _codes(df["trancode"], words=False),
        "shares": shares, "price": price, "value": np.nan, "shares_after": held,
        "source": _const("tfn", df.index),
        "line": seq.fillna(-1).astype("int64"),
    })
    tx["role"] = normalise_roles(tx["is_director"], tx["is_officer"], tx["is_ten_percent_owner"], tx["is_other"], title)
    _direction(tx, rows, raw_code=df["trancode"], filed_ad=df["acqdisp"] if "acqdisp" in df.columns else None,
               signs=[("share count", _explicit_sign(df["shares"], shares))])
    return tx


_RELATIONSHIPS: Final[dict[str, int]] = {"DIRECTOR": 0, "OFFICER": 1, "OTHEROFFICER": 1, "TENPERCENTOWNER": 2,
                                         "10%OWNER": 2, "10PERCENTOWNER": 2, "OTHER": 3}


def _role_text(v: str) -> tuple[bool, bool, bool, bool, str]:
    """A ``role`` cell -> the four relationship boxes and the title: relationship words (``OFFICER``,
    ``DIRECTOR``, ``TENPERCENTOWNER``, ``OTHER``, several joined by ``,;/|&``) set boxes; anything else is a title
    (``CEO``, ``Chief Financial Officer``, ``Chair``), an officer's when it reads like one."""
    boxes = [False, False, False, False]
    words = [w for w in re.split(r"[,;/|&+]+", v) if w.strip()]
    titles = []
    for w in words:
        key = re.sub(r"[\s_\-]+", "", w.upper())
        if key in _RELATIONSHIPS:
            boxes[_RELATIONSHIPS[key]] = True
        else:
            titles.append(w.strip())
    title = ", ".join(titles)
    if title and _OFFICER_WORDS.search(title):
        boxes[1] = True
    if title and re.search(r"\bdirector\b", title, re.I):
        boxes[0] = True
    return boxes[0], boxes[1], boxes[2], boxes[3], title


def _booleans(df: pd.DataFrame, col: str, rows: _Rows, opts: _Options, *, nullable: bool) -> pd.Series:
    """A flag column: ``1/0``, ``true/false``, ``yes/no``, ``y/n``, ``t/f`` (any case); blank is missing (False
    unless *nullable*).  Other values make their files bad, naming the column and the values."""
    if pd.api.types.is_bool_dtype(df[col].dtype):
        s = df[col].astype("boolean")
        return s if nullable else s.fillna(False).astype(bool)
    t = _text(df[col]).str.lower()
    vals = _by_distinct(t, lambda v: True if v in _TRUE else False if v in _FALSE else None if v == "" else "bad")
    bad = np.array([v == "bad" for v in vals], dtype=bool)
    if bad.any():
        source = next((k for k, v in (opts.mapping or {}).items() if v == col), col)
        for f in np.unique(rows.file[bad]):
            examples = sorted(set(t[bad & (rows.file == f)].tolist()))[:5]
            rows.bad_files.setdefault(int(f), (f"column {source!r} ({col}) holds values that are not true/false: "
                                               + ", ".join(repr(e) for e in examples),
                                               "write 1/0, true/false or yes/no (blank: unknown)"))
    out = pd.array([None if v is None or v == "bad" else v for v in vals], dtype="boolean")
    s = pd.Series(out, index=df.index)
    return s if nullable else s.fillna(False).astype(bool)


def _cik(s: pd.Series) -> pd.Series:
    """CIKs as filed (``320193``, ``320193.0``) -> 10 digits; other identifiers kept as text."""
    t = _text(s).str.replace(r"^(\d{1,10})(?:\.0+)?$", lambda m: m.group(1).zfill(10), regex=True)
    return t.pipe(_blank_na)


# long: one block per group of mapped columns (dates, numbers, text, flags, roles), then the direction
def _mapped(df: pd.DataFrame, rows: _Rows, opts: _Options) -> pd.DataFrame:
    cols = set(df.columns)
    na = pd.Series(pd.NA, index=df.index, dtype=_STR)
    (traded, _), (filed, _), (deemed, _) = _dates(df, ["trans_date", "filing_date", "deemed_execution_date"],
                                                    rows, opts)
    tx = pd.DataFrame({"trans_date": traded, "filing_date": filed, "deemed_execution_date": deemed}, index=df.index)
    if "accepted_at" in cols:
        ((acc, _),) = _dates(df, ["accepted_at"], rows, opts, keep_time=True)
        tx["accepted_at"] = acc.dt.tz_localize(NEW_YORK, ambiguous="NaT", nonexistent="NaT")
    for c, limit in (("shares", LIMITS["shares"]), ("price", LIMITS["price"]), ("value", LIMITS["value"]),
                     ("shares_after", LIMITS["shares"])):
        tx[c] = _numbers(df, c, rows, opts, what=c, limit=limit)
    for c in ("n_owners", "line"):
        if c in cols:
            tx[c] = _numbers(df, c, rows, opts, what=c, limit=1e9)
    for c in ("accession", "form_type", "issuer_name", "owner_name", "officer_title", "security_title", "footnotes"):
        tx[c] = _text(df[c]).pipe(_blank_na) if c in cols else na
    for c in ("issuer_cik", "owner_cik"):
        tx[c] = _cik(df[c]) if c in cols else na
    tx["ticker"] = normalise_tickers(_text(df["ticker"])).astype(_STR)
    tx["ownership"] = _text(df["ownership"]).str.upper().str[:1].where(lambda s: s.isin(["D", "I"])) \
        if "ownership" in cols else na
    table = _text(df["table"]).str.lower().str.replace(r"[\s_\-]", "", regex=True) if "table" in cols else None
    tx["table"] = _tables(len(df), df.index) if table is None else table.map(
        {"nonderivative": "nonderivative", "derivative": "derivative", "1": "nonderivative", "2": "derivative",
         "": "nonderivative"})
    rows.drop(tx["table"].isna().to_numpy(bool), "table not understood",
              lambda ix: [f"table {v!r} is not nonderivative or derivative" for v in np.asarray(table)[ix]])
    tx["table"] = pd.Categorical(tx["table"].fillna("nonderivative"), categories=list(TABLES))
    for c in ("is_director", "is_officer", "is_ten_percent_owner", "is_other"):
        tx[c] = _booleans(df, c, rows, opts, nullable=False) if c in cols else False
    tx["plan_10b5_1"] = _booleans(df, "plan_10b5_1", rows, opts, nullable=True) if "plan_10b5_1" in cols else \
        pd.Series(pd.NA, index=df.index, dtype="boolean")
    title = tx["officer_title"].fillna("")
    if "role" in cols:
        boxes = _by_distinct(_text(df["role"]), _role_text)
        for j, c in enumerate(("is_director", "is_officer", "is_ten_percent_owner", "is_other")):
            tx[c] = tx[c].to_numpy(bool) | np.array([b[j] for b in boxes], dtype=bool)
        role_title = pd.Series([b[4] for b in boxes], index=df.index, dtype=object)
        title = title.where(title != "", role_title)
        tx["officer_title"] = tx["officer_title"].fillna(role_title.pipe(_blank_na))
    tx["role"] = normalise_roles(tx["is_director"], tx["is_officer"], tx["is_ten_percent_owner"], tx["is_other"],
                                 title)
    tx["trans_code"] = _codes(df["trans_code"], words=True)
    tx["source"] = _const("csv", df.index)
    if "line" not in cols:
        tx["line"] = rows.row
    else:
        tx["line"] = tx["line"].fillna(-1).astype("int64")
    signs = [("share count", _explicit_sign(df["shares"] if "shares" in cols else None, tx["shares"])),
             ("value", _explicit_sign(df["value"] if "value" in cols else None, tx["value"]))]
    _direction(tx, rows, raw_code=df["trans_code"],
               filed_ad=df["acquired_disposed"] if "acquired_disposed" in cols else None, signs=signs)
    return tx


_CONVERT: Final[dict[str, Callable[[pd.DataFrame, _Rows, _Options], pd.DataFrame]]] = {
    "openinsider": _openinsider, "tfn": _tfn, "csv": _mapped}


def _check_options(opts: _Options) -> None:
    """Refuse options that cannot work before any file is read."""
    if opts.format not in _CONVERT:
        raise DataError(f"unknown format {opts.format!r}", hint="one of " + ", ".join(FORMATS))
    if opts.dated_by not in get_args(DatedBy):
        raise DataError(f"dated_by must be one of {get_args(DatedBy)}, not {opts.dated_by!r}")
    if opts.format != "csv":
        return
    if not opts.mapping:
        raise DataError("the csv format needs a mapping {file column: tidy column}",
                        hint="e.g. --mapping '{\"Symbol\": \"ticker\", \"Date\": \"trans_date\", \"Code\": "
                             "\"trans_code\", \"Qty\": \"shares\", \"Filed\": \"filing_date\"}'")
    targets = set(opts.mapping.values())
    missing = [c for c in ("ticker", "trans_date", "trans_code") if c not in targets]
    if not {"shares", "value"} & targets:
        missing.append("shares (or value)")
    if missing:
        raise DataError(f"the mapping gives no {', '.join(missing)}",
                        hint="map the file's columns to them (a buy/sell column can be trans_code)")
    if "filing_date" not in targets and opts.dated_by != "trade":
        raise DataError("the mapping gives no filing_date: events are dated when a trade became public",
                        hint="map the file's filing-date column to 'filing_date', or, for data dated by trade date "
                             "only, pass --dated-by trade (dated_by='trade'): claims that need a filing date will "
                             "then not be testable")


# ----------------------------------------------------------------------------------------------- the batch
@dataclass
class _File:
    """One input file and what became of it."""

    path: Path
    sha256: str
    data: bytes | None
    status: Literal["imported", "skipped", "duplicate", "bad"] = "imported"
    note: str = ""
    kind: str = ""
    encoding: str = ""
    rows: int = 0
    kept: int = 0
    dropped: int = 0
    duplicates: int = 0


@dataclass
class _Batch:
    """What a batch of files gave: the tidy rows, the dropped rows, and one record per file."""

    tx: pd.DataFrame
    dropped: pd.DataFrame
    files: list[_File]
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    notes: list[str] = field(default_factory=list)
    #: the file (position in *files*) of each tidy row
    row_file: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _read_file(f: Path) -> bytes:
    try:
        return f.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", path=f) from exc


# long: one pass over the files (bytes, digest, duplicates), one read of them all, one pass over the results
def _read_sources(files: list[Path], opts: _Options, *, skip_bad: bool, known: dict[str, str],
                  progress: bool) -> tuple[list[_File], list[pa.Table], list[str], list[tuple[int, int, str]]]:
    """Every file read (bytes, SHA-256, cells, the format's columns); skipped, duplicate and (with *skip_bad*)
    bad files recorded (a bad file otherwise raises); rows of another width than their header set aside (file,
    row, reason)."""
    from .._progress import tqdm

    out: list[_File] = []
    seen: dict[str, int] = {}
    copies: dict[int, int] = {}  # file -> the earlier file with the same bytes
    todo: list[int] = []
    for k, f in enumerate(tqdm(files, desc="reading files", unit="file", disable=not progress or len(files) < 50)):
        data = _read_file(f)
        e = _File(f, hashlib.sha256(data).hexdigest(), data)
        out.append(e)
        if e.sha256 in seen:
            copies[k] = seen[e.sha256]
            e.data = None
        elif e.sha256 in known:
            e.status, e.note, e.data = "duplicate", f"imported before (as {known[e.sha256]})", None
            seen[e.sha256] = k
        else:
            seen[e.sha256] = k
            todo.append(k)
    got = read_tables([(out[k].data or b"", out[k].path) for k in todo], want=_header_test(opts))
    tables: list[pa.Table] = []
    notes: list[str] = []
    malformed: list[tuple[int, int, str]] = []
    for k, raw in zip(todo, got, strict=True):
        e = out[k]
        try:
            if isinstance(raw, DataError):
                raise raw
            e.kind, e.encoding = raw.kind, raw.encoding
            if raw.table is None:
                e.status, e.note = "skipped", raw.skipped or "nothing to read"
                continue
            t = _select(raw.table, opts, e.path)
        except DataError as exc:
            if not skip_bad:
                raise
            e.status, e.note = "bad", exc.message.removeprefix(f"{e.path}: ")
            continue
        notes += [f"{e.path.name}: {n}" for n in raw.notes]
        e.rows = t.num_rows + len(raw.bad_rows)
        e.dropped = len(raw.bad_rows)
        malformed += [(k, row, why) for row, why in raw.bad_rows]
        numbers = raw.row_numbers if raw.row_numbers is not None else np.arange(1, t.num_rows + 1)
        tables.append(t.append_column("_file", pa.array(np.full(t.num_rows, k, dtype=np.int32)))
                      .append_column("_row", pa.array(numbers.astype(np.int32))))
    for k, first in copies.items():  # (identical placeholders are placeholders; an identical export, a duplicate)
        f0 = out[first]
        out[k].kind, out[k].encoding = f0.kind, f0.encoding
        out[k].status, out[k].note = ("duplicate", f"same content as {f0.path.name}") if f0.status == "imported" \
            else (f0.status, f0.note)
    return out, tables, notes, malformed


def _frame(tables: list[pa.Table]) -> pd.DataFrame:
    """The files' tables as one frame (text as Arrow strings; a column typed differently in two files: text)."""
    if not tables:
        return pd.DataFrame({"_file": pd.Series([], dtype=np.int32), "_row": pd.Series([], dtype=np.int32)})
    try:
        table = pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        texts = [pa.table([c if n in ("_file", "_row") else c.cast(pa.string()) for n, c in
                           zip(t.column_names, t.columns, strict=True)], names=t.column_names) for t in tables]
        table = pa.concat_tables(texts, promote_options="permissive")
    strings = pd.StringDtype("pyarrow")
    return table.to_pandas(types_mapper={pa.string(): strings, pa.large_string(): strings}.get)


#: Columns that say which trade a tidy row is (``line`` only where the source numbers its lines: TFN, or a
#: mapped ``line`` column; elsewhere it is the row's place in its file, which differs between two exports).
_KEY_COLUMNS: Final[list[str]] = [c for c in TIDY_COLUMNS if c not in ("line", "ad_source", "source")]


def _row_keys(tx: pd.DataFrame, *, with_line: bool) -> np.ndarray:
    """A 64-bit hash of each row's trade (:data:`_KEY_COLUMNS`, in the tidy types), the same for equal rows read
    at any time (two distinct trades share a key with probability about n**2 / 2**65: 3e-8 for a million rows).
    Text columns are hashed per distinct value."""
    cols = _KEY_COLUMNS + (["line"] if with_line else [])
    h = np.zeros(len(tx), dtype=np.uint64)
    for c in cols:
        s = tx[c]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            v = s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
        elif isinstance(s.dtype, pd.CategoricalDtype):
            v = s.cat.codes.to_numpy(np.int64)  # (the schema fixes the categories)
        elif s.dtype.kind == "M":
            v = s.to_numpy("datetime64[ns]").view(np.int64)
        elif isinstance(s.dtype, pd.BooleanDtype):
            v = s.astype("Int8").fillna(-1).to_numpy(np.int64)
        elif s.dtype.kind in "fiub":
            v = s.to_numpy()
        else:
            codes, uniq = pd.factorize(s, use_na_sentinel=False)
            words = np.array(["\x00NA" if u is None or u is pd.NA else str(u) for u in uniq], dtype=object)
            h = (h * np.uint64(1099511628211)) ^ pd.util.hash_array(words)[codes] if len(uniq) else h
            continue
        h = (h * np.uint64(1099511628211)) ^ pd.util.hash_array(np.asarray(v))
    return h


# long: the batch's steps in order (read, convert, validate, drop, de-duplicate), each a call
def _read_batch(files: list[Path], opts: _Options, *, skip_bad: bool, known: dict[str, str] | None = None,
                progress: bool = False) -> _Batch:
    """Read *files* in one pass (module docstring): the tidy rows of the good files, de-duplicated; the dropped
    rows with reasons; one record per file."""
    entries, tables, notes, malformed = _read_sources(files, opts, skip_bad=skip_bad, known=known or {},
                                                      progress=progress)
    bad_rows = pd.DataFrame({"accession": pd.Series(pd.NA, index=range(len(malformed)), dtype=object),
                             "table": "nonderivative", "line": [m[1] for m in malformed],
                             "reason": [m[2] for m in malformed], "file": [entries[m[0]].path.name for m in malformed],
                             "rule": "malformed row"}, columns=["accession", "table", "line", "reason", "file", "rule"])
    if not tables:
        return _Batch(finalize_columns(pd.DataFrame({"accession": pd.Series([], dtype=object)})), bad_rows, entries,
                      notes=notes)
    df = _frame(tables)
    rows = _Rows(df["_file"].to_numpy(np.int64), df["_row"].to_numpy(np.int64))
    tx = _CONVERT[opts.format](df.drop(columns=["_file", "_row"]), rows, opts)
    _amounts(tx, rows)
    _dated(tx, rows, opts)
    if rows.bad_files:
        first = min(rows.bad_files)
        if not skip_bad:
            why, hint = rows.bad_files[first]
            more = "; or skip_bad=True (--skip-bad) to import the other files" if len(entries) > 1 else ""
            raise DataError(why, path=entries[first].path, hint=(hint or "") + more or None)
        for k, (why, hint) in rows.bad_files.items():
            entries[k].status, entries[k].note = "bad", why + (f" ({hint})" if hint else "")
    kept = rows.kept
    tidy = finalize_columns(tx if kept.all() else tx.loc[kept].copy())
    tidy, net = validate_rows(tidy)  # (the schema's own checks: the rules above leave it nothing to drop)
    gone = ~rows.kept & ~np.isin(rows.file, list(rows.bad_files))
    names = np.array([e.path.name for e in entries] + [""], dtype=object)
    ix = np.flatnonzero(gone)  # (a few rows: taken, not the whole columns converted)
    dropped = pd.DataFrame({"accession": tx["accession"].iloc[ix].to_numpy(dtype=object),
                            "table": tx["table"].iloc[ix].astype(str).to_numpy(), "line": tx["line"].to_numpy()[ix],
                            "reason": rows.reason[ix], "file": names[rows.file[ix]], "rule": rows.rule[ix]})
    dropped = pd.concat([d for d in (bad_rows, dropped, net.assign(file="", rule="schema")) if len(d)] or [dropped],
                        ignore_index=True)
    keys = _row_keys(tidy, with_line=opts.format == "tfn" or "line" in (opts.mapping or {}).values())
    dup = pd.Series(keys).duplicated().to_numpy(bool)
    kept_files = rows.file[kept][tidy.index.to_numpy()]
    _count(entries, rows, kept_files, dup)
    tidy = tidy.loc[~dup].reset_index(drop=True) if dup.any() else tidy.reset_index(drop=True)
    return _Batch(tidy, dropped, entries, keys[~dup], notes, kept_files[~dup])


def _count(entries: list[_File], rows: _Rows, kept_files: np.ndarray, dup: np.ndarray) -> None:
    """Per file: rows kept, dropped and removed as duplicates of an earlier line."""
    n = len(entries)
    bad = np.isin(rows.file, list(rows.bad_files))
    dropped = np.bincount(rows.file[~rows.alive & ~bad], minlength=n)
    kept = np.bincount(kept_files[~dup], minlength=n)
    dups = np.bincount(kept_files[dup], minlength=n)
    for k, e in enumerate(entries):
        if e.status == "imported":  # (rows set aside when the file was read are counted already)
            e.kept, e.dropped, e.duplicates = int(kept[k]), e.dropped + int(dropped[k]), int(dups[k])


# ---------------------------------------------------------------------------------------------- the report
@dataclass
class ImportReport:
    """What an import did, for a person to read (``print(report)``) and for code (the frames).

    Attributes
    ----------
    files
        One row per input file: ``file, status`` (``imported``, ``skipped``, ``duplicate``, ``bad``), ``note``
        (why), ``kind, encoding, rows`` (read), ``kept, dropped, duplicates``.
    dropped
        The rows not imported: ``file, line`` (the data row, 1 = first after the header), ``rule``, ``reason``.
    duplicate_rows
        Lines removed because the same trade was read before (in this import, or imported earlier).
    dest
        The tidy table written (None when nothing new was imported).
    notes
        What a reader should know (encodings other than UTF-8, trade-dated data, files cut short, ignored files).
    """

    files: pd.DataFrame
    dropped: pd.DataFrame
    duplicate_rows: int
    dest: Path | None
    notes: list[str]
    format: str = ""

    @property
    def rows_kept(self) -> int:
        """Rows imported."""
        return int(self.files["kept"].sum()) if len(self.files) else 0

    def summary(self) -> pd.DataFrame:
        """The counts a person checks: files by status and reason, rows read, kept, dropped by rule, duplicates.

        Returns
        -------
        pandas.DataFrame
            Index ``what``, column ``count``.

        Examples
        --------
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "t.csv").write_text("tkr,day,filed,side,qty\\nACME,2024-03-01,2024-03-04,buy,100\\n"
        ...                             "ACME,2024-03-01,2024-03-04,buy,100\\n")
        >>> rep = import_transactions(DataPaths(d / "data"), [d / "t.csv"], format="csv", mapping={
        ...     "tkr": "ticker", "day": "trans_date", "filed": "filing_date", "side": "trans_code", "qty": "shares"})
        >>> rep.summary()["count"].to_dict()
        {'files': 1, '  imported': 1, 'rows read': 2, 'rows kept': 1, 'rows dropped': 0, 'duplicate rows removed': 1}
        """
        f = self.files
        out: dict[str, int] = {"files": len(f)}
        for status in ("imported", "skipped", "duplicate", "bad"):
            part = f[f["status"] == status] if len(f) else f
            if status == "imported":
                out["  imported"] = len(part)
                continue
            notes = part["note"].str.replace(r" \(as .*\)$", "", regex=True) \
                .str.replace(r"^same content as .*", "same content as another file", regex=True)
            for note, n in part.groupby(notes, sort=True).size().items():
                out[f"  {status}: {note}"[:90]] = int(n)
        out["rows read"] = int(f.loc[f["status"] == "imported", "rows"].sum()) if len(f) else 0
        out["rows kept"] = self.rows_kept
        out["rows dropped"] = len(self.dropped)
        for rule, n in self.dropped["rule"].value_counts().items():
            out[f"  {rule}"] = int(n)
        out["duplicate rows removed"] = self.duplicate_rows
        return pd.DataFrame({"count": pd.Series(out, dtype="int64")}).rename_axis("what")

    def __str__(self) -> str:
        from ..tables import fmt_count

        s = self.summary()
        width = max(len(w) for w in s.index)
        head = (f"imported {self.rows_kept:,} rows ({self.format}) into {self.dest}" if self.dest is not None
                else "nothing new imported")
        lines = [head] + [f"  {w:<{width}}  {fmt_count(n):>11}" for w, n in s["count"].items()]
        bad = self.files[self.files["status"] == "bad"] if len(self.files) else self.files
        if len(bad):
            lines.append("bad files (not imported):")
            lines += [f"  {r.file}: {r.note}" for r in bad.itertuples()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        from ..tables import style_table

        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return style_table(self.summary().reset_index(), count=["count"], caption="Import") + notes


def _report(batch: _Batch, dest: Path | None, fmt: str) -> ImportReport:
    files = pd.DataFrame([{"file": str(e.path), "status": e.status, "note": e.note, "kind": e.kind,
                           "encoding": e.encoding, "rows": e.rows, "kept": e.kept, "dropped": e.dropped,
                           "duplicates": e.duplicates} for e in batch.files],
                         columns=["file", "status", "note", "kind", "encoding", "rows", "kept", "dropped", "duplicates"])
    dropped = batch.dropped[["file", "line", "rule", "reason", "accession", "table"]].reset_index(drop=True)
    return ImportReport(files, dropped, int(files["duplicates"].sum()), dest, batch.notes, fmt)


def _encoding_notes(batch: _Batch, opts: _Options) -> None:
    """Notes on encodings other than UTF-8, rows without a ticker and trade-dated data."""
    enc = pd.Series([e.encoding for e in batch.files if e.status == "imported"], dtype=object)
    for name, n in enc[~enc.isin(["utf-8", "binary", ""])].value_counts().items():
        batch.notes.append(f"{n:,} file(s) decoded as {name}" + ("" if str(name).startswith("utf") else
                                                                 " (not UTF-8: check accented names)"))
    no_ticker = int(batch.tx["ticker"].isna().sum())
    if no_ticker:
        batch.notes.append(f"{no_ticker:,} rows have no usable ticker (blank, or junk such as NONE): kept, but no "
                           "prices can be matched to them")
    undated = int(batch.tx["filing_date"].isna().sum())
    if undated:
        batch.notes.append(f"dated by trade date only: {undated:,} rows have no filing date; claims that need "
                           "when a trade became public (the filing date) will not be testable")


# ------------------------------------------------------------------------------------------------ public API
def read_transactions_file(path: str | Path, *, format: Format, mapping: dict[str, str] | str | None = None,
                           keep_cleanse: tuple[str, ...] = ("R", "H"), dated_by: DatedBy = "filing",
                           date_order: DateOrder = "auto", decimal: Decimal = ".") -> pd.DataFrame:
    """Read a third-party insider file into the tidy transactions schema (module docstring for the formats).

    Parameters
    ----------
    path
        The file.
    format
        ``"openinsider"``, ``"tfn"`` or ``"csv"`` (``"mapped"``: the same).
    mapping
        For ``csv``: the file's column -> tidy column (:data:`MAPPING_TARGETS`; ``ticker``, ``trans_date``,
        ``trans_code``, ``shares`` or ``value``, and ``filing_date`` unless *dated_by* is ``trade``), or the JSON
        text / file of one (:func:`parse_mapping`).
    keep_cleanse
        For ``tfn``: the cleanse indicators kept.
    dated_by
        ``trade``: a mapping without ``filing_date`` is accepted (the rows' filing dates are null).
    date_order
        The day order of slashed dates (``mdy``, ``dmy``; ``auto``: decided from the file's values, refused
        when nothing decides).
    decimal
        ``","`` for numbers written with a decimal comma (``4.000,5``).

    Returns
    -------
    pandas.DataFrame
        The tidy transactions (``source`` names the format), duplicate lines removed; the rows that could not
        be used, with their reasons, are in ``attrs["dropped"]``, the file's fate in ``attrs["file"]`` (a dict:
        ``status``, ``note``, ``encoding``, ``duplicates``).

    Raises
    ------
    DataError
        The file does not exist, is not a table, lacks the format's columns (named), or its dates' day order is
        ambiguous (with the option to pass).

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "oi.csv"
    >>> _ = f.write_text("Filing Date,Trade Date,Ticker,Insider Name,Title,Trade Type,Price,Qty,Value\\n"
    ...                  "2024-11-29 16:05:22,2024-11-27,ACME,Doe John,CEO,S - Sale,$10.00,\\"14,877\\",\\n")
    >>> tx = read_transactions_file(f, format="openinsider")
    >>> tx[["trans_code", "acquired_disposed", "shares", "value"]].values.tolist()  # unsigned, still a sale
    [['S', 'D', 14877.0, 148770.0]]
    """
    opts = _Options("csv" if format == "mapped" else format, parse_mapping(mapping) if mapping is not None else None,
                    tuple(keep_cleanse), dated_by, date_order, decimal)
    _check_options(opts)
    p = Path(path)
    if not p.is_file():
        raise DataError("file not found" if not p.is_dir() else "a folder, not a file", path=p,
                        hint="import_transactions reads folders and patterns")
    batch = _read_batch([p], opts, skip_bad=False)
    _encoding_notes(batch, opts)
    tx = batch.tx
    e = batch.files[0]
    tx.attrs["dropped"] = batch.dropped[list(DROPPED_COLUMNS)].reset_index(drop=True)
    tx.attrs["file"] = {"status": e.status, "note": e.note, "encoding": e.encoding, "duplicates": e.duplicates,
                        "notes": list(batch.notes)}
    return tx


def _previous_keys(tx_dir: Path) -> np.ndarray:
    """The row keys of every table imported before (each batch's ``.keys.npy``; computed for older imports)."""
    if not tx_dir.is_dir():
        return np.zeros(0, dtype=np.uint64)
    out = []
    for f in sorted(tx_dir.glob("*.parquet")):
        if f.name.endswith(".dropped.parquet"):
            continue
        k = f.with_name(f.name.removesuffix(".parquet") + ".keys.npy")
        if k.exists():
            try:
                out.append(np.load(k, allow_pickle=False).astype(np.uint64))
                continue
            except (OSError, ValueError):
                pass
        try:
            old = finalize_columns(pd.read_parquet(f))
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise DataError(f"unreadable imported table ({exc})", path=f, hint="remove it and import its file again") \
                from exc
        out.append(_row_keys(old, with_line=bool((old["source"] == "tfn").any())))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.uint64)


def _known_files(items: list[dict[str, Any]]) -> dict[str, str]:
    return {str(e["sha256"]): Path(str(e.get("file", ""))).name for e in items
            if e.get("kind") == "transactions" and e.get("status", "imported") == "imported" and e.get("sha256")}


def _write_batch(paths: DataPaths, batch: _Batch, opts: _Options) -> Path | None:
    """Under the import lock: drop the rows imported before, write the tidy rows, their keys, the dropped rows
    and the originals (one file each for the whole batch), then record every file.  Returns the table written
    (None: nothing new)."""
    import io
    import zipfile
    from datetime import UTC, datetime

    from .._io import atomic_path, atomic_write_bytes, safe_component
    from .._manifest import read_manifest

    imported = paths.raw_imported
    items = read_manifest(imported)  # (again, under the lock: another import may have finished meanwhile)
    known = _known_files(items)
    for e in batch.files:  # the same file imported by a concurrent run since this one read it
        if e.status == "imported" and e.sha256 in known:
            e.status, e.note = "duplicate", f"imported before (as {known[e.sha256]})"
    tx_dir = imported / "transactions"
    before = np.isin(batch.keys, _previous_keys(tx_dir))
    new = ~before
    for k, n in enumerate(np.bincount(batch.row_file[before], minlength=len(batch.files))):
        batch.files[k].kept -= int(n)
        batch.files[k].duplicates += int(n)
    now = datetime.now(UTC)
    digest = hashlib.sha256("".join(e.sha256 for e in batch.files).encode()).hexdigest()[:10]
    name = f"batch-{now:%Y%m%dT%H%M%S}-{digest}"
    dest: Path | None = None
    ours = [e for e in batch.files if e.status == "imported"]
    written: list[Path] = []
    try:
        if new.any() or len(batch.dropped):
            dest = tx_dir / f"{name}.parquet"
            np.save(buf := io.BytesIO(), batch.keys[new], allow_pickle=False)
            atomic_write_bytes(written_path := tx_dir / f"{name}.keys.npy", buf.getvalue())
            written.append(written_path)
            with atomic_path(dest) as tmp:
                (batch.tx if new.all() else batch.tx.loc[new]).to_parquet(tmp, index=False)
            written.append(dest)
            if len(batch.dropped):
                with atomic_path(written_path := tx_dir / f"{name}.dropped.parquet") as tmp:
                    batch.dropped[list(DROPPED_COLUMNS)].astype(str).to_parquet(tmp, index=False)
                written.append(written_path)
            with atomic_path(written_path := imported / "originals" / f"{name}.zip") as tmp, \
                    zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:  # (copies, as they came)
                for e in ours:
                    z.writestr(safe_component(f"{e.sha256[:10]}-{e.path.name}"), e.data or b"")
            written.append(written_path)
        _record_batch(paths, batch, opts, dest, name, now)
    except BaseException:  # (a failed write or record: the files of this import removed, nothing half imported)
        for f in written:
            f.unlink(missing_ok=True)
        raise
    return dest


def _record_batch(paths: DataPaths, batch: _Batch, opts: _Options, dest: Path | None, name: str,
                  now: Any) -> None:
    """Every file of the import recorded in the manifest (call with the import lock held)."""
    from .._manifest import append_entries

    stamp = now.isoformat(timespec="seconds")
    append_entries(paths.raw_imported, [
        {"kind": "transactions", "file": str(e.path.resolve()), "format": opts.format, "sha256": e.sha256,
         "status": e.status, "note": e.note, "rows": e.rows, "kept": e.kept, "dropped": e.dropped,
         "duplicates": e.duplicates, "encoding": e.encoding,
         "dest": str(dest.relative_to(paths.root)) if dest is not None and e.status == "imported" else None,
         "original": f"originals/{name}.zip" if dest is not None and e.status == "imported" else None,
         "imported_at": stamp} for e in batch.files])


def import_transactions(paths: DataPaths, files: Sequence[str | Path], *, format: Format,
                        mapping: dict[str, str] | str | None = None, keep_cleanse: tuple[str, ...] = ("R", "H"),
                        dated_by: DatedBy = "filing", date_order: DateOrder = "auto", decimal: Decimal = ".",
                        skip_bad: bool = False, progress: bool = False) -> ImportReport:
    r"""Import third-party insider files into a data directory, all or nothing.

    *files* may name files, folders (every table file under them) and glob patterns.  Every file is read
    first (:func:`read_transactions_file`'s rules); empty files and "no results" placeholders are skipped and
    listed, a file with the same bytes as another (or as one imported before) is read once, and a line equal to
    one read before (in another file, twice in one, or in an earlier import) is kept once.  A bad file stops the
    import before anything is written, unless *skip_bad*: then it is listed with its reason and the others are
    imported.  The rows are written as one table, ``raw/imported/transactions/batch-<time>-<digest>.parquet``
    (with its dropped rows and row keys beside it, and the original files in one zip under
    ``raw/imported/originals/``), and every file is recorded in ``raw/imported/manifest.json`` — all under the
    import lock, so that concurrent imports lose nothing.  ``insider-kit build`` and
    :func:`insider_kit.load_study` then use the imported rows like any other source.

    Parameters
    ----------
    paths
        The data directory imported into.
    files
        Files, folders and glob patterns.
    format, mapping, keep_cleanse, dated_by, date_order, decimal
        As for :func:`read_transactions_file`.
    skip_bad
        Import the good files when some are bad (listed with their reasons) instead of importing nothing.
    progress
        Show a progress bar while reading many files.

    Returns
    -------
    ImportReport
        What was imported (``print`` it for the summary table).

    Raises
    ------
    DataError
        A bad file (without *skip_bad*), a missing input, a damaged manifest (before anything is written).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from insider_kit.config import DataPaths
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "trades.csv").write_text("tkr,day,filed,code,qty,px\nACME,2024-03-01,2024-03-04,P,1000,12.5\n")
    >>> rep = import_transactions(DataPaths(root / "data"), [root / "trades.csv"], format="csv",
    ...                           mapping={"tkr": "ticker", "day": "trans_date", "filed": "filing_date",
    ...                                    "code": "trans_code", "qty": "shares", "px": "price"})
    >>> rep.files[["status", "rows", "kept", "dropped"]].values.tolist()
    [['imported', 1, 1, 0]]
    """
    from .._manifest import import_lock, read_manifest

    opts = _Options("csv" if format == "mapped" else format, parse_mapping(mapping) if mapping is not None else None,
                    tuple(keep_cleanse), dated_by, date_order, decimal)
    _check_options(opts)
    inputs, ignored = expand_inputs(list(files))
    known = _known_files(read_manifest(paths.raw_imported))  # (a damaged record stops here, before any work)
    batch = _read_batch(inputs, opts, skip_bad=skip_bad, known=known, progress=progress)
    _encoding_notes(batch, opts)
    if ignored:
        batch.notes.append(f"{len(ignored):,} other file(s) in the folders ignored (not tables): "
                           + ", ".join(f.name for f in ignored[:5]) + (" ..." if len(ignored) > 5 else ""))
    try:
        with import_lock(paths.raw_imported):
            dest = _write_batch(paths, batch, opts)
    except OSError as exc:  # (unwritable, read-only or full: the files this import wrote are removed again)
        raise DataError(f"cannot write into the data directory ({exc.strerror or exc})", path=paths.raw_imported,
                        hint="pass --data a directory you can write to, with free space") from exc
    return _report(batch, dest, opts.format)
