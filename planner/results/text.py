"""The one renderer of tables as text: pandas' aligned columns without the
index, each column in its own format, a missing value shown empty. Used by
the solve summary, the study commands and the robust comparison; ``planner
show`` and ``compare`` lay out their tables with a rule line instead
(planner.report.views.format_table)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def missing(value: Any) -> bool:
    """None or NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def text_table(
    df: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    *,
    floats: str | None = None,
    indent: str = "",
    empty: str | None = None,
    blank_missing: bool = True,
) -> str:
    """``df`` as aligned text.

    ``formats`` maps a column to its format (``"{:,.1f}"``); ``floats`` is the
    format of every other float column. A formatted cell that is missing is
    empty; with ``blank_missing`` every other missing cell is too. ``empty``
    is the text of a table without rows (default: pandas' own). Each line
    starts with ``indent``.
    """
    import pandas as pd  # loaded already: df is a DataFrame

    if empty is not None and df.empty:
        return indent + empty
    shown = df.copy()
    for col in shown.columns:
        fmt = (formats or {}).get(col)
        if fmt is None and floats is not None and pd.api.types.is_float_dtype(shown[col]):
            fmt = floats
        if fmt is not None:
            shown[col] = shown[col].map(lambda v, fmt=fmt: "" if missing(v) else fmt.format(v))
    if blank_missing:
        shown = shown.fillna("")
    return "\n".join(indent + line for line in shown.to_string(index=False).splitlines())
