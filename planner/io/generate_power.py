"""The generator's power: technologies and their turbine supply."""

from __future__ import annotations

from typing import Any

from planner.io.generate_draw import (
    SCARCE,
    SUPPLY_TIGHTNESS,
    TECH_KINDS,
    Draw,
    month_label,
    rounded,
)


# ---------------------------------------------------------------- technologies
def draw_technologies(r: Draw, count: int) -> list[dict]:
    techs = []
    for i in range(count):
        spec = TECH_KINDS[i % len(TECH_KINDS)]
        variant = i // len(TECH_KINDS)
        name = spec["kind"] if variant == 0 else f"{spec['kind']}{variant + 1}"
        lo, hi = spec["unit_mw"]
        unit = float(round(r.u(lo, hi))) if hi > 10 else rounded(r.u(lo, hi), 1)
        tech: dict[str, Any] = {
            "name": name,
            "unit_mw": unit,
            "availability": rounded(r.u(*spec["availability"])),
            "ownership": spec["ownership"],
        }
        if spec["ownership"] == "buy":
            tech["capex_per_unit"] = rounded(unit * r.u(*spec["capex_per_mw"]))
            tech["fixed_om_per_mw_year"] = rounded(r.u(*spec["fixed_om"]), 3)
        else:
            tech["rent_per_unit_month"] = rounded(unit / 35 * r.u(*spec["rent_35mw"]), 3)
        tech["variable_cost_per_mwh"] = rounded(r.u(*spec["variable"]), 1)
        tech["co2_t_per_mwh"] = rounded(r.u(*spec["co2"]))
        tech["lead_months"] = r.i(*spec["lead"])
        techs.append(tech)
    return techs


def draw_supply(r: Draw, techs: list[dict], sites: list[dict], pm: int, horizon_months: int):
    """Deliveries of the scarce technologies, shared by all sites: a ramp of a
    few dates whose units add up to a small share of the sites' permits."""
    permits: dict[str, float] = {t["name"]: 0.0 for t in techs}
    for site in sites:
        onsite = site.get("onsite")
        if onsite is None:
            continue
        allowed = onsite.get("technologies") or [t["name"] for t in techs]
        for name in allowed:
            permits[name] += onsite["max_mw"]
    scarce = [
        t for t in techs if t["name"].rstrip("0123456789") in SCARCE and permits[t["name"]] > 0
    ]
    weights = {t["name"]: r.u(0.5, 1.5) for t in scarce}
    entries = []
    for tech in scarce:
        # All scarce technologies together deliver about SUPPLY_TIGHTNESS of
        # the MW the sites may put on site, in proportion to random weights.
        share = SUPPLY_TIGHTNESS * weights[tech["name"]] / sum(weights.values())
        total_units = max(1, round(share * permits[tech["name"]] / tech["unit_mw"]))
        # Deliveries ramp up: first slots between 3 months in and mid-horizon,
        # the last ones up to a year after the deadline (useless to the plan).
        n = r.i(2, 4)
        first = r.i(3, max(3, horizon_months // 2))
        last = r.i(max(first, horizon_months - pm), horizon_months + 12)
        dates = sorted({first + round((last - first) * j / max(1, n - 1)) for j in range(n)})
        # a ramp: the j-th date brings j+1 shares; cumulative rounding keeps the total
        shares = len(dates) * (len(dates) + 1) / 2
        cumulative = [
            round(total_units * (j + 1) * (j + 2) / 2 / shares) for j in range(len(dates))
        ]
        units = [c - p for c, p in zip(cumulative, [0] + cumulative[:-1], strict=True)]
        deliveries = [
            {"date": month_label(mo), "units": int(u)}
            for mo, u in zip(dates, units, strict=True)
            if u > 0
        ]
        entries.append({"technology": tech["name"], "deliveries": deliveries})
    return entries
