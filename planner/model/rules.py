"""Every rule of docs/model.md by name, with its section.

Constraint components of the model carry these names; rules that are not a
constraint (a lead time, a calendar rounding, a cost term) are here too. The
test suite checks that each one has a hand-derived test
(``@pytest.mark.family(name)``) and that the model has no constraint missing
from this list.
"""

RULES: dict[str, str] = {
    # 1. calendar
    "calendar_hours": "1: H = 730 * pm hours per period",
    "calendar_by_from_dates": "1: by-dates p(d) round down, from-dates u(d) round up",
    "calendar_lead_rounding": "1: lead(L) = ceil(L / pm)",
    # 2.1 facility
    "existing_it_mw": "2.1: existing IT MW at start, no capex",
    "build_lead": "2.1: built MW stay at existing before the build lead time",
    "built_nondecreasing": "2.1: built MW never decrease",
    "build_rate": "2.1: commissioning rate max_mw_per_month * pm per period",
    "max_it_mw": "2.1: campus limit",
    "built_blocks": "2.1: built MW above existing come in whole blocks",
    "online_le_built": "2.1: online MW <= built MW",
    # 2.2 grid
    "grid_tranche_timing": "2.2: a tranche is usable from u(energized) or lead(wait_months)",
    "grid_cost_paid": "2.2: a chosen tranche's cost is paid in p(paid)",
    "grid_draw_limit": "2.3: grid draw <= usable MW of chosen tranches",
    # 2.3 on-site power and the balance
    "onsite_technologies": "2.3: a site uses only its listed technologies",
    "unit_lead": "2.3: no units before the technology's lead time",
    "bought_units_nondecreasing": "2.3: bought units never decrease",
    "rented_units_free": "2.3: rented units may go up and down",
    "onsite_permit": "2.3: nameplate MW of units <= onsite.max_mw",
    "generation_limit": "2.3: generation <= availability * unit_mw * units",
    "power_balance": "2.3: grid draw + generation = pue * online MW",
    "firm_power": "2.3: firm power with the reserve margin",
    "commitment": "2.3: online MW >= committed MW from p(by) on",
    # 3 supply
    "supply_limit": "3: units of a technology over all sites <= cumulative deliveries",
    # 4.1 spending
    "spending_facility": "4.1: facility capex paid a build lead before completion",
    "spending_compute": "4.1: compute capex paid at completion",
    "spending_power": "4.1: unit capex paid a unit lead before online",
    "spending_grid": "4.1: tranche cost paid when due",
    "spending_rent": "4.1: rent paid while on hire",
    # 4.2 funding
    "coverage": "4.2: cumulative draws >= cumulative spending per site, use and period",
    "source_window": "4.2: draws only from u(available) to min(p(until), D)",
    "source_eligibility": "4.2: draws only for eligible sites and uses",
    "source_amount": "4.2: total draws <= amount",
    "source_per_month": "4.2: cumulative draws <= per_month * pm * (t - u(available) + 1)",
    "source_max_per_site": "4.2: draws for one site <= max_per_site",
    "source_setup": "4.2: setup cost paid if a source is used",
    "on_balance_sheet_debt": "4.2: on-balance-sheet debt outstanding <= its limit (or schedule)",
    "off_balance_sheet": "4.2: off-balance-sheet outstanding <= its limit (or schedule)",
    # 4.3 cost and CO2
    "cost_fixed_om": "4.3: fixed O&M of bought units",
    "cost_energy": "4.3: energy cost of grid draw and generation",
    "cost_interest": "4.3: interest on outstanding draws",
    "co2": "4.3: CO2 of grid draw and generation",
    "max_total_cost": "4.3: total cost cap",
    "max_co2": "4.3: CO2 cap",
    # 5 objective
    "stage_capacity": "5: maximize IT MW online in the deadline period",
    "stage_capacity_time": "5: maximize MW-months online",
    "stage_cost": "5: minimize total cost",
    "stage_co2": "5: minimize CO2",
    "stage_tolerance": "5: earlier stages held within tolerance * max(1, |value|)",
    "infeasible_status": "5: an instance with no feasible plan is reported infeasible",
}

# Constraints that define a quantity rather than restrict the plan; they are
# tested through the rules that use the quantity.
DEFINITIONS: dict[str, tuple[str, ...]] = {
    "outstanding": ("cost_interest", "on_balance_sheet_debt", "off_balance_sheet"),
    "stage_bound": ("stage_tolerance",),
}
