"""Reading an instance: :func:`parse_instance` (a mapping), :func:`load_instance`
(a file), and studies (an instance with its uncertainty and scenarios sections)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import (
    ValidationError,
)

from planner.calendar import Calendar
from planner.io.errors import InstanceError, one_line, problem_line
from planner.io.fields import MAX_PROBLEMS, SCENARIO_SECTIONS, check_month, check_period_months
from planner.io.problems import problem_lines
from planner.io.reader import data_limits, read_yaml
from planner.io.references import cross_references
from planner.io.schema import Instance

if TYPE_CHECKING:  # the sections' schemas load with the first study (a solve needs none)
    from planner.io.uncertainty import Scenario, Uncertainty


# ------------------------------------------------------------------- loading
def _horizon_context(data: Mapping) -> dict[str, Any]:
    """What the checks of dates and commissioning may rely on: the horizon's
    start, deadline and calendar, each only when valid."""
    horizon = data.get("horizon")
    if not isinstance(horizon, Mapping):
        return {}

    def valid(check: Any, value: Any) -> Any:
        try:
            return check(value)
        except ValueError:
            return None

    start = valid(check_month, horizon.get("start"))
    deadline = valid(check_month, horizon.get("deadline"))
    given_pm = horizon.get("period_months")
    pm = 3 if given_pm is None else valid(check_period_months, given_pm)
    if start is not None and deadline is not None and deadline < start:
        deadline = None
    context: dict[str, Any] = {"start": start, "deadline": deadline}
    if start is not None and deadline is not None and pm is not None:
        context["calendar"] = Calendar(start, pm, deadline)
    return context


def parse_instance(data: Any, source: str = "<instance>") -> Instance:
    """Validate a mapping shaped like an instance file.

    Raises :class:`InstanceError` listing every problem, one line each.
    The optional ``uncertainty:`` and ``scenarios:`` sections (docs/scenarios.md)
    are validated with their own schema and left out of the instance.
    """
    source = one_line(str(source))
    if isinstance(data, Mapping) and any(k in data for k in SCENARIO_SECTIONS):
        return parse_study(data, source).instance
    if data is None:
        raise InstanceError([f"{source}: the file holds no instance (it is empty)"])
    if not isinstance(data, Mapping):
        raise InstanceError(
            [
                problem_line(
                    source,
                    "(top level)",
                    "must be a mapping of keys to values (horizon, sites, ...)",
                    data,
                )
            ]
        )
    refused = data_limits(data)
    if refused:
        raise InstanceError([f"{source}: refused: {refused}"])
    problems: list[str] = []
    instance = None
    try:
        instance = Instance.model_validate(data, context=_horizon_context(data))
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            problems += problem_lines(source, err)
    except RecursionError:
        problems.append(f"{source}: (top level): nested too deeply")
    problems += [problem_line(source, p, m, v) for p, m, v in cross_references(data)]
    if problems:
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [f"{source}: ... and {more} more problems"]
        raise InstanceError(problems)
    assert instance is not None
    return instance


def load_instance(path: str | os.PathLike) -> Instance:
    """Read and validate an instance file (YAML or JSON).

    Raises :class:`InstanceError` listing every problem, one line each.
    """
    return parse_instance(read_yaml(path), source=str(path))


# ------------------------------------------------------------------ studies
@dataclass
class Study:
    """An instance file with its optional uncertainty and scenarios."""

    instance: Instance
    data: dict  # the validated instance as a mapping (defaults filled in)
    source: str
    uncertainty: Uncertainty | None = None
    scenarios: list[Scenario] = field(default_factory=list)


def load_study(path: str) -> Study:
    """Read an instance file and its ``uncertainty:`` and ``scenarios:``
    sections. Raises :class:`InstanceError` listing every problem."""
    raw = read_yaml(path)
    return parse_study(raw, source=str(path))


def parse_study(raw: Any, source: str = "<instance>") -> Study:
    from planner.io.sections import section_references, validate_scenarios, validate_section
    from planner.io.uncertainty import Uncertainty

    sections: dict[str, Any] = {}
    if isinstance(raw, Mapping):
        sections = {k: raw[k] for k in SCENARIO_SECTIONS if k in raw}
        raw = {k: v for k, v in raw.items() if k not in SCENARIO_SECTIONS}
    problems: list[str] = []
    instance = None
    try:
        instance = parse_instance(raw, source=source)
    except InstanceError as exc:
        problems += exc.problems
    uncertainty = None
    scenarios: list[Scenario] | None = []
    if sections.get("uncertainty") is not None:
        uncertainty = validate_section(
            Uncertainty, sections["uncertainty"], "uncertainty", source, problems
        )
    if sections.get("scenarios") is not None:
        scenarios = validate_scenarios(sections["scenarios"], source, problems)
    if instance is not None:
        data = instance.model_dump(mode="json", by_alias=True, exclude_none=True)
        if uncertainty is not None:
            problems += section_references(
                uncertainty.entries(), data, "uncertainty", source, uncertainty
            )
        for i, sc in enumerate(scenarios or []):
            problems += section_references(sc.entries(), data, f"scenarios[{i}]", source, sc)
    if problems:
        raise InstanceError(problems)
    assert instance is not None
    return Study(instance, data, source, uncertainty, scenarios or [])
