"""JSON that every parser reads: no bare ``NaN``, ``Infinity`` or
``-Infinity`` (Python's ``json`` writes them by default; strict parsers such
as ``jq`` or a browser's ``JSON.parse`` refuse them).

:func:`dumps` writes a non-finite number as ``null`` and, when the object is
a mapping, lists where that happened under ``"non_finite"`` (e.g.
``"rows[3].mip_gap was inf"``), so that a null is never taken for a value
that was simply missing.
"""

from __future__ import annotations

import json
import math
from typing import Any

NOTE_KEY = "non_finite"


def _clean(obj: Any, path: str, notes: list[str]) -> Any:
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        notes.append(f"{path or '(top level)'} was {obj}")
        return None
    if isinstance(obj, dict):
        return {k: _clean(v, f"{path}.{k}" if path else str(k), notes) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v, f"{path}[{i}]", notes) for i, v in enumerate(obj)]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):  # numpy scalars
        try:
            return _clean(obj.item(), path, notes)
        except (TypeError, ValueError):
            return obj
    return obj


def strict(obj: Any) -> tuple[Any, list[str]]:
    """``obj`` with every non-finite float as None, and where each was."""
    notes: list[str] = []
    return _clean(obj, "", notes), notes


def dumps(obj: Any, indent: int | None = 1, note: bool = True) -> str:
    """Strict JSON of ``obj``; see the module's doc."""
    clean, notes = strict(obj)
    if notes and note and isinstance(clean, dict):
        clean = {**clean, NOTE_KEY: notes}
    return json.dumps(clean, indent=indent, allow_nan=False)


__all__ = ["dumps", "strict"]
