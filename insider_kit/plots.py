"""Matplotlib figures fit for a paper: ``ax=None`` in, ``Axes`` out; no statistics computed here.

Conventions: returns on percent axes, legends outside the data, small multiples (one panel per group on
shared axes) where more than three groups compete, and every figure of synthetic data marked SYNTHETIC.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import DataError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["band_limits", "figure_of", "mark_synthetic", "plot_caar", "plot_caar_panels", "plot_company",
           "plot_cumulative", "plot_dose_response", "plot_drawdown", "plot_filing_lags", "plot_forest", "plot_net_sales",
           "plot_npr", "plot_power", "save_figure", "two_panels"]

VERDICT_COLORS = {"supported": "#1a7f37", "contradicted": "#cf222e", "inconclusive": "#6e7781",
                  "not testable": "#bf8700", "check the data": "#8250df"}


def _ax(ax: Axes | None, figsize: tuple[float, float] = (8, 4.5)) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _percent_axis(ax: Axes, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: f"{v:g}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def figure_of(ax: Axes) -> Figure:
    """The figure *ax* is drawn in (the whole figure when *ax* sits in a subfigure), typed as a ``Figure``.

    Parameters
    ----------
    ax
        Any axes.

    Returns
    -------
    matplotlib.figure.Figure
        Its figure: ``figure_of(ax).savefig("car.pdf")`` writes it.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> figure_of(ax) is fig
    True
    >>> plt.close(figure_of(ax))
    """
    from matplotlib.figure import Figure

    fig = ax.figure
    while not isinstance(fig, Figure):  # a SubFigure: its parent, up to the figure
        fig = fig.figure
    return fig


def save_figure(ax: Axes | Figure, path: str | Path, *, dpi: int = 300, close: bool = False) -> Path:
    """Write a kit figure (any plot function's ``Axes``, or a ``Figure``) to *path* for a paper: PDF, SVG, EPS or
    PNG by the file's suffix, the whole figure with tight bounding box, written atomically.

    ``figure_of(ax).savefig(path)`` does the same without the atomic write; either is one call.

    Parameters
    ----------
    ax
        An axes the kit returned (a panel of a multi-panel figure saves the whole figure), or a figure.
    path
        The file to write; its suffix (``.pdf``, ``.svg``, ``.eps``, ``.png``) picks the format (vector formats
        keep text as text).
    dpi
        Resolution of raster parts (and of a PNG).
    close
        Close the figure after writing (in a loop of many figures).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ConfigError
        When the suffix names no format matplotlib writes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ax = plot_forest(pd.DataFrame({"claim": ["a", "b"], "estimate": [0.02, -0.01], "ci_low": [0.01, -0.02],
    ...                                "ci_high": [0.03, 0.0], "verdict": ["supported", "inconclusive"]}))
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> save_figure(ax, d / "claims.pdf").read_bytes()[:4], save_figure(ax, d / "claims.svg", close=True).suffix
    (b'%PDF', '.svg')
    """
    from matplotlib.figure import Figure as _Figure

    from ._io import atomic_path
    from .errors import ConfigError

    fig = ax if isinstance(ax, _Figure) else figure_of(ax)
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in fig.canvas.get_supported_filetypes():
        raise ConfigError(f"cannot write a figure as {path.name!r}: unknown format {fmt!r}",
                          hint="use a .pdf, .svg, .eps or .png file name")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return path


def band_limits(caar: pd.DataFrame) -> tuple[float, float] | None:
    """Y limits (in percent) for CAAR curves whose confidence bands would dwarf them, else None.

    A small group's band (N = 3: +-60%) stretched a shared axis until every other curve was flat.  The
    limits hold every curve with room (the curves' range again on either side, at least 1 point) and
    every band that fits in that; a band reaching beyond is clipped (the figure says so).

    Parameters
    ----------
    caar
        Long table with ``caar``, ``lower`` and ``upper`` (decimals).

    Returns
    -------
    tuple of float or None
        ``(low, high)`` in percent, or None when every band fits (the axis scales itself).

    Examples
    --------
    >>> t = pd.DataFrame({"caar": [0.0, 0.02, 0.0, -0.01], "lower": [-0.01, 0.01, -0.6, -0.5],
    ...                   "upper": [0.01, 0.03, 0.6, 0.5]})
    >>> band_limits(t)
    (-4.0, 5.0)
    >>> band_limits(t.iloc[:2]) is None
    True
    """
    c = caar["caar"].to_numpy(dtype=float) * 100
    c = c[np.isfinite(c)]
    if not len(c):
        return None
    lo_c, hi_c = float(c.min()), float(c.max())
    pad = max(hi_c - lo_c, 1.0)
    lo, hi = lo_c - pad, hi_c + pad
    band_lo = float(np.nanmin(caar["lower"].to_numpy(dtype=float) * 100))
    band_hi = float(np.nanmax(caar["upper"].to_numpy(dtype=float) * 100))
    if band_lo >= lo and band_hi <= hi:
        return None
    return (round(max(lo, band_lo), 6), round(min(hi, band_hi), 6))


def _clipped(d: pd.DataFrame, lim: tuple[float, float] | None) -> bool:
    return lim is not None and bool((d["lower"] * 100 < lim[0]).any() or (d["upper"] * 100 > lim[1]).any())


def mark_synthetic(ax: Axes, synthetic: bool = True) -> Axes:
    """Stamp SYNTHETIC DATA on the figure of *ax* (once) when *synthetic*.

    Parameters
    ----------
    ax
        Any axes of the figure.
    synthetic
        Whether the data are the teaching market's.

    Returns
    -------
    matplotlib.axes.Axes
        *ax*.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = mark_synthetic(mark_synthetic(ax))
    >>> [t.get_text() for t in fig.texts]
    ['SYNTHETIC DATA']
    >>> plt.close(fig)
    """
    if synthetic:
        fig = ax.figure
        if not any(getattr(t, "_ik_synthetic", False) for t in fig.texts):
            t = fig.text(0.995, 0.005, "SYNTHETIC DATA", ha="right", va="bottom", fontsize=8, color="#cf222e",
                         fontweight="bold", alpha=0.9)
            setattr(t, "_ik_synthetic", True)  # noqa: B010
    return ax


def plot_caar(caar: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
              synthetic: bool = False) -> Axes:
    """CAAR curves per group with shaded confidence bands (input: ``EventStudyResult.caar()``); more than three
    groups are drawn as small multiples (:func:`plot_caar_panels`).

    Parameters
    ----------
    caar
        Long table with ``group``, ``rel_day``, ``caar``, ``lower``, ``upper`` and ``n``.
    ax
        Draw here (a new figure when None).
    title
        The axes' title.
    synthetic
        Stamp the figure as synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (percent y axis).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = ik.event_study(study.events, study.panel, model="market_adjusted", group="direction")
    >>> ax = plot_caar(res.caar(), synthetic=study.synthetic)
    >>> ax.get_xlabel()
    'trading days relative to day 0'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    if caar["group"].nunique() > 3 and ax is None:
        return plot_caar_panels(caar, title=title, synthetic=synthetic)
    ax = _ax(ax)
    lim = band_limits(caar)
    for g, d in caar.groupby("group", sort=False):
        clip = " — band clipped" if _clipped(d, lim) else ""
        line, = ax.plot(d["rel_day"], d["caar"] * 100, lw=2, label=f"{g} (N={int(d['n'].iloc[0]):,}){clip}")
        ax.fill_between(d["rel_day"], d["lower"] * 100, d["upper"] * 100, color=line.get_color(), alpha=0.18, lw=0)
    if lim is not None:
        ax.set_ylim(*lim)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.axvline(0, color="0.3", lw=0.8, ls=":")
    ax.set_xlabel("trading days relative to day 0")
    ax.set_ylabel("cumulative average abnormal return")
    _percent_axis(ax)
    ax.set_title(title or "CAAR with 95% confidence bands")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    return mark_synthetic(ax, synthetic)


def plot_caar_panels(caar: pd.DataFrame, *, reference: str | None = None, title: str | None = None,
                     synthetic: bool = False, ncols: int = 3) -> Axes:
    """Small multiples: one panel per group on shared axes, each with its band and, when *reference* names a
    group, that group's curve in grey for comparison.  The shared y limits follow the curves
    (:func:`band_limits`): a band reaching far beyond them is clipped and its panel says so.

    Parameters
    ----------
    caar
        Long table as for :func:`plot_caar`.
    reference
        A group drawn in grey in every other group's panel.
    title
        The figure's title.
    synthetic
        Stamp the figure as synthetic data.
    ncols
        Panels per row.

    Returns
    -------
    matplotlib.axes.Axes
        The first panel's axes.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = ik.event_study(study.events, study.panel, model="market_adjusted", group="top_role")
    >>> ax = plot_caar_panels(res.caar(), ncols=2)
    >>> len(ax.figure.axes) >= 2
    True
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    import matplotlib.pyplot as plt

    groups = [g for g in pd.unique(caar["group"]) if g != reference]
    n = max(1, len(groups))
    nc = min(ncols, n)
    nr = -(-n // nc)
    fig, axes = plt.subplots(nr, nc, figsize=(3.4 * nc, 2.6 * nr + 0.6), sharex=True, sharey=True,
                             layout="constrained", squeeze=False)
    ref = caar[caar["group"] == reference] if reference is not None else None
    # shared axes compare the groups; their limits follow the curves, so a tiny group's wide band is clipped
    # (and said to be) instead of flattening every other panel
    lim = band_limits(caar)
    for k, ax in enumerate(axes.ravel()):
        if k >= n:
            ax.set_visible(False)
            continue
        g = groups[k]
        d = caar[caar["group"] == g]
        if ref is not None and len(ref):
            ax.plot(ref["rel_day"], ref["caar"] * 100, color="0.55", lw=1.2)
        ax.plot(d["rel_day"], d["caar"] * 100, color="tab:blue", lw=1.8)
        ax.fill_between(d["rel_day"], d["lower"] * 100, d["upper"] * 100, color="tab:blue", alpha=0.2, lw=0)
        ax.axhline(0, color="0.3", lw=0.7)
        ax.axvline(0, color="0.3", lw=0.7, ls=":")
        clip = ", band clipped" if _clipped(d, lim) else ""
        ax.set_title(f"{g} (N={int(d['n'].iloc[0]):,}{clip})", fontsize=9)
        ax.grid(alpha=0.3)
        _percent_axis(ax)
    if lim is not None:
        axes.ravel()[0].set_ylim(*lim)
    fig.supxlabel("trading days relative to day 0", fontsize=9)
    fig.supylabel("CAAR", fontsize=9)
    sub = f" — grey: {reference}" if reference is not None else ""
    fig.suptitle((title or "CAAR with 95% confidence bands") + sub, fontsize=10)
    return mark_synthetic(axes.ravel()[0], synthetic)


def _clip_range(lo: np.ndarray, hi: np.ndarray, est: np.ndarray) -> tuple[float, float]:
    """An x range that shows every estimate and most intervals: one very wide interval must not squash the
    others (the bounds beyond it are drawn as arrows at the edge)."""
    pts = np.r_[est, lo, hi, 0.0]
    pts = pts[np.isfinite(pts)]
    core = np.r_[est[np.isfinite(est)], 0.0]
    a, b = np.quantile(pts, [0.1, 0.9]) if len(pts) > 4 else (pts.min(), pts.max())
    a, b = min(a, core.min()), max(b, core.max())
    pad = 0.08 * max(b - a, 1e-9)
    return float(a - pad), float(b + pad)


def _forest_rows(ax: Axes, t: pd.DataFrame, label: str, est: str, lo: str, hi: str) -> None:
    y = np.arange(len(t))[::-1]
    verdicts = t["verdict"].tolist() if "verdict" in t.columns else ["inconclusive"] * len(t)
    e, lo_, hi_ = (t[c].to_numpy(float) * 100 for c in (est, lo, hi))
    x0, x1 = _clip_range(lo_, hi_, e)
    for yi, ei, a, b, v in zip(y, e, lo_, hi_, verdicts, strict=True):  # one row per claim (a handful)
        c = VERDICT_COLORS.get(v, "tab:blue")
        if np.isfinite(a) and np.isfinite(b):
            ax.plot([max(a, x0), min(b, x1)], [yi, yi], color=c, lw=1.6)
            for edge, out, mk in ((x0, a < x0, "<"), (x1, b > x1, ">")):
                if out:  # the interval runs off the axis: an arrow at the edge
                    ax.plot([edge], [yi], marker=mk, color=c, ms=7, ls="")
        ax.plot([ei], [yi], "o", color=c, ms=6)
    ax.set_xlim(x0, x1)
    ax.set_yticks(y, [textwrap.shorten(str(x), 60, placeholder="…") for x in t[label]])
    ax.axvline(0, color="0.3", lw=0.8)
    _percent_axis(ax, "x")
    ax.grid(axis="x", alpha=0.3)


def plot_forest(table: pd.DataFrame, *, ax: Axes | None = None, label: str = "claim", est: str = "estimate",
                lo: str = "ci_low", hi: str = "ci_high", group: str | None = None, title: str | None = None,
                synthetic: bool = False) -> Axes:
    """Forest plot: one row per claim/group with its estimate and 95% CI (percent), coloured by verdict; with
    *group*, one panel per value of that column (quantities measured on different scales are not put on one
    axis), each with its own x range.  A range is clipped so that one very wide interval does not squash the
    others: an interval that runs off the axis ends in an arrow.  The legend sits outside the data.

    Parameters
    ----------
    table
        One row per item, with the *label*, *est*, *lo* and *hi* columns (and ``verdict`` to colour by).
    ax
        Draw here (a new figure when None; ignored with *group*, which makes its own figure).
    label, est, lo, hi
        The columns holding the row label, the estimate and the interval.
    group
        A column whose values (the quantity each row measures) get a panel each.
    title
        The figure's title.
    synthetic
        Stamp the figure as synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The (first) axes drawn on.

    Examples
    --------
    >>> t = pd.DataFrame({"claim": ["buys", "sells", "wide"], "estimate": [0.02, -0.004, 0.3],
    ...                   "ci_low": [0.01, -0.01, -0.7], "ci_high": [0.03, 0.002, 2.0],
    ...                   "verdict": ["supported", "inconclusive", "inconclusive"]})
    >>> ax = plot_forest(t)
    >>> ax.get_xlabel(), bool(ax.get_xlim()[1] < 100)  # the +200% bound is an arrow at the edge
    ('estimate, 95% CI', True)
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    import matplotlib.pyplot as plt

    t = table[np.isfinite(table[est].astype(float))]
    if t.empty:
        raise DataError("no row has an estimate to plot", hint=f"the table's {est!r} column is missing everywhere")
    parts = [(None, t)] if group is None else [(g, d) for g, d in t.groupby(group, sort=False)]
    if group is None:
        axes = [_ax(ax, (8, 0.42 * len(t) + 1.6))]
    else:
        _, axs = plt.subplots(len(parts), 1, figsize=(8.5, 0.42 * len(t) + 0.9 * len(parts) + 0.8),
                                layout="constrained", squeeze=False,
                                gridspec_kw={"height_ratios": [max(len(d), 1) + 1.2 for _, d in parts]})
        axes = list(axs[:, 0])
    for a_, (g, d) in zip(axes, parts, strict=True):
        _forest_rows(a_, d, label, est, lo, hi)
        if g is not None:
            a_.set_title(str(g), fontsize=10, loc="left")
    axes[-1].set_xlabel("estimate, 95% CI")
    if "verdict" in t.columns:
        from matplotlib.lines import Line2D

        shown = [v for v in VERDICT_COLORS if v in set(t["verdict"])]
        axes[0].legend([Line2D([], [], marker="o", color=VERDICT_COLORS[v], ls="") for v in shown], shown,
                       frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if title:
        if group is None:
            axes[0].set_title(title)
        else:
            axes[0].figure.suptitle(title)
    return mark_synthetic(axes[0], synthetic)


def plot_company(price: pd.Series, trades: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                 synthetic: bool = False) -> Axes:
    """Adjusted price with insider purchases (green ^) and sales (red v) marked at their public dates.

    Parameters
    ----------
    price
        The adjusted close, on a date index.
    trades
        ``date``, ``direction`` (``buy``/``sell``) and ``value`` (marker area scales with dollars).
    ax
        Draw here (a new figure when None).
    title
        The axes' title.
    synthetic
        Stamp the figure as synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> t = study.events["ticker"].iloc[0]
    >>> ax = plot_company(study.prices[t], study.events[study.events["ticker"] == t], title=t)
    >>> ax.get_ylabel()
    'price'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    ax = _ax(ax, (10, 4.5))
    ax.plot(price.index, price.to_numpy(), color="0.25", lw=1.2, label="adjusted close")
    px = price.reindex(pd.to_datetime(trades["date"]), method="ffill").to_numpy()
    v = trades["value"].fillna(0).to_numpy(float)
    size = 20 + 180 * np.sqrt(v / v.max()) if len(v) and v.max() > 0 else np.full(len(v), 30.0)
    for side, color, mk in (("buy", "tab:green", "^"), ("sell", "tab:red", "v")):
        m = (trades["direction"] == side).to_numpy()
        if m.any():
            ax.scatter(pd.to_datetime(trades["date"])[m], px[m], s=size[m], c=color, marker=mk, alpha=0.7,
                       edgecolors="k", linewidths=0.4, label=f"insider {'purchases' if side == 'buy' else 'sales'}")
    ax.set_ylabel("price")
    ax.set_title(title or "")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    return mark_synthetic(ax, synthetic)


def plot_npr(npr: pd.DataFrame, *, ax: Axes | None = None, synthetic: bool = False,
             marks: list[str] | None = None) -> Axes:
    """Monthly market-wide net purchase ratio (bars) with the market's 6-month past return (line).

    Parameters
    ----------
    npr
        Monthly table (a month index) with ``npr_count`` and ``past_6m``
        (:func:`insider_kit.signals.net_purchase_ratio`).
    ax
        Draw here (a new figure when None).
    synthetic
        Stamp the figure as synthetic data.
    marks
        Months to mark (the teaching market's planted selling waves).

    Returns
    -------
    matplotlib.axes.Axes
        The bars' axes (the return line is on a twin axis).

    Examples
    --------
    >>> npr = pd.DataFrame({"npr_count": np.linspace(0.2, 0.5, 12), "past_6m": np.linspace(-0.1, 0.2, 12)},
    ...                    index=pd.period_range("2020-01", periods=12, freq="M"))
    >>> ax = plot_npr(npr)
    >>> ax.get_ylabel()
    'purchases / (purchases + sales)'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    ax = _ax(ax, (10, 4))
    x = pd.PeriodIndex(npr.index).to_timestamp()
    ax.bar(x, npr["npr_count"], width=25, color="tab:blue", alpha=0.6, label="net purchase ratio (count)")
    ax.set_ylabel("purchases / (purchases + sales)")
    ax2 = ax.twinx()
    ax2.plot(x, npr["past_6m"] * 100, color="tab:orange", lw=1.5, label="market, past 6 months")
    ax2.set_ylabel("market return, past 6 months")
    _percent_axis(ax2)
    for k, m in enumerate(marks or []):
        ax.axvline(pd.Period(m, "M").to_timestamp(), color="crimson", lw=0.8, ls="--",  # type: ignore[arg-type]
                   label="planted selling wave" if k == 0 else None)
    ax.set_title("Market-wide insider activity")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.12), ncols=3)
    return mark_synthetic(ax, synthetic)


def plot_power(power: pd.DataFrame, *, ax: Axes | None = None, level: float = 0.05) -> Axes:
    """Rejection rate against the number of events, one line per planted effect, with the simulation's 95%
    binomial error band.

    Parameters
    ----------
    power
        ``effect``, ``n_events``, ``rejection_rate`` and optionally ``ci_low``/``ci_high``
        (:func:`insider_kit.eventstudy.simulate_power`).
    ax
        Draw here (a new figure when None).
    level
        The test's level (a dashed line; and the y label).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> power = pd.DataFrame({"effect": [0.0, 0.0, 0.02, 0.02], "n_events": [100, 400, 100, 400],
    ...                       "rejection_rate": [0.05, 0.06, 0.4, 0.9]})
    >>> ax = plot_power(power)
    >>> ax.get_ylabel()
    'studies rejecting at 5%'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    ax = _ax(ax, (7, 4))
    for eff, d in power.groupby("effect"):
        line, = ax.plot(d["n_events"], d["rejection_rate"] * 100, marker="o", label=f"planted CAR {eff:+.1%}")
        if "ci_low" in d:
            ax.fill_between(d["n_events"], d["ci_low"] * 100, d["ci_high"] * 100, color=line.get_color(), alpha=0.15,
                            lw=0)
    ax.axhline(level * 100, color="0.3", ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("events per study")
    ax.set_ylabel(f"studies rejecting at {level:.0%}")
    _percent_axis(ax)
    ax.set_ylim(0, 102)
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    return ax


def plot_filing_lags(lag_days: pd.Series, *, ax: Axes | None = None, cap: int = 15, synthetic: bool = False) -> Axes:
    """Histogram of filing lags (calendar days from the trade to the filing), the last bar collecting *cap*
    days or more.

    Parameters
    ----------
    lag_days
        One lag per filing (days).
    ax
        Draw here (a new figure when None).
    cap
        Lags at or beyond this go in the last bar.
    synthetic
        Stamp the figure as synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> ax = plot_filing_lags(pd.Series([0, 1, 2, 2, 30]), cap=10)
    >>> ax.get_xlabel()
    'calendar days from trade to filing (10 = 10 or more)'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    ax = _ax(ax, (7, 3.5))
    v = np.clip(pd.to_numeric(lag_days, errors="coerce").dropna().to_numpy(), 0, cap)
    ax.hist(v, bins=list(np.arange(cap + 2) - 0.5), color="tab:blue")
    ax.set_xlabel(f"calendar days from trade to filing ({cap} = {cap} or more)")
    ax.set_ylabel("events")
    ax.set_title("Filing lags")
    return mark_synthetic(ax, synthetic)


def plot_net_sales(net_sales: pd.DataFrame, *, ax: Axes | None = None, synthetic: bool = False) -> Axes:
    """Net insider sales since a date ($M) against each stock's return since then.  Contemporaneous, not a
    forecast.

    Parameters
    ----------
    net_sales
        :func:`insider_kit.screens.net_insider_sales`.
    ax
        Draw here (a new figure when None).
    synthetic
        Stamp the figure as synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> ns = pd.DataFrame({"net_sales_usd": [2e6, -1e5], "return_since": [0.3, -0.02]})
    >>> ax = plot_net_sales(ns)
    >>> ax.get_xlabel()
    'net insider sales since start ($M)'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    ax = _ax(ax, (7, 4))
    ax.scatter(net_sales["net_sales_usd"] / 1e6, net_sales["return_since"] * 100, s=12, alpha=0.6)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("net insider sales since start ($M)")
    ax.set_ylabel("stock return since start")
    _percent_axis(ax)
    ax.set_title("Net insider sales vs return (contemporaneous, not a forecast)")
    return mark_synthetic(ax, synthetic)


def plot_dose_response(table: pd.DataFrame, *, signal: str = "signal", window: str = "", note: str = "",
                       ax: Axes | None = None, synthetic: bool = False) -> Axes:
    """Mean CAR with its 95% CI per quantile of a signal (input: ``DoseResponse.table``).

    Parameters
    ----------
    table
        One row per quantile (index ``Q1``..): ``n``, ``mean_car``, ``ci_low``, ``ci_high``, ``signal_low``,
        ``signal_high``.
    signal, window
        The signal's name and the CAR window's label (for the title and axis).
    note
        A line under the title (e.g. the monotonicity test's p-value).
    ax
        Draw here (a new figure when None).
    synthetic
        Stamp the figure as synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (percent y axis).

    Examples
    --------
    >>> import pandas as pd
    >>> tab = pd.DataFrame({"n": [10, 10], "mean_car": [0.01, 0.03], "ci_low": [0.0, 0.01], "ci_high": [0.02, 0.05],
    ...                     "signal_low": [1.0, 5.0], "signal_high": [4.0, 9.0]}, index=["Q1", "Q2"])
    >>> ax = plot_dose_response(tab, signal="value", window="(+0,+60)")
    >>> [t.get_text() for t in ax.get_xticklabels()][:1]
    ['Q1\\n1 to 4\\nN=10']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    ax = _ax(ax, figsize=(7, 4.2))
    x = np.arange(len(table))
    est = table["mean_car"].to_numpy(float) * 100
    lo = table["ci_low"].to_numpy(float) * 100
    hi = table["ci_high"].to_numpy(float) * 100
    ax.errorbar(x, est, yerr=[est - lo, hi - est], fmt="o-", color="#1f6feb", capsize=4, lw=1.5)
    ax.axhline(0, color="0.3", lw=0.8)
    labels = [f"{q}\n{a:.3g} to {b:.3g}\nN={int(n):,}" for q, a, b, n in
              zip(table.index, table["signal_low"], table["signal_high"], table["n"], strict=True)]
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_xlabel(f"quantile of {signal} (its range; events)")
    ax.set_ylabel(f"mean CAR{window}")
    _percent_axis(ax)
    ax.set_title(f"CAR{window} by quantile of {signal}, 95% CI (firm and month clusters)"
                 + (f"\n{note}" if note else ""), fontsize=10)
    ax.grid(alpha=0.3)
    return mark_synthetic(ax, synthetic)


def two_panels(figsize: tuple[float, float] = (8, 5.5)) -> tuple[Axes, Axes]:
    """A figure with a tall top panel and a short bottom panel on a shared x axis (cumulative return above,
    drawdown below).

    Parameters
    ----------
    figsize
        The figure's size in inches.

    Returns
    -------
    (Axes, Axes)
        The top and bottom axes.

    Examples
    --------
    >>> top, bottom = two_panels()
    >>> top.figure is bottom.figure
    True
    >>> import matplotlib.pyplot as plt; plt.close(top.figure)
    """
    import matplotlib.pyplot as plt

    _, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=figsize, layout="constrained",
                                    gridspec_kw={"height_ratios": [2.2, 1]})
    return top, bottom


def plot_cumulative(cumulative: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                    synthetic: bool = False) -> Axes:
    """Growth of 1 invested, one line per portfolio (input: columns of ``TradedPortfolio.cumulative()``).

    Parameters
    ----------
    cumulative
        Dates x portfolios: the value of 1 invested.
    ax
        Draw here (a new figure when None).
    title
        The axes' title.
    synthetic
        Stamp the figure as synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (log y axis).

    Examples
    --------
    >>> import pandas as pd
    >>> cum = pd.DataFrame({"a": [1.0, 1.1, 1.21]}, index=pd.bdate_range("2024-01-01", periods=3))
    >>> ax = plot_cumulative(cum)
    >>> ax.get_yscale()
    'log'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    ax = _ax(ax)
    for c in cumulative.columns:
        ax.plot(cumulative.index, cumulative[c], lw=1.4, label=str(c))
    ax.axhline(1.0, color="0.3", lw=0.8)
    ax.set_yscale("log")
    ax.set_ylabel("value of 1 invested (net of costs)")
    ax.set_title(title or "Cumulative return of the screens' portfolios")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    return mark_synthetic(ax, synthetic)


def plot_drawdown(drawdown: pd.DataFrame, *, ax: Axes | None = None, synthetic: bool = False) -> Axes:
    """Drawdown from the running peak, one line per portfolio (input: ``TradedPortfolio.drawdown()``).

    Parameters
    ----------
    drawdown
        Dates x portfolios: the fall from the running peak (decimals, at most 0).
    ax
        Draw here (a new figure when None).
    synthetic
        Stamp the figure as synthetic data.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (percent y axis).

    Examples
    --------
    >>> import pandas as pd
    >>> dd = pd.DataFrame({"a": [0.0, -0.1, -0.05]}, index=pd.bdate_range("2024-01-01", periods=3))
    >>> ax = plot_drawdown(dd)
    >>> ax.get_ylabel()
    'drawdown'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    ax = _ax(ax, figsize=(8, 2.5))
    for c in drawdown.columns:
        ax.plot(drawdown.index, drawdown[c] * 100, lw=1.0, label=str(c))
    ax.set_ylabel("drawdown")
    _percent_axis(ax)
    ax.grid(alpha=0.3)
    return mark_synthetic(ax, synthetic)
