"""Compiled per-event kernels of the engine (numba, ``nogil``): one fused pass over each event's returns.

An event reads one contiguous run of a ticker-major copy of the returns panel
(days ``d0 + e0 .. d0 + w1``), fits its return model on the estimation days,
and writes its abnormal returns, CARs, standardised CARs and the sort keys of
the rank test.  Work is split into chunks of events that Python threads run
concurrently (the kernels release the GIL), so there is no Python loop per event.

Every kernel computes an event's values with the same two helpers,
:func:`_fit` and :func:`_values`, so the fast path, the exact rank fallback and
the Kolari-Pynnönen residuals agree bit for bit.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["abnormal", "est_residuals", "rank_accumulate", "rank_exact", "transpose", "window_ar"]

# "reassoc" lets LLVM vectorise the sums (their order may change in the last bits); no flag that
# assumes finite values, as NaN marks every missing day, and finiteness is tested with _fin
_kernel = njit(nogil=True, cache=True, fastmath={"reassoc", "nsz"}, error_model="numpy")
# small helpers of the per-event loop, inlined by numba (an out-of-line call returning a tuple costs ~50 ns per event)
_inline = njit(nogil=True, cache=True, fastmath={"reassoc", "nsz"}, error_model="numpy", inline="always")


@njit(nogil=True, cache=True, inline="always")
def _fin(x):  # pragma: no cover - compiled
    """x is finite.  (``np.isfinite`` is not safe here: under "reassoc" LLVM may fold the
    ``x - x`` it is built from to zero, which made NaN days count as data.)"""
    return abs(x) < np.inf


@intrinsic
def _prefetch(typingctx, arr, idx):  # pragma: no cover - compiled
    """Hint the CPU to fetch ``arr[idx]``'s cache line (LLVM's ``llvm.prefetch``: read, keep in all levels).

    A hint, not a load: it never faults and changes no value.  The kernels prefetch the next event's
    days while they compute the current one, so the wait for memory overlaps the arithmetic.
    """
    if not isinstance(arr, types.Array) or arr.ndim != 1 or not isinstance(idx, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, idx), codegen


def transpose(a: np.ndarray) -> np.ndarray:
    """C-contiguous transpose in 64 x 64 tiles on all cores (numpy's ``ascontiguousarray(a.T)`` is single-threaded
    and cache-unfriendly for a universe-sized panel).  The copy is allocated by numpy, which asks the kernel
    for huge pages: fewer TLB misses when events read it at random."""
    out = np.empty((a.shape[1], a.shape[0]), dtype=a.dtype)
    _transpose_into(a, out)
    return out


@njit(parallel=True, cache=True)
def _transpose_into(a, out):  # pragma: no cover - compiled
    T, N = a.shape
    B = 64
    nb = (N + B - 1) // B
    for bj in prange(nb):
        j0 = bj * B
        j1 = min(j0 + B, N)
        for t0 in range(0, T, B):
            t1 = min(t0 + B, T)
            for j in range(j0, j1):
                for t in range(t0, t1):
                    out[j, t] = a[t, j]


@_kernel
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


@_inline
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


@_kernel
def _values(row, off, Zt, s, e0, e1, w0, w1, coef, out, est=True):  # pragma: no cover - compiled
    """Estimation residuals (NaN on days not used by the fit; only when *est*) then event-window abnormal
    returns, into *out* (*Zt* factor-major)."""
    if est:
        _residuals_into(row, off, Zt, s + e0, s + e1 + 1, coef, out)
    _residuals_into(row, off, Zt, s + w0, s + w1 + 1, coef, out[e1 - e0 + 1:])


@_kernel
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


@_inline
def _residuals1_into(row, off, z1, t0, t1, a, b, out):  # pragma: no cover - compiled
    """:func:`_residuals_into` for at most one regressor (*z1*): ``out[k] = row - off - a - b z1``."""
    rs = row[t0:t1]
    os_ = off[t0:t1]
    zs = z1[t0:t1]
    for k in range(len(rs)):
        out[k] = rs[k] - os_[k] - a - b * zs[k]


@_kernel
def _values1(row, off, z1, s, e0, e1, w0, w1, a, b, out, est=True):  # pragma: no cover - compiled
    """:func:`_values` for models with at most one regressor (*z1*)."""
    if est:
        _residuals1_into(row, off, z1, s + e0, s + e1 + 1, a, b, out)
    _residuals1_into(row, off, z1, s + w0, s + w1 + 1, a, b, out[e1 - e0 + 1:])


@_kernel
def window_ar(RT, off, Zt, z1, jj, d0, coef, s0, s1, e0, e1, w0, w1, out):  # pragma: no cover - compiled
    """Event-window abnormal returns of events ``s0..s1-1`` from their fitted coefficients, into ``out[i]``
    (the values :func:`abnormal` summed into the CARs, computed by the same helpers)."""
    p = Zt.shape[0]
    L_est = e1 - e0 + 1
    buf = np.empty(L_est + w1 - w0 + 1)
    for i in range(s0, s1):
        row = RT[jj[i]]
        if p <= 1:
            _values1(row, off, z1, d0[i], e0, e1, w0, w1, coef[i, 0], coef[i, 1] if p == 1 else 0.0, buf, False)
        else:
            _values(row, off, Zt, d0[i], e0, e1, w0, w1, coef[i], buf, False)
        for k in range(w1 - w0 + 1):
            out[i, k] = buf[L_est + k]


@_inline
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


@_inline
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


@_inline
def _prefetch_event(RT, jj, d0, i, e0, Lr):  # pragma: no cover - compiled
    """Prefetch every cache line of event i's days ``d0[i] + e0 ..`` (*Lr* days) in its ticker's row."""
    row = RT[jj[i]]
    b = d0[i] + e0
    for k in range(0, Lr + 8, 8):
        _prefetch(row, b + k)  # type: ignore[call-arg]  # (typing context supplied by numba)


@_inline
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


@_inline
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


@_kernel
def abnormal(RT, off, Zt, z1, mcum, M, const, k_params, jj, d0, idx, e0, e1, w0, w1, cw, clm, want_bhar,
             keys, pb, missing_key,
             n_est, sig2, coef, ar, car, car_n, scar, bhar, npos, nval, zcum):  # pragma: no cover - compiled
    """Fit, abnormal returns, CARs, SCARs, BHARs and rank keys for the events of one chunk.

    Events ``idx`` are processed in that order (ticker-sorted order reuses the cache); outputs are
    indexed like *jj*/*d0*, except ``keys`` (row ``r`` for ``idx[r]``).  Models with at most one regressor use *z1*
    (the market, or zeros) and :func:`_fit1`; factor models use *Zt* (factor-major) and :func:`_fit`.
    *mcum* is the running sum of the market (missing days as 0), for the market-model CAR
    variance.  ``keys[i]`` holds, for each of the event's finite estimation residuals and
    window ARs, ``(q << pb) | position`` with q the value in fixed point between the
    event's minimum and maximum (an order-preserving map); missing values get
    *missing_key* and sort last.  ``nval[i]`` counts the finite values.
    """
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
            _values(row, off, Zt, s, e0, e1, w0, w1, c, buf, want_keys)
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
        sg = ssr / (n - k_params) if n > k_params and _fin(coef[i, 0]) else np.nan
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
        inv_n = 1.0 / n
        inv_sxx = 1.0 / sxx0
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
                    pr *= 1.0 + rv if _fin(rv) else 1.0
                    pm *= 1.0 + mv if _fin(mv) else 1.0
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


@_kernel
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


@_kernel
def rank_exact(RT, off, Zt, jj, d0, coef, idx, codes, e0, e1, w0, w1, sums, cnts):  # pragma: no cover - compiled
    """Exact mid-rank version of :func:`rank_accumulate` for the events *idx* (recomputes their values)."""
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
        _values(RT[jj[i]], off, Zt, s, e0, e1, w0, w1, coef[i], buf)
        nv = 0
        for k in range(Lr):
            if _fin(buf[k]):
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


@_kernel
def est_residuals(RT, off, Zt, jj, d0, coef, idx, e0, e1, w0, w1, out):  # pragma: no cover - compiled
    """Estimation residuals of the events *idx* (NaN on days the fit did not use), into ``out[k]``."""
    L_est = e1 - e0 + 1
    buf = np.empty(L_est + w1 - w0 + 1)
    for k in range(len(idx)):
        i = idx[k]
        s = d0[i]
        _values(RT[jj[i]], off, Zt, s, e0, e1, w0, w1, coef[i], buf)
        for t in range(L_est):
            out[k, t] = buf[t]


@_kernel
def pair_correlations(resid, start, a, b, min_overlap, out):  # pragma: no cover - compiled
    """Correlation of residual rows ``a[k]`` and ``b[k]`` on the calendar days both windows cover and
    both have a value (row r's position t is calendar day ``start[r] + t``); NaN when fewer than
    *min_overlap* such days.  Two passes (means, then centred products)."""
    L = resid.shape[1]
    for k in range(len(a)):
        i = a[k]
        j = b[k]
        off = start[j] - start[i]  # position t of row i is position t - off of row j
        t0 = max(0, off)
        t1 = min(L, L + off)
        n = 0
        si = 0.0
        sj = 0.0
        for t in range(t0, t1):
            x = resid[i, t]
            y = resid[j, t - off]
            if _fin(x) and _fin(y):
                n += 1
                si += x
                sj += y
        if n < min_overlap or n < 2:
            out[k] = np.nan
            continue
        mi = si / n
        mj = sj / n
        cxy = 0.0
        cxx = 0.0
        cyy = 0.0
        for t in range(t0, t1):
            x = resid[i, t]
            y = resid[j, t - off]
            if _fin(x) and _fin(y):
                cxy += (x - mi) * (y - mj)
                cxx += (x - mi) * (x - mi)
                cyy += (y - mj) * (y - mj)
        out[k] = cxy / np.sqrt(cxx * cyy) if cxx > 0 and cyy > 0 else np.nan


# ----------------------------------------------------------------------------------------- the test table's columns
@_kernel
def group_moments(codes, X, n, mean, sd, m3, npos):  # pragma: no cover - compiled
    """Per group ``g`` (``codes``) and column k of *X*, over the finite values: count ``n``, ``mean``,
    ``sd`` (ddof=1), the centred third-moment sum ``m3`` and the count of positive values ``npos``.
    Two passes (sums, then centred powers), every output of shape ``(groups, columns)``."""
    G, W = n.shape
    s = np.zeros((G, W))
    n[:] = 0.0
    npos[:] = 0.0
    for i in range(X.shape[0]):
        g = codes[i]
        for k in range(W):
            v = X[i, k]
            if _fin(v):
                n[g, k] += 1.0
                s[g, k] += v
                npos[g, k] += 1.0 if v > 0 else 0.0
    for g in range(G):
        for k in range(W):
            mean[g, k] = s[g, k] / n[g, k] if n[g, k] > 0 else np.nan
    s2 = np.zeros((G, W))
    s3 = np.zeros((G, W))
    for i in range(X.shape[0]):
        g = codes[i]
        for k in range(W):
            v = X[i, k]
            if _fin(v):
                d = v - mean[g, k]
                s2[g, k] += d * d
                s3[g, k] += d * d * d
    for g in range(G):
        for k in range(W):
            sd[g, k] = np.sqrt(s2[g, k] / (n[g, k] - 1.0)) if n[g, k] > 1 else np.nan
            m3[g, k] = s3[g, k]


@_kernel
def patell_sums(codes, scar, n_est, k_params, zsum, vsum):  # pragma: no cover - compiled
    """Patell's sums per group and column: ``zsum`` = sum of the finite SCARs of events with more than
    ``k_params + 2`` estimation days, ``vsum`` = the sum of their ``(n_i - k) / (n_i - k - 2)``."""
    zsum[:] = 0.0
    vsum[:] = 0.0
    for i in range(scar.shape[0]):
        ne = n_est[i]
        if ne <= k_params + 2:
            continue
        g = codes[i]
        v = (ne - k_params) / (ne - k_params - 2.0)
        for k in range(scar.shape[1]):
            x = scar[i, k]
            if _fin(x):
                zsum[g, k] += x
                vsum[g, k] += v


@_kernel
def gather_finite(codes, X, G, offsets, out):  # pragma: no cover - compiled
    """The finite values of each group and column of *X*, one after the other in *out*: group g's column k
    is ``out[offsets[g * W + k]: offsets[g * W + k + 1]]`` (*offsets* is filled here; *out* must hold every
    finite value)."""
    W = X.shape[1]
    cnt = np.zeros(G * W, dtype=np.int64)
    for i in range(X.shape[0]):
        for k in range(W):
            if _fin(X[i, k]):
                cnt[codes[i] * W + k] += 1
    offsets[0] = 0
    for q in range(G * W):
        offsets[q + 1] = offsets[q] + cnt[q]
        cnt[q] = offsets[q]
    for i in range(X.shape[0]):
        for k in range(W):
            v = X[i, k]
            if _fin(v):
                q = codes[i] * W + k
                out[cnt[q]] = v
                cnt[q] += 1


@_kernel
def sort_finite(v, tmp):  # pragma: no cover - compiled
    """Sort the finite doubles *v* in place (*tmp*: scratch of the same length).

    Least-significant-digit radix sort of the values' bit patterns mapped to integers that order like
    the values (11-bit digits, six passes, a pass skipped when every value shares its digit): about three
    times numpy's sort for the hundreds of thousands of CARs of a large study.
    """
    n = len(v)
    a = v.view(np.int64)
    t = tmp.view(np.int64)
    mag = np.int64(0x7FFFFFFFFFFFFFFF)
    for i in range(n):  # negative doubles: flip the magnitude bits, so that the integers order like the values
        b = a[i]
        a[i] = b ^ ((b >> 63) & mag)
    B = 11
    NB = 1 << B
    top = np.uint64(1) << np.uint64(63)  # the sign bit flipped: unsigned digits order like signed values
    msk = np.uint64(NB - 1)
    counts = np.zeros((6, NB), dtype=np.int64)
    for i in range(n):
        u = np.uint64(a[i]) ^ top
        for p in range(6):
            counts[p, (u >> np.uint64(B * p)) & msk] += 1
    src = a
    dst = t
    moved = False
    for p in range(6):
        c = counts[p]
        one = False
        for d in range(NB):
            one |= c[d] == n
        if one:
            continue
        s = 0
        for d in range(NB):
            cd = c[d]
            c[d] = s
            s += cd
        sh = np.uint64(B * p)
        for i in range(n):
            x = src[i]
            dg = ((np.uint64(x) ^ top) >> sh) & msk
            dst[c[dg]] = x
            c[dg] += 1
        src, dst = dst, src
        moved = not moved
    if moved:
        a[:] = src
    for i in range(n):
        b = a[i]
        a[i] = b ^ ((b >> 63) & mag)


@_kernel
def wilcoxon_sorted(v):  # pragma: no cover - compiled
    """Wilcoxon signed-rank sums of the sorted finite values *v*: ``(n, W+, sum of t^3 - t over tie groups)``,
    zeros dropped, mid-ranks for ties of |v|.  The negatives (read from zero outwards) and the positives
    are each in order of |v|; one merge of the two ranks every value."""
    n = len(v)
    j = 0
    while j < n and v[j] < 0:
        j += 1
    i = j - 1  # the negative nearest zero
    while j < n and v[j] == 0:
        j += 1
    m = (i + 1) + (n - j)
    r = 0  # values ranked so far
    w_plus = 0.0
    ties = 0.0
    while i >= 0 or j < n:
        if j >= n or (i >= 0 and -v[i] < v[j]):
            a = -v[i]
        else:
            a = v[j]
        cn = 0
        while i >= 0 and -v[i] == a:
            cn += 1
            i -= 1
        cp = 0
        while j < n and v[j] == a:
            cp += 1
            j += 1
        t = cn + cp
        w_plus += cp * (r + (t + 1) / 2.0)
        ties += float(t) ** 3 - t
        r += t
    return m, w_plus, ties
