"""Shared pieces of the plan charts: tables with their columns even when
empty, the figure and period axis, palettes, step lines, and the sizes that
keep a chart readable in the report.

Figures are made on the Agg canvas without pyplot, so no screen and no global
state are involved. The report shows them at :data:`DPI` and at most
:data:`MAX_WIDTH_IN` wide, so one pixel of the PNG is one pixel on the page;
no text is smaller than :data:`FONT_PT` (a capital letter at least 9 px
high), and :func:`keep_inside` moves annotations that would cross their
axes' frame.
Every figure is a :class:`LiteralFigure`: the names of sites, technologies,
sources and instances go into it as written (a ``$`` is a dollar sign, never
the start of math text).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from planner.io.errors import InstanceError
from planner.io.load import parse_instance
from planner.io.schema import Instance
from planner.report.display import period_spans
from planner.results.plan import Plan
from planner.results.tables import COLUMNS

PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]
USE_COLORS = {
    "facility": "#4c72b0",
    "compute": "#8172b3",
    "power": "#dd8452",
    "grid": "#55a868",
    "rent": "#c44e52",
}
GRID_COLOR = "#2a9d8f"
RENT_HATCH = "///"
PAID_MARKER = r"$\$$"
DPI = 100  # the report's resolution: PNG pixels per inch, shown 1:1 on the page
MAX_WIDTH_IN = 10.8  # the report's column is 1,090 px wide
FONT_PT = 9  # the smallest text: 12.5 px at DPI, capitals 9 px high
TITLE_PT = 11


# ------------------------------------------------------------------ helpers
def table(plan: Plan, name: str) -> pd.DataFrame:
    """A plan table with its documented columns, even when it is empty."""
    df = plan.tables.get(name)
    if df is None or df.empty or not set(COLUMNS[name]) <= set(df.columns):
        return pd.DataFrame(columns=list(COLUMNS[name]))
    return df


class LiteralFigure(Figure):
    """A figure whose texts are all drawn literally: matplotlib would read
    a name such as ``$a$b`` as math text (and fail, or drop its dollar signs).
    Titles, labels, legends, annotations and tick labels alike, whenever they
    were added, are made literal just before the figure is drawn."""

    def draw(self, renderer):
        import matplotlib

        for text in self.findobj(Text):
            text.set_parse_math(False)
        with matplotlib.rc_context({"text.parse_math": False}):  # texts made while drawing
            return super().draw(renderer)


def literal_figure(**kwargs) -> LiteralFigure:
    """A :class:`LiteralFigure` on the Agg canvas (``kwargs`` as for Figure)."""
    fig = LiteralFigure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def new_figure(width: float = 9.0, height: float = 4.0, nrows: int = 1, ncols: int = 1):
    fig = literal_figure(figsize=(min(width, MAX_WIDTH_IN), height), dpi=DPI, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    return fig, [ax for row in axes for ax in row]


def period_axis(ax, periods: list[str]) -> None:
    """Ticks at period numbers, labelled by their months ("2028-10–12"),
    thinned to about a dozen."""
    n = len(periods)
    step = max(1, math.ceil(n / 12))
    ticks = list(range(0, n, step))
    labels = period_spans(periods, short=True)
    ax.set_xticks(ticks)
    ax.set_xticklabels(
        [labels[t] for t in ticks],
        rotation=45,
        ha="right",
        fontsize=FONT_PT,
        rotation_mode="anchor",
    )
    ax.tick_params(axis="y", labelsize=FONT_PT)
    ax.set_xlim(-0.5, max(n, 1) - 0.5)
    ax.grid(axis="y", alpha=0.3)


def headroom(ax) -> None:
    """A margin above the tallest stack: a zero-height segment on top of a
    stack is a sticky edge that would otherwise pin the axis to it."""
    ax.use_sticky_edges = False
    ax.autoscale_view(scalex=False)
    ax.set_ylim(bottom=0)


def no_data(ax, note: str) -> None:
    ax.text(
        0.5,
        0.5,
        note,
        ha="center",
        va="center",
        transform=ax.transAxes,
        color="0.4",
        fontsize=FONT_PT + 1,
    )
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
    ax.stairs(shown, np.append(x - 0.5, x[-1] + 0.5) if len(x) else [0], baseline=None, **style)


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


def legend_label(name: str) -> str:
    """A user's name as a legend label: matplotlib leaves out of a legend any
    label that begins with ``_``, so such a name is led by a zero-width space
    (drawn as nothing) and is shown as written."""
    return "\u200b" + name if name.startswith("_") else name


def figure_legend(fig: Figure, axes: list) -> None:
    """One legend for the figure, each label once."""
    seen: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    if seen:
        fig.legend(
            list(seen.values()),
            list(seen),
            loc="outside lower center",
            ncols=min(4, len(seen)),
            fontsize=FONT_PT,
        )


def deadline_line(ax, periods: list[str]) -> None:
    d = len(periods) - 1
    ax.axvline(
        d,
        color="black",
        ls="--",
        lw=1.2,
        gid="deadline",
        label=f"deadline period {period_spans(periods)[d]}",
    )


# ------------------------------------------------------------ inside the frame
def keep_inside(fig: Figure, pad: float = 3.0) -> Figure:
    """Lay the figure out once and fix that layout, then place each
    annotation inside its axes' frame: one that would cross the right (left)
    edge is turned to end (start) at its point, one that would cross the top
    (bottom) goes below (above) it, and one that would overlap an annotation
    already placed in the same axes is tried on the other side, else hidden.
    Annotations take no part in the layout, so moving them changes nothing else."""
    for ax in fig.axes:
        for text in ax.texts:
            text.set_in_layout(False)
    fig.canvas.draw()
    fig.set_layout_engine("none")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # the Agg canvas
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        frame = ax.get_window_extent(renderer)
        placed: list = []
        for text in [t for t in ax.texts if t.get_visible() and hasattr(t, "xyann")]:
            _place(text, frame, placed, renderer, pad)
    return fig


def _place(text, frame, placed: list, renderer, pad: float) -> None:
    if text.get_anncoords() != "offset points":
        return
    x, y = text.xyann
    ha, va = text.get_horizontalalignment(), text.get_verticalalignment()
    sides = [(y, va)]
    if y != 0:
        sides.append((-y, "top" if y > 0 else "bottom"))
    for dy, side in sides:
        text.xyann = (x, dy)
        text.set_horizontalalignment(ha)
        text.set_verticalalignment(side)
        box = text.get_window_extent(renderer)
        if box.x1 > frame.x1 - pad:
            text.xyann = (-abs(x), dy)
            text.set_horizontalalignment("right")
        elif box.x0 < frame.x0 + pad:
            text.xyann = (abs(x), dy)
            text.set_horizontalalignment("left")
        box = text.get_window_extent(renderer)
        inside = (
            frame.x0 + pad <= box.x0
            and box.x1 <= frame.x1 - pad
            and frame.y0 + pad <= box.y0
            and box.y1 <= frame.y1 - pad
        )
        if inside and not any(box.padded(pad).overlaps(other) for other in placed):
            placed.append(box)
            return
    text.set_visible(False)
