"""One results protocol (issue #36): every estimate answers params / std_errors / conf_int(level) / pvalues /
nobs / summary / to_frame / to_latex / to_markdown, with names that mean the same thing everywhere, and paper
tables (issue #38, item 10) checked against hand-written expected output."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

import insider_kit as ik
from insider_kit.eventstudy.regression import CarRegression, ClusteredFit, clustered_ols, regression_table
from insider_kit.prices import returns_panel


def _study():
    rng = np.random.default_rng(21)
    T, K, n = 700, 40, 400
    dates = pd.bdate_range("2015-01-02", periods=T)
    m = rng.normal(0.0003, 0.01, T)
    R = m[:, None] * rng.uniform(0.6, 1.4, K) + rng.normal(0, 0.015, (T, K))
    panel = returns_panel(pd.DataFrame(R, index=dates, columns=[f"T{i:02d}" for i in range(K)]),
                          market=pd.Series(m, index=dates), kind="return")
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, n), "date": dates[rng.integers(260, 640, n)],
                       "direction": rng.choice(["buy", "sell"], n), "value": np.exp(rng.normal(11, 1, n))})
    return ik.event_study(ev, panel, group="direction", window=(-5, 20), car_windows=[(0, 5), (0, 20)]), panel, ev


def _check_protocol(obj: object, method_word: str) -> None:
    est, se, p = obj.params, obj.std_errors, obj.pvalues  # type: ignore[attr-defined]
    assert isinstance(est, pd.Series) and est.index.equals(se.index) and est.index.equals(p.index)
    ci = obj.conf_int(0.9)  # type: ignore[attr-defined]
    assert method_word in ci.attrs["method"] and method_word in obj.ci_method  # type: ignore[attr-defined]
    assert (ci["lower"] <= est).all() and (est <= ci["upper"]).all()
    wide = obj.conf_int(0.99)  # type: ignore[attr-defined]
    assert ((wide["upper"] - wide["lower"]) > (ci["upper"] - ci["lower"])).all()
    f = obj.to_frame()  # type: ignore[attr-defined]
    assert list(f.columns) == ["estimate", "std_error", "ci_low", "ci_high", "p", "nobs"]
    np.testing.assert_allclose(f["estimate"], est)
    assert obj.to_latex().startswith("\\begin{tabular}")  # type: ignore[attr-defined]
    assert obj.to_markdown().startswith("|")  # type: ignore[attr-defined]
    assert "<table" in obj._repr_html_()  # type: ignore[attr-defined]
    assert isinstance(obj.summary(), pd.DataFrame)  # type: ignore[attr-defined]


def test_event_study_estimates_their_standard_errors_directly() -> None:
    """conf_int uses the stored standard error sd/sqrt(N) with t(N-1), never one worked back from ci_low."""
    res, _, _ = _study()
    _check_protocol(res, "cross-sectional t")
    car = res.car[(0, 20)].to_numpy()
    buy = (res.events["direction"] == "buy").to_numpy() & np.isfinite(car)
    x = car[buy]
    assert res.std_errors[("buy", 0, 20)] == pytest.approx(x.std(ddof=1) / np.sqrt(len(x)), rel=1e-10)
    ci = res.conf_int(0.9).loc[("buy", 0, 20)]
    q = st.t.ppf(0.95, len(x) - 1)
    assert ci["lower"] == pytest.approx(x.mean() - q * x.std(ddof=1) / np.sqrt(len(x)), rel=1e-10)
    assert res.nobs[("buy", 0, 20)] == len(x)
    assert res.pvalues[("buy", 0, 20)] == pytest.approx(st.ttest_1samp(x, 0).pvalue, rel=1e-8)


def test_comparison_ci_is_the_clustered_one_like_the_ledger_and_the_bootstrap_is_named_so() -> None:
    res, _, _ = _study()
    c = ik.compare(res, a="buy", b="sell", sign={"sell": -1}, window=(0, 20), n_boot=300)
    _check_protocol(c, "clustered by firm+month")
    z = st.norm.ppf(0.975)
    assert c.ci_low == pytest.approx(c.reg_coef - z * c.reg_se, rel=1e-12)
    assert c.ci_high == pytest.approx(c.reg_coef + z * c.reg_se, rel=1e-12)
    assert c.boot_low != c.ci_low and c.boot_low < c.diff < c.boot_high
    assert c.summary().loc["bootstrap", "ci_low"] == c.boot_low
    assert c.nobs == c.n_a + c.n_b


def test_single_cluster_dimension_as_a_string() -> None:
    """``cluster="firm"`` is the firm dimension (it used to be read letter by letter: "unknown cluster
    dimension 'f'")."""
    res, _, _ = _study()
    one = ik.car_regression(res, "car ~ C(direction)", window=(0, 20), cluster="firm")
    tup = ik.car_regression(res, "car ~ C(direction)", window=(0, 20), cluster=("firm",))
    assert one.cluster == ("firm",)
    pd.testing.assert_series_equal(one.std_errors, tup.std_errors)
    c1 = ik.compare(res, a="buy", b="sell", window=(0, 20), cluster="month", n_boot=50)
    c2 = ik.compare(res, a="buy", b="sell", window=(0, 20), cluster=("month",), n_boot=50)
    assert c1.reg_se == c2.reg_se
    with pytest.raises(ik.DataError, match="unknown cluster dimension 'industry'"):
        ik.car_regression(res, "car ~ C(direction)", window=(0, 20), cluster="industry")  # type: ignore[arg-type]
    _check_protocol(one, "clustered by firm")


def test_clustered_fit_and_calendar_time_follow_the_protocol() -> None:
    _, panel, ev = _study()
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"const": 1.0, "x": rng.normal(size=300)})
    fit = clustered_ols(rng.normal(size=300) + X["x"].to_numpy(), X, rng.integers(0, 30, (300, 1)))
    _check_protocol(fit, "clustered")
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), fit.std_errors, rtol=1e-12)
    ct = ik.calendar_time(ev, panel, model="market", holding=(1, 10), min_firms=1)
    _check_protocol(ct, "Newey-West")


def _reg(coefs: dict[str, float], ses: dict[str, float], ps: dict[str, float], nobs: int, r2: float) -> CarRegression:
    names = list(coefs)
    b, s = pd.Series(coefs), pd.Series(ses)
    fit = ClusteredFit(b, s, b / s, pd.Series(ps), nobs, pd.DataFrame(np.diag(s.to_numpy() ** 2), names, names),
                       "clustered (two-way), normal", r2)
    return CarRegression("car ~ ...", (0, 60), ("firm", "month"), nobs, r2, 0, fit)


def _two() -> list[CarRegression]:
    a = _reg({"Intercept": 0.0123, "C(direction)[T.sell]": -0.0211}, {"Intercept": 0.004, "C(direction)[T.sell]": 0.0095},
             {"Intercept": 0.002, "C(direction)[T.sell]": 0.03}, 1234, 0.0123)
    b = _reg({"Intercept": 0.01, "C(direction)[T.sell]": -0.018, "np.log(value)": 0.0011, "C(year)[T.2020]": 0.003},
             {"Intercept": 0.005, "C(direction)[T.sell]": 0.0101, "np.log(value)": 0.0009, "C(year)[T.2020]": 0.002},
             {"Intercept": 0.04, "C(direction)[T.sell]": 0.075, "np.log(value)": 0.22, "C(year)[T.2020]": 0.13},
             1200, 0.0346)
    return [a, b]


EXPECTED_LATEX = r"""\begin{tabular}{lcc}
\toprule
 & (1) & (2) \\
 & CAR(0,60) & with controls \\
\midrule
C(direction)[T.sell] & -2.11$^{**}$ & -1.80$^{*}$ \\
 & (0.95) & (1.01) \\
np.log(value) &  & 0.11 \\
 &  & (0.09) \\
Intercept & 1.23$^{***}$ & 1.00$^{**}$ \\
 & (0.40) & (0.50) \\
\midrule
year fixed effects & No & Yes \\
N & 1,234 & 1,200 \\
$R^2$ & 0.012 & 0.035 \\
\bottomrule
\end{tabular}
\par\footnotesize Coefficients and standard errors (in parentheses) in percent of CAR; standard errors clustered by firm+month; * p $<$ 0.1, ** p $<$ 0.05, *** p $<$ 0.01.
"""

EXPECTED_MARKDOWN = """|                      | CAR(0,60) | with controls |
|:---------------------|----------:|--------------:|
| C(direction)[T.sell] |   -2.11** |        -1.80* |
|                      |    (0.95) |        (1.01) |
| np.log(value)        |           |          0.11 |
|                      |           |        (0.09) |
| Intercept            |   1.23*** |        1.00** |
|                      |    (0.40) |        (0.50) |
| year fixed effects   |        No |           Yes |
| N                    |     1,234 |         1,200 |
| R²                   |     0.012 |         0.035 |

Coefficients and standard errors (in parentheses) in percent of CAR; standard errors clustered by firm+month; * p < 0.1, ** p < 0.05, *** p < 0.01.
"""


def test_regression_table_latex_and_markdown_equal_hand_written_tables() -> None:
    tab = regression_table(_two(), names=["CAR(0,60)", "with controls"])
    assert tab.to_latex() == EXPECTED_LATEX
    assert tab.to_markdown() == EXPECTED_MARKDOWN
    with pytest.raises(ik.DataError, match="2 names for 1"):
        regression_table(_two()[:1], names=["a", "b"])


def test_regression_table_of_real_fits() -> None:
    res, _, _ = _study()
    a = ik.car_regression(res, "car ~ C(direction)", window=(0, 20))
    b = ik.car_regression(res, "car ~ C(direction) + np.log(value) + C(month)", window=(0, 20), cluster="firm")
    f = ik.regression_table([a, b]).to_frame()
    assert f.loc["month fixed effects"].tolist() == ["No", "Yes"]
    assert f.loc["N"].tolist() == [f"{a.nobs:,}", f"{b.nobs:,}"]
    coef = 100 * float(b.params["C(direction)[T.sell]"])
    assert f.loc["C(direction)[T.sell]"].iloc[1].rstrip("*") == f"{coef:.2f}"
    assert not any(i.startswith("C(month)") for i in f.index)  # fixed effects are one row, not one per level


def test_latex_tables_compile(tmp_path: Path) -> None:
    """The regression table and a results object's table compile with pdflatex (skipped without a TeX engine:
    ``apt-get install texlive-latex-base texlive-latex-recommended``)."""
    if shutil.which("pdflatex") is None:
        pytest.skip("no pdflatex on this machine")
    res, _, _ = _study()
    body = regression_table(_two(), names=["CAR(0,60)", "with controls"]).to_latex(caption="CAR regressions",
                                                                                   label="tab:car")
    body += res.to_latex(caption="Mean CARs")
    doc = "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n" + body + "\\end{document}\n"
    (tmp_path / "t.tex").write_text(doc)
    out = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "t.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000
