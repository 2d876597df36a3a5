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
# # 02 · Buy vs sell: is buying a stronger signal than selling?
#
# CAAR curves for purchases and sign-flipped sales (so both read as "the signal worked" when positive), the
# test table, the direct test of the difference, calendar-time alphas, and robustness across models,
# windows and event dates.
#
# **Learning goals**: compare two CAARs with a proper difference test; read the standard test statistics side by side; check a result across models, windows and calendar-time alphas.

# %% tags=["parameters"]
from insider_kit.eventstudy import Model

data_dir: str = ""  # data directory (empty: the configured one, INSIDER_KIT_DATA or else the teaching market)
model: Model = "market_adjusted"  # raw, mean_adjusted, market_adjusted, market_model, ff3, carhart
window_end: int = 60  # last trading day of the event window
min_estimation: int = 60  # minimum estimation-window days per event
holding_days: int = 126  # calendar-time holding period (trading days)
n_boot: int = 2000  # bootstrap resamples for the difference

# %%
# %matplotlib inline
from IPython.display import Markdown, display

import insider_kit as ik

study = ik.load_study(data_dir or None)
display(Markdown("> " + study.banner()))
study

# %%
res = ik.event_study(study.events, study.panel, model=model, group="direction", window=(-10, window_end),
                     car_windows=[(-1, 1), (0, 5), (0, 20), (0, window_end)], min_estimation=min_estimation,
                     max_loss=0.9)  # (real data lose events to tickers without prices: res.dropped says why)
res

# %%
ax = res.plot(flip=("sell",), title="Purchases and sign-flipped sales", synthetic=study.synthetic)

# %% [markdown]
# ## The difference itself
# Purchases minus sign-flipped sales: Welch t, bootstrap CI, and a regression with standard errors clustered
# by firm and month.

# %%
cmp = ik.compare(res, by="direction", a="buy", b="sell", sign={"sell": -1}, n_boot=n_boot)
cmp

# %% [markdown]
# ## Calendar-time portfolios
# Every day, hold the firms with an event in the last `holding_days`; alpha from a factor regression with
# Newey–West t. Clustered event dates cannot inflate this t.

# %%
model_ct = "ff3" if study.panel.factors is not None else "market"
ct = ik.calendar_time(study.events, study.panel, holding=(1, holding_days), model=model_ct)
ct

# %%
size = study.market_caps()
if size is not None:
    display(ik.calendar_time(study.events, study.panel, holding=(1, holding_days), model=model_ct,
                             weighting="value", size=size))
else:
    print("value weighting needs shares outstanding (a size proxy); none in this data set")

# %% [markdown]
# ## Robustness: models, windows, filing vs trade date
# Trade-date results use information the public did not have yet (look-ahead); the filing date is what an
# outside investor could act on.

# %%
from insider_kit.claims import robustness

robustness(study)

# %% [markdown]
# ## Explore
# Change the model, the window, the event date or the grouping; the study re-runs live in JupyterLab (a
# rendered report shows the first setting).

# %%
from insider_kit.explore import explorer

explorer(study)  # displays the controls and the first study
