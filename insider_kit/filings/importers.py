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
``csv``
    Any CSV or Parquet file with a ``mapping`` from its columns to the tidy names.

Missing information is carried as missing, never invented: without an accession number or CIK the issuer is
identified by ticker and an owner by name (the signals do this), without a 10b5-1 field ``plan_10b5_1`` is
null, without an A/D column it is derived from the code or the signed quantity and ``ad_source`` says
``derived``.  Every importer returns ``(transactions, dropped)``.
"""

from __future__ import annotations

import html as html_lib
import io
import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..config import DataPaths
from ..days import NEW_YORK, parse_dates
from ..errors import DataError
from ..tickers import normalise_tickers
from .roles import normalise_roles
from .schema import DROPPED_COLUMNS, finalize_columns, validate_rows

__all__ = ["FORMATS", "TFN_ROLES", "Format", "import_transactions", "read_transactions_file"]

#: The third-party formats :func:`read_transactions_file` reads.
Format = Literal["openinsider", "tfn", "csv"]
#: The formats as a tuple (from :data:`Format`).
FORMATS: tuple[str, ...] = ("openinsider", "tfn", "csv")

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


def _money(s: pd.Series) -> pd.Series:
    """``$145.99``, ``-$2,171,893``, ``+4,000``, ``(1,234)`` -> numbers (NaN for blanks and junk)."""
    t = s.astype("string").str.replace("\u00a0", "", regex=False).str.strip()
    neg = t.str.startswith("(") & t.str.endswith(")")
    t = t.str.replace(r"[$,+()\s]", "", regex=True)
    v = pd.to_numeric(t, errors="coerce")
    return v.where(~neg.fillna(False), -v).astype(float)


def _clean_headers(df: pd.DataFrame) -> pd.DataFrame:
    df.columns = [re.sub(r"\s+", " ", str(c).replace("\u00a0", " ")).strip() for c in df.columns]
    return df


def _read_table_file(path: Path) -> pd.DataFrame:
    """A CSV, TSV, HTML (the first table with the expected headers), Parquet, SAS7BDAT or Stata file."""
    suf = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    try:
        if suf in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suf == ".sas7bdat":
            return pd.read_sas(path, format="sas7bdat", encoding="latin-1")
        if suf == ".dta":
            return pd.read_stata(path)
        raw = path.read_bytes()
        head = raw[:4096].lower()
        if b"<table" in head or b"<html" in head or b"<!doctype html" in head or b"<tr" in raw[:65536].lower():
            from lxml import etree

            parser = etree.HTMLParser(no_network=True, remove_comments=True)
            doc = etree.fromstring(raw.decode("utf-8-sig", errors="replace"), parser)
            if doc is None:
                raise DataError("HTML file holds no table", path=path)
            best = None
            for tbl in doc.iter("table"):
                rows = [[html_lib.unescape("".join(c.itertext())).strip() for c in tr if c.tag in ("td", "th")]
                        for tr in tbl.iter("tr")]
                rows = [r for r in rows if r]
                if len(rows) >= 2 and any("Ticker" in h for h in rows[0]):
                    best = rows
                    break
            if best is None:
                raise DataError("no table with a 'Ticker' header in this HTML file", path=path)
            width = len(best[0])
            return pd.DataFrame([r + [""] * (width - len(r)) for r in best[1:]], columns=best[0])
        text = raw.decode("utf-8-sig", errors="replace")
        sep = "\t" if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else ","
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except DataError:
        raise
    except (ValueError, OSError, KeyError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read as a table ({type(exc).__name__}: {exc})", path=path) from exc


def _need(df: pd.DataFrame, cols: list[str], path: Path, fmt: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"not an {fmt} table: column(s) {', '.join(missing)} missing; found "
                        f"{', '.join(map(str, df.columns[:15]))}", path=path,
                        hint=f"is this file in the {fmt} format? (--format picks the importer)")


_OI_TITLE = [(re.compile(r"\bCOB\b|\bChairman\b", re.I), "Chairman of the Board"),
             (re.compile(r"\bPres\b", re.I), "President")]


def _openinsider(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = _clean_headers(_read_table_file(path))
    _need(df, ["Filing Date", "Trade Date", "Ticker", "Insider Name", "Title", "Trade Type", "Price", "Qty"], path,
          "OpenInsider")
    df = df.reset_index(drop=True)
    flags = df["X"].astype("string").fillna("") if "X" in df.columns else pd.Series("", index=df.index, dtype="string")
    code = df["Trade Type"].astype("string").str.strip().str.extract(r"^([A-Z])\b", expand=False)
    qty = _money(df["Qty"])
    acc_at = pd.to_datetime(df["Filing Date"].astype("string").str.strip(), errors="coerce", format="mixed")
    title = df["Title"].astype("string").fillna("")
    for rx, rep in _OI_TITLE:
        title = title.str.replace(rx, rep, regex=True)
    is_dir = title.str.contains(r"\bDir\b", case=False, regex=True).fillna(False)
    is_ten = title.str.contains("10%", regex=False).fillna(False)
    officer_words = r"\b(?:CEO|CFO|COO|CTO|CAO|GC|VP|EVP|SVP|Pres|President|Officer|Secretary|Treasurer|Chief)\b"
    is_off = title.str.contains(officer_words, case=False, regex=True).fillna(False)
    tx = pd.DataFrame({
        "accession": pd.Series(pd.NA, index=df.index, dtype="string"),
        "filing_date": acc_at.dt.normalize(),
        "accepted_at": acc_at.dt.tz_localize(NEW_YORK, ambiguous="NaT", nonexistent="NaT"),
        "form_type": np.where(flags.str.contains("A", regex=False).to_numpy(bool), "4/A", "4"),
        "issuer_cik": pd.Series(pd.NA, index=df.index, dtype="string"),
        "issuer_name": df["Company Name"].astype("string") if "Company Name" in df.columns else pd.NA,
        "ticker": normalise_tickers(df["Ticker"]),
        "owner_cik": pd.Series(pd.NA, index=df.index, dtype="string"),
        "owner_name": df["Insider Name"].astype("string").str.strip(),
        "is_director": is_dir.to_numpy(bool), "is_officer": is_off.to_numpy(bool),
        "is_ten_percent_owner": is_ten.to_numpy(bool), "is_other": False,
        "officer_title": df["Title"].astype("string"),
        "table": "nonderivative",
        "security_title": pd.NA,
        "trans_date": parse_dates(df["Trade Date"], ("%Y-%m-%d", "%m/%d/%Y")),
        "trans_code": code,
        # the signed quantity says acquired or disposed (derived, not filed)
        "acquired_disposed": pd.Series(np.select([qty > 0, qty < 0], ["A", "D"], ""), index=df.index).replace("", pd.NA),
        "ad_source": "derived",
        "shares": qty.abs(),
        "price": _money(df["Price"]).abs(),
        "value": _money(df["Value"]).abs() if "Value" in df.columns else np.nan,
        "shares_after": _money(df["Owned"]) if "Owned" in df.columns else np.nan,
        "footnotes": ("OpenInsider flags: " + flags).where(flags.str.len() > 0),
        "source": "openinsider",
        "line": np.arange(len(df)),
    })
    tx["role"] = normalise_roles(tx["is_director"], tx["is_officer"], tx["is_ten_percent_owner"], tx["is_other"], title)
    return _finish(tx, df["Qty"], path, extra_dropped=tx.loc[tx["filing_date"].isna()].assign(
        reason="unparseable Filing Date"))


def _tfn(path: Path, keep_cleanse: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = _read_table_file(path)
    df.columns = [str(c).strip().lower() for c in df.columns]
    _need(df, ["ticker", "personid", "owner", "trancode", "trandate", "fdate", "shares", "cleanse"], path,
          "TFN Table 1")
    df = df.reset_index(drop=True)

    def col(name: str) -> pd.Series:
        return df[name] if name in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")

    def dates(name: str) -> pd.Series:
        s = col(name)
        if pd.api.types.is_datetime64_any_dtype(s):
            return pd.to_datetime(s).dt.normalize()
        return parse_dates(s.astype("string").str.replace(r"\.0$", "", regex=True),
                           ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y", "%d%b%Y"))

    codes = [col(f"rolecode{k}").astype("string").str.strip().str.upper() for k in range(1, 5)]
    flags = np.zeros((len(df), 3), dtype=bool)
    title = pd.Series("", index=df.index, dtype=object)
    for c in codes:
        m = c.map(lambda v: TFN_ROLES.get(v) if isinstance(v, str) else None)
        for k in range(3):
            flags[:, k] |= m.map(lambda t, k=k: bool(t and t[k])).to_numpy(bool)
        t = m.map(lambda t: t[3] if t else "")
        title = title.where(title != "", t)
    fdate = dates("fdate")
    secdate = dates("secdate")
    ad = col("acqdisp").astype("string").str.strip().str.upper()
    tcode = col("trancode").astype("string").str.strip().str.upper().str[:1]
    derived = ad.isna() | (ad == "")
    ad = ad.where(~derived, tcode.map({"P": "A", "S": "D"}))
    tx = pd.DataFrame({
        "accession": col("dcn").astype("string"),
        "filing_date": secdate.fillna(fdate),  # the SEC's receipt date; the form's own date when absent
        "form_type": col("formtype").astype("string").str.strip(),
        "issuer_cik": pd.Series(pd.NA, index=df.index, dtype="string"),
        "issuer_name": col("cname").astype("string"),
        "ticker": normalise_tickers(col("ticker").astype("string")),
        "owner_cik": "tfn:" + col("personid").astype("string").str.replace(r"\.0$", "", regex=True),
        "owner_name": col("owner").astype("string"),
        "is_director": flags[:, 0], "is_officer": flags[:, 1], "is_ten_percent_owner": flags[:, 2], "is_other": False,
        "officer_title": codes[0],
        "table": "nonderivative",
        "trans_date": dates("trandate"),
        "trans_code": tcode,
        "acquired_disposed": ad,
        "ad_source": np.where(derived, "derived", "filed"),
        "shares": pd.to_numeric(col("shares"), errors="coerce").abs(),
        "price": pd.to_numeric(col("tprice"), errors="coerce"),
        "shares_after": pd.to_numeric(col("sharesheld"), errors="coerce"),
        "source": "tfn",
        "line": pd.to_numeric(col("seqnum"), errors="coerce").fillna(-1).astype("int64"),
    })
    tx["value"] = tx["shares"] * tx["price"]
    tx["role"] = normalise_roles(tx["is_director"], tx["is_officer"], tx["is_ten_percent_owner"], tx["is_other"],
                                 pd.Series(title, index=df.index))
    cl = col("cleanse").astype("string").str.strip().str.upper()
    bad_cl = ~cl.isin(list(keep_cleanse)).fillna(False)
    extra = tx.loc[bad_cl.to_numpy()].assign(reason="TFN cleanse indicator " + cl[bad_cl].fillna("<blank>").astype(str)
                                             + f" (kept: {', '.join(keep_cleanse)})")
    no_fd = tx["filing_date"].isna() & ~bad_cl
    extra = pd.concat([extra, tx.loc[no_fd.to_numpy()].assign(reason="no filing date (fdate/secdate)")])
    return _finish(tx, col("shares"), path, extra_dropped=extra)


def _mapped(path: Path, mapping: dict[str, str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = _read_table_file(path)
    if not mapping:
        raise DataError("the csv format needs mapping={file column: tidy column}", path=path,
                        hint="e.g. mapping={'Symbol': 'ticker', 'Date': 'trans_date', 'Code': 'trans_code', ...}")
    unknown = [c for c in mapping if c not in df.columns]
    if unknown:
        raise DataError(f"mapping names column(s) {unknown} the file lacks; it has {list(df.columns)[:15]}", path=path)
    tx = df[list(mapping)].rename(columns=mapping).reset_index(drop=True)
    _need(tx, ["ticker", "trans_date", "trans_code", "shares"], path, "mapped CSV (after the mapping)")
    raw_shares = tx["shares"]
    tx["shares"] = _money(tx["shares"]) if tx["shares"].dtype == object else pd.to_numeric(tx["shares"], errors="coerce")
    for c in ("price", "shares_after", "value"):
        if c in tx.columns and tx[c].dtype == object:
            tx[c] = _money(tx[c])
    for c in ("trans_date", "filing_date"):
        if c in tx.columns and not pd.api.types.is_datetime64_any_dtype(tx[c]):
            tx[c] = parse_dates(tx[c], ("%Y-%m-%d", "%Y%m%d"))
    if "filing_date" not in tx.columns:
        raise DataError("the mapping gives no filing_date: events are dated when a trade became public",
                        path=path, hint="map the file's filing-date column to 'filing_date'")
    tx["ticker"] = normalise_tickers(tx["ticker"].astype("string"))
    tx["trans_code"] = tx["trans_code"].astype("string").str.strip().str.upper().str[:1]
    if "acquired_disposed" not in tx.columns:
        tx["acquired_disposed"] = tx["trans_code"].map({"P": "A", "S": "D"})
        tx["ad_source"] = "derived"
    else:
        tx["ad_source"] = "filed"
    if "value" not in tx.columns and "price" in tx.columns:
        tx["value"] = tx["shares"] * tx["price"]
    if "table" not in tx.columns:
        tx["table"] = "nonderivative"
    if "role" not in tx.columns:
        flags = {k: tx[k].astype("boolean").fillna(False) if k in tx.columns else pd.Series(False, index=tx.index)
                 for k in ("is_director", "is_officer", "is_ten_percent_owner", "is_other")}
        tx["role"] = normalise_roles(flags["is_director"], flags["is_officer"], flags["is_ten_percent_owner"],
                                     flags["is_other"], tx["officer_title"] if "officer_title" in tx.columns
                                     else pd.Series("", index=tx.index))
    tx["source"] = "csv"
    tx["line"] = np.arange(len(tx))
    return _finish(tx, raw_shares, path, extra_dropped=tx.loc[tx["filing_date"].isna()].assign(
        reason="no or unparseable filing date"))


def _finish(tx: pd.DataFrame, shares_raw: pd.Series, path: Path, *,
            extra_dropped: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop the rows listed in *extra_dropped*, run the schema's validation, type the tidy columns."""
    dropped = []
    keep = pd.Series(True, index=tx.index)
    if extra_dropped is not None and len(extra_dropped):
        keep[extra_dropped.index] = False
        dropped.append(extra_dropped[["accession", "table", "line", "reason"]])
    tx2 = finalize_columns(tx[keep.to_numpy()].copy())
    kept, invalid = validate_rows(tx2, shares_raw=pd.Series(shares_raw[keep.to_numpy()].to_numpy(), index=tx2.index))
    dropped.append(invalid)
    d = pd.concat([x for x in dropped if len(x)], ignore_index=True) if any(len(x) for x in dropped) else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in DROPPED_COLUMNS if c != "file"})
    d["file"] = path.name
    return kept.reset_index(drop=True), d


def read_transactions_file(path: str | Path, *, format: Format, mapping: dict[str, str] | None = None,
                           keep_cleanse: tuple[str, ...] = ("R", "H")) -> pd.DataFrame:
    """Read a third-party insider file into the tidy transactions schema (module docstring for the formats).

    Parameters
    ----------
    path
        The file.
    format
        ``"openinsider"``, ``"tfn"`` or ``"csv"``.
    mapping
        For ``csv``: the file's column -> tidy column (``ticker``, ``trans_date``, ``filing_date``,
        ``trans_code``, ``shares`` at least).
    keep_cleanse
        For ``tfn``: the cleanse indicators kept.

    Returns
    -------
    pandas.DataFrame
        The tidy transactions (``source`` names the format); the rows that could not be used, with their
        reasons, are in ``attrs["dropped"]``.

    Raises
    ------
    DataError
        The file does not exist, is not a table, or lacks the format's columns (named).

    Examples
    --------
    >>> tx = read_transactions_file("openinsider.csv", format="openinsider")  # doctest: +SKIP
    """
    p = Path(path)
    if not p.is_file():
        raise DataError("file not found", path=p)
    if format == "openinsider":
        tx, dropped = _openinsider(p)
    elif format == "tfn":
        tx, dropped = _tfn(p, keep_cleanse)
    elif format == "csv":
        tx, dropped = _mapped(p, mapping)
    else:
        raise DataError(f"unknown format {format!r}", path=p, hint="one of " + ", ".join(FORMATS))
    tx.attrs["dropped"] = dropped
    return tx


def _record(manifest: Path, entry: dict[str, object]) -> None:
    """Append *entry* to the import manifest (a JSON list, rewritten atomically)."""
    import json

    from .._io import atomic_write_text

    items = json.loads(manifest.read_text()) if manifest.exists() else []
    items.append(entry)
    atomic_write_text(manifest, json.dumps(items, indent=1, default=str))


def import_transactions(paths: DataPaths, files: list[str | Path], *, format: Format,
                        mapping: dict[str, str] | None = None) -> pd.DataFrame:
    r"""Import third-party insider files into a data directory.

    Each file is read with :func:`read_transactions_file`, its tidy rows written to
    ``raw/imported/transactions/<name>.parquet`` and a copy of the original to ``raw/imported/originals/``
    (both atomically), and the import recorded (file, format, SHA-256, rows kept and dropped, time) in
    ``raw/imported/manifest.json``.  ``insider-kit build`` and :func:`insider_kit.load_study` then use the
    imported rows like any other source.

    Parameters
    ----------
    paths
        The data directory imported into.
    files
        The files.
    format
        ``openinsider``, ``tfn`` or ``csv`` (module docstring).
    mapping
        For ``csv``: the file's column -> the tidy column.

    Returns
    -------
    pandas.DataFrame
        One row per file: ``file``, ``rows``, ``dropped``, ``dest``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from insider_kit.config import DataPaths
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "trades.csv").write_text("tkr,day,filed,code,qty,px\nACME,2024-03-01,2024-03-04,P,1000,12.5\n")
    >>> done = import_transactions(DataPaths(root / "data"), [root / "trades.csv"], format="csv",
    ...                            mapping={"tkr": "ticker", "day": "trans_date", "filed": "filing_date",
    ...                                     "code": "trans_code",
    ...                                     "qty": "shares", "px": "price"})
    >>> done[["rows", "dropped"]].values.tolist()
    [[1, 0]]
    """
    import hashlib
    from datetime import UTC, datetime

    from .._io import atomic_path, atomic_write_bytes, safe_component

    out = []
    for f in files:
        src = Path(f)
        tx = read_transactions_file(src, format=format, mapping=mapping)
        dropped = tx.attrs.pop("dropped")
        data = src.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        name = safe_component(f"{src.stem}-{digest[:10]}", what="file name")
        dest = paths.raw_imported / "transactions" / f"{name}.parquet"
        with atomic_path(dest) as tmp:
            tx.to_parquet(tmp, index=False)
        if len(dropped):
            with atomic_path(dest.with_name(f"{name}.dropped.parquet")) as tmp:
                dropped.astype(str).to_parquet(tmp, index=False)
        atomic_write_bytes(paths.raw_imported / "originals" / safe_component(f"{digest[:10]}-{src.name}"), data)
        _record(paths.raw_imported / "manifest.json",
                {"kind": "transactions", "file": str(src.resolve()), "format": format, "sha256": digest,
                 "rows": len(tx), "dropped": len(dropped), "dest": str(dest.relative_to(paths.root)),
                 "imported_at": datetime.now(UTC).isoformat(timespec="seconds")})
        out.append({"file": str(src), "rows": len(tx), "dropped": len(dropped), "dest": str(dest)})
    return pd.DataFrame(out)
