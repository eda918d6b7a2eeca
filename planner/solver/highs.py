"""A Pyomo model handed to HiGHS in memory, through Pyomo's standard-form
compiler and highspy.

The model is compiled once to sparse arrays (every objective term as a row of
costs); HiGHS keeps the model between runs, so a new objective, an added or
changed row, a changed bound and a warm start are each a call on the same
``Highs`` object. At 500 sites this hands the model over several times
faster than Pyomo's APPSI interface (BENCHMARKS.md).
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

INF = highspy.kHighsInf


@dataclass
class RunResult:
    status: str  # "optimal", "limit" (a limit stopped the search), "infeasible", "error"
    value: float | None  # objective of the best plan found (None: no plan)
    bound: float | None
    gap: float | None
    seconds: float
    message: str = ""


class HighsModel:
    """One compiled Pyomo model inside one persistent ``highspy.Highs``."""

    def __init__(self, model: pyo.ConcreteModel, objectives: dict[str, pyo.Objective],
                 options: dict | None = None, round_up: list | None = None,
                 adjust_rounding=None):
        """``round_up``: integer variables that a rounded start takes up, not
        down (choices that only enable others, such as a source's setup).
        ``adjust_rounding`` may mend a rounded start in place (a vector over
        all columns) where rounding each variable alone breaks a rule."""
        started = time.perf_counter()
        for obj in model.component_data_objects(pyo.Objective, active=True):
            obj.deactivate()
        for obj in objectives.values():
            obj.activate()
        info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
        for obj in objectives.values():
            obj.deactivate()
        self.compile_s = time.perf_counter() - started

        started = time.perf_counter()
        self.columns = info.columns
        self.column_of = {id(v): j for j, v in enumerate(self.columns)}
        n = len(self.columns)
        self.costs = {
            name: np.asarray(info.c[[i], :].toarray()).ravel()
            for i, name in enumerate(objectives)
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
        self.n_rows = A.shape[0]
        self.solution: np.ndarray | None = None
        self.handover_s = time.perf_counter() - started

    # ----------------------------------------------------------- objective
    def set_objective(self, term: str, maximize: bool) -> None:
        n = len(self.columns)
        self.cost, self.offset = self.costs[term], float(self.offsets[term])
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), self.cost)
        self.h.changeObjectiveOffset(self.offset)
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
        self.h.addRow(lower, upper, len(idx), np.asarray(idx, dtype=np.int32),
                      np.asarray(values, dtype=float))
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
        if status in (S.kInfeasible, S.kUnboundedOrInfeasible):
            return RunResult("infeasible", None, None, None, seconds)
        has_plan = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if self.interrupted and not has_plan:
            return RunResult("limit", None, None, None, seconds, "interrupted")
        if status in (S.kModelError, S.kSolveError, S.kLoadError, S.kPresolveError,
                      S.kPostsolveError, S.kUnbounded, S.kNotset):
            return RunResult("error", None, None, None, seconds, self.h.modelStatusToString(status))
        if not has_plan:
            return RunResult("limit", None, None, None, seconds)
        value = info.objective_function_value
        x = np.array(self.h.getSolution().col_value)
        if warm and not _close(value, float(np.dot(self.cost, x)) + self.offset):
            # Seen with highspy 1.16.0: from some MIP starts HiGHS returns a
            # plan whose objective is not the one it reports, as "optimal".
            # Trust neither: solve again from scratch.
            self.h.clearSolver()
            return self.run(time_limit, mip_gap, warm=False)
        bound, gap = (info.mip_dual_bound, info.mip_gap) if self.integer.any() else (value, 0.0)
        if status == S.kOptimal:
            state = "optimal"
        else:
            state = "limit"
        self.solution = x
        return RunResult(state, value, bound, _gap(value, bound, gap), seconds)

    def _run(self) -> None:
        """Run HiGHS in its own thread so that Ctrl-C stops the search
        cleanly: HiGHS is told to stop and returns the best plan found."""
        if self.interrupted:
            return  # a stop asked for earlier holds for the rest of the solve
        self.h.startSolve()
        while True:
            try:
                done, _ = self.h.wait(0.1)
                if done:
                    return
            except KeyboardInterrupt:
                self.interrupted = True
                self.h.cancelSolve()

    # ------------------------------------------------------ starting plans
    def _integrality(self, on: bool) -> None:
        idx = self.int_idx
        kind = np.full(len(idx), 1 if on else 0, dtype=np.uint8)
        self.h.changeColsIntegrality(len(idx), idx, kind)

    def _lp(self, time_limit: float | None) -> np.ndarray | None:
        """Solve the current problem as an LP; its solution, or None."""
        # An LP's time limit counts against the Highs object's run time so far
        # (a MIP's against its own run), so it is set past what has been used.
        limit = INF if time_limit is None else self.h.getRunTime() + max(time_limit, 0.01)
        self.h.setOptionValue("time_limit", limit)
        self._run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return np.array(self.h.getSolution().col_value)

    def _fixed_lp(self, ints: np.ndarray, time_limit: float | None) -> np.ndarray | None:
        """The LP with the integer columns fixed at ``ints`` (clipped to bounds)."""
        idx = self.int_idx
        fixed = np.clip(ints, self.lower[idx], self.upper[idx])
        self.h.changeColsBounds(len(idx), idx, fixed, fixed)
        try:
            return self._lp(time_limit)
        finally:
            self.h.changeColsBounds(len(idx), idx, self.lower[idx], self.upper[idx])

    def find_start(self, time_limit: float | None = None) -> float | None:
        """A starting plan for the current objective, stored as the warm start.

        If there is a plan already (the previous stage's), polish it: keep
        its whole-number choices and re-optimize the rest as an LP. Otherwise
        solve the LP relaxation and round it (units down, yes/no choices to
        the nearest), then repair the rest as an LP. Returns the start's
        objective, or None when no start was found.
        """
        if not len(self.int_idx):
            return None
        deadline = None if time_limit is None else time.perf_counter() + time_limit

        def left() -> float | None:  # the LPs share the time limit
            return None if deadline is None else max(deadline - time.perf_counter(), 0.01)

        self._integrality(False)
        try:
            candidates = []
            if self.solution is not None:
                candidates.append(np.round(self.solution[self.int_idx]))
            else:
                relaxed = self._lp(left())
                if relaxed is not None:
                    x = relaxed[self.int_idx]
                    is_bin = self.binary[self.int_idx]
                    up = self.round_up[self.int_idx]
                    down = np.floor(x + 1e-6)
                    ceil = np.ceil(x - 1e-6)
                    candidates.append(np.where(up, ceil, np.where(is_bin, np.round(x), down)))
                    candidates.append(np.where(up, ceil, down))
                    if self.adjust_rounding is not None:
                        for ints in candidates:
                            full = np.zeros(len(self.columns))
                            full[self.int_idx] = ints
                            self.adjust_rounding(full)
                            ints[:] = full[self.int_idx]
            for ints in candidates:  # best first: keep the first that repairs
                if deadline is not None and time.perf_counter() >= deadline:
                    break
                repaired = self._fixed_lp(ints, left())
                if repaired is not None:
                    repaired[self.int_idx] = np.round(repaired[self.int_idx])
                    self.solution = repaired
                    return float(np.dot(self.cost, repaired)) + self.offset
        finally:
            self._integrality(True)
        if self.solution is None:
            # The empty plan: every variable at the bound nearest 0. It is
            # feasible when nothing is committed; HiGHS checks it.
            self.solution = np.clip(0.0, self.lower, self.upper)
        return None

    def fixed_lp_duals(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Row and column duals of the current objective's LP with every
        whole-number choice fixed at the last plan's: what one more unit of a
        row's bound (or a column's) is worth, all choices kept."""
        if self.solution is None:
            return None
        self._integrality(False)
        try:
            x = self._fixed_lp(np.round(self.solution[self.int_idx]), None)
            if x is None:
                return None
            sol = self.h.getSolution()
            return np.array(sol.row_dual), np.array(sol.col_dual)
        finally:
            self._integrality(True)

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


def new_highs() -> highspy.Highs:
    """A ``Highs`` object, without the banner HiGHS prints on stdout when one
    is made (before any option can turn it off): stdout is for plans."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        h = highspy.Highs()
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    return h


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _gap(value: float, bound: float, highs_gap: float) -> float:
    if bound is None or not math.isfinite(bound):
        return math.inf
    diff = abs(value - bound)
    if diff <= 1e-9 * max(1.0, abs(value)):
        return 0.0
    return highs_gap if math.isfinite(highs_gap) else diff / max(abs(value), 1e-9)
