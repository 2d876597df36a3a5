# ---
# jupyter:
#   insider_kit:
#     needs: [studied_events, filing_dates]
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Screens: the latest hits, and how each screen did historically
#
# **Learning goals**: run the practitioners' screens on the latest data; judge a screen by its historical record, not by today's hits; see what trading it would have earned after costs.

# %% tags=["parameters"]
data_dir: str = ""  # data directory (empty: the configured one, INSIDER_KIT_DATA or else the teaching market)
since: str = "auto"  # show hits since this date (auto: 90 days before the last filing)
min_value: float = 100_000.0  # large purchases: at least this many dollars
top_n: int = 10  # rows per screen
horizon: int = 20  # trading days each screen's position is held
cost_bps: float = 10.0  # trading cost per unit traded, basis points (each buy and each sell)
heavy_sell_value: float = 1_000_000.0  # a sale event of at least this many dollars counts as heavy net selling
factor_model: str = "auto"  # alpha against: market, ff3 or carhart (auto: ff3 when the factors are loaded)

# %%
import pandas as pd
from IPython.display import Markdown, display

import insider_kit as ik

study = ik.load_study(data_dir or None)
display(Markdown("> " + study.banner()))
study

# %%
from insider_kit import screens

start = study.events["date"].max() - pd.Timedelta(days=90) if since == "auto" else pd.Timestamp(since)
print(f"hits since {start:%Y-%m-%d}")
display(Markdown("### Cluster buys"))
display(screens.cluster_buys(study.events, start).head(top_n))
display(Markdown("### Large purchases"))
display(screens.large_purchases(study.events, start, min_value=min_value).head(top_n))
display(Markdown("### Dip buys"))
display(screens.dip_buys(study.events, start).head(top_n))
display(Markdown("### Largest net sellers"))
display(screens.net_insider_sales(study.transactions, study.prices, start).head(top_n))

# %% [markdown]
# ## Historical performance of each screen
# Every past purchase event flagged by each screen, CAR after the filing became public (market-adjusted),
# beside the other purchases.

# %%
screens.screen_record(study.events, study.panel, min_value=min_value)

# %% [markdown]
# ## What an investor could have earned
# Each screen traded as a portfolio: every flagged event's stock bought at the **first close after the filing
# became public** (a filing accepted after 16:00 counts from the next day), held `horizon` trading days,
# equal-weighted across the positions held, paying `cost_bps` on every unit bought or sold; heavy net selling
# (sale events of at least `heavy_sell_value` dollars) as a short leg. Beside the screen's event-study record
# above: the same events, now as a strategy with turnover, costs, drawdowns and a factor alpha with
# Newey-West errors.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

from insider_kit.plots import mark_synthetic

fm = factor_model if factor_model != "auto" else ("ff3" if study.panel.factors is not None else "market")
sp = screens.screen_portfolios(study.events, study.panel, horizon=horizon, cost_bps=cost_bps, min_value=min_value,
                               heavy_sell_value=heavy_sell_value, model=fm)
sp

# %%
ax = sp.plot()
mark_synthetic(ax, study.synthetic)
plt.show()

# %%
summ = sp.summary()
record = screens.screen_record(study.events, study.panel, min_value=min_value, windows=((0, horizon),))
lines = []
for name, r in summ.iterrows():
    rec = (f"; its event-study record: mean CAR(0,{horizon}) {record.loc[(name, 0, horizon), 'mean_car']:.2%} over "
           f"{int(record.loc[(name, 0, horizon), 'n']):,} events") if (name, 0, horizon) in record.index else ""
    lines.append(f"- **{name}** ({r['side']}): {r['ann_return_net']:.2%} a year after costs "
                 f"({r['ann_return_gross']:.2%} before), turnover {r['turnover_annual']:.0f}x a year, worst drawdown "
                 f"{r['max_drawdown']:.1%}, {fm} alpha {r['alpha_annual']:.2%} a year while invested ({r['invested_share']:.0%} of the "
                 f"days; Newey-West t {r['alpha_t_nw']:.2f}){rec}.")
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## How sensitive is it to costs and holding periods?
# The same portfolios over a grid of costs per unit traded and holding periods: short holding periods trade
# more, so costs weigh more on them.

# %%
screens.screen_sensitivity(study.events, study.panel, costs=tuple(sorted({0.0, cost_bps, 25.0, 50.0})),
                           horizons=tuple(sorted({5, horizon, 60})),
                           min_value=min_value, heavy_sell_value=heavy_sell_value, model=fm)
