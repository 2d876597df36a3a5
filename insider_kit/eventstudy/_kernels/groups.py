"""The test table's kernels: residual correlations of event pairs, group moments, Patell's sums, and the
sorted finite values behind the median and the Wilcoxon test."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._core import fin, kernel

__all__ = ["bootstrap_means", "cluster_square_sums", "gather_finite", "group_moments", "pair_correlations", "patell_sums", "sort_finite", "wilcoxon_sorted"]


@kernel
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
            if fin(x) and fin(y):
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
            if fin(x) and fin(y):
                cxy += (x - mi) * (y - mj)
                cxx += (x - mi) * (x - mi)
                cyy += (y - mj) * (y - mj)
        out[k] = cxy / np.sqrt(cxx * cyy) if cxx > 0 and cyy > 0 else np.nan


# ----------------------------------------------------------------------------------------- the test table's columns
@kernel
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
            if fin(v):
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
            if fin(v):
                d = v - mean[g, k]
                s2[g, k] += d * d
                s3[g, k] += d * d * d
    for g in range(G):
        for k in range(W):
            sd[g, k] = np.sqrt(s2[g, k] / (n[g, k] - 1.0)) if n[g, k] > 1 else np.nan
            m3[g, k] = s3[g, k]


@kernel
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
            if fin(x):
                zsum[g, k] += x
                vsum[g, k] += v


@kernel
def gather_finite(codes, X, G, offsets, out):  # pragma: no cover - compiled
    """The finite values of each group and column of *X*, one after the other in *out*: group g's column k
    is ``out[offsets[g * W + k]: offsets[g * W + k + 1]]`` (*offsets* is filled here; *out* must hold every
    finite value)."""
    W = X.shape[1]
    cnt = np.zeros(G * W, dtype=np.int64)
    for i in range(X.shape[0]):
        for k in range(W):
            if fin(X[i, k]):
                cnt[codes[i] * W + k] += 1
    offsets[0] = 0
    for q in range(G * W):
        offsets[q + 1] = offsets[q] + cnt[q]
        cnt[q] = offsets[q]
    for i in range(X.shape[0]):
        for k in range(W):
            v = X[i, k]
            if fin(v):
                q = codes[i] * W + k
                out[cnt[q]] = v
                cnt[q] += 1


@kernel
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


@kernel
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


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


_LOW32 = np.uint64(0xFFFFFFFF)


@njit(parallel=True, nogil=True, cache=True, error_model="numpy")
def bootstrap_means(x, n_boot, seed, out):  # pragma: no cover - compiled
    """``out[b]`` = the mean of ``len(x)`` draws with replacement from *x*, for ``b < n_boot`` (the resamples of
    a percentile bootstrap), on all cores.

    Resample b is a stream of SplitMix64 (Steele, Lea & Flood 2014) outputs of the counter ``seed + b * 2^32 +
    k``; each 64-bit output gives two draws, ``x[(h * n) >> 32]`` for its high and its low 32 bits h (Lemire's
    multiply-shift: an index below n with probability within n / 2^32 of 1/n).  Deterministic for a seed
    whatever the number of threads, and no index array in memory.  Four partial sums keep the additions out of
    each other's way (a single running sum waits on the previous add for every draw).  Above 2^32 values each
    draw takes the 53 high bits of its own output as a uniform.
    """
    n = len(x)
    inv = 1.0 / 9007199254740992.0  # 2^-53
    small = n < 4294967296
    nn = np.uint64(n)
    s32 = np.uint64(32)
    for b in prange(n_boot):
        state = np.uint64(seed) + np.uint64(b) * np.uint64(4294967296) * _GOLDEN
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        k = 0
        if small:
            while k + 4 <= n:
                state += _GOLDEN
                z = state
                z = (z ^ (z >> np.uint64(30))) * _MIX1
                z = (z ^ (z >> np.uint64(27))) * _MIX2
                z = z ^ (z >> np.uint64(31))
                state += _GOLDEN
                w = state
                w = (w ^ (w >> np.uint64(30))) * _MIX1
                w = (w ^ (w >> np.uint64(27))) * _MIX2
                w = w ^ (w >> np.uint64(31))
                s0 += x[((z >> s32) * nn) >> s32]
                s1 += x[((z & _LOW32) * nn) >> s32]
                s2 += x[((w >> s32) * nn) >> s32]
                s3 += x[((w & _LOW32) * nn) >> s32]
                k += 4
        while k < n:  # the last draws (and every draw above 2^32 values)
            state += _GOLDEN
            z = state
            z = (z ^ (z >> np.uint64(30))) * _MIX1
            z = (z ^ (z >> np.uint64(27))) * _MIX2
            z = z ^ (z >> np.uint64(31))
            if small:
                s0 += x[((z >> s32) * nn) >> s32]
            else:
                s0 += x[int(float(z >> np.uint64(11)) * inv * n)]
            k += 1
        out[b] = ((s0 + s1) + (s2 + s3)) / n


@njit(nogil=True, cache=True, error_model="numpy")
def _square_sums(off, acc, seen, out):  # pragma: no cover - compiled
    """``out[d] = (sum of the squared cluster sums, clusters with a row)`` of dimension d (clusters ``off[d]`` to
    ``off[d + 1]`` of the scratch arrays), which are cleared again (*acc* zero, *seen* false) for the next call."""
    for d in range(len(off) - 1):
        ss = 0.0
        used = 0
        for c in range(off[d], off[d + 1]):
            if seen[c]:
                ss += acc[c] * acc[c]
                used += 1
                acc[c] = 0.0
                seen[c] = False
        out[d, 0] = ss
        out[d, 1] = used


@njit(nogil=True, cache=True, error_model="numpy")
def cluster_square_sums(score, rows, codes, off, acc, seen, out):  # pragma: no cover - compiled
    """For each column d of *codes* (cluster ``off[d] + codes[i, d]`` of the scratch arrays): ``out[d, 0]`` = the
    sum over clusters of (the sum of ``score[r]`` over the rows ``rows[r]`` in the cluster) squared, ``out[d, 1]`` =
    the number of clusters with a row.  One pass over the rows for every dimension (the meat of a clustered
    variance of one coefficient, given its per-observation scores).  *acc* (zeros) and *seen* (false) are scratch
    arrays of ``off[-1]`` entries, left as they were found (kept by the caller: no allocation per call)."""
    D = codes.shape[1]
    for r in range(len(rows)):
        i = rows[r]
        s = score[r]
        for d in range(D):
            c = off[d] + codes[i, d]
            seen[c] = True
            acc[c] += s
    _square_sums(off, acc, seen, out)


@njit(nogil=True, cache=True, error_model="numpy")
def _compensated_mean(y, rows_of, sign):  # pragma: no cover - compiled
    """(count, mean) of the finite ``sign * y[i]`` over the rows where *rows_of* is true, from a compensated
    (Neumaier) sum."""
    k = 0
    s = 0.0
    comp = 0.0
    for i in range(len(y)):
        if rows_of[i]:
            v = sign * y[i]
            if np.isfinite(v):
                t = s + v
                comp += (s - t) + v if abs(s) >= abs(v) else (v - t) + s
                s = t
                k += 1
    return k, ((s + comp) / k if k > 0 else np.nan)


@njit(nogil=True, cache=True, error_model="numpy")
def _add_scores(y, rows_of, sign, mean, x, codes, off, acc, seen):  # pragma: no cover - compiled
    """Add ``x (sign * y[i] - mean)`` to row i's cluster of every dimension, for the rows of *rows_of* with a
    finite value.  (The scores are added in this loop, not by a helper called per row: a call with its array
    arguments costs several times the addition.)"""
    D = codes.shape[1]
    for i in range(len(y)):
        if rows_of[i]:
            v = sign * y[i]
            if np.isfinite(v):
                sc = x * (v - mean)
                for d in range(D):
                    c = off[d] + codes[i, d]
                    seen[c] = True
                    acc[c] += sc


@njit(nogil=True, cache=True, error_model="numpy")
def masked_cluster_moments(y, a, b, flip_b, diff, codes, off, acc, seen, head, out):  # pragma: no cover
    """The clustered mean of ``y`` over the rows of *a* (``diff`` false), or the difference of the means of the rows
    of *a* and of *b* (``diff`` true; a row in both is in *a*; a row of *b* counts as ``-y`` when *flip_b*), in a few
    passes over the rows with no subset formed: ``head`` = (rows of a, rows of b, mean of a, mean of b) over the
    finite values, ``out`` as :func:`cluster_square_sums` gives it for the scores of the regression on an intercept
    (the mean: ``y - mean``) or on an intercept and an *a* dummy (``x (y - mean of its group)``, x the dummy net of
    its mean, by Frisch-Waugh-Lovell).  *acc*, *seen*: scratch as for :func:`cluster_square_sums`."""
    sgn = -1.0 if flip_b else 1.0
    na, ma = _compensated_mean(y, a, 1.0)
    nb, mb = 0, np.nan
    b_only = b & ~a if diff else a
    if diff:
        nb, mb = _compensated_mean(y, b_only, sgn)
    head[0] = na
    head[1] = nb
    head[2] = ma
    head[3] = mb
    p = na / (na + nb) if na + nb > 0 else 0.0
    _add_scores(y, a, 1.0, ma, 1.0 - p if diff else 1.0, codes, off, acc, seen)
    if diff:
        _add_scores(y, b_only, sgn, mb, -p, codes, off, acc, seen)
    _square_sums(off, acc, seen, out)
