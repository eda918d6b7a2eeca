"""Model tests of funding sources and balance-sheet limits:
one tiny instance per rule, solved by hand (conventions in family_kit.py)."""

from __future__ import annotations

import pytest
from family_kit import (
    CAP_TIME,
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
)

# --------------------------------------------------------------------------
# funding


@pytest.mark.family("coverage", "source_amount", "source_window", "cost_interest")
def test_coverage_with_cash_held():
    """Spending must be covered by draws so far; cash may be held.

    Compute 10 $M/MW completed at t >= 2 (lead 6 months); the only source,
    a 500 bond at 12 %/yr, can be drawn only at t = 0 (until 2026-03).  500
    drawn at t = 0 and held buys 50 MW: capacity 50; interest 500 * 0.03 * 4
    = 60, cost 560.  Without coverage: 100 MW for 1000; without holding cash
    (draw = spend each period): 0.
    """
    data = instance(
        [site(max_it_mw=100, lead=6, compute_capex_per_mw=10, grid=grid(100))],
        funding=[source("bond", "bond", 500, rate=0.12, until="2026-03")],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(50)
    assert plan.total_cost == approx(560)
    draws = nonzero(plan.funding, ("source", "site", "use", "period"), "draw_musd")
    assert draws == approx({("bond", "a", "compute", 0): 500})


@pytest.mark.family("source_window", "calendar_by_from_dates", "stage_capacity_time")
def test_source_available_from():
    """Draws only from u(available) to p(until).

    Cash available 2026-05 (month 4, u = 2), until 2026-08 (month 7,
    p = 2): one draw at t = 2.  10 $M/MW, 30 MW a quarter, lead 0: B = 0 at
    t <= 1, 30 at t = 2, 60 at t = 3 (paid from cash held).  Online 0, 0, 30,
    60; capacity 60, capacity_time 270, cost 600.  With p(available) = 1:
    capacity 90; without the window: 120.
    """
    data = instance(
        [site(max_it_mw=200, capex=10, build={"max_mw_per_month": 10}, grid=grid(1000))],
        funding=[source("cash", "cash", 10000, available="2026-05", until="2026-08")],
        stages=CAP_TIME,
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(60)
    assert stage_value(plan, "capacity_time") == approx(270)
    assert plan.total_cost == approx(600)
    draws = nonzero(plan.funding, ("source", "site", "use", "period"), "draw_musd")
    assert draws == approx({("cash", "a", "facility", 2): 600})


@pytest.mark.family("source_window", "cost_interest", "calendar_by_from_dates")
def test_source_until():
    """The last draw is in p(until).

    Compute 10 $M/MW for 100 MW; a bond at 12 %/yr until 2026-05 (month 4,
    p = 1).  Cheapest: 1000 drawn at t = 1, interest 1000 * 0.03 * 3 = 90,
    cost 1090.  With u(until) = 2: 1060; until ignored (draw at t = 3): 1030.
    """
    data = instance(
        [site(max_it_mw=100, compute_capex_per_mw=10, grid=grid(100))],
        funding=[source("bond", "bond", 2000, rate=0.12, until="2026-05")],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert plan.total_cost == approx(1090)
    draws = nonzero(plan.funding, ("source", "site", "use", "period"), "draw_musd")
    assert draws == approx({("bond", "a", "compute", 1): 1000})


@pytest.mark.family("source_eligibility", "spending_compute", "coverage")
def test_source_uses():
    """A source pays only its listed uses.

    Facility 10 + compute 10 $M per MW.  "halls" (1000) pays facility only;
    "cash" (200) pays anything.  Compute needs 10 x <= 200: x = 20.
    Capacity 20, cost 400.  Without the restriction: 1200/20 = 60.
    """
    data = instance(
        [site(max_it_mw=100, capex=10, compute_capex_per_mw=10, grid=grid(100))],
        funding=[
            source("halls", "loan", 1000, uses=["facility"]),
            source("cash", "cash", 200),
        ],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(20)
    assert plan.total_cost == approx(400)


@pytest.mark.family("source_eligibility", "coverage")
def test_source_sites():
    """A source pays only at its listed sites.

    Two 100 MW sites at 10 $M/MW.  "a_only" (2000) may pay at a only: a gets
    100 MW; b has the 300 of "cash": 30 MW.  Capacity 130, cost 1300.
    Without the restriction: 200 MW.
    """
    data = instance(
        [
            site("a", 100, capex=10, grid=grid(100)),
            site("b", 100, capex=10, grid=grid(100)),
        ],
        funding=[
            source("a_only", "cash", 2000, sites=["a"]),
            source("cash", "cash", 300),
        ],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(130)
    assert plan.total_cost == approx(1300)
    assert at(plan.capacity, "online_mw", site="b", period=3) == approx(30)


@pytest.mark.family("source_per_month", "source_window", "stage_capacity_time")
def test_source_per_month():
    """Cumulative draws by t <= per_month * pm * (t - u(available) + 1).

    10 $M/month from 2026-04 (u = 1): at most 0, 30, 60, 90 by t = 0..3.
    1 $M/MW, lead 0: online 0, 30, 60, 90; capacity 90, capacity_time 540,
    cost 90.  Counting from t = 0 instead: 120; no cap: 200.
    """
    data = instance(
        [site(max_it_mw=200, capex=1, grid=grid(200))],
        funding=[source("cash", "cash", 10000, per_month=10, available="2026-04")],
        stages=CAP_TIME,
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(90)
    assert stage_value(plan, "capacity_time") == approx(540)
    assert plan.total_cost == approx(90)
    assert series(plan.capacity, "online_mw", site="a") == approx([0, 30, 60, 90])


@pytest.mark.family("source_max_per_site")
def test_source_max_per_site():
    """At most 300 of the source for any one site.

    Two 100 MW sites at 10 $M/MW, one source of 1000 with max_per_site 300:
    30 MW each, capacity 60, cost 600.  Without the cap: 100 MW.
    """
    data = instance(
        [
            site("a", 100, capex=10, grid=grid(100)),
            site("b", 100, capex=10, grid=grid(100)),
        ],
        funding=[source("cash", "cash", 1000, max_per_site=300)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(60)
    assert plan.total_cost == approx(600)


@pytest.mark.family("source_setup", "cost_interest")
def test_source_setup():
    """A setup fee is paid in full if the source is used at all.

    Compute 1000 due at t = 3.  "fee" (10000, rate 0, setup 50) or a bond at
    12 %/yr (one quarter: 30).  Bond only: cost 1030, fee unused.  Without
    the fee: 1000; with a fractional fee (50 * 1000/10000 = 5): 1005.
    """
    data = instance(
        [site(max_it_mw=100, compute_capex_per_mw=10, grid=grid(100))],
        funding=[
            source("fee", "cash", 10000, setup_cost=50),
            source("bond", "bond", 2000, rate=0.12),
        ],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert plan.total_cost == approx(1030)
    sources = plan.sources.set_index("source")
    assert not bool(sources.loc["fee", "used"])
    assert bool(sources.loc["bond", "used"])
    assert float(sources.loc["bond", "interest_musd"]) == approx(30)


@pytest.mark.family("on_balance_sheet_debt")
def test_on_balance_sheet_debt_limit():
    """On-balance-sheet debt <= 300; equity is not debt.

    10 $M/MW; a bond of 2000 (debt, on the balance sheet) capped at 300 plus
    200 of equity: 50 MW, cost 500.  No limit: 100; equity counted as
    debt: 30.
    """
    data = instance(
        [site(max_it_mw=100, capex=10, grid=grid(100))],
        funding=[source("bond", "bond", 2000), source("equity", "equity", 200)],
        limits={"max_debt_on_balance_sheet": 300},
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(50)
    assert plan.total_cost == approx(500)


@pytest.mark.family("on_balance_sheet_debt", "calendar_by_from_dates", "stage_capacity_time")
def test_on_balance_sheet_debt_schedule():
    """A schedule's value at t is its latest entry with u(from) <= t.

    Entries 100 from 2026-04 (u = 1) and 300 from 2026-08 (month 7, u = 3);
    t = 0 is before the first entry and takes its value, 100.  Limits 100,
    100, 100, 300; bond-funded halls at 10 $M/MW: online 10, 10, 10, 30,
    capacity 30, capacity_time 180, cost 300.  With p(2026-08) = 2: 240;
    no limit before the first entry: unchanged; limit 0 there: 150.
    """
    data = instance(
        [site(max_it_mw=200, capex=10, grid=grid(1000))],
        funding=[source("bond", "bond", 2000, rate=0)],
        limits={
            "max_debt_on_balance_sheet": [
                {"from": "2026-04", "value": 100},
                {"from": "2026-08", "value": 300},
            ]
        },
        stages=CAP_TIME,
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(30)
    assert stage_value(plan, "capacity_time") == approx(180)
    assert plan.total_cost == approx(300)
    sheet = plan.balance_sheet.sort_values("period")
    assert [float(v) for v in sheet["on_bs_debt_limit_musd"]] == approx([100, 100, 100, 300])
    assert [float(v) for v in sheet["on_bs_debt_musd"]] == approx([100, 100, 100, 300])


@pytest.mark.family("off_balance_sheet", "on_balance_sheet_debt")
def test_off_balance_sheet():
    """SPV and lease money counts against the off-balance-sheet limit.

    10 $M/MW; a bond (on the balance sheet, limit 50), an spv and a lease of
    100 each (off by kind, limit 150 for the two together): 200 $M, 20 MW,
    cost 200.  No off-balance-sheet limit: 25; the spv (or the lease) counted
    as on-balance-sheet debt: 15.
    """
    data = instance(
        [site(max_it_mw=100, capex=10, grid=grid(100))],
        funding=[
            source("bond", "bond", 1000),
            source("spv", "spv", 100),
            source("lease", "lease", 100),
        ],
        limits={"max_debt_on_balance_sheet": 50, "max_off_balance_sheet": 150},
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(20)
    assert plan.total_cost == approx(200)
