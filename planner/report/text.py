"""Plans as text for people and as JSON for scripts: the summaries of
``planner solve`` and ``planner solve --json``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.results.plan import Plan
from planner.results.text import text_table


# ---------------------------------------------------------------- summaries
def summary_dict(plan: Plan) -> dict[str, Any]:
    """The JSON summary of ``planner solve --json``."""
    out: dict[str, Any] = {
        "instance": plan.instance_name,
        "status": plan.status.value,
        "capacity_mw": plan.capacity_mw,
        "total_cost": plan.total_cost,
        "co2_mt": plan.co2_mt,
        "mip_gap": plan.to_dict()["mip_gap"],
        "bound": plan.to_dict()["bound"],
        "stages": [{"term": s.term, "value": s.value} for s in plan.stages],
        "sites": [],
        "draws": plan.draws_by_source(),
        "timings": plan.timings,
    }
    if plan.message:
        out["message"] = plan.message
    if plan.explanation:
        out["explanation"] = plan.explanation
    if not plan.status.has_plan:
        return out
    grid = plan.tables["grid"]
    power = plan.tables["power"]
    last = len(plan.periods) - 1
    at_deadline = power[(power["period"] == last) & (power["source"] != "grid")]
    for row in plan.site_capacity().itertuples():
        chosen = grid[(grid["site"] == row.site) & grid["chosen"]]["tranche"]
        units = at_deadline[at_deadline["site"] == row.site]
        out["sites"].append(
            {
                "name": row.site,
                "capacity_mw": float(row.online_mw),
                "built_mw": float(row.built_mw),
                "grid_tranches": [int(g) for g in chosen],
                "units_at_deadline": {r.source: int(r.units) for r in units.itertuples()},
            }
        )
    return out


def _table_of(df: pd.DataFrame) -> str:
    return text_table(df, floats="{:,.1f}", indent="  ", empty="(none)", blank_missing=False)


def summary_text(plan: Plan) -> str:
    """The readable summary of ``planner solve``."""
    lines = [f"{plan.instance_name}: {plan.status.value}"]
    if plan.message:
        lines.append(f"  {plan.message}")
    lines += [f"  {line}" for line in plan.explanation]
    if not plan.status.has_plan:
        return "\n".join(lines)
    gaps = [s.mip_gap for s in plan.stages if s.mip_gap is not None]
    gap = max(gaps) if gaps else None
    lines[0] += f" (largest stage gap {gap:.2%})" if gap is not None and gap < float("inf") else ""
    deadline = plan.periods[-1]
    lines += [
        f"capacity online in the deadline period (from {deadline}): {plan.capacity_mw:,.1f} MW",
        f"total cost: {plan.total_cost:,.1f} $M   CO2: {plan.co2_mt:,.3f} Mt",
        "stages: " + ", ".join(f"{s.term} = {s.value:,.4g}" for s in plan.stages),
        "",
        "capacity by site at the deadline (IT MW):",
        _table_of(plan.site_capacity()),
        "",
        "power mix at the deadline (units, nameplate MW, MW drawn):",
    ]
    power = plan.tables["power"]
    last = power[power["period"] == len(plan.periods) - 1]
    lines.append(_table_of(last.drop(columns=["period"])))
    sources = plan.tables["sources"]
    lines += ["", "funding mix ($M):"]
    lines.append(_table_of(sources[sources["drawn_musd"] > 0]))
    lines += ["", "cost breakdown ($M):"]
    costs = plan.tables["costs"]
    lines.append(_table_of(costs[costs["cost_musd"] != 0]))
    return "\n".join(lines)
