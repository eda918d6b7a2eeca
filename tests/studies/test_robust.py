"""The robust plan: hand-derived on the toy instance, a single scenario is the
deterministic model, and on bridge-power-scenarios it beats the plans made
for fixed dates when the dates slip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from test_sweep import cli

import planner
from planner.io.load import load_study, parse_study
from planner.studies.evaluate import Commitments, bought_technologies, evaluate
from planner.studies.robust import compare_with_fixed_dates, expected_slips, solve_robust
from planner.studies.slips import apply_slips, scenario_slips

ROOT = Path(__file__).parent.parent.parent
TOY = ROOT / "instances" / "toy-two-sites.yaml"
BRIDGE = ROOT / "instances" / "bridge-power-scenarios.yaml"

TOY_SCENARIOS = [
    {"name": "on-time", "probability": 0.5},
    {"name": "alpha-late", "probability": 0.5, "grid": [{"site": "alpha", "slip_months": 6}]},
]


@pytest.fixture(scope="module")
def toy():
    raw = yaml.safe_load(TOY.read_text())
    return parse_study({**raw, "scenarios": TOY_SCENARIOS}, source="toy")


def test_toy_robust_plan_by_hand(toy):
    """With alpha's grid after the deadline half the time, a MW at alpha is
    worth 0.5 and one at bravo 1. Money (1400 - 50 for alpha's grid) goes
    first to bravo on all three turbines: 76 MW for 880 $M, then 470 $M to
    alpha: 47 MW. Expected 0.5 * 123 + 0.5 * 76 = 99.5 MW (two turbines and
    50.67 MW at bravo give only 88.83)."""
    result = solve_robust(toy.data, toy.scenarios)
    assert result.status.has_plan
    assert list(result.scenarios["capacity_mw"]) == pytest.approx([123, 76], abs=1e-6)
    assert result.expected_capacity == pytest.approx(99.5, abs=1e-6)
    assert result.stages[0].term == "expected_capacity"
    built = result.plan.site_capacity().set_index("site")["built_mw"]
    assert built.to_dict() == pytest.approx({"alpha": 47, "bravo": 76}, abs=1e-6)


def test_worst_capacity_stage(toy):
    """Max-min: the late scenario has bravo only, at most 76 MW."""
    result = solve_robust(
        toy.data, toy.scenarios, stages=["worst_capacity", "expected_capacity", "cost"]
    )
    assert result.worst_capacity == pytest.approx(76, abs=1e-6)
    assert result.expected_capacity == pytest.approx(99.5, abs=1e-6)


def test_the_robust_plan_beats_the_plan_for_the_file_dates_on_the_toy(toy):
    result = solve_robust(toy.data, toy.scenarios)
    comparison = compare_with_fixed_dates(toy, result.plan)
    exp = comparison.expected()
    assert exp["robust"] == pytest.approx(99.5, abs=1e-6)
    # the plan for the file's dates: 127 MW on time, bravo's 27-50.67 MW late
    assert exp["file dates"] <= 0.5 * 127 + 0.5 * 152 / 3 + 1e-6
    assert exp["robust"] > exp["file dates"] + 10


def test_one_certain_scenario_is_the_deterministic_model():
    study = load_study(ROOT / "instances" / "bridge-power.yaml")
    one = parse_study({**study.data, "scenarios": [{"name": "only", "probability": 1.0}]})
    result = solve_robust(one.data, one.scenarios, stages=["expected_capacity", "cost"])
    plan = planner.solve(
        planner.parse_instance({**study.data, "objective": {"stages": ["capacity", "cost"]}})
    )
    assert result.expected_capacity == pytest.approx(plan.capacity_mw, rel=1e-6)
    assert result.expected_cost == pytest.approx(plan.total_cost, rel=1e-4)


def test_expected_slips_are_probability_weighted():
    study = load_study(BRIDGE)
    slips = expected_slips(study.data, study.scenarios)
    # sweetwater: 0.3 * 9 + 0.2 * 12 = 5.1 months; roscoe: 0.2 * 6 = 1.2
    assert slips.grid == {("sweetwater", 0): 5, ("roscoe", 0): 1}


@pytest.fixture(scope="module")
def bridge():
    study = load_study(BRIDGE)
    result = solve_robust(study.data, study.scenarios)
    return study, result, compare_with_fixed_dates(study, result.plan)


def test_bridge_power_robust_plan_beats_fixed_dates_when_dates_slip(bridge):
    """Planned for the file's dates, sweetwater is built out (200 MW) and 63
    of its MW sit dark when its grid slips; the robust plan builds what six
    turbines carry there (137 MW) and puts the money into roscoe."""
    study, result, comparison = bridge
    table = comparison.table.set_index("scenario")
    exp, worst = comparison.expected(), comparison.worst()
    assert exp["robust"] > exp["file dates"] + 20
    assert worst["robust"] > worst["file dates"] + 50
    for late in ("sweetwater-late", "both-late"):
        assert table.loc[late, "robust"] > table.loc[late, "file dates"] + 50
    # on time, the plan for the file's dates is (a little) better: the price of the hedge
    assert table.loc["on-time", "file dates"] >= table.loc["on-time", "robust"]
    # the robust model's own scenario capacities are what the plan's commitments give
    assert list(result.scenarios["capacity_mw"]) == pytest.approx(list(table["robust"]), rel=1e-5)
    built = result.plan.site_capacity().set_index("site")["built_mw"]
    assert built["sweetwater"] == pytest.approx(6 * 35 * 0.9 / 1.15 / 1.2, rel=1e-4)


def test_commitments_are_shared_by_all_scenarios(bridge):
    study, result, _ = bridge
    c = Commitments.from_plan(result.plan, bought_technologies(study.data))
    for sc in study.scenarios:
        moved = apply_slips(study.data, scenario_slips(sc, study.data))
        ev = evaluate(moved, c)
        row = result.scenarios.set_index("scenario").loc[sc.name]
        assert ev.capacity_mw == pytest.approx(row["capacity_mw"], rel=1e-5)


def test_robust_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "robust"
    res = runner.invoke(cli(), ["robust", str(TOY), "--out", str(out)])
    assert res.exit_code == 2 and "scenarios: the section is missing" in res.stderr
    inst = tmp_path / "toy.yaml"
    inst.write_text(TOY.read_text() + "\n" + yaml.safe_dump({"scenarios": TOY_SCENARIOS}))
    res = runner.invoke(cli(), ["robust", str(inst), "--out", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "expected capacity at the deadline: 99.5 MW" in res.output
    assert "file dates" in res.output
    for name in ("plan.json", "capacity.csv", "scenarios.csv", "comparison.csv"):
        assert (out / name).exists()
    plan = planner.Plan.from_json((out / "plan.json").read_text())
    assert plan.capacity_mw == pytest.approx(123, abs=1e-6)  # the first scenario's tables
    res = runner.invoke(
        cli(),
        [
            "robust",
            str(inst),
            "--objective",
            "worst",
            "--json",
            "--no-compare",
            "--show",
            "alpha-late",
        ],
        catch_exceptions=False,
    )
    body = json.loads(res.stdout)
    assert body["worst_capacity_mw"] == pytest.approx(76, abs=1e-6)
    assert body["shown_scenario"] == "alpha-late"
    res = runner.invoke(cli(), ["robust", str(inst), "--stages", "capacity,cost"])
    assert res.exit_code == 2 and "--stages" in res.stderr
