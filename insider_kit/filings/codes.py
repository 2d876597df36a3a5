"""Official Form 4 transaction codes (General Instructions, Item 8) and their classes.

The *code class* groups codes by what they say about the insider's intent;
it is the first thing an event study conditions on.  Open-market purchases (P)
and sales (S) are the discretionary trades the literature studies; exercises,
tax withholding, grants and gifts are mostly mechanical.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CODE_CLASSES", "TRANSACTION_CODES", "CodeClass", "code_class", "code_table"]

#: The SEC's Form 4 transaction codes and their meaning (Form 4 General Instructions, section 8).
TRANSACTION_CODES: Final[dict[str, str]] = {
    "P": "Open market or private purchase of non-derivative or derivative security",
    "S": "Open market or private sale of non-derivative or derivative security",
    "V": "Transaction voluntarily reported earlier than required",
    "A": "Grant, award or other acquisition pursuant to Rule 16b-3(d)",
    "D": "Disposition to the issuer of issuer equity securities pursuant to Rule 16b-3(e)",
    "F": "Payment of exercise price or tax liability by delivering or withholding securities",
    "I": "Discretionary transaction in accordance with Rule 16b-3(f)",
    "M": "Exercise or conversion of derivative security exempted pursuant to Rule 16b-3",
    "C": "Conversion of derivative security",
    "E": "Expiration of short derivative position",
    "H": "Expiration (or cancellation) of long derivative position with value received",
    "O": "Exercise of out-of-the-money derivative security",
    "X": "Exercise of in-the-money or at-the-money derivative security",
    "G": "Bona fide gift",
    "L": "Small acquisition under Rule 16a-6",
    "W": "Acquisition or disposition by will or the laws of descent and distribution",
    "Z": "Deposit into or withdrawal from voting trust",
    "J": "Other acquisition or disposition (describe transaction)",
    "K": "Transaction in equity swap or instrument with similar characteristics",
    "U": "Disposition pursuant to a tender of shares in a change of control transaction",
}

#: The kit's classes of transaction codes.
CodeClass = Literal["purchase", "sale", "exercise", "tax", "grant", "gift", "other"]

#: Transaction code -> class.
CODE_CLASSES: Final[dict[str, CodeClass]] = {
    "P": "purchase",
    "S": "sale",
    "M": "exercise",
    "X": "exercise",
    "O": "exercise",
    "C": "exercise",
    "F": "tax",
    "A": "grant",
    "G": "gift",
}


def code_class(code: str | None) -> CodeClass:
    """Return the class of a one-letter transaction code (``'other'`` when unknown).

    Parameters
    ----------
    code
        The Form 4 transaction code (``P``, ``S``, ``M``, ...); None or an unknown code is ``'other'``.

    Returns
    -------
    str
        One of ``CodeClass``' values (``purchase``, ``sale``, ``exercise``, ``grant``, ``tax``, ...).

    Examples
    --------
    >>> code_class("P"), code_class("M"), code_class("Z")
    ('purchase', 'exercise', 'other')
    """
    if not code:
        return "other"
    return CODE_CLASSES.get(code.strip().upper()[:1], "other")


def code_table(transactions: pd.DataFrame) -> pd.DataFrame:
    """Rows per transaction code with the code's official meaning, most frequent first.

    Parameters
    ----------
    transactions
        Any frame with a ``trans_code`` column.

    Returns
    -------
    pandas.DataFrame
        ``rows`` and ``meaning`` (from :data:`TRANSACTION_CODES`; ``?`` for a code the SEC does not define),
        indexed by ``code``.

    Examples
    --------
    >>> import pandas as pd
    >>> code_table(pd.DataFrame({"trans_code": ["S", "S", "P", "Q"]}))["rows"].to_dict()
    {'S': 2, 'P': 1, 'Q': 1}
    """
    import pandas as pd

    counts = transactions["trans_code"].value_counts().rename("rows")
    out = pd.DataFrame({"rows": counts.astype(int), "meaning": [TRANSACTION_CODES.get(str(c), "?") for c in counts.index]})
    out.index.name = "code"
    from ..tables import display_frame

    return display_frame(out)
