"""Teaching market: round trip through the real loaders, determinism, truth; the CLI contract."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from insider_kit.cli import main
from insider_kit.config import DataPaths, data_dir
from insider_kit.filings import build_tidy, load_transactions
from insider_kit.prices import load_factors, load_prices
from insider_kit.sample import SampleSpec, generate_sample

SMALL = dict(n_firms=25, start="2019-01-02", end="2022-12-30", edgar_weeks=3)


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small_market(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("m") / "sample"
    info = generate_sample(root, seed=7, spec=SampleSpec(**SMALL), progress=False)
    return root, info


def test_same_seed_identical_bytes(small_market, tmp_path: Path) -> None:
    root, _ = small_market
    other = tmp_path / "sample"
    generate_sample(other, seed=7, spec=SampleSpec(**SMALL), progress=False)
    assert digest(root) == digest(other)
    third = tmp_path / "s3"
    generate_sample(third, seed=8, spec=SampleSpec(**SMALL), progress=False)
    assert digest(third) != digest(root)


def test_quarter_tables_are_what_pandas_writes_and_each_holds_its_quarter(small_market) -> None:
    """The generator writes the SEC's TSV lines itself, quarter by quarter; each table must be exactly what
    pandas' ``to_csv`` writes for the same cells (the format the SEC's files use), and each zip must hold only
    filings of its quarter."""
    import io
    import zipfile

    import pandas as pd

    from insider_kit.sample.generate import _tsv_cell

    root, info = small_market
    zips = sorted((root / "raw" / "sec").glob("*_form345.zip"))
    assert len(zips) == info["quarterly_zips"] > 4
    n_rows = 0
    for z in zips:
        with zipfile.ZipFile(z) as zf:
            for name in zf.namelist():
                raw = zf.read(name)
                df = pd.read_csv(io.BytesIO(raw), sep="\t", dtype=str, keep_default_na=False)
                assert df.to_csv(sep="\t", index=False, lineterminator="\n").encode() == raw, (z.name, name)
                if name == "SUBMISSION.tsv":
                    q = pd.to_datetime(df["FILING_DATE"], format="%d-%b-%Y").dt.to_period("Q").astype(str)
                    assert (q.str.replace("Q", "q") == z.name[:6]).all(), z.name
                elif name in ("NONDERIV_TRANS.tsv", "DERIV_TRANS.tsv"):
                    n_rows += len(df)
    assert n_rows == info["sec_transaction_rows"]
    # a field with the characters that need quoting is written as pandas writes it
    cells = ["plain", 'say "hi"', "tab\there", "two\nlines", ""]
    line = "\t".join(_tsv_cell(c) for c in cells) + "\n"
    expect = pd.DataFrame([cells], columns=list("abcde")).to_csv(sep="\t", index=False, header=False,
                                                                  lineterminator="\n")
    assert line == expect


def test_round_trip_through_the_real_loaders(small_market) -> None:
    root, info = small_market
    p = DataPaths(root)
    summary = build_tidy(p, progress=False)
    tx = load_transactions(p)
    # every generated SEC row + every XML row is read; amendments replace exactly their originals
    assert summary.attrs["amendments"] == info["amendments"]
    assert len(tx) + summary.attrs["amendments_replaced_rows"] == summary.loc[summary["source"] == "TOTAL", "rows_read"].iloc[0]
    assert (tx["source"] == "edgar_xml").any() and (tx["source"] == "sec_dataset").any()
    assert tx["accepted_at"].notna().sum() == (tx["source"] == "edgar_xml").sum()
    codes = tx["trans_code"].value_counts()
    assert codes["A"] > codes["P"] and codes["S"] > codes["P"] and codes["F"] > 0 and codes["M"] > 0
    px = load_prices(p.raw_prices)
    assert px.shape[1] == SMALL["n_firms"] + 1 and "^SYNMKT" in px.columns
    f = load_factors(p.raw_factors)
    assert list(f.columns) == ["mkt_rf", "smb", "hml", "rf", "mom"]
    assert p.is_synthetic


def test_truth_agrees_with_trades(small_market) -> None:
    root, _ = small_market
    truth = json.loads((root / "truth.json").read_text())
    assert truth["synthetic"] is True
    from insider_kit.sample import truth_events

    ev = truth_events(root)
    p = DataPaths(root)
    tx = load_transactions(p)
    purchases = ev[ev["class"] == "opportunistic_purchase"]
    assert (purchases["planted_car"] == truth["effects"]["opportunistic_purchase"]).all()
    # every truth accession (or its amendment) is in the tidy table with the class's code
    got = set(tx.loc[tx["trans_code"] == "P", "owner_cik"] + tx.loc[tx["trans_code"] == "P", "trans_date"].dt.strftime("%Y-%m-%d"))
    want = set(purchases["owner_cik"] + purchases["trade_date"])
    assert want <= got
    assert (ev.loc[ev["class"] == "ordinary_sale", "planted_car"] == 0).all()


def test_a_span_too_short_for_any_trade_is_a_clear_error(tmp_path: Path) -> None:
    """Insiders trade after a year of history: a one-year market has no trades, which is said, not a KeyError."""
    from insider_kit.errors import ConfigError

    with pytest.raises(ConfigError, match="no insider trades"):
        generate_sample(tmp_path / "s", spec=SampleSpec(n_firms=5, start="2022-01-03", end="2022-12-30"),
                        progress=False)
    assert not (tmp_path / "s" / "SYNTHETIC").exists()


def test_cli_help_lists_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("sample", "build", "fetch", "report"):
        assert cmd in out


def test_cli_kit_error_is_one_line_with_hint_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["-q", "build", "--data", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("insider-kit: error: no insider trades under")
    assert "hint:" in err and "Traceback" not in err
    missing = tmp_path / "no" / "such"
    assert main(["-q", "build", "--data", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()  # a failed build leaves nothing behind (no directory, no lock file)


def test_data_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert data_dir(None) == Path("data")
    monkeypatch.setenv("INSIDER_KIT_DATA", str(tmp_path))
    assert data_dir(None) == tmp_path
    assert data_dir(str(tmp_path / "x")) == tmp_path / "x"
    assert data_dir("sample") == tmp_path / "sample"


def test_committed_notebooks_have_no_outputs_and_a_parameters_cell() -> None:
    import jupytext

    nbs = sorted((Path(__file__).parents[1] / "notebooks").glob("*.py"))
    assert len(nbs) == 9 and not list((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
    for nb in nbs:
        d = json.loads(jupytext.writes(jupytext.read(str(nb)), fmt="ipynb"))
        assert all(not c.get("outputs") and not c.get("execution_count") for c in d["cells"] if c["cell_type"] == "code"), nb
        params = [c for c in d["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1, nb
        for line in "".join(params[0]["source"]).splitlines():
            if not line.strip() or line.startswith(("from insider_kit", "import ")):  # (a Literal alias's import)
                continue
            assert ":" in line.split("=")[0] and "#" in line, f"{nb.name}: untyped/uncommented parameter {line!r}"


def test_the_notebooks_ship_inside_the_package(tmp_path: Path) -> None:
    """``insider-kit report`` run outside the repository found no notebooks and exited 0 with an empty index
    (issue #35): the notebooks are package data, in the wheel a user installs."""
    import subprocess
    import sys
    import zipfile

    from insider_kit.reports import PACKAGE_NOTEBOOKS, notebook_sources

    assert [p.name for p in notebook_sources(PACKAGE_NOTEBOOKS)] == \
        sorted(p.name for p in (Path(__file__).parents[1] / "notebooks").glob("*.py"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                        str(tmp_path), str(Path(__file__).parents[1])], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (whl,) = tmp_path.glob("insider_kit-*.whl")
    names = zipfile.ZipFile(whl).namelist()
    assert {f"insider_kit/notebooks/{p.name}" for p in PACKAGE_NOTEBOOKS.glob("*.py")} <= set(names)


def test_report_refuses_unknown_notebooks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``report --only 99_nothing`` said "no notebooks" and exited 0 (issue #38): an unknown name is an error."""
    root = tmp_path / "sample"
    root.mkdir()
    assert main(["-q", "report", "--data", str(root), "--out", str(tmp_path / "r"), "--only", "99_nothing"]) == 2
    err = capsys.readouterr().err
    assert "99_nothing" in err and "00_quickstart" in err
    assert main(["-q", "report", "--data", str(root), "--out", str(tmp_path / "r"), "--notebooks",
                 str(tmp_path / "nope")]) == 2
