"""The HTML report: one self-contained page for a plan.

Everything is inline: CSS in a ``<style>`` element, charts as base64 PNG data
URIs, no script and no external asset; the page's Content-Security-Policy
forbids any network access. Stable hooks for readers and tests:
``section#summary``, ``section#bottlenecks``, ``figure.chart#chart-<name>``
(``capacity``, ``power-mix``, ``schedule``, ``money``, ``balance-sheet``,
``supply``), each holding an ``img`` with an alt text, and ``table.data``
inside ``section#tables``.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping
from html import escape
from typing import Any

import pandas as pd

import planner
from planner.io.schema import Instance
from planner.report.charts import figures as charts
from planner.report.charts.kit import plan_instance
from planner.report.display import number, plan_spans
from planner.report.views import (
    capacity_by_site,
    cell_text,
    cost_breakdown,
    funding_by_source,
    power_by_source,
    power_mix,
)
from planner.results.plan import Plan

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: #1d2733; background: #f6f7f9; }
main { max-width: 1200px; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
header h1 { margin: 0 0 .25rem; font-size: 1.7rem; }
header p { margin: .2rem 0; color: #4a5664; }
section { background: #fff; border: 1px solid #dde2e8; border-radius: 6px;
  padding: 1rem 1.4rem; margin: 1.2rem 0; }
h2 { font-size: 1.2rem; margin: 0 0 .8rem; }
.status { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; font-weight: 600; }
.status-optimal, .status-feasible { background: #d8f3e3; color: #10562f; }
.status-infeasible, .status-no_plan, .status-invalid { background: #fbdada; color: #7a1111; }
.kpis { display: flex; flex-wrap: wrap; gap: 1rem; margin: .8rem 0; }
.kpi { border: 1px solid #dde2e8; border-radius: 6px; padding: .6rem 1rem; min-width: 10rem; }
.kpi .value { font-size: 1.5rem; font-weight: 600; }
.kpi .label { color: #4a5664; font-size: .85rem; }
table.data { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .9rem; }
table.data th, table.data td { padding: .25rem .7rem; border-bottom: 1px solid #e5e8ec; }
table.data th { text-align: left; background: #eef1f4; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure.chart { margin: 0 0 1.6rem; }
figure.chart img { display: block; max-width: 100%; height: auto; border: 1px solid #e5e8ec; }
figcaption { color: #4a5664; font-size: .9rem; margin-top: .3rem; }
.note { color: #4a5664; font-style: italic; }
footer { color: #7a8592; font-size: .8rem; text-align: center; }
"""
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


# ------------------------------------------------------------ pieces
def figure_png(fig) -> tuple[str, int, int]:
    """A figure as a base64 PNG, with its size in pixels."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    width, height = (int(round(v)) for v in fig.get_size_inches() * fig.dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii"), width, height


def html_table(df: pd.DataFrame, digits: int = 1) -> str:
    """A DataFrame as an escaped ``table.data``; numbers right-aligned."""
    if df.empty:
        return '<p class="note">(none)</p>'
    numeric = [
        pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        for c in df.columns
    ]
    head = "".join(f"<th>{escape(str(c))}</th>" for c in df.columns)
    rows = []
    for row in df.itertuples(index=False):
        cells = []
        for value, num in zip(row, numeric, strict=True):
            text = cell_text(value, digits)
            cls = ' class="num"' if num else ""
            cells.append(f"<td{cls}>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = "".join(rows)
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _num(x: float | None, spec: str = ",.1f") -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else number(x, spec)


def _deadline(plan: Plan) -> str:
    return plan_spans(plan)[-1] if plan.periods else "n/a"


def alt_text(name: str, plan: Plan) -> str:
    """A one-sentence description of a chart, with its key figures."""
    deadline = _deadline(plan)
    sites = capacity_by_site(plan)
    if name == "capacity":
        per_site = ", ".join(
            f"{s} {number(v)} MW"
            for s, v in zip(sites["site"], sites["online (IT MW)"], strict=True)
        )
        return (
            f"Stacked area chart of IT MW online per period by site; in the deadline "
            f"period {deadline}, {_num(plan.capacity_mw)} MW are online"
            + (f" ({per_site})." if per_site else ".")
        )
    if name == "power-mix":
        mix = ", ".join(f"{k} {number(v)} MW" for k, v in power_by_source(plan).items())
        return (
            "Stacked bars per site of MW drawn from the grid and generated on site, "
            "rented units hatched, with the grid's usable MW as a dashed step line; "
            f"at the deadline: {mix or 'no power'}."
        )
    if name == "schedule":
        return (
            "Gantt chart per site of works and unit-order lead times ending when halls "
            "and units come online, grid payments and energizations, supply deliveries, "
            "and financing draws sized by amount."
        )
    if name == "money":
        total = sum(plan.draws_by_source().values())
        return (
            f"Paired stacked bars per period: draws by funding source beside spending by "
            f"use; {number(total, ',.0f')} $M drawn in all."
        )
    if name == "balance-sheet":
        return (
            "Line chart of outstanding on-balance-sheet debt and off-balance-sheet "
            "financing per period, with their limits as dashed step lines where set."
        )
    techs = ", ".join(dict.fromkeys(charts.table(plan, "supply")["technology"]))
    return (
        "Per technology with a supply schedule, units in use (bars) against units "
        f"delivered so far (step line): {techs or 'none'}."
    )


def caption(name: str, plan: Plan) -> str:
    """What the chart's title does not say: the figure to take away, or how
    to read its marks; empty when there is nothing to add."""
    if not plan.status.has_plan or not plan.periods:
        return ""
    deadline = _deadline(plan)
    if name == "capacity":
        sites = capacity_by_site(plan)
        dark = float(sites["dark (IT MW)"].sum()) if not sites.empty else 0.0
        text = f"{_num(plan.capacity_mw)} IT MW online in the deadline period, {deadline}"
        return text + (
            f"; {_num(dark)} MW built but dark (the dotted line is all MW built)."
            if dark > 0.05
            else "."
        )
    if name == "power-mix":
        return (
            "The dashed step is the grid's usable MW; Tn names the site's n-th tranche "
            "(counted from 0, as explain does) and the MW it adds. Hatched bars are "
            "rented units."
        )
    if name == "schedule":
        return (
            "A bar runs from the start of works or the order to the period the halls or "
            "units come online; labels give the MW or units added, and the $M of each "
            "draw. Where labels would collide, the later ones are left out."
        )
    if name == "money":
        drawn = sum(plan.draws_by_source().values())
        return (
            f"{_num(drawn, ',.0f')} $M drawn in all: in each period the left bar is what "
            "was drawn, by source, the right (dotted) bar what was spent, by use."
        )
    if name == "balance-sheet":
        bs = charts.table(plan, "balance_sheet")
        if bs.empty:
            return ""
        peak = bs.loc[bs["on_bs_debt_musd"].idxmax()]
        spans = plan_spans(plan)
        text = (
            f"On-balance-sheet debt peaks at {_num(peak['on_bs_debt_musd'], ',.0f')} $M "
            f"in {spans[int(peak['period'])]}"
        )
        limit = peak["on_bs_debt_limit_musd"]
        return text + (
            f", against a limit of {_num(limit, ',.0f')} $M."
            if pd.notna(limit)
            else "; there is no limit."
        )
    supply = charts.table(plan, "supply")
    last = supply[supply["period"] == len(plan.periods) - 1]
    return "; ".join(
        f"{r.technology}: {number(r.used_units, ',.0f')} of "
        f"{number(r.available_units, ',.0f')} delivered units in use in {deadline}"
        for r in last.itertuples()
    ) + ("." if len(last) else "")


def _chart_figures(plan: Plan, instance: Instance | None) -> str:
    parts = []
    for name, draw in charts.CHARTS.items():
        fig = draw(plan, instance)
        data, width, height = figure_png(fig)
        fig.clear()
        alt = escape(alt_text(name, plan), quote=True)
        text = caption(name, plan)
        parts.append(
            f'<figure class="chart" id="chart-{name}">'
            f'<img src="data:image/png;base64,{data}" width="{width}" height="{height}" '
            f'alt="{alt}">'
            + (f"<figcaption>{escape(text)}</figcaption>" if text else "")
            + "</figure>"
        )
    return "\n".join(parts)


# ------------------------------------------------------------ sections
def _summary(plan: Plan, instance: Instance | None) -> str:
    status = plan.status.value
    out = [f'<p>Status: <span class="status status-{status}">{status}</span></p>']
    if plan.message:
        out.append(f"<p>{escape(plan.message)}</p>")
    if plan.explanation:
        out.append(
            "<p>Why:</p><ul>"
            + "".join(f"<li>{escape(line)}</li>" for line in plan.explanation)
            + "</ul>"
        )
    if plan.status.has_plan:
        deadline = _deadline(plan)
        kpis = [
            (_num(plan.capacity_mw) + " MW", f"IT capacity online in {deadline}"),
            (_num(plan.total_cost) + " $M", "total cost through the deadline"),
            (_num(plan.co2_mt, ",.3f") + " Mt", "CO2 through the deadline"),
        ]
        if plan.capacity_mw and plan.total_cost is not None:
            kpis.append(
                (_num(plan.total_cost / plan.capacity_mw, ",.2f") + " $M", "cost per IT MW")
            )
        out.append(
            '<div class="kpis">'
            + "".join(
                f'<div class="kpi"><div class="value">{escape(v)}</div>'
                f'<div class="label">{escape(label)}</div></div>'
                for v, label in kpis
            )
            + "</div>"
        )
    stages = pd.DataFrame(
        [(s.term, s.value, s.status.value, _percent(s.mip_gap)) for s in plan.stages],
        columns=["stage", "value", "status", "MIP gap (%)"],
    )
    out.append("<h3>Objective stages</h3>" + html_table(stages, digits=4))
    return "".join(out)


def _percent(gap: float | None) -> float:
    return 100 * gap if gap is not None and math.isfinite(gap) else math.nan


def _field(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


def _bottlenecks(bottlenecks: list | None) -> str:
    """The limits in the words of ``planner explain``: the step measured
    (``+1,000 $M of on-balance-sheet debt room``), not the rule's identifier."""
    if bottlenecks is None:
        return '<p class="note">Bottlenecks were not computed for this report.</p>'
    if not bottlenecks:
        return '<p class="note">No limit was found that bounds the capacity.</p>'
    rows = [
        (
            i + 1,
            str(_field(b, "step") or _field(b, "limit")),
            str(_field(b, "kind")),
            float(_field(b, "gain_mw") or 0.0),
        )
        for i, b in enumerate(bottlenecks)
    ]
    df = pd.DataFrame(
        rows, columns=["rank", "one step more of the limit", "kind", "IT MW gained at the deadline"]
    )
    return html_table(df)


def _tables(plan: Plan) -> str:
    if not plan.status.has_plan:
        return '<p class="note">No plan: no tables.</p>'
    sections = [
        ("Capacity at the deadline by site", capacity_by_site(plan)),
        ("Power mix at the deadline", power_mix(plan)),
        ("Funding by source", funding_by_source(plan)),
        ("Costs", cost_breakdown(plan)),
    ]
    return "".join(f"<h3>{escape(title)}</h3>{html_table(df)}" for title, df in sections)


# ------------------------------------------------------------ the page
def _period_note(plan: Plan) -> str:
    if not plan.periods:
        return "a period is shown as its months."
    long, short = plan_spans(plan)[-1], plan_spans(plan, short=True)[-1]
    if long == short:
        return "a period is shown as its month."
    return f"a period is shown as its months: {long} (on a chart's axis, {short})."


def render_html(
    plan: Plan,
    instance: Instance | None = None,
    bottlenecks: list | None = None,
    stress: Any = None,
) -> str:
    """The report page for a plan.

    With the instance (by default the one the plan carries) the schedule shows
    lead times and the power mix marks rented units. ``bottlenecks`` is a list
    of objects or mappings with ``limit``, ``kind``, ``step`` and ``gain_mw``
    (e.g. ``explain_plan(plan).bottlenecks``); ``None`` means not computed."""
    instance = plan_instance(plan, instance)
    name = escape(plan.instance_name or "plan")
    description = escape(instance.description) if instance and instance.description else ""
    sections = [
        ("summary", "Summary", _summary(plan, instance)),
        ("bottlenecks", "Bottlenecks", _bottlenecks(bottlenecks)),
        ("charts", "Charts", _chart_figures(plan, instance)),
        ("tables", "Tables", _tables(plan)),
    ]
    if stress is not None:  # a planner.studies.stress.StressResult
        sections.insert(2, ("stress", "Credit stress", _stress(stress)))
    body = "\n".join(
        f'<section id="{sid}"><h2>{title}</h2>\n{html}\n</section>' for sid, title, html in sections
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>planner report: {name}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header><h1>{name}</h1>{f"<p>{description}</p>" if description else ""}
<p>Power in MW, money in $M, CO2 in Mt; {escape(_period_note(plan))}</p>
</header>
{body}
<footer>planner {escape(planner.__version__)}</footer>
</main>
</body>
</html>
"""


def _stress(result) -> str:
    """The 'Credit stress' section: each shock alone, the weakest link first,
    and the chart of the curves."""
    from planner.report.charts.studies import stress_chart
    from planner.studies.stress import size_text

    rank = result.ranking().copy()
    for col in ("absorbed", "first_loss", "max_size"):
        rank[col] = [size_text(x, u) for x, u in zip(rank[col], rank["unit"], strict=True)]
    rank.loc[rank["first_loss"] == "-", "absorbed"] = "all"
    rank = rank.drop(columns=["unit"]).rename(
        columns={
            "absorbed": "absorbs",
            "first_loss": "loses from",
            "lost_at_max_mw": "MW lost at max",
            "max_size": "max size",
            "cost_at_max": "cost at max ($M)",
        }
    )
    src, w, h = figure_png(stress_chart(result))
    worst = result.weakest()
    note = (
        f"The weakest funding link: <strong>{escape(worst)}</strong>."
        if worst
        else "No shock in range costs capacity at the deadline."
    )
    return (
        f"<p>{escape(result.plan_source.capitalize())}: {_num(result.base['capacity_mw'])} "
        f"MW online at the deadline with no shock. Each shock alone, the weakest link first "
        f"(the largest size it absorbs without losing a MW, and the first that loses). "
        f"{note}</p>{html_table(rank)}"
        f'<figure><img src="{src}" width="{w}" height="{h}" alt="MW at the deadline '
        f'against each shock"></figure>'
    )
