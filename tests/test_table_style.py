"""One number style in every table a reader sees (issue #38, item 3): every notebook rendered (once per session,
on the default teaching market), the landing page and the claim pages; each HTML table scanned as a reader
would read it (``tests/_table_style.py``: returns in percent, counts with separators, one p/q format, prices as
prices, no scientific notation or six-digit decimals, no 0..n-1 index); and the teaching market's data-quality
warnings true (item 8: each flagged ticker is one the generator planted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _table_style import check_table, scan_folder, scan_page, tables

from insider_kit.tables import DisplayFrame, display_frame, fmt_pvalue, style_table


@pytest.mark.slow
def test_every_table_of_the_reports_is_in_the_kit_style(rendered_reports: tuple[Path, Any]) -> None:
    """Before the fix the same scan found 1,419 problems in a default report (six-digit decimals, 0..17 indexes,
    p-values as 1.27e-11 beside 0.758, counts as 2615, dollar values as 133700.56)."""
    out, res = rendered_reports
    assert res.ok, res.failed
    n_tables = sum(len(list(tables(p.read_text()))) for p in [out / "index.html", *(out / "claims").glob("*.html")])
    from _table_style import html_outputs

    n_tables += sum(len(list(tables(h))) for nb in out.glob("*.ipynb") for _, h in html_outputs(nb))
    assert n_tables > 80  # (the scan saw the tables: notebooks, landing page, claim pages)
    problems = scan_folder(out)
    assert not problems, f"{len(problems)} cells out of style:\n" + "\n".join(map(str, problems[:30]))


def test_the_style_scan_catches_each_broken_rule() -> None:
    """The scan is not vacuous: a plain pandas table breaks every rule it checks, and the kit's display of the same
    numbers passes."""
    raw = pd.DataFrame({"ticker": ["AAA", "BBB"], "mean_car": [0.0123456, -0.002], "n_events": [2615, 12],
                        "q_bh": [1.27e-11, 0.758], "price": [-0.15, 18.99], "value": [133700.56, 5.0],
                        "signal": [0.1234567, 1.5]})
    found = scan_page(raw.to_html(), "raw")
    rules = {p.rule for p in found}
    assert {"a 0..n-1 row index", "a return or share not in percent", "scientific notation",
            "a count not an integer with thousands separators", "more than four decimals",
            "a large number without thousands separators"} <= rules, rules
    shown_as_pct = style_table(raw, percent=["mean_car", "price"])  # a price in percent is caught
    assert scan_page(pd.DataFrame({"date": pd.to_datetime(["2024-12-14"])}).style.to_html(), "d")[0].rule == (
        "a date shown with a midnight time")
    assert any(p.rule == "a price shown as a percentage" for p in scan_page(shown_as_pct, "pct"))
    kit = display_frame(raw, price=["price"])
    assert scan_page(kit._repr_html_(), "kit") == []
    html = kit._repr_html_()
    assert all(s in html for s in ("1.23%", "2,615", "< 0.001", "0.758", "$133,701", "-0.15")) and "−15" not in html


def test_a_display_frame_keeps_its_numbers_and_its_style() -> None:
    """Code computes with the numbers; selections and ``head`` keep the display; ``to_frame`` gives a plain frame."""
    df = pd.DataFrame({"mean_car": [0.031, -0.004, 0.0], "n": [1200, 30, 7], "label": list("abc")})
    t = display_frame(df, count=["n"])
    assert isinstance(t, DisplayFrame) and isinstance(t, pd.DataFrame)
    np.testing.assert_array_equal(t["mean_car"].to_numpy(), df["mean_car"].to_numpy())
    assert float(t["mean_car"].sum()) == pytest.approx(0.027)
    for view in (t.head(2), t[["mean_car", "n"]], t[t["n"] > 10], t.copy()):
        assert isinstance(view, DisplayFrame) and "3.10%" in view._repr_html_() and "1,200" in view._repr_html_()
    assert type(t.to_frame()) is pd.DataFrame
    assert ">0<" not in t._repr_html_().replace(" ", "")  # the 0, 1, 2 index is not shown


def test_one_p_value_format() -> None:
    """One format down a column: three decimals, or ``< 0.001`` (never 1.27e-11 beside 0.758)."""
    got = [fmt_pvalue(v) for v in (1.27e-11, 0.0004999, 0.0005, 0.012345, 0.758, 1.0)]
    assert got == ["< 0.001", "< 0.001", "0.001", "0.012", "0.758", "1.000"]


def test_the_scan_reads_headers_and_index_columns() -> None:
    """A MultiIndex head and an index column are read as a reader sees them: each cell under its own header."""
    df = pd.DataFrame({"mean_car": [0.01, 0.02]}, index=pd.Index([0.0, 0.01], name="effect"))
    (heads, body), = tables(df.to_html())
    assert heads[0] == "effect" and heads[1] == "mean_car" and body[0][0] == ("0.00", True)
    probs = check_table(heads, body, "t", 0)
    assert {p.column for p in probs} == {"effect", "mean_car"}
    assert check_table(*next(iter(tables(display_frame(df)._repr_html_()))), "t", 0) == []


def test_the_teaching_markets_data_quality_warnings_are_true(default_market: Path) -> None:
    """Item 8 of issue #38: every warning and every flagged day of the teaching market's data-quality report is
    a problem the generator planted (truth.json: the unadjusted splits, the delistings) and is named as such; no
    survivorship alarm (the market plants delistings with their returns)."""
    import insider_kit as ik

    truth = json.loads((default_market / "truth.json").read_text())
    study = ik.load_study(default_market)
    q = study.quality()
    assert q.warnings == []  # (no bold alarm: nothing the generator did not plant)
    unadj = {(s["ticker"], s["date"]) for s in truth["unadjusted_splits"]}
    delisted = {d["ticker"] for d in truth["delisted"]}
    assert unadj and delisted
    sus = q.suspicious
    split_rows = sus[sus["reason"].str.startswith("likely unadjusted split")]
    assert {(t, f"{pd.Timestamp(d):%Y-%m-%d}") for t, d in zip(split_rows["ticker"], split_rows["date"],
                                                                strict=True)} == unadj
    dl_rows = sus[sus["reason"].str.startswith("delisting return")]
    assert set(dl_rows["ticker"].astype(str)) <= delisted
    # nothing else is flagged: every row is a planted split or a planted delisting
    other = sus.drop(index=split_rows.index.union(dl_rows.index))
    assert other.empty, other
    assert set(sus["ticker"].astype(str)) <= {t for t, _ in unadj} | delisted
    assert any(f"{len(delisted):,} series end with a known delisting return" in f for f in q.findings)
    # the landing page shows the same: the report's quality section names both, and has no warning line
    html = q._repr_html_()
    assert "<li><b>" not in html and "likely unadjusted split" in html and "delisting return" in html
