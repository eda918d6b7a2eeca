"""The generator's money: funding sources sized to what the sites can spend."""

from __future__ import annotations

import math
from typing import Any

from planner.io.generate_draw import (
    DEBT_LIMIT_SHARE,
    MONEY_SHARE,
    RATES,
    SOURCE_ORDER,
    START_MONTH,
    START_YEAR,
    SUPPLY_TIGHTNESS,
    Draw,
    month_label,
    rounded,
)


def reachable_spend(site: dict, pm: int, horizon_months: int) -> float:
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
MAX_MONEY = 1e7  # $M: the instance schema's bound on an amount (a larger one is a unit mistake)


def draw_sources(
    r: Draw, count: int, sites: list[dict], need: float, pm: int, horizon_months: int
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
        amount = min(rounded(total * w / sum(weights), 0), MAX_MONEY)  # the schema's sane bound
        src: dict[str, Any] = {"name": name, "kind": kind, "amount": max(1.0, amount)}
        lo, hi = RATES[kind]
        if hi > 0:
            src["rate"] = rounded(r.u(lo, hi), 4)
        last = horizon_months - 1
        if kind == "cash":  # operating cash flow, earned month by month
            src["per_month"] = rounded(src["amount"] / horizon_months * r.u(1.0, 1.6), 1)
        elif kind == "equity":  # a round that closes within a window
            opens = r.i(0, max(0, last - 6))
            src["available"] = month_label(opens)
            src["until"] = month_label(min(last, opens + max(pm, r.i(3, 9))))
            src["setup_cost"] = rounded(src["amount"] * r.u(0.005, 0.015), 1)
        elif kind == "bond":
            src["available"] = month_label(r.i(0, max(0, last // 3)))
            src["setup_cost"] = rounded(src["amount"] * r.u(0.002, 0.006), 1)
        elif kind == "loan":  # construction loans: no GPUs, capped per site
            src["uses"] = ["facility", "power", "grid"]
            src["max_per_site"] = rounded(src["amount"] / max(1, len(sites)) * r.u(1.5, 4), 0)
        elif kind == "private_credit":  # lends to some developers' sites only
            k = max(1, round(len(sites) * r.u(0.3, 0.6)))
            chosen = set(r.sample(names, k))
            src["sites"] = [n for n in names if n in chosen]
            src["uses"] = ["facility", "power", "rent"]
        elif kind == "spv":  # a campus vehicle: halls and GPUs, off the balance sheet
            src["uses"] = ["facility", "compute"]
            src["available"] = month_label(r.i(0, max(0, last // 2)))
        elif kind == "lease":  # an equipment lease vehicle
            src["uses"] = ["compute", "power", "rent"]
        sources.append(src)

    limits: dict[str, Any] = {}
    on_bs = [s for s in sources if s["kind"] in ("bond", "loan", "private_credit")]
    if on_bs:
        cap = min(sum(s["amount"] for s in on_bs) * r.u(*DEBT_LIMIT_SHARE), MAX_MONEY)
        if r.chance(0.5) and horizon_months >= 2 * pm:
            # the limit rises as earnings grow
            mid = pm * r.i(1, max(1, horizon_months // pm - 1))
            limits["max_debt_on_balance_sheet"] = [
                {"from": month_label(0), "value": rounded(cap * 0.8, 0)},
                {"from": month_label(mid), "value": rounded(cap, 0)},
            ]
        else:
            limits["max_debt_on_balance_sheet"] = rounded(cap, 0)
    off_bs = [s for s in sources if s["kind"] in ("spv", "lease")]
    if off_bs:
        limits["max_off_balance_sheet"] = rounded(
            min(sum(s["amount"] for s in off_bs) * r.u(*DEBT_LIMIT_SHARE), MAX_MONEY), 0
        )
    return sources, limits
