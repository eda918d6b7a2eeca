"""Plans for reading: the main tables with units in their headers, a text
view of one plan, a side-by-side comparison of two, and an Excel workbook.

The table builders (:func:`capacity_by_site`, :func:`power_mix`,
:func:`funding_by_source`, :func:`cost_breakdown`) are shared by the text
views and the HTML report. Figures are at the deadline period unless a table
says otherwise.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from planner.io.fields import USES
from planner.report.charts.kit import table
from planner.report.display import number
from planner.report.text import gap_phrase
from planner.results.plan import Plan
from planner.results.tables import COST_ITEMS, TABLES


# ------------------------------------------------------------ the tables
def _deadline(plan: Plan) -> int:
    return len(plan.periods) - 1


def capacity_by_site(plan: Plan) -> pd.DataFrame:
    """IT MW online and built per site in the deadline period, and the dark
    MW (built, not online)."""
    cap = table(plan, "capacity")
    last = cap[cap["period"] == _deadline(plan)]
    out = pd.DataFrame(
        {
            "site": last["site"].astype(str),
            "online (IT MW)": last["online_mw"].astype(float),
            "built (IT MW)": last["built_mw"].astype(float),
        }
    )
    out["dark (IT MW)"] = out["built (IT MW)"] - out["online (IT MW)"]
    return out.reset_index(drop=True)


def power_mix(plan: Plan) -> pd.DataFrame:
    """Per site and power source in the deadline period: units, nameplate or
    usable MW, MW drawn or generated, and the share of the site's power."""
    power = table(plan, "power")
    last = power[power["period"] == _deadline(plan)]
    out = pd.DataFrame(
        {
            "site": last["site"].astype(str),
            "source": last["source"].astype(str),
            "units": last["units"].astype(int),
            "capacity (MW)": last["capacity_mw"].astype(float),
            "supplied (MW)": last["generation_mw"].astype(float),
        }
    ).reset_index(drop=True)
    site_total = out.groupby("site")["supplied (MW)"].transform("sum")
    out["share (%)"] = (100 * out["supplied (MW)"] / site_total.where(site_total > 0)).fillna(0)
    return out


def power_by_source(plan: Plan) -> dict[str, float]:
    """MW supplied in the deadline period by each source, over all sites."""
    mix = power_mix(plan)
    return {k: float(v) for k, v in mix.groupby("source")["supplied (MW)"].sum().items()}


def funding_by_source(plan: Plan) -> pd.DataFrame:
    """Per source: $M drawn, its share, interest and setup fee, and what it paid for."""
    src = table(plan, "sources")
    if src.empty:
        return pd.DataFrame(columns=["source", "drawn ($M)", "share (%)"])
    total = float(src["drawn_musd"].sum())
    out = pd.DataFrame(
        {
            "source": src["source"].astype(str),
            "drawn ($M)": src["drawn_musd"].astype(float),
            "share (%)": 100 * src["drawn_musd"].astype(float) / total if total > 0 else 0.0,
            "interest ($M)": src["interest_musd"].astype(float),
            "setup ($M)": src["setup_cost_musd"].astype(float),
        }
    ).reset_index(drop=True)
    funding = table(plan, "funding")
    by_use = (
        funding.pivot_table(index="source", columns="use", values="draw_musd", aggfunc="sum")
        if not funding.empty
        else pd.DataFrame()
    )
    for use in USES:
        if use in by_use.columns:
            out[f"{use} ($M)"] = out["source"].map(by_use[use]).fillna(0.0).astype(float)
    return out


def cost_breakdown(plan: Plan) -> pd.DataFrame:
    """Each cost item in $M and its share of the total."""
    costs = table(plan, "costs")
    if costs.empty:
        return pd.DataFrame(columns=["item", "cost ($M)", "share (%)"])
    total = float(costs["cost_musd"].sum())
    return pd.DataFrame(
        {
            "item": costs["item"].astype(str),
            "cost ($M)": costs["cost_musd"].astype(float),
            "share (%)": 100 * costs["cost_musd"].astype(float) / total if total else 0.0,
        }
    ).reset_index(drop=True)


# ------------------------------------------------------------ formatting
def cell_text(value, digits: int = 1) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else number(float(value), f",.{digits}f")
    return str(value)


def format_table(df: pd.DataFrame, indent: str = "  ", digits: int = 1) -> str:
    """Columns aligned: text to the left, numbers to the right."""
    if df.empty:
        return indent + "(none)"
    cols = list(df.columns)
    cells = [[cell_text(v, digits) for v in row] for row in df.itertuples(index=False)]
    numeric = [
        pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in cols
    ]
    widths = [max(len(str(c)), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]

    def line(values: Iterable[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return (indent + "  ".join(parts)).rstrip()

    rule = indent + "  ".join("-" * w for w in widths)
    return "\n".join([line(map(str, cols)), rule] + [line(r) for r in cells])


def _num(value: float | None, spec: str = ",.1f") -> str:
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else number(value, spec)
    )


# ------------------------------------------------------------ one plan
def summary_lines(plan: Plan) -> list[str]:
    """Status, capacity, cost, CO2 and the stages, one fact a line."""
    lines = [f"plan: {plan.instance_name or '(unnamed)'}", f"status: {plan.status.value}"]
    if plan.message:
        lines.append(f"message: {plan.message}")
    lines += [f"why: {line}" for line in plan.explanation]
    if not plan.status.has_plan:
        return lines
    deadline = plan.periods[-1] if plan.periods else "?"
    lines += [
        f"capacity at the deadline period ({deadline}): {_num(plan.capacity_mw)} IT MW",
        f"total cost: {_num(plan.total_cost)} $M",
        f"CO2: {_num(plan.co2_mt, ',.3f')} Mt",
    ]
    if plan.capacity_mw and plan.total_cost is not None:
        lines.append(f"cost per IT MW: {_num(plan.total_cost / plan.capacity_mw, ',.2f')} $M")
    if plan.stages:
        lines.append(f"MIP gap: {gap_phrase(plan)}")
    for s in plan.stages:
        gap = "unknown" if s.mip_gap is None or not math.isfinite(s.mip_gap) else f"{s.mip_gap:.2%}"
        lines.append(f"stage {s.term}: {_num(s.value, ',.6g')} ({s.status.value}, gap {gap})")
    return lines


def _online_over_time(plan: Plan) -> pd.DataFrame:
    cap = table(plan, "capacity")
    if cap.empty:
        return pd.DataFrame()
    wide = cap.pivot_table(index="period", columns="site", values="online_mw", aggfunc="sum")
    wide = wide.reindex(columns=list(dict.fromkeys(cap["site"]))).fillna(0.0)
    # Columns are placed by position: a site may be named "period" or "total".
    columns = ["period"] + [f"{c} (IT MW)" for c in wide.columns] + ["total (IT MW)"]
    rows = [
        [plan.periods[int(t)], *values, sum(values)]
        for t, values in zip(wide.index, wide.to_numpy().tolist(), strict=True)
    ]
    return pd.DataFrame(rows, columns=columns)


def _chosen_tranches(plan: Plan) -> pd.DataFrame:
    grid = table(plan, "grid")
    chosen = grid[grid["chosen"].astype(bool)]
    labels = plan.periods

    def when(t) -> str:
        return labels[int(t)] if 0 <= int(t) < len(labels) else "after the deadline"

    return pd.DataFrame(
        {
            "site": chosen["site"].astype(str),
            "tranche": chosen["tranche"].astype(int),
            "MW": chosen["mw"].astype(float),
            "usable from": chosen["usable_from"].map(when),
            "cost ($M)": chosen["cost_musd"].astype(float),
            "paid": chosen["paid_period"].map(when),
        }
    )


def _balance_sheet(plan: Plan) -> pd.DataFrame:
    bs = table(plan, "balance_sheet")
    return pd.DataFrame(
        {
            "period": [plan.periods[int(t)] for t in bs["period"]],
            "on-BS debt ($M)": bs["on_bs_debt_musd"].astype(float),
            "limit ($M)": bs["on_bs_debt_limit_musd"].astype(float),
            "off-BS ($M)": bs["off_bs_musd"].astype(float),
            "off-BS limit ($M)": bs["off_bs_limit_musd"].astype(float),
        }
    )


def show_text(plan: Plan) -> str:
    """The plan for a terminal: summary and the main tables, aligned."""
    lines = summary_lines(plan)
    if not plan.status.has_plan:
        return "\n".join(lines)
    sections = [
        ("capacity by site at the deadline", capacity_by_site(plan)),
        ("IT MW online over time", _online_over_time(plan)),
        ("power mix at the deadline", power_mix(plan)),
        ("grid tranches chosen", _chosen_tranches(plan)),
        ("funding by source", funding_by_source(plan)),
        ("balance sheet (outstanding; limits blank where none)", _balance_sheet(plan)),
        ("cost breakdown", cost_breakdown(plan)),
    ]
    for title, df in sections:
        lines += ["", f"{title}:", format_table(df)]
    return "\n".join(lines)


# ------------------------------------------------------------ two plans
def _side_by_side(
    rows: dict[str, tuple[float, float]], key: str, a: str, b: str, unit: str | None = None
) -> pd.DataFrame:
    names = [a, b, "change"]
    return pd.DataFrame(
        [(k, va, vb, vb - va) for k, (va, vb) in rows.items()],
        columns=[key] + [f"{n} ({unit})" if unit else n for n in names],
    )


def _pair(da: dict[str, float], db: dict[str, float]) -> dict[str, tuple[float, float]]:
    keys = list(dict.fromkeys([*da, *db]))
    return {k: (float(da.get(k, 0.0)), float(db.get(k, 0.0))) for k in keys}


def _headline(a: Plan, b: Plan) -> dict[str, tuple[float, float]]:
    def value(x: float | None) -> float:
        return math.nan if x is None else float(x)

    return {
        "capacity (IT MW)": (value(a.capacity_mw), value(b.capacity_mw)),
        "total cost ($M)": (value(a.total_cost), value(b.total_cost)),
        "CO2 (Mt)": (value(a.co2_mt), value(b.co2_mt)),
    }


def _site_facts(plan: Plan) -> dict[str, dict[str, str]]:
    """Per site, the facts compared: capacity, grid tranches, units at the deadline."""
    facts: dict[str, dict[str, str]] = {}
    for row in capacity_by_site(plan).itertuples(index=False):
        facts[row[0]] = {"IT MW online": number(row[1]), "IT MW built": number(row[2])}
    grid = table(plan, "grid")
    for site, grp in grid[grid["chosen"].astype(bool)].groupby("site"):
        facts.setdefault(site, {})["grid tranches"] = ", ".join(map(str, sorted(grp["tranche"])))
    mix = power_mix(plan)
    for row in mix[mix["source"] != "grid"].itertuples(index=False):
        facts.setdefault(row[0], {})[f"{row[1]} units"] = str(row[2])
    return facts


def _site_differences(a: Plan, b: Plan, name_a: str, name_b: str) -> list[str]:
    fa, fb = _site_facts(a), _site_facts(b)
    lines = []
    for site in dict.fromkeys([*fa, *fb]):
        sa, sb = fa.get(site, {}), fb.get(site, {})
        diffs = [
            f"{k} {sa.get(k, '-')} vs {sb.get(k, '-')}"
            for k in dict.fromkeys([*sa, *sb])
            if sa.get(k, "-") != sb.get(k, "-")
        ]
        if diffs:
            lines.append(f"  {site}: " + "; ".join(diffs))
    return lines or [f"  none: {name_a} and {name_b} agree at every site"]


def _costs(plan: Plan) -> dict[str, float]:
    costs = cost_breakdown(plan)
    return dict(zip(costs["item"], costs["cost ($M)"], strict=True))


def compare_text(a: Plan, b: Plan, name_a: str = "A", name_b: str = "B") -> str:
    """Two plans side by side: the headline numbers, the power mix at the
    deadline, the funding mix, the costs, and per site what differs."""
    lines = [
        f"{name_a}: {a.instance_name} ({a.status.value})",
        f"{name_b}: {b.instance_name} ({b.status.value})",
        f"change: {name_b} minus {name_a}",
        "",
    ]
    lines.append(format_table(_side_by_side(_headline(a, b), "figure", name_a, name_b), digits=3))
    if not (a.status.has_plan and b.status.has_plan):
        return "\n".join(lines + ["", "no tables compared: both need a plan"])
    costs_a, costs_b = (_costs(p) for p in (a, b))
    sections = [
        (
            "power mix at the deadline (MW supplied, all sites)",
            "source",
            "MW",
            _pair(power_by_source(a), power_by_source(b)),
        ),
        ("funding mix (drawn)", "source", "$M", _pair(a.draws_by_source(), b.draws_by_source())),
        ("costs", "item", "$M", _pair(costs_a, costs_b)),
    ]
    for title, key, unit, rows in sections:
        if key == "item":
            rows = {k: v for k, v in rows.items() if k in COST_ITEMS and v != (0.0, 0.0)}
        lines += ["", f"{title}:", format_table(_side_by_side(rows, key, name_a, name_b, unit))]
    lines += ["", "per site, what differs:"] + _site_differences(a, b, name_a, name_b)
    return "\n".join(lines)


# ------------------------------------------------------------ Excel
def write_excel(plan: Plan, path: str | os.PathLike) -> None:
    """One sheet per table: a summary, the main tables, then every plan table.
    Every text cell is of Excel's string type (:mod:`planner.results.spreadsheet`):
    a name such as ``=HYPERLINK(...)`` is shown, never evaluated."""
    summary = pd.DataFrame({"summary": summary_lines(plan)})
    sheets = {
        "summary": summary,
        "capacity by site": capacity_by_site(plan),
        "power mix": power_mix(plan),
        "funding by source": funding_by_source(plan),
        "cost breakdown": cost_breakdown(plan),
    }
    for name in TABLES:
        df = plan.tables.get(name)
        sheets[f"plan {name}"] = df if df is not None else pd.DataFrame()
    from openpyxl import Workbook

    from planner.results.spreadsheet import write_sheet

    book = Workbook()
    book.remove(book.active)
    for name, df in sheets.items():
        sheet = book.create_sheet(name[:31])
        write_sheet(sheet, df)
        _fit_columns(sheet, df)
    book.save(path)


def _fit_columns(sheet, df: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    for i, col in enumerate(df.columns, start=1):
        width = max([len(str(col))] + [len(cell_text(v)) for v in df[col].head(200)])
        sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
