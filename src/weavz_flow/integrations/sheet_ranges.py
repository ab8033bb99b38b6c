"""A1 notation for Google Sheets: quoting sheet names, column letters, and row/column references."""

from __future__ import annotations

import re

_PLAIN_SHEET = re.compile(r"[A-Za-z0-9_]+")
_LETTERS = re.compile(r"[A-Za-z]{1,3}")


def quote_sheet(name: str) -> str:
    """``Sheet1`` stays; ``Log Book`` becomes ``'Log Book'`` and ``Bob's`` becomes ``'Bob''s'``."""
    return name if _PLAIN_SHEET.fullmatch(name) else "'" + name.replace("'", "''") + "'"


def sheet_range(sheet: str | None, cells: str | None = None) -> str:
    """A range on ``sheet`` (the first sheet when None); without ``cells`` the whole sheet."""
    if sheet is None:
        return cells or "A:ZZZ"
    return f"{quote_sheet(sheet)}!{cells}" if cells else quote_sheet(sheet)


def has_sheet(range_text: str) -> bool:
    return "!" in range_text


def column_index(column: str) -> int | None:
    """Zero-based index of a column given as letters (``A``, ``AB``) or a zero-based number (``0``, ``3``)."""
    text = column.strip()
    if text.isdigit():
        return int(text)
    if not _LETTERS.fullmatch(text):
        return None
    n = 0
    for ch in text.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def column_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out
