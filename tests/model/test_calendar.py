"""Model tests of the calendar and the infeasible status:
one tiny instance per rule, solved by hand (conventions in family_kit.py)."""

from __future__ import annotations

import pytest
from family_kit import E, approx, grid, instance, series, site, solve, source

import planner

# --------------------------------------------------------------------------
# calendar and status


@pytest.mark.family("calendar_hours", "cost_energy", "cost_interest", "co2")
@pytest.mark.parametrize("pm", [1, 2, 3, 4, 6, 12])
def test_calendar_hours(pm):
    """A period has H = 730 * pm hours; interest accrues pm/12 of a year.

    One period (deadline = start + pm - 1 months, D = 0).  100 MW on the grid
    at 100 $/MWh and 0.5 t/MWh: energy 100 * 100 * 730 pm/1e6 = 7.3 pm,
    CO2 0.0365 pm Mt.  Compute 1 $M/MW = 100 on a 12 %/yr bond: interest
    100 * 0.12 * pm/12 = pm.  Cost 100 + 8.3 pm.  With H = 730 whatever pm:
    100 + pm + 7.3; interest without pm/12: 112 + 7.3 pm.
    """
    year, month = 2026, 1 + pm - 1
    data = instance(
        [
            site(
                max_it_mw=100,
                compute_capex_per_mw=1,
                grid=grid(100, price_per_mwh=100, co2_t_per_mwh=0.5),
            )
        ],
        funding=[source("bond", "bond", 1000, rate=0.12)],
        deadline=f"{year}-{month:02d}",
        period_months=pm,
    )
    plan = solve(data)
    assert len(plan.periods) == 1
    assert plan.capacity_mw == approx(100)
    assert plan.total_cost == approx(100 + 8.3 * pm)
    assert plan.co2_mt == approx(0.0365 * pm)


@pytest.mark.family("calendar_by_from_dates", "commitment", "grid_tranche_timing")
def test_calendar_by_and_from_dates():
    """From-dates round up to a period start, by-dates down to their period.

    Grid 100 MW energized 2026-04 (month 3, on a period start: u = 1);
    30 MW due by 2026-06 (month 5, p = 1).  At 100 $/MWh: online 0, 30, 30,
    100, cost 100 * 160 * 2190/1e6 = 35.04.  Commitment from u(by) = 2:
    28.47; energization at floor + 1 = 2: infeasible.
    """
    data = instance(
        [
            site(
                max_it_mw=100,
                grid=grid({"mw": 100, "energized": "2026-04"}, price_per_mwh=100),
                commitments=[{"by": "2026-06", "it_mw": 30}],
            )
        ]
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert plan.total_cost == approx(100 * 160 * E)
    assert series(plan.capacity, "online_mw", site="a") == approx([0, 30, 30, 100])


@pytest.mark.family("calendar_lead_rounding", "build_lead", "build_rate")
@pytest.mark.parametrize(
    "pm, deadline, capacity",
    [
        (1, "2026-12", 50),  # D = 11, lead 7: t = 7..11, 5 * 10
        (2, "2026-12", 40),  # D = 5, lead ceil(7/2) = 4: t = 4, 5, 2 * 20
        (3, "2026-12", 30),  # D = 3, lead ceil(7/3) = 3: t = 3, 1 * 30
        (4, "2026-12", 40),  # D = 2, lead ceil(7/4) = 2: t = 2, 1 * 40
    ],
)
def test_calendar_lead_rounding(pm, deadline, capacity):
    """lead(7 months) = ceil(7/pm) periods.

    Build lead 7 months, 10 MW/month, grid 1000: halls are added in periods
    lead .. D, 10 * pm each.  Rounding down (floor) instead: 60 at pm = 3,
    80 at pm = 4 and 60 at pm = 2; rounding to nearest: 60 at pm = 3.
    """
    data = instance(
        [site(max_it_mw=1000, lead=7, build={"max_mw_per_month": 10}, grid=grid(1000))],
        deadline=deadline,
        period_months=pm,
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(capacity)


@pytest.mark.family("infeasible_status", "commitment")
@pytest.mark.parametrize(
    "case",
    ["lead", "by_date", "cost_cap"],
)
def test_infeasible_status(case):
    """Commitments that cannot hold give status infeasible.

    lead: 50 MW due by 2026-03 (t = 0) but halls take 6 months.
    by_date: 41 MW due by 2026-05 (p = 1) while only 40 MW of grid is there
    before t = 2 (100 more energized 2026-05, u = 2).
    cost_cap: 100 MW due by the deadline at 10 $M/MW under a 500 cost cap.
    """
    if case == "lead":
        s = site(
            max_it_mw=100, lead=6, grid=grid(100), commitments=[{"by": "2026-03", "it_mw": 50}]
        )
        limits = None
    elif case == "by_date":
        s = site(
            max_it_mw=200,
            grid=grid(40, {"mw": 100, "energized": "2026-05"}),
            commitments=[{"by": "2026-05", "it_mw": 41}],
        )
        limits = None
    else:
        s = site(
            max_it_mw=100, capex=10, grid=grid(100), commitments=[{"by": "2026-12", "it_mw": 100}]
        )
        limits = {"max_total_cost": 500}
    data = instance([s], funding=[source("cash", "cash", 10000)], limits=limits)
    solve(data, status=planner.Status.infeasible)
