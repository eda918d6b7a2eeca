"""Solve an instance: HiGHS through Pyomo's persistent in-memory interface
(APPSI), with the staged objective of MODEL.md section 5.

The model is built once. Each stage swaps the objective and adds the bound
that holds the previous stage at its found value; the persistent solver takes
these changes in place, and each stage is warm-started from the plan of the
one before.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import highspy
import pyomo.environ as pyo
from pyomo.contrib.appsi.base import TerminationCondition as TC
from pyomo.contrib.appsi.solvers import Highs

from planner.instance import Instance
from planner.model import build_model, prepare
from planner.model.data import ModelData
from planner.model.read import clean, read_tables
from planner.plan import Plan, StageResult, Status

log = logging.getLogger(__name__)

MAXIMIZE = {"capacity": True, "capacity_time": True, "cost": False, "co2": False}
NUMERICAL_SAFETY = 1e-9  # MODEL.md 5: may be added to the stage tolerance


class SolverError(RuntimeError):
    """HiGHS stopped with an error (not a limit, not infeasibility)."""


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float | None = None  # seconds, for all stages together
    mip_gap: float = 1e-4  # relative MIP gap of each stage
    threads: int | None = None
    seed: int = 0
    verbose: bool = False  # stream HiGHS's log


def term_expression(m: pyo.ConcreteModel, term: str):
    return {
        "capacity": m.capacity,
        "capacity_time": m.capacity_time,
        "cost": m.total_cost,
        "co2": m.co2_mt,
    }[term]


class StagedSolver:
    """The persistent HiGHS solver of one built model, run stage by stage."""

    def __init__(self, model: pyo.ConcreteModel, options: SolveOptions):
        self.model = model
        self.options = options
        self.opt = Highs()
        self.opt.config.stream_solver = options.verbose
        self.opt.config.load_solution = False
        self.opt.config.mip_gap = options.mip_gap
        highs_options: dict = {"random_seed": options.seed}
        if options.threads:
            # HiGHS fixes its thread pool at the first run in a process; a
            # new thread count needs the pool reset first.
            highspy.Highs.resetGlobalScheduler(True)
            highs_options["threads"] = options.threads
        self.opt.highs_options = highs_options
        model.stage_bound = pyo.ConstraintList()

    def clear_holds(self) -> None:
        """Drop the bounds that held earlier stages (before a new run)."""
        if len(self.model.stage_bound):
            self.model.del_component("stage_bound")
            self.model.stage_bound = pyo.ConstraintList()

    def solve_stage(self, term: str, time_left: float | None, warm: bool) -> StageResult:
        m = self.model
        if m.component("objective") is not None:
            m.del_component("objective")
        sense = pyo.maximize if MAXIMIZE[term] else pyo.minimize
        m.objective = pyo.Objective(expr=term_expression(m, term), sense=sense)
        # None would leave an earlier run's limit on the persistent HiGHS.
        self.opt.config.time_limit = math.inf if time_left is None else max(time_left, 0.01)
        self.opt.config.warmstart = warm
        started = time.perf_counter()
        results = self.opt.solve(m)
        elapsed = time.perf_counter() - started
        tc = results.termination_condition
        value = results.best_feasible_objective
        if tc in (TC.infeasible, TC.infeasibleOrUnbounded):
            return StageResult(term, None, Status.infeasible, solve_s=elapsed)
        if tc == TC.error:
            raise SolverError(f"HiGHS failed in the {term} stage: {results}")
        if value is None or not math.isfinite(value):
            return StageResult(term, None, Status.no_plan, solve_s=elapsed)
        results.solution_loader.load_vars()
        bound = results.best_objective_bound
        gap = self._gap(value, bound)
        status = Status.optimal if tc == TC.optimal else Status.feasible
        return StageResult(term, value, status, gap, bound, elapsed)

    def _gap(self, value: float, bound: float | None) -> float | None:
        if bound is None or not math.isfinite(bound):
            return math.inf
        diff = abs(value - bound)
        if diff <= 1e-9 * max(1.0, abs(value)):
            return 0.0
        return diff / abs(value) if value != 0 else math.inf

    def hold(self, term: str, value: float, tolerance: float) -> None:
        """Keep a solved stage at its found value within the tolerance."""
        slack = (tolerance + NUMERICAL_SAFETY) * max(1.0, abs(value))
        expr = term_expression(self.model, term)
        if MAXIMIZE[term]:
            self.model.stage_bound.add(expr >= value - slack)
        else:
            self.model.stage_bound.add(expr <= value + slack)


class Session:
    """One instance, built once, with its persistent solver.

    ``run()`` solves the staged objective; later runs (another stage list, a
    relaxed limit, a time limit) reuse the built model and warm-start from the
    last plan found.
    """

    def __init__(self, instance: Instance, options: SolveOptions | None = None):
        self.instance = instance
        self.options = options or SolveOptions()
        self.timings: dict[str, float] = {}
        clock = time.perf_counter()
        self.data = prepare(instance)
        self.timings["prepare"] = time.perf_counter() - clock
        clock = time.perf_counter()
        self.model = build_model(self.data)
        self.timings["build"] = time.perf_counter() - clock
        self.solver = StagedSolver(self.model, self.options)
        self._has_values = False
        self._replaced: dict[tuple[str, object], pyo.Constraint] = {}
        self._bounds: dict[tuple[str, object], float | None] = {}
        self.model.replaced = pyo.ConstraintList()

    # ------------------------------------------------------------- solving
    def run(
        self, stages: list[str] | None = None, time_limit: float | None = ...
    ) -> tuple[Status, list[StageResult]]:
        """Solve the stages in order (default: the instance's), each held at
        its found value for the next."""
        stages = list(stages or self.instance.objective.stages)
        limit = self.options.time_limit if time_limit is ... else time_limit
        self.solver.clear_holds()
        deadline = None if limit is None else time.perf_counter() + limit
        results: list[StageResult] = []
        for term in stages:
            time_left = None if deadline is None else deadline - time.perf_counter()
            if time_left is not None and time_left <= 0 and results:
                log.info("time limit reached before stage %s", term)
                break
            stage = self.solver.solve_stage(term, time_left, warm=self._has_values)
            log.info("stage %s: %s, value %s, gap %s", term, stage.status, stage.value,
                     stage.mip_gap)
            if not stage.status.has_plan:
                if not results:
                    return stage.status, [stage]
                break  # a later stage found nothing: the previous plan stands
            self._has_values = True
            results.append(stage)
            self.solver.hold(term, stage.value, self.instance.objective.tolerance)
        complete = len(results) == len(stages)
        optimal = complete and all(s.status is Status.optimal for s in results)
        return (Status.optimal if optimal else Status.feasible), results

    def solve(self) -> Plan:
        clock = time.perf_counter()
        status, stages = self.run()
        self.timings["solve"] = time.perf_counter() - clock
        plan = self.read(status, stages)
        if status is Status.infeasible:
            from planner.diagnose import explain_infeasible  # builds its own elastic copy

            clock = time.perf_counter()
            plan.explanation = explain_infeasible(self.instance, self.options)
            plan.timings["diagnose"] = time.perf_counter() - clock
        return plan

    def read(self, status: Status, stages: list[StageResult]) -> Plan:
        """The plan of the values last loaded into the model."""
        plan = Plan(status=status, instance_name=self.instance.name, stages=stages,
                    timings=dict(self.timings))
        plan.periods = self.data.cal.labels()
        plan.instance_data = self.instance.model_dump(mode="json", by_alias=True, exclude_none=True)
        if not status.has_plan:
            plan.message = _no_plan_message(status)
            return plan
        clock = time.perf_counter()
        _read(plan, self.model, self.data, self.instance)
        plan.timings["read"] = time.perf_counter() - clock
        return plan

    # --------------------------------------------------------- what-if runs
    def replace(self, name: str, index, relation) -> None:
        """Put ``relation`` (a Pyomo relational expression) in place of
        constraint ``name[index]`` for the next runs, until :meth:`restore`."""
        comp = self.model.component(name)
        con = comp[index] if comp.is_indexed() else comp
        if (name, index) not in self._replaced:
            con.deactivate()
            self._replaced[name, index] = con
        self.model.replaced.add(relation)

    def replace_bound(self, name: str, index, lower=None, upper=None) -> None:
        """Give constraint ``name[index]`` new bounds (None keeps a side)."""
        comp = self.model.component(name)
        con = comp[index] if comp.is_indexed() else comp
        new_lower = con.lower if lower is None else lower
        new_upper = con.upper if upper is None else upper
        self.replace(name, index, (new_lower, con.body, new_upper))

    def set_upper(self, var: str, index, upper: float) -> None:
        """Raise or lower a variable's upper bound until :meth:`restore`."""
        v = self.model.component(var)[index]
        self._bounds.setdefault((var, index), v.ub)
        v.setub(upper)

    def restore(self) -> None:
        """Undo every replacement and bound change."""
        for con in self._replaced.values():
            con.activate()
        self._replaced.clear()
        for (var, index), ub in self._bounds.items():
            self.model.component(var)[index].setub(ub)
        self._bounds.clear()
        self.model.del_component("replaced")
        self.model.replaced = pyo.ConstraintList()


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_gap: float = 1e-4,
    threads: int | None = None,
    seed: int = 0,
    verbose: bool = False,
) -> Plan:
    """Solve an instance's staged objective and return the plan."""
    options = SolveOptions(time_limit, mip_gap, threads, seed, verbose)
    return Session(instance, options).solve()


def _read(plan: Plan, model: pyo.ConcreteModel, data: ModelData, instance: Instance) -> None:
    plan.tables = read_tables(model, data, instance)
    capacity = plan.tables["capacity"]
    plan.capacity_mw = clean(capacity.loc[capacity["period"] == data.D, "online_mw"].sum())
    plan.total_cost = clean(plan.tables["costs"]["cost_musd"].sum())
    plan.co2_mt = clean(pyo.value(model.co2_mt))
    last = plan.stages[-1]
    plan.mip_gap, plan.bound = last.mip_gap, last.bound


def _no_plan_message(status: Status) -> str:
    if status is Status.infeasible:
        return "no plan satisfies every commitment and limit of the instance"
    return "the time limit stopped the search before any plan was found"
