"""Model tests of the facility: halls built and online:
one tiny instance per rule, solved by hand (conventions in family_kit.py)."""

from __future__ import annotations

import pytest
from family_kit import (
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
)

# --------------------------------------------------------------------------
# facility


@pytest.mark.family("built_nondecreasing")
def test_built_nondecreasing():
    """Existing halls cannot be sold back.

    Existing 100 MW, grid 50 MW: capacity 50.  Built stays 100 throughout and
    nothing is spent: cost 0.  Without the rule B[3] could drop to 50, a
    negative facility spend of 10 * (50 - 100): cost -500.
    """
    data = instance(
        [site(max_it_mw=100, capex=10, existing_it_mw=100, grid=grid(50))],
        funding=[source("cash", "cash", 10000)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(50)
    assert plan.total_cost == approx(0)
    assert series(plan.capacity, "built_mw", site="a") == approx([100] * 4)


@pytest.mark.family("built_nondecreasing", "max_total_cost", "stage_capacity_time")
def test_built_nondecreasing_no_early_halls_sold_later():
    """Halls built for early periods cannot be sold back before the deadline.

    Stages [capacity_time, cost], 10 $M/MW, total cost capped at 500, grid
    1000, campus 200.  Built MW never fall, so every period has at most
    B[3] <= 500/10 = 50: online 50 in each quarter, capacity_time 600, cost
    500.  Without the rule: 200 MW at t = 0..2 then back to 50 at t = 3 (net
    spend 500): capacity_time 3 * 650 = 1950.
    """
    data = instance(
        [site(max_it_mw=200, capex=10, grid=grid(1000))],
        funding=[source("cash", "cash", 10000)],
        limits={"max_total_cost": 500},
        stages=("capacity_time", "cost"),
    )
    plan = solve(data)
    assert stage_value(plan, "capacity_time") == approx(600)
    assert plan.capacity_mw == approx(50)
    assert plan.total_cost == approx(500)
    assert series(plan.capacity, "built_mw", site="a") == approx([50] * 4)


@pytest.mark.family("build_rate")
def test_build_rate():
    """At most 10 MW/month * 3 = 30 MW per quarter.

    Grid 1000 from t = 0, lead 0, campus 200: capacity min(200, 30 * 4) = 120,
    and reaching 120 forces B = 30, 60, 90, 120.  Without the rate: 200.
    """
    data = instance([site(max_it_mw=200, build={"max_mw_per_month": 10}, grid=grid(1000))])
    plan = solve(data)
    assert plan.capacity_mw == approx(120)
    assert series(plan.capacity, "built_mw", site="a") == approx([30, 60, 90, 120])


@pytest.mark.family("built_blocks")
def test_built_blocks():
    """Halls in blocks of 40 MW.

    Cash 1100 at 10 $M/MW buys 110 MW, grid carries 100; in whole blocks
    B is 0, 40, 80, 120, ... so B = 80: capacity 80, cost 800.
    Without blocks: 100 MW for 1000.
    """
    data = instance(
        [site(max_it_mw=200, capex=10, build={"block_mw": 40}, grid=grid(100))],
        funding=[source("cash", "cash", 1100)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(80)
    assert plan.total_cost == approx(800)
    assert at(plan.capacity, "built_mw", site="a", period=3) == approx(80)


@pytest.mark.family("built_blocks", "existing_it_mw")
def test_built_blocks_counted_from_existing():
    """Blocks are counted on top of the existing halls: B - existing in 40 Z.

    Existing 10, cash 1100 buys at most 110 new MW: B - 10 = 80, B = 90 (grid
    100): capacity 90, cost 800.  Blocks applied to B itself would give
    B = 80 for 700; ignoring the existing 10 would give 80 for 800.
    """
    data = instance(
        [site(max_it_mw=200, capex=10, existing_it_mw=10, build={"block_mw": 40}, grid=grid(100))],
        funding=[source("cash", "cash", 1100)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(90)
    assert plan.total_cost == approx(800)


@pytest.mark.family("max_it_mw")
def test_max_it_mw():
    """Campus limit 70 MW; grid 1000, cash 1000 at 1 $M/MW.

    Capacity 70, cost 70.  Without the limit: 1000 MW for 1000.
    """
    data = instance(
        [site(max_it_mw=70, capex=1, grid=grid(1000))],
        funding=[source("cash", "cash", 1000)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(70)
    assert plan.total_cost == approx(70)


@pytest.mark.family("existing_it_mw", "build_lead", "stage_capacity_time")
def test_existing_it_mw():
    """Existing halls run from t = 0 and cost nothing.

    Existing 50, grid 80, build lead 6 months = 2 periods, 10 $M/MW; stages
    [capacity, capacity_time, cost].  New 30 MW come online at t = 2 (paid at
    t = 0): online 50, 50, 80, 80; capacity_time 3 * 260 = 780; cost 300.
    Without the existing halls: online 0, 0, 80, 80 and cost 800.
    """
    data = instance(
        [site(max_it_mw=200, capex=10, lead=6, existing_it_mw=50, grid=grid(80))],
        funding=[source("cash", "cash", 1000)],
        stages=CAP_TIME,
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(80)
    assert plan.total_cost == approx(300)
    assert stage_value(plan, "capacity_time") == approx(780)
    assert series(plan.capacity, "online_mw", site="a") == approx([50, 50, 80, 80])


@pytest.mark.family("build_lead")
def test_build_lead():
    """Build lead 6 months = 2 periods: B = 0 at t = 0, 1.

    With 30 MW per quarter (10/month) only t = 2, 3 add halls: B = 0, 0, 30,
    60, capacity 60.  Without the lead: 120.
    """
    data = instance([site(max_it_mw=200, lead=6, build={"max_mw_per_month": 10}, grid=grid(1000))])
    plan = solve(data)
    assert plan.capacity_mw == approx(60)
    assert series(plan.capacity, "built_mw", site="a") == approx([0, 0, 30, 60])


@pytest.mark.family("online_le_built", "existing_it_mw", "build_lead")
def test_online_le_built():
    """Only built halls can run.

    Existing 40 MW, lead 24 months = 8 periods > D, so B = 40 throughout;
    grid 100: capacity 40, cost 0.  Without C <= B: 100.
    """
    data = instance(
        [site(max_it_mw=100, capex=10, lead=24, existing_it_mw=40, grid=grid(100))],
        funding=[source("cash", "cash", 10000)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(40)
    assert plan.total_cost == approx(0)
    assert series(plan.capacity, "built_mw", site="a") == approx([40] * 4)
