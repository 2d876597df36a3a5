"""Kenneth French's daily factor files (F-F_Research_Data_Factors_daily, F-F_Momentum_Factor_daily).

The files are CSVs inside zips, with prose above the header, sometimes an
annual section below, a copyright line at the end, and values in percent.
This parser finds the header row, keeps the rows whose first field is an
8-digit date, stops at the first non-date row after data starts, and divides
by 100.
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

__all__ = ["FRENCH_URLS", "fetch_french_factors", "load_factors", "parse_french_csv"]

FRENCH_BASE = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp"
#: Kenneth French's data library files the kit downloads.
FRENCH_URLS = {
    "ff3_daily": "F-F_Research_Data_Factors_daily_CSV.zip",
    "mom_daily": "F-F_Momentum_Factor_daily_CSV.zip",
}
_DATE_ROW = re.compile(r"^\s*(\d{8})\s*[,;]")


def parse_french_csv(text: str, *, name: str = "factor file") -> pd.DataFrame:
    r"""Parse one French daily CSV; return decimals indexed by date (columns as in the file, e.g. Mkt-RF, SMB,
    HML, RF).

    The file's prose header and its annual section are skipped: the data are the ``YYYYMMDD,...`` rows under
    the column line.  Values are in percent in the file (divided by 100 here); the missing-value codes
    -99.99 and -999 become NaN.

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
        No daily rows, a header that is not a column list, a bad date, or a column without numbers.

    Examples
    --------
    >>> text = ("This file was created by CMPT_ME_BEME_RETS_DAILY\n\n"
    ...         ",Mkt-RF,SMB,HML,RF\n20240301,0.80,0.54,-0.25,0.021\n20240304,-0.12,0.03,0.10,0.021\n")
    >>> parse_french_csv(text)["Mkt-RF"].tolist()
    [0.008, -0.0012]
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, ln in enumerate(lines) if _DATE_ROW.match(ln)), None)
    if start is None or start == 0:
        raise DataError("no daily data rows (YYYYMMDD,...) found", path=name)
    header = lines[start - 1]
    sep = ";" if header.count(";") > header.count(",") else ","
    cols = [c.strip() for c in header.split(sep)][1:]
    if not cols or not all(cols):
        raise DataError(f"header line above the data is not a column list: {header!r}", path=name)
    rows = []
    for ln in lines[start:]:
        if not _DATE_ROW.match(ln):
            break
        parts = [p.strip() for p in ln.split(sep)]
        rows.append(parts[: len(cols) + 1])
    df = pd.DataFrame(rows, columns=["date", *cols])
    idx = pd.to_datetime(df["date"], format="%Y%m%d", errors="coerce")
    if idx.isna().any():
        raise DataError(f"bad date {df['date'][idx.isna()].iloc[0]!r}", path=name)
    vals = df[cols].apply(lambda c: pd.to_numeric(c.str.replace(",", ".", regex=False) if sep == ";" else c, errors="coerce"))
    vals = vals.where(~vals.isin([-99.99, -999.0]))
    if vals.isna().all().any():
        raise DataError(f"column {vals.columns[vals.isna().all()][0]!r} has no numeric values", path=name)
    out = vals / 100.0
    out.index = pd.DatetimeIndex(idx, name="date")
    return out.astype(np.float64)


def _text_from(data: bytes, name: str) -> str:
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                member = next(n for n in zf.namelist() if n.lower().endswith(".csv"))
                info = zf.getinfo(member)
                if info.file_size > 200 * 1024**2:
                    raise DataError("zip member too large", path=name)
                data = zf.read(member)
        except (zipfile.BadZipFile, StopIteration) as exc:
            raise DataError(f"not a zip with a CSV inside ({exc})", path=name) from exc
    return data.decode("latin-1")


def load_factors(directory: Path) -> pd.DataFrame:
    """Load saved factor files from *directory*: columns ``mkt_rf, smb, hml, rf`` (+ ``mom``), decimals.

    Parameters
    ----------
    directory
        The factor directory (``raw/factors/``), as written by ``insider-kit fetch factors``.

    Returns
    -------
    pandas.DataFrame
        Daily factors in decimals, indexed by date.

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.config import paths
    >>> ff = ik.load_factors(paths("sample").raw_factors)
    >>> ff.columns.tolist()[:4]
    ['mkt_rf', 'smb', 'hml', 'rf']
    """
    directory = Path(directory)
    ff = directory / "ff3_daily.csv"
    if not ff.exists():
        cands = sorted(directory.glob("F-F_Research_Data_Factors_daily*"))
        if not cands:
            raise DataError(f"no Fama-French daily file in {directory}", hint="run 'insider-kit fetch factors'")
        ff = cands[0]
    f = parse_french_csv(_text_from(ff.read_bytes(), str(ff)), name=str(ff))
    f = f.rename(columns=lambda c: c.lower().replace("-", "_"))
    mom = directory / "mom_daily.csv"
    if mom.exists():
        m = parse_french_csv(_text_from(mom.read_bytes(), str(mom)), name=str(mom))
        f["mom"] = m.iloc[:, 0].reindex(f.index)
    return f


def fetch_french_factors(directory: Path, *, base_url: str | None = None) -> list[Path]:
    """Download the daily FF3 and momentum files from Kenneth French's data library (atomic writes).

    Parameters
    ----------
    directory
        Where the zips are saved (``raw/factors/``).
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
    out = []
    for key, fname in FRENCH_URLS.items():
        url = f"{base}/{fname}"
        try:
            r = requests.get(url, timeout=60)
        except requests.RequestException as exc:
            raise NetworkError(f"{url}: {exc}") from exc
        if r.status_code != 200:
            raise NetworkError(f"{url}: HTTP {r.status_code}")
        text = _text_from(r.content, url)
        parse_french_csv(text, name=url)  # validate before saving
        dest = Path(directory) / f"{key}.csv"
        atomic_write_bytes(dest, text.encode("latin-1"))
        out.append(dest)
    return out
