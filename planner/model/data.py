"""The validated instance turned into plain sets and numbers, once.

Every rule of the model is arithmetic on these dicts and tuples: no lookups in
the instance, no ``if`` on the data inside a rule. Index sets are sparse: they
hold only the items that can exist (units after their lead time and where the
site may use the technology, draws inside a source's window and eligibility,
tranches usable by the deadline, spending categories a site can incur).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from planner.calendar import Calendar
from planner.io.fields import USES
from planner.io.schema import Instance, schedule_value

EPS = 1e-9


@dataclass
class ModelData:
    cal: Calendar
    D: int
    pm: int
    hours: int
    periods: list[int]
    sites: list[str]
    techs: list[str]
    sources: list[str]

    # sites (docs/model.md 2.1)
    existing: dict[str, float]
    max_it: dict[str, float]
    pue: dict[str, float]
    build_capex: dict[str, float]
    build_lead: dict[str, int]
    compute_capex: dict[str, float]
    rate_cap: dict[str, float]  # IT MW per period, sites with a commissioning rate
    block: dict[str, float]  # sites with whole blocks
    built_index: list[tuple[str, int]]  # (s, t) where built MW may differ from existing
    online_index: list[tuple[str, int]]  # (s, t) every site and period
    commitment: dict[tuple[str, int], float]  # (s, t) -> IT MW floor

    # grid (2.2)
    grid_price: dict[str, float]
    grid_co2: dict[str, float]
    tranches: list[tuple[str, int]]  # (s, g) usable by the deadline
    tranche_mw: dict[tuple[str, int], float]
    tranche_from: dict[tuple[str, int], int]
    tranche_cost: dict[tuple[str, int], float]
    tranche_paid: dict[tuple[str, int], int]
    grid_index: list[tuple[str, int]]  # (s, t) with some tranche usable at t
    grid_tranches_at: dict[tuple[str, int], list[tuple[str, int]]]
    tranches_paid_at: dict[tuple[str, int], list[tuple[str, int]]]  # (s, t) -> tranches due

    # on-site power (2.3) and technologies (3)
    reserve: dict[str, float]
    onsite_max: dict[str, float]  # sites with on-site power
    unit_mw: dict[str, float]
    availability: dict[str, float]
    bought: dict[str, bool]
    capex_per_unit: dict[str, float]
    rent_per_period: dict[str, float]  # $M per unit per period
    fixed_om_per_period: dict[str, float]  # $M per unit per period (bought)
    variable_cost: dict[str, float]  # $M per MW of generation over a period
    tech_co2: dict[str, float]  # Mt per MW of generation over a period
    tech_lead: dict[str, int]
    unit_index: list[tuple[str, str, int]]  # (s, k, t)
    unit_ub: dict[tuple[str, str, int], int]
    site_techs: dict[str, list[str]]
    units_at: dict[tuple[str, int], list[str]]  # (s, t) -> k with units there
    firm_index: list[tuple[str, int]]  # (s, t) where the reserve margin is > 0
    permit_index: list[tuple[str, int]]  # (s, t) with on-site units

    # supply (3)
    supply_index: list[tuple[str, int]]  # (k, t)
    supply_cap: dict[tuple[str, int], int]
    supply_sites: dict[tuple[str, int], list[str]]

    # money (4)
    use_index: list[tuple[str, str]]  # (s, c) where spending can occur
    amount: dict[str, float]
    per_month: dict[str, float]  # sources with a per-month cap
    first_draw: dict[str, int]
    last_draw: dict[str, int]
    rate: dict[str, float]
    debt_on_bs: list[str]
    off_bs: list[str]
    max_per_site: dict[str, float]
    setup_cost: dict[str, float]  # sources with a setup cost > 0
    draw_index: list[tuple[str, str, str, int]]  # (f, s, c, t)
    outstanding_index: list[tuple[str, int]]  # (f, t), t from the first draw on
    draws_of_source_at: dict[tuple[str, int], list[tuple[str, str, str, int]]]
    draws_at: dict[tuple[str, str, int], list[str]]  # (s, c, t) -> sources
    max_per_site_index: list[tuple[str, str]]  # (f, s)
    draws_of_source_site: dict[tuple[str, str], list[tuple[str, str, str, int]]]
    on_bs_limit: dict[int, float] = field(default_factory=dict)
    off_bs_limit: dict[int, float] = field(default_factory=dict)
    max_total_cost: float | None = None
    max_co2: float | None = None


def prepare(inst: Instance) -> ModelData:
    cal = inst.calendar
    D, pm, H = cal.deadline_period, cal.pm, cal.hours
    periods = list(range(D + 1))
    techs = {k.name: k for k in inst.technologies}
    sites = [s.name for s in inst.sites]
    position = {s: i for i, s in enumerate(sites)}

    # ---- facility
    build_lead = {s.name: cal.lead(s.build.lead_months) for s in inst.sites}
    built_index = [
        (s.name, t)
        for s in inst.sites
        for t in periods
        if t >= build_lead[s.name] and s.max_it_mw > s.existing_it_mw
    ]
    commitment: dict[tuple[str, int], float] = {}
    for s in inst.sites:
        for c in s.commitments:
            for t in range(cal.by(c.by), D + 1):
                commitment[s.name, t] = max(commitment.get((s.name, t), 0.0), c.it_mw)

    # ---- grid
    tranche_from, tranche_mw, tranche_cost, tranche_paid = {}, {}, {}, {}
    for s in inst.sites:
        for g, tr in enumerate(s.grid.tranches if s.grid else []):
            start = cal.tranche_start(tr.energized, tr.wait_months)
            if start > D:
                continue  # never usable by the deadline: choosing it only costs
            key = (s.name, g)
            tranche_from[key], tranche_mw[key], tranche_cost[key] = start, tr.mw, tr.cost
            tranche_paid[key] = cal.by(tr.paid) if tr.paid else 0
    grid_tranches_at: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for (name, g), start in tranche_from.items():
        for t in range(start, D + 1):
            grid_tranches_at[name, t].append((name, g))

    # ---- on-site units
    site_techs: dict[str, list[str]] = {}
    for s in inst.sites:
        if s.onsite is None:
            site_techs[s.name] = []
        else:
            allowed = s.onsite.technologies
            site_techs[s.name] = [k for k in techs if allowed is None or k in allowed]
    supply_cap: dict[tuple[str, int], int] = {}
    for entry in inst.supply:
        delivered = [0] * (D + 1)
        for dlv in entry.deliveries:
            first = cal.from_(dlv.date)
            for t in range(first, D + 1):
                delivered[t] += dlv.units
        for t in periods:
            supply_cap[entry.technology, t] = delivered[t]
    tech_lead = {k: cal.lead(tech.lead_months) for k, tech in techs.items()}
    unit_ub: dict[tuple[str, str, int], int] = {}
    for s in inst.sites:
        if s.onsite is None:
            continue
        for k in site_techs[s.name]:
            permit = math.floor(s.onsite.max_mw / techs[k].unit_mw + EPS)
            if permit < 1:
                continue
            for t in range(tech_lead[k], D + 1):
                # Supply caps the bound too; a unit index with bound 0 stays,
                # so that a what-if with more supply reuses the built model.
                unit_ub[s.name, k, t] = min(permit, supply_cap.get((k, t), permit))
    unit_index = list(unit_ub)
    units_at: dict[tuple[str, int], list[str]] = defaultdict(list)
    for name, k, t in unit_index:
        units_at[name, t].append(k)
    supply_sites: dict[tuple[str, int], list[str]] = defaultdict(list)
    for name, k, t in unit_index:
        if (k, t) in supply_cap:
            supply_sites[k, t].append(name)
    onsite_max = {s.name: s.onsite.max_mw for s in inst.sites if s.onsite}
    reserve = {s.name: (s.onsite.reserve_margin if s.onsite else 0.0) for s in inst.sites}

    # ---- spending categories that can occur at each site
    def can_build(s) -> bool:
        return build_lead[s.name] <= D and s.max_it_mw > s.existing_it_mw

    paid_tranche_sites = {key[0] for key in tranche_from if tranche_cost[key] > 0}
    use_index = []
    for s in inst.sites:
        ks = site_techs[s.name]
        possible = {
            "facility": can_build(s) and s.build.capex_per_mw > 0,
            "compute": can_build(s) and s.compute_capex_per_mw > 0,
            "power": any(techs[k].ownership == "buy" and techs[k].capex_per_unit > 0 for k in ks),
            "grid": s.name in paid_tranche_sites,
            "rent": any(
                techs[k].ownership == "rent" and techs[k].rent_per_unit_month > 0 for k in ks
            ),
        }
        use_index += [(s.name, c) for c in USES if possible[c]]

    # ---- funding
    first_draw = {f.name: cal.from_(f.available) if f.available else 0 for f in inst.funding}
    last_draw = {f.name: min(cal.by(f.until), D) if f.until else D for f in inst.funding}
    eligible = {
        f.name: (None if f.sites is None else set(f.sites), None if f.uses is None else set(f.uses))
        for f in inst.funding
    }
    draw_index = [
        (f.name, s, c, t)
        for f in inst.funding
        for (s, c) in use_index
        if _allowed(eligible[f.name][0], s) and _allowed(eligible[f.name][1], c)
        for t in range(first_draw[f.name], last_draw[f.name] + 1)
    ]
    drawn_sources = {f for f, *_ in draw_index}
    outstanding_index = [
        (f.name, t)
        for f in inst.funding
        if f.name in drawn_sources
        for t in range(first_draw[f.name], D + 1)
    ]
    draws_of_source_at: dict[tuple[str, int], list] = defaultdict(list)
    draws_at: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for src, name, use, t in draw_index:
        draws_of_source_at[src, t].append((src, name, use, t))
        draws_at[name, use, t].append(src)
    max_per_site = {f.name: f.max_per_site for f in inst.funding if f.max_per_site is not None}
    draws_of_source_site: dict[tuple[str, str], list] = defaultdict(list)
    for x in draw_index:
        if x[0] in max_per_site:
            draws_of_source_site[x[0], x[1]].append(x)
    tranches_paid_at: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for key in tranche_from:
        if tranche_cost[key] > 0:
            tranches_paid_at[key[0], tranche_paid[key]].append(key)

    lim = inst.limits
    on_bs = {t: schedule_value(lim.max_debt_on_balance_sheet, cal, t) for t in periods}
    off_bs = {t: schedule_value(lim.max_off_balance_sheet, cal, t) for t in periods}

    return ModelData(
        cal=cal,
        D=D,
        pm=pm,
        hours=H,
        periods=periods,
        sites=sites,
        techs=list(techs),
        sources=[f.name for f in inst.funding],
        existing={s.name: s.existing_it_mw for s in inst.sites},
        max_it={s.name: s.max_it_mw for s in inst.sites},
        pue={s.name: s.pue for s in inst.sites},
        build_capex={s.name: s.build.capex_per_mw for s in inst.sites},
        build_lead=build_lead,
        compute_capex={s.name: s.compute_capex_per_mw for s in inst.sites},
        rate_cap={
            s.name: s.build.max_mw_per_month * pm
            for s in inst.sites
            if s.build.max_mw_per_month is not None
        },
        block={s.name: s.build.block_mw for s in inst.sites if s.build.block_mw is not None},
        built_index=built_index,
        online_index=[(s, t) for s in sites for t in periods],
        commitment=commitment,
        grid_price={s.name: s.grid.price_per_mwh if s.grid else 0.0 for s in inst.sites},
        grid_co2={s.name: s.grid.co2_t_per_mwh if s.grid else 0.0 for s in inst.sites},
        tranches=list(tranche_from),
        tranche_mw=tranche_mw,
        tranche_from=tranche_from,
        tranche_cost=tranche_cost,
        tranche_paid=tranche_paid,
        grid_index=sorted(grid_tranches_at, key=lambda st: (position[st[0]], st[1])),
        grid_tranches_at=dict(grid_tranches_at),
        tranches_paid_at=dict(tranches_paid_at),
        reserve=reserve,
        onsite_max=onsite_max,
        unit_mw={k: v.unit_mw for k, v in techs.items()},
        availability={k: v.availability for k, v in techs.items()},
        bought={k: v.ownership == "buy" for k, v in techs.items()},
        capex_per_unit={k: v.capex_per_unit for k, v in techs.items()},
        rent_per_period={k: v.rent_per_unit_month * pm for k, v in techs.items()},
        fixed_om_per_period={
            k: v.fixed_om_per_mw_year * v.unit_mw * pm / 12 for k, v in techs.items()
        },
        variable_cost={k: v.variable_cost_per_mwh * H / 1e6 for k, v in techs.items()},
        tech_co2={k: v.co2_t_per_mwh * H / 1e6 for k, v in techs.items()},
        tech_lead=tech_lead,
        unit_index=unit_index,
        unit_ub=unit_ub,
        site_techs=site_techs,
        units_at=dict(units_at),
        firm_index=[(s, t) for (s, t) in units_at if reserve[s] > 0],
        permit_index=list(units_at),
        supply_index=[kt for kt in supply_cap if kt in supply_sites],
        supply_cap=supply_cap,
        supply_sites=dict(supply_sites),
        use_index=use_index,
        amount={f.name: f.amount for f in inst.funding},
        per_month={f.name: f.per_month for f in inst.funding if f.per_month is not None},
        first_draw=first_draw,
        last_draw=last_draw,
        rate={f.name: f.rate for f in inst.funding},
        debt_on_bs=[f.name for f in inst.funding if f.debt and f.on_balance_sheet],
        off_bs=[f.name for f in inst.funding if not f.on_balance_sheet],
        max_per_site=max_per_site,
        setup_cost={f.name: f.setup_cost for f in inst.funding if f.setup_cost > 0},
        draw_index=draw_index,
        outstanding_index=outstanding_index,
        draws_of_source_at=dict(draws_of_source_at),
        draws_at=dict(draws_at),
        max_per_site_index=list(draws_of_source_site),
        draws_of_source_site=dict(draws_of_source_site),
        on_bs_limit={t: v for t, v in on_bs.items() if v is not None},
        off_bs_limit={t: v for t, v in off_bs.items() if v is not None},
        max_total_cost=lim.max_total_cost,
        max_co2=lim.max_co2_mt,
    )


def _allowed(allowed: set | None, item: str) -> bool:
    """A source's sites or uses: None allows all."""
    return allowed is None or item in allowed
