"""Model tests of the worked example of docs/model.md section 6:
one tiny instance per rule, solved by hand (conventions in family_kit.py)."""

from __future__ import annotations

import pytest
from family_kit import (
    CAP,
    CAP_TIME,
    approx,
    at,
    grid,
    instance,
    series,
    site,
    solve,
    source,
    stage_value,
    tech,
)

# --------------------------------------------------------------------------
# the worked example of docs/model.md section 6

TECHS_TOY = [tech("aero", 40, availability=0.95, ownership="buy", capex_per_unit=40, lead_months=9)]
SITES_TOY = [
    site(
        "alpha",
        100,
        capex=10,
        lead=6,
        pue=1.25,
        grid=grid({"mw": 125, "energized": "2027-07", "cost": 50}),
    ),
    site(
        "bravo",
        80,
        capex=10,
        lead=6,
        pue=1.25,
        grid=grid({"mw": 100, "energized": "2030-01", "cost": 30}),
        onsite={"max_mw": 200, "reserve_margin": 0.2},
    ),
]
SUPPLY_TOY = [{"technology": "aero", "deliveries": [{"date": "2026-12", "units": 3}]}]
FUNDING_TOY = [
    source("cash", "cash", 600, rate=0),
    source("bond", "bond", 2000, rate=0.05),
]


def toy(stages, period_months):
    data = instance(
        SITES_TOY,
        technologies=TECHS_TOY,
        supply=SUPPLY_TOY,
        funding=FUNDING_TOY,
        limits={"max_debt_on_balance_sheet": 800},
        stages=stages,
        deadline="2027-12",
        period_months=period_months,
    )
    data["name"] = "toy-two-sites"
    return data


@pytest.mark.family("stage_capacity", "stage_cost", "on_balance_sheet_debt", "cost_interest")
def test_worked_example_capacity_then_cost():
    """docs/model.md 6, stages [capacity, cost], quarterly: 127 MW, 1430 $M.

    Money binds: 600 cash + 800 debt = 1400 = 50 (alpha grid) + 80 (two
    turbines) + 10 * 127.  The bond's 800 pays the facilities at t = 5 and is
    outstanding in periods 5..7: 800 * 0.05 * 3/12 * 3 = 30.
    Without the debt limit (2600 $M): 176 MW, alpha full and bravo held to
    0.95 * 40 * 3 / 1.5 = 76 MW by the three turbines delivered.
    """
    plan = solve(toy(CAP, 3))
    assert plan.capacity_mw == approx(127)
    assert plan.total_cost == approx(1430)
    assert stage_value(plan, "capacity") == approx(127)
    assert at(plan.sources, "interest_musd", source="bond") == approx(30)


@pytest.mark.family("stage_capacity_time", "firm_power", "supply_limit", "cost_interest")
def test_worked_example_capacity_time_then_cost():
    """docs/model.md 6, stages [capacity, capacity_time, cost], quarterly.

    Capacity 127 still; bravo runs on two turbines from t = 4 (delivery
    u(2026-12) = 4), up to 0.95*40*2 / (1.2*1.25) = 152/3 MW, alpha from t = 6
    with 127 - 152/3 = 229/3 MW.  capacity_time = 3*(4*152/3 + 2*229/3) = 1066.
    Spend: 50 at t0, 80 at t1, 1520/3 at t2, 2290/3 at t4; cash pays the first
    600, the bond 110/3 at t2 (6 periods) and 2290/3 at t4 (4 periods):
    interest 0.0125*(220 + 9160/3) = 491/12.  (Bravo split not forced without
    capacity_time: with [capacity, cost] the cost is 1430.)
    """
    plan = solve(toy(CAP_TIME, 3))
    assert plan.capacity_mw == approx(127)
    assert plan.total_cost == approx(1400 + 491 / 12)
    assert stage_value(plan, "capacity_time") == approx(1066)
    assert at(plan.capacity, "online_mw", site="bravo", period=7) == approx(152 / 3)
    assert at(plan.capacity, "online_mw", site="alpha", period=7) == approx(229 / 3)
    assert series(plan.capacity, "online_mw", site="bravo") == approx([0] * 4 + [152 / 3] * 4)


@pytest.mark.family("stage_capacity", "stage_cost", "cost_interest", "calendar_by_from_dates")
def test_worked_example_monthly_capacity_then_cost():
    """docs/model.md 6 at monthly resolution, stages [capacity, cost].

    D = 23.  Capacity is the same 127 MW (money binds the same way).  Interest
    differs from the quarterly 30 because a draw is charged from its own month:
    facilities completed at month 23 are paid at 23 - 6 = 17, so the bond's 800
    is outstanding in months 17..23: 800 * 0.05/12 * 7 = 70/3.
    """
    plan = solve(toy(CAP, 1))
    assert plan.capacity_mw == approx(127)
    assert plan.total_cost == approx(1400 + 70 / 3)


@pytest.mark.family("stage_capacity_time", "stage_cost", "cost_interest", "calendar_by_from_dates")
def test_worked_example_monthly_capacity_time_then_cost():
    """docs/model.md 6 at monthly resolution, [capacity, capacity_time, cost].

    Capacity 127, same split (bravo 152/3, alpha 229/3).  Monthly, the turbines
    arrive at u(2026-12) = 11 (quarterly: month 12), alpha's grid at 18:
    capacity_time = 13*152/3 + 6*229/3 = 3350/3.  Spend: 50 at 0, turbines 80
    at 11 - 9 = 2, bravo 1520/3 at 11 - 6 = 5, alpha 2290/3 at 18 - 6 = 12; the
    bond pays 110/3 at month 5 (19 months out) and 2290/3 at 12 (12 months):
    interest 0.05/12 * (2090/3 + 9160) = 2957/72.
    """
    plan = solve(toy(CAP_TIME, 1))
    assert plan.capacity_mw == approx(127)
    assert stage_value(plan, "capacity_time") == approx(3350 / 3)
    assert plan.total_cost == approx(1400 + 2957 / 72)
    assert at(plan.capacity, "online_mw", site="bravo", period=23) == approx(152 / 3)
    assert at(plan.capacity, "online_mw", site="alpha", period=23) == approx(229 / 3)
