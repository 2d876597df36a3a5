"""GRANK's kernel (Kolari & Pynnönen 2011): each event's generalized standardized ranks added to its group's
per-position sums, one event at a time (the definition is :func:`insider_kit.eventstudy.reference.generalized_ranks`;
``tests/test_grank.py`` checks the sums against it)."""

from __future__ import annotations

import numpy as np

from ._core import fin, kernel

__all__ = ["grank_accumulate"]


@kernel
def grank_accumulate(sar, star, codes, sums, counts):  # pragma: no cover - compiled
    """Add the generalized ranks of events ``0 .. len(sar) - 1`` to ``sums[g, w, t]`` and ``counts[g, w, t]``.

    Each event's finite standardized estimation residuals are sorted once; a residual's mid-rank among them is
    ``(#less + 1 + #less-or-equal) / 2``; with the event's re-standardized SCAR *s* of window *w* (skipped when
    not finite) ranked in, the residual's rank gains 1 when ``s`` is below it (a half when equal) and ``s``'s own
    is ``1 + #less + #equal / 2``; ``U = rank / (T_i + 1) - 1/2`` with ``T_i = n_i + 1``.  The CAR's position is
    the last (``t = L``).
    """
    n, L = sar.shape
    W = star.shape[1]
    buf = np.empty(L)
    pos = np.empty(L, dtype=np.int64)
    rnk = np.zeros(L)
    for i in range(n):
        g = codes[i]
        row = sar[i]
        m = 0
        for t in range(L):
            if fin(row[t]):
                buf[m] = row[t]
                pos[m] = t
                m += 1
        if m == 0:
            continue
        order = np.argsort(buf[:m])
        srt = buf[:m][order]
        k = 0
        while k < m:  # mid-ranks: a tie group at sorted places k .. j - 1 gets (k + 1 + j) / 2
            j = k + 1
            while j < m and srt[j] == srt[k]:
                j += 1
            mid = (k + 1 + j) / 2.0
            for q in range(k, j):
                rnk[pos[order[q]]] = mid
            k = j
        inv = 1.0 / (m + 2.0)
        for w in range(W):
            s = star[i, w]
            if not fin(s):
                continue
            lo = np.searchsorted(srt, s, side="left")
            hi = np.searchsorted(srt, s, side="right")
            sums[g, w, L] += (1.0 + lo + 0.5 * (hi - lo)) * inv - 0.5
            counts[g, w, L] += 1.0
            sw = sums[g, w]
            cw = counts[g, w]
            for t in range(L):
                v = row[t]
                ok = fin(v)
                add = (1.0 if s < v else 0.0) + (0.5 if s == v else 0.0)
                sw[t] += ((rnk[t] + add) * inv - 0.5) if ok else 0.0
                cw[t] += 1.0 if ok else 0.0
