"""Ticker rules: normalisation for Yahoo, and the SEC issuer-CIK -> ticker map.

Filings carry the issuer's trading symbol as typed by the filer: ``brk.b``,
``NYSE: XYZ``, ``NONE``, ``N/A``, blanks.  Yahoo wants ``BRK-B`` and ``XYZ``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import DataError

__all__ = ["TickerNameError", "cik_ticker_map", "normalise_ticker", "normalise_tickers", "parse_company_tickers",
           "ticker_from_filename", "ticker_of_name"]

_JUNK = {"", "NONE", "N/A", "NA", "N.A.", "NULL", "-", "--", "NOT APPLICABLE", "NOTAPPLICABLE", "0", "?", "TBD"}
_PREFIX = re.compile(r"^\s*(NYSE\s*AMERICAN|NYSE\s*ARCA|NYSE\s*MKT|NYSE|NASDAQ(GS|GM|CM)?|AMEX|OTC(QX|QB|BB)?|BATS|CBOE|TSX)\s*[:\-/ ]\s*", re.IGNORECASE)
_VALID = re.compile(r"^[A-Z0-9^][A-Z0-9.\-^=]{0,14}$")


def normalise_ticker(raw: object) -> str | None:
    """Return the Yahoo form of a filed ticker, or None for junk.

    An exchange prefix (``NYSE:``) goes, a share class's dot becomes a dash, of several symbols the first is
    kept, and placeholders (``NONE``, ``N/A``, ``0``, blanks) are None.

    Parameters
    ----------
    raw
        The symbol as the filer typed it (any object; missing values give None).

    Returns
    -------
    str or None
        The normalised ticker.

    Examples
    --------
    >>> normalise_ticker("brk.b"), normalise_ticker("NYSE: xyz"), normalise_ticker("N/A")
    ('BRK-B', 'XYZ', None)
    """
    if raw is None or (isinstance(raw, float) and raw != raw):
        return None
    s = str(raw).strip().upper()
    if s in _JUNK:
        return None
    s = _PREFIX.sub("", s).strip()
    # several symbols ("GOOG, GOOGL"): keep the first
    s = re.split(r"[,;/ ]+", s)[0] if s else s
    s = s.strip(".").replace(".", "-")
    if s in _JUNK or not _VALID.match(s):
        return None
    return s


#: A symbol as a file name or a column header writes it (after upper-casing, before the share-class dot becomes a
#: dash): an optional ``^`` (an index), a root of letters and digits, at most one class or exchange suffix after
#: a dot or a dash (``BRK.B``, ``BF-B``, ``SIE.DE``), and an optional Yahoo ``=X``/``=F`` suffix.
_NAME_SHAPE = re.compile(r"^\^?[A-Z0-9]{1,10}(?:[.\-][A-Z0-9]{1,4})?(?:=[A-Z]{1,2})?$")
#: How file names end: compression after the data format (``AAPL.csv.gz``), each stripped once, only these.
_COMPRESSED = (".gz", ".bz2", ".xz", ".zip")
_FORMATS = (".csv", ".parquet", ".pq", ".txt", ".tsv")


class TickerNameError(DataError):
    """A file name or column header that is not one ticker (``AB CD``, ``NONE``, ``UHAL,UHALB``, ``(CALX)``)."""


def ticker_of_name(raw: object) -> str | None:
    """The ticker a file name or a column header names, or None when it is not exactly one ticker.

    Stricter than :func:`normalise_ticker` (which reads what a filer typed and keeps the first of several
    symbols): a name must be one symbol as a whole, so ``AB CD``, ``UHAL,UHALB``, ``(CALX)``, ``-`` and the
    placeholders (``NONE``, ``N/A``, ``NULL``) are None rather than a truncated or invented ticker.  Case is
    folded (tickers are upper case; ``aaa`` and ``AAA`` are one ticker, so two files with those names
    collide instead of overwriting each other), and a share class keeps its letter: ``BRK.A`` -> ``BRK-A``,
    ``BRK.B`` -> ``BRK-B`` (the kit's one form, as :func:`normalise_ticker` writes a filed ``brk.b``).

    Parameters
    ----------
    raw
        The name (a file's stem, a column header, a cell of a ticker column).

    Returns
    -------
    str or None
        The ticker in the kit's form, or None.

    Examples
    --------
    >>> [ticker_of_name(x) for x in ("BRK.B", "brk.a", "^GSPC", "AB CD", "UHAL,UHALB", "(CALX)", "NONE")]
    ['BRK-B', 'BRK-A', '^GSPC', None, None, None, None]
    """
    if raw is None or (isinstance(raw, float) and raw != raw):
        return None
    s = str(raw).strip().upper()
    if s in _JUNK or not _NAME_SHAPE.match(s):
        return None
    s = s.replace(".", "-")
    return None if s in _JUNK or not _VALID.match(s) else s


def _stem(name: str) -> str:
    low = name.lower()
    for group in (_COMPRESSED, _FORMATS):
        for suf in group:
            if low.endswith(suf) and len(name) > len(suf):
                name, low = name[: -len(suf)], low[: -len(suf)]
                break
    return name


def ticker_from_filename(name: str, pattern: str | None = None) -> str:
    r"""The ticker a price file's name carries.

    By default the whole name without its format and compression suffixes (``AAPL.csv``, ``AAPL.csv.gz``,
    ``BRK.B.csv``, ``BRK-B.parquet``, ``^GSPC.csv``: only ``.csv .parquet .pq .txt .tsv`` and
    ``.gz .bz2 .xz .zip`` are suffixes, so a share class's dot stays).  When names carry more than the ticker
    (``DA-AAPL-T-2021-04-21.csv``), *pattern* is a regular expression searched in the file name whose group
    ``ticker`` (or whose only group) is the ticker: ``'DA-(?P<ticker>[^-]+)-T-'``.  Either way the result
    goes through :func:`ticker_of_name`.

    Parameters
    ----------
    name
        The file's name (not its folder).
    pattern
        A regular expression with a ``ticker`` group (or one group), or None for the default rule.

    Returns
    -------
    str
        The ticker.

    Raises
    ------
    TickerNameError
        When the name (or the pattern's match) is not one ticker, or the pattern does not match, with a
        hint to give a pattern.

    Examples
    --------
    >>> [ticker_from_filename(n) for n in ("AAPL.csv", "BRK.B.csv", "brk-a.csv.gz", "^GSPC.csv")]
    ['AAPL', 'BRK-B', 'BRK-A', '^GSPC']
    >>> ticker_from_filename("DA-AAPL-T-2021-04-21.csv", r"DA-(?P<ticker>[^-]+)-T-")
    'AAPL'
    """
    if pattern is not None:
        rx = re.compile(pattern)  # (compiled once: re caches the patterns it compiles)
        m = rx.search(name)
        if m is None:
            raise TickerNameError(f"file name does not match the ticker pattern {rx.pattern!r}", path=name,
                                  hint="give a --ticker-pattern that matches every file's name, or remove the file")
        got = m.group("ticker") if "ticker" in rx.groupindex else m.group(1) if rx.groups == 1 else None
        if got is None:
            raise TickerNameError(f"the ticker pattern {rx.pattern!r} has no group 'ticker' (or single group)",
                                  path=name, hint="write it like 'DA-(?P<ticker>[^-]+)-T-'")
        t = ticker_of_name(got)
        if t is None:
            raise TickerNameError(f"{got!r} (matched by {rx.pattern!r}) is not a ticker", path=name,
                                  hint="rename the file or change --ticker-pattern")
        return t
    stem = _stem(name)
    t = ticker_of_name(stem)
    if t is None:
        example = ""
        m = re.match(r"^[A-Za-z]+[-_ ]([A-Za-z^][A-Za-z0-9.^]*)[-_ ]", stem)
        if m:  # a prefix, the ticker, then more (DA-AAPL-T-2021-04-21)
            sep = stem[m.end(1)]
            example = f" e.g. --ticker-pattern '^{stem[: m.start(1)]}(?P<ticker>[^{sep}]+){sep}'"
        else:
            m = re.match(r"^([A-Za-z^][A-Za-z0-9.^]*)([-_ ])", stem)
            if m:  # the ticker, then more (AAPL_daily)
                example = f" e.g. --ticker-pattern '^(?P<ticker>[^{m.group(2)}]+){m.group(2)}'"
        raise TickerNameError(f"the file name {stem!r} is not a ticker", path=name,
                              hint=("name the ticker part of the file names with a regular expression," + example)
                              if example else "rename the file to its ticker (e.g. AAPL.csv) or remove it")
    return t


def normalise_tickers(raw: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise_ticker` (each distinct value normalised once).

    Parameters
    ----------
    raw
        The symbols as filed.

    Returns
    -------
    pandas.Series
        The normalised tickers (``string`` dtype; junk is missing), on *raw*'s index.

    Examples
    --------
    >>> normalise_tickers(pd.Series(["aapl", "brk.b", "none"])).tolist()
    ['AAPL', 'BRK-B', <NA>]
    """
    codes, uniq = pd.factorize(raw)  # (missing symbols get code -1 and stay missing)
    norm = pd.array([normalise_ticker(str(u)) for u in uniq], dtype="string")
    return pd.Series(norm.take(codes, allow_fill=True), index=raw.index, dtype="string")


def parse_company_tickers(data: bytes | str | dict[str, Any], *, source: str = "company_tickers.json") -> pd.DataFrame:
    """Parse the SEC's ``company_tickers.json`` into ``issuer_cik``/``ticker``/``title``.

    The file is an object of objects: ``{"0": {"cik_str": 320193, "ticker": "AAPL",
    "title": "Apple Inc."}, ...}``.  One issuer can list several tickers; the
    first listed is the primary one (``rank`` 0).

    Parameters
    ----------
    data
        The file's bytes or text, or the parsed JSON object.
    source
        The file's name, for error messages.

    Returns
    -------
    pandas.DataFrame
        ``issuer_cik`` (ten digits, zero-padded), ``title``, ``ticker`` (normalised) and ``rank``.

    Raises
    ------
    DataError
        When the text is not JSON or the entries lack ``cik_str``/``ticker``.

    Examples
    --------
    >>> t = parse_company_tickers('{"0": {"cik_str": 1067983, "ticker": "BRK.B", "title": "Berkshire"}}')
    >>> t[["issuer_cik", "ticker", "rank"]].values.tolist()
    [['0001067983', 'BRK-B', 0]]
    """
    try:
        obj = json.loads(data) if isinstance(data, bytes | str) else data
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"not valid JSON: {exc}", path=source) from exc
    if not isinstance(obj, dict) or not obj:
        raise DataError("expected a non-empty JSON object of companies", path=source)
    rows = []
    try:
        for _, v in sorted(obj.items(), key=lambda kv: int(kv[0]) if str(kv[0]).isdigit() else 0):
            rows.append((str(int(v["cik_str"])).zfill(10), v["ticker"], v.get("title")))
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"unexpected entry layout ({exc!r}); expected cik_str/ticker/title", path=source) from exc
    df = pd.DataFrame(rows, columns=["issuer_cik", "ticker_raw", "title"])
    df["ticker"] = normalise_tickers(df["ticker_raw"])
    df["rank"] = df.groupby("issuer_cik").cumcount()
    return df.drop(columns="ticker_raw")


def cik_ticker_map(company_tickers: pd.DataFrame, filed: pd.DataFrame | None = None) -> pd.Series:
    """Issuer CIK -> ticker: the filing's own symbol where present, else the SEC map's primary one.

    Parameters
    ----------
    company_tickers
        Output of :func:`parse_company_tickers`.
    filed
        Optional frame with ``issuer_cik`` and ``ticker`` from filings (latest filing wins).

    Returns
    -------
    pandas.Series
        Tickers indexed by issuer CIK.

    Examples
    --------
    >>> sec = parse_company_tickers({"0": {"cik_str": 1, "ticker": "OLD", "title": "A"},
    ...                              "1": {"cik_str": 2, "ticker": "BBB", "title": "B"}})
    >>> filed = pd.DataFrame({"issuer_cik": ["0000000001"], "ticker": ["NEW"]})
    >>> cik_ticker_map(sec, filed).to_dict()
    {'0000000001': 'NEW', '0000000002': 'BBB'}
    """
    primary = company_tickers[company_tickers["rank"] == 0].set_index("issuer_cik")["ticker"]
    if filed is None or filed.empty:
        return primary.dropna()
    own = filed.dropna(subset=["ticker"]).drop_duplicates("issuer_cik", keep="last").set_index("issuer_cik")["ticker"]
    out = primary.to_dict()
    out.update(own.to_dict())
    return pd.Series(out, dtype="string").dropna()


def load_company_tickers(path: Path) -> pd.DataFrame:
    """Read a saved ``company_tickers.json``."""
    try:
        return parse_company_tickers(Path(path).read_bytes(), source=str(path))
    except FileNotFoundError as exc:
        raise DataError("file not found", path=path, hint="run: insider-kit fetch tickers") from exc
