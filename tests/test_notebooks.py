"""Every notebook runs top to bottom through papermill on a small teaching market."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from insider_kit.claims import CLAIMS
from insider_kit.reports import notebook_sources, render_reports
from insider_kit.sample import SampleSpec, generate_sample

NB_DIR = Path(__file__).parents[1] / "notebooks"


@pytest.mark.slow
def test_all_notebooks_render(tmp_path: Path) -> None:
    root = tmp_path / "sample"
    generate_sample(root, seed=3, spec=SampleSpec(n_firms=40, start="2018-01-02", end="2022-12-30"), progress=False)
    res = render_reports(data=root, out=tmp_path / "reports", notebooks_dir=NB_DIR,
                         params={"min_estimation": 60, "n_reps": 20, "min_n": 10})
    assert res.ok, res.failed
    assert len(res.rendered) == len(notebook_sources(NB_DIR)) == 8
    index = (tmp_path / "reports" / "index.html").read_text()
    assert "SYNTHETIC DATA" in index
    for r in res.rendered:
        assert f'href="{r.name}"' in index and r.exists()
    import re

    for href in re.findall(r'href="([^"]+)"', index):  # every link in the index resolves
        assert (tmp_path / "reports" / href).exists(), href
    ledger = (tmp_path / "reports" / "claims.csv")
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
    claim_page = (tmp_path / "reports" / "claims" / "cluster_selling.html").read_text()
    assert "Robustness" in claim_page and "SYNTHETIC DATA" in claim_page
    nb = json.loads((tmp_path / "reports" / "00_quickstart.ipynb").read_text())
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in nb["cells"] for o in c.get("outputs", [])), "the CAAR figure was not drawn"
