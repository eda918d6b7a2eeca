"""Random but realistic instances, for tests and benchmarks.

:func:`generate_instance` draws an instance of any size from the published
figures of DOMAIN.md: grid tranches of 100-900 MW whose energization falls
before and after the deadline, network upgrades at 0.13-0.30 $M/MW, on-site
technologies derived from aeroderivative turbines, rented mobile turbines,
fuel cells, reciprocating engines and solar with batteries (variants with other
unit sizes and costs when more than five are asked for), a tight turbine supply
shared by all sites, and funding sources of mixed kinds whose amounts and
balance-sheet limit cover only part of what the sites could use, so that money
binds. There are no commitments: the empty plan is always feasible.

The same arguments give the same instance, byte for byte once written.

    planner generate --sites 50 --periods 12 --technologies 8 --sources 6 --seed 1 -o big.yaml
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from planner.io.fields import MAX_HORIZON_MONTHS
from planner.io.generate_draw import PERIOD_MONTHS, Draw, month_label, mw_step, rounded
from planner.io.generate_money import draw_sources, reachable_spend
from planner.io.generate_power import draw_supply, draw_technologies


# ----------------------------------------------------------------------- sites
def _site(r: Draw, idx: int, techs: list[dict], pm: int, horizon_months: int) -> dict:
    max_it = mw_step(math.exp(r.u(math.log(100), math.log(1500))))
    pue = rounded(r.tri(1.1, 1.2, 1.35))
    site: dict[str, Any] = {"name": f"site{idx + 1:04d}", "max_it_mw": max_it}
    existing = 0.0
    if r.chance(0.2):
        existing = mw_step(max_it * r.u(0.1, 0.3), 10)
        site["existing_it_mw"] = existing
    site["pue"] = pue
    build: dict[str, Any] = {
        "capex_per_mw": rounded(r.tri(7.0, 10.7, 16.0)),
        "lead_months": round(r.tri(4, 12, 24)),
    }
    if r.chance(0.6):
        rate = float(r.pick([20, 25, 30, 40, 50, 60]))
        build["max_mw_per_month"] = rate
        if r.chance(0.4):
            blocks = [b for b in (20, 25, 40, 50, 60, 100) if b <= rate * pm]
            if blocks:
                build["block_mw"] = float(r.pick(blocks))
    site["build"] = build
    if r.chance(0.2):  # a self-operated campus that also buys the GPUs
        site["compute_capex_per_mw"] = rounded(r.tri(33, 50, 80), 1)

    if r.chance(0.9):
        tranches = []
        facility_mw = max_it * pue
        if existing > 0:  # the connection that powers the existing halls
            tranches.append(
                {
                    "mw": mw_step(existing * pue * r.u(1.0, 1.5), 10),
                    "energized": month_label(-r.i(6, 48)),
                    "cost": 0.0,
                }
            )
        # Phases of 100-900 MW, energized from well before to well after the
        # deadline (queues of 3-7 years from requests made 1-4 years ago).
        mo = r.i(-6, horizon_months)
        for _ in range(r.i(1, 3)):
            mw = mw_step(min(900, max(100, facility_mw * r.u(0.3, 0.8))))
            tranche: dict[str, Any] = {"mw": mw}
            if r.chance(0.5):
                tranche["energized"] = month_label(mo)
            else:
                tranche["wait_months"] = min(max(0, mo), MAX_HORIZON_MONTHS)
            tranche["cost"] = rounded(mw * r.u(0.13, 0.30), 1)
            if r.chance(0.3) and mo > 0:  # paid at the interconnection agreement
                tranche["paid"] = month_label(min(horizon_months - 1, max(0, mo - r.i(6, 18))))
            tranches.append(tranche)
            mo += r.i(6, 24)
        site["grid"] = {
            "price_per_mwh": rounded(r.u(60, 90), 1),
            "co2_t_per_mwh": rounded(r.u(0.35, 0.45)),
            "tranches": tranches,
        }
    if techs and (r.chance(0.7) or "grid" not in site):
        onsite: dict[str, Any] = {
            "max_mw": mw_step(max_it * pue * r.u(0.3, 1.2)),
            "reserve_margin": rounded(r.pick([0.0, 0.1, 0.15, 0.2])),
        }
        if len(techs) > 1 and r.chance(0.7):
            n = r.i(1, min(len(techs), 4))
            chosen = set(r.sample([t["name"] for t in techs], n))
            onsite["technologies"] = [t["name"] for t in techs if t["name"] in chosen]
        site["onsite"] = onsite
    return site


# ---------------------------------------------------------------------- public
def generate_instance(
    sites: int,
    periods: int,
    technologies: int,
    sources: int,
    seed: int,
    period_months: int = 3,
) -> dict:
    """A valid, realistic instance as a plain mapping (ready for YAML).

    ``periods`` is the number of periods T: the deadline falls in the last one
    (D = T - 1). The same arguments always give the same mapping.
    """
    if sites < 1 or periods < 1 or technologies < 0 or sources < 0:
        raise ValueError("sites and periods must be >= 1, technologies and sources >= 0")
    if period_months not in PERIOD_MONTHS:
        raise ValueError(f"period_months must be one of {PERIOD_MONTHS}, got {period_months}")
    pm = period_months
    horizon_months = periods * pm
    r = Draw(seed)

    techs = draw_technologies(r, technologies)
    site_list = [_site(r, i, techs, pm, horizon_months) for i in range(sites)]
    supply = draw_supply(r, techs, site_list, pm, horizon_months)
    need = sum(reachable_spend(s, pm, horizon_months) for s in site_list)
    funding, limits = draw_sources(r, sources, site_list, need, pm, horizon_months)

    instance: dict[str, Any] = {
        "name": f"generated-{sites}x{periods}-k{technologies}-f{sources}-s{seed}",
        "description": (
            f"Generated: {sites} sites, {periods} periods of {pm} months, "
            f"{technologies} technologies, {sources} funding sources, seed {seed}."
        ),
        "horizon": {
            "start": month_label(0),
            "period_months": pm,
            "deadline": month_label(horizon_months - 1),
        },
        "technologies": techs,
        "supply": supply,
        "sites": site_list,
        "funding": funding,
    }
    if limits:
        instance["limits"] = limits
    return instance


class _Dumper(yaml.SafeDumper):
    """Dates in quotes, as in the example instances; a mapping or list of
    plain values on one line."""

    def represent_mapping(self, tag, mapping, flow_style=None):
        node = super().represent_mapping(tag, mapping, flow_style)
        node.flow_style = all(isinstance(v, yaml.ScalarNode) for _, v in node.value)
        return node

    def represent_sequence(self, tag, sequence, flow_style=None):
        node = super().represent_sequence(tag, sequence, flow_style)
        node.flow_style = all(isinstance(v, yaml.ScalarNode) for v in node.value)
        return node


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _DATE.match(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_DATE = re.compile(r"^\d{4}-\d{2}$")


_Dumper.add_representer(str, _str)


def dump_yaml(instance: dict) -> str:
    """The instance as YAML text, keys in the schema's order."""
    return yaml.dump(instance, Dumper=_Dumper, sort_keys=False, default_flow_style=None, width=100)


__all__ = ["dump_yaml", "generate_instance"]
