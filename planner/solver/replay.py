"""A saved plan put back on its built model, without searching again.

A plan's tables determine its whole-number choices: units per site,
technology and period (the power table), whole blocks built (the capacity
table's built MW over the block size), tranches chosen (the grid table) and
sources used (the sources table). :func:`replay` sets those choices, then
runs the staged solve's clean-up (planner.solver.staged): the stages solved
again in order as LPs with the choices fixed, each held for the next. That
gives back the plan itself (its stage values; the continuous values of the
same optimum) in the time of a few LPs, where solving the instance again
takes the whole MIP search. Tools that start from a saved plan (explain,
report --explain) use it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from planner.results.plan import Plan
from planner.results.status import StageResult
from planner.solver.session import Session


class ReplayError(ValueError):
    """The plan's tables do not give back its plan on its instance's model."""


def _set(var, index, value: float) -> None:
    if index in var:
        var[index].set_value(float(value), skip_validation=True)


def set_choices(session: Session, plan: Plan) -> None:
    """Set the model's whole-number variables from the plan's tables (a
    choice the tables do not list is 0)."""
    d, m = session.data, session.model
    for var in (m.units, m.blocks, m.tranche_chosen, m.source_used):
        for v in var.values():
            v.set_value(0, skip_validation=True)
    power = plan.tables.get("power", pd.DataFrame())
    if not power.empty:
        onsite = power[power["source"] != "grid"]
        for site, period, source, units in zip(
            onsite["site"], onsite["period"], onsite["source"], onsite["units"], strict=True
        ):
            _set(m.units, (site, source, int(period)), units)
    capacity = plan.tables.get("capacity", pd.DataFrame())
    if not capacity.empty:
        for site, period, built in zip(
            capacity["site"], capacity["period"], capacity["built_mw"], strict=True
        ):
            if site in d.block:
                blocks = round((built - d.existing[site]) / d.block[site])
                _set(m.blocks, (site, int(period)), blocks)
    grid = plan.tables.get("grid", pd.DataFrame())
    if not grid.empty:
        rows = zip(grid["site"], grid["tranche"], grid["chosen"], strict=True)
        for site, tranche, chosen in rows:
            _set(m.tranche_chosen, (site, int(tranche)), 1 if bool(chosen) else 0)
    sources = plan.tables.get("sources", pd.DataFrame())
    if not sources.empty:
        for source, used in zip(sources["source"], sources["used"], strict=True):
            _set(m.source_used, source, 1 if bool(used) else 0)


def replay(session: Session, plan: Plan) -> list[StageResult]:
    """Load ``plan`` into ``session``'s model and HiGHS as its last plan and
    return its stages with the values this model gives them. Raises
    :class:`ReplayError` when no plan has the plan's choices, or when a
    stage's value differs from the one the plan reports (by more than the
    solver's tolerance): the plan is not this instance's."""
    if not plan.status.has_plan or not plan.stages:
        raise ReplayError("the file holds no plan to put back")
    stages = [replace(s) for s in plan.stages]
    terms = [s.term for s in stages]
    if any(t not in session.staged.maximize for t in terms):
        raise ReplayError(f"the plan's stages {terms} are not the model's")
    set_choices(session, plan)
    session.highs.warm_from_model()
    if not session.staged.clean_up(stages):
        raise ReplayError("no plan of the instance has the plan's whole-number choices")
    session.highs.load()
    for mine, theirs in zip(stages, plan.stages, strict=True):
        assert mine.value is not None  # the clean-up set every value
        if theirs.value is None or not math.isclose(
            mine.value, theirs.value, rel_tol=1e-6, abs_tol=1e-6
        ):
            raise ReplayError(
                f"the plan's choices give its {mine.term} stage {mine.value:,.6g}, "
                f"not {theirs.value} as the plan says"
            )
    return stages
