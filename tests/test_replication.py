"""Out-of-sample confirmation (issue #40): the split ledger on a small teaching market recovers the planted
fading effect (supported in discovery, not replicated later), and the periods hold exactly the events they
should."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import insider_kit as ik
from insider_kit.claims import CLAIMS, replicate, run_ledger
from insider_kit.claims.replication import split_date
from insider_kit.sample import SampleSpec, generate_sample
from insider_kit.study import load_study

FADE = "2022-01-03"


@pytest.fixture(scope="module")
def fading(tmp_path_factory: pytest.TempPathFactory) -> ik.Study:
    """A small market whose cluster sales carry -12% until 2022 and nothing after (the other effects as the
    default spec plants them, for the whole span)."""
    root = tmp_path_factory.mktemp("fade") / "sample"
    base = SampleSpec()
    spec = SampleSpec(n_firms=200, start="2017-01-03", end="2024-06-28", effects={**base.effects, "cluster_sale": -0.12},
                      fade_class="cluster_sale", fade_after=FADE, fade_to=0.0)
    generate_sample(root, seed=9, spec=spec, progress=False)
    return load_study(root)


@pytest.mark.slow
def test_the_split_ledger_recovers_the_fading_effect(fading: ik.Study) -> None:
    rep = replicate(fading, FADE).set_index("id")
    row = rep.loc["cluster_selling"]
    assert row["discovery_verdict"] == "supported", row.to_dict()
    assert row["later_verdict"] != "supported", row.to_dict()
    assert row["replicates"] is False or row["replicates"] == False  # noqa: E712 (a pandas boolean)
    # the later estimate is near the zero that was planted there: its CI covers 0 and not the discovery estimate
    assert row["later_ci_low"] <= 0 <= row["later_ci_high"]
    assert not (row["later_ci_low"] <= row["discovery_estimate"] <= row["later_ci_high"])
    assert list(rep.index) == [c.id for c in CLAIMS]
    unsupported = rep["discovery_verdict"] != "supported"
    assert rep.loc[unsupported, "replicates"].isna().all()
    assert rep.loc[~unsupported, "replicates"].notna().all()


@pytest.mark.slow
def test_each_period_is_the_ledger_of_exactly_its_events(fading: ik.Study) -> None:
    """The later period's ledger equals run_ledger on a study whose events are those from the split on (built
    by hand); the discovery period holds the events before the split whose CAR window closes before it."""
    d = pd.Timestamp(FADE)
    rep = replicate(fading, FADE).set_index("id")
    dates = fading.panel.dates
    cut = int(np.searchsorted(dates, d))
    ev = fading.events
    d0 = np.searchsorted(dates, pd.to_datetime(ev["date"]).to_numpy())
    disc = ((pd.to_datetime(ev["date"]) < d).to_numpy() & (d0 + 60 < cut)).sum()
    assert rep.attrs["split"]["discovery_events"] == disc
    assert rep.attrs["split"]["later_events"] == int((pd.to_datetime(ev["date"]) >= d).sum())
    import dataclasses

    later = dataclasses.replace(fading, events=ev[(pd.to_datetime(ev["date"]) >= d).to_numpy()], meta={}, _alt={},
                                _alt_meta={}, _pending={})
    led = run_ledger(later).set_index("id")
    mean_claims = [c.id for c in CLAIMS if c.kind in ("mean", "difference")]
    for cid in mean_claims:
        assert rep.loc[cid, "later_n"] == led.loc[cid, "n"]
        np.testing.assert_allclose(rep.loc[cid, "later_estimate"], led.loc[cid, "estimate"], rtol=1e-12)


def test_split_date_from_a_fraction_and_refusals(fading: ik.Study) -> None:
    d = split_date(fading, 0.25)
    share = (pd.to_datetime(fading.events["date"]) < d).mean()
    assert abs(share - 0.25) < 0.01
    with pytest.raises(ik.DataError, match="between 0 and 1"):
        split_date(fading, 1.5)
    with pytest.raises(ik.DataError, match="no events on one side"):
        split_date(fading, "1990-01-01")
    with pytest.raises(ik.DataError, match="neither a date nor a fraction"):
        split_date(fading, "soon")


def test_fading_spec_round_trips_through_a_spec_file(tmp_path: Path) -> None:
    import json

    from insider_kit.sample import load_spec

    f = tmp_path / "spec.json"
    f.write_text(json.dumps({"fade_class": "exec_unscheduled_sale", "fade_after": None}))
    s = load_spec(f)
    assert s.fade_class == "exec_unscheduled_sale" and s.fade_after is None
