"""A Pyomo model handed to HiGHS in memory, through Pyomo's standard-form
compiler and highspy.

The model is compiled once to sparse arrays (every objective term as a row of
costs); HiGHS keeps the model between runs, so a new objective, an added or
changed row, a changed bound and a warm start are each a call on the same
``Highs`` object. At 500 sites this hands the model over several times
faster than Pyomo's APPSI interface (BENCHMARKS.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.repn import generate_standard_repn
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from planner.solver.compiler import log_to_stderr, new_highs, sparse_hooks
from planner.solver.options import LOOKAHEAD
from planner.solver.starts import StartingPlans

INF = highspy.kHighsInf
# Set when Ctrl-C (or SIGTERM, or a pool's request to stop) has stopped a run
# of HiGHS: every run in this process stops as soon as it sees it, and loops
# over many solves (sweeps, Monte Carlo, frontiers) stop after the current one.
STOP = threading.Event()


@dataclass
class RunResult:
    status: str  # "optimal", "limit" (a limit stopped the search), "infeasible", "error"
    value: float | None  # objective of the best plan found (None: no plan)
    bound: float | None
    gap: float | None
    seconds: float
    message: str = ""


class HighsModel(StartingPlans):
    """One compiled Pyomo model inside one persistent ``highspy.Highs``."""

    def __init__(
        self,
        model: pyo.ConcreteModel,
        objectives: dict[str, pyo.Objective],
        options: dict | None = None,
        round_up: list | None = None,
        adjust_rounding=None,
    ):
        """``round_up``: integer variables that a rounded start takes up, not
        down (choices that only enable others, such as a source's setup).
        ``adjust_rounding`` may mend a rounded start in place (a vector over
        all columns) where rounding each variable alone breaks a rule."""
        started = time.perf_counter()
        for obj in model.component_data_objects(pyo.Objective, active=True):
            obj.deactivate()
        for obj in objectives.values():
            obj.activate()
        sparse_hooks()
        info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
        for obj in objectives.values():
            obj.deactivate()
        self.compile_s = time.perf_counter() - started

        started = time.perf_counter()
        self.columns = info.columns
        self.column_of = {id(v): j for j, v in enumerate(self.columns)}
        n = len(self.columns)
        self.costs = {
            name: np.asarray(info.c[[i], :].toarray()).ravel() for i, name in enumerate(objectives)
        }
        offsets = np.asarray(info.c_offset, dtype=float).ravel()
        self.offsets = dict(zip(objectives, offsets, strict=True))
        self.integer = np.array([v.is_integer() or v.is_binary() for v in self.columns])

        lower = np.array([-INF if v.lb is None else v.lb for v in self.columns], dtype=float)
        upper = np.array([INF if v.ub is None else v.ub for v in self.columns], dtype=float)
        rhs = np.asarray(info.rhs, dtype=float)
        kind = np.array([r.bound_type for r in info.rows], dtype=int)
        # bound_type 0: body == rhs, 1: body <= rhs, -1: body >= rhs
        row_lower = np.where(kind <= 0, rhs, -INF)
        row_upper = np.where(kind >= 0, rhs, INF)
        self.rows_of: dict[int, list[int]] = {}
        for i, r in enumerate(info.rows):
            self.rows_of.setdefault(id(r.constraint), []).append(i)
        self._row_constraint = [r.constraint for r in info.rows]

        A = info.A.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, A.shape[0]
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_, lp.col_upper_ = lower, upper
        lp.row_lower_, lp.row_upper_ = row_lower, row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data.astype(float)
        if self.integer.any():
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                for i in self.integer
            ]
        self.h = new_highs()
        self.h.setOptionValue("output_flag", False)
        for key, value in (options or {}).items():
            self.h.setOptionValue(key, value)
        if (options or {}).get("output_flag"):
            log_to_stderr(self.h)
        self.h.passModel(lp)
        self.lower, self.upper = lower, upper  # current column bounds, kept in step
        self.int_idx = np.flatnonzero(self.integer).astype(np.int32)
        self.binary = np.array([v.is_binary() for v in self.columns])
        self.adjust_rounding = adjust_rounding
        self.round_up = np.zeros(n, dtype=bool)
        for v in round_up or ():
            if id(v) in self.column_of:
                self.round_up[self.column_of[id(v)]] = True
        self.h.HandleKeyboardInterrupt = True  # HiGHS polls for a stop request
        self.interrupted = False
        self.finishing = False  # the clean-up LP runs even after a stop was asked for
        self.lookahead = False  # the objective carries the next stage's term (set_objective)
        self.objective_cost, self.objective_offset = np.zeros(n), 0.0  # what HiGHS optimizes
        self.relaxation_s = 0.0  # the first stage's LP relaxation, as find_start solved it
        self.fixed_lp_s = 0.0  # the longest LP with choices fixed so far: what a clean-up costs
        self.n_rows = A.shape[0]
        self.solution: np.ndarray | None = None
        # watch(elapsed, incumbent, bound, gap): called from this thread
        # while a run goes on, when HiGHS's MIP callbacks told something new
        self.watch: Callable[[float, float | None, float | None, float | None], None] | None = None
        self._seen: tuple | None = None  # the last values the callbacks gave
        self._watching = False
        self.handover_s = time.perf_counter() - started

    # ----------------------------------------------------------- objective
    def set_objective(self, term: str, maximize: bool, then: str | None = None) -> None:
        """Make ``term`` the objective. With ``then``, HiGHS's objective is
        ``term + LOOKAHEAD * then``: among plans as good for ``term``, it
        prefers those better for the next stage (both maximized, ``then``
        never negative, so HiGHS's bound stays a bound of ``term``); values,
        bounds and gaps are still reported for ``term`` alone."""
        n = len(self.columns)
        self.cost, self.offset = self.costs[term], float(self.offsets[term])
        self.lookahead = then is not None
        cost, offset = self.cost, self.offset
        if then is not None:
            cost = cost + LOOKAHEAD * self.costs[then]
            offset += LOOKAHEAD * float(self.offsets[then])
        self.objective_cost, self.objective_offset = cost, offset
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        self.h.changeObjectiveOffset(offset)
        sense = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        self.h.changeObjectiveSense(sense)

    # ---------------------------------------------------------------- rows
    def add_term_row(self, term: str, lower: float, upper: float) -> int:
        """A row ``lower <= term <= upper`` (the term's offset moved to the sides)."""
        c = self.costs[term]
        idx = np.flatnonzero(c).astype(np.int32)
        off = float(self.offsets[term])
        return self.add_row(lower - off, upper - off, idx, c[idx])

    def add_row(self, lower: float | None, upper: float | None, idx, values) -> int:
        lower = -INF if lower is None or lower == -math.inf else lower
        upper = INF if upper is None or upper == math.inf else upper
        self.h.addRow(
            lower, upper, len(idx), np.asarray(idx, dtype=np.int32), np.asarray(values, dtype=float)
        )
        self.n_rows += 1
        return self.n_rows - 1

    def add_relation(self, lower, body, upper) -> int:
        """``lower <= body <= upper`` (a side may be None) as a new row."""
        repn = generate_standard_repn(body, compute_values=True, quadratic=False)
        idx = [self.column_of[id(v)] for v in repn.linear_vars]
        const = float(repn.constant)
        lo = None if lower is None else pyo.value(lower) - const
        up = None if upper is None else pyo.value(upper) - const
        return self.add_row(lo, up, idx, list(repn.linear_coefs))

    def constraint_rows(self, con) -> list[int]:
        return self.rows_of.get(id(con), [])

    def row_bounds(self, row: int) -> tuple[float, float]:
        lp = self.h.getLp()
        return lp.row_lower_[row], lp.row_upper_[row]

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        self.h.changeRowBounds(row, lower, upper)

    # ------------------------------------------------------------- columns
    def column(self, var) -> int | None:
        return self.column_of.get(id(var))

    def set_col_upper(self, col: int, upper: float) -> float:
        old = self.upper[col]
        self.upper[col] = upper
        self.h.changeColBounds(col, self.lower[col], upper)
        return old

    # --------------------------------------------------------------- solve
    def run(self, time_limit: float | None, mip_gap: float, warm: bool) -> RunResult:
        if self.interrupted or STOP.is_set():  # stopped before this run could start
            self.interrupted = True
            return RunResult("limit", None, None, None, 0.0, "interrupted")
        self.h.setOptionValue("time_limit", INF if time_limit is None else max(time_limit, 0.01))
        self.h.setOptionValue("mip_rel_gap", mip_gap)
        if warm and self.solution is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(self.solution)
            sol.value_valid = True
            self.h.setSolution(sol)
        started = time.perf_counter()
        self._run()
        seconds = time.perf_counter() - started
        status = self.h.getModelStatus()
        info = self.h.getInfo()
        S = highspy.HighsModelStatus
        if (
            status in (S.kInfeasible, S.kUnboundedOrInfeasible)
            and self.solution is not None
            and self._presolve_on()
        ):
            # Seen with highspy 1.16.0: presolve calls a model infeasible that
            # the stored plan satisfies (a stage held at the plan it started
            # from, warm-started or, after a misreported objective below,
            # solved again from scratch). Ask once more without presolve.
            self.h.setOptionValue("presolve", "off")
            try:
                return self.run(_less(time_limit, seconds), mip_gap, warm)
            finally:
                self.h.setOptionValue("presolve", "choose")
        if status in (S.kInfeasible, S.kUnboundedOrInfeasible):
            return RunResult("infeasible", None, None, None, seconds)
        has_plan = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if self.interrupted and not has_plan:
            return RunResult("limit", None, None, None, seconds, "interrupted")
        if status in (
            S.kModelError,
            S.kSolveError,
            S.kLoadError,
            S.kPresolveError,
            S.kPostsolveError,
            S.kUnbounded,
            S.kNotset,
        ):
            return RunResult("error", None, None, None, seconds, self.h.modelStatusToString(status))
        if not has_plan:
            return RunResult("limit", None, None, None, seconds)
        value = info.objective_function_value
        x = np.array(self.h.getSolution().col_value)
        reported = float(np.dot(self.objective_cost, x)) + self.objective_offset
        if warm and not _close(value, reported):
            # Seen with highspy 1.16.0: from some MIP starts HiGHS returns a
            # plan whose objective is not the one it reports, as "optimal".
            # Trust neither: solve again from scratch.
            self.h.clearSolver()
            return self.run(_less(time_limit, seconds), mip_gap, warm=False)
        bound, gap = (info.mip_dual_bound, info.mip_gap) if self.integer.any() else (value, 0.0)
        if self.lookahead:  # HiGHS's objective had the next term in it: report this one's
            value, gap = float(np.dot(self.cost, x)) + self.offset, math.nan
        if status == S.kOptimal:
            state = "optimal"
        else:
            state = "limit"
        self.solution = x
        return RunResult(state, value, bound, _gap(value, bound, gap), seconds)

    def _run(self) -> None:
        """Run HiGHS in its own thread so that Ctrl-C stops the search
        cleanly: HiGHS is told to stop and returns the best plan found."""
        if self.interrupted or (STOP.is_set() and not self.finishing):
            self.interrupted = True
            return  # a stop asked for earlier holds for the rest of the solve
        if self.finishing:
            # Once HiGHS was interrupted through its callback it interrupts
            # every later run with the callback in place: the clean-up LP
            # runs without it (it is short, and a Ctrl-C lets it finish).
            self.h.HandleKeyboardInterrupt = False
            try:
                self._wait_for_run()
            finally:
                self.h.HandleKeyboardInterrupt = True
            return
        self._wait_for_run()

    def _watch_mip(self) -> None:
        """Subscribe, once, to the MIP callbacks that give the best plan's
        value, the bound and the gap (highspy 1.13 and later)."""
        if self._watching:
            return
        self._watching = True

        def seen(event) -> None:
            out = event.data_out
            self._seen = (
                _finite(out.objective_function_value),
                _finite(out.mip_dual_bound),
                _finite(out.mip_gap),
            )

        self.h.cbMipInterrupt += seen
        self.h.cbMipImprovingSolution += seen

    def _wait_for_run(self) -> None:
        started = False
        clock = time.perf_counter()
        watch = None if self.finishing else self.watch
        if watch is not None:
            self._watch_mip()
        self._seen = None
        while True:
            try:
                if not started:
                    # A signal's handler runs as soon as the call returns:
                    # inside the try, so that the run it started is stopped.
                    started = True
                    self.h.startSolve()
                done, _ = self.h.wait(0.1)
                if done:
                    return
                if watch is not None:
                    seen = self._seen or (None, None, None)
                    watch(time.perf_counter() - clock, *seen)
                if STOP.is_set() and not self.interrupted and not self.finishing:
                    self.interrupted = True
                    self.h.cancelSolve()
            except KeyboardInterrupt:
                STOP.set()
                self.interrupted = True
                self.h.cancelSolve()

    def value_of_solution(self) -> float:
        """The current objective's value at the stored plan."""
        assert self.solution is not None, "no plan is stored"
        return float(np.dot(self.cost, self.solution)) + self.offset

    def load(self) -> None:
        """Put the last solution into the Pyomo variables."""
        if self.solution is None:
            return
        integer = self.integer
        for j, (v, x) in enumerate(zip(self.columns, self.solution, strict=True)):
            v.set_value(round(x) if integer[j] else x, skip_validation=True)

    def warm_from_model(self) -> None:
        """Take the Pyomo variables' current values as the next warm start."""
        self.solution = np.array([0.0 if v.value is None else v.value for v in self.columns])


def _less(time_limit: float | None, used: float) -> float | None:
    """What is left of a time limit once ``used`` seconds are spent (a retry
    shares its run's limit)."""
    return None if time_limit is None else max(time_limit - used, 0.01)


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) and abs(x) < INF else None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _gap(value: float, bound: float, highs_gap: float) -> float:
    if bound is None or not math.isfinite(bound):
        return math.inf
    diff = abs(value - bound)
    if diff <= 1e-9 * max(1.0, abs(value)):
        return 0.0
    return highs_gap if math.isfinite(highs_gap) else diff / max(abs(value), 1e-9)
