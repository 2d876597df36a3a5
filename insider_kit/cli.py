"""The ``insider-kit`` command.

Every subcommand is a thin wrapper over a package function.  Errors the kit
raises on purpose (:class:`~insider_kit.errors.InsiderKitError`) are printed as
one line plus a hint and exit with status 2; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import InsiderKitError

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]


def _add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="data directory (default: $INSIDER_KIT_DATA, else ./data; 'sample' = the teaching market)",
    )


def _iso_day(value: str) -> str:
    """An argparse type: a real calendar day written YYYY-MM-DD (checked before any work starts)."""
    from .days import parse_date

    d = parse_date(value) if len(value.strip()) == 10 else None
    if d is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD (a real calendar day)")
    return d.strftime("%Y-%m-%d")


def _quarter(value: str) -> str:
    """An argparse type: a quarter written like 2024q3."""
    v = value.strip().lower()
    if len(v) != 6 or v[4] != "q" or not v[:4].isdigit() or v[5] not in "1234":
        raise argparse.ArgumentTypeError(f"{value!r} is not a quarter written like 2024q3")
    return v


# --------------------------------------------------------------------------- checks before any work
#: Options and arguments that name files or folders (checked for names the system cannot hold).
_PATH_OPTIONS = {"data": "--data", "out": "--out", "notebooks": "--notebooks", "params": "--params",
                 "spec": "--spec", "link": "--link", "files": "FILE", "paths": "PATH"}


def _check_path_names(a: argparse.Namespace) -> None:
    """A path argument the file system cannot hold (a 300-character --data name, a NUL) is a ConfigError naming
    the option, not ``OSError: File name too long`` from deep inside a command."""
    from .errors import ConfigError

    try:
        name_max, path_max = os.pathconf("/", "PC_NAME_MAX"), os.pathconf("/", "PC_PATH_MAX")
    except (AttributeError, OSError, ValueError):  # (no pathconf: the common limits)
        name_max, path_max = 255, 4096
    for attr, option in _PATH_OPTIONS.items():
        values = getattr(a, attr, None)
        for v in values if isinstance(values, list) else [values]:
            if not isinstance(v, str):
                continue
            if "\0" in v:
                raise ConfigError(f"{option} {v!r} holds a NUL character")
            long = [part for part in Path(v).parts if len(os.fsencode(part)) > name_max]
            if long or len(os.fsencode(v)) > path_max:
                what = (f"its part {long[0][:40]!r}... has {len(os.fsencode(long[0]))} bytes" if long
                        else f"it has {len(os.fsencode(v))} bytes")
                raise ConfigError(f"{option} {v[:60]!r}{'...' if len(v) > 60 else ''} is too long for a path ({what}, "
                                  f"the file system allows {name_max} per name and {path_max} in all)",
                                  hint="choose a shorter name")


def _writable_dir(d: Path, what: str) -> Path:
    """:func:`insider_kit._io.writable_directory` with the command line's hint."""
    from ._io import writable_directory

    return writable_directory(d, what, hint="choose a directory you can write to, or fix its permissions")


#: Errors of the environment (not of the kit): a file system that refuses a write, a name too long, a full
#: disk... shown as one line naming the file, like the kit's own errors.
_ENVIRONMENT_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT,
                                 errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR, errno.EMFILE, errno.ENFILE,
                                 errno.ELOOP, errno.EXDEV})


# --------------------------------------------------------------------------- handlers
def _cmd_sample(a: argparse.Namespace) -> int:
    from .config import data_dir
    from .errors import ConfigError
    from .sample import generate_sample, load_spec

    if a.seed < 0:
        raise ConfigError(f"--seed {a.seed} is negative", hint="give a whole number >= 0, e.g. --seed 7")
    spec = load_spec(a.spec) if a.spec else None
    root = data_dir(a.data) / "sample"
    for d in (data_dir(a.data), root):
        if d.exists() and not d.is_dir():
            raise ConfigError(f"{d} is a file, not a directory", hint="pass --data a directory (created if absent)")
    _writable_dir(root, "data directory")
    info = generate_sample(root, seed=a.seed, spec=spec, progress=not a.quiet)
    print(f"synthetic teaching market written to {root}")
    for k, v in info.items():
        print(f"  {k}: {v}")
    return 0


def _cmd_build(a: argparse.Namespace) -> int:
    from .config import paths
    from .filings import build_tidy

    summary = build_tidy(paths(a.data), progress=not a.quiet)
    print(summary.to_string())
    return 0


def _cmd_fetch_sec(a: argparse.Namespace) -> int:
    from .config import paths
    from .errors import ConfigError
    from .filings.edgar import EdgarClient, fetch_quarterly

    if a.start > a.end:
        raise ConfigError(f"--from {a.start} is after --to {a.end}", hint="give the earlier quarter first")
    client = EdgarClient(base_url=a.base_url, archive_url=a.archive_url)
    res = fetch_quarterly(client, a.start, a.end, paths(a.data).raw_sec, progress=not a.quiet,
                          url_template=a.url_template)
    print(res[["quarter", "status", "url"]].to_string(index=False))
    for r in res[res["status"] == "missing"].itertuples():
        print(f"{r.quarter}: not found; {r.error}")
    return 1 if (res["status"] != "downloaded").all() and (res["status"] != "cached").all() else 0


def _cmd_fetch_edgar(a: argparse.Namespace) -> int:
    from .config import paths
    from .errors import ConfigError
    from .filings.edgar import EdgarClient, fetch_recent_form4

    if a.until is not None and a.until < a.since:
        raise ConfigError(f"--until {a.until} is before --since {a.since}")
    client = EdgarClient(base_url=a.base_url, archive_url=a.archive_url)
    res = fetch_recent_form4(
        client, a.since, a.until, paths(a.data).raw_edgar, forms=tuple(a.forms), progress=not a.quiet
    )
    print(res.groupby("status").size().to_string())
    return 1 if (res["status"] == "failed").any() else 0


def _cmd_fetch_tickers(a: argparse.Namespace) -> int:
    from ._io import atomic_write_bytes
    from .config import paths
    from .filings.edgar import EdgarClient
    from .tickers import parse_company_tickers

    client = EdgarClient(base_url=a.base_url)
    url = client.company_tickers_url()
    body = client.get(url)
    ct = parse_company_tickers(body, source=url)  # validate before anything is written
    dest = paths(a.data).company_tickers
    atomic_write_bytes(dest, body)
    print(f"saved {dest}: {ct['issuer_cik'].nunique():,} issuers, {len(ct):,} tickers")
    return 0


def _cmd_fetch_prices(a: argparse.Namespace) -> int:
    from .config import paths
    from .prices import fetch_prices
    from .study import tickers_from_transactions

    p = paths(a.data)
    tickers: list[str] = list(a.tickers or [])
    if a.from_transactions:
        tickers += tickers_from_transactions(p)
    if not tickers:
        raise InsiderKitError("no tickers given", hint="use --tickers AAPL MSFT or --from-transactions")
    if a.market and a.market not in tickers:
        tickers.append(a.market)
    report = fetch_prices(tickers, a.start, a.end, cache=p.raw_prices, progress=not a.quiet)
    print(report.summary().to_string())
    return 1 if report.failed else 0


def _cmd_fetch_factors(a: argparse.Namespace) -> int:
    from .config import paths
    from .prices.french import fetch_french_factors

    out = fetch_french_factors(paths(a.data).raw_factors, base_url=a.base_url)
    for f in out:
        print(f"saved {f}")
    return 0


def _cmd_import_transactions(a: argparse.Namespace) -> int:
    from .config import paths
    from .filings.importers import import_transactions, parse_mapping

    mapping = parse_mapping(a.mapping) if a.mapping is not None else None
    _writable_dir(paths(a.data).root, "data directory")
    report = import_transactions(paths(a.data), a.files, format=a.format, mapping=mapping, dated_by=a.dated_by,
                                 date_order=a.date_order, decimal=a.decimal, skip_bad=a.skip_bad,
                                 progress=not a.quiet)
    print(report)
    if report.dest is not None:
        print("next: insider-kit report --data DIR (the tidy tables are rebuilt with the imported rows)")
    return 0


def _cmd_import_prices(a: argparse.Namespace) -> int:
    from .config import paths
    from .prices.imports import describe_import, import_prices

    p = paths(a.data)
    _writable_dir(p.root, "data directory")
    out = import_prices(p, a.paths, market=a.market, market_kind=a.market_kind, kind=a.kind, returns_in=a.returns_in,
                        link=a.link, date_order=a.date_order, ticker_pattern=a.ticker_pattern, skip_bad=a.skip_bad,
                        progress=not a.quiet)
    for line in describe_import(out, p.raw_prices):
        print(line)
    return 0


def _cmd_import_factors(a: argparse.Namespace) -> int:
    from .config import paths
    from .prices.french import import_factors

    p = paths(a.data)
    _writable_dir(p.root, "data directory")
    out = import_factors(p.raw_factors, a.files)
    for r in out.itertuples():
        print(f"saved {p.raw_factors / str(r.saved_as)}: {r.columns}, {r.first} .. {r.last} ({r.days:,} days) from {r.file}")
    return 0


def _cmd_report(a: argparse.Namespace) -> int:
    import json

    from .config import data_dir
    from .reports import render_reports

    def value(v: str) -> object:  # numbers and booleans typed as in JSON; anything else stays a string
        try:
            return json.loads(v)
        except ValueError:
            return v

    params: dict[str, object] = {k: value(v) for k, v in (a.param or [])}
    res = render_reports(  # (which checks --out: a folder it can write to, before any work)
        data=data_dir(a.data),
        out=Path(a.out),
        notebooks_dir=Path(a.notebooks) if a.notebooks else None,
        params=params,
        params_file=Path(a.params) if a.params else None,
        hide_code=a.hide_code,
        only=a.only,
        jobs=a.jobs,
    )
    return 0 if res.ok else 1


def _cmd_lesson(a: argparse.Namespace) -> int:
    from .reports import PACKAGE_NOTEBOOKS, student_edition

    out = Path(a.out)
    if out.exists() and not out.is_dir():
        from .errors import ConfigError

        raise ConfigError(f"{out} is a file, not a directory", hint="pass --out a directory (created if absent)")
    src = PACKAGE_NOTEBOOKS / "05_event_study_101.py"
    dest = student_edition(src, out / "05_event_study_101_student.ipynb")
    print(f"student edition (no solutions) written to {dest}")
    return 0


# --------------------------------------------------------------------------- parser
def _command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, *, help: str,
             description: str, examples: Sequence[str]) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` shows its description and worked examples (``insider-kit ...`` lines
    that a test parses with this parser, so an example cannot drift from the options)."""
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples) if examples else None
    return sub.add_parser(name, help=help, description=description, epilog=epilog,
                          formatter_class=argparse.RawDescriptionHelpFormatter)


# long: declarative, one block per command (the parser is the CLI's reference)
def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (exposed for tests and documentation).

    Returns
    -------
    argparse.ArgumentParser
        The ``insider-kit`` parser with every subcommand.

    Examples
    --------
    >>> args = build_parser().parse_args(["build", "--data", "data/sample"])
    >>> args.command, args.data
    ('build', 'data/sample')
    """
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="insider-kit",
        description="Insider-trading event studies: SEC Form 4 data, prices, event studies, reports.\n\n"
                    "A first run, on the synthetic teaching market:\n"
                    "  insider-kit sample --data data\n"
                    "  insider-kit report --data data/sample --out reports",
        epilog="Each command has its own --help with examples; an error is one line with a hint (exit 2).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"insider-kit {__version__}",
                        help="print the kit's version and exit")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = _command(sub, "sample", help="generate the synthetic teaching market under DATA/sample/",
                 description="Write the synthetic teaching market (500 firms, in the SEC's and the price sources' "
                             "own file formats, with planted effects listed in truth.json) under DATA/sample/.",
                 examples=["insider-kit sample --data data", "insider-kit sample --data data --seed 7"])
    _add_data(p)
    p.add_argument("--seed", type=int, default=20240101, help="random seed (same seed -> identical files)")
    p.add_argument("--spec", default=None, metavar="FILE", help="JSON file overriding the planted-effect spec")
    p.set_defaults(func=_cmd_sample)

    p = _command(sub, "build", help="turn DATA/raw/ (SEC zips + EDGAR XML) into tidy Parquet tables",
                 description="Read every SEC quarterly zip and EDGAR Form 4 XML under DATA/raw/ into the tidy "
                             "transactions and owners tables (DATA/tidy/); only changed inputs are re-read.",
                 examples=["insider-kit build --data data"])
    _add_data(p)
    p.set_defaults(func=_cmd_build)

    fetch = _command(sub, "fetch", help="download raw data (SEC, EDGAR, prices, factors)",
                     description="Download raw data into DATA/raw/ (atomic writes; an interrupted download "
                                 "leaves no partial file). The SEC asks for an identity: set SEC_USER_AGENT.",
                     examples=["insider-kit fetch sec --from 2023q1 --to 2024q4", "insider-kit fetch factors"])
    fsub = fetch.add_subparsers(dest="what", metavar="WHAT")
    fsub.required = True

    p = _command(fsub, "sec", help="quarterly SEC Insider Transactions Data Sets",
                 description="Download the SEC's quarterly Insider Transactions Data Sets (form345 zips) for "
                             "every quarter from --from to --to into DATA/raw/sec/.",
                 examples=["insider-kit fetch sec --from 2023q1 --to 2024q4 --data data"])
    _add_data(p)
    p.add_argument("--from", dest="start", required=True, type=_quarter, help="first quarter, e.g. 2023q1")
    p.add_argument("--to", dest="end", required=True, type=_quarter, help="last quarter, e.g. 2024q4")
    p.add_argument("--url-template", default=None,
                   help="your own address of each zip, {q} for the quarter (e.g. https://mirror/{q}_form345.zip)")
    p.add_argument("--base-url", default=None, help="override www.sec.gov (tests, mirrors)")
    p.add_argument("--archive-url", default=None, help="override the EDGAR archive host")
    p.set_defaults(func=_cmd_fetch_sec)

    p = _command(fsub, "edgar", help="recent Form 4 submissions from the EDGAR daily indexes",
                 description="Download the Form 4 XML filed since --since (the quarterly data sets lag by up to "
                             "a quarter) into DATA/raw/edgar/, with each filing's acceptance time.",
                 examples=["insider-kit fetch edgar --since 2026-11-01 --data data"])
    _add_data(p)
    p.add_argument("--since", required=True, type=_iso_day, help="first filing date, YYYY-MM-DD")
    p.add_argument("--until", default=None, type=_iso_day, help="last filing date, YYYY-MM-DD (default: today)")
    p.add_argument("--forms", nargs="+", default=["4", "4/A"], help="form types to keep")
    p.add_argument("--base-url", default=None, help="override www.sec.gov (tests, mirrors)")
    p.add_argument("--archive-url", default=None, help="override the EDGAR archive host")
    p.set_defaults(func=_cmd_fetch_edgar)

    p = _command(fsub, "prices", help="daily adjusted prices from yfinance into the local cache",
                 description="Download daily adjusted prices with yfinance into DATA/raw/prices/ (one file per "
                             "ticker, with its source and adjustment), plus the market index.",
                 examples=["insider-kit fetch prices --from-transactions --data data",
                           "insider-kit fetch prices --tickers AAPL MSFT --start 2015-01-01"])
    _add_data(p)
    p.add_argument("--tickers", nargs="+", default=None, metavar="TICKER", help="tickers to download")
    p.add_argument("--from-transactions", action="store_true", help="every ticker with P/S trades")
    p.add_argument("--market", default="SPY", help="market index ticker added to the list")
    p.add_argument("--start", default="2000-01-01", type=_iso_day, help="first day, YYYY-MM-DD")
    p.add_argument("--end", default=None, type=_iso_day, help="last day, YYYY-MM-DD (default: today)")
    p.set_defaults(func=_cmd_fetch_prices)

    p = _command(fsub, "tickers", help="the SEC's issuer CIK -> ticker map (company_tickers.json)",
                 description="Download the SEC's CIK -> ticker map; filings that carry no ticker get theirs "
                             "from it.",
                 examples=["insider-kit fetch tickers --data data"])
    _add_data(p)
    p.add_argument("--base-url", default=None, help="override www.sec.gov (tests, mirrors)")
    p.set_defaults(func=_cmd_fetch_tickers)

    p = _command(fsub, "factors", help="Fama-French daily 3 factors, momentum and 5 factors",
                 description="Download Kenneth French's daily Fama-French three factors, momentum and five factors "
                             "into DATA/raw/factors/ (ff3_daily.csv, mom_daily.csv, ff5_daily.csv: the factor models "
                             "of event_study and calendar_time). Offline: insider-kit import factors FILE.",
                 examples=["insider-kit fetch factors --data data"])
    _add_data(p)
    p.add_argument("--base-url", default=None, help="override Kenneth French's data library URL")
    p.set_defaults(func=_cmd_fetch_factors)

    imp = _command(sub, "import", help="bring your own data: third-party insider files and price files/folders",
                   description="Bring your own data: insider trades from third-party files, prices from files or "
                               "folders. The files are kept under DATA/raw/imported/ with where they came from.",
                   examples=["insider-kit import transactions openinsider.csv --format openinsider --data mydata",
                             "insider-kit import prices yf_csvs/ --market yf_csvs/SPY.csv --data mydata"])
    isub = imp.add_subparsers(dest="what", metavar="WHAT")
    isub.required = True
    p = _command(isub, "transactions", help="OpenInsider exports, WRDS TFN Table 1, or any CSV with a mapping",
                 description="Import insider trades: OpenInsider screener exports (CSV or the saved HTML page), "
                             "WRDS Thomson Reuters Table 1, or any table with a --mapping of its columns to the "
                             "tidy names.",
                 examples=["insider-kit import transactions openinsider.csv --format openinsider --data mydata",
                           "insider-kit import transactions tfn_table1.sas7bdat --format tfn --data mydata",
                           "insider-kit import transactions mine.csv --format csv --mapping mapping.json"])
    _add_data(p)
    p.add_argument("files", nargs="+", metavar="FILE", help="files, folders or quoted glob patterns ('exports/*.csv')")
    p.add_argument("--format", required=True, choices=["openinsider", "tfn", "csv", "mapped"],
                   help="csv (= mapped): any CSV, TSV, JSON or Parquet table with --mapping")
    p.add_argument("--mapping", default=None,
                   help="csv format: JSON object of file column -> tidy column, inline or the path of a file")
    p.add_argument("--dated-by", default="filing", choices=["filing", "trade"],
                   help="trade: data without filing dates (claims that need one are then not testable)")
    p.add_argument("--date-order", default="auto", choices=["auto", "mdy", "dmy"],
                   help="for NN/NN/YYYY dates (auto: decided from each file's values, refused when nothing decides)")
    p.add_argument("--decimal", default=".", choices=[".", ","], help="the files' decimal mark (',' for 4.000,5)")
    p.add_argument("--skip-bad", action="store_true",
                   help="import the good files when some are bad (listed); default: nothing is imported")
    p.set_defaults(func=_cmd_import_transactions)
    p = _command(isub, "prices", help="price files or folders of per-ticker CSVs (yfinance/Yahoo, AlphaVantage, wide, "
                 "long, CRSP): all or nothing",
                 description="Import daily prices: folders of per-ticker CSVs (yfinance/Yahoo, AlphaVantage), wide "
                             "or long files, CRSP daily files with a PERMNO link, and a market series. What each file "
                             "holds (prices or returns, adjusted or not) is decided from its values and columns, or "
                             "refused with the option to say it; nothing is written when a file fails (--skip-bad "
                             "imports the rest). The coverage of the trades already imported is printed.",
                 examples=["insider-kit import prices yf_csvs/ --market yf_csvs/SPY.csv --data mydata",
                           "insider-kit import prices crsp_dsf.csv --link permno_ticker.csv --market vwretd.csv",
                           "insider-kit import prices av/ --ticker-pattern 'DA-(?P<ticker>[^-]+)-T-' --data mydata",
                           "insider-kit import prices price_data.parquet --market ^GSPC --skip-bad --data mydata",
                           "insider-kit import prices yf_csvs/ --market sp500.csv --returns-in percent --data mydata"])
    _add_data(p)
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders of per-ticker files, or quoted glob patterns")
    p.add_argument("--market", default=None,
                   help="market index: a file of its prices or returns, or a ticker among the prices (e.g. ^GSPC)")
    p.add_argument("--market-kind", default="auto", choices=["auto", "price", "return"],
                   help="what the market file holds (default: decided from its values, refused when unclear)")
    p.add_argument("--kind", default="auto", choices=["auto", "price", "return"],
                   help="what the price files hold (default: decided from their values, refused when unclear)")
    p.add_argument("--returns-in", default="decimal", choices=["decimal", "percent"],
                   help="returns written in percent (1.2 for 1.2%%) are refused unless you say so here")
    p.add_argument("--link", default=None, help="files keyed by CRSP PERMNO: a CSV with columns permno,ticker")
    p.add_argument("--date-order", default="auto", choices=["auto", "mdy", "dmy"], help="for NN/NN/YYYY dates")
    p.add_argument("--ticker-pattern", default=None, metavar="REGEX",
                   help="where the ticker is in each file name, e.g. 'DA-(?P<ticker>[^-]+)-T-' (default: the whole "
                        "name without .csv/.gz: AAPL.csv, BRK.B.csv, ^GSPC.csv)")
    p.add_argument("--skip-bad", action="store_true",
                   help="import the good files and list the bad ones (default: nothing is imported if one fails)")
    p.set_defaults(func=_cmd_import_prices)
    p = _command(isub, "factors", help="Kenneth French's daily factor files as downloaded (zip or CSV: three "
                 "factors, momentum, five factors)",
                 description="Import Kenneth French's daily factor files offline, as downloaded from his data "
                             "library (the zips or the CSVs inside, several at once): checked (percent values, daily "
                             "dates, the footer left out) and saved as DATA/raw/factors/ff3_daily.csv, mom_daily.csv "
                             "and ff5_daily.csv, the names fetch factors writes and the loader reads.",
                 examples=["insider-kit import factors F-F_Research_Data_Factors_daily_CSV.zip "
                           "F-F_Momentum_Factor_daily_CSV.zip --data mydata"])
    _add_data(p)
    p.add_argument("files", nargs="+", metavar="FILE", help="the zips or CSVs")
    p.set_defaults(func=_cmd_import_factors)

    p = _command(sub, "lesson", help="write the teaching notebook's student edition (05, without solutions)",
                 description="Write notebook 05 (the event-study lesson) as a student edition: the exercises "
                             "without their solutions, as an .ipynb to hand out.",
                 examples=["insider-kit lesson --out handouts"])
    p.add_argument("--out", default=".", metavar="DIR", help="folder the .ipynb is written to (default: here)")
    p.set_defaults(func=_cmd_lesson)

    p = _command(sub, "report", help="render every notebook with papermill and export HTML",
                 description="Render every notebook on one data directory (two at a time, each in its own "
                             "kernel) and write OUT/index.html (the claims ledger and what the data support), "
                             "one page per notebook and per claim, claims.csv and manifest.json.",
                 examples=["insider-kit report --data data/sample --out reports",
                           "insider-kit report --data mydata --only 02_buy_vs_sell -p window_end 20"])
    _add_data(p)
    p.add_argument("--out", default="reports", metavar="DIR", help="output directory (default: reports)")
    p.add_argument("--notebooks", default=None, metavar="DIR",
                   help="folder of notebooks to render (default: the kit's own, shipped with the package)")
    p.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="a notebook parameter (repeatable); VALUE is read as JSON when it parses, else as text")
    p.add_argument("--params", default=None, metavar="FILE", help="JSON file of parameters (an object: name -> value)")
    p.add_argument("--jobs", type=int, default=2, help="notebooks rendered at once (default 2)")
    p.add_argument("--hide-code", action="store_true", help="export without code cells")
    p.add_argument("--only", nargs="+", default=None, metavar="NAME", help="render only these notebooks (name stems)")
    p.set_defaults(func=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``insider-kit`` console script.

    An :class:`~insider_kit.errors.InsiderKitError` is printed as one line with its hint (exit status 2),
    never as a traceback.

    Parameters
    ----------
    argv
        The arguments (None: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status.

    Examples
    --------
    >>> main(["-q", "build", "--data", "/no/such/dir"])  # the one-line error goes to stderr
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Handler = args.func
    try:
        _check_path_names(args)
        return func(args)
    except InsiderKitError as exc:
        print(f"insider-kit: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno not in _ENVIRONMENT_ERRNOS:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        print(f"insider-kit: error: {exc.strerror or exc}{where}", file=sys.stderr)
        print("  hint: check that the folders exist, are writable, and the disk has room", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("insider-kit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
