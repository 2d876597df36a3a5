"""Generate the synthetic teaching market in the real file formats.

Everything written here is SYNTHETIC.  Issuer names start with "Synthetic",
tickers start with "Z", the market index is ``^SYNMKT`` and the data directory
carries a ``SYNTHETIC`` marker and ``truth.json`` with the planted effects.

Output layout under *root* (the same raw layout as real data)::

    raw/sec/YYYYqN_form345.zip        SEC Insider Transactions Data Set format
    raw/edgar/<cik>/<accession>.txt   EDGAR submissions (SGML header + Form 4 XML), last weeks
    raw/prices/<TICKER>.parquet       adjusted closes in the price-cache layout
    raw/prices/delistings.csv         CRSP-style delisting returns: ticker, date, dlret
    raw/factors/ff3_daily.csv, mom_daily.csv   Kenneth French's daily CSV format
    truth.json, SYNTHETIC

Planted data problems (issue #38), so that each warning the data-quality report raises is true and can be
taught, drawn from a random stream of their own (``default_rng([seed, 38])``: the rest of the market draws the
same numbers with or without them):

* **Delistings** (``SampleSpec.delisting_share`` of the firms): the firm's price file ends on its last trading
  day with a price; its insiders file nothing about trades after it; ``raw/prices/delistings.csv`` gives, as
  CRSP's delisting files do, the return realised at delisting (``dlret``, from the last price to the
  delisting value).  About seven in ten are performance delistings with ``dlret`` between -55% and -15%
  (Shumway 1997, "The delisting bias in CRSP data", J. Finance 52, finds -30% on average for those), the others
  mergers with ``dlret`` between 0% and +25%.  ``truth.json`` lists them under ``delisted``
  (``ticker, date, dlret``).
* **Splits** (``SampleSpec.split_share`` of the firms, 2:1, 3:1 or 4:1): a split leaves no trace in adjusted
  closes, except in a documented subset (``SampleSpec.unadjusted_split_share`` of them) whose price file is
  left **unadjusted**: the closes before the split date are not divided by the ratio, so the file shows a
  one-day return of ``1 / ratio - 1`` (-50%, -66.7%, -75%) on the split date.  ``truth.json`` lists every
  split under ``splits`` and the unadjusted ones under ``unadjusted_splits`` (``ticker, date, ratio``; ``date``
  is the first day at the post-split price).  The filings' prices and shares are left as they are (in the
  adjusted units).

One planted effect **fades** (``SampleSpec.fade_class``, ``fade_after``, ``fade_to``; by default cluster sales
carry -7% until 2023-01-01 and nothing after): an effect found on the early years does not hold on the later
ones, the lesson of out-of-sample confirmation (:func:`insider_kit.replicate`).  ``truth_events.parquet``
gives each filing the effect actually planted.
"""

from __future__ import annotations

import array
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_path, atomic_write_bytes, atomic_write_text
from ..config import DataPaths
from ..errors import ConfigError
from ..prices.yf import write_cached
from .calendar import nyse_trading_days
from .spec import SampleSpec

__all__ = ["MARKET_TICKER", "generate_sample"]

#: The teaching market's index ticker.
MARKET_TICKER = "^SYNMKT"
_WORDS = ("Alder", "Birch", "Cedar", "Delta", "Ember", "Fjord", "Garnet", "Harbor", "Iris", "Juniper", "Kestrel",
          "Lumen", "Maple", "Nimbus", "Onyx", "Pioneer", "Quarry", "Raven", "Summit", "Tundra", "Umber", "Vertex",
          "Willow", "Xenon", "Yarrow", "Zephyr")
_KINDS = ("Widgets", "Robotics", "Biotech", "Energy", "Foods", "Logistics", "Software", "Materials", "Retail", "Media")
_OFFICER_TITLES = ("EVP, Operations", "SVP & General Counsel", "Chief Operating Officer", "Chief Technology Officer",
                   "SVP, Sales", "Chief Accounting Officer", "EVP & Chief Marketing Officer")
_CEO_TITLES = ("Chief Executive Officer", "President & CEO", "Pres. & CEO", "CEO and Director", "Co-CEO")
_CFO_TITLES = ("Chief Financial Officer", "EVP & Chief Financial Officer", "CFO", "Principal Financial Officer")
SEC_SUB = ["ACCESSION_NUMBER", "FILING_DATE", "PERIOD_OF_REPORT", "DATE_OF_ORIG_SUB", "NO_SECURITIES_OWNED",
           "NOT_SUBJECT_SEC16", "FORM3_HOLDINGS_REPORTED", "FORM4_TRANS_REPORTED", "DOCUMENT_TYPE", "ISSUERCIK",
           "ISSUERNAME", "ISSUERTRADINGSYMBOL", "REMARKS"]
SEC_OWN = ["ACCESSION_NUMBER", "RPTOWNERCIK", "RPTOWNERNAME", "RPTOWNER_RELATIONSHIP", "RPTOWNER_TITLE",
           "RPTOWNER_TXT", "RPTOWNER_STREET1", "RPTOWNER_STREET2", "RPTOWNER_CITY", "RPTOWNER_STATE",
           "RPTOWNER_ZIPCODE", "RPTOWNER_STATE_DESC", "FILE_NUMBER"]
SEC_NDT = ["ACCESSION_NUMBER", "NONDERIV_TRANS_SK", "SECURITY_TITLE", "SECURITY_TITLE_FN", "TRANS_DATE",
           "TRANS_DATE_FN", "DEEMED_EXECUTION_DATE", "DEEMED_EXECUTION_DATE_FN", "TRANS_FORM_TYPE", "TRANS_CODE",
           "EQUITY_SWAP_INVOLVED", "EQUITY_SWAP_INVOLVED_FN", "TRANS_TIMELINESS", "TRANS_TIMELINESS_FN",
           "TRANS_SHARES", "TRANS_SHARES_FN", "TRANS_PRICEPERSHARE", "TRANS_PRICEPERSHARE_FN",
           "TRANS_ACQUIRED_DISP_CD", "TRANS_ACQUIRED_DISP_CD_FN", "SHRS_OWND_FOLWNG_TRANS",
           "SHRS_OWND_FOLWNG_TRANS_FN", "VALU_OWND_FOLWNG_TRANS", "VALU_OWND_FOLWNG_TRANS_FN",
           "DIRECT_INDIRECT_OWNERSHIP", "DIRECT_INDIRECT_OWNERSHIP_FN", "NATURE_OF_OWNERSHIP", "NATURE_OF_OWNERSHIP_FN"]
SEC_DT = ["ACCESSION_NUMBER", "DERIV_TRANS_SK", "SECURITY_TITLE", "SECURITY_TITLE_FN", "CONV_EXERCISE_PRICE",
          "CONV_EXERCISE_PRICE_FN", "TRANS_DATE", "TRANS_DATE_FN", "DEEMED_EXECUTION_DATE", "DEEMED_EXECUTION_DATE_FN",
          "TRANS_FORM_TYPE", "TRANS_CODE", "EQUITY_SWAP_INVOLVED", "EQUITY_SWAP_INVOLVED_FN", "TRANS_TIMELINESS",
          "TRANS_TIMELINESS_FN", "TRANS_SHARES", "TRANS_SHARES_FN", "TRANS_TOTAL_VALUE", "TRANS_TOTAL_VALUE_FN",
          "TRANS_PRICEPERSHARE", "TRANS_PRICEPERSHARE_FN", "TRANS_ACQUIRED_DISP_CD", "TRANS_ACQUIRED_DISP_CD_FN",
          "EXCERCISE_DATE", "EXCERCISE_DATE_FN", "EXPIRATION_DATE", "EXPIRATION_DATE_FN", "UNDLYNG_SEC_TITLE",
          "UNDLYNG_SEC_TITLE_FN", "UNDLYNG_SEC_SHARES", "UNDLYNG_SEC_SHARES_FN", "UNDLYNG_SEC_VALUE",
          "UNDLYNG_SEC_VALUE_FN", "SHRS_OWND_FOLWNG_TRANS", "SHRS_OWND_FOLWNG_TRANS_FN", "VALU_OWND_FOLWNG_TRANS",
          "VALU_OWND_FOLWNG_TRANS_FN", "DIRECT_INDIRECT_OWNERSHIP", "DIRECT_INDIRECT_OWNERSHIP_FN",
          "NATURE_OF_OWNERSHIP", "NATURE_OF_OWNERSHIP_FN"]
SEC_HOLD = ["ACCESSION_NUMBER", "NONDERIV_HOLDING_SK", "SECURITY_TITLE", "SECURITY_TITLE_FN", "TRANS_FORM_TYPE",
            "TRANS_FORM_TYPE_FN", "SHRS_OWND_FOLWNG_TRANS", "SHRS_OWND_FOLWNG_TRANS_FN", "VALU_OWND_FOLWNG_TRANS",
            "VALU_OWND_FOLWNG_TRANS_FN", "DIRECT_INDIRECT_OWNERSHIP", "DIRECT_INDIRECT_OWNERSHIP_FN",
            "NATURE_OF_OWNERSHIP", "NATURE_OF_OWNERSHIP_FN"]
SEC_FOOT = ["ACCESSION_NUMBER", "FOOTNOTE_ID", "FOOTNOTE_TXT"]
PLAN_CHECKBOX_FROM = pd.Timestamp("2023-04-01")


@dataclass(slots=True)
class Insider:
    cik: int
    name: str
    role: str  # CEO, CFO, Officer, Director, TenPercentOwner
    title: str
    relationship: str
    holdings: float
    routine_month: int | None = None
    routine_kind: str = "S"
    fund_cik: int | None = None  # 10% owners filing jointly with their fund manager


@dataclass(slots=True)
class Trade:
    code: str
    ad: str
    table: str
    shares: float = 0.0
    fraction: float | None = None  # of holdings, for sales
    price: float | None = None
    plan: bool = False
    weighted_avg: bool = False


@dataclass(slots=True)
class Filing:
    firm: int
    insider: int
    trade_idx: int
    cls: str
    trades: list[Trade] = field(default_factory=list)
    filing_idx: int = 0
    group: int = -1  # cluster id / effect group


def _rint(x: float) -> float:
    """*x* rounded to an integer, half to even (as ``np.round``; without numpy's per-call cost on a scalar)."""
    return float(round(x))


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    return f"{x:.4f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x)}.0"


def generate_sample(root: str | Path, *, seed: int = 20240101, spec: SampleSpec | None = None,
                    progress: bool = True) -> dict[str, Any]:
    """Write the synthetic teaching market under *root* and return counts.

    Same seed and spec -> identical bytes.  See the module docstring for the layout
    and :class:`~insider_kit.sample.spec.SampleSpec` for the planted effects.

    Parameters
    ----------
    root
        The directory to write (the teaching market's own data directory, e.g. ``data/sample``).
    seed
        The random seed.
    spec
        Size, dates and planted effects (default :class:`SampleSpec`).
    progress
        Show a progress bar over the phases.

    Returns
    -------
    dict
        Counts: firms, trading days, filings, quarterly zips, EDGAR submissions, SEC transaction rows, codes,
        amendments.

    Notes
    -----
    The phases run in order on one ``_World`` and one random generator: returns and factors
    (``_returns``), firms and insiders (``_people``), trades (``_trades``), the planted data problems
    (``_problems``: delistings and splits, from their own random stream), the planted effects (``_plant``),
    the filings' rows in the SEC's formats, each quarter's zip written as soon as the quarter
    is complete (``_filing_rows``), and the other files (``_write``).  A phase draws its random numbers in a fixed order, so a seed gives the same bytes.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from insider_kit.sample import SampleSpec
    >>> root = Path(tempfile.mkdtemp()) / "sample"
    >>> counts = generate_sample(root, seed=1, spec=SampleSpec(n_firms=20, start="2021-01-04", end="2022-12-30"),
    ...                          progress=False)
    >>> counts["firms"], (root / "SYNTHETIC").exists()
    (20, True)
    >>> generate_sample(root, spec=SampleSpec(n_firms=20, start="2022-01-03", end="2022-12-30"), progress=False)
    Traceback (most recent call last):
    ...
    insider_kit.errors.ConfigError: the teaching market from 2022-01-03 to 2022-12-30 has 251 trading days and no insider trades: ...
    """
    from .._progress import tqdm

    w = _World.start(Path(root), seed, spec or SampleSpec())
    phases = (_returns, _people, _trades, _problems, _plant, _filing_rows, _write)
    with tqdm(total=len(phases), desc="teaching market", disable=not progress) as steps:
        for phase in phases:
            phase(w)
            steps.update()
            if phase is _trades and not w.filings:
                raise ConfigError(
                    f"the teaching market from {w.spec.start} to {w.spec.end} has {w.T} trading days and no "
                    "insider trades: insiders trade only after a year of price history (260 days) and not in "
                    "the last 70 days", hint="give a span of at least about 16 months (330 trading days)")
    return {"firms": w.N, "trading_days": w.T, "filings": w.n_filings, "quarterly_zips": w.n_zips,
            "edgar_submissions": len(w.xml_docs), "sec_transaction_rows": w.n_sec_rows,
            "code_counts": dict(sorted(w.code_counts.items())), "amendments": w.n_amendments}


@dataclass(frozen=True)
class _DayText:
    """Each trading day (by its index) as a Timestamp and as the text the files write, formatted once."""

    ts: list[pd.Timestamp]
    iso: list[str]  # 2024-03-01
    sec: list[str]  # 01-MAR-2024, as the SEC's data sets write dates
    long: list[str]  # March 01, 2024
    quarter: list[str]  # 2024q1
    day: np.ndarray  # day of the month
    months: dict[tuple[int, int], np.ndarray]  # (year, month) -> its days' indices

    @classmethod
    def of(cls, days: pd.DatetimeIndex) -> _DayText:
        q = [f"{y}q{(m - 1) // 3 + 1}" for y, m in zip(days.year, days.month, strict=True)]
        ym = days.year.to_numpy() * 100 + days.month.to_numpy()
        months = {(int(k) // 100, int(k) % 100): np.nonzero(ym == k)[0] for k in np.unique(ym)}
        return cls(list(days), list(days.strftime("%Y-%m-%d")), [s.upper() for s in days.strftime("%d-%b-%Y")],
                   list(days.strftime("%B %d, %Y")), q, days.day.to_numpy(), months)

    def month(self, year: int, month: int) -> np.ndarray:
        """The indices of the trading days of *month* of *year* (empty outside the market's span)."""
        return self.months.get((year, month), np.zeros(0, dtype=np.int64))


@dataclass
class _World:
    """Everything the generator's phases share: each phase reads what the earlier ones wrote."""

    root: Path
    seed: int
    spec: SampleSpec
    rng: np.random.Generator
    days: pd.DatetimeIndex
    day_text: _DayText
    # _returns
    factors: dict[str, np.ndarray] = field(default_factory=dict)
    wave_months: list[str] = field(default_factory=list)
    wave_days: list[np.ndarray] = field(default_factory=list)
    firm: dict[str, np.ndarray] = field(default_factory=dict)  # log_size, beta, is_ipo, ipo_idx (per firm)
    R: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    # _people
    tickers: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    issuer_cik: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    insiders: list[list[Insider]] = field(default_factory=list)
    # _trades, _plant
    filings: list[Filing] = field(default_factory=list)
    eff_groups: dict[int, Filing] = field(default_factory=dict)
    P: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    px0: np.ndarray = field(default_factory=lambda: np.empty(0))
    # _problems: firm -> last day with a price; firm -> (split day, ratio, left unadjusted)
    delist_idx: dict[int, int] = field(default_factory=dict)
    dlret: dict[int, float] = field(default_factory=dict)
    splits: dict[int, tuple[int, float, bool]] = field(default_factory=dict)
    # _filing_rows (the quarters' zips are written as they complete), _write
    quarters: _Quarters = field(default_factory=lambda: _Quarters())
    xml_docs: list[tuple[int, str, bytes]] = field(default_factory=list)
    truth: _Truth = field(default_factory=lambda: _Truth())
    code_counts: dict[str, int] = field(default_factory=dict)
    n_filings: int = 0
    n_sec_rows: int = 0
    n_zips: int = 0
    n_amendments: int = 0

    @classmethod
    def start(cls, root: Path, seed: int, spec: SampleSpec) -> _World:
        days = nyse_trading_days(spec.start, spec.end)
        return cls(root, seed, spec, np.random.default_rng(seed), days, _DayText.of(days))

    @property
    def T(self) -> int:
        return len(self.days)

    @property
    def N(self) -> int:
        return self.spec.n_firms


def _returns(w: _World) -> None:
    """Daily factors (with the market-wide selling waves' drag), firm characteristics and factor-model returns."""
    spec, rng, days, T, N = w.spec, w.rng, w.days, w.T, w.N
    mkt_rf = np.round((spec.market_drift + spec.market_vol * rng.standard_t(5, T) / np.sqrt(5 / 3)) * 100, 2) / 100
    smb = np.round(rng.normal(0, 0.005, T) * 100, 2) / 100
    hml = np.round(rng.normal(0, 0.005, T) * 100, 2) / 100
    mom = np.round(rng.normal(0.0002, 0.006, T) * 100, 2) / 100
    rf = np.full(T, 0.0001)
    if spec.market_selling_wave and spec.market_wave_months > 0:
        # waves in months that follow a strong advance (trailing 6-month market return in its top 20%)
        month = days.to_period("M")
        mlev = pd.Series(np.cumsum(mkt_rf), index=days).groupby(month).last()
        past6 = mlev - mlev.shift(6)
        cand = past6[past6 >= past6.quantile(0.8)].index[:-spec.market_wave_horizon - 1]
        chosen: list[pd.Period] = []
        for m in rng.permutation(np.asarray(cand)):
            if len(chosen) < spec.market_wave_months and all(abs((m - c).n) >= 6 for c in chosen):
                chosen.append(m)
        for m in sorted(chosen):
            w.wave_months.append(str(m))
            w.wave_days.append(np.nonzero(month == m)[0])
            drag = np.nonzero((month > m) & (month <= m + spec.market_wave_horizon))[0]
            mkt_rf[drag] += spec.market_wave_effect * spec.market_wave_horizon / max(len(drag), 1)
    log_size = rng.normal(7.0, 1.6, N)  # log market cap in $M: from ~$30M to ~$100B
    small = (log_size.max() - log_size) / (log_size.max() - log_size.min())
    beta = np.clip(rng.normal(1.0, 0.3, N), 0.2, 2.2)
    s_load = rng.normal(0.2 + 0.8 * small, 0.3)
    h_load = rng.normal(0.1, 0.4, N)
    m_load = rng.normal(0.0, 0.2, N)
    ivol = 0.008 + 0.025 * small * rng.uniform(0.6, 1.4, N)
    # fat tails (t with 4 degrees of freedom), bounded at +/-40% a day: no generated move mimics a split or a data
    # error (so each data-quality warning the teaching market raises is true)
    idio = np.clip(rng.standard_t(4, (T, N)) / np.sqrt(2.0) * ivol, -0.4, 0.4)
    w.R = (rf[:, None] + beta * mkt_rf[:, None] + s_load * smb[:, None] + h_load * hml[:, None]
           + m_load * mom[:, None] + idio)
    is_ipo = rng.random(N) < spec.ipo_share
    ipo_idx = np.where(is_ipo, rng.integers(260, max(261, T - 400), N), 0)
    w.factors = {"mkt_rf": mkt_rf, "smb": smb, "hml": hml, "mom": mom, "rf": rf}
    w.firm = {"log_size": log_size, "beta": beta, "is_ipo": is_ipo, "ipo_idx": ipo_idx}


def _people(w: _World) -> None:
    """Tickers, names and CIKs of the firms, and each firm's insiders (roles, holdings, routine habits, funds)."""
    spec, rng, N = w.spec, w.rng, w.N
    used: set[str] = set()
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    for i in range(N):
        while True:
            t = "Z" + "".join(rng.choice(letters, 3))
            if t not in used:
                used.add(t)
                break
        w.tickers.append(t)
        w.names.append(f"Synthetic {_WORDS[i % 26]} {_KINDS[(i // 26) % 10]} {i:03d} Corp")
    w.issuer_cik = 9_000_000 + np.arange(N) * 7
    next_cik = 8_000_000
    for _ in range(N):
        k = int(rng.integers(5, 16))
        people = []
        for j in range(k):
            next_cik += 1
            if j == 0:
                role, title, rel = "CEO", str(rng.choice(_CEO_TITLES)), "Director,Officer"
            elif j == 1:
                role, title, rel = "CFO", str(rng.choice(_CFO_TITLES)), "Officer"
            elif j < 2 + int(rng.integers(1, 4)):
                role, title, rel = "Officer", str(rng.choice(_OFFICER_TITLES)), "Officer"
            elif j == k - 1 and rng.random() < 0.3:
                role, title, rel = "TenPercentOwner", "", "TenPercentOwner"
            else:
                role, title, rel = "Director", "Chairman of the Board" if j == k - 2 and rng.random() < 0.3 else "", "Director"
            hold = float(np.round(np.exp(rng.normal(11 if role != "TenPercentOwner" else 15, 1.0))))
            ins = Insider(next_cik, f"Synthetic Insider {next_cik}", role, title, rel, hold)
            if role != "TenPercentOwner" and rng.random() < spec.routine_share:
                ins.routine_month = int(rng.integers(1, 13))
                ins.routine_kind = "S" if rng.random() < 0.85 else "P"
            if role == "TenPercentOwner" and rng.random() < spec.joint_filing_share:
                next_cik += 1
                ins.fund_cik = next_cik
            people.append(ins)
        w.insiders.append(people)


def _first_day(w: _World, i: int) -> int:
    """The first day firm *i*'s insiders trade: one year of history after the start (or after its IPO)."""
    return int(w.firm["ipo_idx"][i]) + 260 if w.firm["is_ipo"][i] else 260


def _trades(w: _World) -> None:
    """Every firm's filings (routine, grants, discretionary trades, planted patterns), then the rule that a
    CEO/CFO's unscheduled sale comes from someone who rarely sells, and the filing lags."""
    spec, rng, T = w.spec, w.rng, w.T
    trailing = pd.DataFrame(w.R).rolling(20, min_periods=10).sum().to_numpy()
    group_id = 0
    for i in range(w.N):
        lo = _first_day(w, i)
        if lo >= T - 70:
            continue
        _calendar_filings(w, i, lo)
        group_id = _discretionary_filings(w, i, lo, trailing, group_id)
    filings = w.filings
    # a CEO/CFO's unscheduled sale comes from someone who rarely sells: no other sale in the year before
    unsched: dict[tuple[int, int], list[int]] = {(f.firm, f.insider): [] for f in filings
                                                 if f.cls == "exec_unscheduled_sale"}
    for f in filings:
        if f.cls == "exec_unscheduled_sale":
            unsched[(f.firm, f.insider)].append(f.trade_idx)
    filings = [f for f in filings if f.cls == "exec_unscheduled_sale" or (f.firm, f.insider) not in unsched
               or not any(t.code == "S" for t in f.trades)
               or not any(0 < d - f.trade_idx <= 260 for d in unsched[(f.firm, f.insider)])]
    # filing lags: 0-2 business days, a few late
    for f in filings:
        lag = int(rng.integers(0, 3)) if rng.random() > spec.late_filing_share else int(rng.integers(5, 30))
        f.filing_idx = min(T - 1, f.trade_idx + lag)
    filings.sort(key=lambda f: (f.trade_idx, f.firm, f.insider, f.cls))
    w.filings = filings


def _calendar_filings(w: _World, i: int, lo: int) -> None:
    """Routine traders (the same calendar month each year) and the yearly grants (with tax withholding for
    officers) of firm *i*."""
    rng, days, T = w.rng, w.days, w.T
    dt = w.day_text
    people = w.insiders[i]
    for j, p in enumerate(people):
        if p.routine_month is None:
            continue
        for y in range(days[lo].year, days[-1].year + 1):
            sel = dt.month(y, p.routine_month)
            sel = sel[(sel >= lo) & (sel < T - 5)]
            if len(sel):
                d = int(sel[min(len(sel) - 1, int(rng.integers(3, 12)))])
                tr = Trade("S", "D", "nonderivative", fraction=float(rng.uniform(0.03, 0.15))) if p.routine_kind == "S" \
                    else Trade("P", "A", "nonderivative", shares=_rint(p.holdings * rng.uniform(0.02, 0.1)))
                tr.plan = p.routine_kind == "S" and rng.random() < 0.5
                w.filings.append(Filing(i, j, d, "routine_sale" if p.routine_kind == "S" else "routine_purchase", [tr]))
    # grants every year in late February for officers and directors; tax withholding for officers
    for y in range(days[lo].year, days[-1].year + 1):
        sel = dt.month(y, 2)
        sel = sel[(dt.day[sel] >= 20) & (sel >= lo)]
        if not len(sel):
            continue
        d = int(sel[0])
        for j, p in enumerate(people):
            if p.role == "TenPercentOwner":
                continue
            g = _rint(p.holdings * rng.uniform(0.02, 0.08))
            trades = [Trade("A", "A", "nonderivative", shares=g, price=0.0)]
            if p.role in ("CEO", "CFO", "Officer"):
                trades.append(Trade("F", "D", "nonderivative", shares=_rint(g * 0.38)))
            w.filings.append(Filing(i, j, d, "grant", trades))


# long: the order of the random draws fixes the market's bytes; one block per kind of trade
def _discretionary_filings(w: _World, i: int, lo: int, trailing: np.ndarray, group_id: int) -> int:
    """Firm *i*'s discretionary trades at the spec's yearly rates, each kind in a fixed order; returns the
    next cluster id.  (One long function on purpose: the order of the random draws fixes the market's bytes.)"""
    spec, rng, days, T = w.spec, w.rng, w.days, w.T
    people = w.insiders[i]
    add = w.filings.append
    active = [j for j, p in enumerate(people) if p.routine_month is None and p.role != "TenPercentOwner"]
    execs = [j for j in active if people[j].role in ("CEO", "CFO")]
    officers = [j for j, p in enumerate(people) if p.role in ("CEO", "CFO", "Officer")]
    years = T / 252

    def n(key: str) -> int:
        return int(rng.poisson(spec.rates[key] * years))

    def pick_day(lo_: int | None = None, hi: int | None = None) -> int:
        return int(rng.integers(lo_ if lo_ is not None else lo, hi if hi is not None else T - 5))

    def contrarian(d: int, share: float, below: bool) -> int:
        """With probability *share*, a day after a fall (*below*) or a run-up instead of *d*."""
        if rng.random() < share:
            tr = trailing[lo:T - 70, i]
            cand = np.nonzero(tr < np.nanquantile(tr, 0.25) if below else tr > np.nanquantile(tr, 0.75))[0]
            if len(cand):
                return lo + int(rng.choice(cand))
        return d

    for _ in range(n("opportunistic_purchase")):
        if not active:
            break
        j = int(rng.choice(active))
        d = contrarian(pick_day(), 0.6, below=True)  # contrarian: buy after a fall
        add(Filing(i, j, d, "opportunistic_purchase",
                   [Trade("P", "A", "nonderivative", shares=_rint(people[j].holdings * rng.uniform(0.05, 0.4)))]))
    for _ in range(n("ordinary_sale")):
        if not active:
            break
        j = int(rng.choice(active))
        d = contrarian(pick_day(), 0.5, below=False)  # contrarian: sell after a run-up
        add(Filing(i, j, d, "ordinary_sale", [Trade("S", "D", "nonderivative", fraction=float(rng.uniform(0.02, 0.3)),
                                                    weighted_avg=rng.random() < 0.5)]))
    for _ in range(n("plan_sale")):
        if not officers:
            break
        j = int(rng.choice(officers))
        add(Filing(i, j, pick_day(), "plan_sale",
                   [Trade("S", "D", "nonderivative", fraction=float(rng.uniform(0.02, 0.2)), plan=True)]))
    for _ in range(n("cluster_sale")):
        if len(active) < 3:
            break
        who = rng.choice(active, size=min(len(active), int(rng.integers(3, 5))), replace=False)
        d0 = pick_day(hi=T - 70)
        group_id += 1
        for j in who:
            add(Filing(i, int(j), d0 + int(rng.integers(0, 5)), "cluster_sale",
                       [Trade("S", "D", "nonderivative", fraction=float(rng.uniform(0.05, 0.3)))], group=group_id))
    for _ in range(n("exec_unscheduled_sale")):
        if not execs:
            break
        j = int(rng.choice(execs))
        add(Filing(i, j, pick_day(), "exec_unscheduled_sale",
                   [Trade("S", "D", "nonderivative", fraction=float(rng.uniform(0.35, 0.9)))]))
    for _ in range(n("exercise_and_sell")):
        if not officers:
            break
        j = int(rng.choice(officers))
        qty = _rint(people[j].holdings * rng.uniform(0.05, 0.3))
        add(Filing(i, j, pick_day(), "exercise_and_sell",
                   [Trade("M", "D", "derivative", shares=qty, price=0.0), Trade("M", "A", "nonderivative", shares=qty),
                    Trade("S", "D", "nonderivative", shares=qty)]))
    for key, code, ad, cls in (("gift", "G", "D", "gift"), ("other_j", "J", "D", "other"), ("conversion", "C", "A", "conversion")):
        for _ in range(n(key)):
            j = int(rng.integers(0, len(people)))
            add(Filing(i, j, pick_day(), cls, [Trade(code, ad, "nonderivative",
                       shares=_rint(people[j].holdings * rng.uniform(0.01, 0.1)), price=0.0)]))
    if w.firm["is_ipo"][i]:  # lock-up expiry: ipo + 180 calendar days, several holders sell
        target = days.searchsorted(days[w.firm["ipo_idx"][i]] + pd.Timedelta(days=spec.lockup_days))
        if target < T - 70:
            for j in rng.choice(len(people), size=min(len(people), int(rng.integers(2, 4))), replace=False):
                add(Filing(i, int(j), int(target + rng.integers(-3, 4)), "lockup_sale",
                           [Trade("S", "D", "nonderivative", fraction=float(rng.uniform(0.1, 0.3)))]))
    for wd in w.wave_days:  # market-wide selling wave: an extra ordinary-size sale, no firm-level effect
        ok = wd[(wd >= lo) & (wd < T - 5)]
        if active and len(ok) and rng.random() < spec.market_wave_share:
            add(Filing(i, int(rng.choice(active)), int(rng.choice(ok)), "wave_sale",
                       [Trade("S", "D", "nonderivative", fraction=float(rng.uniform(0.02, 0.3)))]))
    return group_id


def _problems(w: _World) -> None:
    """The planted data problems (module docstring): delisted firms (their filings after the last price day
    dropped) and splits, some left unadjusted in the price files; from their own random stream."""
    spec, T, N = w.spec, w.T, w.N
    rng = np.random.default_rng([w.seed, 38])
    order = rng.permutation(N)
    n_delist = round(spec.delisting_share * N)
    n_split = round(spec.split_share * N)
    n_unadj = int(np.ceil(spec.unadjusted_split_share * n_split))
    ipo = w.firm["ipo_idx"]
    for i in (int(k) for k in order[:n_delist]):
        lo = _first_day(w, i) + 130  # after some insider trading, so the lesson has events to lose
        if lo >= T - 30:
            continue
        w.delist_idx[i] = int(rng.integers(lo, T - 30))
        perf = rng.random() < 0.7
        w.dlret[i] = round(float(rng.uniform(-0.55, -0.15) if perf else rng.uniform(0.0, 0.25)), 4)
    for k, i in enumerate(int(x) for x in order[n_delist:n_delist + n_split]):
        lo = int(ipo[i]) + 40
        if lo >= T - 20:
            continue
        w.splits[i] = (int(rng.integers(lo, T - 20)), float(rng.choice([2.0, 2.0, 3.0, 4.0])), k < n_unadj)
    if w.delist_idx:
        w.filings = [f for f in w.filings if f.trade_idx <= w.delist_idx.get(f.firm, T)]


def _effect(w: _World, f: Filing) -> float:
    """The effect planted at filing *f*: its class's, or ``fade_to`` for the fading class from ``fade_after``."""
    s = w.spec
    if (f.cls == s.fade_class and s.fade_after is not None
            and f.filing_idx >= w.days.searchsorted(pd.Timestamp(s.fade_after))):
        return s.fade_to
    return s.effects.get(f.cls, 0.0)


def _plant(w: _World) -> None:
    """Add each planted effect to the firm's returns (``info_leak`` of it between trade and filing, the rest
    from the filing day on; a cluster's once, at the filing that makes it public), then the prices."""
    spec, rng, T, N, R = w.spec, w.rng, w.T, w.N, w.R
    # a cluster's effect is planted when it becomes public: at the filing of its third insider
    by_group: dict[int, list[Filing]] = {}
    for f in w.filings:
        if f.group >= 0:
            by_group.setdefault(f.group, []).append(f)
    for g_, fs in by_group.items():
        fs.sort(key=lambda f: (f.filing_idx, f.trade_idx, f.insider))
        w.eff_groups[g_] = fs[min(2, len(fs) - 1)]
    for f in w.filings:
        e = _effect(w, f)
        if f.group >= 0 and w.eff_groups[f.group] is not f:
            continue
        if e == 0.0:
            continue
        i = f.firm
        leak_days = np.arange(f.trade_idx + 1, f.filing_idx)
        post = np.arange(f.filing_idx, min(T, f.filing_idx + spec.effect_days))
        leak = spec.info_leak * e if len(leak_days) else 0.0
        if len(leak_days):
            R[leak_days, i] += leak / len(leak_days)
        R[post, i] += (e - leak) / len(post)
    R[np.arange(T)[:, None] < w.firm["ipo_idx"][None, :]] = np.nan
    for i, last in w.delist_idx.items():  # a delisted firm has no price after its last trading day
        R[last + 1:, i] = np.nan
    w.px0 = np.exp(rng.normal(3.3, 0.8, N))
    w.P = w.px0 * np.cumprod(1.0 + np.nan_to_num(R), axis=0)
    w.P[np.isnan(R)] = np.nan
    w.R = np.empty((0, 0))  # (the prices carry the returns from here on)


def _filing_rows(w: _World) -> None:
    """Each filing as the SEC publishes it: lines of the quarterly data-set tables, or (in the last weeks) an
    EDGAR submission; amendments restate a misreported original; the planted truth per filing.

    The filings come in trade-date order and a filing is filed on or after its trade day, so once the trade
    days reach a new quarter every earlier quarter is complete: its zip is written then and its lines freed
    (the market is written quarter by quarter, never held whole)."""
    spec, rng, T, dt = w.spec, w.rng, w.T, w.day_text
    days = dt.ts
    edgar_from = int(w.days.searchsorted(w.days[-1] - pd.Timedelta(weeks=spec.edgar_weeks)))
    checkbox_from = int(w.days.searchsorted(PLAN_CHECKBOX_FROM))
    holding = {(i, j): p.holdings for i, ps in enumerate(w.insiders) for j, p in enumerate(ps)}
    seq: dict[int, int] = {}
    n_sk = 0
    open_q = ""
    for f in w.filings:
        if dt.quarter[f.trade_idx] != open_q:
            open_q = dt.quarter[f.trade_idx]
            w.quarters.write_before(open_q, w)
        i, j = f.firm, f.insider
        p = w.insiders[i][j]
        filer = p.fund_cik or p.cik
        seq[filer] = seq.get(filer, 0) + 1
        fdate = days[f.filing_idx]
        acc = f"{filer:010d}-{fdate.year % 100:02d}-{seq[filer]:06d}"
        price = float(w.P[f.trade_idx, i]) if np.isfinite(w.P[f.trade_idx, i]) else float(w.px0[i])
        rows, plan_any = _trade_lines(w, f, holding, price)
        checkbox = f.filing_idx >= checkbox_from
        foot: dict[str, str] = {}
        if plan_any and not checkbox:
            foot["F1"] = (f"The transactions reported were effected pursuant to a Rule 10b5-1 trading plan adopted by "
                          f"the reporting person on {dt.long[max(0, f.trade_idx - 90)]}.")
        if any(t.weighted_avg for t, *_ in rows):
            foot["F2"] = "The price reported is a weighted average price; shares were sold in multiple transactions."
        owners = [(p.cik, p.name, p.relationship, p.title)]
        if p.fund_cik:
            owners.append((p.fund_cik, f"Synthetic Capital Partners {p.fund_cik} LP", "TenPercentOwner", ""))
        w.truth.add(w, f, p, acc, "".join(t.code for t, *_ in rows), plan_any)
        amend = (rng.random() < spec.amendment_share and len(rows) == 1 and rows[0][0].code in "PS"
                 and f.filing_idx < edgar_from)
        if f.filing_idx >= edgar_from:
            hour = int(rng.integers(6, 22))
            w.xml_docs.append((w.issuer_cik[i], acc, _form4_submission(
                acc, fdate, hour, int(rng.integers(0, 60)), w.issuer_cik[i], w.names[i], w.tickers[i], owners,
                days[f.trade_idx], rows, foot, checkbox, plan_any)))
            continue
        versions: list[tuple[str, str, int, int | None, bool]] = [("4", acc, f.filing_idx, None, False)]
        if amend:
            # the original misreports the shares by a factor of 10; the 4/A restates them
            seq[filer] += 1
            a_idx = min(T - 1, f.filing_idx + int(rng.integers(2, 10)))
            afd = days[a_idx]
            versions = [("4", acc, f.filing_idx, None, True),
                        ("4/A", f"{filer:010d}-{afd.year % 100:02d}-{seq[filer]:06d}", a_idx, f.filing_idx, False)]
        for version in versions:
            n_sk = _sec_rows(w, f, version, owners, foot, rows, checkbox, plan_any, price, n_sk)
    w.quarters.write_before("~", w)  # every quarter left ("~" sorts after every quarter label)
    w.n_filings = len(w.filings)
    w.filings = []  # (the truth and the files hold what is needed from here on)


_Line = tuple[Trade, float, float, float]  # a trade, its shares, its price, the shares owned after it


def _trade_lines(w: _World, f: Filing, holding: dict[tuple[int, int], float], price: float) -> tuple[list[_Line], bool]:
    """The lines of filing *f* (shares from fractions of the running holding, prices near the day's close)
    and whether any was under a 10b5-1 plan; updates *holding* and the code counts."""
    i, j = f.firm, f.insider
    rows: list[_Line] = []
    plan_any = False
    for tr in f.trades:
        sh = float(max(1.0, _rint(holding[(i, j)] * tr.fraction))) if tr.fraction is not None \
            else float(max(1.0, tr.shares))
        if tr.table == "nonderivative":
            holding[(i, j)] = max(0.0, holding[(i, j)] + (sh if tr.ad == "A" else -sh))
        pr = tr.price if tr.price is not None else round(price * float(w.rng.uniform(0.995, 1.005)), 2)
        rows.append((tr, sh, pr, holding[(i, j)]))
        plan_any |= tr.plan
        w.code_counts[tr.code] = w.code_counts.get(tr.code, 0) + 1
    return rows, plan_any


def _tsv_cell(s: str) -> str:
    """A text field as pandas' ``to_csv(sep="\\t")`` writes it (quoted only when it holds a tab, a quote or a
    line break)."""
    if "\t" in s or '"' in s or "\n" in s or "\r" in s:
        return '"' + s.replace('"', '""') + '"'
    return s


def _template(cols: list[str], fields: str) -> str:
    """A ``str.format`` template of one TSV line of *cols*: each of *fields* (space-separated) named by its
    column, every other column empty."""
    given = set(fields.split())
    if not given <= set(cols):
        raise ValueError(f"fields not among the columns: {sorted(given - set(cols))}")
    return "\t".join("{" + c + "}" if c in given else "" for c in cols) + "\n"


_SUB_FIELDS = ("ACCESSION_NUMBER FILING_DATE PERIOD_OF_REPORT DATE_OF_ORIG_SUB NOT_SUBJECT_SEC16 DOCUMENT_TYPE "
               "ISSUERCIK ISSUERNAME ISSUERTRADINGSYMBOL")
_SUB_LINE = _template(SEC_SUB, _SUB_FIELDS)
_SUB_LINE_AFF = _template([*SEC_SUB[:-1], "AFF10B5ONE", SEC_SUB[-1]], _SUB_FIELDS + " AFF10B5ONE")
_OWN_LINE = _template(SEC_OWN, "ACCESSION_NUMBER RPTOWNERCIK RPTOWNERNAME RPTOWNER_RELATIONSHIP RPTOWNER_TITLE "
                               "RPTOWNER_CITY RPTOWNER_STATE")
_TRANS_FIELDS = ("ACCESSION_NUMBER SECURITY_TITLE TRANS_DATE TRANS_DATE_FN TRANS_FORM_TYPE TRANS_CODE "
                 "EQUITY_SWAP_INVOLVED TRANS_SHARES TRANS_PRICEPERSHARE TRANS_PRICEPERSHARE_FN TRANS_ACQUIRED_DISP_CD "
                 "SHRS_OWND_FOLWNG_TRANS DIRECT_INDIRECT_OWNERSHIP")
_NDT_LINE = _template(SEC_NDT, _TRANS_FIELDS + " NONDERIV_TRANS_SK")
_DT_LINE = _template(SEC_DT, _TRANS_FIELDS + " DERIV_TRANS_SK CONV_EXERCISE_PRICE UNDLYNG_SEC_TITLE UNDLYNG_SEC_SHARES")
_FOOT_LINE = _template(SEC_FOOT, "ACCESSION_NUMBER FOOTNOTE_ID FOOTNOTE_TXT")
_TABLES = ("SUBMISSION.tsv", "REPORTINGOWNER.tsv", "NONDERIV_TRANS.tsv", "DERIV_TRANS.tsv", "NONDERIV_HOLDING.tsv",
           "FOOTNOTES.tsv")


def _sec_rows(w: _World, f: Filing, version: tuple[str, str, int, int | None, bool],
              owners: list[tuple[int, str, str, str]], foot: dict[str, str], rows: list[_Line],
              checkbox: bool, plan_any: bool, price: float, n_sk: int) -> int:
    """One version of a filing (the original, or its 4/A) as lines of the SEC's tables, in the quarter of its
    filing date; returns the last row key."""
    form, a, fd, orig, wrong = version
    dt = w.day_text
    i = f.firm
    p = w.insiders[i][f.insider]
    q = dt.quarter[fd]
    sub, own, ndt, dtl, fts = w.quarters.tables(q)
    aff = q >= "2023q2"  # the checkbox column exists from 2023q2
    sub.append((_SUB_LINE_AFF if aff else _SUB_LINE).format(
        ACCESSION_NUMBER=a, FILING_DATE=dt.sec[fd], PERIOD_OF_REPORT=dt.sec[f.trade_idx], DOCUMENT_TYPE=form,
        ISSUERCIK=f"{w.issuer_cik[i]:010d}", ISSUERNAME=_tsv_cell(w.names[i]), ISSUERTRADINGSYMBOL=w.tickers[i],
        NOT_SUBJECT_SEC16="0", DATE_OF_ORIG_SUB=dt.sec[orig] if orig is not None else "",
        AFF10B5ONE=("1" if plan_any else "0") if checkbox else ""))
    w.n_amendments += form == "4/A"
    for oc, on, rel, ti in owners:
        own.append(_OWN_LINE.format(
            ACCESSION_NUMBER=a, RPTOWNERCIK=f"{oc:010d}", RPTOWNERNAME=_tsv_cell(on), RPTOWNER_RELATIONSHIP=rel,
            RPTOWNER_TITLE=_tsv_cell(ti), RPTOWNER_CITY="SYNTHETIC CITY", RPTOWNER_STATE="ZZ"))
    for fid, txt in foot.items():
        fts.append(_FOOT_LINE.format(ACCESSION_NUMBER=a, FOOTNOTE_ID=fid, FOOTNOTE_TXT=_tsv_cell(txt)))
    date_fn = "F1" if "F1" in foot else ""
    for tr, sh, pr, after in rows:
        n_sk += 1
        shares_out = sh / 10 if wrong else sh
        base: dict[str, object] = {
            "ACCESSION_NUMBER": a,
            "SECURITY_TITLE": "Common Stock" if tr.table == "nonderivative" else "Stock Option (Right to Buy)",
            "TRANS_DATE": dt.sec[f.trade_idx], "TRANS_DATE_FN": date_fn, "TRANS_FORM_TYPE": "4",
            "TRANS_CODE": tr.code, "EQUITY_SWAP_INVOLVED": "0", "TRANS_SHARES": _fmt(shares_out),
            "TRANS_PRICEPERSHARE": _fmt(pr), "TRANS_PRICEPERSHARE_FN": "F2" if "F2" in foot and tr.weighted_avg else "",
            "TRANS_ACQUIRED_DISP_CD": tr.ad, "SHRS_OWND_FOLWNG_TRANS": _fmt(after),
            "DIRECT_INDIRECT_OWNERSHIP": "I" if p.fund_cik else "D"}
        if tr.table == "nonderivative":
            base["NONDERIV_TRANS_SK"] = n_sk
            ndt.append(_NDT_LINE.format_map(base))
        else:
            base.update(DERIV_TRANS_SK=n_sk, CONV_EXERCISE_PRICE=_fmt(round(price * 0.6, 2)),
                        UNDLYNG_SEC_TITLE="Common Stock", UNDLYNG_SEC_SHARES=_fmt(sh))
            dtl.append(_DT_LINE.format_map(base))
        w.n_sec_rows += 1
    return n_sk


class _Quarters:
    """The SEC tables' lines of the quarters not yet written, and the writing of a quarter's zip."""

    def __init__(self) -> None:
        self.open: dict[str, tuple[list[str], list[str], list[str], list[str], list[str]]] = {}

    def tables(self, q: str) -> tuple[list[str], list[str], list[str], list[str], list[str]]:
        """The submission, owner, non-derivative, derivative and footnote lines of quarter *q*."""
        if q not in self.open:
            self.open[q] = ([], [], [], [], [])
        return self.open[q]

    def write_before(self, q: str, w: _World) -> None:
        """Write (and forget) every quarter before *q*: one ``YYYYqN_form345.zip``, the SEC's column order."""
        for done in sorted(k for k in self.open if k < q):
            sub, own, ndt, dtl, fts = self.open.pop(done)
            sub_cols = [*SEC_SUB[:-1], "AFF10B5ONE", SEC_SUB[-1]] if done >= "2023q2" else SEC_SUB
            tables = zip(_TABLES, ((sub_cols, sub), (SEC_OWN, own), (SEC_NDT, ndt), (SEC_DT, dtl), (SEC_HOLD, []),
                                   (SEC_FOOT, fts)), strict=True)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, (cols, lines) in tables:
                    zi = zipfile.ZipInfo(name, date_time=(2025, 1, 2, 0, 0, 0))
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(zi, ("\t".join(cols) + "\n" + "".join(lines)).encode("utf-8"))
            atomic_write_bytes(DataPaths(w.root).raw_sec / f"{done}_form345.zip", buf.getvalue())
            w.n_zips += 1


class _Truth:
    """The planted truth, one row per filing, kept as compact columns (a universe has millions of filings)."""

    def __init__(self) -> None:
        self.accession: list[str] = []
        self.owner_cik: list[str] = []
        self.role: list[str] = []
        self.cls: list[str] = []
        self.codes: list[str] = []
        self.ints = {k: array.array("q") for k in ("firm", "group", "trade_idx", "filing_idx")}
        self.planted_car = array.array("d")
        self.flags = {k: array.array("b") for k in ("plan", "routine")}
        self._text: dict[str, str] = {}

    def _shared(self, s: str) -> str:
        """One object per distinct text (owner CIKs, code strings repeat across filings)."""
        return self._text.setdefault(s, s)

    def add(self, w: _World, f: Filing, p: Insider, acc: str, codes: str, plan: bool) -> None:
        self.accession.append(acc)
        self.owner_cik.append(self._shared(f"{p.cik:010d}"))
        self.role.append(p.role)
        self.cls.append(f.cls)
        self.codes.append(self._shared(codes))
        for k, v in (("firm", f.firm), ("group", f.group), ("trade_idx", f.trade_idx), ("filing_idx", f.filing_idx)):
            self.ints[k].append(v)
        self.planted_car.append(_effect(w, f) if (f.group < 0 or w.eff_groups.get(f.group) is f) else 0.0)
        self.flags["plan"].append(plan)
        self.flags["routine"].append(p.routine_month is not None)

    def frame(self, w: _World) -> pd.DataFrame:
        """The truth table (``truth_events.parquet``)."""
        col = {k: np.frombuffer(v, dtype=np.int64) if len(v) else np.zeros(0, np.int64) for k, v in self.ints.items()}
        firm = col["firm"]
        iso = np.asarray(w.day_text.iso, dtype=object)
        return pd.DataFrame({
            "accession": self.accession,
            "issuer_cik": np.asarray([f"{c:010d}" for c in w.issuer_cik], dtype=object)[firm],
            "ticker": np.asarray(w.tickers, dtype=object)[firm], "owner_cik": self.owner_cik, "role": self.role,
            "class": self.cls, "group": col["group"], "trade_date": iso[col["trade_idx"]],
            "filing_date": iso[col["filing_idx"]], "codes": self.codes,
            "planted_car": np.frombuffer(self.planted_car, dtype=np.float64) if len(self.planted_car) else 0.0,
            "plan": np.frombuffer(self.flags["plan"], dtype=np.int8).astype(bool),
            "routine": np.frombuffer(self.flags["routine"], dtype=np.int8).astype(bool)})


def _write(w: _World) -> None:
    """The files not written quarter by quarter: the EDGAR submissions, prices, factors, firms, the truth and
    the marker."""
    dp = DataPaths(w.root)
    for cik, acc, doc in w.xml_docs:
        atomic_write_bytes(dp.raw_edgar / f"{cik:010d}" / f"{acc}.txt", doc)
    days, fac = w.days, w.factors
    meta = {"source": "synthetic teaching market (insider-kit sample)", "synthetic": True, "seed": w.seed,
            "auto_adjust": True, "fetched_at": w.spec.generated_at}
    for i in range(w.N):
        px = w.P[:, i]
        if i in w.splits and w.splits[i][2]:  # left unadjusted: the closes before the split not divided
            px = px.copy()
            px[:w.splits[i][0]] *= w.splits[i][1]
        s = pd.Series(px, index=days).dropna()
        write_cached(dp.raw_prices / f"{w.tickers[i]}.parquet", s,
                     meta | {"first": f"{s.index[0]:%Y-%m-%d}", "last": f"{s.index[-1]:%Y-%m-%d}"})
    mkt_px = pd.Series(100 * np.cumprod(1 + fac["mkt_rf"] + fac["rf"]), index=days)
    write_cached(dp.raw_prices / f"{MARKET_TICKER}.parquet", mkt_px,
                 meta | {"first": f"{days[0]:%Y-%m-%d}", "last": f"{days[-1]:%Y-%m-%d}"})
    _write_french(dp.raw_factors / "ff3_daily.csv", days,
                  {"Mkt-RF": fac["mkt_rf"], "SMB": fac["smb"], "HML": fac["hml"], "RF": fac["rf"]})
    _write_french(dp.raw_factors / "mom_daily.csv", days, {"Mom": fac["mom"]})
    # shares outstanding (for value relative to market value): market cap / first price
    log_size, is_ipo, ipo_idx = w.firm["log_size"], w.firm["is_ipo"], w.firm["ipo_idx"]
    firms = pd.DataFrame({"ticker": w.tickers, "issuer_cik": [f"{c:010d}" for c in w.issuer_cik], "name": w.names,
                          "log_size_musd": np.round(log_size, 4), "beta": np.round(w.firm["beta"], 4),
                          "ipo_date": [f"{days[ipo_idx[i]]:%Y-%m-%d}" if is_ipo[i] else None for i in range(w.N)],
                          "shares_outstanding": np.round(np.exp(log_size) * 1e6 / w.px0)})
    atomic_write_text(dp.firms, firms.to_csv(index=False, lineterminator="\n"))
    delisted = [{"ticker": w.tickers[i], "date": w.day_text.iso[d], "dlret": w.dlret[i]}
                for i, d in sorted(w.delist_idx.items(), key=lambda kv: (kv[1], kv[0]))]
    atomic_write_text(dp.raw_prices / "delistings.csv", pd.DataFrame(delisted, columns=["ticker", "date", "dlret"])
                      .to_csv(index=False, lineterminator="\n"))
    splits = [{"ticker": w.tickers[i], "date": w.day_text.iso[d], "ratio": r, "unadjusted": u}
              for i, (d, r, u) in sorted(w.splits.items(), key=lambda kv: (kv[1][0], kv[0]))]
    # the planted events go to a Parquet file beside truth.json (millions of rows for a universe-sized market)
    with atomic_path(dp.truth_events) as tmp:
        w.truth.frame(w).to_parquet(tmp, index=False)
    truth = {"synthetic": True, "seed": w.seed, "spec": w.spec.to_dict(), "market_ticker": MARKET_TICKER,
             "effects": w.spec.effects, "events_file": dp.truth_events.name, "market_waves": w.wave_months,
             "delisted": delisted, "splits": [{k: v for k, v in s.items() if k != "unadjusted"} for s in splits],
             "unadjusted_splits": [{k: v for k, v in s.items() if k != "unadjusted"} for s in splits
                                   if s["unadjusted"]],
             "notes": "planted_car is the cumulative abnormal return added over the effect window; "
                      "info_leak of it between trade and filing date, the rest from the filing day on. "
                      "Cluster effects are planted once per cluster, at the filing that makes it public (its third insider). "
                      "market_waves lists the months of market-wide selling waves; the market return of each of the "
                      "following market_wave_horizon months was lowered by market_wave_effect. "
                      "fade_class: filings of this class made public on or after fade_after carry fade_to instead "
                      "of their effect (the fading effect of the out-of-sample lesson). "
                      "delisted: firms whose price file ends on date (their last trading day with a price), with "
                      "the return realised at delisting (dlret, also in raw/prices/delistings.csv). splits: every "
                      "split (date: the first day at the post-split price; ratio: new shares per old share); "
                      "unadjusted_splits: the ones whose price file is left unadjusted (closes before date not "
                      "divided by ratio, so the file shows a one-day return of 1/ratio - 1 on date)."}
    atomic_write_text(dp.truth, json.dumps(truth, indent=1, sort_keys=True))
    atomic_write_text(dp.synthetic_marker, "This directory holds the insider-kit synthetic teaching market. "
                      "None of it is real market data.\n")


def _write_french(path: Path, days: pd.DatetimeIndex, cols: dict[str, np.ndarray]) -> None:
    lines = ["This file was created by insider-kit for the SYNTHETIC teaching market, in the layout of",
             "Kenneth French's daily factor files. None of it is real data.", "",
             "," + ",".join(cols)]
    arr = np.column_stack([np.asarray(v) * 100 for v in cols.values()])
    for d, row in zip(days, arr, strict=True):
        lines.append(f"{d:%Y%m%d}," + ",".join(f"{x:8.2f}" for x in row))
    lines += ["", "Copyright (synthetic) insider-kit", ""]
    atomic_write_text(path, "\r\n".join(lines))


def _x(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _form4_submission(acc: str, fdate: pd.Timestamp, hour: int, minute: int, cik: int, name: str, ticker: str,
                      owners: list[tuple[int, str, str, str]], tdate: pd.Timestamp,
                      rows: list[tuple[Trade, float, float, float]], foot: dict[str, str], checkbox: bool,
                      plan: bool) -> bytes:
    own_xml = ""
    for oc, on, rel, ti in owners:
        own_xml += (f"<reportingOwner><reportingOwnerId><rptOwnerCik>{oc:010d}</rptOwnerCik><rptOwnerName>{_x(on)}"
                    f"</rptOwnerName></reportingOwnerId><reportingOwnerRelationship>"
                    f"<isDirector>{int('Director' in rel)}</isDirector><isOfficer>{int('Officer' in rel)}</isOfficer>"
                    f"<isTenPercentOwner>{int('TenPercent' in rel)}</isTenPercentOwner><isOther>0</isOther>"
                    f"<officerTitle>{_x(ti)}</officerTitle></reportingOwnerRelationship></reportingOwner>\n")
    nd, dv = "", ""
    for tr, sh, pr, after in rows:
        fn = '<footnoteId id="F1"/>' if "F1" in foot else ""
        pfn = '<footnoteId id="F2"/>' if "F2" in foot and tr.weighted_avg else ""
        body = (f"<securityTitle><value>{'Common Stock' if tr.table == 'nonderivative' else 'Stock Option'}</value></securityTitle>"
                f"<transactionDate><value>{tdate:%Y-%m-%d}</value></transactionDate>"
                f"<transactionCoding><transactionFormType>4</transactionFormType><transactionCode>{tr.code}</transactionCode>"
                f"<equitySwapInvolved>0</equitySwapInvolved>{fn}</transactionCoding>"
                f"<transactionAmounts><transactionShares><value>{_fmt(sh)}</value></transactionShares>"
                f"<transactionPricePerShare><value>{_fmt(pr)}</value>{pfn}</transactionPricePerShare>"
                f"<transactionAcquiredDisposedCode><value>{tr.ad}</value></transactionAcquiredDisposedCode></transactionAmounts>"
                f"<postTransactionAmounts><sharesOwnedFollowingTransaction><value>{_fmt(after)}</value>"
                f"</sharesOwnedFollowingTransaction></postTransactionAmounts>"
                f"<ownershipNature><directOrIndirectOwnership><value>{'I' if len(owners) > 1 else 'D'}</value>"
                f"</directOrIndirectOwnership></ownershipNature>")
        if tr.table == "nonderivative":
            nd += f"<nonDerivativeTransaction>{body}</nonDerivativeTransaction>\n"
        else:
            dv += f"<derivativeTransaction>{body}</derivativeTransaction>\n"
    notes = "".join(f'<footnote id="{k}">{_x(v)}</footnote>' for k, v in foot.items())
    xml = (f'<?xml version="1.0"?>\n<ownershipDocument>\n<schemaVersion>{"X0508" if checkbox else "X0306"}</schemaVersion>\n'
           f"<documentType>4</documentType>\n<periodOfReport>{tdate:%Y-%m-%d}</periodOfReport>\n"
           f"<issuer><issuerCik>{cik:010d}</issuerCik><issuerName>{_x(name)}</issuerName>"
           f"<issuerTradingSymbol>{ticker}</issuerTradingSymbol></issuer>\n{own_xml}"
           + (f"<aff10b5One>{int(plan)}</aff10b5One>\n" if checkbox else "")
           + (f"<nonDerivativeTable>\n{nd}</nonDerivativeTable>\n" if nd else "")
           + (f"<derivativeTable>\n{dv}</derivativeTable>\n" if dv else "")
           + f"<footnotes>{notes}</footnotes>\n<remarks>SYNTHETIC teaching market filing.</remarks>\n</ownershipDocument>\n")
    hdr = (f"<SEC-DOCUMENT>{acc}.txt : {fdate:%Y%m%d}\n<SEC-HEADER>{acc}.hdr.sgml : {fdate:%Y%m%d}\n"
           f"<ACCEPTANCE-DATETIME>{fdate:%Y%m%d}{hour:02d}{minute:02d}00\nACCESSION NUMBER:\t\t{acc}\n"
           f"CONFORMED SUBMISSION TYPE:\t4\nPUBLIC DOCUMENT COUNT:\t\t1\nCONFORMED PERIOD OF REPORT:\t{tdate:%Y%m%d}\n"
           f"FILED AS OF DATE:\t\t{fdate:%Y%m%d}\nDATE AS OF CHANGE:\t\t{fdate:%Y%m%d}\n</SEC-HEADER>\n<DOCUMENT>\n<TYPE>4\n"
           f"<SEQUENCE>1\n<FILENAME>form4.xml\n<TEXT>\n<XML>\n")
    return (hdr + xml + "</XML>\n</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n").encode("utf-8")
