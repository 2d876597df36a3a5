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
# therefore know. Then: size and power by simulation, and the classic pitfalls. Each exercise has an empty cell
# to try it in, a `check(...)` that compares your answer with the teaching market's truth, and a solution (in
# the instructor edition; `insider-kit lesson` writes the student edition without them).
#
# **Learning goals**: compute an abnormal return and a CAR by hand; read a test table; see why day 0 must be
# the public date; know why clustered event dates need the Kolari–Pynnönen adjustment or calendar time.

# %% tags=["parameters"]
data_dir: str = ""  # data directory (empty: the configured one); this notebook needs the teaching market truth.json
n_reps: int = 100  # simulated studies per cell in the size/power experiment
seed: int = 1  # random seed for the simulations

# %%
# %matplotlib inline
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import insider_kit as ik
from insider_kit.sample.lesson import check
from insider_kit.tables import display_frame

study = ik.load_study(data_dir or None)
display(Markdown("> " + study.banner()))
if study.truth is None:
    raise SystemExit("this notebook needs the teaching market (truth.json): insider-kit sample")
study

# %% [markdown]
# ## 1. One event, by hand
# The market model: fit $R_{it} = \alpha_i + \beta_i R_{mt} + \varepsilon_{it}$ by OLS on trading days −250…−21
# before day 0, then the abnormal return $AR_{it} = R_{it} - \hat\alpha_i - \hat\beta_i R_{mt}$ and the
# cumulative abnormal return $CAR_i(0,60) = \sum_{t=0}^{60} AR_{it}$. Its standard deviation allows for the
# estimation error of $\hat\alpha, \hat\beta$ (Campbell, Lo & MacKinlay 1997, eq. 4.4.14):
# $\hat\sigma^2_i\,(L + L^2/n + (\sum_{t} R_{mt} - L\bar R_m)^2 / S_{mm})$, with $L = 61$ window days, $n$
# estimation days, $\bar R_m$ and $S_{mm}$ the market's mean and centred sum of squares over the estimation days.
# Below, every step in plain numpy — and then the engine, which must give the same numbers.

# %%
buys = study.events[(study.events["direction"] == "buy") & study.events["ticker"].isin(study.panel.tickers)]
ev = buys.iloc[[len(buys) // 2]]
panel = study.panel
j = panel.tickers.get_loc(ev["ticker"].iloc[0])
d0 = int(panel.dates.searchsorted(pd.Timestamp(ev["date"].iloc[0])))  # day 0: first trading day on or after
R, M = panel.values[:, j], panel.market

est = slice(d0 - 250, d0 - 20)  # trading days -250..-21
ok = np.isfinite(R[est]) & np.isfinite(M[est])
y, x = R[est][ok], M[est][ok]
X = np.column_stack([np.ones(len(x)), x])
(alpha, beta), *_ = np.linalg.lstsq(X, y, rcond=None)
n = len(y)
sigma = np.sqrt(np.sum((y - alpha - beta * x) ** 2) / (n - 2))

win = np.arange(d0, d0 + 61)  # days 0..60
ar = R[win] - alpha - beta * M[win]
car = np.nansum(ar)
L = len(win)
var_car = sigma**2 * (L + L**2 / n + (np.sum(M[win]) - L * x.mean()) ** 2 / np.sum((x - x.mean()) ** 2))
scar = car / np.sqrt(var_car)

one = ik.event_study(ev, panel, model="market_model", window=(-20, 60), car_windows=[(0, 60)])
by_engine = {"alpha": np.nan, "beta": np.nan, "sigma": one.events["sigma"].iloc[0], "n": one.events["n_est"].iloc[0],
             "CAR(0,60)": one.car[(0, 60)].iloc[0], "SCAR(0,60)": one.scar[(0, 60)].iloc[0]}
hand = {"alpha": alpha, "beta": beta, "sigma": sigma, "n": n, "CAR(0,60)": car, "SCAR(0,60)": scar}
for k in ("sigma", "n", "CAR(0,60)", "SCAR(0,60)"):
    assert np.isclose(hand[k], by_engine[k], rtol=1e-9, atol=1e-12), k  # the engine is this computation
display(display_frame(ev[["ticker", "date", "n_insiders", "value", "roles"]].set_index("ticker")))
display_frame(pd.DataFrame({"by hand": hand, "engine": by_engine}).T, percent=["alpha", "sigma", "CAR(0,60)"],
              stat=["beta", "SCAR(0,60)"])

# %%
cum = pd.Series(np.nancumsum(ar), index=range(0, 61))
ax = cum.mul(100).plot(figsize=(7, 3.5), title="CAR of one purchase, cumulated from day 0 (market model, %)")
ax.axhline(0, color="0.3", lw=0.8)
ax.set_xlabel("trading days after day 0 (the day the filing became public)")
assert np.isclose(cum.iloc[-1], one.car[(0, 60)].iloc[0])  # the curve ends at the table's CAR(0,60)

# %% [markdown]
# ## 2. Many events: recovering the planted effects
# Each event is labelled with the class the generator planted (`truth.json`). `planted_mean` is the class's own
# planted CAR; `planted_in_window` counts every planted abnormal return inside the events' windows — their own
# and those of the same firm's other events whose effects overlap them — which is what the estimate should find.

# %%
from insider_kit.sample import planted_recovery
from insider_kit.sample.lesson import recovery_reasons

rec = planted_recovery(study)
why = recovery_reasons(study, rec)
rec

# %%
own = list(rec.index[~rec["covered_own"]])
lines = [f"{len(own)} of {len(rec)} classes have a 95% CI that misses their own planted CAR."]
for c, r in why.iterrows():
    if r["reason"] == "overlap":
        lines.append(f"* **{c}**: the CI covers the {rec.loc[c, 'planted_in_window']:.2%} planted inside its events' "
                     f"windows (its own {rec.loc[c, 'planted_mean']:.2%} plus overlapping effects of the same firms' "
                     "other events): overlap, not a failure of the method.")
    elif r["reason"] == "event-date clustering":
        lines.append(f"* **{c}**: its events fall in only {r['months']} calendar months, so their CARs share those "
                     f"months' shocks (mean residual correlation {r['rbar']:.3f}); the cross-sectional t "
                     f"({r['t_cs']:.2f}) treats them as independent, the Kolari–Pynnönen t ({r['kp_t']:.2f}) does "
                     "not reject: clustered event dates, not an effect.")
    else:
        lines.append(f"* **{c}**: not explained by overlap or clustering (t = {r['t_cs']:.2f}, KP t = {r['kp_t']:.2f}): "
                     "with many classes, one CI in twenty misses by chance.")
display(Markdown("\n".join(lines)))
why

# %% [markdown]
# ## 3. Size and power by simulation
# Random dates and firms, with no effect (size: a well-specified test rejects 5% of the time) and with a
# planted CAR (power). Each placebo event carries its own planted effect only (its own copy of its stock's
# returns), as Brown & Warner (1985) do.

# %%
from insider_kit.eventstudy import simulate_power
from insider_kit.plots import plot_power

pw = simulate_power(study.panel, effects=(0.0, 0.01, 0.03), n_events=(25, 100, 400, 1000), reps=n_reps, seed=seed)
tab = pw.pivot_table(index=["effect", "n_events"], columns="test", values="rejection_rate")
tab = display_frame(tab, percent=tab.columns)  # every cell a rejection rate
ct = pw[pw["test"] == "cross-sectional t"].set_index(["effect", "n_events"])["rejection_rate"]
size = ct.loc[0.0]
p1 = ct.loc[0.01]
n80 = next((int(k) for k, v in p1.items() if v >= 0.8), None)
display(Markdown(f"With nothing planted the cross-sectional t rejects {size.min():.0%}–{size.max():.0%} of "
                 f"{n_reps} studies (nominal 5%). A planted 1% CAR(0,20) is found "
                 + (f"with 80% power from {n80:,} events on." if n80 else
                    f"with at most {p1.max():.0%} power up to {int(p1.index.max()):,} events.")))
ax = plot_power(pw[pw["test"] == "cross-sectional t"])
tab

# %% [markdown]
# ### Size and power on this data
# Placebo events drawn like the real ones (the same firms, the same calendar distribution of dates, so the
# real data's clustering is reproduced): each test's rejection rate at 5% with nothing planted (its size on
# this data) and its power for a planted 1% and 2% CAR(0,20).

# %%
from insider_kit.eventstudy.simulate import power_table

pt = power_table(study, reps=n_reps, seed=seed)
worst = pt["size (0%)"].idxmax()
bound = 0.05 + 2 * np.sqrt(0.05 * 0.95 / n_reps)  # a size above this is over-rejection, not simulation error
over = pt.index[pt["size (0%)"] > bound].tolist()
display(Markdown("With nothing planted, on these data: " + (
    f"{', '.join(over)} reject more often than 5% beyond simulation error (above {bound:.0%}); the worst is the "
    f"{worst} at {pt.loc[worst, 'size (0%)']:.0%}." if over else
    f"no test rejects more often than 5% beyond simulation error (all at or below {bound:.0%} in {n_reps} "
    "studies).")))
pt

# %% [markdown]
# ## 4. Pitfalls
# ### a) Look-ahead: trade date vs filing date
# Day 0 at the trade date includes the part of the move that happened before anyone outside could know.

# %%
by = {}
for d in ("trade", "filing"):
    e = study.events_by(date=d)
    r = ik.event_study(e[e["direction"] == "buy"], study.panel, model="market_adjusted", window=(-5, 60),
                       car_windows=[(0, 60)], min_estimation=60)
    by[d] = float(r.tests["mean_car"].iloc[0])
display(Markdown(f"Purchases' CAR(0,60): {by['trade']:.2%} with day 0 at the trade, {by['filing']:.2%} at the "
                 f"filing — {'larger' if by['trade'] > by['filing'] else 'not larger'} at the trade date, by "
                 f"{by['trade'] - by['filing']:.2%}."))

# %% [markdown]
# ### b) Clustered event dates inflate t
# Events on the same days share market-wide shocks; the cross-sectional t assumes independence. The
# Kolari–Pynnönen adjustment (for events whose windows overlap in calendar time) and calendar-time
# portfolios account for it.

# %%
r = ik.event_study(study.events, study.panel, model="market_model", group="direction", window=(-5, 60),
                   car_windows=[(0, 60)], min_estimation=60)
r.tests[["n", "mean_car", "t_cs", "bmp_t", "kp_t", "rbar", "kp_overlap"]]

# %% [markdown]
# ### c) The market model after a run-up
# The intercept is estimated over months that include the run-up, so a stock that rose looks like it
# reverses — even here, where nothing was planted after run-ups.

# %%
from insider_kit.claims import runup_model_bias

rb = runup_model_bias(study)
gap = rb.loc[rb.index.max(), "market_model"] - rb.loc[rb.index.max(), "market_adjusted"]
display(Markdown(f"Sales in the top run-up quintile: CAR(0,60) {rb.loc[rb.index.max(), 'market_model']:.2%} under "
                 f"the market model, {rb.loc[rb.index.max(), 'market_adjusted']:.2%} market-adjusted "
                 f"({gap:+.2%})."))
rb

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
#
# **Exercise 1.** Estimate the mean CAR(0,60) of the opportunistic purchases (planted class
# `opportunistic_purchase`; label the events with `insider_kit.sample.planted_labels`), then run
# `check(study, 1, your_estimate)`.

# %%
# Try it here.

# %% tags=["solution", "hide-cell"]
# Solution: the planted class's events, market-adjusted CAR(0,60)
from insider_kit.sample import planted_labels, truth_events

lab = planted_labels(study.events, study.transactions, truth_events(study.paths.root))
opp = lab[lab["planted_class"] == "opportunistic_purchase"]
r1 = ik.event_study(opp, study.panel, model="market_adjusted", window=(-5, 60), car_windows=[(0, 60)],
                    min_estimation=60)
answer1 = float(r1.tests["mean_car"].iloc[0])
assert check(study, 1, answer1)

# %% [markdown]
# **Exercise 2.** How many events does a study need to detect a 1% CAR(0,20) with 80% power (cross-sectional t
# at 5%, market model, random events)? Read it off section 3's grid or simulate more sizes, then
# `check(study, 2, your_number)`.

# %%
# Try it here.

# %% tags=["solution", "hide-cell"]
# Solution: power = P(|t| > 1.96) with t = N^0.5 x 1% / sd(CAR); 80% power needs t near 1.96 + 0.84, so
# N = ((1.96 + 0.84) x sd(CAR(0,20)) / 1%)^2. The spread of CAR(0,20) across the purchases and sales here:
r2 = ik.event_study(study.events, study.panel, model="market_model", window=(-5, 20), car_windows=[(0, 20)])
sd20 = float(r2.car[(0, 20)].std())
answer2 = ((1.959964 + 0.841621) * sd20 / 0.01) ** 2
print(f"sd of CAR(0,20) = {sd20:.2%} -> about {answer2:,.0f} events")
assert check(study, 2, answer2)

# %% [markdown]
# **Exercise 3.** Part of each planted effect reaches prices between the trade and the filing (the generator's
# `info_leak`). Estimate that share from the data: for purchases filed two or more trading days after the trade,
# their CAR from the day after the trade to the day before the public date, over their CAR from the day after
# the trade to 60 days after the public date. Then `check(study, 3, your_share)`.

# %%
# Try it here.

# %% tags=["solution", "hide-cell"]
# Solution: trade-dated events of the opportunistic purchases, their abnormal returns summed before the public
# date and through 60 days after it (insider_kit.sample.lesson.leak_share does exactly this; read its source)
from insider_kit.sample.lesson import leak_share

answer3, se3, n3 = leak_share(study)
print(f"share before the public date: {answer3:.2f} (standard error {se3:.2f}, {n3:,} purchases)")
assert check(study, 3, answer3)
