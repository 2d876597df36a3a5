"""One table style for every results object: returns in percent, counts as integers, p-values to three
significant figures, test statistics to two decimals.

:func:`style_table` turns a frame into HTML with those formats (the frame itself keeps decimals, so code
reading ``result.tests`` gets numbers, not strings); :data:`GLOSSARY` explains each statistic in one line
with its paper, for the results' HTML and the teaching notebook.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["COLUMN_NAMES", "GLOSSARY", "fmt_count", "fmt_pct", "fmt_pvalue", "format_cells", "glossary_html", "latex_escape",
           "latex_table", "markdown_table", "style_table"]

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
    """A p-value to three significant figures (``< 1e-16`` below machine precision); blank when missing.

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
    >>> fmt_pvalue(0.012345), fmt_pvalue(1e-20), fmt_pvalue(None)
    ('0.0123', '< 1e-16', '')
    """
    v = _finite(x)
    if v is None:
        return ""
    return "< 1e-16" if v < 1e-16 else f"{v:.3g}"


def _fmt_stat(x: object) -> str:
    v = _finite(x)
    return "" if v is None else f"{v:.2f}"


def style_table(df: pd.DataFrame, *, percent: Iterable[str] = (), count: Iterable[str] = (),
                stat: Iterable[str] = (), pvalue: Iterable[str] = (), max_columns: int | None = None,
                caption: str | None = None, words: bool = False) -> str:
    """*df* as HTML in the kit's table style (the named columns formatted; others as they are).

    Columns not named in any group are shown as given; with *max_columns* only the first columns are shown
    (the full frame stays available on the object's properties).

    Parameters
    ----------
    df
        The table; it is not modified (the formats apply to the HTML only).
    percent, count, stat, pvalue
        Columns shown as percentages (:func:`fmt_pct`), integer counts (:func:`fmt_count`), test statistics
        (two decimals) and p-values (:func:`fmt_pvalue`); names not in *df* are ignored.
    max_columns
        Show only the first this many columns.
    caption
        A caption above the table (escaped).
    words
        Head the columns with the statistics' names in words (:data:`COLUMN_NAMES`).

    Returns
    -------
    str
        The HTML table.

    Examples
    --------
    >>> df = pd.DataFrame({"n": [1200], "mean_car": [0.0123], "t_cs": [2.345], "p": [0.0191]})
    >>> html = style_table(df, count=["n"], percent=["mean_car"], stat=["t_cs"], pvalue=["p"])
    >>> all(s in html for s in ("1,200", "1.23%", "2.35", "0.0191"))
    True
    """
    d = df if max_columns is None else df.iloc[:, :max_columns]
    fmts: dict[str, object] = {}
    for cols, f in ((percent, fmt_pct), (count, fmt_count), (stat, _fmt_stat), (pvalue, fmt_pvalue)):
        for c in cols:
            if c in d.columns:
                fmts[c] = f
    # every cell, label and axis name HTML-escaped (names, tickers and reasons come from user files; a Styler does
    # not escape by itself)
    def names(ix: pd.Index) -> pd.Index:
        return ix.set_names([None if n is None else html.escape(str(n)) for n in ix.names])

    d = d.set_axis(names(d.index), axis=0).set_axis(names(d.columns), axis=1)
    sty = d.style.format(fmts, na_rep="", escape="html")  # type: ignore[arg-type]
    sty = sty.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
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
