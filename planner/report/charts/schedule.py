"""The schedule chart: a Gantt-style view of a plan's timing.

One row per site and kind of event: halls (works lead time ending when the
built MW rise), units of each technology (order lead ending when they come
online; rented units handed back), grid tranches (paid, energized), then
supply deliveries per technology and financing draws per source.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from planner.io.schema import Instance
from planner.report.charts.kit import (
    FONT_PT,
    GRID_COLOR,
    PAID_MARKER,
    by_period,
    deadline_line,
    keep_inside,
    leads,
    new_figure,
    no_data,
    period_axis,
    plan_instance,
    site_names,
    table,
)
from planner.report.display import number
from planner.results.plan import Plan


def schedule_chart(plan: Plan, instance: Instance | None = None) -> Figure:
    """A Gantt-style schedule. Bars are lead times (works, unit orders) ending
    when halls or units come online; markers are deliveries, grid payments and
    energizations of chosen tranches, and financing draws (size ~ amount).
    Without an instance (given, or carried by the plan), leads are unknown and
    only arrivals are shown."""
    rows = _schedule_rows(plan, plan_instance(plan, instance))
    periods = plan.periods
    fig, (ax,) = new_figure(10.8, 1.8 + 0.42 * max(len(rows), 2))
    ax.set_title("Schedule: orders, works, deliveries, energizations, draws")
    if not rows or not periods:
        no_data(ax, "nothing is scheduled in this plan")
        return fig
    for y, (_, draw) in enumerate(reversed(rows)):
        draw(ax, y)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([label for label, _ in reversed(rows)], fontsize=FONT_PT)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    period_axis(ax, periods)
    ax.grid(axis="x", alpha=0.3)
    deadline_line(ax, periods)
    fig.legend(handles=_schedule_legend(), loc="outside lower center", ncols=4, fontsize=FONT_PT)
    return keep_inside(fig)


def _schedule_legend() -> list:
    def marker(m: str, color: str, label: str) -> Line2D:
        return Line2D([], [], ls="", marker=m, color=color, label=label)

    return [
        Line2D([], [], color="#9ecae1", lw=6, label="lead time (works / order)"),
        marker("s", "#08519c", "halls online (+MW)"),
        marker("^", "#d95f02", "units online (+n)"),
        marker("v", "#7570b3", "rented units returned"),
        marker("D", "#1b9e77", "supply delivery (+n)"),
        marker(PAID_MARKER, GRID_COLOR, "grid tranche paid"),
        marker("*", GRID_COLOR, "grid tranche energized"),
        marker("o", "#e7298a", "financing draw"),
    ]


def _increments(values: pd.Series, before: float) -> list[tuple[int, float]]:
    """(period, change) wherever a cumulative series changes."""
    out, prev = [], before
    for t, v in values.items():
        if abs(v - prev) > 0.05:
            out.append((int(t), float(v - prev)))
        prev = v
    return out


def _signed(unit: str):
    return lambda change: number(change, "+,.0f") + unit


def _labelled(periods, gap: int) -> set[int]:
    """The periods to label so that labels on a row are ``gap`` periods apart."""
    shown: list[int] = []
    for t in periods:
        if not shown or t - shown[-1] >= gap:
            shown.append(int(t))
    return set(shown)


def _spans(
    ax,
    y: int,
    events: list[tuple[int, float]],
    lead: int,
    color: str,
    marker: str,
    fmt: Callable[[float], str],
    gap: int = 1,
) -> None:
    labelled = _labelled([t for t, _ in events], gap)
    for t, change in events:
        if change > 0 and lead > 0:
            ax.broken_barh(
                [(t - lead, lead)],
                (y - 0.3, 0.6),
                facecolor="#9ecae1",
                edgecolor="#3182bd",
                lw=0.8,
                alpha=0.7,
            )
        ax.plot(
            [t],
            [y],
            ls="",
            marker=marker if change > 0 else "v",
            ms=7,
            color=color if change > 0 else "#7570b3",
        )
        if t in labelled:
            ax.annotate(
                fmt(change), (t, y), xytext=(4, 4), textcoords="offset points", fontsize=FONT_PT
            )


def _schedule_rows(plan: Plan, instance: Instance | None) -> list:
    """(label, draw(ax, y)) per row, top to bottom."""
    n = len(plan.periods)
    gap = max(1, math.ceil(n / 12))  # periods between labels on a row
    build_lead, unit_lead = leads(instance)
    existing = {s.name: s.existing_it_mw for s in instance.sites} if instance else {}
    cap, power, grid = table(plan, "capacity"), table(plan, "power"), table(plan, "grid")
    rows: list = []
    for site in site_names(plan):
        built = by_period(cap[cap["site"] == site], "built_mw", "site", n).get(site)
        if built is not None:
            base = existing.get(site, float(built.iloc[0]))
            events = _increments(built, base)
            if events:
                lead = build_lead.get(site, 0)
                rows.append(
                    (
                        f"{site}: halls",
                        lambda ax, y, e=events, L=lead: _spans(
                            ax, y, e, L, "#08519c", "s", _signed(" MW"), gap
                        ),
                    )
                )
        units = power[(power["site"] == site) & (power["source"] != "grid")]
        for tech, grp in units.groupby("source", sort=True):
            events = _increments(by_period(grp, "units", "source", n)[tech], 0.0)
            lead = unit_lead.get(tech, 0)
            rows.append(
                (
                    f"{site}: {tech} units",
                    lambda ax, y, e=events, L=lead: _spans(
                        ax, y, e, L, "#d95f02", "^", _signed(""), gap
                    ),
                )
            )
        chosen = grid[(grid["site"] == site) & grid["chosen"].astype(bool)]
        if not chosen.empty:
            rows.append((f"{site}: grid", lambda ax, y, c=chosen: _grid_events(ax, y, c, n)))
    supply = table(plan, "supply")
    for tech, grp in supply.groupby("technology", sort=False):
        events = _increments(grp.set_index("period")["available_units"].astype(float), 0.0)
        if events:
            rows.append(
                (
                    f"{tech} deliveries",
                    lambda ax, y, e=events: _spans(ax, y, e, 0, "#1b9e77", "D", _signed(""), gap),
                )
            )
    funding = table(plan, "funding")
    biggest = float(funding["draw_musd"].max()) if not funding.empty else 1.0
    for source, grp in funding.groupby("source", sort=False):
        draws = grp.groupby("period")["draw_musd"].sum()
        rows.append(
            (f"draws: {source}", lambda ax, y, d=draws: _draw_events(ax, y, d, biggest, gap))
        )
    return rows


def _grid_events(ax, y: int, chosen: pd.DataFrame, n: int) -> None:
    for row in chosen.itertuples():
        ax.plot([row.paid_period], [y], ls="", marker=PAID_MARKER, ms=9, color=GRID_COLOR)
        t = min(int(row.usable_from), n - 1)
        ax.plot([t], [y], ls="", marker="*", ms=11, color=GRID_COLOR)
        late = " after the deadline" if row.usable_from >= n else ""
        ax.annotate(
            f"T{row.tranche} {number(row.mw, ',.0f')} MW{late}",
            (t, y),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=FONT_PT,
        )


def _draw_events(ax, y: int, draws: pd.Series, biggest: float, gap: int = 1) -> None:
    sizes = [20 + 180 * float(v) / max(biggest, 1e-9) for v in draws]
    ax.scatter(draws.index, [y] * len(draws), s=sizes, color="#e7298a", alpha=0.7)
    labelled = _labelled(draws.index, gap)
    for (t, v), size in zip(draws.items(), sizes, strict=True):
        if t in labelled:
            amount = number(v, ",.0f" if abs(v) >= 1 else ",.1f")  # a small draw is not "0"
            ax.annotate(
                amount,
                (t, y),
                xytext=(0, 2 + math.sqrt(size) / 2),
                textcoords="offset points",
                fontsize=FONT_PT,
                ha="center",
            )
