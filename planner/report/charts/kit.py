"""Shared pieces of the plan charts: tables with their columns even when
empty, the figure and period axis, palettes, and step lines.

Figures are made on the Agg canvas without pyplot, so no screen and no global
state are involved.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from planner.io.errors import InstanceError
from planner.io.load import parse_instance
from planner.io.schema import Instance
from planner.results.plan import Plan
from planner.results.tables import COLUMNS

PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]
USE_COLORS = {
    "facility": "#4c72b0", "compute": "#8172b3", "power": "#dd8452",
    "grid": "#55a868", "rent": "#c44e52",
}
GRID_COLOR = "#2a9d8f"
RENT_HATCH = "///"
PAID_MARKER = r"$\$$"


# ------------------------------------------------------------------ helpers
def table(plan: Plan, name: str) -> pd.DataFrame:
    """A plan table with its documented columns, even when it is empty."""
    df = plan.tables.get(name)
    if df is None or df.empty or not set(COLUMNS[name]) <= set(df.columns):
        return pd.DataFrame(columns=list(COLUMNS[name]))
    return df


def new_figure(width: float = 9.0, height: float = 4.0, nrows: int = 1, ncols: int = 1):
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    return fig, [ax for row in axes for ax in row]


def period_axis(ax, periods: list[str]) -> None:
    """Ticks at period numbers, labelled "YYYY-MM", thinned to about a dozen."""
    n = len(periods)
    step = max(1, math.ceil(n / 12))
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([periods[t] for t in ticks], rotation=45, ha="right", fontsize=8)
    ax.set_xlim(-0.5, max(n, 1) - 0.5)
    ax.grid(axis="y", alpha=0.3)


def headroom(ax) -> None:
    """A margin above the tallest stack: a zero-height segment on top of a
    stack is a sticky edge that would otherwise pin the axis to it."""
    ax.use_sticky_edges = False
    ax.autoscale_view(scalex=False)
    ax.set_ylim(bottom=0)


def no_data(ax, note: str) -> None:
    ax.text(0.5, 0.5, note, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def by_period(df: pd.DataFrame, value: str, key: str, n: int) -> pd.DataFrame:
    """Values by period (rows 0..n-1) and ``key`` (columns), missing as 0."""
    if df.empty:
        return pd.DataFrame(index=range(n))
    wide = df.pivot_table(index="period", columns=key, values=value, aggfunc="sum")
    return wide.reindex(range(n)).fillna(0.0).astype(float)


def stairs(ax, values, periods=None, from_first: bool = False, **style) -> None:
    """A step line that holds each period's value across the period's width;
    with ``from_first``, zeros before the first non-zero value are not drawn."""
    values = np.asarray(values, dtype=float)
    x = np.arange(len(values)) if periods is None else np.asarray(periods, dtype=float)
    shown = values.copy()
    if from_first:
        nonzero = np.flatnonzero(np.nan_to_num(values) != 0)
        shown[: nonzero[0] if len(nonzero) else len(values)] = np.nan
    ax.stairs(shown, np.append(x - 0.5, x[-1] + 0.5) if len(x) else [0], baseline=None,
              **style)


def colors_for(names: list[str]) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def site_names(plan: Plan) -> list[str]:
    return list(dict.fromkeys(table(plan, "capacity")["site"]))


def plan_instance(plan: Plan, instance: Instance | None = None) -> Instance | None:
    """The instance given, else the one the plan carries (``instance_data``),
    else None."""
    if instance is not None or not getattr(plan, "instance_data", None):
        return instance
    try:
        return parse_instance(plan.instance_data, source=plan.instance_name or "plan")
    except InstanceError:
        return None


def rented_techs(instance: Instance | None) -> set[str]:
    if instance is None:
        return set()
    return {k.name for k in instance.technologies if k.ownership == "rent"}


def leads(instance: Instance | None) -> tuple[dict[str, int], dict[str, int]]:
    """Build leads per site and unit leads per technology, in periods."""
    if instance is None:
        return {}, {}
    cal = instance.calendar
    build = {s.name: cal.lead(s.build.lead_months) for s in instance.sites}
    units = {k.name: cal.lead(k.lead_months) for k in instance.technologies}
    return build, units


def figure_legend(fig: Figure, axes: list) -> None:
    """One legend for the figure, each label once."""
    seen: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    if seen:
        fig.legend(list(seen.values()), list(seen), loc="outside right upper", fontsize=8)


def deadline_line(ax, periods: list[str]) -> None:
    d = len(periods) - 1
    ax.axvline(d, color="black", ls="--", lw=1.2, gid="deadline",
               label=f"deadline period {periods[d]}")

