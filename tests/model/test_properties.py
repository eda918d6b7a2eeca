"""Property tests: generated instances that use every feature of docs/model.md
(tests/strategies.py), solved, and checked against what must hold for any
instance:

(a) every plan verifies clean with the independent verifier, and a solve
    without a time limit is optimal, or infeasible only when there are
    commitments (without them the empty plan is feasible); in every
    property, each stage's reported value is the value the returned plan
    achieves (the last stage's exactly, earlier ones within the tolerance
    that held them);
(b) money is a unit: every $M and $/MWh figure times 10 gives the same
    capacity and ten times the cost;
(c) time is a unit: a quarter-aligned instance at monthly and at quarterly
    resolution has the same capacity (strategies.instances says which
    alignment makes the two models describe the same plans);
(d) a technology or source that nothing may use changes nothing;
(e) capacity never exceeds the bound of the LP relaxation.

The examples are drawn reproducibly (``derandomize=True``), so CI runs the
same instances every time; a failing draw is reported as drawn (no
shrinking, which takes minutes with a solve per step). Each instance has
1-3 sites and 2-8 periods; the file runs about 1,200 instances in under a
minute on 2 cores.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyomo.environ as pyo
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from pyomo.contrib.appsi.base import TerminationCondition as TC
from pyomo.contrib.appsi.solvers import Highs
from strategies import instances, monthly, scale_money, unusable_additions

import planner
from planner.analysis.verify import verify
from planner.model import build_model, prepare

DATA = Path(__file__).resolve().parents[1] / "data"
GAP = 1e-6  # MIP gap of the solves compared with each other
EXAMPLES = {"verify": 400, "scale": 200, "resolution": 200, "unused": 200, "relaxation": 200}


def _settings(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        # no shrinking: a failing draw is reported as drawn, at once
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def solve(data, mip_gap=GAP):
    inst = planner.parse_instance(data, source="drawn.yaml")
    return inst, planner.solve(inst, mip_gap=mip_gap)


def has_commitments(data) -> bool:
    return any(c["it_mw"] > 0 for s in data["sites"] for c in s.get("commitments", []))


def stages(data) -> list[str]:
    return list(data.get("objective", {}).get("stages", ["capacity", "capacity_time", "cost"]))


def tolerance(data) -> float:
    return data.get("objective", {}).get("tolerance", 1e-6)


def check_status(data, plan) -> None:
    """Without a time limit a solve proves optimality, or infeasibility of an
    instance whose commitments cannot be met."""
    if plan.status is planner.Status.infeasible:
        assert has_commitments(data), "infeasible without commitments: the empty plan is not"
        return
    assert plan.status is planner.Status.optimal, (
        plan.status,
        [(s.term, s.value, s.status.value) for s in plan.stages],
    )
    check_stage_values(data, plan)


def check_stage_values(data, plan) -> None:
    """Each stage's reported value is what the plan achieves: exactly for
    the last stage, within the stage tolerance for the earlier ones (held)."""
    pm = data["horizon"].get("period_months", 3)
    achieved = {
        "capacity": plan.capacity_mw,
        "capacity_time": pm * float(plan.tables["capacity"]["online_mw"].sum()),
        "cost": plan.total_cost,
        "co2": plan.co2_mt,
    }
    maximize = {"capacity": True, "capacity_time": True, "cost": False, "co2": False}
    assert [s.term for s in plan.stages] == stages(data)
    for i, stage in enumerate(plan.stages):
        value, reported = achieved[stage.term], stage.value
        noise = 1e-6 * max(1.0, abs(reported))
        if i == len(plan.stages) - 1:
            assert abs(value - reported) <= noise, (stage.term, reported, value)
            continue
        held = (tolerance(data) + 1e-9) * max(1.0, abs(reported)) + noise
        if maximize[stage.term]:
            assert value >= reported - held, (stage.term, reported, value)
        else:
            assert value <= reported + held, (stage.term, reported, value)


def close(a: float, b: float, rel: float, floor: float = 1.0) -> bool:
    """Equal within ``rel`` relative, and ``rel * floor`` absolute (the stage
    tolerance is absolute below 1: ``tolerance * max(1, |value|)``)."""
    return abs(a - b) <= rel * max(floor, abs(a), abs(b))


def slack(data) -> float:
    """How far two correct solves of an instance may differ in a term held
    at a stage: the MIP gap of each, the stage tolerance, and noise."""
    return 2 * GAP + 2 * tolerance(data) + 1e-7


# --------------------------------------------------------------------- (a)
@given(instances())
@_settings(EXAMPLES["verify"])
def test_every_plan_verifies(data):
    inst, plan = solve(data, mip_gap=1e-4)
    check_status(data, plan)
    if not plan.status.has_plan:
        assert plan.tables["capacity"].empty
        return
    report = verify(inst, plan)
    assert report.ok, str(report)
    # the JSON form carries the same plan
    again = planner.Plan.from_json(plan.to_json())
    assert verify(inst, again).ok
    assert plan.capacity_mw <= sum(s["max_it_mw"] for s in data["sites"]) + 1e-6


# --------------------------------------------------------------------- (b)
@given(instances())
@_settings(EXAMPLES["scale"])
def test_money_times_ten_is_cost_times_ten(data):
    _, plan = solve(data)
    scaled = scale_money(data, 10)
    _, plan10 = solve(scaled)
    check_status(data, plan)
    check_status(scaled, plan10)
    assert plan10.status == plan.status
    if not plan.status.has_plan:
        return
    terms, rel = stages(data), slack(data)
    # A cost stage is held within tolerance * max(1, |cost|): below 1 $M an
    # absolute slack that does not scale with the money, so a term solved
    # after a small cost may use ten times as much slack in one instance as
    # in the other. Such terms are left out.
    after_cost = terms[terms.index("cost") + 1 :] if "cost" in terms else []
    if "capacity" in terms and "capacity" not in after_cost:
        assert close(plan10.capacity_mw, plan.capacity_mw, rel), (
            plan.capacity_mw,
            plan10.capacity_mw,
        )
    if "cost" in terms:
        assert close(plan10.total_cost, 10 * plan.total_cost, rel, floor=10), (
            plan.total_cost,
            plan10.total_cost,
        )
    if "co2" in terms and "co2" not in after_cost:
        assert close(plan10.co2_mt, plan.co2_mt, rel), (plan.co2_mt, plan10.co2_mt)


# --------------------------------------------------------------------- (c)
@given(instances(quarter_aligned=True, max_periods=6))
@_settings(EXAMPLES["resolution"])
def test_monthly_and_quarterly_resolution_agree_on_capacity(data):
    _, quarterly = solve(data)
    _, by_month = solve(monthly(data))
    check_status(data, quarterly)
    check_status(monthly(data), by_month)
    assert by_month.status == quarterly.status, (quarterly.status, by_month.status)
    if not quarterly.status.has_plan:
        return
    assert close(by_month.capacity_mw, quarterly.capacity_mw, slack(data)), (
        quarterly.capacity_mw,
        by_month.capacity_mw,
    )


def test_a_per_month_cap_is_not_the_same_by_month_and_by_quarter():
    """Why quarter-aligned draws have no per_month cap (a draw of this test
    that failed): source f0 lends 54 $M a month and 95 $M fall due in the
    first month. By quarter, 3 * 54 = 162 $M may be drawn by the end of the
    first period, enough; by month only 54: the monthly model is infeasible
    and says per_month is short by 41 $M."""
    data = yaml.safe_load((DATA / "regressions" / "per-month-by-resolution.yaml").read_text())
    _, quarterly = solve(data)
    _, by_month = solve(monthly(data))
    assert quarterly.status is planner.Status.optimal
    assert by_month.status is planner.Status.infeasible
    assert any(
        "per_month" in line and "(41.00 $M more)" in line for line in by_month.explanation
    ), by_month.explanation


# --------------------------------------------------------------------- (d)
@given(
    instances(list_technologies=True).flatmap(
        lambda data: unusable_additions(data).map(lambda added: (data, *added))
    )
)
@_settings(EXAMPLES["unused"])
def test_what_nobody_may_use_changes_nothing(case):
    data, variant, more = case
    _, plan = solve(data)
    _, plan2 = solve(more)
    check_status(data, plan)
    check_status(more, plan2)
    assert plan2.status == plan.status, variant
    if not plan.status.has_plan:
        return
    terms, rel = stages(data), slack(data)
    if "capacity" in terms:
        assert close(plan2.capacity_mw, plan.capacity_mw, rel), (
            variant,
            plan.capacity_mw,
            plan2.capacity_mw,
        )
    if "cost" in terms:
        assert close(plan2.total_cost, plan.total_cost, rel), (
            variant,
            plan.total_cost,
            plan2.total_cost,
        )
    sources = plan2.tables["sources"]
    if "unused" in set(sources["source"]):
        row = sources[sources["source"] == "unused"].iloc[0]
        assert row["drawn_musd"] == 0 and not row["used"], variant


# --------------------------------------------------------------------- (e)
def relaxed_capacity_bound(inst) -> float | None:
    """The most capacity of the LP relaxation (None when it is infeasible)."""
    m = build_model(prepare(inst))
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    m.objective = pyo.Objective(expr=m.capacity, sense=pyo.maximize)
    opt = Highs()
    opt.config.load_solution = False
    res = opt.solve(m)
    if res.termination_condition in (TC.infeasible, TC.infeasibleOrUnbounded):
        return None
    assert res.termination_condition == TC.optimal, res.termination_condition
    return res.best_objective_bound


@given(instances())
@_settings(EXAMPLES["relaxation"])
def test_capacity_never_exceeds_the_lp_relaxation(data):
    inst, plan = solve(data)
    check_status(data, plan)
    bound = relaxed_capacity_bound(inst)
    if bound is None:
        assert plan.status is planner.Status.infeasible
        return
    assert math.isfinite(bound)
    if plan.status.has_plan:
        assert plan.capacity_mw <= bound + 1e-6 * max(1.0, bound), (plan.capacity_mw, bound)
