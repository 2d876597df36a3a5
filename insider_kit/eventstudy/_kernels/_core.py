"""Low-level helpers of the compiled kernels: the numba decorators, finiteness, the LLVM prefetch hint,
and the panel's parallel transpose."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils, config
from numba.extending import intrinsic

__all__ = ["DayArgs", "EventOut", "ModelArgs", "fin", "inline", "kernel", "prefetch_hint", "transpose"]


class ModelArgs(NamedTuple):
    """The return model over the panel's days, as every per-event kernel takes it."""

    RT: np.ndarray  # returns, ticker-major (tickers x days): an event's days are one contiguous run
    off: np.ndarray  # subtracted from every return (market-adjusted: the market; else zeros)
    Zt: np.ndarray  # the regressors, factor-major (p x days)
    z1: np.ndarray  # the one regressor of the models with at most one (the market, or zeros)
    M: np.ndarray  # the market's returns (BHAR)
    mcum: np.ndarray  # running sum of the market, missing days as 0 (market-model CAR variance)
    zcum: np.ndarray  # running sums of the factors (factor models' CAR variance)
    const: bool  # the model has an intercept
    k_params: int  # parameters estimated (degrees of freedom of the residual variance)
    clm: bool  # the market model (its CAR variance uses mcum)


class DayArgs(NamedTuple):
    """An event's days relative to day 0 (inclusive) and its CAR windows."""

    e0: int
    e1: int
    w0: int
    w1: int
    cw: np.ndarray  # CAR windows as half-open positions in the event window (windows x 2)


class EventOut(NamedTuple):
    """The per-event outputs of :func:`abnormal`, indexed like the events."""

    n_est: np.ndarray
    sig2: np.ndarray
    coef: np.ndarray
    ar: np.ndarray  # events x window days, or 0 rows when not kept
    car: np.ndarray
    car_n: np.ndarray
    scar: np.ndarray
    bhar: np.ndarray  # 0 rows without BHAR
    npos: np.ndarray
    nval: np.ndarray

# "reassoc" lets LLVM vectorise the sums (their order may change in the last bits); no flag that
# assumes finite values, as NaN marks every missing day, and finiteness is tested with fin
kernel = njit(nogil=True, cache=True, fastmath={"reassoc", "nsz"}, error_model="numpy")
# small helpers of the per-event loop, inlined by numba (an out-of-line call returning a tuple costs ~50 ns per event)
inline = njit(nogil=True, cache=True, fastmath={"reassoc", "nsz"}, error_model="numpy", inline="always")


@njit(nogil=True, cache=True, inline="always")
def fin(x):  # pragma: no cover - compiled
    """x is finite.  (``np.isfinite`` is not safe here: under "reassoc" LLVM may fold the
    ``x - x`` it is built from to zero, which made NaN days count as data.)"""
    return abs(x) < np.inf


@intrinsic
def _llvm_prefetch(typingctx, arr, idx):  # pragma: no cover - compiled
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


def _no_prefetch(arr: np.ndarray, idx: int) -> None:
    """With ``NUMBA_DISABLE_JIT=1`` the kernels run as Python, where the hint has no meaning: nothing."""


#: The prefetch hint (an LLVM intrinsic when compiled; nothing when the kernels run as plain Python).
prefetch_hint = _no_prefetch if getattr(config, "DISABLE_JIT", False) else _llvm_prefetch


def transpose(a: np.ndarray, lead: int = 0) -> np.ndarray:
    """C-contiguous transpose in 64 x 64 tiles on all cores (numpy's ``ascontiguousarray(a.T)`` is single-threaded
    and cache-unfriendly for a universe-sized panel), after *lead* columns of NaN (days before the first date,
    for estimation windows that start before the data).  The copy is allocated by numpy, which asks the kernel
    for huge pages: fewer TLB misses when events read it at random."""
    out = np.empty((a.shape[1], lead + a.shape[0]), dtype=a.dtype)
    out[:, :lead] = np.nan
    _transpose_into(a, out, lead)
    return out


@njit(parallel=True, cache=True)
def _transpose_into(a, out, lead):  # pragma: no cover - compiled
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
                    out[j, lead + t] = a[t, j]
