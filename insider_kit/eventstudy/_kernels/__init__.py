"""Compiled kernels of the engine (numba, ``nogil``): one fused pass over each event's returns.

An event reads one contiguous run of a ticker-major copy of the returns panel (days ``d0 + e0 .. d0 + w1``),
fits its return model on the estimation days, and writes its abnormal returns, CARs, standardised CARs and the
sort keys of the rank test.  Work is split into chunks of events that Python threads run concurrently (the
kernels release the GIL), so there is no Python loop per event; the scheduling (the thread pool, chunking, the
performance settings) is all in :mod:`.schedule`.

By job: :mod:`.fit` (the per-event pass: fit and CARs), :mod:`.rank` (the rank test), :mod:`.grank` (GRANK's
generalized ranks), :mod:`.groups` (the test
table's group statistics) and :mod:`._core` (decorators, finiteness, the LLVM prefetch hint, the transpose).
"""

from __future__ import annotations

from ._core import DayArgs, EventOut, ModelArgs, transpose
from .fit import abnormal, est_residuals, window_ar
from .grank import grank_accumulate
from .groups import (
           bootstrap_means,
           cluster_square_sums,
           gather_finite,
           group_moments,
           masked_cluster_moments,
           pair_correlations,
           patell_sums,
           sort_finite,
           wilcoxon_sorted,
)
from .rank import rank_accumulate, rank_exact
from .schedule import chunk_size, parallel_map, share_chunks, sort_segments, workers

__all__ = ["DayArgs", "EventOut", "ModelArgs", "abnormal", "bootstrap_means", "chunk_size", "cluster_square_sums",
           "est_residuals", "gather_finite", "grank_accumulate", "group_moments", "masked_cluster_moments", "pair_correlations",
           "parallel_map", "patell_sums", "rank_accumulate", "rank_exact", "share_chunks", "sort_finite",
           "sort_segments", "transpose", "wilcoxon_sorted", "window_ar", "workers"]
