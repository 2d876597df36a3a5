"""Every notebook runs top to bottom through papermill on the default teaching market (rendered once per session)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from insider_kit.claims import CLAIMS
from insider_kit.reports import notebook_sources

NB_DIR = Path(__file__).parents[1] / "notebooks"


@pytest.mark.slow
def test_all_notebooks_render(rendered_reports: tuple[Path, Any], default_market: Path) -> None:
    out, res = rendered_reports  # (rendered once per session, on the default teaching market: tests/conftest.py)
    root = default_market
    assert res.ok, res.failed
    assert len(res.rendered) == len(notebook_sources(NB_DIR)) == 9
    # every notebook's time is kept with the study (the next report starts the longest first)
    from insider_kit.study import load_study

    times = json.loads((Path(load_study(root).meta["cache_dir"]) / "report_timings.json").read_text())
    assert sorted(times) == sorted(r.stem for r in res.rendered) and all(v > 0 for v in times.values())
    # claims.csv is the ledger with the settings the notebooks were given (notebook 03's)
    import pandas as pd

    from insider_kit.claims import run_ledger

    csv = pd.read_csv(out / "claims.csv", keep_default_na=False)
    want = run_ledger(load_study(root), min_n=10)
    assert csv["verdict"].tolist() == want["verdict"].tolist() and csv["n"].tolist() == want["n"].tolist()
    index = (out / "index.html").read_text()
    assert "SYNTHETIC DATA" in index
    for r in res.rendered:
        assert f'href="{r.name}"' in index and r.exists()
    import re

    for href in re.findall(r'href="([^"]+)"', index):  # every link in the index resolves
        assert (out / href).exists(), href
    ledger = (out / "claims.csv")
    assert ledger.exists() and "claims.csv" in index
    import pandas as pd

    led = pd.read_csv(ledger)
    assert set(led["verdict"]) <= {"supported", "contradicted", "inconclusive", "not testable"} and len(led) == len(CLAIMS)
    assert led["synthetic"].all()
    # quiet: no warning or other stderr text in any rendered notebook
    for r in res.rendered:
        book = json.loads(r.with_suffix(".ipynb").read_text())
        noise = [o for c in book["cells"] for o in c.get("outputs", [])
                 if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        assert not noise, (r.name, "".join(noise[0]["text"])[:300])
    claim_page = (out / "claims" / "cluster_selling.html").read_text()
    assert "Robustness" in claim_page and "SYNTHETIC DATA" in claim_page
    nb = json.loads((out / "00_quickstart.ipynb").read_text())
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in nb["cells"] for o in c.get("outputs", [])), "the CAAR figure was not drawn"


def test_reports_start_the_longest_notebooks_first(tmp_path: Path) -> None:
    """Two lanes end together when the longest notebooks start first: the last report's times decide, a
    notebook never timed goes first, and without times the order measured at universe scale is used."""
    from types import SimpleNamespace

    from insider_kit.reports import _SLOWEST_FIRST, _Timings

    nbs = [Path(f"{s}.ipynb") for s in ("00_quickstart", "01_data_tour", "03_when_selling_matters",
                                         "05_event_study_101", "07_screen")]
    study = SimpleNamespace(meta={"cache_dir": str(tmp_path)})
    fresh = _Timings(study)
    order = [p.stem for p in fresh.longest_first(nbs)]
    assert order[:3] == [s for s in _SLOWEST_FIRST if s in order[:3]] and order[:3] == [
        "05_event_study_101", "03_when_selling_matters", "00_quickstart"]
    assert order[3:] == ["01_data_tour", "07_screen"]
    for stem, secs in {"00_quickstart": 5.0, "01_data_tour": 40.0, "03_when_selling_matters": 12.0,
                       "05_event_study_101": 30.0}.items():
        fresh.record(stem, secs)
    fresh.save()
    again = _Timings(study)  # the next report reads them back
    assert [p.stem for p in again.longest_first(nbs)] == [
        "07_screen", "01_data_tour", "05_event_study_101", "03_when_selling_matters", "00_quickstart"]
    (tmp_path / "report_timings.json").write_text("{not json")
    assert [p.stem for p in _Timings(study).longest_first(nbs)] == order  # unreadable: the static order
    assert _Timings(SimpleNamespace(meta={})).longest_first(nbs)[0].stem == "05_event_study_101"
