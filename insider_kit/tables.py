"""One table style for every table the kit returns or shows: returns in percent, counts as integers with thousands
separators, p- and q-values in one format (three decimals, ``< 0.001`` below), test statistics to two decimals,
dollar values as dollars and prices as prices; no scientific notation, no six-digit decimals, no 0, 1, 2 ...
index where rows have names.

:func:`style_table` turns a frame into HTML with those formats; :func:`column_kind` is the one place where a
column's name decides its format.  A function that returns a table a person reads returns a
:class:`DisplayFrame` (:func:`display_frame`): a DataFrame whose numbers stay numbers (code reading
``result.tests`` gets decimals, not strings) and whose notebook display is in this style.  :data:`GLOSSARY`
explains each statistic in one line with its paper, and :data:`COLUMN_NAMES` names it in words, for the results'
HTML and the teaching notebook; :func:`latex_table` and :func:`markdown_table` write the same cells for a paper.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["COLUMN_NAMES", "GLOSSARY", "DisplayFrame", "Kind", "column_kind", "display_frame", "fmt_count", "fmt_money",
           "fmt_number", "fmt_p_is", "fmt_pct", "fmt_price", "fmt_pvalue", "format_cells", "glossary_html",
           "latex_escape", "latex_table", "markdown_table", "style_table"]

#: One line per statistic of the test table, with the paper it comes from.
GLOSSARY: dict[str, str] = {
    "mean_car": "mean cumulative abnormal return over the window",
    "median_car": "median CAR",
    "ci_low / ci_high": "95% confidence interval of the mean CAR (cross-sectional t)",
    "se_car": "standard error of the mean CAR: sd / sqrt N",
    "t_cs": "cross-sectional t: mean CAR / (sd / sqrt N) (Brown & Warner 1985)",
    "patell_z": "Patell (1976) z in the Campbell, Lo & MacKinlay SCAR form: sum of standardised CARs over its null "
                "variance",
    "bmp_t": "Boehmer, Musumeci & Poulsen (1991): cross-sectional t of standardised CARs "
             "(robust to event-induced variance)",
    "kp_t": "Kolari & Pynnönen (2010): BMP t adjusted for the cross-correlation of events whose windows "
            "overlap in calendar time",
    "rank_z": "standardized rank test: Corrado (1989) ranks standardized as Corrado & Zivney (1992), summed over the "
              "window as Cowan (1992)",
    "sign_z": "Cowan (1992) generalized sign test against the estimation period's share of positive returns (pooled "
              "over the events; per firm with sign_p='per_firm')",
    "p_wilcoxon": "Wilcoxon signed-rank test of a zero median CAR",
    "skew_adj_t": "Hall (1992) / Lyon, Barber & Tsai (1999) skewness-adjusted t of BHARs (normal critical values)",
    "p_skew_boot": "p of the skewness-adjusted t from bootstrapped critical values (Lyon, Barber & Tsai 1999; "
                   "event_study(bhar=True, bootstrap=1000))",
    "grank_t": "Kolari & Pynnönen (2011) generalized rank t of the CAR: robust to event-induced volatility and "
               "to events on one date",
    "same_date": "share of pairs of events on the same day 0 (validity rule)",
    "var_scar": "cross-sectional variance of the standardised CARs: well above 1 is event-induced variance "
                "(validity rule)",
    "not_valid": "the statistics whose assumptions fail on these events (implied size at 5% above 7.5%), and why "
                 "(insider_kit.eventstudy.validity)",
    "recommended": "the statistic the kit recommends for these events (validity rule: GRANK, else Kolari-Pynnönen)",
    "size (0%)": "measured size on this data: the share of placebo studies rejecting at 5% with nothing planted",
    "simulation error": "two binomial standard errors of a 5% rejection rate in the simulated studies",
    "size off": "over-rejects / under-rejects: the measured size is further from 5% than the simulation error",
    "statistic": "the statistic the ledger's verdict used, chosen by the validity rule",
}


#: The statistics' names in words, for the headers of tables a reader sees (the frames keep the short names).
COLUMN_NAMES: dict[str, str] = {
    "n": "N", "mean_car": "mean CAR", "median_car": "median CAR", "se_car": "standard error", "ci_low": "95% CI, low", "ci_high": "95% CI, high",
    "t_cs": "cross-sectional t", "p_cs": "p (cross-sectional t)", "patell_z": "Patell z", "p_patell": "p (Patell)",
    "bmp_t": "BMP t", "p_bmp": "p (BMP)", "kp_t": "Kolari–Pynnönen t", "p_kp": "p (Kolari–Pynnönen)",
    "rank_z": "rank z", "p_rank": "p (rank)", "sign_z": "generalized sign z", "p_sign": "p (sign)",
    "p_wilcoxon": "p (Wilcoxon)", "pct_positive": "share positive", "rbar": "mean residual correlation",
    "kp_overlap": "window overlap", "mean_bhar": "mean BHAR", "skew_adj_t": "skewness-adjusted t",
    "p_skew_adj": "p (skewness-adjusted t)", "p_skew_boot": "p (skewness-adjusted t, bootstrapped)",
    "grank_t": "GRANK t", "p_grank": "p (GRANK)", "same_date": "pairs on one date", "var_scar": "SCAR variance",
    "not_valid": "not valid here", "recommended": "recommended",
}


def _finite(x: object) -> float | None:
    """*x* as a finite float, or None (missing, not a number, infinite)."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def fmt_pct(x: object, digits: int = 2) -> str:
    """A decimal return as a percentage (``0.0350`` -> ``3.50%``); blank when missing.

    Parameters
    ----------
    x
        The value (any number-like; missing, non-numeric and infinite values give a blank).
    digits
        Decimals after the point.

    Returns
    -------
    str
        The formatted percentage, or ``""``.

    Examples
    --------
    >>> fmt_pct(0.035), fmt_pct(-0.00125, digits=3), fmt_pct(None)
    ('3.50%', '-0.125%', '')
    """
    v = _finite(x)
    return "" if v is None else f"{v * 100:.{digits}f}%"


def fmt_count(x: object) -> str:
    """A count as an integer with thousands separators; blank when missing.

    Parameters
    ----------
    x
        The value (rounded to the nearest integer).

    Returns
    -------
    str
        The formatted count, or ``""``.

    Examples
    --------
    >>> fmt_count(12345.0), fmt_count(float("nan"))
    ('12,345', '')
    """
    v = _finite(x)
    return "" if v is None else f"{round(v):,}"


def fmt_pvalue(x: object) -> str:
    """A p- or q-value in the kit's one format: three decimals, ``< 0.001`` below that; blank when missing.

    One format for every p and q of every table (no scientific notation beside decimals): what a paper prints
    (APA style), and what a reader compares down a column.

    Parameters
    ----------
    x
        The p-value.

    Returns
    -------
    str
        The formatted p-value, or ``""``.

    Examples
    --------
    >>> fmt_pvalue(0.012345), fmt_pvalue(0.7581), fmt_pvalue(1.27e-11), fmt_pvalue(None)
    ('0.012', '0.758', '< 0.001', '')
    """
    v = _finite(x)
    if v is None:
        return ""
    return "< 0.001" if v < 0.0005 else f"{v:.3f}"


def fmt_p_is(x: object, name: str = "p") -> str:
    """``p = 0.012`` or ``p < 0.001`` (:func:`fmt_pvalue` in a sentence); blank when missing.

    Parameters
    ----------
    x
        The p-value.
    name
        What to call it (``p``, ``BH q`` ...).

    Returns
    -------
    str
        The phrase, or ``""``.

    Examples
    --------
    >>> fmt_p_is(0.0123), fmt_p_is(1e-9, "BH q")
    ('p = 0.012', 'BH q < 0.001')
    """
    v = fmt_pvalue(x)
    if not v:
        return ""
    return f"{name} {v}" if v.startswith("<") else f"{name} = {v}"


def fmt_money(x: object) -> str:
    """A dollar amount, whole dollars with thousands separators (``133700.56`` -> ``$133,701``).

    Parameters
    ----------
    x
        The amount.

    Returns
    -------
    str
        The formatted amount, or ``""``.

    Examples
    --------
    >>> fmt_money(133700.56), fmt_money(-2.5e7)
    ('$133,701', '-$25,000,000')
    """
    v = _finite(x)
    if v is None:
        return ""
    return f"-${-v:,.0f}" if v < 0 else f"${v:,.0f}"


def fmt_price(x: object) -> str:
    """A price (a price, never a percentage): two decimals with thousands separators.

    Parameters
    ----------
    x
        The price.

    Returns
    -------
    str
        The formatted price, or ``""``.

    Examples
    --------
    >>> fmt_price(18.994), fmt_price(-0.15), fmt_price(1234.5)
    ('18.99', '-0.15', '1,234.50')
    """
    v = _finite(x)
    return "" if v is None else f"{v:,.2f}"


def fmt_number(x: object) -> str:
    """Any other number: thousands separators from 1,000 on (no decimals), two decimals from 1, three below (never
    scientific notation, never six decimals); integers as counts.

    Parameters
    ----------
    x
        The number.

    Returns
    -------
    str
        The formatted number, or ``""``.

    Examples
    --------
    >>> fmt_number(92708.0), fmt_number(674.923), fmt_number(0.0214783), fmt_number(3)
    ('92,708', '674.92', '0.021', '3')
    """
    v = _finite(x)
    if v is None:
        return ""
    if isinstance(x, int | np.integer) or (abs(v) >= 1000):
        return f"{v:,.0f}"
    return f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}"


def _fmt_stat(x: object) -> str:
    v = _finite(x)
    return "" if v is None else f"{v:.2f}"


#: The kinds of number a table shows, each with its one format.
Kind = Literal["percent", "count", "stat", "pvalue", "money", "price", "number"]

_FORMATTERS: dict[str, Callable[[object], str]] = {
    "percent": fmt_pct, "count": fmt_count, "stat": _fmt_stat, "pvalue": fmt_pvalue, "money": fmt_money,
    "price": fmt_price, "number": fmt_number}

# a column's kind from its name (snake_case or words); the first rule that matches wins (explicit formats of a
# table override these)
_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(r"^(year|quarter|month|start|end|horizon|window|rank|quantile|quintile|decile|"
                          r"signal_low|signal_high|cost_bps|ratio|.*_rank)$", re.I)),
    ("pvalue", re.compile(r"^(p|q|q_bh|p_holm|mr p|bh q|holm p|p-value|q-value)$|^p_|_p$|^p \(|^q \(", re.I)),
    ("stat", re.compile(r"^(t|z|t_nw|sharpe|beta|r2|rbar|kp_overlap|avg_positions|avg_firms|turnover_annual|"
                        r"turnover|statistic)$|_t$|_z$|_t_nw$|^t_|^z_| t$| z$|^t \(|^z \(", re.I)),
    ("percent", re.compile(r"_to_|_ratio$", re.I)),  # (a ratio of two amounts: value_to_mcap)
    ("money", re.compile(r"^(value|dollars|mcap|market_cap)$|_usd$|^value_|_value$|^dollar", re.I)),
    ("price", re.compile(r"^(price|close|adj_close|adj close|last_price)$|_price$", re.I)),
    ("count", re.compile(r"^(n|N|nobs|studies|months|rows|events|count|trades|firms|insiders|filings|tickers|"
                         r"days|shares|sources|events touched|purchases|sales)$|^n_|_n$|^n \(|^number", re.I)),
    ("percent", re.compile(r"car|caar|bhar|^ar$|return|estimate|difference|^diff|ci_low|ci_high|^ci |alpha|"
                           r"^fwd_|^past_|runup|drawdown|share|fraction|^se$|std_error|^sigma$|ann_vol|planted|"
                           r"^size|^power|rate$|^npr|premium|spread|^lower$|^upper$|^mean|^median|^effect$|"
                           r"^controlled|^pct_|_pct$", re.I)),
)


def column_kind(name: object) -> Kind | None:
    """The kind of number a column named *name* holds, from its name (None: not known from the name).

    The one place where a column's name decides its format: returns, CARs, estimates, shares and their CIs in
    percent; counts (``n``, ``n_*``, events, months ...) as integers with separators; p- and q-values in one
    format; test statistics to two decimals; dollar values as dollars; prices as prices.

    Parameters
    ----------
    name
        The column name (a tuple of a MultiIndex is judged by its last named level).

    Returns
    -------
    str or None
        One of :data:`Kind`.

    Examples
    --------
    >>> [column_kind(c) for c in ("mean_car", "n_events", "q_bh", "kp_t", "value", "value_to_mcap", "price", "issuer_name")]
    ['percent', 'count', 'pvalue', 'stat', 'money', 'percent', 'price', None]
    """
    if isinstance(name, tuple):
        for part in reversed(name):
            k = column_kind(part)
            if k is not None:
                return k
        return None
    text = str(name).strip()
    for kind, rx in _KIND_RULES:
        if rx.search(text):
            return kind  # type: ignore[return-value]
    return None


def _is_numeric(s: pd.Series) -> bool:
    """Numbers (not booleans): a numeric column, or one of objects that are all numbers (a transposed table)."""
    if pd.api.types.is_bool_dtype(s):
        return False
    if pd.api.types.is_numeric_dtype(s):
        return True
    if s.dtype != object:
        return False
    vals = s.dropna()
    return len(vals) > 0 and all(isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
                                 for v in vals)


def _column_formats(d: pd.DataFrame, explicit: dict[str, Iterable[object]], auto: bool) -> dict[object, Callable[[object], str]]:
    """Each column's formatter: the explicit groups first, then (with *auto*) the kind of its name, else by dtype."""
    fmts: dict[object, Callable[[object], str]] = {}
    for kind, cols in explicit.items():
        for c in cols:
            if c in d.columns:
                fmts[c] = _FORMATTERS[kind]
    if auto:
        for c in d.columns:
            if c not in fmts and _is_day(d[c]):
                fmts[c] = _fmt_day
            if c in fmts or not _is_numeric(d[c]):
                continue
            named = column_kind(c)
            fmts[c] = _FORMATTERS[named if named is not None else
                                  "count" if pd.api.types.is_integer_dtype(d[c]) else "number"]
    return fmts


def _is_day(s: pd.Series | pd.Index) -> bool:
    """Dates without a time of day (shown as ``2024-12-14``, not ``2024-12-14 00:00:00``)."""
    if not pd.api.types.is_datetime64_any_dtype(s):
        return False
    v = pd.DatetimeIndex(s).dropna()
    return bool((v == v.normalize()).all())


def _fmt_day(x: object) -> str:
    return "" if x is None or x is pd.NaT or (isinstance(x, float) and not np.isfinite(x)) else f"{pd.Timestamp(x):%Y-%m-%d}"  # type: ignore[arg-type]


def _index_formats(ix: pd.Index) -> dict[int, Callable[[object], str]]:
    """The formatters of a frame's numeric and date index levels, by the levels' names."""
    out: dict[int, Callable[[object], str]] = {}
    for k in range(ix.nlevels):
        lev = ix.get_level_values(k)
        if _is_day(lev):
            out[k] = _fmt_day
            continue
        if not pd.api.types.is_numeric_dtype(lev) or pd.api.types.is_bool_dtype(lev):
            continue
        kind = column_kind(ix.names[k]) if ix.names[k] is not None else None
        if kind is None or kind == "number":
            kind = "count" if pd.api.types.is_integer_dtype(lev) and str(ix.names[k]).lower() not in (
                "year", "start", "end", "horizon", "quarter") else "number"
            if kind == "number" and pd.api.types.is_integer_dtype(lev):
                continue  # years, window bounds: as they are
            if kind == "number" and bool(np.all(np.isclose(np.asarray(lev, float) % 1, 0) | ~np.isfinite(lev))):
                out[k] = lambda x: "" if _finite(x) is None else f"{_finite(x):,.0f}"
                continue
        out[k] = _FORMATTERS[kind]
    return out


def _default_index(ix: pd.Index) -> bool:
    """Whether *ix* is the 0, 1, 2 ... index a frame gets when its rows have no names (hidden in display)."""
    return isinstance(ix, pd.RangeIndex) and ix.start == 0 and ix.step == 1 and ix.name is None


def style_table(df: pd.DataFrame, *, percent: Iterable[object] = (), count: Iterable[object] = (),
                stat: Iterable[object] = (), pvalue: Iterable[object] = (), money: Iterable[object] = (),
                price: Iterable[object] = (), max_columns: int | None = None, caption: str | None = None,
                words: bool = False, auto: bool = False) -> str:
    """*df* as HTML in the kit's table style (the named columns formatted; others as they are).

    Columns not named in any group are shown as given, unless *auto*: then each numeric column is formatted by
    the kind of its name (:func:`column_kind`; integers as counts, other numbers by :func:`fmt_number`), numeric
    index levels likewise, and a 0, 1, 2 ... index (rows without names) is not shown.  With *max_columns* only
    the first columns are shown (the full frame stays available on the object's properties).

    Parameters
    ----------
    df
        The table; it is not modified (the formats apply to the HTML only).
    percent, count, stat, pvalue, money, price
        Columns shown as percentages (:func:`fmt_pct`), integer counts (:func:`fmt_count`), test statistics
        (two decimals), p-values (:func:`fmt_pvalue`), dollars (:func:`fmt_money`) and prices
        (:func:`fmt_price`); names not in *df* are ignored.
    max_columns
        Show only the first this many columns.
    caption
        A caption above the table (escaped).
    words
        Head the columns with the statistics' names in words (:data:`COLUMN_NAMES`).
    auto
        Format every other numeric column (and index level) by its name.

    Returns
    -------
    str
        The HTML table.

    Examples
    --------
    >>> df = pd.DataFrame({"n": [1200], "mean_car": [0.0123], "t_cs": [2.345], "p": [0.0191]})
    >>> html = style_table(df, count=["n"], percent=["mean_car"], stat=["t_cs"], pvalue=["p"])
    >>> all(s in html for s in ("1,200", "1.23%", "2.35", "0.019"))
    True
    >>> "1.23%" in style_table(df, auto=True)
    True
    """
    d = df if max_columns is None else df.iloc[:, :max_columns]
    fmts = _column_formats(d, {"percent": percent, "count": count, "stat": stat, "pvalue": pvalue, "money": money,
                               "price": price}, auto)
    hide_index = auto and _default_index(d.index)
    index_fmts = _index_formats(d.index) if auto and not hide_index else {}
    # every cell, label and axis name HTML-escaped (names, tickers and reasons come from user files; a Styler does
    # not escape by itself)
    def names(ix: pd.Index) -> pd.Index:
        return ix.set_names([None if n is None else html.escape(str(n)) for n in ix.names])

    d = d.set_axis(names(d.index), axis=0).set_axis(names(d.columns), axis=1)
    sty = d.style.format(fmts, na_rep="", escape="html")  # type: ignore[arg-type]
    sty = sty.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    for level, f in index_fmts.items():
        sty = sty.format_index(f, axis=0, level=level, na_rep="")
    if hide_index:
        sty = sty.hide(axis="index")
    sty = sty.set_table_attributes('class="ik-table"').set_table_styles([
        {"selector": "", "props": "border-collapse: collapse; font-size: 0.9em; font-variant-numeric: tabular-nums;"},
        {"selector": "th, td", "props": "padding: 2px 8px; text-align: right; white-space: nowrap;"},
        {"selector": "thead th", "props": "border-bottom: 1px solid #444;"},
    ])
    if caption:
        sty = sty.set_caption(html.escape(caption))
    if words:
        sty = sty.relabel_index([COLUMN_NAMES.get(str(c), str(c)) for c in d.columns], axis=1)
    return sty.to_html()


class DisplayFrame(pd.DataFrame):
    """A DataFrame that shows itself in the kit's table style: the numbers stay numbers (code computes with them
    as with any frame), the notebook display formats them (:func:`style_table` with ``auto``, plus the table's
    own column formats kept in ``attrs["ik_formats"]``).  Made by :func:`display_frame`; selections, ``head``
    and copies keep the style.

    Examples
    --------
    >>> t = display_frame(pd.DataFrame({"mean_car": [0.0123], "n": [1200]}))
    >>> float(t["mean_car"].iloc[0]), "1.23%" in t._repr_html_(), "1,200" in t._repr_html_()
    (0.0123, True, True)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # (pandas' own signature, unchanged)
        super().__init__(*args, **kwargs)

    @property
    def _constructor(self) -> Callable[..., DisplayFrame]:
        return DisplayFrame

    def _repr_html_(self) -> str:
        f = self.attrs.get("ik_formats", {})
        return style_table(self, auto=True, caption=self.attrs.get("ik_caption"),
                           **{k: f.get(k, ()) for k in ("percent", "count", "stat", "pvalue", "money", "price")})

    def to_frame(self) -> pd.DataFrame:
        """The same table as a plain :class:`pandas.DataFrame`.

        Returns
        -------
        pandas.DataFrame
        """
        return pd.DataFrame(self)


def display_frame(df: pd.DataFrame, *, percent: Iterable[object] = (), count: Iterable[object] = (),
                  stat: Iterable[object] = (), pvalue: Iterable[object] = (), money: Iterable[object] = (),
                  price: Iterable[object] = (), caption: str | None = None) -> DisplayFrame:
    """*df* (not copied twice: a view of the same data) as a :class:`DisplayFrame`: shown in the kit's style.

    Columns named in a group take that format; every other numeric column the format of its name's kind
    (:func:`column_kind`).

    Parameters
    ----------
    df
        The table.
    percent, count, stat, pvalue, money, price
        Columns whose format the name alone does not tell (:func:`style_table`).
    caption
        A caption shown above the table.

    Returns
    -------
    DisplayFrame
        The same numbers.

    Examples
    --------
    >>> t = display_frame(pd.DataFrame({"buys": [0.031], "sales": [-0.004]}, index=["filing"]), percent=["buys", "sales"])
    >>> "3.10%" in t._repr_html_() and "-0.40%" in t._repr_html_()
    True
    """
    out = DisplayFrame(df)
    out.attrs = dict(df.attrs)
    given = {"percent": percent, "count": count, "stat": stat, "pvalue": pvalue, "money": money, "price": price}
    out.attrs["ik_formats"] = {k: list(v) for k, v in given.items() if list(v)}
    if caption:
        out.attrs["ik_caption"] = caption
    return out


def glossary_html(columns: Iterable[str] | None = None) -> str:
    """The glossary (or its lines for *columns*) as a small HTML definition list, collapsed under "What the
    columns mean".

    Parameters
    ----------
    columns
        Keep only the entries for these columns (all of :data:`GLOSSARY` when None).

    Returns
    -------
    str
        An HTML ``<details>`` element.

    Examples
    --------
    >>> html = glossary_html(["t_cs"])
    >>> "Brown &amp; Warner" in html, "Patell" in html
    (True, False)
    """
    keys = [k for k in GLOSSARY if columns is None or any(part in set(columns) for part in k.split(" / "))]
    items = "".join(f"<dt><code>{html.escape(k)}</code></dt><dd>{html.escape(GLOSSARY[k])}</dd>" for k in keys)
    return f'<details><summary>What the columns mean</summary><dl class="ik-glossary">{items}</dl></details>'


def format_cells(df: pd.DataFrame, *, percent: Iterable[str] = (), count: Iterable[str] = (),
                 stat: Iterable[str] = (), pvalue: Iterable[str] = ()) -> pd.DataFrame:
    """*df* as text in the kit's style (the formats of :func:`style_table`; other cells as ``str``, missing
    values blank) — the cells of :func:`latex_table` and :func:`markdown_table`.

    Parameters
    ----------
    df
        The table (not modified).
    percent, count, stat, pvalue
        As :func:`style_table`.

    Returns
    -------
    pandas.DataFrame
        Strings, same index and columns.

    Examples
    --------
    >>> format_cells(pd.DataFrame({"n": [1200.0], "x": ["a"]}), count=["n"]).iloc[0].tolist()
    ['1,200', 'a']
    """
    fmts: dict[str, object] = {}
    for cols, f in ((percent, fmt_pct), (count, fmt_count), (stat, _fmt_stat), (pvalue, fmt_pvalue)):
        for c in cols:
            fmts[c] = f

    def plain(x: object) -> str:
        if x is None or (isinstance(x, float) and not np.isfinite(x)):
            return ""
        return f"{x:.4g}" if isinstance(x, float | np.floating) else str(x)

    return pd.DataFrame({c: [fmts.get(str(c), plain)(v) for v in df[c]] for c in df.columns},  # type: ignore[operator]
                        index=df.index)


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"$<$",
                  ">": r"$>$", "−": "-", "²": r"$^2$"}


def latex_escape(text: object) -> str:
    """*text* with LaTeX's special characters escaped (``%`` -> ``\\%``, ``_`` -> ``\\_`` ...).

    Parameters
    ----------
    text
        Any value (converted with ``str``).

    Returns
    -------
    str
        Text safe inside a LaTeX table.

    Examples
    --------
    >>> print(latex_escape("p_cs < 5%"))
    p\\_cs $<$ 5\\%
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _index_labels(df: pd.DataFrame) -> list[str]:
    return [", ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in df.index]


def latex_table(df: pd.DataFrame, *, percent: Iterable[str] = (), count: Iterable[str] = (), stat: Iterable[str] = (),
                pvalue: Iterable[str] = (), index: bool = True, caption: str | None = None, label: str | None = None,
                notes: str | None = None) -> str:
    """*df* as a LaTeX ``tabular`` with booktabs rules (``\\usepackage{booktabs}``), cells in the kit's style.

    With a *caption* or *label* the tabular is wrapped in a ``table`` float; *notes* go below it in a
    ``\\footnotesize`` line.

    Parameters
    ----------
    df
        The table.
    percent, count, stat, pvalue
        Column formats (:func:`style_table`).
    index
        Whether the row labels form the first column.
    caption, label, notes
        Optional float caption, ``\\label`` and a note line.

    Returns
    -------
    str
        The LaTeX source (ending in a newline).

    Examples
    --------
    >>> print(latex_table(pd.DataFrame({"mean_car": [0.0123]}, index=["buy"]), percent=["mean_car"]), end="")
    \\begin{tabular}{lr}
    \\toprule
     & mean\\_car \\\\
    \\midrule
    buy & 1.23\\% \\\\
    \\bottomrule
    \\end{tabular}
    """
    cells = format_cells(df, percent=percent, count=count, stat=stat, pvalue=pvalue)
    head = ([""] if index else []) + [latex_escape(c) for c in df.columns]
    rows = [([latex_escape(i)] if index else []) + [latex_escape(v) for v in r]
            for i, r in zip(_index_labels(df), cells.itertuples(index=False, name=None), strict=True)]
    spec = ("l" if index else "") + "r" * len(df.columns)
    lines = [f"\\begin{{tabular}}{{{spec}}}", "\\toprule", " & ".join(head) + " \\\\", "\\midrule"]
    lines += [" & ".join(r) + " \\\\" for r in rows]
    lines += ["\\bottomrule", "\\end{tabular}"]
    if notes:
        lines.append(f"\\par\\footnotesize {latex_escape(notes)}")
    if caption or label:
        lines = ["\\begin{table}[htbp]", "\\centering"] + ([f"\\caption{{{latex_escape(caption)}}}"] if caption else []) \
            + ([f"\\label{{{label}}}"] if label else []) + lines + ["\\end{table}"]
    return "\n".join(lines) + "\n"


def markdown_table(df: pd.DataFrame, *, percent: Iterable[str] = (), count: Iterable[str] = (), stat: Iterable[str] = (),
                   pvalue: Iterable[str] = (), index: bool = True) -> str:
    """*df* as a GitHub-flavoured Markdown table (numbers right-aligned), cells in the kit's style.

    Parameters
    ----------
    df
        The table.
    percent, count, stat, pvalue
        Column formats (:func:`style_table`).
    index
        Whether the row labels form the first column.

    Returns
    -------
    str
        The Markdown source (ending in a newline).

    Examples
    --------
    >>> print(markdown_table(pd.DataFrame({"n": [1200]}, index=["buy"]), count=["n"]), end="")
    |     |     n |
    |:----|------:|
    | buy | 1,200 |
    """
    cells = format_cells(df, percent=percent, count=count, stat=stat, pvalue=pvalue)
    esc = lambda x: str(x).replace("|", "\\|")  # noqa: E731
    cols = ([""] if index else []) + [esc(c) for c in df.columns]
    body = [([esc(i)] if index else []) + [esc(v) for v in r]
            for i, r in zip(_index_labels(df), cells.itertuples(index=False, name=None), strict=True)]
    width = [max([len(cols[k])] + [len(r[k]) for r in body] + [3]) for k in range(len(cols))]
    left = [index and k == 0 for k in range(len(cols))]
    fmt = lambda r: "| " + " | ".join(v.ljust(w) if lf else v.rjust(w) for v, w, lf in zip(r, width, left, strict=True)) + " |"  # noqa: E731
    rule = "|" + "|".join((":" + "-" * (w + 1)) if lf else ("-" * (w + 1) + ":") for w, lf in zip(width, left, strict=True)) + "|"
    return "\n".join([fmt(cols), rule] + [fmt(r) for r in body]) + "\n"
