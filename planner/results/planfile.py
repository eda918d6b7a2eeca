"""The plan file (plan.json of ``planner solve --out``) read through one
schema: every command that reads a plan calls :func:`read_plan_file`.

A file that is not a plan, or a plan whose content was changed by hand into
something no solve writes (a key missing or of the wrong type, a table
without its columns, a number that is not finite, a period outside the
horizon), is refused with one line: ``FILE: path: what was expected, got
value``. :func:`mismatch` says in one line why a plan is not one of a given
instance. The schema and its checks, which need no Plan, are in
planner.results.plan_schema. docs/plan.md describes the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from planner.io.errors import one_line
from planner.results.plan import Plan
from planner.results.plan_schema import (
    FLAGS,
    HINT,
    INSTANCE_KEYS,
    MAX_PLAN_BYTES,
    TEXT,
    WHOLE,
    PlanFile,
    PlanFileError,
    checked_data,
    is_instance_text,
    plan_data,
)


def parse_plan(text: str, source: str = "<plan>") -> Plan:
    """A :class:`Plan` from the text of a plan file, or :class:`PlanFileError`."""
    return Plan.from_dict(plan_data(text, source))


def plan_from_data(data: Any, source: str = "<plan>") -> Plan:
    """A :class:`Plan` from the parsed JSON of a plan file, or :class:`PlanFileError`."""
    return Plan.from_dict(checked_data(data, source))


def read_plan_file(path: str | os.PathLike) -> Plan:
    """The plan in ``path`` (a plan.json, or a folder holding one), or
    :class:`PlanFileError` with one line."""
    where = Path(path)
    if where.is_dir():
        where = where / "plan.json"
    source = one_line(str(where))
    try:
        size = os.path.getsize(where)
        if size > MAX_PLAN_BYTES:
            raise PlanFileError(
                f"{source}: file is {size / 2**20:.0f} MB, over the "
                f"{MAX_PLAN_BYTES // 2**20} MB limit of a plan file"
            )
        raw = where.read_bytes()
    except OSError as exc:
        raise PlanFileError(f"{source}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFileError(
            f"{source}: not a plan file: byte {exc.start} is not UTF-8; {HINT}"
        ) from None
    if not text.strip():
        raise PlanFileError(f"{source}: the file is empty; {HINT}")
    return parse_plan(text, source)


def looks_like_plan(path: str | os.PathLike) -> bool:
    """Whether ``path`` is to be read as a plan rather than an instance (by
    ``planner explain``): JSON that is not an instance's mapping, or a
    ``.json`` file that is not valid JSON and not an instance either."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(MAX_PLAN_BYTES + 1)
    except (OSError, UnicodeDecodeError):
        return str(path).endswith(".json")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return str(path).endswith(".json") and not is_instance_text(text)
    return not (isinstance(data, dict) and INSTANCE_KEYS & set(data) and "tables" not in data)


# ------------------------------------------------------------ plan vs instance
def mismatch(plan: Plan, instance: Any, plan_source: str, instance_source: str) -> str | None:
    """One line saying why ``plan`` is not a plan of ``instance`` (other
    periods, or names the instance does not have), or None."""
    head = f"{one_line(plan_source)}: not a plan of {one_line(instance_source)}"
    periods = instance.calendar.labels()
    if plan.periods and plan.periods != periods:
        return (
            f"{head}: its periods run {plan.periods[0]} to {plan.periods[-1]} "
            f"({len(plan.periods)}), the instance's {periods[0]} to {periods[-1]} "
            f"({len(periods)})"
        )
    known = {
        "site": {s.name for s in instance.sites},
        "technology": {k.name for k in instance.technologies},
        "funding source": {f.name for f in instance.funding},
    }
    used = {
        "site": _column(plan, ("capacity", "power", "grid", "funding", "spending"), "site"),
        "technology": (_column(plan, ("power",), "source") - {"grid"})
        | _column(plan, ("supply",), "technology"),
        "funding source": _column(plan, ("funding", "sources"), "source"),
    }
    for label, names in used.items():
        unknown = sorted(map(str, names - known[label]))
        if unknown:
            shown = ", ".join(repr(n) for n in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
            return f"{head}: {label} names the instance does not have: {shown}"
    return None


def _column(plan: Plan, tables: tuple[str, ...], column: str) -> set:
    names: set = set()
    for name in tables:
        df = plan.tables.get(name)
        if df is not None and column in df.columns:
            names |= set(df[column])
    return names


__all__ = [
    "FLAGS",
    "HINT",
    "TEXT",
    "WHOLE",
    "PlanFile",
    "PlanFileError",
    "looks_like_plan",
    "mismatch",
    "parse_plan",
    "plan_from_data",
    "read_plan_file",
]
