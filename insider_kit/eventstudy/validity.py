r"""Which test statistics a set of events can trust: the kit's one validity rule.

Every test statistic of :data:`.reference.STATISTICS` assumes something about the events — independent
abnormal returns across events, or an event-period variance equal to the estimation period's — and over-rejects
when the assumption fails (Brown & Warner 1985; Kolari & Pynnönen 2010, 2011; Boehmer, Musumeci & Poulsen
1991).  :func:`assess` measures, on *these* events, how far each assumption fails and turns it into each
statistic's **implied size**: the rejection rate at a nominal 5% that the measured dependence or variance gives
it.  A statistic whose implied size exceeds :data:`MAX_SIZE` is not valid on these data; the statistic the kit
recommends is the first valid one of :data:`PREFERENCE`.

The measurements (each a column of ``EventStudyResult.tests``, so the rule costs nothing beyond the table):

* ``rbar`` — the events' mean residual correlation (Kolari & Pynnönen 2010, sampled pairs);
* ``kp_overlap`` (*w*) — the mean share of CAR-window days that pairs of events share in calendar time;
* ``same_date`` (*s*) — the share of pairs of events on the same day 0 (*w* = *s* for a one-day window or
  events all on one date; *w* > *s* is a multi-day window with staggered dates);
* ``var_scar`` — the cross-sectional variance of the SCARs, near 1 without event-induced variance.

Notes
-----
Variance factors, with :math:`\rho = \max(\bar r, 0)` and *N* events (derivations as in
:func:`.reference.kolari_pynnonen_t`):

* **cross-sectional t and BMP t**: the mean's variance is :math:`N^{-1}(1 + (N-1)\rho w)` times the
  independent one and the cross-sectional variance they divide by shrinks by :math:`1 - \rho w`, so
  :math:`f = (1 + (N-1)\rho w)/(1 - \rho w)` (Kolari & Pynnönen 2010, eq. 8 — the factor their t removes);
* **Patell Z**: its denominator is fixed, so :math:`f = (1 + (N-1)\rho w)\,\hat v` with :math:`\hat v` = ``var_scar``
  (Patell over-rejects under event-induced variance, :math:`\hat v > 1`: Boehmer, Musumeci & Poulsen 1991);
* **generalized sign Z, Wilcoxon**: counts and ranks of the CARs, independent by assumption:
  :math:`f = 1 + (N-1)\rho w` (an upper bound: signs correlate less than returns);
* **standardized rank Z (Corrado–Zivney ranks, Cowan's multi-day sum) and GRANK**: their variance is
  estimated from the estimation days' mean ranks, which carry the correlation of events on the same date but
  not that of windows that overlap at staggered dates: :math:`f = (1 + (N-1)\rho w)/(1 + (N-1)\rho s)` — 1 for
  one day or one date, above 1 for a multi-day window with staggered dates (the standardized rank test
  rejected 16% at CAR(0,5) and 20% at CAR(0,20) in issue #37's simulations; ``tests/test_validity.py``
  measures it).  The rank test also carries event-induced variance (extreme ranks on event days:
  Campbell & Wasley 1993), so its factor is multiplied by :math:`\max(\hat v, 1)`; GRANK re-standardizes the
  SCARs by their cross-sectional deviation and is robust to it (Kolari & Pynnönen 2011);
* **Kolari–Pynnönen t**: 1 (it removes the factor above).

The implied size of a statistic with variance factor *f* is :math:`2\Phi(-1.96/\sqrt f)`; with
:data:`MAX_SIZE` = 7.5% a statistic is flagged from :math:`f \ge 1.21`.  7.5% is the upper end of the binomial
band the kit's own size simulations accept for a 5% test (``tests/test_inference.py``).  ``var_scar`` is a
point estimate: with 60 events and no event-induced variance it exceeds 1.21 by chance in about a fifth of the
samples (``tests/test_validity.py``), and then the rule recommends a robust statistic where Patell would have done — the safe error.

Examples
--------
>>> import numpy as np
>>> out = assess(n=np.array([100.0]), rbar=np.array([0.05]), overlap=np.array([1.0]),
...              same_date=np.array([1.0]), var_scar=np.array([1.0]), available={"grank_t": np.array([False])})
>>> out["recommended"].tolist(), out["not_valid"].iloc[0]
(['kp_t'], 'cross-sectional t, Patell Z, BMP t, generalized sign Z, Wilcoxon (cross-correlated events whose windows overlap)')
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special as sp

__all__ = ["MAX_SIZE", "PREFERENCE", "STATISTIC_NAMES", "assess", "implied_size", "variance_factors"]

#: A statistic whose implied size at a nominal 5% exceeds this is not valid on the data (module Notes).
MAX_SIZE = 0.075

#: The statistics the rule recommends from, best first (the first valid one with a value is recommended):
#: GRANK (robust to event-induced variance and same-date clustering, the most powerful in Kolari & Pynnönen
#: 2011), then the Kolari-Pynnönen t (valid by construction), then BMP and the cross-sectional t.
PREFERENCE: tuple[str, ...] = ("grank_t", "kp_t", "bmp_t", "t_cs")

#: The statistics the rule judges (columns of ``EventStudyResult.tests``) and their names in words.
STATISTIC_NAMES: dict[str, str] = {
    "t_cs": "cross-sectional t", "patell_z": "Patell Z", "bmp_t": "BMP t", "kp_t": "Kolari–Pynnönen t",
    "rank_z": "standardized rank Z", "grank_t": "GRANK t", "sign_z": "generalized sign Z",
    "p_wilcoxon": "Wilcoxon",
}


def implied_size(factor: np.ndarray | float, level: float = 0.05) -> np.ndarray:
    r"""The rejection rate at nominal *level* of a normal statistic whose variance is *factor* times the one it
    assumes: :math:`2\Phi(-z_{1-level/2}/\sqrt f)`.

    Parameters
    ----------
    factor
        Variance factors (NaN stays NaN).
    level
        The nominal level.

    Returns
    -------
    numpy.ndarray
        The implied sizes.

    Examples
    --------
    >>> round(float(implied_size(1.0)), 4), round(float(implied_size(2.0)), 3)
    (0.05, 0.166)
    """
    z = -sp.ndtri(level / 2)
    f = np.asarray(factor, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 2 * sp.ndtr(-z / np.sqrt(np.maximum(f, 1e-12)))


def variance_factors(*, n: np.ndarray, rbar: np.ndarray, overlap: np.ndarray, same_date: np.ndarray,
                     var_scar: np.ndarray) -> dict[str, np.ndarray]:
    r"""Each statistic's variance factor on the measured dependence and variance (module Notes).

    Parameters
    ----------
    n, rbar, overlap, same_date, var_scar
        Events, mean residual correlation, mean window overlap *w*, share of pairs on one date *s* and the
        SCARs' cross-sectional variance, one per sample (a missing *w* or *s* counts as 1, a missing
        ``var_scar`` as 1).

    Returns
    -------
    dict of str to numpy.ndarray
        One factor per sample for each statistic of :data:`STATISTIC_NAMES`.

    Examples
    --------
    >>> import numpy as np
    >>> f = variance_factors(n=np.array([50.0]), rbar=np.array([0.02]), overlap=np.array([0.5]),
    ...                      same_date=np.array([0.1]), var_scar=np.array([1.0]))
    >>> round(float(f["t_cs"][0]), 4), round(float(f["rank_z"][0]), 4), float(f["kp_t"][0])
    (1.5051, 1.357, 1.0)
    """
    n = np.asarray(n, dtype=float)
    rho = np.maximum(np.nan_to_num(np.asarray(rbar, dtype=float)), 0.0)
    w = np.where(np.isfinite(overlap), overlap, 1.0)
    s = np.where(np.isfinite(same_date), same_date, 1.0)
    v = np.where(np.isfinite(var_scar), var_scar, 1.0)
    m = np.maximum(n - 1, 0)
    cross = 1 + m * rho * w
    with np.errstate(invalid="ignore", divide="ignore"):
        cs = cross / np.maximum(1 - rho * w, 1e-12)
        stagger = cross / (1 + m * rho * s)
    return {"t_cs": cs, "patell_z": cross * v, "bmp_t": cs, "kp_t": np.ones_like(cs),
            "rank_z": stagger * np.maximum(v, 1.0), "grank_t": stagger, "sign_z": cross, "p_wilcoxon": cross}


def _reasons(key: str, f_cross: float, f_stagger: float, v: float) -> str:
    """Why statistic *key* fails: each measured cause that inflates its variance by more than 10%."""
    why = []
    if key in ("rank_z", "grank_t"):
        if f_stagger > 1.1:
            why.append("windows overlap at staggered dates")
    elif f_cross > 1.1:
        why.append("cross-correlated events whose windows overlap")
    if key in ("rank_z", "patell_z") and v > 1.1:
        why.append("event-induced variance")
    return " and ".join(why) or "dependence and variance together"


def assess(*, n: np.ndarray, rbar: np.ndarray, overlap: np.ndarray, same_date: np.ndarray, var_scar: np.ndarray,
           available: dict[str, np.ndarray] | None = None, index: pd.Index | None = None) -> pd.DataFrame:
    """The validity rule on each sample: every statistic's implied size, the statistics not valid and why, and
    the statistic the kit recommends (module docstring).

    Parameters
    ----------
    n, rbar, overlap, same_date, var_scar
        As :func:`variance_factors`, one per sample.
    available
        Per statistic of :data:`PREFERENCE`, whether it has a value in each sample (a statistic not computed —
        GRANK unless asked for on a large study — is never recommended); all available when None.
    index
        The index of the returned frame (the test table's).

    Returns
    -------
    pandas.DataFrame
        ``size_<statistic>`` (the implied size of each statistic of :data:`STATISTIC_NAMES`), ``not_valid``
        (the statistics not valid, with the measured reason; empty when all are) and ``recommended`` (the
        column name of the statistic to read).

    Examples
    --------
    >>> import numpy as np
    >>> out = assess(n=np.array([60.0, 60.0]), rbar=np.array([0.0, 0.0]), overlap=np.array([0.0, 0.0]),
    ...              same_date=np.array([0.0, 0.0]), var_scar=np.array([1.0, 2.5]))
    >>> out["not_valid"].tolist()
    ['', 'Patell Z, standardized rank Z (event-induced variance)']
    """
    f = variance_factors(n=n, rbar=rbar, overlap=overlap, same_date=same_date, var_scar=var_scar)
    size = {k: implied_size(v) for k, v in f.items()}
    m = len(np.atleast_1d(np.asarray(n)))
    out = pd.DataFrame({f"size_{k}": np.broadcast_to(v, (m,)) for k, v in size.items()}, index=index)
    cross = np.broadcast_to(f["p_wilcoxon"], (m,))
    stag = np.broadcast_to(f["grank_t"], (m,))
    vv = np.broadcast_to(np.where(np.isfinite(var_scar), var_scar, 1.0), (m,))
    not_valid, recommended = [], []
    for i in range(m):
        bad: dict[str, list[str]] = {}
        for k in STATISTIC_NAMES:
            if size[k].reshape(-1)[i if size[k].size > 1 else 0] > MAX_SIZE:
                bad.setdefault(_reasons(k, float(cross[i]), float(stag[i]), float(vv[i])), []).append(STATISTIC_NAMES[k])
        not_valid.append("; ".join(f"{', '.join(names)} ({why})" for why, names in bad.items()))
        flagged = {name for names in bad.values() for name in names}
        rec = ""
        for k in PREFERENCE:
            has = True if available is None or k not in available else bool(np.asarray(available[k]).reshape(-1)[i])
            if has and STATISTIC_NAMES[k] not in flagged:
                rec = k
                break
        recommended.append(rec)
    out["not_valid"] = not_valid
    out["recommended"] = recommended
    return out
