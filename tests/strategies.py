"""Hypothesis strategies: small, valid instances that use every feature of
docs/model.md, and the transformations the property tests apply to them.

An instance is drawn as a plain mapping, as a YAML file would hold it, so
that every test goes through :func:`planner.parse_instance`. Sizes are kept
small (1-3 sites, 2-8 periods, up to 3 technologies and 4 sources) so that a
staged solve takes a fraction of a second.

Every date is drawn as a number of months from the start and written as
"YYYY-MM". With ``quarter_aligned=True`` the periods are quarters and every
date falls on a quarter boundary the way the monthly and quarterly models
agree on (see :func:`instances`); :func:`monthly` then gives the same
instance at monthly resolution.

Commitments are few and small, so most draws are feasible; an instance
without commitments always is (the empty plan).
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

TERMS = ("capacity", "capacity_time", "cost", "co2")
KINDS = ("cash", "equity", "bond", "loan", "private_credit", "spv", "lease")
USES = ("facility", "compute", "power", "grid", "rent")
STARTS = ("2026-01", "2025-10", "2026-05", "2027-11")


def month(start: str, offset: int) -> str:
    """The month ``offset`` months after ``start`` (before it when negative)."""
    year, mon = map(int, start.split("-"))
    months = 12 * year + (mon - 1) + offset
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def months_between(a: str, b: str) -> int:
    (ya, ma), (yb, mb) = (map(int, d.split("-")) for d in (a, b))
    return 12 * (yb - ya) + (mb - ma)


class _Dates:
    """Draws of dates and durations in one instance's calendar.

    In a quarter-aligned instance (periods of 3 months) from-dates fall on
    the first month of a quarter, by-dates on the last month of a quarter
    and lead times are whole quarters: then a quarterly and a monthly model
    of the instance describe the same timing (see ``instances``)."""

    def __init__(self, draw, start: str, aligned: bool):
        self.draw, self.start, self.aligned = draw, start, aligned

    def _months(self, lo: int, hi: int, offset: int) -> int:
        if not self.aligned:
            return self.draw(st.integers(lo, max(lo, hi)))
        q_lo, q_hi = -((offset - lo) // 3), (hi - offset) // 3
        return 3 * self.draw(st.integers(q_lo, max(q_lo, q_hi))) + offset

    def from_month(self, lo: int, hi: int) -> int:
        return self._months(lo, hi, 0)

    def by_month(self, lo: int, hi: int) -> int:
        return self._months(lo, hi, 2)

    def date(self, offset: int) -> str:
        return month(self.start, offset)

    def lead(self, hi: int) -> int:
        return self._months(0, hi, 0) if self.aligned else self.draw(st.integers(0, hi))


def _money(draw, hi: float, *, zero: float = 0.2) -> float:
    """A non-negative amount of $M, a multiple of 0.5, 0 with some chance."""
    if _maybe(draw, zero):
        return 0.0
    return draw(st.integers(1, int(2 * hi))) / 2


def _maybe(draw, p: float = 0.5) -> bool:
    return draw(st.integers(0, 99)) < 100 * p


def _subset(draw, items: list[str], *, nonempty: bool) -> list[str]:
    chosen = (
        draw(
            st.lists(
                st.sampled_from(items), unique=True, min_size=int(nonempty), max_size=len(items)
            )
        )
        if items
        else []
    )
    return [x for x in items if x in chosen]  # catalogue order


# ------------------------------------------------------------------- parts
def _technology(draw, i: int, dates: _Dates, horizon: int, aligned: bool) -> dict[str, Any]:
    ownership = draw(st.sampled_from(["buy", "rent"]))
    tech: dict[str, Any] = {
        "name": f"k{i}",
        "unit_mw": float(draw(st.sampled_from([5, 10, 12.5, 20, 35, 50]))),
    }
    if _maybe(draw, 0.8):
        tech["availability"] = draw(st.sampled_from([0.2, 0.5, 0.9, 0.95, 1.0]))
    if _maybe(draw, 0.8):
        tech["ownership"] = ownership
    else:
        ownership = "buy"
    # Fields of the other ownership are accepted and ignored (docs/model.md 7).
    if ownership == "buy" or _maybe(draw, 0.2):
        tech["capex_per_unit"] = tech["unit_mw"] * draw(st.sampled_from([1.5, 0.0, 0.5, 3.0]))
        tech["fixed_om_per_mw_year"] = draw(st.sampled_from([0.0, 0.01, 0.03]))
    if ownership == "rent" or _maybe(draw, 0.2):
        # Rent is paid each period a unit is on hire: a quarterly model pays
        # three months where a monthly one may pay one, so the resolutions
        # agree on capacity only when renting is free.
        tech["rent_per_unit_month"] = (
            0.0 if aligned else draw(st.sampled_from([0.05, 0.1, 0.3, 1.0, 0.0]))
        )
    tech["variable_cost_per_mwh"] = float(draw(st.sampled_from([0, 20, 45, 80])))
    tech["co2_t_per_mwh"] = draw(st.sampled_from([0.0, 0.37, 0.55]))
    tech["lead_months"] = dates.lead(horizon // 2 if _maybe(draw, 0.8) else 15)
    return tech


def _supply_entry(draw, tech: str, dates: _Dates, horizon: int) -> dict[str, Any]:
    n = draw(st.integers(1, 3))
    months = sorted(
        {dates.from_month(-6, horizon // 2 if _maybe(draw, 0.7) else horizon + 6) for _ in range(n)}
    )
    return {
        "technology": tech,
        "deliveries": [{"date": dates.date(mo), "units": draw(st.integers(0, 6))} for mo in months],
    }


def _tranche(draw, dates: _Dates, horizon: int, deadline: int) -> dict[str, Any]:
    tr: dict[str, Any] = {"mw": float(draw(st.integers(1, 60)) * 5)}
    # before the start: an existing connection; after the deadline: useless
    latest = horizon + 6 if _maybe(draw, 0.3) else deadline
    if _maybe(draw):
        tr["energized"] = dates.date(dates.from_month(-12, latest))
    else:
        tr["wait_months"] = dates.lead(latest)
    if _maybe(draw, 0.7):
        tr["cost"] = _money(draw, 100)
    if _maybe(draw, 0.3):
        tr["paid"] = dates.date(dates.by_month(0, deadline))
    return tr


def _site(
    draw,
    i: int,
    techs: list[str],
    dates: _Dates,
    pm: int,
    horizon: int,
    deadline: int,
    *,
    aligned: bool,
    list_technologies: bool,
) -> dict[str, Any]:
    max_it = float(draw(st.integers(4, 60)) * 5)
    site: dict[str, Any] = {"name": f"s{i}", "max_it_mw": max_it}
    if _maybe(draw, 0.3):
        site["existing_it_mw"] = float(draw(st.integers(0, int(max_it) // 2)))
    if _maybe(draw, 0.7):
        site["pue"] = draw(st.sampled_from([1.0, 1.1, 1.2, 1.25, 1.5]))
    build: dict[str, Any] = {
        "capex_per_mw": draw(st.sampled_from([0.0, 2.0, 5.0, 8.0, 10.0, 12.5])),
        # mostly in time for the deadline, sometimes not
        "lead_months": dates.lead(horizon - pm if _maybe(draw, 0.85) else horizon + 3),
    }
    if _maybe(draw, 0.5):
        if aligned:
            # whole blocks per month, so that a quarter's three months may
            # commission what one quarter may
            block = float(draw(st.sampled_from([5, 10, 20, 25])))
            rate = block * draw(st.integers(1, 3))
            build["max_mw_per_month"] = rate
            if _maybe(draw):
                build["block_mw"] = block
        else:
            rate = float(draw(st.sampled_from([2.5, 5, 10, 20, 40, 60])))
            build["max_mw_per_month"] = rate
            if _maybe(draw, 0.4):
                build["block_mw"] = float(draw(st.integers(1, int(rate * pm // 2.5)))) * 2.5
    elif _maybe(draw, 0.3):
        build["block_mw"] = float(draw(st.sampled_from([5, 10, 25, 40])))
    site["build"] = build
    if _maybe(draw, 0.3):
        site["compute_capex_per_mw"] = draw(st.sampled_from([0.0, 1.0, 3.0, 5.0]))
    if _maybe(draw, 0.8):
        grid: dict[str, Any] = {
            "tranches": [
                _tranche(draw, dates, horizon, deadline) for _ in range(draw(st.integers(1, 3)))
            ]
        }
        if _maybe(draw, 0.8):
            grid["price_per_mwh"] = float(draw(st.sampled_from([0, 30, 60, 90])))
        if _maybe(draw, 0.8):
            grid["co2_t_per_mwh"] = draw(st.sampled_from([0.0, 0.2, 0.4]))
        site["grid"] = grid
    if _maybe(draw, (0.95 if "grid" not in site else 0.6) if techs else 0.15):
        onsite: dict[str, Any] = {"max_mw": float(draw(st.integers(0, 80)) * 5)}
        if _maybe(draw):
            onsite["reserve_margin"] = draw(st.sampled_from([0.0, 0.1, 0.15, 0.3]))
        if list_technologies or _maybe(draw):
            onsite["technologies"] = _subset(draw, techs, nonempty=_maybe(draw, 0.9))
        site["onsite"] = onsite
    if _maybe(draw, 0.2):
        # Small and mostly late. Half the time the site also has halls and
        # a free connection that can carry them, so most draws are feasible
        # and the rest show an infeasible status.
        site["commitments"] = [
            {
                "by": dates.date(
                    dates.by_month(draw(st.sampled_from([0, deadline // 2])), deadline)
                ),
                "it_mw": float(draw(st.integers(0, 4)) * 5),
            }
            for _ in range(draw(st.integers(1, 2)))
        ]
        if _maybe(draw, 0.6):
            most = max(c["it_mw"] for c in site["commitments"])
            site["existing_it_mw"] = max(site.get("existing_it_mw", 0.0), most)
            site["max_it_mw"] = max(max_it, most)
            grid = site.setdefault("grid", {"tranches": []})
            grid["tranches"].insert(
                0,
                {
                    "mw": max(1.0, most * site.get("pue", 1.0)),
                    "energized": dates.date(dates.from_month(-24, 0)),
                },
            )
    return site


def _source(
    draw, i: int, sites: list[str], dates: _Dates, horizon: int, aligned: bool = False
) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    src: dict[str, Any] = {"name": f"f{i}", "kind": kind, "amount": _money(draw, 3000, zero=0.05)}
    # per_month caps what is drawn by each period's end: a quarterly model lets
    # a quarter's three months be drawn for a payment due in its first month,
    # a monthly one only that month's (tests/data/regressions/per-month-by-resolution.yaml)
    if not aligned and _maybe(draw, 0.3):
        src["per_month"] = _money(draw, 200, zero=0.1)
    first = 0
    if _maybe(draw, 0.3):
        first = dates.from_month(-6, horizon)
        src["available"] = dates.date(first)
    if _maybe(draw, 0.3):
        src["until"] = dates.date(dates.by_month(max(0, first), horizon + 6))
    if _maybe(draw, 0.7):
        src["rate"] = draw(st.sampled_from([0.0, 0.05, 0.08, 0.15]))
    if _maybe(draw, 0.15):
        src["debt"] = draw(st.booleans())
    if _maybe(draw, 0.15):
        src["on_balance_sheet"] = draw(st.booleans())
    if len(sites) > 1 and _maybe(draw, 0.3):
        src["sites"] = _subset(draw, sites, nonempty=True)
    if _maybe(draw, 0.3):
        src["uses"] = _subset(draw, list(USES), nonempty=True)
    if _maybe(draw, 0.2):
        src["max_per_site"] = _money(draw, 1500)
    if _maybe(draw, 0.25):
        src["setup_cost"] = _money(draw, 30)
    return src


def _limit(draw, dates: _Dates, horizon: int, hi: float) -> Any:
    if _maybe(draw):
        return _money(draw, hi, zero=0.05)
    n = draw(st.integers(1, 3))
    months = sorted({dates.from_month(-3, horizon) for _ in range(n)})
    return [{"from": dates.date(mo), "value": _money(draw, hi, zero=0.05)} for mo in months]


def _objective(draw, *, capacity_first: bool) -> dict[str, Any] | None:
    if capacity_first or _maybe(draw, 0.6):
        rest = draw(st.permutations(TERMS[1:]))
        stages = ["capacity", *rest[: draw(st.integers(0, 3))]]
    else:
        if _maybe(draw, 0.3):
            return None  # the default [capacity, capacity_time, cost]
        order = draw(st.permutations(TERMS))
        stages = list(order[: draw(st.integers(1, 4))])
    objective: dict[str, Any] = {"stages": stages}
    if _maybe(draw):
        objective["tolerance"] = draw(st.sampled_from([1e-6, 1e-5, 1e-4]))
    return objective


# -------------------------------------------------------------- instances
@st.composite
def instances(
    draw,
    *,
    quarter_aligned: bool = False,
    list_technologies: bool = False,
    capacity_first: bool = False,
    max_sites: int = 3,
    max_periods: int = 8,
) -> dict[str, Any]:
    """A valid instance mapping using any feature of docs/model.md.

    ``quarter_aligned``: quarterly periods and every date on the quarter
    boundaries where a monthly model of the instance has the same capacity:
    from-dates (energization, deliveries, ``available``, schedule ``from``)
    on a quarter's first month, by-dates (deadline, ``by``, ``until``,
    ``paid``) on a quarter's last month, lead times in whole quarters, a
    commissioning rate that is a whole number of blocks per month, free
    rent and no cost or CO2 cap (both count energy and rent month by month,
    so they differ between the resolutions), no per_month cap on a source
    (it caps each month's draws, not each quarter's); the capacity stage first.

    ``list_technologies``: every site with on-site power lists its
    technologies. ``capacity_first``: the capacity stage comes first.
    """
    aligned = quarter_aligned
    start = draw(st.sampled_from(STARTS))
    pm = 3 if aligned else draw(st.sampled_from([1, 2, 3, 3, 4, 6, 12]))
    periods = draw(st.integers(2, max_periods))
    horizon = periods * pm  # months from the start to the end of the deadline period
    deadline = horizon - 1 if aligned else (periods - 1) * pm + draw(st.integers(0, pm - 1))
    dates = _Dates(draw, start, aligned)

    n_techs = draw(st.integers(1, 3)) if _maybe(draw, 0.8) else 0
    techs = [_technology(draw, i, dates, horizon, aligned) for i in range(n_techs)]
    names = [t["name"] for t in techs]
    sites = [
        _site(
            draw,
            i,
            names,
            dates,
            pm,
            horizon,
            deadline,
            aligned=aligned,
            list_technologies=list_technologies,
        )
        for i in range(draw(st.integers(1, max_sites)))
    ]
    data: dict[str, Any] = {
        "name": "drawn",
        "horizon": {"start": start, "period_months": pm, "deadline": month(start, deadline)},
        "sites": sites,
    }
    if techs:
        data["technologies"] = techs
        supplied = _subset(draw, names, nonempty=False)
        if supplied:
            data["supply"] = [_supply_entry(draw, k, dates, horizon) for k in supplied]
    n_sources = draw(st.integers(0, 4)) if _maybe(draw, 0.15) else draw(st.integers(1, 4))
    if n_sources:
        site_names = [s["name"] for s in sites]
        data["funding"] = [
            _source(draw, i, site_names, dates, horizon, aligned) for i in range(n_sources)
        ]
    limits: dict[str, Any] = {}
    if _maybe(draw, 0.4):
        limits["max_debt_on_balance_sheet"] = _limit(draw, dates, horizon, 2000)
    if _maybe(draw, 0.3):
        limits["max_off_balance_sheet"] = _limit(draw, dates, horizon, 2000)
    if not aligned:
        # caps that bind now and then, rarely so hard that nothing is feasible
        if _maybe(draw, 0.2):
            limits["max_total_cost"] = draw(st.integers(40, 8000)) / 2
        if _maybe(draw, 0.2):
            limits["max_co2_mt"] = draw(st.sampled_from([1.0, 0.1, 0.02, 0.0]))
    if limits:
        data["limits"] = limits
    objective = _objective(draw, capacity_first=capacity_first or aligned)
    if objective is not None:
        data["objective"] = objective
    return data


# --------------------------------------------------------- transformations
def scale_money(data: dict[str, Any], factor: float) -> dict[str, Any]:
    """The instance with every money figure ($M and $/MWh) times ``factor``."""
    out = copy.deepcopy(data)

    def scale(mapping: dict, *keys: str) -> None:
        for key in keys:
            if mapping.get(key) is not None:
                mapping[key] = mapping[key] * factor

    for site in out["sites"]:
        scale(site, "compute_capex_per_mw")
        scale(site["build"], "capex_per_mw")
        if site.get("grid"):
            scale(site["grid"], "price_per_mwh")
            for tr in site["grid"]["tranches"]:
                scale(tr, "cost")
    for tech in out.get("technologies", []):
        scale(
            tech,
            "capex_per_unit",
            "rent_per_unit_month",
            "fixed_om_per_mw_year",
            "variable_cost_per_mwh",
        )
    for src in out.get("funding", []):
        scale(src, "amount", "per_month", "max_per_site", "setup_cost")
    limits = out.get("limits", {})
    for key in ("max_debt_on_balance_sheet", "max_off_balance_sheet"):
        if isinstance(limits.get(key), list):
            for entry in limits[key]:
                scale(entry, "value")
        else:
            scale(limits, key)
    scale(limits, "max_total_cost")
    return out


def monthly(data: dict[str, Any]) -> dict[str, Any]:
    """The same instance at monthly resolution (every figure is in months)."""
    out = copy.deepcopy(data)
    out["horizon"]["period_months"] = 1
    return out


def site_uses(data: dict[str, Any], site: dict[str, Any]) -> set[str]:
    """The uses a site can ever spend on (a superset is fine: it is only
    used to find the uses it cannot)."""
    techs = {t["name"]: t for t in data.get("technologies", [])}
    onsite = site.get("onsite")
    allowed = [] if onsite is None else onsite.get("technologies", list(techs))
    uses = set()
    if site["build"]["capex_per_mw"] > 0:
        uses.add("facility")
    if site.get("compute_capex_per_mw", 0) > 0:
        uses.add("compute")
    for k in allowed:
        tech = techs[k]
        if tech.get("ownership", "buy") == "buy" and tech.get("capex_per_unit", 0) > 0:
            uses.add("power")
        if tech.get("ownership", "buy") == "rent" and tech.get("rent_per_unit_month", 0) > 0:
            uses.add("rent")
    if any(tr.get("cost", 0) > 0 for tr in (site.get("grid") or {}).get("tranches", [])):
        uses.add("grid")
    return uses


@st.composite
def unusable_additions(draw, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The instance with a technology or a source added that nothing may use,
    and a word on which: a technology no site lists (every site lists its
    technologies), a source for a site and uses it never spends on, a
    source of amount 0, or one available only after the deadline."""
    out = copy.deepcopy(data)
    start, deadline = out["horizon"]["start"], out["horizon"]["deadline"]
    for site in out["sites"]:
        if site.get("onsite") is not None:
            assert site["onsite"].get("technologies") is not None
    names = [s["name"] for s in out["sites"]]
    unusable = [(s["name"], sorted(set(USES) - site_uses(out, s))) for s in out["sites"]]
    unusable = [(s, uses) for s, uses in unusable if uses]
    variants = ["technology", "amount 0", "after the deadline"] + (
        ["site and uses"] if unusable else []
    )
    variant = draw(st.sampled_from(variants))
    if variant == "technology":
        tech = {
            "name": "unused",
            "unit_mw": 10.0,
            "availability": 1.0,
            "ownership": draw(st.sampled_from(["buy", "rent"])),
            "capex_per_unit": draw(st.sampled_from([0.0, 1.0])),
            "rent_per_unit_month": 0.0,
            "variable_cost_per_mwh": 0.0,
            "lead_months": 0,
        }
        out.setdefault("technologies", []).append(tech)
        if _maybe(draw):
            out.setdefault("supply", []).append(
                {"technology": "unused", "deliveries": [{"date": start, "units": 100}]}
            )
        return variant, out
    # a free, plentiful source: it would change the plan if it could be drawn
    src: dict[str, Any] = {
        "name": "unused",
        "kind": draw(st.sampled_from(KINDS)),
        "amount": 100000.0,
        "rate": 0.0,
    }
    if draw(st.booleans()):
        src["debt"], src["on_balance_sheet"] = False, True  # under no balance-sheet limit
    if variant == "amount 0":
        src["amount"] = 0.0
        src["setup_cost"] = draw(st.sampled_from([0.0, 5.0]))
    elif variant == "after the deadline":
        later = months_between(start, deadline) + draw(st.integers(1, 24))
        src["available"] = month(start, later)
        if _maybe(draw):
            src["until"] = month(start, later + draw(st.integers(0, 12)))
    else:
        site, uses = draw(st.sampled_from(unusable))
        src["sites"] = [site]
        src["uses"] = _subset(draw, uses, nonempty=True)
    assert set(src.get("sites", names)) <= set(names)
    out.setdefault("funding", []).append(src)
    return variant, out
