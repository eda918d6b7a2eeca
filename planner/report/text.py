"""Plans as text for people and as JSON for scripts: the summaries of
``planner solve`` and ``planner solve --json``."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from planner.report.display import number, plan_spans
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
        **_gap_fields(plan),
        "stages": [
            {
                "term": s.term,
                "status": s.status.value,
                "value": s.value,
                "bound": _finite(s.bound),
                "mip_gap": _finite(s.mip_gap),
            }
            for s in plan.stages
        ],
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


def _table_of(df: pd.DataFrame, spec: str = ",.1f") -> str:
    shown = df.copy()
    for col in shown.columns:  # floats as number() shows them: never "-0.0"
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else number(v, spec))
    return text_table(shown, indent="  ", empty="(none)", blank_missing=False)


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def _gap_fields(plan: Plan) -> dict[str, Any]:
    """The plan's gap for JSON: the largest stage gap, the stage it is of,
    and (a stage without a bound) that it is unknown."""
    term, gap = plan.largest_gap()
    worst = next((s for s in plan.stages if s.term == term), None)
    out: dict[str, Any] = {
        "mip_gap": _finite(gap),
        "bound": None if worst is None else _finite(worst.bound),
        "mip_gap_stage": term,
    }
    if gap is not None and not math.isfinite(gap):
        out["mip_gap_note"] = f"stage {term} has no bound: its gap is unknown"
    return out


def gap_phrase(plan: Plan) -> str:
    """'largest stage gap 0.01% (capacity_time)', the same in every view."""
    term, gap = plan.largest_gap()
    if term is None:
        return "no stage gap"
    if gap is None or not math.isfinite(gap):
        return f"largest stage gap unknown ({term} has no bound)"
    return f"largest stage gap {gap:.2%} ({term})"


# Each stage's unit and format; a term not listed is shown with one decimal.
STAGE_FORMATS = {
    "capacity": (",.1f", "MW"),
    "expected_capacity": (",.1f", "MW"),
    "worst_capacity": (",.1f", "MW"),
    "capacity_time": (",.0f", "MW-months"),
    "cost": (",.1f", "$M"),
    "co2": (",.3f", "Mt"),
}


def stage_value(term: str, value: float | None) -> str:
    """'cost = 39,690.0 $M': a stage's value with thousands separators, the
    decimals its unit needs, and the unit.

    >>> stage_value("capacity_time", 21080.4), stage_value("co2", 8.0514)
    ('capacity_time = 21,080 MW-months', 'co2 = 8.051 Mt')
    """
    if value is None:
        return f"{term}: no value"
    spec, unit = STAGE_FORMATS.get(term, (",.1f", ""))
    return f"{term} = {number(value, spec)}" + (f" {unit}" if unit else "")


def summary_text(plan: Plan) -> str:
    """The readable summary of ``planner solve``."""
    lines = [f"{plan.instance_name}: {plan.status.value}"]
    if plan.message:
        lines.append(f"  {plan.message}")
    lines += [f"  {line}" for line in plan.explanation]
    if not plan.status.has_plan:
        return "\n".join(lines)
    lines[0] += f" ({gap_phrase(plan)})" if plan.stages else ""
    deadline = plan_spans(plan)[-1]
    lines += [
        f"capacity online in the deadline period ({deadline}): "
        f"{number(plan.capacity_mw or 0.0)} MW",
        f"total cost: {number(plan.total_cost or 0.0)} $M   "
        f"CO2: {number(plan.co2_mt or 0.0, ',.3f')} Mt",
        "stages: " + ", ".join(stage_value(s.term, s.value) for s in plan.stages),
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
