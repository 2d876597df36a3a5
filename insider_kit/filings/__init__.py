"""SEC insider filings: quarterly data sets, Form 4 XML, the EDGAR client, the tidy tables."""

from __future__ import annotations

from .codes import CODE_CLASSES, TRANSACTION_CODES, code_class
from .dataset import QuarterData, read_quarter
from .form4 import Form4, parse_form4, parse_form4_files
from .plan import mentions_plan, resolve_plan_flags
from .roles import ROLES, TOP_EXECUTIVES, normalise_role, normalise_roles
from .schema import TIDY_COLUMNS, finalize_columns
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
    "finalize_columns",
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
