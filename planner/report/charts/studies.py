"""Charts of studies: a sweep's outcomes against the varied value, a risk
analysis's distribution, a frontier's trade-off, a stress test's curves."""

from __future__ import annotations

import numpy as np

from planner.studies.frontier import FrontierResult
from planner.studies.risk import RiskResult
from planner.studies.stress import StressResult
from planner.studies.sweep import SweepResult

# ------------------------------------------------------------------- sweep
DATE_FIELDS = {"start", "deadline", "energized", "paid", "available", "until", "date", "by", "from"}
FIELD_UNITS = {  # a field's last key -> its unit (docs/model.md)
    "price_per_mwh": "$/MWh",
    "variable_cost_per_mwh": "$/MWh",
    "co2_t_per_mwh": "t CO2/MWh",
    "capex_per_mw": "$M per MW",
    "compute_capex_per_mw": "$M per MW",
    "capex_per_unit": "$M per unit",
    "rent_per_unit_month": "$M per unit-month",
    "fixed_om_per_mw_year": "$M per MW-year",
    "max_mw_per_month": "MW per month",
    "per_month": "$M per month",
    "amount": "$M",
    "cost": "$M",
    "setup_cost": "$M",
    "max_per_site": "$M",
    "max_total_cost": "$M",
    "max_debt_on_balance_sheet": "$M",
    "max_off_balance_sheet": "$M",
    "value": "$M",
    "max_co2_mt": "Mt",
    "rate": "per year",
    "units": "units",
    "pue": "facility MW per IT MW",
    "availability": "fraction",
    "reserve_margin": "fraction",
}


def field_unit(path: str) -> str:
    """The unit of the field a sweep path names, e.g. ``months`` for
    ``sites[*].grid.tranches[*].wait_months``, ``month`` for a date."""
    key = path.rsplit(".", 1)[-1].split("[")[0]
    if key in DATE_FIELDS:
        return "month"
    if key in FIELD_UNITS:
        return FIELD_UNITS[key]
    if key.endswith("_months"):
        return "months"
    if key == "mw" or key.endswith("_mw"):
        return "MW"
    return "as in the file"


def axis_label(path: str, values: list) -> str:
    """``path (unit)``; for shifts, the change and its unit (months for a date)."""
    unit = field_unit(path)
    shifts = bool(values) and all(isinstance(v, str) and v[:1] in "+-" for v in values)
    if shifts:
        return f"{path}, shifted by ({'months' if unit == 'month' else unit})"
    return f"{path} ({unit})"


def sweep_chart(result: SweepResult, title: str = ""):
    """Capacity (upper panel) and cost (lower panel) against the first swept
    value, each with its unit; one line per combination of the other swept
    values (one colour each, the same in both panels)."""
    from planner.report.charts.kit import FONT_PT, keep_inside, new_figure

    df = result.rows
    x_path = result.paths[0]
    others = result.paths[1:]
    fig, (ax, ax2) = new_figure(9.0, 6.0, 2, 1)
    values = list(dict.fromkeys(df[x_path]))
    kinds = {type(v) for v in values}
    categorical = str in kinds
    position = {v: i for i, v in enumerate(values)} if categorical else None
    groups = list(df.groupby(others, sort=False)) if others else [((), df)]
    for n, (key, part) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{p}={k}" for p, k in zip(others, key, strict=True))
        xs = [position[v] if position is not None else v for v in part[x_path]]
        one = len(groups) == 1
        ax.plot(
            xs,
            part["capacity_mw"],
            marker="o",
            color="#1f77b4" if one else f"C{n % 10}",
            label=label or "capacity",
            gid=f"capacity-{n}",
        )
        ax2.plot(
            xs,
            part["total_cost"],
            marker="s",
            linestyle="--",
            color="#d95f02" if one else f"C{n % 10}",
            label=label or "cost",
            gid=f"cost-{n}",
        )
    if categorical:
        ax2.set_xticks(range(len(values)))
        long = max(len(str(v)) for v in values) > 7
        ax2.set_xticklabels(
            [str(v) for v in values],
            rotation=45 if long else 0,
            ha="right" if long else "center",
            rotation_mode="anchor",
            fontsize=FONT_PT,
        )
    ax2.set_xlabel(axis_label(x_path, values))
    ax.set_ylabel("IT MW online\nat the deadline (MW)")
    ax2.set_ylabel("total cost ($M)")
    for a in (ax, ax2):
        a.grid(alpha=0.3)
    if others:
        fig.legend(
            *ax.get_legend_handles_labels(),
            loc="outside lower center",
            ncols=min(3, len(groups)),
            fontsize=FONT_PT,
        )
    ax.set_title(title or f"capacity and cost against {x_path}")
    return keep_inside(fig)


def frontier_chart(result: FrontierResult):
    """Capacity at the deadline against total cost, one marker per point."""
    from planner.report.charts.kit import FONT_PT, keep_inside, new_figure

    fig, (ax,) = new_figure(8.0, 4.5)
    eff = result.efficient()
    ax.plot(
        eff["total_cost"],
        eff["capacity_mw"],
        marker="o",
        drawstyle="default",
        color="#4c72b0",
        label="efficient",
        gid="frontier",
    )
    dom = result.rows[result.rows["dominated"]]
    if len(dom):
        ax.scatter(
            dom["total_cost"],
            dom["capacity_mw"],
            marker="x",
            color="#c44e52",
            label="dominated",
            gid="dominated",
        )
        ax.legend(fontsize=FONT_PT)
    ax.set_xlabel("total cost through the deadline ($M)")
    ax.set_ylabel("IT MW online at the deadline (MW)")
    ax.grid(alpha=0.3)
    ax.set_title(f"{result.instance}: capacity against cost")
    return keep_inside(fig)


def risk_chart(result: RiskResult):
    """A histogram of the capacity at the deadline, with the plan's capacity,
    the target and P10/P50/P90 marked (quantiles that coincide share a label)."""
    from planner.report.charts.kit import FONT_PT, keep_inside, new_figure
    from planner.report.display import number

    fig, (ax,) = new_figure(8.0, 4.0)
    x = result.capacity
    if len(x):
        ax.hist(
            x,
            bins=min(40, max(5, len(np.unique(x)))),
            color="#4c72b0",
            alpha=0.8,
            gid="capacity-histogram",
        )
        s = result.stats()
        marks: dict[float, list[str]] = {}
        for q, style in (("p10", ":"), ("p50", "--"), ("p90", ":")):
            ax.axvline(s[q], color="k", linestyle=style, linewidth=1, gid=q)
            marks.setdefault(round(float(s[q]), 6), []).append(q.upper())
        for i, (value, names) in enumerate(marks.items()):
            ax.annotate(
                f"{' = '.join(names)} {number(value, ',.0f')} MW",
                (value, 1),
                xycoords=("data", "axes fraction"),
                xytext=(3, -4 - 14 * i),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=FONT_PT,
            )
    ax.axvline(
        result.target_mw,
        color="#c44e52",
        linewidth=1.5,
        gid="target",
        label=f"target {number(result.target_mw, ',.0f')} MW",
    )
    ax.annotate(
        f"target {number(result.target_mw, ',.0f')} MW",
        (result.target_mw, 0),
        xycoords=("data", "axes fraction"),
        xytext=(3, 4),
        textcoords="offset points",
        ha="left",
        va="bottom",
        color="#c44e52",
        fontsize=FONT_PT,
    )
    ax.set_xlabel("IT MW online at the deadline (MW)")
    ax.set_ylabel("samples (count)")
    ax.set_title(f"{result.instance}: capacity at the deadline over {len(x)} samples")
    return keep_inside(fig)


# ------------------------------------------------------------------ stress
STRESS_AXES = {
    "fraction": "size of the shock (fraction)",
    "bp": "rate rise (bp)",
    "overrun": "capex overrun (factor - 1)",
}


def stress_chart(result: StressResult):
    """MW at the deadline against the size of each shock (one panel per unit)."""
    from planner.report.charts.kit import FONT_PT, keep_inside, new_figure

    units = list(dict.fromkeys(c.unit for c in result.curves))
    fig, axes = new_figure(8.0, 3.6 * max(1, len(units)), max(1, len(units)), 1)
    for ax, unit in zip(axes, units, strict=False):
        for c in result.curves:
            if c.unit != unit:
                continue
            df = c.rows.dropna(subset=["capacity_mw"])
            ax.plot(
                df["size"],
                df["capacity_mw"],
                marker=".",
                label=c.shock.label,
                gid=f"curve-{c.shock.label}",
            )
        ax.axhline(result.base["capacity_mw"], color="k", linestyle=":", linewidth=1)
        ax.set_xlabel(STRESS_AXES[unit], fontsize=FONT_PT)
        ax.set_ylabel("IT MW online at the deadline (MW)", fontsize=FONT_PT)
        ax.tick_params(labelsize=FONT_PT)
        ax.legend(fontsize=FONT_PT)
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{result.instance}: credit stress of {result.plan_source}")
    return keep_inside(fig)
