"""Plans for people and scripts: the text summary, the JSON summary, and files
(plan.json, one CSV per table) written atomically."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from planner.plan import Plan


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


def _table(df: pd.DataFrame, floatfmt: str = "{:,.1f}") -> str:
    if df.empty:
        return "  (none)"
    shown = df.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else floatfmt.format(v))
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
    deadline = plan.periods[-1]
    lines += [
        f"capacity online in the deadline period (from {deadline}): {plan.capacity_mw:,.1f} MW",
        f"total cost: {plan.total_cost:,.1f} $M   CO2: {plan.co2_mt:,.3f} Mt",
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
    failed run never leaves a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_plan(plan: Plan, out_dir: str | os.PathLike) -> list[Path]:
    """plan.json and one CSV per table under ``out_dir``.

    Every file is written in full beside the others first, then all are
    renamed into place: a run that fails while writing leaves what was there
    before.
    """
    out = Path(out_dir)
    files = {out / "plan.json": plan.to_json()}
    for name, df in plan.tables.items():
        files[out / f"{name}.csv"] = df.to_csv(index=False)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".planner-", dir=out))
    try:
        for path, text in files.items():
            atomic_write(staging / path.name, text)
        for path in files:
            os.replace(staging / path.name, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return list(files)
