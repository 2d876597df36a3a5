"""SEC quarterly data set reader: hand-made zips in the real layout, plus the real 2024q3 tables."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insider_kit.config import DataPaths
from insider_kit.errors import DataError
from insider_kit.filings import apply_amendments, build_tidy, load_owners, load_transactions, read_quarter
from tests.fixtures.form345 import SUBMISSION_COLS, write_form345_zip


@pytest.fixture
def quarter(tmp_path: Path):
    return read_quarter(write_form345_zip(tmp_path / "2024q3_form345.zip"))


def row(tx: pd.DataFrame, acc: str) -> pd.Series:
    sel = tx[tx["accession"] == acc]
    assert len(sel) >= 1, acc
    return sel.iloc[0]


def test_dates_are_parsed_from_dd_mon_yyyy(quarter) -> None:
    """Guards against a date off by one or read as month/day swapped."""
    r = row(quarter.transactions, "0000000001-24-000001")
    assert r["filing_date"] == pd.Timestamp("2024-07-02")
    assert r["trans_date"] == pd.Timestamp("2024-06-28")


def test_price_is_the_value_not_the_footnote_id(quarter) -> None:
    """Guards against a price read from a footnote id column (TRANS_PRICEPERSHARE_FN='F2')."""
    r = row(quarter.transactions, "0000000001-24-000001")
    assert r["price"] == pytest.approx(25.5)
    assert r["value"] == pytest.approx(25_500.0)
    assert "Weighted average price" in r["footnotes"]


def test_footnote_plan_flag_and_role(quarter) -> None:
    """Guards against a 10b5-1 flag lost when it is only stated in a footnote (with an en dash)."""
    r = row(quarter.transactions, "0000000001-24-000001")
    assert bool(r["plan_10b5_1"]) is True
    assert r["plan_source"] == "footnote"
    assert r["role"] == "CEO"  # "Pres. & CEO"


def test_joint_filing_keeps_one_trade_and_every_owner(quarter) -> None:
    """Guards against a dropped second owner, or a trade counted twice for a joint filing."""
    tx = quarter.transactions
    joint = tx[tx["accession"] == "0000000002-24-000002"]
    assert len(joint) == 1
    assert joint.iloc[0]["n_owners"] == 2
    assert joint.iloc[0]["owner_cik"] == "0000000222"
    own = quarter.owners[quarter.owners["accession"] == "0000000002-24-000002"]
    assert set(own["owner_cik"]) == {"0000000222", "0000000333"}
    assert joint.iloc[0]["ticker"] == "BRK-B"


def test_bad_trans_date_is_reported_not_silently_lost(quarter) -> None:
    """31-SEP-2024 does not exist: the row goes to `dropped` with its reason."""
    d = quarter.dropped
    assert len(d) == 1
    assert "31-SEP-2024" in d.iloc[0]["reason"]
    assert quarter.stats["transaction_rows"] == quarter.stats["kept"] + quarter.stats["dropped"]


def test_junk_ticker_becomes_null_and_ciks_are_padded(quarter) -> None:
    r = row(quarter.transactions, "0000000005-24-000005")
    assert pd.isna(r["ticker"])  # "NONE"
    assert r["issuer_cik"] == "0000009999"
    assert r["role"] == "Chair"
    codes = set(quarter.transactions.loc[quarter.transactions["accession"] == "0000000005-24-000005", "trans_code"])
    assert codes == {"F", "M"}


def test_checkbox_column_used_when_the_quarter_has_it(tmp_path: Path) -> None:
    """Guards against ignoring AFF10B5ONE: unticked + no footnote is False, not unknown."""
    p = write_form345_zip(tmp_path / "x.zip", extra_sub_col=("AFF10B5ONE", ["0", "1", "0", "0", ""]))
    tx = read_quarter(p).transactions
    assert bool(row(tx, "0000000001-24-000001")["plan_10b5_1"]) is True  # footnote wins
    b = row(tx, "0000000002-24-000002")
    assert bool(b["plan_10b5_1"]) is True and b["plan_source"] == "checkbox"
    c = row(tx, "0000000003-24-000003")
    assert bool(c["plan_10b5_1"]) is False and c["plan_source"] == "checkbox"
    assert pd.isna(row(tx, "0000000005-24-000005")["plan_10b5_1"])


def test_amendment_replaces_its_original(quarter) -> None:
    """Guards against double counting: the 4/A (7,000 shares) supersedes the 4 (700 shares)."""
    kept, stats = apply_amendments(quarter.transactions)
    alpha_sales = kept[(kept["issuer_cik"] == "0000001234") & (kept["owner_cik"] == "0000000444")]
    assert list(alpha_sales["shares"]) == [7000.0]
    assert stats == {"amendments": 1, "amendments_replaced_rows": 1, "amendments_orphan": 0}


def test_amendment_pairs_equal_the_merge_of_every_filing() -> None:
    """The amendment rule's pairs, found among the filings of issuers that filed an amendment, are the pairs
    of the merge of every amendment with every original (missing issuers matching missing issuers, as in
    pandas' merge), in the same order."""
    from insider_kit.filings.tidy import _AMEND_COLUMNS, _AMEND_KEY, _amendment_pairs

    rng = np.random.default_rng(5)
    n_acc = 400
    filings = pd.DataFrame({
        "accession": [f"000{i:07d}-24-{i:06d}" for i in range(n_acc)],
        "form_type": rng.choice(["4", "4", "4", "4/A"], n_acc),
        "issuer_cik": pd.array(rng.choice([f"{i:010d}" for i in range(12)] + [None], n_acc), dtype="string[pyarrow]"),
        "owner_cik": pd.array(rng.choice([f"{i:010d}" for i in range(100, 104)] + [None], n_acc), dtype="string[pyarrow]"),
        "period_of_report": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 4, n_acc), unit="D"),
        "filing_date": pd.to_datetime("2024-01-03") + pd.to_timedelta(rng.integers(0, 6, n_acc), unit="D"),
    })
    filings["date_of_orig_sub"] = filings["filing_date"].where(rng.random(n_acc) < 0.3)
    filings["accession"] = filings["accession"].astype("string[pyarrow]")
    tx = filings.iloc[rng.integers(0, n_acc, 3 * n_acc)].reset_index(drop=True)  # several rows per filing
    is_amend = tx["form_type"].str.endswith("/A").to_numpy(bool)
    t = tx[_AMEND_COLUMNS]
    amends = t[is_amend].drop_duplicates("accession")
    originals = t.loc[~is_amend, ["accession", "filing_date", *_AMEND_KEY]].drop_duplicates("accession")
    m = amends.drop(columns="form_type").merge(originals, on=_AMEND_KEY, suffixes=("_amd", "_orig"), how="inner")
    ok = (m["filing_date_orig"] <= m["filing_date_amd"]).fillna(False).to_numpy(bool)
    has_date = m["date_of_orig_sub"].notna().to_numpy(bool)
    ok &= ~has_date | (m["filing_date_orig"] == m["date_of_orig_sub"]).fillna(False).to_numpy(bool)
    expect = m.loc[ok, ["accession_amd", "accession_orig"]].reset_index(drop=True)
    got = _amendment_pairs(tx, is_amend)
    assert len(expect) > 20 and expect["accession_amd"].isin(tx.loc[tx["issuer_cik"].isna(), "accession"]).any()
    pd.testing.assert_frame_equal(got, expect)


def test_footnote_texts_equal_a_row_by_row_lookup() -> None:
    """Each line's footnote ids (several per cell, in any of its *_FN columns, repeated or unknown) resolve to
    the texts of its own filing, each once, in id order, joined by ' | ' — as a row-by-row lookup finds them;
    a line without a known id, or without an accession, has none."""
    import re

    from insider_kit.filings.dataset import _attach_footnotes

    rng = np.random.default_rng(8)
    n = 600
    cells = [None, None, None, "F1", "F2", "F1,F2", "F2; F1", "F3 F1", "F9", "F1,", ""]
    trans = pd.DataFrame({"ACCESSION_NUMBER": pd.array(rng.choice(["A1", "A2", "A3", None], n), dtype="string[pyarrow]"),
                          "TRANS_SHARES_FN": rng.choice(cells, n), "TRANS_PRICEPERSHARE_FN": rng.choice(cells, n)},
                         index=pd.RangeIndex(n))
    foot = pd.DataFrame({"ACCESSION_NUMBER": pd.array(["A1", "A1", "A1", "A2", "A2", "A1"], dtype="string[pyarrow]"),
                         "FOOTNOTE_ID": pd.array(["F1", "F2", "F3", "F1", "F3", "F1"], dtype="string[pyarrow]"),
                         "FOOTNOTE_TXT": ["one", "two", "three", "uno", "tres", "a second F1 of A1"]})
    got = _attach_footnotes(trans, ["TRANS_SHARES_FN", "TRANS_PRICEPERSHARE_FN"], foot)
    text = {}
    for a, i, t in foot.itertuples(index=False):
        text.setdefault((a, i), t)
    for k, r in trans.iterrows():
        ids = sorted({i for c in ("TRANS_SHARES_FN", "TRANS_PRICEPERSHARE_FN") if r[c] is not None
                      for i in re.split(r"[,;\s]+", r[c]) if i})
        acc = r["ACCESSION_NUMBER"]
        found = [text[(acc, i)] for i in ids if acc is not pd.NA and (acc, i) in text]
        assert (got[k] if pd.notna(got[k]) else None) == (" | ".join(found) if found else None), (k, r.tolist())
    assert got.notna().sum() > 100


def test_columns_addressed_by_name_in_any_order(tmp_path: Path) -> None:
    cols = list(reversed(SUBMISSION_COLS))
    tx = read_quarter(write_form345_zip(tmp_path / "x.zip", submission_cols=cols)).transactions
    assert row(tx, "0000000001-24-000001")["issuer_name"] == "Alpha Widgets Inc"


def test_missing_table_names_file_and_table(tmp_path: Path) -> None:
    p = write_form345_zip(tmp_path / "2024q3_form345.zip", drop_tables=("REPORTINGOWNER",))
    with pytest.raises(DataError, match=r"2024q3_form345.zip.*REPORTINGOWNER"):
        read_quarter(p)


def test_missing_required_column(tmp_path: Path) -> None:
    cols = [c for c in SUBMISSION_COLS if c != "FILING_DATE"]
    p = write_form345_zip(tmp_path / "x.zip", submission_cols=cols)
    with pytest.raises(DataError, match="FILING_DATE"):
        read_quarter(p)


def test_corrupt_zip(tmp_path: Path) -> None:
    p = tmp_path / "2024q1_form345.zip"
    p.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(DataError, match=r"2024q1_form345\.zip.*zip"):
        read_quarter(p)


def test_zip_bomb_member_refused(tmp_path: Path) -> None:
    src = write_form345_zip(tmp_path / "ok.zip")
    p = tmp_path / "bomb.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in zin.namelist():
            if name != "NONDERIV_HOLDING.tsv":
                zf.writestr(name, zin.read(name))
        zf.writestr("NONDERIV_HOLDING.tsv", "ACCESSION_NUMBER\n" + "0" * 30_000_000)
    with pytest.raises(DataError, match="zip bomb"):
        read_quarter(p)


def test_build_writes_partitioned_parquet_and_is_idempotent(tmp_path: Path) -> None:
    p = DataPaths(tmp_path)
    (tmp_path / "raw" / "sec").mkdir(parents=True)
    write_form345_zip(tmp_path / "raw" / "sec" / "2024q3_form345.zip")
    s1 = build_tidy(p, progress=False)
    tx1 = load_transactions(p)
    s2 = build_tidy(p, progress=False)
    tx2 = load_transactions(p)
    pd.testing.assert_frame_equal(tx1, tx2)
    assert len(tx1) == 5  # 6 parsed rows, one replaced by the amendment
    assert s1.attrs["amendments_replaced_rows"] == 1 and s2.attrs["amendments_replaced_rows"] == 1
    assert sorted(x.name for x in p.transactions.iterdir()) == ["quarter=2024q3"]
    assert len(load_owners(p)) == 6
    assert str(tx1["accepted_at"].dtype) == "datetime64[ns, America/New_York]"


def test_build_with_a_bad_file_writes_nothing(tmp_path: Path) -> None:
    p = DataPaths(tmp_path)
    (tmp_path / "raw" / "sec").mkdir(parents=True)
    write_form345_zip(tmp_path / "raw" / "sec" / "2024q3_form345.zip")
    build_tidy(p, progress=False)
    before = load_transactions(p)
    write_form345_zip(tmp_path / "raw" / "sec" / "2024q4_form345.zip", drop_tables=("FOOTNOTES",))
    with pytest.raises(DataError, match=r"2024q4_form345\.zip"):
        build_tidy(p, progress=False)
    pd.testing.assert_frame_equal(before, load_transactions(p))
    assert not (tmp_path / ".tidy.staging").exists()


# --------------------------------------------------------------------------- real data
REAL_Q = "MarianaSwe__Insider_transactions"


def _real_zip(real: Path, tmp_path: Path) -> Path:
    """The real 2024q3 SUBMISSION and DERIV_TRANS (byte copies, into a temp zip) plus empty
    hand-made REPORTINGOWNER/NONDERIV_TRANS/FOOTNOTES headers (those tables are missing from the snapshot)."""
    from tests.fixtures.form345 import FOOT_COLS, NDT_COLS, OWNER_COLS, tsv

    z = tmp_path / "2024q3_form345.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(real / REAL_Q / "SUBMISSION.tsv", "SUBMISSION.tsv")
        zf.write(real / REAL_Q / "DERIV_TRANS.tsv", "DERIV_TRANS.tsv")
        zf.writestr("NONDERIV_TRANS.tsv", tsv(NDT_COLS, []))
        zf.writestr("FOOTNOTES.tsv", tsv(FOOT_COLS, []))
        # a reporting owner for every real accession so rows are attributable
        sub = pd.read_csv(real / REAL_Q / "SUBMISSION.tsv", sep="\t", dtype=str, usecols=["ACCESSION_NUMBER"])
        buf = io.StringIO()
        buf.write("\t".join(OWNER_COLS) + "\n")
        for a in sub["ACCESSION_NUMBER"]:
            buf.write(a + "\t1\tOwner\tOfficer" + "\t" * (len(OWNER_COLS) - 4) + "\n")
        zf.writestr("REPORTINGOWNER.tsv", buf.getvalue())
    return z


@pytest.mark.real_data
def test_real_snapshot_is_refused_with_the_missing_tables_named(real: Path, tmp_path: Path) -> None:
    """The real 2024q3 snapshot lacks NONDERIV_TRANS, REPORTINGOWNER and FOOTNOTES: say so."""
    z = tmp_path / "2024q3_form345.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for t in ("SUBMISSION", "DERIV_TRANS", "NONDERIV_HOLDING"):
            zf.write(real / REAL_Q / f"{t}.tsv", f"{t}.tsv")
    with pytest.raises(DataError, match=r"NONDERIV_TRANS.*REPORTINGOWNER|REPORTINGOWNER.*NONDERIV_TRANS"):
        read_quarter(z)


@pytest.mark.real_data
def test_real_deriv_trans_rows_all_read(real: Path, tmp_path: Path) -> None:
    """Every one of the real 19,003 DERIV_TRANS rows is either kept or reported (none silently lost),
    dates fall in the quarter's plausible range and the code mix matches the file."""
    q = read_quarter(_real_zip(real, tmp_path))
    raw = pd.read_csv(real / REAL_Q / "DERIV_TRANS.tsv", sep="\t", dtype=str, quoting=3, keep_default_na=False)
    assert q.stats["transaction_rows"] == len(raw) == 19_003
    assert q.stats["kept"] + q.stats["dropped"] == len(raw)
    tx = q.transactions
    assert (tx["filing_date"].between("2024-07-01", "2024-09-30")).all()
    assert (tx["trans_code"].value_counts()["M"]) == (raw["TRANS_CODE"] == "M").sum()
    # a real row checked by eye: 0001493152-24-038908 option grant of 250,000 at $4.00 on 27-SEP-2024
    r = tx[tx["accession"] == "0001493152-24-038908"].iloc[0]
    assert r["trans_date"] == pd.Timestamp("2024-09-27") and r["shares"] == 250_000.0 and r["trans_code"] == "A"
    sub = pd.read_csv(real / REAL_Q / "SUBMISSION.tsv", sep="\t", dtype=str, quoting=3, keep_default_na=False)
    assert q.stats["filings"] == len(sub) == 36_075
    assert np.isfinite(tx["shares"]).mean() > 0.99


def _edgar_copies(p, z: Path, n_copies: int, n_amendments: int) -> tuple[list[str], list[str]]:
    """EDGAR submissions of filings in zip *z*: *n_copies* copies of its filings (the same accession, as
    when the recent weeks were fetched from EDGAR before the SEC published the quarter) and *n_amendments*
    Forms 4/A of others, filed three days later.  Returns the accessions copied and amended."""
    from insider_kit.sample.generate import Trade, _form4_submission

    with zipfile.ZipFile(z) as zf:
        sub, own, ndt = (pd.read_csv(io.BytesIO(zf.read(t)), sep="\t", dtype=str, keep_default_na=False)
                         for t in ("SUBMISSION.tsv", "REPORTINGOWNER.tsv", "NONDERIV_TRANS.tsv"))
    one = ndt.groupby("ACCESSION_NUMBER").filter(lambda g: len(g) == 1 and g["TRANS_CODE"].iloc[0] in "PS")
    one = one[one["ACCESSION_NUMBER"].isin(own["ACCESSION_NUMBER"].value_counts().loc[lambda c: c == 1].index)]
    amended = sub[sub["DOCUMENT_TYPE"] == "4/A"].merge(
        sub, left_on=["ISSUERCIK", "PERIOD_OF_REPORT", "DATE_OF_ORIG_SUB"],
        right_on=["ISSUERCIK", "PERIOD_OF_REPORT", "FILING_DATE"], suffixes=("_a", ""))["ACCESSION_NUMBER"]
    plain = sub.loc[(sub["DOCUMENT_TYPE"] == "4") & ~sub["ACCESSION_NUMBER"].isin(amended), "ACCESSION_NUMBER"]
    one = one[one["ACCESSION_NUMBER"].isin(plain)]
    picked = one.iloc[: n_copies + n_amendments]
    assert len(picked) == n_copies + n_amendments
    for k, r in enumerate(picked.itertuples()):
        s = sub.set_index("ACCESSION_NUMBER").loc[r.ACCESSION_NUMBER]
        o = own.set_index("ACCESSION_NUMBER").loc[r.ACCESSION_NUMBER]
        fdate = pd.to_datetime(s["FILING_DATE"], format="%d-%b-%Y")
        acc = r.ACCESSION_NUMBER
        if k >= n_copies:
            fdate += pd.Timedelta(days=3)
            acc = f"{acc[:-6]}{900000 + k:06d}"
        doc = _form4_submission(
            acc, fdate, 10, 0, int(s["ISSUERCIK"]), s["ISSUERNAME"], s["ISSUERTRADINGSYMBOL"],
            [(int(o["RPTOWNERCIK"]), o["RPTOWNERNAME"], o["RPTOWNER_RELATIONSHIP"], o["RPTOWNER_TITLE"])],
            pd.to_datetime(r.TRANS_DATE, format="%d-%b-%Y"),
            [(Trade(r.TRANS_CODE, r.TRANS_ACQUIRED_DISP_CD, "nonderivative"), float(r.TRANS_SHARES),
              float(r.TRANS_PRICEPERSHARE), float(r.SHRS_OWND_FOLWNG_TRANS))], {}, False, False)
        if k >= n_copies:
            doc = doc.replace(b"<documentType>4</documentType>", b"<documentType>4/A</documentType>") \
                .replace(b"CONFORMED SUBMISSION TYPE:\t4", b"CONFORMED SUBMISSION TYPE:\t4/A")
        f = p.raw_edgar / f"{int(s['ISSUERCIK']):010d}" / f"{acc}.txt"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(doc)
    accs = picked["ACCESSION_NUMBER"].tolist()
    return accs[:n_copies], accs[n_copies:]


def _tidy_tables(p) -> dict[str, pd.DataFrame]:
    return {"transactions": load_transactions(p), "owners": load_owners(p), "dropped": pd.read_parquet(p.dropped),
            "replaced": pd.read_parquet(p.tidy / "replaced.parquet")}


def test_incremental_build_equals_a_full_build(tmp_path: Path) -> None:
    """Adding a quarter to an existing build reads only that zip and rewrites only the partitions it touches;
    every tidy table, the summary and the rules' counts equal a build from scratch row for row -- with the
    new quarter's amendments replacing filings of the quarter before, EDGAR copies of some of its filings
    (the EDGAR copy kept, the data set's owners preferred), and EDGAR amendments of others (orphans until
    the quarter arrives)."""
    import shutil

    from insider_kit.config import DataPaths
    from insider_kit.sample import SampleSpec, generate_sample

    root = tmp_path / "a"
    generate_sample(root, seed=2, spec=SampleSpec(n_firms=60, start="2020-01-02", end="2021-12-31",
                                                  amendment_share=0.6), progress=False)
    p = DataPaths(root)
    zips = sorted(p.raw_sec.glob("*_form345.zip"))
    copied, amended = _edgar_copies(p, zips[-1], 3, 2)
    held = tmp_path / zips[-1].name
    shutil.move(zips[-1], held)
    first = build_tidy(p, progress=False)  # without the last quarter; caches the others
    assert first.attrs["amendments_orphan"] >= 2  # the EDGAR amendments' originals are not there yet
    shutil.move(held, zips[-1])
    cached = {f.name for f in (p.cache / "build").glob("*.json")}
    assert len(cached) == len(zips) - 1
    inode = {f.parent.name: f.stat().st_ino for f in p.transactions.glob("quarter=*/part-0.parquet")}
    summary = build_tidy(p, progress=False)  # the new quarter is read, the others come from the cache
    assert len(list((p.cache / "build").glob("*.json"))) == len(zips)
    after = {f.parent.name: f.stat().st_ino for f in p.transactions.glob("quarter=*/part-0.parquet")}
    q_new, q_before = f"quarter={zips[-1].name[:6]}", f"quarter={zips[-2].name[:6]}"
    oldest = min(inode)
    assert after[oldest] == inode[oldest]  # untouched: linked, not rewritten
    assert after[q_before] != inode[q_before]  # an amendment in the new quarter replaced a filing of this one
    assert after[q_new] != inode[q_new]  # (the EDGAR weeks' partition, with the new quarter's rows added)
    fresh = DataPaths(tmp_path / "b")
    shutil.copytree(root / "raw", fresh.raw)
    full = build_tidy(fresh, progress=False)
    for name, table in _tidy_tables(p).items():
        pd.testing.assert_frame_equal(table, _tidy_tables(fresh)[name], obj=name)
    pd.testing.assert_frame_equal(summary, full)
    assert summary.attrs == full.attrs
    tx = load_transactions(p)
    assert set(tx.loc[tx["accession"].isin(copied), "source"]) == {"edgar_xml"}
    assert not tx["accession"].isin(amended).any()  # replaced by the EDGAR amendments
    assert full.attrs["duplicate_source_rows"] == 3
    assert full.attrs["amendments_orphan"] == first.attrs["amendments_orphan"] - 2
    owners = load_owners(p)
    assert set(owners.loc[owners["accession"].isin(copied), "source"]) == {"sec_dataset"}
    # a rebuild of unchanged files and a re-issued quarter (the same filings under a later name) are full
    # builds, with the same result as from scratch
    for name, copy in (("2099q1", shutil.copy), ("2099q2", _restored)):  # same bytes; same filings, other bytes
        copy(zips[-1], p.raw_sec / f"{name}_form345.zip")
        copy(zips[-1], fresh.raw_sec / f"{name}_form345.zip")
        again, full = build_tidy(p, progress=False), build_tidy(fresh, progress=False)
        pd.testing.assert_frame_equal(again, full)
        for table_name, table in _tidy_tables(p).items():
            pd.testing.assert_frame_equal(table, _tidy_tables(fresh)[table_name], obj=table_name)
    assert "accession already read from an earlier zip" in set(_tidy_tables(p)["dropped"]["reason"])


def _restored(src: Path, dst: Path) -> None:
    """*src*'s tables stored uncompressed at *dst* (the same filings in other bytes, as a re-issued quarter)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for name in zin.namelist():
            zout.writestr(name, zin.read(name))


def test_isin_text_equals_pandas_isin() -> None:
    """The Arrow membership test the build uses equals pandas' ``isin`` (missing values never members)."""
    from insider_kit._io import isin_text

    rng = np.random.default_rng(3)
    words = np.array([f"{i:010d}-24-{i % 97:06d}" for i in range(400)], dtype=object)
    for dtype in ("string[pyarrow]", object):
        values = pd.Series(rng.choice(words, 2_000), dtype=dtype)
        values[rng.random(2_000) < 0.05] = None
        among = pd.Series(rng.choice(words, 150), dtype=dtype)
        expect = values.isin(among).to_numpy(bool) & values.notna().to_numpy(bool)
        for form in (among, pd.Index(among), set(among), list(among)):
            np.testing.assert_array_equal(isin_text(values, form), expect)
    assert isin_text(pd.Series([], dtype="string[pyarrow]"), {"a"}).shape == (0,)


def test_stable_order_equals_pandas_stable_sort() -> None:
    """The build's Arrow sort gives pandas' stable multi-key order: ties in input order, missing dates and
    text last, text by code point (accents and other scripts included), for Arrow-backed and object text."""
    from insider_kit.filings.tidy import _stable_order

    rng = np.random.default_rng(11)
    n = 5_000
    words = np.array(["a", "b", "B", "é", "e", "ä", "z", "Ω", "中", "0001234567-24-000001", ""], dtype=object)
    for dtype in ("string[pyarrow]", object):
        dates = pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 5, n), unit="D"))
        dates[rng.random(n) < 0.05] = pd.NaT
        text = pd.Series(rng.choice(words, n), dtype=dtype)
        text[rng.random(n) < 0.05] = None
        keys = pd.DataFrame({"filing_date": dates, "accession": text, "table": pd.Categorical(rng.choice(["nonderivative", "derivative", None], n),
                                                        categories=["nonderivative", "derivative"]),
                             "line": rng.integers(0, 4, n)})
        expect = keys.sort_values(list(keys.columns), kind="stable").index.to_numpy()
        np.testing.assert_array_equal(_stable_order(keys), expect)
    assert _stable_order(keys.iloc[:0]).shape == (0,)


def test_sorted_kept_rows_equal_pandas_sort_of_the_kept_rows() -> None:
    """The build's kept rows in the tidy order, whether the rows arrive shuffled, sorted, or sorted with an
    unsorted tail (the quarters, then the EDGAR filings): pandas' stable sort of the kept rows."""
    from insider_kit.filings.tidy import _TX_ORDER, _sorted_kept

    rng = np.random.default_rng(1)
    for trial in range(240):
        n = int(rng.integers(0, 40))
        tx = pd.DataFrame({"filing_date": pd.to_datetime("2024-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 5, n)), unit="D"),
                           "accession": pd.array(rng.choice(["a", "b", "c"], n), dtype="string[pyarrow]"),
                           "table": rng.choice(["x", "y"], n), "line": rng.integers(0, 3, n), "v": np.arange(n)})
        ordered = tx.sort_values(_TX_ORDER, kind="stable").reset_index(drop=True)
        tx = [tx.sample(frac=1, random_state=trial).reset_index(drop=True), ordered,
              pd.concat([ordered, ordered.sample(frac=0.3, random_state=trial)], ignore_index=True)][trial % 3]
        keep = rng.random(len(tx)) < [0.8, 1.0][trial % 2]
        expect = tx[keep].sort_values(_TX_ORDER, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(_sorted_kept(tx, keep), expect)


def test_first_of_equals_pandas_duplicated() -> None:
    """The build's first-row-of-each-key mask is pandas' ``~duplicated`` (missing values equal), for Arrow-backed
    and object text, one key column or two."""
    from insider_kit.filings.tidy import _first_of

    rng = np.random.default_rng(0)
    for dtype in ("string[pyarrow]", object):
        df = pd.DataFrame({"a": pd.Series(rng.choice(["x", "y", "z", None], 1_000), dtype=dtype),
                           "b": pd.Series(rng.choice(["1", "2", None], 1_000), dtype=dtype)})
        for cols in (["a"], ["a", "b"]):
            np.testing.assert_array_equal(_first_of(df, cols), ~df.duplicated(cols).to_numpy())
    assert _first_of(df.iloc[:0], ["a"]).shape == (0,)


def test_walk_files_lists_every_file_in_path_order(tmp_path: Path) -> None:
    """The raw-file walk finds every file under a tree (with a suffix filter) in the order sorted Paths have,
    including names where text order and part-by-part order differ ('a-b' and 'a/b')."""
    from insider_kit._io import walk_files

    names = ["a/b.txt", "a-b.txt", "a/c/d.xml", "a.txt", "B/x.txt", "a/b-c.txt", "z.bin", "a/c.txt"]
    for n in names:
        (tmp_path / n).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / n).write_text(n)
    assert walk_files(tmp_path) == sorted(tmp_path.rglob("*.*"))
    assert walk_files(tmp_path, (".txt", ".xml")) == sorted(f for f in tmp_path.rglob("*") if f.suffix in (".txt", ".xml"))
    assert walk_files(tmp_path / "missing") == []


def test_parquet_reader_gives_object_columns_back_as_written(tmp_path: Path) -> None:
    """Text columns written from Python objects come back as Python strings through the file's dictionary (one
    ``str`` per distinct value), equal cell for cell, missing values included, to converting the Arrow strings
    row by row; text written as Arrow strings stays Arrow strings; a column subset, an empty file and several
    files read alike."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from insider_kit._io import read_parquet_tables

    def by_row(files: list[Path], columns: list[str] | None = None) -> pd.DataFrame:  # the reference
        table = pa.concat_tables([pq.read_table(f, columns=columns) for f in files], promote_options="default")
        s = pd.StringDtype("pyarrow")
        df = table.to_pandas(types_mapper={pa.string(): s, pa.large_string(): s}.get)
        for c in table.schema.pandas_metadata["columns"]:
            if c.get("numpy_type") == "object" and c["name"] in df and isinstance(df[c["name"]].dtype, pd.StringDtype):
                df[c["name"]] = df[c["name"]].astype(object)
        return df

    rng = np.random.default_rng(3)
    n = 5_000
    df = pd.DataFrame({"ticker": rng.choice(["AAPL", "BRK-B", "Zürich", None], n).astype(object),
                       "x": rng.normal(size=n), "direction": rng.choice(["buy", "sell"], n).astype(object),
                       "name": pd.array(rng.choice(["a", "b", None], n), dtype="string[pyarrow]"),
                       "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")})
    files = []
    for k, part in enumerate((df.iloc[:3000], df.iloc[3000:], df.iloc[:0])):
        files.append(tmp_path / f"p{k}.parquet")
        part.to_parquet(files[-1], index=False, row_group_size=1000)  # several chunks per column
    for fs, cols in (([files[0]], None), ([files[0]], ["x", "ticker"]), ([files[2]], None), (files, None)):
        got, ref = read_parquet_tables(fs, cols), by_row(fs, cols)
        pd.testing.assert_frame_equal(got, ref)
        for c in [c for c in got.columns if got[c].dtype == np.dtype(object)]:
            assert [type(v) for v in got[c]] == [type(v) for v in ref[c]], c  # str and NA where they were
    assert read_parquet_tables([files[0]])["name"].dtype == pd.StringDtype("pyarrow")
    indexed = tmp_path / "indexed.parquet"  # a frame written with its index: the columns keep their order
    df.set_index("when").to_parquet(indexed)
    pd.testing.assert_frame_equal(read_parquet_tables([indexed]), by_row([indexed]))


def test_arrow_table_reader_equals_the_pandas_reader() -> None:
    """The fast reader of a table (Arrow's CSV parser) against pandas' C parser, which the kit used before:
    the same cells on text with everything a quarter can hold (empty and blank cells, quotes, CRLF line ends,
    blank lines, lines with too few or too many fields, non-ASCII text, a missing final newline)."""
    from insider_kit.filings.dataset import _arrow_tsv, _bad_lines, _pandas_tsv

    rng = np.random.default_rng(7)
    cells = ["", " ", "x", '"quoted"', 'a "b" c', "Zürich AG", "1,000", "  25.50 ", "F1,F3", "日本", "\\N", "NA"]
    cols = ["ACCESSION_NUMBER", "A", "B", "C_FN", "D"]
    lines = ["\t".join(cols)]
    for k in range(400):
        n = len(cols) + (int(rng.integers(-2, 3)) if k % 37 == 5 else 0)  # some lines with a wrong field count
        line = "\t".join([f"acc-{k}"] + [cells[int(rng.integers(len(cells)))] for _ in range(n - 1)])
        lines.append(line + ("\r" if k % 11 == 0 else ""))
        if k % 53 == 0:
            lines.append("")  # a blank line
    data = "\n".join(lines).encode()
    bad, _ = _bad_lines(data, len(cols))
    assert len(bad) > 3
    info = zipfile.ZipInfo("T.tsv")
    usecols = ["ACCESSION_NUMBER", "B", "C_FN", "D"]
    fast = _arrow_tsv(data, cols, usecols, len(bad))
    assert fast is not None
    ref = _pandas_tsv(data, cols, usecols, bad, info, "T", Path("t.zip"))
    pd.testing.assert_frame_equal(fast, ref)
    assert len(fast) == 400 - len(bad)


def test_text_that_is_not_utf8_is_read_with_replacement_characters(tmp_path: Path) -> None:
    """Guards against the fast reader refusing a quarter (or garbling a row) for one byte that is not UTF-8:
    the table is read by the tolerant reader, the bad byte replaced, every other cell as filed."""
    z = write_form345_zip(tmp_path / "2024q3_form345.zip")
    with zipfile.ZipFile(z) as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    content["SUBMISSION.tsv"] = content["SUBMISSION.tsv"].replace(b"Alpha Widgets Inc", b"Alpha Widg\xe9ts Inc")
    bad = tmp_path / "raw" / "2024q3_form345.zip"
    bad.parent.mkdir()
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, c in content.items():
            zf.writestr(n, c)
    a, b = read_quarter(z).transactions, read_quarter(bad).transactions
    assert row(b, "0000000001-24-000001")["issuer_name"] == "Alpha Widg\ufffdts Inc"
    pd.testing.assert_frame_equal(a.drop(columns="issuer_name"), b.drop(columns="issuer_name"))
    changed = (a["issuer_name"] != b["issuer_name"]).to_numpy(bool)
    assert changed.any() and (changed == (a["issuer_name"] == "Alpha Widgets Inc").to_numpy(bool)).all()


def test_vectorised_roles_and_tickers_equal_the_one_at_a_time_functions() -> None:
    """normalise_roles / normalise_tickers (each distinct value worked once) give, row for row, what
    normalise_role / normalise_ticker give each row — missing boxes, titles and symbols included."""
    from insider_kit.filings.roles import normalise_role, normalise_roles
    from insider_kit.tickers import normalise_ticker, normalise_tickers

    rng = np.random.default_rng(15)
    n = 2000
    titles = [None, "", "CEO", "Chief Executive Officer", "EVP & CFO", "President and COO", "Chairman",
              "VP Sales", "see remarks", "Co-Chair; Director", "Chief Financial Officer & Treasurer"]
    box = [True, False, None]
    df = pd.DataFrame({c: pd.array(rng.choice(np.array(box, dtype=object), n), dtype="boolean")
                       for c in ("d", "o", "t", "x")})
    df["title"] = pd.array(rng.choice(np.array(titles, dtype=object), n), dtype="string[pyarrow]")
    got = normalise_roles(df["d"], df["o"], df["t"], df["x"], df["title"])
    def yes(v: object) -> bool:
        return v is not pd.NA and bool(v)

    want = [normalise_role(yes(d), yes(o), yes(t), yes(x), None if ti is pd.NA else ti)
            for d, o, t, x, ti in df[["d", "o", "t", "x", "title"]].itertuples(index=False)]
    assert list(got) == want
    assert set(want) >= {"CEO", "CFO", "President", "Chair", "OtherOfficer", "Director", "Other"}

    symbols = [None, "aapl", "BRK.B", "NYSE:IBM", "none", "N/A", "0", " msft ", "GOOG, GOOGL", "", "X" * 30]
    raw = pd.Series(pd.array(rng.choice(np.array(symbols, dtype=object), n), dtype="string[pyarrow]"),
                    index=pd.RangeIndex(5, n + 5))
    tick = normalise_tickers(raw)
    assert tick.index.equals(raw.index) and tick.dtype == "string"
    want_t = [None if s is pd.NA else normalise_ticker(s) for s in raw]
    assert [None if v is pd.NA else v for v in tick] == want_t
    assert sum(v is not None for v in want_t) > n // 3


def test_a_kit_upgrade_rereads_every_quarter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-quarter build cache is keyed by the kit's version too: another kit (whose readers may differ)
    reads every zip again instead of reusing what this one cached; the same kit reuses its cache."""
    import insider_kit.filings.tidy as tidy_mod
    from insider_kit.config import DataPaths
    from insider_kit.sample import SampleSpec, generate_sample

    generate_sample(tmp_path, seed=3, spec=SampleSpec(n_firms=15, start="2020-01-02", end="2021-12-31"),
                    progress=False)
    p = DataPaths(tmp_path)
    n_zips = len(list(p.raw_sec.glob("*_form345.zip")))
    build_tidy(p, progress=False)
    before = _tidy_tables(p)
    keys = {f.name for f in (p.cache / "build").glob("*.json")}
    assert len(keys) == n_zips
    build_tidy(p, progress=False)
    assert {f.name for f in (p.cache / "build").glob("*.json")} == keys  # unchanged kit and files: reused
    monkeypatch.setattr(tidy_mod, "__version__", tidy_mod.__version__ + ".post1")
    build_tidy(p, progress=False)
    upgraded = {f.name for f in (p.cache / "build").glob("*.json")} - keys
    assert len(upgraded) == n_zips  # every quarter read again under the new kit's key
    for name, table in _tidy_tables(p).items():
        pd.testing.assert_frame_equal(table, before[name], obj=name)
