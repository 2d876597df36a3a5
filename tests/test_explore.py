"""The explorer and the kit's figures in a real Jupyter kernel (nbclient): one answer on screen after a change,
purchases and sales never pooled, small groups refused, a figure shown once without boilerplate; and the y
limits of CAAR panels against a hand-made case."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from insider_kit.explore import explorer_groups
from insider_kit.plots import band_limits, figure_of, plot_caar_panels


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from insider_kit.sample import SampleSpec, generate_sample

    root = tmp_path_factory.mktemp("explore") / "sample"
    generate_sample(root, seed=3, spec=SampleSpec(n_firms=40, start="2018-01-02", end="2022-12-30"), progress=False)
    return root


def _run(cells: list[str], cwd: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _kinds(cell: nbformat.NotebookNode) -> list[str]:
    out = []
    for o in cell.outputs:
        if o.output_type == "error":
            raise AssertionError(f"{o.ename}: {o.evalue}")
        if o.output_type == "stream":
            out.append(f"stream:{o.name}")
        else:
            out.append("png" if "image/png" in o.get("data", {}) else "html" if "text/html" in o.get("data", {})
                       else "text")
    return out


def test_explorer_replaces_its_output_and_splits_by_direction(market: Path, tmp_path: Path) -> None:
    """After a change the first figure and table stayed on screen under the new ones (two conflicting answers);
    "group by top_role" pooled purchases and sales."""
    nb = _run([
        "import matplotlib\n%matplotlib inline\n"
        f"import insider_kit as ik\nfrom insider_kit.explore import explorer\nstudy = ik.load_study({str(market)!r})",
        "e = explorer(study)\ne",
        "e.group.value = 'top_role'",
        "e.end.value = 20",
    ], tmp_path)
    first, *later = nb.cells[1:]
    kinds = _kinds(first)
    # the controls (with their static note), the note, one figure, one table: no more after two changes
    assert kinds.count("png") == 1 and len(kinds) == 4, kinds
    assert all(not c.outputs for c in later), [c.outputs for c in later]
    note = first.outputs[1]["data"]["text/html"]
    table = first.outputs[3]["data"]["text/html"]
    assert "purchases and sales are never pooled" in note
    assert "buy · " in table and "sell · " in table, "top_role groups not split by direction"
    assert "Not drawn, fewer than 30 events" in note  # the small market has small role groups
    assert "window (-5, 20)" in table  # the last change (window end 20) is what the table shows
    png = base64.b64decode(first.outputs[2]["data"]["image/png"])
    assert png[:4] == b"\x89PNG"


def test_a_plot_displays_once_without_boilerplate(market: Path, tmp_path: Path) -> None:
    """A cell that only assigns ``ax = res.plot(...)`` shows its figure once (the inline backend), with no
    ``display(ax.figure); plt.close(...)``."""
    nb = _run([
        "%matplotlib inline\n"
        f"import insider_kit as ik\nstudy = ik.load_study({str(market)!r})\n"
        "res = ik.event_study(study.events, study.panel, group='direction', model='market_adjusted')",
        "ax = res.plot(title='CAAR')",
        "ax = res.plot(title='CAAR')\nik.plots.figure_of(ax).savefig('car.pdf')",
    ], tmp_path)
    assert _kinds(nb.cells[1]) == ["png"]
    assert _kinds(nb.cells[2]) == ["png"]
    assert (tmp_path / "car.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_first_load_study_says_what_it_builds(tmp_path: Path) -> None:
    """The first ``load_study`` of a fresh directory ran ~20 s in a notebook with no message: a status line is
    shown while it builds and replaced by what was built (no stderr); a second load (cached) shows none."""
    from insider_kit.sample import SampleSpec, generate_sample

    root = tmp_path / "fresh" / "sample"
    generate_sample(root, seed=5, spec=SampleSpec(n_firms=20, start="2019-01-02", end="2021-12-30"), progress=False)
    nb = _run([f"import insider_kit as ik\nstudy = ik.load_study({str(root)!r})",
               f"study = ik.load_study({str(root)!r})"], tmp_path)
    first = nb.cells[0].outputs
    assert len(first) == 1 and first[0].output_type == "display_data", first
    text = first[0]["data"]["text/plain"]
    assert text.startswith(f"built the study for {root}") and text.endswith(" s)"), text
    assert not nb.cells[1].outputs, nb.cells[1].outputs


def test_explorer_groups_refuse_small_groups() -> None:
    ev = pd.DataFrame({"direction": ["buy"] * 50 + ["sell"] * 60,
                       "top_role": ["CEO"] * 45 + ["CFO"] * 5 + ["CEO"] * 3 + ["Director"] * 57})
    g, refused = explorer_groups(ev, "top_role", min_n=30)
    assert g.value_counts().to_dict() == {"sell · Director": 57, "buy · CEO": 45}
    assert refused.to_dict() == {"buy · CFO": 5, "sell · CEO": 3}
    g, refused = explorer_groups(ev, "direction", min_n=30)
    assert g.value_counts().to_dict() == {"sell": 60, "buy": 50} and refused.empty


def _caar(groups: dict[str, tuple[float, float]]) -> pd.DataFrame:
    days = np.arange(-5, 61)
    rows = []
    for g, (end, half) in groups.items():
        c = np.linspace(0, end, len(days))
        rows.append(pd.DataFrame({"group": g, "rel_day": days, "caar": c, "lower": c - half, "upper": c + half,
                                  "n": 100}))
    return pd.concat(rows, ignore_index=True)


def test_a_tiny_groups_band_does_not_flatten_the_panels() -> None:
    """Shared y axes were stretched by a N = 3 group's +-60% band until the other curves were flat."""
    import matplotlib.pyplot as plt

    caar = _caar({"a": (0.05, 0.01), "b": (-0.02, 0.01), "c": (0.01, 0.6), "d": (0.0, 0.005)})
    lo, hi = band_limits(caar)
    # curves span -2%..5%: limits = that range padded by itself (7 points) on each side, not +-60%
    assert (lo, hi) == pytest.approx((-9.0, 12.0))
    ax = plot_caar_panels(caar)
    fig = ax.figure
    assert ax.get_ylim() == pytest.approx((-9.0, 12.0))
    titles = [a.get_title() for a in fig.axes if a.get_visible()]
    assert [("band clipped" in t) for t in titles] == [False, False, True, False]
    plt.close(figure_of(ax))
    # bands that fit: the axis scales itself
    assert band_limits(_caar({"a": (0.05, 0.01), "b": (-0.02, 0.01)})) is None
