"""The independent verifier: solved plans verify clean, and a plan broken in
exactly one rule is reported under that rule's name.

Changing a decision (built MW, units, a draw) also changes the tables derived
from it (spending, costs, the balance sheet), so each case lists the other
rules it may name as well; most cases name their rule alone.
"""

from __future__ import annotations

import ast
import copy
import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import planner
from planner.analysis.verify import RULES, Report, Violation, verify, verify_files
from planner.results.plan import Plan
from planner.results.status import Status

ROOT = Path(__file__).resolve().parent.parent.parent

# docs/model.md section 6, the hand-checked worked example.
TOY = {
    "name": "toy-two-sites",
    "horizon": {"start": "2026-01", "period_months": 3, "deadline": "2027-12"},
    "technologies": [
        {
            "name": "aero",
            "unit_mw": 40,
            "availability": 0.95,
            "ownership": "buy",
            "capex_per_unit": 40,
            "lead_months": 9,
        }
    ],
    "sites": [
        {
            "name": "alpha",
            "max_it_mw": 100,
            "pue": 1.25,
            "build": {"capex_per_mw": 10, "lead_months": 6},
            "grid": {"tranches": [{"mw": 125, "energized": "2027-07", "cost": 50}]},
        },
        {
            "name": "bravo",
            "max_it_mw": 80,
            "pue": 1.25,
            "build": {"capex_per_mw": 10, "lead_months": 6},
            "grid": {"tranches": [{"mw": 100, "energized": "2030-01", "cost": 30}]},
            "onsite": {"max_mw": 200, "reserve_margin": 0.2},
        },
    ],
    "supply": [{"technology": "aero", "deliveries": [{"date": "2026-12", "units": 3}]}],
    "funding": [
        {"name": "cash", "kind": "cash", "amount": 600, "rate": 0},
        {"name": "bond", "kind": "bond", "amount": 2000, "rate": 0.05},
    ],
    "limits": {"max_debt_on_balance_sheet": 800},
    "objective": {"stages": ["capacity", "cost"], "tolerance": 0},
}

# Every feature at once: blocks, a commissioning rate, an existing hall and an
# existing grid connection, a tranche by wait_months paid later, bought and
# rented units with supply, a technology allowed nowhere, per_month, a window,
# setup fees, site and use restrictions, max_per_site, a debt schedule, an
# off-balance-sheet cap, cost and CO2 caps and commitments.
FEATURES = {
    "name": "features",
    "horizon": {"start": "2026-01", "period_months": 3, "deadline": "2027-12"},
    "technologies": [
        {
            "name": "aero",
            "unit_mw": 40,
            "availability": 0.95,
            "capex_per_unit": 40,
            "fixed_om_per_mw_year": 0.02,
            "variable_cost_per_mwh": 38,
            "co2_t_per_mwh": 0.45,
            "lead_months": 6,
        },
        {
            "name": "mobile",
            "unit_mw": 10,
            "availability": 0.9,
            "ownership": "rent",
            "rent_per_unit_month": 0.3,
            "variable_cost_per_mwh": 90,
            "co2_t_per_mwh": 0.6,
        },
        {"name": "recip", "unit_mw": 20, "capex_per_unit": 15, "lead_months": 3},
    ],
    "supply": [
        {
            "technology": "aero",
            "deliveries": [{"date": "2026-04", "units": 1}, {"date": "2026-10", "units": 2}],
        },
        {"technology": "mobile", "deliveries": [{"date": "2026-01", "units": 3}]},
    ],
    "sites": [
        {
            "name": "alpha",
            "max_it_mw": 100,
            "existing_it_mw": 20,
            "pue": 1.2,
            "compute_capex_per_mw": 1,
            "build": {"capex_per_mw": 8, "lead_months": 6, "max_mw_per_month": 10, "block_mw": 10},
            "grid": {
                "price_per_mwh": 50,
                "co2_t_per_mwh": 0.4,
                "tranches": [
                    {"mw": 40, "energized": "2025-06"},
                    {"mw": 90, "wait_months": 9, "cost": 20, "paid": "2026-04"},
                ],
            },
            "commitments": [{"by": "2026-01", "it_mw": 20}],
        },
        {
            "name": "bravo",
            "max_it_mw": 60,
            "pue": 1.25,
            "build": {"capex_per_mw": 10, "lead_months": 3},
            "onsite": {"max_mw": 90, "reserve_margin": 0.15, "technologies": ["aero", "mobile"]},
            "commitments": [{"by": "2027-06", "it_mw": 30}],
        },
    ],
    "funding": [
        {"name": "cash", "kind": "cash", "amount": 400, "per_month": 20},
        {
            "name": "bond",
            "kind": "bond",
            "amount": 600,
            "rate": 0.06,
            "available": "2026-04",
            "until": "2027-06",
            "uses": ["facility", "compute", "grid"],
            "setup_cost": 3,
        },
        {
            "name": "lease",
            "kind": "lease",
            "amount": 100,
            "rate": 0.1,
            "sites": ["bravo"],
            "uses": ["power", "rent"],
            "max_per_site": 50,
            "setup_cost": 1,
        },
    ],
    "limits": {
        "max_debt_on_balance_sheet": [
            {"from": "2026-01", "value": 200},
            {"from": "2026-10", "value": 400},
        ],
        "max_off_balance_sheet": 90,
        "max_total_cost": 3000,
        "max_co2_mt": 2.0,
    },
}
D = 7  # the deadline period of both instances


@pytest.fixture(scope="module")
def features_plan() -> Plan:
    plan = planner.solve(planner.parse_instance(FEATURES))
    assert plan.status == Status.optimal
    return plan


def _table(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


# ------------------------------------------------------------ clean plans
@pytest.mark.parametrize(
    "stages, cost",
    [(["capacity", "cost"], 1430.0), (["capacity", "capacity_time", "cost"], 1400 + 491 / 12)],
)
def test_worked_example_verifies_clean(stages, cost):
    data = copy.deepcopy(TOY)
    data["objective"]["stages"] = stages
    inst = planner.parse_instance(data)
    plan = planner.solve(inst)
    report = verify(inst, plan)
    assert report.ok, str(report)
    assert plan.capacity_mw == pytest.approx(127.0, rel=1e-6)
    assert plan.total_cost == pytest.approx(cost, rel=1e-6)


def test_hand_built_worked_example_plan_verifies_clean():
    """docs/model.md 6's cheapest plan written out by hand, without the solver."""
    t8 = list(range(8))
    tables = {
        "capacity": _table(
            site=["alpha"] * 8 + ["bravo"] * 8,
            period=t8 * 2,
            built_mw=[0.0] * 7 + [100.0] + [0.0] * 7 + [27.0],
            online_mw=[0.0] * 7 + [100.0] + [0.0] * 7 + [27.0],
        ),
        "power": _table(
            site=["alpha", "alpha", "bravo"],
            period=[6, 7, 7],
            source=["grid", "grid", "aero"],
            units=[1, 1, 2],
            capacity_mw=[125.0, 125.0, 80.0],
            generation_mw=[0.0, 125.0, 33.75],
        ),
        "grid": _table(
            site=["alpha", "bravo"],
            tranche=[0, 0],
            mw=[125.0, 100.0],
            usable_from=[6, 16],
            chosen=[True, False],
            cost_musd=[50.0, 30.0],
            paid_period=[0, 0],
        ),
        "funding": _table(
            source=["cash", "cash", "cash", "bond", "bond"],
            site=["alpha", "bravo", "alpha", "alpha", "bravo"],
            use=["grid", "power", "facility", "facility", "facility"],
            period=[0, 4, 5, 5, 5],
            draw_musd=[50.0, 80.0, 470.0, 530.0, 270.0],
        ),
        "spending": _table(
            site=["alpha", "bravo", "alpha", "bravo"],
            use=["grid", "power", "facility", "facility"],
            period=[0, 4, 5, 5],
            spend_musd=[50.0, 80.0, 1000.0, 270.0],
        ),
        "sources": _table(
            source=["cash", "bond"],
            drawn_musd=[600.0, 800.0],
            used=[True, True],
            setup_cost_musd=[0.0, 0.0],
            interest_musd=[0.0, 30.0],
        ),
        "balance_sheet": _table(
            period=t8,
            on_bs_debt_musd=[0.0] * 5 + [800.0] * 3,
            on_bs_debt_limit_musd=[800.0] * 8,
            off_bs_musd=[0.0] * 8,
            off_bs_limit_musd=[math.nan] * 8,
        ),
        "costs": _table(
            item=[
                "facility",
                "compute",
                "power",
                "grid",
                "rent",
                "fixed_om",
                "energy",
                "interest",
                "setup",
            ],
            cost_musd=[1270.0, 0, 80, 50, 0, 0, 0, 30, 0],
        ),
    }
    plan = Plan(
        status=Status.optimal, capacity_mw=127.0, total_cost=1430.0, co2_mt=0.0, tables=tables
    )
    inst = planner.parse_instance(TOY)
    assert verify(inst, plan).ok, str(verify(inst, plan))
    plan.total_cost = 1400.0
    assert verify(inst, plan).rules() == {"reported_cost"}


@pytest.mark.parametrize("period_months", [1, 2, 4, 6])
def test_other_calendars_verify_clean(period_months):
    data = copy.deepcopy(FEATURES)
    data["horizon"]["period_months"] = period_months
    data["objective"] = {"stages": ["capacity", "cost"]}
    inst = planner.parse_instance(data)
    plan = planner.solve(inst)
    report = verify(inst, plan)
    assert report.ok, str(report)


@pytest.mark.parametrize(
    "name", ["toy-two-sites", "bridge-power", "spv-financing", "tight-commitments"]
)
def test_bundled_instances_verify_clean(name):
    path = ROOT / "instances" / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"{path.name} is not bundled")
    inst = planner.load_instance(path)
    report = verify(inst, planner.solve(inst))
    assert report.ok, str(report)


def test_features_plan_verifies_clean_and_survives_json(features_plan, tmp_path):
    inst = planner.parse_instance(FEATURES)
    assert verify(inst, features_plan).ok, str(verify(inst, features_plan))
    instance_file = tmp_path / "features.yaml"
    instance_file.write_text(json.dumps(FEATURES))  # JSON is YAML
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(features_plan.to_json())
    report = verify_files(str(instance_file), str(plan_file))
    assert report.ok and str(report).startswith("plan verified")


def test_a_plan_without_tables_is_reported():
    report = verify(planner.parse_instance(TOY), Plan(status=Status.infeasible))
    assert not report.ok and report.rules() == {"no_plan"}


def test_report_lists_one_violation_per_line():
    report = Report(
        [
            Violation("firm_power", "firm 38.0 MW < required 45.6 MW", "alpha", 5),
            Violation("source_amount", "bond drawn 801.0 $M > amount 800.0 $M"),
        ]
    )
    assert str(report).splitlines() == [
        "firm_power: site alpha, period 5: firm 38.0 MW < required 45.6 MW",
        "source_amount: bond drawn 801.0 $M > amount 800.0 $M",
    ]
    assert not report.ok and report.rules() == {"firm_power", "source_amount"}


def test_breaches_within_the_tolerance_pass(features_plan):
    inst = planner.parse_instance(FEATURES)
    plan = _copy(features_plan)
    plan.capacity_mw *= 1 + 1e-8
    assert verify(inst, plan).ok
    plan.capacity_mw += 1e-3
    assert verify(inst, plan).rules() == {"reported_capacity"}
    assert verify(inst, plan, rel_tol=1e-3).ok


# ------------------------------------------------------- breaking one rule
def _copy(plan: Plan) -> Plan:
    return Plan.from_json(plan.to_json())


def _row(plan: Plan, table: str, **where) -> int:
    """The index of the one row of `table` matching `where`."""
    df = plan.tables[table]
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col] == value
    assert mask.sum() == 1, f"{table}: {mask.sum()} rows match {where}"
    return int(df.index[mask][0])


def _get(plan: Plan, table: str, col: str, **where) -> float:
    df = plan.tables[table]
    mask = pd.Series(True, index=df.index)
    for key, value in where.items():
        mask &= df[key] == value
    return float(df.loc[mask, col].sum())


def _set(plan: Plan, table: str, col: str, value, **where) -> None:
    df = plan.tables[table]
    mask = pd.Series(True, index=df.index)
    for key, v in where.items():
        mask &= df[key] == v
    if mask.any():
        if df[col].dtype.kind in "iu" and not float(value).is_integer():
            df[col] = df[col].astype(float)
        df.loc[mask, col] = value
    else:  # a sparse table: add the row
        row = {**where, col: value}
        plan.tables[table] = pd.concat([df, pd.DataFrame([row])], ignore_index=True).fillna(0)


def _built(site: str, t: int, value: float) -> Callable:
    def mutate(data, plan):
        _set(plan, "capacity", "built_mw", value, site=site, period=t)

    mutate.__name__ = f"built_{site}_{t}_{value:g}"
    return mutate


def _units(plan: Plan, site: str, tech: str, t: int, units: float) -> None:
    _set(plan, "power", "units", units, site=site, period=t, source=tech)


def _move_load(plan: Plan, site: str, t: int, source: str, mw: float) -> None:
    """Add `mw` to `source`'s generation (or grid draw) at site and t."""
    now = _get(plan, "power", "generation_mw", site=site, period=t, source=source)
    _set(plan, "power", "generation_mw", now + mw, site=site, period=t, source=source)


def built_before_lead(data, plan):  # bravo's lead is one period
    b1 = _get(plan, "capacity", "built_mw", site="bravo", period=1)
    assert b1 > 0
    _set(plan, "capacity", "built_mw", b1, site="bravo", period=0)


def built_nondecreasing(data, plan):
    last = _get(plan, "capacity", "built_mw", site="bravo", period=D)
    _set(plan, "capacity", "built_mw", last + 1, site="bravo", period=D - 1)


def build_rate(data, plan):  # alpha: 30 MW a period, in blocks of 10
    built = [_get(plan, "capacity", "built_mw", site="alpha", period=t) for t in range(D + 1)]
    first = next(t for t in range(1, D + 1) if built[t] > built[t - 1] + 1e-6)
    for t in range(first, D + 1):
        _set(
            plan,
            "capacity",
            "built_mw",
            max(built[t], built[first - 1] + 40),
            site="alpha",
            period=t,
        )


def online_le_built(data, plan):  # alpha, powered by 6 more MW of grid
    t = D - 1
    assert (
        _get(plan, "power", "capacity_mw", site="alpha", period=t, source="grid")
        - _get(plan, "power", "generation_mw", site="alpha", period=t, source="grid")
        >= 6
    )
    online = _get(plan, "capacity", "online_mw", site="alpha", period=t)
    _set(plan, "capacity", "online_mw", online + 5, site="alpha", period=t)
    _move_load(plan, "alpha", t, "grid", 6.0)


def grid_timing_reported(data, plan):
    _set(plan, "grid", "usable_from", 2, site="alpha", tranche=1)


def grid_timing_draw(data, plan):  # run alpha's period-3 halls in period 2
    for col in ("built_mw", "online_mw"):
        _set(
            plan,
            "capacity",
            col,
            _get(plan, "capacity", col, site="alpha", period=3),
            site="alpha",
            period=2,
        )
    _set(
        plan,
        "power",
        "generation_mw",
        _get(plan, "power", "generation_mw", site="alpha", period=3, source="grid"),
        site="alpha",
        period=2,
        source="grid",
    )


def grid_draw_limit(data, plan):  # bravo has no grid at all
    _move_load(plan, "bravo", D, "aero", -5.0)
    _move_load(plan, "bravo", D, "grid", 5.0)


def units_integer(data, plan):
    _units(plan, "bravo", "mobile", D, 2.5)


def unit_lead(data, plan):  # aero one period earlier than its lead allows
    first = min(
        int(r.period) for r in plan.power.itertuples() if r.source == "aero" and r.units > 0
    )
    assert first == 2
    _units(plan, "bravo", "aero", first - 1, 1)


def onsite_technologies(data, plan):
    _units(plan, "bravo", "recip", D, 1)


def bought_units_nondecreasing(data, plan):
    assert _get(plan, "power", "units", site="bravo", period=D, source="aero") == 1
    _units(plan, "bravo", "aero", D - 1, 2)


def supply_limit(data, plan):  # three mobiles delivered, four on hire
    _units(plan, "bravo", "mobile", D, 4)


def onsite_permit(data, plan):  # 2 aero + 2 mobile = 100 MW > 90
    _units(plan, "bravo", "aero", D, 2)


def generation_limit(data, plan):
    cap = 0.95 * 40 * _get(plan, "power", "units", site="bravo", period=D, source="aero")
    extra = cap + 1 - _get(plan, "power", "generation_mw", site="bravo", period=D, source="aero")
    assert _get(plan, "power", "generation_mw", site="bravo", period=D, source="mobile") >= extra
    _move_load(plan, "bravo", D, "aero", extra)
    _move_load(plan, "bravo", D, "mobile", -extra)


def power_balance(data, plan):
    _move_load(plan, "alpha", 4, "grid", -1.0)


def firm_power(data, plan):  # hand back a rented unit kept only for reserve
    for t in range(D + 1):
        online = _get(plan, "capacity", "online_mw", site="bravo", period=t)
        aero = 38 * _get(plan, "power", "units", site="bravo", period=t, source="aero")
        mobile = _get(plan, "power", "units", site="bravo", period=t, source="mobile")
        idle = _get(plan, "power", "generation_mw", site="bravo", period=t, source="mobile") == 0
        if mobile == 1 and idle and aero < 1.15 * 1.25 * online:
            _units(plan, "bravo", "mobile", t, 0)
            return
    raise AssertionError("no rented unit held only for reserve in this plan")


def commitment(data, plan):  # bravo owes 30 MW from period 5
    online = _get(plan, "capacity", "online_mw", site="bravo", period=D - 1)
    _set(plan, "capacity", "online_mw", 29.0, site="bravo", period=D - 1)
    _move_load(plan, "bravo", D - 1, "aero", -1.25 * (online - 29.0))


def spending(data, plan):
    plan.spending.loc[0, "spend_musd"] += 1


def _draws(plan: Plan, source: str) -> pd.DataFrame:
    return plan.funding[plan.funding.source == source].sort_values("draw_musd")


def coverage(data, plan):
    plan.tables["funding"] = plan.funding.drop(index=_draws(plan, "cash").index[-1])


def source_eligibility(data, plan):  # lease is for bravo only
    i = _row(plan, "funding", source="lease", site="bravo", use="rent", period=D)
    plan.funding.loc[i, "site"] = "alpha"


def source_window(data, plan):  # bond opens in period 1: draw its first draws in 0
    first = _draws(plan, "bond").period.min()
    plan.funding.loc[plan.funding.source.eq("bond") & plan.funding.period.eq(first), "period"] = 0


def source_amount(data, plan):
    extra = 400 - _draws(plan, "cash").draw_musd.sum() + 1
    row = dict(source="cash", site="alpha", use="facility", period=D, draw_musd=extra)
    plan.tables["funding"] = pd.concat([plan.funding, pd.DataFrame([row])], ignore_index=True)


def source_per_month(data, plan):  # cash: 60 $M a period, cumulative
    later = _draws(plan, "cash").query("period >= 1")
    plan.funding.loc[later.index[-1], "period"] = 0


def source_max_per_site(data, plan):
    extra = 50 - _draws(plan, "lease").draw_musd.sum() + 1
    row = dict(source="lease", site="bravo", use="power", period=D, draw_musd=extra)
    plan.tables["funding"] = pd.concat([plan.funding, pd.DataFrame([row])], ignore_index=True)


def source_setup(data, plan):
    plan.sources.loc[_row(plan, "sources", source="bond"), "used"] = False


def on_balance_sheet_debt(data, plan):  # 200 $M of debt until 2026-10, then 400
    bond3 = _draws(plan, "bond").query("period == 3")
    plan.funding.loc[bond3.index[-1], "period"] = 2


def off_balance_sheet(data, plan):
    data["limits"]["max_off_balance_sheet"] = [
        {"from": "2026-01", "value": 90},
        {"from": "2027-01", "value": 40},
    ]


def off_balance_sheet_reported(data, plan):
    plan.balance_sheet.loc[D, "off_bs_musd"] += 1


def max_total_cost(data, plan):
    data["limits"]["max_total_cost"] = plan.total_cost - 1


def max_co2(data, plan):
    data["limits"]["max_co2_mt"] = plan.co2_mt * 0.9


def reported_capacity(data, plan):
    plan.capacity_mw += 1


def reported_cost(data, plan):
    plan.total_cost += 1


def cost_item_reported(data, plan):
    plan.costs.loc[_row(plan, "costs", item="energy"), "cost_musd"] += 1


def reported_co2(data, plan):
    plan.co2_mt += 0.01


MONEY = {"spending", "coverage", "reported_cost"}
ENERGY = {"reported_cost", "reported_co2"}
CASES = [  # rule, mutation, other rules it may name too
    ("built_before_lead", built_before_lead, set()),
    ("built_nondecreasing", built_nondecreasing, MONEY),
    ("build_rate", build_rate, MONEY),
    ("max_it_mw", _built("bravo", D, 61.0), MONEY),
    ("built_blocks", _built("alpha", D, 75.0), MONEY),
    ("online_le_built", online_le_built, ENERGY),
    ("grid_tranche_timing", grid_timing_reported, set()),
    ("grid_tranche_timing", grid_timing_draw, MONEY | ENERGY | {"firm_power"}),
    ("grid_draw_limit", grid_draw_limit, ENERGY),
    ("units_integer", units_integer, MONEY),
    ("unit_lead", unit_lead, MONEY),
    ("onsite_technologies", onsite_technologies, MONEY),
    ("bought_units_nondecreasing", bought_units_nondecreasing, MONEY),
    ("supply_limit", supply_limit, MONEY),
    ("onsite_permit", onsite_permit, MONEY),
    ("generation_limit", generation_limit, ENERGY),
    ("power_balance", power_balance, ENERGY),
    ("firm_power", firm_power, MONEY),
    ("commitment", commitment, ENERGY),
    ("spending", spending, set()),
    ("coverage", coverage, set()),
    ("source_eligibility", source_eligibility, {"coverage"}),
    ("source_window", source_window, {"reported_cost", "on_balance_sheet_debt"}),
    ("source_amount", source_amount, set()),
    ("source_per_month", source_per_month, set()),
    ("source_max_per_site", source_max_per_site, {"reported_cost", "off_balance_sheet"}),
    ("source_setup", source_setup, {"reported_cost"}),
    ("on_balance_sheet_debt", on_balance_sheet_debt, {"reported_cost"}),
    ("off_balance_sheet", off_balance_sheet, set()),
    ("off_balance_sheet", off_balance_sheet_reported, set()),
    ("max_total_cost", max_total_cost, set()),
    ("max_co2", max_co2, set()),
    ("reported_capacity", reported_capacity, set()),
    ("reported_cost", reported_cost, set()),
    ("reported_cost", cost_item_reported, set()),
    ("reported_co2", reported_co2, set()),
]


@pytest.mark.parametrize("rule, mutate, others", CASES, ids=[c[1].__name__ for c in CASES])
def test_breaking_a_rule_names_it(features_plan, rule, mutate, others):
    data, plan = copy.deepcopy(FEATURES), _copy(features_plan)
    mutate(data, plan)
    report = verify(planner.parse_instance(data), plan)
    assert rule in report.rules(), str(report)
    assert report.rules() - {rule} <= others, str(report)


def test_every_rule_has_a_breaking_case():
    assert {rule for rule, _, _ in CASES} == set(RULES)


def test_verifier_shares_no_code_with_the_model():
    files = sorted((ROOT / "planner" / "analysis").glob("verify*.py"))
    assert len(files) >= 4  # verify, verify_base, verify_power, verify_money
    imported: set = set()
    for path in files:
        tree = ast.parse(path.read_text())
        imported |= {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m and m.startswith(("pyomo", "highspy"))}
    assert not {
        m
        for m in imported
        if m and m.startswith(("planner.model", "planner.solver", "planner.calendar"))
    }
