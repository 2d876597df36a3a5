"""Form 4 XML parser: hand-made documents in the real layouts, the real EDGAR documents, hostile input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from insider_kit.errors import DataError
from insider_kit.filings import parse_form4, parse_form4_files
from tests.fixtures import form4_docs as D


def test_two_owners_one_trade_each_line() -> None:
    """Guards against a dropped second reporting owner (joint 10% owners)."""
    doc = parse_form4(D.OLD_SCHEMA_TWO_OWNERS, name="old.xml", accession="0000000000-04-000001", filing_date="2004-05-05")
    assert [o["owner_cik"] for o in doc.owners] == ["0000000901", "0000000902"]
    assert all(o["role"] == "TenPercentOwner" for o in doc.owners)
    assert len(doc.rows) == 2 and all(r["n_owners"] == 2 for r in doc.rows)


def test_price_only_footnoted_is_missing_not_the_footnote_id() -> None:
    """Guards against a price read from a footnote reference: the first purchase has no price."""
    doc = parse_form4(D.OLD_SCHEMA_TWO_OWNERS, name="old.xml", filing_date="2004-05-05")
    first, second = doc.rows
    assert first["price"] is None and first["value"] is None
    assert first["shares"] == 10_000.0  # "10,000"
    assert first["footnotes"] == "Price to be reported by amendment."
    assert second["price"] == pytest.approx(12.40) and second["value"] == pytest.approx(31_000.0)
    assert second["trans_date"] == pd.Timestamp("2004-05-04")  # "2004-05-04-05:00" keeps the date
    assert doc.remarks == "Joint filing."
    assert first["plan_10b5_1"] is None  # pre-2023: no checkbox, no footnote -> unknown


def test_sgml_submission_header_and_acceptance_time() -> None:
    """Guards against a filing date or acceptance time off by the header/timezone."""
    doc = parse_form4(D.NEW_SCHEMA_SUBMISSION, name="sub.txt")
    assert doc.accession == "0009999999-25-000042"
    assert doc.filing_date == pd.Timestamp("2025-06-02")
    assert doc.accepted_at == pd.Timestamp("2025-06-02 16:30:01", tz="America/New_York")
    assert doc.aff10b5one is False
    assert doc.owners[0]["role"] == "CFO"  # "Principal Financial Officer"


def test_footnote_plan_overrides_unticked_checkbox_and_tables_are_kept_apart() -> None:
    """Guards against a 10b5-1 flag lost when the box is unticked but a footnote says plan."""
    rows = parse_form4(D.NEW_SCHEMA_SUBMISSION, name="sub.txt").rows
    by = {(r["table"], r["trans_code"]): r for r in rows}
    s = by[("nonderivative", "S")]
    assert s["plan_10b5_1"] is True and s["plan_source"] == "footnote"
    f = by[("nonderivative", "F")]
    assert f["plan_10b5_1"] is False and f["plan_source"] == "checkbox"
    assert by[("derivative", "M")]["trans_date"] == pd.Timestamp("2025-05-29")
    assert s["shares_after"] == 0.0  # sold 100% of the holding


@pytest.mark.parametrize("doc,match", [(D.XXE, "DOCTYPE"), (D.BILLION_LAUGHS, "DOCTYPE"), (D.MALFORMED, "malformed")])
def test_hostile_and_malformed_xml_is_refused(doc: bytes, match: str) -> None:
    with pytest.raises(DataError, match=rf"evil.xml.*{match}"):
        parse_form4(doc, name="evil.xml")


def test_oversized_document_refused() -> None:
    with pytest.raises(DataError, match="limit"):
        parse_form4(D.NEW_SCHEMA_BODY, name="big.xml", max_bytes=1000)


def test_not_an_ownership_document() -> None:
    with pytest.raises(DataError, match="expected <ownershipDocument>"):
        parse_form4(b"<?xml version='1.0'?><html><body/></html>", name="page.xml")


def test_files_to_tidy_frame(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(D.NEW_SCHEMA_SUBMISSION)
    tx, owners, skipped = parse_form4_files([tmp_path / "a.txt"])
    assert len(tx) == 3 and len(owners) == 1 and skipped.empty
    assert tx["source"].eq("edgar_xml").all()
    assert str(tx["accepted_at"].dtype) == "datetime64[ns, America/New_York]"
    assert tx["accepted_at"].iloc[0].hour == 16


# --------------------------------------------------------------------------- real documents
EG = "dgunning__edgartools/ownership_xml"
SY = "syeo-1__secform4project"


@pytest.mark.real_data
def test_real_aapl_pre_checkbox_plan_from_footnotes(real: Path) -> None:
    """AAPL 2022 (X0306): seven S rows whose 10b5-1 status is only in footnotes; none may be lost."""
    doc = parse_form4((real / EG / "cassette__0000320193-22-000061.ownership.xml").read_bytes(), name="aapl")
    assert doc.ticker == "AAPL" and len(doc.rows) == 7
    assert all(r["trans_code"] == "S" for r in doc.rows)
    assert all(r["plan_10b5_1"] is True and r["plan_source"] == "footnote" for r in doc.rows)


@pytest.mark.real_data
def test_real_draftkings_checkbox_ticked(real: Path) -> None:
    """DKNG 2025 (X0508): aff10b5One=1, three sales; the 10b5-1 flag must be True on each."""
    doc = parse_form4((real / SY / "draftking_multi_disposal.xml").read_bytes(), name="dkng")
    assert doc.aff10b5one is True and doc.accession == "0001104659-25-025206"
    assert [r["trans_code"] for r in doc.rows] == ["S", "S", "S"]
    assert all(r["plan_10b5_1"] is True for r in doc.rows)
    assert doc.rows[0]["shares"] == 49_252.0 and doc.rows[0]["price"] == pytest.approx(37.59)
    assert doc.accepted_at == pd.Timestamp("2025-03-18 20:01:08", tz="America/New_York")


@pytest.mark.real_data
def test_real_softbank_eight_owners(real: Path) -> None:
    """BETR: eight reporting owners on one filing; every one is kept, the trade is not repeated."""
    doc = parse_form4((real / SY / "softbank_derivative_acquisition.xml").read_bytes(), name="betr")
    assert len(doc.owners) == 8
    assert len({o["owner_cik"] for o in doc.owners}) == 8
    assert all(r["n_owners"] == 8 for r in doc.rows)


@pytest.mark.real_data
def test_real_forms_3_and_5(real: Path) -> None:
    """Form 3s carry holdings only (skipped cleanly); the Form 5 gift is read."""
    f3 = parse_form4((real / EG / "data__form3.snow.nonderiv.xml").read_bytes(), name="f3")
    assert f3.form_type == "3" and f3.rows == [] and len(f3.owners) == 2
    f5 = parse_form4((real / EG / "data__ownership__form5.snow.xml").read_bytes(), name="f5")
    assert f5.form_type == "5" and [r["trans_code"] for r in f5.rows] == ["G"]


@pytest.mark.real_data
def test_real_snow_cfo_exercise_and_sell(real: Path) -> None:
    """SNOW 2022: CFO exercises (M) then sells (S); derivative and non-derivative rows both kept."""
    doc = parse_form4((real / EG / "data__form4.snow.xml").read_bytes(), name="snow")
    codes = [(r["table"], r["trans_code"]) for r in doc.rows]
    assert ("derivative", "M") in codes and ("nonderivative", "S") in codes
    assert doc.owners[0]["role"] == "CFO"
