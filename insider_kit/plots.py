"""Matplotlib figures: ``ax=None`` in, ``ax`` out; no statistics computed here."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["plot_caar", "plot_company", "plot_forest", "plot_npr", "plot_power"]


def _ax(ax: Any, figsize: tuple[float, float] = (8, 4.5)) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_caar(caar: pd.DataFrame, *, ax: Any = None, title: str | None = None, synthetic: bool = False) -> Any:
    """CAAR curves per group with shaded confidence bands (input: ``EventStudyResult.caar()``)."""
    ax = _ax(ax)
    for g, d in caar.groupby("group", sort=False):
        line, = ax.plot(d["rel_day"], d["caar"] * 100, lw=2, label=f"{g} (N={int(d['n'].iloc[0]):,})")
        ax.fill_between(d["rel_day"], d["lower"] * 100, d["upper"] * 100, color=line.get_color(), alpha=0.18, lw=0)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.axvline(0, color="0.3", lw=0.8, ls=":")
    ax.set_xlabel("trading days relative to day 0")
    ax.set_ylabel("cumulative average abnormal return (%)")
    ax.set_title((title or "CAAR with 95% confidence bands") + ("  [SYNTHETIC DATA]" if synthetic else ""))
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return ax


def plot_forest(table: pd.DataFrame, *, ax: Any = None, label: str = "claim", est: str = "estimate",
                lo: str = "ci_low", hi: str = "ci_high", title: str | None = None) -> Any:
    """Forest plot: one row per claim/group with its estimate and 95% CI (in %)."""
    ax = _ax(ax, (8, 0.45 * len(table) + 1.5))
    y = list(range(len(table))[::-1])
    colors = {"supported": "tab:green", "contradicted": "tab:red", "inconclusive": "0.45"}
    verdicts = table["verdict"].tolist() if "verdict" in table.columns else ["inconclusive"] * len(table)
    for yi, (_, r), v in zip(y, table.iterrows(), verdicts, strict=True):  # one row per claim (a handful)
        ax.errorbar(r[est] * 100, yi, xerr=[[(r[est] - r[lo]) * 100], [(r[hi] - r[est]) * 100]], fmt="o", capsize=3,
                    color=colors.get(v, "tab:blue"))
    if "verdict" in table.columns:
        from matplotlib.lines import Line2D

        ax.legend([Line2D([], [], marker="o", color=c, ls="") for c in colors.values()], list(colors), frameon=False,
                  loc="lower right")
    ax.set_yticks(y, table[label])
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("estimate (%), 95% CI")
    ax.set_title(title or "")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_company(price: pd.Series, trades: pd.DataFrame, *, ax: Any = None, title: str | None = None,
                 synthetic: bool = False) -> Any:
    """Adjusted price with insider purchases (green ^) and sales (red v) marked at their public dates.

    *trades*: ``date``, ``direction`` (``buy``/``sell``) and ``value`` (marker area scales with dollars).
    """
    import numpy as np

    ax = _ax(ax, (10, 4.5))
    ax.plot(price.index, price.to_numpy(), color="0.25", lw=1.2, label="adjusted close")
    px = price.reindex(pd.to_datetime(trades["date"]), method="ffill").to_numpy()
    v = trades["value"].fillna(0).to_numpy(float)
    size = 20 + 180 * np.sqrt(v / v.max()) if len(v) and v.max() > 0 else 30
    for side, color, mk in (("buy", "tab:green", "^"), ("sell", "tab:red", "v")):
        m = (trades["direction"] == side).to_numpy()
        if m.any():
            s_ = size if np.isscalar(size) else size[m]  # type: ignore[index]
            ax.scatter(pd.to_datetime(trades["date"])[m], px[m], s=s_, c=color, marker=mk, alpha=0.7,
                       edgecolors="k", linewidths=0.4, label=f"insider {'purchases' if side == 'buy' else 'sales'}")
    ax.set_ylabel("price")
    ax.set_title((title or "") + ("  [SYNTHETIC DATA]" if synthetic else ""))
    ax.legend(frameon=False, loc="upper left")
    ax.grid(alpha=0.3)
    return ax


def plot_npr(npr: pd.DataFrame, *, ax: Any = None, synthetic: bool = False, marks: list[str] | None = None) -> Any:
    """Monthly market-wide net purchase ratio (bars) with the market's 6-month past return (line)."""
    ax = _ax(ax, (10, 4))
    x = pd.PeriodIndex(npr.index).to_timestamp()
    ax.bar(x, npr["npr_count"], width=25, color="tab:blue", alpha=0.6, label="net purchase ratio (count)")
    ax.set_ylabel("purchases / (purchases + sales)")
    ax2 = ax.twinx()
    ax2.plot(x, npr["past_6m"] * 100, color="tab:orange", lw=1.5, label="market, past 6 months (%)")
    ax2.set_ylabel("market return, past 6 months (%)")
    for m in marks or []:
        ax.axvline(pd.Period(m, "M").to_timestamp(), color="crimson", lw=0.8, ls="--")
    ax.set_title("Market-wide insider activity" + ("  [SYNTHETIC DATA]" if synthetic else ""))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, frameon=False, loc="upper left")
    return ax


def plot_power(power: pd.DataFrame, *, ax: Any = None, level: float = 0.05) -> Any:
    """Rejection rate against the number of events, one line per planted effect (input: ``simulate_power``)."""
    ax = _ax(ax, (7, 4))
    for eff, d in power.groupby("effect"):
        ax.plot(d["n_events"], d["rejection_rate"], marker="o", label=f"planted CAR {eff:+.1%}")
    ax.axhline(level, color="0.3", ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("events per study")
    ax.set_ylabel(f"share of studies rejecting at {level:.0%}")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return ax
