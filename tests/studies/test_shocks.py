"""Money shocks: each rule of docs/scenarios.md section 7 on a small instance
whose result is derived by hand, through the stress test's one built model,
through a fixed plan's evaluation (``planner risk``) and through the robust
model; and properties of the stress test on generated instances.

The instance ``SMALL``: yearly periods 2026 (t=0) and 2027 (t=1, the
deadline period), one site of at most 70 IT MW at 10 $M/MW with no lead time
(a hall is paid in the period it is done), a free grid tranche of 200 MW from
the start. Money: ``cash`` 200 $M, and ``pc`` (private credit) 600 $M at
10 %, at most 300 $M a year (25 a month), under an on-balance-sheet debt
limit of 600 $M. The plan builds 50 MW in 2026 (cash 200 + pc 300: all the
money there is in 2026) and the last 20 MW in 2027 (pc 200): O_pc = 300 in
2026, 500 in 2027; 70 MW at the deadline, cost 700 + 0.1 * (300 + 500) = 780.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from strategies import instances

import planner
from planner.io.load import parse_study
from planner.solver.options import SolveOptions
from planner.studies.evaluate import Commitments, bought_technologies, evaluate
from planner.studies.robust import solve_robust
from planner.studies.slips import Slips, apply_slips
from planner.studies.stress import StressError, parse_shock, run_stress

EXACT = SolveOptions(mip_gap=0.0, threads=1)
ROOT = Path(__file__).resolve().parents[2]

SMALL = {
    "name": "small",
    "horizon": {"start": "2026-01", "period_months": 12, "deadline": "2027-12"},
    "sites": [
        {
            "name": "s",
            "max_it_mw": 70,
            "pue": 1.0,
            "build": {"capex_per_mw": 10, "lead_months": 0},
            "grid": {
                "price_per_mwh": 0,
                "tranches": [{"mw": 200, "energized": "2026-01", "cost": 0}],
            },
        }
    ],
    "funding": [
        {"name": "cash", "kind": "cash", "amount": 200},
        {"name": "pc", "kind": "private_credit", "amount": 600, "per_month": 25, "rate": 0.1},
    ],
    "limits": {"max_debt_on_balance_sheet": 600},
    "objective": {"tolerance": 0},
}


@pytest.fixture(scope="module")
def plan():
    p = planner.solve(planner.parse_instance(SMALL), mip_gap=0.0)
    assert p.capacity_mw == pytest.approx(70)
    assert p.total_cost == pytest.approx(780)
    return p


def _evaluated(plan, *money) -> float:
    moved = apply_slips(SMALL, Slips(money=list(money)))
    c = Commitments.from_plan(plan, bought_technologies(SMALL))
    return evaluate(moved, c, EXACT).capacity_mw


def _curve(plan, text, sizes, start=None):
    r = run_stress(SMALL, plan, [parse_shock(text, SMALL, start)], sizes=sizes, options=EXACT)
    (curve,) = r.curves
    return r, curve, dict(zip(curve.rows["size"], curve.rows["capacity_mw"], strict=True))


def test_cut_from_a_date(plan):
    """A cut c of pc from 2027: the 300 drawn in 2026 stand, the 300 left shrink
    to 300 (1-c); the 2027 halls need 200, so c <= 1/3 is absorbed and each
    0.1 beyond costs 300 * 0.1 / 10 = 3 MW: 70 - 30 (c - 1/3) MW, 50 MW at c = 1."""
    r, curve, mw = _curve(plan, "pc", [0, 0.2, 0.5, 0.8, 1.0], start="2027-01")
    assert r.base["capacity_mw"] == pytest.approx(70)
    assert mw[0.2] == pytest.approx(70)
    assert mw[0.5] == pytest.approx(65)
    assert mw[0.8] == pytest.approx(56)
    assert mw[1.0] == pytest.approx(50)
    assert curve.absorbed == pytest.approx(1 / 3, abs=1e-3)
    assert curve.first_loss - curve.absorbed <= 1e-3
    assert _evaluated(
        plan, {"shock": "cut", "sources": ["pc"], "from": "2027-01", "fraction": 0.5}
    ) == pytest.approx(65)


def test_cut_from_the_start_cannot_be_dodged(plan):
    """From the start the cut shrinks the amount: 600 (1 - c) of pc. The plan
    needs 500 of it; c <= 1/6 absorbed, then 6 MW per 0.1: at c = 0.5, 200 +
    300 = 500 $M buy 50 MW."""
    _, curve, mw = _curve(plan, "cut:kind=private_credit", [0, 0.1, 0.5])
    assert mw[0.1] == pytest.approx(70)
    assert mw[0.5] == pytest.approx(50)
    assert curve.absorbed == pytest.approx(1 / 6, abs=1e-3)


def test_close_early(plan):
    """pc closing 12 months early (until 2026-12) lends nothing in 2027: the
    20 MW of 2027 are lost (50 MW). 6 months early (2027-06) is still in the
    last period: nothing changes."""
    assert _evaluated(
        plan, {"shock": "close", "months_early": 12, "until": {"pc": "2026-12"}}
    ) == pytest.approx(50)
    assert _evaluated(
        plan, {"shock": "close", "months_early": 6, "until": {"pc": "2027-06"}}
    ) == pytest.approx(70)


def test_limit_lowered(plan):
    """The 600 debt limit lowered by x from 2027: pc's 500 outstanding in 2027
    fit while 600 (1-x) >= 500, x <= 1/6; then 2027's halls get 600 (1-x) -
    300: 6 MW per 0.1 (x = 0.3: 420 - 300 = 120 $M, 62 MW)."""
    _, curve, mw = _curve(plan, "max_debt_on_balance_sheet", [0, 0.1, 0.3], start="2027-01")
    assert mw[0.1] == pytest.approx(70)
    assert mw[0.3] == pytest.approx(62)
    assert curve.absorbed == pytest.approx(1 / 6, abs=1e-3)
    assert _evaluated(
        plan,
        {"shock": "limit", "limit": "max_debt_on_balance_sheet", "from": "2027-01", "amount": 180},
    ) == pytest.approx(62)


def test_rate_rise_costs_money_not_mw(plan):
    """+300 bp on pc from 2027: 0.03 * 500 outstanding = 15 $M more, 5 $M per
    100 bp; the MW stay (the evaluation enforces no cost cap)."""
    r, curve, mw = _curve(plan, "rate:pc", [0, 100, 300], start="2027-01")
    cost = dict(zip(curve.rows["size"], curve.rows["total_cost"], strict=True))
    assert cost[0] == pytest.approx(780)
    assert cost[100] == pytest.approx(785)
    assert cost[300] == pytest.approx(795)
    assert mw[300] == pytest.approx(70)
    assert curve.absorbed is None and r.weakest() is None


def test_capex_overrun(plan):
    """Capex times f: 800 $M buy 80/f MW, all 70 while f <= 8/7 (an overrun
    of 1/7 absorbed); f = 1.6: 50 MW."""
    _, curve, mw = _curve(plan, "capex:all", [0, 0.1, 0.6])
    assert mw[0.1] == pytest.approx(70)
    assert mw[0.6] == pytest.approx(50)
    assert curve.absorbed == pytest.approx(1 / 7, abs=1e-3)
    assert _evaluated(
        plan, {"shock": "capex", "site": "s", "technology": None, "factor": 1.6}
    ) == pytest.approx(50)


def test_default_stress_ranks_the_weakest_link(plan):
    """Without --shock every source and the limit, from 2027: cash is all
    drawn in 2026 (a cut from 2027 changes nothing), the limit gives way at
    1/6, pc at 1/3. Its progress counts the three shocks as each is done."""
    told: list[tuple[int, int]] = []
    r = run_stress(
        SMALL,
        plan,
        start="2027-01",
        sizes=[0, 0.5, 1.0],
        options=EXACT,
        progress=lambda done, total: told.append((done, total)),
    )
    assert told == [(0, 3), (1, 3), (2, 3), (3, 3)]
    rank = r.ranking()
    assert list(rank["shock"]) == [
        "limit max_debt_on_balance_sheet from 2027-01",
        "cut pc from 2027-01",
        "cut cash from 2027-01",
    ]
    assert rank["absorbed"].iloc[0] == pytest.approx(1 / 6, abs=1e-3)
    assert rank["absorbed"].iloc[1] == pytest.approx(1 / 3, abs=1e-3)


def test_robust_plan_under_a_money_scenario():
    """A scenario (p = 0.5) cuts pc by half from 2027: 150 left to draw, 15 MW
    in 2027. The robust plan's halls are shared, so it builds 65 MW in every
    scenario; the plan for the file's numbers builds 70 and, tested in the cut
    scenario, reaches 65 too."""
    raw = copy.deepcopy(SMALL)
    raw["scenarios"] = [
        {"name": "calm", "probability": 0.5},
        {
            "name": "cut",
            "probability": 0.5,
            "money": [{"shock": "cut", "sources": "pc", "from": "2027-01", "fraction": 0.5}],
        },
    ]
    study = parse_study(raw)
    result = solve_robust(study.data, study.scenarios, options=EXACT)
    assert list(result.scenarios["capacity_mw"]) == pytest.approx([65, 65])


def _problems(*entries) -> list[str]:
    raw = copy.deepcopy(SMALL)
    raw["uncertainty"] = {"money": list(entries)}
    with pytest.raises(planner.InstanceError) as exc:
        parse_study(raw, source="f.yaml")
    return exc.value.problems


def test_bad_money_entries_are_one_line_each():
    """Schema problems are reported together; references once the schema holds."""
    lines = _problems(
        {"shock": "cut", "sources": "pc", "fraction": 1.5}, {"shock": "crash", "sources": "pc"}
    )
    assert len(lines) == 2, lines
    assert "f.yaml: uncertainty.money[0]: fraction must be within [0, 1], got 1.5" in lines[0]
    assert lines[1].startswith("f.yaml: uncertainty.money[1]: shock must be one of cut, close")
    lines = _problems(
        {"shock": "cut", "sources": "pcc", "fraction": 0.2},
        {"shock": "limit", "limit": "max_off_balance_sheet", "fraction": 0.1},
        {"shock": "cut", "sources": {"kind": "spv"}, "fraction": 0.1},
    )
    assert lines == [
        "f.yaml: uncertainty.money[0].sources: unknown source (did you mean 'pc'?), got 'pcc'",
        "f.yaml: uncertainty.money[1].limit: the instance sets no such limit (limits: "
        "max_debt_on_balance_sheet), got 'max_off_balance_sheet'",
        "f.yaml: uncertainty.money[2].sources: selects no source, got 'kind spv'",
    ]


def test_bad_shock_selector():
    with pytest.raises(StressError, match="unknown source 'pcc'"):
        parse_shock("pcc", SMALL)
    with pytest.raises(StressError, match="sets no max_off_balance_sheet"):
        parse_shock("max_off_balance_sheet", SMALL)


# ---------------------------------------------------------------- properties
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(instances(capacity_first=True, max_sites=2, max_periods=5))
def test_a_larger_shock_never_gives_more_mw(data):
    """On generated instances: the stress curve of a cut of every source, from
    the middle of the horizon, is nonincreasing, and its zero point is the
    plan's own capacity."""
    inst = planner.parse_instance(data)
    plan = planner.solve(inst, mip_gap=0.0)
    if not plan.status.has_plan or not data.get("funding"):
        return
    cal = inst.calendar
    start = cal.label(cal.deadline_period // 2)
    shocks = [parse_shock("cut:all", data, start)]
    if data.get("limits", {}).get("max_debt_on_balance_sheet") is not None:
        shocks.append(parse_shock("max_debt_on_balance_sheet", data, start))
    r = run_stress(data, plan, shocks, sizes=[0, 0.25, 0.5, 1.0], options=EXACT)
    # the plan may give up its objective tolerance of capacity to later stages
    own = pytest.approx(plan.capacity_mw, rel=inst.objective.tolerance + 3e-6, abs=1e-6)
    assert r.base["capacity_mw"] == own
    for c in r.curves:
        mw = list(c.rows.sort_values("size")["capacity_mw"])
        assert mw[0] == own
        for a, b in zip(mw, mw[1:], strict=False):
            assert b <= a + 1e-6 * max(1.0, abs(a)) + 1e-6


def test_credit_crunch_instance_gives_its_expected_stress():
    """instances/credit-crunch.yaml: the stress results written beside it
    (credit-crunch.expected.json), for the optimal plan, from 2027-07."""
    import json
    from pathlib import Path

    from planner.io.load import load_study

    path = Path(__file__).resolve().parents[2] / "instances" / "credit-crunch.yaml"
    expected = json.loads(path.with_suffix(".expected.json").read_text())["stress"]
    study = load_study(path)
    names = list(expected["shocks"])
    r = run_stress(
        study.data,
        None,
        [parse_shock(n, study.data, expected["from"]) for n in names],
        sizes=expected["sizes"],
    )
    for name, curve in zip(names, r.curves, strict=True):
        want = expected["shocks"][name]
        if want["absorbed"] is None:
            assert curve.absorbed is None, name
        else:
            assert curve.absorbed == pytest.approx(want["absorbed"], abs=2e-3), name
        by = dict(zip(curve.rows["size"], curve.rows["capacity_mw"], strict=True))
        cost = dict(zip(curve.rows["size"], curve.rows["total_cost"], strict=True))
        for key, size in (
            ("mw_at_one_third", expected["sizes"][1]),
            ("mw_at_half", 0.5),
            ("mw_at_full", 1.0),
        ):
            if key in want:
                assert by[size] == pytest.approx(want[key], rel=1e-4), (name, key)
        if "cost_at_300bp" in want:
            assert cost[300.0] == pytest.approx(want["cost_at_300bp"], rel=1e-4)


def test_stress_command(tmp_path):
    """The CLI: a table, --json, --csv, --chart; a bad --shock is one line, exit 2;
    planner report --stress adds the Credit stress section."""
    import json

    import yaml
    from click.testing import CliRunner

    from planner.cli.main import main

    f = tmp_path / "small.yaml"
    f.write_text(yaml.safe_dump(SMALL))
    run = CliRunner().invoke
    r = run(
        main,
        [
            "stress",
            str(f),
            "--shock",
            "pc",
            "--from",
            "2027-01",
            "--sizes",
            "0,0.5,1",
            "--csv",
            str(tmp_path / "s.csv"),
            "--chart",
            str(tmp_path / "s.png"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "weakest link: cut pc from 2027-01" in r.output
    import pandas as pd

    columns = list(pd.read_csv(tmp_path / "s.csv").columns)
    assert columns[:5] == ["shock", "unit", "size", "status", "capacity_mw"]
    assert (tmp_path / "s.png").stat().st_size > 0
    r = run(
        main, ["stress", str(f), "--shock", "pc", "--from", "2027-01", "--sizes", "0,1", "--json"]
    )
    body = json.loads(r.output)
    assert body["curves"][0]["absorbed"] == pytest.approx(1 / 3, abs=1e-3)
    r = run(main, ["stress", str(f), "--shock", "nope"])
    assert r.exit_code == 2
    assert r.output.strip().endswith("--shock: unknown source 'nope': sources are cash, pc")
    out = tmp_path / "plan"
    assert run(main, ["solve", str(f), "--out", str(out)]).exit_code == 0
    r = run(
        main,
        [
            "report",
            str(out / "plan.json"),
            "--stress",
            "--stress-from",
            "2027-01",
            "-o",
            str(tmp_path / "r.html"),
        ],
    )
    assert r.exit_code == 0, r.output
    page = (tmp_path / "r.html").read_text()
    assert '<section id="stress"><h2>Credit stress</h2>' in page
    assert "limit max_debt_on_balance_sheet from 2027-01" in page


def test_zero_shock_keeps_a_co2_capped_plan_at_its_own_capacity():
    """A drawn instance whose 0.02 Mt CO2 cap holds the plan at 177.83 MW of
    the 185 MW it builds: the stress test keeps the file's caps, so the zero
    point is the plan's own capacity (the evaluation of section 2 drops them,
    and the curve started at 185 MW)."""
    path = ROOT / "tests" / "data" / "regressions" / "stress-co2-capped.yaml"
    data = yaml.safe_load(path.read_text())
    inst = planner.parse_instance(data)
    plan = planner.solve(inst, mip_gap=0.0)
    assert plan.capacity_mw == pytest.approx(177.83105, abs=1e-4)
    cal = inst.calendar
    start = cal.label(cal.deadline_period // 2)
    r = run_stress(data, plan, [parse_shock("cut:all", data, start)], sizes=[0, 1.0], options=EXACT)
    assert r.base["capacity_mw"] == pytest.approx(plan.capacity_mw, abs=1e-6)
