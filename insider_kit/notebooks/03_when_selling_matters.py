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
# # 03 · When does selling matter?
#
# Each selling pattern from the practitioner articles against the other sales, then the full claims ledger
# with a forest plot. (The report writes the ledger to `claims.csv` beside the rendered notebooks.)
#
# **Learning goals**: test each selling pattern against the other sales rather than against zero; read a ledger row (estimate, CI, N, q-value, verdict) and a forest plot.

# %% tags=["parameters"]
from insider_kit.eventstudy import Model

data_dir: str = ""  # data directory (empty: the configured one, INSIDER_KIT_DATA or else the teaching market)
model: Model = "market_adjusted"  # return model for CARs (see notebook 05 on the market model after run-ups)
window_end: int = 60  # CAR window is trading days 0..window_end after the filing is public
negligible: float = 0.01  # CARs within +/- this are 'too small to matter' in the verdict rule
min_n: int = 30  # fewer events than this: inconclusive

# %%
# %matplotlib inline
from IPython.display import Markdown, display

import insider_kit as ik

study = ik.load_study(data_dir or None)
display(Markdown("> " + study.banner()))
study

# %% [markdown]
# ## Sales by pattern
# Each sale takes the first matching pattern (`insider_kit.claims.SALE_PATTERNS`: the same definitions as
# the ledger's claims). One panel per pattern, on shared axes, against all other sales.

# %%
from insider_kit.claims import sale_pattern
from insider_kit.plots import plot_caar_panels

sales = study.events[study.events["direction"] == "sell"].assign(pattern=lambda d: sale_pattern(d))
res = ik.event_study(sales, study.panel, model=model, group="pattern", window=(-5, window_end),
                     car_windows=[(0, 20), (0, window_end)], min_estimation=60, max_loss=0.9)
res.summary(windows=[(0, window_end)])

# %%
ax = plot_caar_panels(res.caar(start=-1), reference="other sales", synthetic=study.synthetic,
                      title="Sales by pattern (first matching pattern)")

# %% [markdown]
# ## The sources' ranking of sell signals, tested as a ranking
# Cluster selling "high", selling after a run-up and large unscheduled CEO/CFO sales "medium", lock-up expiry
# "situational": one regression of sale CARs on the four patterns (other sales the base, clustered by firm
# and month), then every pairwise difference with its 95% CI.

# %%
from insider_kit.claims.robustness import sell_signal_ranking

effects, contrasts = sell_signal_ranking(study, model=model, window=(0, window_end))
display(effects)
contrasts

# %% [markdown]
# ## Fraction of the holding sold

# %%
fr = sales.dropna(subset=["fraction_bucket"]).assign(bucket=lambda d: d["fraction_bucket"].astype(str))
rf = ik.event_study(fr, study.panel, model=model, group="bucket", window=(-5, window_end),
                    car_windows=[(0, window_end)], min_estimation=60, max_loss=0.9)
rf

# %% [markdown]
# ## Open-market sales vs other disposals (tax withholding, gifts, other, exercise-and-sell)

# %%
disp = study.events_by(codes=("S", "F", "G", "J"), by_class=True)
disp = disp[disp["direction"] == "sell"]
rd = ik.event_study(disp, study.panel, model=model, group="code_class", window=(-5, window_end),
                    car_windows=[(0, window_end)], min_estimation=60, max_loss=0.9)
rd

# %% [markdown]
# ## The claims ledger
# Every claim, its test, N, estimate with 95% CI (clustered by firm and month), multiple-testing adjusted
# p-values and the verdict from the rule in `insider_kit.claims.ledger`.

# %%
from insider_kit.reports import ledger_html

ledger = ik.run_ledger(study, model=model, window=(0, window_end), negligible=negligible, min_n=min_n)
display(Markdown(ledger_html(ledger)))

# %%
from insider_kit.plots import plot_forest

ax = plot_forest(ledger, label="id", title="Claims ledger: estimate and 95% CI", synthetic=study.synthetic)
