"""The kit's one numeric parser and one bounded date parser (insider_kit/_parse.py): hand-checked rules, the
vectorised parser equal to its one-value twin, and both against independent references (Python's own float
and datetime on values whose plain form is known)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from insider_kit._parse import (
    ERA_START,
    LIMITS,
    AmbiguousDates,
    era_end,
    parse_dates_bounded,
    parse_number,
    parse_numbers,
)

NUMBER_CASES = [  # (text, decimal, expected value or None for refused, NaN-without-reason for blank)
    ("145.99", ".", 145.99), ("$145.99", ".", 145.99), ("+4,000", ".", 4000.0), ("-14,877", ".", -14877.0),
    ("(1,000)", ".", -1000.0), ("($1,000.50)", ".", -1000.5), ("\u22125", ".", -5.0), ("-$5", ".", -5.0),
    ("$-5", ".", -5.0), ("5 €", ".", 5.0), ("£1,234,567.8", ".", 1234567.8), ("1e5", ".", 1e5), (".5", ".", 0.5),
    ("\u00a01,000\u00a0", ".", 1000.0), ("4.000,5", ",", 4000.5), ("1 000,25", ",", 1000.25), ("1,5", ",", 1.5),
    ("1.000", ",", 1000.0),
    # refused
    ("$1,2,3", ".", None), ("1,2,3", ".", None), ("4.000,5", ".", None), ("nan", ".", None), ("NaN", ".", None),
    ("inf", ".", None), ("-Infinity", ".", None), ("1e2147483648", ".", None), ("1e999", ".", None),
    ("(-5)", ".", None), ("--5", ".", None), ("$$5", ".", None), ("(5", ".", None), ("1.5K", ".", None),
    ("0x10", ".", None), ("1_000", ".", None), ("\u0663", ".", None), ("12 345", ".", None), ("1,00", ".", None),
]


@pytest.mark.parametrize(("text", "decimal", "want"), NUMBER_CASES)
def test_number_rules(text: str, decimal: str, want: float | None) -> None:
    """Guards the silent wrong numbers of issue #39.3: ``$1,2,3`` read as 123, ``4.000,5`` as 4.0005, ``-$5`` as 5,
    ``(1,000)`` positive; and ``nan``/``inf``/overflowing text taken as numbers."""
    got = parse_numbers(pd.Series([text]), decimal=decimal, what="x")  # type: ignore[arg-type]
    one = parse_number(text, decimal=decimal, what="x")  # type: ignore[arg-type]
    if want is None:
        assert math.isnan(got.values.iloc[0]) and isinstance(got.reason.iloc[0], str)
        assert got.reason.iloc[0].startswith(f"x {text!r}")
    else:
        assert got.values.iloc[0] == pytest.approx(want, rel=1e-15) and got.reason.iloc[0] is None
    assert (one[0] == got.values.iloc[0] or (math.isnan(one[0]) and math.isnan(got.values.iloc[0])))
    assert one[1] == got.reason.iloc[0]


def test_blank_is_missing_without_reason_and_limits_apply() -> None:
    got = parse_numbers(pd.Series(["", "  ", None, "2e11", "1e308", "100000000001"]), limit=LIMITS["shares"],
                        what="shares")
    assert got.values.isna().all()
    assert got.reason.tolist()[:3] == [None, None, None]
    assert all("beyond the plausible bound 1e+11" in r for r in got.reason.tolist()[3:])
    typed = parse_numbers(pd.Series([1e40, np.inf, -3.0, np.nan]), limit=LIMITS["shares"], what="shares")
    assert typed.values.tolist()[2] == -3.0 and typed.reason.iloc[3] is None
    assert "beyond" in typed.reason.iloc[0] and "not a finite number" in typed.reason.iloc[1]


def test_decimal_comma_hint() -> None:
    r = parse_numbers(pd.Series(["4.000,5"]), what="Price").reason.iloc[0]
    assert r == "Price '4.000,5' is not a number (it looks written with a decimal comma: say decimal=',')"


def _formatted(rng: np.random.Generator, n: int) -> tuple[list[str], list[float]]:
    """Numbers written the ways exports write them, with their values computed independently (Python float of
    the plain text, negated by hand)."""
    texts, values = [], []
    for _ in range(n):
        cents = int(rng.integers(0, 10**int(rng.integers(1, 13))))
        plain = f"{cents // 100}.{cents % 100:02d}"
        grouped = f"{cents // 100:,}.{cents % 100:02d}"
        body = grouped if rng.random() < 0.5 else plain
        cur = rng.choice(["", "$", "€", "£"])
        style = rng.integers(0, 5)
        neg = style in (1, 2, 3)
        text = {0: f"{cur}{body}", 1: f"-{cur}{body}", 2: f"({cur}{body})", 3: f"\u2212{cur}{body}",
                4: f"+{cur}{body}"}[int(style)]
        texts.append(text)
        values.append(-float(plain) if neg else float(plain))
    return texts, values


def test_numbers_against_python_float() -> None:
    """5,000 formatted numbers (grouping, currencies, the four ways of writing a sign) equal Python's float of
    their plain form."""
    texts, values = _formatted(np.random.default_rng(1), 5000)
    got = parse_numbers(pd.Series(texts))
    assert got.reason.isna().all()
    np.testing.assert_array_equal(got.values.to_numpy(), np.array(values))


def test_vector_parser_equals_its_one_value_twin() -> None:
    """The Arrow path and the Python path read the same grammar (random strings over the characters numbers are
    made of, so most are refused and many are read)."""
    rng = np.random.default_rng(2)
    alphabet = [*"0123456789,.$€£()+-\u2212 eE", "\u00a0", "inf", "nan"]
    texts = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 9)))) for _ in range(4000)]
    for decimal in (".", ","):
        got = parse_numbers(pd.Series(texts), decimal=decimal)  # type: ignore[arg-type]
        for t, v, r in zip(texts, got.values, got.reason, strict=True):
            w, wr = parse_number(t, decimal=decimal)  # type: ignore[arg-type]
            assert (v == w or (math.isnan(v) and math.isnan(w))) and r == wr, (t, v, r, w, wr)
        assert 0.05 < got.values.notna().mean() < 0.95  # (the sample exercises both outcomes)


def test_pandas_numeric_parsing_is_never_reached_with_text() -> None:
    """Issue #39.1: ``pandas.to_numeric`` kills the process (SIGSEGV) on ``1e2147483648``; the kit's parser reads it
    as a refused value, in a subprocess so that a crash fails this test instead of the run."""
    code = ("import pandas as pd; from insider_kit._parse import parse_numbers;"
            "g = parse_numbers(pd.Series(['1e2147483648', '-1e2147483648', '1e-2147483648', '5']), what='q');"
            "print(g.values.isna().tolist(), g.reason.tolist()[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[True, True, False, False] q '1e2147483648' is too large to be a number"


# ---------------------------------------------------------------------------------------------------- dates
def test_dates_iso_offsets_and_z_are_new_york_dates() -> None:
    """Issue #39.4: a filing date with a UTC offset or ``Z`` was a traceback; it is converted to New York (the
    reference: pandas' own time-zone conversion of the same instants)."""
    texts = ["2024-11-29T21:05:22Z", "2024-03-01T02:00:00+01:00", "2024-07-01 03:30:00+0000", "2024-03-10 06:59:59Z",
             "2024-11-29 16:05:22", "2024-11-29"]
    got = parse_dates_bounded(pd.Series(texts), keep_time=True)
    ref = [pd.Timestamp(t).tz_convert("America/New_York").tz_localize(None) for t in texts[:4]]
    assert got.values.tolist()[:4] == ref
    assert got.values.iloc[4] == pd.Timestamp("2024-11-29 16:05:22") and got.values.iloc[5] == pd.Timestamp("2024-11-29")
    assert got.timed.tolist() == [True, True, True, True, True, False]
    assert parse_dates_bounded(pd.Series(texts)).values.dt.strftime("%Y-%m-%d").tolist() == [
        "2024-11-29", "2024-02-29", "2024-06-30", "2024-03-10", "2024-11-29", "2024-11-29"]


def test_day_order_decided_by_the_values_or_refused() -> None:
    """Issue #39.4: ``03/11/2024`` became 11 March by a mixed-format guess; the order is decided by another value
    (a first field above 12: day first), given, or refused with the option named."""
    s = pd.Series(["03/11/2024", "25/11/2024"])
    assert parse_dates_bounded(s).values.tolist() == [pd.Timestamp("2024-11-03"), pd.Timestamp("2024-11-25")]
    s = pd.Series(["03/11/2024", "11/25/2024"])
    assert parse_dates_bounded(s).values.tolist() == [pd.Timestamp("2024-03-11"), pd.Timestamp("2024-11-25")]
    with pytest.raises(AmbiguousDates, match="ambiguous") as e:
        parse_dates_bounded(pd.Series(["03/11/2024", "04/04/2024"]), what="Filing Date")
    assert "--date-order" in (e.value.hint or "") and e.value.groups == [0]
    with pytest.raises(AmbiguousDates, match="contradictory"):
        parse_dates_bounded(pd.Series(["25/11/2024", "11/25/2024"]))
    assert parse_dates_bounded(pd.Series(["03/11/2024"]), order="dmy").values.iloc[0] == pd.Timestamp("2024-11-03")
    assert parse_dates_bounded(pd.Series(["04/04/2024"])).values.iloc[0] == pd.Timestamp("2024-04-04")  # no doubt
    # each group (file) decides its own order; the ambiguous group is named
    got = parse_dates_bounded(pd.Series(["03/11/2024", "13/11/2024", "03/11/2024", "11/13/2024"]),
                              groups=np.array([0, 0, 1, 1]))
    assert got.values.dt.strftime("%m-%d").tolist() == ["11-03", "11-13", "03-11", "11-13"]
    with pytest.raises(AmbiguousDates) as e:
        parse_dates_bounded(pd.Series(["03/11/2024", "13/11/2024", "03/11/2024"]), groups=np.array([0, 0, 1]))
    assert e.value.groups == [1]


def test_era_bounds_and_impossible_days() -> None:
    """Issue #35.6 / #39.4: year 0013 gave a KeyError deep in the importer, a filing in 2200 was accepted."""
    tomorrow = era_end()
    texts = ["0013-01-01", "2200-01-01", "1985-12-31", "1986-01-01", "2024-02-30", "2024-13-01", "garbage",
             f"{tomorrow:%Y-%m-%d}", f"{tomorrow + pd.Timedelta(days=1):%Y-%m-%d}", "", None]
    got = parse_dates_bounded(pd.Series(texts, dtype=object), what="filed")
    r = got.reason.tolist()
    assert [("outside" in x) if x else None for x in r] == [True, True, True, None, False, False, False, None, True,
                                                            None, None]
    assert r[4] == "filed '2024-02-30' is not a calendar day" and r[6] == "filed 'garbage' is not a date"
    assert got.values.iloc[3] == ERA_START and got.values.iloc[7] == tomorrow
    typed = parse_dates_bounded(pd.Series(pd.to_datetime(["1970-01-01", "2024-05-05"])))
    assert typed.values.isna().tolist() == [True, False] and "outside" in typed.reason.iloc[0]


def test_dates_against_reference_in_every_written_form() -> None:
    """3,000 random days written in the forms exports use equal the days themselves (the reference)."""
    rng = np.random.default_rng(3)
    days = pd.to_datetime("1990-01-01") + pd.to_timedelta(rng.integers(0, 12_000, 3000), unit="D")
    forms = [lambda d: f"{d:%Y-%m-%d}", lambda d: f"{d:%Y%m%d}", lambda d: f"{d:%d-%b-%Y}".upper(),
             lambda d: f"{d:%d%b%Y}".upper(), lambda d: f"{d:%B} {d.day}, {d.year}", lambda d: f"{d.day} {d:%B %Y}",
             lambda d: f"{d:%Y-%m-%dT%H:%M:%S}", lambda d: f"{d.month}/{d.day}/{d.year}"]
    texts = [forms[int(k)](d) for k, d in zip(rng.integers(0, len(forms), len(days)), days, strict=True)]
    got = parse_dates_bounded(pd.Series(texts), order="mdy")
    assert got.reason.isna().all()
    assert (got.values.to_numpy() == days.to_numpy()).all()
    dmy = [f"{d.day:02d}.{d.month:02d}.{d.year}" for d in days]
    assert (parse_dates_bounded(pd.Series(dmy), order="dmy").values.to_numpy() == days.to_numpy()).all()
    two_digit = [f"{d.month}/{d.day}/{d:%y}" for d in days]
    assert (parse_dates_bounded(pd.Series(two_digit), order="mdy").values.to_numpy() == days.to_numpy()).all()
