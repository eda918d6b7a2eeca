"""Tables for spreadsheets that no spreadsheet evaluates.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is a formula to Excel, LibreOffice and Google Sheets when they open a
CSV file. Every text cell (and header) planner writes to a CSV file is
quoted, and every one that
begins with one of these, or with an apostrophe, gets one leading apostrophe
(the usual guard: the spreadsheet shows the text, and :func:`read_csv` takes
the apostrophe off again). Numbers are written as numbers. In a workbook
(:func:`write_sheet`) every text cell is of Excel's string type with the
quote prefix set, so it holds exactly the text and no formula.

``read_csv(path)`` reads a CSV file planner wrote back into the same table:
text as it was (names such as ``NA``, ``null`` or ``007`` included), numbers
as numbers.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
GUARD = "'"


def guard(value):
    """The cell as written: text that a spreadsheet would evaluate gets a
    leading apostrophe; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return GUARD + value
    return value


def unguard(value):
    if isinstance(value, str) and value.startswith(GUARD):
        return value[1:]
    return value


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column)


def guarded(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and headers are guarded."""
    out = df.copy()
    for col in out.columns:
        if _is_text(out[col]):
            out[col] = out[col].map(guard)
    out.columns = [guard(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_text(df: pd.DataFrame) -> str:
    """``df`` as CSV text, guarded, every text cell quoted (so that a carriage
    return inside one cannot end a row); :func:`read_csv` reads it back."""
    return guarded(df).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)


def read_csv(
    path: str | os.PathLike | io.StringIO, text_columns: Iterable[str] = ()
) -> pd.DataFrame:
    """A CSV file of planner's back as the table written: guards removed,
    text kept as text (``text_columns``, and every column with a guarded or
    non-numeric cell), numbers and true/false as pandas reads them."""
    if isinstance(path, io.StringIO):
        raw = path.getvalue()
    else:
        with open(path, encoding="utf-8", newline="") as fh:
            raw = fh.read()
    as_text = pd.read_csv(io.StringIO(raw), dtype=str, keep_default_na=False)
    inferred = pd.read_csv(io.StringIO(raw))
    text = set(text_columns)
    out = {}
    for i, name in enumerate(as_text.columns):
        cells = as_text.iloc[:, i]
        column = inferred.iloc[:, i]
        if unguard(name) in text or cells.str.startswith(GUARD).any() or _is_text(column):
            out[unguard(name)] = cells.map(unguard).where(cells != "", None)
        else:
            out[unguard(name)] = column
    return pd.DataFrame(out, columns=[unguard(c) for c in as_text.columns])


def write_sheet(sheet, df: pd.DataFrame) -> None:
    """``df`` into an empty openpyxl worksheet: a header row, then one row a
    record; text cells of the string type (no formula, quote prefix set),
    numbers as numbers, missing values blank."""
    import math

    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING

    def put(row: int, col: int, value) -> None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        cell = sheet.cell(row=row, column=col)
        if isinstance(value, (bool, int, float)):
            cell.value = value
            return
        # A workbook cannot hold control characters: they are shown escaped.
        text = ILLEGAL_CHARACTERS_RE.sub(
            lambda m: m[0].encode("unicode_escape").decode("ascii"), str(value)
        )
        cell.value = text
        cell.data_type = TYPE_STRING
        if text.startswith(TRIGGERS):
            cell.quotePrefix = True

    for j, name in enumerate(df.columns, start=1):
        put(1, j, str(name))
    for i, record in enumerate(df.itertuples(index=False), start=2):
        for j, value in enumerate(record, start=1):
            put(i, j, value)


__all__ = ["csv_text", "guard", "guarded", "read_csv", "unguard", "write_sheet"]
