"""Model tests of spending by use:
one tiny instance per rule, solved by hand (conventions in family_kit.py)."""

from __future__ import annotations

import pytest
from family_kit import (
    CAP_TIME,
    approx,
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
# spending


@pytest.mark.family("spending_facility", "source_window")
def test_spending_facility():
    """Facility capex is paid lead(build) periods before completion.

    Lead 6 months = 2 periods, 30 MW per quarter, 10 $M/MW; cash only from
    2026-04 (t = 1).  Halls done at t = 2 would be paid at t = 0 (no money);
    done at t = 3, paid at t = 1: capacity 30, cost 300.  Paid at completion
    instead: 60.
    """
    data = instance(
        [site(max_it_mw=200, capex=10, lead=6, build={"max_mw_per_month": 10}, grid=grid(1000))],
        funding=[source("cash", "cash", 10000, available="2026-04")],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(30)
    assert plan.total_cost == approx(300)
    assert series(plan.capacity, "built_mw", site="a") == approx([0, 0, 0, 30])
    assert nonzero(plan.spending, ("use", "period"), "spend_musd") == approx({("facility", 1): 300})


@pytest.mark.family("spending_compute", "cost_interest")
def test_spending_compute():
    """IT equipment is paid at completion, not lead periods earlier.

    Compute 10 $M/MW, facility free, lead 6 months; bond at 12 %/yr (0.03 a
    quarter).  100 MW completed at t = 3, compute 1000 paid at t = 3, one
    quarter of interest: 30.  Cost 1030.  Compute paid with the facility
    (t = 1): 1090; compute ignored: 0.
    """
    data = instance(
        [site(max_it_mw=100, lead=6, compute_capex_per_mw=10, grid=grid(100))],
        funding=[source("bond", "bond", 2000, rate=0.12)],
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert plan.total_cost == approx(1030)
    assert nonzero(plan.spending, ("use", "period"), "spend_musd") == approx({("compute", 3): 1000})


@pytest.mark.family("spending_power", "unit_lead", "stage_capacity_time")
def test_spending_power():
    """Bought units are paid lead(unit) periods before they come online.

    Off grid, 10 MW units at 10 $M, lead 6 months = 2; cash only from t = 1.
    Units online at t = 2 would be paid at t = 0 (no money), so 10 units
    online at t = 3 paid at t = 1: online 0, 0, 0, 100, capacity_time 300,
    cost 100.  Paid when online instead: capacity_time 600.
    """
    data = instance(
        [site(max_it_mw=100, onsite={"max_mw": 100})],
        technologies=[tech("gen", 10, capex_per_unit=10, lead_months=6)],
        funding=[source("cash", "cash", 10000, available="2026-04")],
        stages=CAP_TIME,
    )
    plan = solve(data)
    assert plan.capacity_mw == approx(100)
    assert stage_value(plan, "capacity_time") == approx(300)
    assert plan.total_cost == approx(100)
    assert nonzero(plan.spending, ("use", "period"), "spend_musd") == approx({("power", 1): 100})
