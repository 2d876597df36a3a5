"""The per-event pass: fit the return model, abnormal returns, CARs, SCARs, BHARs and the rank test's sort keys.

Every kernel computes an event's values with the same two helpers, :func:`_fit` and :func:`event_values` (and their
one-regressor forms), so the fast path, the exact rank fallback and the Kolari-Pynnönen residuals agree bit
for bit.
"""

from __future__ import annotations

import numpy as np

from ._core import fin, inline, kernel, prefetch_hint

__all__ = ["abnormal", "est_residuals", "event_values", "window_ar"]


@kernel
def _fit(row, off, Zt, s, e0, e1, coef, work, cols):  # pragma: no cover - compiled
    """OLS of ``y = row - off`` on ``[1, Z]`` over days ``s+e0..s+e1`` (factor models: p >= 2 regressors,
    *Zt* factor-major, ``p x days``; models with at most one use :func:`_fit1`).

    Uses the days where y and every regressor are finite.  Masked, centred columns go to *cols*
    (``(p + 2) x days`` scratch: the mask, y, the regressors; *work*: ``(p + 3) x p``), each loop one
    vectorised pass over a slice;
    cross-products of the centred columns; Gaussian elimination with partial pivoting (p <= 4 slopes).
    Writes ``coef = [intercept, slopes...]`` (NaN when singular or no data) and returns
    ``(n, mean of Z[0], centred S_xx of Z[0], SSR)``, with ``SSR = S_yy - b'S_zy``.
    """
    p = Zt.shape[0]
    L = e1 - e0 + 1
    ys = row[s + e0: s + e1 + 1]
    os_ = off[s + e0: s + e1 + 1]
    msk = cols[0]
    yc = cols[1]
    for k in range(L):
        y = ys[k] - os_[k]
        yc[k] = y
        msk[k] = 1.0 if abs(y) < np.inf else 0.0
    for q in range(p):
        zq = Zt[q][s + e0: s + e1 + 1]
        for k in range(L):
            msk[k] = msk[k] if abs(zq[k]) < np.inf else 0.0
    fn = 0.0
    sy = 0.0
    for k in range(L):
        fn += msk[k]
        sy += yc[k] if msk[k] > 0 else 0.0
    n = int(fn)
    if n == 0:
        for q in range(p + 1):
            coef[q] = np.nan
        return 0, np.nan, np.nan, np.nan
    my = sy / n
    syy = 0.0
    for k in range(L):
        d = yc[k] - my if msk[k] > 0 else 0.0
        yc[k] = d
        syy += d * d
    mx = work[0, :p]
    A = work[1:1 + p, :p]
    c = work[1 + p, :p]
    for q in range(p):
        zq = Zt[q][s + e0: s + e1 + 1]
        zc = cols[2 + q]
        sq = 0.0
        for k in range(L):
            sq += zq[k] if msk[k] > 0 else 0.0
        mx[q] = sq / n
        cq = 0.0
        for k in range(L):
            d = zq[k] - mx[q] if msk[k] > 0 else 0.0
            zc[k] = d
            cq += d * yc[k]
        c[q] = cq
        for r in range(q + 1):
            zr = cols[2 + r]
            a = 0.0
            for k in range(L):
                a += zc[k] * zr[k]
            A[q, r] = a
            A[r, q] = a
    sxx0 = A[0, 0]
    c_orig = work[2 + p, :p]  # S_zy as it was before the elimination, for the SSR
    for q in range(p):
        c_orig[q] = c[q]
    if work.shape[0] >= 2 * p + 3:  # keep S_zz as it was, for the CARs' estimation-error term
        A0 = work[3 + p:3 + 2 * p, :p]
        for q in range(p):
            for r in range(p):
                A0[q, r] = A[q, r]
    # Gaussian elimination with partial pivoting on A b = c (A is p x p, p <= 4)
    scale = 0.0
    for q in range(p):
        scale = max(scale, abs(A[q, q]))
    if not _eliminate(A, c, coef[1:1 + p], scale * 1e-12):
        for q in range(p + 1):
            coef[q] = np.nan
        return n, mx[0], sxx0, np.nan
    a0 = my
    czy = 0.0
    for q in range(p):
        a0 -= coef[1 + q] * mx[q]
        czy += coef[1 + q] * c_orig[q]
    coef[0] = a0
    return n, mx[0], sxx0, max(syy - czy, 0.0)


@inline
def _residuals_into(row, off, Zt, t0, t1, coef, out):  # pragma: no cover - compiled
    """``out[k] = row - off - coef[0] - sum_q coef[1+q] Zt[q]`` on days ``t0 + k < t1`` (*Zt* factor-major),
    one vectorised pass per regressor.  Every index is a slice position counted from 0: an index that might
    be negative (numba wraps it around) stops LLVM from vectorising a loop."""
    rs = row[t0:t1]
    os_ = off[t0:t1]
    for k in range(len(rs)):
        out[k] = rs[k] - os_[k] - coef[0]
    for q in range(Zt.shape[0]):
        zq = Zt[q][t0:t1]
        bq = coef[1 + q]
        for k in range(len(zq)):
            out[k] -= bq * zq[k]


@kernel
def event_values(row, off, Zt, s, e0, e1, w0, w1, coef, out, est=True):  # pragma: no cover - compiled
    """Estimation residuals (NaN on days not used by the fit; only when *est*) then event-window abnormal
    returns, into *out* (*Zt* factor-major)."""
    if est:
        _residuals_into(row, off, Zt, s + e0, s + e1 + 1, coef, out)
    _residuals_into(row, off, Zt, s + w0, s + w1 + 1, coef, out[e1 - e0 + 1:])


@kernel
def _fit1(row, off, z, has_x, s, e0, e1, const, coef):  # pragma: no cover - compiled
    """One-pass OLS of ``y = row - off`` on ``[1, z]`` (at most one regressor; *z* is zeros when there is none).

    Sums are taken around the first usable day's values (shifted data), which keeps
    ``S_xx = sum dx^2 - (sum dx)^2 / n`` accurate.  Returns ``(n, mean z, S_zz, SSR)``, the sum of
    squared residuals from the same sums (``S_yy - b S_zy``), so the residuals need not be formed.
    """
    # shift: the first usable day's values; then one branch-free (vectorisable) pass over slices
    L = e1 - e0 + 1
    ys = row[s + e0: s + e1 + 1]
    os_ = off[s + e0: s + e1 + 1]
    zs = z[s + e0: s + e1 + 1]
    k0 = 0
    while k0 < L:
        if abs(ys[k0] - os_[k0]) < np.inf and abs(zs[k0]) < np.inf:
            break
        k0 += 1
    if k0 == L:
        coef[0] = np.nan
        coef[1] = np.nan
        return 0, np.nan, np.nan, np.nan
    ky = ys[k0] - os_[k0]
    kx = zs[k0]
    fn = 0.0  # counted in floating point and the test written with "&", not "and": both keep the loop vectorised
    sy = 0.0
    sx = 0.0
    sxx = 0.0
    sxy = 0.0
    syy = 0.0
    for k in range(L):
        dy = ys[k] - os_[k] - ky
        dx = zs[k] - kx
        ok = (abs(dy) < np.inf) & (abs(dx) < np.inf)
        dy = dy if ok else 0.0
        dx = dx if ok else 0.0
        sy += dy
        sx += dx
        sxx += dx * dx
        sxy += dx * dy
        syy += dy * dy
        fn += 1.0 if ok else 0.0
    n = int(fn)
    if n == 0:
        coef[0] = np.nan
        coef[1] = np.nan
        return 0, np.nan, np.nan, np.nan
    Sxx = sxx - sx * sx / n
    mx = kx + sx / n
    if not const:  # the residual is y itself
        coef[0] = 0.0
        coef[1] = 0.0
        return n, mx, Sxx, syy + 2.0 * ky * sy + n * ky * ky
    if has_x and not Sxx > 0:  # the regressor is constant over the estimation days
        coef[0] = np.nan
        coef[1] = np.nan
        return n, mx, Sxx, np.nan
    Sxy = sxy - sx * sy / n
    Syy = syy - sy * sy / n
    b = Sxy / Sxx if has_x else 0.0
    coef[1] = b
    coef[0] = (ky + sy / n) - b * mx
    return n, mx, Sxx, max(Syy - b * Sxy, 0.0)


@inline
def _residuals1_into(row, off, z1, t0, t1, a, b, out):  # pragma: no cover - compiled
    """:func:`_residuals_into` for at most one regressor (*z1*): ``out[k] = row - off - a - b z1``."""
    rs = row[t0:t1]
    os_ = off[t0:t1]
    zs = z1[t0:t1]
    for k in range(len(rs)):
        out[k] = rs[k] - os_[k] - a - b * zs[k]


@kernel
def _values1(row, off, z1, s, e0, e1, w0, w1, a, b, out, est=True):  # pragma: no cover - compiled
    """:func:`event_values` for models with at most one regressor (*z1*)."""
    if est:
        _residuals1_into(row, off, z1, s + e0, s + e1 + 1, a, b, out)
    _residuals1_into(row, off, z1, s + w0, s + w1 + 1, a, b, out[e1 - e0 + 1:])


@kernel
def window_ar(m, days, jj, d0, coef, s0, s1, out):  # pragma: no cover - compiled
    """Event-window abnormal returns of events ``s0..s1-1`` from their fitted coefficients, into ``out[i]``
    (the values :func:`abnormal` summed into the CARs, computed by the same helpers)."""
    RT, off, Zt, z1 = m.RT, m.off, m.Zt, m.z1
    e0, e1, w0, w1 = days.e0, days.e1, days.w0, days.w1
    p = Zt.shape[0]
    L_est = e1 - e0 + 1
    buf = np.empty(L_est + w1 - w0 + 1)
    for i in range(s0, s1):
        row = RT[jj[i]]
        if p <= 1:
            _values1(row, off, z1, d0[i], e0, e1, w0, w1, coef[i, 0], coef[i, 1] if p == 1 else 0.0, buf, False)
        else:
            event_values(row, off, Zt, d0[i], e0, e1, w0, w1, coef[i], buf, False)
        for k in range(w1 - w0 + 1):
            out[i, k] = buf[L_est + k]


@inline
def _sum_finite4(v):  # pragma: no cover - compiled
    """(sum of the finite values of v, how many), in four independent accumulators."""
    L4 = len(v) - len(v) % 4
    q0 = q1 = q2 = q3 = 0.0
    f0 = f1 = f2 = f3 = 0.0
    for k in range(0, L4, 4):
        o0 = abs(v[k]) < np.inf
        o1 = abs(v[k + 1]) < np.inf
        o2 = abs(v[k + 2]) < np.inf
        o3 = abs(v[k + 3]) < np.inf
        q0 += v[k] if o0 else 0.0
        q1 += v[k + 1] if o1 else 0.0
        q2 += v[k + 2] if o2 else 0.0
        q3 += v[k + 3] if o3 else 0.0
        f0 += 1.0 if o0 else 0.0
        f1 += 1.0 if o1 else 0.0
        f2 += 1.0 if o2 else 0.0
        f3 += 1.0 if o3 else 0.0
    for k in range(L4, len(v)):
        o0 = abs(v[k]) < np.inf
        q0 += v[k] if o0 else 0.0
        f0 += 1.0 if o0 else 0.0
    return (q0 + q1) + (q2 + q3), (f0 + f1) + (f2 + f3)


@inline
def _finite_min_max(v, scratch):  # pragma: no cover - compiled
    """(min, max) of the finite values of v ((inf, -inf) when there are none), found on the values' bit
    patterns: LLVM vectorises an integer min/max reduction, but not a floating-point one unless NaN is ruled
    out (which would also void the finiteness test).  *scratch*: two int64 slots, to turn the bits back."""
    u = v.view(np.int64)
    expo = np.int64(0x7FF0000000000000)
    mag = np.int64(0x7FFFFFFFFFFFFFFF)
    lo = mag
    hi = -mag
    for k in range(len(u)):
        b = u[k]
        o = b ^ ((b >> 63) & mag)  # the bits of a double as an integer that sorts like the double
        ok = (b & expo) != expo  # finite: the exponent is not all ones
        lo = min(lo, o if ok else mag)  # min()/max(), not a conditional expression: only these vectorise
        hi = max(hi, o if ok else -mag)
    if lo == mag:
        return np.inf, -np.inf
    scratch[0] = lo ^ ((lo >> 63) & mag)
    scratch[1] = hi ^ ((hi >> 63) & mag)
    f = scratch.view(np.float64)
    return f[0], f[1]


@inline
def _prefetch_event(RT, jj, d0, i, e0, Lr):  # pragma: no cover - compiled
    """Prefetch every cache line of event i's days ``d0[i] + e0 ..`` (*Lr* days) in its ticker's row."""
    row = RT[jj[i]]
    b = d0[i] + e0
    for k in range(0, Lr + 8, 8):
        prefetch_hint(row, b + k)  # type: ignore[call-arg]  # (typing context supplied by numba)


@inline
def _eliminate(A, c, x, tol):  # pragma: no cover - compiled
    """Solve ``A x = c`` by Gaussian elimination with partial pivoting (p <= 4), overwriting *A* and *c*;
    False (and *x* untouched) when a pivot is not above *tol* (a singular system)."""
    p = len(c)
    for k in range(p):
        piv = k
        for r in range(k + 1, p):
            if abs(A[r, k]) > abs(A[piv, k]):
                piv = r
        if not abs(A[piv, k]) > tol:
            return False
        if piv != k:
            for r in range(p):
                A[k, r], A[piv, r] = A[piv, r], A[k, r]
            c[k], c[piv] = c[piv], c[k]
        for r in range(k + 1, p):
            f = A[r, k] / A[k, k]
            for u in range(k, p):
                A[r, u] -= f * A[k, u]
            c[r] -= f * c[k]
    for k in range(p - 1, -1, -1):
        v = c[k]
        for u in range(k + 1, p):
            v -= A[k, u] * x[u]
        x[k] = v / A[k, k]
    return True


@inline
def _quad_inverse(A0, d, Ms, c, z):  # pragma: no cover - compiled
    """``d' A0^{-1} d`` for a small symmetric positive definite *A0* (p <= 4), solved on copies (*Ms*, *c*;
    *z* receives ``A0^{-1} d``); NaN when *A0* is singular."""
    p = len(d)
    for q in range(p):
        c[q] = d[q]
        for r in range(p):
            Ms[q, r] = A0[q, r]
    if not _eliminate(Ms[:p, :p], c[:p], z[:p], 0.0):
        return np.nan
    out = 0.0
    for q in range(p):
        out += d[q] * z[q]
    return out


# long: one fused compiled pass per event (fit, CARs, SCARs, BHARs, rank keys); split into calls, the
# per-event cost of returning tuples and re-reading the event's days shows in the million-event benchmark
@kernel
def abnormal(m, days, jj, d0, idx, want_bhar, keys, pb, missing_key, out):  # pragma: no cover - compiled
    """Fit, abnormal returns, CARs, SCARs, BHARs and rank keys for the events of one chunk.

    Events ``idx`` are processed in that order (ticker-sorted order reuses the cache); outputs are
    indexed like *jj*/*d0*, except ``keys`` (row ``r`` for ``idx[r]``).  Models with at most one regressor use *z1*
    (the market, or zeros) and :func:`_fit1`; factor models use *Zt* (factor-major) and :func:`_fit`.
    *mcum* is the running sum of the market (missing days as 0), for the market-model CAR
    variance.  ``keys[i]`` holds, for each of the event's finite estimation residuals and
    window ARs, ``(q << pb) | position`` with q the value in fixed point between the
    event's minimum and maximum (an order-preserving map); missing values get
    *missing_key* and sort last.  ``nval[i]`` counts the finite values.  *m*, *days* and *out* are
    :class:`ModelArgs`, :class:`DayArgs` and :class:`EventOut`.
    """
    RT, off, Zt, z1, M, mcum, zcum, const, k_params, clm = m
    e0, e1, w0, w1, cw = days
    n_est, sig2, coef, ar, car, car_n, scar, bhar, npos, nval = out
    p = Zt.shape[0]
    L_est = e1 - e0 + 1
    L_win = w1 - w0 + 1
    Lr = L_est + L_win
    vmax = float((np.uint64(1) << np.uint64(keys.itemsize * 8 - pb)) - np.uint64(2))
    buf = np.empty(Lr)
    work = np.empty((2 * p + 3, max(p, 1)))
    dz = np.empty(max(p, 1))
    zs = np.empty(max(p, 1))
    cs = np.empty(max(p, 1))
    Ms = np.empty((max(p, 1), max(p, 1)))
    cols = np.empty((p + 2, L_est))
    c = np.empty(p + 1)
    c1 = np.empty(2)
    sh = np.uint64(pb)
    store_ar = ar.shape[0] > 0
    mmb = np.empty(2, dtype=np.int64)
    bp = np.unique(cw.ravel())  # the CAR windows' ends, as cut points of the event window
    nb = len(bp)
    ia = np.searchsorted(bp, cw[:, 0])
    ib = np.searchsorted(bp, cw[:, 1])
    P = np.zeros(nb)  # running sums of the ARs (and counts of finite ARs) up to each cut point
    Pc = np.zeros(nb)
    want_keys = keys.shape[0] > 0
    for r in range(len(idx)):
        i = idx[r]
        row = RT[jj[i]]
        s = d0[i]
        # prefetch the next event's days (a study's events are scattered over a large panel): its cache
        # misses overlap this event's arithmetic instead of stalling the next one
        if r == 0:
            _prefetch_event(RT, jj, d0, i, e0, Lr)
        if r + 1 < len(idx):
            _prefetch_event(RT, jj, d0, idx[r + 1], e0, Lr)
        ssr = 0.0
        if p <= 1:
            n, mx0, sxx0, ssr = _fit1(row, off, z1, p == 1, s, e0, e1, const, c1)
            a = c1[0]
            b = c1[1]
            coef[i, 0] = a
            if p == 1:
                coef[i, 1] = b
            # the estimation residuals are only needed by the tests (signs, ranks)
            _values1(row, off, z1, s, e0, e1, w0, w1, a, b, buf, want_keys)
        else:
            n, mx0, sxx0, ssr = _fit(row, off, Zt, s, e0, e1, c, work, cols)
            for q in range(p + 1):
                coef[i, q] = c[q]
            event_values(row, off, Zt, s, e0, e1, w0, w1, c, buf, want_keys)
        n_est[i] = n
        be = buf[:L_est]
        bw = buf[L_est:]
        if want_keys:
            fpo = 0.0
            for k in range(L_est):  # days the fit skipped (return or a regressor missing) are NaN
                fpo += 1.0 if be[k] > 0 else 0.0
            npos[i] = int(fpo)
        else:
            npos[i] = 0
        sg = ssr / (n - k_params) if n > k_params and fin(coef[i, 0]) else np.nan
        sig2[i] = sg
        if want_keys:  # finite values ranked: the fit's days and the window's finite ARs
            fv = 0.0
            for k in range(L_win):
                fv += 1.0 if abs(bw[k]) < np.inf else 0.0
            nval[i] = n + int(fv)
        if store_ar:
            for k in range(L_win):
                ar[i, k] = bw[k]
        # CARs (missing days count as zero) and their standardisation.  The window is cut at every CAR
        # window's ends; each piece is summed once (four independent sums: a single running sum is one
        # serial chain of additions, and pieces this short are too short for LLVM's vector loop)
        for q in range(nb - 1):
            P[q + 1], Pc[q + 1] = _sum_finite4(bw[bp[q]:bp[q + 1]])
        for q in range(1, nb):
            P[q] += P[q - 1]
            Pc[q] += Pc[q - 1]
        # (as numba's error model gives them, also when the kernel runs as Python: NUMBA_DISABLE_JIT=1)
        inv_n = 1.0 / n if n > 0 else np.inf
        inv_sxx = 1.0 / sxx0 if sxx0 != 0.0 else np.inf
        for w in range(cw.shape[0]):
            a_ = cw[w, 0]
            b_ = cw[w, 1]
            sm = P[ib[w]] - P[ia[w]]
            car[i, w] = sm
            car_n[i, w] = int(Pc[ib[w]] - Pc[ia[w]])
            Lc = b_ - a_
            if clm:
                sm_m = mcum[s + w0 + b_] - mcum[s + w0 + a_]
                dm = sm_m - Lc * mx0
                var = sg * (Lc + Lc * Lc * inv_n + dm * dm * inv_sxx)
            elif p >= 2:  # factor models: L + L^2/n + d' S_zz^{-1} d, d the window's factor sums about their means
                for q in range(p):
                    dz[q] = (zcum[q, s + w0 + b_] - zcum[q, s + w0 + a_]) - Lc * work[0, q]
                var = sg * (Lc + Lc * Lc * inv_n + _quad_inverse(work[3 + p:3 + 2 * p, :p], dz[:p], Ms, cs, zs))
            elif const:  # mean-adjusted: the estimated mean's error
                var = sg * (Lc + Lc * Lc * inv_n)
            else:
                var = sg * Lc
            scar[i, w] = sm / np.sqrt(var)
            if want_bhar:
                pr = 1.0
                pm = 1.0
                rw = row[s + w0 + a_: s + w0 + b_]
                mw = M[s + w0 + a_: s + w0 + b_]
                for k in range(len(rw)):
                    rv = rw[k]
                    mv = mw[k]
                    pr *= 1.0 + rv if fin(rv) else 1.0
                    pm *= 1.0 + mv if fin(mv) else 1.0
                bhar[i, w] = pr - pm
        # rank keys
        if not want_keys:
            continue
        lo, hi = _finite_min_max(buf, mmb)
        scale = vmax / (hi - lo) if hi > lo else 0.0
        kr = keys[r]
        for k in range(Lr):
            v = buf[k]
            qv = min((v - lo) * scale, vmax) if abs(v) < np.inf else 0.0
            key = (np.uint64(qv) << sh) | np.uint64(k)
            kr[k] = key if abs(v) < np.inf else missing_key


@kernel
def est_residuals(m, days, jj, d0, coef, idx, out):  # pragma: no cover - compiled
    """Estimation residuals of the events *idx* (NaN on days the fit did not use), into ``out[k]``."""
    RT, off, Zt = m.RT, m.off, m.Zt
    e0, e1, w0, w1 = days.e0, days.e1, days.w0, days.w1
    L_est = e1 - e0 + 1
    buf = np.empty(L_est + w1 - w0 + 1)
    for k in range(len(idx)):
        i = idx[k]
        s = d0[i]
        event_values(RT[jj[i]], off, Zt, s, e0, e1, w0, w1, coef[i], buf)
        for t in range(L_est):
            out[k, t] = buf[t]
