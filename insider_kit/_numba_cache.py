"""A writable place for numba's cache of the kit's compiled kernels, whatever account runs the kit.

numba caches a ``cache=True`` function in the ``__pycache__`` folder beside its source, else in the account's
cache folder (``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba``), and decorating the function fails with
``RuntimeError: cannot cache function ...: no locator available`` when neither is writable (a kit installed by
another account, run by an account without a writable home directory: a service account, a container's
``nobody``).  Before numba is imported, :func:`ensure_numba_cache` points ``NUMBA_CACHE_DIR`` at a folder of
the system's temporary directory in that case (numba's documented setting:
https://numba.readthedocs.io/en/stable/reference/envvars.html#envvar-NUMBA_CACHE_DIR).  It runs when this
module is imported, which ``insider_kit/__init__.py`` does first.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["ensure_numba_cache", "numba_cache_dir"]

#: The kit's folders holding ``cache=True`` functions (numba caches each in its ``__pycache__``).
_KERNEL_DIRS = ("eventstudy/_kernels", "signals")


def _writable(d: Path) -> bool:
    """Whether numba could cache in *d*: it creates the folder and a temporary file there, as numba's locators
    do (``numba.core.caching._CacheLocator.ensure_cache_path``)."""
    try:
        d.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=d).close()
    except (OSError, ValueError):
        return False
    return True


def _user_cache() -> Path | None:
    """numba's per-account cache folder (its ``AppDirs("numba").user_cache_dir``), None without a home."""
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):
        return None
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "numba"
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA") or home) / "numba" / "numba" / "Cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "numba"


def numba_cache_dir(sources: Iterable[Path], user_cache: Path | None) -> Path | None:
    """Where numba should cache the kernels: None when its own places serve (every *sources* folder's
    ``__pycache__``, else *user_cache*), else a writable folder of the temporary directory (None when even that
    is not writable: numba then says so itself).

    Parameters
    ----------
    sources
        The folders of the modules with cached functions.
    user_cache
        numba's per-account cache folder (None: the account has no home directory).

    Returns
    -------
    pathlib.Path or None
        The folder for ``NUMBA_CACHE_DIR``, or None.

    Examples
    --------
    >>> import tempfile
    >>> numba_cache_dir([Path(tempfile.mkdtemp())], None) is None  # a writable source folder
    True
    """
    if all(_writable(Path(s) / "__pycache__") for s in sources):
        return None
    if user_cache is not None and _writable(user_cache):
        return None
    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    fallback = Path(tempfile.gettempdir()) / f"insider-kit-numba-cache-{uid}"
    return fallback if _writable(fallback) else None


def ensure_numba_cache() -> None:
    """Set ``NUMBA_CACHE_DIR`` when numba would find no writable cache folder for the kit's kernels (module
    docstring); nothing when it is set already (and writable) or numba's own places serve.  Call before numba
    is imported.

    Returns
    -------
    None
    """
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given and _writable(Path(given)):
        return
    pkg = Path(__file__).resolve().parent
    d = numba_cache_dir([pkg / k for k in _KERNEL_DIRS], _user_cache())
    if d is not None:
        os.environ["NUMBA_CACHE_DIR"] = str(d)


ensure_numba_cache()
