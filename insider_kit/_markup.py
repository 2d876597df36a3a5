"""User-supplied text (folder names, tickers, company and insider names, claim text) put into Markdown safely.

HTML is escaped with :func:`html.escape` wherever the kit writes it.  Markdown has no such function: a code span
ends at the first run of backticks as long as its fence, so a folder named ``data`<img src=x onerror=...>`` broke
out of the notebook banner's ```...``` and raw HTML reached every rendered notebook (issue #39.11).
"""

from __future__ import annotations

import re

__all__ = ["md_code"]

_TICKS = re.compile(r"`+")


def md_code(text: object) -> str:
    """*text* as one Markdown code span that shows it literally, whatever it holds.

    The fence is one backtick longer than the longest run of backticks inside, and one space pads each side
    (CommonMark 0.31, section 6.1: a code span closes only on a backtick string of the fence's length, and one
    space is stripped from each side when both are present), so no character inside can end the span; inside a
    code span ``<`` and ``&`` are text, never HTML.  Characters that are not printable (a line break would end
    the paragraph) are shown as escapes.

    Parameters
    ----------
    text
        The text (any object: its ``str``).

    Returns
    -------
    str
        The code span.

    Examples
    --------
    >>> md_code("/data/q3")
    '` /data/q3 `'
    >>> md_code("data`<img src=x onerror=alert(1)>`")
    '`` data`<img src=x onerror=alert(1)>` ``'
    >>> md_code("a\\nb")
    '` a\\\\nb `'
    """
    s = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(text))
    fence = "`" * (max((len(m.group()) for m in _TICKS.finditer(s)), default=0) + 1)
    return f"{fence} {s} {fence}"
