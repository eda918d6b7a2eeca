"""The words of an infeasibility explanation (:mod:`planner.solver.diagnose`):
each limit or commitment an elastic copy of the model had to relax, said as
the user's file says it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.io.schema import Instance
from planner.model.data import ModelData


@dataclass
class Shortfall:
    rule: str
    index: Any  # the constraint's index: a period, or a tuple of names and a period
    limit: float
    slack: float


def first_per_rule(shortfalls: list[Shortfall]) -> list[Shortfall]:
    """The worst shortfall of each rule (and source), to keep the list short."""
    worst: dict[tuple, Shortfall] = {}
    for s in shortfalls:
        key = (s.rule, s.index[0] if isinstance(s.index, tuple) else None)
        if s.rule in (
            "on_balance_sheet_debt",
            "off_balance_sheet",
            "max_total_cost",
            "max_co2",
            "source_amount",
        ):
            key = (s.rule, s.index if s.rule == "source_amount" else None)
        if key not in worst or s.slack > worst[key].slack:
            worst[key] = s
    return list(worst.values())


def limit_line(s: Shortfall, d: ModelData) -> str:
    lab = d.cal.label
    need = s.limit + s.slack
    if s.rule == "source_amount":
        return (
            f"funding: source {s.index} can give {s.limit:,.1f} $M, "
            f"the commitments need {need:,.1f} $M from it ({s.slack:,.1f} $M more)"
        )
    if s.rule == "source_per_month":
        f, t = s.index
        return (
            f"funding: source {f} may lend at most {s.limit:,.1f} $M by {lab(t)} "
            f"(per_month), the commitments need {need:,.1f} $M by then"
        )
    if s.rule == "source_max_per_site":
        f, site = s.index
        return (
            f"funding: source {f} may lend at most {s.limit:,.1f} $M to {site} "
            f"(max_per_site), the commitments need {need:,.1f} $M"
        )
    if s.rule in ("on_balance_sheet_debt", "off_balance_sheet"):
        what = (
            "on-balance-sheet debt"
            if s.rule == "on_balance_sheet_debt"
            else "off-balance-sheet funding"
        )
        return (
            f"money: {what} may be at most {s.limit:,.1f} $M in {lab(s.index)}, "
            f"the commitments need {need:,.1f} $M outstanding ({s.slack:,.1f} $M more)"
        )
    if s.rule == "max_total_cost":
        return (
            f"money: max_total_cost is {s.limit:,.1f} $M, "
            f"the commitments cost at least {need:,.1f} $M"
        )
    if s.rule == "max_co2":
        return f"co2: max_co2_mt is {s.limit:,.4g} Mt, the commitments emit at least {need:,.5g} Mt"
    return f"{s.rule} {s.index}: limit {s.limit:,.4g} exceeded by {s.slack:,.4g}"


def commitment_lines(shortfalls, d: ModelData, m, inst: Instance) -> list[str]:
    by_site: dict[str, list[Shortfall]] = {}
    for s in shortfalls:
        by_site.setdefault(s.index[0], []).append(s)
    lines = []
    for site, items in by_site.items():
        first = min(items, key=lambda s: s.index[1])
        t = first.index[1]
        possible = first.limit - first.slack
        lines.append(
            f"{site}: {first.limit:,.1f} MW committed from {d.cal.label(t)} (period {t}), "
            f"at most {possible:,.1f} MW possible then: {why(site, t, d)}"
        )
    return lines


def why(site: str, t: int, d: ModelData) -> str:
    """What limits a site's online MW in period t, from the data alone."""
    lab = d.cal.label
    reasons = []
    lead = d.build_lead[site]
    if t < lead and d.max_it[site] > d.existing[site]:
        reasons.append(
            f"new halls are online from {lab(lead)} at the earliest "
            f"(build lead), {d.existing[site]:,.1f} MW exist"
        )
    elif site in d.rate_cap:
        most = min(d.max_it[site], d.existing[site] + d.rate_cap[site] * (t - lead + 1))
        reasons.append(f"the commissioning rate allows {most:,.1f} MW built by then")
    grid_now = sum(d.tranche_mw[g] for g in d.grid_tranches_at.get((site, t), ()))
    later = [(g, d.tranche_from[g]) for g in d.tranches if g[0] == site and d.tranche_from[g] > t]
    if grid_now or later:
        text = f"grid {grid_now:,.0f} MW usable by then"
        if later:
            g, start = min(later, key=lambda x: x[1])
            text += f", tranche {g[1]} ({d.tranche_mw[g]:,.0f} MW) energizes {lab(start)}"
        reasons.append(text)
    elif not d.tranches or all(g[0] != site for g in d.tranches):
        reasons.append("no grid by the deadline")
    units = []
    for k in d.site_techs.get(site, []):
        if d.unit_ub.get((site, k, t), 0) > 0:
            units.append(f"at most {d.unit_ub[site, k, t]} {k} units")
        elif t < d.tech_lead[k]:
            units.append(f"no {k} before {lab(d.tech_lead[k])} (lead time)")
        elif (site, k, t) in d.unit_ub:
            units.append(f"no {k} delivered by then")
        else:
            units.append(f"no {k} allowed by the permit")
    if units:
        reasons.append("on-site (supply and permit): " + ", ".join(units))
    pue = d.pue[site]
    if pue != 1:
        reasons.append(f"each IT MW draws {pue:g} MW")
    return "; ".join(reasons) if reasons else "see the limits below"
