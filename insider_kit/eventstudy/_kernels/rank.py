"""The rank test's kernels (Corrado 1989; Cowan 1992): rank deviations accumulated per group and position
from the sort keys the per-event pass wrote, and the exact mid-rank fallback for events whose keys collide."""

from __future__ import annotations

import numpy as np

from ._core import fin, kernel
from .fit import event_values

__all__ = ["rank_accumulate", "rank_exact"]


@kernel
def rank_accumulate(keys, idx, nval, codes, pb, sums, cnts, flagged):  # pragma: no cover - compiled
    """Add each event's rank deviations ``U = rank / (n + 1) - 0.5`` to its group's per-position sums.

    *keys* are sorted per row; row r belongs to event ``idx[r]``.  An event whose fixed-point values collide (two values in
    one quantum, or exact ties) cannot be ranked from its keys: ``flagged[i] = True`` and
    it is left to :func:`rank_exact`.  Events with ``codes[i] < 0`` are skipped.
    """
    mask = (np.uint64(1) << np.uint64(pb)) - np.uint64(1)
    sh = np.uint64(pb)
    rank = np.empty(keys.shape[1])  # rank of the value at each position (0: no value)
    for r in range(keys.shape[0]):
        i = idx[r]
        g = codes[i]
        nv = nval[i]
        flagged[r] = False
        if g < 0 or nv < 1:
            continue
        row = keys[r]
        bad = False
        for k in range(1, nv):  # branch-free, vectorisable scan for equal fixed-point values
            bad |= (row[k] >> sh) == (row[k - 1] >> sh)
        if bad:
            flagged[r] = True
            continue
        # ranks scattered by position into a small buffer, then added to the group's sums in position
        # order (one vectorised pass, not a scattered read-modify-write per value)
        rank[:] = 0.0
        for k in range(nv):
            rank[np.int64(np.uint64(row[k]) & mask)] = k + 1.0
        inv = 1.0 / (nv + 1)
        sg = sums[g]
        cg = cnts[g]
        for q in range(len(rank)):
            has = rank[q] > 0
            sg[q] += rank[q] * inv - 0.5 if has else 0.0
            cg[q] += 1.0 if has else 0.0


@kernel
def rank_exact(m, days, jj, d0, coef, idx, codes, sums, cnts):  # pragma: no cover - compiled
    """Exact mid-rank version of :func:`rank_accumulate` for the events *idx* (recomputes their values)."""
    RT, off, Zt = m.RT, m.off, m.Zt
    e0, e1, w0, w1 = days.e0, days.e1, days.w0, days.w1
    L_est = e1 - e0 + 1
    Lr = L_est + w1 - w0 + 1
    buf = np.empty(Lr)
    vals = np.empty(Lr)
    where = np.empty(Lr, dtype=np.int64)
    for i in idx:
        g = codes[i]
        if g < 0:
            continue
        s = d0[i]
        event_values(RT[jj[i]], off, Zt, s, e0, e1, w0, w1, coef[i], buf)
        nv = 0
        for k in range(Lr):
            if fin(buf[k]):
                vals[nv] = buf[k]
                where[nv] = k
                nv += 1
        if nv == 0:
            continue
        order = np.argsort(vals[:nv], kind="mergesort")
        inv = 1.0 / (nv + 1)
        a = 0
        while a < nv:
            b = a
            while b + 1 < nv and vals[order[b + 1]] == vals[order[a]]:
                b += 1
            u = (0.5 * (a + b) + 1.0) * inv - 0.5  # mid-rank of the tie group a..b (ranks a+1..b+1)
            for k in range(a, b + 1):
                pos = where[order[k]]
                sums[g, pos] += u
                cnts[g, pos] += 1.0
            a = b + 1
