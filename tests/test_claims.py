"""The claims ledger recovers what the teaching market planted, and flips when a spec plants the opposite."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insider_kit.claims import CLAIMS, run_ledger, verdict
from insider_kit.sample import SampleSpec, expected_verdicts, generate_sample
from insider_kit.study import load_study

FLIPPED = {
    "opportunistic_purchase": -0.045, "cluster_sale": 0.035, "exec_unscheduled_sale": 0.04, "lockup_sale": -0.10,
}


@pytest.fixture(scope="session")
def flipped_market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("flip") / "sample"
    base = SampleSpec()
    spec = SampleSpec(effects={**base.effects, **FLIPPED}, market_wave_effect=0.03, info_leak=0.0)
    generate_sample(root, seed=11, spec=spec, progress=False)
    return root


def test_verdict_rule_by_hand() -> None:
    kw = {"negligible": 0.01, "min_n": 30}
    assert verdict(0.03, 0.01, 0.05, 100, "positive", **kw) == "supported"
    assert verdict(-0.03, -0.05, -0.01, 100, "positive", **kw) == "contradicted"
    assert verdict(0.001, -0.004, 0.006, 100, "positive", **kw) == "contradicted"  # precisely negligible
    assert verdict(0.01, -0.01, 0.03, 100, "positive", **kw) == "inconclusive"
    assert verdict(0.03, 0.01, 0.05, 10, "positive", **kw) == "inconclusive"  # too few events
    assert verdict(-0.03, -0.05, -0.01, 100, "negative", **kw) == "supported"
    assert verdict(0.0, -0.005, 0.005, 100, "none", **kw) == "supported"
    assert verdict(0.03, 0.02, 0.04, 100, "none", **kw) == "contradicted"
    assert verdict(0.01, -0.005, 0.025, 100, "none", **kw) == "inconclusive"
    # with the multiple-testing adjustment: a CI that excludes zero is not enough when the q-value is not small
    assert verdict(0.03, 0.01, 0.05, 100, "positive", q=0.08, **kw) == "inconclusive"
    assert verdict(0.03, 0.01, 0.05, 100, "positive", q=0.01, **kw) == "supported"
    assert verdict(-0.03, -0.05, -0.01, 100, "positive", q=0.2, **kw) == "inconclusive"


@pytest.mark.slow
def test_ledger_supports_what_was_planted_and_only_that(default_market: Path) -> None:
    study = load_study(default_market)
    led = run_ledger(study).set_index("id")
    assert list(led.index) == [c.id for c in CLAIMS]
    assert led["n"].min() >= 1 and led["ci_low"].le(led["ci_high"]).all()
    exp = expected_verdicts(json.loads((default_market / "truth.json").read_text())["spec"])
    for cid, want in exp.items():
        got = led.loc[cid, "verdict"]
        if want == "supported":
            assert got == "supported", (cid, led.loc[cid].to_dict())
        else:
            assert got != "supported", (cid, led.loc[cid].to_dict())
    # the planted purchase effect is recovered in size, not only in sign: 4.5% with 30% leaked before the filing
    assert 0.02 < led.loc["purchases_positive", "estimate"] < 0.045


@pytest.mark.slow
def test_ledger_flips_when_the_spec_plants_the_opposite(flipped_market: Path) -> None:
    study = load_study(flipped_market)
    led = run_ledger(study).set_index("id")
    spec = json.loads((flipped_market / "truth.json").read_text())["spec"]
    exp = expected_verdicts(spec)
    assert exp["purchases_positive"] == "not supported" and exp["lockup_selling"] == "supported"
    for cid, want in exp.items():
        got = led.loc[cid, "verdict"]
        assert (got == "supported") == (want == "supported"), (cid, led.loc[cid].to_dict())
    assert led.loc["purchases_positive", "verdict"] == "contradicted"


@pytest.mark.slow
def test_teaching_market_mix_matches_the_spec(default_market: Path) -> None:
    """Yearly counts per firm of each planted class are near the spec's Poisson rates; one CEO per firm."""
    truth = json.loads((default_market / "truth.json").read_text())
    spec = truth["spec"]
    from insider_kit.sample import truth_events

    ev = truth_events(default_market)
    firms = pd.read_csv(default_market / "firms.csv")
    # the spec's rates are per firm and per year of the sample (drawn for the whole span, placed in the
    # part of it where the firm can trade)
    years = len(firms) * (pd.Timestamp(spec["end"]) - pd.Timestamp(spec["start"])).days / 365.25
    for cls in ("opportunistic_purchase", "ordinary_sale", "plan_sale", "exercise_and_sell"):
        per_year = ev["accession"][ev["class"] == cls].nunique() / years
        assert per_year == pytest.approx(spec["rates"][cls], rel=0.2), cls
    roles = ev.drop_duplicates("owner_cik")["role"].value_counts()
    assert roles["CEO"] <= len(firms) and roles["CEO"] >= 0.9 * len(firms)
    assert set(roles.index) <= {"CEO", "CFO", "Officer", "Director", "TenPercentOwner"}
    codes = ev["codes"].str.split("", expand=False).explode().replace("", np.nan).dropna().value_counts()
    assert codes["A"] > codes["F"] > codes["P"] and codes["S"] > codes["P"] and codes["G"] > codes["J"]


@pytest.mark.slow
@pytest.mark.parametrize("cluster,execs,sign", [(-0.08, -0.01, -1), (-0.01, -0.08, 1)])
def test_sell_signal_ranking_recovers_a_planted_ranking(tmp_path: Path, cluster: float, execs: float, sign: int) -> None:
    """The teaching market plants cluster sales stronger than unscheduled CEO/CFO sales (and, reversed, weaker);
    the pairwise contrast of the ranking test has the planted sign with a CI excluding zero."""
    from insider_kit.claims.robustness import sell_signal_ranking

    base = SampleSpec()
    spec = SampleSpec(effects={**base.effects, "cluster_sale": cluster, "exec_unscheduled_sale": execs})
    root = tmp_path / "sample"
    generate_sample(root, seed=5, spec=spec, progress=False)
    _, contrasts = sell_signal_ranking(load_study(root))
    row = contrasts[(contrasts["a"] == "cluster") & (contrasts["b"] == "large unscheduled CEO/CFO")].iloc[0]
    assert (row["ci_high"] < 0) if sign < 0 else (row["ci_low"] > 0), row.to_dict()


@pytest.mark.parametrize("pair", ["buy_vs_sell", "cluster_vs_other_sales"])
def test_controlled_difference_equals_the_formula_regression(default_market: Path, pair: str) -> None:
    """The ledger's controlled estimate (Frisch-Waugh-Lovell on normal equations assembled from bincounts, with
    the controls and cluster codes of all events reused for a subset) equals car_regression with the formula
    ``y ~ in_a + log_value + log_mcap + C(top_role) + C(year)`` through patsy, coefficient and clustered CI."""
    import insider_kit as ik
    from insider_kit.claims.ledger import _controlled, _Controls
    from insider_kit.eventstudy.regression import MaskedClusters, cluster_codes

    study = ik.load_study(default_market)
    res = ik.event_study(study.events, study.panel, model="market_adjusted", car_windows=[(0, 60)])
    E = res.events
    if pair == "buy_vs_sell":
        a = (E["direction"] == "buy").to_numpy()
        b, flip = ~a, True
    else:  # a strict subset of the events: some years or roles may be absent from it
        sell = (E["direction"] == "sell").to_numpy()
        a = sell & E["cluster"].to_numpy(bool)
        b, flip = sell & ~a, False
    keep = a | b
    assert a.sum() > 30 and b.sum() > 30
    got = _controlled(res, (0, 60), a, b, flip_b=flip)
    shared = _controlled(res, (0, 60), a, b, flip, _Controls(E),
                         MaskedClusters(cluster_codes(E, ("firm", "month"), intersection=True)))
    assert shared == got

    class Subset:  # what car_regression reads, for the events of a or b
        events = E[keep]
        car = res.car[keep]
        car_windows = res.car_windows

    car = res.car[(0, 60)].to_numpy()
    extra = pd.DataFrame({"in_a": a.astype(float), "y": np.where(b & flip, -car, car)}, index=E.index)[keep]
    for col in ("value", "mcap"):
        if col in E.columns:
            v = pd.to_numeric(E[col], errors="coerce").to_numpy(float)[keep]
            with np.errstate(divide="ignore", invalid="ignore"):
                extra[f"log_{col}"] = np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan)
    terms = [t for t in ("log_value", "log_mcap") if t in extra.columns] + ["C(top_role)", "C(year)"]
    ref = ik.car_regression(Subset(), "y ~ in_a + " + " + ".join(terms), window=(0, 60), data=extra)  # type: ignore[arg-type]
    r = ref.summary().loc["in_a"]
    assert got["controlled"] == pytest.approx(r["coef"], rel=1e-9)
    assert got["controlled_low"] == pytest.approx(r["ci_low"], rel=1e-9)
    assert got["controlled_high"] == pytest.approx(r["ci_high"], rel=1e-9)
    assert got["controlled_p"] == pytest.approx(r["p"], rel=1e-6, abs=1e-12)


def test_robustness_cells_equal_compare_and_statsmodels(default_market: Path) -> None:
    """A robustness cell (the grids share one set of cluster codes per study and skip compare's Welch test and
    bootstrap) gives compare's clustered regression for the difference and statsmodels' two-way clustered
    mean for each side."""
    import statsmodels.api as sm

    import insider_kit as ik
    from insider_kit.claims import robustness

    study = ik.load_study(default_market)
    grid = robustness(study, models=("market_adjusted",), windows=((0, 20),), dates=("filing",))
    cell = grid.iloc[0]
    res = ik.event_study(study.events, study.panel, model="market_adjusted", window=(-5, 20), car_windows=[(0, 20)],
                         min_estimation=60, max_loss=0.95, tests=False)
    cmp = ik.compare(res, by="direction", a="buy", b="sell", sign={"sell": -1}, window=(0, 20), n_boot=10)
    assert cell["difference"] == pytest.approx(cmp.reg_coef, rel=1e-10)
    assert cell["ci_low"] == pytest.approx(cmp.reg_coef - 1.96 * cmp.reg_se, rel=1e-10)
    E = res.events
    car = res.car[(0, 20)].to_numpy()
    buy = (E["direction"] == "buy").to_numpy() & np.isfinite(car)
    groups = np.column_stack([pd.factorize(E["ticker"][buy])[0],
                              pd.factorize(pd.to_datetime(E["day0"][buy]).dt.to_period("M"))[0]])
    ref = sm.OLS(car[buy], np.ones(buy.sum())).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert cell["buys"] == pytest.approx(float(ref.params[0]), rel=1e-10)
    assert int(cell["n_buys"]) == int(buy.sum())


@pytest.mark.parametrize("dates", [("filing",), ("trade",), ("filing", "trade"), ("trade", "filing")])
def test_grids_with_halves_computed_early_equal_grids_computed_at_once(default_market: Path,
                                                                       dates: tuple[str, ...]) -> None:
    """insider_kit.run_ledger computes the default grids' filing-date half while a worker builds the event
    variants (and any half can be computed ahead, by warm_grids); grids made from halves computed early (either, both, in
    either order) equal grids computed in one go, and once the grids are kept with the study, warming computes
    nothing."""
    from insider_kit.claims.robustness import DEFAULT_GRID, _grid_tables, robustness
    from insider_kit.study import warm_grids

    models, windows = DEFAULT_GRID
    early = load_study(default_market, cache=False)
    for d in dates:
        warm_grids(early, d)
    keys = sorted(k for k in early.cache.values if k.startswith("grid_rows_"))
    assert [k.rsplit("_", 1)[1] for k in keys] == sorted(dates)
    assert all(len(early.cache.values[k][0]) == len(models) * len(windows) for k in keys)
    at_once = load_study(default_market, cache=False)
    for a, b in zip(_grid_tables(early, models, windows, ("filing", "trade")),
                    _grid_tables(at_once, models, windows, ("filing", "trade")), strict=True):
        assert len(a) and set(a["date"]) == {"filing", "trade"}
        pd.testing.assert_frame_equal(a, b)
    kept = load_study(default_market)
    robustness(kept)
    again = load_study(default_market)
    for d in dates:
        warm_grids(again, d)
    assert not [k for k in again.cache.values if k.startswith("grid_rows_")]


@pytest.mark.slow
def test_ledger_is_kept_with_the_study_and_read_back_equal(default_market: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The report tests the claims once; notebooks read the ledger back from the persistent study: equal to a
    fresh computation, per settings, and rebuilt (with a warning) when its file is corrupt."""
    import insider_kit.claims.ledger as lm
    from insider_kit.warnings import InsiderKitWarning

    study = load_study(default_market)
    cdir = Path(study.meta["cache_dir"])
    before = set(cdir.glob("ledger_*.parquet"))
    led = run_ledger(study, window=(0, 20), min_n=31)
    (new,) = set(cdir.glob("ledger_*.parquet")) - before
    fresh = lm.ledger_table(study, model="market_adjusted", window=(0, 20), negligible=0.01, min_n=31, min_n_months=3,
                            runup_quintile=5, plan_threshold=0.5, alpha=0.05, progress=False)
    pd.testing.assert_frame_equal(led, fresh)

    def no_recompute(*a: object, **k: object) -> pd.DataFrame:
        raise AssertionError("the ledger was computed again")

    with monkeypatch.context() as m:
        m.setattr(lm, "ledger_table", no_recompute)
        again = run_ledger(load_study(default_market), window=(0, 20), min_n=31)  # another session: from the file
    pd.testing.assert_frame_equal(again, fresh)
    assert again.attrs["settings"] == led.attrs["settings"] and again.attrs["settings"]["window"] == (0, 20)
    # other settings are another ledger
    run_ledger(study, window=(0, 20), min_n=32)
    assert len(set(cdir.glob("ledger_*.parquet")) - before) == 2
    # a corrupt file is rebuilt, never used
    new.write_bytes(b"PAR1 not a parquet file")
    with pytest.warns(InsiderKitWarning, match="unreadable cached table"):
        rebuilt = run_ledger(load_study(default_market), window=(0, 20), min_n=31)
    pd.testing.assert_frame_equal(rebuilt, fresh)


def test_track_record_claim_is_the_difference_of_good_and_poor_track_records(default_market: Path) -> None:
    """The ledger's track-record claim (issue #40.2) is mean CAR(0,60) of purchases whose insiders' earlier closed
    trades had a positive mean signed CAR minus that of purchases whose had not, recomputed here from an event
    study of the study's events and the track record computed afresh; without insider identities the claim is
    not testable and says why."""
    import dataclasses

    import insider_kit as ik

    study = load_study(default_market)
    assert {"track_car", "track_n"} <= set(study.events.columns)
    fresh = ik.insider_track_record(study.events, study.transactions, study.panel)
    pd.testing.assert_frame_equal(study.events[fresh.columns], fresh, check_dtype=False)
    led = run_ledger(study).set_index("id")
    row = led.loc["track_record"]
    res = ik.event_study(study.events, study.panel, model="market_adjusted", estimation=(-250, -21),
                         window=(-5, 60), car_windows=[(-5, -1), (0, 60)], min_estimation=60, group="direction",
                         max_loss=0.9)
    E, car = res.events, res.car[(0, 60)]
    buy = (E["direction"] == "buy") & car.notna()
    good, poor = buy & (E["track_car"] > 0), buy & (E["track_car"] <= 0)
    assert good.sum() >= 30 and poor.sum() >= 30  # the teaching market has both
    assert row["n"] == good.sum() and row["n_ref"] == poor.sum()
    assert row["estimate"] == pytest.approx(car[good].mean() - car[poor].mean(), rel=1e-9)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    # no insider named: not testable, with the reason
    bare = dataclasses.replace(study, events=study.events.drop(columns=list(fresh.columns)))
    nt = run_ledger(bare).set_index("id").loc["track_record"]
    assert nt["verdict"] == "not testable" and "track_car" in nt["reason"]


def test_q_values_are_over_the_claims_the_data_can_test(default_market: Path) -> None:
    """A claim that is not testable (too few events on a side) has no p-value, interval or q-value, and is not in
    the Benjamini-Hochberg family: the testable claims' q-values are BH over their own p-values only (before, a
    one-month market claim's p = 1e-11 entered the family and made every other q smaller)."""
    from scipy.stats import false_discovery_control

    study = load_study(default_market)
    led = run_ledger(study, min_n=800).set_index("id")
    nt = led["verdict"] == "not testable"
    assert nt.sum() >= 3 and (~nt).sum() >= 3
    assert led.loc[nt, ["p", "q_bh", "p_holm", "ci_low", "ci_high"]].isna().all().all()
    assert led.loc[nt & (led["n"] > 0), "estimate"].notna().any()  # (the estimate and N are still shown)
    p = led.loc[~nt, "p"].astype(float)
    np.testing.assert_allclose(led.loc[~nt, "q_bh"].astype(float), false_discovery_control(p, method="bh"), rtol=1e-12)
