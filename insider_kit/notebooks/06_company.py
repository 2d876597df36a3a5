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
# # 06 · One company: its insiders and their trades
#
# **Learning goals**: read one issuer's insider history beside its price; see how the kit classifies an insider as routine or opportunistic from what was known at each date.

# %% tags=["parameters"]
data_dir: str = ""  # data directory (empty: the configured one, INSIDER_KIT_DATA or else the teaching market)
ticker: str = "auto"  # the company (auto: the one with the most open-market insider events)

# %%
# %matplotlib inline
from IPython.display import Markdown, display

import insider_kit as ik
from insider_kit.tables import display_frame

study = ik.load_study(data_dir or None)
display(Markdown("> " + study.banner()))
study

# %%
# (auto: among the companies with prices; a ticker the user names without prices is an error that says so)
priced = study.events[study.events["ticker"].isin(study.panel.tickers)]
if ticker == "auto" and priced.empty:
    raise ik.DataError("no company with open-market insider events has prices", hint="import prices for its ticker")
tk = priced["ticker"].value_counts().index[0] if ticker == "auto" else ticker.upper()
if tk not in study.prices.columns:
    raise ik.DataError(f"no prices for ticker {tk!r}", hint="choose a ticker with prices (ticker='auto' does)")
ev = study.events[study.events["ticker"] == tk]
print(tk, ev["issuer_name"].iloc[0] if len(ev) else "", f"— {len(ev)} open-market events")

# %%
from insider_kit.plots import plot_company

ax = plot_company(study.prices[tk].dropna(), ev, title=f"{tk}: insider trades at their public dates",
                  synthetic=study.synthetic)

# %% [markdown]
# ## The insiders
# Each insider's open-market history and the kit's classifications (routine / opportunistic from the three
# prior years, point in time).

# %%
from insider_kit.screens import company_insiders

company_insiders(study.transactions, tk)

# %% [markdown]
# ## The events with their signals

# %%
cols = ["date", "direction", "n_insiders", "roles", "value", "plan_share", "fraction", "routine_class", "silent",
        "exec_unscheduled", "n_cluster", "runup", "drawdown", "lockup"]
display_frame(ev[[c for c in cols if c in ev]].tail(20).set_index("date"))
