"""Model tests of on-site power, supply and the power balance:
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
    per_period,
    series,
    site,
    solve,
    source,
    stage_value,
    tech,
)

# --------------------------------------------------------------------------
# on-site power


@pytest.mark.family("onsite_permit")
def test_onsite_permit():
    """Permit caps the nameplate MW of all units together: 60 a + 40 b <= 110.

    Off grid; `a` 60 MW units at availability 1, `b` 40 MW at 0.9.  Within
    the permit: a = 1, b = 1 (100 MW nameplate) carries 60 + 36 = 96 MW,
    better than b = 2 (72).  Capacity 96.  A permit per technology only
    (a <= 1, b <= 2): 132; a permit on available MW (60 a + 36 b <= 110,
    so b = 3): 108; no permit: 200 (campus).
    """
    data = instance(
        [site(max_it_mw=200, onsite={"max_mw": 110})],
        technologies=[tech("a", 60), tech("b", 40, availability=0.9)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(96)
    assert at(plan.power, "units", site="a", period=3, source="a") == approx(1)
    assert at(plan.power, "units", site="a", period=3, source="b") == approx(1)


@pytest.mark.family("onsite_technologies", "supply_limit")
def test_onsite_technologies():
    """A site uses only its listed technologies, and none without `onsite`.

    Site a lists only `small` (10 MW, 3 units delivered): 30 MW.  Site b has
    neither grid nor onsite: 0.  Capacity 30.  If a could use `big` (100 MW
    units, permit 1000): 200 there; if b could use either: 200 more.
    """
    data = instance(
        [
            site("a", 200, onsite={"max_mw": 1000, "technologies": ["small"]}),
            site("b", 200),
        ],
        technologies=[tech("small", 10), tech("big", 100)],
        supply=[{"technology": "small", "deliveries": [{"date": "2020-01", "units": 3}]}],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(30)
    assert at(plan.capacity, "online_mw", site="b", period=3) == approx(0)


@pytest.mark.family("unit_lead", "calendar_lead_rounding", "stage_capacity_time")
def test_unit_lead():
    """Units online only from lead(4 months) = ceil(4/3) = 2.

    Off grid, 10 MW units, permit 50, campus 50; [capacity, capacity_time,
    cost]: online 0, 0, 50, 50, capacity_time 300.  Without the lead: 600;
    with floor(4/3) = 1: 450.
    """
    data = instance(
        [site(max_it_mw=50, onsite={"max_mw": 50})],
        technologies=[tech("gen", 10, lead_months=4)],
        stages=CAP_TIME,
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(50)
    assert stage_value(plan, "capacity_time") == approx(300)
    assert series(plan.capacity, "online_mw", site="a") == approx([0, 0, 50, 50])


def bridge(gen):
    """Grid 100 MW from lead(6) = 2; units of 10 MW bridge t = 0, 1."""
    data = instance(
        [site(max_it_mw=100, grid=grid({"mw": 100, "wait_months": 6}), onsite={"max_mw": 100})],
        technologies=[gen],
        funding=[source("cash", "cash", 1000)],
        stages=CAP_TIME,
    )
    return solve(data)


@pytest.mark.family("bought_units_nondecreasing", "cost_fixed_om", "spending_power")
def test_bought_units_nondecreasing():
    """Bought units stay once online.

    Capacity_time wants 100 MW from t = 0: 10 bought units (5 $M each, 0.4
    $M/MW-yr fixed O&M) at t = 0, 1; the grid takes over at t = 2 but the
    units stay: N = 10 throughout.  Cost 50 + 0.4*10*10*3/12 * 4 = 90.
    Without the rule N = 10, 10, 0, 0 with capex refunded: 0 + 20 = 20.
    """
    plan = bridge(tech("gt", 10, capex_per_unit=5, fixed_om_per_mw_year=0.4))
    assert plan.capacity_mw == approx(100)
    assert stage_value(plan, "capacity_time") == approx(1200)
    assert plan.total_cost == approx(90)
    assert series(plan.power, "units", site="a", source="gt") == approx([10] * 4)


@pytest.mark.family("rented_units_free", "spending_rent")
def test_rented_units_free():
    """Rented units go back when the grid arrives.

    Same bridge with 10 rented units at 1 $M/unit-month (capex and fixed O&M
    given but ignored for a rented technology): N = 10, 10, 0, 0, rent
    1 * 3 * 10 = 30 at t = 0 and 1: cost 60.  If rented units could not
    decrease: 120; charging the ignored capex: 10060.
    """
    plan = bridge(
        tech(
            "mobile",
            10,
            ownership="rent",
            rent_per_unit_month=1,
            capex_per_unit=1000,
            fixed_om_per_mw_year=5,
        )
    )
    assert plan.capacity_mw == approx(100)
    assert stage_value(plan, "capacity_time") == approx(1200)
    assert plan.total_cost == approx(60)
    assert per_period(plan.power, "units", 4, site="a", source="mobile") == approx([10, 10, 0, 0])
    spent = nonzero(plan.spending, ("use", "period"), "spend_musd")
    assert spent == approx({("rent", 0): 30, ("rent", 1): 30})


@pytest.mark.family("power_balance", "cost_energy", "co2")
def test_power_balance():
    """Grid draw equals pue * IT load.

    pue 1.25, campus 100, grid 200 MW at 100 $/MWh and 0.4 t/MWh.  At D:
    Q = 125 (dark before: energy costs).  Cost 100 * 125 * 2190/1e6 = 27.375,
    CO2 0.4 * 125 * 2190/1e6 = 0.1095 Mt.  Without the balance: Q = 0, cost
    0; with pue ignored: 21.9.
    """
    data = instance(
        [site(max_it_mw=100, pue=1.25, grid=grid(200, price_per_mwh=100, co2_t_per_mwh=0.4))]
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert plan.total_cost == approx(100 * 125 * E)
    assert plan.co2_mt == approx(0.4 * 125 * E)
    assert at(plan.power, "generation_mw", site="a", period=3, source="grid") == approx(125)
    assert series(plan.capacity, "online_mw", site="a") == approx([0, 0, 0, 100])


@pytest.mark.family("generation_limit", "firm_power", "cost_energy")
def test_generation_limit():
    """Generation <= availability * nameplate.

    Grid 50 MW at 100 $/MWh; one 50 MW unit at availability 0.8, 10 $/MWh.
    Firm: 40 + 50 >= C: capacity 90.  At D, P <= 40 so Q = 50: cost
    (100*50 + 10*40) * 2190/1e6 = 11.826.  Without the limit the cheap unit
    would carry all 90 MW: 1.971.
    """
    data = instance(
        [site(max_it_mw=200, grid=grid(50, price_per_mwh=100), onsite={"max_mw": 50})],
        technologies=[tech("gen", 50, availability=0.8, variable_cost_per_mwh=10)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(90)
    assert plan.total_cost == approx(5400 * E)
    assert at(plan.power, "generation_mw", site="a", period=3, source="gen") == approx(40)
    assert at(plan.power, "generation_mw", site="a", period=3, source="grid") == approx(50)


@pytest.mark.family("firm_power")
def test_firm_power():
    """Firm power with reserve applies to on-site and grid MW alike.

    Two 40 MW units (availability 0.95, supply 2), grid 10 MW, r = 0.2, pue
    1.25: 76 + 1.2 * 10 >= 1.2 * 1.25 * C, so C <= 88/1.5 = 176/3 = 58.67.
    Without the firm-power rule: (76 + 10)/1.25 = 68.8; with the reserve not
    applied to the grid side (76 + 10 >= 1.5 C): 57.33.
    """
    data = instance(
        [
            site(
                max_it_mw=200,
                pue=1.25,
                grid=grid(10),
                onsite={"max_mw": 200, "reserve_margin": 0.2},
            )
        ],
        technologies=[tech("aero", 40, availability=0.95)],
        supply=[{"technology": "aero", "deliveries": [{"date": "2020-01", "units": 2}]}],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(176 / 3)


@pytest.mark.family("commitment", "calendar_by_from_dates", "cost_energy")
def test_commitment():
    """A commitment holds from p(by) on.

    Grid 100 MW at 100 $/MWh, campus 100; 40 MW due by 2026-05 (month 4,
    p = 1).  Cheapest: online 0, 40, 40, 100; cost 100 * 180 * 2190/1e6 =
    39.42.  Without the commitment: 21.9; from u(by) = 2 instead: 30.66.
    """
    data = instance(
        [
            site(
                max_it_mw=100,
                grid=grid(100, price_per_mwh=100),
                commitments=[{"by": "2026-05", "it_mw": 40}],
            )
        ]
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert plan.total_cost == approx(100 * 180 * E)
    assert series(plan.capacity, "online_mw", site="a") == approx([0, 40, 40, 100])


@pytest.mark.family("supply_limit", "calendar_by_from_dates", "stage_capacity_time")
def test_supply_limit():
    """Units online, summed over sites, <= deliveries with u(date) <= t.

    Deliveries: 2 units 2025-12 (t >= 0), 3 units 2026-05 (u = 2).  Two
    off-grid sites, 30 MW campuses, 10 MW units: total 20, 20, 50, 50 online,
    capacity 50, capacity_time 420.  Per-site limits instead of the sum: 60;
    p(2026-05) = 1 instead of u: capacity_time 510.
    """
    data = instance(
        [site("a", 30, onsite={"max_mw": 100}), site("b", 30, onsite={"max_mw": 100})],
        technologies=[tech("gen", 10)],
        supply=[
            {
                "technology": "gen",
                "deliveries": [{"date": "2025-12", "units": 2}, {"date": "2026-05", "units": 3}],
            }
        ],
        stages=CAP_TIME,
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(50)
    assert stage_value(plan, "capacity_time") == approx(420)
    assert series(plan.supply, "available_units", technology="gen") == approx([2, 2, 5, 5])
    assert series(plan.supply, "used_units", technology="gen") == approx([2, 2, 5, 5])
