"""Re-solve a built model for another instance that differs from it only in
right-hand sides and bounds.

Two instances whose :class:`~planner.model.data.ModelData` have the same index
sets and coefficients, and differ only in the numbers listed in
:data:`RHS_FIELDS` (amounts and caps of money, supply, permits, campus limits,
commissioning rates, commitment floors), have models that differ only in
constraint bounds and variable bounds. :func:`apply_rhs` moves those bounds on
a built :class:`~planner.solver.session.Session` (undone by ``Session.restore()``), so
the persistent solver re-solves in place, warm-started from its last plan,
instead of building and handing over a new model.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pyomo.core as pyo

from planner.model.data import ModelData
from planner.model.funding import most_drawable
from planner.solver.session import Session

# Fields whose values (not keys) may differ between a built model and the
# instance it is re-solved for.
RHS_FIELDS = (
    "amount",
    "per_month",
    "max_per_site",
    "on_bs_limit",
    "off_bs_limit",
    "max_total_cost",
    "max_co2",
    "supply_cap",
    "unit_ub",
    "max_it",
    "onsite_max",
    "rate_cap",
    "commitment",
)
_OPTIONAL = ("max_total_cost", "max_co2")  # None means no constraint at all


def same_structure(a: ModelData, b: ModelData) -> bool:
    """True when a model built for ``a`` can be re-solved for ``b`` by
    :func:`apply_rhs`: every field equal but the values of :data:`RHS_FIELDS`."""
    for f in dataclasses.fields(ModelData):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name in _OPTIONAL:
            if (x is None) != (y is None):
                return False
        elif f.name in RHS_FIELDS:
            if isinstance(x, dict) and list(x) != list(y):
                return False
        elif x != y:
            return False
    return True


def structure_key(d: ModelData) -> str:
    """A fingerprint equal for two model data exactly when
    :func:`same_structure` holds between them."""
    parts: list[Any] = []
    for f in dataclasses.fields(ModelData):
        x = getattr(d, f.name)
        if f.name in _OPTIONAL:
            parts.append(x is None)
        elif f.name in RHS_FIELDS:
            parts.append(list(x) if isinstance(x, dict) else None)
        else:
            parts.append(x)
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def apply_rhs(session: Session, new: ModelData) -> int:
    """Move the bounds of ``session``'s model from its data to ``new``'s
    (which must have :func:`same_structure`). Returns the number of bounds
    moved; ``session.restore()`` undoes them."""
    d, m = session.data, session.model
    moved = 0

    def bound(name: str, index, lower=None, upper=None) -> None:
        nonlocal moved
        comp = m.component(name)
        if comp is None or (comp.is_indexed() and index not in comp):
            return
        session.replace_bound(name, index, lower=lower, upper=upper)
        moved += 1

    def var_upper(name: str, index, upper: float) -> None:
        nonlocal moved
        var = m.component(name)
        if index in var and var[index].ub != upper:  # the built bound
            session.set_upper(name, index, upper)
            moved += 1

    setup_changed = set()
    for f in d.amount:
        if d.amount[f] != new.amount[f]:
            bound("source_amount", f, upper=new.amount[f])
            setup_changed.add(f)
    for f in d.per_month:
        if d.per_month[f] != new.per_month[f]:
            for g, t in [i for i in m.source_per_month if i[0] == f]:
                bound(
                    "source_per_month",
                    (g, t),
                    upper=new.per_month[f] * new.pm * (t - new.first_draw[f] + 1),
                )
            setup_changed.add(f)
    for f in sorted(setup_changed, key=d.sources.index):
        if f in m.source_used:
            session.replace(
                "source_setup",
                f,
                None,
                m.outstanding_musd[f, new.D] - most_drawable(new, f) * m.source_used[f],
                0.0,
            )
            moved += 1
    for f in d.max_per_site:
        if d.max_per_site[f] != new.max_per_site[f]:
            for key in [i for i in m.source_max_per_site if i[0] == f]:
                bound("source_max_per_site", key, upper=new.max_per_site[f])
    for name, old, now in (
        ("on_balance_sheet_debt", d.on_bs_limit, new.on_bs_limit),
        ("off_balance_sheet", d.off_bs_limit, new.off_bs_limit),
    ):
        for t in old:
            if old[t] != now[t]:
                bound(name, t, upper=now[t])
    if d.max_total_cost is not None and d.max_total_cost != new.max_total_cost:
        bound("max_total_cost", None, upper=new.max_total_cost)
    if d.max_co2 is not None and d.max_co2 != new.max_co2:
        bound("max_co2", None, upper=new.max_co2)
    for key in d.supply_cap:
        if d.supply_cap[key] != new.supply_cap[key]:
            bound("supply_limit", key, upper=new.supply_cap[key])
    for key in d.unit_ub:
        if d.unit_ub[key] != new.unit_ub[key]:
            var_upper("units", key, new.unit_ub[key])
    free = set(d.built_index)
    for s in d.max_it:
        if d.max_it[s] != new.max_it[s]:
            for t in d.periods:
                if (s, t) in free:
                    var_upper("built_mw", (s, t), new.max_it[s])
                var_upper("online_mw", (s, t), new.max_it[s])
    for s in d.onsite_max:
        if d.onsite_max[s] != new.onsite_max[s]:
            for key in [i for i in m.onsite_permit if i[0] == s]:
                bound("onsite_permit", key, upper=new.onsite_max[s])
    for s in d.rate_cap:
        if d.rate_cap[s] != new.rate_cap[s]:
            for key in [i for i in m.build_rate if i[0] == s]:
                bound("build_rate", key, upper=new.rate_cap[s])
    for key in d.commitment:
        if d.commitment[key] != new.commitment[key]:
            bound("commitment", key, lower=new.commitment[key])
    return moved


def term_values(m: pyo.ConcreteModel) -> tuple[float, float, float]:
    """Capacity at the deadline, total cost and CO2 of the loaded plan."""
    from planner.results.read import clean

    return (
        clean(pyo.value(m.capacity)),
        clean(pyo.value(m.total_cost)),
        clean(pyo.value(m.co2_mt)),
    )
