"""Write the committed notebooks (without outputs) from their cell sources: `python tools/make_notebooks.py`."""

from __future__ import annotations

from pathlib import Path

import nbformat as nbf

NB = Path(__file__).resolve().parents[1] / "notebooks"


def nb(cells: list[tuple[str, str, list[str]]]) -> nbf.NotebookNode:
    book = nbf.v4.new_notebook()
    for kind, src, tags in cells:
        c = nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
        if tags:
            c.metadata["tags"] = tags
        book.cells.append(c)
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return book


QUICKSTART = [
    ("md", "# 00 · Quickstart: do insider purchases and sales move prices?\n\n"
           "From raw SEC filings to a buy-vs-sell CAAR plot. By default this runs on the **synthetic teaching "
           "market**; point `data_dir` at a real data directory to run it on real filings.", []),
    ("code", 'data_dir: str = "../data/sample"  # data directory (raw/ and tidy/ inside); the teaching market by default\n'
             'market: str = "auto"  # market index ticker (auto: the teaching-market index, else SPY)\n'
             'event_date: str = "filing"  # "filing" (public information) or "trade" (look-ahead, for comparison)\n'
             "window_end: int = 60  # last trading day of the event window\n"
             "min_estimation: int = 120  # minimum estimation-window days per event", ["parameters"]),
    ("code", "%matplotlib inline\nfrom pathlib import Path\n\nimport matplotlib.pyplot as plt\nfrom IPython.display import Markdown, display\n\n"
             "import insider_kit as ik\nfrom insider_kit.config import DataPaths\n\n"
             "p = DataPaths(Path(data_dir))\n"
             "if p.is_synthetic:\n"
             "    display(Markdown('> **SYNTHETIC DATA** — this is the generated teaching market, not real filings. '\n"
             "                     'Effects were planted on purpose (see `truth.json`).'))\n"
             'mkt = ("^SYNMKT" if p.is_synthetic else "SPY") if market == "auto" else market', []),
    ("md", "## 1. Filings → tidy transactions\n`build_tidy` reads every SEC quarterly zip and EDGAR submission under "
           "`raw/` into one table (one row per transaction line).", []),
    ("code", "if not p.transactions.exists():\n    display(ik.build_tidy(p, progress=False).tail(6))\n"
             "tx = ik.load_transactions(p)\n"
             'tx["trans_code"].value_counts().head(8).rename("rows by transaction code")', []),
    ("md", "## 2. Open-market trades → firm-day events", []),
    ("code", "events = ik.build_events(tx, date=event_date)\nevents.groupby(\"direction\").size().rename(\"events\")", []),
    ("md", "## 3. Prices → returns panel", []),
    ("code", "prices = ik.load_prices(p.raw_prices)\npanel = ik.returns_panel(prices, market=mkt)\npanel", []),
    ("md", "## 4. The event study (market model, estimation window −250…−21)", []),
    ("code", "res = ik.event_study(events, panel, group=\"direction\", window=(-5, window_end),\n"
             "                     car_windows=[(0, 5), (0, 20), (0, window_end)], min_estimation=min_estimation)\nres", []),
    ("code", "ax = res.plot(title=f\"Insider purchases vs sales, day 0 = {event_date} date\")\n"
             "ax.figure.text(0.01, 0.01, 'SYNTHETIC teaching market' if p.is_synthetic else '', color='crimson')\ndisplay(ax.figure)\nplt.close(ax.figure)", []),
    ("md", "Purchases should drift up after day 0 if buying is informative; sales should stay near zero if selling "
           "is mostly for liquidity. The table above gives each group's mean CAR, its 95% CI, N and the test statistics.", []),
]


SETUP = ("%matplotlib inline\nimport matplotlib.pyplot as plt\nimport numpy as np\nimport pandas as pd\n"
         "from IPython.display import Markdown, display\n\nimport insider_kit as ik\n"
         "from insider_kit.study import load_study\n\n"
         "pd.set_option('display.float_format', '{:,.4f}'.format)\n"
         "study = load_study(data_dir)\ndisplay(Markdown('> ' + study.banner()))\nstudy")


def show_fig() -> str:
    return "display(ax.figure)\nplt.close(ax.figure)"


DATA_TOUR = [
    ("md", "# 01 · Data tour: what is in the filings?\n\nTransaction codes, roles, 10b5-1 plans, amendments and "
           "filing lags — and the practitioners' table of net insider sales since a date beside each stock's return.", []),
    ("code", 'data_dir: str = "../data/sample"  # data directory; the synthetic teaching market by default\n'
             'since: str = "auto"  # start date of the net-insider-sales table (auto: 6 months before the data end)\n'
             "top_n: int = 15  # rows shown in ranked tables", ["parameters"]),
    ("code", SETUP, []),
    ("md", "## Transaction codes\nOpen-market purchases (P) and sales (S) are the discretionary trades; grants (A), "
           "tax withholding (F) and exercises (M) are mostly mechanical.", []),
    ("code", "from insider_kit.filings.codes import TRANSACTION_CODES\ntx = study.transactions\n"
             "codes = tx['trans_code'].value_counts().rename('rows').to_frame()\n"
             "codes['meaning'] = [TRANSACTION_CODES.get(c, '?') for c in codes.index]\ncodes", []),
    ("md", "## Who trades: roles of open-market traders", []),
    ("code", "om = tx[tx['trans_code'].isin(['P', 'S'])]\n"
             "pd.crosstab(om['role'].astype(str), om['trans_code'], margins=True)", []),
    ("md", "## 10b5-1 plans\nThe checkbox exists in filings from April 2023; before that, the kit reads the plan from "
           "the footnotes. `plan_source` says which.", []),
    ("code", "s = tx[tx['trans_code'] == 'S'].assign(year=lambda d: d['filing_date'].dt.year)\n"
             "s.groupby('year').agg(sales=('trans_code', 'size'),\n"
             "                      plan_share=('plan_10b5_1', lambda x: x.fillna(False).astype(bool).mean()),\n"
             "                      from_checkbox=('plan_source', lambda x: (x == 'checkbox').mean()),\n"
             "                      from_footnote=('plan_source', lambda x: (x == 'footnote').mean()))", []),
    ("md", "## Amendments and filing lags\nA 4/A replaces the rows of the filing it amends (rule in "
           "`insider_kit.filings.tidy`). Form 4 is due within two business days; late filings delay the public date.", []),
    ("code", "print('amended filings (4/A):', tx.loc[tx['form_type'] == '4/A', 'accession'].nunique())\n"
             "lag = np.busday_count(tx['trans_date'].values.astype('datetime64[D]'), tx['filing_date'].values.astype('datetime64[D]'))\n"
             "fig, ax = plt.subplots(figsize=(7, 3.5), layout='constrained')\n"
             "ax.hist(np.clip(lag, 0, 15), bins=np.arange(17) - 0.5, color='tab:blue')\n"
             "ax.set_xlabel('business days from trade to filing (15 = 15 or more)'); ax.set_ylabel('rows')\n"
             "ax.set_title('Filing lags' + ('  [SYNTHETIC DATA]' if study.synthetic else ''))\n"
             "print(f'filed within 2 business days: {(lag <= 2).mean():.1%}')\n" + show_fig(), []),
    ("md", "## Net insider sales since a date, beside each stock's return since then", []),
    ("code", "from insider_kit.screens import net_insider_sales\n"
             "start = (study.prices.index.max() - pd.DateOffset(months=6)) if since == 'auto' else pd.Timestamp(since)\n"
             "ns = net_insider_sales(study.transactions, study.prices, start)\n"
             "print(f'since {start:%Y-%m-%d}: {len(ns)} stocks with open-market insider trades')\nns.head(top_n)", []),
    ("code", "fig, ax = plt.subplots(figsize=(7, 4), layout='constrained')\n"
             "ax.scatter(ns['net_sales_usd'] / 1e6, ns['return_since'] * 100, s=12, alpha=0.6)\n"
             "ax.axhline(0, color='0.3', lw=0.8); ax.axvline(0, color='0.3', lw=0.8)\n"
             "ax.set_xlabel('net insider sales since start ($M)'); ax.set_ylabel('stock return since start (%)')\n"
             "ax.set_title('Net insider sales vs return (contemporaneous, not a forecast)' + ('  [SYNTHETIC]' if study.synthetic else ''))\n"
             + show_fig(), []),
]

BUY_VS_SELL = [
    ("md", "# 02 · Buy vs sell: is buying a stronger signal than selling?\n\nCAAR curves for purchases and "
           "sign-flipped sales (so both read as 'the signal worked' when positive), the test table, the direct test "
           "of the difference, calendar-time alphas, and robustness across models, windows and event dates.", []),
    ("code", 'data_dir: str = "../data/sample"  # data directory; the synthetic teaching market by default\n'
             'model: str = "market_adjusted"  # raw, mean_adjusted, market_adjusted, market_model, ff3, carhart\n'
             "window_end: int = 60  # last trading day of the event window\n"
             "min_estimation: int = 60  # minimum estimation-window days per event\n"
             "holding_days: int = 126  # calendar-time holding period (trading days)\n"
             "n_boot: int = 2000  # bootstrap resamples for the difference", ["parameters"]),
    ("code", SETUP, []),
    ("code", "res = ik.event_study(study.events, study.panel, model=model, group='direction', window=(-10, window_end),\n"
             "                     car_windows=[(-1, 1), (0, 5), (0, 20), (0, window_end)], min_estimation=min_estimation)\nres", []),
    ("code", "ax = res.plot(flip=('sell',), title='Purchases and sign-flipped sales')\n" + show_fig(), []),
    ("md", "## The difference itself\nPurchases minus sign-flipped sales: Welch t, bootstrap CI, and a regression with "
           "standard errors clustered by firm and month.", []),
    ("code", "cmp = ik.compare(res, by='direction', a='buy', b='sell', sign={'sell': -1}, n_boot=n_boot)\ncmp", []),
    ("md", "## Calendar-time portfolios\nEvery day, hold the firms with an event in the last `holding_days`; alpha from a "
           "factor regression with Newey–West t. Clustered event dates cannot inflate this t.", []),
    ("code", "model_ct = 'ff3' if study.panel.factors is not None else 'market'\n"
             "ct = ik.calendar_time(study.events, study.panel, holding=(1, holding_days), model=model_ct)\nct", []),
    ("code", "if study.firms is not None and 'shares_outstanding' in study.firms:\n"
             "    so = study.firms.set_index('ticker')['shares_outstanding']\n"
             "    size = study.prices[so.index.intersection(study.prices.columns)] * so  # market cap per day\n"
             "    display(ik.calendar_time(study.events, study.panel, holding=(1, holding_days), model=model_ct,\n"
             "                             weighting='value', size=size))\n"
             "else:\n    print('value weighting needs shares outstanding (a size proxy); none in this data set')", []),
    ("md", "## Robustness: models, windows, filing vs trade date\nTrade-date results use information the public did not "
           "have yet (look-ahead); the filing date is what an outside investor could act on.", []),
    ("code", "from insider_kit.claims import robustness\nrob = robustness(study)\nrob", []),
]

SELLING = [
    ("md", "# 03 · When does selling matter?\n\nEach selling pattern from the practitioner articles against the other "
           "sales, then the full claims ledger (written to `claims.csv`) with a forest plot.", []),
    ("code", 'data_dir: str = "../data/sample"  # data directory; the synthetic teaching market by default\n'
             'report_dir: str = "."  # where claims.csv is written\n'
             'model: str = "market_adjusted"  # return model for CARs (see notebook 05 on the market model after run-ups)\n'
             "window_end: int = 60  # CAR window is trading days 0..window_end after the filing is public\n"
             "negligible: float = 0.01  # CARs within +/- this are 'too small to matter' in the verdict rule\n"
             "min_n: int = 30  # fewer events than this: inconclusive", ["parameters"]),
    ("code", SETUP, []),
    ("code", "sales = study.events[study.events['direction'] == 'sell'].copy()\n"
             "sales['pattern'] = np.select(\n"
             "    [sales['cluster'], sales['exec_unscheduled'], sales['lockup'], sales['runup_q'].fillna(0).eq(5),\n"
             "     sales['plan_share'].fillna(0).ge(0.5), sales['routine_class'].eq('routine')],\n"
             "    ['cluster', 'large unscheduled CEO/CFO', 'lock-up expiry', 'after run-up (top quintile)', '10b5-1 plan', 'routine'],\n"
             "    'other sales')\n"
             "res = ik.event_study(sales, study.panel, model=model, group='pattern', window=(-5, window_end),\n"
             "                     car_windows=[(0, 20), (0, window_end)], min_estimation=60, max_loss=0.9)\n"
             "res.summary(windows=[f'(+0,+{window_end})'])", []),
    ("code", "ax = res.plot(title='Sales by pattern (first matching pattern)')\n" + show_fig(), []),
    ("md", "## Fraction of the holding sold", []),
    ("code", "rf = ik.event_study(sales.dropna(subset=['fraction_bucket']).assign(b=lambda d: d['fraction_bucket'].astype(str)),\n"
             "                    study.panel, model=model, group='b', window=(-5, window_end), car_windows=[(0, window_end)],\n"
             "                    min_estimation=60, max_loss=0.9)\nrf.summary()", []),
    ("md", "## Open-market sales vs other disposals (tax withholding, gifts, other, exercise-and-sell)", []),
    ("code", "disp = study.events_by(codes=('S', 'F', 'G', 'J'), by_class=True)\ndisp = disp[disp['direction'] == 'sell']\n"
             "rd = ik.event_study(disp, study.panel, model=model, group='code_class', window=(-5, window_end),\n"
             "                    car_windows=[(0, window_end)], min_estimation=60, max_loss=0.9)\nrd.summary()", []),
    ("md", "## The claims ledger\nEvery claim, its test, N, estimate with 95% CI (clustered by firm and month) and the "
           "verdict from the rule in `insider_kit.claims`.", []),
    ("code", "from pathlib import Path\nfrom insider_kit.claims import run_ledger\n"
             "ledger = run_ledger(study, model=model, window=(0, window_end), negligible=negligible, min_n=min_n)\n"
             "out = Path(report_dir) / 'claims.csv'\nledger.assign(synthetic=study.synthetic).to_csv(out, index=False)\n"
             "print('written', out.resolve())\n"
             "ledger[['claim', 'n', 'n_ref', 'estimate', 'ci_low', 'ci_high', 'verdict']]", []),
    ("code", "from insider_kit.plots import plot_forest\n"
             "lab = ledger.assign(label=ledger['id'] + ' — ' + ledger['verdict'])\n"
             "ax = plot_forest(lab, label='label', title='Claims ledger: estimate and 95% CI'\n"
             "                 + ('  [SYNTHETIC DATA]' if study.synthetic else ''))\n" + show_fig(), []),
]

MARKET = [
    ("md", "# 04 · Market timing: does heavy insider selling across the market precede weaker returns?\n\n"
           "The monthly net purchase ratio (purchases / (purchases + sales)) across all issuers, beside the market's "
           "past and future returns.", []),
    ("code", 'data_dir: str = "../data/sample"  # data directory; the synthetic teaching market by default\n'
             "horizon: int = 3  # forward horizon (months) for the test\n"
             "heavy_quantile: float = 0.1  # months with a net purchase ratio at or below this quantile are 'heavy selling'",
             ["parameters"]),
    ("code", SETUP, []),
    ("code", "npr = ik.net_purchase_ratio(study.transactions, study.panel.market_series())\nnpr.tail(12)", []),
    ("code", "from insider_kit.plots import plot_npr\nwaves = (study.truth or {}).get('market_waves', [])\n"
             "ax = plot_npr(npr, synthetic=study.synthetic, marks=waves)\n"
             "if waves:\n    ax.figure.text(0.01, 0.01, 'dashed: planted selling waves (truth.json)', color='crimson')\n" + show_fig(), []),
    ("md", "## Forward market returns by net purchase ratio quintile", []),
    ("code", "d = npr.dropna(subset=[f'fwd_{horizon}m'])\nd = d.assign(q=pd.qcut(d['npr_count'], 5, labels=['1 (most selling)', '2', '3', '4', '5 (most buying)']))\n"
             "d.groupby('q', observed=True)[['fwd_1m', 'fwd_3m', 'fwd_6m', 'fwd_12m']].mean()", []),
    ("md", "## The claim: heavy selling after an advance\nMonths in the bottom `heavy_quantile` of the ratio whose past 6-month "
           "market return was above the median, against all other months; Newey–West standard errors because forward "
           "returns overlap.", []),
    ("code", "from insider_kit.claims import market_claim\n"
             "r = market_claim(study, horizon=horizon, heavy_q=heavy_quantile)\n"
             "pd.Series(r, name=f'{horizon}-month forward market return, heavy-selling months minus others')", []),
    ("md", "With about a hundred months, a handful of 'heavy selling after an advance' months is all the data can offer: "
           "read the CI, not just the sign.", []),
]

TEACH = [
    ("md", "# 05 · Event study 101 (teaching notebook)\n\nWhat an event study is, step by step on the **synthetic teaching "
           "market**, whose effects we planted and therefore know. Then: size and power by simulation, and the classic "
           "pitfalls. Exercises have hidden solutions (click to open).", []),
    ("code", 'data_dir: str = "../data/sample"  # the synthetic teaching market (this notebook needs its truth.json)\n'
             "n_reps: int = 100  # simulated studies per cell in the size/power experiment\n"
             "seed: int = 1  # random seed for the simulations", ["parameters"]),
    ("code", SETUP, []),
    ("md", "## 1. One event, by hand\nThe market model: fit $R_{it} = \\alpha_i + \\beta_i R_{mt} + \\varepsilon_{it}$ on "
           "trading days −250…−21, then the abnormal return $AR_{it} = R_{it} - \\hat\\alpha_i - \\hat\\beta_i R_{mt}$ "
           "from day 0 on, and the CAR is their sum.", []),
    ("code", "ev = study.events[study.events['direction'] == 'buy'].iloc[[len(study.events[study.events['direction'] == 'buy']) // 2]]\n"
             "one = ik.event_study(ev, study.panel, model='market_model', window=(-20, 60), car_windows=[(0, 60)])\n"
             "display(ev[['ticker', 'date', 'n_insiders', 'value', 'roles']])\n"
             "ax = one.ar.T.cumsum().plot(figsize=(7, 3.5), legend=False, title='CAR of one purchase (market model)')\n"
             "ax.axvline(0, color='0.3', ls=':'); " + show_fig(), []),
    ("md", "## 2. Many events: recovering the planted effects\nEach event is labelled with the class the generator "
           "planted (`truth.json`). The estimate should be near the planted CAR — minus the part that leaked into prices "
           "between the trade and a filing made two or more days later, plus the drift of other events' effects that "
           "overlap the window (a purchase's effect in the same stock lifts every event window that overlaps it).", []),
    ("code", "from insider_kit.sample import planted_labels\n"
             "if study.truth is None:\n    raise SystemExit('this notebook needs the teaching market (truth.json)')\n"
             "lab = planted_labels(study.events, study.transactions, study.truth)\n"
             "lab['cls'] = lab['planted_class'].str.split(',').str[0].replace('', 'unlabelled')\n"
             "rec = ik.event_study(lab, study.panel, model='market_adjusted', group='cls', window=(-5, 60), car_windows=[(0, 60)],\n"
             "                     min_estimation=60, max_loss=0.9)\n"
             "tab = rec.summary()[['n', 'mean_car', 'ci_low', 'ci_high']].reset_index('window', drop=True)\n"
             "tab['planted_mean'] = lab.groupby('cls')['planted_car'].mean().reindex(tab.index)  # per event of the class\n"
             "tab['covered'] = (tab['ci_low'] <= tab['planted_mean']) & (tab['planted_mean'] <= tab['ci_high'])\ntab", []),
    ("md", "## 3. Size and power by simulation\nRandom dates and firms, with no effect (size: should reject 5% of the "
           "time) and with a planted CAR (power). Many events are needed to detect a 1% effect.", []),
    ("code", "from insider_kit.eventstudy import simulate_power\nfrom insider_kit.plots import plot_power\n"
             "pw = simulate_power(study.panel, effects=(0.0, 0.01, 0.03), n_events=(20, 80, 320), reps=n_reps, seed=seed)\n"
             "display(pw.pivot_table(index=['effect', 'n_events'], columns='test', values='rejection_rate'))\n"
             "ax = plot_power(pw[pw['test'] == 'cross-sectional t'])\n" + show_fig(), []),
    ("md", "## 4. Pitfalls\n### a) Look-ahead: trade date vs filing date\nDay 0 at the trade date includes the part of the "
           "move that happened before anyone outside could know.", []),
    ("code", "for d in ('trade', 'filing'):\n"
             "    e = study.events_by(date=d) if d == 'trade' else study.events\n"
             "    r = ik.event_study(e[e['direction'] == 'buy'], study.panel, model='market_adjusted', window=(-5, 60),\n"
             "                       car_windows=[(0, 60)], min_estimation=60)\n"
             "    print(f\"day 0 = {d:7s} date: purchases CAR(0,60) = {r.summary()['mean_car'].iloc[0]:.2%}\")", []),
    ("md", "### b) Clustered event dates inflate t\nEvents on the same days share market-wide shocks; the cross-sectional t "
           "assumes independence. The Kolari–Pynnönen adjustment and calendar-time portfolios account for it.", []),
    ("code", "r = ik.event_study(study.events, study.panel, model='market_model', group='direction', window=(-5, 60),\n"
             "                   car_windows=[(0, 60)], min_estimation=60)\n"
             "r.tests[['n', 'mean_car', 't_cs', 'bmp_t', 'kp_t', 'rbar']] if 'rbar' in r.tests else r.tests[['n', 'mean_car', 't_cs', 'bmp_t', 'kp_t']]", []),
    ("md", "### c) The market model after a run-up\nThe intercept is estimated over months that include the run-up, so a "
           "stock that rose looks like it reverses — even here, where nothing was planted after run-ups.", []),
    ("code", "s = study.events[study.events['direction'] == 'sell'].dropna(subset=['runup_q'])\n"
             "rows = {}\nfor m in ('market_model', 'market_adjusted'):\n"
             "    rr = ik.event_study(s.assign(q=s['runup_q'].astype(str)), study.panel, model=m, group='q', window=(-5, 60),\n"
             "                        car_windows=[(0, 60)], min_estimation=60)\n"
             "    rows[m] = rr.summary()['mean_car'].reset_index('window', drop=True)\n"
             "pd.DataFrame(rows).sort_index().rename_axis('run-up quintile')", []),
    ("md", "### d) Small caps drive equal-weighted averages\nCompare equal- and value-weighted calendar-time alphas "
           "(notebook 02) or CARs by size.", []),
    ("code", "if study.firms is not None and 'log_size_musd' in study.firms:\n"
             "    sz = study.firms.set_index('ticker')['log_size_musd']\n"
             "    b = study.events[study.events['direction'] == 'buy'].assign(size=lambda d: pd.qcut(d['ticker'].map(sz), 3, labels=['small', 'mid', 'large']).astype(str))\n"
             "    display(ik.event_study(b, study.panel, model='market_adjusted', group='size', window=(-5, 60), car_windows=[(0, 60)],\n"
             "                           min_estimation=60).summary()[['n', 'mean_car', 'ci_low', 'ci_high']])", []),
    ("md", "## Exercises\n1. Re-run section 2 with `model='market_model'`. Which planted effects move, and why?\n\n"
           "<details><summary>Solution</summary>\n\nThe intercept absorbs pre-event drift: purchases made after falls (the "
           "generator makes 60% of purchases contrarian) get a negative alpha, so their post-event ARs look larger; sales "
           "after run-ups look more negative. Market-adjusted returns avoid the intercept.\n</details>\n\n"
           "2. How many events do you need to detect a 1% CAR(0,20) with 80% power?\n\n"
           "<details><summary>Solution</summary>\n\nRead it off the power curve: with daily idiosyncratic volatility around 2%, "
           "the CAR(0,20) standard deviation is about 9%, so N ≈ (2.8 × 9 / 1)² ≈ 600 events.\n</details>\n\n"
           "3. Why is the trade-date CAR larger than the filing-date CAR for purchases?\n\n"
           "<details><summary>Solution</summary>\n\n`info_leak` of each planted effect moves prices between the trade and "
           "the filing: trade-date studies count it, but nobody outside could have traded on it.\n</details>", []),
]

COMPANY = [
    ("md", "# 06 · One company: its insiders and their trades", []),
    ("code", 'data_dir: str = "../data/sample"  # data directory; the synthetic teaching market by default\n'
             'ticker: str = "auto"  # the company (auto: the one with the most open-market insider events)', ["parameters"]),
    ("code", SETUP, []),
    ("code", "tk = study.events['ticker'].value_counts().index[0] if ticker == 'auto' else ticker.upper()\n"
             "if tk not in study.prices.columns:\n    raise ik.DataError(f'no prices for ticker {tk!r}')\n"
             "ev = study.events[study.events['ticker'] == tk]\n"
             "print(tk, ev['issuer_name'].iloc[0] if len(ev) else '', f'— {len(ev)} open-market events')", []),
    ("code", "from insider_kit.plots import plot_company\n"
             "ax = plot_company(study.prices[tk].dropna(), ev, title=f'{tk}: insider trades at their public dates', synthetic=study.synthetic)\n"
             + show_fig(), []),
    ("md", "## The insiders\nEach insider's open-market history and the kit's classifications (routine / opportunistic "
           "from the three prior years; silence before a sale).", []),
    ("code", "from insider_kit.signals import routine_class, trade_table\n"
             "t = trade_table(study.transactions)\nt = t[t['ticker'] == tk]\n"
             "t = t.assign(routine_class=routine_class(t, trade_table(study.transactions)))\n"
             "t.groupby(['owner_name', 'role'], observed=True).agg(\n"
             "    purchases=('trans_code', lambda c: (c == 'P').sum()), sales=('trans_code', lambda c: (c == 'S').sum()),\n"
             "    dollars=('value', 'sum'), first=('trans_date', 'min'), last=('trans_date', 'max'),\n"
             "    routine_share=('routine_class', lambda r: (r == 'routine').mean())).sort_values('dollars', ascending=False)", []),
    ("md", "## The events with their signals", []),
    ("code", "cols = ['date', 'direction', 'n_insiders', 'roles', 'value', 'plan_share', 'fraction', 'routine_class', 'silent',\n"
             "        'exec_unscheduled', 'n_cluster', 'runup', 'drawdown', 'lockup']\nev[[c for c in cols if c in ev]].tail(20)", []),
]

SCREEN = [
    ("md", "# 07 · Screens: the latest hits, and how each screen did historically", []),
    ("code", 'data_dir: str = "../data/sample"  # data directory; the synthetic teaching market by default\n'
             'since: str = "auto"  # show hits since this date (auto: 90 days before the last filing)\n'
             "min_value: float = 100_000.0  # large purchases: at least this many dollars\n"
             "top_n: int = 10  # rows per screen", ["parameters"]),
    ("code", SETUP, []),
    ("code", "from insider_kit import screens\n"
             "start = study.events['date'].max() - pd.Timedelta(days=90) if since == 'auto' else pd.Timestamp(since)\n"
             "print(f'hits since {start:%Y-%m-%d}')\n"
             "display(Markdown('### Cluster buys')); display(screens.cluster_buys(study.events, start).head(top_n))\n"
             "display(Markdown('### Large purchases')); display(screens.large_purchases(study.events, start, min_value=min_value).head(top_n))\n"
             "display(Markdown('### Dip buys')); display(screens.dip_buys(study.events, start).head(top_n))\n"
             "display(Markdown('### Largest net sellers')); display(screens.net_insider_sales(study.transactions, study.prices, start).head(top_n))", []),
    ("md", "## Historical performance of each screen\nEvery past purchase event flagged by each screen, CAR after the "
           "filing became public (market-adjusted).", []),
    ("code", "flags = screens.screen_flags(study.events, min_value=min_value)\nbuys = study.events[study.events['direction'] == 'buy']\n"
             "rows = []\nfor name in flags.columns:\n"
             "    e = buys.assign(g=np.where(flags.loc[buys.index, name], name, 'other purchases'))\n"
             "    r = ik.event_study(e, study.panel, model='market_adjusted', group='g', window=(-5, 60), car_windows=[(0, 20), (0, 60)],\n"
             "                       min_estimation=60, max_loss=0.9)\n"
             "    rows.append(r.summary().loc[[name]] if name in r.summary().index.get_level_values(0) else None)\n"
             "perf = pd.concat([x for x in rows if x is not None])\nperf[['n', 'mean_car', 'ci_low', 'ci_high', 't_cs']]", []),
]


def main() -> None:
    NB.mkdir(exist_ok=True)
    books = {"00_quickstart": QUICKSTART, "01_data_tour": DATA_TOUR, "02_buy_vs_sell": BUY_VS_SELL,
             "03_when_selling_matters": SELLING, "04_market_timing": MARKET, "05_event_study_101": TEACH,
             "06_company": COMPANY, "07_screen": SCREEN}
    for name, cells in books.items():
        nbf.write(nb(cells), NB / f"{name}.ipynb")


if __name__ == "__main__":
    main()
