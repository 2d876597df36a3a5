"""Reader for the SEC's quarterly Insider Transactions Data Sets (``YYYYqN_form345.zip``).

Each quarter is a zip of tab-separated UTF-8 tables joined by
``ACCESSION_NUMBER`` (see the SEC's ``FORM_345_readme.htm``): SUBMISSION,
REPORTINGOWNER, NONDERIV_TRANS, DERIV_TRANS, NONDERIV_HOLDING, DERIV_HOLDING,
FOOTNOTES and OWNER_SIGNATURE.  Tables are read straight from the zip (never
extracted to disk), columns are addressed by name (the SEC adds and renames
columns across years), dates are ``DD-MON-YYYY``.

The result is one row per *transaction line* in the tidy layout of DESIGN.md,
plus an ``owners`` table with every reporting owner of every filing.
Amendments are *not* resolved here (an amendment can supersede a filing from
another quarter); see :func:`insider_kit.filings.tidy.apply_amendments`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._io import isin_text
from ..days import parse_dates
from ..errors import DataError
from ..tickers import normalise_tickers
from .plan import resolve_plan_flags
from .roles import normalise_roles
from .schema import STRING_DTYPE as _STR
from .schema import TABLES, TIDY_COLUMNS, finalize_columns, validate_rows

__all__ = ["TIDY_COLUMNS", "QuarterData", "finalize_columns", "read_quarter"]

REQUIRED_TABLES = ("SUBMISSION", "REPORTINGOWNER", "NONDERIV_TRANS", "DERIV_TRANS", "FOOTNOTES")
OPTIONAL_TABLES = ("NONDERIV_HOLDING",)

# Columns we need from each table; those marked required must be present.
_COLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "SUBMISSION": (
        ("ACCESSION_NUMBER", "FILING_DATE", "DOCUMENT_TYPE", "ISSUERCIK"),
        (
            "PERIOD_OF_REPORT",
            "DATE_OF_ORIG_SUB",
            "ISSUERNAME",
            "ISSUERTRADINGSYMBOL",
            "REMARKS",
            "AFF10B5ONE",
        ),
    ),
    "REPORTINGOWNER": (
        ("ACCESSION_NUMBER", "RPTOWNERCIK"),
        ("RPTOWNERNAME", "RPTOWNER_RELATIONSHIP", "RPTOWNER_TITLE", "RPTOWNER_TXT"),
    ),
    "NONDERIV_TRANS": (
        ("ACCESSION_NUMBER", "TRANS_DATE", "TRANS_CODE", "TRANS_SHARES", "TRANS_ACQUIRED_DISP_CD"),
        (
            "NONDERIV_TRANS_SK",
            "SECURITY_TITLE",
            "DEEMED_EXECUTION_DATE",
            "TRANS_PRICEPERSHARE",
            "SHRS_OWND_FOLWNG_TRANS",
            "DIRECT_INDIRECT_OWNERSHIP",
        ),
    ),
    "DERIV_TRANS": (
        ("ACCESSION_NUMBER", "TRANS_DATE", "TRANS_CODE"),
        (
            "DERIV_TRANS_SK",
            "SECURITY_TITLE",
            "DEEMED_EXECUTION_DATE",
            "TRANS_SHARES",
            "TRANS_PRICEPERSHARE",
            "TRANS_ACQUIRED_DISP_CD",
            "SHRS_OWND_FOLWNG_TRANS",
            "DIRECT_INDIRECT_OWNERSHIP",
        ),
    ),
    "FOOTNOTES": (("ACCESSION_NUMBER", "FOOTNOTE_ID", "FOOTNOTE_TXT"), ()),
    "NONDERIV_HOLDING": (("ACCESSION_NUMBER",), ("SECURITY_TITLE", "SHRS_OWND_FOLWNG_TRANS")),
}

#: Largest uncompressed table accepted (bounded decompression).
MAX_MEMBER_BYTES = 4 * 1024**3
#: Largest compression ratio accepted for one member (zip-bomb guard).
MAX_RATIO = 200.0

_QUARTER_RE = re.compile(r"(\d{4})q([1-4])", re.IGNORECASE)


@dataclass
class QuarterData:
    """What one quarterly zip contributed."""

    path: Path
    transactions: pd.DataFrame
    owners: pd.DataFrame
    holdings: pd.DataFrame
    dropped: pd.DataFrame
    stats: dict[str, int] = field(default_factory=dict)
    missing_columns: dict[str, list[str]] = field(default_factory=dict)


def _members(zf: zipfile.ZipFile, path: Path) -> dict[str, zipfile.ZipInfo]:
    """The zip's tables by name (``SUBMISSION``...), whatever folder they are in; two members for one table the
    reader uses (``SUBMISSION.tsv`` and ``old/submission.txt``) are a :class:`DataError` naming both: which one
    holds the quarter cannot be known (taking either silently could drop every row)."""
    out: dict[str, zipfile.ZipInfo] = {}
    used = {*REQUIRED_TABLES, *OPTIONAL_TABLES}
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
        stem, _, ext = name.rpartition(".")
        if ext.lower() not in {"tsv", "txt"}:
            continue
        key = stem.upper()
        if key in out and key in used:
            raise DataError(f"two members hold table {key}: {out[key].filename} and {info.filename}",
                            path=path, hint="an SEC data set zip has one file per table; download the quarter again")
        out[key] = info
    return out


def _check_bounds(info: zipfile.ZipInfo, path: Path) -> None:
    if info.file_size > MAX_MEMBER_BYTES:
        raise DataError(
            f"member {info.filename} would decompress to {info.file_size:,} bytes (limit {MAX_MEMBER_BYTES:,})",
            path=path,
        )
    if info.compress_size > 0 and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 10**7:
        raise DataError(
            f"member {info.filename} has a compression ratio of {info.file_size / info.compress_size:,.0f}:1 "
            "(refusing a possible zip bomb)",
            path=path,
        )


_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def _member_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """The decompressed member, or a :class:`DataError` naming the file and the member: encrypted or unknown
    compression, damaged compressed data (a bad CRC, a zlib error), a member larger than the limits."""
    _check_bounds(info, path)
    if info.flag_bits & 0x1:
        raise DataError(f"member {info.filename} is encrypted; the SEC's data sets are not", path=path)
    if info.compress_type not in _ZIP_METHODS:
        raise DataError(f"member {info.filename} uses an unsupported compression method ({info.compress_type})",
                        path=path)
    try:
        with zf.open(info) as raw:
            data = raw.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, RuntimeError,
            NotImplementedError, ValueError) as exc:
        raise DataError(f"member {info.filename} cannot be decompressed ({type(exc).__name__}: {exc}); the zip "
                        "is damaged", path=path, hint="delete it and download it again") from exc
    if len(data) > MAX_MEMBER_BYTES:
        raise DataError(f"member {info.filename} decompresses beyond {MAX_MEMBER_BYTES:,} bytes", path=path)
    return data


def _bad_lines(data: bytes, n_fields: int) -> tuple[np.ndarray, np.ndarray]:
    """Data lines (0 = the first after the header) whose number of tab-separated fields is not the header's,
    and their field counts: one vectorised pass over the bytes."""
    b = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(b == 10)
    if len(b) and b[-1] != 10:
        nl = np.r_[nl, len(b)]
    tabs = np.flatnonzero(b == 9)
    per_line = np.diff(np.r_[0, np.searchsorted(tabs, nl)]) + 1  # tabs before each line end, line by line
    starts = np.r_[0, nl[:-1] + 1]
    empty = (nl - starts) <= 0  # blank lines (pandas skips them)
    if len(per_line) <= 1:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    body, counts, blank = np.arange(len(per_line) - 1), per_line[1:], empty[1:]
    # a trailing carriage return does not add a field
    bad = (counts != n_fields) & ~blank
    return body[bad], counts[bad]


def _read_table(data: bytes, info: zipfile.ZipInfo, table: str, path: Path, *, fn: bool = False
                ) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    """One table of the zip: the needed columns as strings, the optional columns it lacks, and the lines
    dropped because their number of fields does not match the header (a stray tab would shift every later
    column of the row).  With *fn*, every ``*_FN`` (footnote id) column too, in the same parse."""
    required, optional = _COLS[table]
    wanted = set(required) | set(optional)
    header = data.split(b"\n", 1)[0].decode("utf-8-sig", "replace").rstrip("\r\n").split("\t")
    cols = [c.strip().upper() for c in header]
    missing_req = [c for c in required if c not in cols]
    if missing_req:
        raise DataError(
            f"table {table} ({info.filename}) lacks required column(s) {', '.join(missing_req)}; "
            f"found {', '.join(cols[:12])}{'...' if len(cols) > 12 else ''}",
            path=path,
            hint="is this an SEC Insider Transactions Data Set (form345) zip?",
        )
    bad, counts = _bad_lines(data, len(cols))
    bad_rows = pd.DataFrame({"accession": pd.Series(dtype=object), "line": pd.Series(dtype="int64"),
                             "reason": pd.Series(dtype=object)})
    if len(bad):
        lines = data.split(b"\n")
        bad_rows = pd.DataFrame({
            "accession": [lines[i + 1].split(b"\t", 1)[0].decode("utf-8", "replace").strip() for i in bad],
            "line": bad + 2,  # 1-based line number in the file, header included
            "reason": [f"{table} line {i + 2} has {c} fields, the header has {len(cols)}" for i, c in zip(bad, counts, strict=True)],
        })
    usecols = [c for c in cols if c in wanted or (fn and c.endswith("_FN"))]
    df = _arrow_tsv(data, cols, usecols, len(bad))
    if df is None:  # (text that is not valid UTF-8, or lines Arrow counts differently: the pandas reader)
        df = _pandas_tsv(data, cols, usecols, bad, info, table, path)
    absent = [c for c in optional if c not in df.columns]
    for c in absent:
        df[c] = pd.Series(pd.NA, index=df.index, dtype=_STR)
    return df, absent, bad_rows


def _arrow_tsv(data: bytes, cols: list[str], usecols: list[str], n_bad: int) -> pd.DataFrame | None:
    """The table by Arrow's CSV reader (no quoting, empty cells null, every column text), the lines whose
    number of fields is not the header's skipped; None when the bytes are not valid UTF-8, when the header
    repeats a name or when Arrow skips a different number of lines than :func:`_bad_lines` found."""
    import pyarrow.csv as pcsv

    if len(set(cols)) != len(cols):
        return None
    skipped = 0

    def skip(row: object) -> str:
        nonlocal skipped
        skipped += 1
        return "skip"

    try:
        tab = pcsv.read_csv(
            io.BytesIO(data),
            read_options=pcsv.ReadOptions(use_threads=False, skip_rows=1, column_names=cols),
            parse_options=pcsv.ParseOptions(delimiter="\t", quote_char=False, invalid_row_handler=skip),
            convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in usecols}, include_columns=usecols,
                                                strings_can_be_null=True, null_values=[""]),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if skipped != n_bad:
        return None
    return tab.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)


def _pandas_tsv(data: bytes, cols: list[str], usecols: list[str], bad: np.ndarray, info: zipfile.ZipInfo,
                table: str, path: Path) -> pd.DataFrame:
    """The table by pandas' C reader (invalid UTF-8 replaced), the *bad* lines skipped, every column text."""
    try:
        df = pd.read_csv(
            io.BytesIO(data),
            sep="\t",
            header=0,
            names=cols,
            usecols=usecols,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            quoting=csv.QUOTE_NONE,
            engine="c",
            encoding="utf-8",
            encoding_errors="replace",
            skiprows=(bad + 1).tolist() if len(bad) else None,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"table {table} ({info.filename}) is not a valid tab-separated table: {exc}", path=path) from exc
    return df.astype(_STR)


def _row_lines(data: bytes, bad: np.ndarray) -> np.ndarray:
    """The 1-based line numbers in the file (header included) of the rows the table readers return: the lines
    after the header that are neither blank nor among *bad* (data-line indices, 0 = the first after the header)."""
    b = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(b == 10)
    if len(b) and b[-1] != 10:
        nl = np.r_[nl, len(b)]
    starts = np.r_[0, nl[:-1] + 1]
    keep = (nl - starts) > 0
    keep[0] = False  # the header
    keep[np.asarray(bad, dtype=np.int64) + 1] = False
    return np.flatnonzero(keep) + 1


def _first_copies(sub: pd.DataFrame, data: bytes, bad: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SUBMISSION with one row per accession (the first copy) and the later copies as dropped rows, each with
    its line, the line of the copy kept and whether the copies differ (taking one silently would hide that the
    quarter's file is damaged)."""
    acc = sub["ACCESSION_NUMBER"].astype(_STR).str.strip()
    again = acc.duplicated(keep="first").fillna(False).to_numpy(bool) & acc.notna().to_numpy(bool)
    if not again.any():
        return sub, pd.DataFrame({"accession": [], "line": [], "reason": []})
    lines = _row_lines(data, bad)
    lines = lines if len(lines) == len(sub) else np.arange(len(sub)) + 2  # (the reader's rows, in file order)
    first = acc.reset_index(drop=True).drop_duplicates(keep="first")
    pos_first = pd.Series(first.index.to_numpy(), index=first.to_numpy())
    rows = []
    for i in np.flatnonzero(again):
        a = str(acc.iloc[i])
        j = int(pos_first[a])
        differ = [c for c in sub.columns if c != "ACCESSION_NUMBER" and str(sub.iloc[i][c]) != str(sub.iloc[j][c])]
        how = f"they differ in {', '.join(differ)}" if differ else "an identical copy"
        rows.append({"accession": a, "line": int(lines[i]),
                     "reason": f"SUBMISSION line {lines[i]}: accession {a} appears a second time ({how}); the "
                               f"first copy, line {lines[j]}, is kept"})
    return sub[~again].reset_index(drop=True), pd.DataFrame(rows)


def _sec_dates(s: pd.Series) -> pd.Series:
    """``DD-MON-YYYY`` (also ISO ``YYYY-MM-DD``) through the kit's bounded parser; bad values become NaT."""
    return parse_dates(s, ("%d-%b-%Y", "%Y-%m-%d"))



def _num(s: pd.Series) -> pd.Series:
    """Numbers from text by the kit's one bounded parser (``insider_kit._parse.parse_numbers``): a value that
    is not a number is NaN; one beyond the float range is +/-inf here (the row validation then drops an infinite
    share count with its reason, and the callers make an overflowing price or holding unknown).

    Nothing reaches ``pandas.to_numeric``, which crashes the whole process (segmentation fault) on an exponent of
    2**31 or more such as ``1e2147483648``.
    """
    from .._parse import parse_numbers

    got = parse_numbers(s, what="number")
    v = got.values.to_numpy(dtype=float, copy=True)
    over = got.reason.str.contains("too large", regex=False, na=False).to_numpy(bool)
    if over.any():
        neg = s[over].astype(_STR).str.strip().str.startswith(("-", "\u2212")).fillna(False).to_numpy(bool)
        v[over] = np.where(neg, -np.inf, np.inf)
    return pd.Series(v, index=s.index, dtype=float)


def _finite(s: pd.Series) -> pd.Series:
    return s.where(np.isfinite(s.to_numpy()))


def _truthy(s: pd.Series) -> pd.Series:
    v = s.astype(_STR).str.strip().str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[v.isin(["1", "true", "y", "yes", "x"]).fillna(False).to_numpy(bool)] = True
    out[v.isin(["0", "false", "n", "no"]).fillna(False).to_numpy(bool)] = False
    return out


#: Words of the placeholders filers type where a trading symbol belongs (``N/A.``, ``NO TICKER``, ``NOT PUBLICLY
#: TRADED``, ``N/A - PRIVATE``): a symbol made only of these words, in two or more pieces, is no ticker.
_PLACEHOLDER_WORDS = frozenset({"N", "A", "NA", "NONE", "NULL", "NAN", "NAT", "NO", "NOT", "TICKER", "SYMBOL",
                                "TRADED", "TRADING", "PUBLICLY", "PUBLIC", "APPLICABLE", "AVAILABLE", "PRIVATE",
                                "PRIVATELY", "HELD", "LISTED", "UNLISTED", "COMPANY", "MARKET", "OTC", "TBD"})
#: Placeholders written as one word.
_PLACEHOLDER_ONE = frozenset({"NONE", "NULL", "NA", "NAN", "NAT", "NOTICKER", "NOSYMBOL", "PRIVATE", "UNLISTED",
                              "NOTAPPLICABLE", "NOTLISTED", "NOTTRADED"})


def is_placeholder_symbol(raw: str) -> bool:
    """Whether a filed trading symbol is a placeholder rather than a ticker.

    :func:`insider_kit.tickers.normalise_ticker` keeps the first of several symbols (``GOOG, GOOGL``), so a
    placeholder in several pieces would become a ticker of its first piece: ``N/A.`` -> ``N``, ``NOT TRADED``
    -> ``NOT``, ``N.A`` -> ``N-A`` (possibly another firm's ticker).  Those rows are rows without a ticker.

    Parameters
    ----------
    raw
        The symbol as filed.

    Returns
    -------
    bool
        True for a placeholder.

    Examples
    --------
    >>> [is_placeholder_symbol(s) for s in ("N/A.", "NOT PUBLICLY TRADED", "nan", "BRK.A", "A", "NYSE: N")]
    [True, True, True, False, False, False]
    """
    words = re.findall(r"[A-Z0-9]+", str(raw).upper())
    if len(words) == 1:
        return words[0] in _PLACEHOLDER_ONE
    return len(words) > 1 and all(w in _PLACEHOLDER_WORDS for w in words)


def filed_tickers(raw: pd.Series) -> pd.Series:
    """The tickers of filed trading symbols: :func:`insider_kit.tickers.normalise_tickers`, placeholders
    (:func:`is_placeholder_symbol`) missing; each distinct symbol read once.

    Parameters
    ----------
    raw
        The symbols as filed.

    Returns
    -------
    pandas.Series
        ``string`` dtype, missing where the filing names no usable ticker (such rows are counted in the
        events' ``attrs["no_ticker"]``).

    Examples
    --------
    >>> filed_tickers(pd.Series(["brk.b", "N/A.", "NOT TRADED", None])).tolist()
    ['BRK-B', <NA>, <NA>, <NA>]
    """
    codes, uniq = pd.factorize(raw)
    keep = np.array([not is_placeholder_symbol(u) for u in uniq], dtype=bool)
    norm = normalise_tickers(pd.Series(uniq, dtype=object)).array
    norm[~keep] = pd.NA
    return pd.Series(norm.take(codes, allow_fill=True), index=raw.index, dtype="string")


def cik10(s: pd.Series) -> pd.Series:
    """CIKs as 10-digit zero-padded strings (null stays null, non-numeric kept as filed)."""
    codes, uniq = s.astype(_STR).factorize()  # (each distinct CIK once: a quarter repeats them)
    v = pd.Series(uniq, dtype=_STR).str.strip().str.replace(r"\.0$", "", regex=True)
    digits = v.str.fullmatch(r"\d{1,10}").fillna(False).astype(bool)
    u = v.where(~digits, v.str.zfill(10))
    return pd.Series(u.array.take(codes, allow_fill=True), index=s.index, dtype=_STR)


def _owners(ro: pd.DataFrame) -> pd.DataFrame:
    # each distinct relationship text read once (a quarter has a few dozen over its owners)
    codes, texts = pd.factorize(ro["RPTOWNER_RELATIONSHIP"].fillna("").astype(str), use_na_sentinel=False)
    rel = pd.Series(texts, dtype=object).str.upper()

    def has(pattern: str) -> np.ndarray:
        return rel.str.contains(pattern).to_numpy(bool)[codes]

    out = pd.DataFrame(
        {
            "accession": ro["ACCESSION_NUMBER"].astype(_STR).str.strip(),
            "owner_cik": cik10(ro["RPTOWNERCIK"]),
            "owner_name": ro["RPTOWNERNAME"].astype(_STR),
            "is_director": has("DIRECTOR"),
            "is_officer": has("OFFICER"),
            "is_ten_percent_owner": has("TENPERCENT|10%|TEN PERCENT"),
            "is_other": has("OTHER"),
            "officer_title": ro["RPTOWNER_TITLE"].astype(_STR),
        }
    )
    out["role"] = normalise_roles(
        out["is_director"], out["is_officer"], out["is_ten_percent_owner"], out["is_other"], out["officer_title"]
    )
    out["owner_order"] = out.groupby("accession").cumcount()
    return out


def _attach_footnotes(trans: pd.DataFrame, fn_cols: list[str], foot: pd.DataFrame) -> pd.Series:
    """Resolve the ``*_FN`` id columns of each row to the footnote texts, joined with ' | '."""
    if not fn_cols or foot.empty:
        return pd.Series(pd.NA, index=trans.index, dtype="string")
    acc = trans["ACCESSION_NUMBER"].array
    acc_known = trans["ACCESSION_NUMBER"].notna().to_numpy(bool)
    pieces = []
    for c in fn_cols:  # (row, accession, ids) of each filled id cell of a row with an accession
        v = trans[c]
        has = v.notna().to_numpy(bool) & acc_known
        if has.any():
            pieces.append(pd.DataFrame({"ACCESSION_NUMBER": acc[has], "value": v.to_numpy(object)[has]},
                                       index=trans.index[has]))
    if not pieces:
        return pd.Series(pd.NA, index=trans.index, dtype="string")
    long = pd.concat(pieces)
    # "F1,F3" -> F1, F3: each distinct id text split once
    codes, texts = pd.factorize(long["value"].astype(str), use_na_sentinel=False)
    long["value"] = pd.Series(texts, dtype=object).str.split(r"[,;\s]+").to_numpy(object)[codes]
    long = long.explode("value")
    long = long[long["value"].astype(str).str.len() > 0]
    long["row"] = long.index
    f = foot.rename(columns={"FOOTNOTE_ID": "value"})[["ACCESSION_NUMBER", "value", "FOOTNOTE_TXT"]]
    f = f[f["FOOTNOTE_TXT"].notna()].drop_duplicates(["ACCESSION_NUMBER", "value"])  # (a footnote without text adds none)
    m = long.merge(f, on=["ACCESSION_NUMBER", "value"], how="inner")
    m = m.drop_duplicates(["row", "value"]).sort_values(["row", "value"], kind="stable")
    if m.empty:
        return pd.Series(pd.NA, index=trans.index, dtype="string")
    # each row's texts, in id order, joined by ' | ' as one Arrow list operation (not a Python join per row)
    rows = m["row"].to_numpy()
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    texts = pa.array(m["FOOTNOTE_TXT"].astype(str).to_numpy(object), type=pa.large_string())
    lists = pa.ListArray.from_arrays(pa.array(np.r_[starts, len(rows)], type=pa.int32()), texts)
    joined = pd.Series(pd.array(pc.binary_join(lists, pa.scalar(" | ", pa.large_string())), dtype=_STR), index=rows[starts])
    return joined.reindex(trans.index)


def read_quarter(path: str | Path) -> QuarterData:
    """Read one ``YYYYqN_form345.zip`` into tidy transactions and owners.

    Parameters
    ----------
    path
        The quarterly zip, exactly as downloaded from the SEC.

    Returns
    -------
    QuarterData
        ``transactions`` in the tidy layout (DESIGN.md), ``owners`` (one row per
        reporting owner per filing), ``holdings`` (NONDERIV_HOLDING, when present),
        ``dropped`` (rows that could not be used, with a reason) and counts.

    Raises
    ------
    DataError
        Not a zip, a required table or column missing, a table that does not
        parse, a member that would decompress beyond the limits.

    Notes
    -----
    * Joint filings: REPORTINGOWNER has one row per owner; the transaction row
      appears once, attributed to the first listed owner, with ``n_owners``.
    * Footnotes: every ``*_FN`` column holds footnote ids (``F1``, ``F1,F3``);
      their texts are joined onto the row in ``footnotes``.
    * 10b5-1: from SUBMISSION's ``AFF10B5ONE`` when that quarter has the column,
      else (and additionally) from the row's footnote text.

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.config import paths
    >>> zips = sorted(paths("sample").raw_sec.glob("*_form345.zip"))
    >>> q = ik.read_quarter(zips[0])
    >>> set(q.transactions["trans_code"]) >= {"P", "S"}
    True
    """
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise DataError("file not found", path=path) from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError) as exc:  # (NotImplementedError: a central directory declaring an unknown zip version)
        what = (f"its central directory declares what this reader does not support: {exc}"
                if isinstance(exc, NotImplementedError) else f"{type(exc).__name__}: {exc}")
        raise DataError(f"not a readable zip file ({what})", path=path, hint="delete it and download again") from exc
    with zf:
        members = _members(zf, path)
        missing = [t for t in REQUIRED_TABLES if t not in members]
        if missing:
            raise DataError(
                f"missing table(s) {', '.join(missing)}; found {', '.join(sorted(members)) or 'none'}",
                path=path,
                hint="the SEC data set zip should hold SUBMISSION, REPORTINGOWNER, NONDERIV_TRANS, DERIV_TRANS, FOOTNOTES",
            )
        tables: dict[str, pd.DataFrame] = {}
        absent: dict[str, list[str]] = {}
        bad_lines: list[pd.DataFrame] = []
        for t in (*REQUIRED_TABLES, *OPTIONAL_TABLES):
            if t not in members:
                continue
            data = _member_bytes(zf, members[t], path)
            trans = t in ("NONDERIV_TRANS", "DERIV_TRANS")  # (with every footnote-id column: *_FN)
            tables[t], miss, bad = _read_table(data, members[t], t, path, fn=trans)
            if miss:
                absent[t] = miss
            if len(bad):
                bad_lines.append(bad.assign(table=t))
            if t == "SUBMISSION":  # (one row per filing: a second copy of an accession is listed, not joined)
                tables[t], again = _first_copies(tables[t], data, bad["line"].to_numpy() - 2)
                if len(again):
                    bad_lines.append(again.assign(table=t))
            if trans:
                fn = [c for c in tables[t].columns if c.endswith("_FN")]
                tables[t + "_FN"] = tables[t][fn].copy() if fn else pd.DataFrame(index=pd.RangeIndex(0))
            del data
    return _assemble(path, tables, absent, bad_lines)


def _assemble(path: Path, t: dict[str, pd.DataFrame], absent: dict[str, list[str]],
              bad_lines: list[pd.DataFrame] | None = None) -> QuarterData:
    """The tidy tables of one quarter from its parsed SEC tables: transaction lines joined to their filing
    and primary owner; every line that cannot be used listed with its reason."""
    sub = t["SUBMISSION"].copy()
    sub["ACCESSION_NUMBER"] = sub["ACCESSION_NUMBER"].astype(_STR).str.strip()
    sub = sub.drop_duplicates("ACCESSION_NUMBER")  # (read_quarter listed the later copies already)
    owners = _owners(t["REPORTINGOWNER"])
    n_owners = owners.groupby("accession").size().rename("n_owners")
    primary = owners[owners["owner_order"] == 0].set_index("accession")
    tx = _transaction_lines(t)
    s = _submissions(sub)
    dropped: list[pd.DataFrame] = [b[["accession", "table", "line", "reason"]] for b in (bad_lines or [])]
    nrows = len(tx) + sum(len(b) for b in (bad_lines or []) if b["table"].iloc[0] in ("NONDERIV_TRANS", "DERIV_TRANS"))
    tx = tx.merge(s, on="accession", how="left", validate="many_to_one")
    tx = _usable_lines(tx, primary, dropped)
    if tx.empty:  # a header-only table, or every row dropped: an empty tidy table, not an error
        tx = finalize_columns(pd.DataFrame({"accession": pd.Series(dtype=object)}))
    else:
        tx = tx.join(
            primary[
                ["owner_cik", "owner_name", "is_director", "is_officer", "is_ten_percent_owner", "is_other", "officer_title", "role"]
            ],
            on="accession",
        )
        tx = tx.join(n_owners, on="accession")
        tx["ticker"] = filed_tickers(tx["ticker_raw"])
        tx["value"] = tx["shares"] * tx["price"]
        tx["accepted_at"] = pd.Series(pd.NaT, index=tx.index, dtype="datetime64[ns, America/New_York]")
        flag, src = resolve_plan_flags(tx["footnotes"], tx["aff10b5one"])
        tx["plan_10b5_1"] = flag
        tx["plan_source"] = src
        tx["source"] = "sec_dataset"
        tx = finalize_columns(tx)

    own = owners.merge(s[["accession", "filing_date", "issuer_cik"]], on="accession", how="inner")
    holdings = t.get("NONDERIV_HOLDING", pd.DataFrame())
    dropped_df = (
        pd.concat(dropped, ignore_index=True)
        if dropped
        else pd.DataFrame({"accession": [], "table": [], "line": [], "reason": []})
    )
    dropped_df["file"] = str(path.name)
    dropped_df["table"] = dropped_df["table"].astype(str).replace({"NONDERIV_TRANS": "nonderivative",
                                                                    "DERIV_TRANS": "derivative"})
    stats = {
        "filings": len(s),
        "filings_bad_date": int(s["filing_date"].isna().sum()),
        "transaction_rows": nrows,
        "kept": len(tx),
        "dropped": int(dropped_df["table"].isin(["nonderivative", "derivative"]).sum()),
        "owners": len(owners),
        "joint_filings": int((n_owners > 1).sum()),
        "no_ticker": int(tx["ticker"].isna().sum()),
        "filings_repeated": int(((dropped_df["table"] == "SUBMISSION")
                                 & dropped_df["reason"].astype(str).str.contains("appears a second time")).sum()),
    }
    return QuarterData(path, tx, own, holdings, dropped_df, stats, absent)


def _transaction_lines(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every non-derivative and derivative transaction line in tidy names, with its footnotes' texts."""
    foot = t["FOOTNOTES"].copy()
    foot["ACCESSION_NUMBER"] = foot["ACCESSION_NUMBER"].astype(_STR).str.strip()
    foot["FOOTNOTE_ID"] = foot["FOOTNOTE_ID"].astype(_STR).str.strip()
    parts = []
    for table, key in (("NONDERIV_TRANS", "nonderivative"), ("DERIV_TRANS", "derivative")):
        tr = t[table].reset_index(drop=True)
        fn = t[table + "_FN"].reset_index(drop=True)
        tr["ACCESSION_NUMBER"] = tr["ACCESSION_NUMBER"].astype(_STR).str.strip()
        fn["ACCESSION_NUMBER"] = tr["ACCESSION_NUMBER"]
        fn_cols = [c for c in fn.columns if c.endswith("_FN")]
        notes = _attach_footnotes(fn, fn_cols, foot)
        sk_col = "NONDERIV_TRANS_SK" if key == "nonderivative" else "DERIV_TRANS_SK"
        sk = _num(tr[sk_col]) if sk_col in tr else pd.Series(np.nan, index=tr.index)
        sk = sk.where(sk.abs() < 2.0**62)  # (a line number; NaN and junk become -1)
        parts.append(pd.DataFrame(
            {
                "accession": tr["ACCESSION_NUMBER"],
                "table": pd.Categorical.from_codes(np.full(len(tr), TABLES.index(key)),
                                                 dtype=pd.CategoricalDtype(list(TABLES))),
                "security_title": tr["SECURITY_TITLE"].astype(_STR),
                "trans_date": _sec_dates(tr["TRANS_DATE"]),
                "trans_date_raw": tr["TRANS_DATE"].astype(_STR),
                "deemed_execution_date": _sec_dates(tr["DEEMED_EXECUTION_DATE"]),
                "trans_code": tr["TRANS_CODE"].astype(_STR).str.strip().str.upper(),
                "acquired_disposed": tr["TRANS_ACQUIRED_DISP_CD"].astype(_STR).str.strip().str.upper(),
                "shares": _num(tr["TRANS_SHARES"]),
                "shares_raw": tr["TRANS_SHARES"].astype(_STR),
                "price": _finite(_num(tr["TRANS_PRICEPERSHARE"])),  # (an overflowing price is unknown)
                "shares_after": _finite(_num(tr["SHRS_OWND_FOLWNG_TRANS"])),
                "ownership": tr["DIRECT_INDIRECT_OWNERSHIP"].astype(_STR).str.strip().str.upper(),
                "footnotes": notes,
                "line": sk.fillna(-1).astype("int64"),
            }
        ))
    return pd.concat(parts, ignore_index=True)


def _submissions(sub: pd.DataFrame) -> pd.DataFrame:
    """One row per filing of SUBMISSION, in tidy names (its dates parsed, the issuer's CIK in ten digits)."""
    return pd.DataFrame(
        {
            "accession": sub["ACCESSION_NUMBER"],
            "filing_date": _sec_dates(sub["FILING_DATE"]),
            "form_type": sub["DOCUMENT_TYPE"].astype(_STR).str.strip().str.upper(),
            "issuer_cik": cik10(sub["ISSUERCIK"]),
            "issuer_name": sub["ISSUERNAME"].astype(_STR),
            "ticker_raw": sub["ISSUERTRADINGSYMBOL"].astype(_STR),
            "period_of_report": _sec_dates(sub["PERIOD_OF_REPORT"]),
            "date_of_orig_sub": _sec_dates(sub["DATE_OF_ORIG_SUB"]),
            "aff10b5one": _truthy(sub["AFF10B5ONE"]),
        }
    )


def _usable_lines(tx: pd.DataFrame, primary: pd.DataFrame, dropped: list[pd.DataFrame]) -> pd.DataFrame:
    """The lines with a filing, a filing date, a trade date and a reporting owner that pass the row
    validation; the others are appended to *dropped* with their reasons."""
    orphan = tx["form_type"].isna()
    if orphan.any():
        dropped.append(tx.loc[orphan, ["accession", "table", "line"]].assign(reason="accession not in SUBMISSION"))
    bad_fd = ~orphan & tx["filing_date"].isna()
    if bad_fd.any():
        dropped.append(tx.loc[bad_fd, ["accession", "table", "line"]].assign(reason="unparseable FILING_DATE"))
    bad_td = tx["trans_date"].isna() & ~orphan & ~bad_fd
    if bad_td.any():
        dropped.append(
            tx.loc[bad_td, ["accession", "table", "line"]].assign(
                reason="unparseable TRANS_DATE: " + tx.loc[bad_td, "trans_date_raw"].fillna("<empty>").astype(str)
            )
        )
    no_owner = ~isin_text(tx["accession"], primary.index) & ~orphan
    if no_owner.any():
        dropped.append(tx.loc[no_owner, ["accession", "table", "line"]].assign(reason="no reporting owner"))
    tx = tx[~(orphan | bad_fd | bad_td | no_owner)].copy()
    tx, invalid = validate_rows(tx, shares_raw=tx["shares_raw"])
    if len(invalid):
        dropped.append(invalid)
    return tx.copy()


def quarter_of(path: str | Path) -> str | None:
    """``'2024q3'`` from a file name like ``2024q3_form345.zip``; None when absent."""
    m = _QUARTER_RE.search(Path(path).name)
    return f"{m.group(1)}q{m.group(2)}" if m else None
