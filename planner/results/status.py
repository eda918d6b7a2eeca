"""The outcome of a solve and of each of its stages (docs/model.md 5)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Status(str, Enum):
    """The outcome of a solve (docs/model.md 5)."""

    optimal = "optimal"  # every stage solved to the requested gap
    feasible = "feasible"  # a plan, but a limit stopped the proof
    infeasible = "infeasible"  # no plan satisfies the instance
    no_plan = "no_plan"  # a limit stopped the search before any plan was found
    invalid = "invalid"  # the instance was refused

    def __str__(self) -> str:
        return self.value

    @property
    def has_plan(self) -> bool:
        return self in (Status.optimal, Status.feasible)


@dataclass
class StageResult:
    term: str
    value: float | None
    status: Status
    mip_gap: float | None = None
    bound: float | None = None
    solve_s: float = 0.0
