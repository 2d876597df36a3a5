"""The teaching market's planted data problems (issue #38, item 8): delistings with their delisting returns and
splits left unadjusted in a documented subset; each recorded in truth.json and visible in the raw files exactly
where the truth says, and nowhere else."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insider_kit.config import DataPaths
from insider_kit.filings import build_tidy, load_transactions
from insider_kit.prices.yf import read_cached
from insider_kit.sample import SampleSpec, generate_sample

SPEC = dict(n_firms=60, start="2019-01-02", end="2022-12-30", edgar_weeks=2, delisting_share=0.05, split_share=0.1)


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("problems") / "sample"
    generate_sample(root, seed=3, spec=SampleSpec(**SPEC), progress=False)
    return root


def _close(root: Path, ticker: str) -> pd.Series:
    s, _ = read_cached(DataPaths(root).raw_prices / f"{ticker}.parquet")
    return s


def test_delistings_file_matches_truth_and_price_files_end_there(market: Path) -> None:
    truth = json.loads((market / "truth.json").read_text())
    dl = pd.read_csv(market / "raw" / "prices" / "delistings.csv")
    assert list(dl.columns) == ["ticker", "date", "dlret"]
    assert len(dl) == round(SPEC["delisting_share"] * SPEC["n_firms"]) == len(truth["delisted"])
    assert dl.to_dict("records") == truth["delisted"]
    market_last = _close(market, "^SYNMKT").index[-1]
    for row in dl.itertuples():
        s = _close(market, row.ticker)
        assert s.index[-1] == pd.Timestamp(row.date) < market_last  # the file ends on the delisting day
        assert -0.55 <= row.dlret <= 0.25
    # the firms that were not delisted trade to the end
    others = set(pd.read_csv(market / "firms.csv")["ticker"]) - set(dl["ticker"])
    assert all(_close(market, t).index[-1] == market_last for t in sorted(others)[:10])


def test_no_trade_of_a_delisted_firm_after_its_last_price(market: Path) -> None:
    p = DataPaths(market)
    build_tidy(p, progress=False)
    tx = load_transactions(p)
    dl = pd.read_csv(market / "raw" / "prices" / "delistings.csv", parse_dates=["date"])
    for row in dl.itertuples():
        t = tx[tx["ticker"] == row.ticker]
        assert len(t) and (t["trans_date"] <= row.date).all(), row.ticker


def test_unadjusted_splits_show_exactly_their_ratio_and_adjusted_ones_do_not(market: Path,
                                                                            tmp_path: Path) -> None:
    truth = json.loads((market / "truth.json").read_text())
    splits, unadj = truth["splits"], truth["unadjusted_splits"]
    assert len(splits) == round(SPEC["split_share"] * SPEC["n_firms"])
    assert 1 <= len(unadj) < len(splits) and all(u in splits for u in unadj)
    # the same market without the planted problems: the same closes, except the unadjusted files before the split
    clean = tmp_path / "clean"
    generate_sample(clean, seed=3, spec=SampleSpec(**{**SPEC, "delisting_share": 0.0, "split_share": 0.0}),
                    progress=False)
    for s in splits:
        got, ref = _close(market, s["ticker"]), _close(clean, s["ticker"])
        d = pd.Timestamp(s["date"])
        r = got.pct_change()
        if s in unadj:
            assert r[d] == pytest.approx((1 + ref.pct_change()[d]) / s["ratio"] - 1, rel=1e-9)
            np.testing.assert_allclose(got[got.index < d], ref[ref.index < d] * s["ratio"], rtol=1e-12)
            assert abs(r[d] - (1 / s["ratio"] - 1)) < 0.15  # a split-sized one-day move: -50%, -66.7% or -75%
        else:
            np.testing.assert_allclose(got, ref, rtol=1e-12)
        np.testing.assert_allclose(got[got.index >= d], ref[ref.index >= d], rtol=1e-12)
    # every other firm's closes are the clean market's (the problems draw from their own random stream)
    touched = {s["ticker"] for s in splits} | {d["ticker"] for d in truth["delisted"]}
    for t in sorted(set(pd.read_csv(market / "firms.csv")["ticker"]) - touched)[:15]:
        pd.testing.assert_series_equal(_close(market, t), _close(clean, t))


def test_the_default_spec_plants_a_few_of_each() -> None:
    spec = SampleSpec()
    assert 0 < spec.delisting_share * spec.n_firms <= 25 and 0 < spec.split_share * spec.n_firms <= 25
    assert 0 < spec.unadjusted_split_share < 1
