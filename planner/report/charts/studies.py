"""Charts of studies: a sweep's outcomes against the varied value, a risk
analysis's distribution, a frontier's trade-off."""

from __future__ import annotations

import numpy as np

from planner.studies.frontier import FrontierResult
from planner.studies.risk import RiskResult
from planner.studies.sweep import SweepResult


# ------------------------------------------------------------------- chart
def sweep_chart(result: SweepResult, title: str = ""):
    """Capacity (left axis) and cost (right axis) against the first swept
    value; one line per combination of the other swept values."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    df = result.rows
    x_path = result.paths[0]
    others = result.paths[1:]
    fig = Figure(figsize=(9, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax2 = ax.twinx()
    values = list(dict.fromkeys(df[x_path]))
    kinds = {type(v) for v in values}
    categorical = str in kinds
    position = {v: i for i, v in enumerate(values)} if categorical else None
    groups = df.groupby(others, sort=False) if others else [((), df)]
    for n, (key, part) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{p}={k}" for p, k in zip(others, key, strict=True))
        xs = [position[v] if position is not None else v for v in part[x_path]]
        color = f"C{n % 10}"
        ax.plot(xs, part["capacity_mw"], marker="o", color=color,
                label=("capacity " + label).strip(), gid=f"capacity-{n}")
        ax2.plot(xs, part["total_cost"], marker="s", linestyle="--", color=color, alpha=0.6,
                 label=("cost " + label).strip(), gid=f"cost-{n}")
    if categorical:
        ax.set_xticks(range(len(values)))
        ax.set_xticklabels([str(v) for v in values], rotation=45, ha="right", fontsize=8)
    ax.set_xlabel(x_path)
    ax.set_ylabel("IT MW online at the deadline")
    ax2.set_ylabel("total cost ($M)")
    ax.grid(alpha=0.3)
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [str(ln.get_label()) for ln in lines], fontsize=8, loc="best")
    ax.set_title(title or f"capacity and cost against {x_path}")
    return fig


def frontier_chart(result: FrontierResult):
    """Capacity at the deadline against total cost, one marker per point."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    eff = result.efficient()
    ax.plot(eff["total_cost"], eff["capacity_mw"], marker="o", drawstyle="default",
            color="#4c72b0", gid="frontier")
    dom = result.rows[result.rows["dominated"]]
    if len(dom):
        ax.scatter(dom["total_cost"], dom["capacity_mw"], marker="x", color="#c44e52",
                   label="dominated", gid="dominated")
        ax.legend(fontsize=8)
    ax.set_xlabel("total cost ($M)")
    ax.set_ylabel("IT MW online at the deadline")
    ax.grid(alpha=0.3)
    ax.set_title(f"{result.instance}: capacity against cost")
    return fig


def risk_chart(result: RiskResult):
    """A histogram of the capacity at the deadline, with the plan's capacity,
    the target and P10/P50/P90 marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    x = result.capacity
    if len(x):
        ax.hist(x, bins=min(40, max(5, len(np.unique(x)))), color="#4c72b0", alpha=0.8,
                gid="capacity-histogram")
        s = result.stats()
        for q, style in (("p10", ":"), ("p50", "--"), ("p90", ":")):
            ax.axvline(s[q], color="k", linestyle=style, linewidth=1, gid=q)
            ax.annotate(q.upper(), (s[q], 1), xycoords=("data", "axes fraction"),
                        ha="center", va="bottom", fontsize=8)
    ax.axvline(result.target_mw, color="#c44e52", linewidth=1.5, gid="target",
               label=f"target {result.target_mw:,.0f} MW")
    ax.set_xlabel("IT MW online at the deadline")
    ax.set_ylabel("samples")
    ax.legend(fontsize=8)
    ax.set_title(f"{result.instance}: capacity at the deadline over {len(x)} samples", pad=14)
    return fig
