"""Verdicts only where the data can carry one (issue #35): trade-date-only data without insider names, claims
with too few events, degenerate intervals and implausible estimates."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import insider_kit as ik
from insider_kit.claims.ledger import VERDICTS, verdict_reason
from insider_kit.config import DataPaths
from insider_kit.filings.importers import import_transactions
from insider_kit.prices.imports import import_prices


def test_the_verdict_rule_refuses_what_the_data_cannot_carry() -> None:
    """N = 0 was "inconclusive" instead of "not testable"; a zero-width CI from trade-dated data was
    "contradicted"."""
    kw = dict(negligible=0.01, min_n=30)
    assert verdict_reason(np.nan, np.nan, np.nan, 0, "positive", **kw) == ("not testable", "no events")
    assert verdict_reason(0.05, 0.01, 0.09, 29, "positive", **kw)[0] == "not testable"
    assert verdict_reason(0.05, 0.01, 0.09, 30, "positive", **kw) == ("supported", "")
    v, why = verdict_reason(-0.03, -0.03, -0.03, 400, "positive", **kw)
    assert v == "check the data" and "degenerate" in why
    v, why = verdict_reason(118.6, 90.0, 140.0, 400, "positive", **kw)  # +11,860%: returns read as prices
    assert v == "check the data" and "implausible" in why
    assert verdict_reason(0.5, 0.3, 0.7, 400, "positive", **kw)[0] == "supported"  # large, but possible


@pytest.fixture(scope="module")
def trade_dated(tmp_path_factory: pytest.TempPathFactory) -> DataPaths:
    """The teaching market as a JSON-dump user holds it: trades with their trade dates only (the filing date
    column is the trade date), no insider names, no CIKs, no accession numbers; prices as they are."""
    from insider_kit.sample import SampleSpec, generate_sample

    tmp = tmp_path_factory.mktemp("td")
    root = tmp / "teach"
    generate_sample(root, seed=11, spec=SampleSpec(n_firms=60, start="2018-01-02", end="2021-12-30"), progress=False)
    tx = ik.load_study(root, cache=False).transactions
    tx = tx[tx["trans_code"].isin(["P", "S"]) & (tx["table"].astype(str) == "nonderivative")]
    f = tmp / "trades.csv"
    pd.DataFrame({"sym": tx["ticker"], "traded": tx["trans_date"].dt.strftime("%Y-%m-%d"),
                  "filed": tx["trans_date"].dt.strftime("%Y-%m-%d"), "code": tx["trans_code"],
                  "qty": tx["shares"], "px": tx["price"]}).to_csv(f, index=False)
    data = DataPaths(tmp / "mine")
    import_transactions(data, [f], format="csv", mapping={"sym": "ticker", "traded": "trans_date",
                                                          "filed": "filing_date", "code": "trans_code",
                                                          "qty": "shares", "px": "price"})
    data.raw_prices.mkdir(parents=True)
    for p in (root / "raw" / "prices").glob("*.parquet"):
        shutil.copy(p, data.raw_prices / p.name)
    import_prices(data, [], market="^SYNMKT")
    return data


@pytest.mark.slow
def test_trade_dated_data_without_names_gets_not_testable_rows_with_reasons(trade_dated: DataPaths,
                                                                           tmp_path: Path) -> None:
    """The pre-filing claim was tested on data whose filing date had to be set to the trade date; the ledger
    now says the data are dated by trade only, and that claim is not testable (with the reason)."""
    study = ik.load_study(trade_dated.root)
    assert study.dated_by == "trade" and "100%" in study.meta["dating"]
    led = ik.run_ledger(study).set_index("id")
    assert set(led["verdict"]) <= set(VERDICTS)
    pre = led.loc["pre_filing_information"]
    assert pre["verdict"] == "not testable" and "trade dates only" in pre["reason"]
    # every row without a verdict on the evidence says why; no verdict rests on fewer than min_n events
    for cid, r in led.iterrows():
        if r["verdict"] in ("not testable", "check the data"):
            assert r["reason"], cid
        else:
            n = min(r["n"], r["n_ref"]) if pd.notna(r["n_ref"]) else r["n"]
            assert n >= (3 if cid == "market_selling_after_advance" else 30), cid


def test_events_studied_is_one_number_on_every_page(default_market: Path) -> None:
    """"Events studied" differed between the quality section, notebook 02 and the ledger (90,790 / 90,815 /
    86,699): the data-quality count, the ledger's purchases and sales, and notebook 02's default study agree."""
    study = ik.load_study(default_market)
    q = study.quality()
    led = ik.run_ledger(study).set_index("id")
    studied = int(q.findings[0].split(" of ")[0].replace(",", ""))
    assert studied == led.loc["purchases_positive", "n"] + led.loc["sales_little_information", "n"]
    nb02 = ik.event_study(study.events, study.panel, model="market_adjusted", group="direction", window=(-10, 60),
                          car_windows=[(-1, 1), (0, 5), (0, 20), (0, 60)], min_estimation=60)  # notebook 02's
    assert int(nb02.tests.xs((0, 60), level=["start", "end"])["n"].sum()) == studied


@pytest.mark.real_data
def test_the_real_trade_dated_file_gets_reasons_not_verdicts(real: Path, tmp_path: Path) -> None:
    """The SEC 2025q1 open-market trades as one real repository holds them (one row per filing, trade dates only,
    dollar values without shares, no insider names) with its wide price file (the index inside, 1,179 empty
    columns, 0-65 days of history before the events), imported with the natural commands: the events are built
    (dollar values decide each event's direction: there are no share counts), the study is dated by trade, and
    every claim the data cannot carry says why instead of a verdict."""
    from insider_kit.cli import main

    d = real / "jefreybulla__insider-trading-signal"
    data = tmp_path / "d"
    mapping = ('{"ACCESSION_NUMBER": "accession", "side": "trans_code", "dollar_value": "value", '
               '"date": "trans_date", "role": "role", "ticker": "ticker", "is_10b5_1": "plan_10b5_1"}')
    assert main(["-q", "import", "transactions", str(d / "events_2025Q1.parquet"), "--format", "csv", "--mapping",
                 mapping, "--dated-by", "trade", "--data", str(data)]) == 0
    assert main(["-q", "import", "prices", str(d / "price_data_2025Q1.parquet"), "--market", "^GSPC", "--skip-bad",
                 "--data", str(data)]) == 0
    study = ik.load_study(data)
    assert study.dated_by == "trade" and len(study.events) > 5000
    src = pd.read_parquet(d / "events_2025Q1.parquet")
    assert set(study.events["direction"]) == {"buy", "sell"}
    assert (study.events["direction"] == "buy").sum() <= (src["side"] == "buy").sum()
    led = ik.run_ledger(study).set_index("id")
    assert set(led["verdict"]) <= {"not testable", "check the data", "inconclusive", "supported", "contradicted"}
    for cid, r in led.iterrows():
        if r["verdict"] == "not testable":
            assert r["reason"], cid
    assert led.loc["pre_filing_information", "verdict"] == "not testable"
    # the report: no event has 60 days of prices before it, so the event-study notebooks are skipped with the
    # reason, the market-timing notebook (it needs filing dates) too, and the rest render without a failure
    out = tmp_path / "report"
    assert main(["-q", "report", "--data", str(data), "--out", str(out)]) == 0
    page = (out / "index.html").read_text()
    assert "No answer on these data" in page and "too little estimation data" in page
    assert "FAILED" not in page
    for stem in ("00_quickstart", "02_buy_vs_sell", "03_when_selling_matters", "07_screen", "08_dose_response",
                 "04_market_timing"):
        assert not (out / f"{stem}.html").exists(), stem
    assert (out / "01_data_tour.html").exists() and (out / "06_company.html").exists()


def test_no_event_can_be_studied_is_said_once_with_its_reason(tmp_path: Path) -> None:
    """``reports.unstudiable`` names why no event can be studied (here: no ticker has prices), the headline says
    there is no answer (once, with the reason) instead of three "not testable" clauses, and the notebooks that
    study events or need filing dates are skipped with their reasons."""
    import dataclasses

    from insider_kit import reports
    from insider_kit.sample import generate_sample

    root = tmp_path / "s"
    generate_sample(root, seed=3, progress=False)
    study = ik.load_study(root)
    assert reports.unstudiable(study) == ""
    bare = dataclasses.replace(study, events=study.events.assign(ticker="NOPE"))
    why = reports.unstudiable(bare)
    assert "no prices for ticker" in why
    led = ik.run_ledger(bare)
    assert set(led["verdict"]) == {"not testable"}
    h = reports.headline(led)
    assert "No answer on these data" in h and h.count("not testable") == 1
    res = reports.RenderResult()
    nbs = sorted(reports.PACKAGE_NOTEBOOKS.glob("*.py"))
    kept = {nb.stem for nb in reports._skip_notebooks(nbs, bare, why, res)}
    assert {"02_buy_vs_sell", "03_when_selling_matters", "08_dose_response", "07_screen"} <= set(res.skipped)
    assert {"01_data_tour", "04_market_timing", "06_company"} <= kept  # (filing-dated: 04 runs)
    traded = dataclasses.replace(study, dated_by="trade")
    res2 = reports.RenderResult()
    kept2 = {nb.stem for nb in reports._skip_notebooks(nbs, traded, "", res2)}
    assert "04_market_timing" in res2.skipped and "02_buy_vs_sell" in kept2
