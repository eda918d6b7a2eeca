"""Why an instance has no plan, in the instance's own units.

An elastic copy of the model (the relax-and-report approach): the limits that
can make an instance infeasible get a non-negative slack, and the copy
minimizes the slack, each relative to its limit. First only money and CO2
limits are elastic; if the commitments still cannot hold (too early for the
grid, the turbines or the halls), they are made elastic too, at a far higher
weight. Every rule left with slack is named, site by site and period by period.

When money or CO2 limits alone are to blame, each amount printed is true on
its own: every limit (a source's amount, per_month or max_per_site, the
balance-sheet limits, the cost and CO2 caps) is made elastic alone, by one
amount added to the limit as a user would raise it (every period of a
schedule alike, per_month per month), and the least such amount is what the
line says, rounded up. Several limits that each suffice alone are reported
as alternatives; when none suffices alone, the lines say that they must
change together, with amounts that together suffice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyomo.core as pyo

from planner.io.schema import Instance
from planner.model import build_model, prepare
from planner.model.data import ModelData
from planner.solver.diagnose_text import (
    Shortfall,
    commitment_lines,
    first_per_rule,
    limit_line,
)
from planner.solver.highs import HighsModel
from planner.solver.options import SolveOptions

MONEY_RULES = (
    "source_amount",
    "source_per_month",
    "source_max_per_site",
    "on_balance_sheet_debt",
    "off_balance_sheet",
    "max_total_cost",
)
CO2_RULES = ("max_co2",)
COMMITMENT_WEIGHT = 1e3  # a committed MW missed weighs far more than a limit exceeded
TOL = 1e-6
AND_LIMITS = (
    "and, meeting the commitments as far as they can be met, these limits fall short too "
    "(raising them does not make the commitments above possible on time):"
)
TOGETHER = "these limits must change together (the amounts are of one plan that meets them all):"


def _solve_elastic(instance: Instance, options: SolveOptions, commitments_elastic: bool):
    data = prepare(instance)
    m = build_model(data)
    made = []
    # Money and CO2 limits at weight 1, commitments (if elastic) far heavier.
    m_blocks: list = []
    for names, weight in (
        (MONEY_RULES + CO2_RULES, 1.0),
        (("commitment",) if commitments_elastic else (), COMMITMENT_WEIGHT),
    ):
        if not names:
            continue
        block = pyo.Block()
        m.add_component(f"elastic_{len(m_blocks)}", block)
        m_blocks.append(block)
        made += _elasticize_into(m, block, names, weight)
    if not made:  # nothing to relax: the copy is the model, infeasible as it is
        return None, data, m
    m.elastic_objective = pyo.Objective(
        expr=sum(b.elastic_weighted for b in m_blocks), sense=pyo.minimize
    )
    highs = HighsModel(m, {"elastic": m.elastic_objective}, options.highs_options())
    highs.set_objective("elastic", maximize=False)
    res = highs.run(options.time_limit, options.mip_gap, warm=False)
    if res.value is None:  # infeasible even so, or a limit stopped it
        return None, data, m
    highs.load()
    shortfalls = [
        Shortfall(
            name,
            idx,
            pyo.value(con.upper if con.upper is not None else con.lower),
            pyo.value(slack),
        )
        for name, idx, con, slack in made
        if pyo.value(slack)
        > TOL * max(1.0, abs(pyo.value(con.upper if con.upper is not None else con.lower)))
    ]
    return shortfalls, data, m


def _elasticize_into(m: pyo.ConcreteModel, block: pyo.Block, names, weight: float) -> list:
    made = []
    for name in names:
        comp = m.component(name)
        if comp is None:
            continue
        for idx in list(comp.keys()) if comp.is_indexed() else [None]:
            made.append((name, idx, comp[idx] if comp.is_indexed() else comp))
    block.slack = pyo.Var(range(len(made)), bounds=(0, None))
    block.cons = pyo.ConstraintList()
    terms = []
    for i, (_, _, con) in enumerate(made):
        con.deactivate()
        slack = block.slack[i]
        if con.upper is not None:
            block.cons.add(con.body - slack <= con.upper)
            scale = max(1.0, abs(pyo.value(con.upper)))
        else:
            block.cons.add(con.body + slack >= con.lower)
            scale = max(1.0, abs(pyo.value(con.lower)))
        terms.append(weight / scale * slack)
    block.elastic_weighted = pyo.Expression(expr=sum(terms))
    return [(name, idx, con, block.slack[i]) for i, (name, idx, con) in enumerate(made)]


def explain_infeasible(instance: Instance, options: SolveOptions | None = None) -> list[str]:
    """One line per rule that cannot hold, with the amounts; empty if none
    was found (the elastic copy itself hit a limit)."""
    options = options or SolveOptions()
    shortfalls, data, m = _solve_elastic(instance, options, commitments_elastic=False)
    if shortfalls:
        lines = _relaxation_lines(relaxations(instance, options, shortfalls), data)
        if lines:
            return lines
    if shortfalls is None:
        shortfalls, data, m = _solve_elastic(instance, options, commitments_elastic=True)
    if not shortfalls:
        return []
    commitments = [s for s in shortfalls if s.rule == "commitment"]
    lines = commitment_lines(commitments, data, m, instance)
    limits = [limit_line(s, data) for s in first_per_rule(shortfalls) if s.rule != "commitment"]
    if limits and lines:
        # The amounts are those of the elastic plan, which meets the
        # commitments as far as they can be met: no one of them is enough alone.
        lines.append(AND_LIMITS)
    elif len(limits) > 1:
        lines.append(TOGETHER)
    return lines + limits


# ------------------------------------------------------- limits to raise
MAX_GROUPS = 12  # limits tried alone, those with slack in the joint copy first


@dataclass
class Relaxation:
    """Raise ``rule`` (of source ``source``, or the instance's limit) by
    ``amount`` in its own unit: $M, $M a month (per_month) or Mt (max_co2).
    ``alone``: this change by itself makes the instance feasible; else it is
    one of several that must be made together."""

    rule: str
    source: str | None
    limit: float  # the limit now (the first period's, for a schedule)
    amount: float
    alone: bool


def _group(rule: str, idx) -> tuple[str, str | None]:
    if rule == "source_amount":
        return rule, idx
    if rule in ("source_per_month", "source_max_per_site"):
        return rule, idx[0]
    return rule, None


def _groups(m: pyo.ConcreteModel, d: ModelData) -> dict[tuple, list]:
    """Each limit a user can raise: its constraints, each with the amount
    its bound grows by when the limit grows by 1."""
    out: dict[tuple, list] = {}
    for name in MONEY_RULES + CO2_RULES:
        comp = m.component(name)
        if comp is None:
            continue
        for idx in list(comp.keys()) if comp.is_indexed() else [None]:
            coef = 1.0
            if name == "source_per_month":
                assert idx is not None, "source_per_month is indexed by (source, period)"
                f, t = idx
                coef = float(d.pm * (t - d.first_draw[f] + 1))
            out.setdefault(_group(name, idx), []).append(
                (comp[idx] if comp.is_indexed() else comp, coef)
            )
    return out


def _least_raise(instance: Instance, options: SolveOptions, keys: list[tuple]):
    """The least amounts that raise the limits ``keys`` (each by one amount,
    all others kept) enough for a plan; None when no amounts are enough."""
    data = prepare(instance)
    m = build_model(data)
    groups = _groups(m, data)
    m.raise_by = pyo.Var(range(len(keys)), bounds=(0, None))
    m.raised = pyo.ConstraintList()
    weights = []
    for i, key in enumerate(keys):
        scale = 1.0
        for con, coef in groups[key]:
            con.deactivate()
            if con.upper is not None:
                m.raised.add(con.body - coef * m.raise_by[i] <= con.upper)
                scale = max(scale, abs(pyo.value(con.upper)))
            else:
                m.raised.add(con.body + coef * m.raise_by[i] >= con.lower)
                scale = max(scale, abs(pyo.value(con.lower)))
        weights.append(1.0 / scale)
    m.least = pyo.Objective(expr=sum(w * m.raise_by[i] for i, w in enumerate(weights)))
    highs = HighsModel(m, {"least": m.least}, options.highs_options())
    highs.set_objective("least", maximize=False)
    res = highs.run(options.time_limit, options.mip_gap, warm=False)
    if res.value is None:
        return None
    highs.load()
    out = []
    for i, key in enumerate(keys):
        con = groups[key][0][0]
        limit = pyo.value(con.upper if con.upper is not None else con.lower)
        if key[0] == "source_per_month":
            limit = data.per_month[key[1]]
        out.append((key, limit, pyo.value(m.raise_by[i])))
    return out


def relaxations(
    instance: Instance,
    options: SolveOptions | None = None,
    shortfalls: list[Shortfall] | None = None,
) -> list[Relaxation]:
    """The limits whose raise alone makes an infeasible instance feasible,
    with the least amounts (rounded up); if none does, the limits that had
    slack in the joint elastic copy, with amounts that together do. Empty
    when money and CO2 limits are not what stops the instance."""
    options = options or SolveOptions()
    if shortfalls is None:
        shortfalls, _, _ = _solve_elastic(instance, options, commitments_elastic=False)
    if not shortfalls:
        return []
    data = prepare(instance)
    keys = list(_groups(build_model(data), data))
    blamed = list(dict.fromkeys(_group(s.rule, s.index) for s in shortfalls))
    order = blamed + [k for k in keys if k not in blamed]
    alone = []
    for key in order[:MAX_GROUPS]:
        found = _least_raise(instance, options, [key])
        if found is not None:
            ((_, limit, amount),) = found
            alone.append(Relaxation(key[0], key[1], limit, _up(amount, key[0]), True))
    if alone:
        return alone
    found = _least_raise(instance, options, blamed) or []
    return [
        Relaxation(key[0], key[1], limit, _up(amount, key[0]), False)
        for key, limit, amount in found
        if amount > TOL * max(1.0, abs(limit))
    ]


def _step(rule: str) -> float:
    return {"max_co2": 1e-5, "source_per_month": 0.01}.get(rule, 0.1)


def _up(amount: float, rule: str) -> float:
    """An amount rounded up to the step it is printed with (a little more
    than enough is still enough; a little less may not be)."""
    step = _step(rule)
    return max(step, math.ceil((amount - 1e-7 * max(1.0, amount)) / step) * step)


def _relaxation_lines(found: list[Relaxation], d: ModelData) -> list[str]:
    if not found:
        return []
    lines = []
    if len(found) > 1 and found[0].alone:
        lines.append("any one of these changes alone makes the instance feasible:")
    elif not found[0].alone:
        lines.append("these limits must change together (no one of them alone is enough):")
    return lines + [_raise_line(r, d) for r in found]


def _raise_line(r: Relaxation, d: ModelData) -> str:
    amount, need = r.amount, r.limit + r.amount
    if r.rule == "source_amount":
        return (
            f"funding: source {r.source} can give {r.limit:,.1f} $M, "
            f"the commitments need {need:,.1f} $M from it ({amount:,.1f} $M more)"
        )
    if r.rule == "source_per_month":
        return (
            f"funding: source {r.source} may lend {r.limit:,.2f} $M a month (per_month), "
            f"the commitments need {need:,.2f} $M a month ({amount:,.2f} $M more)"
        )
    if r.rule == "source_max_per_site":
        return (
            f"funding: source {r.source} may lend at most {r.limit:,.1f} $M to a site "
            f"(max_per_site), the commitments need {need:,.1f} $M ({amount:,.1f} $M more)"
        )
    if r.rule in ("on_balance_sheet_debt", "off_balance_sheet"):
        what = (
            "on-balance-sheet debt"
            if r.rule == "on_balance_sheet_debt"
            else "off-balance-sheet funding"
        )
        return (
            f"money: the {what} limit needs {amount:,.1f} $M more in every period "
            f"(now {_fmt_limit(r.rule, d)} $M)"
        )
    if r.rule == "max_total_cost":
        return (
            f"money: max_total_cost is {r.limit:,.1f} $M, "
            f"the commitments cost at least {need:,.1f} $M"
        )
    if r.rule == "max_co2":
        return f"co2: max_co2_mt is {r.limit:,.4g} Mt, the commitments emit at least {need:,.5g} Mt"
    return f"{r.rule}: {amount:,.4g} more"


def _fmt_limit(rule: str, d: ModelData) -> str:
    values = (d.on_bs_limit if rule == "on_balance_sheet_debt" else d.off_bs_limit).values()
    low, high = min(values), max(values)
    return f"{low:,.1f}" if low == high else f"{low:,.1f} to {high:,.1f}"
