"""The limits that bind in a solved plan, each with the relaxation of one
meaningful step that :mod:`planner.analysis.explain` measures: a round share
more money, one more turbine delivered, a tranche one period earlier."""

from __future__ import annotations

import math
from collections.abc import Callable

import pyomo.core as pyo

from planner.calendar import shift_month
from planner.io.load import parse_instance
from planner.io.schema import Instance
from planner.solver.session import Session

TOL = 1e-6  # a limit is binding within this relative slack


def nice_step(amount: float, share: float = 0.1) -> float:
    """A round number near ``share`` of ``amount``: 1, 2 or 5 times a power of ten."""
    target = max(abs(amount) * share, 1e-9)
    power = 10 ** math.floor(math.log10(target))
    return min((m * power for m in (1, 2, 5, 10)), key=lambda x: abs(x - target))


# ---------------------------------------------------------------- candidates
Relax = Callable[[Session], None]
Candidate = tuple[str, str, str, Relax, float]  # limit, kind, step words, relax, step size


def binding_upper(m: pyo.ConcreteModel, name: str) -> list:
    comp = m.component(name)
    if comp is None:
        return []
    out = []
    for idx in comp:
        con = comp[idx]
        if con.active and con.upper is not None:
            slack = pyo.value(con.upper) - pyo.value(con.body)
            if slack <= TOL * max(1.0, abs(pyo.value(con.upper))):
                out.append(idx)
    return out


def money_candidates(s: Session) -> list[Candidate]:
    d, m = s.data, s.model
    label = d.cal.label
    out: list[Candidate] = []
    for f in binding_upper(m, "source_amount"):
        step = nice_step(d.amount[f])

        def relax_amount(s: Session, f=f, step=step) -> None:
            s.replace_bound("source_amount", f, upper=d.amount[f] + step)
            widen_setup(s, f, step)

        out.append((f"source_amount {f}", "money", f"+{step:,.0f} $M of {f}", relax_amount, step))
    for f in sorted({f for f, _ in binding_upper(m, "source_per_month")}):
        step = nice_step(d.per_month[f])

        def relax_per_month(s: Session, f=f, step=step) -> None:
            for g, t in m.source_per_month:
                if g == f:
                    months = d.pm * (t - d.first_draw[f] + 1)
                    s.replace_bound(
                        "source_per_month", (g, t), upper=(d.per_month[f] + step) * months
                    )
            widen_setup(s, f, step * d.pm * (d.D - d.first_draw[f] + 1))

        out.append(
            (
                f"source_per_month {f}",
                "money",
                f"+{step:,.4g} $M per month of {f}",
                relax_per_month,
                step,
            )
        )
    for f, site in binding_upper(m, "source_max_per_site"):
        step = nice_step(d.max_per_site[f])

        def relax_per_site(s: Session, f: str = f, site: str = site, step: float = step) -> None:
            s.replace_bound("source_max_per_site", (f, site), upper=d.max_per_site[f] + step)

        out.append(
            (
                f"source_max_per_site {f} {site}",
                "money",
                f"+{step:,.0f} $M of {f} for {site}",
                relax_per_site,
                step,
            )
        )
    for name, words in (
        ("on_balance_sheet_debt", "on-balance-sheet debt room"),
        ("off_balance_sheet", "off-balance-sheet room"),
    ):
        binding = binding_upper(m, name)
        if not binding:
            continue
        limits = d.on_bs_limit if name == "on_balance_sheet_debt" else d.off_bs_limit
        step = nice_step(max(limits[t] for t in binding))

        def relax_balance_sheet(s: Session, name=name, limits=limits, step=step) -> None:
            for t in m.component(name):
                s.replace_bound(name, t, upper=limits[t] + step)

        first = label(min(binding))
        out.append(
            (
                f"{name} from {first}",
                "money",
                f"+{step:,.0f} $M of {words}",
                relax_balance_sheet,
                step,
            )
        )
    if binding_upper(m, "max_total_cost"):
        assert d.max_total_cost is not None  # the cap is a row only when given
        step = nice_step(d.max_total_cost)
        cost_cap = d.max_total_cost

        def relax_cost_cap(s: Session, step: float = step) -> None:
            s.replace_bound("max_total_cost", None, upper=cost_cap + step)

        out.append(
            ("max_total_cost", "money", f"+{step:,.0f} $M of total cost cap", relax_cost_cap, step)
        )
    if binding_upper(m, "max_co2"):
        assert d.max_co2 is not None  # the cap is a row only when given
        step = nice_step(d.max_co2)
        co2_cap = d.max_co2

        def relax_co2_cap(s: Session, step: float = step) -> None:
            s.replace_bound("max_co2", None, upper=co2_cap + step)

        out.append(("max_co2", "co2", f"+{step:,.4g} Mt of CO2 cap", relax_co2_cap, step))
    return out


def widen_setup(s: Session, f: str, extra: float) -> None:
    """A source's setup big-M grows with what it may lend."""
    m = s.model
    if f in m.source_used:
        from planner.model.funding import most_drawable

        s.replace(
            "source_setup",
            f,
            None,
            m.outstanding_musd[f, s.data.D] - (most_drawable(s.data, f) + extra) * m.source_used[f],
            0.0,
        )


def power_candidates(s: Session) -> list[Candidate]:
    d, m = s.data, s.model
    label = d.cal.label
    out: list[Candidate] = []
    binding_supply: dict[str, int] = {}
    for k, t in binding_upper(m, "supply_limit"):
        binding_supply[k] = min(t, binding_supply.get(k, t))
    for k, t0 in binding_supply.items():

        def relax_supply(s: Session, k=k, t0=t0) -> None:
            for t in range(t0, d.D + 1):
                if (k, t) in m.supply_limit:
                    s.replace_bound("supply_limit", (k, t), upper=d.supply_cap[k, t] + 1)
                for site in d.supply_sites.get((k, t), ()):
                    permit = math.floor(d.onsite_max[site] / d.unit_mw[k] + 1e-9)
                    s.set_upper("units", (site, k, t), min(permit, d.supply_cap[k, t] + 1))

        out.append(
            (
                f"supply_limit {k} from {label(t0)}",
                "power",
                f"+1 {k} unit delivered by {label(t0)}",
                relax_supply,
                1,
            )
        )
    for site in sorted({site for site, _ in binding_upper(m, "onsite_permit")}, key=d.sites.index):
        step = max(d.unit_mw[k] for k in d.site_techs[site])

        def relax_permit(s: Session, site=site, step=step) -> None:
            for x, t in m.onsite_permit:
                if x == site:
                    s.replace_bound("onsite_permit", (x, t), upper=d.onsite_max[site] + step)
            for x, k, t in d.unit_index:
                if x == site:
                    permit = math.floor((d.onsite_max[site] + step) / d.unit_mw[k] + 1e-9)
                    cap = d.supply_cap.get((k, t), permit)
                    s.set_upper("units", (x, k, t), min(permit, cap))

        out.append(
            (
                f"onsite_permit {site}",
                "power",
                f"+{step:,.0f} MW of on-site permit at {site}",
                relax_permit,
                step,
            )
        )
    full = [
        site
        for site in d.sites
        if pyo.value(m.built_mw[site, d.D]) >= d.max_it[site] - TOL * max(1, d.max_it[site])
        and d.max_it[site] > 0
    ]
    for site in full:
        step = nice_step(d.max_it[site])

        def relax_campus(s: Session, site=site, step=step) -> None:
            for t in d.periods:
                if (site, t) in set(d.built_index):
                    s.set_upper("built_mw", (site, t), d.max_it[site] + step)
                s.set_upper("online_mw", (site, t), d.max_it[site] + step)

        out.append(
            (
                f"max_it_mw {site}",
                "power",
                f"+{step:,.0f} MW of campus at {site}",
                relax_campus,
                step,
            )
        )
    for site in sorted({site for site, _ in binding_upper(m, "build_rate")}, key=d.sites.index):
        rate = d.rate_cap[site] / d.pm
        step = nice_step(rate)

        def relax_rate(s: Session, site=site, step=step) -> None:
            for x, t in m.build_rate:
                if x == site:
                    s.replace_bound("build_rate", (x, t), upper=d.rate_cap[site] + step * d.pm)

        out.append(
            (
                f"build_rate {site}",
                "power",
                f"+{step:,.4g} MW/month of commissioning at {site}",
                relax_rate,
                step,
            )
        )
    return out


def earlier_tranches(inst: Instance, s: Session) -> list[tuple[str, str, int, int]]:
    """Tranches whose energization one period earlier could matter: usable
    from period 1 to D+1 (those just after the deadline included)."""
    d = s.data
    out = []
    for site in inst.sites:
        for g, tr in enumerate(site.grid.tranches if site.grid else []):
            start = d.cal.tranche_start(tr.energized, tr.wait_months)
            if 1 <= start <= d.D + 1:
                out.append((site.name, f"tranche {g}", g, start))
    return out


def shift_tranche(inst: Instance, site: str, g: int, months: int) -> Instance:
    data = inst.model_dump(mode="json", by_alias=True, exclude_none=True)
    for sd in data["sites"]:
        if sd["name"] == site:
            tr = sd["grid"]["tranches"][g]
            if "wait_months" in tr:
                tr["wait_months"] = max(0, tr["wait_months"] - months)
            else:
                tr["energized"] = shift_month(tr["energized"], -months)
    return parse_instance(data, source=inst.name)
