"""Starting the kit's worker processes safely from any main program.

The kit's workers (the tidy build's quarter readers, the study's event variants) run under ``forkserver``:
clean processes that do not copy the parent's threads or tables.  Such a worker, and the fork server itself,
first re-runs the parent's main script unless it is guarded by ``if __name__ == "__main__":``; an unguarded
script that loads a study would then start workers from inside a worker (multiprocessing refuses, and the
pool breaks or waits forever).  The kit's workers need only the kit's own modules, so the main module's
file and spec are hidden while they start (:func:`starting_workers`).
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator

__all__ = ["starting_workers"]

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
