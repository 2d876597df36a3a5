"""Normalise reporting-owner relationships and free-text officer titles to a role.

Roles, in order of precedence (a "Chairman & CEO" is a CEO):
``CEO`` > ``CFO`` > ``President`` > ``Chair`` > ``OtherOfficer`` > ``Director``
> ``TenPercentOwner`` > ``Other``.

Titles are free text as filed ("Pres. & CEO", "EVP & Chief Financial
Officer", "Principal Financial Officer", "Chairman of the Board"...).  A title
is read even when the officer box is not ticked, because directors who chair
the board file with the director box and a title.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd

__all__ = ["ROLES", "TOP_EXECUTIVES", "normalise_role", "normalise_roles"]

#: The normalised roles, from most to least senior (the order of every role table).
ROLES: Final[tuple[str, ...]] = (
    "CEO",
    "CFO",
    "President",
    "Chair",
    "OtherOfficer",
    "Director",
    "TenPercentOwner",
    "Other",
)
#: The roles that count as top executives.
TOP_EXECUTIVES: Final[frozenset[str]] = frozenset({"CEO", "CFO"})

_CEO = re.compile(
    r"\bc\.?\s?e\.?\s?o\b|chief\s+exec|principal\s+exec(?:utive)?\s+off|\bco-?ceo\b", re.IGNORECASE
)
_CFO = re.compile(r"\bc\.?\s?f\.?\s?o\b|chief\s+financ|principal\s+financ", re.IGNORECASE)
# "President" but not "Vice President" / "VP"; "Pres." abbreviation included.
_PRES = re.compile(r"(?<!vice\s)(?<!vice-)\bpres(?:ident|\.|\b)", re.IGNORECASE)
_CHAIR = re.compile(r"(?<!vice\s)(?<!vice-)\bchair", re.IGNORECASE)


def normalise_role(
    is_director: bool,
    is_officer: bool,
    is_ten_percent_owner: bool,
    is_other: bool,
    title: str | None,
) -> str:
    """Return the normalised role for one reporting owner: the officer title read first (CEO, CFO, other
    officer), then the director and 10% owner boxes (:data:`ROLES` ranks them, most senior first).

    Parameters
    ----------
    is_director, is_officer, is_ten_percent_owner, is_other
        The form's relationship boxes.
    title
        The officer title as typed (may be None).

    Returns
    -------
    str
        One of :data:`ROLES`.

    Examples
    --------
    >>> normalise_role(False, True, False, False, "Pres. & CEO")
    'CEO'
    >>> normalise_role(False, True, False, False, "EVP & Chief Financial Officer")
    'CFO'
    >>> normalise_role(True, False, False, False, "Chairman of the Board")
    'Chair'
    >>> normalise_role(False, True, False, False, "Senior Vice President, Sales")
    'OtherOfficer'
    """
    t = (title or "").strip()
    if t:
        if _CEO.search(t):
            return "CEO"
        if _CFO.search(t):
            return "CFO"
        if _PRES.search(t):
            return "President"
        if _CHAIR.search(t):
            return "Chair"
    if is_officer:
        return "OtherOfficer"
    if is_director:
        return "Director"
    if is_ten_percent_owner:
        return "TenPercentOwner"
    return "Other"


def normalise_roles(
    is_director: pd.Series,
    is_officer: pd.Series,
    is_ten_percent_owner: pd.Series,
    is_other: pd.Series,
    title: pd.Series,
) -> pd.Categorical:
    """Vectorised :func:`normalise_role` over aligned Series (titles are regex-matched once each).

    Parameters
    ----------
    is_director, is_officer, is_ten_percent_owner, is_other
        The relationship boxes, one value per owner.
    title
        Officer titles.

    Returns
    -------
    pandas.Categorical
        The roles, with :data:`ROLES` as the categories.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.Series([False, False])
    >>> list(normalise_roles(f, pd.Series([True, False]), f, f, pd.Series(["CEO", None])))
    ['CEO', 'Other']
    """
    # each distinct title matched once, the roles built as category codes (no per-owner strings)
    codes, uniq = pd.factorize(title, use_na_sentinel=False)
    u = pd.Series(uniq, dtype=object).fillna("").astype(str)
    cat = {r: k for k, r in enumerate(ROLES)}
    title_code = np.select(
        [u.str.contains(p).to_numpy(bool) for p in (_CEO, _CFO, _PRES, _CHAIR)],
        [cat["CEO"], cat["CFO"], cat["President"], cat["Chair"]],
        default=-1,
    )[codes]
    d = is_director.fillna(False).to_numpy(bool)
    o = is_officer.fillna(False).to_numpy(bool)
    ten = is_ten_percent_owner.fillna(False).to_numpy(bool)
    fallback = np.where(o, cat["OtherOfficer"], np.where(d, cat["Director"],
                                                         np.where(ten, cat["TenPercentOwner"], cat["Other"])))
    out = np.where(title_code >= 0, title_code, fallback)
    return pd.Categorical.from_codes(out, dtype=pd.CategoricalDtype(list(ROLES)))  # type: ignore[return-value]
