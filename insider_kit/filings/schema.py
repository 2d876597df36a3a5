"""The tidy ``transactions`` schema (shared/DESIGN.md): column order and types, shared by every source.

Every reader of insider filings (the SEC's quarterly data sets, EDGAR Form 4 XML, third-party files)
ends in :func:`finalize_columns`, so downstream code sees one table whatever the source.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from .roles import ROLES

__all__ = ["DROPPED_COLUMNS", "STRING_COLUMNS", "STRING_DTYPE", "TABLES", "TIDY_COLUMNS", "finalize_columns", "validate_rows"]

#: Arrow-backed strings: vectorised ``.str`` operations (several times faster than object strings).
STRING_DTYPE: Final[Literal["string[pyarrow]"]] = "string[pyarrow]"

#: The two tables of a Form 4.
TABLES: Final[tuple[str, ...]] = ("nonderivative", "derivative")

#: Column order of the tidy ``transactions`` table (DESIGN.md).
TIDY_COLUMNS: list[str] = [
    "accession",
    "filing_date",
    "accepted_at",
    "form_type",
    "issuer_cik",
    "issuer_name",
    "ticker",
    "owner_cik",
    "owner_name",
    "n_owners",
    "is_director",
    "is_officer",
    "is_ten_percent_owner",
    "is_other",
    "officer_title",
    "role",
    "table",
    "security_title",
    "trans_date",
    "deemed_execution_date",
    "trans_code",
    "acquired_disposed",
    "ad_source",
    "shares",
    "price",
    "value",
    "shares_after",
    "ownership",
    "plan_10b5_1",
    "plan_source",
    "sale_with_exercise",
    "footnotes",
    "source",
    # internal, used by the amendment rule; kept so the rule can be audited
    "period_of_report",
    "date_of_orig_sub",
    "line",
]

#: The tidy columns stored as strings.
STRING_COLUMNS: Final[tuple[str, ...]] = (
    "accession", "form_type", "issuer_cik", "issuer_name", "ticker", "owner_cik", "owner_name", "officer_title",
    "security_title", "trans_code", "acquired_disposed", "ad_source", "ownership", "plan_source", "footnotes",
    "source")


def finalize_columns(tx: pd.DataFrame) -> pd.DataFrame:
    """Order and type the tidy columns (shared by both sources).

    Parameters
    ----------
    tx
        Transactions with the tidy column names (missing columns are added, empty).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`TIDY_COLUMNS` in order, with the schema's dtypes.

    Examples
    --------
    >>> import pandas as pd
    >>> t = finalize_columns(pd.DataFrame({"accession": ["0000000001-24-000001"], "shares": ["100"]}))
    >>> t.columns.tolist() == TIDY_COLUMNS, str(t["shares"].dtype)
    (True, 'float64')
    """
    n = len(tx)
    for c in TIDY_COLUMNS:  # (an absent column is added in its own type: nothing to convert below)
        if c not in tx.columns:
            tx[c] = _empty(c, n, tx.index)
    tx = tx[TIDY_COLUMNS].copy()
    # (a column already in its dtype, as the readers build most of them, is left as it is)
    for c in STRING_COLUMNS:
        if tx[c].dtype != STRING_DTYPE:
            tx[c] = tx[c].astype(STRING_DTYPE)
    for c in ("is_director", "is_officer", "is_ten_percent_owner", "is_other"):
        if tx[c].dtype != bool:
            tx[c] = tx[c].astype("boolean").fillna(False).astype(bool)
    tx["plan_10b5_1"] = tx["plan_10b5_1"].astype("boolean")
    # (a source that marks a sale made with an option exercise, OpenInsider's "S - Sale+OE"; a Form 4 shows it
    # as M/X lines in the sale's filing instead, so it is unknown there)
    tx["sale_with_exercise"] = tx["sale_with_exercise"].astype("boolean")
    for c in ("shares", "price", "value", "shares_after"):
        if tx[c].dtype != np.float64:
            tx[c] = pd.to_numeric(tx[c], errors="coerce").astype(float)
    for c in ("filing_date", "trans_date", "deemed_execution_date", "period_of_report", "date_of_orig_sub"):
        if tx[c].dtype != "datetime64[ns]":
            tx[c] = pd.to_datetime(tx[c]).astype("datetime64[ns]")
    tx["accepted_at"] = pd.to_datetime(tx["accepted_at"], utc=True).dt.tz_convert("America/New_York")
    tx["n_owners"] = pd.to_numeric(tx["n_owners"], errors="coerce").fillna(1).astype("int64")
    tx["line"] = pd.to_numeric(tx["line"], errors="coerce").fillna(-1).astype("int64")
    tx["ad_source"] = tx["ad_source"].where(tx["ad_source"].notna() | tx["acquired_disposed"].isna(), "filed")
    for c, cats in (("role", list(ROLES)), ("table", list(TABLES))):
        d = tx[c].dtype
        if not (isinstance(d, pd.CategoricalDtype) and list(d.categories) == cats):
            tx[c] = pd.Categorical(tx[c].astype(STRING_DTYPE), categories=cats)
    return tx.reset_index(drop=True)


_DATES: Final[tuple[str, ...]] = ("filing_date", "trans_date", "deemed_execution_date", "period_of_report",
                                   "date_of_orig_sub")


def _empty(c: str, n: int, index: pd.Index) -> Any:
    """A missing column *c* of *n* rows, in the schema's type."""
    if c in STRING_COLUMNS:
        return pd.Series(pd.NA, index=index, dtype=STRING_DTYPE)
    if c in _DATES:
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"), index=index)
    if c == "accepted_at":
        return pd.Series(pd.NaT, index=index, dtype=pd.DatetimeTZDtype(tz="America/New_York"))
    if c in ("shares", "price", "value", "shares_after"):
        return np.full(n, np.nan)
    if c in ("n_owners", "line"):
        return np.full(n, 1 if c == "n_owners" else -1, dtype=np.int64)
    return pd.NA


#: Columns of the table of rows a reader could not use (``tidy/dropped.parquet``).
DROPPED_COLUMNS: Final[tuple[str, ...]] = ("accession", "table", "line", "reason", "file")


def _as_text(s: pd.Series) -> pd.Series:
    """*s* as pandas text: as it is when it is text already (Arrow-backed text stays in Arrow)."""
    return s if isinstance(s.dtype, pd.StringDtype) else s.astype("string")


def validate_rows(tx: pd.DataFrame, *, shares_raw: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The one row-validation layer of every filings reader: split *tx* (tidy columns) into the rows the kit can
    use and the rows it drops, each with its reason.

    A row is dropped when its transaction date is missing; when a non-derivative row's acquired/disposed code
    is not ``A`` or ``D`` (a blank one included: a purchase must not become a sale), or a derivative row's code
    is present but invalid; when its share count is negative, infinite, or present but not a number
    (*shares_raw*: the field as filed, to tell a blank from ``abc``).

    Parameters
    ----------
    tx
        Rows with the tidy columns.
    shares_raw
        The share counts as filed (text), on *tx*'s index; None when the reader had numbers already.

    Returns
    -------
    (kept, dropped)
        *kept* is a view of the valid rows; *dropped* has :data:`DROPPED_COLUMNS` but ``file``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"accession": ["a", "b"], "table": ["nonderiv", "nonderiv"], "line": [1, 1],
    ...                    "trans_date": pd.to_datetime(["2024-03-01", "2024-03-01"]),
    ...                    "acquired_disposed": ["A", ""], "shares": [100.0, 50.0]})
    >>> kept, dropped = validate_rows(tx)
    >>> kept["accession"].tolist(), dropped["accession"].tolist()
    (['a'], ['b'])
    """
    n = len(tx)
    reason = pd.Series("", index=tx.index, dtype=object)
    ad = _as_text(tx["acquired_disposed"]).str.strip().str.upper()
    nonderiv = (tx["table"].astype(str) == "nonderivative").to_numpy()
    bad_ad = ~ad.isin(["A", "D"]).fillna(False).to_numpy(bool) & (nonderiv | ad.notna().to_numpy(bool))
    sh = pd.to_numeric(tx["shares"], errors="coerce").astype(float).to_numpy()
    bad_sh = (sh < 0) | np.isinf(sh)
    if shares_raw is not None:
        raw = _as_text(shares_raw).str.strip()
        bad_sh |= (raw.notna() & (raw != "")).to_numpy(bool) & np.isnan(sh)
    no_date = tx["trans_date"].isna().to_numpy()
    for mask, why in ((bad_sh, lambda i: f"shares {shares_raw.iloc[i] if shares_raw is not None else sh[i]!r} "
                                          "are not a non-negative number"),
                      (bad_ad, lambda i: f"acquired/disposed code {ad.iloc[i] if pd.notna(ad.iloc[i]) else '<blank>'} "
                                         "is not A or D"),
                      (no_date, lambda i: "no transaction date")):
        for i in np.flatnonzero(mask):  # (only the bad rows: a handful); the first reason found is kept
            if not reason.iloc[int(i)]:
                reason.iloc[int(i)] = why(int(i))
    bad = (reason != "").to_numpy()
    if not bad.any():
        return tx, pd.DataFrame({c: pd.Series(dtype=object) for c in DROPPED_COLUMNS if c != "file"})
    d = tx.loc[bad, ["accession", "table", "line"]].assign(reason=reason[bad].to_numpy())
    d["table"] = d["table"].astype(str)
    assert len(d) <= n
    return tx.loc[~bad], d.reset_index(drop=True)
