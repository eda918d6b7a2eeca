"""Model tests of grid tranches:
one tiny instance per rule, solved by hand (conventions in family_kit.py)."""

from __future__ import annotations

import pytest
from family_kit import (
    CAP_TIME,
    E,
    approx,
    at,
    grid,
    instance,
    nonzero,
    series,
    site,
    solve,
    source,
    stage_value,
    tech,
)

# --------------------------------------------------------------------------
# grid


@pytest.mark.family("grid_tranche_timing", "calendar_by_from_dates", "calendar_lead_rounding")
def test_grid_tranche_timing():
    """Tranches usable from u(energized), lead(wait_months), or 0 if before start.

    10 MW energized 2025-06 -> t >= 0; 20 MW energized 2026-05 (month 4)
    -> u = ceil(4/3) = 2; 40 MW after wait_months 7 -> ceil(7/3) = 3.
    Stages [capacity, capacity_time, cost]: online 10, 10, 30, 70;
    capacity 70, capacity_time 3 * 120 = 360.  All from t = 0: 840; with
    floor instead of ceil (periods 1 and 2): 3 * (10+30+70+70) = 540.
    """
    tranches = [
        {"mw": 10, "energized": "2025-06"},
        {"mw": 20, "energized": "2026-05"},
        {"mw": 40, "wait_months": 7},
    ]
    data = instance([site(grid=grid(*tranches))], stages=CAP_TIME)
    plan = solve(data)
    assert plan.capacity_mw == approx(70)
    assert stage_value(plan, "capacity_time") == approx(360)
    assert series(plan.capacity, "online_mw", site="a") == approx([10, 10, 30, 70])
    usable = plan.grid.sort_values("tranche")
    assert [int(v) for v in usable["usable_from"]] == [0, 2, 3]
    assert [bool(v) for v in usable["chosen"]] == [True, True, True]


@pytest.mark.family(
    "grid_cost_paid", "spending_grid", "coverage", "source_eligibility", "source_window"
)
def test_grid_cost_needs_funding_when_paid():
    """A tranche whose cost falls due at t = 0 needs a grid source by then.

    Tranche 0: 100 MW, cost 50, paid at start (t = 0); tranche 1: 30 MW, free.
    "late" (all uses) is available from 2026-04 (t = 1); "early" is available
    at t = 0 but not for grid.  So tranche 0 cannot be chosen: capacity 30,
    cost 0.  Ignoring the payment (or its date, or the uses): 130.
    """
    data = instance(
        [site(max_it_mw=200, grid=grid({"mw": 100, "energized": "2020-01", "cost": 50}, 30))],
        funding=[
            source("late", "cash", 1000, available="2026-04"),
            source("early", "cash", 1000, uses=["facility", "compute", "power", "rent"]),
        ],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(30)
    assert plan.total_cost == approx(0)
    chosen = plan.grid.sort_values("tranche")["chosen"]
    assert [bool(v) for v in chosen] == [False, True]


@pytest.mark.family("grid_cost_paid", "spending_grid", "cost_interest", "calendar_by_from_dates")
def test_grid_cost_paid_at_its_date():
    """A tranche's cost is paid in period p(paid).

    100 MW tranche, cost 50, paid 2026-05 (month 4) -> p = floor(4/3) = 1.
    The bond (12 %/yr = 0.03 per quarter) draws 50 at t = 1, outstanding at
    t = 1..3: interest 50 * 0.03 * 3 = 4.5.  Capacity 100, cost 54.5.
    Paid at t = 0 (paid ignored): 56; at u(paid) = 2: 53; cost dropped: 0.
    """
    tranche = {"mw": 100, "energized": "2020-01", "cost": 50, "paid": "2026-05"}
    data = instance(
        [site(max_it_mw=100, grid=grid(tranche))],
        funding=[source("bond", "bond", 1000, rate=0.12)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert plan.total_cost == approx(54.5)
    assert nonzero(plan.spending, ("use", "period"), "spend_musd") == approx({("grid", 1): 50})
    assert int(plan.grid["paid_period"].iloc[0]) == 1


@pytest.mark.family("grid_draw_limit", "power_balance", "cost_energy")
def test_grid_draw_limit():
    """Grid draw Q <= G even when the firm-power check would allow more.

    Grid 50 MW at 10 $/MWh; one 60 MW unit at 100 $/MWh (availability 1,
    permit 60).  Firm: 60 + 50 >= 100: capacity 100 (campus).  At t = D
    Q = 50, P = 50 (earlier periods dark: energy costs): cost
    (10*50 + 100*50) * 2190/1e6 = 12.045.  Without Q <= G: Q = 100, 2.19.
    """
    data = instance(
        [site(max_it_mw=100, grid=grid(50, price_per_mwh=10), onsite={"max_mw": 60})],
        technologies=[tech("gen", 60, variable_cost_per_mwh=100)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert plan.total_cost == approx(5500 * E)
    assert at(plan.power, "generation_mw", site="a", period=3, source="grid") == approx(50)
    assert at(plan.power, "generation_mw", site="a", period=3, source="gen") == approx(50)
