"""Transaction rows prepared for events and signals: public date, event date, side, code class, plan flag."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..days import public_date
from ..errors import DataError
from ..filings.codes import CODE_CLASSES

__all__ = ["trade_table", "transaction_class"]

_EXERCISE = ("M", "X", "O")


def transaction_class(tx: pd.DataFrame) -> pd.Series:
    """Code class of each transaction row; S rows filed together with an exercise by the same owner, or marked by
    their source as made with an option exercise (``sale_with_exercise``: OpenInsider's "S - Sale+OE"), are
    ``exercise_and_sell``.

    Parameters
    ----------
    tx
        Tidy transactions (``accession``, ``owner_cik``, ``trans_code``).

    Returns
    -------
    pandas.Series
        The class of each row (:func:`insider_kit.filings.codes.code_class`, or ``exercise_and_sell``).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> cls = transaction_class(study.transactions)
    >>> {"sale", "purchase", "exercise_and_sell"} <= set(cls)
    True
    """
    # the distinct codes (a handful) are classified, each row takes its code's class: no per-row Python work
    ccode, uniq_codes = pd.factorize(tx["trans_code"])
    letters = pd.Series(uniq_codes, dtype="string").str.upper().str[:1]
    classes = np.array([CODE_CLASSES.get(c, "other") if isinstance(c, str) else "other" for c in letters] + ["other"],
                       dtype=object)
    cls = classes[ccode]  # (code -1, a missing code: the last entry, "other")
    is_s_u = np.r_[(letters == "S").fillna(False).to_numpy(bool), False]
    is_ex_u = np.r_[letters.isin(_EXERCISE).fillna(False).to_numpy(bool), False]
    is_s, is_ex = is_s_u[ccode], is_ex_u[ccode]
    if "accession" in tx.columns and is_ex.any() and is_s.any():
        # among the sale and exercise rows only: (accession, owner) as integers, a sale whose filing shows the
        # same owner exercising
        rows = np.flatnonzero(is_s | is_ex)
        acc = pd.factorize(tx["accession"].iloc[rows], use_na_sentinel=False)[0].astype(np.int64)
        own, uniq = pd.factorize(tx["owner_cik"].iloc[rows], use_na_sentinel=False)
        key = acc * (len(uniq) + 1) + own
        ex = is_ex[rows]
        has_ex = np.isin(key, key[ex])
        cls[rows[is_s[rows] & has_ex]] = "exercise_and_sell"
    if "sale_with_exercise" in tx.columns:  # (a source that marks it on the sale itself: OpenInsider's "+OE")
        cls[is_s & tx["sale_with_exercise"].fillna(False).to_numpy(bool)] = "exercise_and_sell"
    return pd.Series(cls, index=tx.index, name="code_class")


#: The transaction columns :func:`trade_table` reads (callers pass only these and the ones they need
#: themselves: each filter copies every column, and the long text columns, footnotes and titles, cost).
TRADE_INPUTS = frozenset({
    "accession", "filing_date", "accepted_at", "issuer_cik", "ticker", "owner_cik", "owner_name", "table",
    "trans_date", "trans_code", "acquired_disposed", "shares", "price", "value", "plan_10b5_1", "sale_with_exercise"})


def trade_table(tx: pd.DataFrame, *, date: Literal["filing", "trade"] = "filing",
                codes: tuple[str, ...] | None = ("P", "S"), nonderivative_only: bool = True) -> pd.DataFrame:
    """Transaction rows ready for events and signals.

    Adds ``public_date`` (:func:`insider_kit.days.public_date`), ``date`` (the event date: the public
    date or, with ``date="trade"``, the transaction date), ``side`` (+1 acquired, -1
    disposed), ``code_class`` and ``plan`` (bool; unknown counts as not under a plan).
    Rows without a ticker are kept (the caller decides); every input column is kept.

    Parameters
    ----------
    tx
        Tidy transactions.
    date
        The event date: when the trade became public (``filing``) or when it was made (``trade``, a
        look-ahead kept for comparison).
    codes
        Transaction codes to keep (None: all).
    nonderivative_only
        Keep only table 1 (non-derivative) rows.

    Returns
    -------
    pandas.DataFrame
        The rows with the added columns.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> t = trade_table(study.transactions)
    >>> sorted(t["trans_code"].unique()), bool((t["date"] >= t["trans_date"]).all())
    (['P', 'S'], True)
    """
    need = {"issuer_cik", "owner_cik", "trans_code", "filing_date", "trans_date", "shares", "acquired_disposed"}
    missing = need - set(tx.columns)
    if missing:
        raise DataError(f"transactions lack column(s) {sorted(missing)}",
                        hint="load them with insider_kit.load_transactions")
    t = tx
    if nonderivative_only and "table" in t.columns:
        t = t[(t["table"] == "nonderivative").fillna(False).to_numpy(bool)]  # (no text copy of the column)
    t = t.copy()
    # data without CIKs (third-party exports): the issuer is identified by its ticker and an insider by name
    if t["issuer_cik"].isna().any() and "ticker" in t.columns:
        t["issuer_cik"] = t["issuer_cik"].astype("string").fillna("ticker:" + t["ticker"].astype("string"))
    if t["owner_cik"].isna().any() and "owner_name" in t.columns:
        t["owner_cik"] = t["owner_cik"].astype("string").fillna("name:" + t["owner_name"].astype("string"))
    t["code_class"] = transaction_class(t)
    if codes is not None:
        t = t[t["trans_code"].isin(codes)].copy()
    t["public_date"] = public_date(t["filing_date"], t["accepted_at"] if "accepted_at" in t.columns else None)
    t["trans_date"] = pd.to_datetime(t["trans_date"])
    t["date"] = t["public_date"] if date == "filing" else t["trans_date"].dt.normalize()
    t["side"] = np.where((t["acquired_disposed"] == "A").fillna(False).to_numpy(bool), 1, -1).astype(np.int8)
    plan = t["plan_10b5_1"] if "plan_10b5_1" in t.columns else pd.Series(False, index=t.index)
    t["plan_known"] = plan.astype("boolean").notna().to_numpy(bool)
    t["plan"] = plan.astype("boolean").fillna(False).astype(bool)
    t["shares"] = pd.to_numeric(t["shares"], errors="coerce")
    if "value" not in t.columns:
        price = t["price"] if "price" in t.columns else pd.Series(np.nan, index=t.index)
        t["value"] = t["shares"] * pd.to_numeric(price, errors="coerce")
    if "role" not in t.columns:
        t["role"] = "Other"
    return t
