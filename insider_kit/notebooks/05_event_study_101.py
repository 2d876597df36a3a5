# ---
# jupyter:
#   insider_kit:
#     needs: teaching_market
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
# # 05 · Event study 101 (teaching notebook)
#
# What an event study is, step by step on the **synthetic teaching market**, whose effects we planted and
# therefore know. Then: size and power by simulation, and the classic pitfalls. Exercises have hidden
# solutions (click to open).
#
# **Learning goals**: compute an abnormal return and a CAR by hand; read a test table; see why day 0 must be
# the public date; know why clustered event dates need the Kolari–Pynnönen adjustment or calendar time.

# %% tags=["parameters"]
data_dir: str = ""  # data directory (empty: the configured one); this notebook needs the teaching market truth.json
n_reps: int = 100  # simulated studies per cell in the size/power experiment
seed: int = 1  # random seed for the simulations

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import insider_kit as ik

study = ik.load_study(data_dir or None)
display(Markdown("> " + study.banner()))
study

# %% [markdown]
# ## 1. One event, by hand
# The market model: fit $R_{it} = \alpha_i + \beta_i R_{mt} + \varepsilon_{it}$ on trading days −250…−21,
# then the abnormal return $AR_{it} = R_{it} - \hat\alpha_i - \hat\beta_i R_{mt}$ from day 0 on, and the CAR
# is their sum.

# %%
buys = study.events[study.events["direction"] == "buy"]
ev = buys.iloc[[len(buys) // 2]]
one = ik.event_study(ev, study.panel, model="market_model", window=(-20, 60), car_windows=[(0, 60)])
display(ev[["ticker", "date", "n_insiders", "value", "roles"]])
ax = one.ar.T.cumsum().mul(100).plot(figsize=(7, 3.5), legend=False, title="CAR of one purchase (market model, %)")
ax.axvline(0, color="0.3", ls=":")
display(ax.figure)
plt.close(ax.figure)

# %% [markdown]
# ## 2. Many events: recovering the planted effects
# Each event is labelled with the class the generator planted (`truth.json`). The estimate should be near the
# planted CAR — minus the part that leaked into prices between the trade and a filing made two or more days
# later, plus the drift of other events' effects that overlap the window.

# %%
from insider_kit.sample import planted_recovery

if study.truth is None:
    raise SystemExit("this notebook needs the teaching market (truth.json)")
planted_recovery(study)

# %% [markdown]
# ## 3. Size and power by simulation
# Random dates and firms, with no effect (size: should reject 5% of the time) and with a planted CAR (power).
# Many events are needed to detect a 1% effect: the grid runs to about a thousand events, with the
# simulation's own 95% error band.

# %%
from insider_kit.eventstudy import simulate_power
from insider_kit.plots import plot_power

pw = simulate_power(study.panel, effects=(0.0, 0.01, 0.03), n_events=(25, 100, 400, 1000), reps=n_reps, seed=seed)
display(pw.pivot_table(index=["effect", "n_events"], columns="test", values="rejection_rate"))
ax = plot_power(pw[pw["test"] == "cross-sectional t"])
display(ax.figure)
plt.close(ax.figure)

# %% [markdown]
# ### Size and power on this data
# Placebo events drawn like the real ones (the same firms, the same calendar distribution of dates, so the
# real data's clustering is reproduced): each test's rejection rate at 5% with nothing planted (its size on
# this data) and its power for a planted 1% and 2% CAR(0,20).

# %%
from insider_kit.eventstudy.simulate import power_table

power_table(study, reps=n_reps, seed=seed)

# %% [markdown]
# ## 4. Pitfalls
# ### a) Look-ahead: trade date vs filing date
# Day 0 at the trade date includes the part of the move that happened before anyone outside could know.

# %%
for d in ("trade", "filing"):
    e = study.events_by(date=d)  # type: ignore[arg-type]
    r = ik.event_study(e[e["direction"] == "buy"], study.panel, model="market_adjusted", window=(-5, 60),
                       car_windows=[(0, 60)], min_estimation=60)
    print(f"day 0 = {d:7s} date: purchases CAR(0,60) = {r.summary()['mean_car'].iloc[0]:.2%}")

# %% [markdown]
# ### b) Clustered event dates inflate t
# Events on the same days share market-wide shocks; the cross-sectional t assumes independence. The
# Kolari–Pynnönen adjustment (for events whose windows overlap in calendar time) and calendar-time
# portfolios account for it.

# %%
r = ik.event_study(study.events, study.panel, model="market_model", group="direction", window=(-5, 60),
                   car_windows=[(0, 60)], min_estimation=60)
r.tests[["n", "mean_car", "t_cs", "bmp_t", "kp_t", "rbar"]]

# %% [markdown]
# ### c) The market model after a run-up
# The intercept is estimated over months that include the run-up, so a stock that rose looks like it
# reverses — even here, where nothing was planted after run-ups.

# %%
from insider_kit.claims import runup_model_bias

runup_model_bias(study)

# %% [markdown]
# ### d) Small caps drive equal-weighted averages
# Compare equal- and value-weighted calendar-time alphas (notebook 02) or CARs by size.

# %%
if study.firms is not None and "log_size_musd" in study.firms:
    sz = study.firms.set_index("ticker")["log_size_musd"]
    b = buys.assign(size=lambda d: pd.qcut(d["ticker"].map(sz), 3, labels=["small", "mid", "large"]).astype(str))
    display(ik.event_study(b, study.panel, model="market_adjusted", group="size", window=(-5, 60),
                           car_windows=[(0, 60)], min_estimation=60))

# %% [markdown]
# ## What the columns mean

# %%
from insider_kit.tables import glossary_html

display(Markdown(glossary_html()))

# %% [markdown]
# ## Exercises
# Each exercise has a cell to try it in (it runs as it stands; change it and run it again) and a
# solution to open once you have an answer.
#
# **Exercise 1.** Re-run section 2 with `model="market_model"`. Which planted effects move, and why?

# %%
# Try it: the planted effects under the market model, beside market-adjusted returns
planted_recovery(study, model="market_model")

# %% [markdown]
# <details><summary>Solution</summary>
#
# The intercept absorbs pre-event drift: purchases made after falls (the generator makes 60% of purchases
# contrarian) get a negative alpha, so their post-event ARs look larger; sales after run-ups look more
# negative. Market-adjusted returns avoid the intercept.
# </details>
#
# **Exercise 2.** How many events do you need to detect a 1% CAR(0,20) with 80% power?

# %%
# Try it: add event counts to the grid (and raise reps for a tighter answer)
pw2 = simulate_power(study.panel, effects=(0.01,), n_events=(400, 600, 1000), reps=n_reps, seed=seed)
pw2[pw2["test"] == "cross-sectional t"][["n_events", "rejection_rate"]]

# %% [markdown]
# <details><summary>Solution</summary>
#
# Read it off the power curve: with daily idiosyncratic volatility around 2%, the CAR(0,20) standard
# deviation is about 9%, so N ≈ (2.8 × 9 / 1)² ≈ 600 events — between the grid's 400 and 1,000.
# </details>
#
# **Exercise 3.** Why is the trade-date CAR larger than the filing-date CAR for purchases?

# %%
# Try it: the CAAR of purchases cumulated from day 0, with day 0 the trade date or the filing date
by_date = {}
for d in ("trade", "filing"):
    e = study.events_by(date=d)  # type: ignore[arg-type]
    r = ik.event_study(e[e["direction"] == "buy"], study.panel, model="market_adjusted", window=(-20, 20),
                       car_windows=[(0, 20)], min_estimation=60)
    by_date[d] = r.caar(start=0)["caar"].to_numpy()
pd.DataFrame(by_date, index=range(0, 21)).loc[[0, 1, 2, 3, 5, 10, 20]]

# %% [markdown]
# <details><summary>Solution</summary>
#
# `info_leak` of each planted effect moves prices between the trade and the filing: trade-date studies count
# it, but nobody outside could have traded on it. In the table the trade-date CAAR is ahead from the first
# days on: they include the reaction before the filing became public, which the filing-date study starts after.
# </details>
