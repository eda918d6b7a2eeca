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
import random
import re
from typing import Any

import click
import yaml

from planner.io.errors import InstanceError
from planner.io.load import parse_instance

START_YEAR, START_MONTH = 2026, 1
PERIOD_MONTHS = (1, 2, 3, 4, 6, 12)

# Base technologies (DOMAIN.md "Bring-your-own power"), in the order they are
# added. Ranges are (low, high); capex in $M per nameplate MW, rent in $M per
# unit-month for a 35 MW unit, lead time in months.
TECH_KINDS: tuple[dict[str, Any], ...] = (
    dict(
        kind="aero",
        unit_mw=(34, 50),
        ownership="buy",
        capex_per_mw=(1.5, 2.2),
        lead=(12, 24),
        availability=(0.85, 0.95),
        variable=(35, 60),
        co2=(0.45, 0.50),
        fixed_om=(0.015, 0.025),
    ),
    dict(
        kind="mobile",
        unit_mw=(12, 48),
        ownership="rent",
        rent_35mw=(0.15, 0.30),
        lead=(1, 4),
        availability=(0.85, 0.90),
        variable=(45, 70),
        co2=(0.50, 0.55),
    ),
    dict(
        kind="fuelcell",
        unit_mw=(1, 10),
        ownership="buy",
        capex_per_mw=(3.0, 4.5),
        lead=(2, 6),
        availability=(0.95, 0.95),
        variable=(35, 50),
        co2=(0.35, 0.40),
        fixed_om=(0.02, 0.04),
    ),
    dict(
        kind="recip",
        unit_mw=(10, 19),
        ownership="buy",
        capex_per_mw=(1.3, 1.8),
        lead=(30, 36),
        availability=(0.90, 0.95),
        variable=(30, 45),
        co2=(0.36, 0.40),
        fixed_om=(0.02, 0.03),
    ),
    dict(
        kind="solar",
        unit_mw=(80, 120),
        ownership="buy",
        capex_per_mw=(2.2, 2.6),
        lead=(18, 20),
        availability=(0.20, 0.20),
        variable=(0, 0),
        co2=(0, 0),
        fixed_om=(0.01, 0.02),
    ),
)
# Technologies whose deliveries are scarce: gas turbines, engines and fuel cells.
SCARCE = {"aero", "mobile", "recip", "fuelcell"}
SUPPLY_TIGHTNESS = 0.3  # units of all scarce technologies, MW / the sites' on-site permits

# Funding kinds in the order they are added (DOMAIN.md "Money"); annual rates.
SOURCE_ORDER = ("cash", "bond", "equity", "loan", "private_credit", "spv", "lease")
RATES = {
    "cash": (0.0, 0.0),
    "equity": (0.12, 0.20),
    "bond": (0.050, 0.060),
    "loan": (0.060, 0.070),
    "private_credit": (0.10, 0.15),
    "spv": (0.062, 0.070),
    "lease": (0.10, 0.12),
}
# Share of what the sites could usefully spend by the deadline that all
# sources together can fund.
MONEY_SHARE = (0.4, 0.6)
# The balance-sheet limit as a share of the on-balance-sheet debt sources' amounts.
DEBT_LIMIT_SHARE = (0.5, 0.7)


def _month(months_from_start: int) -> str:
    months = START_MONTH - 1 + months_from_start
    return f"{START_YEAR + months // 12:04d}-{months % 12 + 1:02d}"


def _r(x: float, digits: int = 2) -> float:
    return float(round(x, digits))


def _mw(x: float, step: float = 50) -> float:
    return float(max(step, step * round(x / step)))


class _Draw:
    """A seeded random stream with the few draws the generator needs."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def u(self, lo: float, hi: float) -> float:
        return lo if hi <= lo else self.rng.uniform(lo, hi)

    def i(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def tri(self, lo: float, mode: float, hi: float) -> float:
        return self.rng.triangular(lo, hi, mode)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items):
        return self.rng.choice(list(items))

    def sample(self, items, n: int) -> list:
        return self.rng.sample(list(items), n)


# ---------------------------------------------------------------- technologies
def _technologies(r: _Draw, count: int) -> list[dict]:
    techs = []
    for i in range(count):
        spec = TECH_KINDS[i % len(TECH_KINDS)]
        variant = i // len(TECH_KINDS)
        name = spec["kind"] if variant == 0 else f"{spec['kind']}{variant + 1}"
        lo, hi = spec["unit_mw"]
        unit = float(round(r.u(lo, hi))) if hi > 10 else _r(r.u(lo, hi), 1)
        tech: dict[str, Any] = {
            "name": name,
            "unit_mw": unit,
            "availability": _r(r.u(*spec["availability"])),
            "ownership": spec["ownership"],
        }
        if spec["ownership"] == "buy":
            tech["capex_per_unit"] = _r(unit * r.u(*spec["capex_per_mw"]))
            tech["fixed_om_per_mw_year"] = _r(r.u(*spec["fixed_om"]), 3)
        else:
            tech["rent_per_unit_month"] = _r(unit / 35 * r.u(*spec["rent_35mw"]), 3)
        tech["variable_cost_per_mwh"] = _r(r.u(*spec["variable"]), 1)
        tech["co2_t_per_mwh"] = _r(r.u(*spec["co2"]))
        tech["lead_months"] = r.i(*spec["lead"])
        techs.append(tech)
    return techs


def _supply(r: _Draw, techs: list[dict], sites: list[dict], pm: int, horizon_months: int):
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
            {"date": _month(mo), "units": int(u)}
            for mo, u in zip(dates, units, strict=True)
            if u > 0
        ]
        entries.append({"technology": tech["name"], "deliveries": deliveries})
    return entries


# ----------------------------------------------------------------------- sites
def _site(r: _Draw, idx: int, techs: list[dict], pm: int, horizon_months: int) -> dict:
    max_it = _mw(math.exp(r.u(math.log(100), math.log(1500))))
    pue = _r(r.tri(1.1, 1.2, 1.35))
    site: dict[str, Any] = {"name": f"site{idx + 1:04d}", "max_it_mw": max_it}
    existing = 0.0
    if r.chance(0.2):
        existing = _mw(max_it * r.u(0.1, 0.3), 10)
        site["existing_it_mw"] = existing
    site["pue"] = pue
    build: dict[str, Any] = {
        "capex_per_mw": _r(r.tri(7.0, 10.7, 16.0)),
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
        site["compute_capex_per_mw"] = _r(r.tri(33, 50, 80), 1)

    if r.chance(0.9):
        tranches = []
        facility_mw = max_it * pue
        if existing > 0:  # the connection that powers the existing halls
            tranches.append(
                {
                    "mw": _mw(existing * pue * r.u(1.0, 1.5), 10),
                    "energized": _month(-r.i(6, 48)),
                    "cost": 0.0,
                }
            )
        # Phases of 100-900 MW, energized from well before to well after the
        # deadline (queues of 3-7 years from requests made 1-4 years ago).
        mo = r.i(-6, horizon_months)
        for _ in range(r.i(1, 3)):
            mw = _mw(min(900, max(100, facility_mw * r.u(0.3, 0.8))))
            tranche: dict[str, Any] = {"mw": mw}
            if r.chance(0.5):
                tranche["energized"] = _month(mo)
            else:
                tranche["wait_months"] = max(0, mo)
            tranche["cost"] = _r(mw * r.u(0.13, 0.30), 1)
            if r.chance(0.3) and mo > 0:  # paid at the interconnection agreement
                tranche["paid"] = _month(min(horizon_months - 1, max(0, mo - r.i(6, 18))))
            tranches.append(tranche)
            mo += r.i(6, 24)
        site["grid"] = {
            "price_per_mwh": _r(r.u(60, 90), 1),
            "co2_t_per_mwh": _r(r.u(0.35, 0.45)),
            "tranches": tranches,
        }
    if techs and (r.chance(0.7) or "grid" not in site):
        onsite: dict[str, Any] = {
            "max_mw": _mw(max_it * pue * r.u(0.3, 1.2)),
            "reserve_margin": _r(r.pick([0.0, 0.1, 0.15, 0.2])),
        }
        if len(techs) > 1 and r.chance(0.7):
            n = r.i(1, min(len(techs), 4))
            chosen = set(r.sample([t["name"] for t in techs], n))
            onsite["technologies"] = [t["name"] for t in techs if t["name"] in chosen]
        site["onsite"] = onsite
    return site


def _reachable_spend(site: dict, pm: int, horizon_months: int) -> float:
    """About what a site could usefully spend by the deadline: halls it can
    complete in time, as far as grid tranches energized in time and its share
    of the scarce on-site units can power them."""
    build = site["build"]
    lead = math.ceil(build["lead_months"] / pm)
    periods = horizon_months // pm
    if lead >= periods:
        return 0.0
    room = site["max_it_mw"] - site.get("existing_it_mw", 0.0)
    if "max_mw_per_month" in build:
        room = min(room, build["max_mw_per_month"] * pm * (periods - lead))
    tranches = site.get("grid", {}).get("tranches", [])
    in_time = [t for t in tranches if _usable_month(t) < horizon_months]
    power = sum(t["mw"] for t in in_time)
    if "onsite" in site:
        power += SUPPLY_TIGHTNESS * site["onsite"]["max_mw"]
    it_mw = max(0.0, min(room, power / site["pue"] - site.get("existing_it_mw", 0.0)))
    per_mw = build["capex_per_mw"] + site.get("compute_capex_per_mw", 0.0)
    return it_mw * per_mw + sum(t["cost"] for t in in_time)


def _usable_month(tranche: dict) -> int:
    if "wait_months" in tranche:
        return tranche["wait_months"]
    year, month = map(int, tranche["energized"].split("-"))
    return 12 * (year - START_YEAR) + (month - START_MONTH)


# ----------------------------------------------------------------------- money
def _sources(
    r: _Draw, count: int, sites: list[dict], need: float, pm: int, horizon_months: int
) -> tuple[list[dict], dict]:
    kinds = [SOURCE_ORDER[i % len(SOURCE_ORDER)] for i in range(count)]
    share = r.u(*MONEY_SHARE)
    total = need * share
    weights = [r.u(0.5, 1.5) for _ in kinds]
    names = [s["name"] for s in sites]
    used: dict[str, int] = {}
    sources = []
    for kind, w in zip(kinds, weights, strict=True):
        used[kind] = used.get(kind, 0) + 1
        name = kind if used[kind] == 1 else f"{kind}{used[kind]}"
        amount = _r(total * w / sum(weights), 0)
        src: dict[str, Any] = {"name": name, "kind": kind, "amount": max(1.0, amount)}
        lo, hi = RATES[kind]
        if hi > 0:
            src["rate"] = _r(r.u(lo, hi), 4)
        last = horizon_months - 1
        if kind == "cash":  # operating cash flow, earned month by month
            src["per_month"] = _r(src["amount"] / horizon_months * r.u(1.0, 1.6), 1)
        elif kind == "equity":  # a round that closes within a window
            opens = r.i(0, max(0, last - 6))
            src["available"] = _month(opens)
            src["until"] = _month(min(last, opens + max(pm, r.i(3, 9))))
            src["setup_cost"] = _r(src["amount"] * r.u(0.005, 0.015), 1)
        elif kind == "bond":
            src["available"] = _month(r.i(0, max(0, last // 3)))
            src["setup_cost"] = _r(src["amount"] * r.u(0.002, 0.006), 1)
        elif kind == "loan":  # construction loans: no GPUs, capped per site
            src["uses"] = ["facility", "power", "grid"]
            src["max_per_site"] = _r(src["amount"] / max(1, len(sites)) * r.u(1.5, 4), 0)
        elif kind == "private_credit":  # lends to some developers' sites only
            k = max(1, round(len(sites) * r.u(0.3, 0.6)))
            chosen = set(r.sample(names, k))
            src["sites"] = [n for n in names if n in chosen]
            src["uses"] = ["facility", "power", "rent"]
        elif kind == "spv":  # a campus vehicle: halls and GPUs, off the balance sheet
            src["uses"] = ["facility", "compute"]
            src["available"] = _month(r.i(0, max(0, last // 2)))
        elif kind == "lease":  # an equipment lease vehicle
            src["uses"] = ["compute", "power", "rent"]
        sources.append(src)

    limits: dict[str, Any] = {}
    on_bs = [s for s in sources if s["kind"] in ("bond", "loan", "private_credit")]
    if on_bs:
        cap = sum(s["amount"] for s in on_bs) * r.u(*DEBT_LIMIT_SHARE)
        if r.chance(0.5) and horizon_months >= 2 * pm:
            # the limit rises as earnings grow
            mid = pm * r.i(1, max(1, horizon_months // pm - 1))
            limits["max_debt_on_balance_sheet"] = [
                {"from": _month(0), "value": _r(cap * 0.8, 0)},
                {"from": _month(mid), "value": _r(cap, 0)},
            ]
        else:
            limits["max_debt_on_balance_sheet"] = _r(cap, 0)
    off_bs = [s for s in sources if s["kind"] in ("spv", "lease")]
    if off_bs:
        limits["max_off_balance_sheet"] = _r(
            sum(s["amount"] for s in off_bs) * r.u(*DEBT_LIMIT_SHARE), 0
        )
    return sources, limits


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
    r = _Draw(seed)

    techs = _technologies(r, technologies)
    site_list = [_site(r, i, techs, pm, horizon_months) for i in range(sites)]
    supply = _supply(r, techs, site_list, pm, horizon_months)
    need = sum(_reachable_spend(s, pm, horizon_months) for s in site_list)
    funding, limits = _sources(r, sources, site_list, need, pm, horizon_months)

    instance: dict[str, Any] = {
        "name": f"generated-{sites}x{periods}-k{technologies}-f{sources}-s{seed}",
        "description": (
            f"Generated: {sites} sites, {periods} periods of {pm} months, "
            f"{technologies} technologies, {sources} funding sources, seed {seed}."
        ),
        "horizon": {
            "start": _month(0),
            "period_months": pm,
            "deadline": _month(horizon_months - 1),
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


@click.command("generate")
@click.option("--sites", type=click.IntRange(min=1), required=True, help="Number of sites.")
@click.option(
    "--periods",
    type=click.IntRange(min=1),
    required=True,
    help="Number of periods T (the deadline is in the last).",
)
@click.option(
    "--technologies",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Number of on-site power technologies.",
)
@click.option(
    "--sources",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Number of funding sources.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--period-months",
    type=click.Choice([str(p) for p in PERIOD_MONTHS]),
    default="3",
    show_default=True,
    help="Months per period.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="YAML file to write.",
)
def generate_cmd(
    sites: int,
    periods: int,
    technologies: int,
    sources: int,
    seed: int,
    period_months: str,
    output: str,
) -> None:
    """Write a random but realistic instance (same seed, same file)."""
    data = generate_instance(sites, periods, technologies, sources, seed, int(period_months))
    try:
        parse_instance(data, source=output)
    except InstanceError as exc:  # a bug in the generator: say so loudly
        raise click.ClickException("generated an invalid instance:\n" + str(exc)) from exc
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(dump_yaml(data))
    click.echo(f"wrote {output}")


__all__ = ["dump_yaml", "generate_cmd", "generate_instance"]
