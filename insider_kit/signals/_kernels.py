"""The signals' compiled kernels (numba, parallel over the cores): the running log-returns of the panel and the
events' drawdowns.  Kept here so that :mod:`.features` states what each signal is and this module how fast it
is computed; the definitions they are tested against are in ``tests/test_signals.py``."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["cumlog_into", "drawdowns"]


@njit(parallel=True, nogil=True, cache=True)
def cumlog_into(values, c, n):  # pragma: no cover - compiled
    """:func:`~insider_kit.signals.features._cumlog` of a days x tickers array into *c* and *n*: blocks of columns on the cores, each walked
    down the days (the running sums in the order numpy's cumsum adds them)."""
    T, N = values.shape
    B = 256
    for bj in prange((N + B - 1) // B):
        j0 = bj * B
        j1 = min(j0 + B, N)
        for j in range(j0, j1):
            c[0, j] = 0.0
            n[0, j] = 0
        for t in range(T):
            for j in range(j0, j1):
                v = values[t, j]
                if v > -1.0 and np.isfinite(v):
                    c[t + 1, j] = c[t, j] + np.log1p(v)
                    n[t + 1, j] = n[t, j] + 1
                else:
                    c[t + 1, j] = c[t, j]
                    n[t + 1, j] = n[t, j]


@njit(parallel=True, nogil=True, cache=True)
def drawdowns(C, d0, jj, D, out):  # pragma: no cover - compiled
    """``out[e]`` = exp(C at day d0 - the highest C over the D days ending there) - 1: the drawdown of ticker
    ``jj[e]``'s (relative) price from its high of the *D* trading days to day -1 (``C`` as :func:`~insider_kit.signals.features._cumlog` gives
    it, row t holding the sum over days before t; rows clipped to the array, as the events' days are)."""
    T = C.shape[0] - 1
    for e in prange(len(d0)):
        j = jj[e]
        hi = -np.inf
        for off in range(-D, 0):
            v = C[min(max(d0[e] + off + 1, 0), T), j]
            if v > hi:
                hi = v
        out[e] = np.exp(C[min(max(d0[e], 0), T), j] - hi) - 1.0
