"""Plans for people and scripts: the text summary, the JSON summary, and files
(plan.json, one CSV per table) written atomically."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from planner.io.atomic import check_folder, write_file, write_folder
from planner.report.display import number, plan_spans
from planner.results.plan import Plan, Status
from planner.results.spreadsheet import csv_text


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
            {"term": s.term, "status": s.status.value, "value": s.value,
             "bound": _finite(s.bound), "mip_gap": _finite(s.mip_gap)}
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


def _table(df: pd.DataFrame, spec: str = ",.1f") -> str:
    if df.empty:
        return "  (none)"
    shown = df.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else number(v, spec))
    return "\n".join("  " + line for line in shown.to_string(index=False).splitlines())


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
    if not math.isfinite(gap):
        return f"largest stage gap unknown ({term} has no bound)"
    return f"largest stage gap {gap:.2%} ({term})"


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
        f"capacity online in the deadline period ({deadline}): {number(plan.capacity_mw)} MW",
        f"total cost: {number(plan.total_cost)} $M   CO2: {number(plan.co2_mt, ',.3f')} Mt",
        "stages: " + ", ".join(f"{s.term} = {s.value:,.4g}" for s in plan.stages),
        "",
        "capacity by site at the deadline (IT MW):",
        _table(plan.site_capacity()),
        "",
        "power mix at the deadline (units, nameplate MW, MW drawn):",
    ]
    power = plan.tables["power"]
    last = power[power["period"] == len(plan.periods) - 1]
    lines.append(_table(last.drop(columns=["period"])))
    sources = plan.tables["sources"]
    lines += ["", "funding mix ($M):"]
    lines.append(_table(sources[sources["drawn_musd"] > 0]))
    lines += ["", "cost breakdown ($M):"]
    costs = plan.tables["costs"]
    lines.append(_table(costs[costs["cost_musd"] != 0]))
    return "\n".join(lines)


# ---------------------------------------------------------------- files
def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary name beside ``path``, then rename over it, so a
    failed run never leaves a half-written file (:func:`planner.atomic.write_file`)."""
    write_file(path, text)


def plan_files(plan: Plan) -> dict[str, str]:
    """The files of a plan folder: plan.json and one CSV per table, the CSVs
    spreadsheet-safe (:mod:`planner.spreadsheet`)."""
    files = {"plan.json": plan.to_json()}
    for name, df in plan.tables.items():
        files[f"{name}.csv"] = csv_text(df)
    return files


def out_problem(out_dir: str | os.PathLike, extra: tuple[str, ...] = ()) -> str | None:
    """Why ``out_dir`` cannot take a plan folder (it is a file, or holds a
    folder named like an output), or None; checked before any work."""
    names = [*plan_files(Plan(status=Status.no_plan)), *extra]
    try:
        check_folder(out_dir, names)
    except OSError as exc:
        return f"cannot write the plan to {out_dir}: {exc.strerror or exc}"
    return None


def write_plan(plan: Plan, out_dir: str | os.PathLike,
               extra: dict[str, str] | None = None) -> list[Path]:
    """plan.json, one CSV per table and the ``extra`` files (name -> text)
    in the folder ``out_dir``, all or nothing.

    The whole folder is built beside ``out_dir`` and swapped in
    (:func:`planner.atomic.write_folder`): a run that fails or is killed
    leaves the old folder whole, and two runs into one folder leave one
    whole plan. Other files in the folder are kept.
    """
    files = {**plan_files(plan), **(extra or {})}
    write_folder(out_dir, files)
    return [Path(out_dir) / name for name in files]
