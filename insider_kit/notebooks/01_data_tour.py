# ---
# jupyter:
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
# # 01 · Data tour: what is in the filings?
#
# Transaction codes, roles, 10b5-1 plans, amendments and filing lags — and the practitioners' table of net
# insider sales since a date beside each stock's return.
#
# **Learning goals**: know what the transaction codes, roles and 10b5-1 flags mean and how often each occurs; see why amendments and filing lags matter for point-in-time dating.

# %% tags=["parameters"]
data_dir: str = ""  # data directory (empty: the configured one, INSIDER_KIT_DATA or else the teaching market)
since: str = "auto"  # start date of the net-insider-sales table (auto: 6 months before the last event)
top_n: int = 15  # rows shown in ranked tables

# %%
# %matplotlib inline
import pandas as pd
from IPython.display import Markdown, display

import insider_kit as ik
from insider_kit.tables import display_frame

study = ik.load_study(data_dir or None)
display(Markdown("> " + study.banner()))
study

# %% [markdown]
# ## Transaction codes
# Open-market purchases (P) and sales (S) are the discretionary trades; grants (A), tax withholding (F) and
# exercises (M) are mostly mechanical.

# %%
from insider_kit.filings.codes import code_table

tx = study.transactions
code_table(tx)

# %% [markdown]
# ## Who trades: roles of open-market traders

# %%
om = tx[tx["trans_code"].isin(["P", "S"])]
display_frame(pd.crosstab(om["role"].astype(str), om["trans_code"].map({"P": "purchases", "S": "sales"}),
                          margins=True, margins_name="all"))

# %% [markdown]
# ## 10b5-1 plans
# The checkbox exists in filings from April 2023; before that, the kit reads the plan from the footnotes.
# `plan_source` says which; `unknown_share` is the share of sales whose filing says nothing either way.

# %%
from insider_kit.filings.plan import plan_share_by_year

plan_share_by_year(tx)

# %% [markdown]
# ## Amendments and filing lags
# A 4/A replaces the rows of the filing it amends (rule in `insider_kit.filings.tidy`). Form 4 is due within
# two business days; late filings delay the public date. Each event carries its filing lag (calendar days
# from the first trade to the last filing).

# %%
from insider_kit.plots import plot_filing_lags

print("amended filings (4/A):", tx.loc[tx["form_type"] == "4/A", "accession"].nunique())
lag = study.events["filing_lag_days"]
print(f"events filed within 2 calendar days of the trade: {(lag <= 2).mean():.1%}")
ax = plot_filing_lags(lag, synthetic=study.synthetic)

# %% [markdown]
# ## Net insider sales since a date, beside each stock's return since then

# %%
from insider_kit.screens import net_insider_sales

# (the data's own last event, not today's date nor the last price: a market file may run past the trades)
last_event = pd.to_datetime(study.events["date"]).max()
start = (last_event - pd.DateOffset(months=6)) if since == "auto" else pd.Timestamp(since)
try:
    ns = net_insider_sales(study.transactions, study.prices, start)
    print(f"since {start:%Y-%m-%d}: {len(ns):,} stocks with open-market insider trades")
    display(ns.head(top_n))
except ik.DataError as exc:  # (trade-dated data: no trade has a public date)
    ns = None
    display(Markdown(f"**Not shown**: {exc}"))

# %%
from insider_kit.plots import plot_net_sales

if ns is not None:
    ax = plot_net_sales(ns, synthetic=study.synthetic)
