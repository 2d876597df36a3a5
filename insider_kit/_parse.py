"""The kit's one numeric parser and one bounded date parser for values read from files people bring.

Both take a column of text (or numbers, or dates) and return the parsed values **and a reason for every value
they refuse**, so that the caller can drop those rows and list why; neither raises on a bad value, and neither
hands text to pandas' own numeric or date inference (``pandas.to_numeric`` kills the process with a
segmentation fault on an exponent of 2**31 or more such as ``1e2147483648``).

Numbers (:func:`parse_numbers`, and :func:`parse_number` for one value)
    Every value is first matched against a strict pattern; only text that matches is converted (by Arrow, or
    by Python's ``float`` for one value).  Accepted, by rule:

    * a sign ``+``, ``-`` or the Unicode minus ``−``; parentheses ``(1,000)`` for a negative number (with no
      sign inside);
    * one currency symbol ``$``, ``€`` or ``£`` before or after the number (``-$5`` is -5, ``$-5`` too);
    * thousands separators in groups of exactly three digits: ``,`` (``decimal="."``), or ``.``, a space or
      ``'`` when the caller says the file writes a decimal comma (``decimal=","``: ``4.000,5`` is 4000.5);
    * an exponent (``1.5e3``).

    Refused, with a reason: anything else (``$1,2,3``, ``4.000,5`` without ``decimal=","``, ``nan``, ``inf``,
    ``1.5K``, two signs), a value that overflows a double (``1e999``), and a magnitude above the caller's
    *limit* (:data:`LIMITS` holds the kit's bounds for share counts, prices and dollar values).  A blank cell
    is missing (NaN) without a reason.

Dates (:func:`parse_dates_bounded`)
    ISO dates with or without a time (``2024-03-01``, ``2024-03-01T16:05:22``), with a UTC offset or ``Z``
    (converted to the New York date and wall-clock time, as :func:`insider_kit.days.new_york_dates` does);
    ``20240301`` (CRSP, TFN); ``05-MAR-2024``, ``05MAR2024``, ``5 March 2024``, ``Mar 5, 2024``; and slashed
    or dotted numeric dates ``03/11/2024`` (``03/11/24``: two-digit years are 19yy from 86, else 20yy), with an
    optional time (``4:05 PM``).  The day order of slashed dates is given (``order="mdy"`` or ``"dmy"``) or
    decided from the values: a first field above 12 means day first, a second field above 12 month first;
    when nothing decides, or the values disagree, :class:`AmbiguousDates` is raised (with a hint naming the
    option) rather than a guess.  Dates outside the data sets' era (:data:`ERA_START` .. tomorrow in New York)
    are refused with a reason.  Calendar validity and the final construction go through
    :func:`insider_kit.days.parse_date`.

Each distinct date text is parsed once (a column of a million trades has a few thousand distinct dates).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Final, Literal, NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .days import NEW_YORK, new_york_dates, parse_date
from .errors import DataError

__all__ = ["ERA_START", "LIMITS", "AmbiguousDates", "DateOrder", "Decimal", "ParsedDates", "ParsedNumbers",
           "era_end", "parse_dates_bounded", "parse_number", "parse_numbers"]

#: The decimal mark of a file's numbers.
Decimal = Literal[".", ","]
#: The order of day and month in slashed dates (``auto``: decided from the values).
DateOrder = Literal["auto", "mdy", "dmy"]

#: The largest plausible magnitudes per use (a bigger value is a data error, refused with a reason):
#: shares in one transaction (10^11: several times the largest company's share count), a price per share
#: (10^7 dollars), a dollar value (10^12).
LIMITS: Final[dict[str, float]] = {"shares": 1e11, "price": 1e7, "value": 1e12}

#: The earliest date the importers accept: the first year of the insider data sets (Thomson Reuters' Insider
#: Filings start in 1986; the SEC's Form 4 data sets in 2003).
ERA_START: Final[pd.Timestamp] = pd.Timestamp("1986-01-01")

_NY: Final = ZoneInfo(NEW_YORK)
_WS: Final[str] = " \t\r\n\u00a0\u202f\u2009\u2007\ufeff"
_MINUS: Final[str] = "\u2212"
_DIG: Final[str] = "[0-9]"
_EXP: Final[str] = f"(?:[eE][-+]?{_DIG}+)?"
_SP: Final[str] = " *"


def _pattern(decimal: Decimal) -> str:
    """The one grammar of a number, as a match-only regular expression (Python ``re`` and Arrow's RE2 read it
    alike: ASCII classes only).  Forms: ``[sign] [cur] num``, ``cur sign num``, ``[sign] num cur``,
    ``( [cur] num )``, ``( num cur )``; white space between the parts."""
    if decimal == ".":
        mant = f"(?:{_DIG}{{1,3}}(?:,{_DIG}{{3}})+|{_DIG}+)(?:\\.{_DIG}*)?|\\.{_DIG}+"
    else:
        groups = "|".join(f"{_DIG}{{1,3}}(?:{sep}{_DIG}{{3}})+" for sep in (r"\.", " ", "'"))
        mant = f"(?:{groups}|{_DIG}+)(?:,{_DIG}*)?|,{_DIG}+"
    num, cur, sign, w = f"(?:{mant}){_EXP}", "[$€£]", "[-+]", _SP
    forms = [f"{sign}?{w}{cur}?{w}{num}", f"{cur}{w}{sign}{w}{num}", f"{sign}?{w}{num}{w}{cur}",
             f"\\({w}{cur}?{w}{num}{w}\\)", f"\\({w}{num}{w}{cur}{w}\\)"]
    return "^(?:" + "|".join(forms) + ")$"


_COMPILED: Final[dict[str, re.Pattern[str]]] = {".": re.compile(_pattern(".")), ",": re.compile(_pattern(","))}
#: What is left of a number once it matched: its digits, decimal mark, sign and exponent.
_STRIP: Final[dict[str, str]] = {".": "[$€£() ,]", ",": "[$€£() .']"}


def _plain(s: str, decimal: Decimal) -> float:
    """A text that matched the grammar, as a float (parentheses negate; the sign is the first character left)."""
    v = float(re.sub(_STRIP[decimal], "", s).replace(",", "."))
    return -v if s.startswith("(") else v


class ParsedNumbers(NamedTuple):
    """What :func:`parse_numbers` returns."""

    #: float64 values on the input's index; NaN where the cell was blank or refused
    values: pd.Series
    #: why each refused value was refused (None where the value was read or the cell blank)
    reason: pd.Series


def _why(raw: object, what: str, kind: str, decimal: Decimal, limit: float | None) -> str:
    text = str(raw)
    shown = repr(text if len(text) <= 40 else text[:37] + "...")
    if kind == "overflow":
        return f"{what} {shown} is too large to be a number"
    if kind == "limit":
        return f"{what} {shown} is beyond the plausible bound {limit:g}"
    if kind == "nonfinite":
        return f"{what} {shown} is not a finite number"
    if decimal == "." and "," in text and _COMPILED[","].match(_clean(text)):
        return f"{what} {shown} is not a number (it looks written with a decimal comma: say decimal=',')"
    return f"{what} {shown} is not a number"


def _clean(text: str) -> str:
    return text.strip(_WS).replace(_MINUS, "-").replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")


def parse_number(text: object, *, decimal: Decimal = ".", limit: float | None = None,
                 what: str = "value") -> tuple[float, str | None]:
    """One value by :func:`parse_numbers`' rules (the same grammar, converted by Python's ``float``).

    Parameters
    ----------
    text
        The value (text, a number, or None).
    decimal
        The file's decimal mark.
    limit
        The largest magnitude accepted (None: any finite number).
    what
        The field's name, for the reason.

    Returns
    -------
    (value, reason)
        The number (NaN when blank or refused) and why it was refused (None when read or blank).

    Examples
    --------
    >>> parse_number("(1,000)"), parse_number("-$5"), parse_number("4.000,5", decimal=",")
    ((-1000.0, None), (-5.0, None), (4000.5, None))
    >>> parse_number("$1,2,3")
    (nan, "value '$1,2,3' is not a number")
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return math.nan, None
    if isinstance(text, bool):
        return math.nan, _why(text, what, "text", decimal, limit)
    if isinstance(text, int | float | np.integer | np.floating):
        v = float(text) if abs(int(text) if isinstance(text, int) else 0) < 10**308 else math.inf
        return _bounded(v, text, what, decimal, limit)
    s = _clean(str(text))
    if not s:
        return math.nan, None
    if not _COMPILED[decimal].match(s):
        return math.nan, _why(text, what, "text", decimal, limit)
    return _bounded(_plain(s, decimal), text, what, decimal, limit)


def _bounded(v: float, raw: object, what: str, decimal: Decimal, limit: float | None) -> tuple[float, str | None]:
    if math.isnan(v):
        return math.nan, None if raw is None or isinstance(raw, float) else _why(raw, what, "nonfinite", decimal, limit)
    if math.isinf(v):
        return math.nan, _why(raw, what, "overflow" if isinstance(raw, str) else "nonfinite", decimal, limit)
    if limit is not None and abs(v) > limit:
        return math.nan, _why(raw, what, "limit", decimal, limit)
    return v, None


def _arrow_text(values: pd.Series) -> tuple[object, np.ndarray]:
    """*values* as an Arrow string array (each non-text value as its ``str``) and the mask of blank cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values.dtype, pd.ArrowDtype | pd.StringDtype) and getattr(values.dtype, "storage", "") == "pyarrow":
        arr = pa.array(values.array)
    elif isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_string(values.dtype.pyarrow_dtype):
        arr = pa.array(values.array)
    else:
        obj = values.astype(object).to_numpy()
        arr = pa.array([None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                        else (v if isinstance(v, str) else str(v)) for v in obj], pa.string())
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    t = _replace_chars(pc.utf8_trim(arr, characters=_WS), {_MINUS: "-", "\u00a0": " ", "\u202f": " ", "\u2009": " "})
    blank = np.asarray(pc.fill_null(pc.equal(t, ""), True).to_numpy(zero_copy_only=False), dtype=bool)
    return t, blank


def parse_numbers(values: pd.Series, *, decimal: Decimal = ".", limit: float | None = None,
                  what: str = "value") -> ParsedNumbers:
    """A column of numbers as written in a file (module docstring for the rules), never raising on a value.

    Parameters
    ----------
    values
        Text (as read from a CSV, HTML or JSON file) or numbers (from Parquet; only bounded then).
    decimal
        ``","`` when the file writes a decimal comma (``4.000,5``); never guessed.
    limit
        The largest magnitude accepted (:data:`LIMITS` for shares, prices and values; None: any finite number).
    what
        The field's name, used in the reasons.

    Returns
    -------
    ParsedNumbers
        ``values`` (float64 on *values*' index; NaN where blank or refused) and ``reason`` (why each refused
        value was refused, else None).

    Examples
    --------
    >>> s = pd.Series(["$145.99", "-14,877", "(1,000)", "−5", "", "1e2147483648", "$1,2,3", "4.000,5"])
    >>> got = parse_numbers(s, what="qty")
    >>> got.values.tolist()[:5]
    [145.99, -14877.0, -1000.0, -5.0, nan]
    >>> got.reason.tolist()[4:]
    [None, "qty '1e2147483648' is too large to be a number", "qty '$1,2,3' is not a number", "qty '4.000,5' is not a number (it looks written with a decimal comma: say decimal=',')"]
    >>> parse_numbers(pd.Series([1e40, 5.0]), limit=LIMITS["shares"], what="shares").reason.tolist()
    ["shares '1e+40' is beyond the plausible bound 1e+11", None]
    """
    idx = values.index
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype(object)
    if pd.api.types.is_numeric_dtype(values.dtype):
        v = values.astype("float64").to_numpy(copy=True)
        bad = np.isinf(v) | (np.abs(np.nan_to_num(v)) > limit if limit is not None else np.zeros(len(v), bool))
        reason = np.full(len(v), None, dtype=object)
        for i in np.flatnonzero(bad):
            reason[i] = _why(values.iloc[i], what, "nonfinite" if np.isinf(v[i]) else "limit", decimal, limit)
        v[bad] = np.nan
        return ParsedNumbers(pd.Series(v, index=idx), pd.Series(reason, index=idx, dtype=object))
    return _parse_text_numbers(values, decimal=decimal, limit=limit, what=what)


def _parse_text_numbers(values: pd.Series, *, decimal: Decimal, limit: float | None, what: str) -> ParsedNumbers:
    import pyarrow as pa
    import pyarrow.compute as pc

    idx = values.index
    t, blank = _arrow_text(values)
    simple = r"^-?[0-9]+(\.[0-9]+)?$" if decimal == "." else r"^-?[0-9]+$"
    is_simple = np.asarray(pc.fill_null(pc.match_substring_regex(t, simple), False).to_numpy(zero_copy_only=False),
                           dtype=bool)
    out = np.full(len(values), np.nan)
    ok = is_simple.copy()
    if is_simple.all():
        out = np.array(pc.cast(t, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)  # (a writable copy)
    elif len(values):
        rest = np.flatnonzero(~is_simple & ~blank)
        if is_simple.any():
            ix = np.flatnonzero(is_simple)
            out[ix] = np.asarray(pc.cast(pc.take(t, pa.array(ix)), pa.float64()).to_numpy(zero_copy_only=False))
        if len(rest):
            sub = pc.take(t, pa.array(rest))
            got, good = _arrow_general(sub, decimal)
            out[rest] = got
            ok[rest] = good
    with np.errstate(invalid="ignore"):
        over = ok & ~np.isfinite(out)
        beyond = ok & np.isfinite(out) & (np.abs(out) > limit) if limit is not None else np.zeros(len(out), bool)
    refused = (~ok & ~blank) | over | beyond
    reason = np.full(len(values), None, dtype=object)
    if refused.any():
        raw = values.to_numpy(dtype=object)
        for i in np.flatnonzero(refused):
            kind = "overflow" if over[i] else "limit" if beyond[i] else "text"
            reason[i] = _why(raw[i], what, kind, decimal, limit)
        out[refused] = np.nan
    out[blank] = np.nan
    return ParsedNumbers(pd.Series(out, index=idx), pd.Series(reason, index=idx, dtype=object))


def _replace_chars(t: Any, table: dict[str, str]) -> Any:
    """Each character of *table* replaced in the Arrow text *t* (a plain substring pass per character present:
    several times faster than one regular-expression pass)."""
    import pyarrow.compute as pc

    for old, new in table.items():
        if pc.any(pc.match_substring(t, old)).as_py():
            t = pc.replace_substring(t, old, new)
    return t


def _arrow_general(t: object, decimal: Decimal) -> tuple[np.ndarray, np.ndarray]:
    """The values of *t* (trimmed Arrow text) that match the grammar, and which ones do (:func:`_plain` in Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    good = np.asarray(pc.fill_null(pc.match_substring_regex(t, _pattern(decimal)), False)
                      .to_numpy(zero_copy_only=False), dtype=bool)
    paren = np.asarray(pc.fill_null(pc.starts_with(t, "("), False).to_numpy(zero_copy_only=False), dtype=bool)
    num = _replace_chars(t, dict.fromkeys(_STRIP[decimal][1:-1], "") | ({",": "."} if decimal == "," else {}))
    num = pc.if_else(pa.array(good), num, "0")
    v = np.array(pc.cast(num, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    v = np.where(paren, -v, v)
    v[~good] = np.nan
    return v, good


# ----------------------------------------------------------------------------------------------------- dates
class ParsedDates(NamedTuple):
    """What :func:`parse_dates_bounded` returns."""

    #: ``datetime64[ns]`` New York dates (or date-times with *keep_time*) on the input's index; NaT where blank
    #: or refused
    values: pd.Series
    #: why each refused value was refused (None where read or blank)
    reason: pd.Series
    #: True where the text gave a time of day
    timed: np.ndarray


class AmbiguousDates(DataError):
    """Slashed dates whose day order the values do not decide (or contradict).

    Attributes
    ----------
    groups
        The groups (files) concerned, when the caller passed groups.
    """

    def __init__(self, message: str, *, groups: list[int], path: object | None = None, hint: str | None = None) -> None:
        super().__init__(message, path=path, hint=hint)
        self.groups = groups


def era_end() -> pd.Timestamp:
    """The latest date the importers accept: tomorrow in New York (a filing dated later is a data error).

    Returns
    -------
    pandas.Timestamp
        Midnight of tomorrow's New York date.

    Examples
    --------
    >>> era_end() > pd.Timestamp("2024-01-01")
    True
    """
    return pd.Timestamp.now(tz=NEW_YORK).tz_localize(None).normalize() + pd.Timedelta(days=1)


_MONTHS: Final[dict[str, int]] = {m: k for k, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for m in names}
_TIME = r"(?:[T ]+(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.[0-9]{1,9})?)?(?: *(?P<ampm>[AaPp][Mm]))?)?"
_TZ = r" *(?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
_ISO = re.compile(rf"^(?P<y>[0-9]{{4}})(?P<sep>[-/.])(?P<m>[0-9]{{1,2}})(?P=sep)(?P<d>[0-9]{{1,2}}){_TIME}{_TZ}$")
_COMPACT = re.compile(r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?:\.0+)?$")
_SLASH = re.compile(rf"^(?P<a>[0-9]{{1,2}})(?P<sep>[/.-])(?P<b>[0-9]{{1,2}})(?P=sep)(?P<y>[0-9]{{4}}|[0-9]{{2}}){_TIME}$")
_DMONY = re.compile(r"^(?P<d>[0-9]{1,2})[- ]?(?P<mon>[A-Za-z]{3,9})\.?[- ,]? *(?P<y>[0-9]{4})$")
_MONDY = re.compile(r"^(?P<mon>[A-Za-z]{3,9})\.? +(?P<d>[0-9]{1,2}),? +(?P<y>[0-9]{4})$")


class _Text(NamedTuple):
    """One distinct date text, taken apart: its fields (``a``/``b`` the two first fields of a slashed date)."""

    kind: str  # "ymd", "slash", "bad", "blank"
    y: int
    a: int
    b: int
    hms: tuple[int, int, int] | None
    tz: int | None  # offset in minutes


def _split(text: str) -> _Text:
    """The fields of one date text (no validation of the ranges: :func:`_build` does that)."""
    s = text.strip(_WS)
    if not s:
        return _Text("blank", 0, 0, 0, None, None)
    if m := _ISO.match(s) or _COMPACT.match(s):
        g = m.groupdict()
        return _Text("ymd", int(g["y"]), int(g["m"]), int(g["d"]), _hms(g), _offset(g.get("tz")))
    if m := _SLASH.match(s):
        g = m.groupdict()
        y = int(g["y"])
        if len(g["y"]) == 2:
            y += 1900 if y >= 86 else 2000
        return _Text("slash", y, int(g["a"]), int(g["b"]), _hms(g), None)
    if m := _DMONY.match(s) or _MONDY.match(s):
        mon = _MONTHS.get(m.group("mon").lower())
        if mon is not None:
            return _Text("ymd", int(m.group("y")), mon, int(m.group("d")), None, None)
    return _Text("bad", 0, 0, 0, None, None)


def _hms(g: dict[str, str | None]) -> tuple[int, int, int] | None:
    if not g.get("H"):
        return None
    h, mi, sec = int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0)
    ampm = (g.get("ampm") or "").lower()
    if ampm:
        if not 1 <= h <= 12:
            return (99, 0, 0)  # refused by _build
        h = h % 12 + (12 if ampm == "pm" else 0)
    return h, mi, sec


def _offset(tz: str | None) -> int | None:
    if not tz:
        return None
    if tz == "Z":
        return 0
    digits = tz[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
    return -minutes if tz[0] == "-" else minutes


def _build(p: _Text, order: str, start: pd.Timestamp, end: pd.Timestamp,
           keep_time: bool) -> tuple[pd.Timestamp | None, str | None]:
    """One parsed text as a New York timestamp, or the reason it is refused."""
    if p.kind == "blank":
        return None, None
    if p.kind == "bad":
        return None, "is not a date"
    m, d = (p.a, p.b) if p.kind == "ymd" or order == "mdy" else (p.b, p.a)
    day = parse_date(f"{p.y:04d}-{m:02d}-{d:02d}")  # (the days module's calendar check: 2024-02-30 is no day)
    if day is None:
        try:
            datetime(p.y, m, d)
        except ValueError:
            return None, "is not a calendar day"
        return None, f"is outside {start:%Y-%m-%d}..{end:%Y-%m-%d}"
    ts = day
    if p.hms is not None:
        h, mi, sec = p.hms
        if not (h < 24 and mi < 60 and sec < 60):
            return None, "has an impossible time of day"
        ts = day + pd.Timedelta(hours=h, minutes=mi, seconds=sec)
    if p.tz is not None:
        if abs(p.tz) > 18 * 60:
            return None, "has an impossible UTC offset"
        aware = datetime(ts.year, ts.month, ts.day, ts.hour, ts.minute, ts.second,
                         tzinfo=timezone(timedelta(minutes=p.tz)))
        ts = pd.Timestamp(aware.astimezone(_NY).replace(tzinfo=None))  # (new_york_dates' rule, for one value)
    if not start <= ts.normalize() <= end:
        return None, f"is outside {start:%Y-%m-%d}..{end:%Y-%m-%d}"
    return (ts if keep_time else ts.normalize()), None


def _fast_iso(texts: pd.Series, start: pd.Timestamp, end: pd.Timestamp,
              keep_time: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The texts in the usual fixed-width forms (``2024-03-01``, ``2024-03-01 16:05:22`` or with a ``T``,
    ``20240301``), parsed in Arrow when they name a real day in the era: (values, which were, which had a time).
    The others (a reason to give, or another form) are left to the per-text path."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(texts)
    values = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.zeros(n, dtype=bool)
    timed = np.zeros(n, dtype=bool)
    if not n:
        return values, ok, timed
    t = pc.utf8_trim(pa.array(texts.array), characters=_WS)
    if pc.any(pc.match_substring(t, "T")).as_py():
        t = pc.replace_substring_regex(t, "^([0-9]{4}-[0-9]{2}-[0-9]{2})T", r"\1 ")
    lo, hi = int(start.value // 10**9), int(end.value // 10**9)
    for fmt, shape, has_time in (("%Y-%m-%d", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", False),
                                 ("%Y-%m-%d %H:%M:%S", "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$", True),
                                 ("%Y%m%d", "^[0-9]{8}$", False)):
        ix = np.flatnonzero(np.asarray(pc.fill_null(pc.match_substring_regex(t, shape), False)
                                       .to_numpy(zero_copy_only=False), dtype=bool))
        if not len(ix):
            continue
        sub = pc.take(t, pa.array(ix))
        got = pc.strptime(sub, format=fmt, unit="s", error_is_null=True)
        dd = pc.utf8_slice_codeunits(sub, 6, 8) if fmt == "%Y%m%d" else pc.utf8_slice_codeunits(sub, 8, 10)
        same = pc.fill_null(pc.equal(pc.day(got), pc.cast(dd, pa.int64())), False)  # (Arrow rolls 02-30 into March)
        secs = np.asarray(pc.fill_null(got.cast(pa.int64()), lo - 1).to_numpy(zero_copy_only=False), dtype=np.int64)
        day = secs - secs % 86_400
        good = np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool) & (day >= lo) & (day <= hi)
        keep = ix[good]
        values[keep] = ((secs[good] if keep_time else day[good]) * 10**9).astype("datetime64[ns]")
        ok[keep] = True
        timed[keep] = has_time
    return values, ok, timed


def _decide(parsed: list[_Text], codes: np.ndarray, groups: np.ndarray, n_groups: int,
            samples: Sequence[str]) -> np.ndarray:
    """Per group, the day order its slashed dates imply: 1 month first, 2 day first, 0 undecided (only dates
    whose two fields agree, or no slashed date), -1 contradictory, -2 ambiguous."""
    a = np.array([p.a if p.kind == "slash" else 0 for p in parsed] + [0], dtype=np.int64)[codes]
    b = np.array([p.b if p.kind == "slash" else 0 for p in parsed] + [0], dtype=np.int64)[codes]
    day_first = np.zeros(n_groups, bool)
    month_first = np.zeros(n_groups, bool)
    undecided = np.zeros(n_groups, bool)
    np.logical_or.at(day_first, groups, (a > 12) & (b <= 12))
    np.logical_or.at(month_first, groups, (b > 12) & (a <= 12))
    np.logical_or.at(undecided, groups, (a != b) & (a >= 1) & (b >= 1) & (a <= 12) & (b <= 12))
    out = np.where(day_first & month_first, -1, np.where(day_first, 2, np.where(month_first, 1,
                                                                                 np.where(undecided, -2, 0))))
    return out.astype(np.int64)


# long: one pass over the distinct texts (split, day order per group, build), then the rows take their results
def parse_dates_bounded(values: pd.Series, *, order: DateOrder = "auto", groups: np.ndarray | None = None,
                        keep_time: bool = False, what: str = "date", start: pd.Timestamp = ERA_START,
                        end: pd.Timestamp | None = None) -> ParsedDates:
    """A column of dates as written in a file (module docstring for the formats), bounded to the data's era.

    Parameters
    ----------
    values
        Text, 8-digit integers (``20240301``) or datetimes (time-zone-aware ones are converted to New York).
    order
        The day order of slashed dates: ``mdy``, ``dmy`` or ``auto`` (decided from the values; see *groups*).
    groups
        Integer group of each value (e.g. the file it came from, ``0 .. n-1``): with ``order="auto"`` each group's
        day order is decided from its own values.  None: the column is one group.
    keep_time
        Keep the time of day (New York wall clock); else midnight.
    what
        The field's name, used in the reasons.
    start, end
        The era (default :data:`ERA_START` .. :func:`era_end`); dates outside it are refused with a reason.

    Returns
    -------
    ParsedDates
        ``values`` (``datetime64[ns]``), ``reason`` and ``timed`` (the text gave a time of day).

    Raises
    ------
    AmbiguousDates
        ``order="auto"`` and a group's slashed dates do not decide the day order (``03/11/2024`` alone), or
        contradict each other (``25/03/2024`` beside ``03/25/2024``); ``groups`` names the groups.

    Examples
    --------
    >>> got = parse_dates_bounded(pd.Series(["03/11/2024", "25/11/2024", "2024-11-29T21:05:22Z", "0013-01-01"]),
    ...                           keep_time=True, what="filed")
    >>> [str(v) for v in got.values]
    ['2024-11-03 00:00:00', '2024-11-25 00:00:00', '2024-11-29 16:05:22', 'NaT']
    >>> got.reason.iloc[3]
    "filed '0013-01-01' is outside 1986-01-01..."
    >>> parse_dates_bounded(pd.Series(["03/11/2024"]))
    Traceback (most recent call last):
    ...
    insider_kit._parse.AmbiguousDates: date: day order of '03/11/2024' is ambiguous (month or day first?) ...
    """
    import pyarrow as pa

    end = era_end() if end is None else end
    idx = values.index
    n = len(values)
    timed = np.zeros(n, dtype=bool)
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(values.dtype):
        v = pd.Series(new_york_dates(values), index=idx)
        if not keep_time:
            v = v.dt.normalize()
        outside = v.notna() & ((v.dt.normalize() < start) | (v.dt.normalize() > end))
        reason = pd.Series(None, index=idx, dtype=object)
        reason[outside] = [f"{what} {x:%Y-%m-%d} is outside {start:%Y-%m-%d}..{end:%Y-%m-%d}" for x in v[outside]]
        return ParsedDates(v.where(~outside), reason, timed)
    if pd.api.types.is_float_dtype(values.dtype):
        values = values.map(lambda x: None if x != x else (str(int(x)) if float(x).is_integer() else str(x)))
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype(object).map(lambda x: x if x is None or x is pd.NA or isinstance(x, str) else str(x))
    values = values.astype("string[pyarrow]")
    # the usual forms in Arrow, once per distinct text (a million trades have a few thousand dates)
    arr = pa.array(values.array)
    enc = (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr).dictionary_encode()
    idx_codes = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    dv, dfast, dt = _fast_iso(pd.Series(pd.arrays.ArrowStringArray(enc.dictionary)), start, end, keep_time)
    dv, dfast, dt = (np.append(dv, np.datetime64("NaT")), np.append(dfast, False), np.append(dt, False))
    out_v, fast, out_t = dv[idx_codes], dfast[idx_codes], dt[idx_codes]
    out_r = np.full(n, None, dtype=object)
    rest = np.flatnonzero(~fast & values.notna().to_numpy(bool))
    if len(rest):
        g = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
        sv, sr, st = _slow_dates(values.iloc[rest], g[rest], int(g.max()) + 1, order, keep_time, what, start, end)
        out_v[rest], out_r[rest], out_t[rest] = sv, sr, st
    return ParsedDates(pd.Series(out_v, index=idx), pd.Series(out_r, index=idx, dtype=object), out_t)


def _slow_dates(values: pd.Series, g: np.ndarray, n_groups: int, order: DateOrder, keep_time: bool, what: str,
                start: pd.Timestamp, end: pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The texts the fast path left, one distinct text at a time: taken apart, the day order decided per group
    (or refused), each distinct (text, order) built once."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    texts = [str(u) for u in np.asarray(uniq, dtype=object)]
    parsed = [_split(u) for u in texts]
    if order == "auto":
        decided = _decide(parsed, np.where(codes >= 0, codes, len(parsed)), g, n_groups, texts)
        bad = np.flatnonzero(decided < 0)
        if len(bad):
            _raise_ambiguous(decided, bad, parsed, texts, codes, g, what)
        per_group = np.where(decided == 2, "dmy", "mdy")
    else:
        per_group = np.full(n_groups, order)
    row_order = (per_group[g] == "dmy").astype(np.int64)
    pair = np.where(codes >= 0, codes * 2 + row_order, -1)
    pcodes, puniq = pd.factorize(pair, use_na_sentinel=False)
    built_v = np.full(len(puniq) + 1, np.datetime64("NaT"), dtype="datetime64[ns]")
    built_r = np.full(len(puniq) + 1, None, dtype=object)
    built_t = np.zeros(len(puniq) + 1, dtype=bool)
    for k, key in enumerate(puniq):
        p = parsed[key // 2] if key >= 0 else None
        if p is None or p.kind == "blank":
            continue
        ts, why = _build(p, "dmy" if key % 2 else "mdy", start, end, keep_time)
        if ts is not None:
            built_v[k] = ts.to_datetime64()
            built_t[k] = p.hms is not None
        else:
            t = texts[key // 2]
            built_r[k] = f"{what} {t if len(t) <= 40 else t[:37] + '...'!r} {why}"
    return built_v[pcodes], built_r[pcodes], built_t[pcodes]


def _raise_ambiguous(decided: np.ndarray, bad: np.ndarray, parsed: list[_Text], texts: list[str], codes: np.ndarray,
                     g: np.ndarray, what: str) -> None:
    """Raise :class:`AmbiguousDates` for the groups in *bad*, quoting the values that make them so."""
    first = int(bad[0])
    rows = np.flatnonzero((g == first) & (codes >= 0))
    kinds = {int(c): parsed[int(c)] for c in np.unique(codes[rows])}
    if decided[first] == -1:
        dfirst = next(texts[c] for c, p in kinds.items() if p.kind == "slash" and p.a > 12)
        mfirst = next(texts[c] for c, p in kinds.items() if p.kind == "slash" and p.b > 12)
        msg = f"{what}: {dfirst!r} puts the day first but {mfirst!r} the month: the day order is contradictory"
    else:
        amb = next(texts[c] for c, p in kinds.items() if p.kind == "slash" and p.a != p.b)
        msg = f"{what}: day order of {amb!r} is ambiguous (month or day first?) and no value decides it"
    raise AmbiguousDates(msg, groups=[int(b) for b in bad],
                         hint="say which: date_order='mdy' (03/11 = 11 March) or 'dmy' (3 November); "
                              "on the command line --date-order mdy|dmy")
