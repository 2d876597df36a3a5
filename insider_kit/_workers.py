"""Starting the kit's worker processes safely from any main program, and ending them with it.

The kit's workers (the tidy build's quarter readers, the study's event variants) run under ``forkserver``:
clean processes that do not copy the parent's threads or tables.  Such a worker, and the fork server itself,
first re-runs the parent's main script unless it is guarded by ``if __name__ == "__main__":``; an unguarded
script that loads a study would then start workers from inside a worker (multiprocessing refuses, and the
pool breaks or waits forever).  The kit's workers need only the kit's own modules, so the main module's
file and spec are hidden while they start (:func:`starting_workers`).

A worker dies with the process that started it (:func:`process_pool`, :func:`die_with`).  Without that, a
``kill -9`` of ``insider-kit build`` left its workers running for good: a forkserver worker is the fork
server's child, not the kit process's, and the fork server only exits when every holder of its "alive" pipe
has (the workers hold it too), so nobody saw the kit process go and the workers waited on their task queue
forever (3-4 processes of 233-690 MB each, issue #39).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

__all__ = ["die_with", "process_pool", "starting_workers"]

_LOCK = threading.Lock()
_MISSING = object()


@contextlib.contextmanager
def starting_workers() -> Iterator[None]:
    """Within the block, processes started by multiprocessing do not re-run the main script.

    Returns
    -------
    contextlib.AbstractContextManager
        Restores ``__main__.__file__`` and ``__main__.__spec__`` on exit.
    """
    with _LOCK:
        main = sys.modules.get("__main__")
        saved = {a: getattr(main, a, _MISSING) for a in ("__file__", "__spec__")} if main is not None else {}
        try:
            if main is not None:
                if saved["__file__"] is not _MISSING:
                    del main.__file__
                main.__spec__ = None
            yield
        finally:
            if main is not None:
                for a, v in saved.items():
                    if v is _MISSING:
                        if a != "__spec__" and hasattr(main, a):
                            delattr(main, a)
                    else:
                        setattr(main, a, v)


#: ``prctl`` option: the signal a process receives when its parent ends (``<linux/prctl.h>``).
_PR_SET_PDEATHSIG = 1


def _kill_on_parent_death() -> None:
    """Linux: SIGKILL this process when its parent (for a forkserver worker: the fork server) ends; the kernel
    sends it even while this process holds the GIL in a long computation.  Elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # (no prctl: the watch thread of die_with still ends the process)
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # (it exists, owned by another user)
        return True
    return True


def _wait_for_end(pid: int) -> None:
    """Return when process *pid* has ended: a pidfd (Linux 5.3+) is readable then; elsewhere polled twice a
    second."""
    fd = None
    if hasattr(os, "pidfd_open"):
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            fd = None
    if fd is not None:
        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            while not poller.poll():
                pass
        finally:
            os.close(fd)
        return
    while _alive(pid):
        time.sleep(0.5)


def die_with(parent: int) -> None:
    """Initializer of every kit worker process: the worker ends as soon as process *parent* (the kit process that
    started its pool) does, however that one ended (``kill -9`` included).

    Two mechanisms: on Linux ``PR_SET_PDEATHSIG`` (the kernel kills the worker when its direct parent, the fork
    server, ends), and on every system a daemon thread waiting on *parent* (a pidfd on Linux, else polling)
    that ends the worker with ``os._exit`` (the fork server itself then exits: its last client is gone).

    Parameters
    ----------
    parent
        The process id of the kit process that started the pool.

    Returns
    -------
    None
    """
    _kill_on_parent_death()
    if not _alive(parent):
        os._exit(1)

    def watch() -> None:
        _wait_for_end(parent)
        os._exit(1)

    threading.Thread(target=watch, name="insider-kit-parent-watch", daemon=True).start()


def process_pool(max_workers: int) -> ProcessPoolExecutor:
    """A pool of clean worker processes (``forkserver``) that end with this process (:func:`die_with`).

    Submit work inside :func:`starting_workers` (the pool starts its processes on the first submissions).

    Parameters
    ----------
    max_workers
        Processes in the pool.

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
        The pool.
    """
    import multiprocessing

    return ProcessPoolExecutor(max_workers=max_workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=die_with, initargs=(os.getpid(),))
