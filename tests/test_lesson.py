"""The teaching notebook as a lesson (issue #37): its checks compare with the teaching market's truth, and the
student edition leaves the solutions out."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from insider_kit.cli import main
from insider_kit.reports import PACKAGE_NOTEBOOKS, SOLUTION_TAG, student_edition

LESSON = PACKAGE_NOTEBOOKS / "05_event_study_101.py"


def test_the_student_edition_has_every_exercise_and_no_solution(tmp_path: Path) -> None:
    import jupytext

    full = jupytext.read(str(LESSON))
    sol = [c for c in full.cells if SOLUTION_TAG in c.metadata.get("tags", [])]
    assert len(sol) == 3 and all("assert check(study," in c.source for c in sol)  # each solution is checked
    assert main(["-q", "lesson", "--out", str(tmp_path)]) == 0
    nb = nbformat.read(str(tmp_path / "05_event_study_101_student.ipynb"), as_version=4)
    assert not [c for c in nb.cells if SOLUTION_TAG in c.metadata.get("tags", [])]
    text = "\n".join(c.source for c in nb.cells)
    assert all(f"**Exercise {k}.**" in text for k in (1, 2, 3)) and text.count("# Try it here.") == 3
    assert "answer1" not in text and "leak_share(study)" not in text
    assert len(nb.cells) == len(full.cells) - 3
    assert main(["-q", "lesson", "--out", str(tmp_path / "05_event_study_101_student.ipynb")]) == 2  # a file


def test_student_edition_of_an_ipynb(tmp_path: Path) -> None:
    src = tmp_path / "x.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", metadata={"tags": [SOLUTION_TAG]}),
                                         nbformat.v4.new_code_cell("2")])
    nbformat.write(nb, str(src))
    out = nbformat.read(str(student_edition(src, tmp_path / "s.ipynb")), as_version=4)
    assert [c.source for c in out.cells] == ["2"]


@pytest.mark.slow
def test_the_checks_accept_the_truth_and_refuse_a_wrong_answer(capsys: pytest.CaptureFixture[str]) -> None:
    """A self-check that accepted anything would teach nothing: the truth passes, a number far off fails."""
    import insider_kit as ik
    from insider_kit.sample.lesson import check, exercise_answer

    study = ik.load_study("sample")
    for k in (1, 3):
        ref, tol = exercise_answer(study, k)
        assert check(study, k, ref) and not check(study, k, ref + 3 * tol)
    assert "not yet" in capsys.readouterr().out
    assert study.truth["spec"]["info_leak"] == exercise_answer(study, 3)[0]
