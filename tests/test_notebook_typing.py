"""Notebook cells need no ``# type: ignore``: a parameter annotated with the kit's ``Literal`` alias passes
type-checked into the kit (mypy, run on cells as the notebooks would write them), papermill still reads the
parameter, and a report refuses a value outside the alias's choices before anything runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from insider_kit.errors import ConfigError
from insider_kit.reports import check_parameters, to_notebook

CELLS = '''# %% tags=["parameters"]
from insider_kit.eventstudy import Model
from insider_kit.events import EventDate

data_dir: str = ""  # data directory
model: Model = "market_adjusted"  # return model
event_date: EventDate = "filing"  # "filing" or "trade"
window_end: int = 60  # last day of the window

# %%
import insider_kit as ik
from insider_kit.plots import figure_of

study = ik.load_study(data_dir or None)
events = ik.build_events(study.transactions, date=event_date)
res = ik.event_study(study.events, study.panel, model=model, group="direction", window=(-10, window_end))
for d in ("filing", "trade"):
    e = study.events_by(date=d)
ax = res.plot(title="CAAR")
figure_of(ax).savefig("car.pdf")
'''


ROOT = Path(__file__).resolve().parents[1]


def test_annotated_parameters_type_check_without_ignores(tmp_path: Path) -> None:
    """One mypy run over the cells as the notebooks should write them (clean) and as they were written, with
    ``str`` parameters (the two ``arg-type`` errors the notebooks silenced with ``# type: ignore``)."""
    env = {**os.environ, "MYPYPATH": str(ROOT)}  # the kit's source (an editable install hides it from mypy)
    (tmp_path / "typed_cells.py").write_text(CELLS)
    (tmp_path / "str_cells.py").write_text(CELLS.replace("model: Model", "model: str")
                                          .replace("event_date: EventDate", "event_date: str"))
    out = subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", "--cache-dir",
                          str(tmp_path / ".mypy_cache"), "typed_cells.py", "str_cells.py"],
                         capture_output=True, text=True, check=False, cwd=tmp_path, env=env)
    errors = [line for line in out.stdout.splitlines() if ": error:" in line]
    assert errors and all(e.startswith("str_cells.py") and e.endswith("[arg-type]") for e in errors), out.stdout
    assert len(errors) == 2, out.stdout


def test_papermill_reads_annotated_parameters_and_reports_check_them(tmp_path: Path) -> None:
    import papermill as pm

    header = ("# ---\n# jupyter:\n#   jupytext:\n#     formats: py:percent\n#   kernelspec:\n#     display_name: Python 3\n"
              "#     language: python\n#     name: python3\n# ---\n\n")
    (tmp_path / "n.py").write_text(header + CELLS)
    declared = pm.inspect_notebook(str(to_notebook(tmp_path / "n.py", tmp_path / "n.ipynb")))
    assert declared["model"]["inferred_type_name"] == "Model"
    assert declared["event_date"]["inferred_type_name"] == "EventDate"
    check_parameters({"model": "ff3", "event_date": "trade", "window_end": 20}, declared, "n")
    with pytest.raises(ConfigError, match="'model' of n is one of 'raw'"):
        check_parameters({"model": "ff6"}, declared, "n")  # (ff5 became a model: issue #37)
    with pytest.raises(ConfigError, match="'event_date' of n is one of 'filing', 'trade'"):
        check_parameters({"event_date": "filed"}, declared, "n")
