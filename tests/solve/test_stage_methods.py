"""The planner's way of solving the stages (starting plans, MIP starts, the
look-ahead to the next stage's term, the time split, the clean-up) against
HiGHS alone on the same compiled model (``SolveOptions(heuristic=False,
starts=False)``, what benchmarks/stages.py compares at scale): where both
prove every stage optimal they give the same stage values, since a stage's
optimum does not depend on how it was found. Both run with a MIP gap of
1e-9, so that "optimal" is the optimum itself and not any plan within 1e-4
of it (two such plans may hold the next stage at different values). The
look-ahead runs only under a gap at least what its weight can move a stage
by (3.6e-5 over 36 months), so at 1e-9 it is off; under the default gap it
is on, and the capacity stage must still be within that gap of HiGHS
alone's, and say so."""

from __future__ import annotations

from pathlib import Path

import pytest

import planner
from planner.io.generate import generate_instance
from planner.results.status import Status
from planner.solver.options import SolveOptions
from planner.solver.session import Session

INSTANCES = Path(__file__).parent.parent.parent / "instances"
SHIPPED = sorted(p.stem for p in INSTANCES.glob("*.yaml") if "scenarios" not in p.stem)
GAP = 1e-9
GENERATED = [(3, 8, 2, 2, 11), (5, 12, 3, 3, 12), (8, 12, 4, 4, 13), (6, 24, 3, 3, 14)]


def _both(inst: planner.Instance) -> tuple[planner.Plan, planner.Plan]:
    mine = Session(inst, SolveOptions(mip_gap=GAP)).solve()
    plain = Session(inst, SolveOptions(mip_gap=GAP, heuristic=False, starts=False)).solve()
    return mine, plain


def _same_stage_values(mine: planner.Plan, plain: planner.Plan) -> None:
    assert mine.status is Status.optimal and plain.status is Status.optimal
    assert [s.term for s in mine.stages] == [s.term for s in plain.stages]
    for a, b in zip(mine.stages, plain.stages, strict=True):
        # each stage held within the instance's tolerance (and 1e-9 of safety,
        # 1e-6 of HiGHS's feasibility where a hold is widened): the next
        # stage's optimum can move by that much
        assert a.value == pytest.approx(b.value, rel=1e-6, abs=1e-6), a.term


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_instances_give_the_same_stage_values_as_highs_alone(name):
    mine, plain = _both(planner.load_instance(INSTANCES / f"{name}.yaml"))
    _same_stage_values(mine, plain)


@pytest.mark.parametrize("sites, periods, techs, sources, seed", GENERATED)
def test_generated_portfolios_give_the_same_stage_values_as_highs_alone(
    sites, periods, techs, sources, seed
):
    months = 1 if periods > 12 else 3
    inst = planner.parse_instance(
        generate_instance(sites, periods, techs, sources, seed, period_months=months)
    )
    mine, plain = _both(inst)
    _same_stage_values(mine, plain)
    assert mine.capacity_mw > 0  # a portfolio that builds something: a real comparison


@pytest.mark.parametrize("name", SHIPPED)
def test_under_the_default_gap_the_capacity_stage_looks_ahead_and_keeps_its_gap(name, monkeypatch):
    from planner.solver.highs import HighsModel

    calls = []
    original = HighsModel.set_objective

    def spy(self, term, maximize, then=None):
        calls.append((term, then))
        return original(self, term, maximize, then)

    monkeypatch.setattr(HighsModel, "set_objective", spy)
    inst = planner.load_instance(INSTANCES / f"{name}.yaml")
    mine = Session(inst).solve()
    if "capacity_time" in inst.objective.stages[1:2]:
        assert ("capacity", "capacity_time") in calls
    assert all(then is None for term, then in calls if term != "capacity")
    calls.clear()
    plain = Session(inst, SolveOptions(heuristic=False, starts=False)).solve()
    assert calls and all(then is None for _, then in calls)
    assert mine.status is Status.optimal and plain.status is Status.optimal
    first, theirs = mine.stages[0], plain.stages[0]
    gap = SolveOptions().mip_gap
    assert first.mip_gap is not None and first.mip_gap <= gap
    assert first.value == pytest.approx(theirs.value, rel=gap)


def test_a_later_stage_s_lp_relaxation_is_a_bound_of_it(monkeypatch):
    """The bound a later stage gets from its LP relaxation (when its time is
    short against the first stage's LP) is never below the stage's optimum:
    on a 6-site portfolio, with the rule made to apply to every later stage,
    each stage's bound still covers the value HiGHS alone proves optimal."""
    import planner.solver.staged as staged

    monkeypatch.setattr(staged, "ROOT_FACTOR", 1e12)  # the rule applies to every later stage
    inst = planner.parse_instance(generate_instance(6, 12, 3, 3, 21))
    seen = []
    original = staged.StagedSolve._relaxation_bound

    def spy(self, time_left):
        out = original(self, time_left)
        seen.append(out)
        return out

    monkeypatch.setattr(staged.StagedSolve, "_relaxation_bound", spy)
    mine = Session(inst, SolveOptions(mip_gap=GAP, time_limit=600)).solve()
    first, *later = seen
    assert first is None  # the first stage has no held stage: HiGHS's own root
    assert len(later) == 2 and all(b is not None for b in later)  # capacity_time and cost
    plain = Session(inst, SolveOptions(mip_gap=GAP, heuristic=False, starts=False)).solve()
    _same_stage_values(mine, plain)
    for stage, best, (lp, _) in zip(mine.stages[1:], plain.stages[1:], later, strict=True):
        maximize = stage.term == "capacity_time"
        slack = 1e-6 * max(1.0, abs(best.value))
        assert (lp >= best.value - slack) if maximize else (lp <= best.value + slack), stage.term
        assert stage.bound is not None
        assert (stage.bound <= lp + slack) if maximize else (stage.bound >= lp - slack)
