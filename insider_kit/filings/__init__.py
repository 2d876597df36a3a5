"""SEC insider filings: quarterly data sets, Form 4 XML, the EDGAR client, the tidy tables."""

from __future__ import annotations

from .codes import CODE_CLASSES, TRANSACTION_CODES, code_class
from .dataset import TIDY_COLUMNS, QuarterData, read_quarter
from .form4 import Form4, parse_form4, parse_form4_files
from .plan import mentions_plan, resolve_plan_flags
from .roles import ROLES, TOP_EXECUTIVES, normalise_role, normalise_roles
from .tidy import apply_amendments, build_tidy, load_owners, load_transactions

__all__ = [
    "CODE_CLASSES",
    "ROLES",
    "TIDY_COLUMNS",
    "TOP_EXECUTIVES",
    "TRANSACTION_CODES",
    "Form4",
    "QuarterData",
    "apply_amendments",
    "build_tidy",
    "code_class",
    "load_owners",
    "load_transactions",
    "mentions_plan",
    "normalise_role",
    "normalise_roles",
    "parse_form4",
    "parse_form4_files",
    "read_quarter",
    "resolve_plan_flags",
]
