"""Where the kit keeps its data, and who it says it is to the SEC.

Resolution order for the data directory: an explicit argument (the CLI's
``--data``) > the ``INSIDER_KIT_DATA`` environment variable > ``./data``.
Nothing here touches the disk or the environment at import time.

Layout under the data directory (see DESIGN.md)::

    raw/sec/<YYYYqN>_form345.zip      quarterly SEC data sets, as downloaded
    raw/edgar/<cik>/<accession>.txt   recent Form 4 submissions
    raw/prices/<TICKER>.parquet       one file per ticker
    raw/factors/                      Fama-French daily factors
    tidy/transactions/, tidy/owners/  Parquet built by ``insider-kit build``
    sample/                           the synthetic teaching market (same raw layout)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

__all__ = ["DataPaths", "data_dir", "paths", "sec_user_agent", "study_dir"]

DATA_ENV = "INSIDER_KIT_DATA"
UA_ENV = "SEC_USER_AGENT"
UA_EXAMPLE = 'SEC_USER_AGENT="Jane Researcher jane.researcher@university.edu"'


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory: *explicit* > ``$INSIDER_KIT_DATA`` > ``./data``.

    The special value ``"sample"`` means the teaching market under the default data directory
    (``<data>/sample``).  Without an explicit value or the environment variable, a ``data/`` folder in the
    working directory or in one of its three parents is used (a notebook runs in ``notebooks/``, beside the
    project's ``data/``); else ``./data``.

    Parameters
    ----------
    explicit
        A directory (the CLI's ``--data``), ``"sample"``, or None.

    Returns
    -------
    pathlib.Path
        The directory (not created, and not checked to exist).

    Examples
    --------
    >>> data_dir("/srv/insider").as_posix()
    '/srv/insider'
    >>> data_dir("sample").name
    'sample'
    """
    if explicit is not None and str(explicit) != "":
        if str(explicit) == "sample":
            return data_dir(None) / "sample"
        return Path(explicit).expanduser()
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    here = Path.cwd()
    for d in (here, *list(here.parents)[:3]):
        if (d / "data").is_dir():
            return d / "data" if d != here else Path("data")
    return Path("data")


def study_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The directory a study is loaded from: :func:`data_dir`, or the teaching market inside it when the data
    directory holds no data of its own (no ``raw/``, ``tidy/`` or imported files) but a ``sample/``.

    Parameters
    ----------
    explicit
        As for :func:`data_dir`.

    Returns
    -------
    pathlib.Path
        An existing directory.

    Raises
    ------
    ConfigError
        When that directory does not exist, with its absolute path, the working directory and the command
        that creates it.

    Examples
    --------
    >>> study_dir("sample").name
    'sample'
    >>> study_dir("/no/such/dir")
    Traceback (most recent call last):
    ...
    insider_kit.errors.ConfigError: data directory /no/such/dir does not exist ...
    """
    d = data_dir(explicit)
    p = DataPaths(d)
    if d.is_dir() and not p.has_data() and DataPaths(d / "sample").has_data():
        d = d / "sample"
    if not d.is_dir():
        raise ConfigError(
            f"data directory {d.resolve()} does not exist (working directory {Path.cwd()})",
            hint=f"create the teaching market with 'insider-kit sample --data {d.resolve().parent if d.name == 'sample' else d.resolve()}' "
                 "(or 'make sample'), or set INSIDER_KIT_DATA to a directory with data")
    return d


@dataclass(frozen=True)
class DataPaths:
    """Every path the kit reads or writes, derived from one root (nothing else builds a data path)."""

    root: Path

    def __post_init__(self) -> None:
        # accept str / os.PathLike (what a notebook user types)
        object.__setattr__(self, "root", Path(self.root).expanduser())

    # ------------------------------------------------------------------ raw, as downloaded or imported
    @property
    def raw(self) -> Path:
        """Everything as downloaded or imported (``raw/``)."""
        return self.root / "raw"

    @property
    def raw_sec(self) -> Path:
        """The SEC's quarterly data-set zips (``raw/sec/<YYYYqN>_form345.zip``)."""
        return self.raw / "sec"

    @property
    def raw_edgar(self) -> Path:
        """Form 4 submissions from EDGAR (``raw/edgar/<cik>/<accession>.txt``)."""
        return self.raw / "edgar"

    @property
    def raw_prices(self) -> Path:
        """One price file per ticker (``raw/prices/<TICKER>.parquet``)."""
        return self.raw / "prices"

    @property
    def raw_factors(self) -> Path:
        """The Fama-French daily factor files."""
        return self.raw / "factors"

    @property
    def raw_imported(self) -> Path:
        """Third-party files as imported (OpenInsider, TFN, CSV), with a record of what came from where."""
        return self.raw / "imported"

    @property
    def company_tickers(self) -> Path:
        """The SEC's ``company_tickers.json`` (CIK -> ticker)."""
        return self.raw / "company_tickers.json"

    @property
    def firms(self) -> Path:
        """Optional ``firms.csv`` (``ticker``, ``ipo_date``, ``shares_outstanding``)."""
        return self.root / "firms.csv"

    # ------------------------------------------------------------------ derived (rebuildable)
    @property
    def tidy(self) -> Path:
        """The tidy tables built by ``insider-kit build``."""
        return self.root / "tidy"

    @property
    def transactions(self) -> Path:
        """The tidy transactions table (Parquet dataset)."""
        return self.tidy / "transactions"

    @property
    def owners(self) -> Path:
        """The tidy reporting-owners table (Parquet dataset)."""
        return self.tidy / "owners"

    @property
    def dropped(self) -> Path:
        """Rows the tidy build could not use, with their reasons."""
        return self.tidy / "dropped.parquet"

    @property
    def tidy_staging(self) -> Path:
        """Where a build writes the next tidy tables before swapping them in."""
        return self.root / ".tidy.staging"

    @property
    def tidy_old(self) -> Path:
        """The previous tidy tables during the swap (removed once the new ones are in place)."""
        return self.root / ".tidy.old"

    @property
    def cache(self) -> Path:
        """Derived, rebuildable caches (the persistent study, per-quarter builds)."""
        return self.root / "cache"

    @property
    def study_cache(self) -> Path:
        """The persistent study (events with signals, returns panel), keyed by a fingerprint."""
        return self.cache / "study"

    @property
    def lock(self) -> Path:
        """Lock file held while a build writes into this directory."""
        return self.root / ".insider-kit.lock"

    # ------------------------------------------------------------------ the teaching market
    @property
    def sample(self) -> Path:
        """The teaching market's own data directory (``sample/``)."""
        return self.root / "sample"

    @property
    def truth(self) -> Path:
        """The teaching market's planted effects (``truth.json``)."""
        return self.root / "truth.json"

    @property
    def truth_events(self) -> Path:
        """The teaching market's planted events (one row per generated filing)."""
        return self.root / "truth_events.parquet"

    @property
    def synthetic_marker(self) -> Path:
        """The file that marks a data directory as synthetic (``SYNTHETIC``)."""
        return self.root / "SYNTHETIC"

    @property
    def is_synthetic(self) -> bool:
        """True when this directory holds the generated teaching market (its ``SYNTHETIC`` marker file: the
        one rule the kit uses to label data synthetic)."""
        return self.synthetic_marker.exists()

    def has_data(self) -> bool:
        """True when there is anything to study here: raw filings, imported files or tidy tables."""
        return any(d.is_dir() and any(d.iterdir()) for d in (self.raw_sec, self.raw_edgar, self.raw_imported,
                                                              self.transactions))


def paths(explicit: str | os.PathLike[str] | None = None) -> DataPaths:
    """Return :class:`DataPaths` for the resolved data directory.

    Parameters
    ----------
    explicit
        As for :func:`data_dir`.

    Returns
    -------
    DataPaths
        Every path under that directory.

    Examples
    --------
    >>> p = paths("/srv/insider")
    >>> p.raw_sec.as_posix(), p.transactions.as_posix()
    ('/srv/insider/raw/sec', '/srv/insider/tidy/transactions')
    """
    return DataPaths(data_dir(explicit))


_UA_RE = re.compile(r"\S+@\S+\.\S+")


def sec_user_agent(value: str | None = None) -> str:
    """Return the declared SEC identity, required by the SEC's fair-access policy.

    The SEC asks automated clients to declare who they are in the User-Agent,
    with a contact e-mail address.  Only needed when talking to the SEC.

    Parameters
    ----------
    value
        The identity; None reads ``$SEC_USER_AGENT``.

    Returns
    -------
    str
        The identity, stripped.

    Raises
    ------
    ConfigError
        When ``SEC_USER_AGENT`` is unset or has no e-mail address in it.

    Examples
    --------
    >>> sec_user_agent("Jane Researcher jane@university.edu")
    'Jane Researcher jane@university.edu'
    >>> sec_user_agent("Jane Researcher")
    Traceback (most recent call last):
    ...
    insider_kit.errors.ConfigError: SEC_USER_AGENT='Jane Researcher' has no contact e-mail address ...
    """
    ua = (value if value is not None else os.environ.get(UA_ENV, "")).strip()
    if not ua:
        raise ConfigError(
            f"{UA_ENV} is not set; the SEC requires a declared identity for automated access",
            hint=f"export {UA_EXAMPLE}",
        )
    if not _UA_RE.search(ua):
        raise ConfigError(
            f"{UA_ENV}={ua!r} has no contact e-mail address",
            hint=f"export {UA_EXAMPLE}",
        )
    return ua
