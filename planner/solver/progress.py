"""What a staged solve reports while it runs, for whoever shows it.

The solver knows nothing of terminals: :class:`~planner.solver.staged.StagedSolve`
calls an optional ``progress`` callable with these small events, in order:
:class:`StageStarted`, any number of :class:`StageUpdate` (HiGHS's best plan
and bound so far, read from its MIP callbacks) and :class:`StageDone` for each
stage; :meth:`~planner.solver.session.Session.solve` ends with one
:class:`SolveDone`, the values the plan reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from planner.results.status import StageResult


@dataclass(frozen=True)
class StageStarted:
    index: int  # 1 for the first stage
    total: int
    term: str


@dataclass(frozen=True)
class StageUpdate:
    index: int
    total: int
    term: str
    elapsed: float  # seconds since HiGHS started this stage
    incumbent: float | None  # the best plan's value so far (None: none yet)
    bound: float | None  # the best bound proved so far
    gap: float | None  # HiGHS's relative gap


@dataclass(frozen=True)
class StageDone:
    index: int
    total: int
    term: str
    status: str  # the stage's Status value
    value: float | None
    bound: float | None
    gap: float | None
    seconds: float


@dataclass(frozen=True)
class SolveDone:
    status: str
    stages: tuple[StageDone, ...]  # the values after the clean-up


Event = StageStarted | StageUpdate | StageDone | SolveDone
Progress = Callable[[Event], None]


def stage_done(stage: StageResult, index: int, total: int) -> StageDone:
    """The event of a stage solved (``index`` of ``total``)."""
    status = stage.status.value
    return StageDone(
        index, total, stage.term, status, stage.value, stage.bound, stage.mip_gap, stage.solve_s
    )
