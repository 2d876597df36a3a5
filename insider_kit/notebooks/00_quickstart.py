# ---
# jupyter:
#   insider_kit:
#     needs: studied_events
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
# # 00 · Quickstart: do insider purchases and sales move prices?
#
# From raw SEC filings to a buy-vs-sell CAAR plot, one step at a time. By default this runs on the
# **synthetic teaching market**; set `data_dir` (or `INSIDER_KIT_DATA`) to a real data directory to run it
# on real filings.
#
# **Learning goals**: read raw Form 4 filings into a tidy table; turn trades into events dated when they became public; draw and read a CAAR plot of purchases against sales.

# %% tags=["parameters"]
from insider_kit.events import EventDate

data_dir: str = ""  # data directory (empty: the configured one, INSIDER_KIT_DATA or else the teaching market)
market: str = "auto"  # market index ticker (auto: the teaching-market index, else SPY)
event_date: EventDate = "filing"  # "filing" (public information) or "trade" (look-ahead, for comparison)
window_end: int = 60  # last trading day of the event window
min_estimation: int = 120  # minimum estimation-window days per event

# %%
# %matplotlib inline
from IPython.display import Markdown, display

import insider_kit as ik
from insider_kit.config import DataPaths, study_dir
from insider_kit.study import banner, market_ticker
from insider_kit.tables import display_frame

p = DataPaths(study_dir(data_dir or None))
display(Markdown("> " + banner(p)))
mkt = market_ticker(p, market)

# %% [markdown]
# ## 1. Filings → tidy transactions
# `build_tidy` reads every SEC quarterly zip and EDGAR submission under `raw/` into one table (one row per
# transaction line).

# %%
if not p.transactions.exists():
    display(ik.build_tidy(p, progress=False).tail(6))
tx = ik.load_transactions(p)
display_frame(tx["trans_code"].value_counts().head(8).rename("rows").to_frame())  # rows by transaction code

# %% [markdown]
# ## 2. Open-market trades → firm-day events

# %%
events = ik.build_events(tx, date=event_date)
display_frame(events.groupby("direction").size().rename("events").to_frame())

# %% [markdown]
# ## 3. Prices → returns panel

# %%
prices = ik.load_prices(p.raw_prices)
panel = ik.returns_panel(prices, market=mkt)
panel

# %% [markdown]
# ## 4. The event study (market model, estimation window −250…−21)

# %%
res = ik.event_study(events, panel, group="direction", window=(-5, window_end),
                     car_windows=[(0, 5), (0, 20), (0, window_end)], min_estimation=min_estimation,
                     max_loss=0.9)  # (real data lose events to tickers without prices: res.dropped says why)
res

# %%
ax = res.plot(title=f"Insider purchases vs sales, day 0 = {event_date} date", synthetic=p.is_synthetic)

# %% [markdown]
# Purchases should drift up after day 0 if buying is informative; sales should stay near zero if selling
# is mostly for liquidity. The table above gives each group's mean CAR, its 95% CI, N and the test statistics.
