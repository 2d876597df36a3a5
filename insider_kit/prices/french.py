"""Kenneth French's daily factor files: the three factors, momentum and the five factors (2x3).

The files are CSVs inside zips, with prose above the header, sometimes an annual section below, a copyright
line at the end, and values in percent.  This parser finds the header row, keeps the rows whose first field
is an 8-digit date, stops at the first non-date row after data starts, and divides by 100.

Where the kit keeps them (``raw/factors/``, written by ``insider-kit fetch factors`` or
``insider-kit import factors``, read by :func:`insider_kit.load_factors`), with the columns they give:

* ``ff3_daily.csv`` — ``F-F_Research_Data_Factors_daily_CSV.zip``: ``mkt_rf, smb, hml, rf``;
* ``mom_daily.csv`` — ``F-F_Momentum_Factor_daily_CSV.zip``: ``mom``;
* ``ff5_daily.csv`` — ``F-F_Research_Data_5_Factors_2x3_daily_CSV.zip``: ``rmw, cma`` and its own SMB as ``smb5``.

The loader also accepts the library's own names (``F-F_Research_Data_Factors_daily.CSV`` or the zip) in that
folder.  Reference: Fama and French (1993, 2015); Carhart (1997); the data library's file descriptions,
https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/data_library.html.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .._io import atomic_write_bytes
from ..errors import DataError
from .files import column_numbers

__all__ = ["FACTOR_FILES", "FRENCH_URLS", "fetch_french_factors", "identify_french", "import_factors", "load_factors",
           "parse_french_csv"]

FRENCH_BASE = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp"
#: Kenneth French's data library files the kit downloads, by the name the kit saves them under (``<key>.csv``).
FRENCH_URLS = {
    "ff3_daily": "F-F_Research_Data_Factors_daily_CSV.zip",
    "mom_daily": "F-F_Momentum_Factor_daily_CSV.zip",
    "ff5_daily": "F-F_Research_Data_5_Factors_2x3_daily_CSV.zip",
}
#: The columns each saved file holds, as in the library's header line.
FACTOR_FILES = {
    "ff3_daily": ("Mkt-RF", "SMB", "HML", "RF"),
    "mom_daily": ("Mom",),
    "ff5_daily": ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"),
}
#: The library's own file names (the loader accepts them beside the kit's).
_LIBRARY_NAMES = {"ff3_daily": "F-F_Research_Data_Factors_daily", "mom_daily": "F-F_Momentum_Factor_daily",
                  "ff5_daily": "F-F_Research_Data_5_Factors_2x3_daily"}
_DATE_ROW = re.compile(r"^\s*(\d{8})\s*[,;]")
_MONTH_ROW = re.compile(r"^\s*(\d{6})\s*[,;]")


def parse_french_csv(text: str, *, name: str = "factor file") -> pd.DataFrame:
    r"""Parse one French daily CSV; return decimals indexed by date (columns as in the file, e.g. Mkt-RF, SMB,
    HML, RF).

    The file's prose header and its annual section are skipped: the data are the ``YYYYMMDD,...`` rows under
    the column line.  Values are in percent in the file (divided by 100 here); the missing-value codes
    -99.99 and -999 become NaN.  A ``;``-separated file with decimal commas (as a European spreadsheet saves
    it) is read too.

    Parameters
    ----------
    text
        The CSV's text (comma- or semicolon-separated).
    name
        The file's name, for error messages.

    Returns
    -------
    pandas.DataFrame
        Daily factor returns as decimals, on a ``date`` index.

    Raises
    ------
    DataError
        No daily rows (a monthly or annual file is named as such), a header that is not a column list, a bad,
        repeated or out-of-order date, weekly dates, a cell that is not a number, a daily factor return beyond
        +/-100%, or values that look like decimals already.

    Examples
    --------
    >>> text = ("This file was created by CMPT_ME_BEME_RETS_DAILY\n\n"
    ...         ",Mkt-RF,SMB,HML,RF\n20240301,0.80,0.54,-0.25,0.021\n20240304,-0.12,0.03,0.10,0.021\n")
    >>> parse_french_csv(text)["Mkt-RF"].tolist()
    [0.008, -0.0012]
    """
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, ln in enumerate(lines) if _DATE_ROW.match(ln)), None)
    if start is None or start == 0:
        monthly = any(_MONTH_ROW.match(ln) for ln in lines[:200])
        raise DataError("a monthly (or annual) file: the kit needs the daily one" if monthly else
                        "no daily data rows (YYYYMMDD,...) found", path=name,
                        hint="download the *_daily_CSV.zip file from Kenneth French's data library "
                        "(F-F_Research_Data_Factors_daily, F-F_Momentum_Factor_daily, F-F_Research_Data_5_Factors_2x3_daily)")
    header = lines[start - 1]
    sep = ";" if header.count(";") > header.count(",") else ","
    cols = [c.strip() for c in header.split(sep)][1:]
    if not cols or not all(cols):
        raise DataError(f"header line above the data is not a column list: {header[:80]!r}", path=name)
    rows = []
    for ln in lines[start:]:
        if not _DATE_ROW.match(ln):
            break
        parts = [p.strip() for p in ln.split(sep)]
        rows.append((parts + [""] * len(cols))[: len(cols) + 1])
    df = pd.DataFrame(rows, columns=["date", *cols])
    idx = pd.to_datetime(df["date"], format="%Y%m%d", errors="coerce")
    if idx.isna().any():
        raise DataError(f"bad date {df['date'][idx.isna()].iloc[0]!r}", path=name)
    if not idx.is_monotonic_increasing or idx.duplicated().any():
        k = int(np.argmax((idx.diff() <= pd.Timedelta(0)).to_numpy()))
        raise DataError(f"dates out of order or repeated at {df['date'].iloc[k]!r}", path=name)
    if len(idx) >= 20 and idx.diff().median() >= pd.Timedelta(days=5):
        raise DataError("a weekly file: the kit needs the daily one", path=name,
                        hint="download the *_daily_CSV.zip file")
    vals = {}
    for c in cols:
        v, why = column_numbers(df[c], "," if sep == ";" else ".")
        bad = np.array([w is not None for w in why])
        if bad.any():
            k = int(np.argmax(bad))
            raise DataError(f"column {c!r} on {df['date'].iloc[k]}: not a number: {str(df[c].iloc[k])[:30]!r}", path=name)
        vals[c] = np.where(np.isin(v, [-99.99, -999.0]), np.nan, v)
    out = pd.DataFrame(vals, index=pd.DatetimeIndex(idx, name="date"), dtype=np.float64)
    empty = [c for c in cols if out[c].isna().all()]
    if empty:
        raise DataError(f"column {empty[0]!r} has no numeric values", path=name)
    _check_percent(out, name)
    return out / 100.0


def _check_percent(pct: pd.DataFrame, name: str) -> None:
    """The values of a French file are percent: a daily move beyond 100 is an error, and a file whose typical
    daily factor move is below 0.05 (0.05%) has been converted to decimals already."""
    big = pct.abs() > 100
    if big.to_numpy().any():
        c = pct.columns[big.any().to_numpy()][0]
        d = pct.index[big[c].to_numpy()][0]
        raise DataError(f"column {c!r} on {d:%Y%m%d}: a daily factor return of {pct.loc[d, c]:.4g}% (beyond 100%)",
                        path=name)
    main = [c for c in pct.columns if c.strip().upper() != "RF"]
    if main and pct[main[0]].notna().sum() >= 20:
        med = float(pct[main[0]].abs().median())
        if med < 0.05:
            raise DataError(f"column {main[0]!r}: a median daily move of {med:.3g} — in percent that is {med:.3g}%, "
                            "too small: the values look like decimals already", path=name,
                            hint="import the library's file as downloaded (its values are in percent)")


def identify_french(frame: pd.DataFrame, *, name: str = "factor file") -> str:
    """Which of the kit's factor files a parsed French file is: ``ff3_daily``, ``mom_daily`` or ``ff5_daily``.

    Parameters
    ----------
    frame
        Output of :func:`parse_french_csv`.
    name
        The file's name, for the error.

    Returns
    -------
    str
        The key (the file name the kit saves it under, without ``.csv``).

    Raises
    ------
    DataError
        Columns that are none of the three files (an industry-portfolio or a monthly file, say).

    Examples
    --------
    >>> identify_french(pd.DataFrame(columns=["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"]))
    'ff5_daily'
    >>> identify_french(pd.DataFrame(columns=["Mom   "]))
    'mom_daily'
    """
    cols = tuple(str(c).strip().upper() for c in frame.columns)
    for key, want in FACTOR_FILES.items():
        if cols == tuple(w.upper() for w in want) or (key == "mom_daily" and len(cols) == 1 and cols[0].startswith("MOM")):
            return key
    raise DataError(f"not one of the daily factor files the kit uses: its columns are {list(frame.columns)[:8]}",
                    path=name, hint="the three factors (Mkt-RF,SMB,HML,RF), momentum (Mom), or the five factors "
                    "(Mkt-RF,SMB,HML,RMW,CMA,RF), daily")


def _text_from(data: bytes, name: str) -> str:
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [n for n in zf.namelist() if n.lower().endswith((".csv", ".txt"))]
                if len(members) != 1:
                    raise DataError(f"a factor zip holds one CSV; this one has {len(members)}", path=name)
                info = zf.getinfo(members[0])
                if info.file_size > 200 * 1024**2:
                    raise DataError("zip member too large", path=name)
                data = zf.read(members[0])
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError) as exc:
            raise DataError(f"not a readable zip with a CSV inside ({type(exc).__name__}: {exc})", path=name) from exc
    if b"\x00" in data[:65536]:
        raise DataError("binary data, not a factor CSV", path=name)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("latin-1")


def _saved(directory: Path, key: str) -> Path | None:
    f = directory / f"{key}.csv"
    if f.exists():
        return f
    cands = sorted(p for p in directory.glob(f"{_LIBRARY_NAMES[key]}*") if p.suffix.lower() in (".csv", ".zip"))
    return cands[0] if cands else None


def _load(f: Path) -> pd.DataFrame:
    try:
        data = f.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read ({exc.strerror or exc})", path=f) from exc
    return parse_french_csv(_text_from(data, str(f)), name=str(f))


def load_factors(directory: Path) -> pd.DataFrame:
    """Load saved factor files from *directory*: columns ``mkt_rf, smb, hml, rf``, with ``mom`` and ``rmw, cma,
    smb5`` when those files are there; decimals.

    The three-factor file gives ``mkt_rf, smb, hml, rf`` (the five-factor file gives them when it is alone);
    the five-factor file adds ``rmw`` and ``cma`` and its own SMB as ``smb5`` (Fama and French 2015 average
    SMB over three sorts, so it differs slightly from the three-factor file's: a five-factor model uses
    ``mkt_rf, smb5, hml, rmw, cma``).

    Parameters
    ----------
    directory
        The factor directory (``raw/factors/``), as written by ``insider-kit fetch factors`` or
        ``insider-kit import factors``.

    Returns
    -------
    pandas.DataFrame
        Daily factors in decimals, indexed by date.

    Raises
    ------
    DataError
        No three- or five-factor file in *directory*, or a damaged file (named).

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.config import paths
    >>> ff = ik.load_factors(paths("sample").raw_factors)
    >>> ff.columns.tolist()[:4]
    ['mkt_rf', 'smb', 'hml', 'rf']
    """
    directory = Path(directory)
    ff3, ff5, mom = (_saved(directory, k) if directory.is_dir() else None for k in ("ff3_daily", "ff5_daily", "mom_daily"))
    if ff3 is None and ff5 is None:
        raise DataError(f"no Fama-French daily file in {directory}",
                        hint="run 'insider-kit fetch factors', or 'insider-kit import factors FILE' with the files "
                        "downloaded from Kenneth French's data library")
    five = _load(ff5).rename(columns=lambda c: c.strip().lower().replace("-", "_")) if ff5 is not None else None
    if ff3 is not None:
        f = _load(ff3).rename(columns=lambda c: c.strip().lower().replace("-", "_"))
    else:
        assert five is not None
        f = five[["mkt_rf", "smb", "hml", "rf"]].copy()
    if mom is not None:
        m = _load(mom)
        f["mom"] = m.iloc[:, 0].reindex(f.index)
    if five is not None:
        for c, src in (("rmw", "rmw"), ("cma", "cma"), ("smb5", "smb")):
            f[c] = five[src].reindex(f.index)
    return f


def import_factors(directory: Path, inputs: list[str | Path]) -> pd.DataFrame:
    r"""Import Kenneth French's daily factor files as downloaded (the zips or the CSVs inside) into *directory*.

    Each file is parsed and checked (percent values, daily dates in order, the copyright footer left out),
    identified from its columns (three factors, momentum, five factors) and saved under the name
    :func:`insider_kit.load_factors` reads (``ff3_daily.csv``, ``mom_daily.csv``, ``ff5_daily.csv``; atomic writes).
    Every file is checked before the first is written.

    Parameters
    ----------
    directory
        The factor directory (``raw/factors/``).
    inputs
        The files (``.zip`` or ``.csv``; folders: every such file in them).

    Returns
    -------
    pandas.DataFrame
        One row per file saved: ``file``, ``saved_as``, ``columns``, ``first``, ``last``, ``days``.

    Raises
    ------
    DataError
        A file that is not one of the three (named, with the reason), or two different files of one kind.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "F-F_Momentum_Factor_daily.CSV").write_text(
    ...     "Momentum, from Kenneth French's library\n\n,Mom   \n20240102,  0.52\n20240103, -1.10\n\nCopyright\n")
    >>> import_factors(d / "factors", [d / "F-F_Momentum_Factor_daily.CSV"])[["saved_as", "days"]].values.tolist()
    [['mom_daily.csv', 2]]
    """
    files: list[Path] = []
    for i in inputs:
        p = Path(i)
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in (".csv", ".zip"))
        elif p.is_file():
            files.append(p)
        else:
            raise DataError("no such file or folder", path=p)
    if not files:
        raise DataError("no factor files (.csv or .zip) given", path=str(inputs[0]) if inputs else None)
    plan: dict[str, tuple[Path, str, pd.DataFrame]] = {}
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as exc:
            raise DataError(f"cannot read ({exc.strerror or exc})", path=f) from exc
        text = _text_from(data, str(f))
        frame = parse_french_csv(text, name=str(f))
        key = identify_french(frame, name=str(f))
        if key in plan and plan[key][1] != text:
            raise DataError(f"{plan[key][0].name} and {f.name} are both the {key.replace('_', ' ')} file", path=f.parent,
                            hint="import one of them")
        plan[key] = (f, text, frame)
    rows = []
    for key, (f, text, frame) in plan.items():
        dest = Path(directory) / f"{key}.csv"
        try:
            atomic_write_bytes(dest, text.encode("latin-1", errors="replace"))
        except OSError as exc:
            raise DataError(f"cannot write the factor file ({exc.strerror or exc})", path=dest,
                            hint="give --data a writable directory") from exc
        rows.append({"file": str(f), "saved_as": dest.name, "columns": ", ".join(map(str, frame.columns)),
                     "first": frame.index[0].date(), "last": frame.index[-1].date(), "days": len(frame)})
    return pd.DataFrame(rows, columns=["file", "saved_as", "columns", "first", "last", "days"])


def fetch_french_factors(directory: Path, *, base_url: str | None = None) -> list[Path]:
    """Download the daily three-factor, momentum and five-factor files from Kenneth French's data library.

    Each download is parsed and identified before it is saved (atomically) as ``ff3_daily.csv``,
    ``mom_daily.csv`` and ``ff5_daily.csv``.

    Parameters
    ----------
    directory
        Where the files are saved (``raw/factors/``).
    base_url
        The library's address (a mirror; None: the official one).

    Returns
    -------
    list of pathlib.Path
        The saved files.

    Examples
    --------
    Reaches the data library, so it does not run offline (the tests serve the files from 127.0.0.1):

    >>> from insider_kit.config import paths
    >>> saved = fetch_french_factors(paths().raw_factors)  # doctest: +SKIP
    """
    import requests

    from ..errors import NetworkError

    base = (base_url or FRENCH_BASE).rstrip("/")
    got = []
    for key, fname in FRENCH_URLS.items():
        url = f"{base}/{fname}"
        try:
            r = requests.get(url, timeout=60)
        except requests.RequestException as exc:
            raise NetworkError(f"{url}: {exc}") from exc
        if r.status_code != 200:
            raise NetworkError(f"{url}: HTTP {r.status_code}")
        text = _text_from(r.content, url)
        found = identify_french(parse_french_csv(text, name=url), name=url)  # validate before saving
        if found != key:
            raise DataError(f"expected the {key.replace('_', ' ')} file, got the {found.replace('_', ' ')} one", path=url)
        got.append((key, text))
    out = []
    for key, text in got:
        dest = Path(directory) / f"{key}.csv"
        atomic_write_bytes(dest, text.encode("latin-1", errors="replace"))
        out.append(dest)
    return out
