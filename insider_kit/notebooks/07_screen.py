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
# # 07 · Screens: the latest hits, and how each screen did historically
#
# **Learning goals**: run the practitioners' screens on the latest data; judge a screen by its historical record, not by today's hits.

# %% tags=["parameters"]
data_dir: str = ""  # data directory (empty: the configured one, INSIDER_KIT_DATA or else the teaching market)
since: str = "auto"  # show hits since this date (auto: 90 days before the last filing)
min_value: float = 100_000.0  # large purchases: at least this many dollars
top_n: int = 10  # rows per screen

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
