"""The planner's way of solving the stages (starting plans, MIP starts, the
time split, the clean-up) against HiGHS alone on the same compiled model
(``SolveOptions(heuristic=False, starts=False)``, what benchmarks/stages.py
compares at scale): where both prove every stage optimal they give the same
stage values, since a stage's optimum does not depend on how it was found.
Both run with a MIP gap of 0, so that "optimal" is the optimum itself and
not any plan within 1e-4 of it (two such plans may hold the next stage at
different values)."""

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
GENERATED = [(3, 8, 2, 2, 11), (5, 12, 3, 3, 12), (8, 12, 4, 4, 13), (6, 24, 3, 3, 14)]


def _both(inst: planner.Instance) -> tuple[planner.Plan, planner.Plan]:
    mine = Session(inst, SolveOptions(mip_gap=0)).solve()
    plain = Session(inst, SolveOptions(mip_gap=0, heuristic=False, starts=False)).solve()
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
