"""Publication output (issue #38, item 10): every plot function's result is written as PDF and SVG in one call
(:func:`insider_kit.plots.save_figure`), and the ledger's LaTeX table compiles (skipped without ``pdflatex``;
``make test`` installs it as root).  The regression table's and a results object's LaTeX are compiled in
``tests/test_results_protocol.py``."""

from __future__ import annotations

import inspect
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import insider_kit as ik
from insider_kit import plots
from insider_kit.errors import ConfigError
from insider_kit.plots import figure_of, save_figure


def _caar() -> pd.DataFrame:
    """The CAAR table of a small event study with four groups (random returns)."""
    from insider_kit.prices import returns_panel

    rng = np.random.default_rng(5)
    T, K, n = 500, 30, 300
    dates = pd.bdate_range("2016-01-04", periods=T)
    m = rng.normal(0.0003, 0.01, T)
    panel = returns_panel(pd.DataFrame(m[:, None] + rng.normal(0, 0.015, (T, K)), index=dates,
                                       columns=[f"T{i:02d}" for i in range(K)]), market=pd.Series(m, index=dates),
                          kind="return")
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, n), "date": dates[rng.integers(260, 470, n)],
                       "g": rng.choice(["buy", "sell", "x", "y"], n)})
    return ik.event_study(ev, panel, group="g", window=(-5, 20), car_windows=[(0, 20)]).caar()


def test_every_plot_function_returns_axes_that_save_figure_writes() -> None:
    """Each ``plot_*`` returns ``Axes`` (so ``save_figure(ax, path)`` or ``figure_of(ax).savefig(path)`` is one call)."""
    fns = [getattr(plots, n) for n in plots.__all__ if n.startswith("plot_")]
    assert len(fns) >= 10
    for f in fns:
        assert inspect.signature(f).return_annotation in ("Axes", "'Axes'"), f.__name__


@pytest.mark.parametrize("suffix, magic", [(".pdf", b"%PDF-"), (".svg", b"<?xml")])
def test_save_figure_writes_pdf_and_svg(tmp_path: Path, suffix: str, magic: bytes) -> None:
    """A single plot and a multi-panel plot (one panel's Axes saves the whole figure) are written as vector files."""
    import matplotlib.pyplot as plt

    caar = _caar()
    single = plots.plot_caar(caar[caar["group"].isin(["buy", "sell"])], title="CAAR")
    assert isinstance(single.figure, type(figure_of(single)))
    panels = plots.plot_caar_panels(caar, reference="buy", title="panels")
    for name, ax in (("single", single), ("panels", panels)):
        out = save_figure(ax, tmp_path / "figs" / f"{name}{suffix}")
        data = out.read_bytes()
        assert out == tmp_path / "figs" / f"{name}{suffix}" and data.startswith(magic) and len(data) > 2000
        if suffix == ".svg":
            assert b"<svg" in data[:3000] and data.rstrip().endswith(b"</svg>")
    assert [p.name for p in (tmp_path / "figs").iterdir() if p.name.startswith(".")] == []  # no temporary left
    fig = figure_of(single)
    assert save_figure(fig, tmp_path / "fig.png", dpi=50).read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ConfigError, match="unknown format"):
        save_figure(single, tmp_path / "fig.docx")
    plt.close("all")


def test_ledger_latex_compiles(default_market: Path, tmp_path: Path) -> None:
    """The ledger's ``to_latex()`` is a booktabs table pdflatex compiles (skipped without a TeX engine)."""
    ledger = ik.run_ledger(ik.load_study(default_market))
    tex = ledger.to_latex(caption="Claims, tested", label="tab:ledger")
    assert tex.count("\\\\") >= len(ledger) + 1 and "\\toprule" in tex and "\\label{tab:ledger}" in tex
    assert "e-" not in tex  # (one p-value format: no scientific notation)
    if shutil.which("pdflatex") is None:
        pytest.skip("no pdflatex on this machine")
    doc = "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n" + tex + "\\end{document}\n"
    (tmp_path / "ledger.tex").write_text(doc)
    out = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "ledger.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:]
    assert (tmp_path / "ledger.pdf").read_bytes()[:5] == b"%PDF-"
