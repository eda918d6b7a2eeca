"""The staged solve tells a ``progress`` callable what it does: each stage
started and done in order, HiGHS's best plan and bound while it searches,
and after the clean-up the values the plan reports."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import planner
from planner.solver.progress import SolveDone, StageDone, StageStarted, StageUpdate
from planner.solver.session import MAXIMIZE, Session

INSTANCES = Path(__file__).parent.parent.parent / "instances"
TOY = INSTANCES / "toy-two-sites.yaml"
TEXAS = INSTANCES / "texas-2028.yaml"


def _solve(path: Path, stages: list[str]):
    instance = planner.load_instance(path)
    instance = instance.model_copy(
        update={"objective": instance.objective.model_copy(update={"stages": stages})}
    )
    events: list = []
    plan = Session(instance, progress=events.append).solve()
    return plan, events


def test_stages_are_told_in_order_and_the_last_event_holds_the_plans_values():
    """The toy's three stages: its capacity optimum is 127 MW (the figure
    tests/solve/test_highs.py and the toy's expected file give)."""
    stages = ["capacity", "capacity_time", "cost"]
    plan, events = _solve(TOY, stages)
    told = [e for e in events if isinstance(e, StageStarted | StageDone)]
    assert [(type(e), e.index, e.total, e.term) for e in told] == [
        (kind, k + 1, 3, term)
        for k, term in enumerate(stages)
        for kind in (StageStarted, StageDone)
    ]
    for e in events:  # updates come only inside their stage
        if isinstance(e, StageUpdate):
            before = [x for x in events[: events.index(e)] if isinstance(x, StageStarted)]
            assert before[-1].term == e.term
    last = events[-1]
    assert isinstance(last, SolveDone)
    assert sum(isinstance(e, SolveDone) for e in events) == 1
    assert last.status == plan.status.value == "optimal"
    assert [s.term for s in last.stages] == [s.term for s in plan.stages] == stages
    for told_stage, stage in zip(last.stages, plan.stages, strict=True):
        assert told_stage.value == pytest.approx(stage.value, rel=1e-9, abs=1e-9)
        assert told_stage.status == stage.status.value
    assert last.stages[0].value == pytest.approx(127.0)


def test_while_highs_searches_the_bound_of_a_max_stage_is_never_below_its_plan():
    """texas-2028's second stage searches for seconds: HiGHS's callbacks
    report a plan and a bound on the way, the bound never below the plan."""
    plan, events = _solve(TEXAS, ["capacity", "capacity_time"])
    updates = [e for e in events if isinstance(e, StageUpdate)]
    assert updates, "no update while HiGHS searched"
    seen = [e for e in updates if e.incumbent is not None and e.bound is not None]
    assert seen
    for e in seen:
        assert MAXIMIZE[e.term]
        assert e.bound >= e.incumbent - 1e-6 * max(1.0, abs(e.incumbent))
        assert e.gap is None or e.gap >= 0
    assert all(e.elapsed >= 0 for e in updates)
    elapsed = [e.elapsed for e in updates if e.index == 2]
    assert elapsed == sorted(elapsed)
    done = [e for e in events if isinstance(e, StageDone)]
    for e in done:
        assert e.bound is None or not math.isfinite(e.bound) or e.bound >= e.value - 1e-6 * e.value
    assert isinstance(events[-1], SolveDone)
    assert [s.value for s in events[-1].stages] == pytest.approx([s.value for s in plan.stages])
