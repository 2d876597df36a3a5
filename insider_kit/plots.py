"""Matplotlib figures: ``ax=None`` in, ``ax`` out; no statistics computed here."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["plot_caar", "plot_forest"]


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
    y = range(len(table))[::-1]
    ax.errorbar(table[est] * 100, list(y), xerr=[(table[est] - table[lo]) * 100, (table[hi] - table[est]) * 100],
                fmt="o", capsize=3)
    ax.set_yticks(list(y), table[label])
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("estimate (%), 95% CI")
    ax.set_title(title or "")
    ax.grid(axis="x", alpha=0.3)
    return ax
