"""The command line and its environment: every bad argument, unusable folder or account limit is one line naming
it and the fix (exit status 2), before any work; never a traceback (issue #39.9, #35.6).  Each test is run
through ``insider_kit.cli.main``; the ones that died with a traceback from deep inside a command also as a
subprocess of the installed entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from insider_kit.cli import main
from insider_kit.sample import SampleSpec, generate_sample

LONG = "x" * 300  # (a file name longer than the 255 bytes file systems allow)
#: A folder no one can write into, not even root (sysfs refuses new files): Linux only.
UNWRITABLE = Path("/sys/kernel")


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines and lines[0].startswith("insider-kit: error: ") and len(lines) <= 2, err
    return lines[0]


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "sample"
    generate_sample(root, seed=3, spec=SampleSpec(n_firms=8, start="2020-01-02", end="2021-12-31"), progress=False)
    return root


@pytest.mark.parametrize("argv", [["build"], ["sample"], ["report"], ["import", "prices", "p.csv"],
                                  ["import", "transactions", "t.csv", "--format", "openinsider"],
                                  ["fetch", "factors"]])
def test_a_path_too_long_for_the_file_system_is_one_line(argv: list[str], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against 'OSError: [Errno 36] File name too long' tracebacks for a 300-character --data name."""
    assert main(["-q", *argv, "--data", str(tmp_path / LONG)]) == 2
    line = _error_line(capsys)
    assert "--data" in line and "too long" in line and "300 bytes" in line


def test_a_path_too_long_through_the_entry_point(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "insider_kit.cli", "-q", "build", "--data", str(tmp_path / LONG)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "too long for a path" in r.stderr


def test_a_negative_seed_is_refused_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against numpy's 'ValueError: expected non-negative integer' traceback for sample --seed -1."""
    assert main(["-q", "sample", "--data", str(tmp_path / "d"), "--seed", "-1"]) == 2
    assert "--seed -1" in _error_line(capsys) and not (tmp_path / "d").exists()


@pytest.mark.parametrize("spec,match", [
    ({"n_firms": "abc"}, "n_firms must be int, got 'abc'"),
    ({"n_firms": True}, "n_firms must be int"),
    ({"start": 5}, "start must be str, got 5"),  # (generated a market from 1970 before)
    ({"start": "next year"}, "dates written YYYY-MM-DD"),
    ({"start": "2024-01-02", "end": "2020-01-02"}, "not before end"),
    ({"effects": {"cluster_sale": "big"}}, "effects.cluster_sale must be a number"),
    ({"effects": [0.1]}, "effects must be an object"),
    ({"market_drift": None}, "market_drift must be float"),
    ([1, 2], "must hold a JSON object"),
])
def test_a_spec_value_of_the_wrong_type_is_refused(spec: object, match: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against a spec field of the wrong type crashing the generator with a TypeError traceback (or, for
    ``"start": 5``, silently generating a market that starts in 1970)."""
    f = tmp_path / "spec.json"
    f.write_text(json.dumps(spec))
    assert main(["-q", "sample", "--data", str(tmp_path / "d"), "--spec", str(f)]) == 2
    assert match in _error_line(capsys)
    assert not (tmp_path / "d" / "sample" / "raw").exists()


def test_an_environment_error_elsewhere_is_one_line_naming_the_file(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against the errors of the environment that no check anticipates (here --spec naming a folder:
    IsADirectoryError from deep inside) ending in a traceback: one line with the reason and the file."""
    (tmp_path / "spec_folder").mkdir()
    assert main(["-q", "sample", "--data", str(tmp_path / "d"), "--spec", str(tmp_path / "spec_folder")]) == 2
    line = _error_line(capsys)
    assert "Is a directory" in line and "spec_folder" in line


def test_report_out_pointing_at_a_file(market: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against 'FileExistsError' from mkdir when --out names a file."""
    f = tmp_path / "out.html"
    f.write_text("mine")
    assert main(["-q", "report", "--data", str(market), "--out", str(f)]) == 2
    assert "is a file" in _error_line(capsys) and f.read_text() == "mine"
    assert not (market / "tidy").exists()  # (refused before any work: the study was not built)


def test_report_params_file_holding_a_list(market: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against 'TypeError: cannot convert dictionary update sequence element' for --params [1, 2]."""
    f = tmp_path / "params.json"
    f.write_text("[1, 2]")
    assert main(["-q", "report", "--data", str(market), "--out", str(tmp_path / "r"), "--params", str(f)]) == 2
    assert "holds a JSON list, not an object" in _error_line(capsys)


@pytest.mark.parametrize("argv,match", [
    (["--notebooks", "no_such_folder"], "does not exist"),
    (["--notebooks", "EMPTY"], "no notebooks"),
    (["--only", "00_quickstrat"], "no notebook named 00_quickstrat"),
    (["-p", "window_end", "abc", "--only", "02_buy_vs_sell"], "window_end"),
    (["-p", "no_such_parameter", "1"], "no notebook declares"),
])
def test_every_report_argument_error_exits_2(market: Path, tmp_path: Path, argv: list[str], match: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against a report with a mistyped notebook folder or name exiting 0 after rendering nothing."""
    (tmp_path / "EMPTY").mkdir()
    argv = [str(tmp_path / a) if a in ("no_such_folder", "EMPTY") else a for a in argv]
    assert main(["-q", "report", "--data", str(market), "--out", str(tmp_path / "r"), *argv]) == 2
    assert match in _error_line(capsys)


def _sysfs_refuses() -> bool:
    try:
        (UNWRITABLE / ".insider-kit-probe").write_text("x")
    except OSError:
        return True
    (UNWRITABLE / ".insider-kit-probe").unlink()
    return False


@pytest.mark.skipif(not UNWRITABLE.is_dir() or not _sysfs_refuses(), reason="needs a folder no one can write to")
@pytest.mark.parametrize("argv", [
    ["sample", "--data", str(UNWRITABLE / "insider-kit")],
    ["sample", "--data", str(UNWRITABLE)],
    ["import", "prices", "PRICES", "--data", str(UNWRITABLE)],
    ["import", "transactions", "TRADES", "--format", "openinsider", "--data", str(UNWRITABLE)],
    ["report", "--data", "MARKET", "--out", str(UNWRITABLE / "reports")],
    ["report", "--data", "MARKET", "--out", str(UNWRITABLE)],
    ["build", "--data", str(UNWRITABLE)],
])
def test_unwritable_folders_are_one_line_before_any_work(argv: list[str], market: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against 'PermissionError: [Errno 1] Operation not permitted' tracebacks from import, sample and
    report (only build was clear)."""
    px = tmp_path / "AAA.csv"
    px.write_text("Date,Adj Close\n2024-01-02,10\n2024-01-03,10.5\n")
    trades = tmp_path / "oi.csv"
    trades.write_text("X,Filing Date,Trade Date,Ticker,Insider Name,Title,Trade Type,Price,Qty,Owned,Value\n"
                      "M,2024-01-05 16:00:00,2024-01-03,AAA,Doe John,CEO,P - Purchase,$10.00,+100,1100,$1000\n")
    argv = [{"PRICES": str(px), "TRADES": str(trades), "MARKET": str(market)}.get(a, a) for a in argv]
    assert main(["-q", *argv]) == 2
    line = _error_line(capsys)
    assert "writable" in line and str(UNWRITABLE) in line


def test_an_inline_mapping_longer_than_a_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against 'OSError: File name too long' when --mapping is inline JSON over 255 characters (it was
    first tried as a file name)."""
    f = tmp_path / "mine.csv"
    f.write_text("Symbol,When\nAAA,2024-01-02\n")
    mapping = json.dumps({"Symbol": "ticker", "When": "trans_date", **{f"unused_{'y' * 40}_{i}": "footnotes"
                                                                       for i in range(6)}})
    assert len(mapping) > 255
    main(["-q", "import", "transactions", str(f), "--format", "csv", "--mapping", mapping,
          "--data", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert "File name too long" not in err and "Traceback" not in err


def test_kernels_cache_without_a_writable_home(tmp_path: Path) -> None:
    """Guards against 'RuntimeError: cannot cache function ...: no locator available' at import for an account
    whose home directory and installed package are not writable: numba gets a cache folder of its own.  The
    kit is run from a copy whose kernels' ``__pycache__`` cannot be created (a file holds the name) with HOME in
    a folder no one can write to."""
    if not _sysfs_refuses():
        pytest.skip("needs a folder no one can write to")
    import insider_kit

    copy = tmp_path / "site"
    shutil.copytree(Path(insider_kit.__file__).parent, copy / "insider_kit",
                    ignore=shutil.ignore_patterns("__pycache__", "notebooks"))
    for d in ("eventstudy/_kernels", "signals"):
        (copy / "insider_kit" / d / "__pycache__").write_text("not a folder")
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME")}
    env.update(HOME=str(UNWRITABLE / "no-home"), PYTHONPATH=str(copy))
    code = ("import os, insider_kit, insider_kit.signals.features, insider_kit.eventstudy._kernels\n"
            "print(insider_kit.__file__); print(os.environ.get('NUMBA_CACHE_DIR'))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                       cwd=tmp_path)  # (not the project folder, which would come first on sys.path)
    assert r.returncode == 0, r.stderr[-2000:]
    where, cache = r.stdout.split()
    assert where.startswith(str(copy))
    probe = Path(cache) / "probe"
    probe.write_text("ok")  # (a writable folder)
    probe.unlink()
