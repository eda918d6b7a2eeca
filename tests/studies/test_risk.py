"""Monte Carlo of a fixed plan: the evaluation rules by hand on the toy
instance, the distribution and the worst input, the sections' validation,
bridge-power, the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from test_sweep import cli

import planner
from planner.io.load import load_study, parse_study
from planner.io.uncertainty import Uncertainty
from planner.results.plan import Plan
from planner.results.status import Status
from planner.studies.evaluate import Commitments, bought_technologies, evaluate
from planner.studies.risk import run_risk
from planner.studies.slips import Slips, apply_slips

ROOT = Path(__file__).parent.parent.parent
TOY = ROOT / "instances" / "toy-two-sites.yaml"
D = 7  # the toy's deadline period


def toy_commitments() -> Commitments:
    """The toy's plan of docs/model.md 6 with alpha full: alpha 100 MW on its grid
    from period 6 (paid at 4), bravo 27 MW from period 4 on two turbines
    (ordered at 1), the grid paid at 0: 50 + 80 + 270 + 1000 = 1400 $M."""
    c = Commitments()
    for t in range(D + 1):
        c.built["alpha", t] = 100.0 if t >= 6 else 0.0
        c.built["bravo", t] = 27.0 if t >= 4 else 0.0
        if t >= 4:
            c.units["bravo", "aero", t] = 2
    c.tranches = {("alpha", 0)}
    return c


def toy_plan(c: Commitments) -> Plan:
    capacity = pd.DataFrame(
        [(s, t, mw, mw) for (s, t), mw in c.built.items()],
        columns=["site", "period", "built_mw", "online_mw"],
    )
    grid = pd.DataFrame(
        [("alpha", 0, 125.0, 6, True, 50.0, 0), ("bravo", 0, 100.0, 16, False, 30.0, 0)],
        columns=["site", "tranche", "mw", "usable_from", "chosen", "cost_musd", "paid_period"],
    )
    power = pd.DataFrame(
        [("bravo", t, "aero", n, 40.0 * n, 0.0) for (_, _, t), n in c.units.items()],
        columns=["site", "period", "source", "units", "capacity_mw", "generation_mw"],
    )
    return Plan(
        status=Status.optimal,
        instance_name="toy-two-sites",
        capacity_mw=127.0,
        tables={"capacity": capacity, "grid": grid, "power": power},
    )


@pytest.fixture(scope="module")
def toy():
    return load_study(TOY).data


def moved(data, grid=0, delivery=0, cash=0, bond=0):
    return apply_slips(
        data,
        Slips(
            grid={("alpha", 0): grid},
            deliveries={("aero", 0): delivery},
            funding={"cash": cash, "bond": bond},
        ),
    )


# ------------------------------------------------------------ the rules
@pytest.mark.parametrize(
    "slips, mw, why",
    [
        ({}, 127, "on its dates the plan puts all its 127 MW online"),
        ({"grid": 6}, 27, "alpha's grid in 2028-01 is after the deadline: bravo's 27 MW only"),
        ({"grid": -3}, 127, "an earlier grid changes nothing at the deadline"),
        ({"delivery": 9}, 127, "turbines delivered 2027-09 are online in period 7, the deadline's"),
        ({"delivery": 12}, 100, "turbines delivered 2027-12 come after it: bravo is dark"),
        ({"cash": 12}, 127, "cash from 2027-01: the bond pays 400 $M until then, cash the rest"),
        ({"bond": 12}, 127, "the bond from 2027-01: cash pays the 400 $M due until then"),
        (
            {"bond": 18},
            55,
            "the bond from 2027-07 comes after alpha's halls must be paid (period "
            "4 or 5): 600 of cash less 50 for the grid builds 55 MW at alpha, more "
            "than bravo's 27 MW and 20 MW at alpha",
        ),
    ],
)
def test_a_fixed_plan_under_moved_dates(toy, slips, mw, why):
    ev = evaluate(moved(toy, **slips), toy_commitments())
    assert ev.capacity_mw == pytest.approx(mw, abs=1e-6), why


def test_a_solved_plan_on_its_own_dates_keeps_its_capacity():
    for name in ("toy-two-sites", "bridge-power"):
        study = load_study(ROOT / "instances" / f"{name}.yaml")
        plan = planner.solve(study.instance)
        ev = evaluate(study.data, Commitments.from_plan(plan, bought_technologies(study.data)))
        assert ev.capacity_mw == pytest.approx(plan.capacity_mw, rel=1e-6), name


# ----------------------------------------------------------- distribution
UNCERTAINTY = {
    "grid": [
        {
            "site": "alpha",
            "slip_months": {"dist": "discrete", "values": [0, 6], "probabilities": [0.5, 0.5]},
        }
    ],
    "deliveries": [
        {
            "technology": "aero",
            "slip_months": {"dist": "discrete", "values": [0, 12], "probabilities": [0.75, 0.25]},
        }
    ],
}


def test_distribution_by_hand(toy):
    """Each sample's capacity follows the rules: 127 on time, 27 with alpha's
    grid late, 100 with the turbines late, 0 with both."""
    unc = Uncertainty.model_validate(UNCERTAINTY)
    result = run_risk(toy, unc, toy_plan(toy_commitments()), samples=60, seed=3, workers=1)
    s = result.samples
    expect = {(0, 0): 127, (6, 0): 27, (0, 12): 100, (6, 12): 0}
    wanted = [expect[g, d] for g, d in zip(s["grid alpha"], s["deliveries aero"], strict=True)]
    assert list(s["capacity_mw"]) == pytest.approx(wanted, abs=1e-6)
    stats = result.stats()
    assert stats["mean"] == pytest.approx(np.mean(wanted))
    assert stats["p10"] <= stats["p50"] <= stats["p90"]
    assert stats["p50"] == pytest.approx(np.percentile(wanted, 50))
    assert stats["p_target"] == pytest.approx(np.mean(np.array(wanted) == 127))
    assert result.nominal_mw == pytest.approx(127)
    inputs = result.inputs.set_index("input")
    late_grid = np.mean(s["grid alpha"] == 6)
    late_units = np.mean(s["deliveries aero"] == 12)
    assert inputs.loc["grid alpha", "loss_mw"] == pytest.approx(100 * late_grid)
    assert inputs.loc["deliveries aero", "loss_mw"] == pytest.approx(27 * late_units)
    assert result.hurts_most() == "grid alpha"
    # at most four distinct models: on time, each input late, both late
    assert result.evaluations <= 4
    assert "hurts most: grid alpha" in str(result)


def test_the_seed_fixes_the_draws(toy):
    unc = Uncertainty.model_validate(UNCERTAINTY)
    plan = toy_plan(toy_commitments())
    a = run_risk(toy, unc, plan, samples=30, seed=1, workers=1, by_input=False)
    b = run_risk(toy, unc, plan, samples=30, seed=1, workers=1, by_input=False)
    c = run_risk(toy, unc, plan, samples=30, seed=2, workers=1, by_input=False)
    pd.testing.assert_frame_equal(a.samples, b.samples)
    assert not a.samples["grid alpha"].equals(c.samples["grid alpha"])


def test_bridge_power_distribution():
    """Sweetwater's grid (2028-04) is usable from the first period that starts
    on or after its date: a slip of more than 6 months puts it after the
    deadline period (2028-10 to 2028-12), and the plan then runs sweetwater
    on its six turbines."""
    study = load_study(ROOT / "instances" / "bridge-power.yaml")
    unc = load_study(ROOT / "instances" / "bridge-power-scenarios.yaml").uncertainty
    plan = planner.solve(study.instance)
    result = run_risk(study.data, unc, plan, samples=40, seed=5, workers=1)
    stats = result.stats()
    assert result.nominal_mw == pytest.approx(320, rel=1e-5)
    assert stats["min"] <= stats["p10"] <= stats["p50"] <= stats["p90"] <= stats["max"]
    assert stats["max"] == pytest.approx(320, rel=1e-5)
    late = result.samples["grid sweetwater"] > 6
    assert (result.samples.loc[late, "capacity_mw"] < 300).all()
    assert (result.samples.loc[~late, "capacity_mw"] > 319).all()
    assert stats["p_target"] == pytest.approx(1 - late.mean())
    assert result.hurts_most() == "grid sweetwater"


# ------------------------------------------------------------- sections
def test_sections_are_checked_line_by_line(toy):
    raw = {
        **yaml.safe_load(TOY.read_text()),
        "uncertainty": {
            "grid": [
                {"site": "alpah", "slip_months": 3},
                {"slip_months": {"dist": "triangular", "low": 5, "mode": 1, "high": 9}},
            ],
            "funding": [{"source": "cash", "delay": 2}],
        },
        "scenarios": [{"name": "a", "probability": 0.5}, {"name": "a", "probability": 0.4}],
    }
    with pytest.raises(planner.InstanceError) as err:
        parse_study(raw, source="t.yaml")
    lines = err.value.problems
    assert (
        "t.yaml: uncertainty.grid[1].slip_months: must have low <= mode <= high, got "
        "{'dist': 'triangular', 'low': 5, 'mode': 1, 'high': 9}" in lines
    )
    assert any(
        line.startswith("t.yaml: uncertainty.funding[0].delay: unknown key") for line in lines
    )
    assert (
        "t.yaml: scenarios[1].name: duplicate scenario name (first at scenarios[0]), got "
        "'a'" in lines
    )
    assert "t.yaml: scenarios: probabilities must add up to 1, got 0.9" in lines
    raw["uncertainty"] = {"grid": [{"site": "alpah", "slip_months": 3}]}
    raw["scenarios"] = [
        {"name": "a", "probability": 1.0, "funding": [{"source": "bnd", "delay_months": 3}]}
    ]
    with pytest.raises(planner.InstanceError) as err:
        parse_study(raw, source="t.yaml")
    assert err.value.problems == [
        "t.yaml: uncertainty.grid[0].site: unknown site (did you mean 'alpha'?), got 'alpah'",
        "t.yaml: scenarios[0].funding[0].source: unknown source (did you mean 'bond'?), got 'bnd'",
    ]


def test_a_window_that_closes_lends_nothing(toy):
    data = dict(toy)
    data["funding"] = [{**toy["funding"][0], "until": "2026-06"}, toy["funding"][1]]
    out = apply_slips(data, Slips(funding={"cash": 9}))
    cash = out["funding"][0]
    assert (cash["available"], cash["until"], cash["amount"]) == ("2026-10", "2026-10", 0.0)
    planner.parse_instance(out)


# ------------------------------------------------------------------ command
def test_risk_command(tmp_path):
    inst = tmp_path / "toy.yaml"
    inst.write_text(TOY.read_text() + "\n" + yaml.safe_dump({"uncertainty": UNCERTAINTY}))
    plan = planner.solve(planner.load_instance(TOY))
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(plan.to_json())
    csv, png = tmp_path / "samples.csv", tmp_path / "risk.png"
    runner = CliRunner()
    res = runner.invoke(
        cli(),
        [
            "risk",
            str(inst),
            "--plan",
            str(plan_path),
            "--samples",
            "20",
            "--workers",
            "1",
            "--json",
            "--csv",
            str(csv),
            "--chart",
            str(png),
        ],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["nominal_capacity_mw"] == pytest.approx(127)
    assert set(out["capacity_mw"]) >= {"mean", "p10", "p50", "p90", "p_target"}
    assert out["hurts_most"] == "grid alpha"
    assert len(pd.read_csv(csv)) == 20
    assert png.read_bytes()[:4] == b"\x89PNG"
    res = runner.invoke(cli(), ["risk", str(TOY), "--plan", str(plan_path)])
    assert res.exit_code == 2 and "uncertainty: the section is missing" in res.stderr
    res = runner.invoke(cli(), ["risk", str(inst), "--plan", str(inst)])
    assert res.exit_code == 2 and "is an instance file, not a plan" in res.stderr


def test_progress_counts_every_case(toy):
    from planner.studies.risk import case_count

    unc = Uncertainty.model_validate(UNCERTAINTY)
    ticks: list[int] = []
    run_risk(
        toy, unc, toy_plan(toy_commitments()), samples=25, seed=4, workers=1, progress=ticks.append
    )
    assert sum(ticks) == case_count(25, 2) == 1 + 25 * 3
