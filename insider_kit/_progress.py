"""Progress bars and status lines that work in a terminal and in JupyterLab and print nothing when switched
off (or when nobody watches: a status line is shown only in a kernel or a terminal).

``tqdm.auto`` warns at import time (``IProgress not found``) when ipywidgets is missing, even for a bar that
is disabled; this helper imports it only when the widget bar can be drawn, else the plain bar.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["Status", "begin", "status", "tqdm"]


def tqdm(*args: Any, **kwargs: Any) -> Any:
    """``tqdm.auto.tqdm`` when ipywidgets is installed, else the plain ``tqdm.tqdm`` (same arguments)."""
    if kwargs.get("disable"):
        from tqdm import tqdm as plain

        return plain(*args, **kwargs)
    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm as auto

        return auto(*args, **kwargs)
    from tqdm import tqdm as plain

    return plain(*args, **kwargs)


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (JupyterLab, papermill, myst-nb), without importing IPython otherwise."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class Status:
    """A status line being shown (:func:`begin`); :meth:`end` replaces it with what was done and the time."""

    def __init__(self, message: str, done: str | None = None) -> None:
        self.message, self.done = message, done or message.rstrip(". …")
        self.t0 = time.monotonic()
        self.handle: Any = None
        self.where = "kernel" if _in_kernel() else "tty" if sys.stderr.isatty() else None
        if self.where == "kernel":
            from IPython.display import display

            self.handle = display({"text/plain": message}, raw=True, display_id=True)
        elif self.where == "tty":
            print(message, file=sys.stderr, flush=True)

    def end(self, failed: bool = False) -> None:
        """Show what was done (or that the step stopped) with the seconds it took."""
        text = f"{self.message} stopped" if failed else f"{self.done} ({time.monotonic() - self.t0:.0f} s)"
        if self.where == "kernel" and self.handle is not None:
            self.handle.update({"text/plain": text}, raw=True)
        elif self.where == "tty":
            print(text, file=sys.stderr, flush=True)
        self.where = None


def begin(message: str, *, done: str | None = None) -> Status:
    """Start showing *message* (see :func:`status`); call ``.end()`` on the result when the step is done."""
    return Status(message, done)


@contextlib.contextmanager
def status(message: str, *, done: str | None = None) -> Iterator[None]:
    """Say what a long step is doing while it runs, where someone is watching.

    In a Jupyter kernel the *message* is shown as the cell's output and replaced, when the step ends, by
    *done* with the time it took (one line, no stderr: the notebook stays clean); in a terminal it goes to
    stderr; elsewhere (doctests, a script whose output goes to a file) nothing is printed.

    Parameters
    ----------
    message
        What is being done (``"building the study for data/sample (first time, ~20 s) ..."``).
    done
        What was done, shown with the seconds it took (default: *message* without its trailing dots).

    Examples
    --------
    >>> with status("sorting a list ..."):  # nothing shown here: not a kernel, not a terminal
    ...     xs = sorted([3, 1, 2])
    >>> xs
    [1, 2, 3]
    """
    note = begin(message, done=done)
    try:
        yield
    except BaseException:
        note.end(failed=True)
        raise
    note.end()
