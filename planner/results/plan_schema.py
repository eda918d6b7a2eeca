"""The schema of the plan file (plan.json of ``planner solve --out``) and
its checks, on the parsed data alone: :func:`plan_data` gives the checked
mapping of a plan file's text (``Plan.from_dict`` builds the plan from it),
or raises :class:`PlanFileError` with one line ``FILE: path: what was
expected, got value``. Reading files and comparing a plan with an instance
are in planner.results.planfile. docs/plan.md describes the file.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.io.errors import one_line, preview, problem_line
from planner.results.tables import COLUMNS, TABLES

MAX_PLAN_BYTES = 200 * 2**20
HINT = "expected the plan.json of 'planner solve --out'"
STATUSES = ("optimal", "feasible", "infeasible", "no_plan", "invalid")

TEXT = frozenset({"site", "source", "use", "technology", "item"})
FLAGS = frozenset({"chosen", "used"})
WHOLE = frozenset(
    {"period", "tranche", "units", "usable_from", "paid_period", "used_units", "available_units"}
)
MAY_BE_BLANK = frozenset({"on_bs_debt_limit_musd", "off_bs_limit_musd"})  # no limit
IN_HORIZON = frozenset({"period"})
INSTANCE_KEYS = frozenset({"horizon", "sites", "technologies", "funding"})

Finite = float  # with allow_inf_nan=False below


class PlanFileError(Exception):
    """A plan file refused; ``str(exc)`` is its one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class _Stage(_Strict):
    term: str
    value: Finite | None
    status: Literal[STATUSES]  # type: ignore[valid-type]
    mip_gap: Finite | None = None
    bound: Finite | None = None
    solve_s: Finite = 0.0


class _Table(_Strict):
    columns: list[str]
    data: list[list[Any]]


class _Tables(_Strict):
    capacity: _Table
    power: _Table
    grid: _Table
    funding: _Table
    spending: _Table
    sources: _Table
    balance_sheet: _Table
    supply: _Table
    costs: _Table


_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class PlanFile(_Strict):
    """The keys of plan.json (``Plan.to_dict``)."""

    instance: str
    status: Literal[STATUSES]  # type: ignore[valid-type]
    message: str = ""
    explanation: list[str] = []
    capacity_mw: Finite | None
    total_cost: Finite | None
    co2_mt: Finite | None
    mip_gap: Finite | None = None
    bound: Finite | None = None
    stages: list[_Stage]
    timings: dict[str, Finite] = {}
    periods: list[str] = Field(json_schema_extra={"pattern": _MONTH})
    instance_data: dict[str, Any] | None = None
    tables: _Tables


_MESSAGES = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "literal_error": f"must be one of {', '.join(STATUSES)}",
}


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            out += ("." if out else "") + str(part)
        else:
            out += f"[{preview(part)}]"
    return out or "(top level)"


def _pydantic_line(source: str, err: Any) -> str:
    loc = tuple(p for p in err["loc"] if p not in ("function-after", "function-plain"))
    message = _MESSAGES.get(err["type"]) or str(err.get("msg", "is not valid")).lower()
    if err["type"] == "missing":
        return problem_line(source, _path(loc), message)
    return problem_line(source, _path(loc), message, err.get("input"))


def _one(source: str, problems: list[str]) -> PlanFileError:
    more = len(problems) - 1
    return PlanFileError(problems[0] + (f" (and {more} more problems)" if more else ""))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell_problem(column: str, value: Any, horizon: int) -> str | None:
    """What is wrong with one table cell, or None."""
    if column in TEXT:
        ok = isinstance(value, str) and value and value.isprintable()
        return None if ok else "must be a name (one line of printable text)"
    if column in FLAGS:
        return None if isinstance(value, bool) else "must be true or false"
    if value is None:
        return None if column in MAY_BE_BLANK else "must be a number"
    if not _number(value):
        return "must be a number"
    if not math.isfinite(value):
        return "must be a finite number"
    if column in WHOLE and value != int(value):
        return "must be a whole number"
    if column in IN_HORIZON and not 0 <= value < horizon:
        return f"must be a period number from 0 to {horizon - 1}"
    return None


def _table_problems(source: str, plan: PlanFile) -> list[str]:
    problems: list[str] = []
    horizon = len(plan.periods)
    for name in TABLES:
        table: _Table = getattr(plan.tables, name)
        where = f"tables.{name}"
        if not table.data and not table.columns:
            continue
        expected = COLUMNS[name]
        if sorted(table.columns) != sorted(expected) or len(set(table.columns)) != len(expected):
            problems.append(
                problem_line(
                    source,
                    f"{where}.columns",
                    f"must be {', '.join(expected)} (any order)",
                    table.columns,
                )
            )
            continue
        width = len(table.columns)
        for i, row in enumerate(table.data):
            if len(row) != width:
                problems.append(
                    problem_line(
                        source,
                        f"{where}.data[{i}]",
                        f"must hold {width} values, one per column",
                        row,
                    )
                )
                continue
            for j, (column, value) in enumerate(zip(table.columns, row, strict=True)):
                problem = _cell_problem(column, value, horizon)
                if problem:
                    problems.append(
                        problem_line(source, f"{where}.data[{i}][{j}] ({column})", problem, value)
                    )
                    if len(problems) > 20:
                        return problems
    return problems


def _plan_problems(source: str, plan: PlanFile) -> list[str]:
    problems = [
        problem_line(source, f"periods[{i}]", "must be a month YYYY-MM", p)
        for i, p in enumerate(plan.periods)
        if not re.fullmatch(_MONTH, p)
    ]
    if plan.status in ("optimal", "feasible"):
        for key in ("capacity_mw", "total_cost", "co2_mt"):
            if getattr(plan, key) is None:
                problems.append(
                    problem_line(
                        source, key, f"a plan with status {plan.status} must give a number", None
                    )
                )
        if not plan.periods:
            problems.append(
                problem_line(
                    source, "periods", f"a plan with status {plan.status} must list its periods", []
                )
            )
        if not plan.tables.capacity.data:
            problems.append(
                problem_line(
                    source,
                    "tables.capacity.data",
                    f"a plan with status {plan.status} must have rows",
                    [],
                )
            )
    return problems + _table_problems(source, plan)


def plan_data(text: str, source: str = "<plan>") -> dict[str, Any]:
    """The checked mapping of a plan file's text, or :class:`PlanFileError`."""
    try:
        # NaN and Infinity are read as numbers, for the schema to refuse
        # with the path where they stand.
        data = json.loads(text)
    except RecursionError:
        raise PlanFileError(f"{source}: not a plan file: nested too deeply; {HINT}") from None
    except ValueError as exc:
        if is_instance_text(text):
            raise PlanFileError(f"{source}: is an instance file, not a plan; {HINT}") from None
        detail = one_line(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise PlanFileError(
            f"{source}: not a plan file: not valid JSON ({detail}); {HINT}"
        ) from None
    return checked_data(data, source)


def is_instance_text(text: str) -> bool:
    """Whether ``text`` is YAML holding an instance's top-level keys (read
    with the instance reader's guards against huge or deep documents)."""
    from planner.io.reader import parse_yaml

    if len(text) > 5 * 2**20:
        return False
    try:
        data = parse_yaml(text, "<plan>")
    except Exception:  # noqa: BLE001 (any failure: not an instance)
        return False
    return isinstance(data, dict) and bool(INSTANCE_KEYS & set(map(str, data)))


def checked_data(data: Any, source: str = "<plan>") -> dict[str, Any]:
    """``data`` (the parsed JSON of a plan file) once checked against the
    schema, or :class:`PlanFileError`."""
    if not isinstance(data, dict):
        raise PlanFileError(
            problem_line(source, "(top level)", f"not a plan file: {HINT}, a mapping", data)
        )
    if "tables" not in data and INSTANCE_KEYS & set(data):
        raise PlanFileError(f"{source}: is an instance file, not a plan; {HINT}")
    try:
        checked = PlanFile.model_validate(data)
    except ValidationError as exc:
        raise _one(source, [_pydantic_line(source, e) for e in exc.errors()]) from None
    except RecursionError:
        raise PlanFileError(f"{source}: not a plan file: nested too deeply; {HINT}") from None
    problems = _plan_problems(source, checked)
    if problems:
        raise _one(source, problems)
    return data
