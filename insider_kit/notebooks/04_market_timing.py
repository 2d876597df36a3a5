# ---
# jupyter:
#   insider_kit:
#     needs: filing_dates
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
# # 04 · Market timing: does heavy insider selling across the market precede weaker returns?
#
# The monthly net purchase ratio (purchases / (purchases + sales)) across all issuers, beside the market's
# past and future returns.
#
# **Learning goals**: build a market-wide insider sentiment series and relate it to future market returns; see why overlapping monthly horizons need Newey–West standard errors.

# %% tags=["parameters"]
data_dir: str = ""  # data directory (empty: the configured one, INSIDER_KIT_DATA or else the teaching market)
horizon: int = 3  # forward horizon (months) for the test
heavy_quantile: float = 0.1  # months with a net purchase ratio at or below this quantile are 'heavy selling'

# %%
# %matplotlib inline
import pandas as pd
from IPython.display import Markdown, display

import insider_kit as ik
from insider_kit.tables import display_frame

study = ik.load_study(data_dir or None)
display(Markdown("> " + study.banner()))
study

# %%
npr = study.net_purchase_ratio()  # ik.net_purchase_ratio of its transactions and market, kept with the study
display_frame(npr.tail(12))

# %%
from insider_kit.plots import plot_npr

waves = (study.truth or {}).get("market_waves", [])
ax = plot_npr(npr, synthetic=study.synthetic, marks=waves)

# %% [markdown]
# ## Forward market returns by net purchase ratio quintile

# %%
from insider_kit.signals.market import forward_returns_by_quintile

forward_returns_by_quintile(npr)

# %% [markdown]
# ## The claim: heavy selling after an advance
# Months in the bottom `heavy_quantile` of the ratio whose past 6-month market return was above the median,
# against all other months; Newey–West standard errors because forward returns overlap.

# %%
from insider_kit.claims import market_claim

r = market_claim(study, horizon=horizon, heavy_q=heavy_quantile)
display_frame(pd.DataFrame([r], index=[f"{horizon}-month forward market return, heavy-selling months minus others"]))

# %% [markdown]
# With about a hundred months, a handful of "heavy selling after an advance" months is all the data can
# offer: read the CI, not just the sign.
