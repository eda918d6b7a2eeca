"""Starting plans and exact plans on the model handed to HiGHS: the LP
relaxation rounded and repaired, the previous stage's plan polished, the LP
with the whole-number choices fixed (for duals, and for the clean-up that
makes a plan exact). :class:`~planner.solver.highs.HighsModel` has these."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import highspy
import numpy as np

INF = highspy.kHighsInf


class StartingPlans:
    """The starting-plan and clean-up methods of a model handed to HiGHS;
    the attributes below are the model's (see HighsModel)."""

    h: highspy.Highs
    solution: np.ndarray | None
    int_idx: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    offset: float
    columns: list
    binary: Any
    round_up: Any
    adjust_rounding: Callable | None
    interrupted: bool
    finishing: bool
    fixed_lp_s: float
    relaxation_s: float

    def _run(self) -> None:
        raise NotImplementedError

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
        S = highspy.HighsModelStatus
        if (
            self.h.getModelStatus() in (S.kInfeasible, S.kUnboundedOrInfeasible)
            and self._presolve_on()
            and not self.interrupted
        ):
            # Presolve can call a feasible LP infeasible (as in run()): once more without.
            self.h.setOptionValue("presolve", "off")
            try:
                self._run()
            finally:
                self.h.setOptionValue("presolve", "choose")
        if self.h.getModelStatus() != S.kOptimal:
            return None
        return np.array(self.h.getSolution().col_value)

    def _presolve_on(self) -> bool:
        value = self.h.getOptionValue("presolve")  # (status, value) in highspy 1.11-1.16
        return (value[-1] if isinstance(value, tuple) else value) != "off"

    def _fixed_lp(self, ints: np.ndarray, time_limit: float | None) -> np.ndarray | None:
        """The LP with the integer columns fixed at ``ints`` (clipped to bounds)."""
        idx = self.int_idx
        fixed = np.clip(ints, self.lower[idx], self.upper[idx])
        self.h.changeColsBounds(len(idx), idx, fixed, fixed)
        started = time.perf_counter()
        try:
            return self._lp(time_limit)
        finally:
            self.fixed_lp_s = max(self.fixed_lp_s, time.perf_counter() - started)
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
                clock = time.perf_counter()
                relaxed = self._lp(left())
                self.relaxation_s = time.perf_counter() - clock
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

    def relaxation_bound(self, time_limit: float | None) -> float | None:
        """The optimum of the current objective's LP relaxation (every row,
        hold and bound in place, no whole numbers): a bound of the stage, or
        None when the LP was not solved in ``time_limit``. The stored plan is
        kept."""
        self._integrality(False)
        try:
            if self._lp(time_limit) is None:
                return None
            return float(self.h.getInfo().objective_function_value)
        finally:
            self._integrality(True)

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

    def clean_up(self) -> np.ndarray | None:
        """The stored plan made exact: every whole-number choice fixed at its
        rounded value and the rest re-optimized as an LP for the current
        objective, under the current row bounds (the stage holds). HiGHS
        accepts an integer column within 1e-6 of a whole number, and what
        hangs on it (say generation on 7e-7 units) does not round with it;
        this LP makes the continuous part consistent with the rounded
        choices. Stores and returns the plan, or None when that LP has no
        solution (the stored plan is then left as it was)."""
        if self.solution is None:
            return None
        interrupted = self.interrupted
        self._integrality(False)
        self.finishing = True  # a stop asked for before still lets this short LP run
        try:
            for _ in range(2):  # a Ctrl-C during this short LP: run it once more
                self.interrupted = False
                x = self._fixed_lp(np.round(self.solution[self.int_idx]), None)
                if x is not None or not self.interrupted:
                    break
        finally:
            self.finishing = False
            self._integrality(True)
            self.interrupted = interrupted or self.interrupted
        if x is None:
            return None
        x[self.int_idx] = np.round(x[self.int_idx])
        self.solution = x
        return x
