"""Spreadsheets handed to users (Excel and CSV exports): no cell a spreadsheet would run as a formula.

An enterprise can name itself "=HYPERLINK(...)" or "@SUM(...)"; an official who opens the export
would run it. Following OWASP's advice on CSV injection, every text cell that starts with a character a
spreadsheet reads as the start of a formula gets a leading single quote, so that it is shown as typed.
Numbers stay numbers (a negative amount is data, not a formula). The screens build every .xlsx and
.csv through `xlsx_bytes` / `csv_bytes` (ui.widgets wraps them), never through pandas directly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import pandas as pd

# "=", "+", "-", "@", their full-width forms (Excel and WPS read those as formula starts too), and
# the tab and carriage return some spreadsheets skip before looking for one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralised(value):
    """The value as a cell should hold it: a string that would start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of the table with every text cell (and column name) neutralised; numbers untouched."""
    safe = df.copy()
    safe.columns = [neutralised(c) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralised)
    return safe


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per table (sheet names cut to Excel's 31 characters)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, df in sheets.items():
            safe_frame(df).to_excel(writer, index=False, sheet_name=name[:31])
    return buffer.getvalue()


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark, so that Excel in China opens it as UTF-8.

    Every text field is quoted: pandas leaves a carriage return unquoted, and a spreadsheet starts a new
    row there, whose first cell would be whatever followed it (a formula, say)."""
    return safe_frame(df).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")
