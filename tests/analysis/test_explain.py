"""Bottlenecks and their worth: each measured gain equals a fresh solve of the
instance with that one limit relaxed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import planner
from planner.analysis.candidates import nice_step
from planner.analysis.explain import explain
from planner.cli.main import main

INSTANCES = Path(__file__).parent.parent.parent / "instances"


@pytest.fixture(scope="module")
def toy():
    return explain(planner.load_instance(INSTANCES / "toy-two-sites.yaml"))


def test_toy_is_money_bound_with_hand_derived_worths(toy):
    """Alpha takes 100 MW on its grid for 1050 $M; bravo gets the remaining
    350 $M: 2 turbines (80) and 27 MW (270). Each extra $M buys 0.1 MW at
    bravo while its 2 turbines carry up to 50.67 MW: +100 $M of debt room
    gives +10 MW, +50 $M of cash +5 MW. A third turbine is worth nothing
    without money."""
    assert toy.bound_by == "money-bound"
    gains = {b.step: b.gain_mw for b in toy.bottlenecks}
    assert gains == pytest.approx(
        {"+100 $M of on-balance-sheet debt room": 10.0, "+50 $M of cash": 5.0}
    )
    assert "+1 aero unit delivered by 2026-10" in [b.step for b in toy.binding_no_gain]
    assert "money-bound" in str(toy)
    # With the choices fixed (2 turbines, alpha's tranche) each $M still buys
    # 0.1 MW at bravo: the LP duals give the same first-order worth.
    estimates = {b.step: b.lp_estimate_mw for b in toy.bottlenecks}
    assert estimates == pytest.approx(
        {"+100 $M of on-balance-sheet debt room": 10.0, "+50 $M of cash": 5.0}
    )


def _relaxed(inst: planner.Instance, b) -> planner.Instance:
    """The instance with the bottleneck's limit relaxed, edited by hand."""
    data = inst.model_dump(mode="json", by_alias=True, exclude_none=True)
    rule, *where = b.limit.split()
    sources = {f["name"]: f for f in data.get("funding", [])}
    sites = {s["name"]: s for s in data["sites"]}
    if rule == "source_amount":
        sources[where[0]]["amount"] += b.delta
    elif rule == "source_per_month":
        sources[where[0]]["per_month"] += b.delta
    elif rule == "source_max_per_site":
        sources[where[0]]["max_per_site"] += b.delta
    elif rule in ("on_balance_sheet_debt", "off_balance_sheet"):
        key = (
            "max_debt_on_balance_sheet"
            if rule == "on_balance_sheet_debt"
            else "max_off_balance_sheet"
        )
        limit = data["limits"][key]
        if isinstance(limit, list):
            for entry in limit:
                entry["value"] += b.delta
        else:
            data["limits"][key] = limit + b.delta
    elif rule == "supply_limit":
        entry = next(e for e in data["supply"] if e["technology"] == where[0])
        entry["deliveries"].append({"date": where[2], "units": 1})
    elif rule == "onsite_permit":
        sites[where[0]]["onsite"]["max_mw"] += b.delta
    elif rule == "max_it_mw":
        sites[where[0]]["max_it_mw"] += b.delta
    elif rule == "build_rate":
        sites[where[0]]["build"]["max_mw_per_month"] += b.delta
    elif rule == "max_total_cost":
        data["limits"]["max_total_cost"] += b.delta
    else:
        raise AssertionError(f"no hand relaxation for {b.limit}")
    return planner.parse_instance(data)


@pytest.mark.parametrize(
    "name", ["toy-two-sites", "bridge-power", "spv-financing", "tight-commitments"]
)
def test_every_measured_gain_matches_a_fresh_solve_of_the_relaxed_instance(name):
    inst = planner.load_instance(INSTANCES / f"{name}.yaml")
    result = explain(inst)
    measured = [b for b in result.bottlenecks + result.binding_no_gain if not b.rebuilt]
    assert measured, "nothing binds?"
    for b in measured:
        fresh = planner.solve(_relaxed(inst, b))
        gain = fresh.capacity_mw - result.capacity_mw
        assert gain == pytest.approx(b.gain_mw, abs=max(1e-4 * result.capacity_mw, 1e-6)), b


def test_a_tranche_one_period_earlier_is_measured():
    """The only tranche energizes 2027-01, one quarter after the deadline
    period (2026-10 to 2026-12): nothing can run. One quarter earlier it
    carries 100 / 1.25 = 80 IT MW in the deadline period."""
    inst = planner.parse_instance(
        {
            "name": "waiting",
            "horizon": {"start": "2026-01", "deadline": "2026-12"},
            "sites": [
                {
                    "name": "a",
                    "max_it_mw": 200,
                    "pue": 1.25,
                    "build": {"capex_per_mw": 10, "lead_months": 0},
                    "grid": {"tranches": [{"mw": 100, "energized": "2027-01"}]},
                }
            ],
            "funding": [{"name": "cash", "kind": "cash", "amount": 5000}],
        }
    )
    result = explain(inst)
    assert result.capacity_mw == 0
    (b,) = result.bottlenecks
    assert b.step == "a's grid tranche 0 one quarter earlier"
    assert b.gain_mw == pytest.approx(80.0)
    assert b.rebuilt and b.kind == "power"
    assert result.bound_by == "power-bound"


def test_nice_steps_are_round():
    assert nice_step(800) == 100
    assert nice_step(13000) == 1000
    assert nice_step(600) == 50
    assert nice_step(3) == 0.2 or nice_step(3) == pytest.approx(0.2)


def test_cli_explains_a_plan_file(tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        main, ["solve", str(INSTANCES / "toy-two-sites.yaml"), "--out", str(tmp_path)]
    )
    assert res.exit_code == 0
    res = runner.invoke(main, ["explain", str(tmp_path / "plan.json"), "--json"])
    assert res.exit_code == 0
    out = json.loads(res.stdout)
    assert out["bound_by"] == "money-bound"
    assert out["bottlenecks"][0]["gain_mw"] == pytest.approx(10.0)


# ------------------------------------------------------- from a saved plan
def _saved(inst: planner.Instance) -> planner.Plan:
    return planner.Plan.from_json(planner.solve(inst).to_json())


@pytest.mark.parametrize("name", ["toy-two-sites", "bridge-power", "spv-financing"])
def test_a_saved_plan_is_explained_without_solving_it_again(name, monkeypatch):
    """From plan.json, the stages are not searched again: the only MIP runs
    are the re-solves, one per relaxation, and they find the worths that
    explaining the instance (solved first) finds."""
    from planner.analysis.explain import explain_plan
    from planner.solver.staged import StagedSolve

    inst = planner.load_instance(INSTANCES / f"{name}.yaml")
    saved = _saved(inst)
    from_instance = explain(inst)
    runs = []
    original = StagedSolve.solve_stage

    def counted(self, term, time_left):
        runs.append(term)
        return original(self, term, time_left)

    monkeypatch.setattr(StagedSolve, "solve_stage", counted)
    result = explain_plan(saved)
    assert runs == ["capacity"] * result.resolves
    assert result.capacity_mw == pytest.approx(from_instance.capacity_mw)
    worth = {b.limit: b.gain_mw for b in result.bottlenecks}
    assert worth == pytest.approx({b.limit: b.gain_mw for b in from_instance.bottlenecks})
    assert {b.limit for b in result.binding_no_gain} == {
        b.limit for b in from_instance.binding_no_gain
    }


def _portfolio() -> planner.Instance:
    from planner.io.generate import generate_instance

    return planner.parse_instance(generate_instance(12, 8, 4, 4, seed=3))


def test_the_time_limit_bounds_the_whole_explain_and_says_what_it_left():
    """Under a time limit shorter than MIN_SHARE no re-solve runs: every
    binding limit is listed as unsettled, none as worth nothing."""
    from planner.analysis.explain import MIN_SHARE, explain_plan
    from planner.solver.options import SolveOptions

    saved = _saved(_portfolio())
    everything = explain_plan(saved)
    assert everything.resolves > 5 and not everything.unsettled
    result = explain_plan(saved, SolveOptions(time_limit=MIN_SHARE / 2))
    assert result.seconds <= MIN_SHARE / 2
    assert result.resolves == 0 and not result.bottlenecks and not result.binding_no_gain
    assert len(result.unsettled) == everything.resolves
    assert f"worth not settled: the time limit came first ({everything.resolves})" in str(result)


def test_a_re_solve_stopped_by_the_time_limit_gives_a_range(monkeypatch):
    """Re-solves cut to a few milliseconds each: what they found is a gain
    at least, and HiGHS's bound the most it can be; no stopped re-solve is
    called worth nothing."""
    import planner.analysis.explain as explaining
    from planner.solver.options import SolveOptions

    monkeypatch.setattr(explaining, "MIN_SHARE", 0.001)
    saved = _saved(_portfolio())
    result = explaining.explain_plan(saved, SolveOptions(time_limit=0.5))
    assert result.seconds <= 0.5 * 1.05 + 0.5  # HiGHS's own overshoot of each tiny run
    assert all(b.proven for b in result.binding_no_gain)
    for b in result.bottlenecks + result.unsettled:
        if not b.proven and b.most_mw is not None:
            assert b.most_mw >= b.gain_mw - 1e-9


def test_an_unproven_worth_reads_as_a_range():
    from planner.analysis.explain import Bottleneck

    b = Bottleneck("source_amount cash", "money", "+50 $M of cash", 4.0, 50, proven=False)
    assert str(b) == "+50 $M of cash: at least +4.0 MW (time limit)"
    b.most_mw = 6.5
    assert str(b) == "+50 $M of cash: +4.0 to +6.5 MW (time limit)"
