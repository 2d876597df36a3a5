"""Rule 10b5-1 trading-plan flags from the checkbox and from footnote text.

Since April 2023 (EDGAR schema X0508) Forms 4 and 5 carry a checkbox
(``aff10b5One``) stating that a reported transaction was made under a plan
intended to satisfy Rule 10b5-1(c).  Before that, and often alongside it,
filers say so in footnotes, in many spellings: "10b5-1", "10b-5-1", "10b5 1",
"Rule 10b5-1(c)", "Rule 10b5–1 trading plan", "pre-arranged trading plan".

Resolution, per transaction row (documented in DESIGN.md):

* footnote attached to the row says "plan"       -> ``True``,  source ``footnote``
* else checkbox present and ticked                -> ``True``,  source ``checkbox``
* else checkbox present and not ticked            -> ``False``, source ``checkbox``
* else (no checkbox, no footnote)                 -> ``<NA>``,  source ``<NA>``

A footnote that *negates* ("not made pursuant to a Rule 10b5-1 plan") is not
a plan mention.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["PLAN_RE", "mentions_plan", "plan_share_by_year", "resolve_plan_flags"]

#: 10b5-1 in its written variants (hyphen, en dash, spaces, "10b-5-1", "10b5-l").
PLAN_RE = re.compile(
    r"10\s*b\s*[-\u2010\u2011\u2012\u2013\u2014]?\s*5\s*[-\u2010\u2011\u2012\u2013\u2014\s]\s*[1l]\b"
    r"|10b51\b|trading\s+plan|sales?\s+plan|pre-?arranged\s+(?:trading\s+)?plan",
    re.IGNORECASE,
)
NEG_RE = re.compile(
    r"not\s+(?:made\s+|effected\s+|executed\s+|entered\s+into\s+)?(?:pursuant\s+to|under)\s+(?:a\s+|any\s+)?"
    r"(?:rule\s+)?(?:10\s*b|trading\s+plan)",
    re.IGNORECASE,
)


def mentions_plan(text: str | None) -> bool:
    """True when *text* states that a trade was made under a 10b5-1 / trading plan (a negated statement, "not
    made pursuant to a plan", is not).

    Parameters
    ----------
    text
        A footnote (None is False).

    Returns
    -------
    bool
        Whether the text claims a plan.

    Examples
    --------
    >>> mentions_plan("effected pursuant to a Rule 10b5-1(c) trading plan adopted on May 1")
    True
    >>> mentions_plan("The sale was not made pursuant to a Rule 10b5-1 plan.")
    False
    >>> mentions_plan("Weighted average price; range $10.01 to $10.50.")
    False
    """
    if not text:
        return False
    return bool(PLAN_RE.search(text)) and not NEG_RE.search(text)


def resolve_plan_flags(footnotes: pd.Series, checkbox: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised resolution of ``plan_10b5_1`` and ``plan_source``: the form's checkbox when present (Forms 4
    from April 2023), else a footnote that :func:`mentions_plan`, else unknown (null — never False).

    Parameters
    ----------
    footnotes
        Footnote text attached to each row (may be null).
    checkbox
        The filing's ``aff10b5One`` as a nullable boolean (null: not on the form).

    Returns
    -------
    (plan_10b5_1, plan_source)
        A nullable boolean Series and a string Series (``checkbox``/``footnote``/null).

    Examples
    --------
    >>> import pandas as pd
    >>> foot = pd.Series(["Sold under a Rule 10b5-1 trading plan.", None, None])
    >>> box = pd.Series([None, False, None], dtype="boolean")
    >>> flag, src = resolve_plan_flags(foot, box)
    >>> flag.tolist(), src.tolist()
    ([True, False, <NA>], ['footnote', 'checkbox', <NA>])
    """
    fn = footnotes if isinstance(footnotes.dtype, pd.StringDtype) else footnotes.astype("string")
    # each distinct text searched once (a quarter repeats a few thousand footnotes over its lines); null as ""
    codes, texts = pd.factorize(fn, use_na_sentinel=False)
    u = pd.Series(texts, dtype=object).fillna("")
    by_fn = pd.Series((u.str.contains(PLAN_RE) & ~u.str.contains(NEG_RE)).to_numpy(bool)[codes], index=fn.index)
    cb = checkbox.astype("boolean")
    flag = pd.Series(pd.NA, index=fn.index, dtype="boolean")
    src = pd.Series(pd.NA, index=fn.index, dtype="string")
    has_cb = cb.notna().to_numpy()
    cbv = cb.fillna(False).to_numpy(bool)
    flag[has_cb] = cbv[has_cb]
    src[has_cb] = "checkbox"
    flag[by_fn.to_numpy()] = True
    src[by_fn.to_numpy()] = "footnote"
    return flag, src


def plan_share_by_year(transactions: pd.DataFrame) -> pd.DataFrame:
    """Open-market sales per filing year: how many, the share flagged as 10b5-1 plan trades, and where the
    flag came from (the checkbox, from April 2023, or the footnotes); ``unknown`` is the share with no flag.

    Parameters
    ----------
    transactions
        Tidy transactions (``trans_code``, ``filing_date``, ``plan_10b5_1``, ``plan_source``).

    Returns
    -------
    pandas.DataFrame
        One row per year: ``sales``, ``plan_share``, ``unknown_share``, ``from_checkbox``, ``from_footnote``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> tab = plan_share_by_year(ik.load_study("sample").transactions)
    >>> bool(((tab["plan_share"] + tab["unknown_share"]) <= 1).all())
    True
    """
    s = transactions[transactions["trans_code"] == "S"]
    y = pd.to_datetime(s["filing_date"]).dt.year.rename("year")
    flag = s["plan_10b5_1"].astype("boolean")
    src = s["plan_source"].astype("string")
    from ..tables import display_frame

    return display_frame(pd.DataFrame({"sales": 1, "plan": flag.fillna(False).astype(float), "unknown": flag.isna().astype(float),
                         "from_checkbox": (src == "checkbox").fillna(False).astype(float),
                         "from_footnote": (src == "footnote").fillna(False).astype(float)}).groupby(y).agg(
        sales=("sales", "sum"), plan_share=("plan", "mean"), unknown_share=("unknown", "mean"),
        from_checkbox=("from_checkbox", "mean"), from_footnote=("from_footnote", "mean")),
        percent=("from_checkbox", "from_footnote"))
