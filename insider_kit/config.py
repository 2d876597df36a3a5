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

__all__ = ["DataPaths", "data_dir", "paths", "sec_user_agent"]

DATA_ENV = "INSIDER_KIT_DATA"
UA_ENV = "SEC_USER_AGENT"
UA_EXAMPLE = 'SEC_USER_AGENT="Jane Researcher jane.researcher@university.edu"'


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory: *explicit* > ``$INSIDER_KIT_DATA`` > ``./data``.

    The special value ``"sample"`` means the teaching market under the default
    data directory (``<data>/sample``).
    """
    if explicit is not None and str(explicit) != "":
        if str(explicit) == "sample":
            return data_dir(None) / "sample"
        return Path(explicit).expanduser()
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path("data")


@dataclass(frozen=True)
class DataPaths:
    """Every path the kit reads or writes, derived from one root."""

    root: Path

    def __post_init__(self) -> None:
        # accept str / os.PathLike (what a notebook user types)
        object.__setattr__(self, "root", Path(self.root).expanduser())

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def raw_sec(self) -> Path:
        return self.raw / "sec"

    @property
    def raw_edgar(self) -> Path:
        return self.raw / "edgar"

    @property
    def raw_prices(self) -> Path:
        return self.raw / "prices"

    @property
    def raw_factors(self) -> Path:
        return self.raw / "factors"

    @property
    def tidy(self) -> Path:
        return self.root / "tidy"

    @property
    def transactions(self) -> Path:
        return self.tidy / "transactions"

    @property
    def owners(self) -> Path:
        return self.tidy / "owners"

    @property
    def sample(self) -> Path:
        return self.root / "sample"

    @property
    def truth(self) -> Path:
        return self.root / "truth.json"

    @property
    def is_synthetic(self) -> bool:
        """True when this directory holds the generated teaching market."""
        return (self.root / "SYNTHETIC").exists() or self.truth.exists()


def paths(explicit: str | os.PathLike[str] | None = None) -> DataPaths:
    """Return :class:`DataPaths` for the resolved data directory."""
    return DataPaths(data_dir(explicit))


_UA_RE = re.compile(r"\S+@\S+\.\S+")


def sec_user_agent(value: str | None = None) -> str:
    """Return the declared SEC identity, required by the SEC's fair-access policy.

    The SEC asks automated clients to declare who they are in the User-Agent,
    with a contact e-mail address.  Only needed when talking to the SEC.

    Raises
    ------
    ConfigError
        When ``SEC_USER_AGENT`` is unset or has no e-mail address in it.
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
