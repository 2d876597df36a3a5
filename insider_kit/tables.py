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

__all__ = ["GLOSSARY", "fmt_count", "fmt_pct", "fmt_pvalue", "glossary_html", "style_table"]

#: One line per statistic of the test table, with the paper it comes from.
GLOSSARY: dict[str, str] = {
    "mean_car": "mean cumulative abnormal return over the window",
    "median_car": "median CAR",
    "ci_low / ci_high": "95% confidence interval of the mean CAR (cross-sectional t)",
    "t_cs": "cross-sectional t: mean CAR / (sd / sqrt N) (Brown & Warner 1985)",
    "patell_z": "Patell (1976) z: sum of standardised CARs over its null variance",
    "bmp_t": "Boehmer, Musumeci & Poulsen (1991): cross-sectional t of standardised CARs "
             "(robust to event-induced variance)",
    "kp_t": "Kolari & Pynnönen (2010): BMP t adjusted for the cross-correlation of events whose windows "
            "overlap in calendar time",
    "rank_z": "Corrado (1989) rank test, Cowan (1992) multi-day form",
    "sign_z": "Cowan (1992) generalized sign test against the estimation period's share of positive returns",
    "p_wilcoxon": "Wilcoxon signed-rank test of a zero median CAR",
    "skew_adj_t": "Hall (1992) / Lyon, Barber & Tsai (1999) skewness-adjusted t of BHARs",
}


def _finite(x: object) -> float | None:
    """*x* as a finite float, or None (missing, not a number, infinite)."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def fmt_pct(x: object, digits: int = 2) -> str:
    """A decimal return as a percentage (``0.0350`` -> ``3.50%``); blank when missing."""
    v = _finite(x)
    return "" if v is None else f"{v * 100:.{digits}f}%"


def fmt_count(x: object) -> str:
    """A count as an integer with thousands separators; blank when missing."""
    v = _finite(x)
    return "" if v is None else f"{round(v):,}"


def fmt_pvalue(x: object) -> str:
    """A p-value to three significant figures (``< 1e-16`` below machine precision); blank when missing."""
    v = _finite(x)
    if v is None:
        return ""
    return "< 1e-16" if v < 1e-16 else f"{v:.3g}"


def _fmt_stat(x: object) -> str:
    v = _finite(x)
    return "" if v is None else f"{v:.2f}"


def style_table(df: pd.DataFrame, *, percent: Iterable[str] = (), count: Iterable[str] = (),
                stat: Iterable[str] = (), pvalue: Iterable[str] = (), max_columns: int | None = None,
                caption: str | None = None) -> str:
    """*df* as HTML in the kit's table style (the named columns formatted; others as they are).

    Columns not named in any group are shown as given; with *max_columns* only the first columns are shown
    (the full frame stays available on the object's properties).
    """
    d = df if max_columns is None else df.iloc[:, :max_columns]
    fmts: dict[str, object] = {}
    for cols, f in ((percent, fmt_pct), (count, fmt_count), (stat, _fmt_stat), (pvalue, fmt_pvalue)):
        for c in cols:
            if c in d.columns:
                fmts[c] = f
    sty = d.style.format(fmts, na_rep="")  # type: ignore[arg-type]
    sty = sty.set_table_attributes('class="ik-table"').set_table_styles([
        {"selector": "", "props": "border-collapse: collapse; font-size: 0.9em; font-variant-numeric: tabular-nums;"},
        {"selector": "th, td", "props": "padding: 2px 8px; text-align: right; white-space: nowrap;"},
        {"selector": "thead th", "props": "border-bottom: 1px solid #444;"},
    ])
    if caption:
        sty = sty.set_caption(html.escape(caption))
    return sty.to_html()


def glossary_html(columns: Iterable[str] | None = None) -> str:
    """The glossary (or its lines for *columns*) as a small HTML definition list."""
    keys = [k for k in GLOSSARY if columns is None or any(part in set(columns) for part in k.split(" / "))]
    items = "".join(f"<dt><code>{html.escape(k)}</code></dt><dd>{html.escape(GLOSSARY[k])}</dd>" for k in keys)
    return f'<details><summary>What the columns mean</summary><dl class="ik-glossary">{items}</dl></details>'
