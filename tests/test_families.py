"""Model tests: one tiny instance per rule of docs/model.md, solved by hand.

Each test builds an instance in which one rule (named in its
``@pytest.mark.family`` marker) binds, derives the optimum by hand in its
docstring, and asserts the numbers that are unique at that optimum.  The
docstring also says what a number would be if the rule were dropped or got
wrong, so every test can fail.

Shared conventions unless a test says otherwise: start 2026-01, quarterly
periods (pm = 3), deadline 2026-12, so T = 4 periods t = 0..3, D = 3 and a
period has H = 730 * 3 = 2190 hours; pue 1; build capex 0 and lead 0; a grid
tranche given as a bare number is an existing connection (energized 2020-01,
usable from period 0, cost 0); stages [capacity, cost] with tolerance 0.
Money in $M, power in MW, energy prices in $/MWh.
"""

from __future__ import annotations

import pytest

import planner

H = 730 * 3  # hours in a quarter
E = H / 1e6  # $M per ($/MWh * MW) over a quarter; t CO2/MWh * MW -> Mt


CAP = ("capacity", "cost")
CAP_TIME = ("capacity", "capacity_time", "cost")


# --------------------------------------------------------------------------
# helpers


def approx(value):
    return pytest.approx(value, rel=1e-6, abs=1e-6)


def instance(
    sites,
    *,
    technologies=None,
    supply=None,
    funding=None,
    limits=None,
    stages=CAP,
    tolerance=0,
    deadline="2026-12",
    period_months=3,
):
    """An instance mapping as a YAML file would hold it."""
    data = {
        "name": "family-test",
        "horizon": {"start": "2026-01", "period_months": period_months, "deadline": deadline},
        "sites": sites,
        "objective": {"stages": list(stages), "tolerance": tolerance},
    }
    for key, value in (
        ("technologies", technologies),
        ("supply", supply),
        ("funding", funding),
        ("limits", limits),
    ):
        if value is not None:
            data[key] = value
    return data


def site(name="a", max_it_mw=1000, *, capex=0, lead=0, build=None, **extra):
    """A site; `build` adds keys (max_mw_per_month, block_mw) to its build."""
    spec = {"capex_per_mw": capex, "lead_months": lead, **(build or {})}
    return {"name": name, "max_it_mw": max_it_mw, "build": spec, **extra}


def grid(*tranches, **extra):
    """A grid entry; a bare number is an existing connection of that many MW."""
    listed = [t if isinstance(t, dict) else {"mw": t, "energized": "2020-01"} for t in tranches]
    return {"tranches": listed, **extra}


def tech(name, unit_mw, **extra):
    return {"name": name, "unit_mw": unit_mw, **extra}


def source(name, kind, amount, **extra):
    return {"name": name, "kind": kind, "amount": amount, **extra}


def solve(data, status=None):
    """Validate and solve with a tight gap; check the status."""
    plan = planner.solve(planner.parse_instance(data, source="test.yaml"), mip_gap=1e-9)
    expected = planner.Status.optimal if status is None else status
    assert plan.status == expected
    return plan


def matching(table, **match):
    """The rows of `table` whose columns equal the values in `match`."""
    for key, value in match.items():
        table = table[table[key] == value]
    return table


def series(table, column, **match):
    """`column` of the rows matching `match` (ordered by period), as floats."""
    rows = matching(table, **match)
    if "period" in rows.columns:
        rows = rows.sort_values("period")
    return [float(v) for v in rows[column]]


def per_period(table, column, periods, **match):
    """`column` of the rows matching `match` for t = 0..periods-1; 0 where no row."""
    values = [0.0] * periods
    for row in matching(table, **match).to_dict("records"):
        values[int(row["period"])] += float(row[column])
    return values


def at(table, column, **match):
    """The single value of `column` in the row matching `match`."""
    values = series(table, column, **match)
    assert len(values) == 1, f"{len(values)} rows match {match}"
    return values[0]


def nonzero(table, keys, column):
    """{key tuple: value} of the rows where `column` is not (numerically) zero."""
    out = {}
    for row in table.to_dict("records"):
        if abs(row[column]) > 1e-7:
            key = tuple(int(row[k]) if k == "period" else row[k] for k in keys)
            out[key] = float(row[column])
    return out


def stage_value(plan, term):
    (value,) = [s.value for s in plan.stages if str(getattr(s.term, "value", s.term)) == term]
    return value


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
