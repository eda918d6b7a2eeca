"""Model tests of costs, limits and the staged objective:
one tiny instance per rule, solved by hand (conventions in family_kit.py)."""

from __future__ import annotations

import pytest
from family_kit import (
    CAP_TIME,
    E,
    approx,
    grid,
    instance,
    site,
    solve,
    source,
    stage_value,
    tech,
)

# --------------------------------------------------------------------------
# cost, limits and stages


@pytest.mark.family("cost_fixed_om", "stage_capacity_time")
def test_cost_fixed_om():
    """Fixed O&M per nameplate MW of bought units, per period pm/12 of a year.

    Off grid, two 50 MW units (free to buy) at 1.2 $M/MW-yr, online all four
    quarters (capacity_time): 1.2 * 100 * 3/12 * 4 = 120.  Without pm/12:
    480; without fixed O&M: 0.
    """
    data = instance(
        [site(max_it_mw=100, onsite={"max_mw": 100})],
        technologies=[tech("gen", 50, fixed_om_per_mw_year=1.2)],
        stages=CAP_TIME,
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert stage_value(plan, "capacity_time") == approx(1200)
    assert plan.total_cost == approx(120)


@pytest.mark.family("max_total_cost", "cost_energy")
def test_max_total_cost():
    """Total cost <= 500.

    x MW costs 10 x of halls plus 100 $/MWh * x * 2190/1e6 = 0.219 x of
    energy at D: x = 500/10.219 = 48.93, cost 500.  Without the cap: 100.
    """
    data = instance(
        [site(max_it_mw=100, capex=10, grid=grid(100, price_per_mwh=100))],
        funding=[source("cash", "cash", 10000)],
        limits={"max_total_cost": 500},
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(500 / (10 + 100 * E))
    assert plan.total_cost == approx(500)


@pytest.mark.family("max_co2", "co2")
def test_max_co2():
    """CO2 <= 0.05 Mt.

    Grid at 0.5 t/MWh: x MW at D emit 0.5 * x * 2190/1e6 Mt, so x =
    0.05/(0.5 * 0.00219) = 45.66 (dark before D to save CO2).  Without the
    cap: 100.
    """
    data = instance(
        [site(max_it_mw=100, grid=grid(100, co2_t_per_mwh=0.5))],
        limits={"max_co2_mt": 0.05},
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(0.05 / (0.5 * E))
    assert plan.co2_mt == approx(0.05)


@pytest.mark.family("stage_tolerance", "stage_capacity", "stage_cost")
def test_stage_tolerance():
    """A later stage may give up tolerance * max(1, |value|) of an earlier one.

    100 MW possible at 10 $M/MW; tolerance 0.1 lets capacity fall to 90 to
    save cost: capacity 90, cost 900, capacity stage value 100.  Tolerance
    ignored: 100 and 1000; taken as absolute: 99.9.
    """
    data = instance(
        [site(max_it_mw=100, capex=10, grid=grid(100))],
        funding=[source("cash", "cash", 10000)],
        tolerance=0.1,
    )
    plan = solve(data)
    assert stage_value(plan, "capacity") == approx(100)
    assert plan.capacity_mw == approx(90)
    assert plan.total_cost == approx(900)


@pytest.mark.family("stage_co2", "co2", "cost_energy")
def test_stage_co2():
    """[capacity, co2, cost]: the cleaner power wins though it costs more.

    Grid 100 MW at 10 $/MWh and 0.5 t/MWh; a 100 MW unit at 50 $/MWh and
    0.1 t/MWh.  Capacity 100; at D the unit carries all: CO2 0.1 * 100 *
    2190/1e6 = 0.0219 Mt, cost 50 * 100 * 2190/1e6 = 10.95.  Cost before CO2
    would pick the grid: 2.19 $M and 0.1095 Mt.
    """
    data = instance(
        [
            site(
                max_it_mw=100,
                grid=grid(100, price_per_mwh=10, co2_t_per_mwh=0.5),
                onsite={"max_mw": 100},
            )
        ],
        technologies=[tech("clean", 100, variable_cost_per_mwh=50, co2_t_per_mwh=0.1)],
        stages=("capacity", "co2", "cost"),
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert stage_value(plan, "co2") == approx(0.1 * 100 * E)
    assert plan.co2_mt == approx(0.1 * 100 * E)
    assert plan.total_cost == approx(50 * 100 * E)
