"""A saved plan put back on its model (planner.solver.replay) is the plan
itself: the same stage values and the same tables, from its whole-number
choices alone, with no search."""

from __future__ import annotations

from pathlib import Path

import pytest

import planner
from planner.results.plan import Plan
from planner.solver.replay import ReplayError, replay
from planner.solver.session import Session
from planner.solver.staged import StagedSolve

INSTANCES = Path(__file__).parent.parent.parent / "instances"
SHIPPED = sorted(p.stem for p in INSTANCES.glob("*.yaml"))


def _saved(name: str) -> tuple[planner.Instance, Plan]:
    inst = planner.load_instance(INSTANCES / f"{name}.yaml")
    plan = planner.solve(inst)
    return inst, Plan.from_json(plan.to_json())  # as read back from plan.json


@pytest.mark.parametrize("name", SHIPPED)
def test_a_saved_plan_comes_back_with_its_stage_values_and_tables(name, monkeypatch):
    inst, saved = _saved(name)
    searched = []
    monkeypatch.setattr(
        StagedSolve, "solve_stage", lambda self, *a, **k: searched.append(a) or None
    )
    session = Session(inst)
    stages = replay(session, saved)
    assert not searched, "replay must not search"
    assert [s.term for s in stages] == [s.term for s in saved.stages]
    for mine, theirs in zip(stages, saved.stages, strict=True):
        assert mine.value == pytest.approx(theirs.value, rel=1e-9, abs=1e-9)
    back = session.read(planner.Status(saved.status), stages)
    assert back.capacity_mw == pytest.approx(saved.capacity_mw, abs=1e-9)
    assert back.total_cost == pytest.approx(saved.total_cost, rel=1e-9)
    for table in ("capacity", "power", "grid", "sources", "supply"):
        mine, theirs = back.tables[table], saved.tables[table]
        assert len(mine) == len(theirs), table


def test_a_plan_whose_choices_were_changed_is_refused():
    """One turbine less at bravo (toy: 2 aero units carry bravo's 27 MW and
    the cost stage says 1430 $M): the choices no longer give the plan's
    stage values, or no plan at all."""
    inst, saved = _saved("toy-two-sites")
    power = saved.tables["power"]
    turbines = power["source"] == "aero"
    assert turbines.any()
    power.loc[turbines, "units"] = power.loc[turbines, "units"] - 1
    with pytest.raises(ReplayError):
        replay(Session(inst), saved)


def test_a_plan_without_a_plan_is_refused():
    inst, saved = _saved("toy-two-sites")
    saved.status = planner.Status.no_plan
    with pytest.raises(ReplayError, match="no plan"):
        replay(Session(inst), saved)
