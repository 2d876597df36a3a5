"""How the compiled kernels are scheduled: the one dispatch module of the kit's speed machinery.

The science modules (:mod:`..engine`, :mod:`..stats`, :mod:`..regression`, :mod:`..compare`, the claims)
describe *what* is computed and call the functions here for *how fast*; nothing else in the package holds a
thread pool or splits work into chunks.  The compiled kernels release the GIL, so Python threads run chunks of
events on every core.

Performance settings (environment variables, read when first needed; they never change a number):

``INSIDER_KIT_THREADS``
    Worker threads of the engine's pool (default: the cores, at most 8; 1 runs everything on the calling
    thread).
``INSIDER_KIT_CHUNK``
    Most events per unit of work (default 32,768): chunks run concurrently and bound the memory of the rank
    test's sort keys.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

__all__ = ["chunk_size", "parallel_map", "share_chunks", "sort_segments", "workers"]

T = TypeVar("T")
_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def _env_int(name: str, default: int, low: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return max(low, int(raw)) if raw else default
    except ValueError:
        from ...errors import ConfigError

        raise ConfigError(f"{name}={raw!r} is not a whole number", hint=f"unset {name} or give e.g. {default}") from None


def workers() -> int:
    """Threads that run chunks of events (``INSIDER_KIT_THREADS``; default the cores, at most 8).

    Returns
    -------
    int
        The count (at least 1).

    Examples
    --------
    >>> workers() >= 1
    True
    """
    return _env_int("INSIDER_KIT_THREADS", max(1, min(os.cpu_count() or 1, 8)), 1)


def chunk_size() -> int:
    """Most events per unit of work (``INSIDER_KIT_CHUNK``; default 32,768).

    Returns
    -------
    int
        The size.

    Examples
    --------
    >>> chunk_size() >= 1
    True
    """
    return _env_int("INSIDER_KIT_CHUNK", 32_768, 1)


def _pool() -> ThreadPoolExecutor:
    """One process-wide pool (its threads idle when unused and end with the interpreter)."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="insider-kit-engine")
        return _POOL


def share_chunks(run: Callable[[int, int], T], n: int, chunk: int | None = None) -> list[T]:
    """``run(s0, s1)`` over chunks covering ``0..n``, taken in turn by the calling thread and the pool's other
    workers from one shared counter.  A helper that has not started by the time the caller has taken every
    chunk is cancelled, so work is not held up when the other cores are busy.  About four chunks per worker, of
    1,024 to *chunk* events (a chunk costs ~20 us of Python).

    Parameters
    ----------
    run
        The work of one chunk.
    n
        Items.
    chunk
        Most items per chunk (default :func:`chunk_size`).

    Returns
    -------
    list
        The chunks' results, in no particular order.

    Examples
    --------
    >>> sum(share_chunks(lambda a, b: b - a, 5000))
    5000
    """
    nw = workers()
    step = max(1, min(chunk or chunk_size(), max(1024, -(-n // (4 * nw)))))
    bounds = [(s, min(s + step, n)) for s in range(0, n, step)]
    taken = itertools.count()  # next() on a count is atomic under the GIL

    def take() -> list[T]:
        done = []
        while (k := next(taken)) < len(bounds):
            done.append(run(*bounds[k]))
        return done

    helpers = [_pool().submit(take) for _ in range(min(nw, len(bounds)) - 1)]
    parts = take()
    for f in helpers:
        if not f.cancel():  # started: it holds a chunk, or is about to find none left
            parts += f.result()
    return parts


def parallel_map(fn: Callable[[T], object], items: Sequence[T], *, min_items: int = 2) -> None:
    """Call *fn* on every item, on the pool when there are at least *min_items* (for kernels that write into
    arrays; results are not collected).

    Parameters
    ----------
    fn
        The work of one item.
    items
        The items.
    min_items
        Fewer items run on the calling thread.

    Examples
    --------
    >>> out = []
    >>> parallel_map(out.append, [1, 2, 3])
    >>> sorted(out)
    [1, 2, 3]
    """
    if len(items) < min_items or workers() == 1:
        for it in items:
            fn(it)
        return
    list(_pool().map(fn, items))


def sort_segments(vals: np.ndarray, offsets: np.ndarray, *, parallel: bool) -> np.ndarray:
    """Sort each segment ``vals[offsets[q]:offsets[q + 1]]`` of finite values in place (compiled radix sort) and
    compute the Wilcoxon signed-rank sufficient statistics of each: ``(n, W+, sum t^3 - t)``
    (:func:`insider_kit.eventstudy.reference.wilcoxon_p`); on the pool when *parallel*.

    Parameters
    ----------
    vals
        The concatenated segments.
    offsets
        Segment bounds (``segments + 1``).
    parallel
        Whether to sort on the pool (worth it from about 20,000 values).

    Returns
    -------
    numpy.ndarray
        ``segments x 3``: non-zero values, :math:`W^+` and the tie sum (zeros for segments of 50 values or
        fewer, which the caller tests exactly).

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([3.0, 1.0, 2.0, -1.0])
    >>> _ = sort_segments(v, np.array([0, 2, 4]), parallel=False)
    >>> v.tolist()
    [1.0, 3.0, -1.0, 2.0]
    """
    from .groups import sort_finite, wilcoxon_sorted

    out = np.zeros((len(offsets) - 1, 3))

    def one(q: int) -> None:
        v = vals[offsets[q]: offsets[q + 1]]
        sort_finite(v, np.empty_like(v))
        if len(v) > 50:
            out[q] = wilcoxon_sorted(v)

    if parallel:
        parallel_map(one, range(len(offsets) - 1))
    else:
        for q in range(len(offsets) - 1):
            one(q)
    return out
