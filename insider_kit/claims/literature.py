"""The published estimates each claim should be compared with (``literature.csv`` beside this module).

Each row gives the value as the paper states it, its sign (``1``/``-1``/``0`` for no effect; empty where the
claim comes only from practitioner articles), the measure, sample, period, the citation and what the
figure was checked against.  Values are on each paper's own scale (monthly portfolio alphas, three-day
CARs ...), so the ledger compares signs, not sizes.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["literature", "literature_agreement"]


def literature() -> pd.DataFrame:
    """The literature table (one or more rows per claim).

    Returns
    -------
    pandas.DataFrame
        ``claim_id``, ``value``, ``sign``, ``measure``, ``sample``, ``period``, ``citation``,
        ``checked_against`` (the published figure each claim is compared with, and where it was read).

    Examples
    --------
    >>> lit = literature()
    >>> {"claim_id", "value", "citation"} <= set(lit.columns)
    True
    """
    with resources.files(__package__).joinpath("literature.csv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"sign": "Float64"})


def literature_agreement(ledger: pd.DataFrame) -> pd.DataFrame:
    """For each ledger row: the literature's first value and citation, and whether the ledger's estimate
    ``agrees in sign`` / ``differs`` from it (a CI excluding zero on the literature's side, or including zero
    when the literature finds none), ``practitioner articles only`` when no paper gives a figure.

    Parameters
    ----------
    ledger
        :func:`insider_kit.run_ledger`'s table.

    Returns
    -------
    pandas.DataFrame
        ``literature``, ``literature_source``, ``literature_agrees`` on the ledger's index.

    Examples
    --------
    >>> import insider_kit as ik
    >>> agree = literature_agreement(ik.run_ledger(ik.load_study("sample")))
    >>> agree.columns.tolist()
    ['literature', 'literature_source', 'literature_agrees']
    """
    lit = literature().drop_duplicates("claim_id").set_index("claim_id")
    out = []
    for _, r in ledger.iterrows():
        cid = r["id"]
        if cid not in lit.index:
            out.append({"literature": "", "literature_source": "", "literature_agrees": ""})
            continue
        row = lit.loc[cid]
        sign = row["sign"]
        lo, hi = float(r["ci_low"]), float(r["ci_high"])
        if pd.isna(sign):
            agree = "practitioner articles only"
        elif not (np.isfinite(lo) and np.isfinite(hi)):
            agree = ""
        elif sign > 0:
            agree = "agrees in sign" if lo > 0 else "differs"
        elif sign < 0:
            agree = "agrees in sign" if hi < 0 else "differs"
        else:
            agree = "agrees in sign" if lo <= 0 <= hi else "differs"
        out.append({"literature": row["value"], "literature_source": row["citation"], "literature_agrees": agree})
    return pd.DataFrame(out, index=ledger.index)
